/* dump_openapi.c — prints the OpenAPI document ism_rpc_openapi builds (the one the gateway
 * serves at /api/v1/openapi.json), for the validators in tests/openapi without a daemon.
 * Usage: ismopenapi [SERVER_URL] > openapi.json */
#include "ismap/rpc.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    json_t *doc = ism_rpc_openapi(argc > 1 ? argv[1] : NULL);
    char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        fprintf(stderr, "ismopenapi: no document\n");
        return 1;
    }
    puts(text);
    free(text);
    return 0;
}
