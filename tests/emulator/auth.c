/* auth.c — who is calling: the service from the SigV4 credential scope, the signature checked
 * with ism_aws_sigv4_verify against the tenant's access keys and STS-issued temporary
 * credentials, and each protocol's own errors for missing, malformed, unknown, mismatched and
 * expired credentials; plus region rules (opt-in regions, SCP region locks) and AccessDenied. */
#include "dispatch_int.h"

#include <stdio.h>
#include <string.h>

static const char *const OPT_IN_REGIONS[] = {
    "af-south-1",     "ap-east-1",    "ap-south-2", "ap-southeast-3",
    "ap-southeast-4", "eu-central-2", "eu-south-1", "eu-south-2",
    "il-central-1",   "me-central-1", "me-south-1", "ca-west-1",
    "ap-southeast-5", NULL,
};

/* ---- the service ---------------------------------------------------------------------------- */
static bool scope_service(const char *auth, char *service, size_t sn, char *region, size_t rn)
{
    const char *cred = auth ? strstr(auth, "Credential=") : NULL;
    if (!cred) return false;
    char buf[512];
    size_t len = strcspn(cred + 11, ", ");
    if (len >= sizeof buf) return false;
    memcpy(buf, cred + 11, len);
    buf[len] = '\0';
    char *f[5], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(buf, "/", &save); t && n < 5; t = strtok_r(NULL, "/", &save))
        f[n++] = t;
    if (n != 5) return false;
    return ism_strlcpy(region, f[2], rn) && ism_strlcpy(service, f[3], sn);
}

static ism_aws_protocol guess_protocol(const emu_req *req)
{
    if (ism_http_headers_get(&req->headers, "x-amz-target")) return ISM_AWS_JSON;
    if (strstr(req->body ? req->body : "", "Version=2016-11-15")) return ISM_AWS_EC2;
    if (strstr(req->body ? req->body : "", "Action=")) return ISM_AWS_QUERY;
    return strcmp(req->method, "GET") == 0 ? ISM_AWS_REST_XML : ISM_AWS_JSON;
}

bool emu_identify(emu_ctx *c, ism_aws_protocol *guess)
{
    const char *auth = ism_http_headers_get(&c->req->headers, "authorization");
    char service[64] = "";
    *guess = guess_protocol(c->req);
    if (!auth) {
        emu_fail(c, 403,
                 *guess == ISM_AWS_REST_XML ? "AccessDenied"
                 : *guess == ISM_AWS_JSON   ? "MissingAuthenticationTokenException"
                                            : "MissingAuthenticationToken",
                 "Request is missing Authentication Token");
        return false;
    }
    if (!scope_service(auth, service, sizeof service, c->region, sizeof c->region)) {
        emu_fail(c, 400,
                 *guess == ISM_AWS_JSON ? "IncompleteSignatureException" : "IncompleteSignature",
                 "Authorization header requires 'Credential' parameter of the form "
                 "<key>/<YYYYMMDD>/<region>/<service>/aws4_request.");
        return false;
    }
    c->svc = emu_service_find(service);
    if (!c->svc) {
        emu_fail(c, 400, "UnrecognizedService",
                 "The emulator does not serve the service '%s' (credential scope)", service);
        return false;
    }
    return true;
}

/* ---- signatures ------------------------------------------------------------------------------ */
typedef struct lookup_arg {
    emu_principal who;
    bool expired;
    int64_t now_s;
} lookup_arg;

static bool lookup(const char *ak, const char *token, char *secret, size_t n, void *arg)
{
    lookup_arg *a = arg;
    if (strncmp(ak, "ASIA", 4) == 0) {
        const emu_creds *cr = emu_creds_find(ak, token, a->now_s, &a->expired);
        if (!cr) return false;
        a->who = cr->who;
        return ism_strlcpy(secret, cr->secret, n);
    }
    if (token && *token) return false; /* a session token with a long-term key */
    return emu_tenant_key(ak, secret, n, &a->who);
}

/* HTTP status of each verification failure, per protocol (query, EC2, JSON, REST-JSON, S3). */
static int auth_status(ism_aws_auth st, ism_aws_protocol p)
{
    static const int codes[][5] = {
        [ISM_AWS_AUTH_MISSING] = {403, 401, 403, 403, 403},
        [ISM_AWS_AUTH_INCOMPLETE] = {400, 401, 400, 403, 400},
        [ISM_AWS_AUTH_UNKNOWN_KEY] = {403, 401, 400, 403, 403},
        [ISM_AWS_AUTH_MISMATCH] = {403, 403, 400, 403, 403},
        [ISM_AWS_AUTH_SKEWED] = {403, 400, 400, 403, 403},
        [ISM_AWS_AUTH_PAYLOAD_MISMATCH] = {403, 403, 400, 403, 400},
    };
    int col = p == ISM_AWS_QUERY       ? 0
              : p == ISM_AWS_EC2       ? 1
              : p == ISM_AWS_JSON      ? 2
              : p == ISM_AWS_REST_JSON ? 3
                                       : 4;
    return st > ISM_AWS_AUTH_OK && st <= ISM_AWS_AUTH_PAYLOAD_MISMATCH ? codes[st][col] : 403;
}

static void expired(emu_ctx *c)
{
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
        emu_fail(c, 403, "ExpiredToken", "The security token included in the request is expired");
        break;
    case ISM_AWS_EC2:
        emu_fail(c, 400, "RequestExpired", "Request has expired.");
        break;
    case ISM_AWS_REST_XML:
        emu_fail(c, 400, "ExpiredToken", "The provided token has expired.");
        break;
    default:
        emu_fail(c, c->svc->proto == ISM_AWS_JSON ? 400 : 403, "ExpiredTokenException",
                 "The security token included in the request is expired");
    }
}

static bool s3_needs_sha(emu_ctx *c)
{
    if (c->svc->proto != ISM_AWS_REST_XML ||
        ism_http_headers_get(&c->req->headers, "x-amz-content-sha256"))
        return true;
    emu_fail(c, 400, "InvalidRequest",
             "Missing required header for this request: x-amz-content-sha256");
    return false;
}

bool emu_authenticate(emu_ctx *c)
{
    if (!s3_needs_sha(c)) return false;
    lookup_arg la = {.now_s = c->now_s};
    ism_aws_verify_input in = {
        .method = c->req->method,
        .target = c->req->target,
        .headers = &c->req->headers,
        .body = c->req->body,
        .body_len = c->req->body_len,
        .now = (time_t)c->now_s,
        .max_skew_s = g_cfg.max_skew_s,
        .lookup = lookup,
        .lookup_arg = &la,
        .protocol = c->svc->proto,
    };
    ism_aws_verify_result res;
    bool ok = ism_aws_sigv4_verify(&in, &res);
    if (!ok && la.expired)
        expired(c);
    else if (!ok)
        emu_fail(c, auth_status(res.status, c->svc->proto), res.code, "%s",
                 res.status == ISM_AWS_AUTH_UNKNOWN_KEY && c->svc->proto == ISM_AWS_REST_XML
                     ? "The AWS Access Key Id you provided does not exist in our records."
                     : res.message);
    ism_aws_verify_result_free(&res);
    if (!ok) return false;
    c->who = la.who;
    c->account = emu_account(c->who.account);
    if (!c->account) {
        emu_fail(c, 403, "InvalidClientTokenId", "The account of this key is not in the tenant.");
        return false;
    }
    return true;
}

/* ---- regions and AccessDenied ------------------------------------------------------------------
 */
json_t *emu_access_denied(emu_ctx *c, const char *why)
{
    const char *arn = c->who.arn[0] ? c->who.arn : "anonymous";
    switch (c->svc->proto) {
    case ISM_AWS_REST_XML:
        return emu_fail(c, 403, "AccessDenied", "Access Denied");
    case ISM_AWS_EC2:
        return emu_fail(c, 403, "UnauthorizedOperation",
                        "You are not authorized to perform this operation. User: %s is not "
                        "authorized to perform: %s:%s%s",
                        arn, c->svc->name, c->op->name, why);
    default:
        break;
    }
    int status = c->svc->proto == ISM_AWS_JSON ? 400 : 403;
    const char *code = c->svc->proto == ISM_AWS_QUERY ? "AccessDenied" : "AccessDeniedException";
    return emu_fail(c, status, code,
                    "User: %s is not authorized to perform: %s:%s on resource: *%s", arn,
                    c->svc->name, c->op->name, why);
}

static bool opt_in(const char *region)
{
    for (int i = 0; OPT_IN_REGIONS[i]; i++)
        if (strcmp(OPT_IN_REGIONS[i], region) == 0) return true;
    return false;
}

static void region_disabled(emu_ctx *c)
{
    static const char msg[] = "The security token included in the request is invalid.";
    switch (c->svc->proto) {
    case ISM_AWS_QUERY:
        emu_fail(c, 403, "InvalidClientTokenId", "%s", msg);
        break;
    case ISM_AWS_EC2:
        emu_fail(c, 401, "AuthFailure",
                 "AWS was not able to validate the provided access credentials");
        break;
    default:
        emu_fail(c, c->svc->proto == ISM_AWS_JSON ? 400 : 403, "UnrecognizedClientException", "%s",
                 msg);
    }
}

bool emu_region_allowed(emu_ctx *c)
{
    if (c->svc->global || c->svc->proto == ISM_AWS_REST_XML) return true;
    if (emu_account_has_region(c->account, c->region)) return true;
    if (opt_in(c->region)) {
        region_disabled(c);
        return false;
    }
    if (json_is_true(json_object_get(c->account, "scp_deny_other_regions"))) {
        emu_access_denied(c, " with an explicit deny in a service control policy");
        return false;
    }
    return true;
}
