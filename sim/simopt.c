/* Simulator options: seed derivation, flag parsing and formatting. */
#include "simopt.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "simdist.h"
#include "swim.h"

typedef struct {
    const char *name; /* flag without the leading dashes */
    size_t offset;    /* of a uint32_t field in simopt */
    uint32_t min;
    uint32_t max;
    const char *help;
} flag_row;

#define OPT(field) offsetof(simopt, field)

static const flag_row flag_rows[] = {
    {"nodes", OPT(nodes), 1, SIMOPT_NODES_MAX, "nodes in the cluster (n1..nN)"},
    {"time", OPT(time_s), 1, 86400, "safety phase length, simulated seconds"},
    {"liveness-ms", OPT(liveness_ms), 0, 86400000,
     "liveness phase length (0: SWIM bounds + margin)"},
    {"start-spread-ms", OPT(start_spread_ms), 0, 600000, "first starts drawn in [0, this]"},
    {"join-seeds", OPT(join_seeds), 1, 3,
     "join list of each node: the first min(this, N - 1) other nodes"},
    {"latency-min-us", OPT(latency_min_us), 0, 10000000, "one-way latency minimum"},
    {"latency-mean-us", OPT(latency_mean_us), 0, 10000000, "one-way latency mean (>= minimum)"},
    {"loss-ppm", OPT(loss_ppm), 0, 1000000, "UDP datagram loss"},
    {"dup-ppm", OPT(dup_ppm), 0, 1000000, "UDP datagram duplication"},
    {"reorder-ppm", OPT(reorder_ppm), 0, 1000000, "UDP datagram extra delay (reordering)"},
    {"reorder-max-ms", OPT(reorder_max_ms), 0, 60000, "largest reordering delay"},
    {"tail-ppm", OPT(tail_ppm), 0, 1000000, "latency spike on any message"},
    {"tail-max-ms", OPT(tail_max_ms), 0, 60000, "largest latency spike"},
    {"partition-every-ms", OPT(partition_every_ms), 0, 86400000,
     "mean gap between partitions (0: none)"},
    {"partition-len-ms", OPT(partition_len_ms), 0, 86400000, "mean partition length"},
    {"partition-kinds", OPT(partition_kinds), 0, 7, "bits: 1 split, 2 one-way split, 4 isolate"},
    {"crash-every-ms", OPT(crash_every_ms), 0, 86400000, "mean gap between crashes (0: none)"},
    {"down-ms", OPT(down_ms), 0, 86400000, "mean time a crashed node stays down"},
    {"crash-write-ppm", OPT(crash_write_ppm), 0, 1000000, "crash right after a completed write"},
    {"perm-down", OPT(perm_down), 0, SIMOPT_NODES_MAX, "nodes kept down in the liveness phase"},
    {"drift-max-ppm", OPT(drift_max_ppm), 0, 100000, "largest clock drift (either sign)"},
    {"offset-max-ms", OPT(offset_max_ms), 0, 86400000, "largest clock offset"},
    {"disk-min-us", OPT(disk_min_us), 0, 10000000, "disk operation latency minimum"},
    {"disk-mean-us", OPT(disk_mean_us), 0, 10000000, "disk operation latency mean (>= minimum)"},
    {"disk-fail-ppm", OPT(disk_fail_ppm), 0, 1000000, "write or sync fails with HS_ERR_IO"},
    {"disk-read-fail-ppm", OPT(disk_read_fail_ppm), 0, 1000000, "read fails with HS_ERR_IO"},
    {"alloc-fail-ppm", OPT(alloc_fail_ppm), 0, 1000000,
     "a core allocation while a node starts fails (the start is retried)"},
    {"torn-ppm", OPT(torn_ppm), 0, 1000000, "on crash, a pending write is torn rather than lost"},
    {"inc-high-ppm", OPT(inc_high_ppm), 0, 1000000,
     "per node, an old metadata record puts its incarnations near the top of the range"},
    {"stale-slot-ppm", OPT(stale_slot_ppm), 0, 1000000,
     "per node, an old metadata record beside a defective or stale second slot"},
    {"timer-refuse-ppm", OPT(timer_refuse_ppm), 0, 1000000,
     "per new timer, the host refuses it (TIMER_REFUSED; safety phase only)"},
    {"outbox-squeeze-ppm", OPT(outbox_squeeze_ppm), 0, 1000000,
     "per node step, the outbox keeps its event reserve and 0..2 slots (safety phase only)"},
    {"late-timer-ppm", OPT(late_timer_ppm), 0, 1000000,
     "per cancelled timer, the host delivers it once anyway (safety phase only)"},
    {"newer-ppm", OPT(newer_ppm), 0, 1000000,
     "per node, it runs a later minor protocol version (frames carry an unknown field)"},
    {"forge-ppm", OPT(forge_ppm), 0, 1000000,
     "per datagram sent, a forged datagram to a random node"},
    {"forge-fakes", OPT(forge_fakes), 0, SIMOPT_FORGE_FAKES_MAX,
     "fake member names forged records use"},
    {"swim-draw", OPT(swim_draw), 0, 1, "1: draw the SWIM settings from the seed"},
    {"tcp-connect-ms", OPT(tcp_connect_ms), 1, 600000, "TCP connect across a cut link times out"},
    {"tcp-stall-ms", OPT(tcp_stall_ms), 1, 600000,
     "TCP data stalled at a cut link this long: reset"},
    {"tcp-sendbuf", OPT(tcp_sendbuf), 64, 1u << 24,
     "TCP bytes buffered per direction (back-pressure)"},
    {"op-every-ms", OPT(op_every_ms), 0, 86400000,
     "mean gap between operator TCP sessions (0: none)"},
    {"op-burst", OPT(op_burst), 1, 32, "most control requests per operator session"},
    {"forge-tcp-ppm", OPT(forge_tcp_ppm), 0, 1000000, "per operator session, a forged TCP stream"},
    {"error-reply-per-sec", OPT(error_reply_per_sec), 0, 100000,
     "the nodes' ERROR replies per second (token bucket)"},
    {"error-reply-burst", OPT(error_reply_burst), 0, 100000, "the nodes' burst of ERROR replies"},
};

#define FLAG_COUNT HS_ARRAY_LEN(flag_rows)
HS_STATIC_ASSERT(HS_ARRAY_LEN(flag_rows) < 64, "set mask is 64 bits");

static uint32_t *field(simopt *o, const flag_row *row)
{
    return (uint32_t *)((uint8_t *)o + row->offset);
}

static uint32_t field_get(const simopt *o, const flag_row *row)
{
    return *(const uint32_t *)((const uint8_t *)o + row->offset);
}

static uint32_t pick(rng *r, uint32_t lo, uint32_t hi)
{
    return (uint32_t)rng_range(r, lo, hi);
}

/* Swarm: a fault class is on for most seeds, off for the rest. */
static bool class_on(rng *r, uint32_t faults)
{
    return rng_chance_ppm(r, faults == SIMOPT_FAULTS_HEAVY ? 900000u : 750000u);
}

static void derive_topology(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("topology"));
    o->nodes = pick(&r, 3, 7);
    o->start_spread_ms = pick(&r, 0, 2000);
    /* Its own stream: one seed in four gives every node a single seed,
     * so a node that lost every member syncs with that one alone. */
    rng k;
    rng_derive(&k, seed, rng_label("seeds"));
    uint32_t few = rng_below(&k, 8);
    o->join_seeds = few < 2 ? 1 : few == 2 ? 2 : 3;
    /* Swarm sizes: most seeds are small clusters (fast, and most bugs show
     * there); one in 16 has 8 to 32 nodes, one in 128 has 33 to 128, so a
     * sweep spans 3 to 128 and the size-dependent paths (suspicion scale,
     * retransmit limit, long walks) run too. */
    uint32_t size_roll = pick(&r, 0, 127);
    if (size_roll == 0) {
        o->nodes = pick(&r, 33, 128);
    } else if (size_roll <= 8) {
        o->nodes = pick(&r, 8, 32);
    }
    uint32_t down = pick(&r, 0, faults == SIMOPT_FAULTS_HEAVY ? 3 : 2);
    o->perm_down = faults == SIMOPT_FAULTS_NONE ? 0 : down;
}

static void derive_net(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("net"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    bool none = faults == SIMOPT_FAULTS_NONE;
    /* The slowest draw must stay inside the liveness model (simopt_check_model):
     * heavy's worst case is 5 ms + 26/3 x 27 ms = 239 ms, under the 245 ms
     * that a 500 ms probe timeout on a clock 2% fast leaves one way. */
    o->latency_min_us = pick(&r, 100, heavy ? 5000 : 2000);
    o->latency_mean_us = o->latency_min_us + pick(&r, 0, heavy ? 27000 : 20000);
    bool on = class_on(&r, faults);
    uint32_t v = pick(&r, 0, heavy ? 200000 : 50000);
    o->loss_ppm = none || !on ? 0 : v;
    on = class_on(&r, faults);
    v = pick(&r, 0, heavy ? 100000 : 20000);
    o->dup_ppm = none || !on ? 0 : v;
    on = class_on(&r, faults);
    v = pick(&r, 0, heavy ? 200000 : 50000);
    uint32_t max = pick(&r, 1, heavy ? 1000 : 200);
    o->reorder_ppm = none || !on ? 0 : v;
    o->reorder_max_ms = none || !on ? 0 : max;
    on = class_on(&r, faults);
    v = pick(&r, 0, heavy ? 20000 : 5000);
    max = pick(&r, heavy ? 100 : 50, heavy ? 3000 : 1000);
    o->tail_ppm = none || !on ? 0 : v;
    o->tail_max_ms = none || !on ? 0 : max;
}

static void derive_faults(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("faults"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    bool none = faults == SIMOPT_FAULTS_NONE;
    bool on = class_on(&r, faults);
    uint32_t every = heavy ? pick(&r, 2000, 10000) : pick(&r, 5000, 30000);
    uint32_t len = pick(&r, 500, heavy ? 20000 : 10000);
    uint32_t kinds = pick(&r, 1, 7);
    o->partition_every_ms = none || !on ? 0 : every;
    o->partition_len_ms = none || !on ? 0 : len;
    o->partition_kinds = none || !on ? 0 : kinds;
    on = class_on(&r, faults);
    every = heavy ? pick(&r, 2000, 10000) : pick(&r, 5000, 30000);
    uint32_t down = pick(&r, 100, heavy ? 20000 : 10000);
    o->crash_every_ms = none || !on ? 0 : every;
    o->down_ms = none || !on ? 0 : down;
    /* Crashes aimed at the window between a write and its sync: random
     * crash times almost never land there (TigerBeetle biases them x10). */
    uint32_t cw = pick(&r, 0, heavy ? 300000 : 100000);
    o->crash_write_ppm = none || !on ? 0 : cw;
}

static void derive_clock(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("clock"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    bool none = faults == SIMOPT_FAULTS_NONE;
    bool on = class_on(&r, faults);
    uint32_t drift = pick(&r, 0, heavy ? SIMOPT_DRIFT_MODEL_MAX_PPM : 500);
    uint32_t offset = pick(&r, 0, heavy ? 60000 : 10000);
    o->drift_max_ppm = none || !on ? 0 : drift;
    o->offset_max_ms = none ? 0 : offset;
}

static void derive_disk(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("disk"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    bool none = faults == SIMOPT_FAULTS_NONE;
    o->disk_min_us = pick(&r, 10, 1000);
    o->disk_mean_us = o->disk_min_us + pick(&r, 0, heavy ? 30000 : 5000);
    bool on = class_on(&r, faults);
    uint32_t fail = pick(&r, 0, heavy ? 50000 : 10000);
    o->disk_fail_ppm = none || !on ? 0 : fail;
    on = class_on(&r, faults);
    uint32_t torn = pick(&r, 0, heavy ? 1000000 : 500000);
    o->torn_ppm = none || !on ? 0 : torn;
    on = class_on(&r, faults);
    uint32_t read_fail = pick(&r, 0, heavy ? 300000 : 100000);
    o->disk_read_fail_ppm = none || !on ? 0 : read_fail;
    on = class_on(&r, faults);
    uint32_t alloc_fail = pick(&r, 0, heavy ? 60000 : 20000);
    o->alloc_fail_ppm = none || !on ? 0 : alloc_fail;
}

/* Its own stream: drawing it moves no other subsystem's draws. */
static void derive_incarnation(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("incarnation"));
    bool on = class_on(&r, faults);
    uint32_t ppm = pick(&r, 50000, 250000);
    o->inc_high_ppm = faults == SIMOPT_FAULTS_NONE || !on ? 0 : ppm;
    on = class_on(&r, faults);
    uint32_t stale = pick(&r, 100000, 400000);
    o->stale_slot_ppm = faults == SIMOPT_FAULTS_NONE || !on ? 0 : stale;
    /* Versions are a deployment fact, not a fault: every profile mixes
     * them in half the seeds. */
    rng v;
    rng_derive(&v, seed, rng_label("versions"));
    uint32_t newer = pick(&v, 100000, 500000);
    o->newer_ppm = rng_below(&v, 2) == 0 ? newer : 0;
    rng t;
    rng_derive(&t, seed, rng_label("timers"));
    uint32_t refuse = pick(&t, 1000, 20000);
    o->timer_refuse_ppm = faults == SIMOPT_FAULTS_NONE || rng_below(&t, 4) != 0 ? 0 : refuse;
    /* One refusing seed in eight has a host whose table stays nearly full,
     * so refusals follow each other and the re-arm backoffs reach their
     * caps (drawn after the rest: the other seeds keep their draws). */
    uint32_t near_full = pick(&t, 200000, 600000);
    if (o->timer_refuse_ppm != 0 && rng_below(&t, 8) == 0) {
        o->timer_refuse_ppm = near_full;
    }
    rng q;
    rng_derive(&q, seed, rng_label("squeeze"));
    uint32_t squeeze = pick(&q, 1000, 20000);
    o->outbox_squeeze_ppm = faults == SIMOPT_FAULTS_NONE || rng_below(&q, 4) != 0 ? 0 : squeeze;
    rng l;
    rng_derive(&l, seed, rng_label("late_timers"));
    uint32_t late = pick(&l, 10000, 200000);
    o->late_timer_ppm = faults == SIMOPT_FAULTS_NONE || rng_below(&l, 4) != 0 ? 0 : late;
}

static void derive_forge(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("forge"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    bool none = faults == SIMOPT_FAULTS_NONE;
    bool on = class_on(&r, faults);
    uint32_t ppm = pick(&r, 0, heavy ? 200000 : 10000);
    uint32_t fakes = pick(&r, 1, 3);
    o->forge_ppm = none || !on ? 0 : ppm;
    o->forge_fakes = none || !on ? 0 : fakes;
}

/* TCP and the operator: every profile drives connections (the operator
 * is traffic, not a fault); back-pressure comes from small send buffers,
 * resets from partitions and crashes; forged streams ride the forge
 * class's switch but draw their own rate. */
static void derive_tcp(simopt *o, uint64_t seed, uint32_t faults)
{
    rng r;
    rng_derive(&r, seed, rng_label("tcp"));
    bool heavy = faults == SIMOPT_FAULTS_HEAVY;
    o->tcp_connect_ms = pick(&r, 500, 5000);
    o->tcp_stall_ms = pick(&r, 200, heavy ? 3000 : 8000);
    /* Small buffers for a third of the seeds: replies then stop fitting. */
    o->tcp_sendbuf = rng_below(&r, 3) == 0 ? pick(&r, 128, 2048) : pick(&r, 65536, 1u << 20);
    /* Background load: a few sessions a minute per cluster, not a flood. */
    o->op_every_ms = pick(&r, heavy ? 300 : 1000, heavy ? 3000 : 6000);
    o->op_burst = pick(&r, 1, heavy ? 16 : 8);
    uint32_t ppm = pick(&r, 50000, 300000);
    o->forge_tcp_ppm = o->forge_ppm == 0 ? 0 : ppm;
}

/* The node's own rate limit, a swarm limit like SWIM's: half the seeds
 * draw it small, so forged floods run the bucket dry and suppression
 * runs; the others keep the defaults (node_config.c). */
static void derive_node_limits(simopt *o, uint64_t seed)
{
    rng r;
    rng_derive(&r, seed, rng_label("node_limits"));
    bool small = rng_below(&r, 2) == 0;
    uint32_t per_sec = pick(&r, 1, 5);
    uint32_t burst = pick(&r, 1, 8);
    o->error_reply_per_sec = small ? per_sec : 10;
    o->error_reply_burst = small ? burst : 20;
    HS_ASSERT(o->error_reply_per_sec >= 1 && o->error_reply_burst >= 1);
}

void simopt_derive(simopt *o, uint64_t seed, uint32_t faults)
{
    memset(o, 0, sizeof(*o));
    o->seed = seed;
    o->faults = faults;
    o->time_s = 60;
    o->liveness_ms = 0;
    derive_topology(o, seed, faults);
    derive_net(o, seed, faults);
    derive_faults(o, seed, faults);
    derive_clock(o, seed, faults);
    derive_disk(o, seed, faults);
    derive_forge(o, seed, faults);
    derive_incarnation(o, seed, faults);
    /* Swarm limits: half the seeds draw their SWIM settings, tables and
     * rate limits included (simopt_draw_swim), the other half keep the
     * defaults an operator would ship. */
    rng sr;
    rng_derive(&sr, seed, rng_label("swarm"));
    o->swim_draw = rng_below(&sr, 2) == 0 ? 1 : 0;
    swim_config_defaults(&o->swim);
    derive_tcp(o, seed, faults);
    derive_node_limits(o, seed);
    /* Keep at least two nodes up for the liveness phase. */
    uint32_t limit = o->nodes > 2 ? o->nodes - 2 : 0;
    if (o->perm_down > limit) {
        o->perm_down = limit;
    }
}

void simopt_args_init(simopt_args *a)
{
    memset(a, 0, sizeof(*a));
    a->faults = SIMOPT_FAULTS_DEFAULT;
}

static hs_status parse_u64(const char *text, uint64_t max, uint64_t *out)
{
    if (text == NULL || *text == '\0' || *text == '-' || *text == '+') {
        return HS_ERR_INVALID;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return HS_ERR_INVALID;
        }
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == NULL || *end != '\0' || v > max) {
        return HS_ERR_INVALID;
    }
    *out = v;
    return HS_OK;
}

hs_status simopt_parse_seed(const char *text, uint64_t *out)
{
    size_t len = text == NULL ? 0 : strlen(text);
    if (len == 40) {
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++) {
            char c = text[i];
            uint64_t d;
            if (c >= '0' && c <= '9') {
                d = (uint64_t)(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                d = (uint64_t)(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                d = (uint64_t)(c - 'A' + 10);
            } else {
                return HS_ERR_INVALID;
            }
            if (i < 16) {
                v = (v << 4) | d;
            }
        }
        *out = v;
        return HS_OK;
    }
    return parse_u64(text, UINT64_MAX, out);
}

const char *simopt_faults_name(uint32_t faults)
{
    switch (faults) {
    case SIMOPT_FAULTS_NONE:
        return "none";
    case SIMOPT_FAULTS_DEFAULT:
        return "default";
    case SIMOPT_FAULTS_HEAVY:
        return "heavy";
    default:
        return "unknown";
    }
}

static hs_status parse_faults(const char *text, uint32_t *out)
{
    for (uint32_t f = SIMOPT_FAULTS_NONE; f <= SIMOPT_FAULTS_HEAVY; f++) {
        if (text != NULL && strcmp(text, simopt_faults_name(f)) == 0) {
            *out = f;
            return HS_OK;
        }
    }
    return HS_ERR_INVALID;
}

/* The value of "--name=value" or "--name value"; NULL when missing. */
static const char *flag_value(int argc, char **argv, int *i, const char *arg, size_t name_len,
                              bool *consumed_next)
{
    *consumed_next = false;
    if (arg[2 + name_len] == '=') {
        return arg + 2 + name_len + 1;
    }
    if (*i + 1 < argc) {
        *consumed_next = true;
        return argv[*i + 1];
    }
    return NULL;
}

static bool flag_is(const char *arg, const char *name, size_t *name_len)
{
    size_t n = strlen(name);
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0) {
        return false;
    }
    if (arg[2 + n] != '\0' && arg[2 + n] != '=') {
        return false;
    }
    *name_len = n;
    return true;
}

/* --swim-KEY N for every key of the [swim] table (core/member/swim_config.c):
 * the flags are derived from the table, not written here. */
static hs_status parse_swim_flag(simopt_args *a, int argc, char **argv, int *i, char *err,
                                 size_t err_cap)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    char name[64];
    size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    if (len >= sizeof(name)) {
        return HS_ERR_NOT_FOUND;
    }
    memcpy(name, arg, len);
    name[len] = '\0';
    cfgkey_bind bind = {swim_config_keys(), &a->swim_values, 0};
    uint32_t b = 0;
    uint32_t key = 0;
    if (cfgkey_lookup(&bind, 1, NULL, name, &b, &key, err, err_cap) != HS_OK) {
        return HS_ERR_NOT_FOUND;
    }
    const char *v = eq != NULL ? eq + 1 : *i + 1 < argc ? argv[*i + 1] : NULL;
    if (v == NULL) {
        snprintf(err, err_cap, "--%s needs a value", name);
        return HS_ERR_INVALID;
    }
    char why[SIMOPT_ERR_MAX];
    if (cfgkey_set_text(swim_config_keys(), &a->swim_values, key, v, why, sizeof(why)) !=
        HS_OK) {
        snprintf(err, err_cap, "--%s: %s", name, why);
        return HS_ERR_INVALID;
    }
    a->swim_set |= UINT64_C(1) << key;
    *i += eq != NULL ? 1 : 2;
    return HS_OK;
}

hs_status simopt_parse_flag(simopt_args *a, int argc, char **argv, int *i, char *err,
                            size_t err_cap)
{
    const char *arg = argv[*i];
    size_t n = 0;
    bool next = false;
    if (flag_is(arg, "seed", &n)) {
        const char *v = flag_value(argc, argv, i, arg, n, &next);
        if (simopt_parse_seed(v, &a->seed) != HS_OK) {
            snprintf(err, err_cap, "--seed: expected a u64 or a 40-digit hex commit, got '%s'",
                     v == NULL ? "" : v);
            return HS_ERR_INVALID;
        }
        a->seed_set = true;
        *i += next ? 2 : 1;
        return HS_OK;
    }
    if (flag_is(arg, "faults", &n)) {
        const char *v = flag_value(argc, argv, i, arg, n, &next);
        if (parse_faults(v, &a->faults) != HS_OK) {
            snprintf(err, err_cap, "--faults: expected none, default or heavy, got '%s'",
                     v == NULL ? "" : v);
            return HS_ERR_INVALID;
        }
        a->faults_set = true;
        *i += next ? 2 : 1;
        return HS_OK;
    }
    if (flag_is(arg, "keep-actions", &n)) {
        const char *v = flag_value(argc, argv, i, arg, n, &next);
        if (v == NULL || strlen(v) >= SIMOPT_KEEP_MAX || !simopt_keep_valid(v)) {
            snprintf(err, err_cap, "--keep-actions: expected none or ascending schedule "
                     "indices like 0,4-9,12, got '%.80s'", v == NULL ? "" : v);
            return HS_ERR_INVALID;
        }
        snprintf(a->values.keep_actions, sizeof(a->values.keep_actions), "%s", v);
        a->keep_set = true;
        *i += next ? 2 : 1;
        return HS_OK;
    }
    if (strncmp(arg, "--swim-", 7) == 0 && !flag_is(arg, "swim-draw", &n)) {
        return parse_swim_flag(a, argc, argv, i, err, err_cap);
    }
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        const flag_row *row = &flag_rows[k];
        if (!flag_is(arg, row->name, &n)) {
            continue;
        }
        const char *v = flag_value(argc, argv, i, arg, n, &next);
        uint64_t x = 0;
        if (parse_u64(v, row->max, &x) != HS_OK || x < row->min) {
            snprintf(err, err_cap, "--%s: expected an integer in [%u, %u], got '%s'", row->name,
                     row->min, row->max, v == NULL ? "" : v);
            return HS_ERR_INVALID;
        }
        *field(&a->values, row) = (uint32_t)x;
        a->set |= UINT64_C(1) << k;
        *i += next ? 2 : 1;
        return HS_OK;
    }
    return HS_ERR_NOT_FOUND;
}

hs_status simopt_check_model(const simopt *o, uint32_t probe_timeout_ms, char *err,
                             size_t err_cap)
{
    if (o->drift_max_ppm > SIMOPT_DRIFT_MODEL_MAX_PPM) {
        snprintf(err, err_cap,
                 "--drift-max-ppm %u is outside the liveness model: the bounds hsim checks "
                 "are stretched for drift up to %u ppm (docs/simulator.md, model limits)",
                 o->drift_max_ppm, SIMOPT_DRIFT_MODEL_MAX_PPM);
        return HS_ERR_INVALID;
    }
    /* A probe answered directly must beat the probe timeout even on the
     * fastest clock (which runs it short by a factor 1 + drift): with no
     * loss in the liveness phase that is what keeps live nodes from being
     * suspected.  Tail spikes are off then, so the base latency is all. */
    uint64_t max_ns = simdist_delay_max((uint64_t)o->latency_min_us * HS_NS_PER_US,
                                        (uint64_t)o->latency_mean_us * HS_NS_PER_US);
    unsigned __int128 rtt = (unsigned __int128)(2 * max_ns) * (RNG_PPM + o->drift_max_ppm);
    unsigned __int128 timeout = (unsigned __int128)HS_MS(probe_timeout_ms) * RNG_PPM;
    if (rtt >= timeout) {
        uint64_t limit_us = (uint64_t)(timeout / (2 * (uint64_t)(RNG_PPM + o->drift_max_ppm)) /
                                       HS_NS_PER_US);
        snprintf(err, err_cap,
                 "--latency-min-us %u --latency-mean-us %u: the slowest one-way latency, %llu us, "
                 "must be below %llu us (half the %u ms probe timeout on a clock %u ppm fast) "
                 "for the liveness bounds to apply (docs/simulator.md, model limits)",
                 o->latency_min_us, o->latency_mean_us,
                 (unsigned long long)(max_ns / HS_NS_PER_US), (unsigned long long)limit_us,
                 probe_timeout_ms, o->drift_max_ppm);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status simopt_check(const simopt *o, char *err, size_t err_cap)
{
    if (o->nodes < 1 || o->nodes > SIMOPT_NODES_MAX) {
        snprintf(err, err_cap, "--nodes must be in [1, %u]", SIMOPT_NODES_MAX);
        return HS_ERR_INVALID;
    }
    if (o->latency_mean_us < o->latency_min_us) {
        snprintf(err, err_cap, "--latency-mean-us (%u) must be >= --latency-min-us (%u)",
                 o->latency_mean_us, o->latency_min_us);
        return HS_ERR_INVALID;
    }
    if (o->disk_mean_us < o->disk_min_us) {
        snprintf(err, err_cap, "--disk-mean-us (%u) must be >= --disk-min-us (%u)",
                 o->disk_mean_us, o->disk_min_us);
        return HS_ERR_INVALID;
    }
    if (o->perm_down > 0 && o->perm_down + 2 > o->nodes) {
        snprintf(err, err_cap, "--perm-down (%u) must leave at least 2 of %u nodes up",
                 o->perm_down, o->nodes);
        return HS_ERR_INVALID;
    }
    if (o->partition_every_ms != 0 && (o->partition_every_ms < 100 || o->partition_kinds == 0)) {
        snprintf(err, err_cap,
                 "--partition-every-ms must be 0 or >= 100, with --partition-kinds in [1, 7]");
        return HS_ERR_INVALID;
    }
    if (o->crash_every_ms != 0 && o->crash_every_ms < 100) {
        snprintf(err, err_cap, "--crash-every-ms must be 0 or >= 100");
        return HS_ERR_INVALID;
    }
    if (o->tcp_connect_ms == 0 || o->tcp_stall_ms == 0 || o->tcp_sendbuf < 64 ||
        o->op_burst == 0 || o->op_burst > 32) {
        snprintf(err, err_cap, "--tcp-connect-ms and --tcp-stall-ms must be >= 1, "
                               "--tcp-sendbuf >= 64 and --op-burst in [1, 32]");
        return HS_ERR_INVALID;
    }
    /* The nodes' SWIM settings (sim_create_swim checks replaced ones again). */
    char why[SIMOPT_ERR_MAX - 40];
    if (swim_config_explain(&o->swim, why, sizeof(why)) != HS_OK) {
        snprintf(err, err_cap, "SWIM settings: %s", why);
        return HS_ERR_INVALID;
    }
    return simopt_check_model(o, o->swim.probe_timeout_ms, err, err_cap);
}

hs_status simopt_resolve_seed(const simopt_args *a, uint64_t seed, simopt *out, char *err,
                              size_t err_cap)
{
    simopt_derive(out, seed, a->faults);
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if ((a->set & (UINT64_C(1) << k)) != 0) {
            *field(out, &flag_rows[k]) = field_get(&a->values, &flag_rows[k]);
        }
    }
    if (a->keep_set) {
        memcpy(out->keep_actions, a->values.keep_actions, sizeof(out->keep_actions));
    }
    /* A derived perm_down shrinks to fit an explicit --nodes. */
    uint32_t perm_bit = 0;
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if (flag_rows[k].offset == OPT(perm_down)) {
            perm_bit = k;
        }
    }
    if ((a->set & (UINT64_C(1) << perm_bit)) == 0) {
        uint32_t limit = out->nodes > 2 ? out->nodes - 2 : 0;
        if (out->perm_down > limit) {
            out->perm_down = limit;
        }
    }
    /* The draw reads the latency model: a bad one is simopt_check's to
     * report, as a usage error, not the draw's to trip over. */
    if (out->swim_draw != 0 && out->latency_mean_us >= out->latency_min_us) {
        hs_status st = simopt_draw_swim(out, &out->swim, err, err_cap);
        if (st != HS_OK) {
            return st;
        }
    }
    const cfgkey_table *t = swim_config_keys();
    for (uint32_t k = 0; k < t->count; k++) {
        if ((a->swim_set & (UINT64_C(1) << k)) != 0) {
            uint64_t v = cfgkey_get_number(t, &a->swim_values, k);
            hs_status st = cfgkey_set_number(t, &out->swim, t->keys[k].name, v, err, err_cap);
            HS_ASSERT(st == HS_OK); /* parse_swim_flag checked the range */
        }
    }
    return simopt_check(out, err, err_cap);
}

hs_status simopt_resolve(const simopt_args *a, simopt *out, char *err, size_t err_cap)
{
    if (!a->seed_set) {
        snprintf(err, err_cap, "--seed is required");
        return HS_ERR_INVALID;
    }
    return simopt_resolve_seed(a, a->seed, out, err, err_cap);
}

/* snprintf that keeps appending safely after truncation. */
static void add(char *out, size_t cap, size_t *used, const char *fmt, ...) HS_PRINTF(4, 5);

static void add(char *out, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    *used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

/* What the swim fields are before --swim-KEY overrides: defaults, or the
 * draw (which never fails for an option set simopt_check accepted). */
static void swim_base(const simopt *o, swim_config *base)
{
    swim_config_defaults(base);
    if (o->swim_draw != 0) {
        char err[SIMOPT_ERR_MAX];
        if (simopt_draw_swim(o, base, err, sizeof(err)) != HS_OK) {
            swim_config_defaults(base);
        }
    }
}

/* " --swim-KEY N" for each key that differs from base (all when base is
 * NULL): with the other flags it replays the run exactly. */
static void add_swim(char *out, size_t cap, size_t *used, const simopt *o,
                     const swim_config *base, const char **sep)
{
    const cfgkey_table *t = swim_config_keys();
    for (uint32_t k = 0; k < t->count; k++) {
        uint64_t v = cfgkey_get_number(t, &o->swim, k);
        if (base == NULL || v != cfgkey_get_number(t, base, k)) {
            add(out, cap, used, "%s--swim-", *sep);
            for (const char *p = t->keys[k].name; *p != '\0'; p++) {
                add(out, cap, used, "%c", *p == '_' ? '-' : *p);
            }
            add(out, cap, used, " %llu", (unsigned long long)v);
            *sep = " ";
        }
    }
}

size_t simopt_format_all(const simopt *o, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    add(out, cap, &used, "--faults %s", simopt_faults_name(o->faults));
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        add(out, cap, &used, " --%s %u", flag_rows[k].name, field_get(o, &flag_rows[k]));
    }
    /* Drawn settings depend on the seed: spell them all out. */
    swim_config defaults;
    swim_config_defaults(&defaults);
    const char *sep = " ";
    add_swim(out, cap, &used, o, o->swim_draw != 0 ? NULL : &defaults, &sep);
    if (o->keep_actions[0] != '\0') {
        add(out, cap, &used, " --keep-actions %s", o->keep_actions);
    }
    return used;
}

size_t simopt_format_set(const simopt_args *a, const simopt *o, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    const char *sep = "";
    if (a->faults_set && a->faults != SIMOPT_FAULTS_DEFAULT) {
        add(out, cap, &used, "--faults %s", simopt_faults_name(o->faults));
        sep = " ";
    }
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if ((a->set & (UINT64_C(1) << k)) != 0) {
            add(out, cap, &used, "%s--%s %u", sep, flag_rows[k].name,
                field_get(o, &flag_rows[k]));
            sep = " ";
        }
    }
    if (a->swim_set != 0) {
        swim_config base;
        swim_base(o, &base);
        add_swim(out, cap, &used, o, &base, &sep);
    }
    if (a->keep_set) {
        add(out, cap, &used, "%s--keep-actions %s", sep, o->keep_actions);
    }
    return used;
}

bool simopt_equal(const simopt *a, const simopt *b)
{
    if (a->seed != b->seed || a->faults != b->faults) {
        return false;
    }
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if (field_get(a, &flag_rows[k]) != field_get(b, &flag_rows[k])) {
            return false;
        }
    }
    return memcmp(&a->swim, &b->swim, sizeof(a->swim)) == 0 &&
           strcmp(a->keep_actions, b->keep_actions) == 0;
}

/* Reads one index at *p (digits only); false when there is none or it
 * overflows 32 bits. */
static bool keep_index(const char **p, uint32_t *out)
{
    uint64_t v = 0;
    const char *q = *p;
    if (*q < '0' || *q > '9') {
        return false;
    }
    while (*q >= '0' && *q <= '9') {
        v = v * 10 + (uint64_t)(*q - '0');
        if (v > UINT32_MAX) {
            return false;
        }
        q++;
    }
    *p = q;
    *out = (uint32_t)v;
    return true;
}

/* Walks spec: calls back nothing, answers whether index is inside, and
 * whether the text is well formed (ascending, non-overlapping ranges). */
static bool keep_walk(const char *spec, uint32_t index, bool *has)
{
    *has = false;
    if (strcmp(spec, "none") == 0) {
        return true;
    }
    const char *p = spec;
    uint64_t next_min = 0;
    while (*p != '\0') {
        uint32_t lo = 0;
        uint32_t hi = 0;
        if (!keep_index(&p, &lo)) {
            return false;
        }
        hi = lo;
        if (*p == '-') {
            p++;
            if (!keep_index(&p, &hi) || hi < lo) {
                return false;
            }
        }
        if (lo < next_min) {
            return false;
        }
        next_min = (uint64_t)hi + 1;
        *has = *has || (index >= lo && index <= hi);
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                return false;
            }
        } else if (*p != '\0') {
            return false;
        }
    }
    return p != spec;
}

bool simopt_keep_valid(const char *spec)
{
    bool has = false;
    return spec != NULL && keep_walk(spec, 0, &has);
}

bool simopt_keep_has(const char *spec, uint32_t index)
{
    if (spec[0] == '\0') {
        return true;
    }
    bool has = false;
    return keep_walk(spec, index, &has) && has;
}

void simopt_args_for(const simopt_args *base, const simopt *o, simopt_args *out)
{
    *out = *base;
    out->seed = o->seed;
    out->seed_set = true;
    out->faults = o->faults;
    out->faults_set = o->faults != SIMOPT_FAULTS_DEFAULT;
    out->values = *o;
    out->set = 0;
    out->keep_set = o->keep_actions[0] != '\0';
    simopt derived;
    simopt_derive(&derived, o->seed, o->faults);
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if (field_get(&derived, &flag_rows[k]) != field_get(o, &flag_rows[k])) {
            out->set |= UINT64_C(1) << k;
        }
    }
    /* perm_down and the swim draw depend on other fields: pin them. */
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        if (flag_rows[k].offset == OPT(perm_down) || flag_rows[k].offset == OPT(nodes)) {
            out->set |= UINT64_C(1) << k;
        }
    }
    /* SWIM keys o holds apart from its base (defaults or the draw) are
     * --swim-KEY flags, so a changed setting survives the round trip. */
    swim_config base_sw;
    swim_base(o, &base_sw);
    const cfgkey_table *t = swim_config_keys();
    out->swim_values = o->swim;
    for (uint32_t k = 0; k < t->count; k++) {
        if (cfgkey_get_number(t, &o->swim, k) != cfgkey_get_number(t, &base_sw, k)) {
            out->swim_set |= UINT64_C(1) << k;
        }
    }
    HS_ASSERT(t->count <= 64);
}

/* SWIM draws: each key's range here lies inside its key's range (the
 * engine refuses a draw outside it); probe_timeout_ms is drawn as a share
 * of the period and kept above the liveness model's round trip. */
typedef struct {
    const char *key;
    uint32_t lo;
    uint32_t hi;
} swim_draw_row;

static const swim_draw_row swim_draws[] = {
    {"probe_interval_ms", 200, 2000}, {"indirect_checks", 1, 5},
    {"suspicion_mult", 3, 6},         {"retransmit_mult", 2, 4},
    {"sync_interval_ms", 1000, 20000}, {"reconnect_interval_ms", 500, 10000},
    {"join_retry_min_ms", 100, 1000}, {"join_retry_max_ms", 1000, 8000},
    {"gossip_max_age_ms", 10000, 60000},
};

/* The smallest probe timeout the liveness model accepts for o. */
static uint32_t model_timeout_min_ms(const simopt *o)
{
    uint64_t max_ns = simdist_delay_max((uint64_t)o->latency_min_us * HS_NS_PER_US,
                                        (uint64_t)o->latency_mean_us * HS_NS_PER_US);
    unsigned __int128 rtt = (unsigned __int128)(2 * max_ns) * (RNG_PPM + o->drift_max_ppm);
    return (uint32_t)(rtt / RNG_PPM / HS_NS_PER_MS) + 2;
}

/* Log-uniform in [lo, hi]: small values as often as large ones, so the
 * swarm's small tables are common, not a corner. */
static uint64_t draw_log(rng *r, uint64_t lo, uint64_t hi)
{
    HS_ASSERT(lo >= 1 && lo <= hi);
    uint64_t top = lo;
    uint32_t doublings = 0;
    while (top < hi) {
        top *= 2;
        doublings++;
    }
    uint64_t base = lo << rng_range(r, 0, doublings);
    uint64_t v = rng_range(r, base, base * 2 - 1);
    return v > hi ? hi : v;
}

/* Swarm limits: the tables, queues and rate limits drawn from small to
 * their defaults, so tables fill, eviction and suppression run.  The
 * member table always holds the other nodes and the fake members forged
 * records may add: a member refused for room would make the liveness
 * bounds unmeetable by construction, not by a bug.  One draw in eight is
 * exactly that, so the table's last slot is used too. */
static hs_status draw_limits(const simopt *o, rng *r, swim_config *out, char *err,
                             size_t err_cap)
{
    const cfgkey_table *t = swim_config_keys();
    uint64_t members_min = (uint64_t)o->nodes - 1 + o->forge_fakes;
    members_min = members_min > 0 ? members_min : 1;
    bool exact = rng_below(r, 8) == 0;
    uint64_t members_hi = 1024 > members_min ? 1024 : members_min + 1;
    /* One statement per draw: the order of the expressions in an
     * initializer list is unspecified in C, and the draws must come in the
     * same order from every compiler. */
    uint64_t gossip_cap = draw_log(r, 2, 1000);
    uint64_t relays_cap = draw_log(r, 1, 100);
    uint64_t burst = draw_log(r, 1, 40);
    uint64_t per_sec = draw_log(r, 1, 20);
    uint64_t members_cap = exact ? members_min : draw_log(r, members_min + 1, members_hi);
    uint64_t retention = rng_range(r, (uint64_t)out->gossip_max_age_ms + 1000,
                                   (uint64_t)out->gossip_max_age_ms + 60000);
    struct {
        const char *key;
        uint64_t value;
    } limits[] = {
        {"gossip_cap", gossip_cap},        {"relays_cap", relays_cap},
        {"unknown_reply_burst", burst},    {"unknown_reply_per_sec", per_sec},
        {"members_cap", members_cap},      {"dead_retention_ms", retention},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(limits); i++) {
        hs_status st = cfgkey_set_number(t, out, limits[i].key, limits[i].value, err, err_cap);
        if (st != HS_OK) {
            return st;
        }
    }
    HS_ASSERT(out->members_cap >= members_min);
    return HS_OK;
}

hs_status simopt_draw_swim(const simopt *o, swim_config *out, char *err, size_t err_cap)
{
    rng r;
    rng_derive(&r, o->seed, rng_label("swim"));
    swim_config_defaults(out);
    const cfgkey_table *t = swim_config_keys();
    for (size_t i = 0; i < HS_ARRAY_LEN(swim_draws); i++) {
        uint64_t v = rng_range(&r, swim_draws[i].lo, swim_draws[i].hi);
        hs_status st = cfgkey_set_number(t, out, swim_draws[i].key, v, err, err_cap);
        if (st != HS_OK) {
            return st;
        }
    }
    hs_status limits = draw_limits(o, &r, out, err, err_cap);
    if (limits != HS_OK) {
        return limits;
    }
    uint32_t lo = model_timeout_min_ms(o);
    uint32_t share = (uint32_t)(out->probe_interval_ms * rng_range(&r, 20, 60) / 100);
    uint64_t timeout = share > lo ? share : lo;
    hs_status st = cfgkey_set_number(t, out, "probe_timeout_ms", timeout, err, err_cap);
    if (st == HS_OK && timeout >= out->probe_interval_ms) {
        /* Slow links: the period grows to keep the indirect phase inside it. */
        st = cfgkey_set_number(t, out, "probe_interval_ms", 2 * timeout, err, err_cap);
    }
    if (st == HS_OK && rng_below(&r, 8) == 0) {
        /* A rule between keys at its valid edge: a constant join backoff,
         * which a comparison written the wrong way round would refuse. */
        st = cfgkey_set_number(t, out, "join_retry_max_ms", out->join_retry_min_ms, err,
                               err_cap);
    }
    char why[SIMOPT_ERR_MAX - 40];
    if (st == HS_OK && swim_config_explain(out, why, sizeof(why)) != HS_OK) {
        snprintf(err, err_cap, "drawn SWIM settings refused: %s", why);
        st = HS_ERR_INVALID;
    }
    return st;
}

void simopt_usage(FILE *f)
{
    fprintf(f, "  --seed N                 u64, or a 40-hex-digit git commit (required)\n");
    fprintf(f, "  --faults P               none | default | heavy (default: default)\n");
    for (uint32_t k = 0; k < FLAG_COUNT; k++) {
        fprintf(f, "  --%-22s %s\n", flag_rows[k].name, flag_rows[k].help);
    }
    fprintf(f, "  --swim-KEY N             any [swim] key (hsnode --help lists them with "
               "ranges and defaults)\n");
}
