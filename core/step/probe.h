/* Coverage probes: named points on the rare paths of core (FoundationDB's
 * code probes).  Each hit bumps a counter in the node's hs_probes, which a
 * step reaches through its step_ctx; the simulator adds them up over a run
 * and a sweep, prints the probes a sweep never hit, and the test run fails
 * when a probe marked required is never hit (tests/sim_suites.py, suite
 * sim:probes).  A probe changes no output: traces and hashes are the same
 * with or without them.
 *
 * X(ID, "module.what", required): required 1 when the test run's sweeps
 * must reach the path; 0 for paths that need a fault class or a limit the
 * simulator does not draw yet (docs/verification.md lists them). */
#ifndef HS_PROBE_H_
#define HS_PROBE_H_

#include "base.h"

#define HS_PROBE_LIST(X)                                                   \
    X(SWIM_REFUTE, "swim.refute", 1)                                       \
    X(SWIM_REFUTE_DEFERRED, "swim.refute_deferred", 0)                     \
    X(SWIM_REFUTE_AT_MAX, "swim.refute_at_incarnation_max", 0)             \
    X(SWIM_REFUTE_RESUMED, "swim.refute_resumed_on_ceiling", 0)            \
    X(SWIM_ACCUSATION_CLAMPED, "swim.accusation_clamped", 1)               \
    X(SWIM_ADDR_CONFLICT, "swim.addr_conflict_same_incarnation", 1)        \
    X(SWIM_ADDR_CHANGED, "swim.addr_changed", 1)                           \
    X(SWIM_SUSPECT_REARMED, "swim.suspicion_rearmed_newer_inc", 0)         \
    X(SWIM_SUSPICION_EXPIRED, "swim.suspicion_expired", 1)                 \
    X(SWIM_REAPED, "swim.member_reaped", 1)                                \
    X(SWIM_REPLY_SUPPRESSED, "swim.stranger_reply_suppressed", 1)          \
    X(SWIM_NOT_FOR_ME, "swim.probe_not_for_me", 1)                         \
    X(SWIM_STALE_ACK, "swim.stale_ack", 1)                                 \
    X(SWIM_RELAY_EXPIRED, "swim.relay_expired", 1)                         \
    X(SWIM_RELAYS_FULL, "swim.relays_full", 1)                             \
    X(SWIM_MEMBERS_FULL, "swim.members_full", 0)                           \
    X(SWIM_GOSSIP_EVICTED, "swim.gossip_evicted", 1)                       \
    X(SWIM_JOIN_RETRY, "swim.join_retry", 1)                               \
    X(SWIM_JOIN_VERSION_REFUSED, "swim.join_version_refused", 0)           \
    X(SWIM_JOIN_REJECTED, "swim.join_rejected", 0)                         \
    X(SWIM_SYNC_TO_SEED, "swim.sync_fallback_to_seed", 1)                  \
    X(SWIM_RECONNECT_DEAD, "swim.reconnect_dead_member", 1)                \
    X(SWIM_RECONNECT_SEED, "swim.reconnect_unknown_seed", 1)               \
    X(SWIM_LEAVE, "swim.leave", 1)                                         \
    X(SWIM_TIMER_REFUSED, "swim.timer_refused", 0)                         \
    X(SWIM_TIMER_ABANDONED, "swim.timer_abandoned", 0)                     \
    X(SWIM_REARMED_ON_WAKE, "swim.rearmed_on_wake", 1)                     \
    X(META_FRESH, "meta.fresh_start", 1)                                   \
    X(META_LOADED, "meta.loaded", 1)                                       \
    X(META_SLOT_INVALID, "meta.slot_invalid", 0)                           \
    X(META_DISK_FAILED, "meta.disk_failed", 1)                             \
    X(META_RETRY_ABANDONED, "meta.retry_abandoned", 0)                     \
    X(META_RETRY_PARKED, "meta.retry_parked", 1)                           \
    X(META_RETRY_WOKEN, "meta.retry_woken", 1)                             \
    X(NODE_TIMERS_HANDED_BACK, "node.timers_handed_back", 1)               \
    X(NODE_FRAME_REJECTED, "node.frame_rejected", 1)                       \
    X(NODE_MSG_REJECTED, "node.msg_rejected", 1)                           \
    X(NODE_UNKNOWN_TYPE, "node.unknown_type", 1)                           \
    X(NODE_WRONG_CHANNEL, "node.wrong_channel", 1)                         \
    X(NODE_TIMER_STALE, "node.timer_stale", 0)                             \
    X(NODE_DISK_STALE, "node.disk_stale", 0)                               \
    X(NODE_SEND_FAILED, "node.send_failed", 1)                             \
    X(NODE_HALTED, "node.halted", 0)                                       \
    X(NODE_HELLO_REFUSED, "node.hello_refused", 1)                         \
    X(NODE_HELLO_MISSING, "node.hello_missing", 1)                         \
    X(NODE_PEER_EVICTED, "node.peer_evicted", 0)                           \
    X(NODE_ERROR_REPLY_SUPPRESSED, "node.error_reply_suppressed", 0)       \
    X(NODE_COUNTERS_TRUNCATED, "node.counters_truncated", 0)               \
    X(STEP_OUTBOX_FULL, "step.outbox_full", 0)                             \
    X(STEP_ENCODE_FAILED, "step.encode_failed", 0)

typedef enum {
#define HS_PROBE_ENUM(id, name, required) HS_PROBE_##id,
    HS_PROBE_LIST(HS_PROBE_ENUM)
#undef HS_PROBE_ENUM
        HS_PROBE_COUNT
} hs_probe_id;

typedef struct {
    uint64_t hits[HS_PROBE_COUNT];
} hs_probes;

const char *hs_probe_name(uint32_t id);
bool hs_probe_required(uint32_t id);

/* ctx->probes is NULL in unit tests that build a step_ctx by hand. */
#define HS_PROBE(ctx, id)                                                  \
    do {                                                                   \
        if ((ctx)->probes != NULL) {                                       \
            (ctx)->probes->hits[HS_PROBE_##id]++;                          \
        }                                                                  \
    } while (0)

#endif /* HS_PROBE_H_ */
