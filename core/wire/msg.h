/* The table-driven message codec: what a message descriptor says, the
 * wire types every module's messages share (members, counters, states,
 * roles), and one encode loop and one decode loop that serve every type.
 *
 * A message type is a descriptor (msg_desc): type id, name, schema
 * version, channels, owning module, the size of its body struct and its
 * fields.  A field (msg_field) is an integer key, a kind, the offset of its
 * value in the body struct, a limit and whether it is required.  Modules
 * keep their descriptors in their own files (core/member/swim_msg.c,
 * core/node/ctl_msg.c) as one msg_table each; core/node/msg_registry.c
 * collects the tables, so this layer never names a module's message.
 *
 * Schema rules (docs/wire.md has the byte-level description):
 * - every payload is one definite-length CBOR map with small unsigned
 *   integer keys (0..MSG_KEY_MAX); keys may appear in any order, each at
 *   most once; the encoder writes them in ascending order;
 * - unknown keys are skipped (bounded), so a later minor schema version can
 *   add optional fields; a missing required key is HS_ERR_MISSING;
 * - an optional field is omitted when it holds its empty value (0, false,
 *   empty name, text or list, address with port 0) unless it has a
 *   presence flag (MSG_F_HAS), which then says whether it is sent;
 * - every count and string length has a limit checked before anything is
 *   stored; the decoder reads with the bounded pull decoder (dec.c), never
 *   with cbor_load.
 *
 * Member and counter lists are decoded into caller storage (msg_rx_store),
 * so a body struct stays small even when a reply carries thousands of
 * members.  A descriptor has at most one list of each kind. */
#ifndef HS_MSG_H_
#define HS_MSG_H_

#include <stddef.h>

#include "base.h"

/* Wire schema version of the protocol: a peer whose major differs is
 * refused at join (UDP) and at HELLO (TCP); minor additions are optional
 * fields only. */
#define MSG_PROTO_MAJOR 1u
#define MSG_PROTO_MINOR 0u

/* Channel masks of a descriptor. */
#define MSG_ON_UDP 1u
#define MSG_ON_TCP 2u
#define MSG_ON_ANY 3u

/* Limits enforced by the decoder before anything is stored. */
#define MSG_GOSSIP_MAX 8u      /* gossip entries decoded per probe message */
#define MSG_GOSSIP_SEND_MAX 5u /* entries a sender piggybacks (design brief) */
#define MSG_SYNC_MAX 64u       /* members in a join / sync datagram */
#define MSG_MEMBERS_MAX 4096u  /* members in a TCP members reply */
#define MSG_DETAIL_MAX 96u     /* bytes of text in an error reply */
#define MSG_COUNTER_NAME_MAX 40u
#define MSG_COUNTERS_MAX 256u
#define MSG_DEPTH_MAX 8u       /* nesting accepted when skipping unknown fields */
#define MSG_KEY_MAX 63u        /* largest key a descriptor may use */
#define MSG_FIELDS_MAX 64u     /* fields of one descriptor */
#define MSG_BODY_MAX 512u      /* largest body struct (the node's decode scratch) */

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

/* One counter of a stats reply.  Wire: {0: name, 1: value}. */
typedef struct {
    char name[MSG_COUNTER_NAME_MAX + 1];
    uint64_t value;
} msg_counter;

/* A list field.  Encode: count entries from items.  Decode: the decoder
 * points items at the caller's storage (msg_rx_store) and fills count,
 * refusing more than min(cap, the field's limit) with HS_ERR_LIMIT. */
typedef struct {
    msg_member *items;
    uint32_t count;
    uint32_t cap;
} msg_member_list;

typedef struct {
    msg_counter *items;
    uint32_t count;
    uint32_t cap;
} msg_counter_list;

/* Decode storage for the lists of one message. */
typedef struct {
    msg_member *members;
    uint32_t members_cap;
    msg_counter *counters;
    uint32_t counters_cap;
} msg_rx_store;

/* Field kinds: the C type of the value at the field's offset, and its
 * wire form. */
typedef enum {
    MSG_K_U8,           /* uint8_t, CBOR uint <= max */
    MSG_K_U16,          /* uint16_t */
    MSG_K_U32,          /* uint32_t */
    MSG_K_U64,          /* uint64_t */
    MSG_K_BOOL,         /* bool, CBOR true/false */
    MSG_K_NAME,         /* hs_name, text of 1..63 printable bytes, no space */
    MSG_K_ADDR,         /* hs_addr, uint ip << 16 | port, port != 0 */
    MSG_K_TEXT,         /* char[max + 1] + uint8_t length: printable ASCII, spaces allowed */
    MSG_K_BYTES,        /* uint8_t[max] + uint8_t length: any bytes */
    MSG_K_MEMBER_LIST,  /* msg_member_list: array of member records */
    MSG_K_COUNTER_LIST, /* msg_counter_list: array of {0: name, 1: value} */
    MSG_K_COUNT
} msg_kind;

/* Field flags. */
#define MSG_F_REQ 1u /* must be present */
#define MSG_F_HAS 2u /* optional, sent exactly when the bool at has_offset is true */

typedef struct {
    uint8_t key;         /* 0..MSG_KEY_MAX, ascending within a descriptor */
    uint8_t kind;        /* msg_kind */
    uint8_t flags;       /* MSG_F_* */
    uint16_t offset;     /* of the value in the body struct */
    uint16_t aux_offset; /* TEXT, BYTES: of the uint8_t length; MSG_F_HAS: of the bool */
    uint64_t max;        /* integers: largest value; TEXT, BYTES: length; lists: entries */
    const char *name;    /* the struct member, for diffs and docs */
} msg_field;

typedef struct {
    uint16_t type;           /* frame type id, inside its module's range */
    uint8_t module;          /* hs_module_id of the owner */
    uint8_t channels;        /* MSG_ON_* mask */
    uint16_t version;        /* schema version of this type: + 1 per added optional field */
    uint16_t size;           /* sizeof the body struct, <= MSG_BODY_MAX */
    uint16_t field_count;
    const char *name;
    const msg_field *fields; /* field_count entries, keys ascending */
} msg_desc;

/* A module's descriptors, indexed by type - type_lo (NULL holes allowed). */
typedef struct {
    uint8_t module;     /* hs_module_id */
    uint16_t type_lo;   /* inclusive range of by_type */
    uint16_t type_hi;
    const msg_desc *const *by_type;
} msg_table;

/* Finds a descriptor by type; NULL for an unknown type (the node's
 * registry, handed to modules through step_ctx). */
typedef const msg_desc *(*msg_find_fn)(uint16_t type);

/* Field table helpers: MSG_FIELD(key, kind, body type, member, flags, max). */
#define MSG_FIELD(k, kind, T, member, flags, max)                                     \
    {(k), (kind), (flags), (uint16_t)offsetof(T, member), 0, (max), #member}
#define MSG_FIELD_HAS(k, kind, T, member, has, max)                                   \
    {(k), (kind), MSG_F_HAS, (uint16_t)offsetof(T, member), (uint16_t)offsetof(T, has), (max), \
     #member}
#define MSG_FIELD_TEXT(k, kind, T, member, len, flags, max)                           \
    {(k), (kind), (flags), (uint16_t)offsetof(T, member), (uint16_t)offsetof(T, len), (max), \
     #member}

const char *member_state_name(uint32_t state);
const char *node_role_name(uint32_t role);
HS_MUST_USE hs_status node_role_parse(const char *text, node_role *out);

/* HS_OK when the descriptor is well formed: keys ascending and <= MSG_KEY_MAX,
 * offsets inside size, limits that fit their storage, at most one list of
 * each kind, size <= MSG_BODY_MAX. */
HS_MUST_USE hs_status msg_desc_check(const msg_desc *d);

/* Payload (CBOR map only, no frame header).  The encoder refuses a body the
 * decoder would refuse (HS_ERR_INVALID, HS_ERR_LIMIT), so anything sent
 * decodes; a payload that does not fit returns HS_ERR_TOO_SMALL. */
HS_MUST_USE hs_status msg_encode(const msg_desc *d, const void *body, uint8_t *buf, size_t cap,
                                 size_t *len);
/* Decodes into body (d->size bytes, zeroed first); lists land in store
 * (NULL when the type has none). */
HS_MUST_USE hs_status msg_decode(const msg_desc *d, const uint8_t *payload, size_t len,
                                 void *body, const msg_rx_store *store);
/* Frame plus payload in one call: the 16-byte header (frame.h), then the
 * CBOR payload. */
HS_MUST_USE hs_status msg_encode_frame(const msg_desc *d, const void *body, uint8_t *buf,
                                       size_t cap, size_t *len);

/* NULL when a and b carry the same field values, else the name of the
 * first field that differs (fuzz property, tests). */
const char *msg_body_diff(const msg_desc *d, const void *a, const void *b);

/* Exact encoded size of one member entry, so senders can pack gossip into
 * the datagram budget without trial encodes. */
size_t msg_member_size(const msg_member *member);

#endif /* HS_MSG_H_ */
