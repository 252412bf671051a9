/* libFuzzer target for the meta store's slot decoder (bytes read back from
 * disk are outside bytes too).  Property: whatever decodes re-encodes to
 * exactly the bytes it was decoded from. */
#include "meta.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    meta_record r;
    if (meta_decode(data, size, &r) != HS_OK) {
        return 0;
    }
    uint8_t again[META_RECORD_LEN];
    meta_encode(&r, again);
    if (memcmp(again, data, META_RECORD_LEN) != 0) {
        abort();
    }
    meta_record r2;
    if (meta_decode(again, sizeof(again), &r2) != HS_OK || r2.seq != r.seq ||
        r2.inc_ceiling != r.inc_ceiling || !hs_name_eq(&r2.name, &r.name)) {
        abort();
    }
    return 0;
}
