/* xml.c — AWS XML answers (query, EC2, S3) to JSON without a schema, with libxml2: local names
 * (so IAM's and EC2's namespaces need no registration), member/item lists as arrays, entry maps
 * as objects. Malformed input is an error, never a partial document. */
#include "../internal.h"
#include "aws_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static bool is_named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static bool in_list(const char *name, const char *const *names)
{
    for (size_t i = 0; names && names[i]; i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

static size_t count_elements(const xmlNode *el, size_t *wrapped, size_t *entries)
{
    size_t n = 0;
    *wrapped = *entries = 0;
    for (const xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        n++;
        if (is_named(c, "member") || is_named(c, "item")) (*wrapped)++;
        if (is_named(c, "entry")) (*entries)++;
    }
    return n;
}

static json_t *convert(const xmlNode *el, const char *const *lists);

/* Text of a leaf; an empty leaf is null (an empty list looks the same), "...Set" is []. */
static json_t *leaf(const xmlNode *el)
{
    xmlChar *text = xmlNodeGetContent(el);
    json_t *v;
    if (text && *text)
        v = json_string((const char *)text);
    else {
        size_t len = strlen((const char *)el->name);
        v = len > 3 && strcmp((const char *)el->name + len - 3, "Set") == 0 ? json_array()
                                                                            : json_null();
    }
    xmlFree(text);
    return v ? v : json_null(); /* invalid UTF-8 cannot be a JSON string */
}

static json_t *child_text(const xmlNode *el, const char *name)
{
    for (const xmlNode *c = el->children; c; c = c->next)
        if (is_named(c, name)) return leaf(c);
    return json_null();
}

/* IAM's maps: <entry><key>Users</key><value>5</value></entry>... */
static json_t *entry_map(const xmlNode *el)
{
    json_t *o = json_object();
    for (const xmlNode *c = el->children; c; c = c->next) {
        if (!is_named(c, "entry")) continue;
        json_t *k = child_text(c, "key");
        if (json_is_string(k)) json_object_set_new(o, json_string_value(k), child_text(c, "value"));
        json_decref(k);
    }
    return o;
}

static json_t *member_list(const xmlNode *el, const char *const *lists)
{
    json_t *a = json_array();
    for (const xmlNode *c = el->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) json_array_append_new(a, convert(c, lists));
    return a;
}

/* Children by name; a name that repeats, or is one of `lists`, becomes an array. */
static json_t *object_of(const xmlNode *el, const char *const *lists)
{
    json_t *o = json_object(), *arrays = json_object();
    for (const xmlNode *c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        const char *name = (const char *)c->name;
        json_t *v = convert(c, lists), *cur = json_object_get(o, name);
        if (cur && json_object_get(arrays, name)) {
            json_array_append_new(cur, v);
            continue;
        }
        if (cur || in_list(name, lists)) {
            json_t *a = json_array();
            if (cur) json_array_append(a, cur);
            json_array_append_new(a, v);
            v = a;
            json_object_set_new(arrays, name, json_true());
        }
        json_object_set_new(o, name, v);
    }
    json_decref(arrays);
    return o;
}

static json_t *convert(const xmlNode *el, const char *const *lists)
{
    size_t wrapped, entries, n = count_elements(el, &wrapped, &entries);
    if (n == 0) return leaf(el);
    if (wrapped == n) return member_list(el, lists);
    if (entries == n) return entry_map(el);
    return object_of(el, lists);
}

/* A short, printable excerpt of a body for error messages. */
void ism_aws_body_excerpt(const char *body, size_t len, char *out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 4 < n && i < 120; i++) {
        unsigned char c = (unsigned char)body[i];
        out[k++] = c == '\n' || c == '\r' || c == '\t' ? ' '
                   : (c < 0x20 || c == 0x7f)           ? '?'
                                                       : (char)c;
    }
    if (len > 120 && k + 4 < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* libxml2's messages end with a newline. */
static void parse_error(ism_error *err, xmlParserCtxtPtr ctx, const char *xml, size_t len)
{
    char excerpt[160], msg[256] = "no root element";
    ism_aws_body_excerpt(xml ? xml : "", xml ? len : 0, excerpt, sizeof excerpt);
    const xmlError *xe = xmlCtxtGetLastError(ctx);
    if (xe && xe->message) ism_strlcpy(msg, xe->message, sizeof msg);
    msg[strcspn(msg, "\n")] = '\0';
    if (!len)
        ism_error_set(err, ISM_E_UPSTREAM, "unparseable response: expected XML, got an empty body");
    else
        ism_error_set(err, ISM_E_UPSTREAM,
                      "unparseable response: expected XML, it is not well-formed (line %d: %s); "
                      "the body starts \"%s\"",
                      xe ? xe->line : 0, msg, excerpt);
}

json_t *ism_aws_xml_to_json(const char *xml, size_t len, const char *const *list_names,
                            ism_error *err)
{
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx) {
        ism_error_set(err, ISM_E_INTERNAL, "out of memory");
        return NULL;
    }
    /* No network, no entity substitution (XXE), no DTD loading; errors come back to us. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc =
        len && len <= INT32_MAX ? xmlCtxtReadMemory(ctx, xml, (int)len, NULL, NULL, opts) : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    json_t *out = NULL;
    if (!root) {
        parse_error(err, ctx, xml, len);
    } else if (doc->intSubset || doc->extSubset) {
        /* AWS never sends a DTD; one here could only declare entities meant to blow up or leak
         * when text is read out. */
        ism_error_set(err, ISM_E_UPSTREAM, "unparseable response: XML with a DTD is not accepted");
    } else {
        out = json_object();
        json_object_set_new(out, (const char *)root->name, convert(root, list_names));
    }
    if (doc) xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctx);
    return out;
}
