#!/usr/bin/env python3
"""validate_results.py — real replies against the schemas: the params and result of one
successful call per op (written by test_role_matrix with ISM_ROLE_MATRIX_DUMP against a live
ismapd), validated with jsonschema's Draft202012Validator (formats checked) against the request
body schema and the 200 envelope of POST /api/v1/ops/<op> in the OpenAPI document. An op of the
role table that should succeed and has no sample fails the test too.
Usage: validate_results.py openapi.json replies.json"""
import json
import os
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    replies = json.load(open(sys.argv[2], encoding="utf-8"))
    src = os.environ.get("ISM_SOURCE_DIR", ".")
    table = json.load(open(os.path.join(src, "tests/integration/role_matrix.json"), encoding="utf-8"))
    problems = 0
    for row in table["ops"]:
        op = row["op"]
        if op not in replies:
            if "code" not in row:
                print(f"FAIL {op}: no successful reply was recorded")
                problems += 1
            continue
        post = doc["paths"]["/api/v1/ops/" + op]["post"]
        body = next(iter(post["requestBody"]["content"].values()))["schema"]
        env = next(iter(post["responses"]["200"]["content"].values()))["schema"]
        sample = replies[op]
        for what, schema, value in (("params", body, sample["params"]),
                                    ("result", env, {"ok": True, "result": sample["result"]})):
            root = dict(schema)
            root["components"] = doc["components"]
            v = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
            errs = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
            for e in errs[:5]:
                path = "/".join(str(p) for p in e.absolute_path)
                print(f"FAIL {op} {what} at /{path}: {e.message[:300]}")
            problems += len(errs)
    errors = replies.get("_errors", {})
    for code in ("permission_denied", "not_found"):
        if code not in errors:
            print(f"FAIL no {code} reply was recorded")
            problems += 1
    for code, reply in errors.items():
        root = {"$ref": "#/components/schemas/ErrorEnvelope", "components": doc["components"]}
        for e in Draft202012Validator(root).iter_errors(reply):
            print(f"FAIL {code} error reply: {e.message[:300]}")
            problems += 1
    print(f"{len(replies) - ('_errors' in replies)} ops' replies and {len(errors)} error replies "
          f"validated, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
