/* round_sends: each periodic round of a started node that is not leaving
 * did its one job in the step its timer fired, read off the counters that
 * count what the node sent (so a skipped send, a wrong condition or a walk
 * that stops early is seen even when another round would later rescue the
 * outcome):
 * - probe round: with a member it may probe (ALIVE or SUSPECT), one ping
 *   (probes_sent + 1), else none;
 * - sync round: with an ALIVE or SUSPECT member, or else a seed, one sync
 *   (syncs_sent + 1), else none;
 * - reconnect round: with a DEAD or LEFT member, or a seed whose address no
 *   record holds, one sync, else none;
 * - the operator's leave: one sync to each of min(indirect_checks, ALIVE
 *   members) members, telling them directly;
 * and each round's sync goes where the round says: the sync round's to an
 * ALIVE or SUSPECT member or a seed, the reconnect round's to a DEAD or
 * LEFT member or a seed no record holds (check_rounds_send). */
#include "check.h"

/* Whether a seed's address is in no record of s (the reconnect walk's
 * "unknown seed"). */
static bool any_seed_unknown(const swim *s)
{
    for (uint32_t k = 0; k < s->seed_count; k++) {
        bool known = false;
        for (uint32_t slot = 0; slot < swim_slot_end(s) && !known; slot++) {
            const swim_member *m = swim_member_slot(s, slot);
            known = m != NULL && hs_addr_eq(m->addr, s->seeds[k]);
        }
        if (!known) {
            return true;
        }
    }
    return false;
}

static void expect(simcheck *c, uint64_t now_ns, uint32_t i, const char *round,
                   const char *counter, uint64_t moved, bool due)
{
    simcheck_count(c, SIMCHECK_ROUND_SENDS);
    if (moved != (due ? 1u : 0u)) {
        simcheck_report(c, SIMCHECK_ROUND_SENDS, now_ns, (int32_t)i,
                        "%s round: %s moved by %llu, its duty was %u", round, counter,
                        (unsigned long long)moved, due ? 1u : 0u);
    }
}

static uint32_t alive_members(const swim *s)
{
    uint32_t alive = 0;
    for (uint32_t slot = 0; slot < swim_slot_end(s); slot++) {
        const swim_member *m = swim_member_slot(s, slot);
        alive += m != NULL && m->state == MEMBER_ALIVE ? 1u : 0u;
    }
    return alive;
}

/* The leave step: its direct syncs (swim_leave). */
static void check_leave(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    const swim *s = node_swim(n);
    const simcheck_counts *was = &c->counts[i];
    if (!s->leaving || was->epoch != c->epoch[i] || !s->started) {
        return;
    }
    uint32_t alive = alive_members(s);
    uint32_t k = s->cfg.indirect_checks < alive ? s->cfg.indirect_checks : alive;
    uint64_t moved = node_get_counters(n)->syncs_sent - was->syncs_sent;
    simcheck_count(c, SIMCHECK_ROUND_SENDS);
    if (moved != k) {
        simcheck_report(c, SIMCHECK_ROUND_SENDS, now_ns, (int32_t)i,
                        "leave: syncs_sent moved by %llu, it tells min(indirect_checks, ALIVE "
                        "members) = %u directly", (unsigned long long)moved, k);
    }
}

void check_rounds_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    const simcheck_origin *o = &c->origin_now[i];
    const simcheck_counts *was = &c->counts[i];
    const swim *s = node_swim(n);
    if (o->kind == HS_IN_COMMAND && o->type == HS_CMD_LEAVE && !c->was_leaving[i]) {
        check_leave(c, now_ns, i, n);
    }
    c->was_leaving[i] = s->leaving;
    if (!c->swim_timer_live || was->epoch != c->epoch[i] || !s->started || s->leaving) {
        return;
    }
    const node_counters *k = node_get_counters(n);
    HS_ASSERT(s->dead_count <= s->member_count);
    bool live_member = s->member_count > s->dead_count;
    switch (o->type) {
    case SWIM_TIMER_PROBE:
        expect(c, now_ns, i, "probe", "probes_sent", k->probes_sent - was->probes_sent,
               live_member);
        break;
    case SWIM_TIMER_SYNC:
        expect(c, now_ns, i, "sync", "syncs_sent", k->syncs_sent - was->syncs_sent,
               live_member || s->seed_count > 0);
        break;
    case SWIM_TIMER_RECONNECT:
        expect(c, now_ns, i, "reconnect", "syncs_sent", k->syncs_sent - was->syncs_sent,
               s->dead_count > 0 || any_seed_unknown(s));
        break;
    default:
        break;
    }
}

/* Whether a record of s in one of the two states (or, with seeds, a seed
 * no record holds) has the address to. */
static bool sync_target_ok(const swim *s, hs_addr to, uint8_t a, uint8_t b, bool unknown_seed)
{
    bool held = false;
    for (uint32_t slot = 0; slot < swim_slot_end(s); slot++) {
        const swim_member *m = swim_member_slot(s, slot);
        if (m != NULL && hs_addr_eq(m->addr, to)) {
            held = true;
            if (m->state == a || m->state == b) {
                return true;
            }
        }
    }
    for (uint32_t k = 0; k < s->seed_count; k++) {
        if (hs_addr_eq(s->seeds[k], to) && (!unknown_seed || !held)) {
            return true;
        }
    }
    return false;
}

void check_rounds_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n, hs_addr to,
                       const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    const simcheck_origin *o = &c->origin_now[i];
    if (!c->swim_timer_live || len < 4 ||
        (uint16_t)((bytes[2] << 8) | bytes[3]) != MSG_SYNC) {
        return;
    }
    const swim *s = node_swim(n);
    bool ok = true;
    if (o->type == SWIM_TIMER_SYNC) {
        ok = sync_target_ok(s, to, MEMBER_ALIVE, MEMBER_SUSPECT, false);
    } else if (o->type == SWIM_TIMER_RECONNECT) {
        ok = sync_target_ok(s, to, MEMBER_DEAD, MEMBER_LEFT, true);
    } else {
        return;
    }
    simcheck_count(c, SIMCHECK_ROUND_SENDS);
    if (!ok) {
        simcheck_report(c, SIMCHECK_ROUND_SENDS, now_ns, (int32_t)i,
                        "the %s round's sync went to %u.%u.%u.%u:%u, which is none of its "
                        "targets", o->type == SWIM_TIMER_SYNC ? "sync" : "reconnect",
                        to.ip >> 24, (to.ip >> 16) & 0xffu, (to.ip >> 8) & 0xffu, to.ip & 0xffu,
                        to.port);
    }
}
