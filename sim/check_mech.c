/* SWIM's mechanism invariants, after every step of a node: each timer the
 * protocol depends on is armed at the host, at the deadline the
 * configuration gives it (simcheck.h: member_timers, duty_timers).
 *
 * They read the host's timer table (simcheck_timers), never the module's
 * own "armed" flags, so a deleted ctx_timer_set, a cancel on the wrong
 * path or a wrong deadline is seen in the step that made it, even when
 * another path (a sync, a refutation) would have rescued the outcome.
 * Member checks cost O(records changed or touched in the step); duty
 * checks O(1). */
#include "check.h"

#include <math.h>

#include "simclock.h"
#include "swim.h"
#include "swim_table.h"

/* max(1, floor(log10(n))): swim.c's suspicion scale. */
static uint64_t suspicion_scale(uint64_t n)
{
    uint64_t digits = 0;
    while (n >= 10) {
        n /= 10;
        digits++;
    }
    return digits > 1 ? digits : 1;
}

static bool pending_rearm(const swim *s, uint64_t id)
{
    HS_ASSERT(s->rearm_count <= SWIM_REARM_MAX);
    for (uint32_t k = 0; k < s->rearm_count; k++) {
        if (s->rearm[k] == id) {
            return true;
        }
    }
    return false;
}

typedef struct {
    simcheck *c;
    uint64_t now_ns;   /* global */
    uint64_t local_ns; /* the node's clock */
    uint32_t i;
    const swim *s;
    bool relaxed;      /* a refused timer was re-armed at a backoff this epoch */
    /* Slots already checked in this step: a record changed three times in
     * one step is checked (and reported) once. */
    uint32_t seen[SIMCHECK_TOUCHED_MAX];
    uint32_t seen_count;
    /* The cluster sizes (members + 1) at the step's start and end: a
     * suspicion that began in the step was armed at one between them. */
    uint32_t step_size_lo;
    uint32_t step_size_hi;
} mech;

/* When an armed timer fires: global time and the node's local time then;
 * local 0 when it waits in the module's re-arm list (armed again later,
 * at a backoff). */
typedef struct {
    uint64_t global_ns;
    uint64_t local_ns;
} fire_time;

static bool armed(const mech *m, uint64_t id, fire_time *at)
{
    at->global_ns = 0;
    at->local_ns = 0;
    if (m->c->timers.armed(m->c->timers.host, m->i, id, &at->global_ns, &at->local_ns)) {
        HS_ASSERT(at->local_ns != 0);
        return true;
    }
    if (m->c->timers.refusing != NULL && m->c->timers.refusing(m->c->timers.host, m->i, id)) {
        return true; /* at stays zero: no deadline to compare */
    }
    return pending_rearm(m->s, id);
}

static bool host_armed(const mech *m, uint64_t id)
{
    fire_time at;
    return m->c->timers.armed(m->c->timers.host, m->i, id, &at.global_ns, &at.local_ns);
}

/* A timer armed for local deadline d fires at the earliest global time
 * the node's clock reads d (one nanosecond of rounding either side), or
 * at once if d had passed when it was set. */
static bool fires_at(const mech *m, const fire_time *at, uint64_t d)
{
    HS_ASSERT(at->local_ns != 0);
    HS_ASSERT(at->global_ns != 0);
    return at->local_ns + 1 >= d && (at->local_ns <= d + 1 || at->global_ns <= m->now_ns);
}

static void member_violation(const mech *m, const swim_member *r, const char *what)
{
    simcheck_report_member(m->c, SIMCHECK_MEMBER_TIMERS, m->now_ns, (int32_t)m->i,
                           (uint32_t)(r - m->s->slots),
                    "%s (uid %llu, %s since local %llu ms): %s", r->name.bytes,
                    (unsigned long long)r->uid, member_state_name(r->state),
                    (unsigned long long)(r->state_since_ns / HS_NS_PER_MS), what);
}

static void check_suspect(const mech *m, const swim_member *r, uint64_t sus)
{
    const swim_config *cfg = &m->s->cfg;
    uint64_t period = (uint64_t)cfg->probe_interval_ms * HS_NS_PER_MS;
    /* The timeout scales with the cluster size when it was armed: the
     * sizes of this step for a suspicion it began (exact but for the
     * step's own additions), else those this process has seen. */
    uint64_t unit = cfg->suspicion_mult * period;
    bool began_now = r->state_since_ns == m->local_ns;
    uint32_t size_lo = began_now ? m->step_size_lo : m->c->size_min[m->i];
    uint32_t size_hi = began_now ? m->step_size_hi : m->c->size_max[m->i];
    HS_ASSERT(size_lo >= 1 && size_lo <= size_hi);
    uint64_t lo = unit * suspicion_scale((uint64_t)size_lo);
    uint64_t hi = unit * suspicion_scale((uint64_t)size_hi);
    /* A suspicion at a newer incarnation re-arms from that moment
     * (apply_entry), keeping state_since: the deadline is at least one
     * timeout after the suspicion began and at most one after now. */
    uint64_t span = r->suspect_deadline_ns - r->state_since_ns;
    fire_time at;
    if (r->suspect_deadline_ns < r->state_since_ns + lo ||
        r->suspect_deadline_ns > m->local_ns + hi) {
        simcheck_report_member(m->c, SIMCHECK_MEMBER_TIMERS, m->now_ns, (int32_t)m->i,
                               (uint32_t)(r - m->s->slots),
                        "%s (uid %llu): suspicion of %llu ms, outside the configured "
                        "[%llu, %llu] ms", r->name.bytes, (unsigned long long)r->uid,
                        (unsigned long long)(span / HS_NS_PER_MS),
                        (unsigned long long)(lo / HS_NS_PER_MS),
                        (unsigned long long)(hi / HS_NS_PER_MS));
    } else if (!armed(m, sus, &at)) {
        member_violation(m, r, "no suspicion timer armed");
    } else if (at.local_ns != 0 && !m->relaxed && !fires_at(m, &at, r->suspect_deadline_ns)) {
        member_violation(m, r, "suspicion timer fires off its deadline");
    }
}

static void check_gone(const mech *m, const swim_member *r, uint64_t id, const char *what)
{
    if (host_armed(m, id)) {
        member_violation(m, r, what);
    }
}

static void check_record(const mech *m, const swim_member *r)
{
    uint64_t sus = swim_member_timer(m->s, SWIM_TIMER_SUSPECT, r);
    uint64_t reap = swim_member_timer(m->s, SWIM_TIMER_REAP, r);
    HS_ASSERT(sus != reap);
    fire_time at;
    if (r->state == MEMBER_SUSPECT) {
        check_suspect(m, r, sus);
    } else {
        check_gone(m, r, sus, "suspicion timer armed while not SUSPECT");
    }
    if (r->state == MEMBER_DEAD || r->state == MEMBER_LEFT) {
        uint64_t d = r->state_since_ns + (uint64_t)m->s->cfg.dead_retention_ms * HS_NS_PER_MS;
        if (!armed(m, reap, &at)) {
            member_violation(m, r, "no reap timer armed");
        } else if (at.local_ns != 0 && !m->relaxed && !fires_at(m, &at, d)) {
            member_violation(m, r, "reap timer fires off dead_retention");
        }
    } else {
        check_gone(m, r, reap, "reap timer armed while not DEAD or LEFT");
    }
}

static void check_slot(mech *m, uint32_t slot)
{
    for (uint32_t k = 0; k < m->seen_count; k++) {
        if (m->seen[k] == slot) {
            return;
        }
    }
    if (m->seen_count < SIMCHECK_TOUCHED_MAX) {
        m->seen[m->seen_count++] = slot;
    }
    simcheck_count(m->c, SIMCHECK_MEMBER_TIMERS);
    const swim_member *r = swim_member_slot(m->s, slot);
    if (r != NULL) {
        check_record(m, r);
        return;
    }
    /* Removed: the timers of the record that held the slot last (its
     * generation is still the slot's) must be gone with it. */
    HS_ASSERT(slot < m->s->cfg.members_cap);
    uint32_t gen = m->s->slot_gen[slot];
    static const uint8_t kinds[] = {SWIM_TIMER_SUSPECT, SWIM_TIMER_REAP};
    for (uint32_t k = 0; k < HS_ARRAY_LEN(kinds); k++) {
        if (host_armed(m, hs_timer_id(kinds[k], slot, gen))) {
            simcheck_report(m->c, SIMCHECK_MEMBER_TIMERS, m->now_ns, (int32_t)m->i,
                            "removed record in slot %u (gen %u) left timer kind %u armed",
                            slot, gen, kinds[k]);
        }
    }
}

/* Every change to a record is news to gossip: the record changed in this
 * step has its entry queued.  Unless the step itself may have sent the
 * entry its last time (a step sends gossip at most indirect_checks + 1
 * times: the ping-reqs of a timeout, or a relay's ping and ack), or the
 * queue is full (an enqueue evicts). */
static void check_news(const mech *m, uint32_t slot)
{
    const swim *s = m->s;
    const swim_member *r = swim_member_slot(s, slot);
    HS_ASSERT(s->cfg.gossip_cap > 0);
    if (r == NULL || r->gossip_pos != 0 || s->retransmit_limit <= s->cfg.indirect_checks + 1 ||
        s->gossip_end >= s->cfg.gossip_cap) {
        return;
    }
    simcheck_report(m->c, SIMCHECK_GOSSIP_LIMITS, m->now_ns, (int32_t)m->i,
                    "%s (uid %llu) changed to %s inc %u and has no gossip entry", r->name.bytes,
                    (unsigned long long)r->uid, member_state_name(r->state), r->incarnation);
}

/* The records whose timers could have moved: those the view ring says
 * changed since the last check, and those whose timers the step touched;
 * all of them when the ring or the touched list ran over, or the process
 * is new. */
static void check_members(mech *m)
{
    simcheck *c = m->c;
    const swim *s = m->s;
    uint32_t i = m->i;
    bool same = c->mech_epoch[i] == c->epoch[i];
    uint64_t from = c->mech_version[i];
    c->mech_epoch[i] = c->epoch[i];
    c->mech_version[i] = s->view_version;
    if (!same || c->touched_overflow || s->view_version - from > SWIM_VIEW_CHANGES_MAX) {
        for (uint32_t k = 0; k < map_count(&s->by_name); k++) {
            check_slot(m, (uint32_t)map_value_at(&s->by_name, k));
        }
        return;
    }
    for (uint64_t v = from; v < s->view_version; v++) {
        uint32_t slot = s->changed_slot[v % SWIM_VIEW_CHANGES_MAX];
        check_slot(m, slot);
        check_news(m, slot);
    }
    for (uint32_t k = 0; k < c->touched_count; k++) {
        check_slot(m, c->touched[k]);
    }
}

static void duty(const mech *m, uint64_t id, uint64_t within_ms, const char *what)
{
    simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
    fire_time at;
    if (!armed(m, id, &at)) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "%s timer not armed", what);
    } else if (at.local_ns != 0 && !m->relaxed &&
               at.local_ns > m->local_ns + within_ms * HS_NS_PER_MS + 1) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "%s timer fires %llu ms ahead, more than its %llu ms", what,
                        (unsigned long long)((at.local_ns - m->local_ns) / HS_NS_PER_MS),
                        (unsigned long long)within_ms);
    }
}

/* The join retry after attempt k waits min * 2^(k-1), capped at max: when
 * the step armed it that is its bound; later it can only be closer. */
static uint64_t join_backoff_ms(const mech *m)
{
    const swim_config *cfg = &m->s->cfg;
    HS_ASSERT(cfg->join_retry_min_ms <= cfg->join_retry_max_ms);
    uint64_t ms = cfg->join_retry_min_ms;
    for (uint32_t k = 1; k < m->s->join_attempts && ms < cfg->join_retry_max_ms; k++) {
        ms *= 2;
    }
    ms = ms < cfg->join_retry_max_ms ? ms : cfg->join_retry_max_ms;
    HS_ASSERT(ms >= cfg->join_retry_min_ms);
    return ms;
}

/* What the duty checks depend on besides the timers themselves: when
 * neither moved and the step touched no duty timer, nothing could have
 * changed their result. */
static uint64_t duty_key(const swim *s)
{
    return s->probe_uid * 31u + s->probe_seq * 7u + (s->probe_acked ? 2u : 0u) +
           (s->joined ? 1u : 0u);
}

/* Which duties to look at: those whose timer the step touched, the join
 * retry and direct-probe timeout also when their conditions moved, every
 * one in a new process.  The others cannot have changed. */
static uint32_t duties_due(const mech *m)
{
    simcheck *c = m->c;
    uint32_t i = m->i;
    uint64_t key = duty_key(m->s);
    uint32_t due = c->duty_touched;
    if (c->duty_epoch[i] != c->epoch[i]) {
        due = UINT32_MAX;
    } else if (c->duty_key[i] != key) {
        due |= (1u << SWIM_TIMER_JOIN) | (1u << SWIM_TIMER_PROBE_TIMEOUT);
    }
    c->duty_epoch[i] = c->epoch[i];
    c->duty_key[i] = key;
    HS_ASSERT(c->duty_epoch[i] == c->epoch[i]);
    return due;
}

static void check_duties(const mech *m)
{
    const swim *s = m->s;
    const swim_config *cfg = &s->cfg;
    HS_ASSERT(s->started);
    uint32_t due = duties_due(m);
    if (due == 0) {
        return;
    }
    if (due & (1u << SWIM_TIMER_PROBE)) {
        duty(m, hs_timer_id(SWIM_TIMER_PROBE, 0, 0), cfg->probe_interval_ms, "probe round");
    }
    if (due & (1u << SWIM_TIMER_SYNC)) {
        duty(m, hs_timer_id(SWIM_TIMER_SYNC, 0, 0), cfg->sync_interval_ms, "sync round");
    }
    if (due & (1u << SWIM_TIMER_RECONNECT)) {
        duty(m, hs_timer_id(SWIM_TIMER_RECONNECT, 0, 0), cfg->reconnect_interval_ms,
             "reconnect round");
    }
    if ((due & (1u << SWIM_TIMER_JOIN)) && !s->joined) {
        duty(m, hs_timer_id(SWIM_TIMER_JOIN, 0, 0), join_backoff_ms(m), "join retry");
    }
    uint32_t i = m->i;
    uint32_t seq = (uint32_t)s->probe_seq & HS_ID_GEN_MASK;
    bool fired = m->c->timeout_fired_epoch[i] == m->c->epoch[i] &&
                 m->c->timeout_fired_seq[i] == seq;
    if ((due & (1u << SWIM_TIMER_PROBE_TIMEOUT)) && s->probe_uid != 0 && !s->probe_acked &&
        !fired) {
        duty(m, hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, seq), cfg->probe_timeout_ms,
             "direct probe timeout");
    }
}

static void gossip_violation(const mech *m, const char *fmt, uint64_t a, uint64_t b)
{
    simcheck_report(m->c, SIMCHECK_GOSSIP_LIMITS, m->now_ns, (int32_t)m->i, fmt,
                    (unsigned long long)a, (unsigned long long)b);
}

/* The retransmit limit is max(1, floor(mult * ln(n + 1))) for the
 * cluster size n (swim_table.c computes ln in Q16 fixed point: within
 * one of the float result). */
static void check_gossip_limit(const mech *m)
{
    const swim *s = m->s;
    simcheck *c = m->c;
    /* A function of the member count: recomputed only when it moved. */
    if (c->limit_epoch[m->i] == c->epoch[m->i] && c->limit_members[m->i] == s->member_count) {
        return;
    }
    c->limit_epoch[m->i] = c->epoch[m->i];
    c->limit_members[m->i] = s->member_count;
    double n = (double)s->member_count + 1.0;
    double want = floor((double)s->cfg.retransmit_mult * log(n + 1.0));
    want = want < 1.0 ? 1.0 : want;
    double got = (double)s->retransmit_limit;
    if (got < want - 1.0 || got > want + 1.0) {
        gossip_violation(m, "retransmit limit %llu, the configuration gives %llu",
                         s->retransmit_limit, (uint64_t)want);
    }
}

/* Every queued entry has been sent fewer times than the limit (an entry
 * that reached it is dropped in the same send; after the limit fell, at
 * the next send that retires one), and none outlives gossip_max_age by
 * more than the probe round that ages entries out. */
static void check_gossip(const mech *m, const node *n)
{
    const swim *s = m->s;
    simcheck *c = m->c;
    /* Sends move the transmit counts, the probe round ages entries out:
     * a step with neither cannot break what the last check saw. */
    uint64_t sent = node_get_counters(n)->gossip_sent;
    if (c->gossip_epoch[m->i] == c->epoch[m->i] && c->gossip_sent[m->i] == sent &&
        (c->duty_touched & (1u << SWIM_TIMER_PROBE)) == 0) {
        return;
    }
    c->gossip_epoch[m->i] = c->epoch[m->i];
    c->gossip_sent[m->i] = sent;
    simcheck_count(c, SIMCHECK_GOSSIP_LIMITS);
    HS_ASSERT(s->gossip_end <= s->cfg.gossip_cap);
    check_gossip_limit(m);
    uint64_t age_max = ((uint64_t)s->cfg.gossip_max_age_ms + s->cfg.probe_interval_ms) *
                       HS_NS_PER_MS;
    uint32_t live = 0;
    for (uint32_t k = 0; k < s->gossip_end; k++) {
        const swim_gossip *g = &s->gossip[k];
        if (g->uid == SWIM_GOSSIP_HOLE) {
            continue;
        }
        live++;
        if (g->transmits >= s->retransmit_limit && !s->gossip_limit_dropped) {
            gossip_violation(m, "entry sent %llu times, limit %llu", g->transmits,
                             s->retransmit_limit);
        }
        if (!m->relaxed && m->local_ns > g->queued_ns + age_max + 1) {
            gossip_violation(m, "entry %llu ms old, gossip_max_age + one period is %llu ms",
                             (m->local_ns - g->queued_ns) / HS_NS_PER_MS,
                             age_max / HS_NS_PER_MS);
        }
    }
    if (live != s->gossip_count) {
        gossip_violation(m, "%llu live entries, the queue counts %llu", live, s->gossip_count);
    }
}

/* A refutation (or a leave) is news too: our own entry is queued after
 * the step that raised our incarnation or left. */
static void check_self_news(const mech *m)
{
    const swim *s = m->s;
    simcheck *c = m->c;
    uint32_t i = m->i;
    uint64_t key = ((uint64_t)s->self.incarnation << 8) | s->self.state;
    bool moved = c->self_epoch[i] == c->epoch[i] && c->self_key[i] != key;
    c->self_epoch[i] = c->epoch[i];
    c->self_key[i] = key;
    HS_ASSERT(s->cfg.indirect_checks <= SWIM_INDIRECT_CHECKS_MAX);
    if (moved && s->self.gossip_pos == 0 && s->retransmit_limit > s->cfg.indirect_checks + 1 &&
        s->gossip_end < s->cfg.gossip_cap) {
        simcheck_report(c, SIMCHECK_GOSSIP_LIMITS, m->now_ns, (int32_t)i,
                        "own record went to %s inc %u and has no gossip entry",
                        member_state_name(s->self.state), s->self.incarnation);
    }
}

/* A timer the host refused waits in SWIM's re-arm list only until the
 * next SWIM timer is delivered, which arms it again at its backoff: the
 * other checks take a waiting timer as armed, so without this one a
 * re-arm that never happens would pass them all. */
static void check_rearm(const mech *m)
{
    if (!m->c->swim_timer_live || m->c->step_squeezed) {
        return;
    }
    simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
    HS_ASSERT(m->s->rearm_count <= SWIM_REARM_MAX);
    if (m->s->rearm_count != 0) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "%u refused timers still wait to be armed again after a SWIM timer "
                        "fired", m->s->rearm_count);
    }
}

/* A parked timer waits for a SWIM timer or a message, and for nothing at
 * all when SWIM has no timer armed (an unjoined node whose join retry was
 * refused): so the refusal asks the host for a wake-up within its backoff,
 * and the host must be keeping one that soon.  The wake-up's own step arms
 * every parked timer. */
static void check_wake(const mech *m)
{
    const simcheck *c = m->c;
    HS_ASSERT(m->s->rearm_count <= SWIM_REARM_MAX);
    if (c->origin_now[m->i].kind == HS_IN_WAKE && !c->step_squeezed) {
        simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
        if (m->s->rearm_count != 0) {
            simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                            "%u parked timers still wait after the wake-up",
                            m->s->rearm_count);
        }
    }
    if (m->s->rearm_count == 0) {
        return;
    }
    simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
    /* The longest backoff in local time, in global time on the slowest
     * clock the model allows (SIMCLOCK_DRIFT_MAX_PPM, 10%: x 10/9). */
    HS_STATIC_ASSERT(SIMCLOCK_DRIFT_MAX_PPM == 100000, "the drift the bound assumes");
    uint64_t within_ns = (uint64_t)SWIM_REARM_MAX_MS * HS_NS_PER_MS * 10u / 9u + HS_NS_PER_MS;
    uint64_t at = c->wake_at_ns[m->i];
    if (at == 0 || at > m->now_ns + within_ns) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "%u parked timers and %s", m->s->rearm_count,
                        at == 0 ? "no wake-up kept by the host" : "the wake-up beyond the backoff");
    }
}

/* The re-arm backoff is a doubling from SWIM_REARM_MIN_MS capped at
 * SWIM_REARM_MAX_MS (0: not backing off); a live SWIM timer or a wake-up
 * that finds timers parked doubles it, and one that finds none resets it,
 * so a table that frees up is used at once again. */
static void check_backoff(const mech *m)
{
    const simcheck *c = m->c;
    uint32_t b = m->s->timer_backoff_ms;
    simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
    bool doubling = b >= SWIM_REARM_MIN_MS && b % SWIM_REARM_MIN_MS == 0 &&
                    ((b / SWIM_REARM_MIN_MS) & (b / SWIM_REARM_MIN_MS - 1)) == 0;
    if (b != 0 && b != SWIM_REARM_MAX_MS && !(doubling && b < SWIM_REARM_MAX_MS)) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "re-arm backoff %u ms is no doubling of %u ms capped at %u ms", b,
                        SWIM_REARM_MIN_MS, SWIM_REARM_MAX_MS);
        return;
    }
    bool rearmed = c->swim_timer_live || c->origin_now[m->i].kind == HS_IN_WAKE;
    if (!rearmed) {
        return;
    }
    uint32_t was = c->backoff_before_ms == 0 ? SWIM_REARM_MIN_MS : c->backoff_before_ms;
    uint32_t want = c->parked_before == 0 ? 0
                    : was * 2 > SWIM_REARM_MAX_MS ? SWIM_REARM_MAX_MS
                                                  : was * 2;
    if (b != want) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "re-arm backoff %u ms after a step that found %u parked at %u ms; "
                        "want %u ms", b, c->parked_before, c->backoff_before_ms, want);
    }
}

/* A disk failure arms the metadata retry at exactly the backoff its
 * disk_failed event tells (unless the host refused it: then it is parked
 * and the wake-up checks hold it).  Before SWIM starts too: a failed read
 * is retried while loading. */
static void check_meta_retry(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    const meta_store *store = node_meta(n);
    if (c->step_disk_failed_ns == 0 || !store->retry_armed || store->retry_parked) {
        return;
    }
    simcheck_count(c, SIMCHECK_DUTY_TIMERS);
    uint64_t id = hs_timer_id(META_TIMER_RETRY, 0, store->retry_gen);
    uint64_t at_global = 0;
    uint64_t at_local = 0;
    uint64_t local_now = c->timers.local_now(c->timers.host, i);
    bool refusing = c->timers.refusing != NULL && c->timers.refusing(c->timers.host, i, id);
    if (!c->timers.armed(c->timers.host, i, id, &at_global, &at_local)) {
        if (!refusing) {
            simcheck_report(c, SIMCHECK_DUTY_TIMERS, now_ns, (int32_t)i,
                            "a disk failure left the metadata retry unarmed");
        }
    } else if (at_local + 1000 < local_now + c->step_disk_failed_ns ||
               at_local > local_now + c->step_disk_failed_ns + 1000) {
        /* (1 us: the host keeps the deadline in global time; converting it
         * back to the node's drifting clock rounds) */
        simcheck_report(c, SIMCHECK_DUTY_TIMERS, now_ns, (int32_t)i,
                        "the metadata retry is armed %lld ns from now; its disk_failed told %llu",
                        (long long)(at_local - local_now),
                        (unsigned long long)c->step_disk_failed_ns);
    }
}

/* A probe ends only by its round (the next probe round judges it), its
 * ack, or its target going (dead, left or removed; it may be back in the
 * same step, as its events then tell), or with the module (leave, stop):
 * a probe dropped for anything else is a failure never detected in that
 * round.  And a timer given up on with an event is not
 * still waiting to be armed. */
static void check_probe_end(const mech *m)
{
    const simcheck *c = m->c;
    const swim *s = m->s;
    if (c->probe_before != 0 && s->probe_uid != c->probe_before && s->started && !s->leaving) {
        simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
        const swim_member *t = swim_table_find_uid(s, c->probe_before);
        bool round = c->swim_timer_live && c->origin_now[m->i].type == SWIM_TIMER_PROBE;
        if (!round && t != NULL && !swim_state_gone(t->state) && !check_story_told(c, &t->name)) {
            simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                            "the probe of %s ended outside its round while it is %s",
                            t->name.bytes, t->state == MEMBER_ALIVE ? "alive" : "suspect");
        }
    }
    for (uint32_t k = 0; k < c->abandoned_count; k++) {
        simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
        if (pending_rearm(s, c->abandoned[k])) {
            simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                            "timer %llx abandoned with an event but still parked",
                            (unsigned long long)c->abandoned[k]);
        }
    }
}

/* A timer the host refused is either waiting in the re-arm list after
 * the step that told SWIM, or given up on purpose with an event (its
 * owner is gone, or the list is full and it is no periodic duty): a
 * refusal is never dropped silently. */
static void check_refusal(const mech *m, const node *n)
{
    const simcheck *c = m->c;
    if (!c->step_refused || node_timer_module(n, c->step_refused_id) != HS_MOD_SWIM) {
        return;
    }
    simcheck_count(m->c, SIMCHECK_DUTY_TIMERS);
    HS_ASSERT(c->step_refused_id != 0);
    if (!pending_rearm(m->s, c->step_refused_id) && !c->step_abandoned) {
        simcheck_report(m->c, SIMCHECK_DUTY_TIMERS, m->now_ns, (int32_t)m->i,
                        "refused timer of kind %u (id %llx) neither waits to be armed again "
                        "nor was abandoned with an event", hs_timer_kind(c->step_refused_id),
                        (unsigned long long)c->step_refused_id);
    }
}

void check_mech_swim(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    HS_ASSERT(c->timers.armed != NULL);
    HS_ASSERT(i < c->nodes);
    check_meta_retry(c, now_ns, i, n);
    const swim *s = node_swim(n);
    uint32_t size = s->member_count + 1;
    /* A new process starts with no members: 1 is its size before its
     * first step. */
    uint32_t before = c->size_prev_epoch[i] == c->epoch[i] ? c->size_prev[i] : 1;
    c->size_prev[i] = size;
    c->size_prev_epoch[i] = c->epoch[i];
    if (!node_running(n) || !s->started) {
        c->touched_count = 0;
        c->touched_overflow = false;
        c->duty_touched = 0;
        return;
    }
    if (c->size_epoch[i] != c->epoch[i]) {
        c->size_epoch[i] = c->epoch[i];
        c->size_min[i] = size;
        c->size_max[i] = size;
    }
    c->size_min[i] = size < c->size_min[i] ? size : c->size_min[i];
    c->size_max[i] = size > c->size_max[i] ? size : c->size_max[i];
    mech m = {c, now_ns, c->timers.local_now(c->timers.host, i), i, s,
              c->refused_epoch[i] == c->epoch[i], {0}, 0, before < size ? before : size,
              before > size ? before : size};
    check_members(&m);
    check_duties(&m);
    check_rearm(&m);
    check_wake(&m);
    check_backoff(&m);
    check_probe_end(&m);
    check_refusal(&m, n);
    check_gossip(&m, n);
    check_self_news(&m);
    c->touched_count = 0;
    c->touched_overflow = false;
    c->duty_touched = 0;
}

void check_mech_timer(simcheck *c, uint32_t i, const node *n, uint64_t timer_id, bool delivered)
{
    HS_ASSERT(i < c->nodes);
    HS_ASSERT(n != NULL);
    if (node_timer_module(n, timer_id) != HS_MOD_SWIM) {
        return;
    }
    uint8_t kind = hs_timer_kind(timer_id);
    if (delivered && kind == SWIM_TIMER_PROBE_TIMEOUT) {
        c->timeout_fired_seq[i] = hs_id_gen(timer_id);
        c->timeout_fired_epoch[i] = c->epoch[i];
    }
    if (kind != SWIM_TIMER_SUSPECT && kind != SWIM_TIMER_REAP) {
        HS_ASSERT(kind < 32u); /* SWIM's kinds are 1..31 (module_list.h) */
        c->duty_touched |= 1u << kind;
        return;
    }
    if (c->touched_count == SIMCHECK_TOUCHED_MAX) {
        c->touched_overflow = true;
        return;
    }
    c->touched[c->touched_count++] = hs_id_slot(timer_id);
}
