#!/usr/bin/env python3
"""Writes the construction records of the sample project (examples/riverside-clinic):
contract, schedule of values, change orders CO-001..CO-006, four monthly pay
applications, integration settings, and a Procore-style G703 in the sample inbox.

Deterministic (no clock, no randomness). Amounts use Python's decimal module with
ROUND_HALF_UP, i.e. half away from zero, the same rule aecos uses. Run from the repo root:
    python3 scripts/gen_sample_records.py [PROJECT_DIR]
"""
import csv, io, json, os, sys
from decimal import Decimal as D, ROUND_HALF_UP

ROOT = sys.argv[1] if len(sys.argv) > 1 else "examples/riverside-clinic"
C2 = D("0.01")

def r2(x):
    return x.quantize(C2, rounding=ROUND_HALF_UP)

def money(x):
    return str(r2(x))

def dump(path, obj):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", newline="\n") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")

# item, cost code, description, value, start period (1-based month of work), months, own rate
SOV = [
    ("01-100", "01 31 00", "General conditions and project management", "412800.00", 1, 12, None),
    ("01-500", "01 51 00", "Temporary facilities and utilities", "96400.00", 1, 12, None),
    ("01-700", "01 71 00", "Survey and layout", "28600.00", 1, 3, None),
    ("01-810", "01 81 00", "Bonds and insurance", "118250.00", 1, 1, "0"),
    ("02-410", "02 41 00", "Site demolition and clearing", "64300.00", 1, 2, None),
    ("03-110", "03 11 00", "Concrete formwork", "182400.00", 1, 4, None),
    ("03-210", "03 21 00", "Reinforcing steel", "146900.00", 1, 4, None),
    ("03-300", "03 30 00", "Cast-in-place concrete: foundations", "228750.00", 1, 3, None),
    ("03-310", "03 30 00", "Cast-in-place concrete: slabs on grade and elevated deck", "264300.00", 2, 4, None),
    ("04-200", "04 20 00", "Unit masonry: CMU elevator and stair shafts", "138600.00", 3, 3, None),
    ("05-120", "05 12 00", "Structural steel framing", "612500.00", 2, 3, "5"),
    ("05-310", "05 31 00", "Steel decking", "94800.00", 3, 2, "5"),
    ("05-500", "05 50 00", "Metal fabrications, stairs and railings", "121700.00", 4, 4, None),
    ("06-100", "06 10 00", "Rough carpentry and blocking", "72900.00", 3, 6, None),
    ("06-400", "06 41 00", "Architectural casework", "186300.00", 7, 4, None),
    ("07-210", "07 21 00", "Thermal insulation", "58700.00", 4, 4, None),
    ("07-270", "07 27 00", "Air and water barriers", "66900.00", 4, 3, None),
    ("07-420", "07 42 00", "Metal wall panels", "248600.00", 4, 4, None),
    ("07-540", "07 54 00", "TPO roofing and flashing", "174200.00", 4, 3, None),
    ("07-920", "07 92 00", "Joint sealants", "31400.00", 6, 5, None),
    ("08-110", "08 11 00", "Hollow metal doors and frames", "88600.00", 5, 4, None),
    ("08-140", "08 14 00", "Wood doors", "64200.00", 8, 3, None),
    ("08-410", "08 41 00", "Aluminum storefront and curtain wall", "356800.00", 4, 4, None),
    ("08-710", "08 71 00", "Door hardware", "97300.00", 8, 3, None),
    ("08-800", "08 80 00", "Glazing and window film", "52400.00", 5, 3, None),
    ("09-210", "09 21 16", "Gypsum board assemblies", "318400.00", 5, 5, None),
    ("09-510", "09 51 00", "Acoustical ceilings", "142600.00", 7, 4, None),
    ("09-650", "09 65 00", "Resilient flooring (sheet vinyl, exam rooms)", "128900.00", 8, 3, None),
    ("09-680", "09 68 00", "Carpet tile", "41300.00", 9, 2, None),
    ("09-910", "09 91 00", "Painting and wall coverings", "116700.00", 7, 5, None),
    ("10-140", "10 14 00", "Signage and wayfinding", "38900.00", 10, 2, None),
    ("10-280", "10 28 00", "Toilet accessories and partitions", "46200.00", 9, 2, None),
    ("11-710", "11 71 00", "Medical equipment rough-in support", "72400.00", 8, 3, None),
    ("12-240", "12 24 00", "Window shades", "27900.00", 10, 2, None),
    ("14-240", "14 24 00", "Hydraulic passenger elevator", "168500.00", 6, 5, None),
    ("21-130", "21 13 00", "Fire sprinkler system", "142800.00", 4, 6, None),
    ("22-100", "22 10 00", "Plumbing: underground and rough-in", "236400.00", 2, 6, None),
    ("22-400", "22 40 00", "Plumbing fixtures and medical gas", "174900.00", 8, 4, None),
    ("23-300", "23 30 00", "HVAC equipment (rooftop units, VAV boxes)", "486300.00", 3, 6, None),
    ("23-310", "23 31 00", "HVAC ductwork and distribution", "312600.00", 4, 6, None),
    ("23-090", "23 09 00", "Building automation and controls", "128700.00", 7, 5, None),
    ("26-050", "26 05 00", "Electrical: service, feeders and rough-in", "398600.00", 2, 8, None),
    ("26-500", "26 51 00", "Lighting fixtures and controls", "184300.00", 7, 4, None),
    ("27-100", "27 10 00", "Structured cabling and nurse call", "136800.00", 7, 5, None),
    ("28-310", "28 31 00", "Fire alarm and detection", "84600.00", 6, 5, None),
    ("31-200", "31 20 00", "Earthwork, excavation and backfill", "214800.00", 1, 3, None),
    ("32-120", "32 12 00", "Asphalt paving and striping", "118400.00", 9, 2, None),
    ("32-900", "32 90 00", "Landscaping and irrigation", "74600.00", 10, 2, None),
    ("33-400", "33 40 00", "Storm drainage and detention", "152300.00", 1, 4, None),
]

original = sum(D(v) for _, _, _, v, _, _, _ in SOV)

contract = {
    "project": {"name": "Riverside Community Clinic", "number": "RCC-2026-014",
                "address": "1400 River Road, Baton Rouge, LA 70802"},
    "contract_number": "RHD-C-2026-07",
    "contract_date": "2026-01-12",
    "contract_for": "General construction of a two-storey outpatient clinic",
    "owner": {"name": "Riverside Health District", "address": "200 Government St, Baton Rouge, LA 70801"},
    "contractor": {"name": "Delta Gulf Builders, LLC", "address": "7700 Industrial Blvd, Baton Rouge, LA 70805"},
    "architect": {"name": "Marsh & Lyle Architects", "address": "55 Third St, Baton Rouge, LA 70801"},
    "original_contract_sum": money(original),
    "currency": "USD",
    "rounding": "cents",
    "retainage": {"work_percent": "10", "stored_percent": "10",
                  "step_down": {"at_percent_complete": "50", "work_percent": "5"}},
}
dump("records/contract.json", contract)

buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["item_no", "cost_code", "description", "scheduled_value", "retainage_percent", "stored_retainage_percent"])
for item, code, desc, val, _, _, rate in SOV:
    w.writerow([item, code, desc, val, rate or "", ""])
os.makedirs(os.path.join(ROOT, "records"), exist_ok=True)
with open(os.path.join(ROOT, "records/sov.csv"), "w", newline="") as f:
    f.write(buf.getvalue())

OHP, BOND = D("15"), D("1.5")

def co_total(lines):
    net = sum(D(a) for _, _, _, a in lines)
    return net + r2(net * OHP / 100) + r2(net * BOND / 100)

# id, title, status, created, approved, reason, cost lines, allocation
# allocation: list of (item_no, new_line or None, share) where the last share takes the remainder
COS = [
    ("CO-001", "Over-excavation of unsuitable soils at grid C-F", "Executed", "2026-02-04", "2026-02-17",
     "Geotechnical finding during mass excavation (RFI-007)",
     [("Haul-off and disposal of unsuitable soil, 1,150 CY", "31 20 00", "subcontract", "38640.00"),
      ("Select fill, placed and compacted", "31 20 00", "material", "21850.00"),
      ("Additional testing and inspection", "01 45 00", "other", "2400.00")],
     [("CO-001.1", {"cost_code": "31 20 00", "description": "Over-excavation and select fill"}, None)]),
    ("CO-002", "Two added exam rooms: casework and low-voltage", "Executed", "2026-03-02", "2026-03-19",
     "Owner request OR-03",
     [("Casework for exam rooms 118 and 119", "06 41 00", "subcontract", "24600.00"),
      ("Nurse call and data drops", "27 10 00", "subcontract", "8900.00"),
      ("Gypsum board and paint", "09 21 16", "labor", "6350.00")],
     [("06-400", None, D("28290.00")), ("CO-002.1", {"cost_code": "27 10 00", "description": "Nurse call and data, exam rooms 118-119"}, None)]),
    ("CO-003", "Delete decorative window film", "Owner Authorized", "2026-04-01", "2026-04-09",
     "Value engineering VE-04 accepted by owner",
     [("Credit: decorative window film, 2,300 SF", "08 80 00", "subcontract", "-14200.00")],
     [("08-800", None, None)]),
    ("CO-004", "Upgraded lobby terrazzo", "Contractor Accepted", "2026-05-06", None,
     "Owner request OR-05 (awaiting owner authorization)",
     [("Terrazzo in lieu of sheet vinyl, lobby", "09 66 00", "subcontract", "31800.00")],
     [("CO-004.1", {"cost_code": "09 66 00", "description": "Lobby terrazzo"}, None)]),
    ("CO-005", "Emergency generator pad and conduit", "Executed", "2026-04-22", "2026-05-12",
     "Code review comment EL-2 (NEC 700)",
     [("Generator pad, 12 CY concrete", "03 30 00", "subcontract", "9800.00"),
      ("Feeder conduit and pull boxes", "26 05 00", "subcontract", "17450.00"),
      ("Crane and rigging", "01 54 00", "equipment", "3200.00")],
     [("CO-005.1", {"cost_code": "03 30 00", "description": "Generator pad", "retainage_percent": "10"}, D("11536.45")),
      ("CO-005.2", {"cost_code": "26 05 00", "description": "Generator feeders and conduit"}, None)]),
    ("CO-006", "Delete exterior bike shelter", "Pending Review", "2026-05-20", None,
     "Owner budget review",
     [("Credit: bike shelter and foundations", "05 50 00", "subcontract", "-18400.00")],
     [("05-500", None, None)]),
]

co_totals = {}
for cid, title, status, created, approved, reason, lines, alloc in COS:
    total = co_total(lines)
    co_totals[cid] = total
    changes = []
    remaining = total
    for item, new_line, share in alloc:
        amt = share if share is not None else remaining
        remaining -= amt
        ch = {"item_no": item, "amount": money(amt)}
        if new_line:
            ch["new_line"] = new_line
        changes.append(ch)
    assert remaining == 0, cid
    rec = {"id": cid, "title": title, "status": status, "reason": reason, "date_created": created}
    if approved:
        rec["date_approved"] = approved
    rec["cost_lines"] = [{"description": d, "cost_code": c, "kind": k, "amount": a} for d, c, k, a in lines]
    rec["markups"] = {"ohp_percent": str(OHP), "bond_percent": str(BOND)}
    rec["sov_changes"] = changes
    dump(f"records/change_orders/{cid}.json", rec)

PERIODS = [("2026-02-01", "2026-02-28", "2026-02-25"), ("2026-03-01", "2026-03-31", "2026-03-25"),
           ("2026-04-01", "2026-04-30", "2026-04-24"), ("2026-05-01", "2026-05-31", "2026-05-26")]

# Cumulative fraction of each line complete at the end of month m (linear over its months).
def cum_frac(start, months, m):
    done = min(max(m - start + 1, 0), months)
    return D(done) / D(months)

values = {item: D(v) for item, _, _, v, _, _, _ in SOV}
values["08-800"] += co_totals["CO-003"]            # approved in April: billing stays within the reduced value
values["06-400"] += D("28290.00")
# Stored materials: storefront stored in March, installed April/May; RTUs stored in April, set in May.
STORED = {("08-410", 2): D("85000.00"), ("08-410", 3): D("45000.00"), ("08-410", 4): D("0"),
          ("23-300", 3): D("132000.00"), ("23-300", 4): D("48000.00")}
billed = {item: D(0) for item in values}
for n, (pf, pt, ad) in enumerate(PERIODS, start=1):
    lines = []
    for item, code, desc, val, start, months, rate in SOV:
        target = r2(D(val) * cum_frac(start, months, n))
        if item == "08-410":  # storefront: first installed in April
            target = {1: D(0), 2: D(0), 3: D("40000.00"), 4: D("131000.00")}[n]
        if item == "23-300":
            target = {1: D(0), 2: D(0), 3: D("36500.00"), 4: D("168200.00")}[n]
        e = target - billed[item]
        f = STORED.get((item, n), D(0))
        billed[item] = target
        if e != 0 or f != 0:
            lines.append({"item_no": item, "this_period": money(e), "materials_stored": money(f)})
    # Change-order lines bill once approved.
    if n >= 1:
        co1 = {1: D("41200.00"), 2: D("31700.58"), 3: D(0), 4: D(0)}[n]
        if co1:
            lines.append({"item_no": "CO-001.1", "this_period": money(co1), "materials_stored": "0.00"})
    if n >= 3:
        lines.append({"item_no": "CO-002.1", "this_period": money({3: D("4000.00"), 4: D("3550.00")}[n]), "materials_stored": "0.00"})
    if n == 4:
        lines.append({"item_no": "CO-005.1", "this_period": "11536.45", "materials_stored": "0.00"})
        lines.append({"item_no": "CO-005.2", "this_period": "9000.00", "materials_stored": "2600.00"})
    status = "draft" if n == 4 else "paid" if n <= 2 else "certified"
    dump(f"records/pay_apps/PA-{n:03d}.json", {
        "application_no": n, "period_from": pf, "period_to": pt, "application_date": ad,
        "status": status, "lines": lines})

dump("integration/integration_manifest.json", {
    "version": 1,
    "integrations": [
        {"platform": "aia", "name": "AIA G702/G703 pay application (CSV + PDF)", "mode": "file", "enabled": True,
         "data_types": ["pay_application"]},
        {"platform": "procore", "name": "Procore (prime contract invoicing, budget, schedule)", "mode": "file",
         "enabled": True, "data_types": ["pay_application", "budget", "schedule"]},
        {"platform": "p6", "name": "Primavera P6 (XER, P6 XML)", "mode": "file", "enabled": True,
         "data_types": ["schedule"]},
        {"platform": "msproject", "name": "Microsoft Project (MSPDI XML)", "mode": "file", "enabled": True,
         "data_types": ["schedule"]},
        {"platform": "quickbooks", "name": "QuickBooks Desktop (IIF)", "mode": "file", "enabled": False,
         "data_types": ["actual_costs"]},
    ],
})
dump("integration/data_flow_rules.json", {
    "version": 1,
    "default": "requires_approval",
    "rules": [
        {"platform": "aia", "data_type": "pay_application", "push": "allowed", "pull": "allowed"},
        {"platform": "procore", "data_type": "pay_application", "push": "requires_approval", "pull": "allowed"},
        {"platform": "p6", "data_type": "schedule", "push": "allowed", "pull": "allowed"},
        {"platform": "msproject", "data_type": "schedule", "push": "allowed", "pull": "allowed"},
        {"platform": "procore", "data_type": "budget", "push": "allowed", "pull": "allowed"},
        {"platform": "procore", "data_type": "commitment", "push": "allowed", "pull": "allowed"},
        {"platform": "procore", "data_type": "change_order", "push": "requires_approval", "pull": "allowed"},
        {"platform": "quickbooks", "data_type": "accounting_transactions", "push": "allowed", "pull": "blocked"},
        {"platform": "quickbooks", "data_type": "invoice", "push": "allowed", "pull": "blocked"},
        {"platform": "quickbooks", "data_type": "journal_entry", "push": "allowed", "pull": "blocked"},
        {"platform": "quickbooks", "data_type": "*", "push": "blocked", "pull": "blocked"},
        {"platform": "sage300", "data_type": "ap_invoice", "push": "allowed", "pull": "allowed"},
        {"platform": "sage300", "data_type": "job_cost", "push": "allowed", "pull": "allowed"},
        {"platform": "reports", "data_type": "cost_reconciliation", "push": "allowed", "pull": "allowed"},
        {"platform": "spreadsheet", "data_type": "pay_application", "push": "blocked", "pull": "allowed"},
    ],
})
dump("integration/sync_schedules.json", {
    "version": 1,
    "schedules": [
        {"platform": "aia", "data_type": "pay_application", "direction": "push", "when": "monthly:25"},
        {"platform": "procore", "data_type": "pay_application", "direction": "pull", "when": "monthly:28"},
    ],
})
print("original contract sum", original)
