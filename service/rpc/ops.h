/* ops.h — handlers of the op table, grouped by file; internal to the rpc room. */
#ifndef ISMAP_RPC_OPS_H
#define ISMAP_RPC_OPS_H

#include "ismap/rpc.h"

#define OP(name)                                                                                   \
    bool name(ism_rpc_call *call, const json_t *params, json_t **result, ism_error *err)

/* Sections of the op table, each terminated by {NULL}. */
extern const ism_op ism_ops_core[];
extern const ism_op ism_ops_catalog[];
extern const ism_op ism_ops_snapshot[];
/* The collect section: "collect.providers" and, for each provider, "collect.<name>" and
 * "collect.<name>.operations" (built once, kept for the process). */
const ism_op *ism_ops_collect(void);
extern const ism_op ism_ops_evidence[];
extern const ism_op ism_ops_matrix[];
extern const ism_op ism_ops_eval[];
extern const ism_op ism_ops_benchmark[];
extern const ism_op ism_ops_engagement[];
/* ops_collector.c: collector.register/list/revoke (admin) and, for remote collectors' tokens
 * only, collector.claim/progress/upload. */
extern const ism_op ism_ops_collector[];

/* ops_core.c */
OP(op_ping);
OP(op_status);
OP(op_ops_list);
OP(op_jobs_list);
OP(op_jobs_show);
OP(op_jobs_cancel);
OP(op_jobs_submit);
OP(op_jobs_kinds);
OP(op_token_create);
OP(op_token_list);
OP(op_token_revoke);

/* ops_catalog.c */
OP(op_catalog_list);
OP(op_catalog_show);
OP(op_catalog_items);
OP(op_catalog_search);
OP(op_catalog_map);
OP(op_catalog_export);

/* ops_snapshot.c */
OP(op_snapshot_list);
OP(op_snapshot_show);
OP(op_snapshot_verify);
OP(op_snapshot_import);

/* reply_cache.c: serialized results kept in memory, named by what was asked (name) and tagged
 * with the digest of the inputs they were made from (key).
 * _get: the text made from `key` (its length in *len), shared: the caller lets go of it with
 * ops_reply_cache_release (never free), or NULL on a miss:
 * then the caller builds it and must call _put (or _abandon, on failure) with the same name and
 * key; meanwhile other callers asking for that name and key wait for it. */
char *ops_reply_cache_get(const char *name, const char *key, size_t *len);
void ops_reply_cache_put(const char *name, const char *key, const char *text, size_t len);
void ops_reply_cache_abandon(const char *name, const char *key);
void ops_reply_cache_release(char *text);
/* {hits, builds, waits, entries, bytes}: new reference. */
json_t *ops_reply_cache_stats(void);
/* Adds the in-memory matrix memo's counts to into (ops_matrix.c): matrix_builds (matrices
 * computed), matrix_memo_hits, matrix_memo_waits (callers that waited for another's build). */
void ops_matrix_memo_stats(json_t *into);

/* ops_matrix.c: the matrix of an assessment (materialized, with its provenance); *assess, when
 * given, receives the assessment row. New references, or NULL with err. */
json_t *ops_matrix_of(ism_rpc_call *call, const char *aid, const char *today, json_t **assess,
                      ism_error *err);
/* ops_engagement.c: who is calling, as recorded beside what they write: the token's name
 * ("local" for the local socket). Borrowed from call. */
const char *ops_caller_name(const ism_rpc_call *call);

/* The org a caller's request is scoped to: their token's, or "" (all) for local/admin-wide. */
const char *ops_org_scope(const ism_rpc_call *call);

#endif
