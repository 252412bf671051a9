/* Timer heap: a bounded 4-ary min-heap of deadlines with cancellable
 * handles.
 *
 * Ties break by insertion sequence, so entries with equal deadlines pop in
 * the order they were pushed, on every run (libuv's start_id rule).  Each
 * entry carries two u64 words of payload.  Handles carry a generation so a
 * handle to a popped or cancelled entry is recognised as stale. */
#ifndef HS_THEAP_H_
#define HS_THEAP_H_

#include "base.h"

typedef struct {
    uint64_t deadline;
    uint64_t seq;
    uint64_t a;
    uint64_t b;
    uint32_t heap_pos; /* position in the heap array while live */
    uint32_t gen;      /* bumped whenever the slot is released */
} theap_entry;

/* A heap position carries its ordering key, so sifting compares adjacent
 * memory instead of chasing slot indices. */
typedef struct {
    uint64_t deadline;
    uint64_t seq;
    uint32_t slot;
} theap_node;

typedef struct {
    theap_entry *entries; /* slot pool */
    theap_node *heap;     /* ordered as a binary heap */
    uint32_t *free_slots; /* stack of free slot indices */
    uint32_t free_count;
    uint32_t count;
    uint32_t cap;
    uint64_t next_seq;
} theap;

typedef uint64_t theap_handle; /* (gen << 32) | slot; 0 is never a live handle */

HS_MUST_USE hs_status theap_init(theap *h, uint32_t cap);
void theap_free(theap *h);
void theap_clear(theap *h);

HS_MUST_USE hs_status theap_push(theap *h, uint64_t deadline, uint64_t a, uint64_t b,
                                 theap_handle *handle);
/* Returns false if the handle is stale (already popped or cancelled). */
bool theap_cancel(theap *h, theap_handle handle);
/* Moves a live entry to a new deadline, keeping its payload; it becomes the
 * newest entry for tie-breaking.  Returns false if the handle is stale. */
bool theap_reschedule(theap *h, theap_handle handle, uint64_t deadline);
bool theap_peek(const theap *h, uint64_t *deadline, uint64_t *a, uint64_t *b);
bool theap_pop(theap *h, uint64_t *deadline, uint64_t *a, uint64_t *b);
bool theap_live(const theap *h, theap_handle handle);
/* The deadline of a live entry; false if the handle is stale. */
bool theap_deadline(const theap *h, theap_handle handle, uint64_t *deadline);

static inline uint32_t theap_count(const theap *h) { return h->count; }
static inline uint32_t theap_cap(const theap *h) { return h->cap; }

bool theap_check(const theap *h);

#endif /* HS_THEAP_H_ */
