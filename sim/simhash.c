/* Streaming XXH3 trace hash with an optional per-record rolling chain. */
#include "simhash.h"

#include <xxhash.h>

#include "rng.h"

hs_status simhash_init(simhash *h)
{
    memset(h, 0, sizeof(*h));
    XXH3_state_t *st = XXH3_createState();
    if (st == NULL) {
        return HS_ERR_NOMEM;
    }
    if (XXH3_64bits_reset(st) != XXH_OK) {
        XXH3_freeState(st);
        return HS_ERR_INVALID;
    }
    h->state = st;
    return HS_OK;
}

void simhash_free(simhash *h)
{
    if (h->state != NULL) {
        XXH3_freeState((XXH3_state_t *)h->state);
    }
    memset(h, 0, sizeof(*h));
}

void simhash_set_rolling(simhash *h, bool on)
{
    h->rolling = on;
}

void simhash_flush_chunk(simhash *h)
{
    if (h->used == 0) {
        return;
    }
    (void)XXH3_64bits_update((XXH3_state_t *)h->state, h->buf, h->used);
    if (h->rolling) {
        h->rec = XXH3_64bits_withSeed(h->buf, h->used, h->rec);
    }
    h->used = 0;
}

void simhash_raw(simhash *h, const void *src, uint32_t n)
{
    const uint8_t *p = src;
    while (n > 0) {
        if (h->used == SIMHASH_RECORD_MAX) {
            simhash_flush_chunk(h);
        }
        uint32_t room = SIMHASH_RECORD_MAX - h->used;
        uint32_t k = n < room ? n : room;
        memcpy(h->buf + h->used, p, k);
        h->used += k;
        p += k;
        n -= k;
    }
}

void simhash_begin(simhash *h, uint8_t tag, uint64_t time_ns, uint32_t node, uint32_t kind)
{
    HS_ASSERT(!h->open);
    h->open = true;
    h->rec = 0;
    /* The stream does not care where chunks end, so without the rolling
     * chain records accumulate and reach XXH3 a buffer at a time; with it,
     * each record starts a chunk of its own. */
    if (h->rolling || h->used + 64 > SIMHASH_RECORD_MAX) {
        simhash_flush_chunk(h);
    }
    /* Node indexes below 0xfe are one byte (as when clusters had at most
     * 32 nodes, so their hashes did not change); 0xff is the cluster;
     * larger indexes are escaped as 0xfe and a u16.  The flush above left
     * room for the whole header: it is written without per-field checks. */
    HS_STATIC_ASSERT(SIMHASH_RECORD_MAX > 64, "a record header fits after a flush");
    uint8_t first = node < 0xfe ? (uint8_t)node : node == SIMHASH_CLUSTER ? 0xff : 0xfe;
    uint8_t *p = h->buf + h->used;
    p[0] = tag;
    simhash_le(p + 1, time_ns, 8);
    p[9] = first;
    uint32_t len = 11;
    if (first == 0xfe) {
        HS_ASSERT(node <= UINT16_MAX);
        simhash_le(p + 10, node, 2);
        len = 13;
    }
    p[len - 1] = (uint8_t)kind;
    h->used += len;
}

void simhash_end(simhash *h)
{
    HS_ASSERT(h->open);
    h->open = false;
    if (h->rolling) {
        simhash_flush_chunk(h);
        h->roll = rng_mix64(h->roll ^ h->rec);
    }
    h->records++;
}

uint64_t simhash_digest(const simhash *h)
{
    HS_ASSERT(!h->open);
    if (h->used == 0) {
        return XXH3_64bits_digest((const XXH3_state_t *)h->state);
    }
    /* Buffered bytes go into a copy, so reading the hash changes nothing. */
    XXH3_state_t *copy = XXH3_createState();
    HS_ASSERT(copy != NULL);
    XXH3_copyState(copy, (const XXH3_state_t *)h->state);
    (void)XXH3_64bits_update(copy, h->buf, h->used);
    uint64_t d = XXH3_64bits_digest(copy);
    XXH3_freeState(copy);
    return d;
}
