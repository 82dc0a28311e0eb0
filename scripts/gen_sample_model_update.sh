#!/usr/bin/env bash
# Makes the sample model version of examples/riverside-clinic: the architect's revision
# of 2026-06-26 (scripts/gen_sample_model_update.py says what changed), from aecos's own
# IFC4 export of the sample. Deterministic; run from anywhere after changing the sample
# elements or records. Needs a python with ifcopenshell==0.8.4 (PYTHON=..., default
# python3), e.g.: python3 -m venv /tmp/ifc && /tmp/ifc/bin/pip install ifcopenshell==0.8.4
#
# The file goes to the sample's inbox/, where `aecos demo` imports it as a model version.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
"$PY" -c 'import ifcopenshell, sys; sys.exit(0 if ifcopenshell.version == "0.8.4" else 1)' \
  || { echo "needs ifcopenshell 0.8.4 in $PY (set PYTHON=...)" >&2; exit 1; }
OUT_DIR="${OUT_DIR:-examples/riverside-clinic/inbox}"
cargo build -q
BIN="$PWD/target/debug/aecos"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
cp -r examples/riverside-clinic "$TMP/p"
"$BIN" export ifc --schema IFC4 --project "$TMP/p" --out "$TMP/ifc" >/dev/null
mkdir -p "$OUT_DIR"
"$PY" scripts/gen_sample_model_update.py "$TMP/ifc/"*_IFC4_model.ifc "$OUT_DIR/architect_model_2026-06-26.ifc"
ls -l "$OUT_DIR"
