/* screening.c — the procurement verdict for a subject: is the service on the ISMAP / ISMAP-LIU
 * list and valid; which questionnaire rows and which of the 152 must-meet ISMAP items are met,
 * unmet, answered × with an alternative measure to review, or still lacking evidence; and what
 * the evidence says about each (ism_evidence_support). Derived on every call, never stored. */
#include "import_int.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

typedef struct scr {
    ism_catalog_set *cs;
    const char *today;
    json_t *subject;
    json_t *quest;   /* the current questionnaire evidence (with data) or NULL */
    json_t *support; /* ism_evidence_support */
    json_t *parent;  /* ismap id → parent id */
    json_t *titles;  /* ismap id → title (or the start of its text) */
    json_t *warnings;
    bool listed;         /* listed and valid: rows from 3 on need no answer */
    char *listed_reason; /* owned; NULL when not listed */
} scr;

static void warn(scr *s, const char *code, json_t *message)
{
    json_array_append_new(s->warnings, json_pack("{s:s, s:o}", "code", code, "message", message));
}

/* ---- the listing ------------------------------------------------------------------------------
 */

static int rank(const char *status)
{
    return !strcmp(status, "listed")       ? 3
           : !strcmp(status, "expired")    ? 2
           : !strcmp(status, "not_listed") ? 1
                                           : 0;
}

static json_t *lookup(ism_store *st, const char *source, const char *provider, const char *service,
                      const char *today)
{
    ism_db *db = ism_store_reader(st);
    json_t *r = ism_imp_ismap_lookup_db(db, provider, service, today);
    ism_store_reader_end(st, db);
    json_object_set_new(r, "checked_by", json_string(source));
    return r;
}

static void listing_warnings(scr *s, json_t *best, const json_t *claim)
{
    const char *status = ism_json_getstr(best, "status");
    bool claimed =
        claim &&
        !strcmp(ism_json_getstr(claim, "answer") ? ism_json_getstr(claim, "answer") : "", "yes");
    if (claimed && strcmp(status, "listed"))
        warn(s, "listing_claim",
             json_sprintf(
                 "別紙 2 で %s 掲載と回答していますが、リスト照合の結果: %s / questionnaire "
                 "row 2 claims the service is on the %s list, but the lookup says: %s",
                 ism_json_getstr(claim, "list") ? ism_json_getstr(claim, "list") : "ISMAP",
                 ism_json_getstr(best, "message"),
                 ism_json_getstr(claim, "list") ? ism_json_getstr(claim, "list") : "ISMAP",
                 ism_json_getstr(best, "message")));
    const char *cl = claimed ? ism_json_getstr(claim, "list") : NULL,
               *found = ism_json_getstr(best, "list");
    if (cl && found && strcmp(cl, found) && rank(status) >= 2)
        warn(s, "listing_list",
             json_sprintf(
                 "別紙 2 は %s と回答していますが、掲載は %s です / row 2 names the %s list "
                 "but the service is on %s",
                 cl, found, cl, found));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(best, "checked_against"), i,
                       l) if (ism_json_getstr(l, "warning"))
        warn(s, "list_age", json_string(ism_json_getstr(l, "warning")));
}

static const char *claim_answer(const json_t *claim)
{
    const char *a = claim ? ism_json_getstr(claim, "answer") : NULL;
    return a ? a : "";
}

/* Whether two lookups found the same registration. */
static bool same_entry(const json_t *a, const json_t *b)
{
    const char *ra = ism_json_getstr(a, "reg_no"), *rb = ism_json_getstr(b, "reg_no");
    if (ra && rb) return !strcmp(ra, rb);
    const char *sa = ism_json_getstr(a, "service"), *sb = ism_json_getstr(b, "service");
    return sa && sb && !strcmp(sa, sb);
}

/* Looks the service up under the subject's names and under the names row 2 gives. The provider's
 * own answer in row 2 is not overridden by the subject's name: when row 2 is answered (○ with
 * names, or ×), the subject's lookup must agree with it, else the listing is a conflict and the
 * service is not treated as listed. ISMAP-LIU covers low-impact SaaS use only, so an LIU
 * registration does not stand in for the 別紙 rows when row 1 says 機密性3B. */
static json_t *listing(scr *s, ism_store *st)
{
    json_t *checked = json_array();
    const char *prov = ism_json_getstr(s->subject, "provider");
    const char *svc = ism_json_getstr(s->subject, "service_name");
    if (!svc) svc = ism_json_getstr(s->subject, "name");
    json_t *by_subject = NULL, *by_row2 = NULL;
    if (prov && svc) {
        by_subject = lookup(st, "subject", prov, svc, s->today);
        json_array_append_new(checked, by_subject);
    }
    const json_t *claim =
        s->quest ? json_object_get(json_object_get(s->quest, "data"), "listing") : NULL;
    const char *cp = ism_json_getstr(claim, "provider"), *cv = ism_json_getstr(claim, "service");
    const char *answer = claim_answer(claim);
    if (cp && cv) {
        by_row2 = lookup(st, "questionnaire row 2", cp, cv, s->today);
        json_array_append_new(checked, by_row2);
    }
    json_t *best = NULL, *conflict = NULL;
    if (!strcmp(answer, "no") && by_subject &&
        !strcmp(ism_json_getstr(by_subject, "status"), "listed")) {
        /* The provider says × (not listed); the subject's name matches a listed service. */
        best = by_subject;
        conflict = json_sprintf(
            "別紙 2 は「×」（ISMAP/ISMAP-LIU "
            "に掲載されていない）と回答していますが、対象の名称は掲載"
            "サービス「%s」（%"
            "s）に一致します。事業者の回答を優先し、掲載済みとは扱いません。対象の名称"
            "か回答を確認してください。 / Row 2 is answered × (not listed), but the subject's "
            "names "
            "match the listed service '%s' (%s): the provider's answer stands and the service is "
            "not treated as listed; correct the subject's names or the questionnaire.",
            ism_json_getstr(by_subject, "service") ? ism_json_getstr(by_subject, "service") : svc,
            ism_json_getstr(by_subject, "reg_no") ? ism_json_getstr(by_subject, "reg_no") : "-",
            ism_json_getstr(by_subject, "service") ? ism_json_getstr(by_subject, "service") : svc,
            ism_json_getstr(by_subject, "reg_no") ? ism_json_getstr(by_subject, "reg_no") : "-");
    } else if (by_row2) {
        /* Row 2 names the service: its lookup decides; the subject's must not contradict it. */
        best = by_row2;
        if (by_subject && !strcmp(ism_json_getstr(by_subject, "status"), "listed") &&
            !same_entry(by_subject, by_row2))
            conflict = json_sprintf(
                "対象の名称は掲載サービス「%s」に一致しますが、別紙 2 "
                "は別のサービス「%s」（%s）を挙げて"
                "います。別紙 2 の照合結果で判定します。 / The subject's names match the listed "
                "service '%s', but row 2 names another service, '%s' by '%s': row 2's lookup "
                "decides.",
                ism_json_getstr(by_subject, "service"), cv, cp,
                ism_json_getstr(by_subject, "service"), cv, cp);
    } else {
        json_t *r;
        size_t i;
        json_array_foreach(checked, i, r) if (!best || rank(ism_json_getstr(r, "status")) >
                                                           rank(ism_json_getstr(best, "status")))
            best = r;
    }
    json_t *out;
    if (!best) {
        out = json_pack("{s:s, s:s}", "status", "unknown", "message",
                        "no provider and service name to look up: give the subject a provider "
                        "and service_name, or import the questionnaire");
    } else {
        out = json_deep_copy(best);
        listing_warnings(s, best, claim);
    }
    json_object_set_new(out, "checked", checked);
    json_object_set(out, "claimed", claim ? (json_t *)claim : json_null());
    s->listed = !strcmp(ism_json_getstr(out, "status"), "listed") && !conflict;
    if (conflict) {
        warn(s, "listing_conflict", json_incref(conflict));
        json_object_set_new(out, "conflict", conflict);
    }
    const char *conf =
        s->quest ? ism_json_getstr(json_object_get(s->quest, "data"), "confidentiality") : NULL;
    const char *found = ism_json_getstr(out, "list");
    if (s->listed && found && !strcmp(found, "ISMAP-LIU") && conf && !strcmp(conf, "3B")) {
        s->listed = false;
        json_t *why = json_string(
            "ISMAP-LIU は機密性の低い情報を扱う低リスク用途の SaaS のための制度です。別紙 1 "
            "は機密性3B"
            "の情報を扱うとしているため、LIU 登録では「掲載済み」と判定せず、別紙 3 "
            "以降の回答で判定します。"
            " / ISMAP-LIU covers SaaS for low-impact uses only; row 1 says the service will hold "
            "機密性3B information, so the LIU registration does not decide 'listed': rows from 3 "
            "on are judged.");
        warn(s, "liu_3b", json_incref(why));
        json_object_set_new(out, "not_sufficient", why);
    }
    if (s->listed)
        s->listed_reason = ism_strdupf(
            "%s 掲載済み（登録番号 %s、%s まで有効）: 別紙 3 以降の回答は不要 / listed (%s, "
            "registration %s), valid until %s: rows from 3 on need no answer",
            ism_json_getstr(out, "list"),
            ism_json_getstr(out, "reg_no") ? ism_json_getstr(out, "reg_no") : "-",
            ism_json_getstr(out, "valid_until"), ism_json_getstr(out, "list"),
            ism_json_getstr(out, "reg_no") ? ism_json_getstr(out, "reg_no") : "-",
            ism_json_getstr(out, "valid_until"));
    return out;
}

/* Drops a character cut at the end of a fixed-size reason (snprintf counts bytes): jansson
 * refuses text that is not whole UTF-8, and the reason would vanish with its row. */
static char *whole_chars(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0) return s;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (i - 1) < need) s[i - 1] = '\0';
    return s;
}

/* ---- verdicts
 * ------------------------------------------------------------------------------------ */

static const json_t *entries(scr *s, const char *item)
{
    return json_object_get(json_object_get(s->support, "items"), item);
}

static const json_t *q_row(scr *s, const char *no)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(s->quest, "data"), "rows"), i,
                       r) if (!strcmp(ism_json_getstr(r, "no"), no)) return r;
    return NULL;
}

/* The verdict from a questionnaire answer, or NULL when the row is unanswered. */
static const char *answer_verdict(const json_t *row, char *reason, size_t n)
{
    const char *ans = row ? ism_json_getstr(row, "answer") : NULL;
    const char *rem = row ? ism_json_getstr(row, "remarks") : NULL;
    const char *no = row ? ism_json_getstr(row, "no") : "";
    if (!ans || !strcmp(ans, "empty")) return NULL;
    if (!strcmp(ans, "yes")) {
        snprintf(reason, n, "row %s answered ○", no);
        return "met";
    }
    if (rem) {
        snprintf(reason, n, "row %s answered %s; %s to review: %.600s", no,
                 !strcmp(ans, "no") ? "×" : "N/A",
                 !strcmp(ans, "no") ? "alternative measure" : "reason", rem);
        return "alternative";
    }
    snprintf(reason, n, "row %s answered %s without %s", no, !strcmp(ans, "no") ? "×" : "N/A",
             !strcmp(ans, "no") ? "an alternative measure" : "a reason");
    return "unmet";
}

/* Independent evidence (not the questionnaire) in a standing, as "CC6.1, A.9.2.3". */
static char *sources(const json_t *es, const char *standing)
{
    char *out = strdup("");
    size_t i;
    json_t *e;
    json_array_foreach(es, i, e)
    {
        if (!strcmp(ism_json_getstr(e, "kind"), "questionnaire") ||
            strcmp(ism_json_getstr(e, "standing"), standing) || strlen(out) > 300)
            continue;
        char *n = ism_strdupf("%s%s%s %s", out, *out ? ", " : "", ism_json_getstr(e, "kind"),
                              ism_json_getstr(e, "source"));
        free(out);
        out = n;
    }
    return out;
}

/* With no answer, independent evidence decides. Evidence against an item outweighs evidence
 * for it (an SoA exclusion is not cured by a SOC 2 test elsewhere); support meets it; anything
 * weaker leaves the item lacking evidence. */
static const char *evidence_verdict(const json_t *es, char *reason, size_t n)
{
    char *sup = sources(es, "supports"), *against = sources(es, "against");
    char *partial = sources(es, "partial");
    const char *v;
    if (*against) {
        snprintf(reason, n, "no questionnaire answer; evidence against it: %s%s%s", against,
                 *sup ? "; though supported by: " : "", sup);
        v = "unmet";
    } else if (*sup) {
        snprintf(reason, n, "no questionnaire answer; independent evidence supports it: %s", sup);
        v = "met";
    } else if (*partial) {
        snprintf(reason, n, "no questionnaire answer and only partial evidence: %s", partial);
        v = "no_evidence";
    } else {
        snprintf(reason, n, "no questionnaire answer and no current evidence bears on it");
        v = "no_evidence";
    }
    free(sup), free(against), free(partial);
    return v;
}

/* Independent evidence that disagrees with a ○: worth the officer's attention. */
static json_t *concerns(const json_t *es)
{
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(es, i, e)
    {
        const char *st = ism_json_getstr(e, "standing");
        if (strcmp(ism_json_getstr(e, "kind"), "questionnaire") &&
            (!strcmp(st, "against") || !strcmp(st, "partial")))
            json_array_append_new(out, json_sprintf("%s %s: %s", ism_json_getstr(e, "kind"),
                                                    ism_json_getstr(e, "source"),
                                                    ism_json_getstr(e, "reason")));
    }
    return out;
}

static json_t *item_verdict(scr *s, const char *id, const char *row_no)
{
    const json_t *es = entries(s, id);
    char reason[900];
    const char *v = NULL;
    if (s->listed) {
        v = "not_required";
        ism_strlcpy(reason, s->listed_reason, sizeof reason);
    } else {
        v = answer_verdict(row_no ? q_row(s, row_no) : NULL, reason, sizeof reason);
        if (!v) v = evidence_verdict(es, reason, sizeof reason);
    }
    json_t *o =
        json_pack("{s:s, s:O?, s:s?, s:s, s:s, s:o}", "id", id, "title",
                  json_object_get(s->titles, id), "row", row_no, "verdict", v, "reason",
                  whole_chars(reason), "evidence", es ? json_incref((json_t *)es) : json_array());
    json_t *c = concerns(es);
    if (json_array_size(c) && !strcmp(v, "met"))
        json_object_set_new(o, "concerns", c);
    else
        json_decref(c);
    return o;
}

/* ---- rows
 * ------------------------------------------------------------------------------------------ */

/* The questionnaire row whose ISMAP numbers contain id or one of its ancestors. */
static const char *row_for(scr *s, const json_t *qcat, const char *id)
{
    for (const char *cur = id; cur; cur = ism_json_getstr(s->parent, cur)) {
        size_t i, j;
        json_t *r, *ref;
        json_array_foreach(qcat, i, r) json_array_foreach(
            json_object_get(json_object_get(r, "props"), "ismap_refs"), j,
            ref) if (!strcmp(json_string_value(ref), cur)) return ism_json_getstr(r, "id");
    }
    return NULL;
}

static void count(json_t *counts, const char *verdict)
{
    json_object_set_new(counts, verdict,
                        json_integer(json_integer_value(json_object_get(counts, verdict)) + 1));
}

/* A row without its own answer takes the worst of its items' verdicts. */
static const char *rollup(const json_t *items, char *reason, size_t n)
{
    static const char *const order[] = {"unmet", "no_evidence", "alternative", "met"};
    for (int k = 0; k < 4; k++) {
        size_t i, hits = 0;
        json_t *it;
        json_array_foreach(items, i, it) hits += !strcmp(ism_json_getstr(it, "verdict"), order[k]);
        if (hits) {
            snprintf(reason, n, "no answer; from its %zu must-meet items: %zu %s",
                     json_array_size(items), hits, order[k]);
            return order[k];
        }
    }
    return NULL;
}

static json_t *row_evidence(scr *s, const json_t *refs)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *ref, *e;
    json_array_foreach(refs, i, ref) json_array_foreach(entries(s, json_string_value(ref)), j, e)
        json_array_append(out, e);
    return out;
}

/* Takes the reference to items. */
static json_t *mark_row(scr *s, const json_t *qi, json_t *items)
{
    const char *no = ism_json_getstr(qi, "id");
    const json_t *props = json_object_get(qi, "props");
    const json_t *ans = q_row(s, no);
    json_t *ev = row_evidence(s, json_object_get(props, "ismap_refs"));
    char reason[900];
    const char *v;
    if (s->listed) {
        v = "not_required";
        ism_strlcpy(reason, s->listed_reason, sizeof reason);
    } else if (!(v = answer_verdict(ans, reason, sizeof reason))) {
        v = json_array_size(items) ? rollup(items, reason, sizeof reason)
                                   : evidence_verdict(ev, reason, sizeof reason);
    }
    return json_pack("{s:s, s:O?, s:O?, s:O?, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:o, s:o}", "no",
                     no, "title", json_object_get(json_object_get(qi, "title"), "ja"), "text",
                     json_object_get(json_object_get(qi, "text"), "ja"), "ismap_refs",
                     json_object_get(props, "ismap_refs"), "answer", ism_json_getstr(ans, "answer"),
                     "mark", ism_json_getstr(ans, "mark"), "remarks",
                     ism_json_getstr(ans, "remarks"), "ismap_name",
                     json_string_value(json_array_get(json_object_get(props, "criteria_names"), 0)),
                     "verdict", v, "reason", whole_chars(reason), "evidence", ev, "items", items);
}

/* Rows 1 and 2 carry what the provider wrote: row 1 its 機密性 class (適合状況) and the information
 * handled (備考); row 2 its mark and the listed service it names. */
static json_t *info_row(scr *s, const json_t *qi, const json_t *listing)
{
    const char *no = ism_json_getstr(qi, "id");
    const json_t *d = s->quest ? json_object_get(s->quest, "data") : NULL;
    const json_t *claim = json_object_get(d, "listing");
    char *reason, *mark = NULL, *remarks = NULL;
    if (!strcmp(no, "1")) {
        const json_t *r1 = json_object_get(d, "row1");
        const char *conf = ism_json_getstr(r1, "confidentiality");
        const char *info = ism_json_getstr(r1, "information");
        reason = ism_strdupf("機密性 %s%s%s", conf ? conf : "（未記入 / not stated）",
                             info ? ": " : "", info ? info : "");
        if (conf) mark = ism_strdupf("機密性%s", conf);
        if (info) remarks = strdup(info);
    } else {
        const char *conflict = ism_json_getstr(listing, "conflict");
        const char *why = ism_json_getstr(listing, "not_sufficient");
        reason =
            ism_strdupf("%s%s%s", ism_json_getstr(listing, "message"), conflict || why ? "\n" : "",
                        conflict ? conflict
                        : why    ? why
                                 : "");
        const char *a = ism_json_getstr(claim, "answer");
        if (a) mark = strdup(!strcmp(a, "yes") ? "○" : !strcmp(a, "no") ? "×" : "");
        const char *p = ism_json_getstr(claim, "provider"), *v = ism_json_getstr(claim, "service");
        const char *l = ism_json_getstr(claim, "list");
        if (p || v || l)
            remarks = ism_strdupf("クラウド事業者名：%s\nクラウドサービス名：%s\n%s", p ? p : "",
                                  v ? v : "", l ? l : "");
    }
    json_t *o = json_pack("{s:s, s:O?, s:O?, s:s?, s:s?, s:s?, s:s, s:s, s:[], s:[]}", "no", no,
                          "title", json_object_get(json_object_get(qi, "title"), "ja"), "text",
                          json_object_get(json_object_get(qi, "text"), "ja"), "answer",
                          !strcmp(no, "2") ? ism_json_getstr(claim, "answer") : NULL, "mark", mark,
                          "remarks", remarks, "verdict",
                          !strcmp(no, "2") ? (s->listed ? "met" : "info") : "info", "reason",
                          reason, "evidence", "items");
    free(reason), free(mark), free(remarks);
    return o;
}

/* ---- the whole
 * ------------------------------------------------------------------------------------- */

static bool load_catalog(scr *s, ism_error *err)
{
    json_t *all = ism_catalog_items(s->cs, "ismap", NULL, NULL, err);
    if (!all) return false;
    size_t i;
    json_t *it;
    json_array_foreach(all, i, it)
    {
        const char *id = ism_json_getstr(it, "id"), *p = ism_json_getstr(it, "parent");
        if (p) json_object_set_new(s->parent, id, json_string(p));
        const char *t = ism_json_getstr(json_object_get(it, "title"), "ja");
        const char *text = ism_json_getstr(json_object_get(it, "text"), "ja");
        if (t)
            json_object_set_new(s->titles, id, json_string(t));
        else if (text) {
            char clip[200];
            json_object_set_new(s->titles, id, json_string(ism_tbl_clip(text, clip, sizeof clip)));
        }
    }
    json_decref(all);
    return true;
}

static void collect(json_t *list, const json_t *x, const char *verdict)
{
    if (!strcmp(ism_json_getstr(x, "verdict"), verdict))
        json_array_append_new(
            list, json_pack("{s:O?, s:O?, s:O?, s:O?}", "id", json_object_get(x, "id"), "title",
                            json_object_get(x, "title"), "row", json_object_get(x, "row"), "reason",
                            json_object_get(x, "reason")));
}

static json_t *duties(scr *s)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *d, *c;
    json_array_foreach(json_object_get(s->support, "documents"), i, d)
    {
        json_array_foreach(json_object_get(d, "cuecs"), j, c) json_array_append_new(
            out, json_pack("{s:s, s:O?, s:O?, s:O?}", "source", "SOC 2 CUEC", "id",
                           json_object_get(c, "id"), "duty", json_object_get(c, "description"),
                           "criteria", json_object_get(c, "criteria")));
        json_array_foreach(json_object_get(d, "csc_responsibilities"), j, c) json_array_append_new(
            out, json_pack("{s:s, s:O?, s:O?, s:O?}", "source", "CAIQ CSC", "id",
                           json_object_get(c, "question_id"), "duty", json_object_get(c, "duty"),
                           "ownership", json_object_get(c, "ownership")));
    }
    return out;
}

static void document_warnings(scr *s)
{
    size_t i, j;
    json_t *d, *c;
    json_array_foreach(json_object_get(s->support, "documents"), i, d)
    {
        const char *st = ism_json_getstr(d, "standing");
        if (ism_json_getstr(d, "future_dated"))
            warn(s, "future_dated",
                 json_sprintf("%s: %s", ism_json_getstr(d, "title"), ism_json_getstr(d, "reason")));
        else if (strcmp(st, "supports") && strcmp(ism_json_getstr(d, "kind"), "file") &&
                 strcmp(ism_json_getstr(d, "kind"), "caiq"))
            warn(s, st,
                 json_sprintf("%s: %s", ism_json_getstr(d, "title"), ism_json_getstr(d, "reason")));
        json_array_foreach(json_object_get(d, "carved_out"), j, c)
            warn(s, "carve_out",
                 json_sprintf("%s is carved out of %s: its controls are not covered; ask for its "
                              "own report",
                              ism_json_getstr(c, "name"), ism_json_getstr(d, "title")));
    }
    if (s->quest) {
        json_array_foreach(json_object_get(s->quest, "warnings"), i, c)
        {
            const char *code = ism_json_getstr(c, "code");
            if (code &&
                (!strcmp(code, "no_alternative") || !strcmp(code, "name_mismatch") ||
                 !strcmp(code, "ismap_number_mismatch") || !strcmp(code, "requirement_changed")))
                warn(s, code, json_string(ism_json_getstr(c, "message")));
        }
    }
}

static json_t *verdict(scr *s, json_t *mm, json_t *rows, const json_t *listing)
{
    const char *status = ism_json_getstr(listing, "status");
    json_int_t unmet = json_integer_value(json_object_get(mm, "unmet"));
    json_int_t none = json_integer_value(json_object_get(mm, "no_evidence"));
    json_int_t alt = json_integer_value(json_object_get(mm, "alternative"));
    json_int_t met = json_integer_value(json_object_get(mm, "met"));
    const char *decision = s->listed ? "listed"
                           : unmet   ? "unmet_requirements"
                           : none    ? "incomplete"
                           : alt     ? "review_alternatives"
                                     : "all_met";
    char *summary;
    if (s->listed) {
        summary = ism_strdupf("%s", s->listed_reason);
    } else {
        const char *ja = !strcmp(status, "expired")   ? "ISMAP登録の有効期限切れ"
                         : !strcmp(status, "no_list") ? "ISMAPリスト未取込"
                         : !strcmp(status, "listed") ? "ISMAP掲載を登録済みとは扱わない"
                                                     : "ISMAP未登録";
        const char *en = !strcmp(status, "expired")   ? ism_json_getstr(listing, "message")
                         : !strcmp(status, "no_list") ? "The ISMAP list has not been imported"
                         : !strcmp(status, "listed")  ? "Listed, but not treated as listed (see "
                                                        "the listing's warnings)"
                                                      : "Not ISMAP-listed";
        long long total = (long long)json_integer_value(json_object_get(mm, "total"));
        summary = ism_strdupf("%s。必須管理策 %lld 項目: 適合 %lld、不適合 %lld、代替策要確認 "
                              "%lld、証跡不足 %lld。 / %s. Of the %lld must-meet ISMAP items: "
                              "%lld met, %lld unmet, %lld answered × with an alternative measure "
                              "to review, %lld lacking evidence.",
                              ja, total, (long long)met, (long long)unmet, (long long)alt,
                              (long long)none, en ? en : "", total, (long long)met,
                              (long long)unmet, (long long)alt, (long long)none);
    }
    json_t *v = json_pack("{s:s, s:s, s:b, s:O?, s:O?}", "decision", decision, "summary", summary,
                          "listed_valid", s->listed, "must_meet", mm, "rows", rows);
    free(summary);
    return v;
}

static json_t *assemble(scr *s, ism_store *st, ism_error *err)
{
    json_t *listing_o = listing(s, st);
    json_t *qcat = ism_catalog_items(s->cs, "ismap-questionnaire", "row", NULL, err);
    json_t *must = ism_catalog_items(s->cs, "ismap", NULL, "must-meet", err);
    if (!qcat || !must) {
        json_decref(qcat), json_decref(must), json_decref(listing_o);
        return NULL;
    }
    json_t *by_row = json_object(), *all_items = json_array();
    json_t *mm =
        json_pack("{s:I, s:i, s:i, s:i, s:i, s:i}", "total", (json_int_t)json_array_size(must),
                  "met", 0, "unmet", 0, "alternative", 0, "no_evidence", 0, "not_required", 0);
    size_t i;
    json_t *it;
    json_array_foreach(must, i, it)
    {
        const char *id = ism_json_getstr(it, "id"), *no = row_for(s, qcat, id);
        json_t *v = item_verdict(s, id, no);
        count(mm, ism_json_getstr(v, "verdict"));
        json_array_append(all_items, v);
        json_t *list = json_object_get(by_row, no ? no : "");
        if (!list) json_object_set_new(by_row, no ? no : "", list = json_array());
        json_array_append_new(list, v);
    }
    json_t *rows = json_array(),
           *rc = json_pack("{s:i, s:i, s:i, s:i, s:i}", "met", 0, "unmet", 0, "alternative", 0,
                           "no_evidence", 0, "not_required", 0);
    json_array_foreach(qcat, i, it)
    {
        const char *no = ism_json_getstr(it, "id");
        const char *ans = ism_json_getstr(json_object_get(it, "props"), "answer");
        if (ans && !strcmp(ans, "mark")) {
            json_t *items = json_object_get(by_row, no);
            json_t *r = mark_row(s, it, items ? json_incref(items) : json_array());
            count(rc, ism_json_getstr(r, "verdict"));
            json_array_append_new(rows, r);
        } else {
            json_array_append_new(rows, info_row(s, it, listing_o));
        }
    }
    json_t *unmet = json_array(), *review = json_array(), *lacking = json_array();
    json_array_foreach(all_items, i, it)
    {
        collect(unmet, it, "unmet");
        collect(review, it, "alternative");
        collect(lacking, it, "no_evidence");
    }
    document_warnings(s);
    json_t *q =
        s->quest ? json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "evidence",
                             json_object_get(s->quest, "id"), "version",
                             json_object_get(s->quest, "version"), "imported_at",
                             json_object_get(s->quest, "imported_at"), "source",
                             json_object_get(s->quest, "source"), "confidentiality",
                             json_object_get(json_object_get(s->quest, "data"), "confidentiality"),
                             "summary", json_object_get(s->quest, "summary"))
                 : json_null();
    json_t *out =
        json_pack("{s:O?, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O?, s:O?}", "subject",
                  s->subject, "today", s->today, "listing", listing_o, "questionnaire", q,
                  "verdict", verdict(s, mm, rc, listing_o), "rows", rows, "unmet", unmet,
                  "to_review", review, "lacking_evidence", lacking, "customer_duties", duties(s),
                  "documents", json_object_get(s->support, "documents"), "warnings", s->warnings);
    json_decref(mm);
    json_decref(rc);
    json_decref(by_row);
    json_decref(all_items);
    json_decref(qcat);
    json_decref(must);
    return out;
}

json_t *ism_screening(ism_store *st, ism_catalog_set *cs, const char *subject, const char *org,
                      const char *today, ism_error *err)
{
    char t[11];
    long d;
    if (today && *today && !ism_imp_days(today, &d)) {
        ism_error_set(err, ISM_E_INVALID_PARAMS, "'today' must be a date YYYY-MM-DD, not '%s'",
                      today);
        return NULL;
    }
    if (today && *today)
        ism_strlcpy(t, today, sizeof t);
    else
        ism_imp_today(t);
    scr s = {cs, t, NULL, NULL, NULL, json_object(), json_object(), json_array(), false, NULL};
    json_t *out = NULL;
    if (!(s.subject = ism_subject_get(st, subject, org, err))) goto done;
    const char *sid = ism_json_getstr(s.subject, "id");
    json_t *qs = ism_evidence_current(st, sid, "questionnaire", org, err);
    if (!qs) goto done;
    s.quest = json_incref(json_array_get(qs, 0));
    json_decref(qs);
    if (!(s.support = ism_evidence_support(st, cs, sid, org, t, err))) goto done;
    if (!load_catalog(&s, err)) goto done;
    out = assemble(&s, st, err);
done:
    json_decref(s.subject);
    json_decref(s.quest);
    json_decref(s.support);
    json_decref(s.parent);
    json_decref(s.titles);
    json_decref(s.warnings);
    free(s.listed_reason);
    return out;
}
