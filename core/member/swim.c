/* SWIM membership: probing, suspicion, death, reaping, join, push-pull
 * and piggybacked gossip.  The member table and the gossip queue live in
 * swim_table.c; this file holds the protocol. */
#include "swim.h"

#include "frame.h"
#include "swim_table.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Derived quantities (the settings and their keys: swim_config.c)     */

static uint64_t ms_to_ns(uint32_t ms)
{
    return (uint64_t)ms * HS_NS_PER_MS;
}

/* floor(log10(n)) for n >= 1. */
static uint32_t ilog10(uint64_t n)
{
    uint32_t digits = 0;
    while (n >= 10) {
        n /= 10;
        digits++;
    }
    return digits;
}

/* Cluster size as this node sees it: members plus itself. */
static uint64_t cluster_size(const swim *s)
{
    return (uint64_t)s->member_count + 1;
}

uint64_t swim_suspicion_timeout_ns(const swim *s)
{
    uint64_t n = cluster_size(s);
    uint64_t scale = ilog10(n) > 1 ? ilog10(n) : 1;
    /* LHM: Lifeguard scales min and max by the local health multiplier here. */
    return s->cfg.suspicion_mult * scale * ms_to_ns(s->cfg.probe_interval_ms);
}

/* Worst case for one live member to declare a crashed member dead, with no
 * faults: the round-robin walk reaches every member within 2m - 1 periods
 * (m = members in its table, at most n - 1), the failed probe turns into a
 * suspicion at the next period, and the suspicion expires after S.  A node
 * may learn of the crashed member late (it restarted, or heard of it only
 * by gossip) but only from a member that has not yet declared it dead, so
 * at most one further walk and suspicion follow.  Two periods of slack
 * cover start-up and clock drift.  docs/swim.md derives it. */
uint64_t swim_detection_bound_ns(const swim_config *cfg, uint32_t n)
{
    HS_ASSERT(n >= 1);
    uint64_t period = ms_to_ns(cfg->probe_interval_ms);
    uint64_t scale = ilog10(n) > 1 ? ilog10(n) : 1;
    uint64_t suspicion = cfg->suspicion_mult * scale * period;
    /* A walk of 2n - 1 periods, then one more round to turn the failed
     * probe into a suspicion. */
    uint64_t walk = 2 * (uint64_t)n * period;
    return 2 * (walk + suspicion) + 2 * period;
}

/* Worst case, after partitions heal and crashed nodes restart, for every
 * live member to see every other live member alive at its current
 * incarnation: a pending suspicion expires (S), every member believed dead
 * is contacted by the reconnect round-robin within (n - 1) reconnect
 * intervals (both ends refute in that one exchange), and each resulting
 * incarnation reaches every other member through the ack to its next probe
 * (it carries the record whenever the prober's copy is stale), within two
 * probe walks.  Two periods of slack plus 10% cover
 * start-up and clock drift.  docs/swim.md derives it. */
uint64_t swim_convergence_bound_ns(const swim_config *cfg, uint32_t n)
{
    HS_ASSERT(n >= 1);
    uint64_t period = ms_to_ns(cfg->probe_interval_ms);
    uint64_t scale = ilog10(n) > 1 ? ilog10(n) : 1;
    uint64_t suspicion = cfg->suspicion_mult * scale * period;
    uint64_t reconnect = ((uint64_t)n - 1) * ms_to_ns(cfg->reconnect_interval_ms);
    uint64_t walks = 2 * 2 * (uint64_t)n * period;
    uint64_t bound = suspicion + reconnect + walks + 2 * period;
    return bound + bound / 10;
}

/* a * b + c, false on overflow (the bounds below are products of
 * operator-chosen sizes and periods). */
static bool mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
    uint64_t product = 0;
    return !__builtin_mul_overflow(a, b, &product) && !__builtin_add_overflow(product, c, out);
}

/* Both bounds with every product checked: each term is at most the sum,
 * so checking the largest forms below covers the formulas above. */
hs_status swim_bounds_ns(const swim_config *cfg, uint32_t n, uint64_t *detect_ns,
                         uint64_t *converge_ns)
{
    HS_ASSERT(detect_ns != NULL && converge_ns != NULL);
    *detect_ns = 0;
    *converge_ns = 0;
    if (n == 0 || (uint64_t)n > (uint64_t)cfg->members_cap + 1) {
        return HS_ERR_RANGE;
    }
    uint64_t period = ms_to_ns(cfg->probe_interval_ms);
    uint64_t scale = ilog10(n) > 1 ? ilog10(n) : 1;
    uint64_t suspicion = 0;
    uint64_t walks = 0;     /* 4n periods + 2 periods of slack */
    uint64_t reconnect = 0;
    uint64_t detect = 0;    /* 2 suspicions + walks */
    uint64_t converge = 0;  /* suspicion + reconnect + walks, plus 10% */
    if (!mul_add((uint64_t)cfg->suspicion_mult * scale, period, 0, &suspicion) ||
        !mul_add(4 * (uint64_t)n, period, 2 * period, &walks) ||
        !mul_add((uint64_t)n - 1, ms_to_ns(cfg->reconnect_interval_ms), 0, &reconnect) ||
        !mul_add(2, suspicion, walks, &detect) ||
        __builtin_add_overflow(suspicion, walks, &converge) ||
        __builtin_add_overflow(converge, reconnect, &converge) ||
        converge > UINT64_MAX - converge / 10) {
        return HS_ERR_RANGE;
    }
    *detect_ns = swim_detection_bound_ns(cfg, n);
    *converge_ns = swim_convergence_bound_ns(cfg, n);
    HS_ASSERT(*detect_ns == detect);
    HS_ASSERT(*converge_ns == converge + converge / 10);
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Init                                                               */

hs_status swim_init(swim *s, const swim_config *cfg, const hs_name *name, hs_addr addr,
                    uint8_t role, const hs_addr *seeds, uint32_t seed_count)
{
    memset(s, 0, sizeof(*s));
    hs_status status = swim_config_check(cfg);
    if (status != HS_OK) {
        return status;
    }
    s->cfg = *cfg;
    s->self.name = *name;
    s->self.name_key = swim_name_key(name);
    s->self.addr = addr;
    s->self.role = role;
    s->self.state = MEMBER_ALIVE;
    s->self.uid = SWIM_SELF_UID;
    s->next_uid = SWIM_SELF_UID + 1;
    s->next_seq = 1;
    for (uint32_t i = 0; i < seed_count && s->seed_count < HS_ARRAY_LEN(s->seeds); i++) {
        if (!hs_addr_eq(seeds[i], addr)) {
            s->seeds[s->seed_count++] = seeds[i];
        }
    }
    bucket_init(&s->unknown_replies, cfg->unknown_reply_per_sec, cfg->unknown_reply_burst);
    status = swim_table_init(s);
    if (status != HS_OK) {
        swim_free(s);
    }
    return status;
}

void swim_free(swim *s)
{
    swim_table_free(s);
}

/* ------------------------------------------------------------------ */
/* Sending                                                            */

static void self_entry(const swim *s, msg_member *out)
{
    swim_table_entry_of(&s->self, out);
}

/* Fills l with piggyback gossip for a message to dest (may be NULL)
 * within budget bytes, self entry first when with_self is set. */
static void attach_gossip(swim *s, step_ctx *ctx, msg_member_list *l, const swim_member *dest,
                          bool with_self, size_t budget)
{
    l->items = s->scratch;
    l->cap = MSG_GOSSIP_SEND_MAX + 1;
    l->count = 0;
    if (with_self) {
        self_entry(s, &l->items[l->count]);
        budget -= msg_member_size(&l->items[l->count]);
        l->count++;
    }
    l->count += swim_table_gossip_select(s, dest, l->items + l->count, MSG_GOSSIP_SEND_MAX,
                                         budget);
    HS_ASSERT(l->count <= l->cap);
    ctx->counters->gossip_sent += l->count;
}


/* What a PING or PING_REQ says about its target: name, address and, when
 * known, the incarnation the sender holds for it. */
typedef struct {
    hs_name name;
    hs_addr addr;
    bool inc_known;
    uint32_t inc;
} probe_target;

static probe_target target_of(const swim_member *m)
{
    return (probe_target){m->name, m->addr, true, m->incarnation};
}

/* target: NULL for an ACK.  with_self: our own record goes first (an ack
 * to a prober whose copy of us is stale or unknown). */
static void send_probe_msg(swim *s, step_ctx *ctx, uint16_t type, hs_addr to, uint64_t seq,
                           const probe_target *target, const swim_member *dest, bool with_self)
{
    msg_probe m = {0};
    m.seq = seq;
    m.source = s->self.name;
    if (target != NULL) {
        m.target = target->name;
        m.target_addr = target->addr;
        m.has_target_inc = target->inc_known;
        m.target_inc = target->inc;
    }
    attach_gossip(s, ctx, &m.gossip, dest, with_self, FRAME_UDP_PAYLOAD_MAX - SWIM_PROBE_BASE_MAX);
    (void)ctx_send(ctx, HS_CH_UDP, to, 0, type, &m);
}

/* Builds a push-pull list: self, then the destination's record, then
 * every other member in slot order, as many as fit one datagram. */
static void fill_sync_list(swim *s, msg_member_list *l, const swim_member *dest)
{
    l->items = s->scratch;
    l->cap = MSG_SYNC_MAX;
    l->count = 0;
    size_t budget = FRAME_UDP_PAYLOAD_MAX - SWIM_PROBE_BASE_MAX;
    self_entry(s, &l->items[0]);
    budget -= msg_member_size(&l->items[0]);
    l->count = 1;
    if (dest != NULL) {
        swim_table_entry_of(dest, &l->items[1]);
        budget -= msg_member_size(&l->items[1]);
        l->count = 2;
    }
    /* A datagram holds a few dozen members, a table of a thousand does
     * not fit: each list goes on in slot order where the previous one
     * stopped (sync_list_next), so successive lists carry the whole table,
     * every member within ceil(members / per_list) lists.  When the table
     * fits, the cursor stays where it is and every list is the table. */
    uint32_t end = s->slot_end;
    uint32_t start = s->sync_list_next < end ? s->sync_list_next : 0;
    uint32_t step = 0;
    for (; step < end && l->count < MSG_SYNC_MAX; step++) {
        const swim_member *mem = swim_member_slot(s, (start + step) % end);
        if (mem == NULL || mem == dest) {
            continue;
        }
        msg_member entry;
        swim_table_entry_of(mem, &entry);
        size_t size = msg_member_size(&entry);
        if (size > budget) {
            break; /* the next list starts with this member */
        }
        l->items[l->count++] = entry;
        budget -= size;
    }
    s->sync_list_next = end == 0 ? 0 : (start + step) % end;
    HS_ASSERT(l->count <= MSG_SYNC_MAX && s->sync_list_next <= end);
}

static void send_sync_msg(swim *s, step_ctx *ctx, uint16_t type, hs_addr to, uint64_t seq,
                          const swim_member *dest, uint32_t status)
{
    msg_sync m = {0};
    m.seq = seq;
    m.source = s->self.name;
    m.proto_major = MSG_PROTO_MAJOR;
    m.proto_minor = MSG_PROTO_MINOR;
    m.status = status;
    if (status == HS_OK) {
        fill_sync_list(s, &m.members, dest);
    }
    (void)ctx_send(ctx, HS_CH_UDP, to, 0, type, &m);
}

/* ------------------------------------------------------------------ */
/* State changes: the one path every member transition takes           */

uint64_t swim_member_timer(const swim *s, uint8_t kind, const swim_member *m)
{
    HS_ASSERT(m >= s->slots && m < s->slots + s->cfg.members_cap);
    HS_ASSERT(kind == SWIM_TIMER_SUSPECT || kind == SWIM_TIMER_REAP);
    return hs_timer_id(kind, (uint32_t)(m - s->slots), m->gen);
}

/* The probe in flight is a singleton: its sequence number is the arming's
 * generation. */
static uint64_t probe_timeout_id(const swim *s)
{
    return hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, (uint32_t)s->probe_seq);
}

static uint64_t relay_timer_id(const swim *s, const swim_relay *relay)
{
    HS_ASSERT(relay >= s->relays && relay < s->relays + s->cfg.relays_cap);
    return hs_timer_id(SWIM_TIMER_RELAY, (uint32_t)(relay - s->relays), relay->gen);
}

/* Queues a membership change for the node's fan-out (swim.h: the bound). */
static void note_change(swim *s, step_ctx *ctx, const swim_member *m, uint8_t change)
{
    if (s->change_count == SWIM_CHANGES_MAX) {
        /* Unreachable by the bound in swim.h; reported, never silent. */
        ctx->counters->tables_full++;
        ctx_event(ctx, HS_EV_MEMBER_QUEUE_FULL, &m->name, change, SWIM_CHANGES_MAX, 0);
        return;
    }
    hs_member_change *c = &s->changes[s->change_count++];
    c->change = change;
    c->role = m->role;
    c->incarnation = m->incarnation;
    c->slot = (uint32_t)(m - s->slots);
    c->gen = m->gen;
    c->addr = m->addr;
    c->name = m->name;
    if (s->change_count > s->changes_high) {
        s->changes_high = s->change_count;
    }
    HS_ASSERT(s->change_count <= SWIM_CHANGES_MAX);
}

static void arm_suspicion(swim *s, step_ctx *ctx, swim_member *m)
{
    m->suspect_deadline_ns = ctx->now_ns + swim_suspicion_timeout_ns(s);
    ctx_timer_set(ctx, swim_member_timer(s, SWIM_TIMER_SUSPECT, m), m->suspect_deadline_ns);
}

/* Moves m to state, cancelling and arming timers so that every timer's
 * owner exists exactly while it is armed, and emits one MEMBER_STATE. */
static void set_state(swim *s, step_ctx *ctx, swim_member *m, uint8_t state)
{
    uint8_t old = m->state;
    if (old == state) {
        return;
    }
    if (old == MEMBER_SUSPECT) {
        ctx_timer_cancel(ctx, swim_member_timer(s, SWIM_TIMER_SUSPECT, m));
        m->suspect_deadline_ns = 0;
    }
    if (old == MEMBER_DEAD || old == MEMBER_LEFT) {
        ctx_timer_cancel(ctx, swim_member_timer(s, SWIM_TIMER_REAP, m));
    }
    swim_table_set_state(s, m, state);
    m->state_since_ns = ctx->now_ns;
    swim_table_view_changed(s, m);
    if (state == MEMBER_SUSPECT) {
        ctx->counters->suspicions_started++;
        arm_suspicion(s, ctx, m);
    }
    if (state == MEMBER_DEAD || state == MEMBER_LEFT) {
        if (state == MEMBER_DEAD) {
            ctx->counters->deaths_declared++;
        }
        ctx_timer_set(ctx, swim_member_timer(s, SWIM_TIMER_REAP, m),
                      ctx->now_ns + ms_to_ns(s->cfg.dead_retention_ms));
        if (s->probe_uid == m->uid) {
            /* The probe in flight has nothing left to decide. */
            if (s->probe_timeout_armed) {
                ctx_timer_cancel(ctx, probe_timeout_id(s));
                s->probe_timeout_armed = false;
            }
            s->probe_uid = 0;
        }
    }
    ctx_event(ctx, HS_EV_MEMBER_STATE, &m->name, old, state, m->incarnation);
    /* member_state and hs_member_change_kind share their first four values. */
    note_change(s, ctx, m, state);
}

uint32_t swim_state_rank(uint8_t state)
{
    switch (state) {
    case MEMBER_ALIVE:
        return 0;
    case MEMBER_SUSPECT:
        return 1;
    default:
        return 2;
    }
}

static bool supersedes(const msg_member *e, const swim_member *m)
{
    if (e->incarnation != m->incarnation) {
        return e->incarnation > m->incarnation;
    }
    return swim_state_rank(e->state) > swim_state_rank(m->state);
}

/* ------------------------------------------------------------------ */
/* Refutation and the incarnation ceiling                              */

static void want_ceiling(swim *s, uint32_t c)
{
    if (c > MSG_INCARNATION_MAX) {
        c = MSG_INCARNATION_MAX;
    }
    if (c > s->inc_wanted) {
        s->inc_wanted = c;
    }
}

static void refute(swim *s, step_ctx *ctx, uint8_t accused, uint32_t seen_inc)
{
    HS_ASSERT(seen_inc <= s->self.incarnation);
    uint32_t base = s->self.incarnation;
    if (base >= MSG_INCARNATION_MAX) {
        /* 2^31 refutations: unreachable in practice, refuse to wrap. */
        ctx_event(ctx, HS_EV_SELF_REFUTE_DEFERRED, NULL, base, s->inc_ceiling, 0);
        HS_PROBE(ctx, SWIM_REFUTE_AT_MAX);
        return;
    }
    uint32_t next = base + 1;
    if (next > s->inc_ceiling) {
        /* Never use an incarnation that is not durable: after a crash we
         * restart above the ceiling, so incarnations never repeat. */
        want_ceiling(s, next + SWIM_INC_WINDOW);
        s->refute_pending = true;
        s->refute_pending_accused = accused;
        s->refute_pending_inc = base;
        ctx->counters->refutations_deferred++;
        HS_PROBE(ctx, SWIM_REFUTE_DEFERRED);
        ctx_event(ctx, HS_EV_SELF_REFUTE_DEFERRED, NULL, next, s->inc_ceiling, 0);
        return;
    }
    uint32_t old = s->self.incarnation;
    s->self.incarnation = next;
    s->refute_pending = false;
    ctx->counters->refutations++;
    HS_PROBE(ctx, SWIM_REFUTE);
    ctx_event(ctx, HS_EV_SELF_REFUTED, NULL, accused, old, next);
    swim_table_gossip_enqueue(s, ctx, &s->self);
    if (next + SWIM_INC_WINDOW / 2 > s->inc_ceiling) {
        want_ceiling(s, next + SWIM_INC_WINDOW);
    }
}

void swim_ceiling_durable(swim *s, step_ctx *ctx, uint32_t ceiling)
{
    if (ceiling > s->inc_ceiling) {
        s->inc_ceiling = ceiling;
    }
    if (s->refute_pending && s->started && !s->leaving) {
        HS_PROBE(ctx, SWIM_REFUTE_RESUMED);
        refute(s, ctx, (uint8_t)s->refute_pending_accused, s->refute_pending_inc);
    }
}

/* An entry about ourselves: refute an accusation at our incarnation;
 * ignore everything else (design brief 6.2 #23: the incarnation changes
 * only after a suspicion about self).  Only we issue our incarnations, so
 * an accusation above ours was never about anything we announced: it is
 * forged or corrupt, and refuting it would let one datagram push our
 * incarnation to the top of its range, where we could refute no more. */
static void apply_self_entry(swim *s, step_ctx *ctx, const msg_member *e, uint32_t list_inc)
{
    HS_ASSERT(list_inc <= s->self.incarnation);
    if (s->leaving || e->state == MEMBER_ALIVE) {
        return;
    }
    /* Above the incarnation we held when the list arrived: one list
     * refutes at most once, or entries at X, X + 1, ... in one forged
     * datagram would climb one incarnation each. */
    if (e->incarnation > list_inc) {
        ctx->counters->stale_msgs++;
        ctx_event(ctx, HS_EV_ENTRY_IMPOSSIBLE, &e->name, e->state, e->incarnation,
                  s->self.incarnation);
        return;
    }
    if (e->incarnation < s->self.incarnation) {
        return;
    }
    refute(s, ctx, e->state, e->incarnation);
}

/* ------------------------------------------------------------------ */
/* Merging gossip and member lists                                     */

static void learn_member(swim *s, step_ctx *ctx, const msg_member *e)
{
    /* Only a live claim introduces a member: suspicion or death of a node
     * we never knew carries nothing to act on. */
    if (e->state != MEMBER_ALIVE) {
        return;
    }
    swim_member *m = swim_table_add(s, ctx, e);
    if (m == NULL) {
        return;
    }
    ctx->counters->members_added++;
    note_change(s, ctx, m, HS_MEMBER_ALIVE);
    ctx_event(ctx, HS_EV_MEMBER_ADDED, &m->name, hs_addr_key(m->addr), m->state,
              m->incarnation);
    swim_table_gossip_enqueue(s, ctx, m);
}

static void apply_entry(swim *s, step_ctx *ctx, const msg_member *e, uint32_t list_inc)
{
    if (hs_name_eq(&e->name, &s->self.name)) {
        apply_self_entry(s, ctx, e, list_inc);
        return;
    }
    swim_member *m = swim_table_find_mut(s, &e->name);
    if (m == NULL) {
        learn_member(s, ctx, e);
        return;
    }
    msg_member clamped;
    if (e->state != MEMBER_ALIVE && e->incarnation > m->incarnation) {
        /* Only a member issues its incarnations, and only in ALIVE records:
         * an accusation above the highest we know of it says nothing a
         * record at our incarnation would not, and taking it as is would
         * let one forged datagram pin the member at an incarnation it can
         * never refute.  Judge it at the incarnation we know. */
        HS_PROBE(ctx, SWIM_ACCUSATION_CLAMPED);
        clamped = *e;
        clamped.incarnation = m->incarnation;
        e = &clamped;
    }
    if (!supersedes(e, m)) {
        return;
    }
    if (!hs_addr_eq(e->addr, m->addr)) {
        if (e->incarnation == m->incarnation) {
            /* Two claims for one name and incarnation: keep the first. */
            HS_PROBE(ctx, SWIM_ADDR_CONFLICT);
            ctx_event(ctx, HS_EV_MEMBER_ADDR, &m->name, hs_addr_key(m->addr),
                      hs_addr_key(e->addr), e->incarnation);
            return;
        }
        ctx_event(ctx, HS_EV_MEMBER_ADDR, &m->name, hs_addr_key(m->addr), hs_addr_key(e->addr),
                  e->incarnation);
        m->addr = e->addr;
        HS_PROBE(ctx, SWIM_ADDR_CHANGED);
    }
    ctx->counters->gossip_applied++;
    bool inc_changed = e->incarnation != m->incarnation;
    m->incarnation = e->incarnation;
    m->role = e->role;
    swim_table_view_changed(s, m);
    if (m->state == e->state && inc_changed) {
        /* Same state at a newer incarnation: still one transition worth a
         * record, so observers can follow incarnations. */
        ctx_event(ctx, HS_EV_MEMBER_STATE, &m->name, m->state, m->state, m->incarnation);
        if (m->state == MEMBER_SUSPECT) {
            ctx_timer_cancel(ctx, swim_member_timer(s, SWIM_TIMER_SUSPECT, m));
            HS_PROBE(ctx, SWIM_SUSPECT_REARMED);
            arm_suspicion(s, ctx, m);
        }
    }
    set_state(s, ctx, m, e->state);
    swim_table_gossip_enqueue(s, ctx, m);
}

static void apply_list(swim *s, step_ctx *ctx, const msg_member_list *l)
{
    uint32_t list_inc = s->self.incarnation;
    for (uint32_t i = 0; i < l->count; i++) {
        apply_entry(s, ctx, &l->items[i], list_inc);
    }
    HS_ASSERT(s->self.incarnation <= list_inc + 1); /* one refutation per list */
}

/* ------------------------------------------------------------------ */
/* Probing                                                             */

static void probe_failed(swim *s, step_ctx *ctx)
{
    swim_member *m = swim_table_find_uid_mut(s, s->probe_uid);
    s->probe_uid = 0;
    if (m == NULL) {
        return;
    }
    ctx->counters->probes_failed++;
    ctx_event(ctx, HS_EV_PROBE_FAILED, &m->name, s->probe_seq, s->cfg.indirect_checks, 0);
    if (m->state == MEMBER_ALIVE) {
        set_state(s, ctx, m, MEMBER_SUSPECT);
        swim_table_gossip_enqueue(s, ctx, m);
    }
}

static void start_probe(swim *s, step_ctx *ctx)
{
    swim_member *target = swim_table_next_probe_target(s, ctx);
    if (target == NULL) {
        return;
    }
    s->probe_seq = s->next_seq++;
    s->probe_uid = target->uid;
    s->probe_acked = false;
    ctx->counters->probes_sent++;
    probe_target pt = target_of(target);
    send_probe_msg(s, ctx, MSG_PING, target->addr, s->probe_seq, &pt, target, false);
    ctx_timer_set(ctx, probe_timeout_id(s),
                  ctx->now_ns + ms_to_ns(s->cfg.probe_timeout_ms));
    s->probe_timeout_armed = true;
}

static void on_probe_round(swim *s, step_ctx *ctx)
{
    /* LHM: Lifeguard stretches the period by the local health multiplier. */
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_PROBE, 0, 0),
                  ctx->now_ns + ms_to_ns(s->cfg.probe_interval_ms));
    if (s->probe_timeout_armed) {
        ctx_timer_cancel(ctx, probe_timeout_id(s));
        s->probe_timeout_armed = false;
    }
    if (s->probe_uid != 0 && !s->probe_acked) {
        probe_failed(s, ctx);
    }
    s->probe_uid = 0;
    /* Age out stale gossip once a period rather than on every message. */
    swim_table_gossip_expire(s, ctx->now_ns);
    if (!s->leaving) {
        start_probe(s, ctx);
    }
}

/* The direct ping went unanswered: ask k random live members to try. */
static void on_probe_timeout(swim *s, step_ctx *ctx)
{
    s->probe_timeout_armed = false;
    swim_member *target = swim_table_find_uid_mut(s, s->probe_uid);
    if (target == NULL || s->probe_acked) {
        return;
    }
    ctx_event(ctx, HS_EV_PROBE_DIRECT_TIMEOUT, &target->name, s->probe_seq, 0, 0);
    uint32_t proxies[SWIM_INDIRECT_CHECKS_MAX];
    HS_ASSERT(s->cfg.indirect_checks <= HS_ARRAY_LEN(proxies));
    uint32_t count = swim_table_pick_alive(s, ctx, target->uid, proxies,
                                           s->cfg.indirect_checks);
    probe_target pt = target_of(target);
    for (uint32_t i = 0; i < count; i++) {
        const swim_member *proxy = swim_member_slot(s, proxies[i]);
        HS_ASSERT(proxy != NULL);
        send_probe_msg(s, ctx, MSG_PING_REQ, proxy->addr, s->probe_seq, &pt, proxy, false);
        ctx->counters->indirect_probes_sent++;
    }
}

/* The member a live member-owned timer names (swim_owner_live held). */
static swim_member *member_of_timer(swim *s, uint64_t timer_id)
{
    uint32_t slot = hs_id_slot(timer_id);
    HS_ASSERT(slot < s->cfg.members_cap && s->slot_used[slot]);
    swim_member *m = &s->slots[slot];
    HS_ASSERT(m->gen == hs_id_gen(timer_id));
    return m;
}

static void on_suspicion_expired(swim *s, step_ctx *ctx, uint64_t timer_id)
{
    swim_member *m = member_of_timer(s, timer_id);
    HS_ASSERT(m != NULL && m->state == MEMBER_SUSPECT);
    HS_PROBE(ctx, SWIM_SUSPICION_EXPIRED);
    ctx_event(ctx, HS_EV_SUSPICION_EXPIRED, &m->name, m->incarnation,
              ctx->now_ns - m->state_since_ns, 0);
    set_state(s, ctx, m, MEMBER_DEAD);
    swim_table_gossip_enqueue(s, ctx, m);
}

static void on_reap(swim *s, step_ctx *ctx, uint64_t timer_id)
{
    swim_member *m = member_of_timer(s, timer_id);
    HS_ASSERT(m != NULL && (m->state == MEMBER_DEAD || m->state == MEMBER_LEFT));
    ctx->counters->members_reaped++;
    HS_PROBE(ctx, SWIM_REAPED);
    ctx_event(ctx, HS_EV_MEMBER_REAPED, &m->name, m->state, m->incarnation, 0);
    note_change(s, ctx, m, HS_MEMBER_REAPED);
    swim_table_remove(s, ctx, m);
}

/* ------------------------------------------------------------------ */
/* Join, sync and reconnect                                            */

static void send_joins(swim *s, step_ctx *ctx)
{
    if (s->join_attempts > 0) {
        HS_PROBE(ctx, SWIM_JOIN_RETRY);
    }
    s->join_attempts++;
    for (uint32_t i = 0; i < s->seed_count; i++) {
        ctx->counters->joins_sent++;
        ctx_event(ctx, HS_EV_JOIN_SENT, NULL, hs_addr_key(s->seeds[i]), s->join_attempts, 0);
        send_sync_msg(s, ctx, MSG_JOIN, s->seeds[i], s->next_seq++, NULL, HS_OK);
    }
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_JOIN, 0, 0),
                  ctx->now_ns + ms_to_ns(s->join_backoff_ms));
    s->join_backoff_ms = s->join_backoff_ms * 2 > s->cfg.join_retry_max_ms
                             ? s->cfg.join_retry_max_ms
                             : s->join_backoff_ms * 2;
}

static void send_sync_to(swim *s, step_ctx *ctx, const swim_member *dest, hs_addr to)
{
    ctx->counters->syncs_sent++;
    if (dest != NULL) {
        ctx_event(ctx, HS_EV_SYNC_SENT, &dest->name, dest->state, s->member_count, 0);
    }
    send_sync_msg(s, ctx, MSG_SYNC, to, s->next_seq++, dest, HS_OK);
}

/* Anti-entropy: push-pull with the next live member in slot order, so
 * every pair exchanges full state within (n - 1) sync intervals; with no
 * live member, fall back to the seeds. */
static void on_sync_timer(swim *s, step_ctx *ctx)
{
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_SYNC, 0, 0),
                  ctx->now_ns + ms_to_ns(s->cfg.sync_interval_ms));
    if (s->leaving) {
        return;
    }
    const swim_member *m = swim_table_next_in_state(s, &s->sync_next, MEMBER_ALIVE, MEMBER_SUSPECT);
    if (m != NULL) {
        send_sync_to(s, ctx, m, m->addr);
        return;
    }
    if (s->seed_count > 0) {
        HS_PROBE(ctx, SWIM_SYNC_TO_SEED);
        hs_addr seed = s->seeds[s->seed_next % s->seed_count];
        s->seed_next++;
        send_sync_to(s, ctx, NULL, seed);
    }
}

/* True when no member record (in any state) has seed k's address.  The
 * record found last time is checked first: a scan of the table only when
 * it is gone or moved. */
static bool seed_unknown(swim *s, uint32_t k)
{
    HS_ASSERT(k < s->seed_count);
    hs_addr seed = s->seeds[k];
    const swim_member *cached = swim_table_find_uid(s, s->seed_uid[k]);
    if (cached != NULL && hs_addr_eq(cached->addr, seed)) {
        return false;
    }
    for (uint32_t i = 0; i < s->slot_end; i++) {
        const swim_member *m = swim_member_slot(s, i);
        if (m != NULL && hs_addr_eq(m->addr, seed)) {
            s->seed_uid[k] = m->uid;
            return false;
        }
    }
    return true;
}

/* Members we believe dead may be alive behind a healed partition, and a
 * seed we no longer know may be the only link to a group that lost us:
 * contact them one at a time, round-robin over dead members then unknown
 * seeds, so both sides learn of any accusation and refute.  Every such
 * address is another node of the cluster, so each is contacted within
 * n - 1 reconnect intervals. */
static void on_reconnect_timer(swim *s, step_ctx *ctx)
{
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_RECONNECT, 0, 0),
                  ctx->now_ns + ms_to_ns(s->cfg.reconnect_interval_ms));
    if (s->leaving) {
        return;
    }
    uint32_t span = s->slot_end + s->seed_count;
    for (uint32_t step = 0; step < span; step++) {
        uint32_t pos = (s->reconnect_next + step) % span;
        if (pos < s->slot_end && s->dead_count == 0) {
            step += s->slot_end - pos - 1; /* no dead member: on to the seeds */
            continue;
        }
        if (pos < s->slot_end) {
            const swim_member *m = swim_member_slot(s, pos);
            if (m == NULL || !swim_state_gone(m->state)) {
                continue;
            }
            HS_PROBE(ctx, SWIM_RECONNECT_DEAD);
            s->reconnect_next = pos + 1;
            send_sync_to(s, ctx, m, m->addr);
            return;
        }
        hs_addr seed = s->seeds[pos - s->slot_end];
        if (seed_unknown(s, pos - s->slot_end)) {
            HS_PROBE(ctx, SWIM_RECONNECT_SEED);
            s->reconnect_next = pos + 1;
            send_sync_to(s, ctx, NULL, seed);
            return;
        }
    }
}

void swim_start(swim *s, step_ctx *ctx, uint32_t incarnation, uint32_t ceiling)
{
    HS_ASSERT(!s->started);
    HS_ASSERT(incarnation <= ceiling);
    s->started = true;
    s->self.incarnation = incarnation;
    s->inc_ceiling = ceiling;
    s->join_backoff_ms = s->cfg.join_retry_min_ms;
    /* Spread the nodes' probe rounds over the period. */
    uint64_t period = ms_to_ns(s->cfg.probe_interval_ms);
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_PROBE, 0, 0),
                  ctx->now_ns + 1 + rng_below(ctx->rng, period));
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_SYNC, 0, 0),
                  ctx->now_ns + 1 + rng_below(ctx->rng, ms_to_ns(s->cfg.sync_interval_ms)));
    ctx_timer_set(ctx, hs_timer_id(SWIM_TIMER_RECONNECT, 0, 0),
                  ctx->now_ns + 1 + rng_below(ctx->rng, ms_to_ns(s->cfg.reconnect_interval_ms)));
    swim_table_gossip_enqueue(s, ctx, &s->self);
    if (s->seed_count == 0) {
        s->joined = true;
        ctx_event(ctx, HS_EV_JOIN_DONE, &s->self.name, 0, 0, 0);
        return;
    }
    send_joins(s, ctx);
}

void swim_leave(swim *s, step_ctx *ctx)
{
    if (!s->started || s->leaving) {
        return;
    }
    s->leaving = true;
    s->self.state = MEMBER_LEFT;
    ctx_event(ctx, HS_EV_NODE_LEAVING, NULL, s->self.incarnation, 0, 0);
    HS_PROBE(ctx, SWIM_LEAVE);
    if (!s->joined) {
        ctx_timer_cancel(ctx, hs_timer_id(SWIM_TIMER_JOIN, 0, 0));
        s->joined = true;
    }
    swim_table_gossip_enqueue(s, ctx, &s->self);
    /* Tell a few members directly; gossip carries it the rest of the way. */
    uint32_t picks[SWIM_INDIRECT_CHECKS_MAX];
    HS_ASSERT(s->cfg.indirect_checks <= HS_ARRAY_LEN(picks));
    uint32_t count = swim_table_pick_alive(s, ctx, 0, picks, s->cfg.indirect_checks);
    for (uint32_t i = 0; i < count; i++) {
        const swim_member *m = swim_member_slot(s, picks[i]);
        HS_ASSERT(m != NULL);
        send_sync_to(s, ctx, m, m->addr);
    }
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

/* Whether to answer a message from source at from.  Members at their
 * known address are always answered; anyone else (a joiner, or a forged
 * source) draws from a token bucket, so a flood of small forged requests
 * cannot be reflected as large replies.  Returns the member, if any, via
 * *known. */
static bool may_answer(swim *s, step_ctx *ctx, const hs_name *source, hs_addr from,
                       uint16_t type, const swim_member **known)
{
    const swim_member *m = swim_find(s, source);
    *known = m;
    if (m != NULL && hs_addr_eq(m->addr, from)) {
        return true;
    }
    if (bucket_take(&s->unknown_replies, ctx->now_ns)) {
        return true;
    }
    ctx->counters->replies_suppressed++;
    HS_PROBE(ctx, SWIM_REPLY_SUPPRESSED);
    ctx_event(ctx, HS_EV_REPLY_SUPPRESSED, source, type, hs_addr_key(from), 0);
    return false;
}

static void on_ping(swim *s, step_ctx *ctx, hs_addr from, const msg_probe *m)
{
    if (!hs_name_eq(&m->target, &s->self.name)) {
        /* Meant for whoever had this address before us: no ack, so the
         * prober suspects the node it actually meant. */
        HS_PROBE(ctx, SWIM_NOT_FOR_ME);
        ctx->counters->not_for_me++;
        ctx_event(ctx, HS_EV_MSG_NOT_FOR_ME, &m->target, MSG_PING, hs_addr_key(from), 0);
        return;
    }
    /* Our record rides on the ack whenever the prober's copy of us is
     * stale or unknown: every prober learns our current incarnation within
     * one probe walk (docs/swim.md), without a record on every ack. */
    const swim_member *dest = NULL;
    if (!may_answer(s, ctx, &m->source, from, MSG_PING, &dest)) {
        return;
    }
    bool stale = !m->has_target_inc || m->target_inc != s->self.incarnation;
    send_probe_msg(s, ctx, MSG_ACK, from, m->seq, NULL, dest, stale);
}

static void on_ack(swim *s, step_ctx *ctx, hs_addr from, const msg_probe *m)
{
    uint64_t seq = m->seq;
    if (s->probe_uid != 0 && seq == s->probe_seq && !s->probe_acked) {
        s->probe_acked = true;
        ctx->counters->acks_received++;
        if (s->probe_timeout_armed) {
            ctx_timer_cancel(ctx, probe_timeout_id(s));
            s->probe_timeout_armed = false;
        }
        return;
    }
    swim_relay *relay = swim_table_relay_find(s, seq);
    if (relay != NULL) {
        /* Forward the target's ack to the member that asked us. */
        const swim_member *origin = NULL;
        hs_addr to = relay->origin;
        uint64_t origin_seq = relay->origin_seq;
        ctx_timer_cancel(ctx, relay_timer_id(s, relay));
        swim_table_relay_remove(s, relay);
        send_probe_msg(s, ctx, MSG_ACK, to, origin_seq, NULL, origin, false);
        return;
    }
    ctx->counters->stale_msgs++;
    ctx_event(ctx, HS_EV_MSG_STALE, NULL, MSG_ACK, seq, hs_addr_key(from));
    HS_PROBE(ctx, SWIM_STALE_ACK);
}

static void on_ping_req(swim *s, step_ctx *ctx, hs_addr from, const msg_probe *m)
{
    const swim_member *origin = NULL;
    if (!may_answer(s, ctx, &m->source, from, MSG_PING_REQ, &origin)) {
        return;
    }
    swim_relay *relay = swim_table_relay_add(s, ctx);
    if (relay == NULL) {
        HS_PROBE(ctx, SWIM_RELAYS_FULL);
        return;
    }
    const swim_member *target = swim_find(s, &m->target);
    relay->seq = s->next_seq++;
    relay->origin = from;
    relay->origin_seq = m->seq;
    ctx->counters->relays_started++;
    /* Pass on the originator's copy of the target's incarnation: the
     * target's answer (our gossip) should correct whoever is stale. */
    probe_target pt = {m->target, m->target_addr, m->has_target_inc, m->target_inc};
    send_probe_msg(s, ctx, MSG_PING, m->target_addr, relay->seq, &pt, target, false);
    ctx_timer_set(ctx, relay_timer_id(s, relay),
                  ctx->now_ns + ms_to_ns(s->cfg.probe_timeout_ms));
}

static void on_relay_expired(swim *s, step_ctx *ctx, uint64_t timer_id)
{
    uint32_t slot = hs_id_slot(timer_id);
    HS_ASSERT(slot < s->cfg.relays_cap);
    swim_relay *relay = &s->relays[slot];
    HS_ASSERT(relay->live && relay->gen == hs_id_gen(timer_id));
    ctx->counters->relays_expired++;
    HS_PROBE(ctx, SWIM_RELAY_EXPIRED);
    swim_table_relay_remove(s, relay);
}

static void on_join(swim *s, step_ctx *ctx, hs_addr from, uint16_t type, const msg_sync *m)
{
    if (m->proto_major != MSG_PROTO_MAJOR) {
        ctx->counters->msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_VERSION, MSG_JOIN, hs_addr_key(from));
        HS_PROBE(ctx, SWIM_JOIN_VERSION_REFUSED);
        send_sync_msg(s, ctx, MSG_JOIN_ACK, from, m->seq, NULL, HS_ERR_VERSION);
        return;
    }
    apply_list(s, ctx, &m->members);
    /* Checked after the merge: a joiner's own record, just learned, makes
     * it a member at this address. */
    const swim_member *dest = NULL;
    if (!may_answer(s, ctx, &m->source, from, type, &dest)) {
        return;
    }
    send_sync_msg(s, ctx, type == MSG_JOIN ? MSG_JOIN_ACK : MSG_SYNC_ACK, from,
                  m->seq, dest, HS_OK);
}

static void on_join_ack(swim *s, step_ctx *ctx, uint16_t type, const msg_sync *m)
{
    if (m->status != HS_OK) {
        HS_PROBE(ctx, SWIM_JOIN_REJECTED);
        ctx_event(ctx, HS_EV_JOIN_REJECTED, &m->source, m->status,
                  m->proto_major, 0);
        return;
    }
    apply_list(s, ctx, &m->members);
    if (type == MSG_JOIN_ACK && !s->joined) {
        s->joined = true;
        ctx_timer_cancel(ctx, hs_timer_id(SWIM_TIMER_JOIN, 0, 0));
        ctx_event(ctx, HS_EV_JOIN_DONE, &m->source, s->member_count, 0, 0);
    }
}

void swim_on_message(swim *s, step_ctx *ctx, const hs_msg_in *in)
{
    HS_ASSERT(s->started);
    HS_ASSERT(in->channel == HS_CH_UDP && in->body != NULL);
    const msg_probe *probe = in->body;
    const msg_sync *sync = in->body;
    switch (in->type) {
    case MSG_PING:
        apply_list(s, ctx, &probe->gossip);
        on_ping(s, ctx, in->from, probe);
        break;
    case MSG_ACK:
        apply_list(s, ctx, &probe->gossip);
        on_ack(s, ctx, in->from, probe);
        break;
    case MSG_PING_REQ:
        apply_list(s, ctx, &probe->gossip);
        on_ping_req(s, ctx, in->from, probe);
        break;
    case MSG_JOIN:
    case MSG_SYNC:
        on_join(s, ctx, in->from, in->type, sync);
        break;
    case MSG_JOIN_ACK:
    case MSG_SYNC_ACK:
        on_join_ack(s, ctx, in->type, sync);
        break;
    default:
        HS_UNREACHABLE();
    }
}

static void swim_fire(swim *s, step_ctx *ctx, uint64_t timer_id);
static void rearm_parked(swim *s, step_ctx *ctx, bool woken);

void swim_on_timer(swim *s, step_ctx *ctx, uint64_t timer_id)
{
    HS_ASSERT(s->started);
    HS_ASSERT(swim_timer_owner_live(s, timer_id));
    swim_fire(s, ctx, timer_id);
    rearm_parked(s, ctx, false);
}

static void swim_fire(swim *s, step_ctx *ctx, uint64_t timer_id)
{
    switch (hs_timer_kind(timer_id)) {
    case SWIM_TIMER_PROBE:
        on_probe_round(s, ctx);
        break;
    case SWIM_TIMER_PROBE_TIMEOUT:
        on_probe_timeout(s, ctx);
        break;
    case SWIM_TIMER_SUSPECT:
        on_suspicion_expired(s, ctx, timer_id);
        break;
    case SWIM_TIMER_RELAY:
        on_relay_expired(s, ctx, timer_id);
        break;
    case SWIM_TIMER_JOIN:
        if (!s->joined) {
            send_joins(s, ctx);
        }
        break;
    case SWIM_TIMER_SYNC:
        on_sync_timer(s, ctx);
        break;
    case SWIM_TIMER_RECONNECT:
        on_reconnect_timer(s, ctx);
        break;
    case SWIM_TIMER_REAP:
        on_reap(s, ctx, timer_id);
        break;
    default:
        HS_UNREACHABLE();
    }
}

/* A member-owned timer is live while its slot holds the same record
 * (generation) in the state the timer is about. */
static bool member_timer_live(const swim *s, uint64_t timer_id, uint8_t a, uint8_t b)
{
    uint32_t slot = hs_id_slot(timer_id);
    if (slot >= s->cfg.members_cap || !s->slot_used[slot]) {
        return false;
    }
    const swim_member *m = &s->slots[slot];
    return m->gen == hs_id_gen(timer_id) && (m->state == a || m->state == b);
}

bool swim_timer_owner_live(const swim *s, uint64_t timer_id)
{
    uint32_t slot = hs_id_slot(timer_id);
    uint32_t gen = hs_id_gen(timer_id);
    bool singleton = slot == 0 && gen == 0;
    switch (hs_timer_kind(timer_id)) {
    case SWIM_TIMER_PROBE:
    case SWIM_TIMER_SYNC:
    case SWIM_TIMER_RECONNECT:
        return s->started && singleton;
    case SWIM_TIMER_JOIN:
        return s->started && !s->joined && singleton;
    case SWIM_TIMER_PROBE_TIMEOUT:
        return s->probe_timeout_armed && slot == 0 &&
               gen == ((uint32_t)s->probe_seq & HS_ID_GEN_MASK);
    case SWIM_TIMER_SUSPECT:
        return member_timer_live(s, timer_id, MEMBER_SUSPECT, MEMBER_SUSPECT);
    case SWIM_TIMER_RELAY:
        return slot < s->cfg.relays_cap && s->relays[slot].live && s->relays[slot].gen == gen;
    case SWIM_TIMER_REAP:
        return member_timer_live(s, timer_id, MEMBER_DEAD, MEMBER_LEFT);
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* Module entry points (core/node routes to them by the module list)   */

HS_STATIC_ASSERT((int)HS_MEMBER_ALIVE == (int)MEMBER_ALIVE &&
                     (int)HS_MEMBER_SUSPECT == (int)MEMBER_SUSPECT &&
                     (int)HS_MEMBER_DEAD == (int)MEMBER_DEAD &&
                     (int)HS_MEMBER_LEFT == (int)MEMBER_LEFT,
                 "member changes name member states by value");
HS_STATIC_ASSERT(SWIM_TIMER_KIND_END - 1 <= 31, "SWIM timer kinds within its module_list range");

void swim_on_msg(swim *s, step_ctx *ctx, const hs_msg_in *in)
{
    HS_ASSERT(in->body != NULL);
    HS_ASSERT(in->type >= MSG_PING && in->type <= MSG_SYNC_ACK);
    if (!s->started) {
        /* Not yet in the cluster (or halted): answering would use an
         * incarnation that is not durable. */
        ctx->counters->msgs_rejected++;
        ctx_event(ctx, HS_EV_MSG_REJECTED, NULL, HS_ERR_STATE, in->type, hs_addr_key(in->from));
        return;
    }
    swim_on_message(s, ctx, in);
    rearm_parked(s, ctx, false);
}


/* The host's timer table was full.  Every SWIM timer is a duty (a probe
 * round, an expiry) that must happen, late rather than never; but arming
 * it again in this step would only be refused again (the table is still
 * full), so it waits in a small table until one of SWIM's timers fires or
 * a message arrives (time has passed; a fired timer freed a host slot) and
 * is then armed at a doubling delay.  A timer whose owner went in the
 * meantime, or one that finds the retry table full, is given up on
 * purpose, with an error event (members then wait for a later transition
 * or the reap of their record). */
/* The periodic duties: one timer each, re-armed by its own firing, so a
 * duty whose timer is given up on stops for good. */
HS_STATIC_ASSERT(SWIM_REARM_MAX > 4, "the retry table holds every duty and a member timer");
static bool timer_is_duty(uint64_t timer_id)
{
    uint8_t kind = hs_timer_kind(timer_id);
    return kind == SWIM_TIMER_PROBE || kind == SWIM_TIMER_JOIN || kind == SWIM_TIMER_SYNC ||
           kind == SWIM_TIMER_RECONNECT;
}

/* Room in a full retry table for a duty: the newest member-owned entry is
 * given up on instead (its member waits for a later transition or its
 * reap).  There are at most four duties, far fewer than the table holds,
 * so a member-owned entry always exists. */
static void make_room_for_duty(swim *s, step_ctx *ctx, hs_status reason)
{
    HS_ASSERT(s->rearm_count == SWIM_REARM_MAX);
    uint32_t i = s->rearm_count;
    while (i > 0 && timer_is_duty(s->rearm[i - 1])) {
        i--;
    }
    HS_ASSERT(i > 0); /* SWIM_REARM_MAX > the number of duty kinds */
    ctx_event(ctx, HS_EV_TIMER_ABANDONED, NULL, s->rearm[i - 1], reason, 0);
    HS_PROBE(ctx, SWIM_TIMER_ABANDONED);
    s->rearm[i - 1] = s->rearm[s->rearm_count - 1];
    s->rearm_count--;
}

void swim_on_timer_refused(swim *s, step_ctx *ctx, uint64_t timer_id, hs_status reason)
{
    HS_ASSERT(reason != HS_OK);
    for (uint32_t i = 0; i < s->rearm_count; i++) {
        if (s->rearm[i] == timer_id) {
            return; /* already waiting */
        }
    }
    bool full = s->rearm_count == SWIM_REARM_MAX;
    if (!swim_timer_owner_live(s, timer_id) || (full && !timer_is_duty(timer_id))) {
        ctx_event(ctx, HS_EV_TIMER_ABANDONED, NULL, timer_id, reason, 0);
        HS_PROBE(ctx, SWIM_TIMER_ABANDONED);
        return;
    }
    if (full) {
        make_room_for_duty(s, ctx, reason);
    }
    uint32_t delay_ms = s->timer_backoff_ms == 0 ? SWIM_REARM_MIN_MS : s->timer_backoff_ms;
    ctx_event(ctx, HS_EV_TIMER_REFUSED, NULL, timer_id, reason, ms_to_ns(delay_ms));
    HS_PROBE(ctx, SWIM_TIMER_REFUSED);
    /* No timer of SWIM's may be armed at all (an unjoined node's join
     * retry is its only one): the host's wake-up re-arms it then. */
    ctx_wake_after(ctx, ms_to_ns(delay_ms));
    s->rearm[s->rearm_count++] = timer_id;
    s->rearm_high = s->rearm_count > s->rearm_high ? s->rearm_count : s->rearm_high;
    HS_ASSERT(s->rearm_count <= SWIM_REARM_MAX);
}

/* Arms the refused timers whose owners are still there (see above): at
 * the doubling delay after a message or a timer (time may barely have
 * passed since the refusal), due at once on the wake-up the refusal asked
 * for (the delay has passed). */
static void rearm_parked(swim *s, step_ctx *ctx, bool woken)
{
    if (s->rearm_count == 0) {
        s->timer_backoff_ms = 0; /* the last re-arms were not refused */
        return;
    }
    uint32_t delay_ms = s->timer_backoff_ms == 0 ? SWIM_REARM_MIN_MS : s->timer_backoff_ms;
    s->timer_backoff_ms = delay_ms * 2 > SWIM_REARM_MAX_MS ? SWIM_REARM_MAX_MS : delay_ms * 2;
    uint64_t deadline_ns = ctx->now_ns + (woken ? 0 : ms_to_ns(delay_ms));
    if (woken) {
        HS_PROBE(ctx, SWIM_REARMED_ON_WAKE);
    }
    for (uint32_t i = 0; i < s->rearm_count; i++) {
        if (swim_timer_owner_live(s, s->rearm[i])) {
            ctx_timer_set(ctx, s->rearm[i], deadline_ns);
        }
    }
    s->rearm_count = 0;
    HS_ASSERT(s->timer_backoff_ms >= SWIM_REARM_MIN_MS && s->timer_backoff_ms <= SWIM_REARM_MAX_MS);
}

void swim_on_wake(swim *s, step_ctx *ctx)
{
    HS_ASSERT(s->rearm_count <= SWIM_REARM_MAX);
    rearm_parked(s, ctx, true);
    HS_ASSERT(s->rearm_count == 0);
}

void swim_on_send_failed(swim *s, step_ctx *ctx, const hs_input *in)
{
    /* UDP loss is normal: the probe times out and gossip retransmits; the
     * node has counted it and reported the event. */
    HS_UNUSED(s);
    HS_UNUSED(ctx);
    HS_ASSERT(in->kind == HS_IN_SEND_FAILED);
}

void swim_on_disk(swim *s, step_ctx *ctx, const hs_input *in)
{
    /* SWIM owns no files (its durable ceiling is the meta store's). */
    HS_UNUSED(s);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void swim_on_conn_closed(swim *s, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    /* SWIM runs on UDP only: no connection is ever its own. */
    HS_UNUSED(s);
    HS_UNUSED(ctx);
    HS_UNUSED(conn_id);
    HS_UNUSED(reason);
}

void swim_on_member(swim *s, step_ctx *ctx, const hs_member_change *change)
{
    /* SWIM made the change itself. */
    HS_UNUSED(s);
    HS_UNUSED(ctx);
    HS_ASSERT(change->change <= HS_MEMBER_REAPED);
}

bool swim_owner_live(const swim *s, uint32_t space, uint64_t id)
{
    /* SWIM issues no disk operations. */
    return space == HS_ID_TIMER && swim_timer_owner_live(s, id);
}

uint32_t swim_tables(const swim *s, hs_table_view *out, uint32_t cap)
{
    const hs_table_view rows[] = {
        {HS_TABLE_MEMBERS, HS_MOD_SWIM, s->member_count, s->cfg.members_cap, s->members_high},
        {HS_TABLE_GOSSIP, HS_MOD_SWIM, s->gossip_count, s->cfg.gossip_cap, s->gossip_high},
        {HS_TABLE_RELAYS, HS_MOD_SWIM, s->relay_count, s->cfg.relays_cap, s->relays_high},
        {HS_TABLE_PROBE_ORDER, HS_MOD_SWIM, s->order_count, s->cfg.members_cap,
         s->members_high},
        {HS_TABLE_MEMBER_CHANGES, HS_MOD_SWIM, s->change_count, SWIM_CHANGES_MAX,
         s->changes_high},
        {HS_TABLE_TIMER_RETRIES, HS_MOD_SWIM, s->rearm_count, SWIM_REARM_MAX, s->rearm_high},
    };
    uint32_t n = (uint32_t)HS_ARRAY_LEN(rows);
    HS_ASSERT(cap >= n);
    memcpy(out, rows, sizeof(rows));
    return n;
}

uint32_t swim_changes(const swim *s, const hs_member_change **out)
{
    HS_ASSERT(s->change_count <= SWIM_CHANGES_MAX);
    *out = s->changes;
    return s->change_count;
}

void swim_changes_clear(swim *s)
{
    s->change_count = 0;
}

static void check_members(const swim *s)
{
    uint32_t used = 0;
    uint32_t top = 0;
    uint32_t gone = 0;
    /* O(slot_end): slots past it are free by slot_end's definition, which
     * the count comparison below confirms. */
    HS_ASSERT_MSG(s->slot_end <= s->cfg.members_cap, "swim: slot_end within the cap");
    for (uint32_t i = 0; i < s->slot_end; i++) {
        if (!s->slot_used[i]) {
            continue;
        }
        const swim_member *m = &s->slots[i];
        used++;
        top = i + 1;
        gone += swim_state_gone(m->state) ? 1u : 0u;
        uint64_t slot = 0;
        HS_ASSERT_MSG(map_get(&s->by_name, m->name_key, &slot) && slot == i,
                      "swim: name index names the member's slot");
        HS_ASSERT_MSG(map_get(&s->by_uid, m->uid, &slot) && slot == i,
                      "swim: uid index names the member's slot");
        HS_ASSERT_MSG(m->gen == s->slot_gen[i] && m->gen != 0,
                      "swim: member generation is its slot's");
        HS_ASSERT_MSG(m->state != MEMBER_SUSPECT || m->suspect_deadline_ns != 0,
                      "swim: a suspect has a suspicion deadline");
    }
    HS_ASSERT_MSG(used == s->member_count, "swim: member_count equals the used slots");
    HS_ASSERT_MSG(gone == s->dead_count, "swim: dead_count equals the DEAD and LEFT members");
    HS_ASSERT_MSG(top == s->slot_end, "swim: slot_end is one past the highest used slot");
    HS_ASSERT_MSG(s->free_count + s->member_count == s->cfg.members_cap,
                  "swim: free slots plus members equal the cap");
    HS_ASSERT_MSG(map_count(&s->by_name) == used && map_count(&s->by_uid) == used,
                  "swim: map entries equal the used slots");
    HS_ASSERT_MSG(s->order_count <= s->member_count, "swim: probe order within members");
}

static void check_counts(const swim *s);

void swim_check(const swim *s)
{
    check_members(s);
    check_counts(s);
    uint32_t live = 0;
    for (uint32_t i = 0; i < s->cfg.relays_cap; i++) {
        live += s->relays[i].live ? 1u : 0u;
    }
    HS_ASSERT_MSG(live == s->relay_count, "swim: relay_count equals the live relays");
    uint32_t gossip_live = 0;
    for (uint32_t i = 0; i < s->gossip_end; i++) {
        const swim_gossip *g = &s->gossip[i];
        if (g->uid == SWIM_GOSSIP_HOLE) {
            continue;
        }
        gossip_live++;
        uint64_t slot = 0;
        bool named = g->uid == SWIM_SELF_UID || map_get(&s->by_uid, g->uid, &slot);
        HS_ASSERT_MSG(named, "swim: every gossip entry names a member or self");
        const swim_member *owner = g->uid == SWIM_SELF_UID ? &s->self : &s->slots[slot];
        HS_ASSERT_MSG(owner->gossip_pos == i + 1, "swim: a gossip entry's record points back");
    }
    HS_ASSERT_MSG(gossip_live == s->gossip_count, "swim: gossip_count equals the live entries");
}

/* One member record, as check_members checks every one. */
static void check_member_slot(const swim *s, uint32_t i)
{
    HS_ASSERT_MSG(i < s->cfg.members_cap, "swim: a changed slot is within the cap");
    if (!s->slot_used[i]) {
        return;
    }
    const swim_member *m = &s->slots[i];
    uint64_t slot = 0;
    HS_ASSERT_MSG(i < s->slot_end, "swim: a used slot lies below slot_end");
    HS_ASSERT_MSG(map_get(&s->by_name, m->name_key, &slot) && slot == i,
                  "swim: name index names the member's slot");
    HS_ASSERT_MSG(map_get(&s->by_uid, m->uid, &slot) && slot == i,
                  "swim: uid index names the member's slot");
    HS_ASSERT_MSG(m->gen == s->slot_gen[i] && m->gen != 0, "swim: member generation is its slot's");
    HS_ASSERT_MSG(m->state != MEMBER_SUSPECT || m->suspect_deadline_ns != 0,
                  "swim: a suspect has a suspicion deadline");
    bool entry_names_it = m->gossip_pos == 0 || (m->gossip_pos <= s->gossip_end &&
                                                 s->gossip[m->gossip_pos - 1].uid == m->uid);
    HS_ASSERT_MSG(entry_names_it, "swim: a member's gossip entry names it");
}

/* The counts swim_check recomputes, compared against each other in O(1). */
static void check_counts(const swim *s)
{
    HS_ASSERT_MSG(s->slot_end <= s->cfg.members_cap, "swim: slot_end within the cap");
    HS_ASSERT_MSG(s->member_count <= s->slot_end, "swim: members fit below slot_end");
    HS_ASSERT_MSG(s->free_count + s->member_count == s->cfg.members_cap,
                  "swim: free slots plus members equal the cap");
    HS_ASSERT_MSG(map_count(&s->by_name) == s->member_count &&
                      map_count(&s->by_uid) == s->member_count,
                  "swim: map entries equal the members");
    HS_ASSERT_MSG(s->order_count <= s->member_count, "swim: probe order within members");
    HS_ASSERT_MSG(s->relay_count <= s->cfg.relays_cap, "swim: relays within the cap");
    HS_ASSERT_MSG(s->gossip_count <= s->gossip_end && s->gossip_end <= s->cfg.gossip_cap,
                  "swim: gossip entries, holes included, within the cap");
    /* Every removal compacts past this many holes, so a select or expire
     * scan never walks more than about twice the live entries. */
    HS_ASSERT_MSG(s->gossip_end - s->gossip_count <= s->gossip_count + SWIM_GOSSIP_SLACK,
                  "swim: gossip holes at most the live entries plus the slack");
    /* A removal trims the holes at the end, so a scan stops at the last
     * live entry. */
    HS_ASSERT_MSG(s->gossip_end == 0 || s->gossip[s->gossip_end - 1].uid != SWIM_GOSSIP_HOLE,
                  "swim: no hole at the end of the gossip queue");
    HS_ASSERT_MSG(!s->probe_timeout_armed || s->probe_uid != 0,
                  "swim: an armed probe timeout has a probe in flight");
    /* A probe ends when its target goes (set_state, swim_table_remove), and
     * an ack ends its direct timeout. */
    const swim_member *target = s->probe_uid == 0 ? NULL : swim_table_find_uid(s, s->probe_uid);
    HS_ASSERT_MSG(s->probe_uid == 0 || (target != NULL && !swim_state_gone(target->state)),
                  "swim: a probe in flight targets a member not dead or left");
    HS_ASSERT_MSG(!s->probe_acked || !s->probe_timeout_armed,
                  "swim: an acked probe has no direct timeout armed");
    HS_ASSERT_MSG(s->change_count <= SWIM_CHANGES_MAX, "swim: change queue within its bound");
    HS_ASSERT_MSG(s->rearm_count <= SWIM_REARM_MAX, "swim: timer retries within their cap");
}

static void check_gossip_entry(const swim *s, uint32_t i)
{
    const swim_gossip *g = &s->gossip[i];
    if (g->uid == SWIM_GOSSIP_HOLE) {
        return;
    }
    uint64_t slot = 0;
    bool named = g->uid == SWIM_SELF_UID || map_get(&s->by_uid, g->uid, &slot);
    HS_ASSERT_MSG(named, "swim: every gossip entry names a member or self");
    const swim_member *owner = g->uid == SWIM_SELF_UID ? &s->self : &s->slots[slot];
    HS_ASSERT_MSG(owner->gossip_pos == i + 1, "swim: a gossip entry's record points back");
}

bool swim_check_step(const swim *s, swim_check_cursor *cur)
{
    HS_ASSERT(cur->view_version <= s->view_version);
    uint64_t behind = s->view_version - cur->view_version;
    if (behind > SWIM_VIEW_CHANGES_MAX) {
        return false;
    }
    check_counts(s);
    for (uint64_t v = cur->view_version; v < s->view_version; v++) {
        check_member_slot(s, s->changed_slot[v % SWIM_VIEW_CHANGES_MAX]);
    }
    /* A compaction moved every entry: walk them all (it cost as much). */
    uint32_t from = s->gossip_end < cur->gossip_end ? 0 : cur->gossip_end;
    for (uint32_t i = from; i < s->gossip_end; i++) {
        check_gossip_entry(s, i);
    }
    swim_check_mark(s, cur);
    HS_ASSERT(cur->view_version == s->view_version);
    return true;
}

void swim_check_mark(const swim *s, swim_check_cursor *cur)
{
    cur->view_version = s->view_version;
    cur->gossip_end = s->gossip_end;
}
