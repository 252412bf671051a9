/* The node's timer table on the real host: a core theap ordered by
 * (deadline, insertion sequence) plus a map from timer id to heap handle,
 * so setting an armed id re-arms it (node.h: at most one armed timer per
 * id) and cancel is O(log n).  Capacity is fixed at init; a set beyond it
 * fails and the host reports it. */
#ifndef TIMERS_H_
#define TIMERS_H_

#include "base.h"
#include "map.h"
#include "theap.h"

typedef struct {
    theap heap; /* entry a = timer id */
    map by_id;  /* timer id -> theap handle */
} timers;

HS_MUST_USE hs_status timers_init(timers *t, uint32_t cap);
void timers_free(timers *t);

/* Arms id at deadline_ns, replacing any earlier deadline for the same id. */
HS_MUST_USE hs_status timers_set(timers *t, uint64_t id, uint64_t deadline_ns);
/* Returns false if id was not armed. */
bool timers_cancel(timers *t, uint64_t id);
/* Earliest deadline; false when nothing is armed. */
bool timers_next(const timers *t, uint64_t *deadline_ns);
/* Pops the earliest timer if it is due at now_ns. */
bool timers_pop_due(timers *t, uint64_t now_ns, uint64_t *id);

static inline uint32_t timers_count(const timers *t) { return map_count(&t->by_id); }

#endif /* TIMERS_H_ */
