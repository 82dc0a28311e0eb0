#!/usr/bin/env python3
"""Makes the sample model version of examples/riverside-clinic: the architect's revision
of 2026-06-26, made from aecos's own IFC4 export of the sample with a few realistic
changes, so a model pull has something to find:

  * wall W-EXT-01 (an IFC GlobalId element): renamed, fire rating 2 HR -> 3 HR;
  * door D-101 (an AEC OS hex-id element, so matched through the minted GUID):
    fire rating changed to 90 MIN;
  * window 044FB171 (hex id): tagged WIN-204;
  * return duct run 2: removed (rerouted);
  * a new interior partition P-12 on Level 2 with Pset_WallCommon and a gypsum layer.

Deterministic (fixed GlobalId and header time stamp). Needs ifcopenshell==0.8.4:
    aecos export ifc --schema IFC4 -p <copy of the sample> --out /tmp/m
    python3 scripts/gen_sample_model_update.py /tmp/m/<...>_IFC4_model.ifc OUT.ifc
(scripts/gen_sample_model_update.sh runs both.)
"""
import sys

import ifcopenshell
import ifcopenshell.api
import ifcopenshell.guid

SRC, OUT = sys.argv[1], sys.argv[2]
PROJECT = "Riverside Community Clinic"
f = ifcopenshell.open(SRC)
ORIGINAL_MAX_ID = max(e.id() for e in f)
OWNER = f.by_type("IfcOwnerHistory")[0]


def by_tag_or_name(cls, text):
    hits = [e for e in f.by_type(cls) if e.Tag == text or e.Name == text]
    if len(hits) != 1:
        sys.exit(f"expected one {cls} named or tagged {text!r}, found {len(hits)}")
    return hits[0]


def pset(element, name):
    for rel in element.IsDefinedBy:
        d = rel.RelatingPropertyDefinition
        if d.is_a("IfcPropertySet") and d.Name == name:
            return d
    sys.exit(f"{element.Name}: no {name}")


def set_label(element, set_name, prop, value):
    ps = pset(element, set_name)
    for p in ps.HasProperties:
        if p.Name == prop:
            p.NominalValue = f.create_entity("IfcLabel", value)
            return
    ps.HasProperties = list(ps.HasProperties) + [f.createIfcPropertySingleValue(prop, None, f.create_entity("IfcLabel", value), None)]


wall = by_tag_or_name("IfcWall", "W-EXT-01")
wall.Name = "Exterior Wall EW-1 Level 1 (revised rating)"
set_label(wall, "Pset_WallCommon", "FireRating", "3 HR")

door = by_tag_or_name("IfcDoor", "D-101")
set_label(door, "Pset_DoorCommon", "FireRating", "90 MIN")

window = by_tag_or_name("IfcWindow", "IfcWindow_044FB171")
window.Tag = "WIN-204"

duct = by_tag_or_name("IfcDuctSegment", "Rectangular Duct Return 600x400 Run 2")
ifcopenshell.api.run("root.remove_product", f, product=duct)

storey = [s for s in f.by_type("IfcBuildingStorey") if s.Name == "Level 2"][0]
partition = ifcopenshell.api.run("root.create_entity", f, ifc_class="IfcWall", name="Interior Partition P-12 Level 2")
partition.GlobalId = ifcopenshell.guid.compress("6c1f3a2e8b7d4e0fa9d25c3b71e04a12")
partition.Tag = "P-12"
ifcopenshell.api.run("spatial.assign_container", f, products=[partition], relating_structure=storey)
ps = ifcopenshell.api.run("pset.add_pset", f, product=partition, name="Pset_WallCommon")
ifcopenshell.api.run("pset.edit_pset", f, pset=ps, properties={"IsExternal": False, "LoadBearing": False, "FireRating": "1 HR"})
gypsum = ifcopenshell.api.run("material.add_material", f, name="Gypsum Board, Type X")
ifcopenshell.api.run("material.assign_material", f, products=[partition], material=gypsum)
# The API stamps what it creates with new owner histories (the clock) and random
# GlobalIds: give everything new the export's owner history and a fixed GlobalId, so
# the output is byte-stable.
new = sorted((e for e in f if e.id() > ORIGINAL_MAX_ID), key=lambda e: e.id())
for n, e in enumerate(x for x in new if x.is_a("IfcRoot")):
    e.OwnerHistory = OWNER
    if e != partition:
        e.GlobalId = ifcopenshell.guid.compress("%032x" % (0x6C1F3A2E8B7D4E0FA9D25C3B71E05000 + n))
for e in new:
    if e.is_a("IfcOwnerHistory"):
        f.remove(e)
# Removing those unset the owner history of relations the API edited; the API also
# keeps related objects in hash order: restore the owner history, sort by id.
for e in f.by_type("IfcRoot"):
    if e.OwnerHistory is None:
        e.OwnerHistory = OWNER
for e in f.by_type("IfcRelationship"):
    for attr in ("RelatedElements", "RelatedObjects"):
        if hasattr(e, attr) and getattr(e, attr):
            setattr(e, attr, sorted(getattr(e, attr), key=lambda x: x.id()))
f.header.file_name.time_stamp = "2026-06-26T10:00:00"
f.header.file_name.name = "architect_model_2026-06-26.ifc"
f.header.file_name.originating_system = "aecos sample: architect model revision (ifcopenshell %s)" % ifcopenshell.version
f.write(OUT)
