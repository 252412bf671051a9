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
 * the message was composed from that record.  See simcheck.h. */
#include "check.h"

#include "frame.h"
#include "msg_registry.h"
#include "swim_msg.h"

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

void check_gossip_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                       const hs_name *to_name, const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(i < c->nodes && to_name != NULL);
    const swim *s = node_swim(n);
    /* A cheap filter first: the node at the address is held accused. */
    const swim_member *at = swim_find(s, to_name);
    if (at == NULL || at->state == MEMBER_ALIVE) {
        return;
    }
    frame_header h;
    const uint8_t *payload = NULL;
    if (frame_decode(bytes, len, FRAME_UDP_PAYLOAD_MAX, &h, &payload) != HS_OK ||
        h.type != MSG_PING) {
        return;
    }
    msg_member entries[MSG_GOSSIP_MAX];
    msg_rx_store store = {entries, MSG_GOSSIP_MAX, NULL, 0};
    msg_probe p;
    hs_status st = msg_decode(msg_registry_find(h.type), payload, h.length, &p, &store);
    HS_ASSERT(st == HS_OK); /* the encoder refuses what the decoder would */
    /* The record the ping is about is the one it names: a forged member
     * may share the address (and a relayed ping goes where it was told). */
    const swim_member *m = swim_find(s, &p.target);
    if (m == NULL || m->state == MEMBER_ALIVE || !unchanged_in_step(c, i, s, m)) {
        return;
    }
    simcheck_count(c, SIMCHECK_ACCUSED_FIRST);
    HS_ASSERT(p.gossip.items == entries || p.gossip.count == 0);
    if (p.gossip.count == 0 || !is_record(&entries[0], m)) {
        simcheck_report(c, SIMCHECK_ACCUSED_FIRST, now_ns, (int32_t)i,
                        "ping to %s, held %s at inc=%u, does not lead with that record (%u "
                        "gossip entries; the first: %s)", m->name.bytes,
                        member_state_name(m->state), m->incarnation, p.gossip.count,
                        p.gossip.count > 0 ? entries[0].name.bytes : "none");
    }
}
