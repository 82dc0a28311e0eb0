#!/usr/bin/env python3
"""Makes large, realistic IFC files for benchmarks by replicating real models.

Takes IFC2X3 models of the corpus (Revit, ArchiCAD, Allplan, CYPECAD and AECOsim
exports: offices, houses, structure, MEP) and writes one STEP file holding as
many copies of their DATA sections as it takes to reach the target size.  Each
copy's instance numbers are shifted past the previous copy's (`#n` → `#n+offset`
everywhere outside strings) and its GlobalIds are made unique (characters 2-5
replaced by the copy number in the IFC GUID alphabet), so the result is a valid
file with unique ids, as big as asked, and with the mix of entities, strings,
property sets and geometry of real exports.

Usage:
  scale_ifc.py --corpus DIR --size 100M --out target/bench/scaled-100M.ifc
  (size suffixes K, M, G; default corpus $AECOS_CORPUS)
"""

import argparse
import os
import re
import sys

SOURCES = [
    "ifc/webifc_Office_A_20110811.ifc",
    "ifc/webifc_ISSUE_021_Mini_Project.ifc",
    "ifc/webifc_duplex.ifc",
    "ifc/xbim_House.ifc",
    "ifc/bcfxml_Architectural.ifc",
    "ifc/bcfxml_Estructura.ifc",
    "ifc/bcfxml_IfcPile_01.ifc",
    "ifc/bcfxml_MEP.ifc",
]
GUID_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"
# a string, or an instance reference outside strings
TOKEN = re.compile(rb"'(?:[^']|'')*'|#(\d+)")
ROOT_GUID = re.compile(rb"(=\s*IFC[A-Z0-9_]+\(\s*')([0-9A-Za-z_$]{22})'")


def size_arg(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper()
    return int(float(s[:-1]) * mult[s[-1]]) if s[-1] in mult else int(s)


def data_section(text):
    start = text.index(b"DATA;") + len(b"DATA;")
    end = text.rindex(b"ENDSEC;")
    return text[start:end]


def max_id(body):
    return max(int(m) for m in re.findall(rb"^\s*#(\d+)\s*=", body, re.M))


def encode(k):
    out = bytearray()
    for _ in range(4):
        out.append(GUID_CHARS[k % 64])
        k //= 64
    return bytes(out)


def shifted(body, offset, copy):
    def ref(m):
        if m.group(1) is None:
            return m.group(0)
        return b"#%d" % (int(m.group(1)) + offset)

    body = TOKEN.sub(ref, body)
    tag = encode(copy)
    return ROOT_GUID.sub(lambda m: m.group(1) + m.group(2)[:1] + tag + m.group(2)[5:] + b"'", body)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.environ.get("AECOS_CORPUS"))
    ap.add_argument("--size", type=size_arg, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if not a.corpus:
        sys.exit("set --corpus or AECOS_CORPUS")
    bodies = []
    for rel in SOURCES:
        with open(os.path.join(a.corpus, rel), "rb") as f:
            body = data_section(f.read())
        bodies.append((body, max_id(body)))
    header = (
        b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');\n"
        b"FILE_NAME('scaled.ifc','2026-11-23T00:00:00',('aecos bench'),('aecos'),'scale_ifc.py','scale_ifc.py','');\n"
        b"FILE_SCHEMA(('IFC2X3'));\nENDSEC;\nDATA;"
    )
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    written = 0
    offset = 0
    copy = 0
    with open(a.out + ".tmp", "wb") as out:
        out.write(header)
        while written < a.size:
            body, top = bodies[copy % len(bodies)]
            chunk = shifted(body, offset, copy)
            out.write(chunk)
            written += len(chunk)
            offset += top
            copy += 1
        out.write(b"ENDSEC;\nEND-ISO-10303-21;\n")
    os.replace(a.out + ".tmp", a.out)
    print(f"{a.out}: {written / (1 << 20):.0f} MiB, {copy} model copies, ids up to {offset}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
