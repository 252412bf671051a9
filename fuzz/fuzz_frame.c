/* libFuzzer target for the frame layer and, behind it, every payload
 * decoder: the input is a whole frame (16-byte header and payload).
 *
 * A mutated frame almost never carries a valid checksum, so each input is
 * tried twice: as it is (header checks, checksum refusal) and with the
 * checksum recomputed over a copy (header and length permitting), which
 * lets mutations reach msg_decode for any type the header names.
 * Properties (abort on violation): a frame that decodes round-trips
 * through msg_encode_frame to the same fields and the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msg.h"
#include "msg_testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FRAME_CAP (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)

typedef struct {
    msg_member *list_a;
    msg_member *list_b;
    uint8_t *copy;
    uint8_t *buf_a;
    uint8_t *buf_b;
} fuzz_frame_state;

static fuzz_frame_state *fuzz_frame_state_get(void)
{
    static fuzz_frame_state s;
    static bool ready;
    if (!ready) {
        s.list_a = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
        s.list_b = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
        s.copy = malloc(FUZZ_FRAME_CAP);
        s.buf_a = malloc(FUZZ_FRAME_CAP);
        s.buf_b = malloc(FUZZ_FRAME_CAP);
        if (s.list_a == NULL || s.list_b == NULL || s.copy == NULL || s.buf_a == NULL ||
            s.buf_b == NULL) {
            abort();
        }
        ready = true;
    }
    return &s;
}

static void fuzz_frame_msg_init(msg *m, msg_member *list)
{
    memset(m, 0, sizeof(*m));
    m->list = list;
    m->list_cap = MSG_MEMBERS_MAX;
}

/* Decodes one frame and, when its payload is a valid message, checks the
 * round trip through the frame encoder. */
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
    msg a;
    fuzz_frame_msg_init(&a, s->list_a);
    hs_status st = msg_decode(h.type, payload, h.length, &a);
    if (st != HS_OK) {
        if (st == HS_ERR_UNKNOWN_TYPE && msg_info(h.type) != NULL) {
            abort();
        }
        return;
    }
    size_t len_a = 0;
    if (msg_encode_frame(&a, s->buf_a, FUZZ_FRAME_CAP, &len_a) != HS_OK) {
        abort();
    }
    frame_header h2;
    const uint8_t *payload2 = NULL;
    if (frame_decode(s->buf_a, len_a, FRAME_TCP_PAYLOAD_MAX, &h2, &payload2) != HS_OK ||
        h2.type != h.type) {
        abort();
    }
    msg b;
    fuzz_frame_msg_init(&b, s->list_b);
    if (msg_decode(h2.type, payload2, h2.length, &b) != HS_OK ||
        testlib_msg_diff(&a, &b) != NULL) {
        abort();
    }
    size_t len_b = 0;
    if (msg_encode_frame(&b, s->buf_b, FUZZ_FRAME_CAP, &len_b) != HS_OK || len_b != len_a ||
        memcmp(s->buf_a, s->buf_b, len_a) != 0) {
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
