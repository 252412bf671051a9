/* SWIM's safety invariants, after every step of a node, read through its
 * read-only view (node_swim):
 * - incarnation_monotonic: a node's own incarnation never decreases, and
 *   the first one after a restart is above the last one before the crash;
 * - member_view_monotonic: for each observer and member record (same uid),
 *   (incarnation, state rank) never goes backwards.
 * The liveness checks of the phase after the heal stay in simcheck.c. */
#include "check.h"

void check_swim_incarnation(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    if (!node_running(n)) {
        return;
    }
    simcheck_count(c, SIMCHECK_INCARNATION_MONOTONIC);
    uint32_t inc = node_swim(n)->self.incarnation;
    if (c->inc_seen[i]) {
        if (inc < c->inc_last[i]) {
            simcheck_report(c, SIMCHECK_INCARNATION_MONOTONIC, now_ns, (int32_t)i,
                            "self incarnation went from %u to %u", c->inc_last[i], inc);
        } else if (c->inc_restarted[i] && inc == c->inc_last[i]) {
            simcheck_report(c, SIMCHECK_INCARNATION_MONOTONIC, now_ns, (int32_t)i,
                            "restarted with incarnation %u, already used before the crash",
                            inc);
        }
    }
    c->inc_restarted[i] = false;
    c->inc_seen[i] = true;
    c->inc_last[i] = inc;
}

static void check_view_slot(simcheck *c, uint64_t now_ns, uint32_t i, const swim *s,
                            uint32_t slot)
{
    const swim_member *m = swim_member_slot(s, slot);
    if (m == NULL) {
        return; /* removed: a later record in the slot has another uid */
    }
    HS_ASSERT(slot < c->members_cap);
    simcheck_view *v = &c->views[i][slot];
    uint8_t rank = (uint8_t)swim_state_rank(m->state);
    if (v->epoch == c->epoch[i] && v->uid == m->uid &&
        (m->incarnation < v->inc || (m->incarnation == v->inc && rank < v->rank))) {
        simcheck_report(c, SIMCHECK_MEMBER_VIEW_MONOTONIC, now_ns, (int32_t)i,
                        "%s (uid %llu) went from inc=%u rank=%u to inc=%u %s", m->name.bytes,
                        (unsigned long long)m->uid, v->inc, v->rank, m->incarnation,
                        member_state_name(m->state));
    }
    v->epoch = c->epoch[i];
    v->uid = m->uid;
    v->inc = m->incarnation;
    v->rank = rank;
}

void check_swim_views(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    const swim *s = node_swim(n);
    simcheck_count(c, SIMCHECK_MEMBER_VIEW_MONOTONIC);
    /* Every change to a member record bumps view_version (core/swim.h), so
     * an unchanged version means nothing could have gone backwards. */
    bool same_epoch = c->views_read[i] && c->views_epoch[i] == c->epoch[i];
    if (same_epoch && c->views_version[i] == s->view_version) {
        return;
    }
    uint64_t from = c->views_version[i];
    c->views_read[i] = true;
    c->views_epoch[i] = c->epoch[i];
    c->views_version[i] = s->view_version;
    if (same_epoch && s->view_version - from <= SWIM_VIEW_CHANGES_MAX) {
        /* Only the slots that changed (swim.changed_slot): the others hold
         * what this checker saw last time.  O(changes), not O(members). */
        for (uint64_t v = from; v < s->view_version; v++) {
            check_view_slot(c, now_ns, i, s, s->changed_slot[v % SWIM_VIEW_CHANGES_MAX]);
        }
        return;
    }
    /* The name index is dense: O(members), not O(members_cap). */
    for (uint32_t k = 0; k < map_count(&s->by_name); k++) {
        check_view_slot(c, now_ns, i, s, (uint32_t)map_value_at(&s->by_name, k));
    }
}
