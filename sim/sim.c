/* The simulator: a cluster of nodes over simulated clocks, network and
 * disks, driven by one event queue, checked after every step and hashed
 * record by record.  See sim.h for the two ways to drive it and
 * docs/simulator.md for the model. */
#include "sim.h"

#include "meta.h"

#include "alloc.h"
#include "simconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "map.h"
#include "msg_registry.h"
#include "simclock.h"
#include "simdisk.h"
#include "simdist.h"
#include "simforge.h"
#include "simhash.h"
#include "simnet.h"
#include "simoper.h"
#include "simq.h"
#include "simsched.h"
#include "simset.h"
#include "simtcp.h"

#define SIM_NET_CAP 8192u
#define SIM_EVENTS_MAX UINT64_C(200000000) /* a runaway run stops here */
#define SIM_LINE_MAX 512u
#define SIM_FORGE_INFLIGHT_MAX 64u /* forged datagrams queued at once */
#define SIM_TCP_CONNS 64u          /* simulated TCP connections at once */
#define SIM_REFUSING_MAX 16u       /* refused timers not yet told, per node */
#define SIM_SEND_FAILED_MAX 64u    /* SEND_FAILED inputs one step can cause */

/* Checks queued as SIMQ_CHECK events. */
enum {
    SIM_CHECK_CONVERGED = 1,
    SIM_CHECK_DEAD = 2,
    SIM_CHECK_JOINED = 3,
};

/* Record tags in the trace hash. */
enum {
    TAG_INPUT = 'I',
    TAG_OUTPUT = 'O',
    TAG_FAULT = 'F',
};

/* Fault record kinds beyond the schedule's (simsched_kind). */
enum {
    FAULT_LIVENESS = 0x80,
    FAULT_FORGE = 0x81,
    FAULT_OPER = 0x82,      /* an operator session opens */
    FAULT_FORGE_TCP = 0x83, /* a forged TCP stream opens */
    FAULT_ALLOC = 0x84,     /* a node's start ran out of memory */
};

typedef struct {
    node *node;       /* NULL while crashed */
    node_config cfg;
    simclock clock;
    simdisk disk;
    bool inc_high;    /* its first start found a ceiling near the range's top */
    bool stale_slot;  /* ... and a second slot meta_recovery judges */
    uint64_t heap_blocks; /* blocks core holds for this node (heap_returned) */
    simcheck_recovery recovery;
    bool newer;       /* runs a later minor protocol version (newer_frame) */
    /* Timers the host refused (timer_refuse_ppm) whose TIMER_REFUSED input
     * is still queued; emptied by its delivery and by a crash. */
    uint64_t refusing[SIM_REFUSING_MAX];
    uint32_t refusing_count;
    /* The one wake-up the host keeps for the node, outside its timer table
     * (hs_outbox.wake_ns): the earliest asked for, in global time. */
    bool wake_armed;
    theap_handle wake_ev;
    uint64_t wake_at_ns;
    map timers;       /* timer id -> event queue handle */
    uint32_t gen;     /* process generation: bumped by every crash */
    uint32_t restarts;
    uint32_t stop_gen;    /* the process a pending graceful stop ends */
    uint64_t refuted_ns;  /* calm_no_death: when it last refuted, and at what */
    uint64_t refuted_inc; /* incarnation (0: never, in any process) */
    uint64_t start_ns;
    bool start_pending; /* a START is queued: the process comes up then */
} sim_host;

struct sim {
    simopt opt;
    uint32_t n;
    uint64_t now_ns;
    simq q;
    simnet net;
    simnet_params net_p;
    simdisk_params disk_p;
    rng rng_disk;
    rng rng_clock;
    rng rng_faults;
    rng rng_timers; /* timer_refuse_ppm's draws */
    rng rng_squeeze; /* outbox_squeeze_ppm's draws */
    rng rng_late;    /* late_timer_ppm's draws */
    rng rng_topo;
    rng rng_forge;
    uint32_t forge_inflight;
    sim_host *nodes; /* n of them */
    simset perm_down; /* drawn by sim_run for the liveness phase */
    hs_outbox ob;
    simhash hash;
    simcheck chk;
    simcheck_cluster cl;
    simsched sched;
    uint32_t timers_cap;
    /* hooks */
    uint32_t trace_flags;
    sim_trace_fn trace_fn;
    sim_trace_rec_fn trace_rec_fn;
    void *trace_rec_ctx;
    void *trace_ctx;
    sim_event_fn event_fn;
    void *event_ctx;
    sim_frame_fn frame_fn;
    void *frame_ctx;
    /* run state */
    uint64_t events;
    uint32_t send_failed_count; /* read every step: beside the other hot fields */
    uint64_t faults[SIM_FAULT_COUNT];
    bool stopped;
    bool liveness;
    bool dead_check_armed; /* SIM_CHECK_DEAD is queued for this liveness phase */
    bool conv_dirty;
    bool converged;
    uint64_t heal_ns;
    uint64_t converged_ns;
    uint64_t conv_bound_ns; /* relative to the heal, with allowances */
    uint64_t join_bound_ns; /* relative to the heal, with allowances */
    /* calm_no_death: the last disruption (a partition or heal, a crash, a
     * start, a failed or torn disk write, a forged datagram), and how long
     * after it only loss-class faults may be at work. */
    uint64_t calm_since_ns;
    uint64_t calm_window_ns;
    uint64_t refute_spread_ns; /* a refutation reaches every member within */
    uint64_t det_bound_ns;
    uint64_t unroutable;
    uint64_t perturb_event; /* detcheck self-test: 1-based input index, 0 = off */
    uint64_t crash_at_event; /* crash-report self-test: 1-based input index, 0 = off */
    bool stop_at_violation;  /* end the run at the first violation (hsim shrink) */
    uint8_t *newer_buf;      /* a later-minor node's frame (newer_frame); NULL if none */
    uint32_t lose_timer_kind; /* mechanism-check self-test: SWIM timer kind, 0 = off */
    uint64_t probe_hits[HS_PROBE_COUNT]; /* of the processes that ended (crashes) */
    bool lose_timer_done;
    int32_t stepping;        /* the node inside node_step, -1 between steps */
    int32_t heap_node;       /* the node whose create or destroy is running */
    /* Scripted runs may replace the SWIM tunables of every node. */
    bool swim_override;
    swim_config swim;
    /* Simulated TCP, its operator workload and forged streams: last, so
     * the rarely used tables stay out of the hot fields' cache lines. */
    uint64_t tcp_close_bound_ns;
    uint64_t op_bound_ns;
    simtcp tcp;
    rng rng_oper;
    rng rng_alloc;           /* the failing heap's draws (alloc-fail-ppm) */
    uint32_t alloc_fail_ppm; /* 0 from the heal on */
    theap_handle tcp_ev[SIM_TCP_CONNS];
    bool tcp_armed[SIM_TCP_CONNS];
    hs_input send_failed[SIM_SEND_FAILED_MAX]; /* for after the current step */
    simoper oper;
};

static const char *const fault_names[] = {
#define SIM_FAULT_NAME(id, name) name,
    SIM_FAULT_LIST(SIM_FAULT_NAME)
#undef SIM_FAULT_NAME
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(fault_names) == SIM_FAULT_COUNT, "fault names");

static void push_control(sim *s, uint64_t at_ns, simq_kind kind, uint64_t arg);
static hs_status tcp_setup(sim *s);
static void exec_send_tcp(sim *s, uint32_t i, const hs_output *out, const uint8_t *bytes,
                          uint32_t len);

const char *sim_fault_name(uint32_t fault)
{
    return fault < SIM_FAULT_COUNT ? fault_names[fault] : "unknown";
}

/* ------------------------------------------------------------------ */
/* Tracing                                                             */

static const char *const trace_kind_names[SIM_TRACE_KIND_COUNT] = {
#define SIM_TRACE_KIND_NAME(id, name) name,
    SIM_TRACE_KIND_LIST(SIM_TRACE_KIND_NAME)
#undef SIM_TRACE_KIND_NAME
};

const char *sim_trace_kind_name(uint32_t kind)
{
    return kind < SIM_TRACE_KIND_COUNT ? trace_kind_names[kind] : "unknown";
}

static bool tracing(const sim *s, uint32_t flag)
{
    return (s->trace_fn != NULL || s->trace_rec_fn != NULL) && (s->trace_flags & flag) != 0;
}

static void trace(sim *s, int32_t node_index, uint32_t kind, const char *fmt, ...)
    HS_PRINTF(4, 5);

/* One trace line to the line hook and/or the record hook.  Tracing never
 * touches the trace hash or any random stream: printing is all it does. */
static void trace(sim *s, int32_t node_index, uint32_t kind, const char *fmt, ...)
{
    char line[SIM_LINE_MAX];
    uint64_t t = s->now_ns;
    const char *who = node_index < 0 ? "sim" : s->nodes[node_index].cfg.name.bytes;
    int n = snprintf(line, sizeof(line), "[%6llu.%03llu] %s ",
                     (unsigned long long)(t / HS_NS_PER_MS),
                     (unsigned long long)((t / HS_NS_PER_US) % 1000), who);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (s->trace_fn != NULL) {
        s->trace_fn(s->trace_ctx, line);
    }
    if (s->trace_rec_fn != NULL) {
        sim_trace_rec rec = {t, node_index, kind, who, line + n, line};
        s->trace_rec_fn(s->trace_rec_ctx, &rec);
    }
}

static const char *frame_type_name(const uint8_t *bytes, uint32_t len)
{
    if (len < FRAME_HEADER_LEN) {
        return "short_frame";
    }
    return msg_registry_name((uint16_t)((bytes[2] << 8) | bytes[3]));
}

static const char *channel_name(uint32_t channel)
{
    return channel == HS_CH_TCP ? "tcp" : channel == HS_CH_UDP ? "udp" : "none";
}

/* ------------------------------------------------------------------ */
/* Violations                                                          */

static int32_t addr_index(const sim *s, hs_addr a);

static void addr_text(const sim *s, hs_addr a, char *out, size_t cap)
{
    int32_t j = addr_index(s, a);
    if (j >= 0) {
        snprintf(out, cap, "n%d", j + 1);
    } else {
        char text[HS_ADDR_STR_MAX];
        hs_addr_format(a, text);
        snprintf(out, cap, "%s (not a node)", text);
    }
}

size_t sim_violation_origin(const sim *s, const simcheck_violation *v, char *out, size_t cap)
{
    HS_ASSERT(out != NULL && cap > 0);
    out[0] = '\0';
    const simcheck_origin *o = &v->origin;
    if (o->event == 0 || v->node < 0) {
        return 0;
    }
    char what[160];
    char from[64];
    switch (o->kind) {
    case HS_IN_RECV:
        addr_text(s, o->from, from, sizeof(from));
        snprintf(what, sizeof(what), "recv %s %s from %s", channel_name(o->channel),
                 msg_registry_name(o->type), from);
        break;
    case HS_IN_TIMER:
        snprintf(what, sizeof(what), "timer %s kind=%u", node_routes_module_name(o->module),
                 o->type);
        break;
    case HS_IN_COMMAND:
        snprintf(what, sizeof(what), "command %s", o->type == HS_CMD_LEAVE ? "leave" : "other");
        break;
    default:
        snprintf(what, sizeof(what), "%s", hs_input_kind_name(o->kind));
        break;
    }
    int n = snprintf(out, cap, "%s input #%llu at %llu.%03llu ms to n%d: %s",
                     v->member_slot >= 0 ? "the record was last changed by" : "in the step of",
                     (unsigned long long)o->event, (unsigned long long)(o->at_ns / HS_NS_PER_MS),
                     (unsigned long long)((o->at_ns / HS_NS_PER_US) % 1000), v->node + 1, what);
    HS_ASSERT(n >= 0);
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

void sim_violation_window(const simcheck_violation *v, uint64_t *from_ms, uint64_t *to_ms)
{
    HS_ASSERT(from_ms != NULL && to_ms != NULL);
    uint64_t start = v->origin.event != 0 ? v->origin.at_ns : v->time_ns;
    /* A second before the origin: the probe round or the exchange that led
     * to it; through the violation itself. */
    *from_ms = start / HS_NS_PER_MS > 1000 ? start / HS_NS_PER_MS - 1000 : 0;
    *to_ms = v->time_ns / HS_NS_PER_MS + 1;
    HS_ASSERT(*from_ms <= *to_ms);
}

static void note_violation(sim *s, const simcheck_violation *v)
{
    if (v != NULL && tracing(s, SIM_TRACE_EVENTS)) {
        char origin[256];
        sim_violation_origin(s, v, origin, sizeof(origin));
        trace(s, v->node, SIM_TK_VIOLATION, "VIOLATION %s: %s%s%s%s", simcheck_name(v->invariant),
              v->detail, origin[0] != '\0' ? " (" : "", origin, origin[0] != '\0' ? ")" : "");
    }
}

static void bounds_violation(sim *s, int32_t node_index, const char *what, uint64_t value)
{
    simcheck_count(&s->chk, SIMCHECK_BOUNDS);
    note_violation(s, simcheck_report(&s->chk, SIMCHECK_BOUNDS, s->now_ns, node_index,
                                      "%s (%llu)", what, (unsigned long long)value));
}

/* Reports the violations recorded since `before` to the trace. */
static void trace_new_violations(sim *s, uint32_t before)
{
    for (uint32_t k = before; k < s->chk.stored_count; k++) {
        note_violation(s, &s->chk.stored[k]);
    }
}

/* ------------------------------------------------------------------ */
/* Hashing                                                             */

/* Every payload byte is hashed.  The frame checksum in the header is not
 * enough: a frame whose checksum is wrong (forged, or cut by a fault) would
 * differ from another in its payload without the hash seeing it, and
 * detcheck would miss a divergence.  The length goes in first (by
 * simhash_bytes), so payloads that are prefixes of each other differ. */
static void hash_payload(simhash *h, const uint8_t *bytes, uint32_t len)
{
    simhash_bytes(h, bytes, len);
}

void sim_hash_input_fields(simhash *h, const hs_input *in)
{
    switch (in->kind) {
    case HS_IN_RECV:
        simhash_u8(h, (uint8_t)in->u.recv.channel);
        simhash_u32(h, in->u.recv.from.ip);
        simhash_u16(h, in->u.recv.from.port);
        simhash_u64(h, in->u.recv.conn_id);
        hash_payload(h, in->u.recv.bytes, in->u.recv.len);
        break;
    case HS_IN_TIMER:
        simhash_u64(h, in->u.timer.timer_id);
        break;
    case HS_IN_DISK_DONE:
        simhash_u64(h, in->u.disk.op_id);
        simhash_u32(h, (uint32_t)in->u.disk.status);
        simhash_bytes(h, in->u.disk.bytes, in->u.disk.len);
        break;
    case HS_IN_COMMAND:
        simhash_u32(h, in->u.command.command);
        break;
    case HS_IN_CONN_CLOSED:
        simhash_u64(h, in->u.conn_closed.conn_id);
        simhash_u32(h, (uint32_t)in->u.conn_closed.reason);
        break;
    case HS_IN_SEND_FAILED:
        simhash_u8(h, (uint8_t)in->u.send_failed.channel);
        simhash_u32(h, in->u.send_failed.to.ip);
        simhash_u16(h, in->u.send_failed.to.port);
        simhash_u64(h, in->u.send_failed.conn_id);
        simhash_u16(h, in->u.send_failed.msg_type);
        simhash_u32(h, (uint32_t)in->u.send_failed.reason);
        simhash_u32(h, in->u.send_failed.frames);
        break;
    default:
        break; /* START carries nothing */
    }
}

static void hash_input(sim *s, uint32_t i, uint64_t local_ns, const hs_input *in)
{
    simhash *h = &s->hash;
    simhash_begin(h, TAG_INPUT, s->now_ns, i, (uint32_t)in->kind);
    simhash_u64(h, local_ns);
    sim_hash_input_fields(h, in);
    if (s->events + 1 == s->perturb_event) {
        /* The checker's self-test: one byte more in this record changes
         * the hash from here on and nothing else (sim_set_perturb_event). */
        simhash_u8(h, 0xa5);
        if (tracing(s, SIM_TRACE_EVENTS)) {
            trace(s, -1, SIM_TK_PERTURB,
                  "perturb: one extra byte hashed into input %llu (detcheck self-test)",
                  (unsigned long long)s->perturb_event);
        }
    }
    simhash_end(h);
}

static void hash_output(sim *s, uint32_t i, const hs_output *out)
{
    simhash *h = &s->hash;
    simhash_begin(h, TAG_OUTPUT, s->now_ns, i, (uint32_t)out->kind);
    const uint8_t *payload = hs_outbox_payload(&s->ob, out);
    switch (out->kind) {
    case HS_OUT_SEND:
        simhash_u8(h, (uint8_t)out->u.send.channel);
        simhash_u32(h, out->u.send.to.ip);
        simhash_u16(h, out->u.send.to.port);
        simhash_u64(h, out->u.send.conn_id);
        hash_payload(h, payload, out->u.send.len);
        break;
    case HS_OUT_CLOSE:
        simhash_u64(h, out->u.close.conn_id);
        break;
    case HS_OUT_TIMER_SET:
    case HS_OUT_TIMER_CANCEL:
        simhash_u64(h, out->u.timer.timer_id);
        simhash_u64(h, out->kind == HS_OUT_TIMER_SET ? out->u.timer.deadline_ns : 0);
        break;
    case HS_OUT_DISK_WRITE:
    case HS_OUT_DISK_SYNC:
    case HS_OUT_DISK_READ:
        simhash_u64(h, out->u.disk.op_id);
        simhash_u32(h, out->u.disk.file);
        simhash_u64(h, out->kind == HS_OUT_DISK_SYNC ? 0 : out->u.disk.file_offset);
        if (out->kind == HS_OUT_DISK_WRITE) {
            simhash_bytes(h, payload, out->u.disk.len);
        } else {
            simhash_u32(h, out->kind == HS_OUT_DISK_READ ? out->u.disk.len : 0);
        }
        break;
    case HS_OUT_EXEC:
        simhash_u64(h, out->u.exec.workflow_id);
        simhash_u32(h, out->u.exec.action);
        simhash_u32(h, out->u.exec.cores);
        break;
    case HS_OUT_EVENT: {
        const hs_event *ev = &out->u.event;
        simhash_u16(h, ev->code);
        simhash_u8(h, ev->severity);
        simhash_bytes(h, (const uint8_t *)ev->subject.bytes, ev->subject.len);
        simhash_u64(h, ev->a);
        simhash_u64(h, ev->b);
        simhash_u64(h, ev->c);
        break;
    }
    default:
        break;
    }
    simhash_end(h);
}

static void hash_fault(sim *s, uint32_t kind, uint32_t node_index, uint64_t a, uint64_t b)
{
    simhash_begin(&s->hash, TAG_FAULT, s->now_ns, node_index, kind);
    simhash_u64(&s->hash, a);
    simhash_u64(&s->hash, b);
    simhash_end(&s->hash);
}

/* A fault record carrying two node sets.  The first word of each is the
 * record's a and b (what a 64-bit mask was when clusters had at most 32
 * nodes, so their hashes are unchanged); above 64 nodes the other words
 * follow. */
static void hash_fault_sets(sim *s, uint32_t kind, uint32_t node_index, const simset *a,
                            const simset *b)
{
    simhash_begin(&s->hash, TAG_FAULT, s->now_ns, node_index, kind);
    simhash_u64(&s->hash, a->w[0]);
    simhash_u64(&s->hash, b->w[0]);
    for (uint32_t k = 1; k < simset_words_for(s->n); k++) {
        simhash_u64(&s->hash, a->w[k]);
        simhash_u64(&s->hash, b->w[k]);
    }
    simhash_end(&s->hash);
}

/* ------------------------------------------------------------------ */
/* Addresses and node configuration                                   */

/* Node i is at 10.0.0.0 + i + 1 (10.0.0.1 .. 10.0.4.0 for 1,024 nodes). */
static hs_addr node_addr(uint32_t i)
{
    HS_ASSERT(i < SIMOPT_NODES_MAX);
    hs_addr a = {(UINT32_C(10) << 24) | (i + 1), SIM_PORT};
    return a;
}

/* Node index for an address, or -1 when no node has it. */
static int32_t addr_index(const sim *s, hs_addr a)
{
    uint32_t host = a.ip & 0xffffu;
    if ((a.ip & 0xffff0000u) != (UINT32_C(10) << 24) || a.port != SIM_PORT || host == 0 ||
        host > s->n) {
        return -1;
    }
    return (int32_t)(host - 1);
}

static uint64_t node_rng_seed(const sim *s, uint32_t i, uint32_t restart)
{
    char label[48];
    snprintf(label, sizeof(label), "node/%u/%u", i + 1, restart);
    rng r;
    rng_derive(&r, s->opt.seed, rng_label(label));
    return rng_next(&r);
}

static hs_status build_config(sim *s, uint32_t i, node_config *cfg)
{
    node_config_defaults(cfg);
    char name[16];
    int len = snprintf(name, sizeof(name), "n%u", i + 1);
    hs_status st = hs_name_set(&cfg->name, name, (size_t)len);
    if (st != HS_OK) {
        return st;
    }
    cfg->role = (uint8_t)rng_below(&s->rng_topo, NODE_ROLE_COUNT);
    cfg->addr = node_addr(i);
    /* Seeds: the first min(join_seeds, N - 1) other nodes, in index
     * order. */
    HS_ASSERT(s->opt.join_seeds >= 1 && s->opt.join_seeds <= NODE_SEEDS_MAX);
    for (uint32_t j = 0; j < s->n && cfg->seed_count < s->opt.join_seeds; j++) {
        if (j != i) {
            cfg->seeds[cfg->seed_count++] = node_addr(j);
        }
    }
    cfg->rng_seed = node_rng_seed(s, i, 0);
    /* The run's SWIM settings (defaults, drawn or --swim-KEY), or the
     * scenario's config file. */
    cfg->swim = s->swim_override ? s->swim : s->opt.swim;
    cfg->error_reply_per_sec = s->opt.error_reply_per_sec;
    cfg->error_reply_burst = s->opt.error_reply_burst;
    /* Every module's self-check after every step (node.h). */
    cfg->self_check = true;
    return node_config_check(cfg);
}

/* ------------------------------------------------------------------ */
/* Bounds of the liveness phase                                        */

/* A node whose clock runs slow stretches its timers in global time. */
static uint64_t drift_scaled(uint64_t ns, uint32_t drift_max_ppm)
{
    unsigned __int128 v = (unsigned __int128)ns * RNG_PPM;
    uint64_t d = RNG_PPM - drift_max_ppm;
    return (uint64_t)((v + d - 1) / d);
}

static void compute_bounds(sim *s)
{
    const swim_config *sc = &s->nodes[0].cfg.swim;
    /* The bounds count member records: fake members forged in the safety
     * phase lengthen the probe walk until declared dead, and the reconnect
     * walk until reaped, like extra crashed nodes. */
    uint32_t members = s->n + s->cl.fake_count;
    uint64_t conv = swim_convergence_bound_ns(sc, members);
    uint64_t det = swim_detection_bound_ns(sc, members);
    /* The checked form, as hsctl bounds computes it: it recomputes both
     * with every product overflow-checked and asserts they agree, so a
     * slip in either formula fails the run here instead of loosening or
     * tightening every liveness bound unseen.  Within the member table a
     * validated configuration always has computable bounds. */
    uint64_t det_checked = 0;
    uint64_t conv_checked = 0;
    hs_status computable = swim_bounds_ns(sc, members, &det_checked, &conv_checked);
    if ((uint64_t)members <= (uint64_t)sc->members_cap + 1 &&
        (computable != HS_OK || det_checked != det || conv_checked != conv)) {
        bounds_violation(s, -1, "liveness bounds not computable for a valid configuration",
                         members);
    }
    /* Restarted nodes read and rewrite their metadata (three disk
     * operations) before they run, and the first exchange crosses the
     * network: allow for the slowest possible draws of both. */
    uint64_t disk_max = simdist_delay_max(s->disk_p.latency_min_ns, s->disk_p.latency_mean_ns);
    uint64_t net_max = simdist_delay_max(s->net_p.latency_min_ns, s->net_p.latency_mean_ns);
    uint64_t allowance = 4 * disk_max + 4 * net_max;
    s->conv_bound_ns = drift_scaled(conv, s->opt.drift_max_ppm) + allowance;
    s->det_bound_ns = drift_scaled(det, s->opt.drift_max_ppm) + allowance;
    /* A node with a running seed joins once one retry reaches the seed
     * after it started: the retry armed before may fire while the seed is
     * still reading its metadata, the next comes at most join_retry_max
     * later, and the seed's stranger bucket (drained, perhaps, by forged
     * traffic before the heal) refills a token in 1 / unknown_reply_per_sec. */
    uint64_t retry = 2 * (uint64_t)sc->join_retry_max_ms * HS_NS_PER_MS;
    uint64_t second = (uint64_t)1000 * HS_NS_PER_MS;
    uint64_t refill = sc->unknown_reply_per_sec == 0 ? 0 : second / sc->unknown_reply_per_sec;
    s->join_bound_ns = drift_scaled(retry + refill, s->opt.drift_max_ppm) + allowance;
    /* A suspicion begun before the last disruption ends within the longest
     * suspicion timeout; a DEAD verdict already in flight is superseded by
     * the refutation within a few probe rounds. */
    uint64_t period = (uint64_t)sc->probe_interval_ms * HS_NS_PER_MS;
    uint64_t longest = swim_detection_bound_ns(sc, members);
    s->calm_window_ns = drift_scaled(longest + 4 * period, s->opt.drift_max_ppm) + allowance;
    /* Gossip doubles its reach every probe round (each member sends every
     * entry on its next messages), so a refutation reaches n members in
     * about log2(n) rounds; two more, and two of the slowest deliveries
     * (spikes and reordering included) per round for the lost and delayed
     * copies. */
    uint32_t rounds = 2;
    for (uint32_t k = members; k > 1; k /= 2) {
        rounds++;
    }
    uint64_t slowest = net_max + s->net_p.tail_max_ns + s->net_p.reorder_max_ns;
    s->refute_spread_ns = drift_scaled(rounds * (period + 2 * slowest), s->opt.drift_max_ppm);
}

static uint32_t default_liveness_ms(const sim *s)
{
    uint64_t b = s->conv_bound_ns > s->det_bound_ns ? s->conv_bound_ns : s->det_bound_ns;
    uint64_t margin = b / 10 > HS_SEC(2) ? b / 10 : HS_SEC(2);
    return (uint32_t)((b + margin + HS_NS_PER_MS - 1) / HS_NS_PER_MS);
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */

void sim_options_scripted(simopt *o, uint64_t seed, uint32_t nodes)
{
    simopt_derive(o, seed, SIMOPT_FAULTS_NONE);
    o->nodes = nodes;
    o->perm_down = 0;
    o->start_spread_ms = 0;
    o->latency_min_us = 1000;
    o->latency_mean_us = 1000;
    o->disk_min_us = 100;
    o->disk_mean_us = 100;
    o->offset_max_ms = 0;
    o->drift_max_ppm = 0;
    o->op_every_ms = 0; /* scripted runs drive TCP themselves (golden traces) */
    o->error_reply_per_sec = 10; /* node_config's defaults */
    o->error_reply_burst = 20;
    o->join_seeds = 3;
}

static void net_params_from(const simopt *o, simnet_params *p)
{
    memset(p, 0, sizeof(*p));
    p->loss_ppm = o->loss_ppm;
    p->dup_ppm = o->dup_ppm;
    p->reorder_ppm = o->reorder_ppm;
    p->reorder_max_ns = HS_MS(o->reorder_max_ms);
    p->tail_ppm = o->tail_ppm;
    p->tail_max_ns = HS_MS(o->tail_max_ms);
    p->latency_min_ns = (uint64_t)o->latency_min_us * HS_NS_PER_US;
    p->latency_mean_ns = (uint64_t)o->latency_mean_us * HS_NS_PER_US;
}

static void stream(rng *r, uint64_t seed, const char *label)
{
    rng_derive(r, seed, rng_label(label));
}

/* The second slot beside an old life's record (rec, in slot rec.seq % 2)
 * for stale_slot_ppm, drawn from r; returns the slot the store must
 * refuse and its status in want (meta_recovery). */
static uint32_t stale_slot(rng *r, const meta_record *rec, uint8_t *file,
                           simcheck_recovery *want)
{
    uint32_t other = (uint32_t)((rec->seq + 1) % 2);
    meta_record bad = *rec;
    uint32_t kind = rng_below(r, 6);
    if (kind == 0 && rec->seq < 2) {
        kind = 1; /* no lower sequence number left for a stale record */
    }
    want->bad_slot = (int32_t)other;
    want->bad_status = HS_ERR_RANGE;
    if (kind == 0) { /* older and valid, at the range's very top */
        bad.seq = rec->seq - 1;
        bad.inc_ceiling = MSG_INCARNATION_MAX;
        want->bad_slot = -1;
    } else if (kind == 1) { /* newer, its ceiling past the range */
        bad.seq = rec->seq + 1;
        bad.inc_ceiling = MSG_INCARNATION_MAX + 1 +
                          (uint32_t)rng_below(r, UINT32_MAX - MSG_INCARNATION_MAX);
    } else if (kind == 2) { /* sequence 0: never written by a store */
        bad.seq = 0;
    } else if (kind == 3) { /* newer, one byte changed after its checksum was taken */
        bad.seq = rec->seq + 1;
        want->bad_status = HS_ERR_CHECKSUM;
    } else if (kind == 4) { /* torn after its first byte: zeros but that one, not an empty slot */
        want->bad_status = HS_ERR_MALFORMED;
    } else { /* valid, the same sequence number, another ceiling: the higher wins */
        bad.inc_ceiling = (uint32_t)rng_range(r, 1, 1000000);
        want->bad_slot = -1;
        want->ceiling = bad.inc_ceiling > rec->inc_ceiling ? bad.inc_ceiling : rec->inc_ceiling;
    }
    uint8_t *at = file + other * META_SLOT_SIZE;
    meta_encode(&bad, at);
    if (kind == 3) {
        at[rng_range(r, 8, META_RECORD_LEN - 1)] ^= (uint8_t)(1u + rng_below(r, 255));
    } else if (kind == 4) {
        memset(at, 0, META_SLOT_SIZE);
        at[0] = (uint8_t)(1u + rng_below(r, 255));
    }
    HS_ASSERT(want->bad_slot < 2);
    /* Half the torn slots that are the file's last are torn by the file's
     * end instead: its first write cut after k bytes, so the read returns
     * less than a slot (the sanitizer builds hand core exactly those
     * bytes: a decoder reading past them fails under ASan). */
    uint32_t cut = (uint32_t)rng_range(r, 1, META_RECORD_LEN - 1);
    if (kind == 4 && other == 1 && rng_below(r, 2) == 0) {
        meta_encode(&bad, at);
        want->bad_status = HS_ERR_TRUNCATED;
        return META_SLOT_SIZE + cut;
    }
    return META_FILE_SIZE;
}

/* An old life's metadata record on node i's disk before its first start,
 * for a drawn share of the nodes.  inc_high_ppm: its ceiling lies near the
 * top of the incarnation range, so every comparison, encoding and ceiling
 * write runs with incarnations in the billions.  stale_slot_ppm: the
 * other slot holds a defective or stale record (stale_slot), and what the
 * store must make of the file is handed to meta_recovery. */
static hs_status preload_meta(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    rng r, q;
    rng_derive(&r, s->opt.seed, rng_label("inc_high") + i);
    rng_derive(&q, s->opt.seed, rng_label("stale_slot") + i);
    bool high = s->opt.inc_high_ppm != 0 && rng_chance_ppm(&r, s->opt.inc_high_ppm);
    bool stale = s->opt.stale_slot_ppm != 0 && rng_chance_ppm(&q, s->opt.stale_slot_ppm);
    if (!high && !stale) {
        return HS_OK;
    }
    meta_record rec;
    memset(&rec, 0, sizeof(rec));
    if (high) {
        rec.seq = 1 + rng_below(&r, 1000);
        rec.inc_ceiling = MSG_INCARNATION_MAX - (uint32_t)rng_range(&r, SIMOPT_INC_HIGH_MIN,
                                                                    SIMOPT_INC_HIGH_MAX);
    } else {
        rec.seq = 1 + rng_below(&q, 1000);
        rec.inc_ceiling = (uint32_t)rng_range(&q, 1, 1000000);
    }
    rec.name = sn->cfg.name;
    uint8_t file[META_FILE_SIZE];
    memset(file, 0, sizeof(file));
    meta_encode(&rec, file + (rec.seq % 2) * META_SLOT_SIZE);
    uint32_t len = META_FILE_SIZE;
    if (stale) {
        simcheck_recovery want = {rec.seq, rec.inc_ceiling, -1, 0, false, false};
        len = stale_slot(&q, &rec, file, &want);
        sn->recovery = want; /* for simcheck, once it exists */
    }
    HS_ASSERT(len > META_SLOT_SIZE && len <= sizeof(file));
    sn->stale_slot = stale;
    sn->inc_high = high;
    return simdisk_preload(&sn->disk, HS_FILE_META, file, len);
}

/* A key no message type of this version defines, below 64 so that the
 * decoders' duplicate tracking covers it too. */
#define SIM_NEWER_KEY 61u

/* What node i, if it runs a later minor version, puts on the wire for a
 * frame core wrote: the same message with one more field appended (an
 * unsigned 1 under SIM_NEWER_KEY) and the header rewritten.  Frames whose
 * map header would grow, or that would outgrow their channel, go as they
 * are. */
static const uint8_t *newer_frame(sim *s, uint32_t i, uint32_t channel, const uint8_t *bytes,
                                  uint32_t *len)
{
    uint32_t max = channel == HS_CH_TCP ? FRAME_TCP_PAYLOAD_MAX : FRAME_UDP_PAYLOAD_MAX;
    if (!s->nodes[i].newer || *len <= FRAME_HEADER_LEN || *len + 3 > FRAME_HEADER_LEN + max) {
        return bytes;
    }
    uint32_t plen = *len - FRAME_HEADER_LEN;
    uint8_t head = bytes[FRAME_HEADER_LEN];
    if ((head & 0xe0u) != 0xa0u || (head & 0x1fu) >= 23u) {
        return bytes;
    }
    uint8_t *out = s->newer_buf;
    memcpy(out + FRAME_HEADER_LEN, bytes + FRAME_HEADER_LEN, plen);
    out[FRAME_HEADER_LEN] = (uint8_t)(head + 1);
    out[*len] = 0x18;
    out[*len + 1] = SIM_NEWER_KEY;
    out[*len + 2] = 0x01;
    frame_write_header(out, (uint16_t)((bytes[2] << 8) | bytes[3]), plen + 3);
    *len += 3;
    s->faults[SIM_FAULT_NEWER]++;
    return out;
}

static hs_status create_nodes(sim *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        sim_host *sn = &s->nodes[i];
        hs_status st = build_config(s, i, &sn->cfg);
        if (st != HS_OK) {
            return st;
        }
        uint64_t offset = rng_range(&s->rng_clock, 0, HS_MS(s->opt.offset_max_ms));
        int64_t drift = (int64_t)rng_range(&s->rng_clock, 0, 2 * (uint64_t)s->opt.drift_max_ppm) -
                        (int64_t)s->opt.drift_max_ppm;
        simclock_init(&sn->clock, offset, (int32_t)drift);
        sn->start_ns = rng_range(&s->rng_topo, 0, HS_MS(s->opt.start_spread_ms));
        /* The same computation io_real/host.c uses (node_host_limits). */
        s->timers_cap = node_host_limits(&sn->cfg).timers;
        st = simdisk_init(&sn->disk, &s->disk_p, &s->rng_disk);
        if (st == HS_OK) {
            st = preload_meta(s, i);
        }
        rng v;
        rng_derive(&v, s->opt.seed, rng_label("newer") + i);
        sn->newer = s->opt.newer_ppm != 0 && rng_chance_ppm(&v, s->opt.newer_ppm);
        if (st == HS_OK && sn->newer && s->newer_buf == NULL) {
            s->newer_buf = malloc(FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX);
            st = s->newer_buf == NULL ? HS_ERR_NOMEM : HS_OK;
        }
        if (st == HS_OK) {
            st = map_init(&sn->timers, s->timers_cap);
        }
        if (st != HS_OK) {
            return st;
        }
        s->cl.names[i] = sn->cfg.name;
    }
    return HS_OK;
}

static void config_violation(sim *s, uint32_t i, const char *what, hs_status st,
                             const char *err)
{
    simcheck_report(&s->chk, SIMCHECK_CONFIG_REFUSED, 0, (int32_t)i, "%s: %s (%s)", what,
                    hs_status_name(st), err);
}

/* The same mistakes handed to node_create in memory, as a program that
 * embeds core would: the node must be refused, with nothing created. */
static void config_in_memory(sim *s, uint32_t i, rng *r)
{
    node_config bad;
    const char *words = simconf_make_invalid_struct(r, &s->nodes[i].cfg, &bad);
    char err[SIMCONF_ERR_MAX] = "";
    hs_status explained = node_config_explain(&bad, err, sizeof(err));
    node *created = NULL;
    hs_status st = node_create(&bad, &created);
    HS_ASSERT(st == HS_OK || created == NULL);
    if (st != HS_ERR_RANGE || explained != HS_ERR_RANGE || strstr(err, words) == NULL) {
        char what[128];
        snprintf(what, sizeof(what), "a config in memory: want HS_ERR_RANGE naming '%s'", words);
        config_violation(s, i, what, st, err);
    }
    if (created != NULL) {
        node_destroy(created);
    }
}

/* One node's settings as the config file an operator would write, read
 * back through core's engine (sim/simconf.h): the node runs on what the
 * engine parsed.  One node in four also gets an invalid variant of its
 * file, which the engine must refuse with the catalogue's error. */
static void config_through_engine(sim *s, uint32_t i, rng *r)
{
    sim_host *sn = &s->nodes[i];
    char text[SIMCONF_TEXT_MAX];
    char err[SIMCONF_ERR_MAX] = "";
    node_config parsed;
    simcheck_count(&s->chk, SIMCHECK_CONFIG_REFUSED);
    size_t len = simconf_render(&sn->cfg, text, sizeof(text));
    HS_ASSERT(len > 0); /* SIMCONF_TEXT_MAX holds every key */
    hs_status st = simconf_parse(text, &parsed, err, sizeof(err));
    if (st != HS_OK || !simconf_equal(&parsed, &sn->cfg)) {
        config_violation(s, i, "the engine did not read back the file it was given", st, err);
    } else {
        parsed.self_check = sn->cfg.self_check; /* the host's switch, not a file key */
        sn->cfg = parsed;
    }
    if (rng_below(r, 4) != 0) {
        return;
    }
    config_in_memory(s, i, r);
    static simconf_invalid bad; /* 4 KB: off the stack; one run per process */
    simconf_make_invalid(r, text, &sn->cfg, &bad);
    node_config scratch;
    err[0] = '\0';
    st = simconf_parse(bad.text, &scratch, err, sizeof(err));
    if (st != bad.want_status || strstr(err, bad.want_words) == NULL) {
        char what[128];
        snprintf(what, sizeof(what), "%s: want %s naming '%s'", bad.what,
                 hs_status_name(bad.want_status), bad.want_words);
        config_violation(s, i, what, st, err);
    } else if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, (int32_t)i, SIM_TK_SCHEDULE, "config: %s refused: %s", bad.what, err);
    }
}

static void configs_through_engine(sim *s)
{
    rng r;
    stream(&r, s->opt.seed, "config/run");
    for (uint32_t i = 0; i < s->n; i++) {
        config_through_engine(s, i, &r);
    }
}

static void destroy_node(sim *s, uint32_t i, node *n, bool check);

/* The sim a crash hook describes: the one created last and not yet
 * destroyed (a process runs one at a time; sweeps fork one per seed).
 * Host-side state, outside core, read only on the way to abort(). */
static const sim *current_sim;

hs_status sim_create(const simopt *o, sim **out)
{
    return sim_create_swim(o, NULL, out);
}

/* The host's timer table, for the mechanism checks (simcheck_timers). */
static bool host_timer_armed(const void *host, uint32_t i, uint64_t id, uint64_t *fires_global_ns,
                             uint64_t *fires_local_ns)
{
    const sim *s = host;
    HS_ASSERT(i < s->n);
    const sim_host *sn = &s->nodes[i];
    uint64_t h = 0;
    if (!map_get(&sn->timers, id, &h)) {
        return false;
    }
    bool queued = simq_at(&s->q, h, fires_global_ns);
    HS_ASSERT(queued); /* the table holds only queued timers */
    *fires_local_ns = simclock_local(&sn->clock, *fires_global_ns);
    return true;
}

static bool host_refusing(const void *host, uint32_t i, uint64_t id)
{
    const sim *s = host;
    HS_ASSERT(i < s->n);
    const sim_host *sn = &s->nodes[i];
    for (uint32_t k = 0; k < sn->refusing_count; k++) {
        if (sn->refusing[k] == id) {
            return true;
        }
    }
    return false;
}

static uint64_t host_local_now(const void *host, uint32_t i)
{
    const sim *s = host;
    HS_ASSERT(i < s->n);
    return simclock_local(&s->nodes[i].clock, s->now_ns);
}


hs_status sim_create_swim(const simopt *o, const swim_config *tunables, sim **out)
{
    *out = NULL;
    char err[SIMOPT_ERR_MAX];
    if (simopt_check(o, err, sizeof(err)) != HS_OK) {
        return HS_ERR_INVALID;
    }
    if (tunables != NULL && (swim_config_check(tunables) != HS_OK ||
                             simopt_check_model(o, tunables->probe_timeout_ms, err,
                                                sizeof(err)) != HS_OK)) {
        return HS_ERR_INVALID;
    }
    sim *s = calloc(1, sizeof(sim));
    if (s == NULL) {
        return HS_ERR_NOMEM;
    }
    if (tunables != NULL) {
        s->swim_override = true;
        s->swim = *tunables;
    }
    s->opt = *o;
    s->stepping = -1;
    s->heap_node = -1;
    current_sim = s;
    s->n = o->nodes;
    s->nodes = calloc(s->n, sizeof(sim_host));
    if (s->nodes == NULL) {
        free(s);
        return HS_ERR_NOMEM;
    }
    stream(&s->rng_disk, o->seed, "disk/run");
    stream(&s->rng_clock, o->seed, "clock/run");
    stream(&s->rng_faults, o->seed, "faults/run");
    stream(&s->rng_timers, o->seed, "timers/run");
    stream(&s->rng_late, o->seed, "late_timers/run");
    stream(&s->rng_squeeze, o->seed, "squeeze/run");
    stream(&s->rng_topo, o->seed, "topology/run");
    stream(&s->rng_forge, o->seed, "forge/run");
    stream(&s->rng_alloc, o->seed, "alloc/run");
    s->alloc_fail_ppm = o->alloc_fail_ppm;
    net_params_from(o, &s->net_p);
    s->disk_p.fail_ppm = o->disk_fail_ppm;
    s->disk_p.read_fail_ppm = o->disk_read_fail_ppm;
    s->disk_p.torn_ppm = o->torn_ppm;
    s->disk_p.latency_min_ns = (uint64_t)o->disk_min_us * HS_NS_PER_US;
    s->disk_p.latency_mean_ns = (uint64_t)o->disk_mean_us * HS_NS_PER_US;
    rng net_seed;
    stream(&net_seed, o->seed, "net/run");
    hs_status st = simnet_init(&s->net, s->n, SIM_NET_CAP, &s->net_p, rng_next(&net_seed));
    if (st == HS_OK) {
        st = simhash_init(&s->hash);
    }
    if (st == HS_OK) {
        st = create_nodes(s);
    }
    if (st == HS_OK) {
        /* One outbox serves every node: all share the swim caps. */
        node_limits lim = node_host_limits(&s->nodes[0].cfg);
        st = hs_outbox_init(&s->ob, lim.outbox_outputs, lim.outbox_arena_bytes);
    }
    if (st == HS_OK) {
        st = tcp_setup(s);
    }
    if (st == HS_OK) {
        st = simcheck_init(&s->chk, s->n, s->nodes[0].cfg.swim.members_cap);
    }
    if (st == HS_OK) {
        simcheck_timers t = {s, host_timer_armed, host_local_now, host_refusing};
        simcheck_set_timers(&s->chk, &t);
        configs_through_engine(s);
        for (uint32_t i = 0; i < s->n; i++) {
            if (s->nodes[i].stale_slot) {
                simcheck_expect_recovery(&s->chk, i, &s->nodes[i].recovery);
            }
        }
    }
    if (st == HS_OK) {
        uint32_t cap = SIM_NET_CAP + s->n * (s->timers_cap + SIMDISK_OPS_MAX + 2) +
                       SIMSCHED_MAX + SIM_FORGE_INFLIGHT_MAX + SIM_TCP_CONNS + 1 + 16;
        st = simq_init(&s->q, cap);
    }
    if (st != HS_OK) {
        sim_destroy(s);
        return st;
    }
    s->cl.count = s->n;
    if (s->opt.forge_ppm != 0) {
        s->cl.fake_count = s->opt.forge_fakes;
        for (uint32_t k = 0; k < s->opt.forge_fakes; k++) {
            simforge_fake_name(k, &s->cl.fakes[k]);
        }
    }
    compute_bounds(s);
    if (s->opt.liveness_ms == 0) {
        s->opt.liveness_ms = default_liveness_ms(s);
    } else if (HS_MS(s->opt.liveness_ms) < s->conv_bound_ns ||
               HS_MS(s->opt.liveness_ms) < s->det_bound_ns) {
        /* A liveness phase shorter than the bounds would skip the checks
         * it exists for and still report a pass. */
        sim_destroy(s);
        return HS_ERR_RANGE;
    }
    if (s->opt.op_every_ms != 0) {
        push_control(s, HS_MS(rng_range(&s->rng_oper, 0, s->opt.op_every_ms)), SIMQ_OPER, 0);
    }
    /* Each process comes up at its drawn start time; until then it is down
     * and traffic to it is dropped. */
    for (uint32_t i = 0; i < s->n; i++) {
        s->nodes[i].start_pending = true;
        st = simq_push(&s->q, s->nodes[i].start_ns, SIMQ_START, i, 0, 0, NULL);
        HS_ASSERT(st == HS_OK);
    }
    *out = s;
    return HS_OK;
}

void sim_destroy(sim *s)
{
    if (s == NULL) {
        return;
    }
    free(s->newer_buf);
    if (current_sim == s) {
        current_sim = NULL;
    }
    for (uint32_t i = 0; i < s->n && s->nodes != NULL; i++) {
        sim_host *sn = &s->nodes[i];
        destroy_node(s, i, sn->node, false); /* past the last report */
        simdisk_free(&sn->disk);
        map_free(&sn->timers);
    }
    free(s->nodes);
    simq_free(&s->q);
    simtcp_free(&s->tcp);
    simoper_free(&s->oper);
    simnet_free(&s->net);
    hs_outbox_free(&s->ob);
    simhash_free(&s->hash);
    simcheck_free(&s->chk);
    simsched_free(&s->sched);
    free(s);
}

const simopt *sim_options(const sim *s)
{
    return &s->opt;
}

void sim_set_trace(sim *s, uint32_t flags, sim_trace_fn fn, void *ctx)
{
    s->trace_flags = flags;
    s->trace_fn = fn;
    s->trace_ctx = ctx;
    s->trace_rec_fn = NULL;
    s->trace_rec_ctx = NULL;
}

void sim_set_trace_rec(sim *s, uint32_t flags, sim_trace_rec_fn fn, void *ctx)
{
    s->trace_flags = flags;
    s->trace_fn = NULL;
    s->trace_ctx = NULL;
    s->trace_rec_fn = fn;
    s->trace_rec_ctx = ctx;
}

void sim_set_event_hook(sim *s, sim_event_fn fn, void *ctx)
{
    s->event_fn = fn;
    s->event_ctx = ctx;
    simhash_set_rolling(&s->hash, fn != NULL);
}

void sim_set_perturb_event(sim *s, uint64_t index)
{
    s->perturb_event = index;
}

void sim_set_stop_at_violation(sim *s, bool on)
{
    HS_ASSERT(s != NULL);
    s->stop_at_violation = on;
}

void sim_set_crash_at_event(sim *s, uint64_t index)
{
    s->crash_at_event = index;
}

void sim_set_lose_timer(sim *s, uint32_t kind)
{
    HS_ASSERT(kind < HS_TIMER_KIND_COUNT);
    s->lose_timer_kind = kind;
    s->lose_timer_done = false;
}

/* The mechanism checks' self-test (sim_set_lose_timer): the first arming
 * of the chosen SWIM timer kind is dropped by the host, which tells the
 * node nothing, as a deleted ctx_timer_set in core would behave. */
static bool lose_timer(sim *s, uint32_t i, uint64_t id)
{
    sim_host *sn = &s->nodes[i];
    if (s->lose_timer_kind == 0 || s->lose_timer_done ||
        hs_timer_kind(id) != s->lose_timer_kind ||
        node_timer_module(sn->node, id) != HS_MOD_SWIM) {
        return false;
    }
    s->lose_timer_done = true;
    uint64_t h = 0;
    if (map_get(&sn->timers, id, &h)) {
        (void)simq_cancel(&s->q, h);
        map_remove(&sn->timers, id);
    }
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, (int32_t)i, SIM_TK_TIMER,
              "self-test: the host lost timer kind %u slot %u gen %u", hs_timer_kind(id),
              hs_id_slot(id), hs_id_gen(id));
    }
    HS_ASSERT(!map_get(&sn->timers, id, &h));
    return true;
}

const sim *sim_current(void)
{
    return current_sim;
}

void sim_where_node_text(const sim_where *w, char *out, size_t cap)
{
    if (w->node >= 0) {
        snprintf(out, cap, "n%d", w->node + 1);
    } else {
        snprintf(out, cap, "between steps");
    }
}

void sim_where_get(const sim *s, sim_where *w)
{
    memset(w, 0, sizeof(*w));
    w->seed = s->opt.seed;
    w->now_ns = s->now_ns;
    w->events = s->events;
    w->node = s->stepping;
    w->sched_drawn = s->sched.drawn;
}

void sim_set_frame_hook(sim *s, sim_frame_fn fn, void *ctx)
{
    s->frame_fn = fn;
    s->frame_ctx = ctx;
}

/* ------------------------------------------------------------------ */
/* Executing outputs                                                   */

static void exec_timer_set(sim *s, uint32_t i, const hs_output *out)
{
    sim_host *sn = &s->nodes[i];
    uint64_t id = out->u.timer.timer_id;
    uint64_t at = simclock_global_at(&sn->clock, s->now_ns, out->u.timer.deadline_ns);
    uint64_t old = 0;
    simcheck_timer_output(&s->chk, i, sn->node, id);
    if (lose_timer(s, i, id)) {
        return;
    }
    if (map_get(&sn->timers, id, &old)) {
        /* A set re-arms: the queued event moves, its handle stays. */
        bool moved = simq_reschedule(&s->q, old, at);
        HS_ASSERT(moved);
        return;
    }
    theap_handle h = 0;
    /* Any module's timer: each parks a refused one and asks for a wake-up
     * (SWIM's re-arm list, the metadata store's parked retry). */
    if (!s->liveness && s->opt.timer_refuse_ppm != 0 && sn->refusing_count < SIM_REFUSING_MAX &&
        rng_chance_ppm(&s->rng_timers, s->opt.timer_refuse_ppm)) {
        /* The host refuses, as one whose table is full would: the node
         * hears of it in its own input, never silently. */
        s->faults[SIM_FAULT_TIMER_REFUSED]++;
        sn->refusing[sn->refusing_count++] = id;
        simcheck_timer_refused(&s->chk, i);
        if (simq_push(&s->q, s->now_ns, SIMQ_TIMER_REFUSED, i, sn->gen, id, &h) != HS_OK) {
            bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        }
        return;
    }
    if (simq_push(&s->q, at, SIMQ_TIMER, i, sn->gen, id, &h) != HS_OK) {
        bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        return;
    }
    if (map_put(&sn->timers, id, h) != HS_OK) {
        (void)simq_cancel(&s->q, h);
        /* The table is sized by node_host_limits, so this is a bound
         * broken; the node still hears of it, as io_real would tell it. */
        bounds_violation(s, (int32_t)i, "timer table full", map_cap(&sn->timers));
        simcheck_timer_refused(&s->chk, i);
        if (simq_push(&s->q, s->now_ns, SIMQ_TIMER_REFUSED, i, sn->gen, id, &h) != HS_OK) {
            bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        }
    }
}

static void exec_timer_cancel(sim *s, uint32_t i, const hs_output *out)
{
    sim_host *sn = &s->nodes[i];
    uint64_t h = 0;
    simcheck_timer_output(&s->chk, i, sn->node, out->u.timer.timer_id);
    if (map_get(&sn->timers, out->u.timer.timer_id, &h)) {
        (void)simq_cancel(&s->q, h);
        map_remove(&sn->timers, out->u.timer.timer_id);
        /* The cancel raced the firing: the timer comes once anyway. */
        if (!s->liveness && s->opt.late_timer_ppm != 0 &&
            rng_chance_ppm(&s->rng_late, s->opt.late_timer_ppm)) {
            s->faults[SIM_FAULT_LATE_TIMER]++;
            theap_handle late = 0;
            if (simq_push(&s->q, s->now_ns, SIMQ_LATE_TIMER, i, sn->gen, out->u.timer.timer_id,
                          &late) != HS_OK) {
                bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
            }
        }
    }
}

static void maybe_forge(sim *s);

static void exec_send(sim *s, uint32_t i, const hs_output *out)
{
    const uint8_t *bytes = hs_outbox_payload(&s->ob, out);
    uint32_t len = out->u.send.len;
    if (s->frame_fn != NULL) {
        s->frame_fn(s->frame_ctx, bytes, len);
    }
    bytes = newer_frame(s, i, out->u.send.channel, bytes, &len);
    if (s->opt.forge_ppm != 0) {
        maybe_forge(s);
    }
    if (out->u.send.channel == HS_CH_TCP) {
        exec_send_tcp(s, i, out, bytes, len);
        return;
    }
    int32_t to = addr_index(s, out->u.send.to);
    if (to >= 0 && s->nodes[i].node != NULL) {
        simcheck_send(&s->chk, s->now_ns, i, s->nodes[i].node, &s->cl.names[to],
                      out->u.send.to, hs_outbox_payload(&s->ob, out), out->u.send.len);
    }
    if (to < 0) {
        s->unroutable++;
        if (tracing(s, SIM_TRACE_MSGS)) {
            char text[HS_ADDR_STR_MAX];
            hs_addr_format(out->u.send.to, text);
            trace(s, (int32_t)i, SIM_TK_SEND, "send %s -> %s %s %uB unroutable",
                  channel_name(out->u.send.channel), text, frame_type_name(bytes, len), len);
        }
        return;
    }
    simnet_send_result res;
    hs_status st = simnet_send(&s->net, s->now_ns, i, (uint32_t)to, out->u.send.channel, bytes,
                               len, s->nodes[i].gen, s->nodes[to].gen, &res);
    if (st == HS_ERR_FULL) {
        bounds_violation(s, (int32_t)i, "network queue full", s->net.cap);
        return;
    }
    if (st != HS_OK) {
        bounds_violation(s, (int32_t)i, "frame larger than the simulated network carries", len);
        return;
    }
    s->faults[SIM_FAULT_LOSS] += res.lost ? 1u : 0u;
    s->faults[SIM_FAULT_DUP] += res.duplicated ? 1u : 0u;
    s->faults[SIM_FAULT_REORDER] += res.reordered ? 1u : 0u;
    for (uint32_t c = 0; c < res.count; c++) {
        if (simq_push(&s->q, res.at_ns[c], SIMQ_NET, (uint32_t)to, 0, res.slots[c], NULL) !=
            HS_OK) {
            simnet_release(&s->net, res.slots[c]);
            bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        }
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        const char *fate = res.lost         ? " lost"
                           : res.cut        ? " cut"
                           : res.duplicated ? " dup"
                           : res.reordered  ? " reordered"
                                            : "";
        trace(s, (int32_t)i, SIM_TK_SEND, "send %s -> %s %s %uB%s",
              channel_name(out->u.send.channel), s->nodes[to].cfg.name.bytes,
              frame_type_name(bytes, len), len, fate);
    }
}

static void exec_disk(sim *s, uint32_t i, const hs_output *out)
{
    sim_host *sn = &s->nodes[i];
    uint64_t done = 0;
    hs_status st = simdisk_submit(&sn->disk, s->now_ns, out, hs_outbox_payload(&s->ob, out),
                                  &done);
    if (st != HS_OK) {
        bounds_violation(s, (int32_t)i, "disk queue full", SIMDISK_OPS_MAX);
        return;
    }
    if (simq_push(&s->q, done, SIMQ_DISK, i, sn->gen, 0, NULL) != HS_OK) {
        bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
    }
}

/* ------------------------------------------------------------------ */
/* Simulated TCP (io_sim/simtcp.h)                                     */

static void step_node(sim *s, uint32_t i, const hs_input *in);
static void arm_wake(sim *s, uint32_t i);

static void tcp_violation_at(sim *s, int32_t node_index, uint32_t id, const char *what,
                             uint32_t slot)
{
    simcheck_count(&s->chk, id);
    note_violation(s, simcheck_report(&s->chk, id, s->now_ns, node_index, "%s (conn slot %u)",
                                      what, slot));
}

static bool tcp_listening(void *ctx, uint32_t node_index, uint32_t *gen)
{
    const sim *s = ctx;
    *gen = s->nodes[node_index].gen;
    return s->nodes[node_index].node != NULL;
}

static void tcp_arm(void *ctx, uint32_t slot, uint64_t at_ns)
{
    sim *s = ctx;
    HS_ASSERT(slot < SIM_TCP_CONNS);
    if (at_ns == HS_TIME_NEVER) {
        if (s->tcp_armed[slot]) {
            bool cancelled = simq_cancel(&s->q, s->tcp_ev[slot]);
            HS_ASSERT(cancelled);
            s->tcp_armed[slot] = false;
        }
        return;
    }
    at_ns = at_ns < s->now_ns ? s->now_ns : at_ns;
    if (s->tcp_armed[slot]) {
        bool moved = simq_reschedule(&s->q, s->tcp_ev[slot], at_ns);
        HS_ASSERT(moved);
        return;
    }
    if (simq_push(&s->q, at_ns, SIMQ_TCP, 0, 0, slot, &s->tcp_ev[slot]) != HS_OK) {
        bounds_violation(s, -1, "event queue full", simq_cap(&s->q));
        return;
    }
    s->tcp_armed[slot] = true;
}

/* A forged stream core must refuse: after the step that received it, the
 * connection must be closed at the node. */
static void check_forged_refused(sim *s, const simtcp_conn *c, uint32_t slot, uint32_t e,
                                 bool hello)
{
    uint32_t kind = c->tag & 0xffu;
    if (hello) {
        return; /* the HELLO of a hello_garbage stream: bound, kept open */
    }
    kind = kind == SIMFORGE_TCP_HELLO_GARBAGE ? SIMFORGE_TCP_CORE_CLOSES : kind;
    simcheck_count(&s->chk, SIMCHECK_TCP_STREAM);
    if (kind == SIMFORGE_TCP_HOST_CLOSES || kind == SIMFORGE_TCP_PARTIAL) {
        tcp_violation_at(s, c->end[e].node, SIMCHECK_TCP_STREAM,
                         "a frame the host's stream must refuse reached core", slot);
    } else if (kind == SIMFORGE_TCP_CORE_CLOSES && c->end[e].open) {
        tcp_violation_at(s, c->end[e].node, SIMCHECK_TCP_STREAM,
                         "core kept a forged stream with a corrupt frame open", slot);
    }
}

static void tcp_frame(void *ctx, uint32_t slot, uint32_t e, const uint8_t *bytes, uint32_t len)
{
    sim *s = ctx;
    const simtcp_conn *c = simtcp_conn_at(&s->tcp, slot);
    const simtcp_end *end = &c->end[e];
    if (end->node == SIMTCP_NONE) {
        char why[SIMOPER_WHY_MAX];
        if (simoper_owns(c->tag) &&
            !simoper_on_frame(&s->oper, &s->tcp, s->now_ns, c->tag, bytes, len, why,
                              sizeof(why))) {
            tcp_violation_at(s, -1, SIMCHECK_CONTROL_REPLY, why, slot);
        }
        return; /* a forged peer ignores what it gets back */
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        trace(s, end->node, SIM_TK_RECV, "recv tcp conn=%llu %s %uB",
              (unsigned long long)end->id, frame_type_name(bytes, len), len);
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = HS_CH_TCP;
    in.u.recv.from = c->end[1 - e].addr;
    in.u.recv.conn_id = end->id;
    in.u.recv.bytes = bytes;
    in.u.recv.len = len;
    uint32_t gen = c->gen;
    uint32_t tag = c->tag;
    step_node(s, end->node, &in);
    if ((tag & ~0xffu) == SIMFORGE_TCP_TAG && c->gen == gen) {
        frame_header fh;
        bool hello = frame_parse_header(bytes, len, FRAME_TCP_PAYLOAD_MAX, &fh) == HS_OK &&
                     fh.type == MSG_HELLO;
        check_forged_refused(s, c, slot, e, hello);
    }
}

static void tcp_closed(void *ctx, uint32_t slot, uint32_t e, hs_status reason)
{
    sim *s = ctx;
    const simtcp_conn *c = simtcp_conn_at(&s->tcp, slot);
    const simtcp_end *end = &c->end[e];
    s->faults[SIM_FAULT_TCP_REFUSED] += reason == HS_ERR_REFUSED ? 1u : 0u;
    if (end->node == SIMTCP_NONE) {
        if (simoper_owns(c->tag)) {
            simoper_on_closed(&s->oper, c->tag, reason);
        }
        return;
    }
    /* Core hears of a connection its host accepted or opened in this
     * process, once; the simulator's table is the authority. */
    simcheck_count(&s->chk, SIMCHECK_TCP_STREAM);
    const sim_host *sn = &s->nodes[end->node];
    if (sn->node == NULL || end->gen != sn->gen || end->id == 0) {
        tcp_violation_at(s, end->node, SIMCHECK_TCP_STREAM, "CONN_CLOSED for a conn core's "
                         "host never had in this process", slot);
        return;
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        trace(s, end->node, SIM_TK_TCP, "tcp conn=%llu closed: %s", (unsigned long long)end->id,
              hs_status_name(reason));
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_CONN_CLOSED;
    in.u.conn_closed.conn_id = end->id;
    in.u.conn_closed.reason = reason;
    step_node(s, end->node, &in);
}

static void tcp_send_failed_input(hs_input *in, hs_addr to, uint64_t conn_id, uint16_t type,
                                  hs_status reason, uint32_t frames)
{
    memset(in, 0, sizeof(*in));
    in->kind = HS_IN_SEND_FAILED;
    in->u.send_failed.channel = HS_CH_TCP;
    in->u.send_failed.to = to;
    in->u.send_failed.conn_id = conn_id;
    in->u.send_failed.msg_type = type;
    in->u.send_failed.reason = reason;
    in->u.send_failed.frames = frames;
}

static void tcp_send_failed(void *ctx, uint32_t node_index, hs_addr to, uint64_t conn_id,
                            uint16_t type, hs_status reason, uint32_t frames)
{
    sim *s = ctx;
    if (s->nodes[node_index].node == NULL) {
        return; /* the sender died before its connect failed */
    }
    hs_input in;
    tcp_send_failed_input(&in, to, conn_id, type, reason, frames);
    step_node(s, node_index, &in);
}

static void tcp_model_violation(void *ctx, uint32_t slot, const char *what)
{
    tcp_violation_at(ctx, -1, SIMCHECK_TCP_STREAM, what, slot);
}

static hs_status tcp_setup(sim *s)
{
    simtcp_params p = {
        .connect_timeout_ns = HS_MS(s->opt.tcp_connect_ms),
        .stall_timeout_ns = HS_MS(s->opt.tcp_stall_ms),
        .slow_timeout_ns = HS_SEC(10), /* io_real's slow_timeout default */
        .sendbuf_bytes = s->opt.tcp_sendbuf,
    };
    simtcp_hooks h = {tcp_listening, tcp_arm, tcp_frame, tcp_closed, tcp_send_failed,
                      tcp_model_violation, s};
    rng r;
    stream(&r, s->opt.seed, "tcp/run");
    stream(&s->rng_oper, s->opt.seed, "operator/run");
    hs_status st = simoper_init(&s->oper, rng_next(&s->rng_oper));
    if (st != HS_OK) {
        return st;
    }
    uint64_t net_max = simdist_delay_max(s->net_p.latency_min_ns, s->net_p.latency_mean_ns) +
                       s->net_p.tail_max_ns;
    s->tcp_close_bound_ns = p.stall_timeout_ns + 3 * net_max + HS_SEC(1);
    s->op_bound_ns = p.connect_timeout_ns + 2 * p.stall_timeout_ns + 8 * net_max + HS_SEC(2);
    return simtcp_init(&s->tcp, SIM_TCP_CONNS, &p, &s->net, rng_next(&r), &h);
}

/* A TCP SEND: a refusal goes back to core as SEND_FAILED after the step
 * (and, for an operator's reply, to the operator waiting for it). */
static void exec_send_tcp(sim *s, uint32_t i, const hs_output *out, const uint8_t *bytes,
                          uint32_t len)
{
    int32_t to = addr_index(s, out->u.send.to);
    uint32_t slot = 0;
    hs_status st = HS_ERR_REFUSED; /* conn_id 0 to an address no node has */
    if (out->u.send.conn_id != 0 || to >= 0) {
        st = simtcp_node_send(&s->tcp, s->now_ns, i, out->u.send.conn_id, node_addr(i),
                              to < 0 ? 0 : (uint32_t)to, out->u.send.to, bytes, len, &slot);
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        trace(s, (int32_t)i, SIM_TK_SEND, "send tcp conn=%llu %s %uB%s%s",
              (unsigned long long)out->u.send.conn_id, frame_type_name(bytes, len), len,
              st == HS_OK ? "" : " refused: ", st == HS_OK ? "" : hs_status_name(st));
    }
    if (st == HS_OK) {
        return;
    }
    s->faults[SIM_FAULT_TCP_FULL] += st == HS_ERR_FULL ? 1u : 0u;
    if (st == HS_ERR_FULL) {
        const simtcp_conn *c = simtcp_conn_at(&s->tcp, slot);
        if (simoper_owns(c->tag) && c->end[0].open && c->end[0].node == SIMTCP_NONE) {
            char why[SIMOPER_WHY_MAX];
            if (!simoper_on_reply_refused(&s->oper, &s->tcp, s->now_ns, c->tag, bytes, len,
                                          why, sizeof(why))) {
                tcp_violation_at(s, (int32_t)i, SIMCHECK_CONTROL_REPLY, why, slot);
            }
        }
    }
    /* Coalesced as io_real's host does: one input per connection and
     * reason for the refusals in a row. */
    hs_input *last = s->send_failed_count > 0 ? &s->send_failed[s->send_failed_count - 1] : NULL;
    if (last != NULL && last->u.send_failed.conn_id == out->u.send.conn_id &&
        last->u.send_failed.reason == st && hs_addr_eq(last->u.send_failed.to, out->u.send.to)) {
        last->u.send_failed.frames++;
        return;
    }
    if (s->send_failed_count == SIM_SEND_FAILED_MAX) {
        bounds_violation(s, (int32_t)i, "send-failed queue full", SIM_SEND_FAILED_MAX);
        return;
    }
    uint16_t type = len >= 4 ? (uint16_t)((bytes[2] << 8) | bytes[3]) : 0;
    tcp_send_failed_input(&s->send_failed[s->send_failed_count++], out->u.send.to,
                          out->u.send.conn_id, type, st, 1);
}

/* SEND_FAILED inputs the step's outputs caused, delivered after it. */
static void deliver_send_failed(sim *s, uint32_t i)
{
    hs_input pending[SIM_SEND_FAILED_MAX];
    uint32_t count = s->send_failed_count;
    memcpy(pending, s->send_failed, count * sizeof(hs_input));
    s->send_failed_count = 0;
    for (uint32_t k = 0; k < count && s->nodes[i].node != NULL; k++) {
        step_node(s, i, &pending[k]);
    }
}

static void deliver_tcp(sim *s, const simq_event *ev)
{
    uint32_t slot = (uint32_t)ev->arg;
    HS_ASSERT(slot < SIM_TCP_CONNS && s->tcp_armed[slot]);
    s->tcp_armed[slot] = false; /* the event has fired: nothing to cancel */
    uint64_t resets = s->tcp.stats.resets;
    simtcp_wake(&s->tcp, s->now_ns, slot);
    s->faults[SIM_FAULT_TCP_RESET] += s->tcp.stats.resets - resets;
}

/* A forged TCP stream: a fake peer connects to node target and writes
 * one chunk (sim/simforge.h); it closes at once unless the host or core
 * is expected to. */
static void forge_stream(sim *s, uint32_t target)
{
    simforge_stream fs;
    simforge_stream_build(&s->rng_oper, tracing(s, SIM_TRACE_EVENTS), &fs);
    uint32_t slot = 0;
    hs_addr to = node_addr(target);
    if (simtcp_connect(&s->tcp, s->now_ns, fs.from_ip, SIMTCP_NONE, target, to,
                       SIMFORGE_TCP_TAG | fs.kind, &slot) != HS_OK) {
        return; /* table full: the operator's sessions come first */
    }
    s->faults[SIM_FAULT_TCP_FORGE]++;
    hash_fault(s, FAULT_FORGE_TCP, target, fs.kind, fs.len);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_FORGE, "forge -> n%u %s", target + 1, fs.desc);
    }
    hs_status st = HS_OK;
    if (fs.hello_len > 0) {
        st = simtcp_send(&s->tcp, s->now_ns, slot, 0, fs.hello, fs.hello_len);
        HS_ASSERT(st == HS_OK); /* an empty buffer takes any frame */
    }
    st = simtcp_send(&s->tcp, s->now_ns, slot, 0, fs.bytes, fs.len);
    if (st == HS_ERR_FULL && fs.hello_len > 0) {
        /* A drawn send buffer too small for both frames: the forger hangs
         * up after its HELLO, and the node's binding goes with the close. */
        simtcp_close(&s->tcp, s->now_ns, slot, 0);
        return;
    }
    HS_ASSERT(st == HS_OK); /* an empty buffer takes any frame */
    if (fs.kind == SIMFORGE_TCP_CORE_REPLIES) {
        simtcp_close_after_send(&s->tcp, s->now_ns, slot);
    }
}

/* The operator's turn: check what is outstanding, then open a session (or,
 * with forge_tcp_ppm in the safety phase, a forged stream). */
static void operator_tick(sim *s)
{
    uint32_t before = s->chk.stored_count;
    simcheck_count(&s->chk, SIMCHECK_TCP_STREAM);
    (void)simtcp_check_closes(&s->tcp, s->now_ns, s->tcp_close_bound_ns);
    simcheck_count(&s->chk, SIMCHECK_CONTROL_REPLY);
    char why[SIMOPER_WHY_MAX];
    while (simoper_check(&s->oper, s->now_ns, s->op_bound_ns, why, sizeof(why))) {
        note_violation(s, simcheck_report(&s->chk, SIMCHECK_CONTROL_REPLY, s->now_ns, -1, "%s",
                                          why));
    }
    simoper_tick(&s->oper, &s->tcp, s->now_ns);
    rng *r = &s->rng_oper;
    uint32_t target = (uint32_t)rng_below(r, s->n);
    if (!s->liveness && s->opt.forge_tcp_ppm != 0 && rng_chance_ppm(r, s->opt.forge_tcp_ppm)) {
        forge_stream(s, target);
    } else {
        uint32_t via = (uint32_t)rng_below(r, s->n);
        uint32_t requests = 1 + (uint32_t)rng_below(r, s->opt.op_burst);
        bool early = rng_below(r, 8) == 0;
        uint32_t rounds = (uint32_t)rng_below(r, 4);
        if (simoper_start(&s->oper, &s->tcp, s->now_ns, target, via, node_addr(target),
                          requests, rounds, early)) {
            hash_fault(s, FAULT_OPER, target, via, ((uint64_t)requests << 1) | early);
            if (tracing(s, SIM_TRACE_EVENTS)) {
                trace(s, -1, SIM_TK_OPERATOR, "operator -> n%u from beside n%u: %u requests%s",
                      target + 1, via + 1, requests, early ? ", closes early" : "");
            }
        }
    }
    uint32_t every = s->opt.op_every_ms;
    push_control(s, s->now_ns + HS_MS(rng_range(r, every / 2 + 1, every + every / 2)), SIMQ_OPER,
                 0);
    trace_new_violations(s, before);
}

static void exec_output(sim *s, uint32_t i, const hs_output *out)
{
    switch (out->kind) {
    case HS_OUT_SEND:
        exec_send(s, i, out);
        break;
    case HS_OUT_TIMER_SET:
        exec_timer_set(s, i, out);
        break;
    case HS_OUT_TIMER_CANCEL:
        exec_timer_cancel(s, i, out);
        break;
    case HS_OUT_DISK_WRITE:
    case HS_OUT_DISK_SYNC:
    case HS_OUT_DISK_READ:
        exec_disk(s, i, out);
        break;
    case HS_OUT_EVENT:
        if (tracing(s, SIM_TRACE_EVENTS)) {
            char text[320];
            hs_event_format_text(&out->u.event, text, sizeof(text));
            trace(s, (int32_t)i, SIM_TK_EVENT, "%s", text);
        }
        break;
    case HS_OUT_CLOSE:
        /* An unknown id is a connection that already ended: io_real's
         * tcp_close ignores it the same way. */
        if (!simtcp_node_close(&s->tcp, s->now_ns, i, out->u.close.conn_id) &&
            tracing(s, SIM_TRACE_MSGS)) {
            trace(s, (int32_t)i, SIM_TK_TCP, "close tcp conn=%llu: already gone",
                  (unsigned long long)out->u.close.conn_id);
        }
        break;
    case HS_OUT_EXEC: /* no executor yet */
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Stepping                                                            */

/* A node crashed or started, or its running state or own incarnation
 * changed: the cluster-wide checks must look again. */
static void cluster_changed(sim *s)
{
    s->conv_dirty = true;
    s->cl.version++;
    s->calm_since_ns = s->now_ns;
}

static void keep_exhausted_down(sim *s, uint32_t i);

static void liveness_after_step(sim *s, uint32_t i, bool cluster_moved)
{
    if (!s->liveness) {
        return;
    }
    if (!s->converged) {
        bool all = cluster_moved || s->conv_dirty;
        s->conv_dirty = false;
        if (simcheck_track_converged(&s->chk, &s->cl, i, all)) {
            s->converged = true;
            s->converged_ns = s->now_ns - s->heal_ns;
            if (tracing(s, SIM_TRACE_EVENTS)) {
                trace(s, -1, SIM_TK_PHASE, "converged after %llu ms",
                      (unsigned long long)(s->converged_ns / HS_NS_PER_MS));
            }
        }
    }
    keep_exhausted_down(s, i);
    simcheck_liveness_after_step(&s->chk, s->now_ns, &s->cl, i);
}

/* A HELLO binding never outlives its connection: after the step's outputs
 * ran (a CLOSE among them), every bound conn is open at the node's host. */
static void check_bindings(sim *s, uint32_t i)
{
    const peers *p = node_peers(s->nodes[i].node);
    for (uint32_t k = 0; k < p->count; k++) {
        simcheck_count(&s->chk, SIMCHECK_TCP_STREAM);
        if (simtcp_find(&s->tcp, i, p->slots[k].conn_id) < 0) {
            note_violation(s, simcheck_report(&s->chk, SIMCHECK_TCP_STREAM, s->now_ns,
                                              (int32_t)i, "binding outlives conn %llu",
                                              (unsigned long long)p->slots[k].conn_id));
        }
    }
}

/* In the sanitizer builds (HS_DEBUG_CHECKS) every payload core reads sits
 * in a heap block of exactly its length: the simulator's slots and read
 * buffers are larger, so without the copy a decoder reading one byte past
 * the end would read slack silently instead of failing under ASan.
 * Returns the block to free after the step (NULL: nothing copied). */
static uint8_t *exact_payload(const hs_input *in, hs_input *copy)
{
    const uint8_t **bytes = NULL;
    uint32_t len = 0;
    *copy = *in;
    if (in->kind == HS_IN_RECV) {
        bytes = &copy->u.recv.bytes;
        len = in->u.recv.len;
    } else if (in->kind == HS_IN_DISK_DONE) {
        bytes = &copy->u.disk.bytes;
        len = in->u.disk.len;
    }
    if (bytes == NULL || *bytes == NULL || len == 0) {
        return NULL;
    }
    uint8_t *block = malloc(len);
    HS_ASSERT(block != NULL); /* the sanitizer builds run with memory to spare */
    memcpy(block, *bytes, len);
    *bytes = block;
    return block;
}

/* calm_no_death: a refutation outruns the suspicion it answers.  When
 * node i declares running node j DEAD at incarnation k, j must not have
 * refuted above k refute_spread_ns or more before, in a window where only
 * loss-class faults have been at work for calm_window_ns.  (Plain SWIM
 * may still declare a live node dead whose refutation was late or never
 * started: that is a probability, not a mechanism, and Lifeguard's to
 * shrink; a refutation that had time to spread and did not is a bug.) */
static void check_calm_death(sim *s, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < s->n);
    if (ev->code == HS_EV_SELF_REFUTED) {
        s->nodes[i].refuted_ns = s->now_ns;
        s->nodes[i].refuted_inc = ev->c;
        return;
    }
    if (ev->code != HS_EV_MEMBER_STATE || ev->b != MEMBER_DEAD) {
        return;
    }
    simcheck_count(&s->chk, SIMCHECK_CALM_NO_DEATH);
    if (s->liveness || s->now_ns < s->calm_since_ns + s->calm_window_ns) {
        return; /* the liveness phase has live_node_not_dead */
    }
    for (uint32_t j = 0; j < s->n; j++) {
        const sim_host *h = &s->nodes[j];
        if (j == i || h->node == NULL || !hs_name_eq(&s->cl.names[j], &ev->subject) ||
            !node_running(h->node) || h->refuted_inc <= ev->c ||
            s->now_ns < h->refuted_ns + s->refute_spread_ns) {
            continue;
        }
        note_violation(s, simcheck_report(&s->chk, SIMCHECK_CALM_NO_DEATH, s->now_ns, (int32_t)i,
                                          "declared running n%u DEAD at inc %llu, %llu ms after "
                                          "it refuted at inc %llu (spread bound %llu ms)",
                                          j + 1, (unsigned long long)ev->c,
                                          (unsigned long long)((s->now_ns - h->refuted_ns) /
                                                               HS_NS_PER_MS),
                                          (unsigned long long)h->refuted_inc,
                                          (unsigned long long)(s->refute_spread_ns /
                                                               HS_NS_PER_MS)));
    }
}

/* outbox_squeeze_ppm: this step's outbox holds 0..2 outputs besides its
 * events, so the node's full-outbox paths run.  True when squeezed. */
static bool squeeze_outbox(sim *s, uint32_t i)
{
    HS_ASSERT(s->ob.ordinary_cap == s->ob.cap - HS_OUTBOX_EVENT_RESERVE);
    if (s->liveness || s->opt.outbox_squeeze_ppm == 0 ||
        !rng_chance_ppm(&s->rng_squeeze, s->opt.outbox_squeeze_ppm)) {
        return false;
    }
    s->ob.ordinary_cap = (uint32_t)rng_below(&s->rng_squeeze, 3);
    /* Half the squeezed steps leave timer sets no reserve either, so each
     * goes back to its owner as a refusal, parked until its wake-up. */
    s->ob.timer_reserve_closed = rng_below(&s->rng_squeeze, 2) == 0;
    s->faults[SIM_FAULT_OUTBOX_SQUEEZE]++;
    HS_ASSERT(s->ob.ordinary_cap <= 2 && i < s->n);
    return true;
}

/* The step is over: the room comes back, and what no squeeze explains
 * (an overflow of a step at full size, a timer or stream lost for good)
 * is a bound broken. */
static bool unsqueeze_outbox(sim *s, uint32_t i, bool squeezed, uint64_t overflows,
                             uint64_t lost)
{
    s->ob.ordinary_cap = s->ob.cap - HS_OUTBOX_EVENT_RESERVE;
    s->ob.timer_reserve_closed = false;
    if (s->ob.refused_lost + s->ob.streams_lost + s->ob.cancels_lost != lost) {
        bounds_violation(s, (int32_t)i, "timer set, cancel or TCP close lost by a full outbox",
                         s->ob.cap);
    }
    HS_ASSERT(s->ob.refused_count == 0); /* node_step handed every one back */
    return s->ob.overflows + s->ob.reserve_taken != overflows && !squeezed;
}

static void step_node(sim *s, uint32_t i, const hs_input *in)
{
    sim_host *sn = &s->nodes[i];
    HS_ASSERT(sn->node != NULL);
    uint64_t local = simclock_local(&sn->clock, s->now_ns);
    hash_input(s, i, local, in);
    bool was_running = node_running(sn->node);
    uint32_t inc_before = node_swim(sn->node)->self.incarnation;
    uint32_t violations_before = s->chk.stored_count;
    hs_outbox_reset(&s->ob);
    uint64_t overflows = s->ob.overflows + s->ob.reserve_taken;
    uint64_t lost = s->ob.refused_lost + s->ob.streams_lost + s->ob.cancels_lost;
    bool squeezed = squeeze_outbox(s, i);
    s->stepping = (int32_t)i;
    simcheck_input(&s->chk, i, s->now_ns, s->events + 1, in,
                   in->kind == HS_IN_TIMER ? node_timer_module(sn->node, in->u.timer.timer_id)
                                           : 0);
    /* The crash report's self-test: an assertion inside this step, as a
     * broken invariant in core would fail (sim_set_crash_at_event). */
    HS_ASSERT_MSG(s->events + 1 != s->crash_at_event, "crash-at-event self-test");
    if (squeezed) {
        simcheck_squeezed(&s->chk, i);
    }
    simcheck_before_step(&s->chk, i, sn->node, in);
    hs_input exact;
    uint8_t *block = NULL;
    if (HS_DEBUG_CHECKS) { /* release builds step on the input as it is */
        block = exact_payload(in, &exact);
        in = &exact;
    }
    node_step(sn->node, local, in, &s->ob);
    free(block);
    bool overflowed = unsqueeze_outbox(s, i, squeezed, overflows, lost);
    s->stepping = -1;
    HS_ASSERT(s->send_failed_count == 0);
    for (uint32_t k = 0; k < s->ob.count; k++) {
        hash_output(s, i, &s->ob.items[k]);
        if (s->ob.items[k].kind == HS_OUT_EVENT) {
            simcheck_event(&s->chk, s->now_ns, i, &s->ob.items[k].u.event);
            check_calm_death(s, i, &s->ob.items[k].u.event);
        }
        exec_output(s, i, &s->ob.items[k]);
    }
    arm_wake(s, i);
    s->events++;
    check_bindings(s, i);
    simcheck_after_step(&s->chk, s->now_ns, i, sn->node, overflowed, s->ob.high_water,
                        s->ob.cap);
    bool changed = node_running(sn->node) != was_running ||
                   node_swim(sn->node)->self.incarnation != inc_before;
    if (changed) {
        s->cl.version++;
    }
    liveness_after_step(s, i, changed);
    trace_new_violations(s, violations_before);
    if (s->event_fn != NULL) {
        s->event_fn(s->event_ctx, s->events, simhash_roll(&s->hash));
    }
    if (s->events >= SIM_EVENTS_MAX && !s->stopped) {
        bounds_violation(s, -1, "event budget exhausted", SIM_EVENTS_MAX);
        s->stopped = true;
    }
    if (s->send_failed_count > 0) {
        deliver_send_failed(s, i);
    }
}

static void deliver_net(sim *s, const simq_event *ev)
{
    uint32_t slot = (uint32_t)ev->arg;
    const simnet_msg *m = simnet_msg_at(&s->net, slot);
    uint32_t to = m->to;
    uint32_t from = m->from;
    const sim_host *dst = &s->nodes[to];
    const char *drop = NULL;
    if (dst->node == NULL) {
        drop = "down";
    } else if (!simnet_link_ok(&s->net, from, to)) {
        drop = "cut";
    }
    const uint8_t *bytes = simnet_payload(&s->net, slot);
    if (drop != NULL) {
        if (tracing(s, SIM_TRACE_MSGS)) {
            trace(s, (int32_t)to, SIM_TK_DROP, "drop %s <- %s %s %uB (%s)",
                  channel_name(m->channel), s->nodes[from].cfg.name.bytes,
                  frame_type_name(bytes, m->len), m->len, drop);
        }
        simnet_release(&s->net, slot);
        return;
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        trace(s, (int32_t)to, SIM_TK_RECV, "recv %s <- %s %s %uB", channel_name(m->channel),
              s->nodes[from].cfg.name.bytes, frame_type_name(bytes, m->len), m->len);
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = (hs_channel)m->channel;
    in.u.recv.from = node_addr(from);
    HS_ASSERT(m->channel == HS_CH_UDP); /* TCP goes through simtcp */
    in.u.recv.bytes = bytes;
    in.u.recv.len = m->len;
    step_node(s, to, &in);
    simnet_release(&s->net, slot);
}

static void deliver_timer(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    /* Crashes cancel every timer, so a stale generation is a simulator bug. */
    HS_ASSERT(sn->node != NULL && ev->gen == sn->gen);
    uint64_t id = ev->arg;
    map_remove(&sn->timers, id);
    uint32_t before = s->chk.stored_count;
    simcheck_timer(&s->chk, s->now_ns, ev->node, sn->node, id);
    trace_new_violations(s, before);
    if (tracing(s, SIM_TRACE_MSGS)) {
        /* Named by the module list: no module's kinds are listed here. */
        trace(s, ev->node, SIM_TK_TIMER, "timer %s kind=%u slot=%u gen=%u",
              node_routes_module_name(node_timer_module(sn->node, id)), hs_timer_kind(id),
              hs_id_slot(id), hs_id_gen(id));
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER;
    in.u.timer.timer_id = id;
    step_node(s, ev->node, &in);
}

/* A timer core cancelled, delivered anyway (late_timer_ppm), unless the
 * process is gone or core armed the id again (the host would fire that
 * one).  Its owner must be gone: a cancelled duty still "live" would run
 * again, so that is a violation; the TIMER_STALE it causes is not. */
static void deliver_late_timer(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    uint64_t h = 0;
    if (sn->node == NULL || ev->gen != sn->gen || map_get(&sn->timers, ev->arg, &h)) {
        return;
    }
    simcheck_late_timer(&s->chk, s->now_ns, ev->node, sn->node, ev->arg);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER;
    in.u.timer.timer_id = ev->arg;
    step_node(s, ev->node, &in);
}

/* A TIMER_SET the timer table could not take (exec_timer_set). */
static void deliver_timer_refused(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    if (sn->node == NULL || ev->gen != sn->gen) {
        return; /* the process that asked is gone, and its timers with it */
    }
    for (uint32_t k = 0; k < sn->refusing_count; k++) {
        if (sn->refusing[k] == ev->arg) {
            sn->refusing[k] = sn->refusing[--sn->refusing_count];
            break;
        }
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER_REFUSED;
    in.u.timer_refused.timer_id = ev->arg;
    in.u.timer_refused.reason = HS_ERR_FULL;
    step_node(s, ev->node, &in);
}

static void maybe_crash_after_write(sim *s, uint32_t i);

/* The wake-up the step just taken asked for (hs_outbox.wake_ns, in the
 * node's local time), kept in the node's one slot: an earlier request
 * moves it, a later one waits for it. */
static void arm_wake(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    if (s->ob.wake_ns == 0) {
        return;
    }
    uint64_t at = simclock_global_at(&sn->clock, s->now_ns, s->ob.wake_ns);
    at = at < s->now_ns ? s->now_ns : at;
    if (sn->wake_armed) {
        if (at < sn->wake_at_ns) {
            bool moved = simq_reschedule(&s->q, sn->wake_ev, at);
            HS_ASSERT(moved);
            sn->wake_at_ns = at;
            simcheck_wake(&s->chk, i, at);
        }
        return;
    }
    if (simq_push(&s->q, at, SIMQ_WAKE, i, sn->gen, 0, &sn->wake_ev) != HS_OK) {
        bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        return;
    }
    sn->wake_armed = true;
    sn->wake_at_ns = at;
    simcheck_wake(&s->chk, i, at);
    HS_ASSERT(sn->wake_at_ns >= s->now_ns);
}

static void cancel_wake(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    if (sn->wake_armed) {
        bool cancelled = simq_cancel(&s->q, sn->wake_ev);
        HS_ASSERT(cancelled);
        sn->wake_armed = false;
        simcheck_wake(&s->chk, i, 0);
    }
    HS_ASSERT(!sn->wake_armed);
}

static void deliver_wake(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    HS_ASSERT(sn->wake_armed && ev->gen == sn->gen); /* a crash cancels it */
    HS_ASSERT(sn->node != NULL);
    sn->wake_armed = false;
    simcheck_wake(&s->chk, ev->node, 0);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_WAKE;
    step_node(s, ev->node, &in);
}

static void deliver_disk(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    if (sn->node == NULL || ev->gen != sn->gen) {
        return; /* the operation vanished with the crashed process */
    }
    simdisk_result r;
    simdisk_complete(&sn->disk, &r);
    if (r.failed) {
        s->faults[SIM_FAULT_DISK_FAIL]++;
        s->calm_since_ns = s->now_ns; /* a refutation may wait on the write */
    }
    if (r.over_cap) {
        bounds_violation(s, ev->node, "disk operation beyond the simulated disk's caps",
                         r.op_id);
    }
    if (tracing(s, SIM_TRACE_MSGS)) {
        trace(s, ev->node, SIM_TK_DISK, "%s file=%u op=%llu off=%llu len=%u -> %s (%u bytes)",
              hs_output_kind_name(r.kind), r.file, (unsigned long long)r.op_id,
              (unsigned long long)r.file_offset, r.req_len, hs_status_name(r.status), r.len);
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = r.op_id;
    in.u.disk.status = r.status;
    in.u.disk.bytes = r.bytes;
    in.u.disk.len = r.len;
    step_node(s, ev->node, &in);
    if (r.kind == HS_OUT_DISK_WRITE && r.status == HS_OK) {
        maybe_crash_after_write(s, ev->node);
    }
}

/* The heap core allocates from while a node is created: libc's, failing
 * each allocation with alloc_fail_ppm (core/base/alloc.h).  Core allocates
 * only in node_create, which must then refuse with HS_ERR_NOMEM and free
 * what it took (the ASan sweep's unforked runs would report a leak). */
static bool alloc_fails(void *ctx)
{
    sim *s = ctx;
    if (!rng_chance_ppm(&s->rng_alloc, s->alloc_fail_ppm)) {
        return false;
    }
    s->faults[SIM_FAULT_ALLOC_FAIL]++;
    return true;
}

/* Each block core takes is charged to the node being created. */
static void *charged(sim *s, void *p)
{
    if (p != NULL) {
        HS_ASSERT(s->heap_node >= 0 && (uint32_t)s->heap_node < s->n);
        s->nodes[s->heap_node].heap_blocks++;
    }
    return p;
}

static void *heap_malloc(void *ctx, size_t size)
{
    return alloc_fails(ctx) ? NULL
                            : charged(ctx, alloc_libc()->malloc_fn(alloc_libc()->ctx, size));
}

static void *heap_calloc(void *ctx, size_t count, size_t size)
{
    return alloc_fails(ctx)
               ? NULL
               : charged(ctx, alloc_libc()->calloc_fn(alloc_libc()->ctx, count, size));
}

static void *heap_aligned(void *ctx, size_t align, size_t size)
{
    return alloc_fails(ctx)
               ? NULL
               : charged(ctx, alloc_libc()->aligned_fn(alloc_libc()->ctx, align, size));
}

static void heap_free(void *ctx, void *ptr)
{
    sim *s = ctx;
    HS_ASSERT(ptr != NULL); /* hs_free passes no NULL */
    HS_ASSERT(s->heap_node >= 0 && (uint32_t)s->heap_node < s->n);
    sim_host *sn = &s->nodes[s->heap_node];
    if (sn->heap_blocks == 0) {
        simcheck_report(&s->chk, SIMCHECK_HEAP_RETURNED, s->now_ns, s->heap_node,
                        "freed a block it was never given");
    } else {
        sn->heap_blocks--;
    }
    alloc_libc()->free_fn(alloc_libc()->ctx, ptr);
}

/* heap_returned: after a failed create or a destroy, node i holds no
 * block of core's heap. */
static void check_heap_returned(sim *s, uint32_t i, const char *after)
{
    simcheck_count(&s->chk, SIMCHECK_HEAP_RETURNED);
    if (s->nodes[i].heap_blocks != 0) {
        simcheck_report(&s->chk, SIMCHECK_HEAP_RETURNED, s->now_ns, (int32_t)i,
                        "%llu blocks of core's heap still held after %s",
                        (unsigned long long)s->nodes[i].heap_blocks, after);
    }
}

/* node_destroy under the counting heap (a crash, a stop, the run's end). */
static void destroy_node(sim *s, uint32_t i, node *n, bool check)
{
    const alloc_heap heap = {s, heap_malloc, heap_calloc, heap_aligned, heap_free};
    s->heap_node = (int32_t)i;
    alloc_set(&heap);
    node_destroy(n);
    alloc_set(NULL);
    s->heap_node = -1;
    if (check) {
        check_heap_returned(s, i, "its node was destroyed");
    }
}

/* node_create under the failing heap.  Out of memory is a start that did
 * not happen: the supervisor (here, the simulator) tries again later. */
static hs_status create_node(sim *s, uint32_t i, node **out)
{
    sim_host *sn = &s->nodes[i];
    const alloc_heap heap = {s, heap_malloc, heap_calloc, heap_aligned, heap_free};
    s->heap_node = (int32_t)i;
    alloc_set(&heap);
    hs_status st = node_create(&sn->cfg, out);
    alloc_set(NULL);
    s->heap_node = -1;
    if (st != HS_OK) {
        check_heap_returned(s, i, "its creation failed");
    }
    if (st == HS_ERR_NOMEM) {
        HS_ASSERT(*out == NULL);
        uint64_t retry = HS_MS(rng_range(&s->rng_alloc, 100, 1000));
        hash_fault(s, FAULT_ALLOC, i, retry, 0);
        if (tracing(s, SIM_TRACE_EVENTS)) {
            trace(s, -1, SIM_TK_FAULT, "start n%u: out of memory, retried in %llu ms", i + 1,
                  (unsigned long long)(retry / HS_NS_PER_MS));
        }
        sn->start_pending = true;
        if (simq_push(&s->q, s->now_ns + retry, SIMQ_START, i, sn->gen, 0, NULL) != HS_OK) {
            bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
        }
    }
    return st;
}

/* The process comes up: a new node object over the same durable disk,
 * and HS_IN_START before anything else. */
static void deliver_start(sim *s, const simq_event *ev)
{
    sim_host *sn = &s->nodes[ev->node];
    if (!sn->start_pending || ev->gen != sn->gen) {
        return; /* crashed again before it came up */
    }
    HS_ASSERT(sn->node == NULL);
    sn->start_pending = false;
    sn->cfg.rng_seed = node_rng_seed(s, ev->node, sn->restarts);
    node *nd = NULL;
    hs_status st = create_node(s, ev->node, &nd);
    if (st == HS_ERR_NOMEM) {
        return;
    }
    HS_ASSERT(st == HS_OK); /* node_config_check accepted it at creation */
    sn->node = nd;
    s->cl.nodes[ev->node] = nd;
    cluster_changed(s);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step_node(s, ev->node, &in);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static void do_crash(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    if (sn->node == NULL && !sn->start_pending) {
        return;
    }
    sn->start_pending = false; /* a queued START dies with the generation */
    sn->refusing_count = 0;    /* and so do the refusals it was not yet told */
    cancel_wake(s, i);         /* and the wake-up it asked for */
    if (sn->node != NULL) {
        node_check(sn->node); /* the full recompute its last steps skipped */
        const hs_probes *p = node_probes(sn->node);
        for (uint32_t k = 0; k < HS_PROBE_COUNT; k++) {
            s->probe_hits[k] += p->hits[k];
        }
    }
    destroy_node(s, i, sn->node, true);
    sn->node = NULL;
    s->cl.nodes[i] = NULL;
    /* Its timers and queued disk operations vanish with the process. */
    /* One removal per armed timer: cheaper than clearing the whole index. */
    while (map_count(&sn->timers) > 0) {
        uint32_t last = map_count(&sn->timers) - 1;
        bool cancelled = simq_cancel(&s->q, map_value_at(&sn->timers, last));
        HS_ASSERT(cancelled);
        map_remove(&sn->timers, map_key_at(&sn->timers, last));
    }
    /* Its connections reset: every peer hears it (simtcp_node_down). */
    simtcp_node_down(&s->tcp, s->now_ns, i);
    simdisk_crash_result cr;
    simdisk_crash(&sn->disk, &cr);
    s->faults[SIM_FAULT_TORN_WRITE] += cr.torn;
    s->faults[SIM_FAULT_LOST_WRITE] += cr.lost;
    sn->gen++;
    s->faults[SIM_FAULT_CRASH]++;
    cluster_changed(s);
    simcheck_node_down(&s->chk, i);
    hash_fault(s, SIMSCHED_CRASH, i, cr.torn, cr.lost);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_FAULT, "crash n%u (pending writes: %u lost, %u torn)", i + 1,
              cr.lost, cr.torn);
    }
}

/* The operator's graceful stop (SIMSCHED_LEAVE): the LEAVE command now,
 * the process exit after the grace (SIMQ_STOP). */
static void do_leave(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    if (sn->node == NULL || !node_running(sn->node)) {
        return; /* down or still starting: nothing to leave */
    }
    s->faults[SIM_FAULT_LEAVE]++;
    s->calm_since_ns = s->now_ns;
    hash_fault(s, SIMSCHED_LEAVE, i, 0, 0);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_FAULT, "leave n%u (exits in %u ms)", i + 1, SIMSCHED_LEAVE_GRACE_MS);
    }
    push_control(s, s->now_ns + HS_MS(SIMSCHED_LEAVE_GRACE_MS), SIMQ_STOP, i);
    /* The stop names the process: a crash before it ends that one. */
    s->nodes[i].stop_gen = sn->gen;
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_COMMAND;
    in.u.command.command = HS_CMD_LEAVE;
    step_node(s, i, &in);
    /* An impatient operator, in half the leaves: the command again, which
     * must change nothing (drawn from the seed and the leave's number, so
     * no other stream moves). */
    rng again;
    rng_derive(&again, s->opt.seed, rng_label("leave_twice") + s->faults[SIM_FAULT_LEAVE]);
    if (s->nodes[i].node != NULL && rng_below(&again, 2) == 0) {
        step_node(s, i, &in);
    }
}

static void deliver_stop(sim *s, uint32_t i)
{
    HS_ASSERT(i < s->n);
    sim_host *sn = &s->nodes[i];
    if (sn->node == NULL || sn->gen != sn->stop_gen) {
        return; /* it crashed in its grace period */
    }
    do_crash(s, i);
}

static uint32_t up_count(const sim *s)
{
    uint32_t up = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        up += (s->nodes[i].node != NULL || s->nodes[i].start_pending) ? 1u : 0u;
    }
    return up;
}

static void do_restart(sim *s, uint32_t i);

/* After node i's write completed (now pending, not yet synced), maybe crash
 * it right there, so lost and torn writes actually happen; it restarts
 * after a drawn down time.  Safety phase only; one node always stays up. */
static void maybe_crash_after_write(sim *s, uint32_t i)
{
    if (s->liveness || s->opt.crash_write_ppm == 0 || up_count(s) < 2 ||
        !rng_chance_ppm(&s->rng_faults, s->opt.crash_write_ppm)) {
        return;
    }
    uint32_t mean = s->opt.down_ms != 0 ? s->opt.down_ms : 1000;
    uint64_t back = s->now_ns + HS_MS(rng_range(&s->rng_faults, mean / 2 + 1, mean + mean / 2));
    do_crash(s, i);
    if (simq_push(&s->q, back, SIMQ_RESTART, i, s->nodes[i].gen, 0, NULL) != HS_OK) {
        bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
    }
}

static void deliver_restart(sim *s, const simq_event *ev)
{
    const sim_host *sn = &s->nodes[ev->node];
    if (sn->node == NULL && !sn->start_pending && ev->gen == sn->gen && !s->liveness) {
        do_restart(s, ev->node);
    }
}

static void do_restart(sim *s, uint32_t i)
{
    sim_host *sn = &s->nodes[i];
    if (sn->node != NULL || sn->start_pending) {
        return;
    }
    sn->restarts++;
    sn->start_pending = true;
    s->faults[SIM_FAULT_RESTART]++;
    cluster_changed(s);
    hash_fault(s, SIMSCHED_RESTART, i, sn->restarts, 0);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_FAULT, "restart n%u (restart #%u)", i + 1, sn->restarts);
    }
    if (simq_push(&s->q, s->now_ns, SIMQ_START, i, sn->gen, 0, NULL) != HS_OK) {
        bounds_violation(s, (int32_t)i, "event queue full", simq_cap(&s->q));
    }
}

static void do_heal(sim *s)
{
    simnet_heal(&s->net);
    simtcp_links_changed(&s->tcp, s->now_ns);
    s->faults[SIM_FAULT_HEAL]++;
    s->calm_since_ns = s->now_ns;
    hash_fault(s, SIMSCHED_HEAL, SIMHASH_CLUSTER, 0, 0);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_FAULT, "heal");
    }
}

static void do_partition(sim *s, uint32_t kind, const simset *a, const simset *b,
                         uint32_t node_index)
{
    /* Partitions replace each other: the schedule never overlaps them, and
     * a scripted test that stacks them means the newest. */
    switch (kind) {
    case SIMSCHED_PARTITION:
        simnet_partition(&s->net, a, b, false);
        s->faults[SIM_FAULT_PARTITION]++;
        break;
    case SIMSCHED_ASYM:
        simnet_partition(&s->net, a, b, true);
        s->faults[SIM_FAULT_ASYM_PARTITION]++;
        break;
    case SIMSCHED_ISOLATE:
        simnet_isolate(&s->net, node_index);
        s->faults[SIM_FAULT_ISOLATE]++;
        break;
    default:
        HS_UNREACHABLE();
    }
    simtcp_links_changed(&s->tcp, s->now_ns);
    s->calm_since_ns = s->now_ns;
    hash_fault_sets(s, kind, node_index, a, b);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        simsched_action act;
        memset(&act, 0, sizeof(act));
        act.kind = (uint8_t)kind;
        act.node = (uint16_t)node_index;
        act.group_a = *a;
        act.group_b = *b;
        char text[400];
        simsched_format(&act, text, sizeof(text));
        trace(s, -1, SIM_TK_FAULT, "%s", text);
    }
}

/* Forged datagrams (the forge class, sim/simforge.h): each datagram sent
 * in the safety phase is, with forge_ppm, shadowed by a forged one that
 * reaches a random node after a drawn latency.  Its content is drawn at
 * delivery from a seed drawn now, so nothing is stored in between. */
static void maybe_forge(sim *s)
{
    if (s->liveness || !rng_chance_ppm(&s->rng_forge, s->opt.forge_ppm)) {
        return;
    }
    uint64_t at = s->now_ns + simdist_delay(&s->rng_forge, s->net_p.latency_min_ns,
                                            s->net_p.latency_mean_ns);
    uint64_t seed = rng_next(&s->rng_forge);
    if (s->forge_inflight == SIM_FORGE_INFLIGHT_MAX) {
        return; /* plenty queued already: skip this one */
    }
    if (simq_push(&s->q, at, SIMQ_FORGE, 0, 0, seed, NULL) != HS_OK) {
        bounds_violation(s, -1, "event queue full", simq_cap(&s->q));
        return;
    }
    s->forge_inflight++;
}

static void deliver_forge(sim *s, uint64_t seed)
{
    /* The liveness phase's bounds assume honest traffic only. */
    if (s->liveness) {
        return;
    }
    uint32_t up_list[SIMOPT_NODES_MAX];
    hs_name names[SIMOPT_NODES_MAX];
    hs_addr addrs[SIMOPT_NODES_MAX];
    uint32_t self_inc[SIMOPT_NODES_MAX];
    bool up[SIMOPT_NODES_MAX];
    uint32_t up_count_now = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const node *nd = s->nodes[i].node;
        names[i] = s->nodes[i].cfg.name;
        addrs[i] = node_addr(i);
        up[i] = nd != NULL;
        self_inc[i] = nd != NULL ? node_swim(nd)->self.incarnation : 0;
        if (up[i]) {
            up_list[up_count_now++] = i;
        }
    }
    if (up_count_now == 0) {
        return;
    }
    rng r;
    rng_seed(&r, seed);
    uint32_t target = up_list[rng_below(&r, up_count_now)];
    simforge_cluster c = {
        .nodes = s->n,
        .target = target,
        .view = node_swim(s->nodes[target].node),
        .names = names,
        .addrs = addrs,
        .self_inc = self_inc,
        .up = up,
        .fake_names = s->cl.fakes,
        .fakes = s->cl.fake_count,
        .describe = tracing(s, SIM_TRACE_EVENTS),
    };
    simforge_datagram d;
    simforge_build(&r, &c, &d);
    s->faults[SIM_FAULT_FORGE]++;
    s->calm_since_ns = s->now_ns; /* it may accuse a live member */
    hash_fault(s, FAULT_FORGE, target, seed, ((uint64_t)d.kind << 32) | d.len);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        char from[HS_ADDR_STR_MAX];
        hs_addr_format(d.from, from);
        trace(s, -1, SIM_TK_FORGE, "forge -> n%u from %s: %s", target + 1, from, d.desc);
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = HS_CH_UDP;
    in.u.recv.from = d.from;
    in.u.recv.bytes = d.bytes;
    in.u.recv.len = d.len;
    step_node(s, target, &in);
}

static void apply_action(sim *s, const simsched_action *a)
{
    switch (a->kind) {
    case SIMSCHED_PARTITION:
    case SIMSCHED_ASYM:
    case SIMSCHED_ISOLATE:
        do_partition(s, a->kind, &a->group_a, &a->group_b, a->node);
        break;
    case SIMSCHED_HEAL:
        do_heal(s);
        break;
    case SIMSCHED_CRASH:
        /* Crashes aimed at writes are not in the schedule: keep one node up. */
        if (up_count(s) >= 2) {
            do_crash(s, a->node);
        }
        break;
    case SIMSCHED_RESTART:
        do_restart(s, a->node);
        break;
    case SIMSCHED_LEAVE:
        if (up_count(s) >= 2) {
            do_leave(s, a->node);
        }
        break;
    default:
        HS_UNREACHABLE();
    }
}

/* ------------------------------------------------------------------ */
/* Phases                                                              */

/* The nodes that stay up must be able to find each other: a restarted
 * node knows only its seeds, so the survivors' seed graph (an edge from
 * each node to each of its seeds, either way) must be connected, or
 * convergence is impossible and a liveness failure would mean nothing
 * (VOPR's "core").  comp[i]: the lowest survivor index of i's component
 * (SIMCHECK_NO_COMPONENT for a node in down), by repeated relaxation. */
static void seed_components(const sim *s, const simset *down, uint16_t *comp)
{
    HS_ASSERT(s->n <= SIMOPT_NODES_MAX && SIMOPT_NODES_MAX < SIMCHECK_NO_COMPONENT);
    for (uint32_t i = 0; i < s->n; i++) {
        comp[i] = simset_has(down, i) ? SIMCHECK_NO_COMPONENT : (uint16_t)i;
    }
    for (bool moved = true; moved;) {
        moved = false;
        for (uint32_t i = 0; i < s->n; i++) {
            const node_config *cfg = &s->nodes[i].cfg;
            for (uint32_t k = 0; k < cfg->seed_count && comp[i] != SIMCHECK_NO_COMPONENT; k++) {
                int32_t j = addr_index(s, cfg->seeds[k]);
                if (j < 0 || comp[j] == SIMCHECK_NO_COMPONENT || comp[j] == comp[i]) {
                    continue;
                }
                uint16_t low = comp[i] < comp[j] ? comp[i] : comp[j];
                comp[i] = low;
                comp[j] = low;
                moved = true;
            }
        }
    }
}

static bool survivors_connected(const sim *s, const simset *down)
{
    uint16_t comp[SIMOPT_NODES_MAX];
    seed_components(s, down, comp);
    uint16_t first = SIMCHECK_NO_COMPONENT;
    for (uint32_t i = 0; i < s->n; i++) {
        if (comp[i] == SIMCHECK_NO_COMPONENT) {
            continue;
        }
        first = first == SIMCHECK_NO_COMPONENT ? comp[i] : first;
        if (comp[i] != first) {
            return false;
        }
    }
    return true;
}

static void push_control(sim *s, uint64_t at_ns, simq_kind kind, uint64_t arg);

static void draw_perm_down(sim *s, simset *down)
{
    uint32_t *order = calloc(s->n, sizeof(uint32_t));
    HS_ASSERT(order != NULL);
    for (uint32_t attempt = 0; attempt < 64; attempt++) {
        for (uint32_t i = 0; i < s->n; i++) {
            order[i] = i;
        }
        rng_shuffle_u32(&s->rng_topo, order, s->n);
        simset_clear(down);
        for (uint32_t k = 0; k < s->opt.perm_down && k < s->n; k++) {
            simset_add(down, order[k]);
        }
        if (survivors_connected(s, down)) {
            free(order);
            return;
        }
    }
    free(order);
    /* Keeping n1 and n2 up always works: they seed each other and every
     * other node has n1 among its seeds. */
    simset_clear(down);
    for (uint32_t k = 0; k < s->opt.perm_down && k < s->n; k++) {
        simset_add(down, s->n - 1 - k);
    }
}

/* Queues the check that every node kept down is declared dead, once per
 * liveness phase, when its deadline falls inside the phase. */
static void arm_dead_check(sim *s)
{
    HS_ASSERT(s->liveness);
    uint64_t end = s->heal_ns + HS_MS(s->opt.liveness_ms);
    if (s->dead_check_armed || s->heal_ns + s->det_bound_ns > end) {
        return;
    }
    s->dead_check_armed = true;
    push_control(s, s->heal_ns + s->det_bound_ns, SIMQ_CHECK, SIM_CHECK_DEAD);
}

/* A node that used up its incarnation range halts for good: core refuses
 * to reuse an incarnation, so no restart brings it back (long runs with
 * --inc-high-ppm and many restarts get there).  In the liveness phase the
 * checks then expect of it what they expect of a node kept down: the
 * others declare it dead within the detection bound. */
static void keep_exhausted_down(sim *s, uint32_t i)
{
    HS_ASSERT(i < s->n);
    const node *n = s->nodes[i].node;
    if (!s->liveness || n == NULL || !node_exhausted(n) || simset_has(&s->cl.perm_down, i)) {
        return;
    }
    simset_add(&s->cl.perm_down, i);
    /* Its seeds may have been the only way between two groups of nodes:
     * convergence is then owed within each group only. */
    seed_components(s, &s->cl.perm_down, s->cl.component);
    s->cl.version++;
    s->conv_dirty = true;
    HS_ASSERT(!node_running(n));
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_PHASE, "liveness keeps n%u down: its incarnation range is used up",
              i + 1);
    }
    arm_dead_check(s);
}

static void start_liveness(sim *s, const simset *perm_down)
{
    s->liveness = true;
    s->heal_ns = s->now_ns;
    /* Faults stop: links heal, the network and the disks turn reliable. */
    if (simnet_any_cut(&s->net)) {
        do_heal(s);
    }
    simnet_params p = s->net_p;
    p.loss_ppm = 0;
    p.dup_ppm = 0;
    p.reorder_ppm = 0;
    p.tail_ppm = 0;
    simnet_set_params(&s->net, &p);
    s->disk_p.fail_ppm = 0;
    s->disk_p.read_fail_ppm = 0;
    s->alloc_fail_ppm = 0;
    simset none;
    simset_clear(&none);
    hash_fault_sets(s, FAULT_LIVENESS, SIMHASH_CLUSTER, perm_down, &none);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        trace(s, -1, SIM_TK_PHASE,
              "liveness phase: faults off; bounds: converge by +%llu ms, detect by +%llu ms",
              (unsigned long long)(s->conv_bound_ns / HS_NS_PER_MS),
              (unsigned long long)(s->det_bound_ns / HS_NS_PER_MS));
    }
    s->cl.perm_down = *perm_down;
    seed_components(s, perm_down, s->cl.component);
    for (uint32_t i = 0; i < s->n; i++) {
        /* A node in its leave grace has left for good: it exits now and,
         * unless kept down, comes back like every other stopped node. */
        bool leaving = s->nodes[i].node != NULL && s->nodes[i].stop_gen == s->nodes[i].gen &&
                       node_swim(s->nodes[i].node)->leaving;
        if (simset_has(perm_down, i) || leaving) {
            do_crash(s, i);
        }
        if (!simset_has(perm_down, i)) {
            do_restart(s, i);
        }
    }
    cluster_changed(s);
    uint64_t end = s->heal_ns + HS_MS(s->opt.liveness_ms);
    if (s->heal_ns + s->conv_bound_ns <= end) {
        push_control(s, s->heal_ns + s->conv_bound_ns, SIMQ_CHECK, SIM_CHECK_CONVERGED);
    }
    if (s->heal_ns + s->join_bound_ns <= end) {
        push_control(s, s->heal_ns + s->join_bound_ns, SIMQ_CHECK, SIM_CHECK_JOINED);
    }
    if (!simset_empty(perm_down) || s->cl.fake_count != 0) {
        arm_dead_check(s);
    }
    for (uint32_t i = 0; i < s->n; i++) {
        keep_exhausted_down(s, i);
    }
}

/* Control events (checks, faults, phases): the queue reserves room for
 * them, so a full queue here is a simulator bug worth a violation. */
static void push_control(sim *s, uint64_t at_ns, simq_kind kind, uint64_t arg)
{
    if (simq_push(&s->q, at_ns, kind, 0, 0, arg, NULL) != HS_OK) {
        bounds_violation(s, -1, "event queue full", simq_cap(&s->q));
    }
}

/* Whether node i lists a seed that runs and has started its membership. */
static bool has_live_seed(const sim *s, uint32_t i)
{
    const node_config *cfg = &s->nodes[i].cfg;
    HS_ASSERT(cfg->seed_count <= NODE_SEEDS_MAX);
    for (uint32_t k = 0; k < cfg->seed_count; k++) {
        for (uint32_t j = 0; j < s->n; j++) {
            const node *seed = s->nodes[j].node;
            if (j != i && hs_addr_eq(cfg->seeds[k], node_addr(j)) && seed != NULL &&
                node_running(seed) && node_swim(seed)->started) {
                return true;
            }
        }
    }
    return false;
}

/* join_bound: at heal + join_bound_ns every running node with a live seed
 * has joined (compute_bounds derives the bound). */
static void check_joined(sim *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        const node *nd = s->nodes[i].node;
        if (nd == NULL || !node_running(nd) || !node_swim(nd)->started) {
            continue;
        }
        simcheck_count(&s->chk, SIMCHECK_JOIN_BOUND);
        if (!node_swim(nd)->joined && has_live_seed(s, i)) {
            note_violation(s, simcheck_report(&s->chk, SIMCHECK_JOIN_BOUND, s->now_ns,
                                              (int32_t)i,
                                              "not joined %llu ms after the heal with a live "
                                              "seed (%u attempts)",
                                              (unsigned long long)(s->join_bound_ns /
                                                                   HS_NS_PER_MS),
                                              node_swim(nd)->join_attempts));
        }
    }
}

/* A liveness bound checked at its deadline and missed ends the run there:
 * the failure is known now, and what follows cannot undo it (a sweep
 * reports it, and a shrink's candidate ends, at the first moment). */
static void run_check(sim *s, uint64_t which)
{
    uint64_t before_total = s->chk.total;
    uint32_t before = s->chk.stored_count;
    if (which == SIM_CHECK_CONVERGED) {
        simcheck_converged_at_deadline(&s->chk, s->now_ns, &s->cl);
    } else if (which == SIM_CHECK_JOINED) {
        check_joined(s); /* traces its own */
    } else {
        simcheck_dead_at_deadline(&s->chk, s->now_ns, &s->cl);
    }
    if (which != SIM_CHECK_JOINED) {
        trace_new_violations(s, before);
    }
    if (s->chk.total != before_total) {
        trace(s, -1, SIM_TK_PHASE, "liveness bound missed at %llu.%03llu ms: the run ends here",
              (unsigned long long)(s->now_ns / HS_NS_PER_MS),
              (unsigned long long)((s->now_ns / HS_NS_PER_US) % 1000));
        s->stopped = true;
    }
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static void dispatch(sim *s, const simq_event *ev)
{
    switch (ev->kind) {
    case SIMQ_NET:
        deliver_net(s, ev);
        break;
    case SIMQ_TIMER:
        deliver_timer(s, ev);
        break;
    case SIMQ_DISK:
        deliver_disk(s, ev);
        break;
    case SIMQ_START:
        deliver_start(s, ev);
        break;
    case SIMQ_FAULT:
        HS_ASSERT(ev->arg < s->sched.count);
        apply_action(s, &s->sched.actions[ev->arg]);
        /* The schedule is sorted: queue only the next action, so the event
         * queue holds one fault instead of the whole schedule. */
        if (ev->arg + 1 < s->sched.count) {
            push_control(s, s->sched.actions[ev->arg + 1].at_ns, SIMQ_FAULT, ev->arg + 1);
        }
        break;
    case SIMQ_PHASE:
        start_liveness(s, &s->perm_down);
        break;
    case SIMQ_CHECK:
        run_check(s, ev->arg);
        break;
    case SIMQ_END:
        s->stopped = true;
        break;
    case SIMQ_RESTART:
        deliver_restart(s, ev);
        break;
    case SIMQ_STOP:
        deliver_stop(s, (uint32_t)ev->arg);
        break;
    case SIMQ_TIMER_REFUSED:
        deliver_timer_refused(s, ev);
        break;
    case SIMQ_WAKE:
        deliver_wake(s, ev);
        break;
    case SIMQ_LATE_TIMER:
        deliver_late_timer(s, ev);
        break;
    case SIMQ_FORGE:
        HS_ASSERT(s->forge_inflight > 0);
        s->forge_inflight--;
        deliver_forge(s, ev->arg);
        break;
    case SIMQ_TCP:
        deliver_tcp(s, ev);
        break;
    case SIMQ_OPER:
        operator_tick(s);
        break;
    default:
        HS_UNREACHABLE();
    }
}

static hs_status run_phases(sim *s, bool liveness);

void sim_run_until(sim *s, uint64_t t_ns)
{
    uint64_t at = 0;
    while (!s->stopped && simq_peek_time(&s->q, &at) && at <= t_ns) {
        simq_event ev;
        bool popped = simq_pop(&s->q, &ev);
        HS_ASSERT(popped);
        HS_ASSERT(ev.at_ns >= s->now_ns);
        s->now_ns = ev.at_ns;
        dispatch(s, &ev);
        if (s->stop_at_violation && s->chk.total != 0) {
            trace(s, -1, SIM_TK_PHASE, "stopped at the first violation (--stop-at-violation)");
            s->stopped = true;
        }
    }
    if (!s->stopped && t_ns > s->now_ns) {
        s->now_ns = t_ns;
    }
}

hs_status sim_run(sim *s)
{
    return run_phases(s, true);
}

hs_status sim_run_safety(sim *s)
{
    return run_phases(s, false);
}

static hs_status run_phases(sim *s, bool liveness)
{
    uint64_t safety_end = HS_SEC(s->opt.time_s);
    hs_status st = simsched_build(&s->sched, &s->opt, safety_end, &s->rng_faults);
    if (st != HS_OK) {
        return st;
    }
    draw_perm_down(s, &s->perm_down);
    if (tracing(s, SIM_TRACE_EVENTS)) {
        char text[400];
        for (uint32_t k = 0; k < s->sched.count; k++) {
            const simsched_action *a = &s->sched.actions[k];
            simsched_format(a, text, sizeof(text));
            trace(s, -1, SIM_TK_SCHEDULE, "schedule %llu.%03llu %s",
                  (unsigned long long)(a->at_ns / HS_NS_PER_MS),
                  (unsigned long long)((a->at_ns / HS_NS_PER_US) % 1000), text);
        }
        for (uint32_t i = 0; i < s->n; i++) {
            if (simset_has(&s->perm_down, i)) {
                trace(s, -1, SIM_TK_SCHEDULE, "schedule liveness keeps n%u down", i + 1);
            }
        }
    }
    if (s->sched.count > 0) {
        push_control(s, s->sched.actions[0].at_ns, SIMQ_FAULT, 0);
    }
    uint64_t end = safety_end;
    if (liveness) {
        push_control(s, safety_end, SIMQ_PHASE, 0);
        end = safety_end + HS_MS(s->opt.liveness_ms);
    }
    push_control(s, end, SIMQ_END, 0);
    sim_run_until(s, end);
    /* Between full recomputes each node's step self-check is incremental
     * (node_self_check): the last steps of a run get the full one here. */
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].node != NULL) {
            node_check(s->nodes[i].node);
        }
    }
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Scripted control and views                                          */

uint64_t sim_now_ns(const sim *s)
{
    return s->now_ns;
}

static uint32_t index_of(const sim *s, uint32_t id)
{
    HS_ASSERT(id >= 1 && id <= s->n);
    return id - 1;
}

void sim_command(sim *s, uint32_t id, uint32_t command)
{
    uint32_t i = index_of(s, id);
    if (s->nodes[i].node == NULL) {
        return;
    }
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_COMMAND;
    in.u.command.command = command;
    step_node(s, i, &in);
}

void sim_crash(sim *s, uint32_t id)
{
    do_crash(s, index_of(s, id));
}

void sim_restart(sim *s, uint32_t id)
{
    do_restart(s, index_of(s, id));
}

void sim_partition(sim *s, uint64_t group_a, uint64_t group_b, bool one_way)
{
    simset a;
    simset b;
    simset_from_mask(&a, group_a);
    simset_from_mask(&b, group_b);
    do_partition(s, one_way ? SIMSCHED_ASYM : SIMSCHED_PARTITION, &a, &b, SIMHASH_CLUSTER);
}

void sim_isolate(sim *s, uint32_t id)
{
    uint32_t i = index_of(s, id);
    simset one;
    simset rest;
    simset_clear(&one);
    simset_add(&one, i);
    simset_all(&rest, s->n);
    simset_minus(&rest, &rest, &one);
    do_partition(s, SIMSCHED_ISOLATE, &one, &rest, i);
}

void sim_heal(sim *s)
{
    do_heal(s);
}

uint32_t sim_node_count(const sim *s)
{
    return s->n;
}

node *sim_node(sim *s, uint32_t id)
{
    return s->nodes[index_of(s, id)].node;
}

bool sim_node_running(const sim *s, uint32_t id)
{
    const node *nd = s->nodes[index_of(s, id)].node;
    return nd != NULL && node_running(nd);
}

uint32_t sim_violation_count(const sim *s)
{
    return s->chk.stored_count;
}

const simcheck_violation *sim_violation(const sim *s, uint32_t i)
{
    HS_ASSERT(i < s->chk.stored_count);
    return &s->chk.stored[i];
}

void sim_result_get(const sim *s, sim_result *r)
{
    memset(r, 0, sizeof(*r));
    r->trace_hash = simhash_digest(&s->hash);
    r->events = s->events;
    r->sim_time_ns = s->now_ns;
    memcpy(r->faults, s->faults, sizeof(r->faults));
    memcpy(r->checks, s->chk.checks, sizeof(r->checks));
    r->violations = s->chk.total;
    r->heal_ns = s->liveness ? s->heal_ns : 0;
    r->bound_ns = s->conv_bound_ns;
    r->detect_bound_ns = s->det_bound_ns;
    r->converged = s->converged;
    r->converged_ns = s->converged_ns;
    r->sched_drawn = s->sched.drawn;
    memcpy(r->probes, s->probe_hits, sizeof(r->probes));
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].node != NULL) {
            const hs_probes *p = node_probes(s->nodes[i].node);
            for (uint32_t k = 0; k < HS_PROBE_COUNT; k++) {
                r->probes[k] += p->hits[k];
            }
        }
    }
}
