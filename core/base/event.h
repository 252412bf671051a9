/* Structured event records: the one way core reports what happened.
 *
 * Every error path in core emits exactly one event.  A record is a code, a
 * severity, an optional subject (a member name) and three integer fields
 * whose meaning and rendering are given by the code's row in HS_EVENT_LIST.
 * The simulator hashes and prints them; the real node logs them as text or
 * JSON lines. */
#ifndef HS_EVENT_H_
#define HS_EVENT_H_

#include "base.h"

typedef enum {
    HS_SEV_DEBUG = 0,
    HS_SEV_INFO = 1,
    HS_SEV_WARN = 2,
    HS_SEV_ERROR = 3,
} hs_severity;

/* How a field is rendered. */
typedef enum {
    HS_EVF_NONE = 0, /* field unused */
    HS_EVF_U64,      /* decimal integer */
    HS_EVF_STATE,    /* member state name */
    HS_EVF_MSG,      /* message type name */
    HS_EVF_STATUS,   /* hs_status name */
    HS_EVF_ADDR,     /* hs_addr_key() value as a.b.c.d:port */
    HS_EVF_MS,       /* nanoseconds rendered as milliseconds */
    HS_EVF_CHANNEL,  /* udp / tcp */
    HS_EVF_TABLE,    /* hs_table id name */
    HS_EVF_INPUT,    /* input kind name */
    HS_EVF_ID64,     /* 64-bit id, sequence number, packed version or ns count: a decimal
                      * integer, quoted in JSON so a reader that takes numbers as doubles
                      * (jq, JavaScript) keeps every digit */
} hs_event_field_kind;

/* X(code, severity, subject label, a label, a kind, b label, b kind,
 *   c label, c kind).  A NULL label means the field is unused. */
#define HS_EVENT_LIST(X)                                                              \
    X(NODE_START, HS_SEV_INFO, NULL, "role", U64, "members_cap", U64, NULL, NONE)        \
    X(NODE_READY, HS_SEV_INFO, NULL, "incarnation", U64, "ceiling", U64, NULL, NONE)      \
    X(NODE_LEAVING, HS_SEV_INFO, NULL, "incarnation", U64, NULL, NONE, NULL, NONE)        \
    X(NODE_HALTED, HS_SEV_ERROR, "owner", "reason", STATUS, NULL, NONE, NULL, NONE)       \
    X(META_LOADED, HS_SEV_INFO, NULL, "ceiling", U64, "slot", U64, "seq", ID64)         \
    X(META_FRESH, HS_SEV_INFO, NULL, NULL, NONE, NULL, NONE, NULL, NONE)                  \
    X(META_SLOT_INVALID, HS_SEV_WARN, NULL, "slot", U64, "status", STATUS, NULL, NONE)    \
    X(META_PERSISTED, HS_SEV_DEBUG, NULL, "ceiling", U64, "seq", ID64, NULL, NONE)      \
    X(DISK_FAILED, HS_SEV_ERROR, NULL, "op", ID64, "status", STATUS, "retry_ms", MS)    \
    X(MEMBER_ADDED, HS_SEV_INFO, "member", "addr", ADDR, "state", STATE, "inc", U64)      \
    X(MEMBER_STATE, HS_SEV_INFO, "member", "from", STATE, "to", STATE, "inc", U64)        \
    X(MEMBER_ADDR, HS_SEV_WARN, "member", "old", ADDR, "new", ADDR, "inc", U64)           \
    X(MEMBER_REAPED, HS_SEV_INFO, "member", "state", STATE, "inc", U64, NULL, NONE)       \
    X(SELF_REFUTED, HS_SEV_INFO, NULL, "accused", STATE, "old_inc", U64, "new_inc", U64)  \
    X(SELF_REFUTE_DEFERRED, HS_SEV_WARN, NULL, "inc", U64, "ceiling", U64, NULL, NONE)    \
    X(ENTRY_IMPOSSIBLE, HS_SEV_WARN, "member", "state", STATE, "inc", U64, "known", U64)  \
    X(PROBE_DIRECT_TIMEOUT, HS_SEV_DEBUG, "member", "seq", ID64, NULL, NONE, NULL, NONE) \
    X(PROBE_FAILED, HS_SEV_INFO, "member", "seq", ID64, "proxies", U64, NULL, NONE)     \
    X(SUSPICION_EXPIRED, HS_SEV_INFO, "member", "inc", U64, "after", MS, NULL, NONE)      \
    X(JOIN_SENT, HS_SEV_DEBUG, NULL, "seed", ADDR, "attempt", U64, NULL, NONE)            \
    X(JOIN_DONE, HS_SEV_INFO, "via", "members", U64, NULL, NONE, NULL, NONE)              \
    X(JOIN_REJECTED, HS_SEV_ERROR, "via", "reason", STATUS, "their_version", U64, NULL, NONE) \
    X(SYNC_SENT, HS_SEV_DEBUG, "member", "state", STATE, "entries", U64, NULL, NONE)       \
    X(FRAME_REJECTED, HS_SEV_DEBUG, NULL, "reason", STATUS, "channel", CHANNEL, "from", ADDR) \
    X(MSG_REJECTED, HS_SEV_DEBUG, NULL, "reason", STATUS, "type", MSG, "from", ADDR)      \
    X(MSG_UNKNOWN_TYPE, HS_SEV_WARN, NULL, "type", U64, "channel", CHANNEL, "from", ADDR) \
    X(MSG_WRONG_CHANNEL, HS_SEV_WARN, NULL, "type", MSG, "channel", CHANNEL, "from", ADDR) \
    X(MSG_STALE, HS_SEV_DEBUG, NULL, "type", MSG, "seq", ID64, "from", ADDR)            \
    X(MSG_NOT_FOR_ME, HS_SEV_WARN, "target", "type", MSG, "from", ADDR, NULL, NONE)       \
    X(ERROR_REPLY_SENT, HS_SEV_DEBUG, NULL, "reason", STATUS, "type", U64, "to", ADDR)    \
    X(ERROR_REPLY_SUPPRESSED, HS_SEV_DEBUG, NULL, "reason", STATUS, "type", U64, "to", ADDR) \
    X(ERROR_REPLY_RECEIVED, HS_SEV_WARN, NULL, "reason", STATUS, "type", U64, "from", ADDR) \
    X(REPLY_SUPPRESSED, HS_SEV_DEBUG, "source", "type", MSG, "from", ADDR, NULL, NONE)    \
    X(TABLE_FULL, HS_SEV_WARN, NULL, "table", TABLE, "cap", U64, "count", U64)            \
    X(OUTBOX_FULL, HS_SEV_ERROR, NULL, "dropped_kind", U64, "bytes", U64, "lost", U64)     \
    X(ENCODE_FAILED, HS_SEV_ERROR, NULL, "type", MSG, "status", STATUS, NULL, NONE)       \
    X(INPUT_UNHANDLED, HS_SEV_WARN, NULL, "input", INPUT, NULL, NONE, NULL, NONE)         \
    X(TIMER_STALE, HS_SEV_ERROR, NULL, "timer", ID64, NULL, NONE, NULL, NONE)           \
    X(CONTROL_REQUEST, HS_SEV_DEBUG, NULL, "type", MSG, "conn", ID64, NULL, NONE)       \
    X(CONN_CLOSED, HS_SEV_DEBUG, NULL, "conn", ID64, "reason", STATUS, NULL, NONE)      \
    X(HOST_ERROR, HS_SEV_ERROR, NULL, "op", U64, "errno", U64, "detail", U64)            \
    X(TIMER_UNOWNED, HS_SEV_ERROR, NULL, "timer", ID64, "kind", U64, NULL, NONE)        \
    X(TIMER_REFUSED, HS_SEV_WARN, NULL, "timer", ID64, "reason", STATUS, "retry_ms", MS) \
    X(TIMER_ABANDONED, HS_SEV_ERROR, NULL, "timer", ID64, "reason", STATUS, NULL, NONE) \
    X(DISK_STALE, HS_SEV_ERROR, NULL, "op", ID64, "status", STATUS, NULL, NONE)         \
    X(SEND_FAILED, HS_SEV_DEBUG, NULL, "type", MSG, "reason", STATUS, "to", ADDR)          \
    X(MEMBER_QUEUE_FULL, HS_SEV_ERROR, "member", "change", U64, "cap", U64, NULL, NONE)   \
    X(HELLO_BOUND, HS_SEV_DEBUG, "peer", "conn", ID64, "role", U64, "version", ID64)    \
    X(HELLO_REFUSED, HS_SEV_WARN, "peer", "reason", STATUS, "conn", ID64, "their_major", U64) \
    X(HELLO_MISSING, HS_SEV_WARN, NULL, "type", MSG, "conn", ID64, "from", ADDR)        \
    X(PEER_EVICTED, HS_SEV_WARN, "peer", "conn", ID64, "by_conn", ID64, "idle_ns", ID64) \
    X(COUNTERS_TRUNCATED, HS_SEV_WARN, NULL, "where", U64, "dropped", U64, "cap", U64)

typedef enum {
#define HS_EVENT_ENUM(code, sev, subj, al, ak, bl, bk, cl, ck) HS_EV_##code,
    HS_EVENT_LIST(HS_EVENT_ENUM)
#undef HS_EVENT_ENUM
        HS_EV_COUNT
} hs_event_code;

typedef struct {
    uint16_t code;    /* hs_event_code */
    uint8_t severity; /* hs_severity */
    hs_name subject;  /* empty when the code has no subject */
    uint64_t a;
    uint64_t b;
    uint64_t c;
} hs_event;

/* Tables with caps, named in TABLE_FULL events and in the bounds checker. */
#define HS_TABLE_LIST(X)                                                   \
    X(MEMBERS, "members")                                                  \
    X(GOSSIP, "gossip")                                                    \
    X(RELAYS, "relays")                                                    \
    X(PROBE_ORDER, "probe_order")                                          \
    X(OUTBOX, "outbox")                                                    \
    X(DISK_OPS, "disk_ops")                                                \
    X(TIMERS, "timers")                                                    \
    X(NET_QUEUE, "net_queue")                                              \
    X(CONNECTIONS, "connections")                                          \
    X(CONN_BUFFER, "conn_buffer")                                          \
    X(MEMBER_CHANGES, "member_changes")                                    \
    X(TIMER_RETRIES, "timer_retries")                                      \
    X(PEERS, "peers")

typedef enum {
#define HS_TABLE_ENUM(id, name) HS_TABLE_##id,
    HS_TABLE_LIST(HS_TABLE_ENUM)
#undef HS_TABLE_ENUM
        HS_TABLE_COUNT
} hs_table_id;

/* An event's name as rendered ("member_state"): written lower-case into
 * storage the caller owns, so core keeps no mutable cache (a host thread
 * formatting events must not race on one).  Returns out->text. */
#define HS_EVENT_NAME_MAX 48u
typedef struct {
    char text[HS_EVENT_NAME_MAX];
} hs_event_name;
const char *hs_event_code_name(uint16_t code, hs_event_name *out);
hs_severity hs_event_code_severity(uint16_t code);
const char *hs_severity_name(uint8_t severity);
const char *hs_table_name(uint32_t table);

/* Renders "code key=value ..." (no time, no node) into out; returns the
 * length written, truncating safely. */
size_t hs_event_format_text(const hs_event *event, char *out, size_t cap);
/* Renders the fields as JSON members without braces:
 * "event":"member_state","member":"n2",... */
size_t hs_event_format_json(const hs_event *event, char *out, size_t cap);

/* Hooks the renderer uses for kinds owned by other modules.  Registered by
 * the modules at link time through these weakly-coupled functions. */
const char *hs_event_state_name(uint64_t state);
const char *hs_event_msg_name(uint64_t type);
const char *hs_event_input_name(uint64_t input);

#endif /* HS_EVENT_H_ */
