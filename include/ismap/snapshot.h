/* snapshot.h — the snapshot room: one SQLite file per collection (docs/snapshot-format.md),
 * written while collecting, then sealed: hashed (SHA-256) and signed (Ed25519) with the
 * installation's key, and never written again. Collectors write snapshots; the evaluator and
 * auditors read them. */
#ifndef ISMAP_SNAPSHOT_H
#define ISMAP_SNAPSHOT_H

#include "ismap/core.h"

#include <sqlite3.h>

#define ISM_SNAPSHOT_FORMAT 1

typedef struct ism_snapshot ism_snapshot;

/* Creates a new snapshot file at path (must not exist) for provider, with manifest id/scope
 * (scope borrowed). Caller closes. */
ism_snapshot *ism_snapshot_create(const char *path, const char *id, const char *provider,
                                  const json_t *scope, ism_error *err);
/* Opens an existing snapshot: read-write only while it is still collecting (to resume an
 * interrupted collection), read-only once sealed (writes then fail). */
ism_snapshot *ism_snapshot_open(const char *path, bool writable, ism_error *err);
void ism_snapshot_close(ism_snapshot *s);
/* The underlying connection, for queries (the evaluator runs check SQL on it). Borrowed. */
sqlite3 *ism_snapshot_db(ism_snapshot *s);
/* manifest value or NULL (borrowed until the next call on s). */
const char *ism_snapshot_manifest(ism_snapshot *s, const char *key);
bool ism_snapshot_set_manifest(ism_snapshot *s, const char *key, const char *value, ism_error *err);

/* Writes are grouped in transactions for speed; begin/commit around a batch. A collection that
 * dies loses at most the uncommitted batch and resumes from the coverage rows it committed. */
bool ism_snapshot_begin(ism_snapshot *s, ism_error *err);
bool ism_snapshot_commit(ism_snapshot *s, ism_error *err);

typedef struct ism_resource {
    const char *provider, *account, *region, *service, *type, *id, *arn;
    const json_t *data; /* borrowed */
} ism_resource;
/* Inserts or replaces (same provider/account/region/type/id) a resource. */
bool ism_snapshot_put_resource(ism_snapshot *s, const ism_resource *r, ism_error *err);

typedef struct ism_call {
    const char *provider, *account, *region, *service, *operation;
    const char *status; /* ok, denied, failed, throttled */
    int http_status, attempts;
    long latency_ms;
    const char *error_code, *error_message, *request_id, *started;
} ism_call;
bool ism_snapshot_put_call(ism_snapshot *s, const ism_call *c, ism_error *err);

/* Records what is known about one operation in one account/region; a later call for the same
 * key replaces it. state: complete, denied, failed, not_enabled, skipped. */
bool ism_snapshot_put_coverage(ism_snapshot *s, const char *provider, const char *account,
                               const char *region, const char *service, const char *operation,
                               const char *state, const char *reason, ism_error *err);
/* The coverage state recorded for a key, or NULL (malloc'd; caller frees). */
char *ism_snapshot_coverage(ism_snapshot *s, const char *account, const char *region,
                            const char *operation);

/* Seals: state → sealed, finished time, checkpoint, journal_mode=DELETE, closes the file and
 * returns its SHA-256 (hex, into sha_out[65]). s is freed. */
bool ism_snapshot_seal(ism_snapshot *s, char sha_out[65], ism_error *err);
/* SHA-256 of a file's bytes (hex). */
bool ism_snapshot_file_sha256(const char *path, char sha_out[65], ism_error *err);
/* Counts for listings: {resources, calls, coverage: {complete: n, denied: n, ...}}. */
json_t *ism_snapshot_summary(ism_snapshot *s);

/* ---- the installation's signing key ------------------------------------------------------ */
typedef struct ism_signer ism_signer;
/* Loads the Ed25519 key at path, creating it (mode 0600) when absent. */
ism_signer *ism_signer_load(const char *path, ism_error *err);
void ism_signer_free(ism_signer *k);
/* Base64 signature of msg into a malloc'd string. */
char *ism_signer_sign(ism_signer *k, const void *msg, size_t len, ism_error *err);
/* True when sig (base64) is a valid signature of msg by this key. */
bool ism_signer_verify(ism_signer *k, const void *msg, size_t len, const char *sig);
/* The public key as base64 of its raw 32 bytes (malloc'd), for auditors to check offline. */
char *ism_signer_public(ism_signer *k);
/* True when sig (base64) is a valid Ed25519 signature of msg by the public key public_b64 (base64
 * of its raw 32 bytes, as ism_signer_public gives): another installation's key, e.g. a remote
 * collector's. */
bool ism_signer_verify_public(const char *public_b64, const void *msg, size_t len, const char *sig);
/* True when public_b64 is the base64 of a raw 32-byte Ed25519 public key. */
bool ism_signer_public_check(const char *public_b64);

/* ---- the installation's registry of snapshots (in the store) ------------------------------ */
struct ism_store;
/* The registry's tables, for ism_store_open_with. */
const struct ism_store_schema *ism_snapshot_schema(void);

/* Registers a snapshot being collected: its file, provider, scope (borrowed), org, job. */
bool ism_snapshot_register(struct ism_store *st, const char *id, const char *provider,
                           const char *path, const json_t *scope, const char *org,
                           const char *job_id, ism_error *err);
/* Records the seal: file hash, signature of the seal statement, summary (borrowed). */
bool ism_snapshot_record_seal(struct ism_store *st, const char *id, const char *sha256,
                              const char *signature, const json_t *summary, ism_error *err);
/* The same for a snapshot sealed and signed elsewhere, by a remote collector: the signature is
 * by signer_public (base64 raw Ed25519 key), recorded with the collector's id, and verification
 * (ism_snapshot_verify) checks it against that key instead of the installation's. */
bool ism_snapshot_record_seal_by(struct ism_store *st, const char *id, const char *sha256,
                                 const char *signature, const json_t *summary,
                                 const char *signer_public, const char *collector, ism_error *err);
/* Marks a registered snapshot failed (collection could not finish) with a reason. */
bool ism_snapshot_record_failure(struct ism_store *st, const char *id, const char *reason,
                                 ism_error *err);
/* [{id, provider, state, path, sha256, created, sealed, org, job, summary}] newest first; org
 * "" for all. New reference. */
json_t *ism_snapshot_list(struct ism_store *st, const char *org, int limit, ism_error *err);
/* One row (with scope, signature and signed_by: {"installation": true} or {"collector": id,
 * "public_key": base64}), or NULL + ISM_E_NOT_FOUND. */
json_t *ism_snapshot_get(struct ism_store *st, const char *id, const char *org, ism_error *err);
/* The statement that is signed for a sealed snapshot: binds id, provider and file hash. */
char *ism_snapshot_seal_statement(const char *id, const char *provider, const char *sha256);
/* Re-hashes the file and checks the signature: {id, ok, file_sha256, recorded_sha256,
 * hash_matches, signature_valid, problem}. ok is true only when both hold. */
json_t *ism_snapshot_verify(struct ism_store *st, ism_signer *signer, const char *id,
                            const char *org, ism_error *err);
/* Verifies a registered snapshot (as ism_snapshot_verify) and only then opens it read-only:
 * what evaluation must use, so a changed file is never assessed. NULL with ISM_E_INTEGRITY
 * (the message says what failed) when it does not verify, ISM_E_NOT_FOUND when unknown in org.
 * When row_out is not NULL it receives the registry row (new reference) on success.
 * Caller closes the snapshot. */
ism_snapshot *ism_snapshot_open_verified(struct ism_store *st, ism_signer *signer, const char *id,
                                         const char *org, json_t **row_out, ism_error *err);

#endif
