/* The trace hash covers every payload byte (review item 13): two inputs
 * that differ only past the 16-byte frame header, or only in their last
 * byte, must hash differently, or detcheck cannot see such a divergence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "frame.h"
#include "sim.h"
#include "simhash.h"

static uint64_t digest_of_recv(const uint8_t *bytes, uint32_t len)
{
    simhash h;
    assert_int_equal(simhash_init(&h), HS_OK);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = HS_CH_UDP;
    in.u.recv.from = (hs_addr){.ip = 0x0a000001u, .port = 7946};
    in.u.recv.bytes = bytes;
    in.u.recv.len = len;
    simhash_begin(&h, 1, 0, 0, (uint32_t)in.kind);
    sim_hash_input_fields(&h, &in);
    simhash_end(&h);
    uint64_t digest = simhash_digest(&h);
    simhash_free(&h);
    return digest;
}

static void payload_bytes_change_the_hash(void **state)
{
    (void)state;
    uint8_t a[64];
    uint8_t b[64];
    for (uint32_t i = 0; i < sizeof(a); i++) {
        a[i] = (uint8_t)(i * 7u);
    }
    /* Same header (a bad checksum does not matter: forged frames have
     * them), payload different at the first byte past the header. */
    memcpy(b, a, sizeof(a));
    b[FRAME_HEADER_LEN] ^= 0x01;
    assert_int_not_equal(digest_of_recv(a, sizeof(a)), digest_of_recv(b, sizeof(b)));
    /* ... and at the very last byte. */
    memcpy(b, a, sizeof(a));
    b[sizeof(b) - 1] ^= 0x80;
    assert_int_not_equal(digest_of_recv(a, sizeof(a)), digest_of_recv(b, sizeof(b)));
    /* Equal inputs hash equally (the test can tell the two apart). */
    memcpy(b, a, sizeof(a));
    assert_int_equal(digest_of_recv(a, sizeof(a)), digest_of_recv(b, sizeof(b)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payload_bytes_change_the_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
