/* The simulator library: a cluster of real nodes (core/node.h) over the
 * simulated clock, network and disk of io_sim/, one event queue, the
 * invariant checkers and the trace hash.
 *
 * Two ways to drive it:
 * - sim_run: the swarm run `hsim run` performs: a fault schedule drawn from
 *   the seed, a safety phase, then a liveness phase (heal, faults off,
 *   restarts, bounded convergence);
 * - scripted scenario tests (cowsql CLUSTER_TRACE style): create a
 *   cluster from sim_options_scripted (no faults, fixed latency), then
 *   sim_run_until / sim_crash / sim_partition / ... and read the trace lines
 *   and violations.
 *
 * Node ids in this API are 1-based and match the names: id 3 is "n3",
 * address 10.0.0.3:7946.  Group masks use bit (id - 1): SIM_BIT(3) is n3.
 * The library never reads a clock and holds no global state. */
#ifndef SIM_H_
#define SIM_H_

#include "base.h"
#include "node.h"
#include "simcheck.h"
#include "simopt.h"
#include "simhash.h"

#define SIM_BIT(id) (UINT64_C(1) << ((id) - 1))
#define SIM_PORT 7946u

/* Trace sink flags. */
#define SIM_TRACE_EVENTS 1u /* node event records, fault and phase actions, violations */
#define SIM_TRACE_MSGS 2u   /* also send, recv, drop, timer and disk lines */

/* Fault classes counted in a run. */
#define SIM_FAULT_LIST(X)                                                  \
    X(PARTITION, "partition")                                              \
    X(ASYM_PARTITION, "asym_partition")                                    \
    X(ISOLATE, "isolate")                                                  \
    X(HEAL, "heal")                                                        \
    X(CRASH, "crash")                                                      \
    X(RESTART, "restart")                                                  \
    X(LEAVE, "leave")                                                      \
    X(ALLOC_FAIL, "alloc_fail")                                            \
    X(LOSS, "loss")                                                        \
    X(DUP, "dup")                                                          \
    X(REORDER, "reorder")                                                  \
    X(DISK_FAIL, "disk_fail")                                              \
    X(TORN_WRITE, "torn_write")                                            \
    X(LOST_WRITE, "lost_write")                                            \
    X(FORGE, "forge")                                                      \
    X(TCP_RESET, "tcp_reset")                                              \
    X(TCP_REFUSED, "tcp_refused")                                          \
    X(TCP_FULL, "tcp_backpressure")                                        \
    X(TCP_FORGE, "tcp_forge")                                              \
    X(NEWER, "newer_frame") /* frames of later-minor nodes, with a field we skip */ \
    X(TIMER_REFUSED, "timer_refused")                                      \
    X(OUTBOX_SQUEEZE, "outbox_squeeze")                                    \
    X(LATE_TIMER, "late_timer")

typedef enum {
#define SIM_FAULT_ENUM(id, name) SIM_FAULT_##id,
    SIM_FAULT_LIST(SIM_FAULT_ENUM)
#undef SIM_FAULT_ENUM
        SIM_FAULT_COUNT
} sim_fault;

typedef struct sim sim;

/* Receives one trace line (no newline), e.g.
 * "[  1234.567] n2 member_state member=n4 from=alive to=suspect inc=0". */
typedef void (*sim_trace_fn)(void *ctx, const char *line);

/* The kind of every trace line, named for `hsim run --trace-kind`: id,
 * name.  MSGS-only kinds (send, recv, drop, tcp, timer, disk) appear only
 * with SIM_TRACE_MSGS. */
#define SIM_TRACE_KIND_LIST(X)                                                                  \
    X(SCHEDULE, "schedule")   /* the fault schedule drawn at the start */                       \
    X(FAULT, "fault")         /* crash, restart, partition, isolate, heal as they happen */     \
    X(EVENT, "event")         /* a node's event record (member_state, node_start, ...) */       \
    X(SEND, "send")           /* a datagram or TCP frame sent */                                \
    X(RECV, "recv")           /* a datagram or TCP frame delivered */                           \
    X(DROP, "drop")           /* a datagram the network dropped */                              \
    X(TCP, "tcp")             /* a TCP connection closed */                                     \
    X(TIMER, "timer")         /* a timer fired */                                               \
    X(DISK, "disk")           /* a disk read, write or sync completed */                        \
    X(FORGE, "forge")         /* a forged datagram or TCP stream */                             \
    X(OPERATOR, "operator")   /* the operator workload's requests */                            \
    X(PHASE, "phase")         /* liveness phase start, convergence */                           \
    X(VIOLATION, "violation") /* an invariant failed */                                         \
    X(PERTURB, "perturb")     /* the detcheck self-test's extra byte */

typedef enum {
#define SIM_TRACE_KIND_ENUM(id, name) SIM_TK_##id,
    SIM_TRACE_KIND_LIST(SIM_TRACE_KIND_ENUM)
#undef SIM_TRACE_KIND_ENUM
        SIM_TRACE_KIND_COUNT
} sim_trace_kind;

const char *sim_trace_kind_name(uint32_t kind);

/* One trace line as a record: line is the whole text (as sim_trace_fn gets
 * it), text the part after "[time] who ". */
typedef struct {
    uint64_t time_ns;
    int32_t node; /* 0-based index, -1 for the simulator's own lines */
    uint32_t kind; /* sim_trace_kind */
    const char *who; /* "n3" or "sim" */
    const char *text;
    const char *line;
} sim_trace_rec;
typedef void (*sim_trace_rec_fn)(void *ctx, const sim_trace_rec *rec);
/* Called after every delivered input: its 1-based index and the rolling
 * trace hash after it (determinism checks). */
typedef void (*sim_event_fn)(void *ctx, uint64_t index, uint64_t roll);
/* Called with every frame a node sends (corpus capture). */
typedef void (*sim_frame_fn)(void *ctx, const uint8_t *frame, uint32_t len);

typedef struct {
    uint64_t trace_hash;
    uint64_t events;        /* inputs delivered */
    uint64_t sim_time_ns;
    uint64_t faults[SIM_FAULT_COUNT];
    uint64_t checks[SIMCHECK_COUNT];
    uint64_t violations;    /* total; the first SIMCHECK_STORED_MAX are kept */
    uint64_t heal_ns;       /* start of the liveness phase; 0 if not reached */
    uint64_t bound_ns;      /* convergence deadline relative to the heal */
    uint64_t detect_bound_ns;
    bool converged;
    uint64_t converged_ns;  /* relative to the heal, when converged */
    uint64_t probes[HS_PROBE_COUNT]; /* coverage probe hits, every process of the run */
    uint32_t sched_drawn;   /* fault schedule actions as drawn, before --keep-actions */
} sim_result;

/* Options for a scripted test: no faults, fixed 1 ms latency, fixed 100 us
 * disk, synchronised clocks, all nodes starting at 0. */
void sim_options_scripted(simopt *o, uint64_t seed, uint32_t nodes);

/* HS_ERR_INVALID for inconsistent options, HS_ERR_RANGE when an explicit
 * liveness_ms is shorter than the liveness bounds (the checks would never
 * run). */
HS_MUST_USE hs_status sim_create(const simopt *o, sim **out);
/* Same, with every node's SWIM tunables replaced (the scenario
 * runner uses the same config file as the real nodes). */
HS_MUST_USE hs_status sim_create_swim(const simopt *o, const swim_config *tunables, sim **out);
void sim_destroy(sim *s);
/* The options in force, with liveness_ms resolved. */
const simopt *sim_options(const sim *s);

void sim_set_trace(sim *s, uint32_t flags, sim_trace_fn fn, void *ctx);
/* Like sim_set_trace, with each line as a record (kind, node, time); one
 * of the two hooks is set at a time. */
void sim_set_trace_rec(sim *s, uint32_t flags, sim_trace_rec_fn fn, void *ctx);
void sim_set_event_hook(sim *s, sim_event_fn fn, void *ctx);
void sim_set_frame_hook(sim *s, sim_frame_fn fn, void *ctx);
/* Checks the determinism checker: mixes one extra byte into the trace
 * hash record of input `index` (1-based, as sim_event_fn counts them),
 * changing the hash from there on and the run's behaviour not at all.
 * 0 turns it off. */
void sim_set_perturb_event(sim *s, uint64_t index);
/* Checks the crash report: an assertion fails inside the step of input
 * `index` (1-based), as a broken invariant in core would.  0 = off. */
void sim_set_crash_at_event(sim *s, uint64_t index);
/* Checks the mechanism checks: the host drops the first arming of SWIM
 * timer kind `kind` (swim.h SWIM_TIMER_*) without telling the node, so
 * member_timers or duty_timers must report it.  0 = off. */
void sim_set_lose_timer(sim *s, uint32_t kind);
/* Ends the run right after the input in which the first violation was
 * found, so a failing run's length is its length up to the failure. */
void sim_set_stop_at_violation(sim *s, bool on);

/* Where a run is, for a crash report. */
typedef struct {
    uint64_t seed;
    uint64_t now_ns; /* simulated time */
    uint64_t events; /* inputs delivered before the current one */
    int32_t node;    /* index of the node inside node_step, -1 between steps */
    uint32_t sched_drawn; /* actions of the fault schedule as drawn (hsim shrink) */
} sim_where;
void sim_where_get(const sim *s, sim_where *w);
/* "nK" for the node being stepped, "between steps" otherwise. */
void sim_where_node_text(const sim_where *w, char *out, size_t cap);
/* The sim created last and not yet destroyed (NULL if none): what an
 * assertion hook describes. */
const sim *sim_current(void);

/* The whole swarm run: schedule, safety phase, liveness phase.  Fails
 * only when the schedule cannot be allocated; call it once. */
HS_MUST_USE hs_status sim_run(sim *s);
/* The safety phase only: the same schedule and checks as sim_run, and the
 * run ends at the heal (no liveness phase, no liveness checks).  For big
 * clusters whose liveness bounds are hours of simulated time. */
HS_MUST_USE hs_status sim_run_safety(sim *s);

/* Scripted control. */
uint64_t sim_now_ns(const sim *s);
/* Processes every event due at or before t_ns; time ends at t_ns. */
void sim_run_until(sim *s, uint64_t t_ns);
/* Delivers a local operator command (hs_command) to a running node now. */
void sim_command(sim *s, uint32_t id, uint32_t command);
void sim_crash(sim *s, uint32_t id);
void sim_restart(sim *s, uint32_t id);
/* Cuts group_a <-> group_b (masks of SIM_BIT); one_way cuts only b -> a:
 * group a still sends to b but never hears back. */
void sim_partition(sim *s, uint64_t group_a, uint64_t group_b, bool one_way);
void sim_isolate(sim *s, uint32_t id);
void sim_heal(sim *s);

uint32_t sim_node_count(const sim *s);
/* NULL while the node is crashed. */
node *sim_node(sim *s, uint32_t id);
/* Up (not crashed) and node_running. */
bool sim_node_running(const sim *s, uint32_t id);

uint32_t sim_violation_count(const sim *s); /* stored ones */
const simcheck_violation *sim_violation(const sim *s, uint32_t i);
void sim_result_get(const sim *s, sim_result *r);
/* Where violation v came from: "the record was last changed by input #E at
 * T ms to nI: recv udp ping from n3" (or "in the step of input #E ..." for a
 * duty the step broke); "" and 0 when no origin is known. */
size_t sim_violation_origin(const sim *s, const simcheck_violation *v, char *out, size_t cap);
/* The simulated-time window (ms) that shows v's origin and v: from a second
 * before the origin to just past the violation. */
void sim_violation_window(const simcheck_violation *v, uint64_t *from_ms, uint64_t *to_ms);
const char *sim_fault_name(uint32_t fault);

/* The fields of an input as the trace hash records them (the record's
 * header, time and perturbation are hash_input's): every payload byte is
 * included.  Exposed for tests/unit/test_sim_hash.c. */
void sim_hash_input_fields(simhash *h, const hs_input *in);

#endif /* SIM_H_ */
