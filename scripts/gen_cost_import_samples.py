#!/usr/bin/env python3
"""Writes the sample ERP exports of the cost imports, deterministically:

  examples/riverside-clinic/inbox/erp_actual_costs_2026-05.csv
      May 2026 job-cost transactions as the ERP exports them (columns of
      mappings/erp-actual-costs-import.toml, amounts "$6,748.77", dates MM/DD/YYYY);
  examples/riverside-clinic/inbox/erp_actual_costs_2026-05_corrected.xlsx
      the ERP's corrected re-export of the same month as a workbook (a title row above
      the header, real dates and numbers): one amount corrected, one transaction
      reversed out, one late invoice added;
  tests/fixtures/erp_actual_costs_2026-05.xls
      the CSV's transactions as a legacy .xls workbook (the .xls reader's fixture).

The transactions use the sample project's cost codes, cost types, vendors and
commitments (records/costs/, written by gen_sample_costs.py). Amounts are Python
decimals. Needs openpyxl and xlwt:
    python3 -m venv /tmp/xl && /tmp/xl/bin/pip install openpyxl xlwt
    /tmp/xl/bin/python scripts/gen_cost_import_samples.py
"""
import csv, datetime, io, os, zipfile
from decimal import Decimal as D

import openpyxl
import xlwt

INBOX = "examples/riverside-clinic/inbox"
FIXTURES = "tests/fixtures"
HEADER = ["Transaction ID", "Posting Date", "Vendor ID", "Cost Code", "Category", "Amount",
          "Reference", "Commitment", "Description"]

# (posting date, vendor, cost code, category, amount, reference, commitment, description)
ROWS = [
    ("2026-05-01", "V1015", "01 51 00", "E", "8736.00", "RPE4017", "", "Telehandler and lift rental"),
    ("2026-05-01", "V1020", "01 51 00", "O", "1659.00", "BOT4027", "", "Office trailer rent"),
    ("2026-05-08", "", "01 31 00", "L", "10040.00", "PR-2026-05-08", "", "Project staff payroll"),
    ("2026-05-08", "", "06 10 00", "L", "3745.50", "PR-2026-05-08", "", "Carpentry crew payroll"),
    ("2026-05-11", "V1014", "06 10 00", "M", "6748.77", "BRLS4007", "", "Lumber and blocking"),
    ("2026-05-11", "V1021", "01 51 00", "M", "857.36", "SSS4047", "", "PPE and safety signage"),
    ("2026-05-15", "", "01 31 00", "L", "10055.00", "PR-2026-05-15", "", "Project staff payroll"),
    ("2026-05-15", "", "06 10 00", "L", "3780.50", "PR-2026-05-15", "", "Carpentry crew payroll"),
    ("2026-05-15", "V1019", "01 51 00", "O", "2003.05", "PWS4037", "", "Dumpster hauls"),
    ("2026-05-18", "V1023", "01 51 00", "O", "1321.85", "CCU4067", "", "Temporary power and water"),
    ("2026-05-20", "V1017", "01 45 00", "O", "2604.00", "LTL4057", "", "Concrete cylinders and special inspection"),
    ("2026-05-22", "", "01 31 00", "L", "10070.00", "PR-2026-05-22", "", "Project staff payroll"),
    ("2026-05-22", "", "06 10 00", "L", "3815.50", "PR-2026-05-22", "", "Carpentry crew payroll"),
    ("2026-05-28", "V1005", "22 10 00", "S", "41250.00", "PPC-003", "SC-005", "SC-005 pay application PPC-003"),
    ("2026-05-28", "V1006", "26 05 00", "S", "52310.00", "AEL-003", "SC-006", "SC-006 pay application AEL-003"),
    ("2026-05-28", "V1016", "03 21 00", "M", "(1250.00)", "CRS-003C", "PO-001", "PO-001 credit: returned rebar"),
    ("2026-05-29", "", "01 31 00", "L", "10085.00", "PR-2026-05-29", "", "Project staff payroll"),
    ("2026-05-29", "", "06 10 00", "L", "3850.50", "PR-2026-05-29", "", "Carpentry crew payroll"),
]


def tx_id(i):
    return f"JC-2605{i + 1:04d}"


def amount(text):
    neg = text.startswith("(")
    v = D(text.strip("()"))
    return -v if neg else v


def dollars(v):
    s = f"${abs(v):,.2f}"
    return f"({s})" if v < 0 else s


def mdy(iso):
    y, m, d = iso.split("-")
    return f"{m}/{d}/{y}"


def records():
    return [(tx_id(i), date, v, code, t, amount(a), ref, com, desc)
            for i, (date, v, code, t, a, ref, com, desc) in enumerate(ROWS)]


def write_csv(path, recs):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    for (i, date, v, code, t, a, ref, com, desc) in recs:
        w.writerow([i, mdy(date), v, code, t, dollars(a), ref, com, desc])
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(buf.getvalue())


def fixed_zip(path):
    """Rewrites a zip with fixed timestamps and order, so the bytes are reproducible."""
    with zipfile.ZipFile(path) as z:
        items = [(n, z.read(n)) for n in sorted(z.namelist())]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in items:
            info = zipfile.ZipInfo(n, date_time=(2026, 6, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def write_xlsx(path, recs, title):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Job Cost Detail"
    ws.append([title])
    ws.append([])
    ws.append(HEADER)
    for (i, date, v, code, t, a, ref, com, desc) in recs:
        ws.append([i, datetime.date.fromisoformat(date), v or None, code, t, a, ref, com or None, desc])
        ws.cell(row=ws.max_row, column=2).number_format = "mm/dd/yyyy"
        ws.cell(row=ws.max_row, column=6).number_format = "#,##0.00;(#,##0.00)"
    stamp = datetime.datetime(2026, 6, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "ERP export"
    wb.save(path)
    fixed_zip(path)


def write_xls(path, recs):
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Job Cost Detail")
    date_style = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    for c, h in enumerate(HEADER):
        ws.write(0, c, h)
    for r, (i, date, v, code, t, a, ref, com, desc) in enumerate(recs, start=1):
        for c, val in enumerate([i, None, v, code, t, float(a), ref, com, desc]):
            if c == 1:
                ws.write(r, c, datetime.datetime.fromisoformat(date), date_style)
            elif val != "":
                ws.write(r, c, val)
    wb.save(path)


recs = records()
os.makedirs(INBOX, exist_ok=True)
os.makedirs(FIXTURES, exist_ok=True)
write_csv(os.path.join(INBOX, "erp_actual_costs_2026-05.csv"), recs)
write_xls(os.path.join(FIXTURES, "erp_actual_costs_2026-05.xls"), recs)

# The corrected re-export: the lumber invoice was keyed wrong, the safety supplies were
# reversed out, and a late survey invoice was posted.
corrected = [r for r in recs if r[0] != tx_id(5)]
corrected = [(r[0], r[1], r[2], r[3], r[4], D("6874.77") if r[0] == tx_id(4) else r[5], *r[6:])
             for r in corrected]
corrected.append((tx_id(len(ROWS)), "2026-05-29", "V1018", "01 71 00", "S", D("2145.00"), "PSG4077", "",
                  "As-built survey update"))
write_xlsx(os.path.join(INBOX, "erp_actual_costs_2026-05_corrected.xlsx"), corrected,
           "Riverside Clinic, job cost detail, May 2026 (corrected)")
print("wrote the ERP sample exports")
