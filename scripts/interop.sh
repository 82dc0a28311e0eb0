#!/usr/bin/env bash
# Interop checks for the AIA G702/G703 pay-application drop files, for
# schedules (P6 XER, P6 XML, MS Project XML) and for IFC models (export and reading).
#
# Builds aecos (release), runs the demo and exports every pay period of the
# sample project into a temp folder, then checks the CSVs and PDF with an
# independent Python oracle (scripts/interop/check_payapp.py: csv, decimal,
# pypdf, jsonschema; it never calls aecos).  Then the schedule checks
# (scripts/interop/check_schedules.py) judge aecos with real tools: MPXJ (Java,
# through JPype) and xerparser read the corpus ($AECOS_CORPUS, else
# ../shared/corpus), aecos's XER/MSPDI exports of the sample project and XER
# round trips (import + export), and must agree with `aecos inspect --json`
# and with the records.  Then scripts/interop/check_ifc_export.py exports the
# sample's elements as IFC2X3, IFC4 and IFC4X3_ADD2 and judges them with
# ifcopenshell (validate with EXPRESS rules must report no error; elements,
# GlobalIds and the GUID map, typed property sets, materials, storeys and status
# must equal the project's files).
# Then the IFC reading check (scripts/interop/check_ifc.py)
# judges `aecos inspect --json` on every corpus .ifc/.ifczip with IfcOpenShell
# (products, GlobalIds, classes, names, get_psets values).
# Last, scripts/interop/check_written_json.py runs the demo, every export target, approvals
# and imports that write conflicts and pulled records on a copy of the sample project, and
# validates every JSON file aecos wrote (and the records it reads) against its JSON Schema
# in docs/schemas/ with jsonschema (one line per file; a written file without a schema fails).
#
# Usage: bash scripts/interop.sh            (from anywhere; cd's to the repo root)
#   INTEROP_KEEP=1  keep the temp folder (it is always kept when a check fails)
#
# Needs: cargo, python3 (>= 3.9) with the venv module, java (>= 11, for
# MPXJ), the corpus, and PyPI for the first run (the venv .venv-interop/ is
# reused afterwards).  Prints one line per step and ends with exactly one line
# `interop: N passed, M failed`; exits 1 when M > 0.  A missing tool or file is
# a failure, never a skip (a multi-project XER is left out of the round trip
# only, with a NOTE: aecos import rejects such files by design).
set -euo pipefail

PYPDF_VERSION=7.1.0
JSONSCHEMA_VERSION=4.26.0
MPXJ_VERSION=16.10.0
JPYPE_VERSION=1.7.1
XERPARSER_VERSION=0.13.9
# ifcopenshell.validate --rules needs pytest (the EXPRESS rule executor imports it).
IFCOPENSHELL_VERSION=0.9.0.post1
PYTEST_VERSION=9.2.0
RECORDS=examples/riverside-clinic/records
VENV=.venv-interop

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# every pay application of examples/riverside-clinic, by the month its period ends
mapfile -t PERIODS < <(python3 -c 'import glob, json; print("\n".join(sorted(json.load(open(p))["period_to"][:7] for p in glob.glob("examples/riverside-clinic/records/pay_apps/*.json"))))')

PASSED=0
FAILED=0
STEP="start"
FINISHED=0
IN_STEP=0
TMP=""

on_exit() {
  local rc=$?
  set +e
  if [ "$IN_STEP" = 1 ]; then echo "FAILED"; fi
  if [ "$FINISHED" != 1 ]; then
    FAILED=$((FAILED + 1))
    echo "FAIL step '$STEP' (exit $rc)" >&2
    if [ -n "$TMP" ] && [ -s "$TMP/step.log" ]; then
      echo "---- output of the failed step (last 40 lines) ----" >&2
      tail -n 40 "$TMP/step.log" >&2
      echo "----" >&2
    fi
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if [ "$FAILED" -gt 0 ] || [ "${INTEROP_KEEP:-0}" = 1 ]; then
      echo "outputs kept in $TMP"
    else
      rm -rf "$TMP"
    fi
  fi
  echo "interop: $PASSED passed, $FAILED failed"
  if [ "$FAILED" -gt 0 ]; then exit 1; fi
  exit "$rc"
}
trap on_exit EXIT

# step NAME: announce a step; ok: count it as passed.
step() { STEP="$1"; IN_STEP=1; printf '%-44s' "$1"; }
ok() { PASSED=$((PASSED + 1)); IN_STEP=0; echo "ok${1:+ ($1)}"; }
# quiet CMD...: run with stdout+stderr in the step log (shown only on failure).
quiet() { "$@" >"$TMP/step.log" 2>&1; }
aecos() { cargo run --release -q -- "$@"; }
# die MSG: end the current step line, report MSG and stop (counted as a failure).
die() {
  if [ "$IN_STEP" = 1 ]; then echo "FAILED"; IN_STEP=0; fi
  echo "FAIL: $*" >&2
  exit 1
}

step "tools: cargo, python3 >= 3.9"
for tool in cargo python3; do
  command -v "$tool" >/dev/null || { die "'$tool' is not on PATH"; }
done
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || { die "python3 >= 3.9 needed, found $(python3 --version 2>&1)"; }
for f in Cargo.toml "$RECORDS/contract.json" "$RECORDS/sov.csv" "$RECORDS/schedule/project.json" scripts/interop/check_payapp.py scripts/interop/interop_schemas.py scripts/interop/check_schedules.py scripts/interop/check_ifc_export.py scripts/interop/check_ifc.py scripts/interop/check_written_json.py; do
  [ -f "$f" ] || { die "$ROOT/$f not found"; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aecos-interop.XXXXXX")
ok "$(python3 --version 2>&1)"

step "tools: java (for MPXJ)"
command -v java >/dev/null || { die "'java' is not on PATH (MPXJ needs a JRE >= 11; Debian: apt-get install openjdk-17-jre-headless)"; }
JAVA_VERSION=$(java -version 2>&1 | head -n 1) || { die "java -version failed: $JAVA_VERSION"; }
ok "$JAVA_VERSION"

PINS=("pypdf==$PYPDF_VERSION" "jsonschema==$JSONSCHEMA_VERSION" "mpxj==$MPXJ_VERSION" "JPype1==$JPYPE_VERSION" "xerparser==$XERPARSER_VERSION" "ifcopenshell==$IFCOPENSHELL_VERSION" "pytest==$PYTEST_VERSION")
step "venv $VENV (${#PINS[@]} pinned packages)"
VPY="$VENV/bin/python"
pins_ok() {
  "$VPY" - "${PINS[@]}" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    if version(name) != want:
        sys.exit(1)
import pypdf, jsonschema, jpype, mpxj, xerparser, ifcopenshell, pytest  # noqa: E401,F401  importable, not just installed
EOF
}
if [ -x "$VPY" ] && "$VPY" -c 'import sys' >/dev/null 2>&1 && pins_ok; then
  ok "reused"
else
  if ! { [ -x "$VPY" ] && "$VPY" -m pip --version >/dev/null 2>&1; }; then
    quiet python3 -m venv --clear "$VENV"
  fi
  quiet env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$VPY" -m pip install -q "${PINS[@]}"
  pins_ok || { die "$VENV does not have ${PINS[*]} after install"; }
  ok "installed ${PINS[*]}"
fi

step "cargo build --release"
quiet cargo build --release -q
ok

step "demo"
aecos demo --dir "$TMP/demo" --json >"$TMP/demo.json" 2>"$TMP/step.log"
[ -s "$TMP/demo.json" ] || { die "demo printed no JSON"; }
ok

step "export g703 ${PERIODS[*]}"
PERIOD_ARGS=()
for period in "${PERIODS[@]}"; do
  STEP="export g703 --period $period"
  out="$TMP/p$period"
  aecos export g703 --period "$period" --project "$TMP/demo" --out "$out" --json \
    >"$out.json" 2>"$TMP/step.log"
  [ -d "$out" ] || { die "export $period wrote no folder $out"; }
  PERIOD_ARGS+=(--period "$period=$out" --export-json "$period=$out.json")
done
ok "${#PERIODS[@]} periods"

LATEST=${PERIODS[${#PERIODS[@]}-1]}
step "export g703 $LATEST again"
aecos export g703 --period "$LATEST" --project "$TMP/demo" --out "$TMP/p$LATEST-again" --json \
  >"$TMP/p$LATEST-again.json" 2>"$TMP/step.log"
ok

STEP="check_payapp.py"
echo "check_payapp.py (independent oracle):"
set +e
PYTHONDONTWRITEBYTECODE=1 "$VPY" scripts/interop/check_payapp.py \
  --records "$RECORDS" \
  "${PERIOD_ARGS[@]}" \
  --demo-json "$TMP/demo.json" --demo-dir "$TMP/demo" \
  --repeat "$TMP/p$LATEST" "$TMP/p$LATEST-again" \
  --counts "$TMP/counts"
check_rc=$?
set -e
if [ -s "$TMP/counts" ]; then
  read -r p f <"$TMP/counts"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
else
  echo "FAIL: check_payapp.py exited $check_rc without reporting its counts" >&2
  FAILED=$((FAILED + 1))
fi

STEP="check_schedules.py"
echo "check_schedules.py (MPXJ and xerparser as judges):"
AECOS_BIN="$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null || echo "$ROOT/target")/release/aecos"
set +e
PYTHONDONTWRITEBYTECODE=1 "$VPY" scripts/interop/check_schedules.py \
  --aecos "$AECOS_BIN" \
  --example examples/riverside-clinic \
  --work "$TMP/schedules" \
  --counts "$TMP/schedule-counts"
check_rc=$?
set -e
if [ -s "$TMP/schedule-counts" ]; then
  read -r p f <"$TMP/schedule-counts"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
else
  echo "FAIL: check_schedules.py exited $check_rc without reporting its counts" >&2
  FAILED=$((FAILED + 1))
fi

STEP="check_ifc_export.py"
echo "check_ifc_export.py (ifcopenshell $IFCOPENSHELL_VERSION as judge):"
set +e
PYTHONDONTWRITEBYTECODE=1 "$VPY" scripts/interop/check_ifc_export.py \
  --aecos "$AECOS_BIN" \
  --example examples/riverside-clinic \
  --work "$TMP/ifc" \
  --counts "$TMP/ifc-counts"
check_rc=$?
set -e
if [ -s "$TMP/ifc-counts" ]; then
  read -r p f <"$TMP/ifc-counts"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
else
  echo "FAIL: check_ifc_export.py exited $check_rc without reporting its counts" >&2
  FAILED=$((FAILED + 1))
fi

STEP="check_ifc.py"
echo "check_ifc.py (IfcOpenShell $IFCOPENSHELL_VERSION as judge):"
set +e
PYTHONDONTWRITEBYTECODE=1 "$VPY" scripts/interop/check_ifc.py \
  --aecos "$AECOS_BIN" \
  ${AECOS_CORPUS:+--corpus "$AECOS_CORPUS"} \
  --counts "$TMP/ifc-read-counts"
check_rc=$?
set -e
if [ -s "$TMP/ifc-read-counts" ]; then
  read -r p f <"$TMP/ifc-read-counts"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
else
  echo "FAIL: check_ifc.py exited $check_rc without reporting its counts" >&2
  FAILED=$((FAILED + 1))
fi

STEP="check_written_json.py"
echo "check_written_json.py (jsonschema $JSONSCHEMA_VERSION against docs/schemas/):"
set +e
PYTHONDONTWRITEBYTECODE=1 "$VPY" scripts/interop/check_written_json.py \
  --aecos "$AECOS_BIN" \
  --example examples/riverside-clinic \
  --work "$TMP/written-json" \
  --counts "$TMP/written-json-counts"
check_rc=$?
set -e
if [ -s "$TMP/written-json-counts" ]; then
  read -r p f <"$TMP/written-json-counts"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$check_rc" -ne 0 ] && [ "$f" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
else
  echo "FAIL: check_written_json.py exited $check_rc without reporting its counts" >&2
  FAILED=$((FAILED + 1))
fi

FINISHED=1
