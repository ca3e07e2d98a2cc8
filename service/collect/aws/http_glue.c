/* http_glue.c — AWS plugged into the HTTP engine: a signer that signs every attempt afresh
 * (new timestamp from the engine's skew-corrected clock, possibly refreshed credentials) and a
 * classifier that knows AWS's throttling, transient and clock-skew error codes, whatever HTTP
 * status they come with. */
#include "aws_int.h"

#include <string.h>
#include <time.h>

static bool in(const char *code, const char *const *list)
{
    for (size_t i = 0; code && list[i]; i++)
        if (strcmp(code, list[i]) == 0) return true;
    return false;
}

bool ism_aws_is_throttle_code(const char *code)
{
    static const char *const codes[] = {"Throttling",
                                        "ThrottlingException",
                                        "ThrottledException",
                                        "RequestThrottledException",
                                        "TooManyRequestsException",
                                        "ProvisionedThroughputExceededException",
                                        "TransactionInProgressException",
                                        "RequestLimitExceeded",
                                        "BandwidthLimitExceeded",
                                        "LimitExceededException",
                                        "RequestThrottled",
                                        "SlowDown",
                                        "PriorRequestNotComplete",
                                        "EC2ThrottledException",
                                        NULL};
    return in(code, codes);
}

bool ism_aws_is_transient_code(const char *code)
{
    static const char *const codes[] = {"RequestTimeout",
                                        "RequestTimeoutException",
                                        "InternalError",
                                        "InternalFailure",
                                        "InternalServerError",
                                        "InternalServerErrorException",
                                        "InternalServiceError",
                                        "ServiceUnavailable",
                                        "ServiceUnavailableException",
                                        "IDPCommunicationError",
                                        NULL};
    return in(code, codes);
}

/* The SDKs' clock-skew codes. RequestTimeTooSkewed (S3), RequestExpired (EC2, query APIs) and
 * RequestInTheFuture always mean it; InvalidSignatureException (JSON APIs) and
 * SignatureDoesNotMatch (query APIs, S3) only when the message says the signature's time is out
 * of range ("Signature expired: ... is now earlier than ...", "Signature not yet current"),
 * since a wrong secret answers the same codes. */
bool ism_aws_is_clock_skew(const char *code, const char *message)
{
    static const char *const always[] = {"RequestTimeTooSkewed", "RequestExpired",
                                         "RequestInTheFuture", NULL};
    static const char *const if_said[] = {"InvalidSignatureException", "SignatureDoesNotMatch",
                                          NULL};
    if (in(code, always)) return true;
    if (!in(code, if_said) || !message) return false;
    return strstr(message, "Signature expired") || strstr(message, "Signature not yet current");
}

bool ism_aws_http_sign(ism_http_attempt *a, void *arg, ism_error *err)
{
    const ism_aws_signer *s = arg;
    ism_aws_credentials c = s->creds;
    if (s->provider && !s->provider(s->provider_arg, &c, err)) return false;
    ism_aws_sign_input in = {.method = a->method,
                             .url = a->url,
                             .headers = a->headers,
                             .body = a->body,
                             .body_len = a->body_len,
                             .creds = &c,
                             .region = s->region,
                             .service = s->service,
                             .when = (a->sign_time_s ? (time_t)a->sign_time_s : time(NULL)) +
                                     (time_t)s->clock_offset_s,
                             .flags = s->flags};
    ism_aws_signed out;
    if (!ism_aws_sigv4_sign(&in, &out, err)) return false;
    bool ok = true;
    for (size_t i = 0; ok && i < out.add.n; i++)
        ok = ism_http_headers_set(a->headers, out.add.v[i].name, out.add.v[i].value);
    ism_aws_signed_free(&out);
    return ok || ism_error_set(err, ISM_E_INTERNAL, "out of memory signing a request");
}

/* Which error shape to read: the answer itself says, whichever service sent it. */
static ism_aws_protocol sniff(const ism_http_result *res)
{
    if (ism_http_headers_get(res->headers, "x-amzn-ErrorType")) return ISM_AWS_REST_JSON;
    const char *b = res->body ? res->body : "";
    b += strspn(b, " \t\r\n");
    return *b == '{' ? ISM_AWS_JSON : ISM_AWS_REST_XML;
}

ism_http_class ism_aws_http_classify(const ism_http_result *res, ism_http_class dflt, void *arg)
{
    (void)arg;
    if (dflt == ISM_HTTP_OK || res->status == 0) return dflt;
    ism_aws_error_info info;
    if (!ism_aws_parse_error(sniff(res), res->status, res->headers, res->body, res->body_len,
                             &info))
        return dflt;
    if (ism_aws_is_throttle_code(info.code)) return ISM_HTTP_THROTTLED;
    if (ism_aws_is_transient_code(info.code)) return ISM_HTTP_SERVER_ERROR;
    if (ism_aws_is_clock_skew(info.code, info.message)) return ISM_HTTP_CLOCK_SKEW;
    return dflt;
}
