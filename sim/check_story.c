/* record_events: every change to a member record is told in the step it
 * happens, to operators and to the other modules alike.
 * - Each record whose state or incarnation changed in the step (read off
 *   the observer's views, check_swim.c) has an event naming its new state
 *   and incarnation: member_added for a new record, member_state for a new
 *   state or a newer incarnation at the same state.
 * - The membership fan-out (node counter member_changes, one per
 *   swim.c note_change) moved by exactly the additions, transitions and
 *   reaps the events tell, join_done is told once per process, and the
 *   counters members_added, members_reaped,
 *   suspicions_started, deaths_declared and refutations by exactly their
 *   events: a deleted event, a skipped fan-out or a miscounted counter is
 *   seen in the step, not by an operator weeks later. */
#include "check.h"

#include <string.h>

/* The event's record, in the step's list; NULL when not there. */
static const simcheck_told *told_of(const simcheck *c, const hs_name *name)
{
    for (uint32_t k = c->told_count; k > 0; k--) {
        const simcheck_told *t = &c->told[k - 1];
        if (hs_name_eq(&t->name, name)) {
            return t; /* the last event about the record says where it ended */
        }
    }
    return NULL;
}

bool check_story_told(const simcheck *c, const hs_name *name)
{
    HS_ASSERT(c->told_count <= SIMCHECK_TOLD_MAX);
    return c->told_overflow || told_of(c, name) != NULL;
}

static void tell(simcheck *c, const hs_name *name, uint8_t state, uint32_t inc)
{
    if (c->told_count == SIMCHECK_TOLD_MAX) {
        c->told_overflow = true;
        return;
    }
    simcheck_told *t = &c->told[c->told_count++];
    t->name = *name;
    t->state = state;
    t->inc = inc;
    HS_ASSERT(c->told_count <= SIMCHECK_TOLD_MAX);
}

void check_story_event(simcheck *c, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < c->nodes);
    simcheck_tally *t = &c->tally;
    switch (ev->code) {
    case HS_EV_MEMBER_ADDED:
        t->added++;
        tell(c, &ev->subject, (uint8_t)ev->b, (uint32_t)ev->c);
        break;
    case HS_EV_MEMBER_STATE:
        t->transitions += ev->a != ev->b ? 1u : 0u;
        t->suspicions += ev->a != ev->b && ev->b == MEMBER_SUSPECT ? 1u : 0u;
        t->deaths += ev->a != ev->b && ev->b == MEMBER_DEAD ? 1u : 0u;
        tell(c, &ev->subject, (uint8_t)ev->b, (uint32_t)ev->c);
        break;
    case HS_EV_MEMBER_REAPED:
        t->reaped++;
        break;
    case HS_EV_SELF_REFUTED:
        t->refuted++;
        break;
    case HS_EV_JOIN_DONE:
        t->joins_done++;
        break;
    case HS_EV_NODE_LEAVING:
        t->leaves++;
        break;
    case HS_EV_MSG_REJECTED:
        t->rejected++;
        break;
    case HS_EV_DISK_FAILED:
        t->disk_failed++;
        break;
    case HS_EV_TIMER_REFUSED:
    case HS_EV_TIMER_ABANDONED:
    case HS_EV_TIMER_UNOWNED:
        t->refusals++;
        break;
    default:
        break;
    }
}

void check_story_record(simcheck *c, uint64_t now_ns, uint32_t i, uint32_t slot,
                        const swim_member *m, bool added)
{
    HS_ASSERT(i < c->nodes && m != NULL);
    simcheck_count(c, SIMCHECK_RECORD_EVENTS);
    if (c->told_overflow) {
        return;
    }
    const simcheck_told *t = told_of(c, &m->name);
    if (t == NULL || t->state != m->state || t->inc != m->incarnation) {
        simcheck_report_member(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i, slot,
                               "%s (uid %llu) %s %s inc=%u in the step without an event "
                               "saying so%s", m->name.bytes, (unsigned long long)m->uid,
                               added ? "added as" : "became", member_state_name(m->state),
                               m->incarnation, t == NULL ? "" : " (its last event says other)");
    }
}

static void counter(simcheck *c, uint64_t now_ns, uint32_t i, const char *name, uint64_t now,
                    uint64_t before, uint64_t told)
{
    if (now - before != told) {
        simcheck_report(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i,
                        "counter %s moved by %llu in the step, its events tell %llu", name,
                        (unsigned long long)(now - before), (unsigned long long)told);
    }
}

/* Every error path emits an event: each counted rejection, disk failure
 * and timer refusal has its event in the step.  Unless the step lost
 * events to a full outbox (a squeezed step may: its events are counted
 * as overflows, which the bounds check answers for). */
static void error_counters(simcheck *c, uint64_t now_ns, uint32_t i, const node_counters *k,
                           const simcheck_counts *was)
{
    const simcheck_tally *t = &c->tally;
    HS_ASSERT(i < c->nodes);
    if (c->step_squeezed) {
        return;
    }
    counter(c, now_ns, i, "msgs_rejected", k->msgs_rejected, was->msgs_rejected, t->rejected);
    counter(c, now_ns, i, "disk_failures", k->disk_failures, was->disk_failures, t->disk_failed);
    counter(c, now_ns, i, "timers_refused", k->timers_refused, was->timers_refused,
            t->refusals);
}

/* What the step's events say of the node itself must be so: a told join
 * leaves it joined, and its start leaves its own record queued for gossip
 * (how the cluster hears of it beyond the seeds).  A refutation's entry
 * may already be gone by the step's end: sent up to its retransmit limit
 * in that step's own replies. */
static void self_story(simcheck *c, uint64_t now_ns, uint32_t i, const swim *s)
{
    const simcheck_tally *t = &c->tally;
    simcheck_count(c, SIMCHECK_RECORD_EVENTS);
    if (t->joins_done > 0 && !s->joined) {
        simcheck_report(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i,
                        "join_done told, but the node is not joined");
    }
    if (s->started && !c->started_before && !s->leaving && s->self.gossip_pos == 0) {
        simcheck_report(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i,
                        "started, but its own record is not queued for gossip");
    }
}

void check_story_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    const node_counters *k = node_get_counters(n);
    simcheck_counts *was = &c->counts[i];
    const simcheck_tally *t = &c->tally;
    /* A new process starts its counters at zero. */
    if (was->epoch == c->epoch[i]) {
        simcheck_count(c, SIMCHECK_RECORD_EVENTS);
        counter(c, now_ns, i, "member_changes", k->member_changes, was->member_changes,
                t->added + t->transitions + t->reaped);
        counter(c, now_ns, i, "members_added", k->members_added, was->members_added, t->added);
        counter(c, now_ns, i, "members_reaped", k->members_reaped, was->members_reaped,
                t->reaped);
        counter(c, now_ns, i, "suspicions_started", k->suspicions_started,
                was->suspicions_started, t->suspicions);
        counter(c, now_ns, i, "deaths_declared", k->deaths_declared, was->deaths_declared,
                t->deaths);
        counter(c, now_ns, i, "refutations", k->refutations, was->refutations, t->refuted);
        error_counters(c, now_ns, i, k, was);
    }
    self_story(c, now_ns, i, node_swim(n));
    uint32_t joins = (was->epoch == c->epoch[i] ? was->join_done : 0) + (uint32_t)t->joins_done;
    if (joins > 1) {
        simcheck_report(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i,
                        "join_done told %u times in one process: a node joins once", joins);
    }
    was->join_done = joins;
    /* A leave repeated by the operator (the simulator gives it twice in
     * half its leaves) is the same leave: announced once. */
    uint32_t leaves = (was->epoch == c->epoch[i] ? was->leaving : 0) + (uint32_t)t->leaves;
    if (leaves > 1) {
        simcheck_report(c, SIMCHECK_RECORD_EVENTS, now_ns, (int32_t)i,
                        "node_leaving told %u times in one process: a node leaves once",
                        leaves);
    }
    was->leaving = leaves;
    was->epoch = c->epoch[i];
    was->member_changes = k->member_changes;
    was->members_added = k->members_added;
    was->members_reaped = k->members_reaped;
    was->suspicions_started = k->suspicions_started;
    was->deaths_declared = k->deaths_declared;
    was->refutations = k->refutations;
    was->msgs_rejected = k->msgs_rejected;
    was->disk_failures = k->disk_failures;
    was->timers_refused = k->timers_refused;
    was->probes_sent = k->probes_sent;
    was->syncs_sent = k->syncs_sent;
    check_story_reset(c);
}

void check_story_reset(simcheck *c)
{
    memset(&c->tally, 0, sizeof(c->tally));
    c->told_count = 0;
    c->told_overflow = false;
}
