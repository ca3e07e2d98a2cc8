/* http_static.c — GET / and GET /assets/<file>: the web UI, embedded at build time
 * (http_static.h), with its ETag; If-None-Match answers 304. No login is needed for these (the
 * UI itself holds no data), every other path stays under the API's authentication. */
#include "http_int.h"
#include "http_static.h"

#include <string.h>

const ism_web_asset *ism_web_asset_find(const char *path)
{
    for (const ism_web_asset *a = ism_web_assets; a->path; a++)
        if (!strcmp(a->path, path)) return a;
    return NULL;
}

static enum MHD_Result serve(http_req *r, const char *path)
{
    const ism_web_asset *a = ism_web_asset_find(path);
    if (!a) {
        ism_error err = {0};
        ism_error_set(&err, ISM_E_NOT_FOUND, "no such file: %s", r->path);
        return http_reply_error(r, &err);
    }
    const char *inm = http_header(r, "If-None-Match");
    /* The UI's files change only with the build: revalidate each time, cheaply. */
    const char *h[] = {"ETag", a->etag, "Cache-Control", "no-cache", NULL};
    if (inm && strstr(inm, a->etag)) return http_reply_bytes(r, 304, a->type, "", 0, h);
    return http_reply_bytes(r, 200, a->type, a->data, a->len, h);
}

enum MHD_Result http_route_index(http_req *r)
{
    return serve(r, "/index.html");
}

enum MHD_Result http_route_asset(http_req *r)
{
    char path[300];
    snprintf(path, sizeof path, "/assets/%s", r->caps[0]);
    return serve(r, path);
}
