/* ops_catalog.c — catalog ops: list, show, items, search, map, export. Read-only; any role. */
#include "ismap/catalog.h"
#include "ops.h"

#include <string.h>

#define ALL ISM_ROLES_ALL

static bool need_catalogs(ism_rpc_call *call, ism_error *err)
{
    if (call->app->catalogs) return true;
    return ism_error_set(err, ISM_E_UNAVAILABLE, "no catalogs are loaded");
}

OP(op_catalog_list)
{
    (void)params;
    if (!need_catalogs(call, err)) return false;
    *result = ism_catalog_list(call->app->catalogs);
    return true;
}

OP(op_catalog_show)
{
    const char *cat, *item;
    if (!need_catalogs(call, err) || !ism_json_str(params, "catalog", true, &cat, err) ||
        !ism_json_str(params, "item", true, &item, err))
        return false;
    *result = ism_catalog_item(call->app->catalogs, cat, item, err);
    return *result != NULL;
}

OP(op_catalog_items)
{
    const char *cat, *cls, *profile;
    if (!need_catalogs(call, err) || !ism_json_str(params, "catalog", true, &cat, err) ||
        !ism_json_str(params, "class", false, &cls, err) ||
        !ism_json_str(params, "profile", false, &profile, err))
        return false;
    *result = ism_catalog_items(call->app->catalogs, cat, cls, profile, err);
    return *result != NULL;
}

OP(op_catalog_search)
{
    const char *text, *cat;
    json_int_t limit = 20;
    if (!need_catalogs(call, err) || !ism_json_str(params, "text", true, &text, err) ||
        !ism_json_str(params, "catalog", false, &cat, err) ||
        !ism_json_int(params, "limit", false, 1, 1000, &limit, err))
        return false;
    if (strlen(text) > 500)
        return ism_error_set(err, ISM_E_INVALID_PARAMS, "search text over 500 bytes");
    *result = ism_catalog_search(call->app->catalogs, text, cat, (int)limit, err);
    return *result != NULL;
}

OP(op_catalog_map)
{
    const char *cat, *item;
    json_int_t depth = 3;
    if (!need_catalogs(call, err) || !ism_json_str(params, "catalog", true, &cat, err) ||
        !ism_json_str(params, "item", true, &item, err) ||
        !ism_json_int(params, "depth", false, 1, 6, &depth, err))
        return false;
    *result = ism_catalog_map(call->app->catalogs, cat, item, (int)depth, err);
    return *result != NULL;
}

OP(op_catalog_export)
{
    const char *id, *format;
    if (!need_catalogs(call, err) || !ism_json_str(params, "id", true, &id, err) ||
        !ism_json_str(params, "format", false, &format, err))
        return false;
    if (format && strcmp(format, "oscal") != 0)
        return ism_error_set(err, ISM_E_INVALID_PARAMS,
                             "field 'format' must be \"oscal\" (the only export format of a "
                             "catalog; the JSON itself is catalog.show / catalog.items)");
    *result = ism_catalog_export_oscal(call->app->catalogs, id, err);
    return *result != NULL;
}

const ism_op ism_ops_catalog[] = {
    {"catalog.list", op_catalog_list, ALL,
     "catalogs and crosswalks with titles, revisions, counts"},
    {"catalog.show", op_catalog_show, ALL, "one item with its context (params: catalog, item)"},
    {"catalog.items", op_catalog_items, ALL,
     "items of a catalog in order (params: catalog, class, profile)"},
    {"catalog.search", op_catalog_search, ALL,
     "Japanese/English full-text search (params: text, catalog, limit)"},
    {"catalog.map", op_catalog_map, ALL,
     "transitive mappings through the crosswalks (params: catalog, item, depth)"},
    {"catalog.export", op_catalog_export, ALL,
     "OSCAL 1.2.1 catalog or mapping-collection (params: id, format)"},
    {NULL, NULL, 0, NULL},
};
