/* Seed sweeps and determinism double-runs in forked children. */
#include "simsweep.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

/* ------------------------------------------------------------------ */
/* One run                                                             */

static void write_roll(void *ctx, uint64_t index, uint64_t roll)
{
    HS_UNUSED(index);
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(roll >> (8 * i));
    }
    (void)fwrite(b, 1, sizeof(b), (FILE *)ctx);
}

void simsweep_run_seed(const simopt_args *a, uint64_t seed, FILE *rolls, uint64_t perturb_event,
                       simsweep_result *r)
{
    memset(r, 0, sizeof(*r));
    r->seed = seed;
    simopt o;
    if (simopt_resolve_seed(a, seed, &o, r->detail, sizeof(r->detail)) != HS_OK) {
        r->outcome = SIMSWEEP_ERROR;
        return;
    }
    sim *s = NULL;
    hs_status st = sim_create(&o, &s);
    if (st != HS_OK) {
        r->outcome = SIMSWEEP_ERROR;
        snprintf(r->detail, sizeof(r->detail), "sim_create: %s", hs_status_name(st));
        return;
    }
    if (rolls != NULL) {
        sim_set_event_hook(s, write_roll, rolls);
    }
    sim_set_perturb_event(s, perturb_event);
    sim_set_crash_at_event(s, a->crash_at_event);
    sim_set_lose_timer(s, a->lose_timer);
    sim_set_stop_at_violation(s, a->stop_at_violation);
    st = sim_run(s);
    if (st != HS_OK) {
        r->outcome = SIMSWEEP_ERROR;
        snprintf(r->detail, sizeof(r->detail), "sim_run: %s", hs_status_name(st));
        sim_destroy(s);
        return;
    }
    sim_result res;
    sim_result_get(s, &res);
    r->events = res.events;
    r->sim_ns = res.sim_time_ns;
    r->hash = res.trace_hash;
    r->violations = res.violations;
    r->sched_drawn = res.sched_drawn;
    memcpy(r->probes, res.probes, sizeof(r->probes));
    r->outcome = res.violations == 0 ? SIMSWEEP_PASS : SIMSWEEP_FAIL;
    if (sim_violation_count(s) > 0) {
        const simcheck_violation *v = sim_violation(s, 0);
        char origin[256];
        sim_violation_origin(s, v, origin, sizeof(origin));
        int n = snprintf(r->detail, sizeof(r->detail), "%s at %llu.%03llu ms: %s",
                         simcheck_name(v->invariant),
                         (unsigned long long)(v->time_ns / HS_NS_PER_MS),
                         (unsigned long long)((v->time_ns / HS_NS_PER_US) % 1000), v->detail);
        size_t used = n < 0 ? 0 : (size_t)n;
        if (origin[0] != '\0' && used + 4 < sizeof(r->detail)) {
            size_t room = sizeof(r->detail) - used - 4;
            snprintf(r->detail + used, sizeof(r->detail) - used, " (%.*s)", (int)room, origin);
        }
    }
    sim_destroy(s);
}

/* ------------------------------------------------------------------ */
/* The fork pool                                                       */

typedef void (*task_fn)(void *ctx, uint32_t task, simsweep_result *r);

static void write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static size_t read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    return got;
}

typedef struct {
    pid_t pid;
    int fd;
    uint32_t task;
} slot;

/* A child's assertion: its record goes to the parent like any result,
 * with the assertion text and where the run was, instead of a bare
 * "died on signal 6". */
typedef struct {
    int fd;
    uint32_t task;
    uint64_t seed;
} child_crash;

static void child_assert_hook(void *ctx, const char *expr, const char *file, int line)
{
    const child_crash *cc = ctx;
    simsweep_result r;
    memset(&r, 0, sizeof(r));
    r.seed = cc->seed;
    r.run = cc->task % 2;
    r.outcome = SIMSWEEP_CRASH;
    sim_where w = {0, 0, 0, -1, 0};
    if (sim_current() != NULL) {
        sim_where_get(sim_current(), &w);
    }
    char where[16];
    sim_where_node_text(&w, where, sizeof(where));
    r.events = w.events;
    r.sim_ns = w.now_ns;
    r.sched_drawn = w.sched_drawn;
    snprintf(r.detail, sizeof(r.detail),
             "assertion failed: %s at %s:%d (simulated %llu.%03llu ms, input %llu, %s)", expr,
             file, line, (unsigned long long)(w.now_ns / HS_NS_PER_MS),
             (unsigned long long)((w.now_ns / HS_NS_PER_US) % 1000),
             (unsigned long long)(w.events + 1), where);
    write_all(cc->fd, &r, sizeof(r));
    close(cc->fd);
    _exit(0);
}

static void describe_death(int status, simsweep_result *r)
{
    r->outcome = SIMSWEEP_CRASH;
    if (WIFSIGNALED(status)) {
        snprintf(r->detail, sizeof(r->detail), "run died on signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(r->detail, sizeof(r->detail), "run exited with status %d before reporting",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

/* Ends the pool on an error: kills and reaps every child still running
 * and closes its pipe, so a failed pipe(), fork() or waitpid() leaves no
 * orphans computing seeds nobody will read and no leaked fds. */
static void pool_abort(slot *slots, uint32_t jobs)
{
    for (uint32_t k = 0; k < jobs; k++) {
        if (slots[k].pid != 0) {
            (void)kill(slots[k].pid, SIGKILL);
        }
    }
    for (uint32_t k = 0; k < jobs; k++) {
        if (slots[k].pid == 0) {
            continue;
        }
        int status = 0;
        while (waitpid(slots[k].pid, &status, 0) < 0 && errno == EINTR) {
        }
        close(slots[k].fd);
        slots[k].pid = 0;
    }
    free(slots);
}

static bool interrupted(const simsweep_watch *w)
{
    return w != NULL && w->interrupt != NULL && *w->interrupt != 0;
}

static uint64_t child_cpu_s; /* simsweep_set_child_cpu_s; 0: none */

void simsweep_set_child_cpu_s(uint64_t seconds)
{
    child_cpu_s = seconds;
    HS_ASSERT(child_cpu_s == seconds);
}

/* Starts task `task` in a child on a free slot; HS_ERR_IO when pipe() or
 * fork() fails. */
static hs_status pool_start(slot *slots, uint32_t task, task_fn fn, void *ctx,
                            const uint64_t *seeds)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return HS_ERR_IO;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return HS_ERR_IO;
    }
    if (pid == 0) {
        (void)signal(SIGINT, SIG_DFL);
        close(fds[0]);
        if (child_cpu_s != 0) {
            struct rlimit cpu = {(rlim_t)child_cpu_s, (rlim_t)child_cpu_s + 1};
            (void)setrlimit(RLIMIT_CPU, &cpu); /* best effort: the budget still holds */
        }
        child_crash cc = {fds[1], task, seeds[task]};
        hs_assert_set_hook(child_assert_hook, &cc);
        simsweep_result r;
        fn(ctx, task, &r);
        write_all(fds[1], &r, sizeof(r));
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    uint32_t k = 0;
    while (slots[k].pid != 0) {
        k++;
    }
    slots[k] = (slot){pid, fds[0], task};
    return HS_OK;
}

/* Kills every child still running; their records are then discarded. */
static void pool_kill(const slot *slots, uint32_t jobs)
{
    for (uint32_t k = 0; k < jobs; k++) {
        if (slots[k].pid != 0) {
            (void)kill(slots[k].pid, SIGKILL);
        }
    }
}

/* Reads the record of the child on slot k, which exited with status;
 * false when the sweep is stopping and the record is to be dropped. */
static bool pool_collect(slot *sl, int status, const uint64_t *seeds, simsweep_result *r,
                         bool stopping)
{
    bool full = read_all(sl->fd, r, sizeof(*r)) == sizeof(*r);
    close(sl->fd);
    sl->pid = 0;
    if (stopping) {
        return false;
    }
    if (!full) {
        memset(r, 0, sizeof(*r));
        r->seed = seeds[sl->task];
        describe_death(status, r);
    }
    r->done = 1;
    return true;
}

/* Runs tasks 0..count-1 in children, jobs at a time; results[task].  A
 * watch's on_result returning false, or its interrupt flag, stops the pool:
 * no new child starts and the running ones are killed. */
static hs_status fork_pool(uint32_t count, uint32_t jobs, task_fn fn, void *ctx,
                           const uint64_t *seeds, simsweep_result *results,
                           simsweep_watch *watch)
{
    jobs = jobs == 0 ? 1 : jobs;
    slot *slots = calloc(jobs, sizeof(slot));
    if (slots == NULL) {
        return HS_ERR_NOMEM;
    }
    fflush(stdout);
    fflush(stderr);
    uint32_t next = 0;
    uint32_t running = 0;
    bool stopping = false;
    while ((next < count && !stopping) || running > 0) {
        if (!stopping && interrupted(watch)) {
            stopping = true;
            watch->stop = SIMSWEEP_INTERRUPTED;
            pool_kill(slots, jobs);
            continue;
        }
        while (!stopping && running < jobs && next < count) {
            if (pool_start(slots, next, fn, ctx, seeds) != HS_OK) {
                pool_abort(slots, jobs);
                return HS_ERR_IO;
            }
            running++;
            next++;
        }
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) {
                continue;
            }
            pool_abort(slots, jobs);
            return HS_ERR_IO;
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT && watch != NULL &&
            watch->interrupt != NULL) {
            *watch->interrupt = 1; /* Ctrl-C reached the child first */
        }
        stopping = stopping || interrupted(watch);
        for (uint32_t k = 0; k < jobs; k++) {
            if (slots[k].pid != pid) {
                continue;
            }
            running--;
            simsweep_result *r = &results[slots[k].task];
            if (!pool_collect(&slots[k], status, seeds, r, stopping) || watch == NULL ||
                watch->on_result == NULL || watch->on_result(watch->ctx, r)) {
                continue;
            }
            stopping = true;
            watch->stop = SIMSWEEP_STOPPED;
            pool_kill(slots, jobs);
        }
        if (stopping && watch != NULL && watch->stop == SIMSWEEP_RAN_ALL) {
            watch->stop = SIMSWEEP_INTERRUPTED;
            pool_kill(slots, jobs);
        }
    }
    free(slots);
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Sweep                                                               */

typedef struct {
    const simopt_args *a;
    const uint64_t *seeds;
    FILE **rolls; /* detcheck: one file per task */
    uint64_t perturb_event; /* detcheck self-test: applied to run B (odd tasks) */
} pool_ctx;

static void sweep_task(void *ctx, uint32_t task, simsweep_result *r)
{
    pool_ctx *p = ctx;
    FILE *rolls = p->rolls != NULL ? p->rolls[task] : NULL;
    simsweep_run_seed(p->a, p->seeds[task], rolls, task % 2 == 1 ? p->perturb_event : 0, r);
    r->run = task % 2;
    if (rolls != NULL) {
        fflush(rolls);
    }
}

hs_status simsweep_parse_range(const char *text, uint64_t *first, uint64_t *last)
{
    char buf[64];
    size_t len = text == NULL ? 0 : strlen(text);
    if (len == 0 || len >= sizeof(buf)) {
        return HS_ERR_INVALID;
    }
    memcpy(buf, text, len + 1);
    char *dots = strstr(buf, "..");
    if (dots == NULL) {
        hs_status st = simopt_parse_seed(buf, first);
        *last = *first;
        return st;
    }
    *dots = '\0';
    if (simopt_parse_seed(buf, first) != HS_OK || simopt_parse_seed(dots + 2, last) != HS_OK ||
        *last < *first || *last - *first >= SIMSWEEP_SEEDS_MAX) {
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status simsweep_sweep(const simopt_args *a, uint64_t first, uint64_t last, uint32_t jobs,
                         simsweep_result *results, simsweep_watch *watch)
{
    HS_ASSERT(last >= first && last - first < SIMSWEEP_SEEDS_MAX);
    uint32_t count = (uint32_t)(last - first + 1);
    uint64_t *seeds = calloc(count, sizeof(uint64_t));
    if (seeds == NULL) {
        return HS_ERR_NOMEM;
    }
    for (uint32_t k = 0; k < count; k++) {
        seeds[k] = first + k;
    }
    pool_ctx p = {a, seeds, NULL, 0};
    if (watch != NULL) {
        watch->stop = SIMSWEEP_RAN_ALL;
    }
    hs_status st = fork_pool(count, jobs, sweep_task, &p, seeds, results, watch);
    free(seeds);
    return st;
}

/* ------------------------------------------------------------------ */
/* Determinism check                                                   */

/* Reads the k-th (0-based) roll from a file, false past its end. */
static bool roll_at(FILE *f, uint64_t k, uint64_t *out)
{
    uint8_t b[8];
    if (fseeko(f, (off_t)(k * 8), SEEK_SET) != 0 || fread(b, 1, 8, f) != 8) {
        return false;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    *out = v;
    return true;
}

/* First 1-based event index at which the two roll files differ. */
static uint64_t first_difference(FILE *f0, FILE *f1)
{
    for (uint64_t k = 0;; k++) {
        uint64_t a = 0;
        uint64_t b = 0;
        bool ha = roll_at(f0, k, &a);
        bool hb = roll_at(f1, k, &b);
        if (!ha && !hb) {
            return 0;
        }
        if (ha != hb || a != b) {
            return k + 1;
        }
    }
}

typedef struct {
    uint64_t target;
    char buf[2048];
    size_t used;
    int fd;
} describe_ctx;

static void describe_line(void *ctx, const char *line)
{
    describe_ctx *d = ctx;
    size_t n = strlen(line);
    if (d->used + n + 2 < sizeof(d->buf)) {
        memcpy(d->buf + d->used, line, n);
        d->used += n;
        d->buf[d->used++] = '\n';
        d->buf[d->used] = '\0';
    }
}

static void describe_event(void *ctx, uint64_t index, uint64_t roll)
{
    HS_UNUSED(roll);
    describe_ctx *d = ctx;
    if (index == d->target) {
        write_all(d->fd, d->buf, d->used);
        close(d->fd);
        _exit(0);
    }
    d->used = 0;
    d->buf[0] = '\0';
}

/* Re-runs seed in a child with full tracing and captures the trace lines
 * of event `target` (those printed since the previous event); perturb is
 * the run's self-test perturbation, so its trace line shows too. */
static void describe(const simopt_args *a, uint64_t seed, uint64_t target, uint64_t perturb,
                     char *out, size_t cap)
{
    out[0] = '\0';
    int fds[2];
    if (pipe(fds) != 0) {
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        (void)signal(SIGINT, SIG_DFL);
        close(fds[0]);
        describe_ctx *d = calloc(1, sizeof(describe_ctx));
        simopt o;
        char err[SIMOPT_ERR_MAX];
        sim *s = NULL;
        if (d != NULL && simopt_resolve_seed(a, seed, &o, err, sizeof(err)) == HS_OK &&
            sim_create(&o, &s) == HS_OK) {
            d->target = target;
            d->fd = fds[1];
            sim_set_trace(s, SIM_TRACE_EVENTS | SIM_TRACE_MSGS, describe_line, d);
            sim_set_event_hook(s, describe_event, d);
            sim_set_perturb_event(s, perturb);
            hs_status st = sim_run(s); /* returns only if the target was never reached */
            HS_UNUSED(st);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    size_t got = read_all(fds[0], out, cap - 1);
    out[got] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got == 0) {
        snprintf(out, cap, "(event %llu not reached)\n", (unsigned long long)target);
    }
}

/* Compares the two runs of batch entry k into d. */
static void compare_seed(const simopt_args *a, uint64_t perturb_event, const simsweep_result *runs,
                         FILE **rolls, uint32_t k, simsweep_detcheck_result *d)
{
    memset(d, 0, sizeof(*d));
    d->seed = runs[2 * k].seed;
    for (int r = 0; r < 2; r++) {
        d->hash[r] = runs[2 * k + (uint32_t)r].hash;
        d->events[r] = runs[2 * k + (uint32_t)r].events;
        d->outcome[r] = runs[2 * k + (uint32_t)r].outcome;
    }
    d->match = d->hash[0] == d->hash[1] && d->events[0] == d->events[1] &&
               d->outcome[0] != SIMSWEEP_CRASH && d->outcome[1] != SIMSWEEP_CRASH;
    if (!d->match) {
        d->first_diff = first_difference(rolls[2 * k], rolls[2 * k + 1]);
        if (d->first_diff != 0) {
            describe(a, d->seed, d->first_diff, 0, d->where[0], sizeof(d->where[0]));
            describe(a, d->seed, d->first_diff, perturb_event, d->where[1],
                     sizeof(d->where[1]));
        }
    }
    d->done = 1;
}

typedef struct {
    uint64_t *seeds;
    FILE **rolls;
    simsweep_result *runs;
} det_batch;

/* Runs the n seeds from `from` (2n runs) and compares each seed whose two
 * runs both reported; false when the detcheck is to stop. */
static bool det_run_batch(const simopt_args *a, uint64_t from, uint32_t n, uint32_t jobs,
                          uint64_t perturb_event, det_batch *b, simsweep_detcheck_result *out,
                          simsweep_watch *watch, simsweep_seed_fn on_seed, hs_status *st)
{
    memset(b->runs, 0, 2 * n * sizeof(simsweep_result));
    for (uint32_t k = 0; k < 2 * n; k++) {
        b->seeds[k] = from + k / 2;
        b->rolls[k] = tmpfile();
        if (b->rolls[k] == NULL) {
            *st = HS_ERR_IO;
        }
    }
    if (*st == HS_OK) {
        pool_ctx p = {a, b->seeds, b->rolls, perturb_event};
        *st = fork_pool(2 * n, jobs, sweep_task, &p, b->seeds, b->runs, watch);
    }
    /* Once stopped (on_seed said so, or the pool was), no further seed is
     * compared: every seed marked done is one the caller was shown. */
    for (uint32_t k = 0; k < n && *st == HS_OK && watch->stop == SIMSWEEP_RAN_ALL; k++) {
        if (b->runs[2 * k].done == 0 || b->runs[2 * k + 1].done == 0 || interrupted(watch)) {
            continue;
        }
        compare_seed(a, perturb_event, b->runs, b->rolls, k, &out[k]);
        if (on_seed != NULL && !on_seed(watch->ctx, &out[k])) {
            watch->stop = SIMSWEEP_STOPPED;
        }
    }
    for (uint32_t k = 0; k < 2 * n; k++) {
        if (b->rolls[k] != NULL) {
            fclose(b->rolls[k]);
            b->rolls[k] = NULL;
        }
    }
    if (interrupted(watch) && watch->stop == SIMSWEEP_RAN_ALL) {
        watch->stop = SIMSWEEP_INTERRUPTED;
    }
    return *st == HS_OK && watch->stop == SIMSWEEP_RAN_ALL;
}

hs_status simsweep_detcheck(const simopt_args *a, uint64_t first, uint64_t last, uint32_t jobs,
                            uint64_t perturb_event, simsweep_detcheck_result *results,
                            simsweep_watch *watch, simsweep_seed_fn on_seed)
{
    HS_ASSERT(last >= first && last - first < SIMSWEEP_SEEDS_MAX / 2);
    uint32_t seeds_n = (uint32_t)(last - first + 1);
    simsweep_watch none = {NULL, NULL, NULL, SIMSWEEP_RAN_ALL};
    watch = watch != NULL ? watch : &none;
    watch->stop = SIMSWEEP_RAN_ALL;
    /* Seeds are run in batches so only a few roll files exist at once. */
    uint32_t batch = jobs < 2 ? 2 : jobs * 2;
    det_batch b = {calloc(batch, sizeof(uint64_t)), calloc(batch, sizeof(FILE *)),
                   calloc(batch, sizeof(simsweep_result))};
    hs_status st = b.seeds == NULL || b.rolls == NULL || b.runs == NULL ? HS_ERR_NOMEM : HS_OK;
    for (uint32_t base = 0; base < seeds_n && st == HS_OK; base += batch / 2) {
        uint32_t n = seeds_n - base < batch / 2 ? seeds_n - base : batch / 2;
        if (!det_run_batch(a, first + base, n, jobs, perturb_event, &b, &results[base], watch,
                           on_seed, &st)) {
            break;
        }
    }
    free(b.seeds);
    free(b.rolls);
    free(b.runs);
    return st;
}
