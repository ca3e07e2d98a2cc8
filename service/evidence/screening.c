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
    bool listed; /* listed and valid: rows from 3 on need no answer */
    char listed_reason[400];
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
    sqlite3 *db = ism_store_read_begin(st);
    json_t *r = ism_imp_ismap_lookup_db(db, provider, service, today);
    ism_store_read_end(st, db);
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
        warn(
            s, "listing_claim",
            json_sprintf("questionnaire row 2 claims the service is on the %s list, but the lookup "
                         "says: %s",
                         ism_json_getstr(claim, "list") ? ism_json_getstr(claim, "list") : "ISMAP",
                         ism_json_getstr(best, "message")));
    const char *cl = claimed ? ism_json_getstr(claim, "list") : NULL,
               *found = ism_json_getstr(best, "list");
    if (cl && found && strcmp(cl, found) && rank(status) >= 2)
        warn(s, "listing_list",
             json_sprintf("row 2 names the %s list but the service is on %s", cl, found));
    const char *conf =
        s->quest ? ism_json_getstr(json_object_get(s->quest, "data"), "confidentiality") : NULL;
    if (found && !strcmp(found, "ISMAP-LIU") && conf && !strcmp(conf, "3B"))
        warn(s, "liu_3b",
             json_sprintf("ISMAP-LIU covers SaaS for low-risk uses, but row 1 says the service "
                          "will hold 機密性3B information"));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(best, "checked_against"), i,
                       l) if (ism_json_getstr(l, "warning"))
        warn(s, "list_age", json_string(ism_json_getstr(l, "warning")));
}

/* Looks the service up under the subject's names and under the names row 2 gives. */
static json_t *listing(scr *s, ism_store *st)
{
    json_t *checked = json_array();
    const char *prov = ism_json_getstr(s->subject, "provider");
    const char *svc = ism_json_getstr(s->subject, "service_name");
    if (!svc) svc = ism_json_getstr(s->subject, "name");
    if (prov && svc) json_array_append_new(checked, lookup(st, "subject", prov, svc, s->today));
    const json_t *claim =
        s->quest ? json_object_get(json_object_get(s->quest, "data"), "listing") : NULL;
    const char *cp = ism_json_getstr(claim, "provider"), *cv = ism_json_getstr(claim, "service");
    if (cp && cv)
        json_array_append_new(checked, lookup(st, "questionnaire row 2", cp, cv, s->today));
    json_t *best = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(checked, i, r) if (!best || rank(ism_json_getstr(r, "status")) >
                                                       rank(ism_json_getstr(best, "status"))) best =
        r;
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
    s->listed = !strcmp(ism_json_getstr(out, "status"), "listed");
    if (s->listed)
        snprintf(
            s->listed_reason, sizeof s->listed_reason,
            "ISMAP-listed (%s, registration %s), valid until %s: rows from 3 on need no answer",
            ism_json_getstr(out, "list"),
            ism_json_getstr(out, "reg_no") ? ism_json_getstr(out, "reg_no") : "-",
            ism_json_getstr(out, "valid_until"));
    return out;
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
        snprintf(reason, sizeof reason, "%s", s->listed_reason);
    } else {
        v = answer_verdict(row_no ? q_row(s, row_no) : NULL, reason, sizeof reason);
        if (!v) v = evidence_verdict(es, reason, sizeof reason);
    }
    json_t *o = json_pack("{s:s, s:O?, s:s?, s:s, s:s, s:o}", "id", id, "title",
                          json_object_get(s->titles, id), "row", row_no, "verdict", v, "reason",
                          reason, "evidence", es ? json_incref((json_t *)es) : json_array());
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
        snprintf(reason, sizeof reason, "%s", s->listed_reason);
    } else if (!(v = answer_verdict(ans, reason, sizeof reason))) {
        v = json_array_size(items) ? rollup(items, reason, sizeof reason)
                                   : evidence_verdict(ev, reason, sizeof reason);
    }
    return json_pack(
        "{s:s, s:O?, s:O?, s:O?, s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:o, s:o}", "no", no, "title",
        json_object_get(json_object_get(qi, "title"), "ja"), "text",
        json_object_get(json_object_get(qi, "text"), "ja"), "ismap_refs",
        json_object_get(props, "ismap_refs"), "answer", ism_json_getstr(ans, "answer"), "mark",
        ism_json_getstr(ans, "mark"), "remarks", ism_json_getstr(ans, "remarks"), "ismap_name",
        ism_json_getstr(json_array_get(json_object_get(props, "criteria_names"), 0), ""), "verdict",
        v, "reason", reason, "evidence", ev, "items", items);
}

static json_t *info_row(scr *s, const json_t *qi, const json_t *listing)
{
    const char *no = ism_json_getstr(qi, "id");
    const json_t *d = s->quest ? json_object_get(s->quest, "data") : NULL;
    char reason[700];
    if (!strcmp(no, "1")) {
        const json_t *r1 = json_object_get(d, "row1");
        snprintf(reason, sizeof reason, "機密性 %s%s%.500s",
                 ism_json_getstr(r1, "confidentiality") ? ism_json_getstr(r1, "confidentiality")
                                                        : "(not stated)",
                 ism_json_getstr(r1, "information") ? ": " : "",
                 ism_json_getstr(r1, "information") ? ism_json_getstr(r1, "information") : "");
    } else {
        snprintf(reason, sizeof reason, "%s", ism_json_getstr(listing, "message"));
    }
    const json_t *claim = json_object_get(d, "listing");
    return json_pack("{s:s, s:O?, s:O?, s:s?, s:s, s:s, s:[], s:[]}", "no", no, "title",
                     json_object_get(json_object_get(qi, "title"), "ja"), "text",
                     json_object_get(json_object_get(qi, "text"), "ja"), "answer",
                     !strcmp(no, "2") ? ism_json_getstr(claim, "answer") : NULL, "verdict",
                     !strcmp(no, "2") ? (s->listed ? "met" : "info") : "info", "reason", reason,
                     "evidence", "items");
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
        if (strcmp(st, "supports") && strcmp(ism_json_getstr(d, "kind"), "file") &&
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
    if (s->listed)
        summary = ism_strdupf("%s.", s->listed_reason);
    else
        summary = ism_strdupf("%s. Of the %lld must-meet ISMAP items: %lld met, %lld unmet, %lld "
                              "answered × with an alternative measure to review, %lld lacking "
                              "evidence.",
                              !strcmp(status, "expired")   ? ism_json_getstr(listing, "message")
                              : !strcmp(status, "no_list") ? "The ISMAP list has not been imported"
                                                           : "Not ISMAP-listed",
                              (long long)json_integer_value(json_object_get(mm, "total")),
                              (long long)met, (long long)unmet, (long long)alt, (long long)none);
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
    scr s = {cs, t, NULL, NULL, NULL, json_object(), json_object(), json_array(), false, ""};
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
    return out;
}
