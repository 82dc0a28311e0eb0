#!/usr/bin/env python3
"""Writes the sample project's schedule (examples/riverside-clinic/records/schedule/):
a realistic CPM schedule for the clinic with 3 WBS levels, two calendars with 2026
holidays, all four link types with lags and leads, crews and materials as resources,
constraints, a baseline, and progress as of the data date 2026-05-29 17:00 (pay app #4).

Deterministic. Early dates come from a forward pass over working days (a small
scheduler written here, for the sample only; aecos itself does not schedule).
Usage: python3 scripts/gen_sample_schedule.py [PROJECT_DIR]
"""
import csv, datetime as dt, glob, json, os, sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "examples/riverside-clinic"
# An optional second argument makes the schedule as of a later data date (the sample
# inbox's P6 progress update is made that way, see scripts/gen_sample_inbox.sh).
DATA_DATE_ARG = sys.argv[2] if len(sys.argv) > 2 else "2026-05-29"
OUT = os.path.join(ROOT, "records/schedule")
os.makedirs(OUT, exist_ok=True)

HOLIDAYS = [dt.date(2026, 1, 1), dt.date(2026, 1, 19), dt.date(2026, 2, 16), dt.date(2026, 5, 25),
            dt.date(2026, 7, 3), dt.date(2026, 9, 7), dt.date(2026, 11, 26), dt.date(2026, 11, 27),
            dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2027, 1, 1)]
SHIFTS = [["07:00", "11:00"], ["12:00", "16:00"]]
CALS = {
    "STD5": {"name": "Standard 5-day (8h, 2026 holidays)", "days": {0, 1, 2, 3, 4}},
    "SITE6": {"name": "Site 6-day (8h, Mon-Sat, 2026 holidays)", "days": {0, 1, 2, 3, 4, 5}},
}

def working(cal, d):
    return d.weekday() in CALS[cal]["days"] and d not in HOLIDAYS

def add_days(cal, d, n):
    """The n-th working day after working day d (n may be negative)."""
    step = 1 if n >= 0 else -1
    while n != 0:
        d += dt.timedelta(days=step)
        if working(cal, d):
            n -= step
    return d

def first_working(cal, d):
    while not working(cal, d):
        d += dt.timedelta(days=1)
    return d

# Elements by class and storey, for element links.
elements = {}
for meta in sorted(glob.glob(os.path.join(ROOT, "elements/element_*/metadata.json"))):
    m = json.load(open(meta))
    sp_path = os.path.join(os.path.dirname(meta), "relationships/spatial.json")
    storey = json.load(open(sp_path)).get("storey_name") if os.path.exists(sp_path) else None
    elements.setdefault((m["IFCClass"], storey), []).append(m["GlobalId"])

def els(cls, storey):
    return elements.get((cls, storey), [])

WBS = []  # key, parent, code, name
def wbs(key, parent, name):
    code = key.split(".")[-1]
    WBS.append((key, parent, code, name))
    return key

ACTS = []  # dicts
LINKS = []  # pred, succ, type, lag days
def act(code, name, w, days, cal="STD5", kind="task", elements=(), cons=None):
    ACTS.append({"id": code, "name": name, "wbs": w, "days": days, "cal": cal, "kind": kind,
                 "elements": list(elements), "cons": cons})
    return code
def link(p, s, t="FS", lag=0):
    LINKS.append((p, s, t, lag))

n = [1000]
def nid():
    n[0] += 10
    return f"ACT-{n[0]}"

# ---- WBS and activities -------------------------------------------------------------
w1 = wbs("1", None, "Preconstruction and general requirements")
w11 = wbs("1.1", w1, "Permits and submittals")
w12 = wbs("1.2", w1, "Mobilization")
ms_ntp = act(nid(), "Notice to proceed", w11, 0, kind="start_milestone", cons=("start_on_or_after", "2026-01-19T07:00"))
a = act(nid(), "Building permit issued", w11, 10); link(ms_ntp, a)
sub1 = act(nid(), "Structural steel shop drawings", w11, 20); link(ms_ntp, sub1, "SS", 5)
sub2 = act(nid(), "Storefront and curtain wall submittals", w11, 25); link(ms_ntp, sub2, "SS", 10)
sub3 = act(nid(), "MEP equipment submittals", w11, 30); link(ms_ntp, sub3, "SS", 5)
mob = act(nid(), "Mobilize site trailers and fencing", w12, 5, cal="SITE6"); link(a, mob)
survey = act(nid(), "Survey and layout control", w12, 3, cal="SITE6"); link(mob, survey, "SS", 2)

w2 = wbs("2", None, "Sitework")
w21 = wbs("2.1", w2, "Earthwork and utilities")
w22 = wbs("2.2", w2, "Paving and landscape")
demo = act(nid(), "Site demolition and clearing", w21, 8, cal="SITE6"); link(mob, demo)
exc = act(nid(), "Mass excavation", w21, 10, cal="SITE6"); link(demo, exc); link(survey, exc)
overex = act(nid(), "Over-excavation of unsuitable soils (CO-001)", w21, 6, cal="SITE6"); link(exc, overex, "SS", 4)
storm = act(nid(), "Storm drainage and detention", w21, 15, cal="SITE6"); link(exc, storm, "SS", 5)
ugplumb = act(nid(), "Underground plumbing", w21, 8); link(overex, ugplumb)
ugelec = act(nid(), "Underground electrical duct bank", w21, 6); link(overex, ugelec)

w3 = wbs("3", None, "Structure")
w31 = wbs("3.1", w3, "Foundations")
w32 = wbs("3.2", w3, "Frame")
w321 = wbs("3.2.1", w32, "Level 1 frame")
w322 = wbs("3.2.2", w32, "Level 2 frame and roof")
w33 = wbs("3.3", w3, "Slabs and decks")
prev = overex
ftg = []
for zone in "ABC":
    f = act(nid(), f"Footings zone {zone}: form, rebar, pour", w31, 5, cal="SITE6",
            elements=[e for e in els("IfcFooting", "Level 1")][("ABC".index(zone)) * 2:("ABC".index(zone)) * 2 + 2])
    link(prev, f, "FS" if zone == "A" else "SS", 0 if zone == "A" else 3)
    prev = f; ftg.append(f)
sog = act(nid(), "Slab on grade: prep, vapor barrier, pour", w33, 8, cal="SITE6", elements=els("IfcSlab", "Level 1")[:1])
link(ftg[-1], sog); link(ugplumb, sog); link(ugelec, sog)
for f in ftg:
    pass
steel_del = act(nid(), "Structural steel fabrication and delivery", w32, 25); link(sub1, steel_del)
col1 = act(nid(), "Erect steel columns level 1", w321, 6, elements=els("IfcColumn", "Level 1")); link(ftg[-1], col1); link(steel_del, col1)
bm1 = act(nid(), "Erect beams and bracing level 1", w321, 6, elements=els("IfcBeam", "Level 1")); link(col1, bm1, "SS", 2)
deck1 = act(nid(), "Metal deck level 2", w33, 4, elements=els("IfcSlab", "Level 2")[:1]); link(bm1, deck1)
col2 = act(nid(), "Erect steel columns level 2", w322, 5, elements=els("IfcColumn", "Level 2")); link(bm1, col2, "FS", -1)
bm2 = act(nid(), "Erect beams and roof framing", w322, 6, elements=els("IfcBeam", "Level 2") + els("IfcBeam", "Roof")); link(col2, bm2, "SS", 2)
deckr = act(nid(), "Metal roof deck", w322, 4, elements=els("IfcRoof", "Roof")); link(bm2, deckr)
pour2 = act(nid(), "Pour level 2 slab on deck", w33, 3, elements=els("IfcSlab", "Level 2")[1:]); link(deck1, pour2); link(col2, pour2, "FF", 8)
shafts = act(nid(), "CMU elevator and stair shafts", w3, 12); link(sog, shafts, "SS", 3)
topout = act(nid(), "Structural steel topped out", w32, 0, kind="finish_milestone"); link(deckr, topout)

w4 = wbs("4", None, "Building envelope")
w41 = wbs("4.1", w4, "Walls and openings")
w42 = wbs("4.2", w4, "Roofing")
roof = act(nid(), "TPO roofing and flashing", w42, 12); link(deckr, roof)
dryin = act(nid(), "Roof dry-in", w42, 0, kind="finish_milestone", cons=("finish_on_or_before", "2026-07-31T16:00")); link(roof, dryin)
ext_walls = els("IfcWall", "Level 1") + els("IfcWall", "Level 2")
ext = [e for e in ext_walls][:8]
ab = act(nid(), "Air and water barrier", w41, 15, elements=ext); link(pour2, ab)
ins = act(nid(), "Exterior insulation", w41, 10); link(ab, ins, "SS", 5)
panels = act(nid(), "Metal wall panels", w41, 20); link(ins, panels, "SS", 4); link(ab, panels, "FF", 3)
sf = act(nid(), "Aluminum storefront and curtain wall", w41, 18, elements=els("IfcPlate", "Level 1") + els("IfcMember", "Level 1") + els("IfcWindow", "Level 1")); link(ab, sf, "SS", 8); link(sub2, sf)
win2 = act(nid(), "Windows level 2", w41, 8, elements=els("IfcWindow", "Level 2")); link(sf, win2, "SS", 5)
sealant = act(nid(), "Exterior joint sealants", w41, 8); link(panels, sealant, "FF", 2); link(win2, sealant)
enclosed = act(nid(), "Building enclosed", w4, 0, kind="finish_milestone"); link(sealant, enclosed); link(dryin, enclosed)

w5 = wbs("5", None, "Interiors")
w6 = wbs("6", None, "MEP and fire protection")
lv = {}
for level in ["Level 1", "Level 2"]:
    k = "1" if level == "Level 1" else "2"
    lv[level] = (wbs(f"5.{k}", w5, f"{level} interiors"), wbs(f"6.{k}", w6, f"{level} MEP rough-in and trim"))
for level in ["Level 1", "Level 2"]:
    wi, wm = lv[level]
    k = level[-1]
    zones = ["A", "B", "C"]
    for z in zones:
        wz = wbs(f"5.{k}.{z}", wi, f"{level} zone {z}")
        wmz = wbs(f"6.{k}.{z}", wm, f"{level} zone {z}")
        start_after = pour2 if level == "Level 2" else sog
        layout = act(nid(), f"{level} zone {z}: interior layout", wz, 2); link(start_after, layout); link(dryin if level == "Level 2" else shafts, layout, "SS", 0)
        frame = act(nid(), f"{level} zone {z}: metal stud framing", wz, 8, elements=els("IfcWall", level)[8:14]); link(layout, frame)
        duct = act(nid(), f"{level} zone {z}: HVAC ductwork rough-in", wmz, 10); link(frame, duct, "SS", 3)
        pipe = act(nid(), f"{level} zone {z}: plumbing rough-in", wmz, 9); link(frame, pipe, "SS", 3)
        med = act(nid(), f"{level} zone {z}: medical gas piping", wmz, 5); link(pipe, med, "SS", 2)
        elec = act(nid(), f"{level} zone {z}: electrical rough-in", wmz, 10); link(frame, elec, "SS", 4)
        lowv = act(nid(), f"{level} zone {z}: low-voltage and nurse call rough-in", wmz, 6); link(elec, lowv, "SS", 3)
        spk = act(nid(), f"{level} zone {z}: fire sprinkler mains and branches", wmz, 8); link(duct, spk, "SS", 2)
        insp = act(nid(), f"{level} zone {z}: above-ceiling and in-wall inspection", wmz, 1)
        for x in (duct, pipe, med, elec, lowv, spk):
            link(x, insp)
        gyp = act(nid(), f"{level} zone {z}: hang, tape and finish gypsum board", wz, 12); link(insp, gyp)
        prime = act(nid(), f"{level} zone {z}: prime and first coat paint", wz, 5); link(gyp, prime, "FS", 8)
        grid = act(nid(), f"{level} zone {z}: ceiling grid", wz, 5); link(gyp, grid, "SS", 6)
        floor = act(nid(), f"{level} zone {z}: resilient flooring", wz, 6, elements=els("IfcCovering", level)); link(prime, floor)
        casework = act(nid(), f"{level} zone {z}: casework and countertops", wz, 8); link(prime, casework)
        doors = act(nid(), f"{level} zone {z}: doors, frames and hardware", wz, 6, elements=els("IfcDoor", level)); link(prime, doors, "SS", 2)
        fixtures = act(nid(), f"{level} zone {z}: plumbing fixtures", wmz, 5); link(casework, fixtures, "SS", 3)
        lights = act(nid(), f"{level} zone {z}: light fixtures and devices", wmz, 6); link(grid, lights)
        tiles = act(nid(), f"{level} zone {z}: ceiling tiles", wz, 4); link(lights, tiles, "SF", 8)
        final = act(nid(), f"{level} zone {z}: final paint and punch", wz, 5); link(tiles, final); link(floor, final); link(doors, final); link(fixtures, final)
        lv[(level, z)] = final
w63 = wbs("6.3", w6, "Central plant and roof equipment")
rtu_del = act(nid(), "Rooftop units: fabrication and delivery", w63, 40); link(sub3, rtu_del)
rtu = act(nid(), "Set rooftop units (crane)", w63, 2, elements=els("IfcFlowTerminal", "Roof")); link(rtu_del, rtu); link(roof, rtu, "SS", 5)
gen = act(nid(), "Generator pad and feeders (CO-005)", w63, 8); link(sog, gen)
swgr = act(nid(), "Switchgear and panels", w63, 10); link(shafts, swgr)
power = act(nid(), "Permanent power energized", w63, 0, kind="finish_milestone"); link(swgr, power); link(gen, power)
bas = act(nid(), "Building automation and controls", w63, 20); link(rtu, bas); link(power, bas, "SS", 0)
tab = act(nid(), "Test, adjust and balance", w63, 10); link(bas, tab, "FF", 5)
elev = act(nid(), "Hydraulic elevator installation", w63, 25); link(shafts, elev)
elev_insp = act(nid(), "Elevator state inspection", w63, 1, cons=("mandatory_start", "2026-10-19T07:00")); link(elev, elev_insp)
fa = act(nid(), "Fire alarm devices and testing", w63, 10); link(lv[("Level 2", "C")], fa, "SS", -5)

w7 = wbs("7", None, "Closeout")
w71 = wbs("7.1", w7, "Sitework finish")
w72 = wbs("7.2", w7, "Commissioning and turnover")
pave = act(nid(), "Asphalt paving and striping", w71, 6, cal="SITE6"); link(storm, pave); link(enclosed, pave)
land = act(nid(), "Landscaping and irrigation", w71, 10, cal="SITE6"); link(pave, land, "SS", 3)
signage = act(nid(), "Signage and wayfinding", w72, 5); link(lv[("Level 1", "A")], signage)
cx = act(nid(), "Functional performance testing (commissioning)", w72, 12); link(tab, cx); link(fa, cx)
for k in [(l, z) for l in ("Level 1", "Level 2") for z in "ABC"]:
    link(lv[k], cx, "FF", 0)
co_insp = act(nid(), "Fire marshal and certificate of occupancy inspections", w72, 3); link(cx, co_insp); link(elev_insp, co_insp); link(land, co_insp)
owner_train = act(nid(), "Owner training and O&M manuals", w72, 5); link(cx, owner_train, "SS", 4)
subst = act(nid(), "Substantial completion", w72, 0, kind="finish_milestone", cons=("finish_on_or_before", "2026-12-18T16:00"))
link(co_insp, subst); link(owner_train, subst); link(signage, subst)
punch = act(nid(), "Owner punch list", w72, 10); link(subst, punch)
final_c = act(nid(), "Final completion", w72, 0, kind="finish_milestone"); link(punch, final_c)

# ---- forward pass ----------------------------------------------------------------
by_id = {a["id"]: a for a in ACTS}
preds = {}
for p, s, t, lag in LINKS:
    preds.setdefault(s, []).append((p, t, lag))
order = []
seen = set()
def visit(x, stack=()):
    if x in seen:
        return
    assert x not in stack, f"cycle at {x}"
    for p, _, _ in preds.get(x, []):
        visit(p, stack + (x,))
    seen.add(x); order.append(x)
for a in ACTS:
    visit(a["id"])

PROJECT_START = dt.date(2026, 1, 19)
def forward(extra):
    es, ef = {}, {}
    for x in order:
        a = by_id[x]; cal = a["cal"]; d = a["days"] + extra.get(x, 0)
        start = first_working(cal, PROJECT_START)
        fin_min = None
        for p, t, lag in preds.get(x, []):
            if t == "FS":
                base = ef[p] if by_id[p]["days"] + extra.get(p, 0) == 0 else add_days(cal, ef[p], 1)
                start = max(start, add_days(cal, base, lag) if lag else first_working(cal, base))
            elif t == "SS":
                start = max(start, add_days(cal, es[p], lag) if lag else es[p])
            elif t == "FF":
                f = add_days(cal, ef[p], lag)
                fin_min = f if fin_min is None else max(fin_min, f)
            elif t == "SF":
                f = add_days(cal, es[p], lag)
                fin_min = f if fin_min is None else max(fin_min, f)
        c = a["cons"]
        if c and c[0] in ("start_on_or_after", "mandatory_start"):
            start = max(start, dt.date.fromisoformat(c[1][:10])) if c[0] == "start_on_or_after" else dt.date.fromisoformat(c[1][:10])
        start = first_working(cal, start)
        finish = start if d == 0 else add_days(cal, start, d - 1)
        if fin_min and finish < fin_min:
            finish = fin_min
            start = finish if d == 0 else add_days(cal, finish, -(d - 1))
        es[x], ef[x] = start, finish
    return es, ef

bl_es, bl_ef = forward({})
# What really happened: the over-excavation took longer, steel arrived late.
slips = {overex: 4, steel_del: 6, ab: 2}
es, ef = forward(slips)
DATA_DATE = dt.date.fromisoformat(DATA_DATE_ARG)

def stamp(d, end):
    return f"{d.isoformat()}T{'16:00' if end else '07:00'}"

rows = []
for a in sorted(ACTS, key=lambda a: a["id"]):
    x = a["id"]; d = a["days"] + slips.get(x, 0)
    hours = d * 8
    s, f = es[x], ef[x]
    if f <= DATA_DATE:
        status, pct, rem, ast, afin = "complete", 100, 0, stamp(s, False), stamp(f, d > 0)
    elif s <= DATA_DATE:
        days_done = 0; day = s
        while day <= DATA_DATE:
            if working(a["cal"], day):
                days_done += 1
            day += dt.timedelta(days=1)
        status, pct, rem, ast, afin = "in_progress", round(100 * days_done / d), (d - days_done) * 8, stamp(s, False), ""
    else:
        status, pct, rem, ast, afin = "not_started", 0, hours, "", ""
    cons = a["cons"]
    rows.append([x, a["name"], a["wbs"], a["cal"] if a["cal"] != "STD5" else "", a["kind"], status,
                 str(hours), str(rem), str(pct),
                 stamp(s, False), stamp(f, d > 0) if d > 0 else stamp(f, False),
                 ast, afin, stamp(bl_es[x], False), stamp(bl_ef[x], a["days"] > 0) if a["days"] > 0 else stamp(bl_ef[x], False),
                 cons[0] if cons else "", cons[1] if cons else "", ";".join(a["elements"])])

def write_csv(name, header, rs):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rs)

write_csv("wbs.csv", ["key", "parent", "code", "name", "seq"],
          [[k, p or "", c, n, i + 1] for i, (k, p, c, n) in enumerate(WBS)])
write_csv("activities.csv", ["id", "name", "wbs", "calendar", "kind", "status", "duration_hours", "remaining_hours",
                             "percent_complete", "start", "finish", "actual_start", "actual_finish", "baseline_start",
                             "baseline_finish", "constraint", "constraint_date", "elements"], rows)
write_csv("relationships.csv", ["predecessor", "successor", "type", "lag_hours"],
          [[p, s, t, str(lag * 8)] for p, s, t, lag in LINKS])
RES = [("CREW-CONC", "Concrete crew", "labor", "SITE6", ""), ("CREW-IRON", "Ironworkers", "labor", "", ""),
       ("CREW-CARP", "Carpenters and framers", "labor", "", ""), ("CREW-ELEC", "Electricians", "labor", "", ""),
       ("CREW-PLMB", "Plumbers and pipefitters", "labor", "", ""), ("CREW-SHMT", "Sheet metal workers", "labor", "", ""),
       ("CREW-DRYW", "Drywall finishers", "labor", "", ""), ("CREW-PNT", "Painters", "labor", "", ""),
       ("EQ-CRANE", "90-ton crawler crane", "nonlabor", "SITE6", ""), ("EQ-EXC", "Excavator and haul trucks", "nonlabor", "SITE6", ""),
       ("MAT-CONC", "Ready-mix concrete", "material", "", "CY"), ("MAT-REBAR", "Reinforcing steel", "material", "", "TON")]
write_csv("resources.csv", ["id", "name", "kind", "calendar", "unit"], [list(r) for r in RES])
asg = []
def assign(act_id, res, per_day):
    a = by_id[act_id]; d = a["days"] + slips.get(act_id, 0)
    planned = per_day * d
    row = next(r for r in rows if r[0] == act_id)
    frac_done = {"complete": 1, "in_progress": None, "not_started": 0}[row[5]]
    if frac_done is None:
        frac_done = 1 - int(row[7]) / max(int(row[6]), 1)
    actual = round(planned * frac_done, 1)
    txt = lambda v: str(int(v)) if float(v).is_integer() else str(v)
    asg.append([act_id, res, txt(planned), txt(actual), txt(round(planned - actual, 1))])
for x in [exc, overex, demo]:
    assign(x, "EQ-EXC", 8)
for f in ftg + [sog, pour2]:
    assign(f, "CREW-CONC", 48); assign(f, "MAT-CONC", 30); assign(f, "MAT-REBAR", 2)
for x in [col1, bm1, col2, bm2, deck1, deckr]:
    assign(x, "CREW-IRON", 40); assign(x, "EQ-CRANE", 8)
assign(rtu, "EQ-CRANE", 8)
for a in ACTS:
    nm = a["name"]
    if "stud framing" in nm: assign(a["id"], "CREW-CARP", 32)
    elif "gypsum" in nm: assign(a["id"], "CREW-DRYW", 40)
    elif "paint" in nm: assign(a["id"], "CREW-PNT", 24)
    elif "ductwork" in nm: assign(a["id"], "CREW-SHMT", 32)
    elif "plumbing" in nm or "medical gas" in nm: assign(a["id"], "CREW-PLMB", 24)
    elif "electrical" in nm or "light fixtures" in nm or "Switchgear" in nm: assign(a["id"], "CREW-ELEC", 32)
write_csv("assignments.csv", ["activity", "resource", "planned_units", "actual_units", "remaining_units"], asg)

cals = []
for key, c in CALS.items():
    week = {d: (SHIFTS if i in c["days"] else []) for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}
    cals.append({"key": key, "name": c["name"], "hours_per_day": "8", "week": week,
                 "exceptions": [{"date": h.isoformat(), "shifts": []} for h in HOLIDAYS]})
with open(os.path.join(OUT, "calendars.json"), "w") as f:
    f.write(json.dumps(cals, indent=2) + "\n")
with open(os.path.join(OUT, "project.json"), "w") as f:
    f.write(json.dumps({"id": "RCC-2026-014", "name": "Riverside Community Clinic",
                        "planned_start": "2026-01-19T07:00", "must_finish": "2026-12-18T16:00",
                        "data_date": f"{DATA_DATE.isoformat()}T16:00", "calendar": "STD5"}, indent=2) + "\n")
kinds = {t for _, _, t, _ in LINKS}
print(f"{len(ACTS)} activities, {len(LINKS)} links ({sorted(kinds)}), {len(WBS)} WBS nodes, {len(asg)} assignments;"
      f" finish {ef[final_c]}, statuses {sorted({r[5] for r in rows})}")
