"""JSON Schemas for the machine-readable output of `aecos demo --json` and
`aecos export g703 --json`, written from the observed contract of those
commands.  Used by check_payapp.py through the `jsonschema` package.

They are deliberately open (additionalProperties allowed) so that new fields
do not break CI; they pin down the fields the interop checks rely on.
"""

MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
SHA256 = {"type": "string", "pattern": r"^[0-9a-f]{64}$"}

EXPORT_G703 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "aecos export g703 --json",
    "type": "object",
    "required": ["status", "files", "manifest", "target", "summary"],
    "properties": {
        "status": {"type": "string", "minLength": 1},
        "target": {"const": "g703"},
        "manifest": {"type": "string", "pattern": r"\.manifest\.json$"},
        "files": {
            "type": "array",
            "minItems": 3,
            "maxItems": 3,
            "items": {
                "type": "object",
                "required": ["path", "sha256", "format"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "sha256": SHA256,
                    "format": {"enum": ["g702-csv", "g703-csv", "aia-pdf"]},
                },
            },
        },
        "summary": {
            "type": "object",
            "required": [
                "application_no",
                "period_to",
                "lines",
                "contract_sum_to_date",
                "completed_and_stored",
                "retainage",
                "current_payment_due",
            ],
            "properties": {
                "application_no": {"type": "integer", "minimum": 1},
                "period_to": DATE,
                "lines": {"type": "integer", "minimum": 1},
                "contract_sum_to_date": MONEY,
                "completed_and_stored": MONEY,
                "retainage": MONEY,
                "current_payment_due": MONEY,
            },
        },
    },
}

DEMO = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "aecos demo --json",
    "type": "object",
    "required": ["project", "elements", "exports", "import", "audit_entries", "audit_intact"],
    "properties": {
        "project": {"type": "string", "minLength": 1},
        "elements": {"type": "integer", "minimum": 0},
        # The pay application first; the schedule exports (xer, mspdi) follow.
        "exports": {"type": "array", "minItems": 1, "prefixItems": [EXPORT_G703]},
        "import": {
            "type": "object",
            "required": ["files"],
            "properties": {
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["file", "status"],
                        "properties": {
                            "file": {"type": "string"},
                            "status": {"type": "string"},
                        },
                    },
                }
            },
        },
        "audit_entries": {"type": "integer", "minimum": 0},
        "audit_intact": {"type": "boolean"},
    },
}
