/* query.c — lookups over the loaded catalogs: list, item with context, items, search, and the
 * transitive mapping walk through the crosswalks. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static bool prepare(ism_catalog_set *cs, const char *sql, sqlite3_stmt **s, ism_error *err)
{
    if (sqlite3_prepare_v2(cs->db, sql, -1, s, NULL) == SQLITE_OK) return true;
    return cat_sql_error(cs, err, "query");
}

size_t ism_catalog_count(ism_catalog_set *cs)
{
    size_t n = 0;
    pthread_mutex_lock(&cs->mu);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT count(*) FROM catalogs", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = (size_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    pthread_mutex_unlock(&cs->mu);
    return n;
}

json_t *ism_catalog_list(ism_catalog_set *cs)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&cs->mu);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT doc, file FROM catalogs ORDER BY kind, seq", -1, &s,
                           NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_t *doc = cat_col_json(s, 0);
            json_t *row = json_object();
            static const char *const keys[] = {
                "id",     "kind",  "title", "publisher",      "revisions",
                "counts", "items", "maps",  "source_catalog", "target_catalog"};
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
                json_t *v = json_object_get(doc, keys[k]);
                if (v) json_object_set(row, keys[k], v);
            }
            json_object_set_new(row, "file", json_string(cat_col(s, 1)));
            json_array_append_new(arr, row);
            json_decref(doc);
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&cs->mu);
    return arr;
}

static bool has_locked(ism_catalog_set *cs, const char *cat, const char *id)
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

bool ism_catalog_has(ism_catalog_set *cs, const char *cat, const char *id)
{
    pthread_mutex_lock(&cs->mu);
    bool yes = has_locked(cs, cat, id);
    pthread_mutex_unlock(&cs->mu);
    return yes;
}

static bool catalog_known(ism_catalog_set *cs, const char *cat, const char *kind)
{
    sqlite3_stmt *s = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(cs->db, "SELECT 1 FROM catalogs WHERE id=? AND (?2 IS NULL OR kind=?2)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        yes = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return yes;
}

static bool not_found(ism_catalog_set *cs, const char *cat, const char *id, ism_error *err)
{
    if (!catalog_known(cs, cat, "catalog"))
        return ism_error_set(err, ISM_E_NOT_FOUND, "no catalog named '%s' (see catalog list)", cat);
    return ism_error_set(err, ISM_E_NOT_FOUND, "catalog %s has no item '%s'", cat, id);
}

#define ITEM_COLS "id,parent,class,level,title_ja,title_en,text_ja,text_en,props,source"

static json_t *item_row(sqlite3_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(cat_col(s, 0)));
    json_object_set_new(o, "parent", cat_col(s, 1) ? json_string(cat_col(s, 1)) : json_null());
    json_object_set_new(o, "class", json_string(cat_col(s, 2)));
    json_object_set_new(o, "level",
                        sqlite3_column_type(s, 3) == SQLITE_NULL
                            ? json_null()
                            : json_integer(sqlite3_column_int64(s, 3)));
    json_object_set_new(o, "title", cat_lang(s, 4, 5));
    json_object_set_new(o, "text", cat_lang(s, 6, 7));
    json_t *props = cat_col_json(s, 8);
    json_object_set_new(o, "props", json_is_null(props) ? json_object() : props);
    if (json_is_null(props)) json_decref(props);
    json_object_set_new(o, "source", cat_col_json(s, 9));
    return o;
}

static json_t *get_item_locked(ism_catalog_set *cs, const char *cat, const char *id)
{
    sqlite3_stmt *s = NULL;
    json_t *o = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT " ITEM_COLS " FROM items WHERE cat=? AND id=?", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) o = item_row(s);
    }
    sqlite3_finalize(s);
    return o;
}

static const char *inverse(const char *rel)
{
    if (strcmp(rel, "subset-of") == 0) return "superset-of";
    if (strcmp(rel, "superset-of") == 0) return "subset-of";
    return rel;
}

/* Direct mappings of (cat,id) in both directions, relationships stated from this item's side. */
static json_t *edges_locked(ism_catalog_set *cs, const char *cat, const char *id)
{
    json_t *arr = json_array();
    sqlite3_stmt *s = NULL;
    const char *sql =
        "SELECT xw, 'forward', tgt_cat, tgt, relationship, rationale, method, confidence, via "
        "FROM maps WHERE src_cat=?1 AND src=?2 UNION ALL "
        "SELECT xw, 'reverse', src_cat, src, relationship, rationale, method, confidence, via "
        "FROM maps WHERE tgt_cat=?1 AND tgt=?2";
    if (sqlite3_prepare_v2(cs->db, sql, -1, &s, NULL) != SQLITE_OK) return arr;
    sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        bool fwd = strcmp(cat_col(s, 1), "forward") == 0;
        const char *rel = cat_col(s, 4);
        json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "crosswalk", cat_col(s, 0),
                              "direction", cat_col(s, 1), "catalog", cat_col(s, 2), "item",
                              cat_col(s, 3), "relationship", fwd ? rel : inverse(rel), "rationale",
                              cat_col(s, 5), "method", cat_col(s, 6));
        json_object_set_new(e, "confidence",
                            sqlite3_column_type(s, 7) == SQLITE_NULL
                                ? json_null()
                                : json_real(sqlite3_column_double(s, 7)));
        json_object_set_new(e, "via", cat_col_json(s, 8));
        json_array_append_new(arr, e);
    }
    sqlite3_finalize(s);
    return arr;
}

/* The memo (internal.h): a copy of the answer kept under key, or NULL. Called with mu held;
 * the copy is made after mu is released by the caller (memo_copy). */
static json_t *memo_get_locked(ism_catalog_set *cs, const char *key)
{
    return cs->memo ? json_incref(json_object_get(cs->memo, key)) : NULL;
}

/* Keeps o (borrowed) under key, with mu held. A key that is not valid UTF-8 is not kept. */
static void memo_put_locked(ism_catalog_set *cs, const char *key, json_t *o)
{
    if (!cs->memo) cs->memo = json_object();
    json_object_set(cs->memo, key, o);
}

/* The caller's own copy of a kept answer (consumed). */
static json_t *memo_copy(json_t *kept, ism_error *err)
{
    json_t *o = json_deep_copy(kept);
    json_decref(kept);
    if (!o) ism_error_set(err, ISM_E_INTERNAL, "out of memory copying a catalog answer");
    return o;
}

static json_t *item_locked(ism_catalog_set *cs, const char *cat, const char *id, ism_error *err);

/* An item is assembled from several queries and JSON columns; the matrix, the evidence support
 * and every report ask for hundreds of them per build, so each is assembled once per set. */
json_t *ism_catalog_item(ism_catalog_set *cs, const char *cat, const char *id, ism_error *err)
{
    char *key = ism_strdupf("item\n%s\n%s", cat ? cat : "", id ? id : "");
    pthread_mutex_lock(&cs->mu);
    json_t *kept = memo_get_locked(cs, key);
    if (!kept && (kept = item_locked(cs, cat, id, err))) memo_put_locked(cs, key, kept);
    pthread_mutex_unlock(&cs->mu);
    free(key);
    return kept ? memo_copy(kept, err) : NULL;
}

/* ism_catalog_item's answer assembled now, with mu held. New reference, or NULL with err. */
static json_t *item_locked(ism_catalog_set *cs, const char *cat, const char *id, ism_error *err)
{
    json_t *o = get_item_locked(cs, cat, id);
    if (!o) {
        not_found(cs, cat, id, err);
        return NULL;
    }
    json_object_set_new(o, "catalog", json_string(cat));
    /* Ancestors, nearest last. */
    json_t *anc = json_array();
    char cur[256];
    const char *p = ism_json_getstr(o, "parent");
    bool have = p && ism_strlcpy(cur, p, sizeof cur);
    for (int guard = 0; have && guard < 32; guard++) {
        json_t *pi = get_item_locked(cs, cat, cur);
        if (!pi) break;
        json_array_insert_new(anc, 0,
                              json_pack("{s:s, s:s, s:O}", "id", cur, "class",
                                        ism_json_getstr(pi, "class"), "title",
                                        json_object_get(pi, "title")));
        const char *pp = ism_json_getstr(pi, "parent");
        have = pp && ism_strlcpy(cur, pp, sizeof cur);
        json_decref(pi);
    }
    json_object_set_new(o, "ancestors", anc);
    json_t *kids = json_array(), *profs = json_array();
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT id FROM items WHERE cat=? AND parent=? ORDER BY seq", -1,
                           &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(kids, json_string(cat_col(s, 0)));
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(cs->db,
                           "SELECT profile FROM profiles WHERE cat=? AND item=? "
                           "ORDER BY profile",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(profs, json_string(cat_col(s, 0)));
    }
    sqlite3_finalize(s);
    json_object_set_new(o, "children", kids);
    json_object_set_new(o, "profiles", profs);
    json_object_set_new(o, "mappings", edges_locked(cs, cat, id));
    return o;
}

json_t *cat_items_locked(ism_catalog_set *cs, const char *cat, const char *cls, const char *profile,
                         ism_error *err)
{
    json_t *arr = NULL;
    sqlite3_stmt *s = NULL;
    if (!catalog_known(cs, cat, "catalog")) {
        ism_error_set(err, ISM_E_NOT_FOUND, "no catalog named '%s'", cat);
    } else if (prepare(cs,
                       "SELECT " ITEM_COLS " FROM items i WHERE cat=?1 AND (?2 IS NULL OR "
                       "class=?2) AND (?3 IS NULL OR EXISTS (SELECT 1 FROM profiles p WHERE "
                       "p.cat=i.cat AND p.profile=?3 AND p.item=i.id)) ORDER BY seq",
                       &s, err)) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, cls, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, profile, -1, SQLITE_STATIC);
        arr = json_array();
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(arr, item_row(s));
    }
    sqlite3_finalize(s);
    return arr;
}

json_t *ism_catalog_items(ism_catalog_set *cs, const char *cat, const char *cls,
                          const char *profile, ism_error *err)
{
    /* "\x01" stands for an absent filter (an empty one is a filter that matches nothing). */
    char *key = ism_strdupf("items\n%s\n%s\n%s", cat ? cat : "\x01", cls ? cls : "\x01",
                            profile ? profile : "\x01");
    pthread_mutex_lock(&cs->mu);
    json_t *kept = memo_get_locked(cs, key);
    if (!kept && (kept = cat_items_locked(cs, cat, cls, profile, err)))
        memo_put_locked(cs, key, kept);
    pthread_mutex_unlock(&cs->mu);
    free(key);
    return kept ? memo_copy(kept, err) : NULL;
}

/* ---- search ------------------------------------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Splits the query on ASCII and ideographic spaces into terms (malloc'd, caller frees). */
static int split_terms(const char *q, char ***out)
{
    char *copy = strdup(q);
    char **terms = NULL;
    int n = 0;
    char *p = copy;
    while (*p) {
        while (*p == ' ' || *p == '\t' || !strncmp(p, "\xe3\x80\x80", 3))
            p += (*p == ' ' || *p == '\t') ? 1 : 3;
        if (!*p) break;
        char *start = p;
        while (*p && *p != ' ' && *p != '\t' && strncmp(p, "\xe3\x80\x80", 3))
            p++;
        terms = realloc(terms, (size_t)(n + 1) * sizeof *terms);
        terms[n++] = strndup(start, (size_t)(p - start));
    }
    free(copy);
    *out = terms;
    return n;
}

/* A window of text around the first occurrence of term, marked with 【】. */
static char *make_snippet(const char *text, const char *term)
{
    if (!text) return NULL;
    const char *hit = *term ? strcasestr(text, term) : NULL;
    if (!hit) {
        size_t len = strlen(text);
        if (len <= 120) return strdup(text);
        const char *e = text + 120;
        while (e > text && ((unsigned char)*e & 0xC0) == 0x80)
            e--;
        char *s = ism_strdupf("%.*s…", (int)(e - text), text);
        return s;
    }
    const char *b = hit;
    for (int c = 0; b > text && c < 30;) {
        b--;
        if (((unsigned char)*b & 0xC0) != 0x80) c++;
    }
    const char *e = hit + strlen(term);
    for (int c = 0; *e && c < 50; e++)
        if (((unsigned char)e[1] & 0xC0) != 0x80) c++;
    return ism_strdupf("%s%.*s【%.*s】%.*s%s", b > text ? "…" : "", (int)(hit - b), b,
                       (int)strlen(term), hit, (int)(e - hit - (int)strlen(term)),
                       hit + strlen(term), *e ? "…" : "");
}

/* The synonym group of term (ASCII case-insensitive), itself first: a json array of strings. With
 * the mutex held. */
static json_t *alternatives_locked(ism_catalog_set *cs, const char *term)
{
    json_t *alts = json_array();
    json_array_append_new(alts, json_string(term));
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(cs->db,
                           "SELECT term FROM synonyms WHERE grp=(SELECT grp FROM synonyms WHERE "
                           "term=lower(?1)) AND term<>lower(?1) ORDER BY rowid",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, term, -1, SQLITE_STATIC);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(alts, json_string(cat_col(s, 0)));
    }
    sqlite3_finalize(s);
    return alts;
}

static bool is_synonym_locked(ism_catalog_set *cs, const char *phrase)
{
    sqlite3_stmt *s = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(cs->db, "SELECT 1 FROM synonyms WHERE term=lower(?)", -1, &s, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(s, 1, phrase, -1, SQLITE_STATIC);
        yes = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return yes;
}

/* The query's terms, each with its alternatives: words that together form a phrase of the
 * synonym table ("incident response") are one term; every term matches when any of its
 * alternatives does. [[term, synonym...], ...]. With the mutex held. */
static json_t *expand_terms_locked(ism_catalog_set *cs, char **words, int n)
{
    json_t *out = json_array();
    for (int i = 0; i < n;) {
        int take = 1;
        char *phrase = NULL;
        for (int j = n; j > i + 1 && !phrase; j--) {
            char *p = strdup(words[i]);
            for (int k = i + 1; k < j; k++) {
                char *q = ism_strdupf("%s %s", p, words[k]);
                free(p);
                p = q;
            }
            if (is_synonym_locked(cs, p)) {
                phrase = p;
                take = j - i;
            } else {
                free(p);
            }
        }
        json_array_append_new(out, alternatives_locked(cs, phrase ? phrase : words[i]));
        free(phrase);
        i += take;
    }
    return out;
}

/* s as a LIKE pattern matching it anywhere (malloc'd). */
static char *like_pattern(const char *s)
{
    char *like = malloc(strlen(s) * 2 + 3), *w = like;
    *w++ = '%';
    for (const char *r = s; *r; r++) {
        if (*r == '%' || *r == '_' || *r == '\\') *w++ = '\\';
        *w++ = *r;
    }
    *w++ = '%';
    *w = '\0';
    return like;
}

/* s as an FTS5 phrase (malloc'd). */
static char *fts_phrase(const char *s)
{
    char *q = malloc(strlen(s) * 2 + 3), *w = q;
    *w++ = '"';
    for (const char *r = s; *r; r++) {
        if (*r == '"') *w++ = '"';
        *w++ = *r;
    }
    *w++ = '"';
    *w = '\0';
    return q;
}

static char *append(char *a, const char *b)
{
    char *o = ism_strdupf("%s%s", a, b);
    free(a);
    return o;
}

#define SEARCH_COLS "SELECT i.cat, i.id, i.class, i.title_ja, i.title_en, i.text_ja, i.text_en "

/* The SQL for the expanded terms. Trigram matching needs three characters; when any alternative
 * is shorter (暗号, 鍵, ログ) every term is scanned with LIKE, which over a few thousand items is
 * still a few milliseconds; items matching in their own title or text rank first there. */
static char *search_sql(const json_t *terms, bool scan)
{
    if (!scan)
        return strdup(SEARCH_COLS
                      "FROM items_fts f JOIN items i ON i.cat=f.cat AND i.id=f.id "
                      "WHERE items_fts MATCH ?1 AND (?2 IS NULL OR f.cat=?2) "
                      "ORDER BY bm25(items_fts, 0, 10.0, 5.0, 1.0, 0.5, 0.2), i.cat, i.seq "
                      "LIMIT ?3");
    char *cond = strdup("1"), *score = strdup("0");
    int p = 4;
    size_t i, j;
    json_t *alts, *a;
    json_array_foreach(terms, i, alts)
    {
        cond = append(cond, " AND (0");
        json_array_foreach(alts, j, a)
        {
            char *c = ism_strdupf(" OR i.hay LIKE ?%d ESCAPE '\\'", p);
            char *sc = ism_strdupf(" + (i.own LIKE ?%d ESCAPE '\\')", p);
            cond = append(cond, c);
            score = append(score, sc);
            free(c);
            free(sc);
            p++;
        }
        cond = append(cond, ")");
    }
    char *sql = ism_strdupf(SEARCH_COLS "FROM items i WHERE (?2 IS NULL OR i.cat=?2) AND %s "
                                        "ORDER BY %s DESC, i.cat, i.seq LIMIT ?3",
                            cond, score);
    free(cond);
    free(score);
    return sql;
}

static void search_bind(sqlite3_stmt *s, const json_t *terms, bool scan)
{
    size_t i, j;
    json_t *alts, *a;
    if (!scan) {
        char *m = strdup("");
        json_array_foreach(terms, i, alts)
        {
            m = append(m, i ? " AND (" : "(");
            json_array_foreach(alts, j, a)
            {
                char *q = fts_phrase(json_string_value(a));
                m = append(m, j ? " OR " : "");
                m = append(m, q);
                free(q);
            }
            m = append(m, ")");
        }
        sqlite3_bind_text(s, 1, m, -1, free);
        return;
    }
    int p = 4;
    json_array_foreach(terms, i, alts) json_array_foreach(alts, j, a)
        sqlite3_bind_text(s, p++, like_pattern(json_string_value(a)), -1, free);
}

/* The snippet around the first alternative found in the text (else the title, else the
 * opening of the text). */
static char *hit_snippet(const char *text, const char *title, const json_t *terms)
{
    size_t i, j;
    json_t *alts, *a;
    const char *where[] = {text, title};
    for (int w = 0; w < 2; w++) {
        if (!where[w]) continue;
        json_array_foreach(terms, i, alts) json_array_foreach(alts, j, a)
        {
            if (strcasestr(where[w], json_string_value(a)))
                return make_snippet(where[w], json_string_value(a));
        }
    }
    return make_snippet(text ? text : title, "");
}

json_t *ism_catalog_search(ism_catalog_set *cs, const char *query, const char *cat, int limit,
                           ism_error *err)
{
    char **words = NULL;
    int n = split_terms(query ? query : "", &words);
    if (n == 0) {
        free(words);
        ism_error_set(err, ISM_E_INVALID_PARAMS, "the search text is empty");
        return NULL;
    }
    pthread_mutex_lock(&cs->mu);
    json_t *terms = expand_terms_locked(cs, words, n);
    bool scan = false;
    size_t i, j;
    json_t *alts, *a;
    json_array_foreach(terms, i, alts) json_array_foreach(alts, j, a) scan |=
        utf8_chars(json_string_value(a)) < 3;
    char *sql = search_sql(terms, scan);
    sqlite3_stmt *s = NULL;
    json_t *arr = NULL;
    if (prepare(cs, sql, &s, err)) {
        search_bind(s, terms, scan);
        sqlite3_bind_text(s, 2, cat, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 3, limit);
        arr = json_array();
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *text = cat_col(s, 5) ? cat_col(s, 5) : cat_col(s, 6);
            const char *title = cat_col(s, 3) ? cat_col(s, 3) : cat_col(s, 4);
            char *snip = hit_snippet(text, title, terms);
            json_t *row =
                json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "catalog", cat_col(s, 0), "id",
                          cat_col(s, 1), "class", cat_col(s, 2), "title", title, "snippet", snip);
            free(snip);
            json_array_append_new(arr, row);
        }
        if (rc != SQLITE_DONE) {
            cat_sql_error(cs, err, "search");
            json_decref(arr);
            arr = NULL;
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&cs->mu);
    json_decref(terms);
    free(sql);
    for (int k = 0; k < n; k++)
        free(words[k]);
    free(words);
    return arr;
}

/* ---- transitive mapping ------------------------------------------------------------------- */

/* Combines the relationship so far with the next step's. */
static const char *compose(const char *a, const char *b)
{
    if (!a) return b;
    bool ea = !strcmp(a, "equal-to") || !strcmp(a, "equivalent-to");
    bool eb = !strcmp(b, "equal-to") || !strcmp(b, "equivalent-to");
    if (!strcmp(a, "no-relationship") || !strcmp(b, "no-relationship")) return "no-relationship";
    if (ea && eb)
        return (!strcmp(a, "equal-to") && !strcmp(b, "equal-to")) ? "equal-to" : "equivalent-to";
    if (ea) return b;
    if (eb) return a;
    if (!strcmp(a, b) && (!strcmp(a, "subset-of") || !strcmp(a, "superset-of"))) return a;
    return "intersects-with";
}

json_t *ism_catalog_map(ism_catalog_set *cs, const char *cat, const char *id, int max_depth,
                        ism_error *err)
{
    if (max_depth < 1) max_depth = 1;
    if (max_depth > 6) max_depth = 6;
    pthread_mutex_lock(&cs->mu);
    if (!has_locked(cs, cat, id)) {
        not_found(cs, cat, id, err);
        pthread_mutex_unlock(&cs->mu);
        return NULL;
    }
    /* Start from the item, or its nearest ancestor that has mappings. */
    char start[256];
    ism_strlcpy(start, id, sizeof start);
    json_t *first = edges_locked(cs, cat, start);
    json_t *inherited = json_null();
    for (int guard = 0; json_array_size(first) == 0 && guard < 32; guard++) {
        json_t *it = get_item_locked(cs, cat, start);
        const char *p = it ? ism_json_getstr(it, "parent") : NULL;
        if (!p) {
            json_decref(it);
            break;
        }
        ism_strlcpy(start, p, sizeof start);
        json_decref(it);
        json_decref(first);
        first = edges_locked(cs, cat, start);
        json_decref(inherited);
        inherited = json_string(start);
    }
    json_decref(first);

    /* Breadth-first over (catalog, item) nodes; each result keeps the chain that reached it. */
    json_t *seen = json_object();
    char key[600];
    snprintf(key, sizeof key, "%s:%s", cat, start);
    json_object_set_new(seen, key, json_true());
    json_t *frontier = json_array(), *results = json_array();
    json_array_append_new(frontier, json_pack("{s:s, s:s, s:[], s:n}", "catalog", cat, "item",
                                              start, "chain", "rel"));
    for (int depth = 1; depth <= max_depth && json_array_size(frontier); depth++) {
        json_t *next = json_array();
        size_t i, j;
        json_t *node, *e;
        json_array_foreach(frontier, i, node)
        {
            json_t *edges =
                edges_locked(cs, ism_json_getstr(node, "catalog"), ism_json_getstr(node, "item"));
            json_array_foreach(edges, j, e)
            {
                const char *oc = ism_json_getstr(e, "catalog"), *oi = ism_json_getstr(e, "item");
                snprintf(key, sizeof key, "%s:%s", oc, oi);
                if (json_object_get(seen, key)) continue;
                json_object_set_new(seen, key, json_true());
                json_t *chain = json_deep_copy(json_object_get(node, "chain"));
                char from[600];
                snprintf(from, sizeof from, "%s:%s", ism_json_getstr(node, "catalog"),
                         ism_json_getstr(node, "item"));
                json_array_append_new(chain, json_pack("{s:O, s:s, s:s, s:O, s:O, s:O}",
                                                       "crosswalk", json_object_get(e, "crosswalk"),
                                                       "from", from, "to", key, "relationship",
                                                       json_object_get(e, "relationship"),
                                                       "rationale", json_object_get(e, "rationale"),
                                                       "method", json_object_get(e, "method")));
                const char *rel =
                    compose(ism_json_getstr(node, "rel"), ism_json_getstr(e, "relationship"));
                json_t *conf = json_object_get(e, "confidence");
                double c = json_is_number(conf) ? json_number_value(conf) : 1.0;
                json_t *prevc = json_object_get(node, "confidence");
                if (json_is_number(prevc)) c *= json_number_value(prevc);
                json_array_append_new(results,
                                      json_pack("{s:s, s:s, s:s, s:f, s:i, s:O}", "catalog", oc,
                                                "item", oi, "relationship", rel, "confidence", c,
                                                "depth", depth, "chain", chain));
                json_array_append_new(next,
                                      json_pack("{s:s, s:s, s:o, s:s, s:f}", "catalog", oc, "item",
                                                oi, "chain", chain, "rel", rel, "confidence", c));
            }
            json_decref(edges);
        }
        json_decref(frontier);
        frontier = next;
    }
    json_decref(frontier);
    json_decref(seen);
    pthread_mutex_unlock(&cs->mu);
    return json_pack("{s:s, s:s, s:o, s:i, s:o}", "catalog", cat, "id", id, "inherited_from",
                     inherited, "max_depth", max_depth, "results", results);
}

json_t *ism_catalog_profile(ism_catalog_set *cs, const char *cat, const char *profile,
                            ism_error *err)
{
    pthread_mutex_lock(&cs->mu);
    sqlite3_stmt *s = NULL;
    json_t *out = NULL;
    if (sqlite3_prepare_v2(cs->db, "SELECT doc FROM catalogs WHERE id=? AND kind='catalog'", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, cat, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            json_t *doc = cat_col_json(s, 0);
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(doc, "profiles"), i, p)
            {
                const char *id = ism_json_getstr(p, "id");
                if (id && !strcmp(id, profile)) out = json_incref(p);
            }
            json_decref(doc);
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&cs->mu);
    if (!out) ism_error_set(err, ISM_E_NOT_FOUND, "catalog %s has no profile '%s'", cat, profile);
    return out;
}
