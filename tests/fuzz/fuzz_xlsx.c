/* fuzz_xlsx.c — libFuzzer target: the XLSX reader (ism_xlsx_read_mem) on arbitrary bytes, with
 * limits low enough that a zip bomb is refused quickly, then every lookup over what it read. */
#include "fuzz_common.h"
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static bool init;
    if (!init) fz_quiet(), init = true;
    ism_table_limits lim;
    fz_table_limits(&lim);
    ism_error e = {0};
    ism_workbook *wb = ism_xlsx_read_mem(data, len, "fuzz.xlsx", &lim, &e);
    fz_table_walk(wb, &e);
    ism_workbook_free(wb);
    ism_error_clear(&e);
    return 0;
}
