/* accused_first: Lifeguard's refutation fast path.  A PING a node sends
 * to a member it holds as SUSPECT or DEAD (its own probe, or one it
 * relays for a ping-req) carries its record of that member first, so the
 * accused hears the accusation in the exchange and can refute it at once
 * instead of waiting for gossip to reach it.  (ACK and PING_REQ lead the
 * same way, but they name no addressee, and a forged member may share an
 * address, so the check keeps to the message that names its member.)
 * Other gossip would rescue the outcome later, so only this check sees a
 * sender that stops leading with the accusation.  The check decodes the
 * datagram as it left the node, with core's own decoder, and compares it
 * with the sender's record, taken only when the record did not change in
 * the step (the views before it hold the same incarnation and state), so
 * the message was composed from that record.
 *
 * refute_cause, the other side of the exchange: a node's own incarnation
 * rises only to refute, by exactly one, in a step whose input accused it
 * at its current incarnation (a SUSPECT, DEAD or LEFT entry naming it, in
 * a probe's gossip or a join or sync list), or that resumed a refutation
 * waiting for its ceiling write.  See simcheck.h. */
#include "check.h"

#include <string.h>

#include "frame.h"
#include "msg_registry.h"
#include "swim_msg.h"
#include "swim_table.h"

static void read_once(simcheck *c, uint32_t i, const node *n);

/* A whole frame's header and payload, without the checksum: what is read
 * here is a frame core wrote, or one it will judge itself. */
static bool frame_of(const uint8_t *bytes, uint32_t len, uint32_t max, frame_header *h,
                     const uint8_t **payload)
{
    if (frame_parse_header(bytes, len, max, h) != HS_OK ||
        (uint64_t)FRAME_HEADER_LEN + h->length > len) {
        return false;
    }
    *payload = bytes + FRAME_HEADER_LEN;
    HS_ASSERT(h->length <= max);
    return true;
}

/* Decodes a datagram the node sent, when its type lies in lo..hi, into
 * body and entries (cap of them); false for any other frame. */
static bool decode_sent(const uint8_t *bytes, uint32_t len, uint16_t lo, uint16_t hi,
                        frame_header *h, void *body, msg_member *entries, uint32_t cap)
{
    const uint8_t *payload = NULL;
    if (!frame_of(bytes, len, FRAME_UDP_PAYLOAD_MAX, h, &payload) || h->type < lo ||
        h->type > hi) {
        return false;
    }
    msg_rx_store store = {entries, cap, NULL, 0};
    hs_status st = msg_decode(msg_registry_find(h->type), payload, h->length, body, &store);
    HS_ASSERT(st == HS_OK); /* the encoder refuses what the decoder would */
    return true;
}

static bool unchanged_in_step(const simcheck *c, uint32_t i, const swim *s,
                              const swim_member *m)
{
    uint32_t slot = (uint32_t)(m - s->slots);
    HS_ASSERT(slot < c->members_cap);
    const simcheck_view *v = &c->views[i][slot];
    return c->views_read[i] && v->epoch == c->epoch[i] && v->uid == m->uid &&
           v->inc == m->incarnation && v->state == m->state;
}

/* Whether entry e is the sender's record m. */
static bool is_record(const msg_member *e, const swim_member *m)
{
    return hs_name_eq(&e->name, &m->name) && e->incarnation == m->incarnation &&
           e->state == m->state;
}

/* ack_self_first: the ACK answering a PING whose sender held a stale copy
 * of us (no incarnation, or another one) leads with our own record, so
 * every prober learns our current incarnation within one probe walk. */
static void check_ack(simcheck *c, uint64_t now_ns, uint32_t i, const swim *s,
                      const frame_header *h, const msg_probe *p, const msg_member *entries,
                      hs_addr to)
{
    const simcheck_refute *r = &c->refute[i];
    if (h->type != MSG_ACK || !r->pinged || p->seq != r->ping_seq ||
        !hs_addr_eq(to, r->ping_from)) {
        return;
    }
    /* Stale against the incarnation we held at the step's start and the
     * one we hold now: the step may have refuted before it answered. */
    if (r->ping_has_inc &&
        (r->ping_target_inc == r->inc || r->ping_target_inc == s->self.incarnation)) {
        return;
    }
    simcheck_count(c, SIMCHECK_ACK_SELF_FIRST);
    /* The step may refute after it answered (the ping's own gossip is
     * applied after the ack): the record is ours at either incarnation. */
    if (p->gossip.count == 0 || !hs_name_eq(&entries[0].name, &s->self.name) ||
        entries[0].incarnation < r->inc || entries[0].incarnation > s->self.incarnation) {
        simcheck_report(c, SIMCHECK_ACK_SELF_FIRST, now_ns, (int32_t)i,
                        "ack (seq %llu) to a prober whose copy of us is stale does not lead "
                        "with our record at inc=%u (%u gossip entries; the first: %s)",
                        (unsigned long long)p->seq, r->inc, p->gossip.count,
                        p->gossip.count > 0 ? entries[0].name.bytes : "none");
    }
}

void check_gossip_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                       const hs_name *to_name, hs_addr to, const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(i < c->nodes && to_name != NULL);
    const swim *s = node_swim(n);
    /* Cheap filters first: the node at the address is held accused, or
     * the step answers a ping from a prober with a stale copy of us. */
    const swim_member *at = swim_find(s, to_name);
    bool accused_dest = at != NULL && at->state != MEMBER_ALIVE;
    bool ack = len >= FRAME_HEADER_LEN && ((bytes[2] << 8) | bytes[3]) == MSG_ACK;
    if (ack) {
        read_once(c, i, n);
    }
    if (!accused_dest && !(ack && c->refute[i].pinged)) {
        return;
    }
    frame_header h;
    msg_member entries[MSG_GOSSIP_MAX];
    msg_probe p;
    HS_STATIC_ASSERT(MSG_PING + 1 == MSG_ACK, "a ping or an ack");
    if (!decode_sent(bytes, len, MSG_PING, MSG_ACK, &h, &p, entries, MSG_GOSSIP_MAX)) {
        return;
    }
    HS_ASSERT(p.gossip.items == entries || p.gossip.count == 0);
    check_ack(c, now_ns, i, s, &h, &p, entries, to);
    /* The record the ping is about is the one it names: a forged member
     * may share the address (and a relayed ping goes where it was told). */
    const swim_member *m = h.type == MSG_PING ? swim_find(s, &p.target) : NULL;
    if (m == NULL || m->state == MEMBER_ALIVE || !unchanged_in_step(c, i, s, m)) {
        return;
    }
    simcheck_count(c, SIMCHECK_ACCUSED_FIRST);
    if (p.gossip.count == 0 || !is_record(&entries[0], m)) {
        simcheck_report(c, SIMCHECK_ACCUSED_FIRST, now_ns, (int32_t)i,
                        "ping to %s, held %s at inc=%u, does not lead with that record (%u "
                        "gossip entries; the first: %s)", m->name.bytes,
                        member_state_name(m->state), m->incarnation, p.gossip.count,
                        p.gossip.count > 0 ? entries[0].name.bytes : "none");
    }
}

/* ------------------------------------------------------------------ */
/* refute_cause                                                        */

/* Whether entry list l names the node (self) in a state other than
 * ALIVE at incarnation inc: an accusation it must refute. */
static bool accuses(const msg_member *items, uint32_t count, const hs_name *self, uint32_t inc)
{
    for (uint32_t k = 0; k < count; k++) {
        if (items[k].state != MEMBER_ALIVE && items[k].incarnation == inc &&
            hs_name_eq(&items[k].name, self)) {
            return true;
        }
    }
    return false;
}

/* What the input told about s, read from the message core decoded in the
 * step (node_step_msg: what core acted on, with core's own decoder):
 * whether it accuses s at its current incarnation, and whether it is a
 * PING to s whose sender holds a stale copy of s (its ack must lead with
 * our record, ack_self_first).  A frame core refused decodes to nothing. */
static void read_input(simcheck *c, uint32_t i, const node *n, const hs_input *in)
{
    simcheck_refute *r = &c->refute[i];
    const hs_name *self = &node_swim(n)->self.name;
    HS_ASSERT(in->kind == HS_IN_RECV);
    uint16_t type = 0;
    const void *body = node_step_msg(n, &type);
    if (body == NULL || type < MSG_PING || type > MSG_SYNC_ACK) {
        return;
    }
    const msg_probe *probe = body;
    const msg_sync *sync = body;
    const msg_member_list *l = type <= MSG_PING_REQ ? &probe->gossip : &sync->members;
    HS_ASSERT(l->count <= MSG_SYNC_MAX);
    /* The lists core merges: every probe's gossip, a JOIN or SYNC of our
     * major version, an answer that is not a refusal. */
    bool request = type == MSG_JOIN || type == MSG_SYNC;
    bool answer = type == MSG_JOIN_ACK || type == MSG_SYNC_ACK;
    bool applied = type <= MSG_PING_REQ || (request && sync->proto_major == MSG_PROTO_MAJOR) ||
                   (answer && sync->status == HS_OK);
    r->accused = applied && accuses(l->items, l->count, self, r->inc);
    if (type == MSG_ACK && in->u.recv.channel == HS_CH_UDP) {
        r->acked = true;
        r->ack_seq = probe->seq;
    }
    if (type == MSG_PING && in->u.recv.channel == HS_CH_UDP && hs_name_eq(&probe->target, self)) {
        r->pinged = true;
        r->ping_has_inc = probe->has_target_inc;
        r->ping_target_inc = probe->target_inc;
        r->ping_seq = probe->seq;
        r->ping_from = in->u.recv.from;
    }
}

/* The step's input is read only when a check needs it (an ACK sent, or
 * the incarnation rose): most steps need neither. */
static void read_once(simcheck *c, uint32_t i, const node *n)
{
    simcheck_refute *r = &c->refute[i];
    if (r->in != NULL) {
        const hs_input *in = r->in;
        r->in = NULL;
        read_input(c, i, n, in);
    }
    HS_ASSERT(r->in == NULL);
}

void check_gossip_input(simcheck *c, uint32_t i, const node *n, const hs_input *in)
{
    HS_ASSERT(i < c->nodes && in != NULL);
    const swim *s = node_swim(n);
    simcheck_refute *r = &c->refute[i];
    r->epoch = c->epoch[i];
    r->started = node_running(n) && s->started;
    r->inc = s->self.incarnation;
    r->pending = s->refute_pending;
    r->leaving = s->leaving;
    r->accused = false;
    r->pinged = false;
    r->acked = false;
    r->probe_open = r->started && s->probe_uid != 0 && !s->probe_acked;
    r->probe_seq = s->probe_seq;
    uint64_t at_global = 0, at_local = 0;
    r->timeout_armed = r->probe_open &&
                       c->timers.armed(c->timers.host, i,
                                       hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0,
                                                   (uint32_t)s->probe_seq & HS_ID_GEN_MASK),
                                       &at_global, &at_local);
    /* The input outlives the step (its payload is the host's until the
     * step returns). */
    r->in = r->started && in->kind == HS_IN_RECV ? in : NULL;
    const uint8_t *b = r->in != NULL ? in->u.recv.bytes : NULL;
    r->in_type = b != NULL && in->u.recv.len >= FRAME_HEADER_LEN ? (uint16_t)((b[2] << 8) | b[3])
                                                                 : 0;
}

/* Whether the probe's target is still one a probe waits for: its death
 * or removal (the input's own gossip may bring it) cancels the timeout. */
static bool target_probed(const swim *s)
{
    const swim_member *t = s->probe_uid != 0 ? swim_table_find_uid(s, s->probe_uid) : NULL;
    return t != NULL && (t->state == MEMBER_ALIVE || t->state == MEMBER_SUSPECT);
}

/* probe_acked: an ACK with the sequence number of the probe in flight
 * ends its direct phase in that step (its timeout is no longer armed at
 * the host); one with any other number leaves the timeout as it was. */
static void check_probe_acked(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    const swim *s = node_swim(n);
    simcheck_refute *r = &c->refute[i];
    if (!r->probe_open || r->in_type != MSG_ACK) {
        return;
    }
    read_once(c, i, n);
    uint32_t gen = (uint32_t)r->probe_seq & HS_ID_GEN_MASK;
    bool fired = c->timeout_fired_epoch[i] == c->epoch[i] && c->timeout_fired_seq[i] == gen;
    if (!r->acked || fired) {
        return; /* not an ACK core reads, or the direct phase already ended */
    }
    simcheck_count(c, SIMCHECK_PROBE_ACKED);
    uint64_t at_global = 0, at_local = 0;
    bool armed = c->timers.armed(c->timers.host, i,
                                 hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, gen), &at_global,
                                 &at_local);
    bool refusing = c->timers.refusing != NULL &&
                    c->timers.refusing(c->timers.host, i,
                                       hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, gen));
    if (r->ack_seq == r->probe_seq && armed) {
        simcheck_report(c, SIMCHECK_PROBE_ACKED, now_ns, (int32_t)i,
                        "the ack of probe seq %llu came and its timeout is still armed",
                        (unsigned long long)r->probe_seq);
    } else if (r->ack_seq != r->probe_seq && r->timeout_armed && !armed && !refusing &&
               s->probe_seq == r->probe_seq && target_probed(s)) {
        simcheck_report(c, SIMCHECK_PROBE_ACKED, now_ns, (int32_t)i,
                        "an ack for seq %llu ended the direct phase of probe seq %llu",
                        (unsigned long long)r->ack_seq, (unsigned long long)r->probe_seq);
    }
}

/* accusation_answered, the converse of refute_cause: an accusation at
 * our incarnation in a list core merged is refuted in that step (the
 * incarnation rises by one), or the refutation waits for its ceiling
 * write, unless the node is leaving or has no incarnation left.  Other
 * paths (the next sync, a later ping) would rescue the outcome, so only
 * this check sees a list whose self entries are never read. */
static void check_answered(simcheck *c, uint64_t now_ns, uint32_t i, const swim *s)
{
    const simcheck_refute *r = &c->refute[i];
    HS_ASSERT(r->started && r->in == NULL); /* the input was read */
    if (!r->accused || r->leaving || r->inc >= MSG_INCARNATION_MAX) {
        return;
    }
    simcheck_count(c, SIMCHECK_ACCUSATION_ANSWERED);
    if (s->self.incarnation != r->inc + 1 && !s->refute_pending) {
        simcheck_report(c, SIMCHECK_ACCUSATION_ANSWERED, now_ns, (int32_t)i,
                        "the step's input accused us at inc=%u and we neither refuted it "
                        "(inc now %u) nor wait for a ceiling to refute it", r->inc,
                        s->self.incarnation);
    }
}

void check_gossip_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    if (node_running(n)) {
        check_probe_acked(c, now_ns, i, n);
    }
    HS_ASSERT(i < c->nodes);
    simcheck_refute *r = &c->refute[i];
    const swim *s = node_swim(n);
    if (r->epoch != c->epoch[i] || !r->started || !node_running(n)) {
        return; /* a start sets the incarnation; a new process has no before */
    }
    simcheck_count(c, SIMCHECK_REFUTE_CAUSE);
    uint32_t inc = s->self.incarnation;
    HS_ASSERT(inc >= r->inc || !s->started);
    read_once(c, i, n);
    check_answered(c, now_ns, i, s);
    if (inc == r->inc) {
        return;
    }
    if (inc != r->inc + 1) {
        simcheck_report(c, SIMCHECK_REFUTE_CAUSE, now_ns, (int32_t)i,
                        "own incarnation went from %u to %u in one step (a refutation "
                        "takes the next one)", r->inc, inc);
    } else if (!r->accused && !r->pending) {
        simcheck_report(c, SIMCHECK_REFUTE_CAUSE, now_ns, (int32_t)i,
                        "own incarnation rose to %u with no accusation at %u in the step's "
                        "input and no refutation waiting for its ceiling", inc, r->inc);
    }
}

/* sync_lists: a push-pull list (JOIN, JOIN_ACK, SYNC, SYNC_ACK) names each
 * member once, itself first (a refused JOIN_ACK carries none): a list
 * that walks its table wrong repeats some members and leaves others out
 * of every list. */
void check_sync_list_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                          const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(i < c->nodes && n != NULL);
    uint16_t type = len >= FRAME_HEADER_LEN ? (uint16_t)((bytes[2] << 8) | bytes[3]) : 0;
    if (type < MSG_JOIN || type > MSG_SYNC_ACK) {
        return;
    }
    frame_header h;
    msg_member entries[MSG_SYNC_MAX];
    msg_sync m;
    if (!decode_sent(bytes, len, MSG_JOIN, MSG_SYNC_ACK, &h, &m, entries, MSG_SYNC_MAX)) {
        return;
    }
    simcheck_count(c, SIMCHECK_SYNC_LISTS);
    const swim *s = node_swim(n);
    if (h.type == MSG_JOIN_ACK && m.status != 0) {
        return; /* a refused join is answered with no list */
    }
    if (m.members.count == 0 || !hs_name_eq(&entries[0].name, &s->self.name)) {
        simcheck_report(c, SIMCHECK_SYNC_LISTS, now_ns, (int32_t)i,
                        "a push-pull list (type %u) that does not lead with the node itself "
                        "(%u entries; the first: %s)", h.type, m.members.count,
                        m.members.count > 0 ? entries[0].name.bytes : "none");
        return;
    }
    for (uint32_t a = 1; a < m.members.count; a++) {
        for (uint32_t b = 0; b < a; b++) {
            if (hs_name_eq(&entries[a].name, &entries[b].name)) {
                simcheck_report(c, SIMCHECK_SYNC_LISTS, now_ns, (int32_t)i,
                                "a push-pull list names %s twice (entries %u and %u of %u)",
                                entries[a].name.bytes, b, a, m.members.count);
                return;
            }
        }
    }
}
