#!/usr/bin/env python3
"""Writes the sample inbox file of examples/riverside-clinic: pay application #3 as the
owner's Procore returns it (Procore's G703 continuation-sheet CSV layout), made from our
own G703 export of that period. Usage:
    aecos export g703 --period 2026-04 --out /tmp/pa3 -p <copy of the sample>
    python3 scripts/gen_sample_inbox.py /tmp/pa3/<...>_G703.csv examples/riverside-clinic/inbox/
"""
import csv, sys
from decimal import Decimal as D, ROUND_HALF_UP

src, out_dir = sys.argv[1], sys.argv[2]
HEAD = ["Item No", "Sub Job", "Cost Code", "Cost Type", "Description Of Work", "Scheduled Value",
        "Work Completed: From Previous Application", "Work Completed: This Period",
        "Materials Presently Stored", "Total Completed and Stored To Date", "%", "Balance To Finish",
        "Currently Retained: Work Retainage $", "Currently Retained: Materials Retainage $", "Total $"]
rows = [r for r in csv.DictReader(open(src, newline="")) if r["item_no"] != "TOTAL"]
with open(f"{out_dir}/procore_invoice_PA-003_2026-04.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(HEAD)
    for n, r in enumerate(rows, start=1):
        stored_ret = (D(r["materials_stored"]) * D("0.10")).quantize(D("0.01"), ROUND_HALF_UP)
        work_ret = D(r["retainage"]) - stored_ret
        code = r["item_no"].split(".")[0]
        w.writerow([n, "", code, "S" if code.startswith("CO") else "R", r["description"], r["scheduled_value"],
                    r["from_previous"], r["this_period"], r["materials_stored"], r["completed_and_stored"],
                    r["percent_complete"] + "%", r["balance_to_finish"], str(work_ret), str(stored_ret), r["retainage"]])
