/* Forged datagrams for the "forge" fault class (simforge.h). */
#include "simforge.h"

#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "msg.h"
#include "node.h"

/* Entries per forged list: probes carry gossip, push-pull carries more. */
#define FORGE_GOSSIP_MAX MSG_GOSSIP_MAX
#define FORGE_SYNC_MAX 16u

static const char *const kind_names[] = {"garbage", "unknown", "accuse", "fake"};
HS_STATIC_ASSERT(HS_ARRAY_LEN(kind_names) == SIMFORGE_KIND_COUNT, "kind names");

const char *simforge_kind_name(uint32_t kind)
{
    return kind < SIMFORGE_KIND_COUNT ? kind_names[kind] : "unknown";
}

static void set_name(hs_name *out, const char *text)
{
    hs_status st = hs_name_set(out, text, strlen(text));
    HS_ASSERT(st == HS_OK);
}

void simforge_fake_name(uint32_t k, hs_name *out)
{
    char text[16];
    snprintf(text, sizeof(text), "ghost%u", k + 1);
    set_name(out, text);
}

static uint32_t below(rng *r, uint32_t n)
{
    return (uint32_t)rng_below(r, n);
}

/* Eight bytes per draw: whole datagrams of noise are common. */
static void random_bytes(rng *r, uint8_t *out, uint32_t len)
{
    uint64_t x = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (i % 8 == 0) {
            x = rng_next(r);
        }
        out[i] = (uint8_t)(x >> (8 * (i % 8)));
    }
}

/* An address no node has: the simulator drops anything sent to it. */
static hs_addr unused_addr(rng *r, uint32_t nodes)
{
    if (below(r, 2) == 0) {
        hs_addr a = {(UINT32_C(10) << 24) | (nodes + 1 + below(r, 16)), 7946};
        return a;
    }
    hs_addr a = {(uint32_t)rng_next(r), (uint16_t)(1 + below(r, 65535))};
    return a;
}

static hs_addr spoofed_source(rng *r, const simforge_cluster *c)
{
    if (c->nodes > 1 && below(r, 2) == 0) {
        uint32_t j = below(r, c->nodes - 1);
        return c->addrs[j >= c->target ? j + 1 : j];
    }
    return unused_addr(r, c->nodes);
}

/* ------------------------------------------------------------------ */
/* Description (trace lines only)                                      */

static void desc_add(simforge_datagram *d, const char *text)
{
    size_t used = strlen(d->desc);
    if (used + 1 < sizeof(d->desc)) {
        snprintf(d->desc + used, sizeof(d->desc) - used, "%s", text);
    }
}

/* The descriptions are built only for a trace: snprintf per record would
 * cost more than building and delivering the datagram. */
#define DESCRIBE(c, d, ...)                                                \
    do {                                                                   \
        if ((c)->describe) {                                               \
            char text_[96];                                                \
            snprintf(text_, sizeof(text_), __VA_ARGS__);                   \
            desc_add((d), text_);                                          \
        }                                                                  \
    } while (0)

/* ------------------------------------------------------------------ */
/* Garbage and unknown types                                           */

static void build_garbage(rng *r, const simforge_cluster *c, simforge_datagram *d)
{
    switch (below(r, 4)) {
    case 0: /* short noise, often shorter than a header */
        d->len = below(r, 48);
        random_bytes(r, d->bytes, d->len);
        DESCRIBE(c, d, "garbage %uB", d->len);
        break;
    case 1: /* up to a whole datagram of noise */
        d->len = below(r, HS_UDP_PAYLOAD_MAX + 1);
        random_bytes(r, d->bytes, d->len);
        DESCRIBE(c, d, "garbage %uB", d->len);
        break;
    case 2: { /* a well-formed header whose checksum no longer matches */
        uint32_t payload = 1 + below(r, 200);
        uint16_t type = (uint16_t)(MSG_PING + below(r, MSG_ERROR));
        random_bytes(r, d->bytes + FRAME_HEADER_LEN, payload);
        frame_write_header(d->bytes, type, payload);
        d->bytes[FRAME_HEADER_LEN + below(r, payload)] ^= (uint8_t)(1u << below(r, 8));
        d->len = FRAME_HEADER_LEN + payload;
        DESCRIBE(c, d, "bad checksum %s %uB", msg_registry_name(type), d->len);
        break;
    }
    default: { /* a valid frame of a known type whose payload is noise */
        uint32_t payload = below(r, 120);
        uint16_t type = (uint16_t)(MSG_PING + below(r, MSG_ERROR));
        random_bytes(r, d->bytes + FRAME_HEADER_LEN, payload);
        frame_write_header(d->bytes, type, payload);
        d->len = FRAME_HEADER_LEN + payload;
        DESCRIBE(c, d, "undecodable %s %uB", msg_registry_name(type), d->len);
        break;
    }
    }
}

static void build_unknown(rng *r, const simforge_cluster *c, simforge_datagram *d)
{
    if (below(r, 4) == 0) {
        /* A control request, valid but on the datagram channel. */
        uint16_t type = below(r, 2) == 0 ? MSG_MEMBERS_REQ : MSG_STATS_REQ;
        msg_request m = {rng_next(r)};
        size_t len = 0;
        hs_status st =
            msg_encode_frame(msg_registry_find(type), &m, d->bytes, sizeof(d->bytes), &len);
        HS_ASSERT(st == HS_OK);
        d->len = (uint32_t)len;
        DESCRIBE(c, d, "wrong channel %s", msg_registry_name(type));
        return;
    }
    uint16_t type = 0;
    do {
        type = (uint16_t)rng_next(r);
    } while (msg_registry_find(type) != NULL);
    uint32_t payload = below(r, 64);
    if (payload == 0 || below(r, 2) == 0) {
        payload = 1;
        d->bytes[FRAME_HEADER_LEN] = 0xa0; /* an empty CBOR map */
    } else {
        random_bytes(r, d->bytes + FRAME_HEADER_LEN, payload);
    }
    frame_write_header(d->bytes, type, payload);
    d->len = FRAME_HEADER_LEN + payload;
    DESCRIBE(c, d, "unknown type %u %uB", type, d->len);
}

/* ------------------------------------------------------------------ */
/* Member lists                                                        */

/* An incarnation for an accusation about real node j: the ones that
 * matter (what the receiver holds, what j holds, one above) and the ones
 * that must be harmless (0, random, the top of the range). */
static uint32_t accusation_inc(rng *r, const simforge_cluster *c, uint32_t j)
{
    uint32_t held = 0;
    if (j == c->target) {
        held = c->view->self.incarnation;
    } else {
        const swim_member *m = swim_find(c->view, &c->names[j]);
        held = m != NULL ? m->incarnation : c->up[j] ? c->self_inc[j] : 0;
    }
    switch (below(r, 8)) {
    case 0:
        return 0;
    case 1:
    case 2:
        return held;
    case 3:
        return c->up[j] ? c->self_inc[j] : held;
    case 4:
        return held < MSG_INCARNATION_MAX ? held + 1 : held;
    case 5:
        return MSG_INCARNATION_MAX;
    default:
        return (uint32_t)rng_below(r, (uint64_t)MSG_INCARNATION_MAX + 1);
    }
}

static uint32_t fake_inc(rng *r)
{
    switch (below(r, 4)) {
    case 0:
        return 0;
    case 1:
        return below(r, 16);
    case 2:
        return MSG_INCARNATION_MAX;
    default:
        return (uint32_t)rng_below(r, (uint64_t)MSG_INCARNATION_MAX + 1);
    }
}

/* Where a fake member claims to live: nowhere, or at a real node (which
 * refuses probes addressed to another name). */
static hs_addr fake_addr(rng *r, const simforge_cluster *c, uint32_t k)
{
    if (below(r, 4) == 0) {
        return c->addrs[below(r, c->nodes)];
    }
    hs_addr a = {(UINT32_C(10) << 24) | (UINT32_C(1) << 8) | (k + 1), 7946};
    return a;
}

/* An accusation: SUSPECT, DEAD or LEFT about the receiver (a third of the
 * time), another real member, or now and then a fake one. */
static void accusation(rng *r, const simforge_cluster *c, msg_member *e)
{
    memset(e, 0, sizeof(*e));
    e->state = (uint8_t)(MEMBER_SUSPECT + below(r, 3));
    e->role = (uint8_t)below(r, NODE_ROLE_COUNT);
    uint32_t pick = below(r, 6);
    if (pick == 5 && c->fakes > 0) {
        uint32_t k = below(r, c->fakes);
        e->name = c->fake_names[k];
        e->addr = fake_addr(r, c, k);
        e->incarnation = fake_inc(r);
        return;
    }
    uint32_t j = pick < 2 ? c->target : below(r, c->nodes);
    e->name = c->names[j];
    /* Mostly at the member's own address: at another one an accusation at
     * the held incarnation is ignored, which is worth a case too. */
    e->addr = below(r, 8) == 0 ? unused_addr(r, c->nodes) : c->addrs[j];
    e->incarnation = accusation_inc(r, c, j);
}

static void fake_alive(rng *r, const simforge_cluster *c, msg_member *e)
{
    memset(e, 0, sizeof(*e));
    uint32_t k = below(r, c->fakes);
    e->name = c->fake_names[k];
    e->addr = fake_addr(r, c, k);
    e->incarnation = fake_inc(r);
    e->state = MEMBER_ALIVE;
    e->role = (uint8_t)below(r, NODE_ROLE_COUNT);
}

/* A source name for a forged message: a fake, a real member or a stranger
 * ("stranger" and three digits). */
static void source_name(rng *r, const simforge_cluster *c, hs_name *out)
{
    uint32_t pick = below(r, 3);
    if (pick == 0 && c->fakes > 0) {
        *out = c->fake_names[below(r, c->fakes)];
    } else if (pick == 1) {
        *out = c->names[below(r, c->nodes)];
    } else {
        char text[] = "stranger000";
        uint32_t v = below(r, 1000);
        for (size_t i = sizeof(text) - 2; v != 0; i--, v /= 10) {
            text[i] = (char)('0' + v % 10);
        }
        set_name(out, text);
    }
}

/* The forged message's list and source, wherever its type keeps them. */
static void forge_body(rng *r, const simforge_cluster *c, uint16_t type, msg_member_list *l,
                       msg_probe *p, msg_sync *s)
{
    if (type == MSG_PING || type == MSG_ACK) {
        /* Random sequence numbers: a guessed one would forge an ack, which,
         * like a forged ALIVE record, is out of the model. */
        p->seq = rng_below(r, MSG_SEQ_MAX + 1);
        if (type == MSG_PING) {
            uint32_t t = below(r, 4) != 0 ? c->target : below(r, c->nodes);
            p->target = c->names[t];
            p->has_target_inc = below(r, 2) == 0;
            p->target_inc = fake_inc(r);
        }
        p->gossip = *l;
        source_name(r, c, &p->source);
        return;
    }
    s->seq = rng_below(r, MSG_SEQ_MAX + 1);
    s->proto_major = below(r, 16) == 0 ? MSG_PROTO_MAJOR + 1 : MSG_PROTO_MAJOR;
    s->proto_minor = MSG_PROTO_MINOR;
    s->members = *l;
    source_name(r, c, &s->source);
}

static void build_list_msg(rng *r, const simforge_cluster *c, bool fake, simforge_datagram *d)
{
    static const uint16_t types[] = {MSG_PING, MSG_ACK, MSG_SYNC, MSG_JOIN};
    msg_member list[FORGE_SYNC_MAX];
    uint16_t type = types[below(r, HS_ARRAY_LEN(types))];
    bool probe = type == MSG_PING || type == MSG_ACK;
    uint32_t count = 1 + below(r, probe ? FORGE_GOSSIP_MAX : FORGE_SYNC_MAX);
    for (uint32_t i = 0; i < count; i++) {
        /* Fake members come with the odd accusation mixed in. */
        if (fake && below(r, 4) != 0) {
            fake_alive(r, c, &list[i]);
        } else {
            accusation(r, c, &list[i]);
        }
    }
    msg_member_list l = {list, count, count};
    msg_probe p = {0};
    msg_sync s = {0};
    forge_body(r, c, type, &l, &p, &s);
    const hs_name *source = probe ? &p.source : &s.source;
    size_t len = 0;
    hs_status st = msg_encode_frame(msg_registry_find(type), probe ? (const void *)&p : &s,
                                    d->bytes, sizeof(d->bytes), &len);
    HS_ASSERT(st == HS_OK); /* at most 16 short records: far below a datagram */
    d->len = (uint32_t)len;
    DESCRIBE(c, d, "%s src=%s", msg_registry_name(type), source->bytes);
    for (uint32_t i = 0; i < count; i++) {
        DESCRIBE(c, d, " %s:%s@%u", list[i].name.bytes, member_state_name(list[i].state),
                 list[i].incarnation);
    }
}

/* ------------------------------------------------------------------ */

void simforge_build(rng *r, const simforge_cluster *c, simforge_datagram *out)
{
    HS_ASSERT(c->target < c->nodes && c->fakes <= SIMOPT_FORGE_FAKES_MAX);
    out->len = 0;
    out->desc[0] = '\0';
    out->from = spoofed_source(r, c);
    /* Weights: the list messages reach the protocol, the rest its guards. */
    uint32_t roll = below(r, 20);
    if (roll < 4) {
        out->kind = SIMFORGE_GARBAGE;
        build_garbage(r, c, out);
    } else if (roll < 7) {
        out->kind = SIMFORGE_UNKNOWN;
        build_unknown(r, c, out);
    } else if (roll < 14 || c->fakes == 0) {
        out->kind = SIMFORGE_ACCUSE;
        build_list_msg(r, c, false, out);
    } else {
        out->kind = SIMFORGE_FAKE;
        build_list_msg(r, c, true, out);
    }
}

/* ------------------------------------------------------------------ */
/* Forged TCP streams                                                  */

static const char *const tcp_kind_names[] = {"host_closes", "partial", "core_closes",
                                             "core_replies", "hello_garbage"};
HS_STATIC_ASSERT(HS_ARRAY_LEN(tcp_kind_names) == SIMFORGE_TCP_KIND_COUNT, "tcp kind names");

const char *simforge_tcp_kind_name(uint32_t kind)
{
    return kind < SIMFORGE_TCP_KIND_COUNT ? tcp_kind_names[kind] : "unknown";
}

static void stream_desc(simforge_stream *s, bool describe, const char *what)
{
    if (describe) {
        snprintf(s->desc, sizeof(s->desc), "tcp %s %s %uB", tcp_kind_names[s->kind], what,
                 s->len);
    }
}

/* A header the stream refuses: noise with a wrong version, a reserved
 * flag, or a declared length over the TCP limit. */
static void stream_bad_header(rng *r, simforge_stream *s, bool describe)
{
    s->len = FRAME_HEADER_LEN + below(r, 64);
    random_bytes(r, s->bytes, s->len);
    switch (below(r, 3)) {
    case 0:
        s->bytes[0] = (uint8_t)(FRAME_VERSION + 1 + below(r, 200));
        stream_desc(s, describe, "bad version");
        break;
    case 1:
        frame_write_header(s->bytes, MSG_MEMBERS_REQ, s->len - FRAME_HEADER_LEN);
        s->bytes[1] = (uint8_t)(1u << below(r, 8));
        stream_desc(s, describe, "reserved flag");
        break;
    default:
        frame_write_header(s->bytes, MSG_MEMBERS_REQ, 0);
        uint32_t declared = FRAME_TCP_PAYLOAD_MAX + 1 + below(r, 1000);
        s->bytes[4] = (uint8_t)(declared >> 24);
        s->bytes[5] = (uint8_t)(declared >> 16);
        s->bytes[6] = (uint8_t)(declared >> 8);
        s->bytes[7] = (uint8_t)declared;
        stream_desc(s, describe, "length over the limit");
        break;
    }
}

/* A frame core must answer with an error reply. */
/* A HELLO from another protocol major: core refuses it (HELLO_REFUSED)
 * with an error reply. */
static void stream_hello_version(rng *r, simforge_stream *s, bool describe)
{
    msg_hello h = {0};
    hs_status st = hs_name_set(&h.name, "forger-v", 8);
    HS_ASSERT(st == HS_OK);
    h.role = ROLE_CLIENT;
    h.proto_major = MSG_PROTO_MAJOR + 1 + below(r, 3);
    h.proto_minor = below(r, 4);
    size_t len = 0;
    st = msg_encode_frame(msg_registry_find(MSG_HELLO), &h, s->bytes, sizeof(s->bytes), &len);
    HS_ASSERT(st == HS_OK);
    s->len = (uint32_t)len;
    stream_desc(s, describe, "hello from another protocol major");
}

static void stream_reply(rng *r, simforge_stream *s, bool describe)
{
    uint32_t roll = below(r, 5);
    if (roll == 4) {
        stream_hello_version(r, s, describe);
        return;
    }
    if (roll == 0) {
        uint32_t payload = 1 + below(r, 100);
        random_bytes(r, s->bytes + FRAME_HEADER_LEN, payload);
        frame_write_header(s->bytes, MSG_STATS_REQ, payload);
        s->len = FRAME_HEADER_LEN + payload;
        stream_desc(s, describe, "undecodable stats_req");
        return;
    }
    if (roll == 1) {
        uint16_t type = 0;
        do {
            type = (uint16_t)rng_next(r);
        } while (msg_registry_find(type) != NULL);
        s->bytes[FRAME_HEADER_LEN] = 0xa0; /* an empty CBOR map */
        frame_write_header(s->bytes, type, 1);
        s->len = FRAME_HEADER_LEN + 1;
        stream_desc(s, describe, "unknown type");
        return;
    }
    /* A UDP-only ACK on TCP, or a control request with no HELLO first. */
    uint16_t type = roll == 2 ? MSG_ACK : MSG_MEMBERS_REQ;
    msg_probe ack = {0};
    msg_request req = {0};
    if (type == MSG_ACK) {
        hs_status st = hs_name_set(&ack.source, "ghost9", 6);
        HS_ASSERT(st == HS_OK);
        ack.seq = rng_next(r) & MSG_SEQ_MAX;
    } else {
        req.request_id = rng_next(r);
    }
    size_t len = 0;
    const void *body = type == MSG_ACK ? (const void *)&ack : (const void *)&req;
    hs_status st =
        msg_encode_frame(msg_registry_find(type), body, s->bytes, sizeof(s->bytes), &len);
    HS_ASSERT(st == HS_OK);
    s->len = (uint32_t)len;
    stream_desc(s, describe, roll == 2 ? "ack on tcp" : "members_req without hello");
}

/* A HELLO a node binds: a well-formed client greeting. */
static void stream_hello(rng *r, simforge_stream *s)
{
    msg_hello h = {0};
    char name[16];
    int n = snprintf(name, sizeof(name), "forger%u", (unsigned)below(r, 1000));
    hs_status st = hs_name_set(&h.name, name, (size_t)n);
    HS_ASSERT(st == HS_OK);
    h.role = ROLE_CLIENT;
    h.proto_major = MSG_PROTO_MAJOR;
    h.proto_minor = MSG_PROTO_MINOR;
    size_t len = 0;
    st = msg_encode_frame(msg_registry_find(MSG_HELLO), &h, s->hello, sizeof(s->hello), &len);
    HS_ASSERT(st == HS_OK);
    s->hello_len = (uint32_t)len;
}

void simforge_stream_build(rng *r, bool describe, simforge_stream *out)
{
    out->desc[0] = '\0';
    out->hello_len = 0;
    out->from_ip = (UINT32_C(10) << 24) | (UINT32_C(3) << 8) | (1 + below(r, 250));
    out->kind = (uint8_t)below(r, SIMFORGE_TCP_KIND_COUNT);
    switch (out->kind) {
    case SIMFORGE_TCP_HOST_CLOSES:
        stream_bad_header(r, out, describe);
        break;
    case SIMFORGE_TCP_PARTIAL: {
        uint32_t payload = 8 + below(r, 500);
        random_bytes(r, out->bytes + FRAME_HEADER_LEN, payload);
        frame_write_header(out->bytes, MSG_MEMBERS_REQ, payload);
        out->len = below(r, 2) == 0 ? below(r, FRAME_HEADER_LEN - 1) + 1
                                    : FRAME_HEADER_LEN + below(r, payload);
        stream_desc(out, describe, "stops half-way");
        break;
    }
    case SIMFORGE_TCP_HELLO_GARBAGE:
    case SIMFORGE_TCP_CORE_CLOSES: {
        if (out->kind == SIMFORGE_TCP_HELLO_GARBAGE) {
            stream_hello(r, out);
        }
        uint32_t payload = 1 + below(r, 200);
        random_bytes(r, out->bytes + FRAME_HEADER_LEN, payload);
        frame_write_header(out->bytes, MSG_STATS_REQ, payload);
        out->bytes[FRAME_HEADER_LEN + below(r, payload)] ^= (uint8_t)(1u << below(r, 8));
        out->len = FRAME_HEADER_LEN + payload;
        stream_desc(out, describe, out->hello_len > 0 ? "hello, then bad checksum"
                                                      : "bad checksum");
        break;
    }
    default:
        stream_reply(r, out, describe);
        break;
    }
    HS_ASSERT(out->len > 0 && out->len <= SIMFORGE_TCP_MAX);
}
