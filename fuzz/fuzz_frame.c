/* libFuzzer target for the frame layer and, behind it, every payload
 * decoder: the input is a whole frame (16-byte header and payload).
 *
 * A mutated frame almost never carries a valid checksum, so each input is
 * tried twice: as it is (header checks, checksum refusal) and with the
 * checksum recomputed over a copy (header and length permitting), which
 * lets mutations reach msg_decode for any type the header names.
 * Properties (abort on violation): a frame that decodes round-trips
 * (testlib_roundtrip) and through msg_encode_frame to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"
#include "msg_testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FRAME_CAP (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)

typedef struct {
    uint8_t *copy;
    uint8_t *frame_a;
    uint8_t *frame_b;
} fuzz_frame_state;

static fuzz_frame_state *fuzz_frame_state_get(void)
{
    static fuzz_frame_state s;
    static bool ready;
    if (!ready) {
        s.copy = malloc(FUZZ_FRAME_CAP);
        s.frame_a = malloc(FUZZ_FRAME_CAP);
        s.frame_b = malloc(FUZZ_FRAME_CAP);
        if (s.copy == NULL || s.frame_a == NULL || s.frame_b == NULL) {
            abort();
        }
        ready = true;
    }
    return &s;
}

/* Decodes one frame and, when its payload is a valid message, checks the
 * payload round trip (testlib_roundtrip) and that msg_encode_frame gives
 * back a frame of the same type over the same canonical payload. */
static void fuzz_frame_one(fuzz_frame_state *s, const uint8_t *bytes, size_t n)
{
    frame_header h;
    const uint8_t *payload = NULL;
    if (frame_decode(bytes, n, FRAME_TCP_PAYLOAD_MAX, &h, &payload) != HS_OK) {
        return;
    }
    if (h.version != FRAME_VERSION || h.flags != 0 || payload != bytes + FRAME_HEADER_LEN ||
        (size_t)h.length + FRAME_HEADER_LEN != n) {
        abort();
    }
    const msg_desc *d = msg_registry_find(h.type);
    if (d == NULL || !testlib_roundtrip(d, payload, h.length)) {
        return;
    }
    testlib_rt *rt = testlib_rt_get();
    testlib_body a;
    msg_rx_store st = testlib_store(rt, 0);
    size_t len_a = 0;
    size_t len_b = 0;
    if (msg_decode(d, payload, h.length, &a, &st) != HS_OK ||
        msg_encode_frame(d, &a, s->frame_a, FUZZ_FRAME_CAP, &len_a) != HS_OK ||
        msg_encode(d, &a, s->frame_b, FUZZ_FRAME_CAP, &len_b) != HS_OK) {
        abort();
    }
    frame_header h2;
    const uint8_t *payload2 = NULL;
    if (frame_decode(s->frame_a, len_a, FRAME_TCP_PAYLOAD_MAX, &h2, &payload2) != HS_OK ||
        h2.type != h.type || h2.length != len_b || memcmp(payload2, s->frame_b, len_b) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frame_state *s = fuzz_frame_state_get();
    fuzz_frame_one(s, data, size);

    /* Same bytes with a repaired checksum, when the header allows one. */
    frame_header h;
    if (size > FUZZ_FRAME_CAP ||
        frame_parse_header(data, size, FRAME_TCP_PAYLOAD_MAX, &h) != HS_OK ||
        (size_t)h.length + FRAME_HEADER_LEN != size) {
        return 0;
    }
    memcpy(s->copy, data, size);
    uint64_t sum = frame_checksum(s->copy, s->copy + FRAME_HEADER_LEN, h.length);
    for (int i = 0; i < 8; i++) {
        s->copy[8 + i] = (uint8_t)(sum >> (56 - 8 * i));
    }
    if (memcmp(s->copy, data, size) != 0) {
        /* The repaired copy is a different frame: it must now pass the
         * checksum, and the original must not have. */
        const uint8_t *p = NULL;
        if (frame_decode(s->copy, size, FRAME_TCP_PAYLOAD_MAX, &h, &p) != HS_OK ||
            frame_decode(data, size, FRAME_TCP_PAYLOAD_MAX, &h, &p) != HS_ERR_CHECKSUM) {
            abort();
        }
        fuzz_frame_one(s, s->copy, size);
    }
    return 0;
}
