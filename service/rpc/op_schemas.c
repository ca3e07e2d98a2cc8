/* op_schemas.c — what every op of the table takes and gives, as JSON Schema 2020-12: one row
 * per op (params and result), and the shared shapes (components) the rows point to with
 * "$ref": "#/components/schemas/<Name>". The OpenAPI document (openapi.c) is built from these;
 * a unit test fails when an op of the table has no row or a row names no op, and the schema
 * test validates real replies against the result schemas.
 *
 * The schemas are written as JSON inside J(...): the preprocessor turns the tokens into one
 * string literal (quotes escaped), so the JSON reads as JSON. Whitespace inside collapses,
 * which JSON does not mind; a backslash or an unbalanced quote cannot appear. Each text is
 * parsed when asked for; the unit test parses them all. */
#include "ismap/provider.h"
#include "ismap/rpc.h"

#include <string.h>

#define J(...) #__VA_ARGS__

typedef struct op_schema {
    const char *op;
    const char *params;
    const char *result;
} op_schema;

/* clang-format off */

/* ---- shared shapes --------------------------------------------------------------------------- */

static const char *const components[][2] = {
{"Today", J({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "The date the rules take as today (YYYY-MM-DD); absent: today in Japan (JST)."})},
{"Timestamp", J({"type": ["string", "null"], "description": "ISO 8601 time (UTC or with offset); null when not (yet) set."})},
{"Role", J({"type": "string", "enum": ["admin", "procurement", "auditor", "viewer", "collector"]})},
{"ErrorCode", J({"type": "string",
    "description": "The closed list of include/ismap/err.h (the enum is filled from it when the document is built), and rate_limited of the HTTP gateway's login limit."})},
{"Error", J({"type": "object", "required": ["code", "message"],
    "description": "A typed error: the code is from a closed list, the message says what and where, the details (when present) name fields, rows, columns or limits.",
    "properties": {
        "code": {"$ref": "#/components/schemas/ErrorCode"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object"}}}})},
{"ErrorEnvelope", J({"type": "object", "required": ["ok", "error"],
    "properties": {"ok": {"const": false}, "error": {"$ref": "#/components/schemas/Error"}}})},
{"Job", J({"type": "object", "required": ["id", "kind", "state"],
    "properties": {
        "id": {"type": "string"}, "kind": {"type": "string"},
        "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        "org": {"type": ["string", "null"]}, "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": ["string", "null"]}, "params": {}, "result": {},
        "error": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Error"}]},
        "checkpoint": {}, "attempts": {"type": "integer"}, "cancel_requested": {"type": "boolean"},
        "worker": {"type": ["string", "null"]}, "lease_until": {"type": ["integer", "null"]},
        "created": {"$ref": "#/components/schemas/Timestamp"}, "started": {"$ref": "#/components/schemas/Timestamp"},
        "finished": {"$ref": "#/components/schemas/Timestamp"}, "updated": {"$ref": "#/components/schemas/Timestamp"}}})},
{"JobQueued", J({"type": "object", "required": ["kind", "state"],
    "properties": {"id": {"type": "string"}, "job": {"type": "string"}, "kind": {"type": "string"},
        "state": {"const": "queued"}}})},
{"Token", J({"type": "object", "required": ["id", "name", "role"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
        "org": {"type": ["string", "null"]}, "created": {"$ref": "#/components/schemas/Timestamp"},
        "last_used": {"$ref": "#/components/schemas/Timestamp"}, "revoked": {"$ref": "#/components/schemas/Timestamp"}}})},
{"Revoked", J({"type": "object", "required": ["id", "revoked"],
    "properties": {"id": {"type": "string"}, "revoked": {"const": true}}})},
{"Text", J({"type": "object", "description": "A text in Japanese and (when the source has one) English.",
    "properties": {"ja": {"type": "string"}, "en": {"type": "string"}}})},
{"CatalogItem", J({"type": "object", "required": ["id"],
    "description": "An item of a catalog (ISMAP 管理基準, MIC 監査項目, ISO/IEC, SOC 2, the questionnaire) with its titles and text.",
    "properties": {"id": {"type": "string"}, "catalog": {"type": "string"}, "parent": {"type": ["string", "null"]},
        "class": {"type": ["string", "null"]}, "level": {"type": ["integer", "null"]},
        "title": {"$ref": "#/components/schemas/Text"}, "text": {"$ref": "#/components/schemas/Text"},
        "props": {"type": "object"}, "source": {"type": ["object", "null"]},
        "ancestors": {"type": "array", "items": {"type": "object", "required": ["id"]}},
        "children": {"type": "array"}, "profiles": {"type": "array", "items": {"type": "string"}},
        "mappings": {"type": "array", "description": "The item's mappings through the crosswalks."}}})},
{"Snapshot", J({"type": "object", "required": ["id", "provider", "state"],
    "description": "A registered snapshot: one SQLite file per collection, hashed and signed once sealed.",
    "properties": {"id": {"type": "string"}, "provider": {"type": "string"},
        "state": {"type": "string", "enum": ["collecting", "sealed", "failed"]},
        "path": {"type": ["string", "null"]}, "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
        "created": {"$ref": "#/components/schemas/Timestamp"}, "sealed": {"$ref": "#/components/schemas/Timestamp"},
        "org": {"type": ["string", "null"]}, "job": {"type": ["string", "null"]}, "summary": {},
        "scope": {}, "signature": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]},
        "signed_by": {"type": "object", "description": "Whose key signed the seal: {installation: true} or a remote collector's {collector, public_key}."}}})},
{"Collector", J({"type": "object", "required": ["id", "name", "zone", "scopes", "public_key"],
    "description": "A remote collector (ismapd --role collector) registered with the central service.",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "zone": {"type": "string"},
        "scopes": {}, "public_key": {"type": "string"},
        "created": {"$ref": "#/components/schemas/Timestamp"}, "revoked": {"$ref": "#/components/schemas/Timestamp"}}})},
{"Subject", J({"type": "object", "required": ["id", "kind", "name"],
    "description": "What is assessed: a provider's cloud service or a customer's workload.",
    "properties": {"id": {"type": "string"}, "org": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["service", "workload"]}, "name": {"type": "string"},
        "provider": {"type": ["string", "null"]}, "service_name": {"type": ["string", "null"]},
        "deployment_model": {"type": ["string", "null"], "enum": ["IaaS", "PaaS", "SaaS", null]},
        "regions": {"type": ["array", "null"], "items": {"type": "string"}},
        "environment": {"type": ["string", "null"]},
        "accounts": {"type": ["array", "null"], "items": {"type": "string"}},
        "notes": {"type": ["string", "null"]}, "created": {"$ref": "#/components/schemas/Timestamp"},
        "created_by": {"type": ["string", "null"]},
        "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}}}})},
{"Evidence", J({"type": "object", "required": ["id", "kind"],
    "description": "An evidence item with its provenance: the file it came from (name, SHA-256, size), who imported it when, its validity.",
    "properties": {"id": {"type": "string"}, "subject": {"type": ["string", "null"]},
        "org": {"type": ["string", "null"]}, "kind": {"type": "string"}, "key": {"type": ["string", "null"]},
        "version": {"type": "integer"}, "state": {"type": "string"}, "title": {"type": ["string", "null"]},
        "source": {"type": "object", "description": "The file it was imported from.", "properties": {
            "name": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer", "minimum": 0}}},
        "imported_by": {"type": ["string", "null"]},
        "imported_at": {"$ref": "#/components/schemas/Timestamp"},
        "valid_from": {"type": ["string", "null"]}, "valid_until": {"type": ["string", "null"]},
        "summary": {}, "warnings": {}, "data": {}}})},
{"Assessment", J({"type": "object", "required": ["id", "subject", "frameworks", "state"],
    "properties": {"id": {"type": "string"}, "org": {"type": ["string", "null"]}, "subject": {"type": "string"},
        "name": {"type": ["string", "null"]}, "frameworks": {"type": "array", "items": {"type": "string"}},
        "snapshots": {"type": "array", "items": {"type": "string"}}, "as_of": {"type": ["string", "null"]},
        "meta": {"type": ["object", "null"]},
        "state": {"type": "string", "enum": ["pending", "evaluating", "ready", "failed"]},
        "reason": {"type": ["string", "null"]}, "created": {"$ref": "#/components/schemas/Timestamp"},
        "created_by": {"type": ["string", "null"]}}})},
{"RequirementStatus", J({"type": "string", "enum": ["not_satisfied", "partial", "evidence_expired",
    "not_assessed", "satisfied", "not_applicable", "waived"]})},
{"Requirement", J({"type": "object",
    "required": ["framework", "catalog", "item", "status", "reasons"],
    "description": "REQUIREMENT of docs/report-format.md: one row of the conformance matrix, the same object in matrix.get and the JSON report.",
    "properties": {"framework": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"},
        "parent": {"type": ["string", "null"]}, "class": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]}, "text": {"type": ["string", "null"]},
        "label": {"type": ["string", "null"]}, "area": {"type": ["string", "null"]},
        "area_title": {"type": ["string", "null"]}, "section": {"type": ["string", "null"]},
        "section_title": {"type": ["string", "null"]}, "must_meet": {"type": ["boolean", "null"]},
        "mandatory": {"type": ["boolean", "null"]}, "no": {"type": ["string", "integer", "null"]},
        "evidence_examples": {"type": ["array", "null"]}, "procedure": {"type": ["string", "null"]},
        "status": {"$ref": "#/components/schemas/RequirementStatus"}, "status_ja": {"type": "string"},
        "derived_status": {"$ref": "#/components/schemas/RequirementStatus"},
        "until": {"type": ["string", "null"]}, "rule": {"type": ["string", "null"]},
        "reasons": {"type": "array", "items": {"type": "object", "required": ["source"],
            "properties": {"source": {"type": "string",
                "enum": ["finding", "evidence", "judgment", "waiver", "rollup", "rule", "none"]}}}},
        "summary": {}, "judgment": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Judgment"}]},
        "waiver": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Waiver"}]},
        "auto_findings": {}, "auto_improvement": {}}})},
{"Finding", J({"type": "object", "required": ["check", "status"],
    "description": "FINDING of docs/report-format.md: one check's verdict on one resource.",
    "properties": {"check": {"type": "string"}, "severity": {"type": ["string", "null"]},
        "snapshot": {"type": ["string", "null"]}, "account": {"type": ["string", "null"]},
        "region": {"type": ["string", "null"]}, "resource_type": {"type": ["string", "null"]},
        "resource_id": {"type": ["string", "null"]}, "arn": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["pass", "fail", "error", "not_assessed"]},
        "reason": {"type": ["string", "null"]}, "waiver": {}}})},
{"Judgment", J({"type": "object", "required": ["id", "catalog", "item", "result"],
    "description": "JUDGMENT of docs/report-format.md: an auditor's recorded judgment of one requirement.",
    "properties": {"id": {"type": "string"}, "assessment": {"type": "string"}, "catalog": {"type": "string"},
        "item": {"type": "string"},
        "result": {"type": "string", "enum": ["satisfied", "partial", "not_satisfied", "not_applicable"]},
        "examined": {"type": ["string", "null"]}, "findings": {"type": ["string", "null"]},
        "improvement": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]},
        "by": {"type": ["string", "null"]}, "at": {"$ref": "#/components/schemas/Timestamp"}}})},
{"Waiver", J({"type": "object", "required": ["id", "justification", "approver", "expires"],
    "description": "A waiver (例外措置) of a requirement, a check, or one resource of a check.",
    "properties": {"id": {"type": "string"}, "org": {"type": ["string", "null"]},
        "assessment": {"type": ["string", "null"]}, "catalog": {"type": ["string", "null"]},
        "item": {"type": ["string", "null"]}, "check": {"type": ["string", "null"]},
        "resource": {"type": ["string", "null"]}, "justification": {"type": "string"},
        "approver": {"type": "string"}, "ticket": {"type": ["string", "null"]},
        "expires": {"type": "string"}, "created": {"$ref": "#/components/schemas/Timestamp"},
        "created_by": {"type": ["string", "null"]}, "revoked": {"$ref": "#/components/schemas/Timestamp"},
        "revoked_by": {"type": ["string", "null"]}, "active": {"type": "boolean"}}})},
{"Provenance", J({"type": "object", "required": ["product", "snapshots", "evidence", "catalogs"],
    "properties": {"product": {"type": "string"},
        "snapshots": {"type": "array", "items": {"type": "object", "required": ["id"]}},
        "evidence": {"type": "array", "items": {"type": "string"}},
        "catalogs": {"type": "array", "items": {"type": "object", "required": ["id"]}},
        "checks": {"type": ["object", "null"]}}})},
{"StatusCounts", J({"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}})},
{"Check", J({"type": "object", "required": ["id", "provider", "severity", "title"],
    "description": "A check definition (checks/<provider>/*.json): what it tests, the operations it needs, the requirements it bears on.",
    "properties": {"id": {"type": "string"}, "provider": {"type": "string"},
        "severity": {"type": "string", "enum": ["critical", "high", "medium", "low", "info"]},
        "title": {"$ref": "#/components/schemas/Text"},
        "requires": {"type": "array", "items": {"type": "object", "properties": {"service": {"type": "string"}, "operation": {"type": "string"}}}},
        "refs": {"type": "object", "description": "catalog id -> the items the check bears on",
            "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "file": {"type": "string"}}})},
{"BenchmarkView", J({"type": "object", "required": ["catalog", "areas", "questions", "total", "distribution", "distribution_note", "target"],
    "description": "The IPA benchmark self-assessment of one target: the 27 questions, the answers (1-5), the scores per area and overall. The source gives no published distribution: distribution is null and distribution_note says so.",
    "properties": {
        "catalog": {"type": "string"}, "title": {"type": "string"},
        "target": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["assessment", "subject"]}, "id": {"type": "string"}}},
        "scale": {"type": "object"},
        "areas": {"type": "array", "items": {"type": "object", "required": ["id", "questions", "answered", "sum", "max", "mean"], "properties": {
            "id": {"type": "string"}, "label": {"type": "string"}, "title": {"type": "string"},
            "questions": {"type": "array", "items": {"type": "string"}},
            "answered": {"type": "integer"}, "sum": {"type": "integer"}, "max": {"type": "integer"},
            "mean": {"type": ["number", "null"]}}}},
        "questions": {"type": "array", "items": {"type": "object", "required": ["id", "area", "value"], "properties": {
            "id": {"type": "string"}, "area": {"type": "string"}, "no": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"},
            "checkpoints": {"type": "array", "items": {"type": "string"}},
            "value": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
            "note": {"type": ["string", "null"]}, "answered_by": {"type": ["string", "null"]}, "answered_at": {"$ref": "#/components/schemas/Timestamp"}}}},
        "total": {"type": "object", "properties": {"questions": {"type": "integer"}, "answered": {"type": "integer"},
            "sum": {"type": "integer"}, "max": {"type": "integer"}, "mean": {"type": ["number", "null"]}}},
        "complete": {"type": "boolean"}, "scoring": {"type": "string"},
        "distribution": {"type": "null"}, "distribution_note": {"type": "string"}}})},
{"ExportedFile", J({"type": "object", "required": ["format", "size", "sha256", "content_base64"],
    "description": "A rendered file carried in JSON: its bytes base64, with its size and SHA-256.",
    "properties": {"name": {"type": "string"}, "filename": {"type": "string"}, "format": {"type": "string"},
        "media_type": {"type": "string"}, "size": {"type": "integer", "minimum": 0},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "content_base64": {"type": "string", "contentEncoding": "base64"}}})},
{"EngagementPlan", J({"type": "object", "required": ["assessment", "state", "version", "plan"], "properties": {
    "assessment": {"type": "string"}, "state": {"type": "string", "enum": ["draft", "approved"]},
    "version": {"type": "integer"}, "plan": {"type": "object"},
    "updated": {"$ref": "#/components/schemas/Timestamp"}, "updated_by": {"type": ["string", "null"]},
    "approved": {"$ref": "#/components/schemas/Timestamp"}, "approved_by": {"type": ["string", "null"]}}})},
{"EngagementReport", J({"type": "object", "required": ["assessment", "state", "version", "draft"], "properties": {
    "assessment": {"type": "string"}, "state": {"type": "string", "enum": ["draft", "issued"]},
    "version": {"type": "integer"}, "draft": {"type": "object"},
    "issued": {"$ref": "#/components/schemas/Timestamp"}, "issued_by": {"type": ["string", "null"]},
    "sha256": {"type": ["string", "null"]}, "signature": {"type": ["string", "null"]}}})},
{"WorkPaper", J({"type": "object", "required": ["id", "assessment", "catalog", "item", "version"], "properties": {
    "id": {"type": "string"}, "assessment": {"type": "string"}, "catalog": {"type": "string"},
    "item": {"type": "string"}, "version": {"type": "integer"}, "procedures": {"type": "string"},
    "materials": {"type": "array"}, "interviews": {"type": "array"}, "attachments": {"type": "array"},
    "conclusion": {"type": "string"}, "date": {"type": "string"}, "by": {"type": ["string", "null"]},
    "at": {"type": "string"}}})},
{"EngagementExport", J({"type": "object", "required": ["name", "format", "media_type", "size", "sha256", "content_base64"], "properties": {
    "name": {"type": "string"}, "format": {"type": "string"}, "media_type": {"type": "string"},
    "size": {"type": "integer"}, "sha256": {"type": "string"}, "content_base64": {"type": "string"},
    "document": {"type": "object", "description": "format doc: the document model itself."}}})},
};

/* ---- per op ---------------------------------------------------------------------------------- */

static const op_schema schemas[] = {
/* core */
{"ping",
 J({"type": "object", "properties": {"echo": {"description": "Any JSON value, returned as it is."}}}),
 J({"type": "object", "required": ["pong"], "properties": {
     "pong": {"type": "string", "description": "When the daemon started (ISO 8601)."}, "echo": {}}})},
{"status",
 J({"type": "object"}),
 J({"type": "object", "required": ["version", "started", "uptime_s", "store", "jobs", "caller"],
   "properties": {"version": {"type": "string"}, "started": {"type": "string"},
     "uptime_s": {"type": "integer"}, "data_dir": {"type": "string"},
     "store": {"type": "object", "properties": {"path": {"type": "string"}, "schema": {"type": "integer"},
        "schema_latest": {"type": "integer"}, "schemas": {}}},
     "workers": {"type": "integer"}, "jobs_running": {"type": "integer"}, "contexts": {"type": "integer"},
     "max_message_bytes": {"type": "integer"},
     "jobs": {"$ref": "#/components/schemas/StatusCounts", "description": "Jobs of the caller's organization by state."},
     "caller": {"type": "object", "required": ["role", "org", "local"], "properties": {
        "role": {"$ref": "#/components/schemas/Role"}, "org": {"type": "string"}, "local": {"type": "boolean"}}},
     "catalogs": {"type": ["object", "null"]}, "connections": {"type": "object"}}})},
{"ops.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"type": "object", "required": ["op", "summary", "roles"], "properties": {
     "op": {"type": "string"}, "summary": {"type": "string"},
     "roles": {"type": "array", "items": {"$ref": "#/components/schemas/Role"}}}}})},
{"jobs.list",
 J({"type": "object", "properties": {
     "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
     "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 50}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Job"}})},
{"jobs.show",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "description": "A job id (job_...)."}}}),
 J({"$ref": "#/components/schemas/Job"})},
{"jobs.cancel",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"type": "object", "required": ["id", "state", "cancel_requested"], "properties": {
     "id": {"type": "string"}, "state": {"type": "string", "enum": ["cancelled", "running"],
        "description": "cancelled: it had not started; running: it stops at its next checkpoint."},
     "cancel_requested": {"const": true}}})},
{"jobs.submit",
 J({"type": "object", "required": ["kind"], "properties": {
     "kind": {"type": "string", "description": "A registered job kind (jobs.kinds)."},
     "params": {"type": "object", "description": "The kind's own params."}}}),
 J({"$ref": "#/components/schemas/JobQueued"})},
{"jobs.kinds",
 J({"type": "object"}),
 J({"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
     "name": {"type": "string"}, "summary": {"type": "string"}, "resumable": {"type": "boolean"}}}})},
{"token.create",
 J({"type": "object", "required": ["name", "role"], "properties": {
     "name": {"type": "string", "minLength": 1, "maxLength": 120},
     "role": {"$ref": "#/components/schemas/Role"},
     "org": {"type": "string", "maxLength": 120, "description": "Required for every role but admin; an organization's admin creates tokens of its own organization only."}}}),
 J({"type": "object", "required": ["id", "name", "role", "org", "token"], "properties": {
     "id": {"type": "string"}, "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
     "org": {"type": "string"}, "token": {"type": "string", "description": "The secret, shown this once."}}})},
{"token.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Token"}})},
{"token.revoke",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/Revoked"})},

/* catalog */
{"catalog.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"type": "object", "required": ["id", "kind", "title"], "properties": {
     "id": {"type": "string"}, "kind": {"type": "string", "enum": ["catalog", "crosswalk"]},
     "title": {"$ref": "#/components/schemas/Text"}, "publisher": {"type": ["string", "null"]},
     "revisions": {"type": "array", "items": {"type": "object"}}, "counts": {"type": "object"},
     "items": {"type": "integer"}, "maps": {"type": "integer"}, "file": {"type": "string"}}}})},
{"catalog.show",
 J({"type": "object", "required": ["catalog", "item"], "properties": {
     "catalog": {"type": "string", "description": "A catalog id (catalog.list), e.g. ismap, mic-audit."},
     "item": {"type": "string", "description": "An item id of that catalog, e.g. 3.1.2.1."}}}),
 J({"$ref": "#/components/schemas/CatalogItem"})},
{"catalog.items",
 J({"type": "object", "required": ["catalog"], "properties": {
     "catalog": {"type": "string"}, "class": {"type": "string", "description": "Only items of this class."},
     "profile": {"type": "string", "description": "Only items of this profile of the catalog."}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/CatalogItem"}})},
{"catalog.search",
 J({"type": "object", "required": ["text"], "properties": {
     "text": {"type": "string", "maxLength": 500, "description": "Japanese or English words."},
     "catalog": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}}}),
 J({"type": "array", "items": {"type": "object", "required": ["catalog", "id"], "properties": {
     "catalog": {"type": "string"}, "id": {"type": "string"}, "class": {"type": ["string", "null"]},
     "title": {"type": ["string", "null"]}, "snippet": {"type": ["string", "null"], "description": "Where the words matched."}}}})},
{"catalog.map",
 J({"type": "object", "required": ["catalog", "item"], "properties": {
     "catalog": {"type": "string"}, "item": {"type": "string"},
     "depth": {"type": "integer", "minimum": 1, "maximum": 6, "default": 3}}}),
 J({"type": "object", "required": ["catalog", "id", "results"], "properties": {
     "catalog": {"type": "string"}, "id": {"type": "string"},
     "inherited_from": {"type": ["string", "null"], "description": "The ancestor whose mappings apply when the item has none of its own."},
     "max_depth": {"type": "integer"}, "results": {"type": "array", "items": {"type": "object"}}}})},
{"catalog.export",
 J({"type": "object", "required": ["id"], "properties": {
     "id": {"type": "string", "description": "A catalog or crosswalk id."},
     "format": {"type": "string", "enum": ["oscal"], "default": "oscal"}}}),
 J({"type": "object", "description": "An OSCAL 1.2.1 document: a catalog, or a crosswalk as a mapping-collection.",
   "minProperties": 1, "maxProperties": 1,
   "properties": {"catalog": {"type": "object"}, "mapping-collection": {"type": "object"}}})},

/* snapshot */
{"snapshot.list",
 J({"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 50}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Snapshot"}})},
{"snapshot.show",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"allOf": [{"$ref": "#/components/schemas/Snapshot"}, {"type": "object", "properties": {
     "contents": {"type": "object"},
     "missing": {"type": "array", "description": "Coverage rows that are neither complete nor skipped: what the snapshot lacks, and why.",
        "items": {"type": "object", "properties": {"account": {}, "region": {}, "service": {}, "operation": {},
            "state": {}, "reason": {}}}},
     "file_problem": {"type": "string"}}}]})},
{"snapshot.import",
 J({"type": "object", "properties": {
     "path": {"type": "string", "description": "A file on the daemon's host: the local socket only."},
     "content_base64": {"type": "string", "contentEncoding": "base64", "description": "The sealed snapshot file."}},
   "oneOf": [{"required": ["path"]}, {"required": ["content_base64"]}]}),
 J({"$ref": "#/components/schemas/Snapshot"})},
{"snapshot.verify",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"type": "object", "required": ["id", "ok", "hash_matches", "signature_valid"], "properties": {
     "id": {"type": "string"}, "state": {"type": "string"},
     "recorded_sha256": {"type": ["string", "null"]}, "file_sha256": {"type": ["string", "null"]},
     "hash_matches": {"type": "boolean"}, "signature_valid": {"type": "boolean"},
     "ok": {"type": "boolean", "description": "The file is unchanged since sealing and the signature is this installation's."},
     "problem": {"type": ["string", "null"]}}})},

/* collector: remote collectors (ops_collector.c) */
{"collector.register",
 J({"type": "object", "required": ["name", "zone", "scopes", "public_key"], "properties": {
     "name": {"type": "string", "minLength": 1, "maxLength": 100},
     "zone": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$", "description": "The network zone whose zoned collections it runs."},
     "scopes": {"oneOf": [{"const": "*"}, {"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "object", "required": ["provider", "scopes"],
         "properties": {"provider": {"type": "string"}, "scopes": {"oneOf": [{"const": "*"}, {"type": "array", "items": {"type": "string"}}]}}}}]},
     "public_key": {"type": "string", "description": "The collector's Ed25519 snapshot signing key: base64 of its 32 raw bytes (ismapd --role collector --print-public-key)."}}}),
 J({"type": "object", "required": ["collector", "token"], "properties": {
     "collector": {"$ref": "#/components/schemas/Collector"},
     "token": {"type": "string", "description": "The collector's API token (role collector), shown once."}}})},
{"collector.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Collector"}})},
{"collector.revoke",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"type": "object", "required": ["id", "revoked"], "properties": {"id": {"type": "string"}, "revoked": {"const": true}}})},
{"collector.claim",
 J({"type": "object"}),
 J({"type": "object", "required": ["job"], "properties": {
     "job": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["id", "kind", "params"], "properties": {
         "id": {"type": "string"}, "kind": {"type": "string"}, "params": {"type": "object"}, "org": {"type": ["string", "null"]}, "attempts": {"type": "integer"}}}]},
     "snapshot": {"type": "string"}, "lease_s": {"type": "integer"}, "max_chunk_bytes": {"type": "integer"}}})},
{"collector.progress",
 J({"type": "object", "required": ["job"], "properties": {
     "job": {"type": "string"}, "message": {"type": "string"},
     "units_done": {"type": "integer", "minimum": 0}, "units_total": {"type": "integer", "minimum": 0},
     "error": {"type": "object", "required": ["code", "message"], "description": "Ends the job as failed (or cancelled, after a cancel request) with the collector's reason."}}}),
 J({"type": "object", "required": ["cancel", "ended"], "properties": {"cancel": {"type": "boolean"}, "ended": {"type": "boolean"}}})},
{"collector.upload",
 J({"type": "object", "required": ["job"], "properties": {
     "job": {"type": "string"}, "offset": {"type": "integer", "minimum": 0},
     "data_base64": {"type": "string", "contentEncoding": "base64"},
     "final": {"type": "boolean"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
     "signature": {"type": "string"}, "result": {"type": "object"}}}),
 J({"oneOf": [{"type": "object", "required": ["job", "received"], "properties": {"job": {"type": "string"}, "received": {"type": "integer"}}},
     {"$ref": "#/components/schemas/Snapshot"}]})},

/* collect: generated from the provider table (provider_schema below) */

/* evidence */
{"subject.create",
 J({"type": "object", "required": ["kind", "name"], "properties": {
     "kind": {"type": "string", "enum": ["service", "workload"]},
     "name": {"type": "string", "minLength": 1, "maxLength": 200},
     "provider": {"type": "string", "description": "Required for a service."},
     "service_name": {"type": "string"},
     "deployment_model": {"type": "string", "enum": ["IaaS", "PaaS", "SaaS"]},
     "regions": {"type": "array", "items": {"type": "string"}},
     "environment": {"type": "string"},
     "accounts": {"type": "array", "items": {"type": "string"}},
     "notes": {"type": "string"},
     "organization": {"type": "string", "description": "An all-organization caller says which; an organization's token creates in its own."}}}),
 J({"$ref": "#/components/schemas/Subject"})},
{"subject.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Subject"}})},
{"subject.show",
 J({"type": "object", "required": ["subject"], "properties": {"subject": {"type": "string", "description": "A subject id (subj_...) or its name."}}}),
 J({"$ref": "#/components/schemas/Subject"})},
{"evidence.kinds",
 J({"type": "object"}),
 J({"type": "array", "items": {"type": "object", "required": ["kind", "needs_subject"], "properties": {
     "kind": {"type": "string"}, "needs_subject": {"type": "boolean"}, "summary": {"type": "string"}}}})},
{"evidence.import",
 J({"type": "object", "required": ["kind", "name", "content_base64"], "properties": {
     "kind": {"type": "string", "enum": ["questionnaire", "ismap-list", "soc2", "iso-cert", "soa", "caiq", "file"]},
     "subject": {"type": "string", "description": "Required for every kind but ismap-list (installation-wide)."},
     "name": {"type": "string", "description": "The file's name (UTF-8); shown, never used as a path."},
     "content_base64": {"type": "string", "contentEncoding": "base64"},
     "options": {"type": "object", "properties": {"about": {"type": "string", "description": "For kind file: ISMAP items or questionnaire rows the document bears on."}}},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "object", "required": ["evidence", "warnings"], "properties": {
     "evidence": {"$ref": "#/components/schemas/Evidence"},
     "warnings": {"type": "array", "description": "What was imported with a caveat (sheet, row, column, value)."},
     "summary": {"type": "object"}}})},
{"evidence.list",
 J({"type": "object", "properties": {
     "subject": {"type": "string"}, "kind": {"type": "string"},
     "all": {"type": "boolean", "default": false, "description": "With superseded versions."}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}})},
{"evidence.show",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/Evidence"})},
{"ismap_list.lookup",
 J({"type": "object", "required": ["provider", "service"], "properties": {
     "provider": {"type": "string"}, "service": {"type": "string"},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "object", "required": ["status", "matches", "similar"], "properties": {
     "provider": {"type": "string"}, "service": {"type": "string"}, "provider_key": {"type": "string"},
     "service_key": {"type": "string"}, "today": {"type": "string"},
     "checked_against": {"type": "array", "description": "The imported lists consulted."},
     "status": {"type": "string"}, "message": {"type": "string"},
     "matches": {"type": "array", "items": {"type": "object"}}, "similar": {"type": "array", "items": {"type": "object"}}}})},
{"screening.get",
 J({"type": "object", "required": ["subject"], "properties": {
     "subject": {"type": "string"}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "object", "required": ["subject", "today", "verdict", "rows"], "properties": {
     "subject": {"$ref": "#/components/schemas/Subject"}, "today": {"type": "string"},
     "listing": {"type": "object", "description": "The ISMAP / ISMAP-LIU registration."},
     "questionnaire": {"type": ["object", "null"]},
     "verdict": {"type": "object", "required": ["decision"], "properties": {"decision": {"type": "string"},
        "summary": {"type": "string"}, "listed_valid": {"type": "boolean"}, "must_meet": {"type": "object"}, "rows": {"type": "object"}}},
     "rows": {"type": "array", "items": {"type": "object"}}, "unmet": {"type": "array"}, "to_review": {"type": "array"},
     "lacking_evidence": {"type": "array"}, "customer_duties": {"type": "array"}, "documents": {"type": "array"},
     "warnings": {"type": "array"}}})},
{"screening.export",
 J({"type": "object", "required": ["subject", "format"], "properties": {
     "subject": {"type": "string"}, "format": {"type": "string", "enum": ["csv", "xlsx", "json"]},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/ExportedFile"})},

/* matrix */
{"frameworks.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"type": "object", "required": ["id", "catalog"], "properties": {
     "id": {"type": "string"}, "title": {"type": "string"}, "catalog": {"type": "string"}}}})},
{"assessment.create",
 J({"type": "object", "required": ["subject", "frameworks"], "properties": {
     "subject": {"type": "string"},
     "frameworks": {"oneOf": [{"type": "array", "minItems": 1, "items": {"type": "string"}},
        {"type": "string", "description": "Comma-separated."}], "description": "Framework ids (frameworks.list)."},
     "snapshots": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
        "description": "Sealed snapshots to evaluate; absent: the newest ones covering the subject's accounts."},
     "name": {"type": "string"}, "as_of": {"type": "string"},
     "meta": {"type": ["object", "null"], "description": "Free-form facts for the report (purpose, auditee...)."}}}),
 J({"allOf": [{"$ref": "#/components/schemas/Assessment"}, {"type": "object", "required": ["job", "snapshot_choice"], "properties": {
     "job": {"type": ["string", "null"], "description": "The evaluation job; null when there is no snapshot to evaluate."},
     "snapshot_choice": {"type": "object", "required": ["rule"], "properties": {"rule": {"type": "string"}, "used": {"type": "array"}, "uncovered": {"type": "array"}}}}}]})},
{"assessment.list",
 J({"type": "object"}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Assessment"}})},
{"assessment.show",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/Assessment"})},
{"assessment.diff",
 J({"type": "object", "required": ["a", "b"], "properties": {
     "a": {"type": "string", "description": "The earlier assessment."}, "b": {"type": "string", "description": "The later assessment."},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "object", "required": ["a", "b", "changed", "added"], "properties": {
     "a": {"type": "string"}, "b": {"type": "string"},
     "changed": {"type": "array", "description": "Requirements whose status changed from a to b.", "items": {"type": "object"}},
     "added": {"type": "array", "items": {"type": "object"}},
     "findings_new": {"type": "array", "items": {"type": "object"}},
     "findings_resolved": {"type": "array", "items": {"type": "object"}},
     "findings_not_collected": {"type": "array", "description": "Failing findings of a whose resource b did not collect.", "items": {"type": "object"}}}})},
{"assessment.export",
 J({"type": "object", "required": ["assessment", "format"], "properties": {
     "assessment": {"type": "string"},
     "format": {"type": "string", "enum": ["csv", "csv-findings", "xlsx", "json", "oscal", "html", "pdf"]},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/ExportedFile"})},
{"matrix.get",
 J({"type": "object", "required": ["assessment"], "properties": {
     "assessment": {"type": "string"},
     "status": {"$ref": "#/components/schemas/RequirementStatus"},
     "framework": {"type": "string"},
     "today": {"$ref": "#/components/schemas/Today"},
     "cursor": {"type": "string", "description": "next_cursor of the previous page (limit defaults to 1000 then)."},
     "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "A page of this many requirements; the reply adds total, offset, next_cursor."},
     "summary": {"type": "boolean", "default": false, "description": "The counts (per status, per framework) without the requirements; takes no status, framework, cursor or limit."},
     "if_none_match": {"type": "string", "description": "The etag of a reply the caller holds: while the matrix's inputs are the same the reply is {etag, assessment, unchanged: true}, without the body."}}}),
 J({"oneOf": [
   {"type": "object", "required": ["etag", "assessment", "unchanged"], "additionalProperties": false, "properties": {
     "etag": {"type": "string"}, "assessment": {"type": "string"}, "unchanged": {"const": true}}},
   {"type": "object", "required": ["etag", "assessment", "counts"], "not": {"required": ["unchanged"]}, "properties": {
     "etag": {"type": "string", "description": "Names this reply's content: the digest of the matrix's inputs and of the params; send it back as if_none_match (HTTP: ETag / If-None-Match)."},
     "total": {"type": "integer", "minimum": 0}, "offset": {"type": "integer", "minimum": 0},
     "next_cursor": {"type": ["string", "null"], "description": "null on the last page."},
     "assessment": {"type": "string"}, "name": {"type": ["string", "null"]}, "subject": {"type": "string"},
     "frameworks": {"type": "array", "items": {"type": "string"}},
     "snapshots": {"type": "array", "items": {"type": "string"}}, "as_of": {"type": ["string", "null"]},
     "state": {"type": "string"}, "today": {"type": "string"}, "generated": {"type": "string"},
     "counts": {"$ref": "#/components/schemas/StatusCounts"},
     "counts_by_framework": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/StatusCounts"}},
     "requirements": {"type": "array", "items": {"$ref": "#/components/schemas/Requirement"}, "description": "Absent from a summary."},
     "provenance": {"$ref": "#/components/schemas/Provenance"}}}]})},
{"findings.list",
 J({"type": "object", "required": ["assessment"], "properties": {
     "assessment": {"type": "string"},
     "status": {"type": "string", "enum": ["pass", "fail", "error", "not_assessed"]},
     "check": {"type": "string"},
     "account": {"type": "string", "description": "The provider's scope id (AWS account, subscription, project, tenancy)."},
     "region": {"type": "string"},
     "severity": {"type": "string", "enum": ["critical", "high", "medium", "low", "info"]},
     "domain": {"type": "string", "enum": ["mynumber", "lgwan", "internet"],
       "description": "Network domain of the finding's account: マイナンバー利用事務系, LGWAN接続系, or internet (インターネット接続系: no closed domain recorded)."},
     "facets": {"type": "boolean", "default": false, "description": "Add each filter's values over the whole assessment, with counts."},
     "cursor": {"type": "string", "description": "next_cursor of the previous page, with the same filters."},
     "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}}}),
 J({"type": "object", "required": ["findings", "total", "offset", "next_cursor"], "properties": {
     "findings": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Finding"}, {"type": "object",
       "properties": {"domain": {"type": "string", "enum": ["mynumber", "lgwan", "internet"]}}}]}},
     "total": {"type": "integer", "minimum": 0, "description": "Findings matching the filters."},
     "offset": {"type": "integer", "minimum": 0},
     "next_cursor": {"type": ["string", "null"], "description": "null on the last page."},
     "facets": {"type": "object", "description": "With facets: true. Per filter (account, region, check, severity, status, domain): {value: count}.",
       "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}}}})},
{"judgment.add",
 J({"type": "object", "required": ["assessment", "catalog", "item", "result"], "properties": {
     "assessment": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"},
     "result": {"type": "string", "enum": ["satisfied", "partial", "not_satisfied", "not_applicable"]},
     "examined": {"type": "string", "description": "What was examined."},
     "findings": {"type": "string", "description": "指摘事項."},
     "improvement": {"type": "string", "description": "改善案."},
     "reason": {"type": "string", "description": "Required with not_applicable."}}}),
 J({"$ref": "#/components/schemas/Judgment"})},
{"judgment.history",
 J({"type": "object", "required": ["assessment", "catalog", "item"], "properties": {
     "assessment": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Judgment"}})},
{"waiver.add",
 J({"type": "object", "required": ["justification", "approver", "expires"], "properties": {
     "catalog": {"type": "string"}, "item": {"type": "string"},
     "check": {"type": "string"}, "resource": {"type": "string", "description": "With check: one resource."},
     "justification": {"type": "string"}, "approver": {"type": "string"}, "ticket": {"type": "string"},
     "expires": {"type": "string", "format": "date"}, "assessment": {"type": "string"},
     "today": {"$ref": "#/components/schemas/Today"}},
   "description": "A requirement (catalog and item) or a check (optionally one resource of it), not both."}),
 J({"$ref": "#/components/schemas/Waiver"})},
{"waiver.list",
 J({"type": "object", "properties": {
     "assessment": {"type": "string"}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Waiver"}})},
{"waiver.revoke",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/Revoked"})},

/* eval */
{"checks.list",
 J({"type": "object", "properties": {"provider": {"type": "string", "description": "e.g. aws."}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/Check"}})},
{"checks.show",
 J({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
 J({"allOf": [{"$ref": "#/components/schemas/Check"}, {"type": "object", "required": ["query"], "properties": {
     "description": {"$ref": "#/components/schemas/Text"}, "remediation": {"$ref": "#/components/schemas/Text"},
     "query": {"type": "string", "description": "The SQL the check runs over the snapshot."}}}]})},
{"eval.snapshot",
 J({"type": "object", "properties": {
     "id": {"type": "string", "description": "A registered snapshot of the caller's organization, verified before use."},
     "path": {"type": "string", "description": "An absolute file name: the local socket only."},
     "checks": {"type": "array", "minItems": 1, "items": {"type": "string"}},
     "status": {"oneOf": [{"type": "string", "enum": ["pass", "fail", "error", "not_assessed"]},
        {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["pass", "fail", "error", "not_assessed"]}}]},
     "limit": {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 20000, "description": "0: the summary alone."}},
   "oneOf": [{"required": ["id"]}, {"required": ["path"]}]}),
 J({"type": "object", "required": ["snapshot", "summary", "checks", "findings", "verified"], "properties": {
     "snapshot": {"type": "object", "properties": {"id": {"type": "string"}, "provider": {"type": "string"}, "state": {"type": "string"}}},
     "summary": {"type": "object", "properties": {"checks": {"type": "integer"}, "check_status": {"$ref": "#/components/schemas/StatusCounts"},
        "findings": {"$ref": "#/components/schemas/StatusCounts"}, "ms": {"type": "integer"}}},
     "checks": {"type": "array", "items": {"type": "object", "required": ["check", "status"]}},
     "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
     "truncated": {"type": "boolean", "description": "More findings than limit."},
     "verified": {"type": "boolean", "description": "Opened by id and its hash and signature verified (false: a path on the local socket)."},
     "sha256": {"type": "string"}, "path": {"type": "string"}}})},

/* benchmark */
{"benchmark.get",
 J({"type": "object", "properties": {"assessment": {"type": "string"}, "subject": {"type": "string"}},
    "oneOf": [{"required": ["assessment"]}, {"required": ["subject"]}]}),
 J({"$ref": "#/components/schemas/BenchmarkView"})},
{"benchmark.answer",
 J({"type": "object", "properties": {"assessment": {"type": "string"}, "subject": {"type": "string"},
     "question": {"type": "string", "description": "One answer: a question id, 1-1 … 5-3."},
     "value": {"type": "integer", "minimum": 1, "maximum": 5},
     "note": {"type": ["string", "null"], "maxLength": 4000},
     "answers": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["question", "value"],
        "additionalProperties": false, "properties": {"question": {"type": "string"},
        "value": {"type": "integer", "minimum": 1, "maximum": 5}, "note": {"type": ["string", "null"], "maxLength": 4000}}}}},
    "allOf": [{"oneOf": [{"required": ["assessment"]}, {"required": ["subject"]}]},
              {"oneOf": [{"required": ["answers"]}, {"required": ["question", "value"]}]}]}),
 J({"$ref": "#/components/schemas/BenchmarkView"})},
{"benchmark.export",
 J({"type": "object", "required": ["format"], "properties": {"assessment": {"type": "string"}, "subject": {"type": "string"},
     "format": {"type": "string", "enum": ["xlsx", "json", "svg"]}},
    "oneOf": [{"required": ["assessment"]}, {"required": ["subject"]}]}),
 J({"$ref": "#/components/schemas/ExportedFile"})},
/* ---- the engagement (ops_engagement.c) ---- */
{"plan.get",
 J({"type": "object", "required": ["assessment"], "properties": {"assessment": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/EngagementPlan"})},
{"plan.update",
 J({"type": "object", "required": ["assessment", "plan"], "properties": {
     "assessment": {"type": "string"},
     "version": {"type": "integer", "description": "The version read: refused (conflict) if the plan changed since."},
     "plan": {"type": "object", "description": "Fields to change (null removes one): title, purpose, theme, scope, auditee, method (strings), schedule [{phase, from, to, note}], team [{name, role, organization}], frameworks [ids], items_note, standards [strings], notes."}}}),
 J({"$ref": "#/components/schemas/EngagementPlan"})},
{"plan.approve",
 J({"type": "object", "required": ["assessment"], "properties": {"assessment": {"type": "string"}}}),
 J({"$ref": "#/components/schemas/EngagementPlan"})},
{"plan.history",
 J({"type": "object", "required": ["assessment"], "properties": {"assessment": {"type": "string"}}}),
 J({"type": "array", "items": {"type": "object", "required": ["version", "action", "plan"], "properties": {
     "version": {"type": "integer"}, "action": {"type": "string", "enum": ["update", "approve"]},
     "plan": {"type": "object"}, "at": {"type": "string"}, "by": {"type": ["string", "null"]}}}})},
{"plan.export",
 J({"type": "object", "required": ["assessment", "format"], "properties": {
     "assessment": {"type": "string"}, "format": {"type": "string", "enum": ["pdf", "doc", "xlsx", "html", "json", "oscal"]}}}),
 J({"$ref": "#/components/schemas/EngagementExport"})},
{"workpaper.add",
 J({"type": "object", "required": ["assessment", "catalog", "item"], "properties": {
     "assessment": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"},
     "procedures": {"type": "string"}, "conclusion": {"type": "string"},
     "result": {"type": "string", "enum": ["satisfied", "partial", "not_satisfied", "not_applicable"]},
     "date": {"type": "string", "format": "date"}, "internal": {"type": "boolean"},
     "interviews": {"type": "array", "items": {"type": "object", "required": ["interviewee"]}},
     "materials": {"type": "array", "items": {"type": "object", "required": ["kind"],
        "description": "{kind: evidence, id} or {kind: finding, check, resource}"}},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/WorkPaper"})},
{"workpaper.list",
 J({"type": "object", "required": ["assessment"], "properties": {"assessment": {"type": "string"}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/WorkPaper"}})},
{"workpaper.history",
 J({"type": "object", "required": ["assessment", "catalog", "item"], "properties": {
     "assessment": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"}}}),
 J({"type": "array", "items": {"$ref": "#/components/schemas/WorkPaper"}})},
{"workpaper.attach",
 J({"type": "object", "required": ["assessment", "catalog", "item", "name", "content_base64"], "properties": {
     "assessment": {"type": "string"}, "catalog": {"type": "string"}, "item": {"type": "string"},
     "name": {"type": "string"}, "content_base64": {"type": "string"}, "media_type": {"type": "string"},
     "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/WorkPaper"})},
{"report.draft.get",
 J({"type": "object", "required": ["assessment"], "properties": {
     "assessment": {"type": "string"}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"allOf": [{"$ref": "#/components/schemas/EngagementReport"}, {"type": "object",
     "required": ["summary", "redaction_rules", "followup"], "properties": {
     "summary": {"type": "object"}, "redaction_rules": {"type": "array"}, "followup": {"type": "object"}}}]})},
{"report.draft.update",
 J({"type": "object", "required": ["assessment", "draft"], "properties": {
     "assessment": {"type": "string"}, "version": {"type": "integer"},
     "draft": {"type": "object", "description": "Fields to change (null removes one): title, addressee, report_date, auditors, overall, commendable, recommendations [{text, id, priority: urgent|general, catalog, item, internal}], special_notes, redact_terms."}}}),
 J({"$ref": "#/components/schemas/EngagementReport"})},
{"report.issue",
 J({"type": "object", "required": ["assessment"], "properties": {
     "assessment": {"type": "string"}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/EngagementReport"})},
{"report.verify",
 J({"type": "object", "properties": {"assessment": {"type": "string"},
     "document": {"type": "object", "description": "An issued report as exported (format json): {body, sha256, signature}."}}}),
 J({"type": "object", "required": ["ok", "hash_matches", "signature_valid"], "properties": {
     "assessment": {"type": "string"}, "ok": {"type": "boolean"}, "hash_matches": {"type": "boolean"},
     "signature_valid": {"type": "boolean"}, "sha256": {"type": "string"},
     "recorded_sha256": {"type": ["string", "null"]}, "problem": {"type": ["string", "null"]}}})},
{"report.export",
 J({"type": "object", "required": ["assessment", "format"], "properties": {
     "assessment": {"type": "string"}, "format": {"type": "string", "enum": ["pdf", "doc", "html", "json", "oscal"]},
     "version": {"type": "string", "enum": ["detailed", "public"]}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"$ref": "#/components/schemas/EngagementExport"})},
{"followup.get",
 J({"type": "object", "required": ["assessment"], "properties": {
     "assessment": {"type": "string"}, "today": {"$ref": "#/components/schemas/Today"}}}),
 J({"type": "object", "required": ["previous", "judgments", "recommendations"], "properties": {
     "previous": {"type": ["object", "null"]}, "judgments": {"type": "array"},
     "recommendations": {"type": "array", "items": {"type": "object", "properties": {
        "resolution": {"type": "string", "enum": ["resolved_by_collection", "resolved_by_evidence", "not_collected", "not_in_scope", "open"]}}}}}})},
{"remediation.update",
 J({"type": "object", "required": ["assessment", "rec"], "properties": {
     "assessment": {"type": "string"}, "rec": {"type": "string"}, "owner": {"type": "string"},
     "due": {"type": "string", "format": "date"}, "note": {"type": "string"},
     "status": {"type": "string", "enum": ["open", "in_progress", "done", "accepted"]}}}),
 J({"type": "object", "required": ["rec", "status"], "properties": {
     "rec": {"type": "string"}, "owner": {"type": ["string", "null"]}, "due": {"type": ["string", "null"]},
     "status": {"type": "string"}, "note": {"type": ["string", "null"]}}})},
};

/* clang-format on */

#define NSCHEMAS (sizeof schemas / sizeof schemas[0])
#define NCOMPONENTS (sizeof components / sizeof components[0])

static const op_schema *find(const char *op)
{
    for (size_t i = 0; op && i < NSCHEMAS; i++)
        if (!strcmp(schemas[i].op, op)) return &schemas[i];
    return NULL;
}

static json_t *parse(const char *text)
{
    return text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
}

/* The collect ops' schemas come from the provider table: "collect.providers",
 * "collect.<name>" (params from the provider's params table) and "collect.<name>.operations".
 * NULL for any other name. */
static json_t *provider_schema(const char *op, bool params)
{
    if (!op || strncmp(op, "collect.", 8) != 0) return NULL;
    if (!strcmp(op, "collect.providers"))
        return params ? json_pack("{s:s}", "type", "object")
                      : parse("{\"type\": \"array\", \"items\": {\"type\": \"object\", "
                              "\"required\": [\"name\", \"title\", \"params\"]}}");
    char name[64];
    size_t len = strcspn(op + 8, ".");
    if (len >= sizeof name) return NULL;
    memcpy(name, op + 8, len);
    name[len] = '\0';
    const ism_provider *p = ism_provider_find(name);
    if (!p) return NULL;
    const char *rest = op + 8 + len;
    if (!*rest) {
        if (!params) return json_pack("{s:s}", "$ref", "#/components/schemas/JobQueued");
        /* Besides the provider's params: the network zone whose remote collectors run it. */
        json_t *sch = ism_provider_params_schema(p);
        json_object_set_new(json_object_get(sch, "properties"), "zone",
                            json_pack("{s:s, s:s, s:i, s:i, s:s}", "type", "string", "pattern",
                                      "^[A-Za-z0-9_.-]+$", "minLength", 1, "maxLength", 64,
                                      "description",
                                      "Route the collection to the remote collectors registered "
                                      "for this network zone (ismapd --role collector); they "
                                      "collect with their own credentials."));
        return sch;
    }
    if (strcmp(rest, ".operations") != 0) return NULL;
    if (params) return json_pack("{s:s}", "type", "object");
    return parse("{\"type\": \"array\", \"items\": {\"type\": \"object\", \"required\": "
                 "[\"service\", \"operation\", \"permission\", \"scope\"], \"properties\": {"
                 "\"service\": {\"type\": \"string\"}, \"operation\": {\"type\": \"string\"}, "
                 "\"permission\": {\"type\": \"string\", \"description\": \"What the collector's "
                 "read-only policy must allow for it.\"}, \"scope\": {\"type\": \"string\", "
                 "\"description\": \"Where it is called: global, regional or per-resource, or the "
                 "provider's own level (tenant, subscription, project, compartment).\"}, \"type\": "
                 "{\"type\": [\"string\", "
                 "\"null\"]}, \"parent\": {\"type\": [\"string\", \"null\"]}, \"paginated\": "
                 "{\"type\": \"boolean\"}}}}");
}

json_t *ism_rpc_op_params_schema(const char *op)
{
    const op_schema *s = find(op);
    return s ? parse(s->params) : provider_schema(op, true);
}

json_t *ism_rpc_op_result_schema(const char *op)
{
    const op_schema *s = find(op);
    return s ? parse(s->result) : provider_schema(op, false);
}

/* The error codes a reply can carry: every code of err.h, and the gateway's rate_limited. */
static json_t *error_codes(void)
{
    json_t *codes = json_array();
    bool rate_limited = false;
    for (int c = ISM_OK + 1; c < ISM_CODE_COUNT; c++) {
        const char *name = ism_code_name((ism_code)c);
        rate_limited = rate_limited || !strcmp(name, "rate_limited");
        json_array_append_new(codes, json_string(name));
    }
    if (!rate_limited) json_array_append_new(codes, json_string("rate_limited"));
    return codes;
}

json_t *ism_rpc_schema_components(void)
{
    json_t *out = json_object();
    for (size_t i = 0; i < NCOMPONENTS; i++)
        json_object_set_new(out, components[i][0], parse(components[i][1]));
    json_object_set_new(json_object_get(out, "ErrorCode"), "enum", error_codes());
    return out;
}

void ism_rpc_foreach_op_schema(void (*fn)(const char *op, void *ctx), void *ctx)
{
    for (size_t i = 0; i < NSCHEMAS; i++)
        fn(schemas[i].op, ctx);
    size_t n;
    const ism_provider *const *ps = ism_providers(&n);
    fn("collect.providers", ctx);
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof name, "collect.%s", ps[i]->name);
        fn(name, ctx);
        snprintf(name, sizeof name, "collect.%s.operations", ps[i]->name);
        fn(name, ctx);
    }
}

static void need_schema(const ism_op *op, void *ctx)
{
    json_t *gen = find(op->name) ? NULL : provider_schema(op->name, true);
    if (!find(op->name) && !gen)
        json_array_append_new(ctx, json_sprintf("op %s has no schema", op->name));
    json_decref(gen);
}

/* Every "$ref" inside v must name a component. */
static void check_refs(const json_t *v, const json_t *comps, const char *where, json_t *p)
{
    static const char prefix[] = "#/components/schemas/";
    if (json_is_object(v)) {
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            if (!strcmp(k, "$ref") && json_is_string(e)) {
                const char *r = json_string_value(e);
                if (strncmp(r, prefix, sizeof prefix - 1) ||
                    !json_object_get(comps, r + sizeof prefix - 1))
                    json_array_append_new(p,
                                          json_sprintf("%s: $ref %s names no component", where, r));
            } else {
                check_refs(e, comps, where, p);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) check_refs(e, comps, where, p);
    }
}

bool ism_rpc_op_schemas_check(json_t **problems)
{
    json_t *p = json_array();
    ism_rpc_foreach_op(need_schema, p);
    json_t *comps = ism_rpc_schema_components();
    const char *name;
    json_t *c;
    json_object_foreach(comps, name, c) check_refs(c, comps, name, p);
    for (size_t i = 0; i < NCOMPONENTS; i++) {
        json_error_t e;
        json_t *s = json_loads(components[i][1], JSON_REJECT_DUPLICATES, &e);
        if (!s)
            json_array_append_new(p, json_sprintf("component %s: %s at column %d", components[i][0],
                                                  e.text, e.column));
        json_decref(s);
    }
    for (size_t i = 0; i < NSCHEMAS; i++) {
        const char *texts[2] = {schemas[i].params, schemas[i].result};
        for (int k = 0; k < 2; k++) {
            json_error_t e;
            json_t *s = json_loads(texts[k], JSON_REJECT_DUPLICATES, &e);
            if (!s)
                json_array_append_new(p, json_sprintf("%s %s: %s at column %d", schemas[i].op,
                                                      k ? "result" : "params", e.text, e.column));
            else if (!json_is_object(s))
                json_array_append_new(p, json_sprintf("%s %s: not a JSON object", schemas[i].op,
                                                      k ? "result" : "params"));
            else
                check_refs(s, comps, schemas[i].op, p);
            json_decref(s);
        }
        if (!ism_rpc_find_op(schemas[i].op))
            json_array_append_new(
                p, json_sprintf("schema for %s, which is no op of the table", schemas[i].op));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(schemas[i].op, schemas[j].op))
                json_array_append_new(p, json_sprintf("two schemas for %s", schemas[i].op));
    }
    json_decref(comps);
    *problems = p;
    return json_array_size(p) == 0;
}
