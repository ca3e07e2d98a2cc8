/* render.c — serializes handler results (JSON objects keyed by the model's member names) into
 * each AWS wire protocol by walking the botocore output shape: query XML (IAM, STS: <member>
 * lists, resultWrapper, ResponseMetadata), EC2 XML (<item> lists, locationNames, requestId),
 * REST-XML (S3 payload roots, flattened lists), JSON 1.1 and REST-JSON (locationNames, epoch
 * timestamps). Members the model does not know are dropped, as AWS never sends them. Also
 * renders each protocol's error shape. */
#include "emu.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rctx {
    const emu_service *svc;
    sbuf *b;
    int ts_style;
    bool rest_json;
} rctx;

/* ---- time ---------------------------------------------------------------------------------- */
static const char *parse_zone(const char *p, int64_t *t)
{
    if (*p == 'Z' || *p == 'z') return p + 1;
    if (*p != '+' && *p != '-') return p;
    int sign = *p == '-' ? -1 : 1, hh = 0, mm = 0;
    if (sscanf(p + 1, "%2d:%2d", &hh, &mm) < 1 && sscanf(p + 1, "%2d%2d", &hh, &mm) < 1) return p;
    *t -= sign * (hh * 3600 + mm * 60);
    return p + strlen(p);
}

bool emu_parse_time(const json_t *v, int64_t *secs, int *ms)
{
    if (json_is_number(v)) {
        double d = json_number_value(v);
        *secs = (int64_t)d;
        *ms = (int)((d - (double)*secs) * 1000.0 + 0.5);
        return true;
    }
    const char *s = json_string_value(v);
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p && s) p = strptime(s, "%Y-%m-%d", &tm);
    if (!p) return false;
    int m = 0, digits = 0;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++, digits++)
            if (digits < 3) m = m * 10 + (*p - '0');
    for (int d = digits < 3 ? digits : 3; d < 3 && digits; d++)
        m *= 10;
    int64_t t = timegm(&tm);
    parse_zone(p, &t);
    *secs = t;
    *ms = m;
    return true;
}

void emu_format_time(int64_t secs, int ms, int style, char out[40])
{
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (style == EMU_TS_ISO_MS)
        snprintf(out, 40, "%s.%03dZ", base, ms);
    else if (style == EMU_TS_CSV)
        snprintf(out, 40, "%s+00:00", base);
    else
        snprintf(out, 40, "%sZ", base);
}

/* ---- scalars ------------------------------------------------------------------------------- */
static bool truthy(const json_t *v)
{
    if (json_is_boolean(v)) return json_is_true(v);
    const char *s = json_string_value(v);
    if (s) return strcmp(s, "true") == 0 || strcmp(s, "True") == 0;
    return json_is_number(v) && json_number_value(v) != 0;
}

static char *compact(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : emu_xstrdup("");
}

/* IAM returns policy documents URL-encoded. */
static void put_urlencoded(sbuf *b, const char *s)
{
    char *e = ism_aws_uri_encode(s, strlen(s), false);
    sb_xml(b, e ? e : s, strlen(e ? e : s));
    free(e);
}

static void put_int(sbuf *b, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    sb_put(b, buf, (size_t)n);
}

static void xml_text(rctx *r, const emu_cshape *sh, const json_t *v)
{
    bool policy = sh && sh->policy_doc;
    if (json_is_string(v)) {
        if (policy)
            put_urlencoded(r->b, json_string_value(v));
        else
            sb_xml(r->b, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        put_int(r->b, (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        sb_printf(r->b, "%g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        sb_puts(r->b, json_is_true(v) ? "true" : "false");
    } else if (v && !json_is_null(v)) {
        char *s = compact(v);
        if (policy)
            put_urlencoded(r->b, s);
        else
            sb_xml(r->b, s, strlen(s));
        free(s);
    }
}

static void xml_scalar(rctx *r, const emu_cshape *sh, const json_t *v)
{
    if (sh->type == SH_TIMESTAMP) {
        int64_t s;
        int ms;
        char buf[40];
        if (!emu_parse_time(v, &s, &ms)) return xml_text(r, sh, v);
        emu_format_time(s, ms, r->ts_style, buf);
        sb_puts(r->b, buf);
    } else if (sh->type == SH_BLOB && json_is_string(v)) {
        sb_b64(r->b, json_string_value(v), json_string_length(v));
    } else if (sh->type == SH_BOOL) {
        sb_puts(r->b, truthy(v) ? "true" : "false");
    } else {
        xml_text(r, sh, v);
    }
}

/* ---- XML ------------------------------------------------------------------------------------ */
static void tag_open(sbuf *b, const char *name)
{
    size_t n = strlen(name);
    sb_reserve(b, n + 2);
    b->p[b->len++] = '<';
    memcpy(b->p + b->len, name, n);
    b->len += n;
    b->p[b->len++] = '>';
    b->p[b->len] = '\0';
}

static void tag_close(sbuf *b, const char *name)
{
    size_t n = strlen(name);
    sb_reserve(b, n + 3);
    memcpy(b->p + b->len, "</", 2);
    memcpy(b->p + b->len + 2, name, n);
    b->len += n + 2;
    b->p[b->len++] = '>';
    b->p[b->len] = '\0';
}

static void xml_node(rctx *r, const emu_cshape *sh, const json_t *v, const char *elem);

static void xml_map_body(rctx *r, const emu_cshape *sh, const json_t *v, bool flat,
                         const char *elem)
{
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)v, k, val)
    {
        tag_open(r->b, flat ? elem : "entry");
        tag_open(r->b, sh->key_loc);
        sb_xml(r->b, k, strlen(k));
        tag_close(r->b, sh->key_loc);
        xml_node(r, sh->value, val, sh->value_loc);
        tag_close(r->b, flat ? elem : "entry");
    }
}

/* A structure member: flattened lists and maps repeat the element, the rest nest. */
static void xml_member(rctx *r, const emu_cshape *sh, const json_t *v, const char *elem)
{
    if (sh->flattened && sh->type == SH_LIST && json_is_array(v)) {
        const char *name = sh->item_loc ? sh->item_loc : elem;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) xml_node(r, sh->item, item, name);
        return;
    }
    if (sh->flattened && sh->type == SH_MAP && json_is_object(v))
        return xml_map_body(r, sh, v, true, elem);
    xml_node(r, sh, v, elem);
}

static void xml_members(rctx *r, const emu_cshape *sh, const json_t *v)
{
    if (!sh || !json_is_object(v)) return;
    for (size_t i = 0; i < sh->nmembers; i++) {
        const emu_cmember *m = &sh->members[i];
        json_t *mv = json_object_get(v, m->name);
        if (!mv || json_is_null(mv) || m->located) continue;
        xml_member(r, m->shape, mv, m->loc);
    }
}

static void xml_node(rctx *r, const emu_cshape *sh, const json_t *v, const char *elem)
{
    tag_open(r->b, elem);
    if (sh->type == SH_STRUCT) {
        xml_members(r, sh, v);
    } else if (sh->type == SH_LIST) {
        const char *name = sh->item_loc ? sh->item_loc : "member";
        size_t i;
        json_t *item;
        if (json_is_array(v)) json_array_foreach(v, i, item) xml_node(r, sh->item, item, name);
    } else if (sh->type == SH_MAP) {
        if (json_is_object(v)) xml_map_body(r, sh, v, false, elem);
    } else {
        xml_scalar(r, sh, v);
    }
    tag_close(r->b, elem);
}

static void render_query(emu_ctx *c, json_t *result, emu_resp *r)
{
    rctx x = {c->svc, &r->body, EMU_TS_ISO, false};
    const char *wrapper = NULL;
    const emu_cshape *out = emu_op_output(c->svc, c->op->name, &wrapper);
    sb_printf(&r->body, "<%sResponse xmlns=\"%s\">\n", c->op->name, c->svc->xmlns);
    if (out && wrapper) {
        sb_printf(&r->body, "  <%s>", wrapper);
        xml_members(&x, out, result);
        sb_printf(&r->body, "</%s>\n", wrapper);
    }
    sb_printf(&r->body,
              "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
              "</%sResponse>\n",
              c->request_id, c->op->name);
    r->ctype = "text/xml";
    emu_resp_header(r, "x-amzn-RequestId", c->request_id);
}

static void render_ec2(emu_ctx *c, json_t *result, emu_resp *r)
{
    rctx x = {c->svc, &r->body, EMU_TS_ISO_MS, false};
    sb_printf(&r->body,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"%s\">\n"
              "    <requestId>%s</requestId>\n    ",
              c->op->name, c->svc->xmlns, c->request_id);
    xml_members(&x, emu_op_output(c->svc, c->op->name, NULL), result);
    sb_printf(&r->body, "\n</%sResponse>", c->op->name);
    r->ctype = "text/xml;charset=UTF-8";
}

static void s3_headers(emu_resp *r, const char *request_id)
{
    char rid[17], host[80];
    snprintf(rid, sizeof rid, "%.16s", request_id);
    for (char *p = rid; *p; p++)
        *p = (char)toupper((unsigned char)(*p == '-' ? '0' : *p));
    snprintf(host, sizeof host, "emu/%s=", request_id);
    emu_resp_header(r, "x-amz-request-id", rid);
    emu_resp_header(r, "x-amz-id-2", host);
}

static const emu_cmember *member_named(const emu_cshape *sh, const char *name)
{
    for (size_t i = 0; sh && name && i < sh->nmembers; i++)
        if (strcmp(sh->members[i].name, name) == 0) return &sh->members[i];
    return NULL;
}

static void render_s3(emu_ctx *c, json_t *result, emu_resp *r)
{
    rctx x = {c->svc, &r->body, EMU_TS_ISO_MS, false};
    const emu_cshape *out = emu_op_output(c->svc, c->op->name, NULL);
    const emu_cmember *payload = member_named(out, out ? out->payload : NULL);
    const char *ns = c->svc->xmlns;
    sb_puts(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if (payload) {
        const char *root =
            strcmp(payload->loc, payload->name) != 0 ? payload->loc : payload->shape->name;
        sb_printf(&r->body, "<%s xmlns=\"%s\">", root, ns);
        xml_members(&x, payload->shape, json_object_get(result, payload->name));
        sb_printf(&r->body, "</%s>", root);
    } else {
        const char *root = c->op->xml_root;
        const emu_cmember *self = member_named(out, root);
        sb_printf(&r->body, "<%s xmlns=\"%s\">", root, ns);
        if (self) /* GetBucketLocation: the root element is the member itself */
            xml_text(&x, self->shape, json_object_get(result, root));
        else
            xml_members(&x, out, result);
        sb_printf(&r->body, "</%s>", root);
    }
    r->ctype = "application/xml";
    s3_headers(r, c->request_id);
}

/* ---- JSON ----------------------------------------------------------------------------------- */
static json_t *js_node(rctx *r, const emu_cshape *sh, const json_t *v);

static json_t *js_struct(rctx *r, const emu_cshape *sh, const json_t *v)
{
    if (!json_is_object(v)) return NULL;
    json_t *o = json_object();
    for (size_t i = 0; i < sh->nmembers; i++) {
        const emu_cmember *m = &sh->members[i];
        json_t *mv = json_object_get(v, m->name), *val;
        if (!mv || json_is_null(mv) || m->located) continue;
        if ((val = js_node(r, m->shape, mv)))
            json_object_set_new(o, r->rest_json ? m->loc : m->name, val);
    }
    return o;
}

static json_t *js_list(rctx *r, const emu_cshape *sh, const json_t *v)
{
    if (!json_is_array(v)) return NULL;
    json_t *a = json_array(), *item, *val;
    size_t i;
    json_array_foreach(v, i, item) if ((val = js_node(r, sh->item, item)))
        json_array_append_new(a, val);
    return a;
}

static json_t *js_map(rctx *r, const emu_cshape *sh, const json_t *v)
{
    if (!json_is_object(v)) return NULL;
    json_t *o = json_object(), *item, *val;
    const char *k;
    json_object_foreach((json_t *)v, k, item) if ((val = js_node(r, sh->value, item)))
        json_object_set_new(o, k, val);
    return o;
}

static json_t *js_time(const emu_cshape *sh, const json_t *v)
{
    int64_t s;
    int ms;
    if (!emu_parse_time(v, &s, &ms)) return json_deep_copy(v);
    if (sh->iso_ts) {
        char buf[40];
        emu_format_time(s, ms, EMU_TS_ISO_MS, buf);
        return json_string(buf);
    }
    return ms ? json_real((double)s + ms / 1000.0) : json_integer(s);
}

static json_t *js_blob(const json_t *v)
{
    sbuf b = {0};
    sb_b64(&b, json_string_value(v), json_string_length(v));
    json_t *s = json_string(b.p ? b.p : "");
    sb_free(&b);
    return s;
}

static json_t *js_scalar(const emu_cshape *sh, const json_t *v)
{
    switch (sh->type) {
    case SH_TIMESTAMP:
        return js_time(sh, v);
    case SH_BOOL:
        return json_boolean(truthy(v));
    case SH_INT:
        return json_is_string(v) ? json_integer(atoll(json_string_value(v)))
                                 : json_integer((json_int_t)json_number_value(v));
    case SH_FLOAT:
        return json_real(json_is_string(v) ? atof(json_string_value(v)) : json_number_value(v));
    case SH_BLOB:
        if (json_is_string(v)) return js_blob(v);
        break;
    default:
        break;
    }
    if (json_is_string(v)) return json_incref((json_t *)v);
    char *s =
        json_is_integer(v) ? ism_strdupf("%lld", (long long)json_integer_value(v)) : compact(v);
    json_t *out = json_string(s ? s : "");
    free(s);
    return out;
}

static json_t *js_node(rctx *r, const emu_cshape *sh, const json_t *v)
{
    switch (sh->type) {
    case SH_STRUCT:
        return js_struct(r, sh, v);
    case SH_LIST:
        return js_list(r, sh, v);
    case SH_MAP:
        return js_map(r, sh, v);
    default:
        return js_scalar(sh, v);
    }
}

static void render_json(emu_ctx *c, json_t *result, emu_resp *r, bool rest)
{
    rctx x = {c->svc, &r->body, EMU_TS_ISO, rest};
    const emu_cshape *out = emu_op_output(c->svc, c->op->name, NULL);
    json_t *doc = out ? js_struct(&x, out, result) : NULL;
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    sb_puts(&r->body, s ? s : "{}");
    free(s);
    json_decref(doc);
    r->ctype = rest ? "application/json" : "application/x-amz-json-1.1";
    emu_resp_header(r, "x-amzn-RequestId", c->request_id);
}

void emu_render_result(emu_ctx *c, json_t *result, emu_resp *r)
{
    r->status = 200;
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
        render_query(c, result, r);
        break;
    case ISM_AWS_EC2:
        render_ec2(c, result, r);
        break;
    case ISM_AWS_REST_XML:
        render_s3(c, result, r);
        break;
    case ISM_AWS_JSON:
        render_json(c, result, r, false);
        break;
    case ISM_AWS_REST_JSON:
        render_json(c, result, r, true);
        break;
    }
}

/* ---- errors -----------------------------------------------------------------------------------
 */
static void xml_el(sbuf *b, const char *name, const char *text)
{
    sb_printf(b, "<%s>", name);
    sb_xml(b, text, strlen(text));
    sb_printf(b, "</%s>", name);
}

static void error_json(bool rest, const char *code, const char *message, const char *rid,
                       emu_resp *r)
{
    json_t *o = json_pack("{s:s, s:s}", "__type", code, "message", message);
    char *s = json_dumps(o, JSON_COMPACT);
    sb_puts(&r->body, s);
    free(s);
    json_decref(o);
    r->ctype = rest ? "application/json" : "application/x-amz-json-1.1";
    emu_resp_header(r, "x-amzn-RequestId", rid);
    if (rest) emu_resp_header(r, "x-amzn-ErrorType", code);
}

static void error_s3(const char *code, const char *message, const char *rid, json_t *extra,
                     emu_resp *r)
{
    sb_puts(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    xml_el(&r->body, "Code", code);
    xml_el(&r->body, "Message", message);
    const char *k;
    json_t *v;
    json_object_foreach(extra, k, v) if (json_is_string(v))
        xml_el(&r->body, k, json_string_value(v));
    xml_el(&r->body, "RequestId", rid);
    sb_printf(&r->body, "<HostId>emu/%s=</HostId></Error>", rid);
    r->ctype = "application/xml";
    s3_headers(r, rid);
}

void emu_render_error(ism_aws_protocol p, const emu_service *svc, int status, const char *code,
                      const char *message, const char *rid, json_t *extra, emu_resp *r)
{
    sb_free(&r->body);
    r->status = status;
    if (p == ISM_AWS_QUERY) {
        sb_printf(&r->body, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    ",
                  svc ? svc->xmlns : "https://iam.amazonaws.com/doc/2010-05-08/",
                  status >= 500 ? "Receiver" : "Sender");
        xml_el(&r->body, "Code", code);
        sb_puts(&r->body, "\n    ");
        xml_el(&r->body, "Message", message);
        sb_printf(&r->body, "\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n", rid);
        r->ctype = "text/xml";
        emu_resp_header(r, "x-amzn-RequestId", rid);
    } else if (p == ISM_AWS_EC2) {
        sb_puts(&r->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
        xml_el(&r->body, "Code", code);
        xml_el(&r->body, "Message", message);
        sb_printf(&r->body, "</Error></Errors><RequestID>%s</RequestID></Response>", rid);
        r->ctype = "text/xml;charset=UTF-8";
    } else if (p == ISM_AWS_REST_XML) {
        error_s3(code, message, rid, extra, r);
    } else {
        error_json(p == ISM_AWS_REST_JSON, code, message, rid, r);
    }
}
