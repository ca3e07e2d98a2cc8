/* collector.c — ismapd --role collector: a collector inside another network zone. It serves no
 * API of its own. It connects to the central ismapd (tls+tcp://, optionally with a client
 * certificate), claims the collection jobs routed to its zone (collector.claim), runs each with
 * this host's own credentials through the provider interface into a local snapshot file, sealed
 * and signed with this host's key, reports progress (each report renews its lease on the job),
 * and uploads the sealed file in chunks (collector.upload). Credentials never leave this host;
 * only the sealed snapshot does.
 *
 * A job it is stopped in (SIGTERM) is left for its lease to end: the central then queues it
 * again, and this collector, claiming it again, resumes its local file. */
#include "collector.h"

#include "ismap/provider.h"
#include "ismap/rpc.h"
#include "ismap/snapshot.h"

#include <errno.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CALL_TIMEOUT_MS 60000
#define MAX_BACKOFF_S 60

typedef struct crun {
    const ism_daemon_collector_config *cfg;
    ism_rpc_client *cli;
    const char *job_id;
    int64_t last_sent_ms, heartbeat_ms;
    bool cancel, lost, stop;
    char message[512];
    int units_done, units_total;
} crun;

/* A stop signal is pending (blocked in every thread; consumed by wait_s). */
static bool stop_pending(void)
{
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, SIGTERM) || sigismember(&p, SIGINT);
}

/* Waits up to secs for a stop signal; true when one came. */
static bool wait_s(int secs)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    struct timespec ts = {secs, 0};
    int sig = sigtimedwait(&set, NULL, &ts);
    return sig == SIGTERM || sig == SIGINT;
}

/* Calls op; the result (new reference) or NULL with err: the reply's error (its code), or a
 * transport error (ISM_E_UNAVAILABLE / ISM_E_TIMEOUT). params is consumed. */
static json_t *call(crun *r, const char *op, json_t *params, ism_error *err)
{
    json_t *reply = NULL;
    bool sent = ism_rpc_client_call(r->cli, op, params, r->cfg->token, &reply, err);
    json_decref(params);
    if (!sent) return NULL;
    json_t *res = NULL;
    if (json_is_true(json_object_get(reply, "ok"))) {
        res = json_incref(json_object_get(reply, "result"));
    } else {
        json_t *e = json_object_get(reply, "error");
        ism_code code = ISM_E_INTERNAL;
        const char *cs = ism_json_getstr(e, "code");
        if (!cs || !ism_code_parse(cs, &code)) code = ISM_E_INTERNAL;
        ism_error_set(err, code, "%s: %s", op,
                      ism_json_getstr(e, "message") ? ism_json_getstr(e, "message") : "refused");
    }
    json_decref(reply);
    return res;
}

static bool transport_error(const ism_error *e)
{
    return e->code == ISM_E_UNAVAILABLE || e->code == ISM_E_TIMEOUT;
}

/* Reports progress (and so renews the lease); notes a cancel or a lost lease. */
static void send_progress(crun *r)
{
    ism_error err = {0};
    json_t *res = call(r, "collector.progress",
                       json_pack("{s:s, s:s, s:i, s:i}", "job", r->job_id, "message", r->message,
                                 "units_done", r->units_done, "units_total", r->units_total),
                       &err);
    r->last_sent_ms = ism_mono_ms();
    if (res) {
        if (json_is_true(json_object_get(res, "cancel")) && !r->cancel) {
            ism_log(ISM_LOG_INFO, "collector.cancel", "job %s was cancelled; stopping", r->job_id);
            r->cancel = true;
        }
    } else if (!transport_error(&err)) {
        ism_log(ISM_LOG_WARN, "collector.lease_lost", "job %s is no longer ours: %s", r->job_id,
                err.message);
        r->lost = true;
    } else {
        ism_log(ISM_LOG_WARN, "collector.progress_failed", "job %s: %s", r->job_id, err.message);
    }
    json_decref(res);
    ism_error_clear(&err);
}

static void on_progress(void *ctx, const ism_collect_progress *p)
{
    crun *r = ctx;
    ism_strlcpy(r->message, p->message ? p->message : "collecting", sizeof r->message);
    r->units_done = p->units_done;
    r->units_total = p->units_total;
    if (ism_mono_ms() - r->last_sent_ms >= 1000) send_progress(r);
}

static bool on_should_stop(void *ctx)
{
    crun *r = ctx;
    if (stop_pending()) r->stop = true;
    if (!r->stop && ism_mono_ms() - r->last_sent_ms >= r->heartbeat_ms) send_progress(r);
    return r->stop || r->cancel || r->lost;
}

/* Ends the job at the central with an error (the collector could not run it). */
static void report_failure(crun *r, const char *code, const char *message)
{
    ism_error err = {0};
    json_t *res = call(r, "collector.progress",
                       json_pack("{s:s, s:{s:s, s:s}}", "job", r->job_id, "error", "code", code,
                                 "message", message),
                       &err);
    if (!res)
        ism_log(ISM_LOG_WARN, "collector.report_failed", "job %s: could not report '%s': %s",
                r->job_id, message, err.message);
    json_decref(res);
    ism_error_clear(&err);
}

/* The job's params with this host's own settings applied. The central may not point this
 * host's collection at an endpoint or a file: those come from the host's own configuration. */
static json_t *local_params(const ism_daemon_collector_config *cfg, const ism_provider *p,
                            const json_t *job_params, ism_error *err)
{
    const json_t *mine = json_object_get(cfg->overrides, p->name);
    for (const ism_provider_param *pp = p->params; pp->name; pp++) {
        if (pp->kind != ISM_PPARAM_URL && pp->kind != ISM_PPARAM_PATH) continue;
        if (json_object_get(job_params, pp->name) && !json_object_get(mine, pp->name)) {
            ism_error_set(err, ISM_E_PERMISSION_DENIED,
                          "the job sets '%s', but a remote collector takes endpoints and files "
                          "only from its own configuration (collector.overrides.%s)",
                          pp->name, p->name);
            return NULL;
        }
    }
    json_t *out = json_deep_copy(job_params);
    if (json_is_object(mine)) json_object_update(out, (json_t *)mine);
    return out;
}

#ifdef ISM_COLLECTOR_TEST_HOOKS
/* Test builds only (tests/integration: ismapd-collector-test), never ismapd: simulate a
 * snapshot changed in transit, or one signed by a key the central does not know. */
static bool hook(const char *name)
{
    const char *v = getenv(name);
    return v && !strcmp(v, "1");
}
#endif

/* Uploads the sealed file in chunks, then the seal (hash, signature, result). The central's
 * answer (the registered snapshot, or why it refused it) is logged. */
static bool upload(crun *r, const char *path, const char *sha, const char *sig, json_t *result,
                   size_t chunk, ism_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return ism_error_set(err, ISM_E_IO, "cannot read %s: %s", path, strerror(errno));
    unsigned char *buf = malloc(chunk);
    char *b64 = malloc(4 * ((chunk + 2) / 3) + 1);
    long long offset = 0;
    bool ok = buf && b64;
    while (ok) {
        size_t n = fread(buf, 1, chunk, fp);
        if (n == 0) break;
#ifdef ISM_COLLECTOR_TEST_HOOKS
        if (offset == 0 && hook("ISMAP_TEST_CORRUPT_UPLOAD")) buf[n / 2] ^= 0x01;
#endif
        EVP_EncodeBlock((unsigned char *)b64, buf, (int)n);
        json_t *res = call(r, "collector.upload",
                           json_pack("{s:s, s:I, s:s}", "job", r->job_id, "offset",
                                     (json_int_t)offset, "data_base64", b64),
                           err);
        ok = res != NULL;
        json_decref(res);
        offset += (long long)n;
        if (ok && on_should_stop(r))
            ok = ism_error_set(err, ISM_E_INTERRUPTED, "stopped during the upload");
    }
    if (ok && ferror(fp)) ok = ism_error_set(err, ISM_E_IO, "cannot read %s", path);
    fclose(fp);
    free(buf);
    free(b64);
    if (!ok) return false;
    json_t *res = call(r, "collector.upload",
                       json_pack("{s:s, s:b, s:s, s:s, s:O}", "job", r->job_id, "final", true,
                                 "sha256", sha, "signature", sig, "result", result),
                       err);
    if (res)
        ism_logj(ISM_LOG_INFO, "collector.uploaded",
                 json_pack("{s:s, s:O, s:I}", "job", r->job_id, "snapshot",
                           json_object_get(res, "id"), "bytes", (json_int_t)offset),
                 "job %s: snapshot %s uploaded and accepted (%lld bytes)", r->job_id,
                 ism_json_getstr(res, "id"), offset);
    json_decref(res);
    return res != NULL;
}

static void run_job(crun *r, ism_signer *signer, const json_t *claim)
{
    const json_t *job = json_object_get(claim, "job");
    const char *kind = ism_json_getstr(job, "kind");
    const char *snap = ism_json_getstr(claim, "snapshot");
    const ism_provider *p =
        kind && !strncmp(kind, "collect.", 8) ? ism_provider_find(kind + 8) : NULL;
    json_int_t lease_s = json_integer_value(json_object_get(claim, "lease_s"));
    json_int_t chunk = json_integer_value(json_object_get(claim, "max_chunk_bytes"));
    r->heartbeat_ms = (lease_s > 3 ? lease_s : 3) * 1000 / 3;
    r->last_sent_ms = ism_mono_ms();
    r->cancel = r->lost = false;
    ism_strlcpy(r->message, "collecting", sizeof r->message);
    ism_logj(ISM_LOG_INFO, "collector.job",
             json_pack("{s:s, s:s?}", "job", r->job_id, "kind", kind), "job %s (%s) claimed",
             r->job_id, kind ? kind : "?");
    if (!p || !snap || strchr(snap, '/')) {
        report_failure(r, "invalid_params", "this collector does not know that kind of job");
        return;
    }
    ism_error err = {0};
    json_t *params = local_params(r->cfg, p, json_object_get(job, "params"), &err);
    if (!params) {
        report_failure(r, ism_code_name(err.code), err.message);
        ism_error_clear(&err);
        return;
    }
    char path[4400];
    snprintf(path, sizeof path, "%s/snapshots/%s.db", r->cfg->data_dir, snap);
    ism_collect_remote rc = {.job_id = r->job_id,
                             .snapshot_id = snap,
                             .path = path,
                             .signer = signer,
                             .progress = on_progress,
                             .should_stop = on_should_stop,
                             .ctx = r};
    send_progress(r);
    char *sig = NULL;
    json_t *result = r->lost ? NULL : ism_collect_run_sealed(p, params, &rc, &sig, &err);
    json_decref(params);
#ifdef ISM_COLLECTOR_TEST_HOOKS
    if (result && hook("ISMAP_TEST_FOREIGN_KEY")) {
        char kp[4400];
        snprintf(kp, sizeof kp, "%s/keys/foreign-test.pem", r->cfg->data_dir);
        ism_signer *foreign = ism_signer_load(kp, &err);
        char *stmt = ism_snapshot_seal_statement(snap, p->name, ism_json_getstr(result, "sha256"));
        char *fs = foreign ? ism_signer_sign(foreign, stmt, strlen(stmt), &err) : NULL;
        if (fs) {
            free(sig);
            sig = fs;
        }
        free(stmt);
        ism_signer_free(foreign);
        ism_error_clear(&err);
    }
#endif
    bool keep = false; /* the local file stays for a later claim to resume or upload */
    if (!result) {
        if (r->lost) {
            /* Someone else may have it now; nothing to report. */
        } else if (r->stop) {
            keep = true;
            ism_log(ISM_LOG_INFO, "collector.stopped",
                    "stopped in job %s; it returns to the queue when its lease ends", r->job_id);
        } else if (r->cancel) {
            report_failure(r, "cancelled", "cancelled while collecting");
        } else {
            ism_log(ISM_LOG_WARN, "collector.failed", "job %s: %s", r->job_id, err.message);
            report_failure(r, ism_code_name(err.code), err.message);
        }
    } else if (!upload(r, path, ism_json_getstr(result, "sha256"), sig, result,
                       chunk > 0 ? (size_t)chunk : (size_t)1 << 20, &err)) {
        keep = transport_error(&err) || err.code == ISM_E_INTERRUPTED;
        ism_log(ISM_LOG_ERROR, "collector.upload_failed", "job %s: %s%s", r->job_id, err.message,
                keep ? " (the sealed file is kept; the upload is retried when the job comes "
                       "back)"
                     : "");
        /* A refused upload already failed the job at the central; anything else ends it here
         * (a job that already ended answers conflict, which is logged and harmless). */
        if (!keep && err.code != ISM_E_INTEGRITY && err.code != ISM_E_CONFLICT)
            report_failure(r, ism_code_name(err.code), err.message);
    }
    if (!keep) {
        remove(path);
        char side[4500];
        snprintf(side, sizeof side, "%s-wal", path);
        remove(side);
        snprintf(side, sizeof side, "%s-shm", path);
        remove(side);
    }
    free(sig);
    json_decref(result);
    ism_error_clear(&err);
}

int ism_daemon_collector_print_key(const char *data_dir)
{
    ism_error err = {0};
    char keys[4200], path[4300];
    snprintf(keys, sizeof keys, "%s/keys", data_dir);
    snprintf(path, sizeof path, "%s/collector-signing.pem", keys);
    ism_signer *k = ism_mkdirs(keys, 0700, &err) ? ism_signer_load(path, &err) : NULL;
    char *pub = k ? ism_signer_public(k) : NULL;
    if (pub)
        printf("%s\n", pub);
    else
        fprintf(stderr, "ismapd: %s\n", err.message);
    free(pub);
    ism_signer_free(k);
    ism_error_clear(&err);
    return pub ? 0 : 1;
}

int ism_daemon_collector_run(const ism_daemon_collector_config *cfg)
{
    ism_error err = {0};
    char keys[4200], snaps[4200], path[4300];
    snprintf(keys, sizeof keys, "%s/keys", cfg->data_dir);
    snprintf(snaps, sizeof snaps, "%s/snapshots", cfg->data_dir);
    snprintf(path, sizeof path, "%s/collector-signing.pem", keys);
    ism_signer *signer = NULL;
    if (!ism_mkdirs(keys, 0700, &err) || !ism_mkdirs(snaps, 0700, &err) ||
        !(signer = ism_signer_load(path, &err))) {
        ism_log(ISM_LOG_ERROR, "collector.start_failed", "%s", err.message);
        ism_error_clear(&err);
        return 1;
    }
    char *pub = ism_signer_public(signer);
    ism_logj(ISM_LOG_INFO, "collector.ready",
             json_pack("{s:s, s:s, s:s}", "version", ISM_VERSION, "central", cfg->connect,
                       "public_key", pub ? pub : ""),
             "ismapd %s collector for %s ready", ISM_VERSION, cfg->connect);
    free(pub);
    crun r = {.cfg = cfg};
    int rc = 0, backoff = 1;
    bool stopping = false;
    while (!stopping && !stop_pending()) {
        if (!r.cli) {
            r.cli = ism_rpc_client_open_tls(cfg->connect, cfg->ca_file, cfg->cert_file,
                                            cfg->key_file, CALL_TIMEOUT_MS, &err);
            if (!r.cli) {
                ism_log(err.code == ISM_E_CONFIG ? ISM_LOG_ERROR : ISM_LOG_WARN,
                        "collector.connect_failed", "%s", err.message);
                if (err.code == ISM_E_CONFIG) {
                    rc = 2;
                    break;
                }
                ism_error_clear(&err);
                stopping = wait_s(backoff);
                backoff = backoff * 2 > MAX_BACKOFF_S ? MAX_BACKOFF_S : backoff * 2;
                continue;
            }
        }
        json_t *claim = call(&r, "collector.claim", NULL, &err);
        if (!claim) {
            if (err.code == ISM_E_UNAUTHENTICATED || err.code == ISM_E_PERMISSION_DENIED) {
                ism_log(ISM_LOG_ERROR, "collector.refused",
                        "the central service refuses this collector's token: %s", err.message);
                rc = 1;
                break;
            }
            ism_log(ISM_LOG_WARN, "collector.claim_failed", "%s", err.message);
            if (transport_error(&err)) {
                ism_rpc_client_close(r.cli);
                r.cli = NULL;
            }
            ism_error_clear(&err);
            stopping = wait_s(backoff);
            backoff = backoff * 2 > MAX_BACKOFF_S ? MAX_BACKOFF_S : backoff * 2;
            continue;
        }
        backoff = 1;
        const json_t *job = json_object_get(claim, "job");
        if (json_is_object(job)) {
            char jid[64];
            ism_strlcpy(jid, ism_json_getstr(job, "id") ? ism_json_getstr(job, "id") : "",
                        sizeof jid);
            r.job_id = jid;
            run_job(&r, signer, claim);
            r.job_id = NULL;
            stopping = r.stop;
        } else {
            stopping = wait_s(cfg->poll_s > 0 ? cfg->poll_s : 5);
        }
        json_decref(claim);
    }
    ism_log(ISM_LOG_INFO, "collector.stopped", "collector stopped");
    ism_rpc_client_close(r.cli);
    ism_signer_free(signer);
    ism_error_clear(&err);
    return rc;
}
