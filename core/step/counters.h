/* Node-wide counters: every rejection, error and protocol action that a
 * test or an operator may want to count.  Exposed over TCP (STATS_REQ) and
 * read directly by the simulator's checkers. */
#ifndef HS_COUNTERS_H_
#define HS_COUNTERS_H_

#include <stddef.h>

#include "base.h"
#include "msg.h"
#include "step.h"

#define NODE_COUNTER_LIST(X)                                               \
    X(frames_rx)                                                           \
    X(frames_tx)                                                           \
    X(frames_rejected)                                                     \
    X(msgs_rejected)                                                       \
    X(unknown_type)                                                        \
    X(wrong_channel)                                                       \
    X(not_for_me)                                                          \
    X(stale_msgs)                                                          \
    X(error_replies_sent)                                                  \
    X(error_replies_suppressed)                                            \
    X(error_replies_received)                                              \
    X(replies_suppressed)                                                  \
    X(probes_sent)                                                         \
    X(acks_received)                                                       \
    X(indirect_probes_sent)                                                \
    X(relays_started)                                                      \
    X(relays_expired)                                                      \
    X(probes_failed)                                                       \
    X(suspicions_started)                                                  \
    X(deaths_declared)                                                     \
    X(refutations)                                                         \
    X(refutations_deferred)                                                \
    X(members_added)                                                       \
    X(members_reaped)                                                      \
    X(gossip_sent)                                                         \
    X(gossip_applied)                                                      \
    X(gossip_evicted)                                                      \
    X(joins_sent)                                                          \
    X(syncs_sent)                                                          \
    X(tables_full)                                                         \
    X(outbox_overflows)                                                    \
    X(encode_failures)                                                     \
    X(disk_failures)                                                       \
    X(control_requests)                                                    \
    X(hello_bound)                                                         \
    X(hello_refused)                                                       \
    X(hello_missing)                                                       \
    X(tcp_conns_closed)                                                    \
    X(tcp_conns_rejected)                                                  \
    X(tcp_conns_idle)                                                      \
    X(inputs_unhandled)                                                    \
    X(timers_stale)                                                        \
    X(timers_unowned)                                                      \
    X(timers_refused)                                                      \
    X(wakeups)                                                             \
    X(disk_stale)                                                          \
    X(sends_failed)                                                        \
    X(member_changes)                                                      \
    X(peers_evicted)                                                       \
    X(counters_truncated)

/* Messages and bytes received and sent, per message type.  Counted where
 * core decodes a frame (node's on_recv) and encodes one (ctx_send), so the
 * simulator's figures are the real node's.  Types at or above
 * NODE_MSG_TYPE_SLOTS share the last slot ("other"); the node layer
 * asserts at compile time that every module's types fit below it. */
#define NODE_MSG_TYPE_SLOTS 64u
#define NODE_MSG_SLOT_OTHER NODE_MSG_TYPE_SLOTS

typedef enum {
    NODE_DIR_RX = 0,
    NODE_DIR_TX = 1,
} node_msg_dir;

typedef struct {
    uint64_t msgs[2][NODE_MSG_TYPE_SLOTS + 1];
    uint64_t bytes[2][NODE_MSG_TYPE_SLOTS + 1];
} node_msg_counters;

/* The host's own counters (accepts and refusals by cause, I/O errors, ...),
 * as the host last handed them over (HS_IN_HOST_COUNTERS), so STATS_RESP
 * carries them beside core's.  Names are copied: an input's memory is the
 * host's and lives for one step only. */
#define NODE_HOST_COUNTERS_MAX 96u

typedef struct {
    uint32_t count;
    char names[NODE_HOST_COUNTERS_MAX][MSG_COUNTER_NAME_MAX + 1];
    uint64_t values[NODE_HOST_COUNTERS_MAX];
} node_host_counters;

typedef enum {
#define NODE_COUNTER_INDEX(name) NODE_COUNTER_IDX_##name,
    NODE_COUNTER_LIST(NODE_COUNTER_INDEX)
#undef NODE_COUNTER_INDEX
        NODE_COUNTER_COUNT
} node_counter_index;

/* The named counters come first, in list order (node_counter_value reads
 * them as an array); the per-type and host tables follow. */
typedef struct {
#define NODE_COUNTER_FIELD(name) uint64_t name;
    NODE_COUNTER_LIST(NODE_COUNTER_FIELD)
#undef NODE_COUNTER_FIELD
    node_msg_counters per_type;
    node_host_counters host;
} node_counters;

HS_STATIC_ASSERT(offsetof(node_counters, per_type) == NODE_COUNTER_COUNT * sizeof(uint64_t),
                 "named counters are one array");

/* Name of counter i in declaration order, NULL past the end. */
const char *node_counter_name(uint32_t i);
uint64_t node_counter_value(const node_counters *c, uint32_t i);

/* One message of `type` and `bytes` (frame included) received or sent. */
void node_counters_msg(node_counters *c, node_msg_dir dir, uint16_t type, uint32_t bytes);
/* Replaces the host table with `count` (name, value) pairs; names longer
 * than MSG_COUNTER_NAME_MAX and pairs past the cap are left out (the
 * host's table is sized to fit). */
/* Where a COUNTERS_TRUNCATED event's rows were lost. */
#define NODE_TRUNC_HOST_SET 1u  /* host counters beyond the cap or with too long a name */
#define NODE_TRUNC_REPLY 2u     /* rows beyond a stats reply's cap */
/* Returns the items not kept (the caller counts and reports them). */
HS_MUST_USE uint32_t node_counters_set_host(node_counters *c, const hs_host_counter *items,
                                            uint32_t count);

/* Fills a stats reply: every named counter, then the non-zero per-type
 * counters ("rx_msgs.ping", "rx_bytes.ping", "tx_msgs.ping",
 * "tx_bytes.ping"; "other" for the shared slot), then the host's.  Returns
 * how many were written; stops at cap (the caller sizes it). */
/* *dropped: rows that did not fit cap (the caller counts and reports). */
uint32_t node_counters_report(const node_counters *c, msg_find_fn find, msg_counter *out,
                              uint32_t cap, uint32_t *dropped);

#endif /* HS_COUNTERS_H_ */
