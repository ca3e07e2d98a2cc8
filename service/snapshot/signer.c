/* signer.c — the installation's Ed25519 key: created once (mode 0600), signs sealed
 * snapshots so that any later change to a snapshot file is detected. */
#include "ismap/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ism_signer {
    EVP_PKEY *key;
};

static ism_signer *create_key(const char *path, ism_error *err)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *key = NULL;
    if (!pc || EVP_PKEY_keygen_init(pc) <= 0 || EVP_PKEY_keygen(pc, &key) <= 0) {
        EVP_PKEY_CTX_free(pc);
        ism_error_set(err, ISM_E_INTERNAL, "cannot generate an Ed25519 key");
        return NULL;
    }
    EVP_PKEY_CTX_free(pc);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool ok = fp && PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) == 1;
    if (fp)
        ok = (fclose(fp) == 0) && ok;
    else if (fd >= 0)
        close(fd);
    if (!ok) {
        EVP_PKEY_free(key);
        ism_error_set(err, ISM_E_IO, "cannot write the signing key %s: %s", path, strerror(errno));
        return NULL;
    }
    ism_signer *k = calloc(1, sizeof *k);
    k->key = key;
    ism_log(ISM_LOG_INFO, "signer.created", "created the installation signing key %s", path);
    return k;
}

ism_signer *ism_signer_load(const char *path, ism_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT) return create_key(path, err);
        ism_error_set(err, ISM_E_IO, "cannot read the signing key %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & 077))
        ism_log(ISM_LOG_WARN, "signer.permissions",
                "signing key %s is readable by others (mode %o); it should be 0600", path,
                (unsigned)(sb.st_mode & 0777));
    EVP_PKEY *key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        ism_error_set(err, ISM_E_INVALID_DATA, "%s is not an Ed25519 private key", path);
        return NULL;
    }
    ism_signer *k = calloc(1, sizeof *k);
    k->key = key;
    return k;
}

void ism_signer_free(ism_signer *k)
{
    if (!k) return;
    EVP_PKEY_free(k->key);
    free(k);
}

static char *b64(const unsigned char *buf, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
    return out;
}

char *ism_signer_sign(ism_signer *k, const void *msg, size_t len, ism_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[64];
    size_t siglen = sizeof sig;
    bool ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->key) == 1 &&
              EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ism_error_set(err, ISM_E_INTERNAL, "signing failed");
        return NULL;
    }
    return b64(sig, siglen);
}

bool ism_signer_verify(ism_signer *k, const void *msg, size_t len, const char *sig)
{
    unsigned char raw[96];
    size_t n = strlen(sig);
    if (n == 0 || n > 128 || n % 4) return false;
    int dl = EVP_DecodeBlock(raw, (const unsigned char *)sig, (int)n);
    if (dl < 64) return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->key) == 1 &&
              EVP_DigestVerify(ctx, raw, 64, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool ism_signer_verify_public(const char *public_b64, const void *msg, size_t len, const char *sig)
{
    unsigned char raw[48];
    size_t n = public_b64 ? strlen(public_b64) : 0;
    if (n != 44 || !sig) return false; /* base64 of 32 bytes */
    int dl = EVP_DecodeBlock(raw, (const unsigned char *)public_b64, (int)n);
    if (dl < 32) return false;
    EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
    if (!pub) return false;
    ism_signer k = {pub};
    bool ok = ism_signer_verify(&k, msg, len, sig);
    EVP_PKEY_free(pub);
    return ok;
}

bool ism_signer_public_check(const char *public_b64)
{
    unsigned char raw[48];
    size_t n = public_b64 ? strlen(public_b64) : 0;
    if (n != 44) return false;
    if (EVP_DecodeBlock(raw, (const unsigned char *)public_b64, (int)n) < 32) return false;
    EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
    EVP_PKEY_free(pub);
    return pub != NULL;
}

char *ism_signer_public(ism_signer *k)
{
    unsigned char pub[32];
    size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(k->key, pub, &len) != 1) return NULL;
    return b64(pub, len);
}
