/* The previous message codec (core/wire/msg.c before issue 6), kept only so
 * that bench_codec can measure the descriptor codec beside it in the same
 * run.  Every public symbol carries the prefix old_; the file is removed
 * once the figures are recorded in docs/benchmarks.md. */
#ifndef HS_OLD_MSG_H_
#define HS_OLD_MSG_H_

#include "base.h"
#include "old_codec.h"

/* Wire schema version of this catalogue: a peer whose major differs is
 * refused at join; minor additions are optional fields only. */
#define MSG_PROTO_MAJOR 1u
#define MSG_PROTO_MINOR 0u

/* Channel masks for MSG_TYPE_LIST. */
#define MSG_ON_UDP 1u
#define MSG_ON_TCP 2u
#define MSG_ON_ANY 3u

/* X(id, ENUM, "name", channel mask, list limit) */
#define MSG_TYPE_LIST(X)                                                   \
    X(1, PING, "ping", MSG_ON_UDP, MSG_GOSSIP_MAX)                         \
    X(2, ACK, "ack", MSG_ON_UDP, MSG_GOSSIP_MAX)                           \
    X(3, PING_REQ, "ping_req", MSG_ON_UDP, MSG_GOSSIP_MAX)                 \
    X(4, JOIN, "join", MSG_ON_UDP, MSG_SYNC_MAX)                           \
    X(5, JOIN_ACK, "join_ack", MSG_ON_UDP, MSG_SYNC_MAX)                   \
    X(6, SYNC, "sync", MSG_ON_UDP, MSG_SYNC_MAX)                           \
    X(7, SYNC_ACK, "sync_ack", MSG_ON_UDP, MSG_SYNC_MAX)                   \
    X(8, ERROR, "error", MSG_ON_ANY, 0)                                    \
    X(16, MEMBERS_REQ, "members_req", MSG_ON_TCP, 0)                       \
    X(17, MEMBERS_RESP, "members_resp", MSG_ON_TCP, MSG_MEMBERS_MAX)       \
    X(18, STATS_REQ, "stats_req", MSG_ON_TCP, 0)                           \
    X(19, STATS_RESP, "stats_resp", MSG_ON_TCP, 0)

typedef enum {
#define MSG_TYPE_ENUM(id, name, text, channels, list_max) MSG_##name = id,
    MSG_TYPE_LIST(MSG_TYPE_ENUM)
#undef MSG_TYPE_ENUM
} msg_type;

/* Limits enforced by the decoder before anything is stored. */
#define MSG_GOSSIP_MAX 8u      /* gossip entries decoded per probe message */
#define MSG_GOSSIP_SEND_MAX 5u /* entries a sender piggybacks (design brief) */
#define MSG_SYNC_MAX 64u       /* members in a join / sync datagram */
#define MSG_MEMBERS_MAX 4096u  /* members in a TCP members reply */
#define MSG_DETAIL_MAX 96u     /* bytes of text in an error reply */
#define MSG_COUNTER_NAME_MAX 40u
#define MSG_COUNTERS_MAX 64u
#define MSG_DEPTH_MAX 8u       /* nesting accepted when skipping unknown fields */

/* Member states on the wire.  Order matters: at equal incarnation the
 * higher state wins the merge (design brief 3.3), except that LEFT and DEAD
 * are both final for their incarnation. */
typedef enum {
    MEMBER_ALIVE = 0,
    MEMBER_SUSPECT = 1,
    MEMBER_DEAD = 2,
    MEMBER_LEFT = 3,
} member_state;

#define MEMBER_STATE_COUNT 4u

typedef enum {
    ROLE_CLIENT = 0,
    ROLE_GATE = 1,
    ROLE_MANAGER = 2,
    ROLE_WORKER = 3,
} node_role;

#define NODE_ROLE_COUNT 4u

/* Incarnations live in 0 .. 2^31 - 1 (design brief section 0). */
#define MSG_INCARNATION_MAX UINT32_C(0x7fffffff)

/* Probe and sync sequence numbers own the sender's timers (step.h: timer
 * owners have 56 bits), so a larger seq can never pair with a probe. */
#define MSG_SEQ_MAX ((UINT64_C(1) << 56) - 1)

/* One member as gossip, sync list entry or members reply row.
 * Wire: one CBOR byte string of 13..128 bytes: name length (1), name,
 * IPv4 (4, big-endian), port (2), incarnation (4), state (1), role (1),
 * then any fields a later minor version appends, which decoders skip.
 * One token per member instead of eleven for a map: member lists are most
 * of every SWIM message (docs/wire.md, section 3.2). */
typedef struct {
    hs_name name;
    hs_addr addr;
    uint32_t incarnation;
    uint8_t state; /* member_state */
    uint8_t role;  /* node_role */
} msg_member;

/* PING, ACK and PING_REQ.
 * Wire: {1: seq, 2: source name, 3: target name (PING, PING_REQ),
 *        4: target addr (PING_REQ), 5: gossip array,
 *        6: target incarnation as the sender knows it (PING, PING_REQ;
 *           optional)}.
 * seq pairs an ACK with its PING.  target lets a node that took over a
 * reused address refuse a probe meant for someone else.  target_inc lets
 * the target answer with its own record only when the prober's copy is
 * stale, instead of on every ack. */
typedef struct {
    uint64_t seq;
    hs_name source;
    hs_name target;      /* empty in ACK */
    hs_addr target_addr; /* PING_REQ only */
    bool has_target_inc;
    uint32_t target_inc;
} msg_probe;

/* JOIN, JOIN_ACK, SYNC, SYNC_ACK: push-pull of member lists.
 * Wire: {1: seq, 2: source name, 3: proto major, 4: proto minor,
 *        5: status (JOIN_ACK: hs_status, 0 = accepted), 6: members array}. */
typedef struct {
    uint64_t seq;
    hs_name source;
    uint32_t proto_major;
    uint32_t proto_minor;
    uint32_t status;
} msg_sync;

/* ERROR: explicit negative reply.
 * Wire: {1: code (hs_status), 2: offending message type, 3: detail text}. */
typedef struct {
    uint32_t code;
    uint32_t offending_type;
    uint8_t detail_len;
    char detail[MSG_DETAIL_MAX + 1];
} msg_error;

/* MEMBERS_REQ, STATS_REQ: {1: request id}.
 * MEMBERS_RESP: {1: request id, 2: node name, 3: members array}. */
typedef struct {
    uint64_t request_id;
    hs_name node;
} msg_request;

/* STATS_RESP: {1: request id, 2: node name, 3: array of {0: name, 1: value}}. */
typedef struct {
    char name[MSG_COUNTER_NAME_MAX + 1];
    uint64_t value;
} msg_counter;

typedef struct {
    uint64_t request_id;
    hs_name node;
    uint32_t count;
    msg_counter counters[MSG_COUNTERS_MAX];
} msg_stats;

typedef struct {
    uint16_t type; /* msg_type */
    union {
        msg_probe probe;
        msg_sync sync;
        msg_error error;
        msg_request request;
        msg_stats stats;
    } u;
    /* Member list (gossip, sync list, members reply).  On encode: list_count
     * entries from list.  On decode: the caller sets list and list_cap;
     * the decoder fills list_count, refusing more than
     * min(list_cap, the type's list limit) with HS_ERR_LIMIT. */
    msg_member *list;
    uint32_t list_count;
    uint32_t list_cap;
} msg;

typedef struct {
    uint16_t type;
    const char *name;
    uint32_t channels; /* MSG_ON_* mask */
    uint32_t list_max; /* member list limit; 0 = no list */
} msg_type_info;

/* NULL for a type not in the catalogue. */
const msg_type_info *old_msg_info(uint16_t type);
const char *old_msg_type_name(uint16_t type);
const char *old_member_state_name(uint32_t state);
const char *old_node_role_name(uint32_t role);
HS_MUST_USE hs_status old_node_role_parse(const char *text, node_role *out);

/* Payload (CBOR map only, no frame header).  Encoding a message whose list
 * would not fit returns HS_ERR_TOO_SMALL and leaves *len unspecified. */
HS_MUST_USE hs_status old_msg_encode(const msg *m, uint8_t *buf, size_t cap, size_t *len);
HS_MUST_USE hs_status old_msg_decode(uint16_t type, const uint8_t *payload, size_t len, msg *out);

/* Exact encoded size of one member entry, so senders can pack gossip into
 * the datagram budget without trial encodes. */
size_t old_msg_member_size(const msg_member *member);

/* Frame plus payload in one call: writes the 16-byte header then the CBOR
 * payload.  See frame.h for the header. */
HS_MUST_USE hs_status old_msg_encode_frame(const msg *m, uint8_t *buf, size_t cap, size_t *len);

#endif /* HS_OLD_MSG_H_ */

#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "enc.h"
#include "frame.h"

HS_STATIC_ASSERT(MSG_DEPTH_MAX == DEC_DEPTH_MAX, "dec_skip enforces the message nesting limit");

/* ---- registry ---------------------------------------------------------- */

#define MSG_TABLE_SIZE 20u

#define MSG_TYPE_ID_CHECK(id, name, text, channels, list_max)                 \
    HS_STATIC_ASSERT((id) > 0 && (id) < MSG_TABLE_SIZE, "msg type id fits the table");
MSG_TYPE_LIST(MSG_TYPE_ID_CHECK)
#undef MSG_TYPE_ID_CHECK

static const msg_type_info msg_table[MSG_TABLE_SIZE] = {
#define MSG_TYPE_INFO(id, name, text, channels, list_max)                      \
    [id] = {(uint16_t)(id), text, (channels), (list_max)},
    MSG_TYPE_LIST(MSG_TYPE_INFO)
#undef MSG_TYPE_INFO
};

const msg_type_info *old_msg_info(uint16_t type)
{
    if (type >= MSG_TABLE_SIZE || msg_table[type].name == NULL) {
        return NULL;
    }
    return &msg_table[type];
}

const char *old_msg_type_name(uint16_t type)
{
    const msg_type_info *info = old_msg_info(type);
    return info != NULL ? info->name : "unknown";
}

static const char *const member_state_names[MEMBER_STATE_COUNT] = {"alive", "suspect", "dead",
                                                                    "left"};
static const char *const node_role_names[NODE_ROLE_COUNT] = {"client", "gate", "manager",
                                                              "worker"};

const char *old_member_state_name(uint32_t state)
{
    return state < MEMBER_STATE_COUNT ? member_state_names[state] : "unknown";
}

const char *old_node_role_name(uint32_t role)
{
    return role < NODE_ROLE_COUNT ? node_role_names[role] : "unknown";
}

hs_status old_node_role_parse(const char *text, node_role *out)
{
    if (text == NULL) {
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < NODE_ROLE_COUNT; i++) {
        if (strcmp(text, node_role_names[i]) == 0) {
            *out = (node_role)i;
            return HS_OK;
        }
    }
    return HS_ERR_INVALID;
}

/* ---- schema ------------------------------------------------------------ */

/* A member entry is one CBOR byte string holding a packed record:
 *   name length (1 byte, 1..63), name, IPv4 (4, big-endian), port (2),
 *   incarnation (4), state (1), role (1)
 * and, from a later minor version on, further appended fields that older
 * receivers skip.  docs/wire.md says why (one tokenizer call per member
 * instead of six for the old positional array: member lists are most of
 * every SWIM message). */
#define MEMBER_FIXED_LEN 12u /* bytes after the name */
#define MEMBER_RECORD_MAX 128u
enum {
    COUNTER_KEY_NAME = 0,
    COUNTER_KEY_VALUE = 1,
};

/* Top-level keys per family. */
enum {
    PROBE_KEY_SEQ = 1,
    PROBE_KEY_SOURCE = 2,
    PROBE_KEY_TARGET = 3,
    PROBE_KEY_TARGET_ADDR = 4,
    PROBE_KEY_GOSSIP = 5,
    PROBE_KEY_TARGET_INC = 6,
};
enum {
    SYNC_KEY_SEQ = 1,
    SYNC_KEY_SOURCE = 2,
    SYNC_KEY_MAJOR = 3,
    SYNC_KEY_MINOR = 4,
    SYNC_KEY_STATUS = 5,
    SYNC_KEY_MEMBERS = 6,
};
enum {
    ERROR_KEY_CODE = 1,
    ERROR_KEY_TYPE = 2,
    ERROR_KEY_DETAIL = 3,
};
enum {
    REQ_KEY_ID = 1,
    REQ_KEY_NODE = 2,
    REQ_KEY_LIST = 3, /* members (MEMBERS_RESP) or counters (STATS_RESP) */
};

typedef enum {
    FAMILY_PROBE,
    FAMILY_SYNC,
    FAMILY_ERROR,
    FAMILY_REQUEST, /* MEMBERS_REQ, STATS_REQ */
    FAMILY_MEMBERS, /* MEMBERS_RESP */
    FAMILY_STATS,   /* STATS_RESP */
} msg_family;

typedef struct {
    msg_family family;
    uint8_t allowed;  /* bit k: key k is defined for the type */
    uint8_t required; /* bit k: key k must be present */
    uint8_t list_key; /* key of the member or counter list; 0 = none */
} msg_schema;

#define KEY_BIT(k) (1u << (k))
#define KEYS_1 KEY_BIT(1)
#define KEYS_12 (KEY_BIT(1) | KEY_BIT(2))
#define KEYS_123 (KEYS_12 | KEY_BIT(3))
#define KEYS_1234 (KEYS_123 | KEY_BIT(4))

/* {family, keys the type defines, keys it requires, key of its list (0 = none)}:
 * the tables of docs/wire.md section 3.3. */
static const msg_schema schema_ping = {FAMILY_PROBE, KEYS_123 | KEY_BIT(5) | KEY_BIT(6),
                                        KEYS_123, 5};
static const msg_schema schema_ack = {FAMILY_PROBE, KEYS_12 | KEY_BIT(5), KEYS_12, 5};
static const msg_schema schema_ping_req = {FAMILY_PROBE, KEYS_1234 | KEY_BIT(5) | KEY_BIT(6),
                                           KEYS_1234, 5};
static const msg_schema schema_sync = {FAMILY_SYNC, KEYS_1234 | KEY_BIT(6), KEYS_1234, 6};
static const msg_schema schema_join_ack = {FAMILY_SYNC, KEYS_1234 | KEY_BIT(5) | KEY_BIT(6),
                                           KEYS_1234 | KEY_BIT(5), 6};
static const msg_schema schema_error = {FAMILY_ERROR, KEYS_123, KEYS_12, 0};
static const msg_schema schema_request = {FAMILY_REQUEST, KEYS_1, KEYS_1, 0};
static const msg_schema schema_members = {FAMILY_MEMBERS, KEYS_123, KEYS_12, 3};
static const msg_schema schema_stats = {FAMILY_STATS, KEYS_123, KEYS_12, 3};

#define COUNTER_KEYS (KEY_BIT(COUNTER_KEY_NAME) | KEY_BIT(COUNTER_KEY_VALUE))

static const msg_schema *msg_schema_of(uint16_t type)
{
    switch (type) {
    case MSG_PING:
        return &schema_ping;
    case MSG_ACK:
        return &schema_ack;
    case MSG_PING_REQ:
        return &schema_ping_req;
    case MSG_JOIN:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        return &schema_sync;
    case MSG_JOIN_ACK:
        return &schema_join_ack;
    case MSG_ERROR:
        return &schema_error;
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        return &schema_request;
    case MSG_MEMBERS_RESP:
        return &schema_members;
    case MSG_STATS_RESP:
        return &schema_stats;
    default:
        return NULL;
    }
}

/* ---- field rules shared by encoder and decoder ------------------------- */

#define ADDR_KEY_MAX ((UINT64_C(1) << 48) - 1)

/* hs_addr_key, inlined: it runs for every member of every message. */
static inline uint64_t addr_wire(hs_addr a)
{
    return ((uint64_t)a.ip << 16) | a.port;
}

/* Non-zero exactly when some byte of the 8-byte word x lies outside
 * lo..hi (lo >= 1, hi < 0x80): a byte below lo or above hi sets its top
 * bit in one of the two SWAR expressions (the classic "hasless" and
 * "hasmore" tests).  A borrow may also flag bytes above a bad one, never
 * a word without one, so the flags of several words can be OR-ed and
 * tested once. */
static inline __attribute__((always_inline)) uint64_t word_bad(uint64_t x, uint8_t lo,
                                                               uint8_t hi)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t below = (x - ones * lo) & ~x;
    uint64_t above = (x + ones * (uint8_t)(0x7f - hi)) | x;
    return (below | above) & (ones * 0x80);
}

/* Every byte of p[0..n) lies in lo..hi: the same predicate as
 * hs_name_valid's loop, in straight-line word tests.  8 bytes or more:
 * whole words and an overlapping last word.  4 to 7: two overlapping
 * 4-byte loads in one word.  1 to 3: the first, middle and last bytes
 * (which cover them all), padded with 'A', which every caller's range
 * accepts.  No variable-length copy, so no call to memcpy: names are
 * checked twice per member per encode+decode, and the check was 15% of
 * the codec's instructions (callgrind, bench_codec). */
static inline __attribute__((always_inline)) bool bytes_in_range(const char *p, size_t n,
                                                                   uint8_t lo, uint8_t hi)
{
    uint64_t x = 0;
    if (n >= 8) {
        memcpy(&x, p + n - 8, 8);
        uint64_t bad = word_bad(x, lo, hi);
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, p + i, 8);
            bad |= word_bad(x, lo, hi);
        }
        return bad == 0;
    }
    if (n >= 4) {
        uint32_t first = 0;
        uint32_t last = 0;
        memcpy(&first, p, 4);
        memcpy(&last, p + n - 4, 4);
        x = (uint64_t)first | (uint64_t)last << 32;
        return word_bad(x, lo, hi) == 0;
    }
    if (n == 0) {
        return true;
    }
    x = UINT64_C(0x4141414141000000) | (uint64_t)(uint8_t)p[0] |
        (uint64_t)(uint8_t)p[n / 2] << 8 | (uint64_t)(uint8_t)p[n - 1] << 16;
    return word_bad(x, lo, hi) == 0;
}

/* hs_name_valid: 1..HS_NAME_MAX bytes of printable ASCII without space. */
static bool name_bytes_ok(const char *p, size_t n)
{
    return n > 0 && n <= HS_NAME_MAX && bytes_in_range(p, n, 0x21, 0x7e);
}

static bool name_ok(const hs_name *name)
{
    return name_bytes_ok(name->bytes, name->len);
}

/* Error details may contain spaces, unlike names. */
static bool detail_ok(const char *bytes, size_t len)
{
    return bytes_in_range(bytes, len, 0x20, 0x7e);
}

static bool member_ok(const msg_member *m)
{
    return name_ok(&m->name) && m->addr.port != 0 && m->incarnation <= MSG_INCARNATION_MAX &&
           m->state < MEMBER_STATE_COUNT && m->role < NODE_ROLE_COUNT;
}

static uint32_t list_limit(const msg *m, const msg_type_info *info)
{
    return m->list_cap < info->list_max ? m->list_cap : info->list_max;
}

/* ---- encoder ----------------------------------------------------------- */

static void enc_name(enc *e, const hs_name *name)
{
    enc_text(e, name->bytes, name->len);
}

static size_t member_record_len(const msg_member *m)
{
    return 1 + (size_t)m->name.len + MEMBER_FIXED_LEN;
}

/* Fixed-width big-endian stores and loads of the member record, spelled
 * as single-byte shifts: gcc and clang turn each into one byte swap and
 * one memory access, where a loop over a width argument stayed a loop
 * (callgrind: 56 instructions per decoded record for the three loads). */
static inline uint8_t *store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

static inline uint8_t *store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)((uint32_t)p[0] << 8 | (uint32_t)p[1]);
}

/* Written in place in the output buffer (no record built aside and
 * copied): the member was validated by check_list, so its record is
 * 14..76 bytes. */
static void enc_member(enc *e, const msg_member *m)
{
    size_t len = member_record_len(m);
    uint8_t *rec = enc_bytes_reserve(e, len);
    if (rec == NULL) {
        return; /* overflow recorded: enc_finish reports it */
    }
    uint8_t *p = rec;
    *p++ = m->name.len;
    memcpy(p, m->name.bytes, m->name.len);
    p += m->name.len;
    p = store_be32(p, m->addr.ip);
    p = store_be16(p, m->addr.port);
    p = store_be32(p, m->incarnation);
    *p++ = m->state;
    *p++ = m->role;
    HS_ASSERT((size_t)(p - rec) == len);
}

size_t old_msg_member_size(const msg_member *member)
{
    size_t len = member_record_len(member);
    return enc_head_size(len) + len;
}

static hs_status check_list(const msg *m, const msg_type_info *info)
{
    if (m->list_count == 0) {
        return HS_OK;
    }
    if (m->list_count > info->list_max) {
        return HS_ERR_LIMIT;
    }
    if (m->list == NULL) {
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < m->list_count; i++) {
        if (!member_ok(&m->list[i])) {
            return HS_ERR_INVALID;
        }
    }
    return HS_OK;
}

static void enc_list(enc *e, uint32_t key, const msg *m)
{
    enc_uint(e, key);
    enc_array(e, m->list_count);
    for (uint32_t i = 0; i < m->list_count; i++) {
        enc_member(e, &m->list[i]);
    }
}

static uint32_t popcount8(uint32_t bits)
{
    uint32_t n = 0;
    for (; bits != 0; bits &= bits - 1) {
        n++;
    }
    return n;
}

static hs_status check_probe(const msg *m, const msg_schema *s)
{
    const msg_probe *p = &m->u.probe;
    if (p->seq > MSG_SEQ_MAX || !name_ok(&p->source)) {
        return HS_ERR_INVALID;
    }
    if ((s->allowed & KEY_BIT(PROBE_KEY_TARGET)) && !name_ok(&p->target)) {
        return HS_ERR_INVALID;
    }
    if ((s->allowed & KEY_BIT(PROBE_KEY_TARGET_ADDR)) && p->target_addr.port == 0) {
        return HS_ERR_INVALID;
    }
    if (p->has_target_inc &&
        (!(s->allowed & KEY_BIT(PROBE_KEY_TARGET_INC)) || p->target_inc > MSG_INCARNATION_MAX)) {
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

static void enc_probe(enc *e, const msg *m, uint32_t keys)
{
    const msg_probe *p = &m->u.probe;
    enc_uint(e, PROBE_KEY_SEQ);
    enc_uint(e, p->seq);
    enc_uint(e, PROBE_KEY_SOURCE);
    enc_name(e, &p->source);
    if (keys & KEY_BIT(PROBE_KEY_TARGET)) {
        enc_uint(e, PROBE_KEY_TARGET);
        enc_name(e, &p->target);
    }
    if (keys & KEY_BIT(PROBE_KEY_TARGET_ADDR)) {
        enc_uint(e, PROBE_KEY_TARGET_ADDR);
        enc_uint(e, addr_wire(p->target_addr));
    }
    if (keys & KEY_BIT(PROBE_KEY_GOSSIP)) {
        enc_list(e, PROBE_KEY_GOSSIP, m);
    }
    if (keys & KEY_BIT(PROBE_KEY_TARGET_INC)) {
        enc_uint(e, PROBE_KEY_TARGET_INC);
        enc_uint(e, p->target_inc);
    }
}

static hs_status check_sync(const msg *m)
{
    const msg_sync *s = &m->u.sync;
    return s->seq <= MSG_SEQ_MAX && name_ok(&s->source) ? HS_OK : HS_ERR_INVALID;
}

static void enc_sync(enc *e, const msg *m, uint32_t keys)
{
    const msg_sync *s = &m->u.sync;
    enc_uint(e, SYNC_KEY_SEQ);
    enc_uint(e, s->seq);
    enc_uint(e, SYNC_KEY_SOURCE);
    enc_name(e, &s->source);
    enc_uint(e, SYNC_KEY_MAJOR);
    enc_uint(e, s->proto_major);
    enc_uint(e, SYNC_KEY_MINOR);
    enc_uint(e, s->proto_minor);
    if (keys & KEY_BIT(SYNC_KEY_STATUS)) {
        enc_uint(e, SYNC_KEY_STATUS);
        enc_uint(e, s->status);
    }
    if (keys & KEY_BIT(SYNC_KEY_MEMBERS)) {
        enc_list(e, SYNC_KEY_MEMBERS, m);
    }
}

static hs_status check_error(const msg *m)
{
    const msg_error *er = &m->u.error;
    if (er->offending_type > UINT16_MAX || er->detail_len > MSG_DETAIL_MAX ||
        !detail_ok(er->detail, er->detail_len)) {
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

static void enc_error(enc *e, const msg *m, uint32_t keys)
{
    const msg_error *er = &m->u.error;
    enc_uint(e, ERROR_KEY_CODE);
    enc_uint(e, er->code);
    enc_uint(e, ERROR_KEY_TYPE);
    enc_uint(e, er->offending_type);
    if (keys & KEY_BIT(ERROR_KEY_DETAIL)) {
        enc_uint(e, ERROR_KEY_DETAIL);
        enc_text(e, er->detail, er->detail_len);
    }
}

/* The name's length up to its NUL; sizeof(name) when there is none,
 * which check_stats then refuses as too long. */
static size_t counter_name_len(const msg_counter *c)
{
    const char *nul = memchr(c->name, '\0', sizeof(c->name));
    return nul != NULL ? (size_t)(nul - c->name) : sizeof(c->name);
}

static hs_status check_stats(const msg_stats *st)
{
    if (!name_ok(&st->node)) {
        return HS_ERR_INVALID;
    }
    if (st->count > MSG_COUNTERS_MAX) {
        return HS_ERR_LIMIT;
    }
    for (uint32_t i = 0; i < st->count; i++) {
        size_t len = counter_name_len(&st->counters[i]);
        if (len > MSG_COUNTER_NAME_MAX || !hs_name_valid(st->counters[i].name, len)) {
            return HS_ERR_INVALID;
        }
    }
    return HS_OK;
}

static void enc_request(enc *e, const msg *m, const msg_schema *s, uint32_t keys)
{
    enc_uint(e, REQ_KEY_ID);
    if (s->family == FAMILY_STATS) {
        const msg_stats *st = &m->u.stats;
        enc_uint(e, st->request_id);
        enc_uint(e, REQ_KEY_NODE);
        enc_name(e, &st->node);
        if (keys & KEY_BIT(REQ_KEY_LIST)) {
            enc_uint(e, REQ_KEY_LIST);
            enc_array(e, st->count);
            for (uint32_t i = 0; i < st->count; i++) {
                const msg_counter *c = &st->counters[i];
                enc_map(e, 2);
                enc_uint(e, COUNTER_KEY_NAME);
                enc_text(e, c->name, counter_name_len(c));
                enc_uint(e, COUNTER_KEY_VALUE);
                enc_uint(e, c->value);
            }
        }
        return;
    }
    enc_uint(e, m->u.request.request_id);
    if (keys & KEY_BIT(REQ_KEY_NODE)) {
        enc_uint(e, REQ_KEY_NODE);
        enc_name(e, &m->u.request.node);
    }
    if (keys & KEY_BIT(REQ_KEY_LIST)) {
        enc_list(e, REQ_KEY_LIST, m);
    }
}

/* Validates the struct and works out which keys to write: every allowed
 * key, minus the optional ones whose value is empty. */
static hs_status msg_encode_keys(const msg *m, const msg_schema *s, const msg_type_info *info,
                                 uint32_t *keys)
{
    uint32_t k = s->allowed;
    hs_status st = check_list(m, info);
    if (st != HS_OK) {
        return st;
    }
    if (s->list_key != 0 && s->family != FAMILY_STATS && m->list_count == 0) {
        k &= ~KEY_BIT(s->list_key);
    }
    switch (s->family) {
    case FAMILY_PROBE:
        st = check_probe(m, s);
        if (!m->u.probe.has_target_inc) {
            k &= ~KEY_BIT(PROBE_KEY_TARGET_INC);
        }
        break;
    case FAMILY_SYNC:
        st = check_sync(m);
        break;
    case FAMILY_ERROR:
        st = check_error(m);
        if (m->u.error.detail_len == 0) {
            k &= ~KEY_BIT(ERROR_KEY_DETAIL);
        }
        break;
    case FAMILY_REQUEST:
        break;
    case FAMILY_MEMBERS:
        st = name_ok(&m->u.request.node) ? HS_OK : HS_ERR_INVALID;
        break;
    case FAMILY_STATS:
        st = check_stats(&m->u.stats);
        if (m->u.stats.count == 0) {
            k &= ~KEY_BIT(REQ_KEY_LIST);
        }
        break;
    }
    *keys = k;
    return st;
}

hs_status old_msg_encode(const msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    const msg_schema *s = msg_schema_of(m->type);
    const msg_type_info *info = old_msg_info(m->type);
    if (s == NULL || info == NULL) {
        return HS_ERR_UNKNOWN_TYPE;
    }
    uint32_t keys = 0;
    hs_status st = msg_encode_keys(m, s, info, &keys);
    if (st != HS_OK) {
        return st;
    }
    enc e;
    enc_init(&e, buf, cap);
    enc_map(&e, popcount8(keys));
    switch (s->family) {
    case FAMILY_PROBE:
        enc_probe(&e, m, keys);
        break;
    case FAMILY_SYNC:
        enc_sync(&e, m, keys);
        break;
    case FAMILY_ERROR:
        enc_error(&e, m, keys);
        break;
    case FAMILY_REQUEST:
    case FAMILY_MEMBERS:
    case FAMILY_STATS:
        enc_request(&e, m, s, keys);
        break;
    }
    return enc_finish(&e, len);
}

hs_status old_msg_encode_frame(const msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    if (cap < FRAME_HEADER_LEN) {
        return HS_ERR_TOO_SMALL;
    }
    size_t payload_len = 0;
    hs_status st = old_msg_encode(m, buf + FRAME_HEADER_LEN, cap - FRAME_HEADER_LEN, &payload_len);
    if (st != HS_OK) {
        return st;
    }
    if (payload_len > UINT32_MAX) {
        return HS_ERR_LIMIT;
    }
    frame_write_header(buf, m->type, (uint32_t)payload_len);
    *len = FRAME_HEADER_LEN + payload_len;
    return HS_OK;
}

/* ---- decoder ----------------------------------------------------------- */

/* Keys below 64 are tracked for duplicates, known or not; larger unknown
 * keys are skipped without a duplicate check (no table, no allocation). */
static hs_status dec_key(dec *d, uint64_t *seen, uint64_t *key)
{
    hs_status st = dec_uint(d, key);
    if (st != HS_OK) {
        return st;
    }
    if (*key < 64) {
        uint64_t bit = UINT64_C(1) << *key;
        if (*seen & bit) {
            return HS_ERR_DUPLICATE;
        }
        *seen |= bit;
    }
    return HS_OK;
}

static bool key_in(uint64_t key, uint32_t mask)
{
    return key < 32 && (mask & (UINT32_C(1) << key)) != 0;
}

static hs_status check_required(uint64_t seen, uint32_t required)
{
    return (seen & required) == required ? HS_OK : HS_ERR_MISSING;
}

static hs_status dec_uint_max(dec *d, uint64_t max, uint64_t *value)
{
    hs_status st = dec_uint(d, value);
    if (st == HS_OK && *value > max) {
        return HS_ERR_RANGE;
    }
    return st;
}

static hs_status dec_u32(dec *d, uint32_t *out)
{
    uint64_t v = 0;
    hs_status st = dec_uint_max(d, UINT32_MAX, &v);
    *out = (uint32_t)v;
    return st;
}

static hs_status dec_name(dec *d, hs_name *out)
{
    const char *p = NULL;
    size_t n = 0;
    hs_status st = dec_text(d, &p, &n, HS_NAME_MAX);
    if (st != HS_OK) {
        return st;
    }
    if (!name_bytes_ok(p, n)) {
        return HS_ERR_RANGE;
    }
    memcpy(out->bytes, p, n);
    out->bytes[n] = '\0';
    out->len = (uint8_t)n;
    return HS_OK;
}

static hs_status dec_addr(dec *d, hs_addr *out)
{
    uint64_t v = 0;
    hs_status st = dec_uint_max(d, ADDR_KEY_MAX, &v);
    if (st != HS_OK) {
        return st;
    }
    if ((v & 0xffffu) == 0) {
        return HS_ERR_RANGE;
    }
    out->ip = (uint32_t)(v >> 16);
    out->port = (uint16_t)(v & 0xffffu);
    return HS_OK;
}

/* Parses a packed member record (see MEMBER_FIXED_LEN): every length is
 * checked against the record before it is read, trailing fields of a
 * later minor version are ignored. */
static hs_status parse_member(const uint8_t *rec, size_t len, msg_member *m)
{
    if (len < 1 + MEMBER_FIXED_LEN) {
        return HS_ERR_MISSING;
    }
    size_t name_len = rec[0];
    if (name_len > HS_NAME_MAX) {
        return HS_ERR_LIMIT;
    }
    if (len < 1 + name_len + MEMBER_FIXED_LEN) {
        return HS_ERR_MISSING;
    }
    if (!name_bytes_ok((const char *)rec + 1, name_len)) {
        return HS_ERR_RANGE;
    }
    const uint8_t *p = rec + 1 + name_len;
    uint32_t ip = load_be32(p);
    uint16_t port = load_be16(p + 4);
    uint32_t inc = load_be32(p + 6);
    uint8_t state = p[10];
    uint8_t role = p[11];
    if (port == 0 || inc > MSG_INCARNATION_MAX || state >= MEMBER_STATE_COUNT ||
        role >= NODE_ROLE_COUNT) {
        return HS_ERR_RANGE;
    }
    memcpy(m->name.bytes, rec + 1, name_len);
    m->name.bytes[name_len] = '\0';
    m->name.len = (uint8_t)name_len;
    m->addr.ip = ip;
    m->addr.port = port;
    m->incarnation = inc;
    m->state = state;
    m->role = role;
    return HS_OK;
}

static hs_status dec_member(dec *d, msg_member *m)
{
    const uint8_t *rec = NULL;
    size_t len = 0;
    hs_status st = dec_bytes(d, &rec, &len, MEMBER_RECORD_MAX);
    if (st != HS_OK) {
        return st;
    }
    return parse_member(rec, len, m);
}

/* A member list into the caller's storage: the count is checked against
 * min(list_cap, the type's limit) before the first entry is written. */
static hs_status dec_member_list(dec *d, msg *out, const msg_type_info *info)
{
    uint64_t n = 0;
    hs_status st = dec_array(d, &n, list_limit(out, info));
    for (uint64_t i = 0; st == HS_OK && i < n; i++) {
        st = dec_member(d, &out->list[i]);
    }
    if (st == HS_OK) {
        out->list_count = (uint32_t)n;
    }
    return st;
}

static hs_status dec_counter(dec *d, msg_counter *c)
{
    uint64_t pairs = 0;
    uint64_t seen = 0;
    hs_status st = dec_map(d, &pairs);
    for (uint64_t i = 0; st == HS_OK && i < pairs; i++) {
        uint64_t key = 0;
        st = dec_key(d, &seen, &key);
        if (st != HS_OK) {
            break;
        }
        if (key == COUNTER_KEY_NAME) {
            const char *p = NULL;
            size_t n = 0;
            st = dec_text(d, &p, &n, MSG_COUNTER_NAME_MAX);
            if (st == HS_OK && !hs_name_valid(p, n)) {
                st = HS_ERR_RANGE;
            }
            if (st == HS_OK) {
                memcpy(c->name, p, n);
                c->name[n] = '\0';
            }
        } else if (key == COUNTER_KEY_VALUE) {
            st = dec_uint(d, &c->value);
        } else {
            st = dec_skip(d);
        }
    }
    return st == HS_OK ? check_required(seen, COUNTER_KEYS) : st;
}

static hs_status dec_counter_list(dec *d, msg_stats *stats)
{
    uint64_t n = 0;
    hs_status st = dec_array(d, &n, MSG_COUNTERS_MAX);
    for (uint64_t i = 0; st == HS_OK && i < n; i++) {
        st = dec_counter(d, &stats->counters[i]);
    }
    if (st == HS_OK) {
        stats->count = (uint32_t)n;
    }
    return st;
}

static hs_status dec_probe_field(dec *d, uint64_t key, msg *out, const msg_type_info *info)
{
    msg_probe *p = &out->u.probe;
    switch (key) {
    case PROBE_KEY_SEQ:
        return dec_uint_max(d, MSG_SEQ_MAX, &p->seq);
    case PROBE_KEY_SOURCE:
        return dec_name(d, &p->source);
    case PROBE_KEY_TARGET:
        return dec_name(d, &p->target);
    case PROBE_KEY_TARGET_ADDR:
        return dec_addr(d, &p->target_addr);
    case PROBE_KEY_GOSSIP:
        return dec_member_list(d, out, info);
    case PROBE_KEY_TARGET_INC: {
        uint64_t v = 0;
        hs_status st = dec_uint_max(d, MSG_INCARNATION_MAX, &v);
        p->target_inc = (uint32_t)v;
        p->has_target_inc = st == HS_OK;
        return st;
    }
    default:
        HS_UNREACHABLE();
    }
}

static hs_status dec_sync_field(dec *d, uint64_t key, msg *out, const msg_type_info *info)
{
    msg_sync *s = &out->u.sync;
    switch (key) {
    case SYNC_KEY_SEQ:
        return dec_uint_max(d, MSG_SEQ_MAX, &s->seq);
    case SYNC_KEY_SOURCE:
        return dec_name(d, &s->source);
    case SYNC_KEY_MAJOR:
        return dec_u32(d, &s->proto_major);
    case SYNC_KEY_MINOR:
        return dec_u32(d, &s->proto_minor);
    case SYNC_KEY_STATUS:
        return dec_u32(d, &s->status);
    case SYNC_KEY_MEMBERS:
        return dec_member_list(d, out, info);
    default:
        HS_UNREACHABLE();
    }
}

static hs_status dec_error_field(dec *d, uint64_t key, msg_error *er)
{
    uint64_t v = 0;
    hs_status st;
    switch (key) {
    case ERROR_KEY_CODE:
        return dec_u32(d, &er->code);
    case ERROR_KEY_TYPE:
        st = dec_uint_max(d, UINT16_MAX, &v);
        er->offending_type = (uint32_t)v;
        return st;
    case ERROR_KEY_DETAIL: {
        const char *p = NULL;
        size_t n = 0;
        st = dec_text(d, &p, &n, MSG_DETAIL_MAX);
        if (st != HS_OK) {
            return st;
        }
        if (!detail_ok(p, n)) {
            return HS_ERR_RANGE;
        }
        memcpy(er->detail, p, n);
        er->detail[n] = '\0';
        er->detail_len = (uint8_t)n;
        return HS_OK;
    }
    default:
        HS_UNREACHABLE();
    }
}

/* MEMBERS_REQ, STATS_REQ, MEMBERS_RESP and STATS_RESP share keys 1..3. */
static hs_status dec_request_field(dec *d, uint64_t key, msg *out, const msg_schema *s,
                                   const msg_type_info *info)
{
    bool stats = s->family == FAMILY_STATS;
    switch (key) {
    case REQ_KEY_ID:
        return dec_uint(d, stats ? &out->u.stats.request_id : &out->u.request.request_id);
    case REQ_KEY_NODE:
        return dec_name(d, stats ? &out->u.stats.node : &out->u.request.node);
    case REQ_KEY_LIST:
        return stats ? dec_counter_list(d, &out->u.stats) : dec_member_list(d, out, info);
    default:
        HS_UNREACHABLE();
    }
}

static hs_status dec_field(dec *d, uint64_t key, msg *out, const msg_schema *s,
                           const msg_type_info *info)
{
    switch (s->family) {
    case FAMILY_PROBE:
        return dec_probe_field(d, key, out, info);
    case FAMILY_SYNC:
        return dec_sync_field(d, key, out, info);
    case FAMILY_ERROR:
        return dec_error_field(d, key, &out->u.error);
    case FAMILY_REQUEST:
    case FAMILY_MEMBERS:
    case FAMILY_STATS:
        return dec_request_field(d, key, out, s, info);
    }
    HS_UNREACHABLE();
}

/* Optional fields start empty; required ones are written when seen.  Only
 * the few small fields are set: no bulk memset of the struct. */
static void msg_decode_defaults(msg *out, const msg_schema *s)
{
    switch (s->family) {
    case FAMILY_PROBE:
        out->u.probe.target.len = 0;
        out->u.probe.target.bytes[0] = '\0';
        out->u.probe.target_addr.ip = 0;
        out->u.probe.target_addr.port = 0;
        out->u.probe.has_target_inc = false;
        out->u.probe.target_inc = 0;
        break;
    case FAMILY_SYNC:
        out->u.sync.status = 0;
        break;
    case FAMILY_ERROR:
        out->u.error.detail_len = 0;
        out->u.error.detail[0] = '\0';
        break;
    case FAMILY_REQUEST:
    case FAMILY_MEMBERS:
        out->u.request.node.len = 0;
        out->u.request.node.bytes[0] = '\0';
        break;
    case FAMILY_STATS:
        out->u.stats.count = 0;
        break;
    }
}

hs_status old_msg_decode(uint16_t type, const uint8_t *payload, size_t len, msg *out)
{
    const msg_schema *s = msg_schema_of(type);
    const msg_type_info *info = old_msg_info(type);
    if (s == NULL || info == NULL) {
        return HS_ERR_UNKNOWN_TYPE;
    }
    /* Caller contract, not input: storage must exist for the capacity. */
    HS_ASSERT(out->list != NULL || out->list_cap == 0);
    out->type = type;
    out->list_count = 0;
    msg_decode_defaults(out, s);

    dec d;
    dec_init(&d, payload, len);
    uint64_t pairs = 0;
    uint64_t seen = 0;
    hs_status st = dec_map(&d, &pairs);
    for (uint64_t i = 0; st == HS_OK && i < pairs; i++) {
        uint64_t key = 0;
        st = dec_key(&d, &seen, &key);
        if (st == HS_OK) {
            st = key_in(key, s->allowed) ? dec_field(&d, key, out, s, info) : dec_skip(&d);
        }
    }
    if (st != HS_OK) {
        return st;
    }
    st = check_required(seen, s->required);
    if (st != HS_OK) {
        return st;
    }
    return dec_finish(&d);
}

/* ---- the bench's view --------------------------------------------------- */

struct old_codec_bench {
    msg m;
    msg_member gossip[5];
    msg out;
    msg_member out_list[MSG_GOSSIP_MAX];
    uint8_t buf[FRAME_HEADER_LEN + FRAME_UDP_PAYLOAD_MAX];
};

static old_codec_bench old_state;

/* The same ACK as bench_codec.c's make_ack, in the old structs. */
old_codec_bench *old_codec_setup(const char *const names[5], const char *source)
{
    old_codec_bench *b = &old_state;
    memset(b, 0, sizeof(*b));
    b->m.type = MSG_ACK;
    b->m.u.probe.seq = 1234567;
    HS_ASSERT(hs_name_set(&b->m.u.probe.source, source, strlen(source)) == HS_OK);
    for (uint32_t i = 0; i < 5; i++) {
        HS_ASSERT(hs_name_set(&b->gossip[i].name, names[i], strlen(names[i])) == HS_OK);
        b->gossip[i].addr.ip = 0x0a000000u | (17u + 31u * i);
        b->gossip[i].addr.port = 7946;
        b->gossip[i].incarnation = 3 + 1000u * i;
        b->gossip[i].state = (uint8_t)(i % MEMBER_STATE_COUNT);
        b->gossip[i].role = (uint8_t)(i % NODE_ROLE_COUNT);
    }
    b->m.list = b->gossip;
    b->m.list_count = 5;
    b->m.list_cap = 5;
    b->out.list = b->out_list;
    b->out.list_cap = MSG_GOSSIP_MAX;
    return b;
}

uint64_t old_codec_once(old_codec_bench *b)
{
    size_t len = 0;
    if (old_msg_encode_frame(&b->m, b->buf, sizeof(b->buf), &len) != HS_OK) {
        abort();
    }
    frame_header h;
    const uint8_t *payload = NULL;
    if (frame_decode(b->buf, len, FRAME_UDP_PAYLOAD_MAX, &h, &payload) != HS_OK) {
        abort();
    }
    if (old_msg_decode(h.type, payload, h.length, &b->out) != HS_OK) {
        abort();
    }
    return b->out.list_count + b->out.list[4].incarnation;
}

size_t old_codec_frame(old_codec_bench *b, uint8_t *out, size_t cap)
{
    size_t len = 0;
    if (old_msg_encode_frame(&b->m, out, cap, &len) != HS_OK) {
        abort();
    }
    return len;
}
