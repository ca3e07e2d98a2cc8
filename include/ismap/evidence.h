/* evidence.h — the evidence room: reading the files procurement officers and providers send
 * (questionnaires, ISMAP lists, certificates) and turning them into evidence.
 *
 * This header has one section per layer. Importers read every XLSX and CSV file through the
 * readers room (include/ismap/readers.h) and never touch libzip, libxml2 or iconv themselves. */
#ifndef ISMAP_EVIDENCE_H
#define ISMAP_EVIDENCE_H

#include "ismap/core.h"
#include "ismap/db.h"
#include "ismap/readers.h"

/* ==== Subjects and evidence items (service/evidence/items.c) ============================== *
 * A subject is what is assessed: a cloud service offered by a provider, or a customer workload.
 * Evidence attaches to a subject (the ISMAP cloud service list attaches to none). Every item
 * keeps its provenance (who imported it, when, from which file and its SHA-256) and validity
 * window; re-importing the same (subject, kind, key) adds a new version and keeps the old one
 * as superseded, so nothing already accepted is lost. */
struct ism_store;
struct ism_store_schema;
/* The evidence room's tables, for ism_store_open_with. */
const struct ism_store_schema *ism_evidence_schema(void);

/* Creates a subject from spec {kind: "service"|"workload", name, provider, service_name,
 * deployment_model: "IaaS"|"PaaS"|"SaaS", regions: [..], environment, accounts: [..], notes}.
 * Names are unique per org. Returns the stored subject (new reference) or NULL with err
 * (ISM_E_INVALID_PARAMS naming the field, ISM_E_CONFLICT for a duplicate name). */
json_t *ism_subject_create(struct ism_store *st, const char *org, const json_t *spec,
                           const char *who, ism_error *err);
/* Subjects of an org ("" = all), by name. */
json_t *ism_subject_list(struct ism_store *st, const char *org, ism_error *err);
/* By id or by name; NULL + ISM_E_NOT_FOUND. */
json_t *ism_subject_get(struct ism_store *st, const char *id_or_name, const char *org,
                        ism_error *err);

typedef struct ism_evidence_new {
    const char *subject;     /* subject id, or NULL for installation-wide evidence */
    const char *org;         /* owner org ("" for all) */
    const char *kind;        /* questionnaire, ismap-list, soc2, iso-cert, soa, caiq, file */
    const char *key;         /* distinguishes items of one kind (certificate no.); "" if one */
    const char *title;       /* for people */
    const char *source_name; /* the imported file's base name */
    const char *source_sha256;
    long long source_size;
    const char *imported_by; /* token id, or "local" */
    const char *valid_from;  /* ISO date or NULL */
    const char *valid_until; /* ISO date or NULL */
    const json_t *data;      /* the normalized content (borrowed) */
    const json_t *summary;   /* counts and flags for listings (borrowed, may be NULL) */
    const json_t *warnings;  /* array of {message, where...} (borrowed, may be NULL) */
    /* Optional: writes further rows in the same transaction (e.g. the ISMAP list's entries)
     * through db (the store's writer connection, borrowed for the call; portable SQL as db.h
     * says); returning false rolls the whole import back. */
    bool (*extra)(ism_db *db, const char *evidence_id, void *arg, ism_error *err);
    void *extra_arg;
} ism_evidence_new;

/* Stores an item atomically as the new current version of (subject, kind, key); the previous
 * current version becomes superseded. Returns the stored row (new reference). */
json_t *ism_evidence_add(struct ism_store *st, const ism_evidence_new *ev, ism_error *err);
/* Items of a subject (NULL subject: installation-wide ones), optionally one kind; superseded
 * versions only when asked. Rows without `data`. */
json_t *ism_evidence_list(struct ism_store *st, const char *subject, const char *kind,
                          bool with_superseded, const char *org, ism_error *err);
/* One item with its data; NULL + ISM_E_NOT_FOUND. */
json_t *ism_evidence_get(struct ism_store *st, const char *id, const char *org, ism_error *err);
/* The current items of one kind for a subject (NULL: installation-wide), with data. */
json_t *ism_evidence_current(struct ism_store *st, const char *subject, const char *kind,
                             const char *org, ism_error *err);

/* Copies a file into files_dir content-addressed by SHA-256 (files_dir/ab/abcdef...), at most
 * max bytes; the same content is stored once. The caller's file name is never used as a path. */
bool ism_evidence_store_file(const char *files_dir, const char *path, size_t max, char sha_out[65],
                             long long *size_out, ism_error *err);

/* ==== Importers (service/evidence/import_*.c) =============================================== *
 * One function per evidence kind, all with the same shape, listed in one table
 * (service/evidence/import.c). An importer parses and validates the whole input first and
 * stores nothing unless everything is valid: on failure it returns NULL with ISM_E_INVALID_DATA
 * and err->details listing every problem found ({file, sheet, row, column, field, value,
 * message}). On success it stores the item(s) with ism_evidence_add and returns
 * {evidence: <stored row>, warnings: [...], summary: {...}}. */
struct ism_catalog_set;

typedef struct ism_import_ctx {
    struct ism_store *store;
    struct ism_catalog_set *catalogs;
    const char *subject; /* subject id (resolved), NULL for installation-wide kinds */
    const char *org;     /* caller's org ("" for all) */
    const char *who;     /* token id or "local" */
    const char *name;    /* the file's base name as the user gave it (never used as a path) */
    const char *data;    /* the file's bytes (borrowed) */
    size_t len;
    const json_t *options; /* kind-specific options (borrowed; may be NULL) */
    const char *files_dir; /* where ism_evidence_store_file keeps originals */
    const char *today;     /* ISO date the rules use as "now" (tests pin it) */
} ism_import_ctx;

typedef json_t *(*ism_import_fn)(const ism_import_ctx *ctx, ism_error *err);

typedef struct ism_importer {
    const char *kind; /* questionnaire, ismap-list, soc2, iso-cert, soa, caiq, file */
    ism_import_fn fn;
    bool needs_subject; /* false: installation-wide (ismap-list) */
    const char *summary;
} ism_importer;

/* Imports are memory-bound (each reads at most ~64 MB); the functions in ism_importers[] (and
 * so ism_importer_find) run at most max_concurrent at once (default 2). A caller finding every
 * slot busy waits up to wait_ms (default 60000), then gets ISM_E_UNAVAILABLE saying so. The
 * ism_import_* functions below run without a slot. Thread-safe; 0 / negative: the defaults. */
#define ISM_IMPORT_SLOTS_DEFAULT 2
#define ISM_IMPORT_WAIT_MS_DEFAULT 60000L
void ism_import_set_limits(int max_concurrent, long wait_ms);
/* Takes a slot (waiting as above; false with ISM_E_UNAVAILABLE naming `kind`) and gives it
 * back: for a caller running ism_import_* directly under the same bound, and for tests. */
bool ism_import_slot_acquire(const char *kind, ism_error *err);
void ism_import_slot_release(void);

/* The importer for a kind, or NULL. */
const ism_importer *ism_importer_find(const char *kind);
/* Every importer, terminated by {NULL}. */
extern const ism_importer ism_importers[];

json_t *ism_import_questionnaire(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_ismap_list(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_soc2(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_iso_cert(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_soa(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_caiq(const ism_import_ctx *ctx, ism_error *err);
json_t *ism_import_file(const ism_import_ctx *ctx, ism_error *err);

/* ==== What the evidence says about requirements (service/evidence/support*.c) ============== *
 * For a subject on a date: per ISMAP item, the evidence that bears on it, through the
 * crosswalks (SOC 2 criteria → ISO 27001:2013 → ISMAP; SoA Annex A controls → ISMAP; ISO
 * 27017 CLD → ISMAP .P; questionnaire rows → their ISMAP numbers; CAIQ answers through the CCM
 * id where a mapping exists), with each piece's standing:
 * {"items": {"<ismap id>": [{"kind", "evidence": id, "source": "CC6.1"|"A.9.2.3"|"5-12"...,
 *   "standing": "supports"|"partial"|"against"|"expired"|"stale"|"not_evidence",
 *   "reason": "...", "valid_until": "...", "scope": "..."}]},
 *  "documents": [{evidence id, kind, standing, reason}]}  — new reference. */
json_t *ism_evidence_support(struct ism_store *st, struct ism_catalog_set *catalogs,
                             const char *subject, const char *org, const char *today,
                             ism_error *err);

/* ==== ISMAP list lookup and the procurement screening (service/evidence/screening*.c) ======= *
 * The screening answers a procurement officer's three questions about a subject: is the
 * service on the ISMAP / ISMAP-LIU cloud service list and still valid; which of the
 * questionnaire rows and of the 152 must-meet ISMAP items are unmet; and what the evidence says
 * about each. Verdicts: "met", "unmet", "alternative" (answered × or N/A with a measure or
 * reason to review), "no_evidence", and "not_required" (the service is listed and valid, so
 * rows from 3 on need no answer). Dates are ISO "YYYY-MM-DD"; `today` NULL or "" means today
 * in Japan (UTC+9). All functions are thread-safe. */

/* A provider or service name folded for matching the ISMAP list: width, case and spacing
 * folded, punctuation (・ , . - _ / ( )) removed, and its corporate form, wherever written,
 * moved to the end as " " + the form's Japanese name, so that spellings of one form agree and
 * different forms do not: 株式会社 = (株) = ㈱ = K.K. = Inc. = Co., Ltd. = Corp.; 合同会社 = (同)
 * = G.K. = LLC; 有限会社 = (有) = ㈲; 合資会社; 合名会社 ("はまなす合同会社" → "はまなす
 * 合同会社"). Compare keys with ism_ismap_name_match. Caller frees; NULL only when out of memory.
 */
char *ism_ismap_name_key(const char *name);
/* Whether two keys name the same company: the same name, and the same form or a form on at most
 * one side (people often leave 株式会社 out). 合同会社 and 株式会社, LLC and Inc. differ. */
bool ism_ismap_name_match(const char *a, const char *b);
/* The last day a registration is valid when its audit period ended on audit_end: 1 year 4
 * months from the next day, counted as Japanese law counts periods (2024-03-31 → 2025-07-31;
 * 2023-10-30 → 2025-02-28). False when audit_end is not a date. */
bool ism_ismap_valid_until(const char *audit_end, char out[11]);
/* Looks a service up on the current ISMAP list imports: {status: "listed" | "expired" |
 * "not_listed" | "no_list", list, reg_no, provider, service, valid_until, expired_on, basis,
 * regions, list_import: {evidence, source, imported_at, as_of}, similar: [entries of the same
 * service under another provider, or of the provider under other names], message}. New
 * reference; NULL with err only on store errors. */
json_t *ism_ismap_list_lookup(struct ism_store *st, const char *provider, const char *service,
                              const char *today, ism_error *err);

/* The screening of a subject (new reference): {subject, today, listing, questionnaire,
 * verdict: {decision, summary, must_meet: {total, met, unmet, alternative, no_evidence,
 * not_required}, rows: {...}}, rows: [{no, title, text, ismap_refs, answer, remarks, verdict,
 * reason, evidence: [...], items: [{id, title, verdict, reason, evidence: [...]}]}],
 * unmet: [...], customer_duties: [...], documents: [...], warnings: [...]}. */
json_t *ism_screening(struct ism_store *st, struct ism_catalog_set *catalogs, const char *subject,
                      const char *org, const char *today, ism_error *err);

/* The Japanese label a procurement officer reads for a code of the screening: verdicts (met →
 * 適合), decisions (unmet_requirements → 不適合あり), listing statuses, standings of evidence,
 * kinds of evidence and warning codes. An unknown code is returned as it is; NULL gives "".
 * Static storage. */
const char *ism_screening_label(const char *code);

/* The screening's exports (CSV, XLSX, JSON) live in the report room: include/ismap/report.h. */

#endif
