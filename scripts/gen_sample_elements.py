#!/usr/bin/env python3
"""Generate the Riverside Community Clinic sample AEC OS element folders.

Writes ``<project>/elements/element_<GlobalId>/...`` exactly as AEC OS core
lays them out (metadata.json, properties/psets.json, materials/materials.json,
geometry/shape.json, relationships/spatial.json, README.md), plus
``<project>/aecos_project.json``.

The project is a 2-storey, ~1,900 m2 outpatient clinic (38.0 m x 25.0 m
footprint, 14 ft floor-to-floor).  Two populations of elements are mixed, as
in a real AEC OS project:

* "generated" elements (AEC OS generation pipeline): 22-char uppercase-hex
  GlobalIds, names like ``IfcWall_B5580D04``, a ``Dimensions`` pset in mm and a
  ``Pset_<Class>Common``; ObjectType/Tag mostly null.
* "extracted" elements (IFC extraction): IFC base64 GlobalIds, human names,
  ObjectType/Tag from the model, ``Qto_*`` quantity sets, no ``Dimensions``.

Deliberate real-world quirks (the Rust reader must tolerate them):

* the same property written as int (914) in one element and float (914.0)
  in another;
* an element with no materials/materials.json, one with no
  geometry/shape.json, one with no relationships/spatial.json and one with
  no properties/psets.json (metadata.json's flattened Psets is then the only
  copy);
* one element whose geometry is the AEC OS ``create_element`` default (all
  zeros, volume and centroid null);
* one element whose metadata.json Psets is stale relative to psets.json;
* spaces with an empty materials list and a non-ASCII name (escaped by
  json.dumps' ensure_ascii).

Deterministic: stdlib only, fixed seed, no clock, no os.urandom.  Only the
``elements/`` directory under the target project is removed and recreated;
``aecos_project.json`` is (over)written; nothing else is touched.

Usage: python3 scripts/gen_sample_elements.py [PROJECT_DIR]
(default: examples/riverside-clinic next to this script's repository root).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

SEED = 20240917

IFC64 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"

PROJECT_NAME = "Riverside Community Clinic"
SITE_NAME = "Riverside Site"
BUILDING_NAME = "Clinic Building"

# Footprint (metres) and storey elevations (14 ft floor-to-floor).
BX, BY = 38.0, 25.0
FLOOR_MM = 4267
STOREYS = [("Level 1", 0.0), ("Level 2", 4.267), ("Roof", 8.534)]

rng = random.Random(SEED)
_seen_ids: set[str] = set()


# --------------------------------------------------------------------------
# identifiers
# --------------------------------------------------------------------------


def _uuid4() -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def hex_id() -> str:
    """AEC OS generation style: uuid4().hex[:22].upper()."""
    while True:
        gid = _uuid4().hex[:22].upper()
        if gid not in _seen_ids:
            _seen_ids.add(gid)
            return gid


def ifc_id() -> str:
    """IFC compressed GUID: 22 chars of base64 (first char 0-3)."""
    while True:
        n = _uuid4().int
        chars = [IFC64[n >> 126]]
        chars += [IFC64[(n >> (6 * i)) & 63] for i in range(20, -1, -1)]
        gid = "".join(chars)
        if gid not in _seen_ids:
            _seen_ids.add(gid)
            return gid


SITE_ID = ifc_id()
BUILDING_ID = ifc_id()
STOREY_IDS = {name: ifc_id() for name, _ in STOREYS}
ELEV = dict(STOREYS)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def mm(value: int) -> int | float:
    """The same mm property is sometimes written as int, sometimes as float."""
    return int(value) if rng.random() < 0.5 else float(value)


def r3(x: float) -> float:
    return round(x, 3)


def box(x0, y0, z0, x1, y1, z1, volume=None) -> dict[str, Any]:
    xs, ys, zs = sorted((x0, x1)), sorted((y0, y1)), sorted((z0, z1))
    if volume is None:
        volume = (xs[1] - xs[0]) * (ys[1] - ys[0]) * (zs[1] - zs[0])
    return {
        "bounding_box": {
            "min_x": r3(xs[0]),
            "min_y": r3(ys[0]),
            "min_z": r3(zs[0]),
            "max_x": r3(xs[1]),
            "max_y": r3(ys[1]),
            "max_z": r3(zs[1]),
        },
        "volume": round(volume, 4),
        "centroid": [r3((xs[0] + xs[1]) / 2), r3((ys[0] + ys[1]) / 2), r3((zs[0] + zs[1]) / 2)],
    }


def zero_geometry() -> dict[str, Any]:
    """AEC OS create_element default geometry."""
    return {
        "bounding_box": {
            "min_x": 0.0,
            "min_y": 0.0,
            "min_z": 0.0,
            "max_x": 0.0,
            "max_y": 0.0,
            "max_z": 0.0,
        },
        "volume": None,
        "centroid": None,
    }


def spatial_full(storey: str) -> dict[str, Any]:
    return {
        "site_name": SITE_NAME,
        "site_id": SITE_ID,
        "building_name": BUILDING_NAME,
        "building_id": BUILDING_ID,
        "storey_name": storey,
        "storey_id": STOREY_IDS[storey],
    }


def spatial_gen(storey: str) -> dict[str, Any]:
    """Generated elements know their storey but not site/building."""
    return {
        "site_name": None,
        "site_id": None,
        "building_name": None,
        "building_id": None,
        "storey_name": storey,
        "storey_id": STOREY_IDS[storey],
    }


def mat(name, thickness=None, category=None, fraction=None) -> dict[str, Any]:
    return {"name": name, "thickness": thickness, "category": category, "fraction": fraction}


ELEMENTS: list[dict[str, Any]] = []


def add(
    gid: str,
    ifc_class: str,
    name: str,
    psets: dict[str, dict[str, Any]],
    materials: list[dict[str, Any]],
    geometry: dict[str, Any],
    spatial: dict[str, Any],
    object_type: str | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    el = {
        "gid": gid,
        "ifc_class": ifc_class,
        "name": name,
        "object_type": object_type,
        "tag": tag,
        "psets": psets,
        "materials": materials,
        "geometry": geometry,
        "spatial": spatial,
        "omit": set(),
        "meta_psets": None,  # stale flattened copy, when set
    }
    ELEMENTS.append(el)
    return el


def gen(ifc_class: str, psets, materials, geometry, storey, tag=None) -> dict[str, Any]:
    gid = hex_id()
    return add(gid, ifc_class, f"{ifc_class}_{gid[:8]}", psets, materials, geometry, spatial_gen(storey), tag=tag)


def ext(ifc_class: str, name: str, object_type, tag, psets, materials, geometry, storey) -> dict[str, Any]:
    return add(ifc_id(), ifc_class, name, psets, materials, geometry, spatial_full(storey), object_type=object_type, tag=tag)


# --------------------------------------------------------------------------
# the building
# --------------------------------------------------------------------------


def build() -> None:
    levels = [("Level 1", 0.0), ("Level 2", 4.267)]
    h = FLOOR_MM / 1000.0

    # ---- footings (extracted) -------------------------------------------
    pads = [(0.0, 0.0), (9.5, 0.0), (19.0, 0.0), (28.5, 12.5), (9.5, 12.5), (19.0, 25.0)]
    for i, (x, y) in enumerate(pads, start=1):
        s = 2.4 if (x, y) in [(9.5, 12.5), (28.5, 12.5)] else 1.8
        d = 0.61
        ext(
            "IfcFooting",
            f"Footing F-{1 if s < 2 else 2} Pad {i}",
            f"Footing-Rectangular:{int(s * 1000)} x {int(s * 1000)} x 610mm",
            f"F-{i:02d}",
            {
                "Pset_FootingCommon": {"Reference": f"F-{1 if s < 2 else 2}", "LoadBearing": True, "Status": "New"},
                "Qto_FootingBaseQuantities": {
                    "Length": s,
                    "Width": s,
                    "Height": d,
                    "GrossVolume": round(s * s * d, 4),
                    "NetVolume": round(s * s * d, 4),
                },
            },
            [mat("Concrete, Cast-in-Place 4000 psi", None, "Concrete")],
            box(x - s / 2, y - s / 2, -1.22, x + s / 2, y + s / 2, -1.22 + d),
            "Level 1",
        )

    # ---- exterior walls (extracted, tagged) -----------------------------
    t_ext = 0.396
    sides = [
        ("South", (0.0, 0.0, BX, t_ext), BX),
        ("East", (BX - t_ext, 0.0, BX, BY), BY),
        ("North", (0.0, BY - t_ext, BX, BY), BX),
        ("West", (0.0, 0.0, t_ext, BY), BY),
    ]
    n = 0
    for lvl, z in levels:
        for side, (x0, y0, x1, y1), length in sides:
            n += 1
            gross = round(length * h, 3)
            net = round(gross * (0.78 if side in ("South", "North") else 0.88), 3)
            ext(
                "IfcWall",
                f"Exterior Wall EW-1 {lvl}" if side == "South" else f"Exterior Wall EW-1 {side} {lvl}",
                "Basic Wall:EW-1 Brick Veneer on 8in CMU",
                f"W-EXT-{n:02d}",
                {
                    "Pset_WallCommon": {
                        "Reference": "EW-1",
                        "IsExternal": True,
                        "LoadBearing": True,
                        "ExtendToStructure": False,
                        "FireRating": "2 HR",
                        "ThermalTransmittance": 0.314,
                    },
                    "Qto_WallBaseQuantities": {
                        "Length": length,
                        "Width": t_ext,
                        "Height": h,
                        "GrossSideArea": gross,
                        "NetSideArea": net,
                        "GrossVolume": round(gross * t_ext, 4),
                        "NetVolume": round(net * t_ext, 4),
                    },
                },
                [
                    mat("Brick, Common", 92.0, "wall"),
                    mat("Air Space", 50.0, None),
                    mat("Rigid Insulation XPS", 51.0, "Insulation"),
                    mat("CMU, 8in Grout-Filled", 203.0, "wall"),
                ],
                box(x0, y0, z, x1, y1, z + h),
                lvl,
            )

    # ---- curtain wall at the south entry (extracted) --------------------
    for i in range(4):
        x0 = 15.0 + i * 2.0
        ext(
            "IfcPlate",
            f"Curtain Wall Panel CW-1 Glazed {i + 1}",
            "System Panel:Glazed 1in Insulating",
            None,
            {
                "Pset_PlateCommon": {"Reference": "CW-1", "IsExternal": True, "LoadBearing": False, "ThermalTransmittance": 1.99},
                "Qto_PlateBaseQuantities": {"Width": 0.025, "Perimeter": 11.2, "GrossArea": 7.2, "NetArea": 7.2, "NetVolume": 0.18},
            },
            [mat("Glass, Insulating Unit", 25.0, "Glass")],
            box(x0, -0.05, 0.4, x0 + 2.0, -0.025, 4.0),
            "Level 1",
        )
    for i in range(4):
        x = 15.0 + i * 2.0
        ext(
            "IfcMember",
            f"Curtain Wall Mullion {i + 1}",
            "Rectangular Mullion:50 x 150mm",
            None,
            {
                "Pset_MemberCommon": {"Reference": "CW-1 Mullion", "IsExternal": True, "LoadBearing": False},
                "Qto_MemberBaseQuantities": {"Length": 3.6, "CrossSectionArea": 0.0075, "NetVolume": 0.027},
            },
            [mat("Aluminum, Anodized Dark Bronze", None, "Metal", 1.0)],
            box(x - 0.025, -0.15, 0.4, x + 0.025, 0.0, 4.0),
            "Level 1",
        )

    # ---- interior walls (generated) -------------------------------------
    for lvl, z in levels:
        # corridor walls
        for y in (11.0, 14.0):
            t = 152
            L = 37208
            gen(
                "IfcWall",
                {
                    "Dimensions": {"thickness_mm": mm(t), "height_mm": mm(3658), "length_mm": mm(L)},
                    "Pset_WallCommon": {
                        "IsExternal": False,
                        "LoadBearing": False,
                        "FireRating": "1 HR",
                        "AcousticRating": "STC 45",
                    },
                },
                [mat("gypsum board", float(t), "wall")],
                box(0.396, y - t / 2000, z, 0.396 + L / 1000, y + t / 2000, z + 3.658),
                lvl,
            )
        # partitions between rooms
        for band, (ya, yb) in enumerate([(0.396, 11.0), (14.0, BY - 0.396)]):
            for x in (6.0, 12.0, 24.0, 30.0, 34.0):
                t = rng.choice([127, 152, 152, 203])
                L = int(round((yb - ya) * 1000))
                psc: dict[str, Any] = {"IsExternal": False, "LoadBearing": False}
                if t >= 152:
                    psc["AcousticRating"] = "STC 50" if t == 203 else "STC 45"
                if rng.random() < 0.4:
                    psc["FireRating"] = "1 HR"
                gen(
                    "IfcWall",
                    {"Dimensions": {"thickness_mm": mm(t), "height_mm": mm(3048), "length_mm": mm(L)}, "Pset_WallCommon": psc},
                    [mat("gypsum board", 32.0, "wall"), mat("steel stud", float(t - 32), "wall")]
                    if t > 127
                    else [mat("gypsum board", float(t), "wall")],
                    box(x - t / 2000, ya, z, x + t / 2000, yb, z + 3.048),
                    lvl,
                )

    # ---- slabs (generated) ----------------------------------------------
    slabs = [
        ("Level 1", 0.0, 152, BX, BY, False),
        ("Level 2", 4.267, 203, BX, BY, False),
        ("Roof", 8.534, 152, BX, BY, True),
        ("Level 1", 4.0, 203, 8.0, 3.0, True),  # entry canopy
    ]
    for lvl, z, t, lx, ly, external in slabs:
        y0 = -3.0 if lx == 8.0 else 0.0
        x0 = 15.0 if lx == 8.0 else 0.0
        psc = {"IsExternal": external, "LoadBearing": True, "FireRating": "2 HR"}
        if lvl == "Roof":
            psc["ThermalTransmittance"] = 0.184
        gen(
            "IfcSlab",
            {
                "Dimensions": {"thickness_mm": mm(t), "length_mm": mm(int(lx * 1000)), "width_mm": mm(int(ly * 1000))},
                "Pset_SlabCommon": psc,
            },
            [mat("concrete", float(t), "slab")],
            box(x0, y0, z - t / 1000, x0 + lx, y0 + ly, z),
            lvl,
        )

    # ---- columns (generated) --------------------------------------------
    grid_x = [0.0, 9.5, 19.0, 28.5, 38.0]
    grid_y = [0.0, 12.5, 25.0]
    letters = "ABCDE"
    for lvl, z in levels:
        for ix, x in enumerate(grid_x):
            for iy, y in enumerate(grid_y):
                perimeter = ix in (0, 4) or iy in (0, 2)
                if lvl == "Level 1":
                    dims = {"width_mm": mm(406), "depth_mm": mm(406), "height_mm": mm(FLOOR_MM)}
                    w = d = 0.406
                    material = "concrete"
                else:
                    dims = {"width_mm": mm(305), "depth_mm": mm(305), "height_mm": mm(FLOOR_MM)}
                    w = d = 0.305
                    material = "steel"
                gen(
                    "IfcColumn",
                    {
                        "Dimensions": dims,
                        "Pset_ColumnCommon": {
                            "IsExternal": perimeter,
                            "LoadBearing": True,
                            "Reference": f"C-{letters[ix]}{iy + 1}",
                            "FireRating": "2 HR",
                        },
                    },
                    [mat(material, None, "column")],
                    box(x - w / 2, y - d / 2, z, x + w / 2, y + d / 2, z + h),
                    lvl,
                )
    # round entry canopy columns
    for x in (15.2, 22.8):
        gen(
            "IfcColumn",
            {
                "Dimensions": {"diameter_mm": mm(457), "height_mm": mm(4000)},
                "Pset_ColumnCommon": {"IsExternal": True, "LoadBearing": True, "Reference": "C-CANOPY"},
            },
            [mat("steel", None, "column")],
            box(x - 0.2285, -2.8285, 0.0, x + 0.2285, -2.3715, 4.0, volume=3.14159 * 0.2285**2 * 4.0),
            "Level 1",
        )

    # ---- beams (generated) ----------------------------------------------
    for lvl, z in [("Level 2", 4.267), ("Roof", 8.534)]:
        for y in grid_y:
            for bay in range(4):
                x0, x1 = grid_x[bay], grid_x[bay + 1]
                dpt, wid = (610, 305) if y == 12.5 else (533, 210)
                gen(
                    "IfcBeam",
                    {
                        "Dimensions": {"depth_mm": mm(dpt), "width_mm": mm(wid), "length_mm": mm(9500)},
                        "Pset_BeamCommon": {"IsExternal": False, "LoadBearing": True, "FireRating": "2 HR"},
                    },
                    [mat("steel", None, "beam")],
                    box(x0, y - wid / 2000, z - dpt / 1000, x1, y + wid / 2000, z),
                    lvl,
                )

    # ---- doors ----------------------------------------------------------
    door_no = {"Level 1": 101, "Level 2": 201}
    for lvl, z in levels:
        for x in (3.0, 9.0, 15.0, 21.0, 27.0, 33.0):
            num = door_no[lvl]
            door_no[lvl] += 1
            w = 914 if x != 15.0 else 1067
            tag = f"D-{num}" if rng.random() < 0.6 else None
            gen(
                "IfcDoor",
                {
                    "Dimensions": {"width_mm": mm(w), "height_mm": mm(2134)},
                    "Pset_DoorCommon": {
                        "IsExternal": False,
                        "FireRating": "20 MIN" if x in (3.0, 33.0) else "",
                        "AcousticRating": "STC 35",
                        "Reference": "Type A" if w == 914 else "Type B",
                    },
                },
                [mat("wood", 44.0, "door"), mat("hollow metal frame", None, "door")],
                box(x, 10.924, z, x + w / 1000, 11.076, z + 2.134),
                lvl,
                tag=tag,
            )
    # exterior doors (extracted, tagged)
    for num, (x, y) in zip((100, 199), ((18.5, 0.0), (5.0, BY))):
        ext(
            "IfcDoor",
            f"Entry Door D-{num} Storefront Pair",
            "Storefront Double Door:1830 x 2134mm",
            f"D-{num}",
            {
                "Pset_DoorCommon": {
                    "Reference": "SF-2",
                    "IsExternal": True,
                    "FireRating": "",
                    "ThermalTransmittance": 2.84,
                    "HandicapAccessible": True,
                },
                "Qto_DoorBaseQuantities": {"Width": 1.83, "Height": 2.134, "Area": 3.905},
            },
            [mat("Aluminum, Anodized Dark Bronze", None, None, 0.35), mat("Glass, Tempered", None, None, 0.65)],
            box(x, y - 0.2, 0.0, x + 1.83, y + 0.2, 2.134),
            "Level 1",
        )

    # ---- windows (generated) --------------------------------------------
    for lvl, z in levels:
        for i in range(9):
            on_south = i < 5
            x = 2.5 + i * 7.0 if on_south else 4.0 + (i - 5) * 9.0
            y0, y1 = (0.0, 0.396) if on_south else (BY - 0.396, BY)
            w, hh, sill = (1219, 1524, 914) if rng.random() < 0.7 else (1829, 1524, 762)
            gen(
                "IfcWindow",
                {
                    "Dimensions": {"width_mm": mm(w), "height_mm": mm(hh), "sill_height_mm": mm(sill)},
                    "Pset_WindowCommon": {"IsExternal": True, "ThermalTransmittance": 2.27, "Reference": "WT-A" if w == 1219 else "WT-B"},
                },
                [mat("glass", None, "window", 0.8), mat("aluminium", None, "window", 0.2)],
                box(x, y0, z + sill / 1000, x + w / 1000, y1, z + (sill + hh) / 1000),
                lvl,
                tag=f"WIN-{lvl[-1]}{i + 1:02d}" if rng.random() < 0.3 else None,
            )

    # ---- roof (extracted) -----------------------------------------------
    ext(
        "IfcRoof",
        "Roof R-1 TPO Membrane",
        "Basic Roof:R-1 TPO on Tapered Insulation",
        "R-1",
        {
            "Pset_RoofCommon": {"Reference": "R-1", "IsExternal": True, "FireRating": "1 HR", "ThermalTransmittance": 0.184},
            "Qto_RoofBaseQuantities": {"GrossArea": 950.0, "NetArea": 931.5, "ProjectedArea": 950.0},
        },
        [
            mat("TPO Membrane 60 mil", 1.5, "Roofing"),
            mat("Polyiso Insulation, Tapered", 152.4, "Insulation"),
            mat("Metal Deck 1.5in", 38.1, "Metal"),
        ],
        box(0.0, 0.0, 8.534, BX, BY, 8.726),
        "Roof",
    )

    # ---- stairs and railings (extracted) --------------------------------
    for i, x in enumerate((1.0, 34.0), start=1):
        ext(
            "IfcStair",
            f"Stair ST-{i}",
            "Assembled Stair:Steel Pan 7in Max Riser 11in Tread",
            f"ST-{i}",
            {
                "Pset_StairCommon": {
                    "Reference": f"ST-{i}",
                    "NumberOfRiser": 24,
                    "NumberOfTreads": 22,
                    "RiserHeight": 0.178,
                    "TreadLength": 0.279,
                    "IsExternal": False,
                    "FireRating": "2 HR",
                },
                "Qto_StairFlightBaseQuantities": {"Length": 6.138, "GrossVolume": 2.91, "NetVolume": 2.64},
            },
            [mat("Steel, Pan Stair", None, "Metal"), mat("Concrete Fill", None, "Concrete")],
            box(x, 15.0, 0.0, x + 3.0, 21.0, 4.267),
            "Level 1",
        )
    for i, (x, lvl) in enumerate(((1.0, "Level 1"), (34.0, "Level 1"), (34.0, "Level 2")), start=1):
        ext(
            "IfcRailing",
            f"Railing RL-{i} Stair Guard",
            "Railing:Guardrail - Pipe 1.5in",
            None,
            {
                "Pset_RailingCommon": {"Reference": "RL-1", "Height": 1.067, "IsExternal": False},
                "Qto_RailingBaseQuantities": {"Length": 6.4},
            },
            [mat("Steel, Painted", None, "Metal")],
            box(x, 15.0, ELEV[lvl], x + 0.05, 21.0, ELEV[lvl] + 4.267 if lvl == "Level 1" else ELEV[lvl] + 1.067),
            lvl,
        )

    # ---- coverings (extracted) ------------------------------------------
    for lvl, z in levels:
        ext(
            "IfcCovering",
            f"Ceiling ACT-1 {lvl}",
            "Compound Ceiling:2x2 ACT System",
            None,
            {
                "Pset_CoveringCommon": {"Reference": "ACT-1", "IsExternal": False, "AcousticRating": "NRC 0.70"},
                "Qto_CoveringBaseQuantities": {"Width": 0.016, "GrossArea": 905.4, "NetArea": 868.2},
            },
            [mat("Acoustic Ceiling Tile 24 x 24", 16.0, "Finishes")],
            box(0.396, 0.396, z + 2.743, BX - 0.396, BY - 0.396, z + 2.759),
            lvl,
        )
        ext(
            "IfcCovering",
            f"Floor Finish LVT-1 {lvl}",
            "Floor:LVT-1 Luxury Vinyl Tile",
            None,
            {
                "Pset_CoveringCommon": {"Reference": "LVT-1", "IsExternal": False, "FlammabilityRating": "Class I"},
                "Qto_CoveringBaseQuantities": {"Width": 0.005, "GrossArea": 905.4, "NetArea": 880.0},
            },
            [mat("Luxury Vinyl Tile", 5.0, "Finishes")],
            box(0.396, 0.396, z, BX - 0.396, BY - 0.396, z + 0.005),
            lvl,
        )

    # ---- MEP (extracted) ------------------------------------------------
    terminals = [
        ("Supply Diffuser SD-1 Exam 102", "M_Supply Diffuser - Square:600x600 - 200 Neck", "Pset_AirTerminalTypeCommon", {"Reference": "SD-1", "Shape": "SQUARE", "FaceType": "FOURWAYPATTERN"}, 4.0, "Level 1"),
        ("Supply Diffuser SD-1 Exam 103", "M_Supply Diffuser - Square:600x600 - 200 Neck", "Pset_AirTerminalTypeCommon", {"Reference": "SD-1", "Shape": "SQUARE", "FaceType": "FOURWAYPATTERN"}, 10.0, "Level 1"),
        ("Return Grille RG-1 Corridor", "M_Return Grille:600x600", "Pset_AirTerminalTypeCommon", {"Reference": "RG-1", "Shape": "SQUARE"}, 18.0, "Level 1"),
        ("Supply Diffuser SD-1 Office 202", "M_Supply Diffuser - Square:600x600 - 200 Neck", "Pset_AirTerminalTypeCommon", {"Reference": "SD-1", "Shape": "SQUARE", "FaceType": "FOURWAYPATTERN"}, 8.0, "Level 2"),
        ("Lavatory P-1 Toilet 106", "Lavatory - Wall Hung ADA:508 x 457mm", "Pset_SanitaryTerminalTypeCommon", {"Reference": "P-1", "NominalLength": 0.508, "NominalWidth": 0.457, "Color": "White"}, 26.0, "Level 1"),
        ("Water Closet P-2 Toilet 106", "Water Closet - Flush Valve ADA", "Pset_SanitaryTerminalTypeCommon", {"Reference": "P-2", "Color": "White"}, 27.5, "Level 1"),
    ]
    for name, otype, pset, props, x, lvl in terminals:
        z = ELEV[lvl] + (2.743 if pset.startswith("Pset_Air") else 0.0)
        ext(
            "IfcFlowTerminal",
            name,
            otype,
            props["Reference"],
            {pset: props, "Qto_FlowTerminalBaseQuantities": {"GrossWeight": 4.5 if pset.startswith("Pset_Air") else 18.2}},
            [mat("Steel, Galvanized" if pset.startswith("Pset_Air") else "Vitreous China", None, None)],
            box(x, 5.0, z, x + 0.6, 5.6, z + 0.05 if pset.startswith("Pset_Air") else z + 0.8),
            lvl,
        )
    for i, (lvl, y) in enumerate((("Level 1", 12.0), ("Level 1", 13.0), ("Level 2", 12.0), ("Level 2", 13.0)), start=1):
        z = ELEV[lvl] + 3.2
        ext(
            "IfcDuctSegment",
            f"Rectangular Duct {'Supply' if i % 2 else 'Return'} 600x400 Run {i}",
            "Rectangular Duct:Radius Elbows / Taps",
            None,
            {
                "Pset_DuctSegmentTypeCommon": {"Reference": "Supply Air" if i % 2 else "Return Air", "Shape": "RECTANGULAR"},
                "Qto_DuctSegmentBaseQuantities": {"Length": 30.5, "GrossCrossSectionArea": 0.24, "OuterSurfaceArea": 61.0},
            },
            [mat("Galvanized Steel", 0.8, "Metal")],
            box(3.0, y - 0.3, z, 33.5, y + 0.3, z + 0.4, volume=0.24 * 30.5),
            lvl,
        )
    for i, (label, dia) in enumerate((("DCW", 0.05), ("DHW", 0.038), ("SAN", 0.102), ("VTR", 0.076)), start=1):
        ext(
            "IfcPipeSegment",
            f"Pipe {label} {int(dia * 1000)}mm Run {i}",
            "Pipe Types:Copper - Type L" if label in ("DCW", "DHW") else "Pipe Types:PVC - DWV",
            None,
            {
                "Pset_PipeSegmentTypeCommon": {"Reference": label, "NominalDiameter": dia, "WorkingPressure": 551580.0 if label in ("DCW", "DHW") else None},
                "Qto_PipeSegmentBaseQuantities": {"Length": 14.2, "GrossWeight": round(14.2 * dia * 30, 3)},
            },
            [mat("Copper" if label in ("DCW", "DHW") else "PVC", None, "Plumbing")],
            box(24.0, 4.0 + i * 0.2, 3.0, 38.0, 4.0 + i * 0.2 + dia, 3.0 + dia, volume=round(3.14159 * (dia / 2) ** 2 * 14.2, 5)),
            "Level 1",
        )

    # ---- spaces (extracted) ---------------------------------------------
    rooms = [
        ("Lobby 100", "100", (12.0, 0.396, 24.0, 11.0), "Level 1"),
        ("Reception 101", "101", (6.0, 0.396, 12.0, 11.0), "Level 1"),
        ("Exam Room 102 \u2014 Pediatrics", "102", (0.396, 0.396, 6.0, 11.0), "Level 1"),
        ("Exam Room 103", "103", (24.0, 0.396, 30.0, 11.0), "Level 1"),
        ("Nurse Station 104", "104", (30.0, 0.396, 34.0, 11.0), "Level 1"),
        ("Lab 105", "105", (6.0, 14.0, 12.0, BY - 0.396), "Level 1"),
        ("Toilet 106", "106", (24.0, 14.0, 30.0, BY - 0.396), "Level 1"),
        ("Corridor 1C", "1C", (0.396, 11.0, BX - 0.396, 14.0), "Level 1"),
        ("Waiting 201", "201", (12.0, 0.396, 24.0, 11.0), "Level 2"),
        ("Office 202", "202", (6.0, 0.396, 12.0, 11.0), "Level 2"),
    ]
    for name, num, (x0, y0, x1, y1), lvl in rooms:
        z = ELEV[lvl]
        area = round((x1 - x0) * (y1 - y0), 2)
        ext(
            "IfcSpace",
            name,
            None,
            None,
            {
                "Pset_SpaceCommon": {"Reference": num, "IsExternal": False, "GrossPlannedArea": area, "PubliclyAccessible": num in ("100", "1C", "201")},
                "Qto_SpaceBaseQuantities": {
                    "Height": 2.743,
                    "NetFloorArea": round(area * 0.97, 2),
                    "GrossFloorArea": area,
                    "GrossVolume": round(area * 2.743, 3),
                },
            },
            [],
            box(x0, y0, z, x1, y1, z + 2.743),
            lvl,
        )


def apply_quirks() -> None:
    by_class: dict[str, list[dict[str, Any]]] = {}
    for el in ELEMENTS:
        by_class.setdefault(el["ifc_class"], []).append(el)

    # 1. an extracted railing with no materials/materials.json
    by_class["IfcRailing"][2]["omit"].add("materials")
    # 2. a space (the corridor) with no geometry/shape.json
    next(e for e in by_class["IfcSpace"] if e["name"].startswith("Corridor"))["omit"].add("geometry")
    # 3. a generated interior wall with no relationships/spatial.json
    gen_walls = [e for e in by_class["IfcWall"] if "Dimensions" in e["psets"]]
    gen_walls[7]["omit"].add("spatial")
    # 4. a covering with no properties/psets.json (metadata Psets is the only copy)
    by_class["IfcCovering"][3]["omit"].add("psets")
    # 5. a generated beam made by create_element: all-zero geometry, null volume/centroid
    by_class["IfcBeam"][-1]["geometry"] = zero_geometry()
    # 6. a generated wall whose psets.json was edited after metadata.json was written
    stale = gen_walls[3]
    stale["meta_psets"] = flatten(stale["psets"])
    stale["psets"]["Dimensions"]["height_mm"] = 3658
    stale["psets"]["Pset_WallCommon"]["FireRating"] = "2 HR"
    stale["psets"]["Pset_WallCommon"]["Reference"] = "PW-3"


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def flatten(psets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for pset_name, props in psets.items():
        for prop_name, value in props.items():
            flat[f"{pset_name}.{prop_name}"] = value
    return flat


def dump(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, default=str), encoding="utf-8")


def readme(el: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        return "\u2014" if v is None else str(v)

    storey = el["spatial"]["storey_name"] if "spatial" not in el["omit"] else None
    lines = [
        f"# {el['name']}",
        "",
        "| Field | Value |",
        "|-------|-------|",
        f"| GlobalId | `{el['gid']}` |",
        f"| IFC Class | {el['ifc_class']} |",
        f"| Name | {el['name']} |",
        f"| Object Type | {cell(el['object_type'])} |",
        f"| Tag | {cell(el['tag'])} |",
        f"| Storey | {cell(storey)} |",
        "",
        "## Property Sets",
        "",
    ]
    for pset_name, props in el["psets"].items():
        lines.append(f"- **{pset_name}**: {len(props)} properties")
    lines.append("")
    if el["materials"]:
        lines += ["## Materials", ""]
        for m in el["materials"]:
            th = f" ({m['thickness']} mm)" if m["thickness"] is not None else ""
            lines.append(f"- {m['name']}{th}")
        lines.append("")
    lines.append("_Generated by AEC OS from this folder's JSON files._")
    return "\n".join(lines) + "\n"


def write_element(elements_dir: Path, el: dict[str, Any]) -> None:
    folder = elements_dir / f"element_{el['gid']}"
    folder.mkdir(parents=True)
    meta_psets = el["meta_psets"] if el["meta_psets"] is not None else flatten(el["psets"])
    metadata = {
        "GlobalId": el["gid"],
        "Name": el["name"],
        "IFCClass": el["ifc_class"],
        "ObjectType": el["object_type"],
        "Tag": el["tag"],
        "Psets": meta_psets,
    }
    dump(folder / "metadata.json", metadata)
    if "psets" not in el["omit"]:
        dump(folder / "properties" / "psets.json", el["psets"])
    if "materials" not in el["omit"]:
        dump(folder / "materials" / "materials.json", el["materials"])
    if "geometry" not in el["omit"]:
        dump(folder / "geometry" / "shape.json", el["geometry"])
    if "spatial" not in el["omit"]:
        dump(folder / "relationships" / "spatial.json", el["spatial"])
    (folder / "README.md").write_text(readme(el), encoding="utf-8")


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parent.parent / "examples" / "riverside-clinic"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project_dir", nargs="?", type=Path, default=default)
    args = ap.parse_args(argv)

    build()
    apply_quirks()

    project: Path = args.project_dir
    project.mkdir(parents=True, exist_ok=True)
    config = {"name": PROJECT_NAME, "version": "0.1.0", "elements_dir": "elements", "templates_dir": "templates"}
    (project / "aecos_project.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    elements_dir = project / "elements"
    if elements_dir.exists():
        shutil.rmtree(elements_dir)
    elements_dir.mkdir()
    for el in ELEMENTS:
        write_element(elements_dir, el)

    counts: dict[str, int] = {}
    for el in ELEMENTS:
        counts[el["ifc_class"]] = counts.get(el["ifc_class"], 0) + 1
    hexes = sum(1 for el in ELEMENTS if el["name"].startswith(el["ifc_class"] + "_"))
    print(f"wrote {len(ELEMENTS)} elements to {elements_dir} ({hexes} hex22 ids, {len(ELEMENTS) - hexes} IFC base64 ids)")
    for cls in sorted(counts):
        print(f"  {cls:16} {counts[cls]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
