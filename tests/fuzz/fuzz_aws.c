/* fuzz_aws.c — libFuzzer target for the AWS answer parsers (include/ismap/aws.h): a body parsed
 * as a successful answer (ism_aws_parse_response, so ism_aws_xml_to_json for the XML
 * protocols), its next-page token read in every paging style, and the same body parsed as an
 * error answer. Built twice: -DFZ_AWS_XML=1 (query, EC2 and REST-XML protocols) and
 * -DFZ_AWS_XML=0 (JSON and REST-JSON). The first input byte picks the protocol and the status. */
#include "fuzz_common.h"

#include "ismap/aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FZ_AWS_XML
#error "build with -DFZ_AWS_XML=1 or 0"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void must(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: broken promise: %s\n", what);
        abort();
    }
}

static void pages(const json_t *v)
{
    static const ism_aws_paging styles[] = {ISM_AWS_PAGE_MARKER, ISM_AWS_PAGE_NEXT_TOKEN,
                                            ISM_AWS_PAGE_NEXT_MARKER, ISM_AWS_PAGE_CONTINUATION};
    /* The page result is the root's value for XML answers, the object itself for JSON. */
    const json_t *res = v;
    if (FZ_AWS_XML && json_is_object(v) && json_object_size(v) > 0)
        res = json_object_iter_value(json_object_iter((json_t *)v));
    for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++) {
        char *token = NULL;
        ism_error e = {0};
        bool ok = ism_aws_page_next(res, styles[i], &token, &e);
        must(ok || (token == NULL && e.message[0]), "page_next fails with a message, no token");
        free(token);
        ism_error_clear(&e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static bool init;
    if (!init) fz_quiet(), init = true;
#if FZ_AWS_XML
    static const ism_aws_protocol protos[] = {ISM_AWS_QUERY, ISM_AWS_EC2, ISM_AWS_REST_XML};
#else
    static const ism_aws_protocol protos[] = {ISM_AWS_JSON, ISM_AWS_REST_JSON};
#endif
    static const long statuses[] = {400, 403, 404, 500, 503, 200, 301, 429};
    uint8_t sel = len ? data[0] : 0;
    if (len) data++, len--;
    ism_aws_protocol p = protos[sel % (sizeof protos / sizeof protos[0])];
    const char *body = (const char *)data;

    static const char *const lists[] = {"Contents", "CommonPrefixes", NULL};
    ism_error e = {0};
    json_t *v = ism_aws_parse_response(p, body, len, (sel & 0x40) ? lists : NULL, &e);
    must(v || e.message[0], "parse_response fails with a message");
    if (v) pages(v);
    json_decref(v);
    ism_error_clear(&e);

    ism_http_headers h = {0};
    if (sel & 0x80) {
        ism_http_headers_add(&h, "x-amzn-RequestId", "fuzz-request");
        ism_http_headers_add(&h, "x-amzn-ErrorType", "Throttling:http://internal.amazon.com/");
    }
    ism_aws_error_info info;
    memset(&info, 0x55, sizeof info); /* the parser must write every field it promises */
    bool found = ism_aws_parse_error(p, statuses[(sel >> 3) & 7], &h, body, len, &info);
    must(memchr(info.code, 0, sizeof info.code) && memchr(info.message, 0, sizeof info.message) &&
             memchr(info.request_id, 0, sizeof info.request_id),
         "error fields are terminated");
    must(!found || info.code[0], "a found error has a code");
    (void)ism_aws_is_throttle_code(info.code);
    ism_http_headers_clear(&h);
    return 0;
}
