#!/usr/bin/python3
"""Validates OSCAL JSON documents against the OSCAL 1.2.1 schemas in ../shared/reference.

Usage: validate_oscal.py SCHEMA_DIR MODEL FILE...   (MODEL: catalog, mapping, assessment-results)
Exit 0 all valid, 1 some invalid, 77 when the schemas or python3-jsonschema are absent (skip).
Run with Debian's /usr/bin/python3, which has python3-jsonschema.
"""
import json
import os
import re
import sys


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    path = os.path.join(schema_dir, f"oscal_{model}_schema.json")
    if not os.path.exists(path):
        print(f"skip: no schema {path}")
        return 77
    try:
        import jsonschema
    except ImportError:
        print("skip: python3-jsonschema is not installed")
        return 77
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The schemas use \p{L} / \p{N} (XML Schema NCName), which Python's re lacks; this is the
    # same token rule in Python's syntax: a letter or '_' first, then letters, digits, . - _.
    text = text.replace(r'"^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$"', r'"^[^\\W\\d][\\w.\\-]*$"')
    schema = json.loads(text)
    checker = jsonschema.FormatChecker()
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    bad = 0
    for fn in files:
        with open(fn, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:10]:
            print(f"{fn}: {'/'.join(str(p) for p in e.path)}: {e.message[:300]}")
        if errors:
            bad += 1
            print(f"{fn}: INVALID ({len(errors)} errors)")
        else:
            print(f"{fn}: valid {model}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
