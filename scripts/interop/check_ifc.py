#!/usr/bin/env python3
"""IFC interop check for aecos, judged by IfcOpenShell.

An oracle written without aecos: it runs the aecos binary only to get what is
judged (`aecos inspect FILE --json`); every expected value comes from
IfcOpenShell (`ifcopenshell.open`, `by_type("IfcProduct")` and
`ifcopenshell.util.element.get_psets`).

For every $AECOS_CORPUS/ifc/*.ifc and *.ifczip file:
  * IfcOpenShell opens it: aecos must read it too, list the same products
    (matched by STEP instance number) with equal GlobalId, class and name, and
    equal property sets: same set names, same property names, strings equal
    exactly, numbers within a relative tolerance of 1e-9, lists and nested
    objects element by element.  IfcOpenShell's values are put in JSON form
    first: tuples are lists, a None key is "null", a typed value (an
    entity_instance with id 0) is its wrappedValue and a reference to an
    instance is {"id": n, "type": class}.
  * IfcOpenShell cannot open it (unsupported schema, syntax error): a NOTE
    line says so with IfcOpenShell's error and aecos's verdict (read, with its
    product count, or its error); such files are not counted.

Usage (see scripts/interop.sh):
  check_ifc.py --aecos BIN [--corpus DIR] [--counts FILE] [--only NAME ...]

Exit status: 0 all checks passed, 1 a check failed.  Every disagreement is
printed (file, product, set, property, ours vs IfcOpenShell's), at most 10 per
file.
"""

import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time

import ifcopenshell
import ifcopenshell.util.element


def to_json(v):
    """IfcOpenShell's value in the JSON form aecos prints."""
    if isinstance(v, ifcopenshell.entity_instance):
        if v.id() == 0:
            return to_json(v.wrappedValue)
        return {"id": v.id(), "type": v.is_a()}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {("null" if k is None else str(k)): to_json(x) for k, x in v.items()}
    return v


def same(a, b, where, fail):
    """Compares ours (a) with IfcOpenShell's (b), reporting differences."""
    if isinstance(a, bool) or isinstance(b, bool):
        if a is not b:
            fail(f"{where}: ours {a!r}, IfcOpenShell {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300):
            fail(f"{where}: ours {a!r}, IfcOpenShell {b!r}")
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                fail(f"{where}.{k}: missing in ours (IfcOpenShell {b[k]!r})")
            elif k not in b:
                fail(f"{where}.{k}: extra in ours ({a[k]!r})")
            else:
                same(a[k], b[k], f"{where}.{k}", fail)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            fail(f"{where}: ours has {len(a)} items, IfcOpenShell {len(b)}")
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{where}[{i}]", fail)
    elif a != b:
        fail(f"{where}: ours {a!r}, IfcOpenShell {b!r}")


def aecos_inspect(aecos, path):
    p = subprocess.run([aecos, "inspect", path, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        try:  # with --json the error is a JSON object on stdout
            err = json.loads(p.stdout)["error"]
        except (ValueError, KeyError, TypeError):
            err = " ".join(p.stderr.split()) or "(no message)"
        return None, f"exit {p.returncode}: {err}"
    return json.loads(p.stdout), None


def check_file(aecos, path, label, fail, note):
    try:
        model = ifcopenshell.open(path)
    except Exception as e:  # noqa: BLE001  IfcOpenShell's verdict is reported, not judged
        ours, err = aecos_inspect(aecos, path)
        verdict = f"aecos error: {err}" if ours is None else f"aecos read it: schema {ours['schema']}, {ours['entities']} entities, {len(ours['products'])} products"
        note(f"{label}: IfcOpenShell cannot open it ({type(e).__name__}: {str(e)[:80]}); {verdict}")
        return False
    ours, err = aecos_inspect(aecos, path)
    if ours is None:
        fail(f"{label}: IfcOpenShell opens it, aecos fails: {err}")
        return True
    if ours.get("format") != "ifc":
        fail(f"{label}: format {ours.get('format')!r}, expected 'ifc'")
    theirs = {p.id(): p for p in model.by_type("IfcProduct")}
    mine = {p["id"]: p for p in ours.get("products", [])}
    if ours.get("entities") != len(list(model)):
        fail(f"{label}: {ours.get('entities')} entities, IfcOpenShell {len(list(model))}")
    for i in sorted(set(theirs) - set(mine)):
        fail(f"{label}: product #{i} ({theirs[i].is_a()}) missing in ours")
    for i in sorted(set(mine) - set(theirs)):
        fail(f"{label}: extra product #{i} ({mine[i]['class']}) in ours")
    for i in sorted(set(mine) & set(theirs)):
        m, t = mine[i], theirs[i]
        where = f"{label} #{i}"
        same(m["global_id"], t.GlobalId, f"{where} GlobalId", fail)
        same(m["class"], t.is_a(), f"{where} class", fail)
        same(m["name"], t.Name, f"{where} Name", fail)
        same(m["psets"], to_json(ifcopenshell.util.element.get_psets(t)), f"{where} psets", fail)
    return True


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []
        self.notes = 0

    def run(self, label, fn):
        problems = []
        try:
            counted = fn(problems.append, self.note)
        except Exception as e:  # noqa: BLE001  an unreadable input is a failure
            problems.append(f"{type(e).__name__}: {e}")
            counted = True
        if not counted:
            return
        if problems:
            self.failed.append(label)
            print(f"FAIL ifc {label}: {len(problems)} differences")
            for p in problems[:10]:
                print(f"     {p}")
        else:
            self.passed += 1
            if os.environ.get("INTEROP_VERBOSE"):
                print(f"ok   ifc {label}")

    def note(self, text):
        self.notes += 1
        print(f"NOTE ifc {text}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--aecos", required=True)
    ap.add_argument("--corpus", default=os.environ.get("AECOS_CORPUS"))
    ap.add_argument("--counts", help="write 'PASSED FAILED' to this file")
    ap.add_argument("--only", action="append", help="check only corpus files with this name")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    res = Results()
    corpus = a.corpus or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "corpus")
    files = sorted(
        f for f in glob.glob(os.path.join(corpus, "ifc", "*")) if f.lower().endswith((".ifc", ".ifczip"))
    )
    if a.only:
        files = [f for f in files if os.path.basename(f) in a.only]
    if not files:
        res.failed.append("corpus")
        print(f"FAIL ifc: no .ifc/.ifczip files in {corpus}/ifc")
    aecos = os.path.abspath(a.aecos)
    for path in files:
        label = os.path.basename(path)
        res.run(label, lambda fail, note, p=path, l=label: check_file(aecos, p, l, fail, note))
    print(
        f"ifc checks: {res.passed} ok, {len(res.failed)} failed, {res.notes} not comparable "
        f"(IfcOpenShell cannot open them; see NOTE) ({time.monotonic() - t0:.0f}s)"
    )
    if a.counts:
        with open(a.counts, "w") as f:
            f.write(f"{res.passed} {len(res.failed)}\n")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
