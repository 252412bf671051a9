/* Bounded hash map from u64 keys to u64 values with deterministic
 * iteration.
 *
 * Entries live in dense arrays iterated by position; an open-addressed
 * index (linear probing, backward-shift deletion, no tombstones) finds
 * them.  Removal moves the last entry into the hole, so iteration order
 * depends only on the sequence of operations, never on pointer values.
 * The capacity is fixed at init: a put beyond it fails with HS_ERR_FULL. */
#ifndef HS_MAP_H_
#define HS_MAP_H_

#include "base.h"

/* A key and its value side by side: a lookup that finds its key has the
 * value in the same cache line (one miss, not two, on a cold table). */
typedef struct {
    uint64_t key;
    uint64_t value;
} map_entry;

typedef struct {
    map_entry *entries; /* dense, in insertion order (removal moves the last in) */
    /* Low pos_bits: dense position + 1 (0 marks an empty slot); the bits
     * above: a fingerprint of the key's hash, so a probe that passes a
     * slot of another key reads no entry (one cache line per lookup that
     * misses, not one per slot of its probe run). */
    uint32_t *slots;
    uint32_t count;
    uint32_t cap;
    uint32_t slot_mask; /* slot count - 1; slot count is a power of two >= 2 * cap */
    uint32_t pos_mask;  /* (1 << pos_bits) - 1: holds cap, the largest position + 1 */
} map;

HS_MUST_USE hs_status map_init(map *m, uint32_t cap);
void map_free(map *m);
void map_clear(map *m);

bool map_get(const map *m, uint64_t key, uint64_t *value);
bool map_contains(const map *m, uint64_t key);
/* Inserts or overwrites. */
HS_MUST_USE hs_status map_put(map *m, uint64_t key, uint64_t value);
/* Returns false if the key was absent. */
bool map_remove(map *m, uint64_t key);

static inline uint32_t map_count(const map *m) { return m->count; }
static inline uint32_t map_cap(const map *m) { return m->cap; }
static inline uint64_t map_key_at(const map *m, uint32_t i) { return m->entries[i].key; }
static inline uint64_t map_value_at(const map *m, uint32_t i) { return m->entries[i].value; }

/* Walks the whole structure and checks its invariants (tests, debug). */
bool map_check(const map *m);

#endif /* HS_MAP_H_ */
