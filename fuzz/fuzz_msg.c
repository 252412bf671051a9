/* libFuzzer target: every message descriptor's payload decoder, through
 * one harness.  The input is a 2-byte big-endian message type followed by
 * a raw CBOR payload (no frame header); the type picks the descriptor from
 * the registry (msg_registry.h), so a type a module adds is fuzzed without
 * a new target, and corpus files keep their meaning when types are added.
 *
 * Properties (testlib_roundtrip, abort on violation): decoding never
 * crashes, never reads past the input (libFuzzer and the replay driver
 * hand over exactly-sized buffers), never writes past the list storage it
 * is given; whatever decodes re-encodes, decodes to the same fields and
 * re-encodes to the same bytes.  A type no module declares is refused by
 * the registry and nothing else is tried. */
#include "msg_testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    uint16_t type = (uint16_t)((uint32_t)data[0] << 8 | data[1]);
    const msg_desc *d = msg_registry_find(type);
    if (d == NULL) {
        return 0;
    }
    (void)testlib_roundtrip(d, data + 2, size - 2);
    return 0;
}
