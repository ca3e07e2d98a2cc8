/* load.c — reads the catalog/NAME.json files, validates every entry, and fills the in-memory index.
 * Validation is strict because the catalogs are the product's ground truth: a damaged file
 * must stop the daemon with its name and the entry, never load half a catalog. */
#include "internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const schema_sql =
    "CREATE TABLE catalogs(id TEXT PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL,"
    "  doc TEXT NOT NULL, seq INTEGER NOT NULL);"
    "CREATE TABLE items(cat TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  parent TEXT, class TEXT NOT NULL, level INTEGER, title_ja TEXT, title_en TEXT,"
    "  text_ja TEXT, text_en TEXT, props TEXT, source TEXT,"
    "  own TEXT, hay TEXT," /* search scan: id+title+text, and that + prose props + ancestors */
    "  PRIMARY KEY(cat, id));"
    "CREATE INDEX items_parent ON items(cat, parent);"
    "CREATE TABLE profiles(cat TEXT NOT NULL, profile TEXT NOT NULL, item TEXT NOT NULL,"
    "  seq INTEGER NOT NULL, PRIMARY KEY(cat, profile, item));"
    "CREATE INDEX profiles_item ON profiles(cat, item);"
    "CREATE TABLE maps(xw TEXT NOT NULL, src_cat TEXT NOT NULL, src TEXT NOT NULL,"
    "  tgt_cat TEXT NOT NULL, tgt TEXT NOT NULL, relationship TEXT NOT NULL, rationale TEXT,"
    "  method TEXT, confidence REAL, via TEXT, seq INTEGER NOT NULL);"
    "CREATE INDEX maps_src ON maps(src_cat, src);"
    "CREATE INDEX maps_tgt ON maps(tgt_cat, tgt);"
    "CREATE VIRTUAL TABLE items_fts USING fts5(cat UNINDEXED, id, title, body, extra, ctx,"
    "  tokenize='trigram');"
    "CREATE TABLE synonyms(grp INTEGER NOT NULL, term TEXT NOT NULL PRIMARY KEY, line INTEGER);";

/* String props that hold prose an auditor searches for (procedures, notes, evidence names). */
static const char *const searchable_props[] = {"procedure",     "notes",    "note",    "supplement",
                                               "overview_text", "examples", "evidence"};

static const char *const relationships[] = {"equivalent-to", "equal-to",        "subset-of",
                                            "superset-of",   "intersects-with", "no-relationship"};

const char *cat_col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

json_t *cat_col_json(sqlite3_stmt *s, int i)
{
    const char *t = cat_col(s, i);
    json_t *v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

json_t *cat_lang(sqlite3_stmt *s, int ja, int en)
{
    json_t *o = json_object();
    if (cat_col(s, ja)) json_object_set_new(o, "ja", json_string(cat_col(s, ja)));
    if (cat_col(s, en)) json_object_set_new(o, "en", json_string(cat_col(s, en)));
    return o;
}

bool cat_sql_error(ism_catalog_set *cs, ism_error *err, const char *what)
{
    return ism_error_set(err, ISM_E_INTERNAL, "catalog index: %s: %s", what,
                         sqlite3_errmsg(cs->db));
}

/* Reports a problem in `file` at `entry` (may be NULL). Always returns false. */
static bool bad(ism_error *err, const char *file, const char *entry, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool bad(ism_error *err, const char *file, const char *entry, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ism_error_set(err, ISM_E_INVALID_DATA, "catalog %s%s%s: %s", file, entry ? ": " : "",
                  entry ? entry : "", msg);
    ism_error_detail(err, json_pack("{s:s, s:s?}", "file", file, "entry", entry));
    return false;
}

static bool valid_id(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return false;
    return true;
}

/* title/text: an object of language → string. */
static bool check_lang(const json_t *v, const char *file, const char *entry, const char *field,
                       ism_error *err)
{
    if (!v) return true;
    if (!json_is_object(v)) return bad(err, file, entry, "'%s' must be an object", field);
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) if (!json_is_string(x)) return bad(
        err, file, entry, "'%s.%s' must be a string", field, k);
    return true;
}

static bool check_props(const json_t *p, const char *file, const char *entry, ism_error *err)
{
    if (!p) return true;
    if (!json_is_object(p)) return bad(err, file, entry, "'props' must be an object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v)
    {
        if (json_is_object(v)) return bad(err, file, entry, "prop '%s' must not be an object", k);
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) if (!json_is_string(e)) return bad(
                err, file, entry, "prop '%s'[%zu] must be a string", k, i);
        }
    }
    return true;
}

static char *dumps(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
}

static const char *lang_get(const json_t *o, const char *lang)
{
    return ism_json_getstr(o, lang);
}

/* The searchable_props of an item joined by spaces (malloc'd). */
static char *searchable_extra(const json_t *props)
{
    char *out = strdup("");
    for (size_t k = 0; k < sizeof searchable_props / sizeof *searchable_props; k++) {
        const json_t *v = json_object_get(props, searchable_props[k]);
        size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
        for (i = 0; i < n; i++) {
            const char *t = json_string_value(json_is_array(v) ? json_array_get(v, i) : v);
            if (!t) continue;
            char *o = ism_strdupf("%s%s%s", out, *out ? " " : "", t);
            free(out);
            out = o;
        }
    }
    return out;
}

static bool load_items(ism_catalog_set *cs, const char *file, const char *cat, json_t *doc,
                       ism_error *err)
{
    json_t *items = json_object_get(doc, "items");
    if (!json_is_array(items) || json_array_size(items) == 0)
        return bad(err, file, NULL, "'items' must be a non-empty array");
    sqlite3_stmt *ins = NULL, *fts = NULL, *has = NULL, *hay = NULL;
    sqlite3_prepare_v2(cs->db, "UPDATE items SET own=?3, hay=?4 WHERE cat=?1 AND id=?2", -1, &hay,
                       NULL);
    sqlite3_prepare_v2(cs->db,
                       "INSERT INTO items(cat,id,seq,parent,class,level,title_ja,title_en,"
                       "text_ja,text_en,props,source) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                       -1, &ins, NULL);
    sqlite3_prepare_v2(cs->db,
                       "INSERT INTO items_fts(cat,id,title,body,extra,ctx) VALUES(?,?,?,?,?,?)", -1,
                       &fts, NULL);
    /* id → titles of the item and its ancestors, so an item is found by its section's words
     * (物理 finds the items under 物理的セキュリティ). Parents come first in the file. */
    json_t *ctx_of = json_object();
    sqlite3_prepare_v2(cs->db, "SELECT 1 FROM items WHERE cat=? AND id=?", -1, &has, NULL);
    bool ok = ins && fts && has && hay;
    if (!ok) cat_sql_error(cs, err, "prepare");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (!ok) break;
        char entry[160];
        snprintf(entry, sizeof entry, "items[%zu]", i);
        if (!json_is_object(it)) {
            ok = bad(err, file, entry, "must be an object");
            break;
        }
        const char *id = ism_json_getstr(it, "id");
        if (!id || !*id) {
            ok = bad(err, file, entry, "'id' must be a non-empty string");
            break;
        }
        snprintf(entry, sizeof entry, "item '%s'", id);
        const char *cls = ism_json_getstr(it, "class");
        json_t *parent = json_object_get(it, "parent");
        json_t *level = json_object_get(it, "level");
        json_t *title = json_object_get(it, "title"), *text = json_object_get(it, "text");
        if (!cls || !*cls)
            ok = bad(err, file, entry, "'class' must be a non-empty string");
        else if (parent && !json_is_null(parent) && !json_is_string(parent))
            ok = bad(err, file, entry, "'parent' must be a string or null");
        else if (level && !json_is_integer(level))
            ok = bad(err, file, entry, "'level' must be an integer");
        else if (!check_lang(title, file, entry, "title", err) ||
                 !check_lang(text, file, entry, "text", err) ||
                 !check_props(json_object_get(it, "props"), file, entry, err))
            ok = false;
        if (!ok) break;
        if (json_is_string(parent)) {
            sqlite3_reset(has);
            sqlite3_bind_text(has, 1, cat, -1, SQLITE_STATIC);
            sqlite3_bind_text(has, 2, json_string_value(parent), -1, SQLITE_STATIC);
            if (sqlite3_step(has) != SQLITE_ROW) {
                ok = bad(err, file, entry, "parent '%s' is not an earlier item",
                         json_string_value(parent));
                break;
            }
        }
        char *props = dumps(json_object_get(it, "props"));
        char *source = dumps(json_object_get(it, "source"));
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_text(ins, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, (sqlite3_int64)i);
        if (json_is_string(parent))
            sqlite3_bind_text(ins, 4, json_string_value(parent), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, cls, -1, SQLITE_STATIC);
        if (level) sqlite3_bind_int64(ins, 6, json_integer_value(level));
        sqlite3_bind_text(ins, 7, lang_get(title, "ja"), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, lang_get(title, "en"), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 9, lang_get(text, "ja"), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 10, lang_get(text, "en"), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 11, props, -1, free);
        sqlite3_bind_text(ins, 12, source, -1, free);
        int rc = sqlite3_step(ins);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT) {
            ok = bad(err, file, entry, "duplicate id");
            break;
        }
        if (rc != SQLITE_DONE) {
            ok = cat_sql_error(cs, err, "insert item");
            break;
        }
        /* The searchable columns: both languages of title and text (ids are their own column),
         * the prose props, and the ancestors' titles. */
        char *ttl = ism_strdupf("%s %s", lang_get(title, "ja") ? lang_get(title, "ja") : "",
                                lang_get(title, "en") ? lang_get(title, "en") : "");
        char *body = ism_strdupf("%s %s", lang_get(text, "ja") ? lang_get(text, "ja") : "",
                                 lang_get(text, "en") ? lang_get(text, "en") : "");
        char *extra = searchable_extra(json_object_get(it, "props"));
        const char *pctx =
            json_is_string(parent) ? ism_json_getstr(ctx_of, json_string_value(parent)) : NULL;
        char *ctx = ism_strdupf("%s", pctx ? pctx : "");
        json_object_set_new(ctx_of, id, json_pack("s++", ttl, " ", ctx));
        sqlite3_reset(hay);
        sqlite3_bind_text(hay, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(hay, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(hay, 3, ism_strdupf("%s %s %s", id, ttl, body), -1, free);
        sqlite3_bind_text(hay, 4, ism_strdupf("%s %s %s %s %s", id, ttl, body, extra, ctx), -1,
                          free);
        if (sqlite3_step(hay) != SQLITE_DONE) ok = cat_sql_error(cs, err, "index item");
        sqlite3_reset(fts);
        sqlite3_clear_bindings(fts);
        sqlite3_bind_text(fts, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(fts, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(fts, 3, ttl, -1, free);
        sqlite3_bind_text(fts, 4, body, -1, free);
        sqlite3_bind_text(fts, 5, extra, -1, free);
        sqlite3_bind_text(fts, 6, ctx, -1, free);
        if (sqlite3_step(fts) != SQLITE_DONE) ok = cat_sql_error(cs, err, "index item");
    }
    json_decref(ctx_of);
    sqlite3_finalize(hay);
    sqlite3_finalize(ins);
    sqlite3_finalize(fts);
    sqlite3_finalize(has);
    return ok;
}

static bool item_exists(ism_catalog_set *cs, const char *cat, const char *id)
{
    sqlite3_stmt *s = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(cs->db, "SELECT 1 FROM items WHERE cat=? AND id=?", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        yes = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return yes;
}

static bool load_profiles(ism_catalog_set *cs, const char *file, const char *cat, json_t *doc,
                          ism_error *err)
{
    json_t *profiles = json_object_get(doc, "profiles");
    if (!profiles) return true;
    if (!json_is_array(profiles)) return bad(err, file, NULL, "'profiles' must be an array");
    sqlite3_stmt *ins = NULL;
    sqlite3_prepare_v2(cs->db, "INSERT OR IGNORE INTO profiles VALUES(?,?,?,?)", -1, &ins, NULL);
    bool ok = true;
    size_t i, j;
    json_t *p, *item;
    json_array_foreach(profiles, i, p)
    {
        const char *pid = ism_json_getstr(p, "id");
        char entry[160];
        snprintf(entry, sizeof entry, "profile '%s'", pid ? pid : "?");
        if (!pid || !json_is_array(json_object_get(p, "items"))) {
            ok = bad(err, file, entry, "a profile needs 'id' and an 'items' array");
            break;
        }
        json_array_foreach(json_object_get(p, "items"), j, item)
        {
            const char *iid = json_string_value(item);
            if (!iid || !item_exists(cs, cat, iid)) {
                ok = bad(err, file, entry, "items[%zu] '%s' is not an item of %s", j,
                         iid ? iid : "(not a string)", cat);
                break;
            }
            sqlite3_reset(ins);
            sqlite3_clear_bindings(ins);
            sqlite3_bind_text(ins, 1, cat, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, pid, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, iid, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 4, (sqlite3_int64)j);
            sqlite3_step(ins);
        }
        if (!ok) break;
    }
    sqlite3_finalize(ins);
    return ok;
}

static bool load_maps(ism_catalog_set *cs, const char *file, const char *xw, json_t *doc,
                      ism_error *err)
{
    const char *sc = ism_json_getstr(doc, "source_catalog");
    const char *tc = ism_json_getstr(doc, "target_catalog");
    json_t *maps = json_object_get(doc, "maps");
    if (!sc || !tc) return bad(err, file, NULL, "needs 'source_catalog' and 'target_catalog'");
    if (!json_is_array(maps)) return bad(err, file, NULL, "'maps' must be an array");
    const char *cats[2] = {sc, tc};
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *q = NULL;
        bool found = false;
        if (sqlite3_prepare_v2(cs->db, "SELECT 1 FROM catalogs WHERE id=? AND kind='catalog'", -1,
                               &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, cats[k], -1, SQLITE_STATIC);
            found = sqlite3_step(q) == SQLITE_ROW;
        }
        sqlite3_finalize(q);
        if (!found) return bad(err, file, NULL, "names catalog '%s', which is not loaded", cats[k]);
    }
    sqlite3_stmt *ins = NULL;
    sqlite3_prepare_v2(cs->db, "INSERT INTO maps VALUES(?,?,?,?,?,?,?,?,?,?,?)", -1, &ins, NULL);
    bool ok = true;
    size_t i;
    json_t *m;
    json_array_foreach(maps, i, m)
    {
        char entry[80];
        snprintf(entry, sizeof entry, "maps[%zu]", i);
        const char *src = ism_json_getstr(m, "source"), *tgt = ism_json_getstr(m, "target");
        const char *rel = ism_json_getstr(m, "relationship");
        json_t *conf = json_object_get(m, "confidence");
        bool known = false;
        for (size_t r = 0; rel && r < sizeof relationships / sizeof *relationships; r++)
            known |= strcmp(rel, relationships[r]) == 0;
        if (!src || !tgt)
            ok = bad(err, file, entry, "needs 'source' and 'target' strings");
        else if (!known)
            ok = bad(err, file, entry, "unknown relationship '%s'", rel ? rel : "");
        else if (!item_exists(cs, sc, src))
            ok = bad(err, file, entry, "source '%s' is not an item of %s", src, sc);
        else if (!item_exists(cs, tc, tgt))
            ok = bad(err, file, entry, "target '%s' is not an item of %s", tgt, tc);
        else if (conf && !json_is_null(conf) &&
                 (!json_is_number(conf) || json_number_value(conf) < 0 ||
                  json_number_value(conf) > 1))
            ok = bad(err, file, entry, "'confidence' must be a number from 0 to 1");
        if (!ok) break;
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        sqlite3_bind_text(ins, 1, xw, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, sc, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, src, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, tc, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, tgt, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, rel, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, ism_json_getstr(m, "rationale"), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, ism_json_getstr(m, "method"), -1, SQLITE_STATIC);
        if (json_is_number(conf)) sqlite3_bind_double(ins, 9, json_number_value(conf));
        sqlite3_bind_text(ins, 10, dumps(json_object_get(m, "via")), -1, free);
        sqlite3_bind_int64(ins, 11, (sqlite3_int64)i);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            ok = cat_sql_error(cs, err, "insert map");
            break;
        }
    }
    sqlite3_finalize(ins);
    return ok;
}

/* ---- search synonyms ------------------------------------------------------------------------ */

#define SYNONYMS_FILE "search-synonyms.tsv"

/* ASCII letters lower-cased in place (search matches ASCII case-insensitively). */
static void ascii_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

/* Trims ASCII spaces at both ends, in place; returns the start. */
static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* One group (a line of tab-separated terms) into the synonyms table. */
static bool synonym_line(ism_catalog_set *cs, sqlite3_stmt *ins, char *line, int lno,
                         ism_error *err)
{
    char entry[32];
    snprintf(entry, sizeof entry, "line %d", lno);
    int n = 0;
    for (char *save = NULL, *f = strtok_r(line, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
        char *t = trim(f);
        if (!*t) continue;
        if (strlen(t) > 200) return bad(err, SYNONYMS_FILE, entry, "a term is over 200 bytes");
        ascii_lower(t);
        sqlite3_reset(ins);
        sqlite3_bind_int(ins, 1, lno);
        sqlite3_bind_text(ins, 2, t, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 3, lno);
        int rc = sqlite3_step(ins);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT) {
            sqlite3_stmt *q = NULL;
            int other = 0;
            if (sqlite3_prepare_v2(cs->db, "SELECT line FROM synonyms WHERE term=?", -1, &q,
                                   NULL) == SQLITE_OK) {
                sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
                if (sqlite3_step(q) == SQLITE_ROW) other = sqlite3_column_int(q, 0);
            }
            sqlite3_finalize(q);
            return bad(err, SYNONYMS_FILE, entry, "'%s' is already in the group on line %d", t,
                       other);
        }
        if (rc != SQLITE_DONE) return cat_sql_error(cs, err, "insert synonym");
        n++;
    }
    if (n == 1) return bad(err, SYNONYMS_FILE, entry, "a group needs two or more terms");
    return true;
}

/* Reads dir/search-synonyms.tsv when present: one group of equivalent search terms per line,
 * tab-separated; '#' starts a comment line (format in catalog/FORMAT.md). */
static bool load_synonyms(ism_catalog_set *cs, const char *dir, ism_error *err)
{
    char *path = ism_strdupf("%s/%s", dir, SYNONYMS_FILE);
    FILE *f = fopen(path, "r");
    free(path);
    if (!f) return true; /* optional: search works without it */
    sqlite3_stmt *ins = NULL;
    bool ok = sqlite3_prepare_v2(cs->db, "INSERT INTO synonyms(grp,term,line) VALUES(?,?,?)", -1,
                                 &ins, NULL) == SQLITE_OK;
    if (!ok) cat_sql_error(cs, err, "prepare synonyms");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    for (int lno = 1; ok && (len = getline(&line, &cap, f)) >= 0; lno++) {
        if (len && line[len - 1] == '\n') line[--len] = '\0';
        if ((size_t)len != strlen(line)) {
            ok = bad(err, SYNONYMS_FILE, NULL, "line %d: NUL byte", lno);
            break;
        }
        char *t = trim(line);
        if (!*t || *t == '#') continue;
        ok = synonym_line(cs, ins, t, lno, err);
    }
    free(line);
    fclose(f);
    sqlite3_finalize(ins);
    return ok;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads and checks the envelope of one file; the document goes to *doc_out. */
static bool read_doc(const char *dir, const char *name, json_t **doc_out, ism_error *err)
{
    char *path = ism_strdupf("%s/%s", dir, name);
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    free(path);
    if (!doc) return bad(err, name, NULL, "line %d column %d: %s", je.line, je.column, je.text);
    const char *id = ism_json_getstr(doc, "id"), *kind = ism_json_getstr(doc, "kind");
    json_t *format = json_object_get(doc, "format");
    char expect[300];
    snprintf(expect, sizeof expect, "%s.json", id ? id : "");
    bool ok = true;
    if (!json_is_object(doc))
        ok = bad(err, name, NULL, "must be a JSON object");
    else if (!json_is_integer(format) || json_integer_value(format) != 1)
        ok = bad(err, name, NULL, "'format' must be 1 (this build reads format 1)");
    else if (!kind || (strcmp(kind, "catalog") && strcmp(kind, "crosswalk")))
        ok = bad(err, name, NULL, "'kind' must be \"catalog\" or \"crosswalk\"");
    else if (!valid_id(id))
        ok = bad(err, name, NULL, "'id' must match [a-z0-9-]+");
    else if (strcmp(expect, name) != 0)
        ok = bad(err, name, NULL, "id '%s' does not match the file name", id);
    if (!ok) {
        json_decref(doc);
        return false;
    }
    *doc_out = doc;
    return true;
}

static bool add_catalog_row(ism_catalog_set *cs, const char *name, json_t *doc, int seq,
                            ism_error *err)
{
    /* The document without its bulk, for listings. */
    json_t *head = json_deep_copy(doc);
    json_object_del(head, "items");
    json_object_del(head, "maps");
    json_object_set_new(head, "items",
                        json_integer((json_int_t)json_array_size(json_object_get(doc, "items"))));
    json_object_set_new(head, "maps",
                        json_integer((json_int_t)json_array_size(json_object_get(doc, "maps"))));
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(cs->db, "INSERT INTO catalogs VALUES(?,?,?,?,?)", -1, &s, NULL) ==
              SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, ism_json_getstr(doc, "id"), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, ism_json_getstr(doc, "kind"), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, dumps(head), -1, free);
        sqlite3_bind_int(s, 5, seq);
        int rc = sqlite3_step(s);
        ok = rc == SQLITE_DONE;
        if (!ok) bad(err, name, NULL, "catalog id '%s' is used twice", ism_json_getstr(doc, "id"));
    }
    sqlite3_finalize(s);
    json_decref(head);
    return ok;
}

ism_catalog_set *ism_catalog_load(const char *dir, ism_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        ism_error_set(err, ISM_E_CONFIG, "cannot open the catalog folder %s", dir);
        return NULL;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 && de->d_name[0] != '.') {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);

    ism_catalog_set *cs = calloc(1, sizeof *cs);
    cs->dir = strdup(dir);
    pthread_mutex_init(&cs->mu, NULL);
    json_t **docs = calloc(n + 1, sizeof *docs);
    bool ok = sqlite3_open_v2(":memory:", &cs->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              NULL) == SQLITE_OK &&
              sqlite3_exec(cs->db, schema_sql, NULL, NULL, NULL) == SQLITE_OK &&
              sqlite3_exec(cs->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) cat_sql_error(cs, err, "setup");
    if (ok && n == 0) ok = ism_error_set(err, ISM_E_CONFIG, "no catalog files in %s", dir);
    /* Catalogs first, then crosswalks, which refer to them. */
    for (size_t i = 0; ok && i < n; i++)
        ok = read_doc(dir, names[i], &docs[i], err);
    for (int pass = 0; ok && pass < 2; pass++) {
        for (size_t i = 0; ok && i < n; i++) {
            const char *kind = ism_json_getstr(docs[i], "kind");
            bool is_cat = strcmp(kind, "catalog") == 0;
            if (is_cat != (pass == 0)) continue;
            const char *id = ism_json_getstr(docs[i], "id");
            ok = add_catalog_row(cs, names[i], docs[i], (int)i, err) &&
                 (is_cat ? load_items(cs, names[i], id, docs[i], err) &&
                               load_profiles(cs, names[i], id, docs[i], err)
                         : load_maps(cs, names[i], id, docs[i], err));
        }
    }
    if (ok) ok = load_synonyms(cs, dir, err);
    if (ok && sqlite3_exec(cs->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        ok = cat_sql_error(cs, err, "commit");
    for (size_t i = 0; i < n; i++) {
        json_decref(docs[i]);
        free(names[i]);
    }
    free(docs);
    free(names);
    if (!ok) {
        ism_catalog_free(cs);
        return NULL;
    }
    return cs;
}

void ism_catalog_free(ism_catalog_set *cs)
{
    if (!cs) return;
    sqlite3_close(cs->db);
    json_decref(cs->memo);
    pthread_mutex_destroy(&cs->mu);
    free(cs->dir);
    free(cs);
}

const char *ism_catalog_dir(const ism_catalog_set *cs)
{
    return cs->dir;
}
