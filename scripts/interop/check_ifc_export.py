#!/usr/bin/env python3
"""IFC export interop checks for aecos, judged by ifcopenshell.

An oracle written without aecos: it never imports aecos code.  It runs the aecos binary
only to obtain what is judged (`aecos export ifc --schema S`); every expected value comes
from the sample project's own files (elements/*/..., records/schedule/activities.csv,
records/element_status.csv), read here with json/csv, and from ifcopenshell's bundled
buildingSMART property set templates.

Per schema (IFC2X3, IFC4, IFC4X3_ADD2):
  validate   ifcopenshell.validate with EXPRESS rules reports no error; a copy with one
             GlobalId duplicated must be caught (the validator is awake).
  elements   one product per element folder, matched by GlobalId through the GUID map
             beside the model (valid against docs/schemas/ifc_guid_map.schema.json): IFC base64 ids kept, hex ids minted (valid, unique,
             map complete and consistent); class (or the recorded substitute, which must
             exist in the schema), Name, Tag (LongName for spaces).
  psets      every project property is in the model with the same value; standard
             Pset_ sets only where the schema has a template, each property typed as
             the template says; no custom set named Pset_; Qto_ sets as quantities.
  materials  material names per element, in order.
  storeys    containing storey per element equals spatial.json's storey.
  status     AECOS_Status.Status equals the status the records give.
  repeat     exporting again reports `unchanged`.

Usage (see scripts/interop.sh):
  check_ifc_export.py --aecos BIN --example examples/riverside-clinic --work DIR [--counts FILE]
Exit status: 0 all passed, 1 a check failed.
"""

import argparse
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal

import ifcopenshell
import ifcopenshell.guid
import ifcopenshell.util.element as uel
import ifcopenshell.util.pset as upset
import ifcopenshell.validate as validate
from jsonschema import Draft202012Validator

SCHEMAS = ["IFC2X3", "IFC4", "IFC4X3_ADD2"]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"
HEX = set("0123456789ABCDEF")


def is_hex22(s):
    return len(s) == 22 and set(s) <= HEX


def valid_guid(s):
    if len(s) != 22 or s[0] not in "0123" or any(c not in ALPHABET for c in s):
        return False
    try:
        ifcopenshell.guid.expand(s)
        return True
    except Exception:  # noqa: BLE001
        return False


def load_project(example):
    els = {}
    for d in sorted(glob.glob(os.path.join(example, "elements", "element_*"))):
        meta = json.load(open(os.path.join(d, "metadata.json")))
        def opt(rel, default):
            p = os.path.join(d, rel)
            return json.load(open(p)) if os.path.exists(p) else default
        psets = opt("properties/psets.json", None)
        if psets is None:
            psets = {}
            for k, v in (meta.get("Psets") or {}).items():
                s, p = k.split(".", 1)
                psets.setdefault(s, {})[p] = v
        els[meta["GlobalId"]] = {
            "class": meta["IFCClass"], "name": meta.get("Name"), "tag": meta.get("Tag"),
            "object_type": meta.get("ObjectType"),
            "psets": psets, "materials": [m["name"] for m in opt("materials/materials.json", [])],
            "spatial": opt("relationships/spatial.json", {}),
        }
    return els


def expected_status(example):
    """installed / in_progress / not_started from the activities, then the field log."""
    by = {}
    path = os.path.join(example, "records", "schedule", "activities.csv")
    if os.path.exists(path):
        for row in csv.DictReader(open(path, newline="")):
            for e in (x.strip() for x in row["elements"].split(";")):
                if e:
                    by.setdefault(e, []).append(row["status"])
    out = {}
    for e, sts in by.items():
        if all(s == "complete" for s in sts):
            out[e] = "installed"
        elif all(s == "not_started" for s in sts):
            out[e] = "not_started"
        else:
            out[e] = "in_progress"
    log = os.path.join(example, "records", "element_status.csv")
    if os.path.exists(log):
        latest = {}
        for row in csv.DictReader(open(log, newline="")):
            if row["global_id"] not in latest or latest[row["global_id"]][0] <= row["date"]:
                latest[row["global_id"]] = (row["date"], row["status"])
        out.update({k: v[1] for k, v in latest.items()})
    return out


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return Decimal(repr(a)) == Decimal(repr(b))
    return a == b


def props_of(definition):
    """name -> (value, IFC type) of a property set or quantity set."""
    out = {}
    if definition.is_a("IfcElementQuantity"):
        for q in definition.Quantities:
            out[q.Name] = (q[3], q.is_a())
        return out
    for p in definition.HasProperties:
        if p.is_a("IfcPropertySingleValue"):
            v = p.NominalValue
            out[p.Name] = (v.wrappedValue if v is not None else None, v.is_a() if v is not None else None)
        elif p.is_a("IfcPropertyEnumeratedValue"):
            v = p.EnumerationValues[0]
            out[p.Name] = (v.wrappedValue, "enum:" + (p.EnumerationReference.Name if p.EnumerationReference else ""))
        elif p.is_a("IfcPropertyListValue"):
            v = p.ListValues[0]
            out[p.Name] = (v.wrappedValue, v.is_a())
    return out


def check_schema(fail, aecos, example, work, schema, project, statuses):
    out = os.path.join(work, schema)
    r = subprocess.run([aecos, "export", "ifc", "--schema", schema, "--project", os.path.join(work, "p"), "--out", out, "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"export failed: {r.stderr.strip()}")
        return
    report = json.loads(r.stdout)
    model = [f["path"] for f in report["files"] if f["format"] == "ifc"][0]
    gmap = [f["path"] for f in report["files"] if f["format"] == "ifc-guid-map"][0]
    model = model if os.path.isabs(model) else os.path.join(work, "p", model)
    gmap = gmap if os.path.isabs(gmap) else os.path.join(work, "p", gmap)
    raw = open(model, "rb").read()
    if any(b > 0x7E or (b < 0x20 and b not in (0x0A, 0x0D)) for b in raw):
        fail("the file is not ASCII")

    # validate (and prove the validator catches a duplicated GlobalId)
    f = ifcopenshell.open(model)
    if f.schema_identifier != schema and f.schema != schema:
        fail(f"FILE_SCHEMA is {f.schema_identifier}")
    lg = validate.json_logger()
    validate.validate(f, lg, express_rules=True)
    errors = [s for s in lg.statements if s.get("level") == "error"]
    for e in errors[:10]:
        fail(f"validate: {e['message'].splitlines()[0]} on {e.get('instance')}")
    walls = f.by_type("IfcWall")
    if len(walls) >= 2:
        text = raw.decode("ascii")
        tampered = text.replace(walls[1].GlobalId, walls[0].GlobalId)
        tp = os.path.join(work, f"{schema}-tampered.ifc")
        open(tp, "w").write(tampered)
        lg2 = validate.json_logger()
        validate.validate(ifcopenshell.open(tp), lg2, express_rules=False)
        if not any(s.get("level") == "error" for s in lg2.statements):
            fail("a duplicated GlobalId was not reported by the validator")

    # GlobalIds and the map (which must match its documented JSON Schema)
    gm = json.load(open(gmap))
    schema_file = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "schemas", "ifc_guid_map.schema.json")
    for err in Draft202012Validator(json.load(open(schema_file))).iter_errors(gm):
        fail(f"GUID map: {err.message} at {list(err.absolute_path)}")
    entries = {e["aecos_id"]: e for e in gm["elements"]}
    if set(entries) != set(project):
        fail(f"GUID map covers {len(entries)} elements, project has {len(project)}")
    all_guids = [e.GlobalId for e in f.by_type("IfcRoot")]
    if len(all_guids) != len(set(all_guids)):
        fail("GlobalIds are not unique")
    for g in all_guids:
        if not valid_guid(g):
            fail(f"invalid GlobalId {g}")
    for aid, e in entries.items():
        if is_hex22(aid):
            if not e["minted"] or e["ifc_guid"] == aid:
                fail(f"{aid}: hex id not minted")
        elif e["ifc_guid"] != aid or e["minted"]:
            fail(f"{aid}: IFC GlobalId not kept ({e['ifc_guid']})")

    # elements
    templates = upset.get_template(schema)
    schema_decl = ifcopenshell.ifcopenshell_wrapper.schema_by_name(schema)
    n_products = len(f.by_type("IfcElement")) + len(f.by_type("IfcSpace"))
    if n_products != len(project):
        fail(f"{n_products} products in the model, {len(project)} element folders")
    for aid, el in project.items():
        guid = entries.get(aid, {}).get("ifc_guid")
        try:
            p = f.by_guid(guid)
        except Exception:  # noqa: BLE001
            fail(f"{aid}: no product with GlobalId {guid}")
            continue
        want_entity = entries[aid]["entity"]
        if p.is_a() != want_entity:
            fail(f"{aid}: entity {p.is_a()}, map says {want_entity}")
        if want_entity != el["class"]:
            try:
                schema_decl.declaration_by_name(el["class"])
                fail(f"{aid}: {el['class']} exists in {schema} but was substituted by {want_entity}")
            except Exception:  # noqa: BLE001
                # The map records it; ObjectType carries it unless the element has its own.
                want_ot = el.get("object_type") or el["class"]
                if p.ObjectType != want_ot:
                    fail(f"{aid}: ObjectType {p.ObjectType!r}, expected {want_ot!r}")
        if p.Name != el["name"]:
            fail(f"{aid}: Name {p.Name!r} != {el['name']!r}")
        tag = p.LongName if p.is_a("IfcSpace") else p.Tag
        if tag != el["tag"]:
            fail(f"{aid}: tag {tag!r} != {el['tag']!r}")
        # property sets: every project property found with its value and right type
        sets = {}
        for rel in p.IsDefinedBy:
            if rel.is_a("IfcRelDefinesByProperties"):
                d = rel.RelatingPropertyDefinition
                sets[d.Name] = props_of(d)
                if d.is_a("IfcPropertySet") and d.Name.lower().startswith("pset_"):
                    t = templates.get_by_name(d.Name)
                    if t is None:
                        fail(f"{aid}: {d.Name} has no template in {schema} (custom sets must not be named Pset_)")
                        continue
                    tprops = {tp.Name: tp for tp in t.HasPropertyTemplates}
                    for name, (value, typ) in sets[d.Name].items():
                        tp = tprops.get(name)
                        if tp is None:
                            fail(f"{aid}: {d.Name}.{name} is not in the template")
                        elif value is not None and tp.TemplateType == "P_ENUMERATEDVALUE":
                            items = [v.wrappedValue for v in tp.Enumerators.EnumerationValues]
                            if not typ.startswith("enum:") or value not in items:
                                fail(f"{aid}: {d.Name}.{name} = {value} ({typ}) is not one of {items}")
                        elif value is not None and typ != tp.PrimaryMeasureType:
                            fail(f"{aid}: {d.Name}.{name} typed {typ}, template says {tp.PrimaryMeasureType}")
        for s, props in el["psets"].items():
            for k, v in props.items():
                cands = [sets.get(s, {}).get(k)]
                if s.lower().startswith("pset_"):
                    cands.append(sets.get("AECOS_" + s[5:], {}).get(k))
                hit = [c for c in cands if c is not None]
                if not hit:
                    if v is not None:
                        fail(f"{aid}: {s}.{k} missing")
                    continue
                got, typ = hit[0]
                if isinstance(got, str) and isinstance(v, str) and typ and typ.startswith("enum:"):
                    ok = got == v.upper()
                else:
                    ok = same(got, v)
                if not ok:
                    fail(f"{aid}: {s}.{k} = {got!r} ({typ}), project has {v!r}")
                if s.lower().startswith("qto_") and not (typ or "").startswith("IfcQuantity"):
                    fail(f"{aid}: {s}.{k} is not a quantity ({typ})")
        # materials
        mats = []
        for rel in p.HasAssociations:
            if rel.is_a("IfcRelAssociatesMaterial"):
                m = rel.RelatingMaterial
                if m.is_a("IfcMaterial"):
                    mats = [m.Name]
                elif m.is_a("IfcMaterialLayerSet"):
                    mats = [l.Material.Name for l in m.MaterialLayers]
                elif m.is_a("IfcMaterialList"):
                    mats = [x.Name for x in m.Materials]
        if mats != el["materials"]:
            fail(f"{aid}: materials {mats} != {el['materials']}")
        # storey
        storey = el["spatial"].get("storey_name")
        if p.is_a("IfcSpace"):
            parent = p.Decomposes[0].RelatingObject if p.Decomposes else None
        else:
            parent = uel.get_container(p)
        if storey and (parent is None or not parent.is_a("IfcBuildingStorey") or parent.Name != storey):
            fail(f"{aid}: in {parent and parent.Name}, spatial.json says storey {storey}")
        # status
        st = statuses.get(aid)
        got = sets.get("AECOS_Status", {}).get("Status", (None, None))[0]
        if got != st:
            fail(f"{aid}: AECOS_Status.Status {got!r}, records give {st!r}")
    storeys = {s.Name for s in f.by_type("IfcBuildingStorey")}
    want = {e["spatial"].get("storey_name") for e in project.values()} - {None}
    if storeys != want:
        fail(f"storeys {sorted(storeys)} != {sorted(want)}")

    # repeat
    r = subprocess.run([aecos, "export", "ifc", "--schema", schema, "--project", os.path.join(work, "p"), "--out", out, "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0 or json.loads(r.stdout)["status"] != "unchanged":
        fail(f"exporting again did not report unchanged: {r.stdout.strip()[:200]} {r.stderr.strip()[:200]}")


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--aecos", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--counts")
    a = ap.parse_args(argv)
    os.makedirs(a.work, exist_ok=True)
    shutil.rmtree(os.path.join(a.work, "p"), ignore_errors=True)
    shutil.copytree(a.example, os.path.join(a.work, "p"))
    project = load_project(a.example)
    statuses = expected_status(a.example)
    passed = failed = 0
    for schema in SCHEMAS:
        problems = []
        try:
            check_schema(problems.append, a.aecos, a.example, a.work, schema, project, statuses)
        except Exception as e:  # noqa: BLE001  an unreadable output is a failure
            problems.append(f"{type(e).__name__}: {e}")
        if problems:
            failed += 1
            print(f"FAIL ifc-export {schema}: {len(problems)} problem(s)")
            for p in problems[:40]:
                print(f"     {p}")
        else:
            passed += 1
            print(f"ok   ifc-export {schema}: {len(project)} elements, validate clean")
    if a.counts:
        with open(a.counts, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
