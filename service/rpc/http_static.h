/* http_static.h — the web UI's files embedded at build time (web/embed.cmake generates the
 * table into the build folder), served by the HTTP gateway from memory. rpc room only. */
#ifndef ISMAP_RPC_HTTP_STATIC_H
#define ISMAP_RPC_HTTP_STATIC_H

#include <stddef.h>

typedef struct ism_web_asset {
    const char *path; /* "/index.html", "/assets/app.js" */
    const char *type; /* Content-Type */
    const char *etag; /* quoted strong ETag from the file's SHA-256 */
    const unsigned char *data;
    size_t len;
} ism_web_asset;

/* Every embedded file, terminated by {NULL}; static storage, never freed. */
extern const ism_web_asset ism_web_assets[];

/* The embedded file at path, or NULL. */
const ism_web_asset *ism_web_asset_find(const char *path);

#endif
