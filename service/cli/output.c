/* output.c — how every ismapctl command that writes a file writes it: to the file named by
 * -o, or to stdout for `-o -`, and then says what it wrote (as JSON with --json). */
#include "cli.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_write_output(cli *c, const char *out, const void *data, size_t len, const char *format,
                     const char *sha256, bool binary)
{
    if (!out || !*out) {
        fprintf(stderr, "ismapctl: -o needs a file name, or - for stdout\n");
        return CLI_USAGE;
    }
    if (!strcmp(out, "-")) {
        if (binary && isatty(STDOUT_FILENO)) {
            fprintf(stderr,
                    "ismapctl: %s is binary; not writing it to a terminal (redirect "
                    "stdout, or give -o FILE)\n",
                    format ? format : "the output");
            return CLI_USAGE;
        }
        bool ok = fwrite(data, 1, len, stdout) == len;
        ok = fflush(stdout) == 0 && ok;
        if (!ok) {
            fprintf(stderr, "ismapctl: writing to stdout failed: %s\n", strerror(errno));
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    FILE *fp = fopen(out, "wb");
    if (!fp) {
        fprintf(stderr, "ismapctl: cannot write %s: %s\n", out, strerror(errno));
        return CLI_USAGE;
    }
    bool ok = fwrite(data, 1, len, fp) == len;
    int saved = errno;
    if (fclose(fp) != 0 && ok) ok = false, saved = errno;
    if (!ok) {
        fprintf(stderr, "ismapctl: writing %s failed: %s\n", out, strerror(saved));
        return CLI_USAGE;
    }
    if (c->json) {
        json_t *r = json_pack("{s:s, s:s?, s:I, s:s?}", "output", out, "format", format, "bytes",
                              (json_int_t)len, "sha256", sha256);
        return cli_print(c, r, NULL);
    }
    printf("wrote %s (%s%s%zu bytes%s%s)\n", out, format ? format : "", format ? ", " : "", len,
           sha256 ? ", sha256 " : "", sha256 ? sha256 : "");
    return CLI_OK;
}

int cli_write_export(cli *c, const json_t *result, const char *out)
{
    const char *b64 = ism_json_getstr(result, "content_base64");
    size_t n = b64 ? strlen(b64) : 0;
    unsigned char *bytes = malloc(n / 4 * 3 + 4);
    int len = bytes ? EVP_DecodeBlock(bytes, (const unsigned char *)(b64 ? b64 : ""), (int)n) : -1;
    if (len < 0 || !b64) {
        fprintf(stderr, "ismapctl: the service's reply carries no readable document\n");
        free(bytes);
        return CLI_SERVICE;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t k = n; k > 0 && b64[k - 1] == '=' && len > 0; k--)
        len--;
    const char *fmt = ism_json_getstr(result, "format");
    int rc = cli_write_output(c, out, bytes, (size_t)len, fmt, ism_json_getstr(result, "sha256"),
                              fmt && (!strcmp(fmt, "xlsx") || !strcmp(fmt, "pdf")));
    free(bytes);
    return rc;
}
