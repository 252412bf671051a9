/* Bounded u64 -> u64 hash map: dense entry arrays plus a linear-probing index.
 *
 * Invariants, asserted where they can break: count <= cap; the index has a
 * power-of-two number of slots, at least twice cap, so the load factor stays
 * at or below one half and every probe ends on an empty slot; a nonzero slot
 * holds dense position + 1 with position < count in its low bits and the
 * key's fingerprint above them (a probe compares keys only where the
 * fingerprint matches: a probe run costs one index line, not an entry line
 * per slot, which at 1,024 members is a cache miss each).  map_check walks all of
 * it (tests); debug builds (HS_DEBUG_CHECKS) also check the key just
 * written or removed. */
#include "map.h"
#include "alloc.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

#define MAP_CAP_MAX (UINT32_C(1) << 28)

static uint32_t home_slot(const map *m, uint64_t key)
{
    return (uint32_t)(rng_mix64(key) & m->slot_mask);
}

/* The fingerprint bits of a slot for key: high hash bits (the home slot
 * uses the low ones), placed above pos_mask. */
static uint32_t fingerprint(const map *m, uint64_t key)
{
    HS_ASSERT(m->pos_mask != 0 && (m->pos_mask & (m->pos_mask + 1)) == 0);
    uint32_t fp = (uint32_t)(rng_mix64(key) >> 32) & ~m->pos_mask;
    HS_ASSERT((fp & m->pos_mask) == 0);
    return fp;
}

/* Dense position named by a nonzero slot. */
static uint32_t slot_pos(const map *m, uint32_t ref)
{
    HS_ASSERT(ref != 0 && (ref & m->pos_mask) != 0);
    uint32_t pos = (ref & m->pos_mask) - 1;
    HS_ASSERT(pos < m->cap);
    return pos;
}

hs_status map_init(map *m, uint32_t cap)
{
    memset(m, 0, sizeof(*m));
    if (cap == 0 || cap > MAP_CAP_MAX) {
        return HS_ERR_INVALID;
    }
    uint32_t slots = 4;
    while (slots < 2 * cap) {
        slots *= 2;
    }
    /* Entries are written before they are read; only the index must
     * start empty. */
    m->entries = hs_malloc((size_t)cap * sizeof(map_entry));
    m->slots = hs_calloc(slots, sizeof(uint32_t));
    if (m->entries == NULL || m->slots == NULL) {
        map_free(m);
        return HS_ERR_NOMEM;
    }
    m->cap = cap;
    m->slot_mask = slots - 1;
    m->pos_mask = 1;
    while (m->pos_mask < cap) {
        m->pos_mask = m->pos_mask * 2 + 1;
    }
    /* Load factor at most one half (count <= cap <= slots / 2), so every
     * probe in find_slot ends on an empty slot. */
    HS_ASSERT((slots & (slots - 1)) == 0 && slots >= 2 * cap);
    HS_ASSERT(m->count == 0 && m->pos_mask >= cap);
    return HS_OK;
}

void map_free(map *m)
{
    hs_free(m->entries);
    hs_free(m->slots);
    memset(m, 0, sizeof(*m));
}

void map_clear(map *m)
{
    HS_ASSERT(m->slots != NULL && m->slot_mask != 0);
    memset(m->slots, 0, ((size_t)m->slot_mask + 1) * sizeof(uint32_t));
    m->count = 0;
}

/* Returns the slot holding key, or the empty slot where it would go. */
static uint32_t find_slot(const map *m, uint64_t key, bool *found)
{
    uint32_t slot = home_slot(m, key);
    uint32_t fp = fingerprint(m, key);
    for (uint32_t probes = 0; probes <= m->slot_mask; probes++) {
        uint32_t ref = m->slots[slot];
        if (HS_DEBUG_CHECKS) {
            /* Probe bound: a run of occupied slots holds at most count
             * entries, and a nonzero slot names a live dense position. */
            HS_ASSERT(probes <= m->count && (ref & m->pos_mask) <= m->count);
        }
        if (ref == 0) {
            *found = false;
            return slot;
        }
        if ((ref & ~m->pos_mask) == fp && m->entries[slot_pos(m, ref)].key == key) {
            *found = true;
            return slot;
        }
        slot = (slot + 1) & m->slot_mask;
    }
    /* The index is at most half full, so a probe always ends on an empty slot. */
    HS_UNREACHABLE();
}

bool map_get(const map *m, uint64_t key, uint64_t *value)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(m->count <= m->cap);
    }
    if (m->count == 0) {
        return false;
    }
    bool found;
    uint32_t slot = find_slot(m, key, &found);
    if (found && value != NULL) {
        uint32_t pos = slot_pos(m, m->slots[slot]);
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(pos < m->count);
        }
        *value = m->entries[pos].value;
    }
    return found;
}

bool map_contains(const map *m, uint64_t key)
{
    return map_get(m, key, NULL);
}

hs_status map_put(map *m, uint64_t key, uint64_t value)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(m->count <= m->cap && m->slots != NULL);
    }
    bool found;
    uint32_t slot = find_slot(m, key, &found);
    if (found) {
        uint32_t at = slot_pos(m, m->slots[slot]);
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(at < m->count);
        }
        m->entries[at].value = value;
        return HS_OK;
    }
    if (m->count >= m->cap) {
        return HS_ERR_FULL;
    }
    uint32_t pos = m->count++;
    m->entries[pos].key = key;
    m->entries[pos].value = value;
    m->slots[slot] = (pos + 1) | fingerprint(m, key);
    if (HS_DEBUG_CHECKS) {
        uint64_t got = 0;
        HS_ASSERT(map_get(m, key, &got) && got == value && m->count <= m->cap);
    }
    return HS_OK;
}

/* Knuth's algorithm R for linear probing: after emptying a slot, pull back
 * every later entry of the cluster that the hole now separates from its
 * home slot. */
static void delete_slot(map *m, uint32_t hole)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(hole <= m->slot_mask && m->slots[hole] == 0);
    }
    uint32_t slot = hole;
    for (;;) {
        slot = (slot + 1) & m->slot_mask;
        uint32_t ref = m->slots[slot];
        if (ref == 0) {
            break;
        }
        uint32_t home = home_slot(m, m->entries[slot_pos(m, ref)].key);
        /* Distance from home to slot and from home to hole, cyclically. */
        uint32_t dist_slot = (slot - home) & m->slot_mask;
        uint32_t dist_hole = (hole - home) & m->slot_mask;
        if (dist_hole <= dist_slot) {
            m->slots[hole] = ref;
            m->slots[slot] = 0;
            hole = slot;
        }
    }
    m->slots[hole] = 0;
}

bool map_remove(map *m, uint64_t key)
{
    if (m->count == 0) {
        return false;
    }
    bool found;
    uint32_t slot = find_slot(m, key, &found);
    if (!found) {
        return false;
    }
    uint32_t pos = slot_pos(m, m->slots[slot]);
    HS_ASSERT(pos < m->count && m->entries[pos].key == key);
    m->slots[slot] = 0;
    delete_slot(m, slot);
    uint32_t last = m->count - 1;
    if (pos != last) {
        /* Move the last entry into the freed dense position. */
        bool last_found;
        uint32_t last_slot = find_slot(m, m->entries[last].key, &last_found);
        HS_ASSERT(last_found);
        m->entries[pos] = m->entries[last];
        m->slots[last_slot] = (pos + 1) | (m->slots[last_slot] & ~m->pos_mask);
    }
    m->count = last;
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(!map_contains(m, key) && m->count < m->cap);
    }
    return true;
}

bool map_check(const map *m)
{
    uint32_t refs = 0;
    for (uint32_t slot = 0; slot <= m->slot_mask; slot++) {
        uint32_t ref = m->slots[slot];
        if (ref == 0) {
            continue;
        }
        uint32_t pos = slot_pos(m, ref);
        if (pos >= m->count || (ref & ~m->pos_mask) != fingerprint(m, m->entries[pos].key)) {
            return false;
        }
        refs++;
        bool found;
        if (find_slot(m, m->entries[pos].key, &found) != slot || !found) {
            return false;
        }
    }
    return refs == m->count && m->count <= m->cap;
}
