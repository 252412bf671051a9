/* The trace hash: XXH3-64, streaming, over a canonical serialisation of
 * every record of a run (inputs delivered, outputs produced, fault and
 * phase actions), in order.
 *
 * A record is built field by field in little-endian byte order (never a
 * struct image: no padding, no pointers) into a buffer, then fed to the
 * stream at once.  With rolling enabled the module also keeps a hash
 * chained over the records (roll = mix64(roll ^ xxh3(record))), sampled
 * after every event so two runs can be compared event by event; the
 * stream hash is the same with or without it.
 *
 * The field writers are inline: they run several times per event. */
#ifndef SIMHASH_H_
#define SIMHASH_H_

#include <string.h>

#include "base.h"

#define SIMHASH_RECORD_MAX 8192u

typedef struct {
    void *state; /* XXH3_state_t */
    uint8_t buf[SIMHASH_RECORD_MAX];
    uint32_t used;
    bool open;
    bool rolling;
    uint64_t rec; /* hash of the current record's flushed chunks */
    uint64_t roll;
    uint64_t records;
} simhash;

HS_MUST_USE hs_status simhash_init(simhash *h);
void simhash_free(simhash *h);
void simhash_set_rolling(simhash *h, bool on);

/* node: a 0-based node index, or SIMHASH_CLUSTER for a cluster-wide record. */
#define SIMHASH_CLUSTER UINT32_MAX
void simhash_begin(simhash *h, uint8_t tag, uint64_t time_ns, uint32_t node, uint32_t kind);
void simhash_end(simhash *h);
/* Feeds a full buffer to the stream mid-record (long records). */
void simhash_flush_chunk(simhash *h);
/* Appends raw bytes, chunking long ones. */
void simhash_raw(simhash *h, const void *src, uint32_t n);

uint64_t simhash_digest(const simhash *h);
static inline uint64_t simhash_roll(const simhash *h) { return h->roll; }

static inline uint8_t *simhash_room(simhash *h, uint32_t n)
{
    if (h->used + n > SIMHASH_RECORD_MAX) {
        simhash_flush_chunk(h);
    }
    uint8_t *p = h->buf + h->used;
    h->used += n;
    return p;
}

static inline void simhash_u8(simhash *h, uint8_t v)
{
    *simhash_room(h, 1) = v;
}

/* Little-endian stores of the low n bytes of v; on a little-endian host
 * one memcpy, which compiles to a single store (the byte loop is not
 * always merged). */
static inline void simhash_le(uint8_t *p, uint64_t v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, n);
#else
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
#endif
}

static inline void simhash_u16(simhash *h, uint16_t v)
{
    simhash_le(simhash_room(h, 2), v, 2);
}

static inline void simhash_u32(simhash *h, uint32_t v)
{
    simhash_le(simhash_room(h, 4), v, 4);
}

static inline void simhash_u64(simhash *h, uint64_t v)
{
    simhash_le(simhash_room(h, 8), v, 8);
}

/* Length-prefixed bytes. */
static inline void simhash_bytes(simhash *h, const uint8_t *bytes, uint32_t len)
{
    simhash_u32(h, len);
    simhash_raw(h, bytes, len);
}

#endif /* SIMHASH_H_ */
