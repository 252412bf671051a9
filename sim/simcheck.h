/* Invariant checkers, run by the simulator after every step.
 *
 * Per step, a check costs O(1) unless what it reads moved: the stepped
 * node's view (swim.view_version; the slots that changed are re-read when
 * at most SWIM_CHANGES_MAX changes behind, else all of them) or the
 * cluster (simcheck_cluster.version: a crash, a start, a node's running
 * state or own incarnation).  A row's result is a function of exactly
 * those, so skipping an unmoved row loses nothing.  The names below are
 * the invariants' names everywhere: code, JSON, docs.
 *
 * Safety (always):
 * - incarnation_monotonic: a node's own incarnation never decreases, across
 *   restarts too (tracked per node index, compared while node_running);
 *   the first incarnation after a restart is strictly above the last one
 *   seen before the crash.
 * - member_view_monotonic: for each observer and each member record (same
 *   uid), (incarnation, state rank) never goes backwards; rank ALIVE 0 <
 *   SUSPECT 1 < DEAD 2 = LEFT 2.
 * - timer_owner_live: a timer is delivered only while its owner exists.
 * - owned_ids: no node reports a stale or unowned timer or disk completion
 *   or a full membership-change queue (event records, check_ids.c).
 * - bounds: every table every module reports (node_tables) within its cap,
 *   the outbox never overflowed, and the simulator's own queues within
 *   theirs (check_bounds.c).
 * Liveness (after the heal at the start of the liveness phase):
 * - membership_converged: by the convergence deadline every node that is
 *   not permanently down runs and sees every other such node ALIVE at that
 *   node's current incarnation.
 * - crashed_node_declared_dead: from the detection deadline on, no running
 *   node sees a permanently-down node, or a fake member of the forge
 *   class, other than DEAD or LEFT (or absent).
 * - live_node_not_dead: from the convergence deadline on, no running node
 *   sees another running node DEAD.
 * Mechanisms (always, check_mech.c; each says that one mechanism did its
 * job, read off the host's timer table, not off the module's own flags):
 * - member_timers: every SUSPECT member has its suspicion timer armed at
 *   its deadline, no later than the longest suspicion timeout the
 *   configuration allows after the suspicion began; every DEAD or LEFT
 *   member its reap timer at exactly dead_retention after the transition;
 *   an ALIVE member neither, a removed record none.
 * - duty_timers: a started node has its probe round armed within one
 *   probe interval, its sync and reconnect rounds within theirs; a probe
 *   whose direct ack has not come and whose timeout has not fired has the
 *   timeout armed within probe_timeout; a node not yet joined has its join
 *   retry armed at its backoff (join_retry_min doubling to join_retry_max);
 *   after a SWIM timer is delivered, no refused timer still waits in the
 *   re-arm list.
 * - gossip_limits: the retransmit limit is max(1, floor(retransmit_mult *
 *   ln(n + 1))) for the cluster size n; every queued gossip entry was sent
 *   fewer times than it and is younger than gossip_max_age plus one probe
 *   interval; the queue's live count matches its entries; a record (or
 *   our own) that changed in the step has its entry queued, unless the
 *   step may have sent it its last time or the queue is full.
 * - join_bound (sim.c, liveness phase): at heal + 2 x join_retry_max + one
 *   stranger-bucket token + the disk and network allowances, every
 *   running node with a running seed has joined.
 * - calm_no_death (sim.c, safety phase): no node declares a running node
 *   DEAD once only loss-class faults (loss, duplication, reordering,
 *   latency spikes) have been at work for the detection bound plus four
 *   probe intervals and the allowances (partitions, heals, crashes,
 *   starts, failed disk writes and forged datagrams restart the window).
 * - record_events (check_story.c): every record whose state or
 *   incarnation changed in a step has an event telling its new state and
 *   incarnation, and the fan-out and membership counters moved by exactly
 *   what the events tell.
 * - incarnation_ceiling (check_swim.c): a running node never uses an
 *   incarnation above the ceiling its metadata store holds durable; the
 *   ceiling durable or asked for stays half a window (SWIM_INC_WINDOW / 2)
 *   ahead of the incarnation, so a refutation never waits for a write it
 *   could have asked for earlier; a deferred refutation has its write
 *   asked for.
 * - round_sends (check_rounds.c): each probe, sync and reconnect round
 *   sends its one message when it has someone to send to, and none when
 *   it has not.
 * - meta_recovery (check_meta.c): a node whose first start finds a
 *   metadata file the simulator wrote (an old life's record beside a
 *   second slot drawn by stale_slot_ppm) reports each slot it must refuse,
 *   with the status its defect calls for, no other, and loads the record
 *   the simulator knows to be the newest valid one.
 * - accused_first (check_gossip.c): a PING about a member the sender
 *   holds as SUSPECT or DEAD (its probe, or one relayed for a ping-req)
 *   carries that record first: the accused hears the accusation in the
 *   exchange and can refute it at once.
 * - refute_cause (check_gossip.c): a started node's own incarnation rises
 *   only by one, in a step whose input accused it at its current
 *   incarnation (a non-ALIVE entry naming it, read with core's decoder)
 *   or that resumed a refutation waiting for its ceiling write.
 * - ack_self_first (check_gossip.c): the ACK answering a PING whose sender
 *   held a stale copy of the node (no incarnation, or another one) leads
 *   with the node's own record at its current incarnation.
 * - probe_acked (check_gossip.c): an ACK with the sequence number of the
 *   probe in flight ends its direct phase in that step (the timeout is no
 *   longer armed at the host); an ACK with another number leaves it armed.
 * - heap_returned (sim.c): every block core's heap gave a node (counted by
 *   the simulator's heap, core/base/alloc.h) is back when the node is
 *   destroyed (a crash, a stop) or its creation failed; a leak is
 *   invisible to a release run otherwise.
 * Configuration (sim.c, at creation; sim/simconf.h):
 * - config_refused: each node's settings, written as a config file, read
 *   back through core's engine unchanged; an invalid variant drawn for one
 *   node in four is refused with the status and words its mistake calls
 *   for. */
#ifndef SIMCHECK_H_
#define SIMCHECK_H_

#include "base.h"
#include "node.h"
#include "simopt.h"
#include "simset.h"

#define SIMCHECK_LIST(X)                                                   \
    X(INCARNATION_MONOTONIC, "incarnation_monotonic")                      \
    X(MEMBER_VIEW_MONOTONIC, "member_view_monotonic")                      \
    X(TIMER_OWNER_LIVE, "timer_owner_live")                                \
    X(BOUNDS, "bounds")                                                    \
    X(MEMBERSHIP_CONVERGED, "membership_converged")                        \
    X(CRASHED_NODE_DECLARED_DEAD, "crashed_node_declared_dead")            \
    X(LIVE_NODE_NOT_DEAD, "live_node_not_dead")                            \
    X(OWNED_IDS, "owned_ids")                                              \
    X(TCP_STREAM, "tcp_stream")                                            \
    X(CONTROL_REPLY, "control_reply")                                      \
    X(MEMBER_TIMERS, "member_timers")                                      \
    X(DUTY_TIMERS, "duty_timers")                                          \
    X(GOSSIP_LIMITS, "gossip_limits")                                      \
    X(JOIN_BOUND, "join_bound")                                            \
    X(CALM_NO_DEATH, "calm_no_death")                                      \
    X(CONFIG_REFUSED, "config_refused")                                    \
    X(RECORD_EVENTS, "record_events")                                      \
    X(INCARNATION_CEILING, "incarnation_ceiling")                          \
    X(ROUND_SENDS, "round_sends")                                          \
    X(META_RECOVERY, "meta_recovery")                                      \
    X(HEAP_RETURNED, "heap_returned")                                      \
    X(ACCUSED_FIRST, "accused_first")                                      \
    X(REFUTE_CAUSE, "refute_cause")                                        \
    X(ACK_SELF_FIRST, "ack_self_first")                                    \
    X(PROBE_ACKED, "probe_acked")                                          \
    X(STRANGER_REPLIES, "stranger_replies")                                \
    X(ACCUSATION_ANSWERED, "accusation_answered")                          \
    X(SYNC_LISTS, "sync_lists")

typedef enum {
#define SIMCHECK_ENUM(id, name) SIMCHECK_##id,
    SIMCHECK_LIST(SIMCHECK_ENUM)
#undef SIMCHECK_ENUM
        SIMCHECK_COUNT
} simcheck_id;

#define SIMCHECK_STORED_MAX 64u
#define SIMCHECK_DETAIL_MAX 192u

/* An input a node stepped on, kept as the origin of what the step
 * changed: a violation points at the input that created the offending
 * state (the record's last change, or the step that broke a duty). */
typedef struct {
    uint64_t at_ns;  /* global time of the input */
    uint64_t event;  /* 1-based input index of the run; 0: none known */
    hs_addr from;    /* recv: the sender's address */
    uint16_t type;   /* recv: frame type; timer: timer kind; command: command */
    uint8_t kind;    /* hs_input_kind */
    uint8_t channel; /* recv: hs_channel */
    uint8_t module;  /* timer: the owning module (node_timer_module) */
} simcheck_origin;

typedef struct {
    uint32_t invariant; /* simcheck_id */
    uint64_t time_ns;
    int32_t node;       /* 0-based observer, -1 for the cluster */
    int32_t member_slot; /* the observer's record the violation is about; -1: none */
    simcheck_origin origin; /* event 0: unknown */
    char detail[SIMCHECK_DETAIL_MAX];
} simcheck_violation;

/* stranger_replies: a shadow token bucket (check_replies.c). */
typedef struct {
    uint64_t tat;   /* theoretical arrival time, ns x tokens per second */
    uint32_t draws; /* in this process */
} simcheck_shadow;

typedef struct {
    bool valid;
    bool suppressed; /* the step refused a stranger (reply_suppressed) */
    bool running;    /* the node ran SWIM when the step began */
    bool udp;        /* the step's input was a datagram, from: */
    hs_addr from;
    uint32_t epoch;
    uint64_t base_ns; /* local time the shadows start full at */
    uint32_t error_per_sec; /* node_ctl's error-reply bucket, from the config */
    uint32_t error_burst;
    simcheck_shadow stranger;
    simcheck_shadow error;
} simcheck_replies;

/* What one observer last saw of the record in one member slot. */
typedef struct {
    uint64_t uid;
    uint32_t inc;
    uint32_t epoch; /* valid while equal to the observer's epoch */
    uint8_t state;  /* its rank (swim_state_rank) is what may not go back */
} simcheck_view;

/* record_events (check_story.c): what the events of the step being
 * checked told about one record, and their tallies. */
#define SIMCHECK_TOLD_MAX 64u
typedef struct {
    hs_name name;
    uint32_t inc;
    uint8_t state;
} simcheck_told;

typedef struct {
    uint64_t added;
    uint64_t transitions;
    uint64_t reaped;
    uint64_t suspicions;
    uint64_t deaths;
    uint64_t refuted;
    uint64_t joins_done;
    uint64_t leaves;       /* node_leaving */
    uint64_t rejected;     /* msg_rejected: every counted rejection says why */
    uint64_t disk_failed;  /* disk_failed */
    uint64_t refusals;     /* timer_refused, timer_abandoned: every refusal answered */
} simcheck_tally;

/* The node's counters at its last step, in the process of epoch. */
typedef struct {
    uint64_t member_changes;
    uint64_t members_added;
    uint64_t members_reaped;
    uint64_t suspicions_started;
    uint64_t deaths_declared;
    uint64_t refutations;
    uint64_t msgs_rejected;
    uint64_t disk_failures;
    uint64_t timers_refused;
    uint64_t probes_sent;   /* round_sends (check_rounds.c) */
    uint64_t syncs_sent;
    uint32_t join_done;     /* join_done events in this process */
    uint32_t leaving;       /* node_leaving events in this process */
    uint32_t epoch;
} simcheck_counts;

/* meta_recovery (check_meta.c): what node i's first load must find. */
typedef struct {
    uint64_t seq;       /* the newest valid record's */
    uint32_t ceiling;
    int32_t bad_slot;   /* the slot it must refuse; -1: none */
    uint32_t bad_status; /* hs_status it must refuse it with */
    bool active;        /* until the first load */
    bool bad_seen;
} simcheck_recovery;

/* refute_cause (check_gossip.c): node i before the step being checked. */
typedef struct {
    uint32_t epoch;
    uint32_t inc;  /* own incarnation */
    bool started;  /* running with SWIM started */
    bool pending;  /* a refutation waited for its ceiling write */
    bool accused;  /* the input accused it at inc, in a list core applies */
    bool leaving;  /* in its leave grace: accusations go unanswered */
    /* ack_self_first: the input was a PING to it (pinged), with the
     * incarnation the prober holds for it, if it sent one. */
    bool pinged;
    bool ping_has_inc;
    uint32_t ping_target_inc;
    uint64_t ping_seq;
    hs_addr ping_from;
    const hs_input *in; /* the step's input, until read (read_once) */
    uint16_t in_type;   /* its frame type (0: not a frame) */
    /* probe_acked: the probe in flight before the step, and the ACK the
     * input carried. */
    bool probe_open;
    bool timeout_armed; /* its timeout, at the host before the step */
    bool acked;
    uint64_t probe_seq;
    uint64_t ack_seq;
} simcheck_refute;

/* What a cached row result was computed from; valid false: never. */
typedef struct {
    uint64_t view_version;
    uint64_t cluster_version;
    uint32_t epoch;
    bool valid;
} simcheck_key;

#define SIMCHECK_NO_COMPONENT UINT16_MAX

/* The cluster as the cluster-wide checks see it. */
typedef struct {
    uint32_t count;
    const node *nodes[SIMOPT_NODES_MAX]; /* NULL while crashed */
    hs_name names[SIMOPT_NODES_MAX];
    simset perm_down;                    /* node i stays down */
    /* Node i's group of nodes that reach each other through their seeds
     * (SIMCHECK_NO_COMPONENT while kept down): convergence is owed only
     * between nodes of one group.  One group unless a node that used up
     * its incarnations was the only link between two. */
    uint16_t component[SIMOPT_NODES_MAX];
    /* Bumped by the simulator whenever a node crashes or starts, or its
     * running state or own incarnation changes. */
    uint64_t version;
    /* Fake members forged records may have introduced: never running,
     * so held to crashed_node_declared_dead like a kept-down node. */
    hs_name fakes[SIMOPT_FORGE_FAKES_MAX];
    uint32_t fake_count;
} simcheck_cluster;

/* The host's timer table as the mechanism checks read it (sim.c). */
typedef struct {
    const void *host;
    /* Whether node i's host holds timer id, and when it fires: global
     * time, and the node's local time then. */
    bool (*armed)(const void *host, uint32_t i, uint64_t id, uint64_t *fires_global_ns,
                  uint64_t *fires_local_ns);
    uint64_t (*local_now)(const void *host, uint32_t i);
    /* Whether the host refused timer id of node i and has not told the
     * node yet (its TIMER_REFUSED input is queued): armed for the checks,
     * at a deadline they cannot know. */
    bool (*refusing)(const void *host, uint32_t i, uint64_t id);
} simcheck_timers;

/* Member slots whose timers a step touched (set, cancel or delivery). */
#define SIMCHECK_TOUCHED_MAX 64u

typedef struct {
    uint32_t nodes;
    uint32_t members_cap;
    simcheck_timers timers;
    uint32_t touched[SIMCHECK_TOUCHED_MAX];
    uint32_t touched_count;
    bool touched_overflow; /* more than fit: the next check reads every member */
    uint32_t duty_touched; /* bit per SWIM timer kind the step touched */
    /* Per node, what the duty and gossip checks last ran on (check_mech.c):
     * they rerun only when it moved. */
    uint64_t duty_key[SIMOPT_NODES_MAX];
    uint32_t duty_epoch[SIMOPT_NODES_MAX];
    uint64_t gossip_sent[SIMOPT_NODES_MAX];
    uint32_t gossip_epoch[SIMOPT_NODES_MAX];
    /* Per node, what check_mech last read: view version and epoch. */
    uint64_t mech_version[SIMOPT_NODES_MAX];
    uint32_t mech_epoch[SIMOPT_NODES_MAX];
    /* The probe whose direct timeout was delivered (its seq), per epoch. */
    uint64_t timeout_fired_seq[SIMOPT_NODES_MAX];
    uint32_t timeout_fired_epoch[SIMOPT_NODES_MAX];
    /* The epoch in which the host last refused one of the node's timers:
     * re-armed timers fire at a backoff, not at their first deadline. */
    uint32_t refused_epoch[SIMOPT_NODES_MAX];
    /* The cluster sizes (members + 1) the process has seen, per epoch:
     * its suspicion timeouts were armed at one of them. */
    uint32_t size_min[SIMOPT_NODES_MAX];
    uint32_t size_max[SIMOPT_NODES_MAX];
    uint32_t size_epoch[SIMOPT_NODES_MAX];
    uint32_t size_prev[SIMOPT_NODES_MAX]; /* after the node's last step */
    uint32_t size_prev_epoch[SIMOPT_NODES_MAX];
    /* The member count the retransmit limit was last checked at. */
    uint32_t limit_members[SIMOPT_NODES_MAX];
    uint32_t limit_epoch[SIMOPT_NODES_MAX];
    /* Our own (incarnation, state) at the last check, per epoch. */
    uint64_t self_key[SIMOPT_NODES_MAX];
    uint32_t self_epoch[SIMOPT_NODES_MAX];
    simcheck_view *views[SIMOPT_NODES_MAX];
    /* Per observer and member slot: the input that last changed the
     * record (check_swim.c keeps it with the views); and the input each
     * node is stepping on now (simcheck_input). */
    simcheck_origin *origins[SIMOPT_NODES_MAX];
    simcheck_origin origin_now[SIMOPT_NODES_MAX];
    /* duty_timers: the timer a TIMER_REFUSED input of this step named, and
     * whether the step abandoned it with a timer_abandoned event. */
    bool step_refused;
    bool step_abandoned;
    /* The step's outbox was squeezed (outbox_squeeze_ppm): a re-arm it
     * could not hold went back to the re-arm list, legitimately. */
    bool step_squeezed;
    uint64_t step_refused_id;
    /* duty_timers: the host's one wake-up per node (global time, 0: none),
     * as the simulator keeps it (simcheck_wake). */
    uint64_t wake_at_ns[SIMOPT_NODES_MAX];
    /* duty_timers, the re-arm backoff: SWIM's parked count and backoff as
     * the step found them, and whether it delivers a live SWIM timer. */
    uint32_t parked_before;
    bool started_before; /* record_events: SWIM was started when the step began */
    uint64_t probe_before; /* duty_timers: the probe in flight when the step began (uid) */
    /* duty_timers: timers the step's timer_abandoned events gave up on */
    uint64_t abandoned[8];
    uint32_t abandoned_count;
    bool step_late;      /* owned_ids: the step delivers a cancelled timer (late_timer_ppm) */
    /* duty_timers, the metadata retry's backoff as its events tell it
     * (check_meta.c), valid in the process of meta_backoff_epoch. */
    uint32_t meta_backoff_ms[SIMOPT_NODES_MAX];
    uint64_t step_disk_failed_ns; /* the delay the step's disk_failed told (0: none) */
    uint32_t meta_backoff_epoch[SIMOPT_NODES_MAX];
    uint32_t backoff_before_ms;
    bool swim_timer_live;
    /* record_events: the step's told records and tallies, and each node's
     * counters after its last step. */
    simcheck_told told[SIMCHECK_TOLD_MAX];
    uint32_t told_count;
    bool told_overflow;
    simcheck_tally tally;
    simcheck_counts counts[SIMOPT_NODES_MAX];
    bool was_leaving[SIMOPT_NODES_MAX]; /* swim.leaving after the node's last step */
    simcheck_recovery recovery[SIMOPT_NODES_MAX];
    simcheck_refute refute[SIMOPT_NODES_MAX];
    simcheck_replies replies[SIMOPT_NODES_MAX];
    uint32_t epoch[SIMOPT_NODES_MAX]; /* bumped when the observer's process dies */
    /* The observer's swim view_version when its views were last read, and
     * the epoch that reading belongs to: unchanged tables are not re-read. */
    uint64_t views_version[SIMOPT_NODES_MAX];
    uint32_t views_epoch[SIMOPT_NODES_MAX];
    bool views_read[SIMOPT_NODES_MAX];
    /* Valid views per observer: the records the view-change log has told
     * the checker of, which must be the member count after every step. */
    uint32_t views_live[SIMOPT_NODES_MAX];
    bool inc_seen[SIMOPT_NODES_MAX];
    bool inc_restarted[SIMOPT_NODES_MAX]; /* next running inc must exceed inc_last */
    uint32_t inc_last[SIMOPT_NODES_MAX];
    /* Liveness state.  A row (what observer i sees) is recomputed only
     * when its key moved: (observer epoch, view_version, cluster version). */
    bool row_ok[SIMOPT_NODES_MAX];
    simcheck_key conv_key[SIMOPT_NODES_MAX];
    uint32_t rows_bad;   /* computed rows with row_ok false */
    uint32_t rows_valid; /* rows computed at least once */
    simcheck_key dead_key[SIMOPT_NODES_MAX];
    simcheck_key live_key[SIMOPT_NODES_MAX];
    bool dead_armed;    /* crashed_node_declared_dead checked after each step */
    bool live_armed;    /* live_node_not_dead checked after each step */
    /* (observer, subject) reported: a bit matrix per invariant, a row of
     * reported_words per observer; subjects are nodes, then fakes. */
    uint64_t *reported[SIMCHECK_COUNT];
    uint32_t reported_words;
    uint64_t checks[SIMCHECK_COUNT];
    simcheck_violation stored[SIMCHECK_STORED_MAX];
    uint32_t stored_count;
    uint64_t total;
} simcheck;

HS_MUST_USE hs_status simcheck_init(simcheck *c, uint32_t nodes, uint32_t members_cap);
void simcheck_free(simcheck *c);
const char *simcheck_name(uint32_t id);

/* Records a violation; returns the stored record, or NULL past the store. */
const simcheck_violation *simcheck_report(simcheck *c, uint32_t id, uint64_t now_ns,
                                          int32_t node_index, const char *fmt, ...)
    HS_PRINTF(5, 6);
/* The same, about the observer's record in member slot: the violation
 * points at the input that last changed that record. */
const simcheck_violation *simcheck_report_member(simcheck *c, uint32_t id, uint64_t now_ns,
                                                 int32_t node_index, uint32_t slot,
                                                 const char *fmt, ...) HS_PRINTF(6, 7);
void simcheck_count(simcheck *c, uint32_t id);
/* Node i is about to step on in (at global now_ns, input number event);
 * timer_module names a timer's owner. */
void simcheck_input(simcheck *c, uint32_t i, uint64_t now_ns, uint64_t event,
                    const hs_input *in, uint32_t timer_module);

/* The host's timer table (before the first step). */
void simcheck_set_timers(simcheck *c, const simcheck_timers *t);
/* Node i's step set or cancelled timer_id (after the step's outputs ran). */
void simcheck_timer_output(simcheck *c, uint32_t i, const node *n, uint64_t timer_id);
/* The host refused one of node i's timers (its table was full). */
void simcheck_timer_refused(simcheck *c, uint32_t i);
/* This step's outbox is squeezed: timers it hands back re-arm at a backoff,
 * and a re-arm refused again waits in the list once more. */
void simcheck_squeezed(simcheck *c, uint32_t i);
/* Node i's wake-up is now kept for at_ns (global; 0: none kept). */
void simcheck_wake(simcheck *c, uint32_t i, uint64_t at_ns);
/* A cancelled timer is about to be delivered to node i anyway: its owner
 * must be gone, and the step may report it stale. */
void simcheck_late_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                         uint64_t timer_id);

/* What node i's first metadata load must report (meta_recovery). */
void simcheck_expect_recovery(simcheck *c, uint32_t i, const simcheck_recovery *want);

/* Node i crashed: its member views die with the process. */
void simcheck_node_down(simcheck *c, uint32_t i);
/* Before delivering timer_id to node i. */
void simcheck_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n, uint64_t timer_id);
/* Node i is about to step on in (after simcheck_input): what
 * refute_cause needs from before the step. */
void simcheck_before_step(simcheck *c, uint32_t i, const node *n, const hs_input *in);
/* Each UDP datagram node i's step sent to node to (its outputs run before
 * simcheck_after_step). */
void simcheck_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                   const hs_name *to_name, hs_addr to, const uint8_t *bytes, uint32_t len);
/* Each event record node i emitted in the step. */
void simcheck_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev);
/* After node i stepped; outbox_overflowed says the step lost outputs. */
void simcheck_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                         bool outbox_overflowed, uint32_t outbox_high_water,
                         uint32_t outbox_cap);

/* Liveness: the membership_converged condition for row i (what node i
 * sees), and for the whole cluster. */
bool simcheck_row_converged(const simcheck_cluster *cl, uint32_t i);
bool simcheck_converged(const simcheck_cluster *cl);
/* Keeps row_ok current: recomputes row `stepped`, or every row when all
 * is set (a crash, a restart, an incarnation change); returns whether the
 * whole cluster is converged.  Counts nothing: it only times convergence. */
bool simcheck_track_converged(simcheck *c, const simcheck_cluster *cl, uint32_t stepped,
                              bool all);
/* At the convergence deadline: reports every pair that is not converged. */
void simcheck_converged_at_deadline(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl);
/* At the detection deadline: every running node, every permanently-down node. */
void simcheck_dead_at_deadline(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl);
/* After a step of node i in the liveness phase (armed checks only). */
void simcheck_liveness_after_step(simcheck *c, uint64_t now_ns, const simcheck_cluster *cl,
                                  uint32_t i);

#endif /* SIMCHECK_H_ */
