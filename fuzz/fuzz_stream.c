/* libFuzzer target for TCP frame reassembly (io_real/stream.c).
 *
 * Input: byte 0 picks the payload limit (low two bits: 1 MiB, 64, 1024 or
 * 0 bytes), the rest (at most FUZZ_STREAM_INPUT_MAX bytes are used) is the
 * byte stream a connection receives.
 * Property (abort on violation): feeding the stream whole, split in two at
 * every point (every point of an input up to FUZZ_STREAM_EVERY bytes,
 * FUZZ_STREAM_EVERY evenly spaced points of a longer one), or cut into
 * random chunks derived from the input, yields the same frames (each equal
 * to the input bytes at its offset, the same lengths in the same order)
 * and the same ending (need more bytes with the same number buffered, or
 * the same header error).  Every frame's length matches its header, and
 * the buffer never exceeds one maximal frame.  The split counts are kept
 * small so the target runs above 10,000 inputs per second under ASan;
 * tests/unit/test_stream.c checks every split point of fixed streams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "frame.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_STREAM_EVERY 24u
#define FUZZ_STREAM_BYTES (16u * 1024u)
#define FUZZ_STREAM_INPUT_MAX 1024u
#define FUZZ_STREAM_RANDOM_SPLITS 4u
#define FUZZ_STREAM_CUTS_MAX 64u
#define FUZZ_STREAM_BIG (1u << 30)

typedef struct {
    uint64_t hash;   /* of the frame lengths in order */
    uint64_t offset; /* input bytes yielded as frames so far */
    uint32_t frames;
    hs_status end;
    uint32_t buffered;
} fuzz_stream_outcome;

static void fuzz_stream_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_stream: property violated: %s\n", what);
        abort();
    }
}

/* Frames are consecutive slices of the input, so a frame is the same in
 * two runs exactly when its bytes equal the input at the running offset:
 * check that (memcmp) and hash only the lengths, which is much cheaper
 * than hashing every frame's bytes in every run. */
static void fuzz_stream_drain(stream *s, const uint8_t *input, fuzz_stream_outcome *o)
{
    const uint8_t *frame = NULL;
    uint32_t len = 0;
    while (stream_next(s, &frame, &len) == HS_OK) {
        frame_header h;
        fuzz_stream_check(frame_parse_header(frame, len, s->max_payload, &h) == HS_OK,
                          "a yielded frame has a valid header");
        fuzz_stream_check(len == FRAME_HEADER_LEN + h.length, "frame length matches header");
        fuzz_stream_check(memcmp(frame, input + o->offset, len) == 0,
                          "frame bytes are the input's bytes in order");
        o->offset += len;
        o->hash = (o->hash ^ len) * UINT64_C(0x100000001b3);
        o->frames++;
        stream_consume(s, len);
    }
    fuzz_stream_check(stream_capacity(s) <= s->cap_max, "buffer within one frame");
}

/* Feeds [pos, end) and drains after every copy.  False once the stream
 * failed (the rest of the input is never looked at, as on a socket). */
static bool fuzz_stream_feed(stream *s, const uint8_t *data, size_t pos, size_t end,
                             fuzz_stream_outcome *o)
{
    while (pos < end) {
        size_t taken = 0;
        hs_status status = stream_feed(s, data + pos, end - pos, FUZZ_STREAM_BIG, &taken);
        fuzz_stream_check(status != HS_ERR_NOMEM && status != HS_ERR_FULL, "no memory refusal");
        pos += taken;
        fuzz_stream_drain(s, data, o);
        if (status != HS_OK) {
            return false;
        }
        fuzz_stream_check(taken > 0 || pos == end, "feed makes progress after a drain");
    }
    return true;
}

/* One stream per payload limit, reused by every run: dozens of runs per
 * input would otherwise churn the allocator, and ASan's quarantine of
 * freed buffers alone would pass the fuzzer's 256 MB RSS limit. */
static stream fuzz_stream_reused[4];
static bool fuzz_stream_ready[4];

static void fuzz_stream_run(const uint8_t *data, size_t n, uint32_t limit_index,
                            const size_t *cuts, uint32_t cut_count, fuzz_stream_outcome *o)
{
    static const uint32_t limits[4] = {FRAME_TCP_PAYLOAD_MAX, 64, 1024, 0};
    stream *sp = &fuzz_stream_reused[limit_index];
    if (!fuzz_stream_ready[limit_index]) {
        stream_init(sp, limits[limit_index]);
        fuzz_stream_ready[limit_index] = true;
    }
    stream_reset(sp, limits[limit_index]);
    memset(o, 0, sizeof(*o));
    size_t pos = 0;
    for (uint32_t i = 0; i <= cut_count; i++) {
        size_t end = i < cut_count ? cuts[i] : n;
        if (!fuzz_stream_feed(sp, data, pos, end, o)) {
            break;
        }
        pos = end;
    }
    const uint8_t *frame = NULL;
    uint32_t len = 0;
    o->end = stream_next(sp, &frame, &len);
    fuzz_stream_check(o->end != HS_OK, "every complete frame was drained");
    o->buffered = o->end == HS_ERR_TRUNCATED ? stream_buffered(sp) : 0;
}

static void fuzz_stream_same(const fuzz_stream_outcome *a, const fuzz_stream_outcome *b)
{
    fuzz_stream_check(a->frames == b->frames, "same number of frames");
    fuzz_stream_check(a->hash == b->hash, "same frame bytes");
    fuzz_stream_check(a->end == b->end, "same ending");
    fuzz_stream_check(a->buffered == b->buffered, "same bytes left over");
}

static uint64_t fuzz_stream_next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void fuzz_stream_random_splits(const uint8_t *data, size_t n, uint32_t limit_index,
                                      const fuzz_stream_outcome *whole)
{
    uint64_t x = XXH3_64bits(data, n) | 1u;
    /* The same byte budget as the single splits: fewer rounds when long. */
    size_t rounds = FUZZ_STREAM_BYTES / 4 / (n + 1);
    rounds = rounds > FUZZ_STREAM_RANDOM_SPLITS ? FUZZ_STREAM_RANDOM_SPLITS
             : rounds < 2                       ? 2
                                                : rounds;
    for (uint32_t round = 0; round < rounds; round++) {
        size_t cuts[FUZZ_STREAM_CUTS_MAX];
        uint32_t count = (uint32_t)(fuzz_stream_next_random(&x) % FUZZ_STREAM_CUTS_MAX);
        size_t pos = 0;
        uint32_t used = 0;
        for (uint32_t i = 0; i < count && pos < n; i++) {
            pos += 1 + fuzz_stream_next_random(&x) % (n - pos);
            cuts[used++] = pos;
        }
        fuzz_stream_outcome o;
        fuzz_stream_run(data, n, limit_index, cuts, used, &o);
        fuzz_stream_same(whole, &o);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    uint32_t limit_index = data[0] & 3u;
    const uint8_t *bytes = data + 1;
    /* Longer streams add no new reassembly states (the 64- and 1024-byte
     * limits already make many frames and refusals fit), only cost. */
    size_t n = size - 1 > FUZZ_STREAM_INPUT_MAX ? FUZZ_STREAM_INPUT_MAX : size - 1;
    fuzz_stream_outcome whole;
    fuzz_stream_run(bytes, n, limit_index, NULL, 0, &whole);
    /* Every point of a short input; for a long one as many evenly spaced
     * points as keep the bytes fed per input near FUZZ_STREAM_BYTES, so the
     * target stays fast on the long inputs the fuzzer likes to grow. */
    size_t points = FUZZ_STREAM_BYTES / (n + 1);
    points = points > FUZZ_STREAM_EVERY ? FUZZ_STREAM_EVERY : points < 8 ? 8 : points;
    size_t stride = n <= points ? 1 : n / points;
    for (size_t cut = 1; cut < n; cut += stride) {
        fuzz_stream_outcome o;
        fuzz_stream_run(bytes, n, limit_index, &cut, 1, &o);
        fuzz_stream_same(&whole, &o);
    }
    if (n > 0) {
        fuzz_stream_random_splits(bytes, n, limit_index, &whole);
    }
    return 0;
}
