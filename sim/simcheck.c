/* Invariant checkers: the violation store, the per-step dispatch to the
 * checkers by concern (check_bounds.c, check_swim.c, check_ids.c), and the
 * membership liveness checks of the phase after the heal. */
#include "simcheck.h"

#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const check_names[] = {
#define SIMCHECK_NAME(id, name) name,
    SIMCHECK_LIST(SIMCHECK_NAME)
#undef SIMCHECK_NAME
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(check_names) == SIMCHECK_COUNT, "check names");

const char *simcheck_name(uint32_t id)
{
    return id < SIMCHECK_COUNT ? check_names[id] : "unknown";
}

hs_status simcheck_init(simcheck *c, uint32_t nodes, uint32_t members_cap)
{
    memset(c, 0, sizeof(*c));
    if (nodes == 0 || nodes > SIMOPT_NODES_MAX || members_cap == 0) {
        return HS_ERR_INVALID;
    }
    c->nodes = nodes;
    c->members_cap = members_cap;
    c->reported_words = (nodes + SIMOPT_FORGE_FAKES_MAX + 63) / 64;
    for (uint32_t i = 0; i < nodes; i++) {
        c->epoch[i] = 1; /* calloc'd views (epoch 0) start invalid */
    }
    for (uint32_t i = 0; i < nodes; i++) {
        c->views[i] = calloc(members_cap, sizeof(simcheck_view));
        c->origins[i] = calloc(members_cap, sizeof(simcheck_origin));
        if (c->views[i] == NULL || c->origins[i] == NULL) {
            simcheck_free(c);
            return HS_ERR_NOMEM;
        }
    }
    for (uint32_t id = 0; id < SIMCHECK_COUNT; id++) {
        c->reported[id] = calloc((size_t)nodes * c->reported_words, sizeof(uint64_t));
        if (c->reported[id] == NULL) {
            simcheck_free(c);
            return HS_ERR_NOMEM;
        }
    }
    return HS_OK;
}

void simcheck_free(simcheck *c)
{
    for (uint32_t i = 0; i < SIMOPT_NODES_MAX; i++) {
        free(c->views[i]);
        free(c->origins[i]);
    }
    for (uint32_t id = 0; id < SIMCHECK_COUNT; id++) {
        free(c->reported[id]);
    }
    memset(c, 0, sizeof(*c));
}

static simcheck_violation *report_v(simcheck *c, uint32_t id, uint64_t now_ns,
                                    int32_t node_index, const char *fmt, va_list ap)
{
    c->total++;
    if (c->stored_count == SIMCHECK_STORED_MAX) {
        return NULL;
    }
    simcheck_violation *v = &c->stored[c->stored_count++];
    memset(v, 0, sizeof(*v));
    v->invariant = id;
    v->time_ns = now_ns;
    v->node = node_index;
    v->member_slot = -1;
    /* By default the step being checked is the origin: a duty broken by a
     * step was broken by its input. */
    if (node_index >= 0 && (uint32_t)node_index < c->nodes) {
        v->origin = c->origin_now[node_index];
    }
    vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    return v;
}

const simcheck_violation *simcheck_report(simcheck *c, uint32_t id, uint64_t now_ns,
                                          int32_t node_index, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    simcheck_violation *v = report_v(c, id, now_ns, node_index, fmt, ap);
    va_end(ap);
    return v;
}

const simcheck_violation *simcheck_report_member(simcheck *c, uint32_t id, uint64_t now_ns,
                                                 int32_t node_index, uint32_t slot,
                                                 const char *fmt, ...)
{
    HS_ASSERT(node_index >= 0 && (uint32_t)node_index < c->nodes);
    HS_ASSERT(slot < c->members_cap);
    va_list ap;
    va_start(ap, fmt);
    simcheck_violation *v = report_v(c, id, now_ns, node_index, fmt, ap);
    va_end(ap);
    if (v != NULL) {
        v->member_slot = (int32_t)slot;
        v->origin = c->origins[node_index][slot];
    }
    return v;
}

void simcheck_input(simcheck *c, uint32_t i, uint64_t now_ns, uint64_t event, const hs_input *in,
                    uint32_t timer_module)
{
    HS_ASSERT(i < c->nodes && in != NULL);
    check_story_reset(c);
    simcheck_origin *o = &c->origin_now[i];
    memset(o, 0, sizeof(*o));
    o->at_ns = now_ns;
    o->event = event;
    o->kind = (uint8_t)in->kind;
    if (in->kind == HS_IN_RECV) {
        o->from = in->u.recv.from;
        o->channel = (uint8_t)in->u.recv.channel;
        const uint8_t *b = in->u.recv.bytes;
        o->type = in->u.recv.len >= 4 ? (uint16_t)((b[2] << 8) | b[3]) : 0;
    } else if (in->kind == HS_IN_TIMER) {
        o->type = hs_timer_kind(in->u.timer.timer_id);
        o->module = (uint8_t)timer_module;
    } else if (in->kind == HS_IN_COMMAND) {
        o->type = (uint16_t)in->u.command.command;
    }
    c->step_refused = in->kind == HS_IN_TIMER_REFUSED;
    c->step_abandoned = false;
    c->step_squeezed = false;
    c->step_disk_failed_ns = 0;
    c->step_refused_id = c->step_refused ? in->u.timer_refused.timer_id : 0;
    HS_ASSERT(o->event == event);
}

void simcheck_count(simcheck *c, uint32_t id)
{
    HS_ASSERT(id < SIMCHECK_COUNT);
    c->checks[id]++;
}

void simcheck_node_down(simcheck *c, uint32_t i)
{
    HS_ASSERT(i < c->nodes);
    c->epoch[i]++; /* forgets every view in O(1) */
    c->inc_restarted[i] = c->inc_seen[i];
}

void simcheck_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n, uint64_t timer_id)
{
    HS_ASSERT(i < c->nodes);
    check_ids_timer(c, now_ns, i, n, timer_id);
    check_mech_timer(c, i, n, timer_id, true);
}

void simcheck_set_timers(simcheck *c, const simcheck_timers *t)
{
    HS_ASSERT(t->armed != NULL && t->local_now != NULL);
    c->timers = *t;
}

void simcheck_timer_output(simcheck *c, uint32_t i, const node *n, uint64_t timer_id)
{
    HS_ASSERT(i < c->nodes);
    check_mech_timer(c, i, n, timer_id, false);
}

void simcheck_timer_refused(simcheck *c, uint32_t i)
{
    HS_ASSERT(i < c->nodes);
    c->refused_epoch[i] = c->epoch[i];
}

void simcheck_squeezed(simcheck *c, uint32_t i)
{
    simcheck_timer_refused(c, i);
    c->step_squeezed = true;
    HS_ASSERT(c->refused_epoch[i] == c->epoch[i]);
}

void simcheck_wake(simcheck *c, uint32_t i, uint64_t at_ns)
{
    HS_ASSERT(i < c->nodes);
    c->wake_at_ns[i] = at_ns;
    HS_ASSERT(c->wake_at_ns[i] == at_ns);
}

void simcheck_late_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                         uint64_t timer_id)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    simcheck_count(c, SIMCHECK_TIMER_OWNER_LIVE);
    if (node_timer_owner_live(n, timer_id)) {
        simcheck_report(c, SIMCHECK_TIMER_OWNER_LIVE, now_ns, (int32_t)i,
                        "timer kind=%u slot=%u gen=%u was cancelled but its owner is still live",
                        hs_timer_kind(timer_id), hs_id_slot(timer_id), hs_id_gen(timer_id));
    }
    c->step_late = true;
}

void simcheck_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < c->nodes);
    check_ids_event(c, now_ns, i, ev);
    check_story_event(c, i, ev);
    check_meta_event(c, now_ns, i, ev);
    check_replies_event(c, now_ns, i, ev);
    check_bounds_event(c, now_ns, i, ev);
    if (ev->code == HS_EV_TIMER_ABANDONED && c->abandoned_count < HS_ARRAY_LEN(c->abandoned)) {
        c->abandoned[c->abandoned_count++] = ev->a;
    }
    if (ev->code == HS_EV_TIMER_ABANDONED && c->step_refused && ev->a == c->step_refused_id) {
        c->step_abandoned = true;
    }
}

void simcheck_before_step(simcheck *c, uint32_t i, const node *n, const hs_input *in)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    const swim *s = node_swim(n);
    c->parked_before = s->rearm_count;
    c->started_before = s->started;
    c->probe_before = s->probe_uid;
    c->abandoned_count = 0;
    c->backoff_before_ms = s->timer_backoff_ms;
    c->swim_timer_live = in->kind == HS_IN_TIMER &&
                         node_timer_module(n, in->u.timer.timer_id) == HS_MOD_SWIM &&
                         node_timer_owner_live(n, in->u.timer.timer_id);
    check_gossip_input(c, i, n, in);
    check_replies_input(c, i, n, in);
}

void simcheck_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                   const hs_name *to_name, hs_addr to, const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(i < c->nodes && bytes != NULL);
    check_gossip_send(c, now_ns, i, n, to_name, to, bytes, len);
    check_rounds_send(c, now_ns, i, n, to, bytes, len);
    check_sync_list_send(c, now_ns, i, n, bytes, len);
}

void simcheck_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                         bool outbox_overflowed, uint32_t outbox_high_water, uint32_t outbox_cap)
{
    HS_ASSERT(i < c->nodes);
    check_swim_incarnation(c, now_ns, i, n);
    check_swim_ceiling(c, now_ns, i, n);
    check_swim_views(c, now_ns, i, n);
    check_bounds_tables(c, now_ns, i, n);
    check_bounds_outbox(c, now_ns, i, outbox_overflowed, outbox_high_water, outbox_cap);
    check_mech_swim(c, now_ns, i, n);
    check_meta_after_step(c, now_ns, i, n);
    check_rounds_after_step(c, now_ns, i, n);
    check_story_after_step(c, now_ns, i, n);
    check_gossip_after_step(c, now_ns, i, n);
    check_replies_after_step(c, now_ns, i, n);
    c->step_late = false;
}

/* ------------------------------------------------------------------ */
/* Liveness                                                            */

static bool expected_up(const simcheck_cluster *cl, uint32_t i)
{
    return !simset_has(&cl->perm_down, i);
}

/* Whether observer i must know node j at convergence. */
static bool owed(const simcheck_cluster *cl, uint32_t i, uint32_t j)
{
    HS_ASSERT(i < cl->count && j < cl->count);
    return j != i && expected_up(cl, j) && cl->component[i] == cl->component[j];
}

static bool running(const simcheck_cluster *cl, uint32_t i)
{
    return cl->nodes[i] != NULL && node_running(cl->nodes[i]);
}

/* Why node i's view of node j is not converged; NULL when it is. */
static const char *pair_problem(const simcheck_cluster *cl, uint32_t i, uint32_t j,
                                const swim_member **out)
{
    const swim *si = node_swim(cl->nodes[i]);
    const swim *sj = node_swim(cl->nodes[j]);
    const swim_member *m = swim_find(si, &sj->self.name);
    *out = m;
    if (m == NULL) {
        return "does not know";
    }
    if (m->state != MEMBER_ALIVE) {
        return "does not see alive";
    }
    if (m->incarnation != sj->self.incarnation) {
        return "sees a stale incarnation of";
    }
    return NULL;
}

bool simcheck_row_converged(const simcheck_cluster *cl, uint32_t i)
{
    if (!expected_up(cl, i)) {
        return true;
    }
    if (!running(cl, i)) {
        return false;
    }
    for (uint32_t j = 0; j < cl->count; j++) {
        if (!owed(cl, i, j)) {
            continue;
        }
        const swim_member *m = NULL;
        if (!running(cl, j) || pair_problem(cl, i, j, &m) != NULL) {
            return false;
        }
    }
    return true;
}

bool simcheck_converged(const simcheck_cluster *cl)
{
    for (uint32_t i = 0; i < cl->count; i++) {
        if (!simcheck_row_converged(cl, i)) {
            return false;
        }
    }
    return true;
}

/* Whether a row result computed under *k still holds for observer i. */
static bool key_fresh(const simcheck *c, const simcheck_cluster *cl, uint32_t i,
                      const simcheck_key *k)
{
    if (!k->valid || k->epoch != c->epoch[i] || k->cluster_version != cl->version) {
        return false;
    }
    return cl->nodes[i] == NULL || k->view_version == node_swim(cl->nodes[i])->view_version;
}

static void key_take(const simcheck *c, const simcheck_cluster *cl, uint32_t i, simcheck_key *k)
{
    k->valid = true;
    k->epoch = c->epoch[i];
    k->cluster_version = cl->version;
    k->view_version = cl->nodes[i] == NULL ? 0 : node_swim(cl->nodes[i])->view_version;
}

static void track_row(simcheck *c, const simcheck_cluster *cl, uint32_t i)
{
    if (key_fresh(c, cl, i, &c->conv_key[i])) {
        return;
    }
    c->rows_valid += c->conv_key[i].valid ? 0u : 1u;
    bool counted_bad = c->conv_key[i].valid && !c->row_ok[i];
    c->row_ok[i] = simcheck_row_converged(cl, i);
    key_take(c, cl, i, &c->conv_key[i]);
    if (!c->row_ok[i] && !counted_bad) {
        c->rows_bad++;
    } else if (c->row_ok[i] && counted_bad) {
        c->rows_bad--;
    }
}

bool simcheck_track_converged(simcheck *c, const simcheck_cluster *cl, uint32_t stepped, bool all)
{
    HS_ASSERT(stepped < cl->count);
    if (all) {
        for (uint32_t i = 0; i < cl->count; i++) {
            track_row(c, cl, i);
        }
    } else {
        track_row(c, cl, stepped);
    }
    HS_ASSERT(c->rows_bad <= c->rows_valid && c->rows_valid <= cl->count);
    /* Rows never computed count as not converged. */
    return c->rows_bad == 0 && c->rows_valid == cl->count;
}

/* The slot of observer i's record m. */
static uint32_t slot_of(const simcheck_cluster *cl, uint32_t i, const swim_member *m)
{
    const swim *si = node_swim(cl->nodes[i]);
    HS_ASSERT(m >= si->slots && m < si->slots + si->cfg.members_cap);
    return (uint32_t)(m - si->slots);
}

static bool first_report(simcheck *c, uint32_t id, uint32_t i, uint32_t j)
{
    HS_ASSERT(i < c->nodes && j < c->reported_words * 64);
    uint64_t *word = &c->reported[id][(size_t)i * c->reported_words + j / 64];
    uint64_t bit = UINT64_C(1) << (j % 64);
    if ((*word & bit) != 0) {
        return false;
    }
    *word |= bit;
    return true;
}

void simcheck_converged_at_deadline(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl)
{
    c->live_armed = true;
    simcheck_count(c, SIMCHECK_MEMBERSHIP_CONVERGED);
    for (uint32_t i = 0; i < cl->count; i++) {
        if (!expected_up(cl, i)) {
            continue;
        }
        if (!running(cl, i)) {
            if (first_report(c, SIMCHECK_MEMBERSHIP_CONVERGED, i, i)) {
                simcheck_report(c, SIMCHECK_MEMBERSHIP_CONVERGED, now_ns, (int32_t)i,
                                "n%u is not running", i + 1);
            }
            continue;
        }
        for (uint32_t j = 0; j < cl->count; j++) {
            if (!owed(cl, i, j) || !running(cl, j)) {
                continue;
            }
            const swim_member *m = NULL;
            const char *why = pair_problem(cl, i, j, &m);
            if (why == NULL || !first_report(c, SIMCHECK_MEMBERSHIP_CONVERGED, i, j)) {
                continue;
            }
            uint32_t inc_j = node_swim(cl->nodes[j])->self.incarnation;
            if (m == NULL) {
                simcheck_report(c, SIMCHECK_MEMBERSHIP_CONVERGED, now_ns, (int32_t)i,
                                "n%u %s n%u (self inc=%u)", i + 1, why, j + 1, inc_j);
            } else {
                simcheck_report_member(c, SIMCHECK_MEMBERSHIP_CONVERGED, now_ns, (int32_t)i,
                                       slot_of(cl, i, m),
                                "n%u %s n%u: %s inc=%u (self inc=%u)", i + 1, why, j + 1,
                                member_state_name(m->state), m->incarnation, inc_j);
            }
        }
    }
}

static void check_dead_row(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl, uint32_t i)
{
    if (!running(cl, i)) {
        return;
    }
    simcheck_count(c, SIMCHECK_CRASHED_NODE_DECLARED_DEAD);
    /* The row reads i's view and the cluster only: unmoved, it holds. */
    if (key_fresh(c, cl, i, &c->dead_key[i])) {
        return;
    }
    key_take(c, cl, i, &c->dead_key[i]);
    const swim *si = node_swim(cl->nodes[i]);
    for (uint32_t j = 0; j < cl->count; j++) {
        if (expected_up(cl, j) || j == i) {
            continue;
        }
        const swim_member *m = swim_find(si, &cl->names[j]);
        if (m == NULL || m->state == MEMBER_DEAD || m->state == MEMBER_LEFT) {
            continue;
        }
        if (first_report(c, SIMCHECK_CRASHED_NODE_DECLARED_DEAD, i, j)) {
            simcheck_report_member(c, SIMCHECK_CRASHED_NODE_DECLARED_DEAD, now_ns, (int32_t)i,
                                   slot_of(cl, i, m),
                            "n%u still sees permanently-down n%u %s inc=%u", i + 1, j + 1,
                            member_state_name(m->state), m->incarnation);
        }
    }
    /* A fake member never answered anyone: it must go the same way. */
    for (uint32_t k = 0; k < cl->fake_count; k++) {
        const swim_member *m = swim_find(si, &cl->fakes[k]);
        if (m == NULL || m->state == MEMBER_DEAD || m->state == MEMBER_LEFT) {
            continue;
        }
        if (first_report(c, SIMCHECK_CRASHED_NODE_DECLARED_DEAD, i, c->nodes + k)) {
            simcheck_report_member(c, SIMCHECK_CRASHED_NODE_DECLARED_DEAD, now_ns, (int32_t)i,
                                   slot_of(cl, i, m),
                            "n%u still sees fake member %s %s inc=%u", i + 1,
                            cl->fakes[k].bytes, member_state_name(m->state), m->incarnation);
        }
    }
}

void simcheck_dead_at_deadline(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl)
{
    c->dead_armed = true;
    for (uint32_t i = 0; i < cl->count; i++) {
        check_dead_row(c, now_ns, cl, i);
    }
}

static void check_live_row(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl, uint32_t i)
{
    if (!running(cl, i)) {
        return;
    }
    simcheck_count(c, SIMCHECK_LIVE_NODE_NOT_DEAD);
    if (key_fresh(c, cl, i, &c->live_key[i])) {
        return;
    }
    key_take(c, cl, i, &c->live_key[i]);
    const swim *si = node_swim(cl->nodes[i]);
    for (uint32_t j = 0; j < cl->count; j++) {
        if (j == i || !running(cl, j)) {
            continue;
        }
        const swim *sj = node_swim(cl->nodes[j]);
        const swim_member *m = swim_find(si, &sj->self.name);
        if (m == NULL || m->state != MEMBER_DEAD) {
            continue;
        }
        if (first_report(c, SIMCHECK_LIVE_NODE_NOT_DEAD, i, j)) {
            simcheck_report_member(c, SIMCHECK_LIVE_NODE_NOT_DEAD, now_ns, (int32_t)i,
                                   slot_of(cl, i, m),
                            "n%u sees running n%u dead at inc=%u (self inc=%u)", i + 1, j + 1,
                            m->incarnation, sj->self.incarnation);
        }
    }
}

void simcheck_liveness_after_step(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl,
                                  uint32_t i)
{
    if (c->dead_armed) {
        check_dead_row(c, now_ns, cl, i);
    }
    if (c->live_armed) {
        check_live_row(c, now_ns, cl, i);
    }
}
