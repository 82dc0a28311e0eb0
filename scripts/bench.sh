#!/usr/bin/env bash
# Benchmarks (not tests): whole-process times of the release binary on
#  1. the sample project: `export g703` (CSV + PDF, current period), best and mean of 20;
#  2. a large generated project: 2,000 SOV lines, 24 monthly pay applications;
#  3. `import` of the real Procore G703 in $AECOS_CORPUS (if set).
# Usage: bash scripts/bench.sh            (prints a table; figures go in docs/PERFORMANCE.md)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
BIN="$PWD/target/release/aecos"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
ms() { python3 - "$@" <<'PY'
import sys, statistics
v = [int(x) / 1e6 for x in sys.argv[1:]]
print(f"best {min(v):8.1f} ms   mean {statistics.mean(v):8.1f} ms   (n={len(v)})")
PY
}
run() { # run N CMD...: time N fresh runs, each with its own --out folder
  local n=$1; shift; local times=()
  for i in $(seq "$n"); do
    local s; s=$(date +%s%N); "$@" --out "$TMP/out.$RANDOM$i" >/dev/null; times+=($(( $(date +%s%N) - s )))
  done
  ms "${times[@]}"
}
cp -r examples/riverside-clinic "$TMP/sample"
echo "sample project, export g703 (49+4 lines, 4 periods):"
echo "  $(run 20 "$BIN" export g703 --project "$TMP/sample")"

python3 - "$TMP/large" <<'PY'
import json, os, shutil, sys
root = sys.argv[1]
shutil.copytree("examples/riverside-clinic", root)
shutil.rmtree(os.path.join(root, "records/change_orders"))
shutil.rmtree(os.path.join(root, "records/pay_apps"))
n, months = 2000, 24
with open(os.path.join(root, "records/sov.csv"), "w") as f:
    f.write("item_no,cost_code,description,scheduled_value,retainage_percent,stored_retainage_percent\n")
    for i in range(n):
        f.write(f"{i+1:05d},{i%48:02d} {i%90:02d} 00,Line item {i+1} of the large benchmark project,{24000 + i}.00,,\n")
total = sum(24000 + i for i in range(n))
c = json.load(open(os.path.join(root, "records/contract.json")))
c["original_contract_sum"] = f"{total}.00"
json.dump(c, open(os.path.join(root, "records/contract.json"), "w"), indent=2)
os.makedirs(os.path.join(root, "records/pay_apps"))
for m in range(months):
    y, mo = 2026 + m // 12, m % 12 + 1
    last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
    lines = [{"item_no": f"{i+1:05d}", "this_period": "1000.00", "materials_stored": "0.00"} for i in range(n)]
    json.dump({"application_no": m + 1, "period_from": f"{y}-{mo:02d}-01", "period_to": f"{y}-{mo:02d}-{last}",
               "application_date": f"{y}-{mo:02d}-25", "status": "certified", "lines": lines},
              open(os.path.join(root, f"records/pay_apps/PA-{m+1:03d}.json"), "w"))
PY
echo "large project, export g703 (2,000 lines x 24 periods = 48,000 billed lines, 73-page PDF):"
echo "  $(run 5 "$BIN" export g703 --project "$TMP/large")"

if [ -n "${AECOS_CORPUS:-}" ] && [ -f "$AECOS_CORPUS/sov/procore_g703_continuation_invoice.csv" ]; then
  times=()
  for i in $(seq 20); do
    cp "$AECOS_CORPUS/sov/procore_g703_continuation_invoice.csv" "$TMP/sample/inbox/p$i.csv"
    s=$(date +%s%N); "$BIN" import "$TMP/sample/inbox/p$i.csv" --project "$TMP/sample" >/dev/null; times+=($(( $(date +%s%N) - s )))
  done
  echo "import of the Procore G703 from the corpus (77 lines, 11 KB):"
  echo "  $(ms "${times[@]}")"
fi

# ---- Schedules: our readers and writers vs MPXJ and xerparser, whole process to whole process.
# Needs the interop venv (bash scripts/interop.sh creates it) for MPXJ and xerparser.
echo "schedules: generating 100k activities / ~300k relationships (cargo bench --bench schedules):"
cargo bench -q --bench schedules 2>/dev/null | sed 's/^/  /'
PY="$PWD/.venv-interop/bin/python"
XER="$PWD/target/bench/large.xer"; XML="$PWD/target/bench/large.xml"
wall() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "  (failed: $*)"; echo $(( ($(date +%s%N) - s) / 1000000 )); }
if [ -x "$PY" ]; then
  cat > "$TMP/mpxj_read.py" <<'PY'
import sys, jpype, mpxj  # noqa: F401
jpype.startJVM()
from org.mpxj.reader import UniversalProjectReader
p = UniversalProjectReader().read(sys.argv[1])
print(p.getTasks().size())
PY
  cat > "$TMP/xerparser_read.py" <<'PY'
import sys
from xerparser import Xer
with open(sys.argv[1], encoding=Xer.CODEC, errors="ignore") as f:
    x = Xer(f.read())
print(sum(len(p.tasks) for p in x.projects.values()))
PY
  a=$(wall "$BIN" inspect "$XER" --json); m=$(wall "$PY" "$TMP/mpxj_read.py" "$XER"); x=$(wall "$PY" "$TMP/xerparser_read.py" "$XER")
  echo "read XER  (whole process): aecos inspect ${a} ms, MPXJ ${m} ms ($((m / (a > 0 ? a : 1)))x), xerparser ${x} ms ($((x / (a > 0 ? a : 1)))x)"
  a=$(wall "$BIN" inspect "$XML" --json); m=$(wall "$PY" "$TMP/mpxj_read.py" "$XML")
  echo "read MSPDI (whole process): aecos inspect ${a} ms, MPXJ ${m} ms ($((m / (a > 0 ? a : 1)))x)"
else
  echo "(no .venv-interop: run bash scripts/interop.sh once to compare with MPXJ and xerparser)"
fi

# ---- IFC: our STEP reader and `inspect --json` vs IfcOpenShell, on corpus models scaled up
# by scripts/scale_ifc.py (100 MB always; 1 GB with BENCH_IFC_1G=1, which takes IfcOpenShell
# several minutes and ~10 GB of memory). Needs $AECOS_CORPUS and the interop venv.
if [ -n "${AECOS_CORPUS:-}" ]; then
  SIZES=(100M)
  if [ "${BENCH_IFC_1G:-0}" = 1 ]; then SIZES+=(1G); fi
  FILES=()
  for size in "${SIZES[@]}"; do
    f="$PWD/target/bench/scaled-$size.ifc"
    [ -f "$f" ] || python3 scripts/scale_ifc.py --corpus "$AECOS_CORPUS" --size "$size" --out "$f" | sed 's/^/  /'
    FILES+=("$f")
  done
  echo "IFC parse, in process (cargo bench --bench ifc):"
  cargo bench -q --bench ifc -- "${FILES[@]}" 2>/dev/null | sed 's/^/  /'
  peak() { # peak CMD...: "<wall s> s, <peak RSS MB> MB" of one whole process
    /usr/bin/time -f '%e s, %M' "$@" 2>&1 >/dev/null | tail -n 1 | awk -F', ' '{printf "%s, %.0f MB peak", $1, $2 / 1024}'
  }
  for f in "${FILES[@]}"; do
    echo "inspect --json, whole process, $(du -m "$f" | cut -f1) MB file:"
    echo "  aecos:       $(peak "$BIN" inspect "$f" --json)"
    if [ -x "$PY" ]; then
      echo "  IfcOpenShell: $(peak "$PY" scripts/bench_ifcopenshell.py "$f")"
    fi
  done
fi
