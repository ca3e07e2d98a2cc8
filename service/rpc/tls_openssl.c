/* tls_openssl.c — nng's TLS engine (the public engine interface of nng 1.5,
 * <nng/supplemental/tls/engine.h>) over OpenSSL, so that tls+tcp:// speaks TLS 1.3. The nng the
 * project builds has the TLS transport but no engine of its own (deploy/nng/build-cached.sh):
 * nng's default, Debian 12's Mbed TLS 2.28, has no TLS 1.3, and OpenSSL 3 is already the TLS
 * library of every other part of ismap-assess (libcurl, libpq, the signing code).
 *
 * Policy, the same on both ends: TLS 1.2 and 1.3 only (an asked-for range is narrowed to those,
 * and one outside them is refused); in TLS 1.2 only ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305 (no static RSA, no CBC); no renegotiation, no compression, no session
 * resumption. A client checks the server's certificate against the configured CAs (or the
 * system's, when none are configured) and its name: a DNS name against the certificate's DNS
 * names (and sent as SNI), an IP address against its iPAddress SANs. nng drives the engine: it
 * moves the bytes (nng_tls_engine_send / nng_tls_engine_recv, wrapped here in a BIO) and calls the
 * connection operations when there is something to do; every OpenSSL call clears and then drains
 * this thread's error queue, as nng runs them on its worker threads. */
#include "ismap/rpc.h"

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_NAME "openssl"

/* TLS 1.2 suites: ECDHE with an AEAD cipher. TLS 1.3's suites are all AEAD (OpenSSL's default). */
static const char CIPHERS_TLS12[] = "ECDHE+AESGCM:ECDHE+CHACHA20:!PSK:!aNULL";

struct nng_tls_engine_config {
    SSL_CTX *ctx;
    char *server_name; /* client: the name the certificate must carry (and SNI if a DNS name) */
    nng_tls_mode mode;
    bool have_ca; /* CAs were configured: they alone are trusted, not the system's */
};

struct nng_tls_engine_conn {
    void *tls; /* nng's connection, the argument of nng_tls_engine_send / _recv */
    SSL *ssl;  /* owns its BIO */
};

/* ---- the BIO: bytes to and from nng's TCP stream ---- */

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

/* The system's CAs (OpenSSL's default paths: Debian's ca-certificates, or SSL_CERT_FILE /
 * SSL_CERT_DIR), read once, for the clients that were given no CA of their own. */
static X509_STORE *system_cas;
static pthread_once_t system_cas_once = PTHREAD_ONCE_INIT;

static void system_cas_load(void)
{
    X509_STORE *s = X509_STORE_new();
    if (s && X509_STORE_set_default_paths(s))
        system_cas = s;
    else
        X509_STORE_free(s);
    ERR_clear_error();
}

static int bio_write(BIO *b, const char *buf, int len)
{
    size_t n = (size_t)len;
    BIO_clear_retry_flags(b);
    int rv = nng_tls_engine_send(BIO_get_data(b), (const uint8_t *)buf, &n);
    if (rv == 0) return (int)n;
    if (rv == NNG_EAGAIN) BIO_set_retry_write(b);
    return -1;
}

static int bio_read(BIO *b, char *buf, int len)
{
    size_t n = (size_t)len;
    BIO_clear_retry_flags(b);
    int rv = nng_tls_engine_recv(BIO_get_data(b), (uint8_t *)buf, &n);
    if (rv == 0) return (int)n;
    if (rv == NNG_EAGAIN) BIO_set_retry_read(b);
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    /* nng sends what it is given as soon as it can: there is nothing to flush. */
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void bio_method_make(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "nng tls stream");
    if (m && BIO_meth_set_write(m, bio_write) && BIO_meth_set_read(m, bio_read) &&
        BIO_meth_set_ctrl(m, bio_ctrl) && BIO_meth_set_create(m, bio_create)) {
        bio_method = m;
        return;
    }
    BIO_meth_free(m);
}

/* ---- errors ---- */

/* The nng error for a failed SSL call: the peer's identity when verification, a certificate or
 * the negotiation failed (nng's NNG_EPEERAUTH, as its own engine says), else a crypto error. */
static int ssl_error(SSL *ssl, int ret)
{
    int e = SSL_get_error(ssl, ret);
    int rv = NNG_ECRYPTO;
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        rv = NNG_EAGAIN;
        break;
    case SSL_ERROR_ZERO_RETURN: /* the peer's close_notify */
        rv = NNG_ECLOSED;
        break;
    case SSL_ERROR_SYSCALL: /* the stream under it ended or failed */
        rv = ERR_peek_error() ? NNG_ECRYPTO : NNG_ECLOSED;
        break;
    case SSL_ERROR_SSL: {
        unsigned long code = ERR_peek_error();
        int reason = ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_GET_REASON(code) : 0;
        if (SSL_get_verify_result(ssl) != X509_V_OK)
            rv = NNG_EPEERAUTH;
        else
            switch (reason) {
            case SSL_R_CERTIFICATE_VERIFY_FAILED:
            case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            case SSL_R_NO_SHARED_CIPHER:
            case SSL_R_UNSUPPORTED_PROTOCOL:
            case SSL_R_WRONG_VERSION_NUMBER:
            case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
            case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
            case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
            case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
            case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
                rv = NNG_EPEERAUTH;
                break;
            default:
                break;
            }
        break;
    }
    default:
        break;
    }
    ERR_clear_error();
    return rv;
}

/* ---- connections ---- */

static int conn_init(nng_tls_engine_conn *ec, void *tls, nng_tls_engine_config *cfg)
{
    ec->tls = tls;
    ERR_clear_error();
    if (!bio_method || !(ec->ssl = SSL_new(cfg->ctx))) return NNG_ENOMEM;
    BIO *bio = BIO_new(bio_method);
    if (!bio) {
        SSL_free(ec->ssl);
        ec->ssl = NULL;
        return NNG_ENOMEM;
    }
    BIO_set_data(bio, tls);
    SSL_set_bio(ec->ssl, bio, bio); /* the SSL owns it now */
    int ok = 1;
    if (cfg->mode == NNG_TLS_MODE_CLIENT) {
        SSL_set_connect_state(ec->ssl);
        /* Configured CAs replace the system's (as curl's --cacert does), never add to them. */
        if (!cfg->have_ca) {
            pthread_once(&system_cas_once, system_cas_load);
            if (system_cas) ok = SSL_set1_verify_cert_store(ec->ssl, system_cas);
        }
        if (cfg->server_name) {
            unsigned char addr[16];
            const char *n = cfg->server_name;
            if (inet_pton(AF_INET, n, addr) == 1 || inet_pton(AF_INET6, n, addr) == 1) {
                /* An address is checked against the iPAddress SANs and not sent as SNI
                 * (RFC 6066 allows only host names there). */
                ok = ok && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ec->ssl), n);
            } else {
                SSL_set_hostflags(ec->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                ok = ok && SSL_set_tlsext_host_name(ec->ssl, n) && SSL_set1_host(ec->ssl, n);
            }
        }
    } else {
        SSL_set_accept_state(ec->ssl);
    }
    if (!ok) {
        SSL_free(ec->ssl);
        ec->ssl = NULL;
        ERR_clear_error();
        return NNG_EINVAL;
    }
    return 0;
}

static void conn_fini(nng_tls_engine_conn *ec)
{
    SSL_free(ec->ssl);
    ec->ssl = NULL;
}

static void conn_close(nng_tls_engine_conn *ec)
{
    /* A close_notify if the stream still takes it; nng closes the TCP connection itself. */
    ERR_clear_error();
    if (SSL_is_init_finished(ec->ssl)) (void)SSL_shutdown(ec->ssl);
    ERR_clear_error();
}

static int conn_handshake(nng_tls_engine_conn *ec)
{
    ERR_clear_error();
    int ret = SSL_do_handshake(ec->ssl);
    return ret == 1 ? 0 : ssl_error(ec->ssl, ret);
}

static int conn_recv(nng_tls_engine_conn *ec, uint8_t *buf, size_t *szp)
{
    size_t n = 0;
    ERR_clear_error();
    int ret = SSL_read_ex(ec->ssl, buf, *szp, &n);
    if (ret != 1) return ssl_error(ec->ssl, ret);
    *szp = n;
    return 0;
}

static int conn_send(nng_tls_engine_conn *ec, const uint8_t *buf, size_t *szp)
{
    size_t n = 0;
    ERR_clear_error();
    int ret = SSL_write_ex(ec->ssl, buf, *szp, &n);
    if (ret != 1) return ssl_error(ec->ssl, ret);
    *szp = n;
    return 0;
}

static bool conn_verified(nng_tls_engine_conn *ec)
{
    return SSL_get0_peer_certificate(ec->ssl) != NULL &&
           SSL_get_verify_result(ec->ssl) == X509_V_OK;
}

/* ---- configurations ---- */

/* OPTIONAL: a presented certificate is checked, and the result is what `verified` reports, but
 * the handshake goes on either way (nng's meaning of the mode). */
static int verify_keep_going(int ok, X509_STORE_CTX *store)
{
    (void)ok;
    (void)store;
    return 1;
}

static int config_auth(nng_tls_engine_config *cfg, nng_tls_auth_mode mode)
{
    switch (mode) {
    case NNG_TLS_AUTH_MODE_NONE:
        SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    case NNG_TLS_AUTH_MODE_OPTIONAL:
        SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_PEER, verify_keep_going);
        return 0;
    case NNG_TLS_AUTH_MODE_REQUIRED:
        SSL_CTX_set_verify(cfg->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        return 0;
    }
    return NNG_EINVAL;
}

static void config_fini(nng_tls_engine_config *cfg)
{
    SSL_CTX_free(cfg->ctx);
    cfg->ctx = NULL;
    free(cfg->server_name);
    cfg->server_name = NULL;
}

static int config_init(nng_tls_engine_config *cfg, nng_tls_mode mode)
{
    pthread_once(&bio_once, bio_method_make);
    if (!bio_method) return NNG_ENOMEM;
    ERR_clear_error();
    cfg->mode = mode;
    cfg->ctx = SSL_CTX_new(mode == NNG_TLS_MODE_SERVER ? TLS_server_method() : TLS_client_method());
    if (!cfg->ctx) return NNG_ENOMEM;
    SSL_CTX *c = cfg->ctx;
    int ok = SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) &&
             SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) &&
             SSL_CTX_set_cipher_list(c, CIPHERS_TLS12);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* nng hands a send the same bytes again after NNG_EAGAIN, not always from the same
     * address; an idle connection gives its buffers back. */
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    if (ok && mode == NNG_TLS_MODE_SERVER) ok = SSL_CTX_set_num_tickets(c, 0);
    /* nng's defaults: a server asks for no certificate, a client requires one (checked against
     * the configured CAs, or the system's: conn_init). */
    if (ok)
        ok = config_auth(cfg, mode == NNG_TLS_MODE_SERVER ? NNG_TLS_AUTH_MODE_NONE
                                                          : NNG_TLS_AUTH_MODE_REQUIRED) == 0;
    ERR_clear_error();
    if (!ok) {
        config_fini(cfg);
        return NNG_ECRYPTO;
    }
    return 0;
}

static int config_server(nng_tls_engine_config *cfg, const char *name)
{
    char *dup = strdup(name);
    if (!dup) return NNG_ENOMEM;
    free(cfg->server_name);
    cfg->server_name = dup;
    return 0;
}

/* CA certificates, and CRLs if any (PEM, several blocks; nng passes a CA file's whole text as
 * both when it holds a CRL). A CRL makes the peer's certificate be checked against its issuer's
 * CRL, which must then be among them. */
static int config_ca_chain(nng_tls_engine_config *cfg, const char *certs, const char *crl)
{
    X509_STORE *store = SSL_CTX_get_cert_store(cfg->ctx);
    int ncert = 0, ncrl = 0, rv = 0;
    for (int pass = 0; pass < 2 && rv == 0; pass++) {
        const char *pem = pass == 0 ? certs : crl;
        if (!pem) continue;
        ERR_clear_error();
        BIO *b = BIO_new_mem_buf(pem, -1);
        STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        if (!infos) {
            rv = NNG_EINVAL;
            break;
        }
        for (int i = 0; i < sk_X509_INFO_num(infos) && rv == 0; i++) {
            X509_INFO *info = sk_X509_INFO_value(infos, i);
            if (pass == 0 && info->x509) {
                if (!X509_STORE_add_cert(store, info->x509)) rv = NNG_ECRYPTO;
                ncert++;
            } else if (pass == 1 && info->crl) {
                if (!X509_STORE_add_crl(store, info->crl)) rv = NNG_ECRYPTO;
                ncrl++;
            }
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
    }
    ERR_clear_error();
    if (rv == 0 && ncert == 0) rv = NNG_EINVAL;
    if (rv == 0) cfg->have_ca = true;
    if (rv == 0 && ncrl > 0) X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    return rv;
}

static int key_password(char *buf, int size, int rwflag, void *arg)
{
    (void)rwflag;
    const char *pass = arg;
    if (!pass) return -1; /* never ask on a terminal: an encrypted key needs its password */
    size_t n = strlen(pass);
    if (n > (size_t)size) return -1;
    memcpy(buf, pass, n);
    return (int)n;
}

/* Our certificate (then its chain, in the same PEM text) and its private key; the two may be one
 * text, as nng_tls_config_cert_key_file passes them. Called again for another key type. */
static int config_own_cert(nng_tls_engine_config *cfg, const char *cert, const char *key,
                           const char *pass)
{
    ERR_clear_error();
    int rv = NNG_EINVAL;
    X509 *leaf = NULL;
    EVP_PKEY *pkey = NULL;
    STACK_OF(X509) *chain = sk_X509_new_null();
    BIO *cb = BIO_new_mem_buf(cert, -1), *kb = BIO_new_mem_buf(key, -1);
    if (!chain || !cb || !kb) {
        rv = NNG_ENOMEM;
        goto done;
    }
    if (!(leaf = PEM_read_bio_X509(cb, NULL, NULL, NULL))) goto done;
    X509 *x;
    while ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            rv = NNG_ENOMEM;
            goto done;
        }
    if (!(pkey = PEM_read_bio_PrivateKey(kb, NULL, key_password, (void *)pass))) goto done;
    /* Checks that the key is the certificate's. */
    rv = SSL_CTX_use_cert_and_key(cfg->ctx, leaf, pkey, chain, 1) == 1 ? 0 : NNG_ECRYPTO;
done:
    X509_free(leaf);
    EVP_PKEY_free(pkey);
    sk_X509_pop_free(chain, X509_free);
    BIO_free(cb);
    BIO_free(kb);
    ERR_clear_error();
    return rv;
}

static int config_version(nng_tls_engine_config *cfg, nng_tls_version min, nng_tls_version max)
{
    if (min > max || max < NNG_TLS_1_2 || max > NNG_TLS_1_3) return NNG_ENOTSUP;
    int lo = min == NNG_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; /* never below 1.2 */
    int hi = max == NNG_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    int ok =
        SSL_CTX_set_min_proto_version(cfg->ctx, lo) && SSL_CTX_set_max_proto_version(cfg->ctx, hi);
    ERR_clear_error();
    return ok ? 0 : NNG_ENOTSUP;
}

static nng_tls_engine_config_ops config_ops = {
    .size = sizeof(nng_tls_engine_config),
    .init = config_init,
    .fini = config_fini,
    .server = config_server,
    .auth = config_auth,
    .ca_chain = config_ca_chain,
    .own_cert = config_own_cert,
    .version = config_version,
};

static nng_tls_engine_conn_ops conn_ops = {
    .size = sizeof(nng_tls_engine_conn),
    .init = conn_init,
    .fini = conn_fini,
    .close = conn_close,
    .handshake = conn_handshake,
    .recv = conn_recv,
    .send = conn_send,
    .verified = conn_verified,
};

static nng_tls_engine engine = {
    .version = NNG_TLS_ENGINE_VERSION,
    .config_ops = &config_ops,
    .conn_ops = &conn_ops,
    .name = ENGINE_NAME,
    .description = OPENSSL_VERSION_TEXT,
    .fips_mode = false,
};

int ism_rpc_tls_engine(void)
{
    /* nng_tls_engine_name() initializes nng first (its initialization resets the engine: to
     * none in the project's build, to Mbed TLS in a system libnng, -DISM_NNG_PATCHED=OFF); the
     * check is repeated on every call because nng_fini() resets it too. */
    if (strcmp(nng_tls_engine_name(), ENGINE_NAME) == 0) return 0;
    return nng_tls_engine_register(&engine);
}

void ism_rpc_tls_process_init(void)
{
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}
