/* meta_recovery: a node's first start over a metadata file the simulator
 * wrote itself.  The simulator knows which record is the newest valid one
 * and which slot carries a defect (a ceiling past the incarnation range, a
 * sequence number of 0, bytes that fail the checksum, a slot torn after its
 * first byte, or a valid record that is stale at the range's very top or
 * shares the newest one's sequence number with another ceiling, where the
 * higher ceiling must win), so the check does not recompute
 * the decoder: it compares what the store reported, slot by slot, with
 * what was written.  See simcheck.h.
 *
 * duty_timers, for the store's one timer: a retry the host or the outbox
 * refused is parked with a wake-up kept by the host within the backoff,
 * and the wake-up's step arms it. */
#include "check.h"

#include "meta.h"
#include "simclock.h"

void simcheck_expect_recovery(simcheck *c, uint32_t i, const simcheck_recovery *want)
{
    HS_ASSERT(i < c->nodes && want != NULL);
    HS_ASSERT(want->bad_slot < 2 && want->seq != 0);
    c->recovery[i] = *want;
    c->recovery[i].active = true;
    c->recovery[i].bad_seen = false;
}

static void loaded(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    simcheck_recovery *r = &c->recovery[i];
    HS_ASSERT(r->active);
    if (ev->code == HS_EV_META_FRESH) {
        simcheck_report(c, SIMCHECK_META_RECOVERY, now_ns, (int32_t)i,
                        "started fresh over a file holding a valid record (seq %llu)",
                        (unsigned long long)r->seq);
    } else if (ev->a != r->ceiling || ev->c != r->seq) {
        simcheck_report(c, SIMCHECK_META_RECOVERY, now_ns, (int32_t)i,
                        "loaded seq %llu ceiling %llu; the newest valid record is seq %llu "
                        "ceiling %u", (unsigned long long)ev->c, (unsigned long long)ev->a,
                        (unsigned long long)r->seq, r->ceiling);
    } else if (r->bad_slot >= 0 && !r->bad_seen) {
        simcheck_report(c, SIMCHECK_META_RECOVERY, now_ns, (int32_t)i,
                        "loaded without reporting slot %d, which must be refused with %s",
                        r->bad_slot, hs_status_name((hs_status)r->bad_status));
    }
    r->active = false;
}

/* The retry's backoff starts at META_RETRY_MIN_MS in every process,
 * doubles (capped at META_RETRY_MAX_MS) with each failure or refusal its
 * event reports, and is back at the minimum after a load or a ceiling
 * made durable: the delay each DISK_FAILED and each refusal of the retry
 * timer reports must be the one this replay of the rule gives. */
static void meta_backoff(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    if (c->meta_backoff_epoch[i] != c->epoch[i] || c->meta_backoff_ms[i] == 0) {
        c->meta_backoff_epoch[i] = c->epoch[i];
        c->meta_backoff_ms[i] = META_RETRY_MIN_MS;
    }
    uint32_t *b = &c->meta_backoff_ms[i];
    bool refusal = ev->code == HS_EV_TIMER_REFUSED && hs_timer_kind(ev->a) == META_TIMER_RETRY;
    if (ev->code == HS_EV_META_LOADED || ev->code == HS_EV_META_FRESH ||
        ev->code == HS_EV_META_PERSISTED) {
        *b = META_RETRY_MIN_MS;
    } else if (ev->code == HS_EV_DISK_FAILED || refusal) {
        if (!refusal) {
            c->step_disk_failed_ns = ev->c;
        }
        simcheck_count(c, SIMCHECK_DUTY_TIMERS);
        if (ev->c != (uint64_t)*b * HS_NS_PER_MS) {
            simcheck_report(c, SIMCHECK_DUTY_TIMERS, now_ns, (int32_t)i,
                            "metadata %s reports a %llu ms backoff; the rule gives %u ms",
                            refusal ? "retry refusal" : "disk failure",
                            (unsigned long long)(ev->c / HS_NS_PER_MS), *b);
        }
        *b = *b * 2 > META_RETRY_MAX_MS ? META_RETRY_MAX_MS : *b * 2;
    }
    HS_ASSERT(*b >= META_RETRY_MIN_MS && *b <= META_RETRY_MAX_MS);
}

void check_meta_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < c->nodes && ev != NULL);
    meta_backoff(c, now_ns, i, ev);
    simcheck_recovery *r = &c->recovery[i];
    if (!r->active) {
        return;
    }
    simcheck_count(c, SIMCHECK_META_RECOVERY);
    if (ev->code == HS_EV_META_SLOT_INVALID) {
        if ((int64_t)ev->a != r->bad_slot || ev->b != r->bad_status) {
            simcheck_report(c, SIMCHECK_META_RECOVERY, now_ns, (int32_t)i,
                            "refused slot %llu with %s; want %s",
                            (unsigned long long)ev->a, hs_status_name((hs_status)ev->b),
                            r->bad_slot < 0 ? "no slot refused" : "the other slot");
        }
        r->bad_seen = true;
    } else if (ev->code == HS_EV_META_LOADED || ev->code == HS_EV_META_FRESH) {
        loaded(c, now_ns, i, ev);
    }
    HS_ASSERT(r->bad_slot >= -1);
}

void check_meta_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    const meta_store *m = node_meta(n);
    if (c->origin_now[i].kind == HS_IN_WAKE && !c->step_squeezed) {
        simcheck_count(c, SIMCHECK_DUTY_TIMERS);
        if (m->retry_parked) {
            simcheck_report(c, SIMCHECK_DUTY_TIMERS, now_ns, (int32_t)i,
                            "the metadata retry is still parked after the wake-up");
        }
    }
    if (!m->retry_parked) {
        return;
    }
    simcheck_count(c, SIMCHECK_DUTY_TIMERS);
    /* The longest backoff, in global time on the slowest clock (x 10/9). */
    HS_STATIC_ASSERT(SIMCLOCK_DRIFT_MAX_PPM == 100000, "the drift the bound assumes");
    uint64_t within_ns = (uint64_t)META_RETRY_MAX_MS * HS_NS_PER_MS * 10u / 9u + HS_NS_PER_MS;
    uint64_t at = c->wake_at_ns[i];
    if (at == 0 || at > now_ns + within_ns) {
        simcheck_report(c, SIMCHECK_DUTY_TIMERS, now_ns, (int32_t)i,
                        "the metadata retry is parked and %s",
                        at == 0 ? "no wake-up is kept by the host"
                                : "the wake-up is beyond the backoff");
    }
}
