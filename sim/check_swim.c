/* SWIM's safety invariants, after every step of a node, read through its
 * read-only view (node_swim):
 * - incarnation_monotonic: a node's own incarnation never decreases, and
 *   the first one after a restart is above the last one before the crash;
 * - incarnation_ceiling: the incarnation stays within the durable ceiling,
 *   which stays half a window ahead (asked for, at least), and a deferred
 *   refutation has its ceiling write asked for;
 * - member_view_monotonic: for each observer and member record (same uid),
 *   (incarnation, state rank) never goes backwards.
 * The liveness checks of the phase after the heal stay in simcheck.c. */
#include "check.h"
#include "meta.h"
#include "msg.h"

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

/* seen: this process was read at the end of its previous step, so a slot
 * whose view is not of this epoch was empty then. */
void check_swim_ceiling(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    const swim *s = node_swim(n);
    if (!node_running(n) || !s->started) {
        return;
    }
    simcheck_count(c, SIMCHECK_INCARNATION_CEILING);
    const meta_store *meta = node_meta(n);
    uint32_t inc = s->self.incarnation;
    uint32_t durable = meta->durable.inc_ceiling;
    uint32_t asked = s->inc_wanted > s->inc_ceiling ? s->inc_wanted : s->inc_ceiling;
    asked = meta->wanted > asked ? meta->wanted : asked;
    uint64_t ahead = (uint64_t)inc + SWIM_INC_WINDOW / 2;
    ahead = ahead < MSG_INCARNATION_MAX ? ahead : MSG_INCARNATION_MAX;
    if (inc > durable || inc > s->inc_ceiling) {
        simcheck_report(c, SIMCHECK_INCARNATION_CEILING, now_ns, (int32_t)i,
                        "incarnation %u above the ceiling (durable %u, swim's %u)", inc, durable,
                        s->inc_ceiling);
    } else if (asked < ahead) {
        simcheck_report(c, SIMCHECK_INCARNATION_CEILING, now_ns, (int32_t)i,
                        "incarnation %u: the ceiling durable or asked for, %u, is not half a "
                        "window (%u) ahead", inc, asked, SWIM_INC_WINDOW / 2);
    } else if (s->refute_pending && asked <= s->inc_ceiling) {
        simcheck_report(c, SIMCHECK_INCARNATION_CEILING, now_ns, (int32_t)i,
                        "a refutation waits at incarnation %u with no ceiling write asked for "
                        "(ceiling %u)", inc, s->inc_ceiling);
    }
}

static void check_view_slot(simcheck *c, uint64_t now_ns, uint32_t i, const swim *s,
                            uint32_t slot, bool seen)
{
    const swim_member *m = swim_member_slot(s, slot);
    HS_ASSERT(slot < c->members_cap);
    simcheck_view *v = &c->views[i][slot];
    if (m == NULL) {
        /* Removed: the view goes (a later record in the slot is new). */
        if (v->epoch == c->epoch[i]) {
            v->epoch = 0;
            c->views_live[i]--;
        }
        return;
    }
    uint32_t rank = swim_state_rank(m->state);
    uint32_t was_rank = swim_state_rank(v->state);
    if (v->epoch == c->epoch[i] && v->uid == m->uid &&
        (m->incarnation < v->inc || (m->incarnation == v->inc && rank < was_rank))) {
        simcheck_report(c, SIMCHECK_MEMBER_VIEW_MONOTONIC, now_ns, (int32_t)i,
                        "%s (uid %llu) went from inc=%u %s to inc=%u %s", m->name.bytes,
                        (unsigned long long)m->uid, v->inc, member_state_name(v->state),
                        m->incarnation, member_state_name(m->state));
    }
    bool valid = v->epoch == c->epoch[i];
    bool added = !valid || v->uid != m->uid;
    c->views_live[i] += valid ? 0u : 1u;
    if (added || v->inc != m->incarnation || v->state != m->state) {
        c->origins[i][slot] = c->origin_now[i]; /* this step's input made the record */
        if (seen) {
            check_story_record(c, now_ns, i, slot, m, added);
        }
    }
    v->epoch = c->epoch[i];
    v->uid = m->uid;
    v->inc = m->incarnation;
    v->state = m->state;
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
    if (!same_epoch) {
        c->views_live[i] = 0; /* the epoch's bump forgot every view */
    }
    if (same_epoch && s->view_version - from <= SWIM_VIEW_CHANGES_MAX) {
        /* Only the slots that changed (swim.changed_slot): the others hold
         * what this checker saw last time.  O(changes), not O(members). */
        for (uint64_t v = from; v < s->view_version; v++) {
            check_view_slot(c, now_ns, i, s, s->changed_slot[v % SWIM_VIEW_CHANGES_MAX], true);
        }
    } else {
        /* The name index is dense: O(members), not O(members_cap); the
         * views of slots emptied since are dropped (rare: a new process or
         * more changes than the log keeps). */
        for (uint32_t k = 0; k < map_count(&s->by_name); k++) {
            check_view_slot(c, now_ns, i, s, (uint32_t)map_value_at(&s->by_name, k), same_epoch);
        }
        for (uint32_t slot = 0; same_epoch && slot < c->members_cap; slot++) {
            if (swim_member_slot(s, slot) == NULL) {
                check_view_slot(c, now_ns, i, s, slot, false);
            }
        }
    }
    /* Every record added or removed was logged (swim_table_view_changed),
     * or the views and the table disagree on how many there are. */
    if (c->views_live[i] != s->member_count) {
        simcheck_report(c, SIMCHECK_MEMBER_VIEW_MONOTONIC, now_ns, (int32_t)i,
                        "the view-change log told of %u records, the table holds %u",
                        c->views_live[i], s->member_count);
        c->views_live[i] = s->member_count;
    }
}
