#!/usr/bin/env python3
"""Independent interop checks for the AIA G702/G703 drop files written by aecos.

This is an oracle written without aecos: it reads the exported CSVs and PDF
with the Python standard library (csv, decimal) and pypdf, re-derives every
number it can from first principles and from the project's own records
(contract.json, sov.csv, change_orders/*.json, pay_apps/*.json), and compares.
It never imports, links or runs aecos.

Usage (see scripts/interop.sh):
  check_payapp.py --records examples/riverside-clinic/records \
      --period 2026-02=DIR [--period 2026-03=DIR ...] \
      [--export-json 2026-02=FILE ...] \
      [--demo-json FILE --demo-dir DIR] \
      [--repeat DIR_A DIR_B] [--counts FILE]

Each DIR holds one export: *_G702.csv, *_G703.csv, *_G702-G703.pdf and
*.manifest.json.  Exit status: 0 all checks passed, 1 a check failed,
2 bad usage.  A missing file or unreadable input is a failed check, never a
skip.
"""

import argparse
import csv
import glob
import hashlib
import json
import math
import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

G703_HEADER = [
    "item_no",
    "description",
    "scheduled_value",
    "from_previous",
    "this_period",
    "materials_stored",
    "completed_and_stored",
    "percent_complete",
    "balance_to_finish",
    "retainage",
]
# Column letters of the AIA G703 continuation sheet for the amount columns.
COLS = {
    "scheduled_value": "C",
    "from_previous": "D",
    "this_period": "E",
    "materials_stored": "F",
    "completed_and_stored": "G",
    "balance_to_finish": "H",
    "retainage": "I",
}
AMOUNT_COLS = ["C", "D", "E", "F", "G", "H", "I"]
G702_HEADER = ["line", "label", "amount"]
G702_ORDER = ["1", "2", "3", "4", "5a", "5b", "5", "6", "7", "8", "9"]
CO_KEYS = [
    "CO-prev-add",
    "CO-prev-ded",
    "CO-this-add",
    "CO-this-ded",
    "CO-total-add",
    "CO-total-ded",
    "CO-net",
]
ROWS_PER_PAGE = 28
PAGE_W, PAGE_H = 792.0, 612.0  # US letter, landscape, in points
PAGE_TOL = 0.5

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
AMOUNT_RE = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
PERIOD_RE = re.compile(r"^[0-9]{4}-[0-9]{2}$")
PDF_AMOUNT_RE = re.compile(r"^\(?[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}\)?$")
PDF_PCT_RE = re.compile(r"^\(?-?[0-9]+\.[0-9]{2}\)?%$")
MAX_DETAILS = 8


# --------------------------------------------------------------------------
# small helpers


def r2(x):
    """Round to cents, ties away from zero (ROUND_HALF_UP in Python's decimal)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def pct_complete(g, c):
    return ZERO if c == 0 else r2(g * HUNDRED / c)


def amount(text, where):
    if not AMOUNT_RE.match(text):
        raise ValueError(f"{where}: {text!r} is not a plain amount with 2 decimals")
    return Decimal(text)


def opt_decimal(value, where):
    """A percent field from the records: blank/absent/null -> None."""
    if value is None:
        return None
    value = str(value).strip()
    if value == "":
        return None
    try:
        return Decimal(value)
    except Exception:
        raise ValueError(f"{where}: {value!r} is not a number")


def pdf_amount(x):
    """Amount as printed in the PDF: thousands separators, 2 decimals,
    negatives in parentheses."""
    s = f"{abs(x):,.2f}"
    return f"({s})" if x < 0 else s


def contains_amount(text, shown):
    pattern = r"(?<![0-9,.(])" + re.escape(shown) + r"(?![0-9])"
    return re.search(pattern, text) is not None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def one_file(directory, pattern):
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"export folder {directory} does not exist")
    found = sorted(glob.glob(os.path.join(glob.escape(directory), pattern)))
    if len(found) != 1:
        raise FileNotFoundError(
            f"expected exactly one {pattern} in {directory}, found {len(found)}: "
            + ", ".join(os.path.basename(p) for p in found)
        )
    return found[0]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


# --------------------------------------------------------------------------
# results bookkeeping


class Results:
    def __init__(self):
        self.items = []  # (group, name, problems)

    def check(self, group, name, fn, *args):
        problems = []
        try:
            fn(problems.append, *args)
        except Exception as e:  # an unreadable input is a failure, not a skip
            problems.append(f"{type(e).__name__}: {e}")
        self._record(group, name, problems)
        return not problems

    def blocked(self, group, names, why):
        """Checks that cannot run because their inputs are unreadable: each
        counts as failed; reported on one line."""
        for name in names:
            self.items.append((group, name, [f"not run: {why}"]))
        print(f"FAIL {group} {', '.join(names)}: not run: {why}")

    def _record(self, group, name, problems):
        self.items.append((group, name, problems))
        if problems:
            print(f"FAIL {group} {name}:")
            for p in problems[:MAX_DETAILS]:
                print(f"     {p}")
            if len(problems) > MAX_DETAILS:
                print(f"     ... and {len(problems) - MAX_DETAILS} more")

    def counts(self):
        failed = sum(1 for _, _, p in self.items if p)
        return len(self.items) - failed, failed

    def summary(self):
        groups = []
        for g, _, _ in self.items:
            if g not in groups:
                groups.append(g)
        for g in groups:
            mine = [(n, p) for gg, n, p in self.items if gg == g]
            bad = [n for n, p in mine if p]
            line = f"  {g:<10} {len(mine) - len(bad)}/{len(mine)} ok"
            if bad:
                line += "  (failed: " + ", ".join(bad) + ")"
            print(line)


# --------------------------------------------------------------------------
# project records (the oracle's own inputs)


class Records:
    def __init__(self, rdir):
        self.dir = rdir
        with open(os.path.join(rdir, "contract.json"), encoding="utf-8") as f:
            self.contract = json.load(f)
        ret = self.contract["retainage"]
        self.work_percent = Decimal(str(ret["work_percent"]))
        self.stored_percent = Decimal(str(ret["stored_percent"]))
        step = ret.get("step_down")
        if step:
            self.step_at = Decimal(str(step["at_percent_complete"]))
            self.step_work = Decimal(str(step["work_percent"]))
        else:
            self.step_at = self.step_work = None
        self.original_sum = amount(
            str(self.contract["original_contract_sum"]), "contract.json original_contract_sum"
        )

        # sov.csv: item -> (work rate or None, stored rate or None)
        self.sov = {}
        self.sov_order = []
        with open(os.path.join(rdir, "sov.csv"), newline="", encoding="utf-8") as f:
            for n, row in enumerate(csv.DictReader(f), start=2):
                item = row["item_no"]
                if item in self.sov:
                    raise ValueError(f"sov.csv line {n}: duplicate item {item}")
                self.sov[item] = (
                    opt_decimal(row.get("retainage_percent"), f"sov.csv line {n} retainage_percent"),
                    opt_decimal(
                        row.get("stored_retainage_percent"),
                        f"sov.csv line {n} stored_retainage_percent",
                    ),
                )
                self.sov_order.append(item)

        # change orders: lines they create -> (work rate or None, stored rate or None)
        self.co_lines = {}
        co_files = sorted(glob.glob(os.path.join(glob.escape(rdir), "change_orders", "*.json")))
        for path in co_files:
            with open(path, encoding="utf-8") as f:
                co = json.load(f)
            for ch in co.get("sov_changes", []):
                new = ch.get("new_line")
                if new is None:
                    continue
                where = f"{os.path.basename(path)} {ch['item_no']}"
                self.co_lines[ch["item_no"]] = (
                    opt_decimal(new.get("retainage_percent"), where + " retainage_percent"),
                    opt_decimal(new.get("stored_retainage_percent"), where + " stored_retainage_percent"),
                )

        # pay applications by period (YYYY-MM of period_to)
        self.pay_apps = {}
        for path in sorted(glob.glob(os.path.join(glob.escape(rdir), "pay_apps", "*.json"))):
            with open(path, encoding="utf-8") as f:
                pa = json.load(f)
            label = pa["period_to"][:7]
            if label in self.pay_apps:
                raise ValueError(f"two pay applications for period {label}")
            self.pay_apps[label] = pa
        if not self.pay_apps:
            raise FileNotFoundError(f"no pay applications in {rdir}/pay_apps")

    def rates(self, item, ratio):
        """(work rate, stored rate) in percent for a G703 line."""
        if item.startswith("CO-"):
            if item not in self.co_lines:
                raise KeyError(f"item {item}: no change order creates this line")
            own_work, own_stored = self.co_lines[item]
        else:
            if item not in self.sov:
                raise KeyError(f"item {item}: not in sov.csv")
            own_work, own_stored = self.sov[item]
        if own_work is not None:
            work = own_work
        elif self.step_at is not None and ratio >= self.step_at:
            work = self.step_work
        else:
            work = self.work_percent
        stored = own_stored if own_stored is not None else self.stored_percent
        return work, stored


# --------------------------------------------------------------------------
# one exported period


class Period:
    def __init__(self, label, directory):
        self.label = label
        self.dir = directory
        self.loaded = False

    # ---- loading (itself a check: files present and parseable)
    def load(self, fail):
        d = self.dir
        self.g702_path = one_file(d, "*_G702.csv")
        self.g703_path = one_file(d, "*_G703.csv")
        self.pdf_path = one_file(d, "*_G702-G703.pdf")
        self.manifest_path = one_file(d, "*.manifest.json")
        for p in (self.g702_path, self.g703_path, self.pdf_path):
            if f"_{self.label}_" not in os.path.basename(p):
                fail(f"{os.path.basename(p)}: file name does not carry the period {self.label}")

        rows = read_csv(self.g703_path)
        if not rows:
            raise ValueError(f"{self.g703_path} is empty")
        self.g703_header = rows[0]
        self.lines = []
        self.total = None
        seen = set()
        for n, row in enumerate(rows[1:], start=2):
            where = f"G703 row {n}"
            if len(row) != len(G703_HEADER):
                raise ValueError(f"{where}: {len(row)} fields, expected {len(G703_HEADER)}: {row}")
            if self.total is not None:
                raise ValueError(f"{where}: row after the TOTAL row: {row}")
            rec = {"item": row[0], "description": row[1]}
            for name, letter in COLS.items():
                rec[letter] = amount(row[G703_HEADER.index(name)], f"{where} ({row[0]}) {name}")
            rec["pct"] = amount(row[G703_HEADER.index("percent_complete")], f"{where} ({row[0]}) percent_complete")
            if row[0] == "TOTAL":
                self.total = rec
                continue
            if row[0] in seen:
                fail(f"{where}: duplicate item_no {row[0]}")
            seen.add(row[0])
            self.lines.append(rec)
        if self.total is None:
            raise ValueError("G703 has no TOTAL row")
        if not self.lines:
            raise ValueError("G703 has no item lines")
        self.by_item = {r["item"]: r for r in self.lines}
        self.sums = {c: sum((r[c] for r in self.lines), ZERO) for c in AMOUNT_COLS}

        rows = read_csv(self.g702_path)
        if not rows:
            raise ValueError(f"{self.g702_path} is empty")
        self.g702_header = rows[0]
        self.g702_keys = []
        self.g702 = {}
        for n, row in enumerate(rows[1:], start=2):
            if len(row) != 3:
                raise ValueError(f"G702 row {n}: {len(row)} fields, expected 3: {row}")
            key = row[0]
            self.g702_keys.append(key)
            self.g702[key] = amount(row[2], f"G702 row {n} (line {key})")

        with open(self.manifest_path, encoding="utf-8") as f:
            self.manifest = json.load(f)

        from pypdf import PdfReader

        with open(self.pdf_path, "rb") as f:
            self.pdf_bytes = f.read()
        reader = PdfReader(self.pdf_path)
        self.pages = list(reader.pages)
        self.page_text = [p.extract_text() or "" for p in self.pages]
        self.loaded = True

    def L(self, key):
        if key not in self.g702:
            raise KeyError(f"G702 has no line {key}")
        return self.g702[key]

    # ---- G703
    def check_g703_header(self, fail):
        if self.g703_header != G703_HEADER:
            fail(f"header is {','.join(self.g703_header)}")
            fail(f"expected  {','.join(G703_HEADER)}")

    def check_g703_totals(self, fail):
        for c in AMOUNT_COLS:
            if self.sums[c] != self.total[c]:
                fail(f"column {c}: sum of lines {self.sums[c]} != TOTAL row {self.total[c]}")
        want = pct_complete(self.total["G"], self.total["C"])
        if self.total["pct"] != want:
            fail(f"TOTAL percent {self.total['pct']} != round(G/C*100) = {want}")

    def check_g703_lines(self, fail):
        for r in self.lines:
            i = r["item"]
            if r["D"] + r["E"] + r["F"] != r["G"]:
                fail(f"item {i}: D+E+F = {r['D']}+{r['E']}+{r['F']} = {r['D'] + r['E'] + r['F']} != G {r['G']}")
            if r["C"] - r["G"] != r["H"]:
                fail(f"item {i}: C-G = {r['C']}-{r['G']} = {r['C'] - r['G']} != H {r['H']}")
            want = pct_complete(r["G"], r["C"])
            if r["pct"] != want:
                fail(f"item {i}: percent {r['pct']} != round(G/C*100, 2) = {want} (G {r['G']}, C {r['C']})")

    # ---- G702
    def check_g702_structure(self, fail):
        if self.g702_header != G702_HEADER:
            fail(f"header is {','.join(self.g702_header)}, expected {','.join(G702_HEADER)}")
        head = self.g702_keys[: len(G702_ORDER)]
        if head != G702_ORDER:
            fail(f"lines are {','.join(head)}, expected {','.join(G702_ORDER)}")
        rest = self.g702_keys[len(G702_ORDER):]
        not_co = [k for k in rest if not k.startswith("CO-")]
        if not_co:
            fail(f"rows after line 9 that are not CO-*: {','.join(not_co)}")
        missing = [k for k in CO_KEYS if k not in rest]
        if missing:
            fail(f"missing change-order rows: {','.join(missing)}")
        dupes = sorted({k for k in self.g702_keys if self.g702_keys.count(k) > 1})
        if dupes:
            fail(f"duplicate rows: {','.join(dupes)}")

    def check_g702_math(self, fail):
        L = self.L
        eqs = [
            ("1+2 = 3", L("1") + L("2"), L("3")),
            ("5a+5b = 5", L("5a") + L("5b"), L("5")),
            ("4-5 = 6", L("4") - L("5"), L("6")),
            ("6-7 = 8", L("6") - L("7"), L("8")),
            ("3-6 = 9", L("3") - L("6"), L("9")),
            ("CO-total-add - CO-total-ded = CO-net", L("CO-total-add") - L("CO-total-ded"), L("CO-net")),
            ("CO-net = line 2", L("CO-net"), L("2")),
            ("CO-prev-add + CO-this-add = CO-total-add", L("CO-prev-add") + L("CO-this-add"), L("CO-total-add")),
            ("CO-prev-ded + CO-this-ded = CO-total-ded", L("CO-prev-ded") + L("CO-this-ded"), L("CO-total-ded")),
        ]
        for what, got, want in eqs:
            if got != want:
                fail(f"{what}: left side {got} != {want}")

    def check_g702_vs_g703(self, fail):
        for key, col, name in (("3", "C", "scheduled value"), ("4", "G", "completed and stored"), ("5", "I", "retainage")):
            if self.L(key) != self.sums[col]:
                fail(f"line {key} {self.L(key)} != sum of G703 column {col} ({name}) {self.sums[col]}")

    # ---- against the project's records
    def check_retainage(self, fail, rec):
        ratio = ZERO if self.sums["C"] == 0 else self.sums["G"] * HUNDRED / self.sums["C"]
        work_sum = stored_sum = ZERO
        for r in self.lines:
            try:
                work_rate, stored_rate = rec.rates(r["item"], ratio)
            except KeyError as e:
                fail(f"{e.args[0]} (cannot compute its retainage)")
                continue
            work = r2((r["D"] + r["E"]) * work_rate / HUNDRED)
            stored = r2(r["F"] * stored_rate / HUNDRED)
            work_sum += work
            stored_sum += stored
            if work + stored != r["I"]:
                fail(
                    f"item {r['item']}: retainage {r['I']} != {work + stored} "
                    f"= round((D+E) {r['D'] + r['E']} x {work_rate}%) {work} + round(F {r['F']} x {stored_rate}%) {stored}"
                    f" [project {ratio.quantize(CENT)}% complete]"
                )
        if self.L("5a") != work_sum:
            fail(f"G702 line 5a {self.L('5a')} != sum of retainage on completed work {work_sum}")
        if self.L("5b") != stored_sum:
            fail(f"G702 line 5b {self.L('5b')} != sum of retainage on stored material {stored_sum}")

    def check_records(self, fail, rec):
        missing = [i for i in rec.sov_order if i not in self.by_item]
        if missing:
            fail(f"SOV lines missing from G703: {', '.join(missing)}")
        if self.L("1") != rec.original_sum:
            fail(f"G702 line 1 {self.L('1')} != contract.json original_contract_sum {rec.original_sum}")
        pa = rec.pay_apps.get(self.label)
        if pa is None:
            fail(f"no pay application in records with period_to in {self.label}")
            return
        billed = {}
        for ln in pa.get("lines", []):
            billed[ln["item_no"]] = (
                amount(str(ln.get("this_period", "0.00")), f"{self.label} pay app {ln['item_no']} this_period"),
                amount(str(ln.get("materials_stored", "0.00")), f"{self.label} pay app {ln['item_no']} materials_stored"),
            )
        for item in billed:
            if item not in self.by_item:
                fail(f"pay application bills {item}, which is not on the G703")
        for r in self.lines:
            e, f_ = billed.get(r["item"], (ZERO, ZERO))
            if r["E"] != e:
                fail(f"item {r['item']}: E {r['E']} != pay application this_period {e}")
            if r["F"] != f_:
                fail(f"item {r['item']}: F {r['F']} != pay application materials_stored {f_}")

    def check_manifest(self, fail, rec):
        m = self.manifest
        base = os.path.dirname(os.path.abspath(rec.dir))
        sources = m.get("sources") or []
        if not sources:
            fail("manifest lists no sources")
        for s in sources:
            p = s.get("path", "")
            if not p.startswith("records/"):
                continue
            mine = os.path.join(base, p)
            if not os.path.isfile(mine):
                fail(f"manifest source {p} does not exist in {base}")
            elif sha256_file(mine) != s.get("sha256"):
                fail(f"manifest source {p}: exported from a different file than {mine} (sha256 differs)")
        outs = {os.path.basename(o.get("path", "")): o.get("sha256") for o in m.get("outputs", [])}
        for p in (self.g702_path, self.g703_path, self.pdf_path):
            b = os.path.basename(p)
            if b not in outs:
                fail(f"manifest outputs do not list {b}")
            elif outs[b] != sha256_file(p):
                fail(f"manifest sha256 of {b} {outs[b]} != file's {sha256_file(p)}")

    # ---- PDF
    def check_pdf_pages(self, fail):
        n = len(self.lines)
        want = 1 + math.ceil(n / ROWS_PER_PAGE)
        got = len(self.pages)
        if got != want:
            per_page = [len(self._rows_on(i)) for i in range(1, got)]
            fail(
                f"{got} pages, expected {want} = 1 + ceil({n} lines / {ROWS_PER_PAGE}); "
                f"observed G703 rows per continuation page: {per_page}"
            )

    def check_pdf_labels(self, fail):
        m = len(self.pages)
        for i, text in enumerate(self.page_text, start=1):
            if not re.search(rf"\bPage {i} of {m}\b", text):
                fail(f"page {i} does not show 'Page {i} of {m}'")

    def check_pdf_size(self, fail):
        for i, page in enumerate(self.pages, start=1):
            w, h = float(page.mediabox.width), float(page.mediabox.height)
            if (page.rotation or 0) % 180 == 90:
                w, h = h, w
            if abs(w - PAGE_W) > PAGE_TOL or abs(h - PAGE_H) > PAGE_TOL:
                fail(f"page {i} is {w:.2f} x {h:.2f} pt, expected {PAGE_W:.0f} x {PAGE_H:.0f} (letter landscape)")

    def check_pdf_g702(self, fail):
        text = self.page_text[0] if self.page_text else ""
        shown = pdf_amount(self.L("8"))
        if not contains_amount(text, shown):
            fail(f"page 1 does not show line 8 current payment due {shown}")
        for key in self.g702_keys:
            if key == "8":
                continue
            s = pdf_amount(self.g702[key])
            if not contains_amount(text, s):
                fail(f"page 1 does not show G702 line {key} amount {s}")

    def check_pdf_grand_total(self, fail):
        text = self.page_text[-1] if self.page_text else ""
        shown = pdf_amount(self.sums["G"])
        if not contains_amount(text, shown):
            fail(f"last page (page {len(self.pages)}) does not show column G grand total {shown}")

    def _rows_on(self, page_index):
        """Text lines of a page that look like G703 rows: an item number, a
        description, then C D E F G as amounts, a percent, H and I."""
        rows = []
        for ln in self.page_text[page_index].splitlines():
            tok = ln.split()
            if len(tok) < 9 or ln.startswith("GRAND TOTAL"):
                continue
            tail = tok[-8:]
            if all(PDF_AMOUNT_RE.match(t) for t in tail[:5] + tail[6:]) and PDF_PCT_RE.match(tail[5]):
                rows.append(tok)
        return rows

    def check_pdf_rows(self, fail):
        expected_cells = lambda r: [pdf_amount(r[c]) for c in "CDEFG"] + [f"{r['pct']:.2f}%"] + [
            pdf_amount(r[c]) for c in "HI"
        ]
        cont = list(range(1, len(self.pages)))
        order = [r["item"] for r in self.lines]
        for k, page_index in enumerate(cont):
            want = order[k * ROWS_PER_PAGE:(k + 1) * ROWS_PER_PAGE]
            rows = self._rows_on(page_index)
            got = [t[0] for t in rows]
            if got != want:
                extra = [i for i in got if i not in want]
                missing = [i for i in want if i not in got]
                msg = f"page {page_index + 1}: {len(got)} item rows, expected {len(want)} (rows {k * ROWS_PER_PAGE + 1}..{k * ROWS_PER_PAGE + len(want)} of the G703)"
                if extra:
                    msg += f"; not expected here: {', '.join(extra)}"
                if missing:
                    msg += f"; missing here: {', '.join(missing)}"
                if not extra and not missing:
                    at = next(n for n, (x, y) in enumerate(zip(got, want)) if x != y)
                    msg += f"; order differs at row {at + 1}: {got[at]} where {want[at]} was expected"
                fail(msg)
                continue
            for tok in rows:
                r = self.by_item[tok[0]]  # every row's item is known: got == want
                cells = expected_cells(r)
                if tok[-8:] != cells:
                    fail(f"page {page_index + 1} item {r['item']}: PDF shows {' '.join(tok[-8:])}; CSV has {' '.join(cells)}")
        last = self.page_text[-1] if len(self.pages) > 1 else ""
        totals = [ln.split() for ln in last.splitlines() if ln.startswith("GRAND TOTAL")]
        if len(totals) != 1:
            fail(f"last page has {len(totals)} GRAND TOTAL rows, expected 1")
        else:
            cells = expected_cells(self.total)
            if totals[0][-8:] != cells:
                fail(f"GRAND TOTAL row shows {' '.join(totals[0][-8:])}; CSV TOTAL has {' '.join(cells)}")

    # ---- the export command's --json output
    def check_export_json(self, fail, path):
        from jsonschema import Draft202012Validator
        from interop_schemas import EXPORT_G703

        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(Draft202012Validator(EXPORT_G703).iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            fail(f"{os.path.basename(path)}: schema: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        if errors:
            return
        if doc["status"] != "written":
            fail(f"status is {doc['status']!r}, expected 'written' for a fresh folder")
        by_format = {f["format"]: f for f in doc["files"]}
        for fmt, mine in (("g702-csv", self.g702_path), ("g703-csv", self.g703_path), ("aia-pdf", self.pdf_path)):
            ent = by_format.get(fmt)
            if ent is None:
                fail(f"no {fmt} file listed")
                continue
            if os.path.realpath(ent["path"]) != os.path.realpath(mine):
                fail(f"{fmt} listed at {ent['path']}, found at {mine}")
            if ent["sha256"] != sha256_file(mine):
                fail(f"{fmt} sha256 {ent['sha256']} != file's {sha256_file(mine)}")
        s = doc["summary"]
        if s["period_to"][:7] != self.label:
            fail(f"summary period_to {s['period_to']} is not in {self.label}")
        if s["lines"] != len(self.lines):
            fail(f"summary lines {s['lines']} != G703 lines {len(self.lines)}")
        for field, key in (
            ("contract_sum_to_date", "3"),
            ("completed_and_stored", "4"),
            ("retainage", "5"),
            ("current_payment_due", "8"),
        ):
            if Decimal(s[field]) != self.L(key):
                fail(f"summary {field} {s[field]} != G702 line {key} {self.L(key)}")


# --------------------------------------------------------------------------
# across periods, the demo, repeatability


def check_first_period(fail, p, rec):
    first = min(rec.pay_apps)
    if p.label != first:
        fail(f"the first period checked is {p.label}, but the first pay application is for {first}")
    if p.L("7") != 0:
        fail(f"line 7 is {p.L('7')}, expected 0.00 on the first application")
    for r in p.lines:
        if r["D"] != 0:
            fail(f"item {r['item']}: D {r['D']} on the first application, expected 0.00")


def check_carry_forward(fail, prev, cur):
    for r in cur.lines:
        before = prev.by_item.get(r["item"])
        want = ZERO if before is None else before["D"] + before["E"]
        if r["D"] != want:
            src = "new line" if before is None else f"{prev.label} D {before['D']} + E {before['E']}"
            fail(f"item {r['item']}: D {r['D']} != {want} ({src})")
    gone = [i for i in prev.by_item if i not in cur.by_item]
    if gone:
        fail(f"lines on {prev.label} missing from {cur.label}: {', '.join(gone)}")


def check_line7(fail, prev, cur):
    if cur.L("7") != prev.L("6"):
        fail(f"line 7 {cur.L('7')} != {prev.label} line 6 {prev.L('6')}")


def check_demo(fail, demo_json, demo_dir, periods):
    from jsonschema import Draft202012Validator
    from interop_schemas import DEMO

    with open(demo_json, encoding="utf-8") as f:
        doc = json.load(f)
    errors = sorted(Draft202012Validator(DEMO).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        fail(f"schema: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
    if errors:
        return
    if os.path.realpath(doc["project"]) != os.path.realpath(demo_dir):
        fail(f"project {doc['project']} is not the demo folder {demo_dir}")
    if doc["audit_intact"] is not True:
        fail("audit_intact is not true")
    exp = doc["exports"][0]
    if exp.get("target") != "g703":
        fail(f"the demo's first export is {exp.get('target')!r}, expected 'g703'")
    if exp["status"] != "written":
        fail(f"export status {exp['status']!r}, expected 'written'")
    label = exp["summary"]["period_to"][:7]
    latest = periods.get(label)
    if latest is None or not latest.loaded:
        fail(f"demo exported {label}, which is not among the checked periods")
        return
    mine = {"g702-csv": latest.g702_path, "g703-csv": latest.g703_path, "aia-pdf": latest.pdf_path}
    for ent in exp["files"]:
        p = ent["path"] if os.path.isabs(ent["path"]) else os.path.join(demo_dir, ent["path"])
        if not os.path.isfile(p):
            fail(f"{ent['format']} {p} does not exist")
            continue
        data = open(p, "rb").read()
        if hashlib.sha256(data).hexdigest() != ent["sha256"]:
            fail(f"{p}: sha256 does not match the demo output")
        other = mine.get(ent["format"])
        if other is not None and data != open(other, "rb").read():
            fail(f"{os.path.basename(p)} in the demo outbox differs from the {label} export {other}")


def check_repeat(fail, dir_a, dir_b):
    for pattern in ("*_G702-G703.pdf", "*_G702.csv", "*_G703.csv"):
        a, b = one_file(dir_a, pattern), one_file(dir_b, pattern)
        da, db = open(a, "rb").read(), open(b, "rb").read()
        if da != db:
            first = next((i for i, (x, y) in enumerate(zip(da, db)) if x != y), min(len(da), len(db)))
            fail(f"{os.path.basename(a)}: two identical exports differ ({len(da)} vs {len(db)} bytes, first at byte {first})")


# --------------------------------------------------------------------------


def pairs(values, what):
    out = {}
    for v in values or []:
        if "=" not in v:
            raise SystemExit(f"usage: {what} takes LABEL=PATH, got {v!r}")
        k, p = v.split("=", 1)
        if not PERIOD_RE.match(k):
            raise SystemExit(f"usage: {what}: {k!r} is not a YYYY-MM period")
        out[k] = p
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", required=True, help="the project's records folder")
    ap.add_argument("--period", action="append", required=True, metavar="YYYY-MM=DIR")
    ap.add_argument("--export-json", action="append", metavar="YYYY-MM=FILE")
    ap.add_argument("--demo-json")
    ap.add_argument("--demo-dir")
    ap.add_argument("--repeat", nargs=2, metavar=("DIR_A", "DIR_B"))
    ap.add_argument("--counts", help="write 'PASSED FAILED' to this file")
    a = ap.parse_args(argv)
    if bool(a.demo_json) != bool(a.demo_dir):
        ap.error("--demo-json and --demo-dir go together")

    period_dirs = pairs(a.period, "--period")
    export_jsons = pairs(a.export_json, "--export-json")
    for k in export_jsons:
        if k not in period_dirs:
            ap.error(f"--export-json {k} has no matching --period")

    res = Results()
    state = {}

    def load_records(fail):
        state["rec"] = Records(a.records)

    res.check("records", "load", load_records)
    rec = state.get("rec")

    def all_periods(fail):
        missing = sorted(set(rec.pay_apps) - set(period_dirs))
        if missing:
            fail(f"pay applications in the records that were not exported and checked: {', '.join(missing)}")
        unknown = sorted(set(period_dirs) - set(rec.pay_apps))
        if unknown:
            fail(f"periods checked without a pay application in the records: {', '.join(unknown)}")

    if rec is not None:
        res.check("records", "every-period", all_periods)
    else:
        res.blocked("records", ["every-period"], "the records could not be read")

    periods = {}
    for label in sorted(period_dirs):
        p = Period(label, period_dirs[label])
        periods[label] = p
        if not res.check(label, "files", p.load):
            names = ["g703-header", "g703-totals", "g703-lines", "g702-structure", "g702-math",
                     "g702-vs-g703", "retainage", "records", "manifest", "pdf-pages", "pdf-page-labels",
                     "pdf-size", "pdf-g702", "pdf-grand-total", "pdf-rows"]
            if label in export_jsons:
                names.append("export-json")
            res.blocked(label, names, f"the {label} export could not be read")
            continue
        res.check(label, "g703-header", p.check_g703_header)
        res.check(label, "g703-totals", p.check_g703_totals)
        res.check(label, "g703-lines", p.check_g703_lines)
        res.check(label, "g702-structure", p.check_g702_structure)
        res.check(label, "g702-math", p.check_g702_math)
        res.check(label, "g702-vs-g703", p.check_g702_vs_g703)
        if rec is None:
            res.blocked(label, ["retainage", "records", "manifest"], "the records could not be read")
        else:
            res.check(label, "retainage", p.check_retainage, rec)
            res.check(label, "records", p.check_records, rec)
            res.check(label, "manifest", p.check_manifest, rec)
        res.check(label, "pdf-pages", p.check_pdf_pages)
        res.check(label, "pdf-page-labels", p.check_pdf_labels)
        res.check(label, "pdf-size", p.check_pdf_size)
        res.check(label, "pdf-g702", p.check_pdf_g702)
        res.check(label, "pdf-grand-total", p.check_pdf_grand_total)
        res.check(label, "pdf-rows", p.check_pdf_rows)
        if label in export_jsons:
            res.check(label, "export-json", p.check_export_json, export_jsons[label])

    labels = sorted(periods)
    first = periods[labels[0]]
    if first.loaded and rec is not None:
        res.check(first.label, "first-period", check_first_period, first, rec)
    else:
        res.blocked(first.label, ["first-period"], "inputs could not be read")
    for prev_l, cur_l in zip(labels, labels[1:]):
        prev, cur = periods[prev_l], periods[cur_l]
        if prev.loaded and cur.loaded:
            res.check(cur_l, "carry-forward-D", check_carry_forward, prev, cur)
            res.check(cur_l, "line7-prev-line6", check_line7, prev, cur)
        else:
            res.blocked(cur_l, ["carry-forward-D", "line7-prev-line6"], f"{prev_l} or {cur_l} could not be read")

    if a.demo_json:
        res.check("demo", "demo-json", check_demo, a.demo_json, a.demo_dir, periods)
    if a.repeat:
        res.check("repeat", "identical-bytes", check_repeat, a.repeat[0], a.repeat[1])

    passed, failed = res.counts()
    res.summary()
    if a.counts:
        with open(a.counts, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
