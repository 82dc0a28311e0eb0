#!/usr/bin/env python3
"""The IfcOpenShell side of the IFC benchmark (scripts/bench.sh): the same job as
`aecos inspect FILE --json`: open the file, then GlobalId, class, name and get_psets for
every IfcProduct, written as JSON to stdout.

Usage: bench_ifcopenshell.py FILE.ifc > out.json
"""

import json
import sys

import ifcopenshell
import ifcopenshell.util.element


def plain(v):
    if isinstance(v, ifcopenshell.entity_instance):
        return plain(v.wrappedValue) if v.id() == 0 else {"id": v.id(), "type": v.is_a()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {("null" if k is None else str(k)): plain(x) for k, x in v.items()}
    return v


def main(path):
    model = ifcopenshell.open(path)
    products = [
        {
            "global_id": p.GlobalId,
            "class": p.is_a(),
            "name": p.Name,
            "psets": plain(ifcopenshell.util.element.get_psets(p)),
            "id": p.id(),
        }
        for p in model.by_type("IfcProduct")
    ]
    out = {"format": "ifc", "schema": model.schema, "entities": len(list(model)), "products": products}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
