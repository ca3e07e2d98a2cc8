/* http_policy.c — which URLs the engine may call: https anywhere, plain http only to a loopback
 * endpoint the operator configured, since SigV4 headers and bearer tokens must never cross a
 * network in clear. */
#include "http_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ism_http_is_loopback_host(const char *host)
{
    if (!host) return false;
    if (ism_ascii_ieq(host, "localhost") || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0)
        return true;
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static bool part(CURLU *u, CURLUPart what, unsigned flags, char **out)
{
    *out = NULL;
    return curl_url_get(u, what, out, flags) == CURLUE_OK && *out;
}

static bool scheme_allowed(const char *scheme, const char *host, bool allow_http_loopback,
                           ism_error *err)
{
    if (ism_ascii_ieq(scheme, "https")) return true;
    if (!ism_ascii_ieq(scheme, "http"))
        return ism_error_set(err, ISM_E_CONFIG, "refusing %s:// to %s: only https is allowed",
                             scheme, host);
    if (!ism_http_is_loopback_host(host))
        return ism_error_set(err, ISM_E_CONFIG,
                             "refusing plain http:// to %s: http is allowed only to a loopback "
                             "endpoint (127.0.0.0/8, ::1, localhost); use https",
                             host);
    if (!allow_http_loopback)
        return ism_error_set(err, ISM_E_CONFIG,
                             "refusing plain http:// to %s: http to a loopback endpoint needs "
                             "that endpoint to be configured explicitly (allow_http_loopback)",
                             host);
    return true;
}

bool ism_http_url_check(const char *url, bool allow_http_loopback, char *hostkey, size_t hk_size,
                        char **path, ism_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *cpath = NULL;
    *path = NULL;
    bool ok = u != NULL;
    if (ok && curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "malformed URL (not absolute http(s)?)");
    else if (ok && (!part(u, CURLUPART_SCHEME, 0, &scheme) || !part(u, CURLUPART_HOST, 0, &host) ||
                    !part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port) ||
                    !part(u, CURLUPART_PATH, 0, &cpath)))
        ok = ism_error_set(err, ISM_E_INVALID_PARAMS, "URL lacks a scheme, host or port");
    else if (ok)
        ok = scheme_allowed(scheme, host, allow_http_loopback, err);
    if (ok) {
        snprintf(hostkey, hk_size, "%s://%s:%s", scheme, host, port);
        *path = strdup(cpath);
        if (!*path) ok = ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    }
    if (!u) ism_error_set(err, ISM_E_INTERNAL, "out of memory");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(cpath);
    curl_url_cleanup(u);
    return ok;
}
