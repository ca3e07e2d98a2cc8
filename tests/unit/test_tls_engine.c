/* test_tls_engine.c — the OpenSSL engine behind tls+tcp:// (service/rpc/tls_openssl.c), driven
 * the way ismapd and ismapctl drive it: nng REQ/REP sockets with nng's TLS configurations.
 *
 * TLS 1.3 is negotiated (a server that takes 1.3 only is reached; with Mbed TLS 2.28, nng's
 * default engine, it could not be configured at all), a client and a server with no version in
 * common do not connect, the client checks the server's name (DNS and IP SANs) and its certificate
 * against the CAs it was given, or the system's when it was given none (never both), a server that
 * requires client certificates takes only those its CA signed and not one its CRL revokes, a
 * password-protected key is read with its password, and messages of several megabytes cross intact
 * both ways (records split over partial writes). The certificates are made with the openssl command
 * line; without it the test skips. */
#include "testutil.h"

#include "ismap/rpc.h"

#include <check.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static char *path(const char *name)
{
    static char buf[8][4200];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

/* A CA; a server certificate (RSA, for the TLS 1.2 RSA suites) for localhost and 127.0.0.1; two
 * client certificates, the second revoked by the CA's CRL; the first client's key encrypted. And
 * another CA, standing for the system's (SSL_CERT_FILE), with a server certificate of its own. */
static bool make_pki(void)
{
    char cmd[12000];
    snprintf(cmd, sizeof cmd,
             "set -e; cd '%s'\n"
             "q() { \"$@\" >/dev/null 2>&1; }\n"
             "q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
             "  -subj /CN=test-ca -keyout ca.key -out ca.pem\n"
             "leaf() { # name key-spec san\n"
             "  q openssl req -newkey $2 -nodes -subj /CN=$1 -keyout $1.key -out $1.csr\n"
             "  printf '%%s\\n' \"$3\" > $1.ext\n"
             "  q openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
             "    -extfile $1.ext -out $1.pem\n"
             "}\n"
             "leaf server rsa:2048 'subjectAltName=DNS:localhost,IP:127.0.0.1'\n"
             "leaf client ec:ca.pem 'extendedKeyUsage=clientAuth'\n"
             "leaf revoked ec:ca.pem 'extendedKeyUsage=clientAuth'\n"
             "q openssl pkey -in client.key -aes256 -passout pass:sesame -out client-enc.key\n"
             "cat server.pem server.key > server-both.pem\n"
             ": > index.txt; echo 01 > crlnumber\n"
             "printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
             "default_md=sha256\\ndefault_crl_days=2\\n' > ca.cnf\n"
             "q openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke revoked.pem\n"
             "q openssl ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem\n"
             "cat ca.pem crl.pem > ca-crl.pem\n"
             "mkdir sys; cd sys\n"
             "q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
             "  -subj /CN=system-ca -keyout ca.key -out ca.pem\n"
             "leaf server ec:ca.pem 'subjectAltName=DNS:localhost'\n",
             dir);
    return system(cmd) == 0;
}

static char *slurp(const char *name)
{
    ism_error e = {0};
    char *s = ism_read_file(path(name), 1 << 20, NULL, &e);
    ck_assert_msg(s != NULL, "%s: %s", name, e.message);
    return s;
}

static void setup(void)
{
    ck_assert_int_eq(ism_rpc_tls_engine(), 0);
}

static nng_tls_config *server_pair(const char *cert_file, const char *key_file)
{
    ck_assert_int_eq(ism_rpc_tls_engine(), 0);
    nng_tls_config *cfg;
    ck_assert_int_eq(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER), 0);
    char *cert = slurp(cert_file), *key = slurp(key_file);
    ck_assert_int_eq(nng_tls_config_own_cert(cfg, cert, key, NULL), 0);
    free(cert);
    free(key);
    return cfg;
}

static nng_tls_config *server_config(nng_tls_version lo, nng_tls_version hi)
{
    ck_assert_int_eq(ism_rpc_tls_engine(), 0);
    nng_tls_config *cfg;
    ck_assert_int_eq(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER), 0);
    ck_assert_int_eq(nng_tls_config_version(cfg, lo, hi), 0);
    char *cert = slurp("server.pem"), *key = slurp("server.key");
    ck_assert_int_eq(nng_tls_config_own_cert(cfg, cert, key, NULL), 0);
    free(cert);
    free(key);
    return cfg;
}

/* A client that trusts the test CA (ca may be NULL: the system's CAs) and names the server. */
static nng_tls_config *client_config(const char *ca, const char *name)
{
    nng_tls_config *cfg;
    ck_assert_int_eq(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT), 0);
    if (ca) ck_assert_int_eq(nng_tls_config_ca_file(cfg, path(ca)), 0);
    if (name) ck_assert_int_eq(nng_tls_config_server_name(cfg, name), 0);
    return cfg;
}

typedef struct pair {
    nng_socket rep, req;
    char url[64];
} pair;

/* A REP socket listening on a free loopback port with cfg (a reference is taken). */
static void listen_on(pair *p, nng_tls_config *cfg)
{
    ck_assert_int_eq(nng_rep0_open(&p->rep), 0);
    nng_socket_set_ms(p->rep, NNG_OPT_RECVTIMEO, 60000); /* only stops a hang */
    nng_socket_set_ms(p->rep, NNG_OPT_SENDTIMEO, 60000);
    nng_socket_set_size(p->rep, NNG_OPT_RECVMAXSZ, 64u << 20);
    snprintf(p->url, sizeof p->url, "tls+tcp://127.0.0.1:%d", tu_free_port());
    nng_listener l;
    ck_assert_int_eq(nng_listener_create(&l, p->rep, p->url), 0);
    ck_assert_int_eq(nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg), 0);
    ck_assert_int_eq(nng_listener_start(l, 0), 0);
}

/* Dials the pair's URL with cfg; nng's blocking dial returns once the TLS handshake and the SP
 * negotiation are done, or with the error that stopped them. */
static int dial(pair *p, nng_tls_config *cfg)
{
    ck_assert_int_eq(nng_req0_open(&p->req), 0);
    nng_socket_set_ms(p->req, NNG_OPT_RECVTIMEO, 60000);
    nng_socket_set_ms(p->req, NNG_OPT_SENDTIMEO, 60000);
    nng_socket_set_size(p->req, NNG_OPT_RECVMAXSZ, 64u << 20);
    nng_dialer d;
    ck_assert_int_eq(nng_dialer_create(&d, p->req, p->url), 0);
    ck_assert_int_eq(nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg), 0);
    return nng_dialer_start(d, 0);
}

/* One request of n bytes and its reply of n bytes (different contents), checked byte for byte;
 * *verified: whether the server saw a verified client certificate. */
static void round_trip(pair *p, size_t n, bool *verified)
{
    uint8_t *out = malloc(n), *back = malloc(n);
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(i * 7 + 3);
        back[i] = (uint8_t)(i * 13 + 1);
    }
    ck_assert_int_eq(nng_send(p->req, out, n, 0), 0);
    nng_msg *m;
    ck_assert_int_eq(nng_recvmsg(p->rep, &m, 0), 0);
    ck_assert_uint_eq(nng_msg_len(m), n);
    ck_assert(memcmp(nng_msg_body(m), out, n) == 0);
    if (verified)
        ck_assert_int_eq(nng_pipe_get_bool(nng_msg_get_pipe(m), NNG_OPT_TLS_VERIFIED, verified), 0);
    nng_msg_clear(m);
    ck_assert_int_eq(nng_msg_append(m, back, n), 0);
    ck_assert_int_eq(nng_sendmsg(p->rep, m, 0), 0);
    void *got;
    size_t len;
    ck_assert_int_eq(nng_recv(p->req, &got, &len, NNG_FLAG_ALLOC), 0);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(got, back, n) == 0);
    nng_free(got, len);
    free(out);
    free(back);
}

static void close_pair(pair *p)
{
    nng_close(p->req);
    nng_close(p->rep);
}

/* A server with s and a client with c (both released here): the dial's result, after a round
 * trip of n bytes if it connected (*verified as round_trip says). */
static int connect_once(nng_tls_config *s, nng_tls_config *c, size_t n, bool *verified)
{
    pair p;
    listen_on(&p, s);
    int rv = dial(&p, c);
    if (rv == 0) round_trip(&p, n, verified);
    close_pair(&p);
    nng_tls_config_free(s);
    nng_tls_config_free(c);
    return rv;
}

/* server [lo, hi] against client [clo, chi]. */
static int versions(nng_tls_version lo, nng_tls_version hi, nng_tls_version clo,
                    nng_tls_version chi)
{
    nng_tls_config *s = server_config(lo, hi), *c = client_config("ca.pem", "localhost");
    ck_assert_int_eq(nng_tls_config_version(c, clo, chi), 0);
    return connect_once(s, c, 100, NULL);
}

START_TEST(tls13_is_negotiated)
{
    ck_assert_str_eq(nng_tls_engine_name(), "openssl");
    /* A 1.3-only server, a default client; a 1.3-only client, a default server. */
    ck_assert_int_eq(versions(NNG_TLS_1_3, NNG_TLS_1_3, NNG_TLS_1_2, NNG_TLS_1_3), 0);
    ck_assert_int_eq(versions(NNG_TLS_1_2, NNG_TLS_1_3, NNG_TLS_1_3, NNG_TLS_1_3), 0);
    /* 1.2 still works between two that allow it. */
    ck_assert_int_eq(versions(NNG_TLS_1_2, NNG_TLS_1_2, NNG_TLS_1_2, NNG_TLS_1_3), 0);
    /* No version in common: no connection. */
    ck_assert_int_ne(versions(NNG_TLS_1_2, NNG_TLS_1_2, NNG_TLS_1_3, NNG_TLS_1_3), 0);
    /* Nothing older than 1.2 is offered: a range of only older ones is refused, a wider one
     * narrowed. */
    nng_tls_config *c = client_config(NULL, NULL);
    ck_assert_int_eq(nng_tls_config_version(c, NNG_TLS_1_0, NNG_TLS_1_1), NNG_ENOTSUP);
    ck_assert_int_eq(nng_tls_config_version(c, NNG_TLS_1_3, NNG_TLS_1_2), NNG_ENOTSUP);
    ck_assert_int_eq(nng_tls_config_version(c, NNG_TLS_1_0, NNG_TLS_1_3), 0);
    nng_tls_config_free(c);
}
END_TEST

/* The client's result of dialing a default server with that CA file and server name. */
static int dial_named(const char *ca, const char *name)
{
    return connect_once(server_config(NNG_TLS_1_2, NNG_TLS_1_3), client_config(ca, name), 10, NULL);
}

START_TEST(server_identity_is_checked)
{
    ck_assert_int_eq(dial_named("ca.pem", "localhost"), 0);
    ck_assert_int_eq(dial_named("ca.pem", "127.0.0.1"), 0); /* the IP SAN */
    ck_assert_int_eq(dial_named("ca.pem", "127.0.0.2"), NNG_EPEERAUTH);
    ck_assert_int_eq(dial_named("ca.pem", "other.example"), NNG_EPEERAUTH);
    ck_assert_int_eq(dial_named("ca.pem", "LOCALHOST"), 0); /* DNS names are case-blind */
    /* Not signed by a CA the client trusts (the system's, here). */
    ck_assert_int_eq(dial_named(NULL, "localhost"), NNG_EPEERAUTH);
    /* A client given no CA trusts the system's; one given CAs trusts only those. */
    ck_assert_int_eq(connect_once(server_pair("sys/server.pem", "sys/server.key"),
                                  client_config(NULL, "localhost"), 10, NULL),
                     0);
    ck_assert_int_eq(connect_once(server_pair("sys/server.pem", "sys/server.key"),
                                  client_config("ca.pem", "localhost"), 10, NULL),
                     NNG_EPEERAUTH);
    /* A certificate and its key in one file, as nng_tls_config_cert_key_file reads them. */
    nng_tls_config *s;
    ck_assert_int_eq(nng_tls_config_alloc(&s, NNG_TLS_MODE_SERVER), 0);
    ck_assert_int_eq(nng_tls_config_cert_key_file(s, path("server-both.pem"), NULL), 0);
    ck_assert_int_eq(connect_once(s, client_config("ca.pem", "localhost"), 10, NULL), 0);
    /* A key that is not the certificate's is refused. */
    ck_assert_int_eq(nng_tls_config_alloc(&s, NNG_TLS_MODE_SERVER), 0);
    char *cert = slurp("server.pem"), *key = slurp("client.key");
    ck_assert_int_ne(nng_tls_config_own_cert(s, cert, key, NULL), 0);
    ck_assert_int_ne(nng_tls_config_own_cert(s, "not a certificate", key, NULL), 0);
    free(cert);
    free(key);
    nng_tls_config_free(s);
}
END_TEST

/* A server requiring client certificates from the CA in ca_file; the client presents
 * cert/key (NULL: none). Returns the dial's result; *verified as the server saw it. */
static int dial_mutual(const char *ca_file, const char *cert, const char *key, const char *pass,
                       bool *verified)
{
    nng_tls_config *s = server_config(NNG_TLS_1_2, NNG_TLS_1_3), *c = client_config("ca.pem", NULL);
    ck_assert_int_eq(nng_tls_config_ca_file(s, path(ca_file)), 0);
    ck_assert_int_eq(nng_tls_config_auth_mode(s, NNG_TLS_AUTH_MODE_REQUIRED), 0);
    if (cert) {
        char *cp = slurp(cert), *kp = slurp(key);
        ck_assert_int_eq(nng_tls_config_own_cert(c, cp, kp, pass), 0);
        free(cp);
        free(kp);
    }
    return connect_once(s, c, 1000, verified);
}

START_TEST(client_certificates)
{
    bool verified = false;
    ck_assert_int_eq(dial_mutual("ca.pem", "client.pem", "client.key", NULL, &verified), 0);
    ck_assert(verified);
    verified = false;
    ck_assert_int_eq(dial_mutual("ca.pem", "client.pem", "client-enc.key", "sesame", &verified), 0);
    ck_assert(verified);
    ck_assert_int_ne(dial_mutual("ca.pem", NULL, NULL, NULL, NULL), 0);
    /* A certificate the CA signed but revoked: refused once the CRL is given, taken before. */
    ck_assert_int_eq(dial_mutual("ca.pem", "revoked.pem", "revoked.key", NULL, NULL), 0);
    ck_assert_int_ne(dial_mutual("ca-crl.pem", "revoked.pem", "revoked.key", NULL, NULL), 0);
    ck_assert_int_eq(dial_mutual("ca-crl.pem", "client.pem", "client.key", NULL, NULL), 0);
    /* An encrypted key without its password, or with a wrong one, is refused (never asked
     * for on a terminal). */
    nng_tls_config *c = client_config("ca.pem", NULL);
    char *cp = slurp("client.pem"), *kp = slurp("client-enc.key");
    ck_assert_int_ne(nng_tls_config_own_cert(c, cp, kp, NULL), 0);
    ck_assert_int_ne(nng_tls_config_own_cert(c, cp, kp, "wrong"), 0);
    free(cp);
    free(kp);
    nng_tls_config_free(c);
}
END_TEST

START_TEST(large_messages_cross_intact)
{
    nng_tls_config *s = server_config(NNG_TLS_1_2, NNG_TLS_1_3),
                   *c = client_config("ca.pem", "localhost");
    pair p;
    listen_on(&p, s);
    ck_assert_int_eq(dial(&p, c), 0);
    round_trip(&p, 1, NULL);
    round_trip(&p, 16384, NULL);                /* one full record */
    round_trip(&p, 16385, NULL);                /* and one byte more */
    round_trip(&p, (size_t)9 << 20 | 17, NULL); /* ~9 MiB: many records, partial writes */
    for (int i = 0; i < 50; i++)
        round_trip(&p, 70000 + (size_t)i, NULL);
    close_pair(&p);
    nng_tls_config_free(s);
    nng_tls_config_free(c);
}
END_TEST

int main(void)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0) {
        fprintf(stderr, "the openssl command is missing: test not run\n");
        return 77;
    }
    /* The certificates, once for all cases; the system's CAs are the second test CA. */
    dir = tu_tempdir("tlsengine");
    if (!make_pki()) {
        fprintf(stderr, "making the test certificates in %s failed\n", dir);
        return 1;
    }
    setenv("SSL_CERT_FILE", path("sys/ca.pem"), 1);
    setenv("SSL_CERT_DIR", path("sys/none"), 1);
    Suite *s = suite_create("tls_engine");
    TCase *tc = tcase_create("tls_engine");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, tls13_is_negotiated);
    tcase_add_test(tc, server_identity_is_checked);
    tcase_add_test(tc, client_certificates);
    tcase_add_test(tc, large_messages_cross_intact);
    suite_add_tcase(s, tc);
    int rc = tu_run_suite(s);
    tu_rmtree(dir);
    free(dir);
    return rc;
}
