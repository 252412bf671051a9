/* The simulator's event queue: one timer heap (core/theap.h) over global
 * simulated time.  Ties break by insertion sequence, so two events at the
 * same nanosecond run in the order they were queued, on every run. */
#ifndef SIMQ_H_
#define SIMQ_H_

#include "base.h"
#include "theap.h"

typedef enum {
    SIMQ_NET = 1,   /* arg: network slot */
    SIMQ_TIMER,     /* node, arg: timer id */
    SIMQ_DISK,      /* node, gen: the head disk operation completes */
    SIMQ_START,     /* node, gen: deliver HS_IN_START */
    SIMQ_FAULT,     /* arg: schedule action index */
    SIMQ_PHASE,     /* the liveness phase begins */
    SIMQ_CHECK,     /* arg: which bound check */
    SIMQ_END,       /* the run ends */
    SIMQ_RESTART,   /* node, gen: restart after a crash aimed at a write */
    SIMQ_FORGE,     /* arg: the forged datagram's seed (sim/simforge.h) */
    SIMQ_TIMER_REFUSED, /* node, gen, arg: timer id the timer table refused */
    SIMQ_TCP,       /* arg: simulated TCP connection slot wakes (io_sim/simtcp.h) */
    SIMQ_OPER,      /* the operator workload's next session (sim/simoper.h) */
    SIMQ_STOP,      /* arg: node whose graceful leave's grace ends (exit) */
    SIMQ_WAKE,      /* node, gen: the wake-up a step asked for (hs_outbox.wake_ns) */
    SIMQ_LATE_TIMER, /* node, gen, arg: a cancelled timer delivered anyway */
} simq_kind;

typedef struct {
    uint64_t at_ns;
    uint8_t kind;  /* simq_kind */
    uint16_t node;
    uint32_t gen;
    uint64_t arg;
} simq_event;

typedef struct {
    theap heap;
    uint32_t high_water;
} simq;

HS_MUST_USE hs_status simq_init(simq *q, uint32_t cap);
void simq_free(simq *q);
/* HS_ERR_FULL when the queue is at its cap. */
HS_MUST_USE hs_status simq_push(simq *q, uint64_t at_ns, simq_kind kind, uint32_t node,
                                uint32_t gen, uint64_t arg, theap_handle *handle);
bool simq_pop(simq *q, simq_event *ev);
bool simq_peek_time(const simq *q, uint64_t *at_ns);
bool simq_cancel(simq *q, theap_handle handle);
/* Moves a queued event to a new time; it orders as if pushed now (the
 * same order a cancel and a push would give, at half the cost). */
bool simq_reschedule(simq *q, theap_handle handle, uint64_t at_ns);
/* When a queued event is due; false if it already ran or was cancelled. */
static inline bool simq_at(const simq *q, theap_handle handle, uint64_t *at_ns)
{
    return theap_deadline(&q->heap, handle, at_ns);
}
static inline uint32_t simq_count(const simq *q) { return theap_count(&q->heap); }
static inline uint32_t simq_cap(const simq *q) { return theap_cap(&q->heap); }

#endif /* SIMQ_H_ */
