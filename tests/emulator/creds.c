/* creds.c — temporary credentials issued by the emulated STS AssumeRole: an ASIA… access key,
 * a secret, a session token and an expiry, all drawn from the seeded generator so runs repeat. */
#include "emu.h"

#include <stdlib.h>
#include <string.h>

static hmap g_creds; /* access key → emu_creds */
static uint64_t g_rng;
static bool g_seeded;

static void rand_chars(char *out, size_t n, const char *alphabet)
{
    size_t al = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[emu_rand(&g_rng) % al];
    out[n] = '\0';
}

const emu_creds *emu_creds_issue(const emu_principal *who, int duration_s, int64_t now_s)
{
    if (!g_seeded) {
        g_rng = emu_mix64(g_cfg.seed ^ 0x5157535f43524544ULL);
        g_seeded = true;
    }
    emu_creds *c = calloc(1, sizeof *c);
    if (!c) abort();
    memcpy(c->access_key, "ASIA", 4);
    rand_chars(c->access_key + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    rand_chars(c->secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    char tok[321];
    rand_chars(tok, 300, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    c->token = ism_strdupf("IQoJb3JpZ2luX2VjE%s", tok);
    c->expires_s = now_s + duration_s;
    c->who = *who;
    c->who.temporary = true;
    hmap_put(&g_creds, c->access_key, c);
    return c;
}

const emu_creds *emu_creds_find(const char *access_key, const char *token, int64_t now_s,
                                bool *expired)
{
    *expired = false;
    emu_creds *c = hmap_get(&g_creds, access_key);
    if (!c || !token || strcmp(token, c->token) != 0) return NULL;
    if (now_s >= c->expires_s) {
        *expired = true;
        return NULL;
    }
    return c;
}
