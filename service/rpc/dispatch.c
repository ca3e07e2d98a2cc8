/* dispatch.c — one request in, one reply out: envelope, authentication, role, op call.
 * The nng server calls ism_rpc_handle; the HTTP gateway authenticates its own way (bearer header,
 * session cookie) and then calls ism_rpc_call_op: both go through the one op table and role check.
 */
#include "ismap/rpc.h"

#include <stdlib.h>
#include <string.h>

static char *reply_text(json_t *id, bool ok, json_t *payload)
{
    json_t *r = json_object();
    json_object_set(r, "id", id ? id : json_null());
    json_object_set_new(r, "ok", json_boolean(ok));
    json_object_set_new(r, ok ? "result" : "error", payload ? payload : json_null());
    char *text = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(r);
    return text;
}

/* The envelope's head before a result already serialized (ism_rpc_call.result_text):
 * {"id":<id>,"ok":true,"result": — the result's bytes and "}" follow it as they are, never
 * parsed again. */
static char *reply_head(json_t *id)
{
    char *idt = json_dumps(id ? id : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
    char *head = idt ? ism_strdupf("{\"id\":%s,\"ok\":true,\"result\":", idt) : NULL;
    free(idt);
    return head;
}

static char *error_reply(json_t *id, ism_error *err)
{
    char *t = reply_text(id, false, ism_error_to_json(err));
    ism_error_clear(err);
    return t;
}

bool ism_rpc_authenticate(ism_rpc_app *app, bool local, const char *token, ism_rpc_caller *who,
                          ism_error *err)
{
    memset(who, 0, sizeof *who);
    if (local && !token) {
        who->local = true;
        who->role = ISM_ROLE_ADMIN;
        return true;
    }
    if (!token)
        return ism_error_set(err, ISM_E_UNAUTHENTICATED,
                             "this endpoint needs an API token (envelope field 'token')");
    ism_token_info info;
    if (!ism_store_token_verify(app->store, token, &info, err)) return false;
    who->local = local;
    who->role = info.role;
    ism_strlcpy(who->org, info.org, sizeof who->org);
    ism_strlcpy(who->token_id, info.id, sizeof who->token_id);
    ism_strlcpy(who->name, info.name, sizeof who->name);
    return true;
}

void ism_rpc_text_release(ism_rpc_text *t)
{
    if (!t || !t->text) return;
    if (t->release)
        t->release(t->text);
    else
        free(t->text);
    t->text = NULL;
    t->release = NULL;
}

bool ism_rpc_call_op(ism_rpc_app *app, const ism_rpc_caller *who, const char *opname,
                     const json_t *params, json_t **result, ism_rpc_text *result_text,
                     ism_error *err)
{
    *result = NULL;
    if (result_text) *result_text = (ism_rpc_text){0};
    const ism_op *op = ism_rpc_find_op(opname);
    if (!op) return ism_error_set(err, ISM_E_UNKNOWN_OP, "no op named '%s'", opname);
    if (!((op->roles | ISM_ROLE_ADMIN) & (int)who->role)) {
        ism_logj(ISM_LOG_WARN, "rpc.denied",
                 json_pack("{s:s, s:s, s:s}", "op", opname, "token", who->token_id, "role",
                           ism_role_name(who->role)),
                 "permission denied");
        return ism_error_set(err, ISM_E_PERMISSION_DENIED, "role '%s' may not call '%s'",
                             ism_role_name(who->role), opname);
    }
    json_t *own = json_is_object(params) ? NULL : json_object();
    ism_rpc_call call = {app, who, NULL, NULL, op};
    bool ok = op->fn(&call, own ? own : params, result, err);
    json_decref(own);
    ism_rpc_text kept = {call.result_text, call.result_release};
    if (!ok) {
        if (err->code == ISM_OK) ism_error_set(err, ISM_E_INTERNAL, "op failed without a reason");
        json_decref(*result);
        *result = NULL;
        ism_rpc_text_release(&kept);
        return false;
    }
    if (kept.text) {
        /* The op handed its result already serialized (a kept reply). */
        json_decref(*result);
        *result = NULL;
        if (result_text) {
            *result_text = kept;
            return true;
        }
        json_error_t jerr;
        *result = json_loads(kept.text, JSON_DECODE_ANY, &jerr);
        ism_rpc_text_release(&kept);
        if (!*result)
            return ism_error_set(err, ISM_E_INTERNAL, "op '%s' kept an unreadable reply: %s",
                                 opname, jerr.text);
        return true;
    }
    if (!*result) *result = json_null();
    return true;
}

int ism_rpc_http_status(ism_code code)
{
    switch (code) {
    case ISM_OK:
        return 200;
    case ISM_E_BAD_REQUEST:
    case ISM_E_INVALID_PARAMS:
    case ISM_E_INVALID_DATA:
        return 400;
    case ISM_E_UNAUTHENTICATED:
        return 401;
    case ISM_E_PERMISSION_DENIED:
        return 403;
    case ISM_E_UNKNOWN_OP:
    case ISM_E_NOT_FOUND:
        return 404;
    case ISM_E_CONFLICT:
        return 409;
    case ISM_E_TOO_LARGE:
        return 413;
    case ISM_E_RATE_LIMITED:
        return 429;
    case ISM_E_UNAVAILABLE:
        return 503;
    case ISM_E_TIMEOUT:
        return 504;
    default:
        return 500;
    }
}

char *ism_rpc_handle(ism_rpc_app *app, const char *msg, size_t len, bool local)
{
    return ism_rpc_handle_auth(app, msg, len, local, NULL);
}

char *ism_rpc_handle_auth(ism_rpc_app *app, const char *msg, size_t len, bool local,
                          bool *authenticated)
{
    ism_rpc_reply r;
    ism_rpc_handle_parts(app, msg, len, local, authenticated, &r);
    char *out = r.head;
    if (r.head && r.body) {
        /* head is the envelope's head here; join the three. */
        size_t nh = strlen(r.head), nb = strlen(r.body), nt = strlen(r.tail);
        out = malloc(nh + nb + nt + 1);
        if (out) {
            memcpy(out, r.head, nh);
            memcpy(out + nh, r.body, nb);
            memcpy(out + nh + nb, r.tail, nt + 1);
        }
        free(r.head);
    }
    r.head = NULL;
    ism_rpc_reply_release(&r);
    return out;
}

void ism_rpc_reply_release(ism_rpc_reply *r)
{
    if (!r) return;
    free(r->head);
    ism_rpc_text body = {r->body, r->body_release};
    ism_rpc_text_release(&body);
    *r = (ism_rpc_reply){NULL, NULL, NULL, ""};
}

void ism_rpc_handle_parts(ism_rpc_app *app, const char *msg, size_t len, bool local,
                          bool *authenticated, ism_rpc_reply *reply)
{
    *reply = (ism_rpc_reply){NULL, NULL, NULL, ""};
    ism_error err = {0};
    if (authenticated) *authenticated = false;
    int64_t t0 = ism_mono_ms();
    if (len > app->max_msg) {
        ism_error_set(&err, ISM_E_TOO_LARGE, "request of %zu bytes exceeds the limit of %zu", len,
                      app->max_msg);
        ism_error_detail(&err, json_pack("{s:I, s:I}", "size", (json_int_t)len, "limit",
                                         (json_int_t)app->max_msg));
        reply->head = error_reply(NULL, &err);
        return;
    }
    json_error_t jerr;
    json_t *req = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req) {
        ism_error_set(&err, ISM_E_BAD_REQUEST, "request is not valid JSON: %s", jerr.text);
        ism_error_detail(&err, json_pack("{s:i, s:i, s:i}", "line", jerr.line, "column",
                                         jerr.column, "position", jerr.position));
        reply->head = error_reply(NULL, &err);
        return;
    }
    json_t *id = json_object_get(req, "id");
    if (id && !json_is_string(id) && !json_is_integer(id)) id = NULL;
    char *out = NULL;
    const char *opname = NULL;
    json_t *params = NULL;
    if (!json_is_object(req)) {
        ism_error_set(&err, ISM_E_BAD_REQUEST, "request must be a JSON object");
        goto done;
    }
    json_t *v = json_object_get(req, "op");
    if (!json_is_string(v)) {
        ism_error_set(&err, ISM_E_BAD_REQUEST, "envelope field 'op' must be a string");
        ism_error_detail(&err, json_pack("{s:s}", "field", "op"));
        goto done;
    }
    opname = json_string_value(v);
    v = json_object_get(req, "token");
    if (v && !json_is_string(v) && !json_is_null(v)) {
        ism_error_set(&err, ISM_E_BAD_REQUEST, "envelope field 'token' must be a string");
        ism_error_detail(&err, json_pack("{s:s}", "field", "token"));
        goto done;
    }
    params = json_object_get(req, "params");
    if (params && !json_is_object(params) && !json_is_null(params)) {
        ism_error_set(&err, ISM_E_INVALID_PARAMS, "envelope field 'params' must be an object");
        ism_error_detail(&err, json_pack("{s:s}", "field", "params"));
        goto done;
    }
    params = json_is_object(params) ? json_incref(params) : json_object();
    /* An unknown op is told before the token is checked (as before the HTTP gateway). */
    if (!ism_rpc_find_op(opname)) {
        ism_error_set(&err, ISM_E_UNKNOWN_OP, "no op named '%s'", opname);
        goto done;
    }
    ism_rpc_caller who;
    if (!ism_rpc_authenticate(app, local, ism_json_getstr(req, "token"), &who, &err)) {
        ism_logj(ISM_LOG_WARN, "rpc.unauthenticated", json_pack("{s:s}", "op", opname), "%s",
                 err.message);
        goto done;
    }
    if (authenticated) *authenticated = true;
    json_t *result = NULL;
    ism_rpc_text text = {0};
    if (ism_rpc_call_op(app, &who, opname, params, &result, &text, &err)) {
        if (!text.text) {
            out = reply_text(id, true, result);
        } else if (!(out = reply_head(id))) {
            ism_error_set(&err, ISM_E_INTERNAL, "cannot serialize the reply");
        } else {
            /* The kept result goes out as it is, after the head (see ism_rpc_reply). */
            reply->body = text.text;
            reply->body_release = text.release;
            reply->tail = "}";
            text = (ism_rpc_text){0};
        }
    }
    ism_rpc_text_release(&text);
done:
    if (!out) {
        ism_logj(ISM_LOG_DEBUG, "rpc.error",
                 json_pack("{s:s?, s:s, s:I}", "op", opname, "code", ism_code_name(err.code), "ms",
                           (json_int_t)(ism_mono_ms() - t0)),
                 "%s", err.message);
        out = error_reply(id, &err);
    }
    json_decref(params);
    json_decref(req);
    reply->head = out;
}
