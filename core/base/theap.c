/* Timer heap: a 4-ary min-heap over (deadline, seq) with a slot pool.
 *
 * Invariants, asserted where they can break: every slot is either live (in
 * the heap, entries[slot].heap_pos names its position) or on the free
 * stack, so count + free_count == cap; a live handle's generation is never
 * 0; no two live entries share a seq, so the order is total and the same on
 * every run.  The heap property itself is checked around the position an
 * operation touched in debug builds (HS_DEBUG_CHECKS), and over the whole
 * heap by theap_check (tests). */
#include "theap.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

/* Slots index a uint32_t and handles keep the slot in their low 32 bits. */
#define THEAP_CAP_MAX (UINT32_C(1) << 28)

/* Every slot is live or free, never both or neither (no u32 overflow:
 * cap <= THEAP_CAP_MAX). */
static inline void check_counts(const theap *h)
{
    HS_ASSERT(h->count + h->free_count == h->cap);
}

hs_status theap_init(theap *h, uint32_t cap)
{
    memset(h, 0, sizeof(*h));
    if (cap == 0 || cap > THEAP_CAP_MAX) {
        return HS_ERR_INVALID;
    }
    h->entries = hs_calloc(cap, sizeof(theap_entry));
    h->heap = hs_calloc(cap, sizeof(theap_node));
    h->free_slots = hs_calloc(cap, sizeof(uint32_t));
    if (h->entries == NULL || h->heap == NULL || h->free_slots == NULL) {
        theap_free(h);
        return HS_ERR_NOMEM;
    }
    h->cap = cap;
    theap_clear(h);
    HS_ASSERT(h->count == 0 && h->free_count == cap);
    return HS_OK;
}

void theap_free(theap *h)
{
    hs_free(h->entries);
    hs_free(h->heap);
    hs_free(h->free_slots);
    memset(h, 0, sizeof(*h));
}

/* Releasing a slot bumps its generation so old handles go stale; gen 0 is
 * skipped so that handle 0 is never live. */
static inline void bump_gen(theap_entry *e)
{
    e->gen++;
    if (e->gen == 0) {
        e->gen = 1;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->gen != 0);
    }
}

void theap_clear(theap *h)
{
    HS_ASSERT(h->entries != NULL || h->cap == 0);
    for (uint32_t i = 0; i < h->cap; i++) {
        bump_gen(&h->entries[i]);
        /* Free slots pop from the end: lowest slot first, deterministically. */
        h->free_slots[i] = h->cap - 1 - i;
    }
    h->free_count = h->cap;
    h->count = 0;
    check_counts(h);
}

static inline bool node_less(const theap_node *a, const theap_node *b)
{
    if (a->deadline != b->deadline) {
        return a->deadline < b->deadline;
    }
    /* Two live entries never share a seq: the order is total. */
    HS_ASSERT(a->seq != b->seq);
    return a->seq < b->seq;
}

static inline void place(theap *h, uint32_t pos, theap_node n)
{
    /* Sifts stay below count by construction; this is their inner loop, so
     * the bounds are checked in debug builds only. */
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(pos < h->count);
        HS_ASSERT(n.slot < h->cap);
    }
    h->heap[pos] = n;
    h->entries[n.slot].heap_pos = pos;
}

/* A 4-ary heap: half the depth of a binary one, and the four children of
 * a node sit next to each other, so a sift touches fewer cache lines. */
#define THEAP_ARITY 4u

/* The heap property around the entry in slot: its parent is not later, no
 * child is earlier.  O(arity): debug builds run it on the entry each
 * operation moved, once the operation is complete. */
static void check_around(const theap *h, uint32_t slot)
{
    if (!HS_DEBUG_CHECKS) {
        return;
    }
    uint32_t pos = h->entries[slot].heap_pos;
    HS_ASSERT(pos < h->count);
    if (pos > 0) {
        HS_ASSERT(!node_less(&h->heap[pos], &h->heap[(pos - 1) / THEAP_ARITY]));
    }
    uint32_t first = THEAP_ARITY * pos + 1;
    for (uint32_t c = first; c < first + THEAP_ARITY && c < h->count; c++) {
        HS_ASSERT(!node_less(&h->heap[c], &h->heap[pos]));
    }
    HS_ASSERT(h->heap[pos].slot == slot);
}

/* Internal: callers pass a position below count (debug builds check it,
 * and place() checks every position a sift writes). */
static void sift_up(theap *h, uint32_t pos)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(pos < h->count);
    }
    theap_node n = h->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / THEAP_ARITY;
        if (!node_less(&n, &h->heap[parent])) {
            break;
        }
        place(h, pos, h->heap[parent]);
        pos = parent;
    }
    place(h, pos, n);
}

static void sift_down(theap *h, uint32_t pos)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(pos < h->count);
    }
    theap_node n = h->heap[pos];
    for (;;) {
        uint32_t first = THEAP_ARITY * pos + 1;
        if (first >= h->count) {
            break;
        }
        uint32_t end = first + THEAP_ARITY < h->count ? first + THEAP_ARITY : h->count;
        uint32_t best = first;
        for (uint32_t c = first + 1; c < end; c++) {
            if (node_less(&h->heap[c], &h->heap[best])) {
                best = c;
            }
        }
        if (!node_less(&h->heap[best], &n)) {
            break;
        }
        place(h, pos, h->heap[best]);
        pos = best;
    }
    place(h, pos, n);
}

static theap_node node_of(const theap *h, uint32_t slot)
{
    const theap_entry *e = &h->entries[slot];
    return (theap_node){e->deadline, e->seq, slot};
}

static theap_handle make_handle(const theap *h, uint32_t slot)
{
    HS_ASSERT(h->entries[slot].gen != 0); /* handle 0 is never live */
    return ((uint64_t)h->entries[slot].gen << 32) | slot;
}

static bool resolve(const theap *h, theap_handle handle, uint32_t *slot_out)
{
    uint32_t slot = (uint32_t)(handle & 0xffffffffu);
    uint32_t gen = (uint32_t)(handle >> 32);
    if (slot >= h->cap || h->entries[slot].gen != gen) {
        return false;
    }
    const theap_entry *e = &h->entries[slot];
    if (e->heap_pos >= h->count || h->heap[e->heap_pos].slot != slot) {
        return false;
    }
    HS_ASSERT(gen != 0); /* live generations skip 0 (bump_gen) */
    *slot_out = slot;
    return true;
}

hs_status theap_push(theap *h, uint64_t deadline, uint64_t a, uint64_t b, theap_handle *handle)
{
    check_counts(h);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(h->entries != NULL && h->cap > 0); /* theap_init ran */
    }
    if (h->free_count == 0) {
        return HS_ERR_FULL;
    }
    uint32_t slot = h->free_slots[--h->free_count];
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(slot < h->cap); /* the free list holds only slots of the table */
    }
    theap_entry *e = &h->entries[slot];
    e->deadline = deadline;
    e->seq = h->next_seq++;
    e->a = a;
    e->b = b;
    uint32_t pos = h->count++;
    place(h, pos, node_of(h, slot));
    sift_up(h, pos);
    if (handle != NULL) {
        *handle = make_handle(h, slot);
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(e->heap_pos < h->count && h->count <= h->cap);
    }
    check_around(h, slot);
    return HS_OK;
}

/* Removes the entry at heap position pos and releases its slot. */
static void remove_at(theap *h, uint32_t pos)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(pos < h->count);
        check_counts(h);
    }
    uint32_t slot = h->heap[pos].slot;
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(slot < h->cap && h->entries[slot].heap_pos == pos); /* the index map agrees */
    }
    uint32_t last = --h->count;
    if (pos != last) {
        uint32_t moved = h->heap[last].slot;
        place(h, pos, h->heap[last]);
        if (pos > 0 && node_less(&h->heap[pos], &h->heap[(pos - 1) / THEAP_ARITY])) {
            sift_up(h, pos);
        } else {
            sift_down(h, pos);
        }
        check_around(h, moved);
    }
    bump_gen(&h->entries[slot]);
    h->free_slots[h->free_count++] = slot;
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(h->free_count <= h->cap);
    }
}

bool theap_cancel(theap *h, theap_handle handle)
{
    uint32_t slot;
    if (!resolve(h, handle, &slot)) {
        return false;
    }
    remove_at(h, h->entries[slot].heap_pos);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(!theap_live(h, handle));
    }
    return true;
}

bool theap_reschedule(theap *h, theap_handle handle, uint64_t deadline)
{
    uint32_t slot;
    if (!resolve(h, handle, &slot)) {
        return false;
    }
    theap_entry *e = &h->entries[slot];
    e->deadline = deadline;
    e->seq = h->next_seq++;
    uint32_t pos = e->heap_pos;
    h->heap[pos].deadline = e->deadline;
    h->heap[pos].seq = e->seq;
    sift_up(h, pos);
    sift_down(h, h->entries[slot].heap_pos);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(h->heap[e->heap_pos].slot == slot);
        HS_ASSERT(h->heap[e->heap_pos].deadline == deadline);
    }
    check_around(h, slot);
    return true;
}

bool theap_live(const theap *h, theap_handle handle)
{
    uint32_t slot;
    return resolve(h, handle, &slot);
}

bool theap_deadline(const theap *h, theap_handle handle, uint64_t *deadline)
{
    HS_ASSERT(deadline != NULL);
    uint32_t slot;
    if (!resolve(h, handle, &slot)) {
        return false;
    }
    HS_ASSERT(slot < h->cap);
    *deadline = h->entries[slot].deadline;
    return true;
}

bool theap_peek(const theap *h, uint64_t *deadline, uint64_t *a, uint64_t *b)
{
    if (h->count == 0) {
        return false;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(h->count <= h->cap && h->heap[0].slot < h->cap);
    }
    const theap_entry *e = &h->entries[h->heap[0].slot];
    HS_ASSERT(e->heap_pos == 0); /* the index map agrees with the root */
    if (deadline != NULL) {
        *deadline = e->deadline;
    }
    if (a != NULL) {
        *a = e->a;
    }
    if (b != NULL) {
        *b = e->b;
    }
    return true;
}

bool theap_pop(theap *h, uint64_t *deadline, uint64_t *a, uint64_t *b)
{
    uint32_t count_before = h->count;
    if (!theap_peek(h, deadline, a, b)) {
        return false;
    }
    remove_at(h, 0);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(h->count + 1 == count_before);
    }
    return true;
}

bool theap_check(const theap *h)
{
    if (h->count + h->free_count != h->cap) {
        return false;
    }
    for (uint32_t pos = 0; pos < h->count; pos++) {
        uint32_t slot = h->heap[pos].slot;
        if (slot >= h->cap || h->entries[slot].heap_pos != pos) {
            return false;
        }
        const theap_entry *e = &h->entries[slot];
        if (h->heap[pos].deadline != e->deadline || h->heap[pos].seq != e->seq) {
            return false;
        }
        if (pos > 0 && node_less(&h->heap[pos], &h->heap[(pos - 1) / THEAP_ARITY])) {
            return false;
        }
    }
    return true;
}
