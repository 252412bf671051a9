/* The message catalogue: one registry of message types with their schema
 * version and channels, fixed structs for every message, and the CBOR
 * payload codec (integer keys, decoded by the bounded pull decoder in
 * dec.c, never by cbor_load).
 *
 * Schema rules (docs/wire.md has the byte-level description):
 * - every payload is one definite-length CBOR map with small unsigned
 *   integer keys; keys may appear in any order, each at most once;
 * - unknown keys are skipped (bounded), so a later minor schema version can
 *   add optional fields; a missing required key is HS_ERR_MISSING;
 * - lists of members are definite arrays of member records (packed byte
 *   strings, see msg_member); every count and string length has a limit
 *   checked before anything is stored.
 *
 * Member lists are decoded into caller-provided storage (msg.list), so a
 * message struct stays small even when a reply carries thousands of members. */
#ifndef HS_MSG_H_
#define HS_MSG_H_

#include "base.h"

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
#define MSG_COUNTERS_MAX 256u
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
const msg_type_info *msg_info(uint16_t type);
const char *msg_type_name(uint16_t type);
const char *member_state_name(uint32_t state);
const char *node_role_name(uint32_t role);
HS_MUST_USE hs_status node_role_parse(const char *text, node_role *out);

/* Payload (CBOR map only, no frame header).  Encoding a message whose list
 * would not fit returns HS_ERR_TOO_SMALL and leaves *len unspecified. */
HS_MUST_USE hs_status msg_encode(const msg *m, uint8_t *buf, size_t cap, size_t *len);
HS_MUST_USE hs_status msg_decode(uint16_t type, const uint8_t *payload, size_t len, msg *out);

/* Exact encoded size of one member entry, so senders can pack gossip into
 * the datagram budget without trial encodes. */
size_t msg_member_size(const msg_member *member);

/* Frame plus payload in one call: writes the 16-byte header then the CBOR
 * payload.  See frame.h for the header. */
HS_MUST_USE hs_status msg_encode_frame(const msg *m, uint8_t *buf, size_t cap, size_t *len);

#endif /* HS_MSG_H_ */
