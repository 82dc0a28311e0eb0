#!/usr/bin/env bash
# Makes the sample inbox of examples/riverside-clinic:
#  1. the owner's Procore G703 for pay application #3 (from our own G703 export), and
#  2. a P6 progress update as of 2026-06-26: the sample schedule four weeks on, with
#     one activity added by the scheduler in P6, exported as XER.
# Deterministic; run from the repository root after changing the sample records.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q
BIN="$PWD/target/debug/aecos"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
INBOX=examples/riverside-clinic/inbox
cp -r examples/riverside-clinic "$TMP/p"
rm -f "$TMP/p/inbox/"*
"$BIN" export g703 --period 2026-04 --project "$TMP/p" --out "$TMP/pa3" >/dev/null
python3 scripts/gen_sample_inbox.py "$TMP/pa3/"*_G703.csv "$INBOX"
python3 scripts/gen_sample_schedule.py "$TMP/p" 2026-06-26 >/dev/null
python3 - "$TMP/p/records/schedule" <<'PY'
import csv, sys
d = sys.argv[1]
rows = list(csv.reader(open(f"{d}/activities.csv")))
rows.append(["ACT-2605", "Owner-furnished imaging equipment rough-in review", "6.3", "", "task", "not_started",
             "24", "24", "0", "2026-07-06T07:00", "2026-07-08T16:00", "", "", "", "", "", "", ""])
csv.writer(open(f"{d}/activities.csv", "w", newline=""), lineterminator="\n").writerows(rows)
with open(f"{d}/relationships.csv", "a", newline="") as f:
    csv.writer(f, lineterminator="\n").writerow(["ACT-2550", "ACT-2605", "FS", "0"])
PY
"$BIN" export xer --project "$TMP/p" --out "$TMP/xer" >/dev/null
cp "$TMP/xer/"*.xer "$INBOX/p6_update_2026-06-26.xer"
ls -l "$INBOX"
