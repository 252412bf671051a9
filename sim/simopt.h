/* Simulator options: derived from the seed (swarm testing), overridable by
 * flags, printable as the flags that replay a run exactly.
 *
 * Each subsystem's options are drawn from its own stream,
 * rng_derive(seed, rng_label(X)) for X in "topology", "net", "faults",
 * "clock", "disk", "forge", so a change to one subsystem's draws never reshuffles
 * another's.  A fault profile (none, default, heavy) sets the ranges; in
 * default and heavy each fault class is also switched off for some seeds,
 * so rare combinations get runs of their own.  Probabilities are integer
 * parts per million; times are integers in the unit their name ends with.
 * docs/simulator.md has the table of ranges. */
#ifndef SIMOPT_H_
#define SIMOPT_H_

#include <stdio.h>

#include "base.h"
#include "swim_config.h"

#define SIMOPT_NODES_MAX 1024u /* SIMSET_BITS: sets of nodes are simsets */
#define SIMOPT_ERR_MAX 320u /* room for any message simopt writes into err */
/* Largest clock drift inside the liveness model: sim.c stretches every
 * deadline by 10^6 / (10^6 - drift), and the suites sweep up to this
 * (heavy draws from [0, this]).  docs/simulator.md, model limits. */
#define SIMOPT_DRIFT_MODEL_MAX_PPM 20000u
/* Fake member names the forge class may introduce (sim/simforge.h). */
#define SIMOPT_FORGE_FAKES_MAX 4u
/* --keep-actions: the text of the kept schedule indices ("none", "3",
 * "0,4-9,12"), as hsim shrink writes it. */
#define SIMOPT_KEEP_MAX 1024u
/* Preloaded ceilings (inc_high_ppm) lie this many incarnations below the
 * range's end: far enough that a run's restarts (each takes a window)
 * never use the range up, near enough that the top is where they run. */
#define SIMOPT_INC_HIGH_MIN 1500u
#define SIMOPT_INC_HIGH_MAX 3000u

typedef enum {
    SIMOPT_FAULTS_NONE = 0,
    SIMOPT_FAULTS_DEFAULT = 1,
    SIMOPT_FAULTS_HEAVY = 2,
} simopt_faults;

/* Partition classes the schedule may draw (partition_kinds bits). */
#define SIMOPT_PART_SPLIT 1u    /* symmetric split into two random groups */
#define SIMOPT_PART_ASYM 2u     /* one-way split: one group sends, never hears back */
#define SIMOPT_PART_ISOLATE 4u  /* one node cut off both ways */

typedef struct {
    uint64_t seed;
    uint32_t faults; /* simopt_faults */
    uint32_t nodes;
    uint32_t time_s;      /* safety phase */
    uint32_t liveness_ms; /* liveness phase; 0 = from the SWIM bounds (resolved by sim_create) */
    uint32_t start_spread_ms; /* node i first starts at a drawn time in [0, spread] */
    uint32_t join_seeds;  /* join list: the first min(this, N - 1) other nodes */
    /* network */
    uint32_t latency_min_us;
    uint32_t latency_mean_us;
    uint32_t loss_ppm;
    uint32_t dup_ppm;
    uint32_t reorder_ppm;
    uint32_t reorder_max_ms;
    uint32_t tail_ppm;
    uint32_t tail_max_ms;
    /* partitions and crashes (the pre-drawn schedule) */
    uint32_t partition_every_ms; /* 0: no partitions */
    uint32_t partition_len_ms;
    uint32_t partition_kinds;
    uint32_t crash_every_ms;     /* 0: no crashes */
    uint32_t down_ms;
    uint32_t crash_write_ppm;    /* a completed write is followed by a crash (torn/lost writes) */
    uint32_t perm_down;          /* nodes kept down through the liveness phase */
    /* clocks */
    uint32_t drift_max_ppm;
    uint32_t offset_max_ms;
    /* disk */
    uint32_t disk_min_us;
    uint32_t disk_mean_us;
    uint32_t disk_fail_ppm;
    uint32_t disk_read_fail_ppm;
    uint32_t alloc_fail_ppm;
    uint32_t torn_ppm;
    /* per node, a metadata record from an old life is on its disk at the
     * first start, with a ceiling SIMOPT_INC_HIGH_* below the incarnation
     * range's end: incarnations in the billions, near the top */
    uint32_t inc_high_ppm;
    /* per node, its first start finds an old life's record beside a
     * second slot with a defect the store must refuse (a ceiling past the
     * range, sequence 0, a bad checksum) or a stale valid record at the
     * range's very top (meta_recovery) */
    uint32_t stale_slot_ppm;
    /* per node, it runs a later minor version of the protocol: every frame
     * it sends carries a field this version does not define, which the
     * others must skip (docs/wire.md: later minors append fields) */
    uint32_t newer_ppm;
    /* per new timer, the host refuses to arm it (as a host whose table is
     * full would): the node hears TIMER_REFUSED and re-arms at a backoff;
     * safety phase only */
    uint32_t timer_refuse_ppm;
    /* per node step, the step's outbox holds 0..2 outputs besides what its
     * event reserve takes, as a step that outgrew its outbox would: timer
     * sets, cancels and closes take the reserve, a TCP stream with a frame
     * left out ends, a datagram left out is lost; safety phase only */
    uint32_t outbox_squeeze_ppm;
    /* per timer cancelled while armed, the host delivers it once anyway,
     * as one whose cancel raced the firing would: its owner must be gone
     * (TIMER_STALE), never run a cancelled duty; safety phase only */
    uint32_t late_timer_ppm;
    /* hostile traffic (sim/simforge.h): safety phase only */
    uint32_t forge_ppm;   /* per datagram sent, a forged one to a random node */
    uint32_t forge_fakes; /* fake member names forged ALIVE records may use */
    /* SWIM settings every node runs: the defaults, or with swim_draw 1
     * drawn from the seed's "swim" stream through the [swim] key table
     * (simopt_draw_swim); --swim-KEY flags override single keys. */
    uint32_t swim_draw;
    swim_config swim;
    /* simulated TCP (io_sim/simtcp.h) and the operator workload (sim/simoper.h) */
    uint32_t tcp_connect_ms; /* a SYN held at a cut link times out after this */
    uint32_t tcp_stall_ms;   /* data held at a cut link this long: both ends reset */
    uint32_t tcp_sendbuf;    /* bytes per direction written and not yet delivered */
    uint32_t op_every_ms;    /* mean gap between operator sessions (0: none) */
    uint32_t op_burst;       /* most control requests per session */
    uint32_t forge_tcp_ppm;  /* per operator session, a forged TCP stream instead */
    uint32_t error_reply_per_sec; /* the nodes' ERROR-reply bucket (node config) */
    uint32_t error_reply_burst;
    /* Only these actions of the drawn fault schedule happen (0-based
     * indices into it); empty: all of them.  hsim shrink's delta debugging
     * over the schedule writes it; a dropped crash's restart finds its node
     * up and does nothing, a dropped partition's heal heals nothing. */
    char keep_actions[SIMOPT_KEEP_MAX];
} simopt;

/* Command-line state: the seed, the profile and explicit overrides. */
typedef struct {
    bool seed_set;
    uint64_t seed;
    uint32_t faults;
    bool faults_set;
    simopt values;  /* explicit values for the flags in set */
    uint64_t set;   /* bit i: flag i of the table was given */
    bool keep_set;  /* --keep-actions was given (values.keep_actions) */
    swim_config swim_values; /* explicit --swim-KEY values */
    uint64_t swim_set;       /* bit i: key i of swim_config_keys() was given */
    /* hsim --crash-at-event N: the crash report's self-test (an assertion
     * fails in the step of input N; sim_set_crash_at_event).  0 = off. */
    uint64_t crash_at_event;
    /* hsim --lose-timer K: the mechanism checks' self-test (the host drops
     * the first arming of SWIM timer kind K; sim_set_lose_timer).  0 = off. */
    uint32_t lose_timer;
    /* hsim --stop-at-violation: the run ends at its first violation
     * (sim_set_stop_at_violation); hsim shrink measures runs this way. */
    bool stop_at_violation;
} simopt_args;

/* All options for seed under a profile, with nothing overridden. */
void simopt_derive(simopt *o, uint64_t seed, uint32_t faults);

void simopt_args_init(simopt_args *a);
/* Tries argv[*i] (and its value) as an option flag.  Returns HS_OK and
 * advances *i when consumed; HS_ERR_NOT_FOUND when it is not an option
 * flag; HS_ERR_INVALID (with a message in err) for a bad value. */
HS_MUST_USE hs_status simopt_parse_flag(simopt_args *a, int argc, char **argv, int *i,
                                        char *err, size_t err_cap);
/* Derives from the seed, applies overrides, checks the combination. */
HS_MUST_USE hs_status simopt_resolve(const simopt_args *a, simopt *out, char *err, size_t err_cap);
/* Same as resolve for another seed (sweeps). */
HS_MUST_USE hs_status simopt_resolve_seed(const simopt_args *a, uint64_t seed, simopt *out,
                                          char *err, size_t err_cap);
/* Consistency, then the liveness model for the default SWIM tunables. */
HS_MUST_USE hs_status simopt_check(const simopt *o, char *err, size_t err_cap);
/* The liveness bounds' model for nodes with this probe timeout: drift at
 * most SIMOPT_DRIFT_MODEL_MAX_PPM, and a round trip at the slowest base
 * latency shorter than the probe timeout on the fastest clock. */
HS_MUST_USE hs_status simopt_check_model(const simopt *o, uint32_t probe_timeout_ms, char *err,
                                         size_t err_cap);

/* Draws SWIM settings for seed: each drawn key set by name through the
 * engine (so within its key's range), its lower end raised to what the
 * liveness model needs for o's latencies, then the whole checked; a draw
 * the rules refuse is an error with swim_config_explain's reason. */
HS_MUST_USE hs_status simopt_draw_swim(const simopt *o, swim_config *out, char *err,
                                       size_t err_cap);

/* Every option as flags (not the seed): replays the run exactly. */
size_t simopt_format_all(const simopt *o, char *out, size_t cap);
/* Only the flags given explicitly (for replay commands). */
size_t simopt_format_set(const simopt_args *a, const simopt *o, char *out, size_t cap);

/* Parses a seed: decimal u64, or a 40-hex-digit git commit (first 16 digits). */
HS_MUST_USE hs_status simopt_parse_seed(const char *text, uint64_t *out);
const char *simopt_faults_name(uint32_t faults);
bool simopt_equal(const simopt *a, const simopt *b);
/* --keep-actions text: true when it parses ("none", or ascending indices
 * and ranges A-B separated by commas) */
bool simopt_keep_valid(const char *spec);
/* Whether schedule action index is kept by spec (an empty spec keeps all). */
bool simopt_keep_has(const char *spec, uint32_t index);
/* Args that give exactly o for o's seed: every flag whose value differs
 * from the seed's derivation is set, --keep-actions when o has one.  The
 * lose-timer and crash-at-event self-tests and swim overrides come from
 * base. */
void simopt_args_for(const simopt_args *base, const simopt *o, simopt_args *out);
/* Prints the option flags with their meaning. */
void simopt_usage(FILE *f);

#endif /* SIMOPT_H_ */
