/* hsim shrink: the delta-debugging loop and the regression test writer
 * (simshrink.h). */
#include "simshrink.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"
#include "simsched.h"
#include "simstory.h"

typedef struct {
    simopt_args start;
    const simshrink_limits *lim;
    simshrink_result *r;
    uint64_t cpu0_ns;
    bool fine;   /* bisect between the rungs of the node and time ladders */
    bool strict; /* the next candidate must fail in fewer events, not as many */
} shrink;

static uint64_t children_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
        return 0;
    }
    uint64_t us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
                  (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
    return us * HS_NS_PER_US;
}

void simshrink_signature(int32_t outcome, const char *detail, char *out, size_t cap)
{
    HS_ASSERT(detail != NULL && out != NULL && cap > 0);
    /* "member_timers at 24461.348 ms: ..." -> "member_timers";
     * "assertion failed: X at f.c:12 (simulated ...)" -> up to " (simulated". */
    const char *end = outcome == SIMSWEEP_CRASH ? strstr(detail, " (simulated")
                                                : strstr(detail, " at ");
    size_t len = end != NULL ? (size_t)(end - detail) : strlen(detail);
    snprintf(out, cap, "%.*s", (int)len, detail);
    HS_ASSERT(strlen(out) < cap);
}

/* The simulated time in a failure's detail, in ns (0 when absent). */
static uint64_t detail_time_ns(int32_t outcome, const char *detail)
{
    const char *p = strstr(detail, outcome == SIMSWEEP_CRASH ? "(simulated " : " at ");
    if (p == NULL) {
        return 0;
    }
    p += outcome == SIMSWEEP_CRASH ? strlen("(simulated ") : strlen(" at ");
    unsigned long long ms = 0;
    unsigned us = 0;
    if (sscanf(p, "%llu.%3u ms", &ms, &us) != 2) {
        return 0;
    }
    return (uint64_t)ms * HS_NS_PER_MS + (uint64_t)us * HS_NS_PER_US;
}

static bool out_of_budget(shrink *k)
{
    simshrink_result *r = k->r;
    r->cpu_ns = children_cpu_ns() - k->cpu0_ns;
    if (r->runs >= k->lim->max_runs || r->cpu_ns >= k->lim->budget_ns) {
        r->budget_hit = true;
    }
    return r->budget_hit;
}

/* Runs cand in a child; true when it fails with the same signature in no
 * more events than the best so far (fewer when k->strict; res then holds
 * its record). */
static bool fails_same(shrink *k, const simopt *cand, simsweep_result *res)
{
    char err[SIMOPT_ERR_MAX];
    if (out_of_budget(k) || simopt_check(cand, err, sizeof(err)) != HS_OK) {
        return false;
    }
    simopt_args a;
    simopt_args_for(&k->start, cand, &a);
    k->r->runs++;
    /* A candidate may not outrun the budget: one that would is ended by
     * the kernel and counts as not failing the same way. */
    uint64_t left_s = (k->lim->budget_ns - k->r->cpu_ns) / HS_NS_PER_SEC; /* down: stay inside */
    simsweep_set_child_cpu_s(left_s > 0 ? left_s : 1);
    hs_status st = simsweep_sweep(&a, cand->seed, cand->seed, 1, res, NULL);
    simsweep_set_child_cpu_s(0);
    if (st != HS_OK || res->done == 0) {
        return false;
    }
    char sig[SIMSWEEP_DETAIL_MAX];
    simshrink_signature(res->outcome, res->detail, sig, sizeof(sig));
    return res->outcome == k->r->outcome && strcmp(sig, k->r->signature) == 0 &&
           (k->strict ? res->events < k->r->events_best : res->events <= k->r->events_best);
}

/* Makes cand the best: re-resolved, so the fields that follow from others
 * (the SWIM draw, perm_down's clamp) are what the child ran. */
static void keep(shrink *k, const simopt *cand, const simsweep_result *res, const char *what)
{
    simshrink_result *r = k->r;
    simopt_args a;
    simopt_args_for(&k->start, cand, &a);
    char err[SIMOPT_ERR_MAX];
    hs_status st = simopt_resolve_seed(&a, cand->seed, &r->best, err, sizeof(err));
    HS_ASSERT(st == HS_OK); /* the child resolved the same args */
    r->events_best = res->events;
    r->actions_best = res->sched_drawn;
    snprintf(r->detail_best, sizeof(r->detail_best), "%s", res->detail);
    if (k->lim->log != NULL) {
        fprintf(k->lim->log, "shrink: %-34s -> %llu events (run %u)\n", what,
                (unsigned long long)res->events, r->runs);
        fflush(k->lim->log);
    }
}

#define SOPT(f) offsetof(simopt, f)

static uint32_t *opt_field(simopt *o, size_t offset)
{
    return (uint32_t *)((uint8_t *)o + offset);
}

/* Runs best with the field at offset (nodes or time_s) set to v; keeps it
 * when it still fails the same way.  Fewer nodes draw another schedule. */
static bool try_size(shrink *k, size_t offset, uint32_t v, const char *flag)
{
    HS_ASSERT(offset == SOPT(nodes) || offset == SOPT(time_s));
    simopt cand = k->r->best;
    *opt_field(&cand, offset) = v;
    if (offset == SOPT(nodes)) {
        uint32_t limit = cand.nodes > 2 ? cand.nodes - 2 : 0;
        cand.perm_down = cand.perm_down > limit ? limit : cand.perm_down;
        cand.keep_actions[0] = '\0';
    }
    simsweep_result res;
    if (!fails_same(k, &cand, &res)) {
        return false;
    }
    char what[64];
    snprintf(what, sizeof(what), "%s %u", flag, v);
    keep(k, &cand, &res, what);
    return true;
}

/* Bisection steps between two rungs of a ladder. */
#define SHRINK_LADDER_BISECT_STEPS 3

/* The smallest value on ladder (ascending) below the current one at which
 * the run still fails the same way, then (k->fine) values between it and
 * the rung below it (which did not) by bisection. */
static bool shrink_ladder(shrink *k, size_t offset, const uint32_t *ladder, size_t n,
                          const char *flag)
{
    uint32_t below = 0; /* the largest value tried that did not fail the same way */
    bool changed = false;
    for (size_t i = 0; i < n && ladder[i] < *opt_field(&k->r->best, offset); i++) {
        if (try_size(k, offset, ladder[i], flag)) {
            changed = true;
            break;
        }
        below = ladder[i];
    }
    for (int step = 0; k->fine && step < SHRINK_LADDER_BISECT_STEPS && below != 0; step++) {
        uint32_t cur = *opt_field(&k->r->best, offset);
        HS_ASSERT(below < cur);
        uint32_t mid = below + (cur - below) / 2;
        if (mid == below) {
            break;
        }
        if (try_size(k, offset, mid, flag)) {
            changed = true;
        } else {
            below = mid;
        }
    }
    return changed;
}

static bool shrink_nodes(shrink *k)
{
    static const uint32_t sizes[] = {1,  2,  3,  4,  5,  6,   7,   8,   10,  12,  16,
                                     24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768};
    return shrink_ladder(k, SOPT(nodes), sizes, HS_ARRAY_LEN(sizes), "--nodes");
}

/* A shorter safety phase draws a prefix of the same schedule. */
static bool shrink_time(shrink *k)
{
    static const uint32_t secs[] = {1, 2, 3, 5, 8, 12, 20, 30, 45, 60, 90, 120, 180, 300, 600};
    return shrink_ladder(k, SOPT(time_s), secs, HS_ARRAY_LEN(secs), "--time");
}

/* A simplification: field at offset set to value, or to the field at
 * same_as (latency mean to its minimum). */
typedef struct {
    const char *flag;
    size_t offset;
    size_t same_as; /* SIZE_MAX: value */
    uint32_t value;
} simplify_row;

static const simplify_row simplify_rows[] = {
    {"--partition-every-ms 0", SOPT(partition_every_ms), SIZE_MAX, 0},
    {"--crash-every-ms 0", SOPT(crash_every_ms), SIZE_MAX, 0},
    {"--op-every-ms 0", SOPT(op_every_ms), SIZE_MAX, 0},
    {"--forge-ppm 0", SOPT(forge_ppm), SIZE_MAX, 0},
    {"--forge-tcp-ppm 0", SOPT(forge_tcp_ppm), SIZE_MAX, 0},
    {"--crash-write-ppm 0", SOPT(crash_write_ppm), SIZE_MAX, 0},
    {"--perm-down 0", SOPT(perm_down), SIZE_MAX, 0},
    {"--loss-ppm 0", SOPT(loss_ppm), SIZE_MAX, 0},
    {"--dup-ppm 0", SOPT(dup_ppm), SIZE_MAX, 0},
    {"--reorder-ppm 0", SOPT(reorder_ppm), SIZE_MAX, 0},
    {"--tail-ppm 0", SOPT(tail_ppm), SIZE_MAX, 0},
    {"--disk-fail-ppm 0", SOPT(disk_fail_ppm), SIZE_MAX, 0},
    {"--disk-read-fail-ppm 0", SOPT(disk_read_fail_ppm), SIZE_MAX, 0},
    {"--torn-ppm 0", SOPT(torn_ppm), SIZE_MAX, 0},
    {"--alloc-fail-ppm 0", SOPT(alloc_fail_ppm), SIZE_MAX, 0},
    {"--inc-high-ppm 0", SOPT(inc_high_ppm), SIZE_MAX, 0},
    {"--stale-slot-ppm 0", SOPT(stale_slot_ppm), SIZE_MAX, 0},
    {"--newer-ppm 0", SOPT(newer_ppm), SIZE_MAX, 0},
    {"--timer-refuse-ppm 0", SOPT(timer_refuse_ppm), SIZE_MAX, 0},
    {"--outbox-squeeze-ppm 0", SOPT(outbox_squeeze_ppm), SIZE_MAX, 0},
    {"--late-timer-ppm 0", SOPT(late_timer_ppm), SIZE_MAX, 0},
    {"--drift-max-ppm 0", SOPT(drift_max_ppm), SIZE_MAX, 0},
    {"--offset-max-ms 0", SOPT(offset_max_ms), SIZE_MAX, 0},
    {"--start-spread-ms 0", SOPT(start_spread_ms), SIZE_MAX, 0},
    {"--swim-draw 0", SOPT(swim_draw), SIZE_MAX, 0},
    {"--join-seeds 1", SOPT(join_seeds), SIZE_MAX, 1},
    {"latency mean = minimum", SOPT(latency_mean_us), SOPT(latency_min_us), 0},
    {"disk mean = minimum", SOPT(disk_mean_us), SOPT(disk_min_us), 0},
};

/* schedule_fixed: the fault schedule is already cut down to kept actions;
 * leave alone what would draw another one. */
static bool shrink_options(shrink *k, bool schedule_fixed)
{
    bool changed = false;
    for (size_t i = 0; i < HS_ARRAY_LEN(simplify_rows); i++) {
        const simplify_row *row = &simplify_rows[i];
        bool draws = row->offset == SOPT(partition_every_ms) ||
                     row->offset == SOPT(crash_every_ms);
        if (schedule_fixed && draws) {
            continue;
        }
        simopt cand = k->r->best;
        uint32_t to = row->same_as == SIZE_MAX ? row->value : *opt_field(&cand, row->same_as);
        if (*opt_field(&cand, row->offset) == to) {
            continue;
        }
        *opt_field(&cand, row->offset) = to;
        if (draws) {
            cand.keep_actions[0] = '\0';
        }
        simsweep_result res;
        if (fails_same(k, &cand, &res)) {
            keep(k, &cand, &res, row->flag);
            changed = true;
        }
    }
    return changed;
}

/* SWIM settings, each moved toward the value that makes a failing run
 * shortest: most toward their minimum or another key's value (a liveness
 * failure cannot come before its deadline, which the suspicion multiplier
 * and the reconnect interval stretch; a reap waits dead_retention, which
 * must exceed gossip_max_age; a join retry waits its backoff; ping-req
 * proxies and gossip retransmissions are messages), the push-pull, probe
 * and reconnect periods toward their maximum (fewer rounds before a fault
 * that comes at a fixed time, or while a node is down; a deadline counted
 * in probe periods keeps its inputs).  The target is tried first, then values between it and the
 * current one by bisection (geometric over a wide range). */
typedef struct {
    const char *key;
    const char *same_as; /* NULL: the key's minimum, or its maximum when up */
    uint32_t plus;       /* added to same_as's value (a rule "must exceed") */
    bool up;
} swim_row;

static const swim_row swim_rows[] = {
    {"suspicion_mult", NULL, 0, false},
    {"reconnect_interval_ms", "probe_interval_ms", 0, false},
    {"join_retry_min_ms", NULL, 0, false},
    {"join_retry_max_ms", "join_retry_min_ms", 0, false},
    {"indirect_checks", NULL, 0, false},
    {"retransmit_mult", NULL, 0, false},
    {"gossip_max_age_ms", NULL, 0, false},
    {"dead_retention_ms", "gossip_max_age_ms", 1, false},
    {"sync_interval_ms", NULL, 0, true},
    {"probe_interval_ms", NULL, 0, true},
    {"reconnect_interval_ms", NULL, 0, true},
};

/* How far up a setting is first tried: its maximum, or this many times
 * its value (a day-long reconnect interval is a day-long deadline, long
 * to run for a candidate that passes). */
#define SHRINK_SWIM_UP_FACTOR 64u

/* Bisection steps per key and pass: each is one candidate run. */
#define SHRINK_SWIM_BISECT_STEPS 6

/* Between a and b, a != b: their geometric mean when they are far apart
 * (ranges span up to eight decades), else the midpoint. */
static uint64_t between(uint64_t a, uint64_t b)
{
    uint64_t lo = a < b ? a : b;
    uint64_t hi = a < b ? b : a;
    HS_ASSERT(lo < hi && hi <= UINT32_MAX);
    if (lo == 0 || hi / lo < 4) {
        return lo + (hi - lo) / 2;
    }
    uint64_t product = lo * hi;
    uint64_t root = hi; /* Newton's method from above: floor(sqrt(product)) */
    for (uint64_t next = (root + product / root) / 2; next < root;
         next = (root + product / root) / 2) {
        root = next;
    }
    HS_ASSERT(root >= lo && root < hi);
    return root;
}

/* Runs best with the SWIM settings sw; keeps them when it still fails. */
static bool try_swim(shrink *k, const swim_config *sw, const char *what)
{
    simopt cand = k->r->best;
    cand.swim = *sw;
    simsweep_result res;
    if (swim_config_check(&cand.swim) != HS_OK || !fails_same(k, &cand, &res)) {
        return false;
    }
    keep(k, &cand, &res, what);
    return true;
}

/* Runs best with key set to value. */
static bool try_swim_key(shrink *k, const swim_row *row, uint64_t value)
{
    const cfgkey_table *t = swim_config_keys();
    swim_config sw = k->r->best.swim;
    if (cfgkey_set_number(t, &sw, row->key, value, NULL, 0) != HS_OK) {
        return false;
    }
    char what[64];
    snprintf(what, sizeof(what), "--swim-%s %llu", row->key, (unsigned long long)value);
    return try_swim(k, &sw, what);
}

static bool shrink_swim_key(shrink *k, const swim_row *row)
{
    const cfgkey_table *t = swim_config_keys();
    int32_t key = cfgkey_find(t, row->key);
    HS_ASSERT(key >= 0);
    const cfgkey *d = &t->keys[key];
    uint64_t good = cfgkey_get_number(t, &k->r->best.swim, (uint32_t)key);
    uint64_t bad = row->up ? d->max : d->min;
    if (row->up && bad / SHRINK_SWIM_UP_FACTOR > good) {
        bad = good * SHRINK_SWIM_UP_FACTOR;
    }
    if (row->same_as != NULL) {
        int32_t other = cfgkey_find(t, row->same_as);
        HS_ASSERT(other >= 0);
        bad = cfgkey_get_number(t, &k->r->best.swim, (uint32_t)other) + row->plus;
    }
    if (good == bad || (row->up ? bad < good : bad > good)) {
        return false;
    }
    if (try_swim_key(k, row, bad)) {
        return true;
    }
    bool changed = false;
    for (int i = 0; i < SHRINK_SWIM_BISECT_STEPS; i++) {
        uint64_t mid = between(good, bad);
        if (mid == good || mid == bad) {
            break;
        }
        if (try_swim_key(k, row, mid)) {
            good = mid;
            changed = true;
        } else {
            bad = mid;
        }
    }
    return changed;
}

static bool shrink_swim(shrink *k)
{
    swim_config defaults;
    swim_config_defaults(&defaults);
    bool changed = memcmp(&defaults, &k->r->best.swim, sizeof(defaults)) != 0 &&
                   try_swim(k, &defaults, "SWIM settings: the defaults");
    for (size_t i = 0; i < HS_ARRAY_LEN(swim_rows); i++) {
        /* A setting moved up must pay for itself: as many events is no
         * simpler, and the reconnect period would swing up and down. */
        k->strict = swim_rows[i].up;
        changed = shrink_swim_key(k, &swim_rows[i]) || changed;
        k->strict = false;
    }
    return changed;
}

/* ------------------------------------------------------------------ */
/* ddmin over the fault schedule                                       */

/* "none", or the indices as ascending ranges; false when it does not fit. */
static bool keep_spec(const uint32_t *idx, uint32_t n, char *out, size_t cap)
{
    HS_ASSERT(cap >= 8);
    if (n == 0) {
        snprintf(out, cap, "none");
        return true;
    }
    size_t used = 0;
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j + 1 < n && idx[j + 1] == idx[j] + 1) {
            j++;
        }
        int w = j > i ? snprintf(out + used, cap - used, "%s%u-%u", i ? "," : "", idx[i], idx[j])
                      : snprintf(out + used, cap - used, "%s%u", i ? "," : "", idx[i]);
        if (w < 0 || (size_t)w >= cap - used) {
            return false;
        }
        used += (size_t)w;
        i = j + 1;
    }
    HS_ASSERT(simopt_keep_valid(out));
    return true;
}

/* Tries the schedule kept to idx[0..n); keeps it when it still fails. */
static bool try_actions(shrink *k, const uint32_t *idx, uint32_t n)
{
    simopt cand = k->r->best;
    if (!keep_spec(idx, n, cand.keep_actions, sizeof(cand.keep_actions))) {
        return false;
    }
    simsweep_result res;
    if (!fails_same(k, &cand, &res)) {
        return false;
    }
    char what[64];
    snprintf(what, sizeof(what), "fault schedule: %u actions kept", n);
    keep(k, &cand, &res, what);
    return true;
}

/* Copies list minus its chunk [a, b) into out; returns the new length. */
static uint32_t without(const uint32_t *list, uint32_t n, uint32_t a, uint32_t b, uint32_t *out)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i < a || i >= b) {
            out[m++] = list[i];
        }
    }
    HS_ASSERT(m == n - (b - a));
    return m;
}

/* One ddmin round at granularity g: a chunk alone, then a complement.
 * Returns the new granularity, or 0 when nothing was reduced. */
static uint32_t ddmin_round(shrink *k, uint32_t *list, uint32_t *n, uint32_t g, uint32_t *tmp)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t c = 0; c < g; c++) {
            uint32_t a = (uint32_t)((uint64_t)*n * c / g);
            uint32_t b = (uint32_t)((uint64_t)*n * (c + 1) / g);
            if (a == b) {
                continue;
            }
            uint32_t m = pass == 0 ? b - a : without(list, *n, a, b, tmp);
            if (pass == 0) {
                memcpy(tmp, list + a, sizeof(*tmp) * m);
            }
            if (try_actions(k, tmp, m)) {
                memcpy(list, tmp, sizeof(*tmp) * m);
                *n = m;
                return pass == 0 ? 2 : (g > 2 ? g - 1 : 2);
            }
        }
    }
    return 0;
}

static hs_status shrink_schedule(shrink *k)
{
    uint32_t drawn = k->r->actions_best;
    if (drawn == 0) {
        return HS_OK;
    }
    uint32_t *list = calloc(drawn, sizeof(*list));
    uint32_t *tmp = calloc(drawn, sizeof(*tmp));
    if (list == NULL || tmp == NULL) {
        free(list);
        free(tmp);
        return HS_ERR_NOMEM;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < drawn; i++) {
        if (simopt_keep_has(k->r->best.keep_actions, i)) {
            list[n++] = i;
        }
    }
    if (n > 0 && !try_actions(k, list, 0)) {
        for (uint32_t g = 2; n >= 2 && !k->r->budget_hit;) {
            uint32_t next = ddmin_round(k, list, &n, g < n ? g : n, tmp);
            if (next == 0) {
                if (g >= n) {
                    break;
                }
                next = g * 2 < n ? g * 2 : n;
            }
            g = next;
        }
    }
    free(list);
    free(tmp);
    return HS_OK;
}

static hs_status shrink_start(shrink *k, char *err, size_t err_cap)
{
    simshrink_result *r = k->r;
    if (simopt_resolve(&k->start, &r->first, err, err_cap) != HS_OK) {
        return HS_ERR_INVALID;
    }
    simsweep_result res;
    hs_status st = simsweep_sweep(&k->start, r->first.seed, r->first.seed, 1, &res, NULL);
    if (st != HS_OK) {
        snprintf(err, err_cap, "cannot run the failing run: %s", hs_status_name(st));
        return st;
    }
    r->runs = 1;
    if (res.outcome != SIMSWEEP_FAIL && res.outcome != SIMSWEEP_CRASH) {
        snprintf(err, err_cap, "the run %s: nothing to shrink",
                 res.outcome == SIMSWEEP_PASS ? "passes" : "cannot be set up");
        return HS_ERR_INVALID;
    }
    r->outcome = res.outcome;
    simshrink_signature(res.outcome, res.detail, r->signature, sizeof(r->signature));
    snprintf(r->detail_first, sizeof(r->detail_first), "%s", res.detail);
    r->best = r->first;
    r->events_first = r->events_best = res.events;
    r->events_whole = res.events;
    if (k->start.stop_at_violation) {
        simopt_args whole = k->start;
        whole.stop_at_violation = false;
        simsweep_result all;
        if (simsweep_sweep(&whole, r->first.seed, r->first.seed, 1, &all, NULL) == HS_OK &&
            all.done != 0) {
            r->events_whole = all.events;
            r->runs++;
        }
    }
    r->actions_first = res.sched_drawn;
    keep(k, &r->first, &res, "the failing run");
    return HS_OK;
}

/* One descent from the best so far: sizes, options and SWIM settings
 * while they change something, the schedule, then what keeps it. */
static hs_status shrink_descend(shrink *k, char *err, size_t err_cap)
{
    for (int round = 0; round < 4 && !k->r->budget_hit; round++) {
        bool changed = shrink_nodes(k);
        changed = shrink_time(k) || changed;
        changed = shrink_options(k, false) || changed;
        changed = shrink_swim(k) || changed;
        if (!changed) {
            break;
        }
    }
    hs_status st = shrink_schedule(k);
    if (st != HS_OK) {
        snprintf(err, err_cap, "cannot shrink the schedule: %s", hs_status_name(st));
        return st;
    }
    /* With fewer actions the failure may come sooner: a shorter safety
     * phase keeps the kept indices (the schedule is drawn in time order, so
     * a shorter phase draws a prefix of it), and so do the simplifications
     * that draw no schedule (shrink_options skips the two that do). */
    for (int round = 0; round < 2 && !k->r->budget_hit; round++) {
        bool changed = shrink_time(k);
        changed = shrink_options(k, true) || changed;
        changed = shrink_swim(k) || changed;
        if (!changed) {
            break;
        }
    }
    return HS_OK;
}

hs_status simshrink_run(const simopt_args *start, const simshrink_limits *lim,
                        simshrink_result *out, char *err, size_t err_cap)
{
    HS_ASSERT(start != NULL && lim != NULL && out != NULL);
    HS_ASSERT(lim->max_runs > 0 && lim->budget_ns > 0);
    memset(out, 0, sizeof(*out));
    shrink k = {*start, lim, out, children_cpu_ns(), false, false};
    hs_status st = shrink_start(&k, err, err_cap);
    if (st != HS_OK) {
        return st;
    }
    /* Each step is greedy, so where the descent ends depends on its path:
     * a second descent from the failing run bisects between the rungs of
     * the size ladders too (a different path, not always a better end),
     * and the shorter of the two shrunk runs is kept. */
    simshrink_result *origin = malloc(sizeof(*origin));
    simshrink_result *coarse = malloc(sizeof(*coarse));
    if (origin == NULL || coarse == NULL) {
        free(origin);
        free(coarse);
        snprintf(err, err_cap, "cannot shrink: %s", hs_status_name(HS_ERR_NOMEM));
        return HS_ERR_NOMEM;
    }
    *origin = *out;
    st = shrink_descend(&k, err, err_cap);
    if (st == HS_OK && !out->budget_hit) {
        *coarse = *out;
        *out = *origin;
        out->runs = coarse->runs;
        k.fine = true;
        if (lim->log != NULL) {
            fprintf(lim->log, "shrink: again from the failing run (%llu events so far), "
                              "bisecting the ladders\n",
                    (unsigned long long)coarse->events_best);
        }
        st = shrink_descend(&k, err, err_cap);
        if (st == HS_OK && coarse->events_best < out->events_best) {
            uint32_t runs = out->runs;
            bool hit = out->budget_hit;
            *out = *coarse;
            out->runs = runs;
            out->budget_hit = hit;
        }
    }
    free(origin);
    free(coarse);
    if (st != HS_OK) {
        return st;
    }
    simopt_args_for(&k.start, &out->best, &out->best_args);
    for (uint32_t i = 0; i < out->actions_best; i++) {
        out->actions_kept += simopt_keep_has(out->best.keep_actions, i) ? 1u : 0u;
    }
    out->fail_ns = detail_time_ns(out->outcome, out->detail_best);
    out->cpu_ns = children_cpu_ns() - k.cpu0_ns;
    return HS_OK;
}
