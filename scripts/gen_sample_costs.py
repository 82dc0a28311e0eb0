#!/usr/bin/env python3
"""Writes the cost records of the sample project (examples/riverside-clinic/records/costs/):
cost codes (the SOV's and the change orders'), cost types, the original budget, 23
vendors, 11 commitments (subcontracts and purchase orders) with their schedules of
values and monthly invoices, and three months of actual costs (2026-02..2026-04).

Reads records/sov.csv, records/change_orders/*.json and records/pay_apps/*.json, so run
it after gen_sample_records.py. Deterministic (no clock, no randomness); amounts use
Python's decimal module with ROUND_HALF_UP, the rule aecos uses. Run from the repo root:
    python3 scripts/gen_sample_costs.py [PROJECT_DIR]
"""
import csv, datetime, glob, io, json, os, sys
from decimal import Decimal as D, ROUND_HALF_UP

ROOT = sys.argv[1] if len(sys.argv) > 1 else "examples/riverside-clinic"
OUT = os.path.join(ROOT, "records", "costs")

def r2(x):
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)

def r0(x):
    return x.quantize(D("1"), rounding=ROUND_HALF_UP)

def money(x):
    return str(r2(x))

def write_csv(rel, header, rows):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "w", newline="") as f:
        f.write(buf.getvalue())

def dump(rel, obj):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")

with open(os.path.join(ROOT, "records", "sov.csv"), newline="") as f:
    SOV = list(csv.DictReader(f))
COS = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(ROOT, "records", "change_orders", "*.json")))]
PAS = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(ROOT, "records", "pay_apps", "*.json")))]

# --- cost codes: the SOV's (first description wins) and the change orders' extra ones.
codes = {}
for l in SOV:
    codes.setdefault(l["cost_code"], l["description"].split(":")[0])
EXTRA = {"01 45 00": "Quality control: testing and inspection",
         "01 54 00": "Construction aids and temporary power",
         "09 66 00": "Terrazzo flooring"}
for co in COS:
    for cl in co["cost_lines"]:
        if cl["cost_code"] not in codes:
            codes[cl["cost_code"]] = EXTRA[cl["cost_code"]]
write_csv("cost_codes.csv", ["code", "description"], sorted(codes.items()))

TYPES = [("E", "Equipment", "equipment"), ("L", "Labor", "labor"), ("M", "Material", "material"),
         ("O", "Other", "other"), ("S", "Subcontract", "subcontract")]
write_csv("cost_types.csv", ["code", "description", "kind"], TYPES)

# --- budget: cost to the contractor per code and type (the SOV less fee and contingency).
SPLIT = {  # self-performed or mixed codes; everything else is 93% subcontract
    "01 31 00": [("L", "0.62"), ("O", "0.30")],
    "01 51 00": [("E", "0.35"), ("M", "0.30"), ("O", "0.27")],
    "01 81 00": [("O", "0.96")],
    "06 10 00": [("L", "0.48"), ("M", "0.44")],
    "03 21 00": [("M", "0.52"), ("S", "0.40")],
}
sov_by_code = {}
for l in SOV:
    sov_by_code[l["cost_code"]] = sov_by_code.get(l["cost_code"], D(0)) + D(l["scheduled_value"])
budget = {}
rows = []
for code in sorted(sov_by_code):
    for t, share in SPLIT.get(code, [("S", "0.93")]):
        amount = r0(sov_by_code[code] * D(share))
        budget[(code, t)] = amount
        desc = f"{codes[code]}.{dict((a, b) for a, b, _ in TYPES)[t]}"
        if (code, t) == ("01 31 00", "L"):  # one unit-based line: project staff months
            rows.append([code, t, desc, "12", "mo", money(amount / 12), money(r2(amount / 12) * 12)])
            budget[(code, t)] = r2(amount / 12) * 12
        else:
            rows.append([code, t, desc, "", "", "", money(amount)])
write_csv("budget.csv", ["cost_code", "cost_type", "description", "quantity", "uom", "unit_cost", "amount"], rows)

# --- vendors
VENDORS = [
    ("V1001", "Bayou Earthworks, Inc.", "subcontractor", "1200 Airline Hwy", "Baton Rouge", "LA", "70805", "Net 30"),
    ("V1002", "Capitol Concrete Contractors, LLC", "subcontractor", "455 Choctaw Dr", "Baton Rouge", "LA", "70805", "Net 30"),
    ("V1003", "Red Stick Steel Erectors", "subcontractor", "9020 Greenwell Springs Rd", "Baton Rouge", "LA", "70814", "Net 30"),
    ("V1004", "Gulf Coast Mechanical, Inc.", "subcontractor", "3100 Florida Blvd", "Baton Rouge", "LA", "70806", "Net 30"),
    ("V1005", "Pelican Plumbing Co.", "subcontractor", "7711 Plank Rd", "Baton Rouge", "LA", "70811", "Net 30"),
    ("V1006", "Acadiana Electric, LLC", "subcontractor", "220 Rue Louis XIV", "Lafayette", "LA", "70508", "Net 30"),
    ("V1007", "Delta Fire Protection", "subcontractor", "5150 Jones Creek Rd", "Baton Rouge", "LA", "70817", "Net 30"),
    ("V1008", "Southern Interiors, Inc.", "subcontractor", "1880 Wooddale Blvd", "Baton Rouge", "LA", "70806", "Net 30"),
    ("V1009", "Magnolia Roofing & Sheet Metal", "subcontractor", "640 N Foster Dr", "Baton Rouge", "LA", "70806", "Net 30"),
    ("V1010", "Red River Elevator Co.", "subcontractor", "31 Industrial Park Dr", "Shreveport", "LA", "71106", "Net 30"),
    ("V1011", "Delta Glass & Glazing", "subcontractor", "2929 Government St", "Baton Rouge", "LA", "70806", "Net 30"),
    ("V1012", "Allied Door Hardware Supply", "supplier", "88 Commerce St", "Gonzales", "LA", "70737", "Net 30"),
    ("V1013", "Cajun Doors & Frames", "supplier", "4410 Hwy 190", "Hammond", "LA", "70401", "Net 30"),
    ("V1014", "Baton Rouge Lumber Supply", "supplier", "1500 Scenic Hwy", "Baton Rouge", "LA", "70802", "Net 15"),
    ("V1015", "River Parish Equipment Rental", "supplier", "700 River Rd", "Port Allen", "LA", "70767", "Net 15"),
    ("V1016", "Crescent Rebar Supply", "supplier", "215 Tchoupitoulas St", "New Orleans", "LA", "70130", "Net 30"),
    ("V1017", "Louisiana Testing Labs", "consultant", "11 Lab Ct", "Baton Rouge", "LA", "70809", "Net 30"),
    ("V1018", "Parish Surveying Group", "consultant", "3030 Perkins Rd", "Baton Rouge", "LA", "70808", "Net 30"),
    ("V1019", "Pontchartrain Waste Services", "supplier", "90 Landfill Rd", "Baton Rouge", "LA", "70807", "Net 15"),
    ("V1020", "Bayou Office Trailer Co.", "supplier", "1290 Hwy 30", "Gonzales", "LA", "70737", "Net 15"),
    ("V1021", "Southern Safety Supply", "supplier", "505 Main St", "Baton Rouge", "LA", "70801", "Due on receipt"),
    ("V1022", "Gulf States Surety Agency", "other", "1 American Pl", "Baton Rouge", "LA", "70825", "Due on receipt"),
    ("V1023", "Capital City Utilities", "other", "222 St Louis St", "Baton Rouge", "LA", "70802", "Net 15"),
]
write_csv("vendors.csv", ["id", "name", "kind", "address", "city", "state", "zip", "terms"], VENDORS)

# --- commitments: id, vendor, title, date, retainage, [(code, type)], buyout factor
COMMITMENTS = [
    ("SC-001", "subcontract", "V1001", "Earthwork, site demolition and storm drainage", "2026-01-20", "10",
     [("02 41 00", "S"), ("31 20 00", "S"), ("33 40 00", "S")], "0.975"),
    ("SC-002", "subcontract", "V1002", "Concrete: formwork and cast-in-place", "2026-01-22", "10",
     [("03 11 00", "S"), ("03 21 00", "S"), ("03 30 00", "S")], "0.98"),
    ("SC-003", "subcontract", "V1003", "Structural steel, decking and miscellaneous metals", "2026-01-28", "5",
     [("05 12 00", "S"), ("05 31 00", "S"), ("05 50 00", "S")], "0.97"),
    ("SC-004", "subcontract", "V1004", "HVAC equipment, ductwork and controls", "2026-02-03", "10",
     [("23 09 00", "S"), ("23 30 00", "S"), ("23 31 00", "S")], "0.985"),
    ("SC-005", "subcontract", "V1005", "Plumbing and medical gas", "2026-02-03", "10",
     [("22 10 00", "S"), ("22 40 00", "S")], "0.98"),
    ("SC-006", "subcontract", "V1006", "Electrical, low voltage and fire alarm", "2026-02-05", "10",
     [("26 05 00", "S"), ("26 51 00", "S"), ("27 10 00", "S"), ("28 31 00", "S")], "0.975"),
    ("SC-007", "subcontract", "V1007", "Fire sprinkler system", "2026-02-10", "10",
     [("21 13 00", "S")], "0.99"),
    ("SC-008", "subcontract", "V1008", "Gypsum board assemblies and acoustical ceilings", "2026-02-16", "10",
     [("09 21 16", "S"), ("09 51 00", "S")], "0.97"),
    ("SC-009", "subcontract", "V1009", "TPO roofing and metal wall panels", "2026-02-16", "10",
     [("07 42 00", "S"), ("07 54 00", "S")], "0.98"),
    ("SC-010", "subcontract", "V1010", "Hydraulic passenger elevator", "2026-02-20", "10",
     [("14 24 00", "S")], "1"),
    ("PO-001", "purchase_order", "V1016", "Reinforcing steel supply", "2026-01-26", "0",
     [("03 21 00", "M")], "0.99"),
]
# Share of each cost code's SOV value billed to the owner each month (from the pay apps).
item_code = {l["item_no"]: l["cost_code"] for l in SOV}
progress = {}  # (month index, code) -> fraction of the code's SOV value
for i, pa in enumerate(PAS):
    for pl in pa["lines"]:
        code = item_code.get(pl["item_no"])
        if code:
            billed = D(pl["this_period"]) + D(pl["materials_stored"])
            progress[(i, code)] = progress.get((i, code), D(0)) + billed / sov_by_code[code]

def initials(name):
    return "".join(w[0] for w in name.replace(",", "").split() if w[0].isalpha())[:3].upper()

def add_days(iso, n):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=n)).isoformat()

vendor_name = {v[0]: v[1] for v in VENDORS}
approved_invoices = []  # (month index, commitment, vendor, invoice number, date, [(code, type, amount)])
for cid, kind, vendor, title, date, ret, lines, buyout in COMMITMENTS:
    sov_lines = []
    for n, (code, t) in enumerate(lines, 1):
        value = r0(budget[(code, t)] * D(buyout) / 100) * 100
        sov_lines.append({"line": n, "cost_code": code, "cost_type": t,
                          "description": codes[code], "amount": money(value)})
    invoices = []
    billed_to_date = {l["line"]: D(0) for l in sov_lines}
    for i, pa in enumerate(PAS):
        inv_lines = []
        for l in sov_lines:
            f = progress.get((i, l["cost_code"]), D(0))
            amt = min(r2(D(l["amount"]) * f), D(l["amount"]) - billed_to_date[l["line"]])
            if amt > 0:
                billed_to_date[l["line"]] += amt
                inv_lines.append({"line": l["line"], "amount": money(amt)})
        if not inv_lines:
            continue
        number = f"{initials(vendor_name[vendor])}-{len(invoices) + 1:03d}"
        inv_date = add_days(pa["period_to"], 2)
        status = "approved" if i < len(PAS) - 1 else "pending"
        invoices.append({"number": number, "date": inv_date, "period_to": pa["period_to"],
                         "due_date": add_days(inv_date, 30), "status": status, "lines": inv_lines})
        if status == "approved":
            by_line = {l["line"]: l for l in sov_lines}
            approved_invoices.append((i, cid, vendor, number, inv_date,
                                      [(by_line[x["line"]]["cost_code"], by_line[x["line"]]["cost_type"], D(x["amount"])) for x in inv_lines]))
    status = "approved" if invoices else "out_for_signature"
    dump(f"commitments/{cid}.json", {"id": cid, "kind": kind, "vendor": vendor, "title": title,
                                    "status": status, "date": date, "retainage_percent": ret,
                                    "lines": sov_lines, "invoices": invoices})

# --- actual costs, Feb..Apr 2026: approved commitment invoices (job cost at gross),
# weekly payroll, purchases, rentals and services. Kept locally: source "aecos".
MONTHS = [("2026-02", ["2026-02-06", "2026-02-13", "2026-02-20", "2026-02-27"]),
          ("2026-03", ["2026-03-06", "2026-03-13", "2026-03-20", "2026-03-27"]),
          ("2026-04", ["2026-04-03", "2026-04-10", "2026-04-17", "2026-04-24"])]
DIRECT = [  # vendor, code, type, base amount, description, day of month
    ("V1014", "06 10 00", "M", "4820.55", "Lumber and blocking", 9),
    ("V1015", "01 51 00", "E", "6240.00", "Telehandler and lift rental", 1),
    ("V1020", "01 51 00", "O", "1185.00", "Office trailer rent", 1),
    ("V1019", "01 51 00", "O", "1430.75", "Dumpster hauls", 15),
    ("V1021", "01 51 00", "M", "612.40", "PPE and safety signage", 11),
    ("V1017", "01 45 00", "O", "1860.00", "Concrete cylinders and special inspection", 20),
    ("V1023", "01 51 00", "O", "944.18", "Temporary power and water", 18),
    ("V1018", "01 71 00", "S", "7150.00", "Layout and as-built survey", 25),
]
for m, (month, fridays) in enumerate(MONTHS):
    rows = []
    n = 0
    def add(date, vendor, code, t, amount, ref, commitment, desc):
        global n
        n += 1
        rows.append([f"A-{month}-{n:03d}", date, vendor, code, t, money(amount), ref, commitment, desc, "aecos"])
    for i, (mi, cid, vendor, number, date, lines) in enumerate(approved_invoices):
        if mi != m:
            continue
        for code, t, amount in lines:
            add(date if date.startswith(month) else f"{month}-28", vendor, code, t, amount, number, cid, f"{cid} pay application {number}")
    for w, day in enumerate(fridays):
        add(day, "", "01 31 00", "L", D("9920.00") + D(m * 40 + w * 15), f"PR-{day}", "", "Project staff payroll")
        add(day, "", "06 10 00", "L", D("3385.50") + D(m * 120 + w * 35), f"PR-{day}", "", "Carpentry crew payroll")
    for k, (vendor, code, t, base, desc, dom) in enumerate(DIRECT):
        if code == "01 71 00" and m > 0:
            continue
        amount = D(base) * (1 + D(m) / 10)
        add(f"{month}-{dom:02d}", vendor, code, t, amount, f"{initials(vendor_name[vendor])}{m + 1}{k:02d}7", "", desc)
    if m == 0:
        add("2026-02-02", "V1022", "01 81 00", "O", D("101850.00"), "BOND-RCC-2026", "", "Performance and payment bond premium")
    rows.sort(key=lambda r: (r[1], r[0]))
    write_csv(f"actuals/{month}.csv", ["id", "date", "vendor", "cost_code", "cost_type", "amount",
                                       "reference", "commitment", "description", "source"], rows)
print("cost records written to", OUT)
