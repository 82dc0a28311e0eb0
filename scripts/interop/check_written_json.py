#!/usr/bin/env python3
"""Every JSON file aecos writes must validate against the JSON Schema that documents it
(docs/schemas/, listed in docs/DATA.md "JSON Schemas").

It runs the aecos binary only to obtain what is judged: `aecos demo --json --dir DIR` on
a fresh copy of the sample project, then in that copy every export target (`aecos export
T` for g703 of every pay period, xer, mspdi, ifc in each IFC schema, procore-budget,
procore-commitments, procore-change-orders, qb-iif, qbo-invoices, qbo-journal, sage-ap,
sage-jc, reconcile); then imports that write the remaining records: copies of the
schedule update and model revision the demo imported, with one name changed here and
differently in the copy (a schedule and a model conflict), aecos's own QuickBooks IIF (after
`aecos integrate data-flow` allows QuickBooks pulls) and Procore budget file read back (a
pulled IIF and a pulled table); and `aecos approve` for every exchange a data-flow rule held
(its plan.json is judged before approval, what it writes after).  Then it walks the copy
and validates, with jsonschema (draft 2020-12, formats checked):

  - every *.json that aecos wrote (new, or different from examples/...), and
  - every *.json under records/ and integration/ (the records aecos reads, some of which
    it rewrites, e.g. records/schedule/project.json on a schedule import), and
  - each line of audit/audit.jsonl,

against the schema its path names (SCHEMA_OF below).  A written file no pattern names is a
failure: document it (a schema and a row in DATA.md's table), never skip it.  Unchanged
files of the sample outside records/ and integration/ (AEC OS's element folders and
aecos_project.json) are inputs aecos did not write; they are counted on one NOTE line.

Prints one line per file (`ok   PATH (SCHEMA)` or `FAIL PATH (SCHEMA)` with the errors),
a count per schema, and writes "PASSED FAILED" to --counts.  A schema of SCHEMA_OF that
judged no file is a failure (the run must keep covering every documented file).

Usage (see scripts/interop.sh):
  check_written_json.py --aecos BIN --example examples/riverside-clinic --work DIR [--counts FILE]
Exit status: 0 all passed, 1 a check failed.
"""

import argparse
import csv
import filecmp
import fnmatch
import glob
import json
import os
import shutil
import subprocess
import sys

from jsonschema import Draft202012Validator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = os.path.join(ROOT, "docs", "schemas")
# Export targets beside g703 (exported per pay period) and ifc (per IFC schema).
TARGETS = ["xer", "mspdi", "procore-budget", "procore-commitments", "procore-change-orders",
           "qb-iif", "qbo-invoices", "qbo-journal", "sage-ap", "sage-jc", "reconcile"]
IFC_SCHEMAS = ["IFC2X3", "IFC4", "IFC4X3_ADD2"]
# Project-relative path pattern (fnmatch, `*` crosses `/`) -> schema; first match wins.
SCHEMA_OF = [
    ("outbox/*.manifest.json", "export_manifest"),
    ("outbox/*_guid-map.json", "ifc_guid_map"),
    ("records/contract.json", "contract"),
    ("records/change_orders/*.json", "change_order"),
    ("records/pay_apps/*.json", "pay_app"),
    ("records/costs/commitments/*.json", "commitment"),
    ("records/schedule/project.json", "schedule_project"),
    ("records/schedule/calendars.json", "schedule_calendars"),
    ("records/pulled/*/schedule/*/project.json", "schedule_project"),
    ("records/pulled/*/schedule/*/calendars.json", "schedule_calendars"),
    ("records/pulled/*/model/elements.json", "pulled_model"),
    ("records/pulled/*/model/changes/*.json", "model_changes"),
    ("records/pulled/quickbooks/transactions/*.json", "pulled_iif"),
    ("records/pulled/*/pay_application/*.json", "pulled_g703"),
    ("records/pulled/*/*/*.json", "pulled_table"),
    ("integration/data_flow_rules.json", "data_flow_rules"),
    ("integration/integration_manifest.json", "integration_manifest"),
    ("integration/sync_schedules.json", "sync_schedules"),
    ("integration/conflicts/*-schedule-*.json", "schedule_conflicts"),
    ("integration/conflicts/*-model-*.json", "model_conflicts"),
    ("integration/pending/*/plan.json", "pending_plan"),
    ("elements/element_*/metadata.json", "element_metadata"),
    ("elements/element_*/properties/psets.json", "element_psets"),
    ("elements/element_*/materials/materials.json", "element_materials"),
    ("elements/element_*/geometry/shape.json", "element_shape"),
    ("elements/element_*/relationships/spatial.json", "element_spatial"),
    ("audit/audit.jsonl", "audit_entry"),  # each line
]
MAX_ERRORS = 8


def schema_for(rel):
    for pattern, name in SCHEMA_OF:
        if fnmatch.fnmatchcase(rel, pattern):
            return name
    return None


class Validators:
    def __init__(self):
        self.cache = {}

    def get(self, name):
        if name not in self.cache:
            with open(os.path.join(SCHEMAS, name + ".schema.json"), encoding="utf-8") as f:
                schema = json.load(f)
            Draft202012Validator.check_schema(schema)
            self.cache[name] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return self.cache[name]

    def errors(self, name, value, where=""):
        return [f"{where}{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
                for e in self.get(name).iter_errors(value)]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-500:]}")
    return json.loads(r.stdout) if "--json" in cmd else r.stdout


def held_ids(rep):
    """Pending ids of an export or import report that a data-flow rule held."""
    if rep.get("status") == "held":
        return [rep["pending_id"]]
    return [f["pending_id"] for f in rep.get("files", []) if f.get("status") == "held"]


def first_unique(candidates, data):
    """The first candidate text that occurs exactly once in data (bytes)."""
    for c in candidates:
        if c and data.count(c.encode()) == 1:
            return c
    raise RuntimeError("no candidate occurs exactly once in the file")


def conflicting_edits(project, work):
    """Changes one activity name and one element name here, and differently in copies of
    the schedule update and the model revision the demo imported: importing the copies
    must record a schedule conflict and a model conflict."""
    processed = os.path.join(project, "inbox", "processed")
    xer = open(glob.glob(os.path.join(processed, "*.xer"))[0], "rb").read()
    acts_path = os.path.join(project, "records", "schedule", "activities.csv")
    with open(acts_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    name = first_unique([r["name"] for r in rows], xer)
    with open(acts_path, encoding="utf-8", newline="") as f:
        text = f.read()
    with open(acts_path, "w", encoding="utf-8", newline="") as f:
        f.write(text.replace(f",{name},", f",{name} (ours),", 1))
    out_xer = os.path.join(work, "conflicting_update.xer")
    open(out_xer, "wb").write(xer.replace(name.encode(), f"{name} (theirs)".encode()))

    ifc = open(glob.glob(os.path.join(processed, "*.ifc"))[0], "rb").read()
    metas = sorted(glob.glob(os.path.join(project, "elements", "element_*", "metadata.json")))
    names = {}
    for m in metas:
        n = json.load(open(m, encoding="utf-8")).get("Name")
        if n:
            names.setdefault(f"'{n}'", m)
    quoted = first_unique(list(names), ifc)
    meta = json.load(open(names[quoted], encoding="utf-8"))
    meta["Name"] += " (ours)"
    with open(names[quoted], "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, indent=2) + "\n")
    out_ifc = os.path.join(work, "conflicting_model.ifc")
    open(out_ifc, "wb").write(ifc.replace(quoted.encode(), f"{quoted[:-1]} (theirs)'".encode()))
    return [out_xer, out_ifc]


def produce(aecos, example, project, work, fail):
    """Runs the demo and every export in `project`, then imports that write the other
    records (conflicts, a pulled IIF and a pulled table, round trips of aecos's own
    exports); returns {plan path: plan} of the exchanges held for approval."""
    run([aecos, "demo", "--json", "--dir", project])
    periods = sorted(json.load(open(p))["period_to"][:7]
                     for p in glob.glob(os.path.join(example, "records", "pay_apps", "*.json")))
    jobs = [["export", "g703", "--period", p] for p in periods]
    jobs += [["export", "ifc", "--schema", s] for s in IFC_SCHEMAS] + [["export", t] for t in TARGETS]
    held = []

    def step(cmd):
        try:
            held.extend(held_ids(run([aecos, *cmd, "--project", project, "--json"])))
        except Exception as e:  # noqa: BLE001  a failed command is a failure, not a skip
            fail(" ".join(cmd), str(e))

    for job in jobs:
        step(job)
    # Conflicts: the same fields changed here and in the files, differently.
    try:
        for f in conflicting_edits(project, work):
            step(["import", f])
    except Exception as e:  # noqa: BLE001
        fail("conflicting edits", f"{type(e).__name__}: {e}")
    # Pulled records: aecos's own IIF (the sample blocks QuickBooks pulls: allow them) and
    # Procore budget import file read back.
    step(["integrate", "data-flow", "quickbooks", "--data-type", "transactions", "--pull", "allowed"])
    for pattern in ["outbox/quickbooks/*_qb-iif_*.iif", "outbox/procore/*_procore-budget_import.csv"]:
        found = sorted(glob.glob(os.path.join(project, pattern)))
        if not found:
            fail(f"import {pattern}", "the export wrote no such file")
            continue
        copy = os.path.join(work, "back_" + os.path.basename(found[0]))
        shutil.copyfile(found[0], copy)
        step(["import", copy])
    plans = {}
    for pid in held:
        rel = f"integration/pending/{pid}/plan.json"
        with open(os.path.join(project, rel), encoding="utf-8") as f:
            plans[rel] = json.load(f)
        step(["approve", pid])
    return plans


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--aecos", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--counts")
    a = ap.parse_args(argv)
    os.makedirs(a.work, exist_ok=True)
    project = os.path.join(a.work, "demo")
    shutil.rmtree(project, ignore_errors=True)
    v = Validators()
    passed = failed = 0
    per_schema = {}

    def fail(name, *problems):
        nonlocal failed
        failed += 1
        print(f"FAIL {name}")
        for p in problems[:MAX_ERRORS]:
            print(f"     {p}")
        if len(problems) > MAX_ERRORS:
            print(f"     ... and {len(problems) - MAX_ERRORS} more")

    def judge(rel, schema, problems):
        nonlocal passed
        n = per_schema.setdefault(schema or "(no schema)", [0, 0])
        if problems:
            n[1] += 1
            fail(f"{rel} ({schema or 'no schema'})", *problems)
        else:
            n[0] += 1
            passed += 1
            print(f"ok   {rel} ({schema})")

    try:
        plans = produce(a.aecos, a.example, project, a.work, fail)
    except Exception as e:  # noqa: BLE001
        fail("demo", str(e))
        plans = {}

    # held plans, as they were before approval removed them
    for rel, plan in sorted(plans.items()):
        judge(f"{rel} (before approval)", "pending_plan", v.errors("pending_plan", plan))

    inputs = 0
    for dirpath, dirnames, filenames in os.walk(project):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".json", ".jsonl")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, project).replace(os.sep, "/")
            orig = os.path.join(a.example, rel)
            written = not (os.path.isfile(orig) and filecmp.cmp(orig, path, shallow=False))
            schema = schema_for(rel)
            if not written and not rel.startswith(("records/", "integration/")):
                inputs += 1  # AEC OS's own files of the sample, untouched by aecos
                continue
            if schema is None:
                judge(rel, None, ["no schema documents this file: add one to docs/schemas/ and DATA.md"])
                continue
            problems = []
            try:
                if rel.endswith(".jsonl"):
                    with open(path, encoding="utf-8") as f:
                        for i, line in enumerate(f, start=1):
                            problems += v.errors(schema, json.loads(line), f"line {i}: ")
                else:
                    with open(path, encoding="utf-8") as f:
                        problems = v.errors(schema, json.load(f))
            except Exception as e:  # noqa: BLE001  unreadable JSON is a failure
                problems.append(f"{type(e).__name__}: {e}")
            judge(rel, schema, problems)

    # every schema of SCHEMA_OF must have judged at least one file
    not_exercised = sorted(set(n for _, n in SCHEMA_OF) - set(per_schema))
    print(f"NOTE {inputs} unchanged files of the sample outside records/ and integration/ "
          "(AEC OS's element folders, aecos_project.json) were not written by aecos and not checked")
    for schema in not_exercised:
        fail(f"{schema}: no file of this schema was written in this run", "extend the run so that aecos writes one")
    for schema, (p, f) in sorted(per_schema.items()):
        print(f"  {schema:<22} {p}/{p + f} ok")
    print(f"written-json: {passed} passed, {failed} failed")
    if a.counts:
        with open(a.counts, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
