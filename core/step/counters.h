/* Node-wide counters: every rejection, error and protocol action that a
 * test or an operator may want to count.  Exposed over TCP (STATS_REQ) and
 * read directly by the simulator's checkers. */
#ifndef HS_COUNTERS_H_
#define HS_COUNTERS_H_

#include "base.h"

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
    X(disk_stale)                                                          \
    X(sends_failed)                                                        \
    X(member_changes)

typedef struct {
#define NODE_COUNTER_FIELD(name) uint64_t name;
    NODE_COUNTER_LIST(NODE_COUNTER_FIELD)
#undef NODE_COUNTER_FIELD
} node_counters;

#define NODE_COUNTER_COUNT (sizeof(node_counters) / sizeof(uint64_t))

/* Name of counter i in declaration order, NULL past the end. */
const char *node_counter_name(uint32_t i);
uint64_t node_counter_value(const node_counters *c, uint32_t i);

#endif /* HS_COUNTERS_H_ */
