#!/usr/bin/env python3
"""check_document.py — what the gateway contract (issue 12) says the OpenAPI document states,
checked on the document ism_rpc_openapi builds: every op of the table (the rows of
tests/integration/role_matrix.json, which test_role_matrix holds equal to the op table) as
POST /api/v1/ops/<op> with a request body and a 200 envelope carrying the op's result schema;
the resource, file, event and session routes; the error statuses; both security schemes; and
every $ref resolving. Python standard library only. Usage: check_document.py openapi.json"""
import json
import os
import sys

problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def resolve(doc, ref):
    node = doc
    for part in ref.lstrip("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def walk_refs(doc, node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                need(resolve(doc, v) is not None, f"{where}: $ref {v} resolves to nothing")
            else:
                walk_refs(doc, v, where)
    elif isinstance(node, list):
        for v in node:
            walk_refs(doc, v, where)


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    src = os.environ.get("ISM_SOURCE_DIR", ".")
    table = json.load(open(os.path.join(src, "tests/integration/role_matrix.json"), encoding="utf-8"))
    ops = [row["op"] for row in table["ops"]]
    need(doc.get("openapi") == "3.1.0", "openapi is not 3.1.0")
    need(doc.get("servers") == [{"url": "https://ismap.example.jp:8443"}], "servers[0] is not the URL given")
    paths = doc.get("paths", {})
    op_paths = {p for p in paths if p.startswith("/api/v1/ops/")}
    need(op_paths == {"/api/v1/ops/" + o for o in ops},
         f"op paths differ from the op table: extra {sorted(op_paths - {'/api/v1/ops/' + o for o in ops})}, "
         f"missing {sorted({'/api/v1/ops/' + o for o in ops} - op_paths)}")
    for o in ops:
        post = paths.get("/api/v1/ops/" + o, {}).get("post", {})
        body = post.get("requestBody", {}).get("content", {})
        need(any("schema" in v for v in body.values()), f"{o}: no request body schema")
        ok = post.get("responses", {}).get("200", {}).get("content", {})
        env = next(iter(ok.values()), {}).get("schema", {})
        need("result" in env.get("properties", {}), f"{o}: the 200 envelope has no result schema")
        for status in ("400", "401", "403", "404", "500"):
            need(status in post.get("responses", {}), f"{o}: no {status} response")
        need(post.get("x-ismap-roles", [None])[0] == "admin", f"{o}: x-ismap-roles does not start with admin")
    routes = {
        "/api/v1/subjects": "get", "/api/v1/subjects/{id}": "get",
        "/api/v1/subjects/{id}/screening": "get", "/api/v1/assessments": "get",
        "/api/v1/assessments/{id}": "get", "/api/v1/assessments/{id}/matrix": "get",
        "/api/v1/assessments/{id}/findings": "get", "/api/v1/snapshots": "get",
        "/api/v1/snapshots/{id}": "get", "/api/v1/jobs": "get", "/api/v1/jobs/{id}": "get",
        "/api/v1/evidence": "post", "/api/v1/assessments/{id}/report": "get",
        "/api/v1/subjects/{id}/screening/export": "get", "/api/v1/events": "get",
        "/api/v1/session": "post", "/api/v1/openapi.json": "get",
    }
    for p, m in routes.items():
        need(m in paths.get(p, {}), f"no {m.upper()} {p}")
    need({"get", "post", "delete"} <= set(paths.get("/api/v1/session", {})), "session lacks GET/POST/DELETE")
    matrix_q = {q["name"] for q in paths.get("/api/v1/assessments/{id}/matrix", {}).get("get", {}).get("parameters", [])}
    need({"id", "status", "framework"} <= matrix_q, f"matrix GET parameters: {sorted(matrix_q)}")
    findings_q = {q["name"] for q in paths.get("/api/v1/assessments/{id}/findings", {}).get("get", {}).get("parameters", [])}
    need({"id", "cursor", "limit"} <= findings_q, f"findings GET parameters: {sorted(findings_q)}")
    fmt = [q for q in paths.get("/api/v1/assessments/{id}/report", {}).get("get", {}).get("parameters", []) if q.get("name") == "format"]
    need(fmt and set(fmt[0]["schema"]["enum"]) == {"html", "xlsx", "csv", "csv-findings", "json", "oscal", "pdf"},
         "report formats differ from the contract")
    need("text/event-stream" in paths.get("/api/v1/events", {}).get("get", {}).get("responses", {}).get("200", {}).get("content", {}),
         "events are not text/event-stream")
    for p in ("/api/v1/session", "/api/v1/openapi.json"):
        m = "post" if p.endswith("session") else "get"
        need(paths.get(p, {}).get(m, {}).get("security") == [], f"{m.upper()} {p} is not anonymous")
    comps = doc.get("components", {})
    sec = comps.get("securitySchemes", {})
    need(sec.get("bearer", {}).get("scheme") == "bearer", "no bearer security scheme")
    need(sec.get("cookie", {}).get("in") == "cookie" and sec["cookie"].get("name") == "ismap_session",
         "no ismap_session cookie scheme")
    statuses = {"400", "401", "403", "404", "409", "413", "429", "500", "503", "504"}
    got = set()
    for r in comps.get("responses", {}).values():
        walk_refs(doc, r, "responses")
    for p in paths.values():
        for m in p.values():
            got |= set(m.get("responses", {}))
    need(statuses <= got, f"statuses never used: {sorted(statuses - got)}")
    need("WWW-Authenticate" in comps.get("responses", {}).get("Unauthenticated", {}).get("headers", {}),
         "401 without WWW-Authenticate")
    need("Retry-After" in comps.get("responses", {}).get("RateLimited", {}).get("headers", {}), "429 without Retry-After")
    ids = [m.get("operationId") for p in paths.values() for m in p.values()]
    need(len(ids) == len(set(ids)) and None not in ids, "operationIds missing or repeated")
    walk_refs(doc, doc, "document")
    for p in problems:
        print("FAIL", p)
    print(f"{len(paths)} paths, {len(ops)} ops, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
