/* fuzz_csv.c — libFuzzer target: the CSV reader (ism_csv_read_mem) with encoding and delimiter
 * detection, then every lookup over what it read. The first byte picks forced options half of
 * the time, so the explicit-encoding paths are reached too. */
#include "fuzz_common.h"
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static bool init;
    if (!init) fz_quiet(), init = true;
    ism_csv_options opts = {0}, *o = NULL;
    if (len > 0 && (data[0] & 0x80)) {
        static const char delims[] = {0, ',', '\t', ';'};
        opts.delimiter = delims[data[0] & 3];
        opts.encoding = (ism_text_encoding)(((data[0] >> 2) & 7) % (ISM_ENC_CP932 + 1));
        o = &opts;
        data++, len--;
    }
    ism_table_limits lim;
    fz_table_limits(&lim);
    ism_error e = {0};
    ism_workbook *wb = ism_csv_read_mem(data, len, "fuzz.csv", o, &lim, &e);
    fz_table_walk(wb, &e);
    ism_workbook_free(wb);
    ism_error_clear(&e);
    return 0;
}
