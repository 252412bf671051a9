/* meta_recovery: a node's first start over a metadata file the simulator
 * wrote itself.  The simulator knows which record is the newest valid one
 * and which slot carries a defect (a ceiling past the incarnation range, a
 * sequence number of 0, bytes that fail the checksum, a slot torn after its
 * first byte, or a valid record that is stale at the range's very top or
 * shares the newest one's sequence number with another ceiling, where the
 * higher ceiling must win), so the check does not recompute
 * the decoder: it compares what the store reported, slot by slot, with
 * what was written.  See simcheck.h. */
#include "check.h"

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

void check_meta_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < c->nodes && ev != NULL);
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
