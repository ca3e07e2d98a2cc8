/* frameworks.c — what an assessment can be measured against: named selections of catalog items
 * (a whole catalog, one class, or one profile with its re-listed items). */
#include "ismap/catalog.h"
#include "ismap/matrix.h"

#include <string.h>

typedef struct framework {
    const char *id, *title, *catalog;
    const char *profile;      /* a profile of the catalog, or NULL */
    const char *cls;          /* one class, or NULL */
    const char *except_class; /* every class but this one, or NULL */
} framework;

static const framework frameworks[] = {
    {"ismap", "ISMAP管理基準（ガバナンス・マネジメント・管理策）", "ismap", NULL, NULL, "chapter"},
    {"ismap-must-meet", "ISMAP管理基準 必須152項目（統制目標3桁＋詳細管理策B）", "ismap",
     "must-meet", NULL, NULL},
    {"mic", "地方公共団体情報セキュリティ監査項目（本編 No.1–421）", "mic-audit", NULL, "item",
     NULL},
    {"mic-cloud-addon", "標準準拠システムのクラウド利用に係る追加監査項目（参考36項目）",
     "mic-audit", "cloud-addon", NULL, NULL},
    {"mic-3.10", "監査項目 3.10", "mic-audit", "3.10", NULL, NULL},
    {"mic-alpha-prime", "α′モデルの監査項目（3.11）", "mic-audit", "3.11", NULL, NULL},
    {"mic-beta", "βモデルの監査項目（3.12）", "mic-audit", "3.12", NULL, NULL},
    {"mic-beta-prime", "β′モデルの監査項目（3.13）", "mic-audit", "3.13", NULL, NULL},
    {"mic-wireless", "マイナンバー利用事務系の無線LANの監査項目（3.14）", "mic-audit", "3.14", NULL,
     NULL},
};
#define NFW (sizeof frameworks / sizeof frameworks[0])

json_t *ism_matrix_frameworks(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < NFW; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s}", "id", frameworks[i].id, "title",
                                        frameworks[i].title, "catalog", frameworks[i].catalog));
    return arr;
}

static json_t *requirement(const char *fw, const char *cat, const json_t *it, bool relisted)
{
    json_t *title = json_object_get(it, "title"), *text = json_object_get(it, "text");
    const char *t = ism_json_getstr(title, "ja");
    if (!t) t = ism_json_getstr(title, "en");
    const char *body = ism_json_getstr(text, "ja");
    if (!body) body = ism_json_getstr(text, "en");
    json_t *props = json_object_get(it, "props");
    json_t *r = json_pack("{s:s, s:s, s:O, s:O, s:O, s:s?, s:s?, s:b}", "framework", fw, "catalog",
                          cat, "item", json_object_get(it, "id"), "parent",
                          relisted ? json_null() : json_object_get(it, "parent"), "class",
                          json_object_get(it, "class"), "title", t, "text", body, "must_meet",
                          json_is_true(json_object_get(props, "must_meet")));
    if (relisted) json_object_set_new(r, "relisted", json_true());
    json_t *m = json_object_get(props, "mandatory");
    if (m) json_object_set(r, "mandatory", m);
    return r;
}

json_t *ism_matrix_requirements(ism_catalog_set *cs, const char *fwid, ism_error *err)
{
    const framework *fw = NULL;
    for (size_t i = 0; i < NFW; i++)
        if (!strcmp(frameworks[i].id, fwid)) fw = &frameworks[i];
    if (!fw) {
        ism_error_set(err, ISM_E_INVALID_PARAMS,
                      "unknown framework '%s' (ismap, ismap-must-meet, mic, mic-cloud-addon, "
                      "mic-3.10, mic-alpha-prime, mic-beta, mic-beta-prime, mic-wireless)",
                      fwid);
        return NULL;
    }
    json_t *items = ism_catalog_items(cs, fw->catalog, fw->cls, fw->profile, err);
    if (!items) return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (fw->except_class && !strcmp(ism_json_getstr(it, "class"), fw->except_class)) continue;
        json_array_append_new(out, requirement(fw->id, fw->catalog, it, false));
    }
    json_decref(items);
    if (fw->profile) {
        /* Main items re-listed (再掲) by the profile are requirements of it too. */
        json_t *prof = ism_catalog_profile(cs, fw->catalog, fw->profile, err);
        if (!prof) {
            json_decref(out);
            return NULL;
        }
        json_array_foreach(json_object_get(prof, "refs"), i, it)
        {
            json_t *ref = ism_catalog_item(cs, fw->catalog, ism_json_getstr(it, "item"), err);
            if (!ref) {
                json_decref(prof);
                json_decref(out);
                return NULL;
            }
            json_array_append_new(out, requirement(fw->id, fw->catalog, ref, true));
            json_decref(ref);
        }
        json_decref(prof);
    }
    return out;
}
