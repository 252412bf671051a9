/* The simulated operator's control sessions over simulated TCP.  See
 * simoper.h. */
#include "simoper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_msg.h"
#include "frame.h"
#include "msg_registry.h"

#define SIMOPER_REQ_MAX 64u /* an encoded request frame */

hs_status simoper_init(simoper *o, uint64_t seed)
{
    memset(o, 0, sizeof(*o));
    rng_seed(&o->rng, seed);
    /* Allocated, not embedded: a fallback decode is rare, and zeroing
     * 4096 members per run costs a sweep more than all its TCP. */
    o->list = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
    o->counters = malloc(MSG_COUNTERS_MAX * sizeof(msg_counter));
    return o->list == NULL || o->counters == NULL ? HS_ERR_NOMEM : HS_OK;
}

void simoper_free(simoper *o)
{
    free(o->list);
    free(o->counters);
    o->list = NULL;
    o->counters = NULL;
}

static simoper_session *session_of(simoper *o, uint32_t tag)
{
    HS_ASSERT(simoper_owns(tag));
    uint32_t k = tag & 0xffu;
    HS_ASSERT(k < SIMOPER_SESSIONS);
    return o->s[k].used ? &o->s[k] : NULL;
}

/* The HELLO that binds a connection to its peer goes first on every
 * connection, as hsctl sends it (docs/wire.md section 6): without it the
 * node refuses every request with an ERROR.  false when it could not be
 * written (the session then only waits for its connection to end). */
static bool send_hello(simoper *o, simtcp *t, uint64_t now_ns, simoper_session *ss)
{
    msg_hello h = {0};
    hs_status st = hs_name_set(&h.name, "operator", 8);
    HS_ASSERT(st == HS_OK);
    h.role = ROLE_CLIENT;
    h.proto_major = MSG_PROTO_MAJOR;
    h.proto_minor = MSG_PROTO_MINOR;
    uint8_t buf[SIMOPER_REQ_MAX];
    size_t len = 0;
    st = msg_encode_frame(msg_registry_find(MSG_HELLO), &h, buf, sizeof(buf), &len);
    HS_ASSERT(st == HS_OK);
    st = simtcp_send(t, now_ns, ss->slot, 0, buf, (uint32_t)len);
    if (st != HS_OK) {
        o->stats.write_full++;
        return false;
    }
    return true;
}

/* Writes requests until the pipeline or the send buffer is full. */
static void send_requests(simoper *o, simtcp *t, uint64_t now_ns, simoper_session *ss)
{
    while (ss->to_send > 0 && ss->exp_count < SIMOPER_PIPELINE) {
        /* Mostly MEMBERS_REQ: what `hsctl members` polls. */
        uint16_t type = rng_below(&o->rng, 4) == 0 ? MSG_STATS_REQ : MSG_MEMBERS_REQ;
        msg_request m = {o->next_request_id + 1};
        uint8_t buf[SIMOPER_REQ_MAX];
        size_t len = 0;
        hs_status st = msg_encode_frame(msg_registry_find(type), &m, buf, sizeof(buf), &len);
        HS_ASSERT(st == HS_OK);
        st = simtcp_send(t, now_ns, ss->slot, 0, buf, (uint32_t)len);
        if (st == HS_ERR_FULL) {
            o->stats.write_full++; /* back-pressure: wait for replies */
            return;
        }
        HS_ASSERT(st == HS_OK);
        o->next_request_id++;
        uint32_t k = (ss->exp_first + ss->exp_count) % SIMOPER_PIPELINE;
        ss->expect[k] = m.request_id;
        ss->sent_ns[k] = now_ns;
        ss->exp_count++;
        ss->to_send--;
        o->stats.requests++;
    }
}

static void end_session(simoper *o, simoper_session *ss)
{
    o->stats.abandoned += ss->exp_count;
    memset(ss, 0, sizeof(*ss));
}

/* Closes the operator's end when it has nothing more to ask or wait for
 * (or asked to close early). */
static void maybe_close(simoper *o, simtcp *t, uint64_t now_ns, simoper_session *ss)
{
    if ((ss->exp_count == 0 && ss->to_send == 0 && ss->rounds == 0) || ss->close_early) {
        simtcp_close(t, now_ns, ss->slot, 0);
        end_session(o, ss);
    }
}

bool simoper_start(simoper *o, simtcp *t, uint64_t now_ns, uint32_t target, uint32_t via,
                   hs_addr target_addr, uint32_t requests, uint32_t rounds, bool close_early)
{
    HS_ASSERT(requests > 0);
    uint32_t k = 0;
    while (k < SIMOPER_SESSIONS && o->s[k].used) {
        k++;
    }
    if (k == SIMOPER_SESSIONS) {
        return false;
    }
    simoper_session *ss = &o->s[k];
    uint32_t from_ip = (UINT32_C(10) << 24) | (via + 1);
    if (simtcp_connect(t, now_ns, from_ip, via, target, target_addr, SIMOPER_TAG | k,
                       &ss->slot) != HS_OK) {
        o->stats.table_full++;
        return false;
    }
    ss->used = true;
    ss->target = target;
    ss->to_send = requests;
    ss->burst = requests;
    ss->rounds = rounds;
    ss->close_early = close_early;
    o->stats.sessions++;
    if (send_hello(o, t, now_ns, ss)) {
        send_requests(o, t, now_ns, ss);
    }
    if (close_early) {
        maybe_close(o, t, now_ns, ss);
    }
    return true;
}

static void pop_expected(simoper_session *ss)
{
    HS_ASSERT(ss->exp_count > 0);
    ss->exp_first = (ss->exp_first + 1) % SIMOPER_PIPELINE;
    ss->exp_count--;
    ss->late = false;
}

/* A reply's request id without decoding its member or counter list: a
 * CBOR map whose first key is 1 (core's encoder writes keys in ascending
 * order) followed by an unsigned integer.  Decoding a STATS_RESP whole
 * costs more than the step that built it; the frame checksum already
 * vouches for the bytes.  false when the payload does not start so. */
static bool peek_request_id(const uint8_t *p, uint32_t len, uint64_t *id)
{
    uint32_t i = 1;
    if (len < 3 || p[0] < 0xa1 || p[0] > 0xb8) {
        return false;
    }
    i += p[0] == 0xb8 ? 1u : 0u; /* a map of 24..255 pairs: one length byte */
    if (i + 2 > len || p[i] != 0x01) {
        return false;
    }
    uint8_t head = p[i + 1];
    i += 2;
    if (head <= 0x17) {
        *id = head;
        return true;
    }
    uint32_t n = head == 0x18 ? 1u : head == 0x19 ? 2u : head == 0x1a ? 4u : head == 0x1b ? 8u : 0u;
    if (n == 0 || i + n > len) {
        return false;
    }
    uint64_t v = 0;
    for (uint32_t k = 0; k < n; k++) {
        v = (v << 8) | p[i + k];
    }
    *id = v;
    return true;
}

/* The request id a reply answers; false when it does not decode. */
static bool reply_id(simoper *o, const frame_header *h, const uint8_t *payload, uint64_t *id)
{
    if (peek_request_id(payload, h->length, id)) {
        return true;
    }
    union {
        msg_members members;
        msg_stats stats;
    } m;
    msg_rx_store store = {o->list, MSG_MEMBERS_MAX, o->counters, MSG_COUNTERS_MAX};
    const msg_desc *d = msg_registry_find(h->type);
    if (d == NULL || d->size > sizeof(m) ||
        msg_decode(d, payload, h->length, &m, &store) != HS_OK) {
        return false;
    }
    *id = h->type == MSG_MEMBERS_RESP ? m.members.request_id : m.stats.request_id;
    return true;
}

bool simoper_on_frame(simoper *o, simtcp *t, uint64_t now_ns, uint32_t tag,
                      const uint8_t *bytes, uint32_t len, char *why, size_t why_cap)
{
    simoper_session *ss = session_of(o, tag);
    HS_ASSERT(ss != NULL); /* a closed end receives nothing */
    frame_header h;
    const uint8_t *payload = NULL;
    if (frame_decode(bytes, len, FRAME_TCP_PAYLOAD_MAX, &h, &payload) != HS_OK) {
        snprintf(why, why_cap, "operator got a corrupt frame from n%u", ss->target + 1);
        return false;
    }
    if (!ss->hello_seen) {
        /* The node answers our HELLO first: its own HELLO, or an ERROR
         * when it refuses the binding (its peer table is full, ...). */
        if (h.type != MSG_HELLO && h.type != MSG_ERROR) {
            snprintf(why, why_cap, "operator got %s from n%u before the HELLO answer",
                     msg_registry_name(h.type), ss->target + 1);
            return false;
        }
        ss->hello_seen = true;
        o->stats.hello_refused += h.type == MSG_ERROR ? 1u : 0u;
        return true;
    }
    if (ss->exp_count == 0) {
        snprintf(why, why_cap, "operator got %s from n%u with no request outstanding",
                 msg_registry_name(h.type), ss->target + 1);
        return false;
    }
    uint64_t want = ss->expect[ss->exp_first];
    if (h.type == MSG_ERROR) {
        o->stats.error_replies++; /* a refused request (no HELLO, ...) */
    } else {
        uint64_t id = 0;
        if ((h.type != MSG_MEMBERS_RESP && h.type != MSG_STATS_RESP) ||
            !reply_id(o, &h, payload, &id) || id != want) {
            snprintf(why, why_cap, "operator got %s (id %llu) from n%u, expected reply to %llu",
                     msg_registry_name(h.type), (unsigned long long)id, ss->target + 1,
                     (unsigned long long)want);
            return false;
        }
        o->stats.replies++;
    }
    pop_expected(ss);
    send_requests(o, t, now_ns, ss);
    maybe_close(o, t, now_ns, ss);
    return true;
}

void simoper_on_closed(simoper *o, uint32_t tag, hs_status reason)
{
    simoper_session *ss = session_of(o, tag);
    HS_ASSERT(ss != NULL);
    if (reason == HS_ERR_REFUSED || reason == HS_ERR_TIMEOUT) {
        o->stats.connect_failed++;
    } else {
        o->stats.closed++;
    }
    end_session(o, ss);
}

/* Removes request id from the session's outstanding list, wherever it is:
 * the replies before it may still be in flight. */
static bool forget_request(simoper_session *ss, uint64_t id)
{
    for (uint32_t k = 0; k < ss->exp_count; k++) {
        uint32_t at = (ss->exp_first + k) % SIMOPER_PIPELINE;
        if (ss->expect[at] != id) {
            continue;
        }
        for (uint32_t j = k; j > 0; j--) {
            uint32_t to = (ss->exp_first + j) % SIMOPER_PIPELINE;
            uint32_t from = (ss->exp_first + j - 1) % SIMOPER_PIPELINE;
            ss->expect[to] = ss->expect[from];
            ss->sent_ns[to] = ss->sent_ns[from];
        }
        pop_expected(ss);
        return true;
    }
    return false;
}

bool simoper_on_reply_refused(simoper *o, simtcp *t, uint64_t now_ns, uint32_t tag,
                              const uint8_t *bytes, uint32_t len, char *why, size_t why_cap)
{
    simoper_session *ss = session_of(o, tag);
    HS_ASSERT(ss != NULL); /* only while the operator's end is open */
    frame_header h;
    const uint8_t *payload = NULL;
    uint64_t id = 0;
    if (frame_decode(bytes, len, FRAME_TCP_PAYLOAD_MAX, &h, &payload) != HS_OK ||
        h.type == MSG_ERROR) {
        return true; /* not a reply to one request: nothing to account */
    }
    if (!reply_id(o, &h, payload, &id) || !forget_request(ss, id)) {
        snprintf(why, why_cap, "n%u's refused %s answers no outstanding request (id %llu)",
                 ss->target + 1, msg_registry_name(h.type), (unsigned long long)id);
        return false;
    }
    o->stats.refused_replies++;
    send_requests(o, t, now_ns, ss);
    maybe_close(o, t, now_ns, ss);
    return true;
}

void simoper_tick(simoper *o, simtcp *t, uint64_t now_ns)
{
    for (uint32_t k = 0; k < SIMOPER_SESSIONS; k++) {
        simoper_session *ss = &o->s[k];
        if (!ss->used || ss->exp_count != 0 || ss->to_send != 0 || ss->rounds == 0 ||
            rng_below(&o->rng, 2) == 0) {
            continue;
        }
        ss->rounds--;
        ss->to_send = ss->burst;
        send_requests(o, t, now_ns, ss);
    }
}

bool simoper_check(simoper *o, uint64_t now_ns, uint64_t bound_ns, char *why, size_t why_cap)
{
    for (uint32_t k = 0; k < SIMOPER_SESSIONS; k++) {
        simoper_session *ss = &o->s[k];
        if (!ss->used || ss->exp_count == 0 || ss->late) {
            continue;
        }
        uint64_t sent = ss->sent_ns[ss->exp_first];
        if (now_ns - sent > bound_ns) {
            ss->late = true;
            snprintf(why, why_cap,
                     "control request %llu to n%u neither answered nor closed after %llu ms",
                     (unsigned long long)ss->expect[ss->exp_first], ss->target + 1,
                     (unsigned long long)((now_ns - sent) / HS_NS_PER_MS));
            return true;
        }
    }
    return false;
}
