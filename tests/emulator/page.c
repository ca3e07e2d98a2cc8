/* page.c — generic pagination for every listed operation: slices the handler's full list to
 * one page (the smaller of the client's limit and --page-size, else AWS's default page) and sets
 * the protocol's token members (Marker + IsTruncated, NextToken, NextMarker + Truncated,
 * nextToken). Tokens are opaque to clients and bound to the operation that issued them. */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *token_encode(const emu_op *op, size_t offset)
{
    char raw[160];
    int n = snprintf(raw, sizeof raw, "awsemu:%s:%zu", op->name, offset);
    sbuf b = {0};
    sb_b64(&b, raw, (size_t)n);
    for (char *p = b.p; *p; p++) /* URL-safe: survives forms and query strings unencoded */
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    while (b.len && b.p[b.len - 1] == '=')
        b.p[--b.len] = '\0';
    return b.p;
}

static bool token_decode(const emu_op *op, const char *tok, size_t *offset)
{
    sbuf b = {0};
    char prefix[160];
    bool ok = emu_b64_decode(tok, &b) && b.p;
    int n = snprintf(prefix, sizeof prefix, "awsemu:%s:", op->name);
    ok = ok && strncmp(b.p, prefix, (size_t)n) == 0 && b.p[n] &&
         strspn(b.p + n, "0123456789") == strlen(b.p + n);
    if (ok) *offset = (size_t)strtoull(b.p + n, NULL, 10);
    sb_free(&b);
    return ok;
}

static bool bad_token(emu_ctx *c)
{
    static const char msg[] = "The pagination token is invalid.";
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
        emu_fail(c, 400, "ValidationError", "%s", msg);
        break;
    case ISM_AWS_EC2:
        emu_fail(c, 400, "InvalidParameterValue", "%s", msg);
        break;
    case ISM_AWS_REST_JSON:
        emu_fail(c, 400, "BadRequestException", "%s", msg);
        break;
    default:
        emu_fail(c, 400, "InvalidNextTokenException", "%s", msg);
        break;
    }
    return false;
}

static size_t page_size(const emu_ctx *c)
{
    long limit = emu_param_long(c, c->op->in_limit);
    long page = g_cfg.page_size > 0 ? g_cfg.page_size : c->op->default_page;
    if (limit > 0 && (page <= 0 || limit < page)) page = limit;
    return page > 0 ? (size_t)page : (size_t)-1;
}

bool emu_paginate(emu_ctx *c, json_t *result)
{
    const emu_op *op = c->op;
    json_t *list = json_object_get(result, op->list);
    if (!json_is_array(list)) return true;
    size_t total = json_array_size(list), off = 0;
    const char *tok = emu_param(c, op->in_token);
    if (tok && *tok && (!token_decode(op, tok, &off) || off > total)) return bad_token(c);
    size_t page = page_size(c);
    size_t end = total - off > page ? off + page : total;
    json_t *slice = json_array();
    for (size_t i = off; i < end; i++)
        json_array_append(slice, json_array_get(list, i));
    json_object_set_new(result, op->list, slice);
    if (end < total) {
        char *next = token_encode(op, end);
        json_object_set_new(result, op->out_token, json_string(next));
        free(next);
    }
    if (op->more) json_object_set_new(result, op->more, json_boolean(end < total));
    return true;
}
