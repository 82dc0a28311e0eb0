#!/usr/bin/env python3
"""The IfcOpenShell side of the IFC benchmark (scripts/bench.sh): the same job as
`aecos inspect FILE --json`: open the file, then GlobalId, class, name and get_psets for
every IfcProduct, written as JSON to stdout.

Usage: bench_ifcopenshell.py FILE.ifc > out.json
"""

import json
import os
import sys

import ifcopenshell
import ifcopenshell.util.element

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "interop"))
from check_ifc import to_json  # noqa: E402  IfcOpenShell values in aecos's JSON form


def main(path):
    model = ifcopenshell.open(path)
    products = [
        {
            "global_id": p.GlobalId,
            "class": p.is_a(),
            "name": p.Name,
            "psets": to_json(ifcopenshell.util.element.get_psets(p)),
            "id": p.id(),
        }
        for p in model.by_type("IfcProduct")
    ]
    out = {"format": "ifc", "schema": model.schema, "entities": len(list(model)), "products": products}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
