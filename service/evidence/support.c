/* support.c — what the evidence of a subject says about each ISMAP item on a given day.
 *
 * Each current evidence item is first judged as a document (valid, expired, stale, not
 * evidence at all), then followed through the catalogs' crosswalks to the ISMAP items it bears
 * on: questionnaire rows by their ISMAP numbers, SOC 2 criteria through xw-soc2-ismap, SoA
 * Annex A controls through xw-ismap-iso27001-2013 (2022 controls first back through
 * xw-iso27001-2013-2022), CLD controls through xw-ismap-iso27017, certificates through the
 * management-system clauses they certify, and documents through the items named when they
 * were attached. A piece of evidence never says more than its document's standing allows. */
#include "import_int.h"
#include "ismap/store.h"

#include <stdlib.h>
#include <string.h>

typedef struct sup {
    ism_catalog_set *cs;
    const char *today;
    json_t *docs;      /* [{evidence row with data, standing...}] by kind */
    json_t *out_docs;  /* the documents array returned */
    json_t *items;     /* ismap id → [entries] */
    json_t *map13to22; /* cache: 2013 control → [2022 controls] */
} sup;

/* ---- documents ------------------------------------------------------------------------------- */

/* A copy of a reason built in a fixed buffer, without a character cut at its end (snprintf
 * counts bytes; jansson refuses text that is not whole UTF-8, and the entry would vanish).
 * Caller frees. */
static char *whole_copy(const char *s)
{
    char *c = strdup(s ? s : "");
    size_t n = strlen(c), i = n;
    while (i > 0 && ((unsigned char)c[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0) {
        unsigned char lead = (unsigned char)c[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - (i - 1) < need) c[i - 1] = '\0';
    }
    return c;
}

static json_t *doc_entry(const json_t *ev, const char *standing, const char *reason_in)
{
    const json_t *data = json_object_get(ev, "data");
    char *reason = whole_copy(reason_in);
    json_t *o =
        json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:s, s:s, s:O?, s:O?, s:O?}", "evidence",
                  json_object_get(ev, "id"), "kind", json_object_get(ev, "kind"), "key",
                  json_object_get(ev, "key"), "title", json_object_get(ev, "title"), "version",
                  json_object_get(ev, "version"), "standing", standing, "reason", reason,
                  "valid_until", json_object_get(ev, "valid_until"), "imported_at",
                  json_object_get(ev, "imported_at"), "source", json_object_get(ev, "source"));
    free(reason);
    if (ism_json_getstr(data, "scope")) json_object_set(o, "scope", json_object_get(data, "scope"));
    return o;
}

static bool expired_on(const char *today, const json_t *ev)
{
    const char *until = ism_json_getstr(ev, "valid_until");
    return until && strcmp(today, until) > 0;
}

static json_t *judge_soc2(sup *s, const json_t *ev)
{
    const json_t *d = json_object_get(ev, "data");
    const char *op = ism_json_getstr(d, "opinion"), *type = ism_json_getstr(d, "report_type");
    char reason[400];
    const char *standing = "supports";
    if (!strcmp(op, "adverse")) {
        standing = "against";
        snprintf(reason, sizeof reason, "the auditor's opinion is adverse");
    } else if (!strcmp(op, "disclaimer")) {
        standing = "not_evidence";
        snprintf(reason, sizeof reason, "the auditor disclaimed an opinion");
    } else if (expired_on(s->today, ev)) {
        standing = "stale";
        snprintf(reason, sizeof reason,
                 "the period ended %s, more than 12 months ago, and no bridge letter covers the "
                 "gap",
                 ism_json_getstr(json_object_get(d, "period"), "end"));
    } else if (!strcmp(type, "Type I")) {
        standing = "partial";
        snprintf(reason, sizeof reason,
                 "Type I: design at %s only; nothing about operating effectiveness",
                 ism_json_getstr(json_object_get(d, "period"), "end"));
    } else if (!strcmp(op, "qualified")) {
        standing = "partial";
        snprintf(reason, sizeof reason, "the auditor's opinion is qualified");
    } else {
        snprintf(reason, sizeof reason, "SOC 2 Type II, %s to %s, unqualified opinion by %s",
                 ism_json_getstr(json_object_get(d, "period"), "start"),
                 ism_json_getstr(json_object_get(d, "period"), "end"),
                 ism_json_getstr(d, "service_auditor"));
    }
    json_t *o = doc_entry(ev, standing, reason);
    json_t *carve = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "subservice_organizations"), i,
                       x) if (!strcmp(ism_json_getstr(x, "method"), "carve-out"))
        json_array_append(carve, x);
    json_object_set_new(o, "carved_out", carve);
    json_object_set(o, "cuecs", json_object_get(d, "cuecs"));
    return o;
}

/* The valid 27001 certificate a 27017 certificate or an SoA relies on, or NULL. */
static const json_t *valid_27001(sup *s, const char *number)
{
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(s->docs, "iso-cert"), i, ev)
    {
        const json_t *d = json_object_get(ev, "data");
        if (strcmp(ism_json_getstr(d, "standard"), "27001") || expired_on(s->today, ev)) continue;
        if (number && strcmp(number, ism_json_getstr(d, "certificate_number"))) continue;
        return ev;
    }
    return NULL;
}

static json_t *judge_cert(sup *s, const json_t *ev)
{
    const json_t *d = json_object_get(ev, "data");
    const char *std = ism_json_getstr(d, "standard"), *ed = ism_json_getstr(d, "edition");
    char reason[600];
    const char *standing = "supports";
    if (expired_on(s->today, ev)) {
        standing = "expired";
        bool transition = !strcmp(std, "27001") && !strcmp(ed, "2013") &&
                          !strcmp(ism_json_getstr(ev, "valid_until"), "2025-10-31");
        snprintf(reason, sizeof reason, "%s%s", "the certificate is no longer valid",
                 transition ? ": a 27001:2013 certificate cannot be valid after 2025-10-31" : "");
    } else if (!strcmp(std, "27017") && !valid_27001(s, ism_json_getstr(d, "base_certificate"))) {
        standing = "not_evidence";
        snprintf(reason, sizeof reason,
                 "an ISO/IEC 27017 certificate is evidence only beside a valid ISO/IEC 27001 "
                 "certificate%s%s, and there is none",
                 ism_json_getstr(d, "base_certificate") ? " " : "",
                 ism_json_getstr(d, "base_certificate") ? ism_json_getstr(d, "base_certificate")
                                                        : "");
    } else {
        snprintf(reason, sizeof reason, "ISO/IEC %s:%s certificate %s by %s, valid until %s", std,
                 ed, ism_json_getstr(d, "certificate_number"),
                 ism_json_getstr(d, "certification_body"), ism_json_getstr(ev, "valid_until"));
    }
    return doc_entry(ev, standing, reason);
}

/* An SoA stands on the certificate it belongs to. */
static json_t *judge_soa(sup *s, const json_t *ev)
{
    const json_t *d = json_object_get(ev, "data");
    const char *cert = ism_json_getstr(d, "certificate"), *std = ism_json_getstr(d, "standard");
    const json_t *backing = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s->out_docs, "iso-cert"), i, c)
    {
        const char *num = ism_json_getstr(c, "key");
        if (cert ? !strcmp(cert, num) : !strcmp(ism_json_getstr(c, "standard_"), std)) backing = c;
    }
    json_t *o;
    char reason[500];
    if (!backing) {
        snprintf(reason, sizeof reason,
                 "no %scertificate%s%s backs this SoA: it is the provider's own statement",
                 cert ? "imported " : "", cert ? " " : "", cert ? cert : "");
        o = doc_entry(ev, "partial", reason);
    } else {
        const char *bs = ism_json_getstr(backing, "standing");
        snprintf(reason, sizeof reason, "SoA of certificate %s: %s",
                 ism_json_getstr(backing, "key"), ism_json_getstr(backing, "reason"));
        o = doc_entry(ev, bs, reason);
        json_object_set(o, "scope", json_object_get(backing, "scope"));
        json_object_set(o, "valid_until", json_object_get(backing, "valid_until"));
    }
    return o;
}

/* The date that makes a document future-dated on `today`, or NULL: a SOC 2 report on a period
 * that has not ended (or with a bridge letter dated later), a certificate issued later, any
 * document valid only from a later day. *what names that date for the reason. */
static const char *future_date(const char *today, const char *kind, const json_t *ev,
                               const char **what)
{
    const json_t *d = json_object_get(ev, "data");
    const char *t;
    if (!strcmp(kind, "soc2")) {
        t = ism_json_getstr(json_object_get(d, "period"), "end");
        if (t && strcmp(t, today) > 0) return *what = "the audit period ends on", t;
        t = ism_json_getstr(d, "bridge_letter_date");
        if (t && strcmp(t, today) > 0) return *what = "the bridge letter is dated", t;
    }
    if (!strcmp(kind, "iso-cert")) {
        t = ism_json_getstr(d, "issue_date");
        if (t && strcmp(t, today) > 0) return *what = "the certificate is issued on", t;
    }
    t = ism_json_getstr(ev, "valid_from");
    if (t && strcmp(t, today) > 0) return *what = "the document is dated", t;
    return NULL;
}

static json_t *judge_now(sup *s, const char *kind, const json_t *ev);

/* Evidence dated after the day it is judged on attests nothing yet: it is not evidence on that
 * day (flagged future_dated with the date), and counts from that date on, by the usual rules. */
static json_t *judge(sup *s, const char *kind, const json_t *ev)
{
    const char *what = NULL, *when = future_date(s->today, kind, ev, &what);
    if (!when || !strcmp(kind, "questionnaire") || !strcmp(kind, "caiq"))
        return judge_now(s, kind, ev);
    char *reason = ism_strdupf("future-dated: %s %s, after %s (the day judged); it cannot "
                               "attest anything before then / 日付が判定日より後（未来日付）の証跡",
                               what, when, s->today);
    json_t *o = doc_entry(ev, "not_evidence", reason);
    json_object_set_new(o, "future_dated", json_string(when));
    free(reason);
    return o;
}

static json_t *judge_now(sup *s, const char *kind, const json_t *ev)
{
    if (!strcmp(kind, "soc2")) return judge_soc2(s, ev);
    if (!strcmp(kind, "iso-cert")) return judge_cert(s, ev);
    if (!strcmp(kind, "soa")) return judge_soa(s, ev);
    if (!strcmp(kind, "questionnaire"))
        return doc_entry(ev, "supports", "the provider's own answers (self-declared)");
    if (!strcmp(kind, "caiq")) {
        json_t *o = doc_entry(ev, "partial",
                              "a self-assessment; the catalogs hold no CCM→ISMAP crosswalk, so "
                              "its answers are shown, not mapped to ISMAP items");
        json_t *duties = json_array();
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(json_object_get(ev, "data"), "answers"), i,
                           a) if (ism_json_getstr(a, "csc_responsibilities"))
            json_array_append_new(duties, json_pack("{s:O?, s:O?, s:O?}", "question_id",
                                                    json_object_get(a, "question_id"), "ownership",
                                                    json_object_get(a, "ownership"), "duty",
                                                    json_object_get(a, "csc_responsibilities")));
        json_object_set_new(o, "csc_responsibilities", duties);
        json_t *no = json_array();
        json_array_foreach(json_object_get(json_object_get(ev, "data"), "answers"), i,
                           a) if (!strcmp(ism_json_getstr(a, "answer"), "no"))
            json_array_append(no, json_object_get(a, "question_id"));
        json_object_set_new(o, "answered_no", no);
        return o;
    }
    if (expired_on(s->today, ev))
        return doc_entry(ev, "expired", "the document's validity has ended");
    return doc_entry(ev, "partial", "a document attached for review");
}

/* Loads the current evidence of every kind and judges each document, certificates before the
 * SoAs that rest on them. */
static bool load(sup *s, ism_store *st, const char *subject, const char *org, ism_error *err)
{
    static const char *const kinds[] = {"questionnaire", "iso-cert", "soa", "soc2", "caiq", "file"};
    json_t *by_kind = json_object();
    s->out_docs = by_kind; /* judge_soa looks certificates up here; freed by the caller on error */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        json_t *cur = ism_evidence_current(st, subject, kinds[k], org, err);
        if (!cur) return false;
        json_object_set_new(s->docs, kinds[k], cur);
        json_t *judged = json_array();
        json_object_set_new(by_kind, kinds[k], judged);
        size_t i;
        json_t *ev;
        json_array_foreach(cur, i, ev)
        {
            json_t *j = judge(s, kinds[k], ev);
            const json_t *d = json_object_get(ev, "data");
            if (!strcmp(kinds[k], "iso-cert"))
                json_object_set(j, "standard_", json_object_get(d, "standard"));
            json_array_append_new(judged, j);
        }
    }
    json_t *flat = json_array();
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t i;
        json_t *j;
        json_array_foreach(json_object_get(by_kind, kinds[k]), i, j)
        {
            json_object_del(j, "standard_");
            json_array_append(flat, j);
        }
    }
    json_decref(by_kind);
    s->out_docs = flat;
    return true;
}

/* The judged document of an evidence id. */
static const json_t *doc_of(sup *s, const char *id)
{
    size_t i;
    json_t *d;
    json_array_foreach(s->out_docs, i, d) if (!strcmp(ism_json_getstr(d, "evidence"), id)) return d;
    return NULL;
}

/* ---- entries -----------------------------------------------------------------------------------
 */

static void add(sup *s, const char *item, const json_t *ev, const char *kind, const char *source_in,
                const char *standing, const char *reason_in, const json_t *mapping)
{
    json_t *arr = json_object_get(s->items, item);
    if (!arr) json_object_set_new(s->items, item, arr = json_array());
    const json_t *doc = doc_of(s, ism_json_getstr(ev, "id"));
    char *source = whole_copy(source_in), *reason = whole_copy(reason_in);
    json_t *e = json_pack("{s:s, s:O?, s:s, s:s, s:s, s:O?}", "kind", kind, "evidence",
                          json_object_get(ev, "id"), "source", source, "standing", standing,
                          "reason", reason, "valid_until", json_object_get(doc, "valid_until"));
    free(source);
    free(reason);
    if (json_object_get(doc, "scope")) json_object_set(e, "scope", json_object_get(doc, "scope"));
    if (mapping) {
        json_object_set(e, "relationship", json_object_get(mapping, "relationship"));
        json_object_set(e, "confidence", json_object_get(mapping, "confidence"));
        json_object_set(e, "crosswalk", json_object_get(mapping, "crosswalk"));
    }
    json_array_append_new(arr, e);
}

/* A document's standing caps what any part of it can say. */
static const char *capped(const json_t *doc, const char *own)
{
    const char *ds = ism_json_getstr(doc, "standing");
    if (!strcmp(ds, "supports")) return own;
    if (!strcmp(ds, "partial") && !strcmp(own, "supports")) return "partial";
    if (!strcmp(ds, "partial")) return own;
    return ds; /* against, expired, stale, not_evidence */
}

static void from_questionnaire(sup *s, const char *item, const json_t *ancestors)
{
    size_t i, j, k;
    json_t *ev, *row, *ref;
    json_array_foreach(json_object_get(s->docs, "questionnaire"), i, ev)
    {
        json_array_foreach(json_object_get(json_object_get(ev, "data"), "rows"), j, row)
        {
            json_array_foreach(json_object_get(row, "ismap_refs"), k, ref)
            {
                const char *r = json_string_value(ref);
                bool hit = !strcmp(r, item);
                size_t a;
                json_t *anc;
                json_array_foreach(ancestors, a, anc) hit =
                    hit || !strcmp(ism_json_getstr(anc, "id"), r);
                if (!hit) continue;
                const char *ans = ism_json_getstr(row, "answer");
                const char *remarks = ism_json_getstr(row, "remarks");
                char reason[700];
                const char *standing;
                if (!strcmp(ans, "yes")) {
                    standing = "supports";
                    snprintf(reason, sizeof reason, "row %s answered ○ (self-declared)",
                             ism_json_getstr(row, "no"));
                } else if (!strcmp(ans, "no")) {
                    standing = "against";
                    snprintf(reason, sizeof reason, "row %s answered ×%s%.500s",
                             ism_json_getstr(row, "no"),
                             remarks ? "; alternative: " : " without an alternative measure",
                             remarks ? remarks : "");
                } else if (!strcmp(ans, "na")) {
                    standing = "partial";
                    snprintf(reason, sizeof reason, "row %s answered N/A%s%.500s",
                             ism_json_getstr(row, "no"), remarks ? ": " : " without a reason",
                             remarks ? remarks : "");
                } else {
                    continue; /* unanswered: says nothing */
                }
                add(s, item, ev, "questionnaire", ism_json_getstr(row, "no"), standing, reason,
                    NULL);
            }
        }
    }
}

static void from_soc2(sup *s, const char *item, const json_t *m)
{
    const char *crit = ism_json_getstr(m, "item");
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(s->docs, "soc2"), i, ev)
    {
        const json_t *c =
            json_object_get(json_object_get(json_object_get(ev, "data"), "criteria"), crit);
        if (!c) continue;
        const json_t *doc = doc_of(s, ism_json_getstr(ev, "id"));
        json_t *exc = json_object_get(c, "exceptions");
        char reason[700];
        const char *own = json_array_size(exc) ? "partial" : "supports";
        if (json_array_size(exc))
            snprintf(reason, sizeof reason, "%s: %zu exception%s noted: %.400s", crit,
                     json_array_size(exc), json_array_size(exc) == 1 ? "" : "s",
                     ism_json_getstr(json_array_get(exc, 0), "exception"));
        else
            snprintf(reason, sizeof reason, "%s: %lld test%s, no exceptions noted", crit,
                     (long long)json_integer_value(json_object_get(c, "tests")),
                     json_integer_value(json_object_get(c, "tests")) == 1 ? "" : "s");
        const char *st = capped(doc, own);
        if (strcmp(st, own)) {
            size_t n = strlen(reason);
            snprintf(reason + n, sizeof reason - n, " (%s)", ism_json_getstr(doc, "reason"));
        }
        add(s, item, ev, "soc2", crit, st, reason, m);
    }
}

static void soa_entry(sup *s, const char *item, const json_t *ev, const json_t *row,
                      const json_t *m, const char *via)
{
    const json_t *doc = doc_of(s, ism_json_getstr(ev, "id"));
    const char *ctl = ism_json_getstr(row, "control"), *st = ism_json_getstr(row, "status");
    char reason[700];
    const char *own;
    if (!json_is_true(json_object_get(row, "applicable"))) {
        own = "against";
        snprintf(reason, sizeof reason, "%s is excluded in the SoA%s%.400s", ctl,
                 ism_json_getstr(row, "reason") ? ": " : "",
                 ism_json_getstr(row, "reason") ? ism_json_getstr(row, "reason") : "");
    } else if (st && !strcmp(st, "not_implemented")) {
        own = "against";
        snprintf(reason, sizeof reason, "%s is applicable but the SoA says it is not in place",
                 ctl);
    } else if (st && strcmp(st, "implemented")) {
        own = "partial";
        snprintf(reason, sizeof reason, "%s is %s", ctl,
                 !strcmp(st, "partial") ? "partially implemented" : "planned");
    } else {
        own = "supports";
        snprintf(reason, sizeof reason, "%s applicable and implemented%s%.200s", ctl,
                 ism_json_getstr(row, "document") ? " (" : "",
                 ism_json_getstr(row, "document") ? ism_json_getstr(row, "document") : "");
        if (ism_json_getstr(row, "document")) strcat(reason, ")");
    }
    const char *standing = !strcmp(own, "against") ? own : capped(doc, own);
    if (via) {
        size_t n = strlen(reason);
        snprintf(reason + n, sizeof reason - n, " [via %s]", via);
    }
    if (strcmp(standing, own)) {
        size_t n = strlen(reason);
        snprintf(reason + n, sizeof reason - n, " (%s)", ism_json_getstr(doc, "reason"));
    }
    add(s, item, ev, "soa", ctl, standing, reason, m);
}

static void soa_rows(sup *s, const char *item, const char *catalog, const char *control,
                     const json_t *m, const char *via)
{
    size_t i, j;
    json_t *ev, *row;
    json_array_foreach(json_object_get(s->docs, "soa"), i, ev)
    {
        const json_t *d = json_object_get(ev, "data");
        if (strcmp(ism_json_getstr(d, "catalog"), catalog)) continue;
        json_array_foreach(json_object_get(d, "controls"), j,
                           row) if (!strcmp(ism_json_getstr(row, "control"), control))
            soa_entry(s, item, ev, row, m, via);
    }
}

/* 2022 controls a 2013 control maps to (xw-iso27001-2013-2022), cached. */
static const json_t *to_2022(sup *s, const char *c2013)
{
    json_t *hit = json_object_get(s->map13to22, c2013);
    if (hit) return hit;
    hit = json_array();
    json_t *it = ism_catalog_item(s->cs, "iso27001-2013", c2013, NULL);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(it, "mappings"), i,
                       m) if (!strcmp(ism_json_getstr(m, "crosswalk"), "xw-iso27001-2013-2022"))
        json_array_append(hit, json_object_get(m, "item"));
    json_decref(it);
    json_object_set_new(s->map13to22, c2013, hit);
    return hit;
}

static void certs(sup *s, const char *item, const char *standard, const char *clause,
                  const json_t *m)
{
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(s->docs, "iso-cert"), i, ev)
    {
        const json_t *d = json_object_get(ev, "data");
        if (strcmp(ism_json_getstr(d, "standard"), standard)) continue;
        const json_t *doc = doc_of(s, ism_json_getstr(ev, "id"));
        char source[200], reason[700];
        snprintf(source, sizeof source, "ISO/IEC %s:%s %s", standard, ism_json_getstr(d, "edition"),
                 clause);
        snprintf(reason, sizeof reason, "certificate %s covers %s; %s",
                 ism_json_getstr(d, "certificate_number"), clause, ism_json_getstr(doc, "reason"));
        add(s, item, ev, "iso-cert", source, ism_json_getstr(doc, "standing"), reason, m);
    }
}

static void from_iso2013(sup *s, const char *item, const json_t *m)
{
    const char *t = ism_json_getstr(m, "item");
    if (strncmp(t, "A.", 2)) {
        /* A management-system clause: what a 27001 certificate attests. The clauses kept
         * their numbers in 27001:2022, so both editions' certificates count. */
        char clause[64];
        snprintf(clause, sizeof clause, "clause %s", t);
        certs(s, item, "27001", clause, m);
        return;
    }
    soa_rows(s, item, "iso27001-2013", t, m, NULL);
    if (!json_array_size(json_object_get(s->docs, "soa"))) return;
    size_t i;
    json_t *u;
    json_array_foreach(to_2022(s, t), i, u)
        soa_rows(s, item, "iso27001-2022", json_string_value(u), m, t);
}

static void from_27017(sup *s, const char *item, const json_t *m)
{
    const char *cld = ism_json_getstr(m, "item");
    soa_rows(s, item, "iso27017", cld, m, NULL);
    certs(s, item, "27017", cld, m);
}

static void from_files(sup *s, const char *item)
{
    size_t i, j;
    json_t *ev, *a;
    json_array_foreach(json_object_get(s->docs, "file"), i, ev)
    {
        const json_t *d = json_object_get(ev, "data");
        json_array_foreach(json_object_get(d, "about_items"), j, a)
        {
            if (strcmp(json_string_value(a), item)) continue;
            const json_t *doc = doc_of(s, ism_json_getstr(ev, "id"));
            char reason[500];
            snprintf(reason, sizeof reason, "%s '%s' attached about %s: for review",
                     ism_json_getstr(d, "kind"), ism_json_getstr(d, "title"), item);
            add(s, item, ev, "file", ism_json_getstr(d, "title"), ism_json_getstr(doc, "standing"),
                reason, NULL);
        }
    }
}

static void item_support(sup *s, const json_t *it)
{
    const char *id = ism_json_getstr(it, "id");
    from_questionnaire(s, id, json_object_get(it, "ancestors"));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(it, "mappings"), i, m)
    {
        const char *xw = ism_json_getstr(m, "crosswalk");
        if (!strcmp(xw, "xw-soc2-ismap"))
            from_soc2(s, id, m);
        else if (!strcmp(xw, "xw-ismap-iso27001-2013"))
            from_iso2013(s, id, m);
        else if (!strcmp(xw, "xw-ismap-iso27017"))
            from_27017(s, id, m);
    }
    from_files(s, id);
}

json_t *ism_evidence_support(ism_store *st, ism_catalog_set *cs, const char *subject,
                             const char *org, const char *today, ism_error *err)
{
    char t[11];
    long d;
    if (today && ism_imp_days(today, &d))
        ism_strlcpy(t, today, sizeof t);
    else
        ism_imp_today(t);
    sup s = {cs, t, json_object(), NULL, json_object(), json_object()};
    json_t *out = NULL;
    if (!load(&s, st, subject, org ? org : "", err)) goto done;
    json_t *all = ism_catalog_items(cs, "ismap", NULL, NULL, err);
    if (!all) goto done;
    size_t i;
    json_t *x;
    json_array_foreach(all, i, x)
    {
        json_t *it = ism_catalog_item(cs, "ismap", ism_json_getstr(x, "id"), NULL);
        if (it) item_support(&s, it);
        json_decref(it);
    }
    json_decref(all);
    out = json_pack("{s:s?, s:s, s:O?, s:O?}", "subject", subject, "today", t, "items", s.items,
                    "documents", s.out_docs ? s.out_docs : json_array());
done:
    json_decref(s.docs);
    json_decref(s.out_docs);
    json_decref(s.items);
    json_decref(s.map13to22);
    return out;
}
