/* Ids that name their owner (core/step/step.h): a timer is delivered only
 * while its owner is live (asked of the module the id routes to), and no
 * node ever reports a stale or unowned timer or disk completion, a message
 * it could not encode (its builders size every message to fit; a full
 * arena is OUTBOX_FULL), or a full membership-change queue: in the
 * simulator every one of those is a bug (the host cancels what core
 * cancels, but for the late timers it delivers on purpose; the queue's
 * bound is derived). */
#include "check.h"

void check_ids_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n, uint64_t timer_id)
{
    simcheck_count(c, SIMCHECK_TIMER_OWNER_LIVE);
    if (!node_timer_owner_live(n, timer_id)) {
        simcheck_report(c, SIMCHECK_TIMER_OWNER_LIVE, now_ns, (int32_t)i,
                        "timer kind=%u slot=%u gen=%u fires but its owner is gone",
                        hs_timer_kind(timer_id), hs_id_slot(timer_id), hs_id_gen(timer_id));
    }
}

void check_ids_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    simcheck_count(c, SIMCHECK_OWNED_IDS);
    if (ev->code == HS_EV_TIMER_STALE && c->step_late) {
        return; /* the cancelled timer the host delivered anyway */
    }
    switch (ev->code) {
    case HS_EV_TIMER_STALE:
    case HS_EV_TIMER_UNOWNED:
    case HS_EV_DISK_STALE:
    case HS_EV_ENCODE_FAILED: /* every builder sizes its message to fit */
    case HS_EV_MEMBER_QUEUE_FULL: {
        hs_event_name name;
        simcheck_report(c, SIMCHECK_OWNED_IDS, now_ns, (int32_t)i, "%s a=%llu b=%llu",
                        hs_event_code_name(ev->code, &name), (unsigned long long)ev->a,
                        (unsigned long long)ev->b);
        break;
    }
    default:
        break;
    }
}
