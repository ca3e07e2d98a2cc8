/* ops_collector.c — remote collectors, central side. An admin registers a collector (name,
 * network zone, the scopes it may collect, its snapshot signing public key) and hands its token
 * to the collector's host; the collector (ismapd --role collector) then claims the collection
 * jobs routed to its zone, reports progress (each report renews its lease), and uploads the
 * sealed, signed snapshot in chunks. The upload is registered only when the file's SHA-256 is
 * the one the collector sealed, the signature verifies with the key the collector was
 * registered with, and everything in it lies within the collector's scopes; otherwise nothing is
 * kept and the job fails with the reason. */
#include "ismap/provider.h"
#include "ismap/snapshot.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COLLECTOR ISM_ROLE_COLLECTOR
#define ADMIN ISM_ROLE_ADMIN
/* The largest snapshot a collector may upload. */
#define MAX_UPLOAD ((int64_t)1 << 36)

static int64_t now_ms(ism_rpc_app *app)
{
    if (app->collector_clock_ms) return app->collector_clock_ms(app->collector_clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t lease_ms(ism_rpc_app *app)
{
    return (int64_t)(app->collector_lease_s > 0 ? app->collector_lease_s
                                                : ISM_RPC_DEFAULT_COLLECTOR_LEASE_S) *
           1000;
}

void ism_rpc_collectors_sweep(ism_rpc_app *app)
{
    ism_error err = {0};
    if (!ism_store_collector_expire(app->store, now_ms(app), NULL, &err))
        ism_log(ISM_LOG_ERROR, "collector.sweep_failed", "%s", err.message);
    ism_error_clear(&err);
}

static void publish(ism_rpc_app *app, const char *topic, json_t *ev)
{
    if (app->server) ism_rpc_publish(app->server, topic, ev);
    ism_rpc_http_publish(__atomic_load_n(&app->http, __ATOMIC_ACQUIRE), topic, ev);
    json_decref(ev);
}

/* ---- registration (admin) ------------------------------------------------------------------ */

/* scopes: "*" (every provider, every scope) or [{provider, scopes: "*" | [ids]}]. */
static bool check_scopes(const json_t *scopes, ism_error *err)
{
    if (json_is_string(scopes) && !strcmp(json_string_value(scopes), "*")) return true;
    if (!json_is_array(scopes) || json_array_size(scopes) == 0 || json_array_size(scopes) > 64)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'scopes' must be \"*\" or an array of 1 to 64 "
                             "{provider, scopes} objects");
    size_t i;
    json_t *e;
    json_array_foreach(scopes, i, e)
    {
        const char *prov = ism_json_getstr(e, "provider");
        if (!json_is_object(e) || !prov || !ism_provider_find(prov))
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "scopes[%zu]: 'provider' must name a provider of "
                                 "collect.providers",
                                 i);
        const json_t *ids = json_object_get(e, "scopes");
        if (json_is_string(ids) && !strcmp(json_string_value(ids), "*")) continue;
        if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > 10000)
            return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                 "scopes[%zu].scopes must be \"*\" or an array of 1 to 10000 "
                                 "account/subscription/project/compartment ids",
                                 i);
        size_t k;
        json_t *id;
        json_array_foreach(ids, k, id)
        {
            if (!json_is_string(id) || !json_string_length(id) || json_string_length(id) > 256)
                return ism_error_set(err, ISM_E_INVALID_PARAMS,
                                     "scopes[%zu].scopes[%zu] must be a non-empty id", i, k);
        }
    }
    return true;
}

/* Collectors serve every organization (a zone's jobs, whoever queued them): only an admin of
 * every organization manages them. */
static bool all_org_admin(const ism_rpc_call *call, ism_error *err)
{
    if (!call->caller->org[0]) return true;
    return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                         "remote collectors serve every organization: only an admin of all "
                         "organizations (no org) manages them");
}

static json_t *public_row(json_t *row)
{
    json_object_del(row, "token_id");
    return row;
}

static OP(op_collector_register)
{
    const char *name, *zone, *pub;
    if (!all_org_admin(call, err)) return false;
    if (!ism_json_str(params, "name", true, &name, err) ||
        !ism_json_str(params, "zone", true, &zone, err) ||
        !ism_json_str(params, "public_key", true, &pub, err))
        return false;
    if (!name[0] || strlen(name) > 100)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'name' must be 1 to 100 characters");
    if (!ism_collect_zone_check(zone, err)) return false;
    if (!ism_signer_public_check(pub))
        return ism_error_set(
            err, ISM_E_INVALID_PARAMS,
            "field 'public_key' must be the collector's Ed25519 public key as "
            "base64 of its 32 raw bytes (ismapd --role collector --print-public-key)");
    const json_t *scopes = json_object_get(params, "scopes");
    if (!scopes)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'scopes' is required: \"*\" or [{provider, scopes}]");
    if (!check_scopes(scopes, err)) return false;
    char token[80];
    json_t *row = NULL;
    if (!ism_store_collector_register(call->app->store, name, zone, scopes, pub, token, &row, err))
        return false;
    ism_logj(ISM_LOG_INFO, "collector.registered",
             json_pack("{s:s, s:s, s:s}", "collector", ism_json_getstr(row, "id"), "name", name,
                       "zone", zone),
             "collector %s registered for zone %s", name, zone);
    *result = json_pack("{s:o, s:s}", "collector", public_row(row), "token", token);
    return true;
}

static OP(op_collector_list)
{
    (void)params;
    if (!all_org_admin(call, err)) return false;
    json_t *rows = ism_store_collector_list(call->app->store, err);
    if (!rows) return false;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) public_row(r);
    *result = rows;
    return true;
}

static OP(op_collector_revoke)
{
    const char *id;
    if (!all_org_admin(call, err) || !ism_json_str(params, "id", true, &id, err)) return false;
    if (!ism_store_collector_revoke(call->app->store, id, err)) return false;
    ism_logj(ISM_LOG_INFO, "collector.revoked", json_pack("{s:s}", "collector", id),
             "collector %s revoked", id);
    *result = json_pack("{s:s, s:b}", "id", id, "revoked", true);
    return true;
}

/* ---- the collector's own ops ------------------------------------------------------------- */

/* The calling collector (new reference) or NULL with PERMISSION_DENIED. */
static json_t *caller_collector(const ism_rpc_call *call, ism_error *err)
{
    if (!call->caller->token_id[0])
        return ism_error_set(err, ISM_E_PERMISSION_DENIED,
                             "collector ops need a collector's token"),
               NULL;
    return ism_store_collector_by_token(call->app->store, call->caller->token_id, err);
}

/* The ids a collector of `prov` may collect: NULL for all ("*"), else the array (borrowed);
 * *allowed false when the provider is not among its scopes. */
static const json_t *scope_ids(const json_t *collector, const char *prov, bool *allowed)
{
    const json_t *scopes = json_object_get(collector, "scopes");
    *allowed = false;
    if (json_is_string(scopes) && !strcmp(json_string_value(scopes), "*")) {
        *allowed = true;
        return NULL;
    }
    size_t i;
    json_t *e;
    json_array_foreach(scopes, i, e)
    {
        if (strcmp(ism_json_getstr(e, "provider") ? ism_json_getstr(e, "provider") : "", prov))
            continue;
        *allowed = true;
        const json_t *ids = json_object_get(e, "scopes");
        return json_is_array(ids) ? ids : NULL;
    }
    return NULL;
}

static bool in_ids(const json_t *ids, const char *id)
{
    size_t i;
    json_t *e;
    json_array_foreach(ids, i, e) if (!strcmp(json_string_value(e), id)) return true;
    return false;
}

/* The provider of a "collect.<name>" job, or NULL. */
static const ism_provider *job_provider(const json_t *job)
{
    const char *kind = ism_json_getstr(job, "kind");
    return kind && !strncmp(kind, "collect.", 8) ? ism_provider_find(kind + 8) : NULL;
}

/* May this collector take this job? Its provider must be among the collector's scopes, and a
 * job that names its scopes (the provider's "<scope noun>s" list param, e.g. subscriptions)
 * must name only ids the collector may collect. Jobs that do not name them (AWS: the account
 * of the credentials, or its organization) are checked when the snapshot is uploaded. */
static bool accept_job(const json_t *job, void *ctx)
{
    const json_t *collector = ctx;
    const ism_provider *p = job_provider(job);
    if (!p) return false;
    bool allowed;
    const json_t *ids = scope_ids(collector, p->name, &allowed);
    if (!allowed) return false;
    if (!ids) return true;
    char list[80];
    snprintf(list, sizeof list, "%ss", p->scope_noun);
    const json_t *named = json_object_get(json_object_get(job, "params"), list);
    size_t i;
    json_t *e;
    json_array_foreach(named, i, e) if (!json_is_string(e) ||
                                        !in_ids(ids, json_string_value(e))) return false;
    return true;
}

static OP(op_collector_claim)
{
    (void)params;
    ism_rpc_app *app = call->app;
    json_t *me = caller_collector(call, err);
    if (!me) return false;
    ism_rpc_collectors_sweep(app);
    json_t *job =
        ism_store_job_claim_zoned(app->store, ism_json_getstr(me, "zone"), accept_job, me, err);
    if (!job && err->code != ISM_OK) {
        json_decref(me);
        return false;
    }
    if (!job) {
        json_decref(me);
        *result = json_pack("{s:n}", "job");
        return true;
    }
    const char *jid = ism_json_getstr(job, "id");
    if (!ism_store_collector_lease(app->store, jid, ism_json_getstr(me, "id"), now_ms(app),
                                   lease_ms(app), err)) {
        /* Not leased, so not ours: back to the queue for the next claim. */
        ism_error e = {0};
        ism_store_job_finish(app->store, jid, NULL, "queued", NULL, NULL, &e);
        ism_error_clear(&e);
        json_decref(job);
        json_decref(me);
        return false;
    }
    json_t *p = json_deep_copy(json_object_get(job, "params"));
    json_object_del(p, "zone");
    char snap[80];
    snprintf(snap, sizeof snap, "snap_%s", !strncmp(jid, "job_", 4) ? jid + 4 : jid);
    ism_error e = {0};
    ism_store_job_progress(app->store, jid, NULL, 0, "claimed by a remote collector", NULL, 0, &e);
    ism_error_clear(&e);
    ism_logj(ISM_LOG_INFO, "collector.claimed",
             json_pack("{s:s, s:s, s:s}", "job", jid, "collector", ism_json_getstr(me, "name"),
                       "zone", ism_json_getstr(me, "zone")),
             "job %s claimed by collector %s", jid, ism_json_getstr(me, "name"));
    /* A chunk, base64-encoded in its request, must fit the message limit with room to spare. */
    int64_t room = (int64_t)app->max_msg / 4 * 3 - 4096;
    int chunk = room > (1 << 20) ? (1 << 20) : room < 1024 ? 1024 : (int)room;
    *result =
        json_pack("{s:{s:s, s:O, s:o, s:O, s:i}, s:s, s:i, s:i}", "job", "id", jid, "kind",
                  json_object_get(job, "kind"), "params", p, "org", json_object_get(job, "org"),
                  "attempts", (int)json_integer_value(json_object_get(job, "attempts")), "snapshot",
                  snap, "lease_s", (int)(lease_ms(app) / 1000), "max_chunk_bytes", chunk);
    json_decref(job);
    json_decref(me);
    return true;
}

/* The running job this collector holds, after renewing its lease; NULL with err otherwise. */
static json_t *held_job(ism_rpc_call *call, const json_t *me, const char *jid, ism_error *err)
{
    ism_rpc_app *app = call->app;
    if (!ism_store_collector_renew(app->store, jid, ism_json_getstr(me, "id"), now_ms(app),
                                   lease_ms(app), err))
        return NULL;
    return ism_store_job_get(app->store, jid, "", err);
}

/* Ends a collector's job: state, result or error, lease released, event published. */
static void end_job(ism_rpc_app *app, const json_t *job, const char *state, json_t *res,
                    json_t *error)
{
    const char *jid = ism_json_getstr(job, "id");
    ism_error e = {0};
    if (!ism_store_job_finish(app->store, jid, NULL, state, res, error, &e))
        ism_log(ISM_LOG_ERROR, "collector.finish_failed", "job %s: %s", jid, e.message);
    ism_error_clear(&e);
    ism_store_collector_release(app->store, jid, &e);
    ism_error_clear(&e);
    ism_logj(error ? ISM_LOG_WARN : ISM_LOG_INFO, "job.finished",
             json_pack("{s:s, s:s, s:s}", "job", jid, "kind", ism_json_getstr(job, "kind"), "state",
                       state),
             "job %s %s (remote collector)%s%s", jid, state, error ? ": " : "",
             error ? ism_json_getstr(error, "message") : "");
    publish(app, "job.finished",
            json_pack("{s:s, s:O, s:O, s:s, s:O?}", "job", jid, "kind",
                      json_object_get(job, "kind"), "org", json_object_get(job, "org"), "state",
                      state, "error", error));
}

static OP(op_collector_progress)
{
    ism_rpc_app *app = call->app;
    const char *jid, *msg = NULL;
    json_int_t done = 0, total = 0;
    if (!ism_json_str(params, "job", true, &jid, err) ||
        !ism_json_str(params, "message", false, &msg, err) ||
        !ism_json_int(params, "units_done", false, 0, INT32_MAX, &done, err) ||
        !ism_json_int(params, "units_total", false, 0, INT32_MAX, &total, err))
        return false;
    const json_t *fail = json_object_get(params, "error");
    if (fail && (!json_is_object(fail) || !ism_json_getstr(fail, "code") ||
                 !ism_json_getstr(fail, "message")))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'error' must be an object with 'code' and 'message'");
    json_t *me = caller_collector(call, err);
    if (!me) return false;
    ism_rpc_collectors_sweep(app);
    json_t *job = held_job(call, me, jid, err);
    if (!job) {
        json_decref(me);
        return false;
    }
    bool cancel = json_is_true(json_object_get(job, "cancel_requested"));
    if (fail) {
        /* The collector could not run the job (no credentials, stopped for a cancel): it ends
         * here with the collector's reason. */
        bool cancelled = cancel && !strcmp(ism_json_getstr(fail, "code"), "cancelled");
        json_t *e =
            json_pack("{s:s, s:s, s:s}", "code", ism_json_getstr(fail, "code"), "message",
                      ism_json_getstr(fail, "message"), "collector", ism_json_getstr(me, "name"));
        end_job(app, job, cancelled ? "cancelled" : "failed", NULL, e);
        json_decref(e);
        *result = json_pack("{s:b, s:b}", "cancel", cancel, "ended", true);
    } else {
        double f = total > 0 ? (double)done / (double)total * 0.99 : 0;
        char m[600];
        snprintf(m, sizeof m, "collector %s: %s", ism_json_getstr(me, "name"),
                 msg ? msg : "collecting");
        ism_error e = {0};
        ism_store_job_progress(app->store, jid, NULL, f, m, NULL, 0, &e);
        ism_error_clear(&e);
        publish(app, "job.progress",
                json_pack("{s:s, s:O, s:O, s:f, s:s}", "job", jid, "kind",
                          json_object_get(job, "kind"), "org", json_object_get(job, "org"),
                          "progress", f, "message", m));
        *result = json_pack("{s:b, s:b}", "cancel", cancel, "ended", false);
    }
    json_decref(job);
    json_decref(me);
    return true;
}

/* ---- upload ------------------------------------------------------------------------------ */

static bool decode_b64(const char *b64, unsigned char **out, size_t *len, ism_error *err)
{
    size_t n = strlen(b64);
    *out = malloc(n / 4 * 3 + 3);
    int dl = *out ? EVP_DecodeBlock(*out, (const unsigned char *)b64, (int)n) : -1;
    if (dl < 0 || n % 4) {
        free(*out);
        *out = NULL;
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "field 'data_base64' is not base64");
    }
    *len = (size_t)dl - (n && b64[n - 1] == '=') - (n > 1 && b64[n - 2] == '=');
    return true;
}

/* Appends a chunk at offset (which must be the bytes received so far: 0 starts over). */
static bool append_chunk(const char *path, int64_t offset, const unsigned char *data, size_t len,
                         ism_error *err)
{
    struct stat sb;
    int64_t have = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
    if (offset != 0 && offset != have) {
        ism_error_set(err, ISM_E_CONFLICT,
                      "chunk at offset %lld, but %lld bytes were received so far",
                      (long long)offset, (long long)have);
        ism_error_detail(err, json_pack("{s:I}", "received", (json_int_t)have));
        return false;
    }
    if (offset + (int64_t)len > MAX_UPLOAD)
        return ism_error_set(err, ISM_E_TOO_LARGE, "a snapshot upload may not exceed %lld bytes",
                             (long long)MAX_UPLOAD);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : O_APPEND), 0600);
    if (fd < 0) return ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return ism_error_set(err, ISM_E_IO, "cannot write %s: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok || ism_error_set(err, ISM_E_IO, "cannot sync %s: %s", path, strerror(errno));
}

/* Every account (scope id) the snapshot holds data or calls for is one the collector may
 * collect. */
static bool within_scopes(ism_snapshot *s, const json_t *ids, ism_error *err)
{
    if (!ids) return true;
    sqlite3_stmt *st = NULL;
    bool ok = true;
    if (sqlite3_prepare_v2(ism_snapshot_db(s),
                           "SELECT account FROM resources UNION SELECT account FROM coverage", -1,
                           &st, NULL) != SQLITE_OK)
        return ism_error_set(err, ISM_E_INVALID_DATA, "the upload is not a readable snapshot");
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(st, 0);
        if (a && !in_ids(ids, a))
            ok = ism_error_set(err, ISM_E_PERMISSION_DENIED,
                               "the snapshot holds data of %s, which is outside the scopes this "
                               "collector is registered for",
                               a);
    }
    sqlite3_finalize(st);
    return ok;
}

/* Checks the received file: hash, signature by the collector's registered key, manifest, and
 * scopes. False with the reason (ISM_E_INTEGRITY, or PERMISSION_DENIED for scopes). */
static bool verify_upload(const char *path, const char *snap_id, const ism_provider *p,
                          const json_t *me, const char *sha_claimed, const char *sig,
                          json_t **summary, ism_error *err)
{
    char sha[65];
    if (!ism_snapshot_file_sha256(path, sha, err)) return false;
    if (strcmp(sha, sha_claimed) != 0)
        return ism_error_set(err, ISM_E_INTEGRITY,
                             "the uploaded file's SHA-256 %s differs from the %s the collector "
                             "sealed: it was changed after sealing or in transit",
                             sha, sha_claimed);
    char *stmt = ism_snapshot_seal_statement(snap_id, p->name, sha);
    bool sig_ok =
        ism_signer_verify_public(ism_json_getstr(me, "public_key"), stmt, strlen(stmt), sig);
    free(stmt);
    if (!sig_ok)
        return ism_error_set(err, ISM_E_INTEGRITY,
                             "the seal's signature does not verify with the public key collector "
                             "'%s' was registered with",
                             ism_json_getstr(me, "name"));
    ism_snapshot *s = ism_snapshot_open(path, false, err);
    if (!s) {
        char m[sizeof err->message];
        ism_strlcpy(m, err->message, sizeof m);
        ism_error_clear(err);
        return ism_error_set(err, ISM_E_INTEGRITY, "the upload is not a snapshot: %s", m);
    }
    const char *state = ism_snapshot_manifest(s, "state");
    bool sealed = state && !strcmp(state, "sealed");
    const char *mid = ism_snapshot_manifest(s, "id");
    bool id_ok = mid && !strcmp(mid, snap_id);
    const char *mp = ism_snapshot_manifest(s, "provider");
    bool p_ok = mp && !strcmp(mp, p->name);
    bool ok = true;
    if (!sealed || !id_ok || !p_ok)
        ok = ism_error_set(err, ISM_E_INTEGRITY,
                           "the snapshot's manifest does not match the job (%s)",
                           !sealed  ? "not sealed"
                           : !id_ok ? "another snapshot id"
                                    : "another provider");
    bool allowed;
    const json_t *ids = scope_ids(me, p->name, &allowed);
    if (ok && !allowed)
        ok = ism_error_set(err, ISM_E_PERMISSION_DENIED, "collector '%s' is not registered for %s",
                           ism_json_getstr(me, "name"), p->name);
    if (ok) ok = within_scopes(s, ids, err);
    if (ok) *summary = ism_snapshot_summary(s);
    ism_snapshot_close(s);
    return ok;
}

static OP(op_collector_upload)
{
    ism_rpc_app *app = call->app;
    const char *jid, *b64 = NULL;
    json_int_t offset = 0;
    bool final = false;
    if (!ism_json_str(params, "job", true, &jid, err) ||
        !ism_json_str(params, "data_base64", false, &b64, err) ||
        !ism_json_int(params, "offset", false, 0, MAX_UPLOAD, &offset, err) ||
        !ism_json_bool(params, "final", false, &final, err))
        return false;
    const char *sha = NULL, *sig = NULL;
    const json_t *res = json_object_get(params, "result");
    if (!ism_json_str(params, "sha256", final, &sha, err) ||
        !ism_json_str(params, "signature", final, &sig, err))
        return false;
    if ((final || res) && !json_is_object(res))
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'result' (the collection's result) must be an object");
    json_t *me = caller_collector(call, err);
    if (!me) return false;
    json_t *job = held_job(call, me, jid, err);
    if (!job) {
        json_decref(me);
        return false;
    }
    const ism_provider *p = job_provider(job);
    char snap[80], part[4300], dest[4300];
    snprintf(snap, sizeof snap, "snap_%s", !strncmp(jid, "job_", 4) ? jid + 4 : jid);
    snprintf(part, sizeof part, "%s/%s.upload", app->snapshots_dir, snap);
    snprintf(dest, sizeof dest, "%s/%s.db", app->snapshots_dir, snap);
    bool ok = p != NULL || ism_error_set(err, ISM_E_INVALID_DATA, "job %s is no collection", jid);
    if (ok && b64) {
        unsigned char *data = NULL;
        size_t len = 0;
        ok = decode_b64(b64, &data, &len, err) &&
             append_chunk(part, (int64_t)offset, data, len, err);
        free(data);
    }
    struct stat sb;
    int64_t received = stat(part, &sb) == 0 ? (int64_t)sb.st_size : 0;
    if (!ok || !final) {
        if (ok) *result = json_pack("{s:s, s:I}", "job", jid, "received", (json_int_t)received);
        json_decref(job);
        json_decref(me);
        return ok;
    }
    json_t *summary = NULL;
    ok = verify_upload(part, snap, p, me, sha, sig, &summary, err);
    if (ok && access(dest, F_OK) == 0)
        ok = ism_error_set(err, ISM_E_CONFLICT, "snapshot %s already exists", snap);
    if (ok && rename(part, dest) != 0)
        ok =
            ism_error_set(err, ISM_E_IO, "cannot move the upload to %s: %s", dest, strerror(errno));
    json_t *scope = NULL;
    if (ok) {
        scope = json_deep_copy(json_object_get(job, "params"));
        json_object_del(scope, "external_id");
        json_object_set_new(scope, "collector", json_string(ism_json_getstr(me, "name")));
        ok = ism_snapshot_register(app->store, snap, p->name, dest, scope,
                                   ism_json_getstr(job, "org"), jid, err) &&
             ism_snapshot_record_seal_by(app->store, snap, sha, sig, summary,
                                         ism_json_getstr(me, "public_key"),
                                         ism_json_getstr(me, "id"), err);
        if (!ok) unlink(dest);
    }
    if (ok) {
        json_t *r = json_deep_copy(res);
        json_object_set_new(r, "snapshot", json_string(snap));
        json_object_set_new(r, "sha256", json_string(sha));
        json_object_set(r, "summary", summary);
        json_object_set_new(r, "collector",
                            json_pack("{s:O, s:O, s:O}", "id", json_object_get(me, "id"), "name",
                                      json_object_get(me, "name"), "zone",
                                      json_object_get(me, "zone")));
        end_job(app, job, "succeeded", r, NULL);
        json_decref(r);
        *result = ism_snapshot_get(app->store, snap, "", err);
        ok = *result != NULL;
    } else {
        /* Nothing of a refused upload is kept; the job fails with the reason. */
        unlink(part);
        ism_logj(ISM_LOG_WARN, "collector.upload_refused",
                 json_pack("{s:s, s:s, s:s}", "job", jid, "collector", ism_json_getstr(me, "name"),
                           "reason", err->message),
                 "upload of job %s from collector %s refused: %s", jid, ism_json_getstr(me, "name"),
                 err->message);
        json_t *e = ism_error_to_json(err);
        json_object_set_new(e, "collector", json_string(ism_json_getstr(me, "name")));
        end_job(app, job, "failed", NULL, e);
        json_decref(e);
    }
    json_decref(scope);
    json_decref(summary);
    json_decref(job);
    json_decref(me);
    return ok;
}

const ism_op ism_ops_collector[] = {
    {"collector.register", op_collector_register, ADMIN,
     "register a remote collector (params: name, zone, scopes, public_key); returns its token "
     "once"},
    {"collector.list", op_collector_list, ADMIN, "remote collectors (no secrets)"},
    {"collector.revoke", op_collector_revoke, ADMIN,
     "revoke a remote collector and its token (params: id); its jobs return to the queue"},
    {"collector.claim", op_collector_claim, COLLECTOR,
     "a remote collector takes the next collection job of its zone and scopes (or none)"},
    {"collector.progress", op_collector_progress, COLLECTOR,
     "a remote collector reports progress (renewing its lease) or ends its job with an error"},
    {"collector.upload", op_collector_upload, COLLECTOR,
     "a remote collector uploads its sealed, signed snapshot in chunks (params: job, offset, "
     "data_base64, final, sha256, signature, result)"},
    {NULL, NULL, 0, NULL},
};
