/* ocicall.c — signs one OCI request with a profile of an OCI config file (the collector's own
 * signer and profile loader) and sends it: prints the status line, then the opc-next-page header
 * when there is one, then the body. For the emulator's tests. Test code only.
 * usage: ocicall [--config FILE] [--profile P] [--method M] [--body JSON] URL */
#include "ismap/oci.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static size_t on_header(char *b, size_t sz, size_t n, void *u)
{
    size_t len = sz * n;
    char **next = u;
    if (len > 14 && !strncasecmp(b, "opc-next-page:", 14)) {
        free(*next);
        const char *v = b + 14;
        while (*v == ' ')
            v++;
        size_t vl = (size_t)(b + len - v);
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        *next = strndup(v, vl);
    }
    return len;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", 1, 0, 'c'},
                                         {"profile", 1, 0, 'p'},
                                         {"method", 1, 0, 'm'},
                                         {"body", 1, 0, 'b'},
                                         {0, 0, 0, 0}};
    const char *config = NULL, *profile = NULL, *method = "GET", *body = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'c')
            config = optarg;
        else if (o == 'p')
            profile = optarg;
        else if (o == 'm')
            method = optarg;
        else if (o == 'b')
            body = optarg;
        else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: ocicall [--config FILE] [--profile P] [--method M] [--body JSON] "
                        "URL\n");
        return 2;
    }
    const char *url = argv[optind];
    ism_oci_profile prof;
    ism_error e = {0};
    if (!ism_oci_profile_load(profile, config, &prof, &e)) {
        fprintf(stderr, "ocicall: %s\n", e.message);
        return 2;
    }
    ism_http_headers h = {0};
    size_t blen = body ? strlen(body) : 0;
    if (!ism_oci_sign(prof.key_id, prof.key, method, url, body, blen, (int64_t)time(NULL), &h,
                      &e)) {
        fprintf(stderr, "ocicall: %s\n", e.message);
        return 2;
    }
    struct curl_slist *sl = NULL;
    for (size_t i = 0; i < h.n; i++) {
        char *line = ism_strdupf("%s: %s", h.v[i].name, h.v[i].value);
        sl = curl_slist_append(sl, line);
        free(line);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    char *next = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &next);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
    }
    fflush(stdout);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int ret = 0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "ocicall: %s\n", curl_easy_strerror(rc));
        ret = 3;
    }
    fprintf(stderr, "status %ld\n", status);
    if (next) fprintf(stderr, "opc-next-page %s\n", next);
    free(next);
    curl_easy_cleanup(c);
    curl_slist_free_all(sl);
    ism_http_headers_clear(&h);
    ism_oci_profile_free(&prof);
    return ret;
}
