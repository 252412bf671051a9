/* hsim: the deterministic simulator's command line.
 *
 *   hsim run --seed N [--json] [--trace | --trace-msgs] [--capture DIR] [options]
 *            [--trace-node N] [--trace-from-ms A] [--trace-to-ms B] [--trace-kind K[,K]]
 *            [--trace-json]
 *   hsim sweep --seeds A..B [--jobs J] [--json] [--max-failures N] [options]
 *   hsim detcheck --seeds A..B [--jobs J] [--json] [--max-failures N] [--perturb-event N]
 *   hsim shrink --seed N [options] [--test NAME | --no-test]   (sim/simshrink.h)
 *   hsim replay FILE                                          (hsim run ... --repro FILE)
 *   hsim --version | --help | COMMAND --help
 *
 * Exit codes: 0 every invariant held, 1 a safety invariant failed (or a
 * determinism mismatch, or a sweep seed failed), 2 usage error, 3 only
 * liveness invariants failed, 4 the run crashed (an assertion), 130 a
 * sweep or detcheck was interrupted (SIGINT).  The wall clock is read here only,
 * to report speed; it never reaches the simulation. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "hs_version.h"
#include "msg.h"
#include "sim.h"
#include "simscen.h"
#include "simcap.h"
#include "simopt.h"
#include "simprog.h"
#include "simregress.h"
#include "simshrink.h"
#include "simsweep.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1 /* a safety violation, a determinism mismatch, a failed sweep seed */
#define EXIT_USAGE 2
#define EXIT_LIVENESS 3 /* run: only liveness invariants failed */
#define EXIT_CRASH 4    /* run: an assertion failed inside the simulation */
#define EXIT_INTERRUPTED 130 /* sweep, detcheck: stopped by SIGINT (Ctrl-C), partial summary */
#define FLAGS_MAX 4096u

/* hsim run's trace filters (print_trace_rec). */
typedef struct {
    bool json;     /* --trace-json: one JSON object per line */
    bool set;      /* any filter or --trace-json given */
    int32_t node;  /* TRACE_NODE_ANY, -1 the simulator's lines, else a node index */
    uint64_t from_ns;
    uint64_t to_ns;
    uint32_t kinds; /* bit per sim_trace_kind; 0 = every kind */
} trace_filter;

typedef struct {
    simopt_args args;
    bool json;
    uint32_t trace; /* SIM_TRACE_* */
    trace_filter filter;
    const char *capture;
    bool seeds_set;
    uint64_t first;
    uint64_t last;
    uint32_t jobs;
    uint64_t perturb_event; /* detcheck self-test; 0 = off */
    uint64_t max_failures;  /* sweep, detcheck: stop after this many failed seeds; 0 = never */
    bool safety_only;       /* run: end at the heal (sim_run_safety) */
    const char *repro;      /* run: --repro FILE */
    uint64_t max_runs;      /* shrink: --max-runs */
    uint64_t budget_s;      /* shrink: --budget-s */
    const char *test_name;  /* shrink: --test NAME */
    const char *test_dir;   /* shrink: --test-dir DIR */
    bool no_test;           /* shrink: --no-test */
} cli;

static const char *const RUN_USAGE =
    "  hsim run --seed N [--json] [--trace] [--trace-msgs | --trace=all] [--capture DIR]\n"
    "           [--trace-node N] [--trace-from-ms A] [--trace-to-ms B] [--trace-kind K[,K]]\n"
    "           [--trace-json] [--safety-only] [--crash-at-event N] [options]\n"
    "      --json             one JSON record as the last stdout line\n"
    "      --trace            node events, faults, phases and violations on stdout\n"
    "      --trace-msgs       also every send, recv, drop, timer and disk line\n"
    "      --trace-node N     only node N's lines (N, nN, or sim for the simulator's)\n"
    "      --trace-from-ms A, --trace-to-ms B  only lines at simulated times A..B ms\n"
    "      --trace-kind K[,K] only these kinds: schedule, fault, event, send, recv, drop,\n"
    "                         tcp, timer, disk, forge, operator, phase, violation, perturb\n"
    "      --trace-json       trace lines as JSON objects {time_ns, node, kind, text}\n"
    "                         (filters imply --trace; a message kind, --trace-msgs;\n"
    "                         they change what is printed, never the run or its hash)\n"
    "      --capture DIR      every frame sent, deduplicated per type (fuzz corpus)\n"
    "      --safety-only      ends the run at the heal: safety invariants only, for\n"
    "                         clusters whose liveness bounds are hours of simulated time\n"
    "      --crash-at-event N checks the crash report: an assertion fails in the step\n"
    "                         of input N\n"
    "      --lose-timer K     checks the mechanism checks: the host drops the first\n"
    "                         arming of SWIM timer kind K (1 probe round, 2 probe\n"
    "                         timeout, 3 suspicion, 5 join retry, 6 sync, 7 reconnect,\n"
    "                         8 reap); member_timers or duty_timers must report it\n"
    "      --stop-at-violation  ends the run right after the input in which the first\n"
    "                         violation was found (its length up to the failure)\n"
    "      --repro FILE       also writes FILE: build id, seed and every option, for\n"
    "                         `hsim replay FILE`\n";

static const char *const SHRINK_USAGE =
    "  hsim shrink --seed N [options] [--json] [--test NAME | --no-test] [--test-dir DIR]\n"
    "              [--max-runs N] [--budget-s S] [--crash-at-event N] [--lose-timer K]\n"
    "      takes a failing run (the flags of its replay command) and shrinks it by\n"
    "      delta debugging: fewer nodes, a shorter safety phase, fault classes, workload\n"
    "      and drawn options switched off, then the fewest fault schedule actions\n"
    "      (--keep-actions), each step kept only while the run fails the same invariant\n"
    "      (or the same assertion); prints the minimal replay command\n"
    "      --test NAME        writes tests/unit/test_regress_NAME.c (CMocka: the shrunk\n"
    "                         run must pass) and tests/golden/regress_NAME.trace (its\n"
    "                         story up to the failure); default name seedN_INVARIANT\n"
    "      --test-dir DIR     writes both there instead (default: tests/unit and\n"
    "                         tests/golden when they exist, else .)\n"
    "      --no-test          writes nothing\n"
    "      --max-runs N       candidate runs at most (default 3000)\n"
    "      --budget-s S       CPU seconds of candidate runs at most (default 600)\n"
    "  hsim replay FILE [--json] [--trace ...]\n"
    "      runs the command of a --repro file (every option spelled out); warns when\n"
    "      the file came from another commit\n";

static const char *const SWEEP_USAGE =
    "  hsim sweep --seeds A..B [--jobs J] [--json] [--max-failures N] [--crash-at-event N]\n"
    "             [options]\n"
    "      --seeds A..B       seeds A to B inclusive (or one seed N), each in a child\n"
    "      --jobs J           children at once (default: the number of CPUs)\n"
    "      --json             one JSON summary as the last stdout line\n"
    "      --max-failures N   stop after N failed seeds (the summary says so)\n"
    "      --crash-at-event N every seed fails an assertion at input N (self-test)\n"
    "      --lose-timer K     as for run: every seed loses one SWIM timer (self-test)\n"
    "      On a terminal stderr shows progress; failures print as they are found;\n"
    "      Ctrl-C prints the partial summary and exits 130.\n";

static const char *const DETCHECK_USAGE =
    "  hsim detcheck --seeds A..B [--jobs J] [--json] [--max-failures N]\n"
    "                [--perturb-event N] [options]\n"
    "      runs each seed twice, each in its own child, and compares trace hashes\n"
    "      --seeds, --jobs, --json, --max-failures as for sweep\n"
    "      --perturb-event N  checks the checker: the second run of each seed hashes\n"
    "                         one extra byte at event N, so it must report a mismatch at N\n";

static const char *const SCENARIO_USAGE =
    "  hsim scenario FILE [--config CONF] [--seed N]   (docs/simulator.md)\n"
    "      runs a scripted scenario and prints its membership transitions\n"
    "      --config CONF      [swim] keys for every node (tests/real/fast.conf)\n"
    "      --seed N           the seed of the run (default 1)\n";

static void usage_exit(FILE *f, bool sim_options)
{
    if (sim_options) {
        fprintf(f, "options (each defaults to a value drawn from the seed):\n");
        simopt_usage(f);
    }
    fprintf(f, "exit: 0 all invariants held; 1 a safety violation, a determinism mismatch or a\n"
               "      failed sweep seed; 2 usage error; 3 (run) only liveness invariants failed;\n"
               "      4 (run) crashed: an assertion failed (seed, time, node and replay on\n"
               "      stderr); 130 (sweep, detcheck) interrupted by SIGINT (Ctrl-C): the\n"
               "      partial summary of the seeds done\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage:\n%s%s%s%s%s  hsim --version | --help | COMMAND --help\n", RUN_USAGE,
            SHRINK_USAGE, SWEEP_USAGE, DETCHECK_USAGE, SCENARIO_USAGE);
    usage_exit(f, true);
}

/* `hsim COMMAND --help`: that command's usage and options only. */
static int command_usage(const char *cmd)
{
    const char *text = strcmp(cmd, "run") == 0        ? RUN_USAGE
                       : strcmp(cmd, "sweep") == 0    ? SWEEP_USAGE
                       : strcmp(cmd, "detcheck") == 0 ? DETCHECK_USAGE
                       : strcmp(cmd, "shrink") == 0 || strcmp(cmd, "replay") == 0
                           ? SHRINK_USAGE
                           : SCENARIO_USAGE;
    printf("usage:\n%s", text);
    usage_exit(stdout, strcmp(cmd, "scenario") != 0 && strcmp(cmd, "replay") != 0);
    return EXIT_PASS;
}

/* `hsim --version`: the same four lines as hsnode's and hsctl's. */
static int print_version(void)
{
    printf("hsim %s\ncommit %s (%s)\ncompiler %s\nprotocol %u.%u (frame version %u)\n",
           HS_VERSION, HS_GIT_COMMIT, HS_GIT_TREE, HS_COMPILER, MSG_PROTO_MAJOR,
           MSG_PROTO_MINOR, FRAME_VERSION);
    return EXIT_PASS;
}

static int usage_error(const char *fmt, ...) HS_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hsim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fprintf(stderr, "hsim: see 'hsim --help'\n");
    return EXIT_USAGE;
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * HS_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static bool parse_jobs(const char *v, uint32_t *out)
{
    char *end = NULL;
    long n = v == NULL ? 0 : strtol(v, &end, 10);
    if (v == NULL || *v == '\0' || *end != '\0' || n < 1 || n > 1024) {
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

/* A 1-based event index: decimal digits only, >= 1. */
static bool parse_index(const char *v, uint64_t *out)
{
    if (v == NULL || *v < '0' || *v > '9') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0' || n == 0) {
        return false;
    }
    *out = n;
    return true;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* ------------------------------------------------------------------ */
/* Trace filters (run): they choose what is printed, never what is run */

#define TRACE_NODE_ANY (-2)
#define TRACE_MSG_KINDS                                                                        \
    ((1u << SIM_TK_SEND) | (1u << SIM_TK_RECV) | (1u << SIM_TK_DROP) | (1u << SIM_TK_TCP) |   \
     (1u << SIM_TK_TIMER) | (1u << SIM_TK_DISK))

/* --trace-node: "sim" (-1), "nK" or "K" (K-1); false when malformed. */
static bool parse_trace_node(const char *v, int32_t *out)
{
    if (v != NULL && strcmp(v, "sim") == 0) {
        *out = -1;
        return true;
    }
    uint64_t k = 0;
    if (v == NULL || !parse_index(v[0] == 'n' ? v + 1 : v, &k) || k > INT32_MAX) {
        return false;
    }
    *out = (int32_t)(k - 1);
    return true;
}

/* Simulated milliseconds, a decimal integer. */
static bool parse_ms(const char *v, uint64_t *ns)
{
    if (v == NULL || *v < '0' || *v > '9') {
        return false;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long ms = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0' || ms > UINT64_MAX / HS_NS_PER_MS) {
        return false;
    }
    *ns = ms * HS_NS_PER_MS;
    return true;
}

/* --trace-kind K[,K...]: a bit per sim_trace_kind; false names the bad one. */
static bool parse_trace_kinds(const char *v, uint32_t *mask, char *bad, size_t cap)
{
    snprintf(bad, cap, "%s", v == NULL ? "" : v);
    if (v == NULL || *v == '\0') {
        return false;
    }
    for (const char *p = v; *p != '\0';) {
        size_t n = strcspn(p, ",");
        uint32_t k = 0;
        while (k < SIM_TRACE_KIND_COUNT && (strlen(sim_trace_kind_name(k)) != n ||
                                            strncmp(sim_trace_kind_name(k), p, n) != 0)) {
            k++;
        }
        if (k == SIM_TRACE_KIND_COUNT) {
            snprintf(bad, cap, "%.*s", (int)n, p);
            return false;
        }
        *mask |= 1u << k;
        p += n;
        if (*p == ',' && *++p == '\0') {
            snprintf(bad, cap, "%s", ""); /* a trailing comma: an empty kind */
            return false;
        }
    }
    return true;
}

static void trace_kinds_text(char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t k = 0; k < SIM_TRACE_KIND_COUNT && used < cap; k++) {
        int n = snprintf(out + used, cap - used, "%s%s", k == 0 ? "" : ", ",
                         sim_trace_kind_name(k));
        used += n > 0 ? (size_t)n : 0;
    }
}

static bool trace_wanted(const trace_filter *f, const sim_trace_rec *r)
{
    return (f->node == TRACE_NODE_ANY || f->node == r->node) && r->time_ns >= f->from_ns &&
           r->time_ns <= f->to_ns && (f->kinds == 0 || (f->kinds & (1u << r->kind)) != 0);
}

/* Prints one trace line that passes the filters: as text, or as one JSON
 * object per line (time_ns as a string: 64-bit values are strings). */
static void print_trace_rec(void *ctx, const sim_trace_rec *r)
{
    const trace_filter *f = ctx;
    if (!trace_wanted(f, r)) {
        return;
    }
    if (!f->json) {
        puts(r->line);
        return;
    }
    printf("{\"time_ns\":\"%llu\",\"node\":", (unsigned long long)r->time_ns);
    if (r->node >= 0) {
        json_string(stdout, r->who);
    } else {
        fputs("null", stdout);
    }
    printf(",\"kind\":\"%s\",\"text\":", sim_trace_kind_name(r->kind));
    json_string(stdout, r->text);
    fputs("}\n", stdout);
}

/* One of --trace-node, --trace-from-ms, --trace-to-ms, --trace-kind,
 * --trace-json; EXIT_PASS or EXIT_USAGE. */
static int parse_trace_flag(cli *c, const char *arg, const char *next, int *i)
{
    trace_filter *f = &c->filter;
    f->set = true;
    const char *v = next == NULL ? "" : next;
    if (strcmp(arg, "--trace-json") == 0) {
        f->json = true;
        return EXIT_PASS;
    }
    (*i)++;
    if (strcmp(arg, "--trace-node") == 0) {
        return parse_trace_node(next, &f->node)
                   ? EXIT_PASS
                   : usage_error("--trace-node: expected N, nN (N >= 1) or sim, got '%s'", v);
    }
    if (strcmp(arg, "--trace-from-ms") == 0 || strcmp(arg, "--trace-to-ms") == 0) {
        uint64_t *out = arg[8] == 'f' ? &f->from_ns : &f->to_ns;
        return parse_ms(next, out) ? EXIT_PASS
                                   : usage_error("%s: expected whole simulated ms, got '%s'",
                                                 arg, v);
    }
    if (strcmp(arg, "--trace-kind") == 0) {
        char bad[64];
        char all[256];
        if (parse_trace_kinds(next, &f->kinds, bad, sizeof(bad))) {
            return EXIT_PASS;
        }
        trace_kinds_text(all, sizeof(all));
        return usage_error("--trace-kind: unknown kind '%s' (kinds: %s)", bad, all);
    }
    return usage_error("unknown argument '%s' for 'run'", arg);
}

/* Parses the arguments after the command; returns EXIT_PASS or EXIT_USAGE. */
/* hsim shrink's own flags (the run's options are simopt's). */
static int parse_shrink_flag(cli *c, const char *arg, const char *next, int *i)
{
    if (strcmp(arg, "--no-test") == 0) {
        c->no_test = true;
        return EXIT_PASS;
    }
    if (strcmp(arg, "--max-runs") == 0 || strcmp(arg, "--budget-s") == 0) {
        uint64_t *out = arg[2] == 'm' ? &c->max_runs : &c->budget_s;
        if (!parse_index(next, out) || *out > UINT32_MAX) {
            return usage_error("%s: expected an integer in [1, %u], got '%s'", arg, UINT32_MAX,
                               next == NULL ? "" : next);
        }
        (*i)++;
        return EXIT_PASS;
    }
    if (strcmp(arg, "--test") == 0) {
        if (next == NULL || !simregress_name_ok(next)) {
            return usage_error("--test: expected a name of 1 to %u characters [a-z0-9_], got '%s'",
                               SIMREGRESS_NAME_MAX, next == NULL ? "" : next);
        }
        c->test_name = next;
        (*i)++;
        return EXIT_PASS;
    }
    if (strcmp(arg, "--test-dir") == 0) {
        if (next == NULL || *next == '\0') {
            return usage_error("--test-dir needs a directory");
        }
        c->test_dir = next;
        (*i)++;
        return EXIT_PASS;
    }
    return usage_error("unknown argument '%s' for 'shrink'", arg);
}

static int parse(int argc, char **argv, const char *cmd, cli *c)
{
    memset(c, 0, sizeof(*c));
    simopt_args_init(&c->args);
    c->filter.node = TRACE_NODE_ANY;
    c->filter.to_ns = UINT64_MAX;
    bool is_run = strcmp(cmd, "run") == 0;
    bool is_shrink = strcmp(cmd, "shrink") == 0;
    bool seeded = is_run || is_shrink; /* --seed N, not --seeds A..B */
    for (int i = 2; i < argc;) {
        const char *arg = argv[i];
        char err[SIMOPT_ERR_MAX];
        hs_status st = simopt_parse_flag(&c->args, argc, argv, &i, err, sizeof(err));
        if (st == HS_OK) {
            continue;
        }
        if (st != HS_ERR_NOT_FOUND) {
            return usage_error("%s", err);
        }
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--json") == 0) {
            c->json = true;
        } else if (is_run && strcmp(arg, "--trace") == 0) {
            c->trace |= SIM_TRACE_EVENTS;
        } else if (is_run &&
                   (strcmp(arg, "--trace-msgs") == 0 || strcmp(arg, "--trace=all") == 0)) {
            c->trace |= SIM_TRACE_EVENTS | SIM_TRACE_MSGS;
        } else if (is_run && strncmp(arg, "--trace-", 8) == 0 &&
                   strcmp(arg, "--trace-msgs") != 0) {
            int rc = parse_trace_flag(c, arg, next, &i);
            if (rc != EXIT_PASS) {
                return rc;
            }
        } else if (strcmp(cmd, "detcheck") != 0 && strcmp(arg, "--stop-at-violation") == 0) {
            c->args.stop_at_violation = true;
        } else if (is_run && strcmp(arg, "--safety-only") == 0) {
            c->safety_only = true;
        } else if (is_run && strcmp(arg, "--repro") == 0) {
            if (next == NULL || *next == '\0') {
                return usage_error("--repro needs a file name");
            }
            c->repro = next;
            i++;
        } else if (is_run && strcmp(arg, "--capture") == 0) {
            if (next == NULL || *next == '\0') {
                return usage_error("--capture needs a directory");
            }
            c->capture = next;
            i++;
        } else if (!seeded && strcmp(arg, "--seeds") == 0) {
            if (simsweep_parse_range(next, &c->first, &c->last) != HS_OK) {
                return usage_error("--seeds: expected A..B (A <= B) or N, got '%s'",
                                   next == NULL ? "" : next);
            }
            c->seeds_set = true;
            i++;
        } else if (strcmp(cmd, "detcheck") != 0 && strcmp(arg, "--crash-at-event") == 0) {
            if (!parse_index(next, &c->args.crash_at_event)) {
                return usage_error("--crash-at-event: expected an event index >= 1, got '%s'",
                                   next == NULL ? "" : next);
            }
            i++;
        } else if (strcmp(cmd, "detcheck") != 0 && strcmp(arg, "--lose-timer") == 0) {
            uint64_t kind = 0;
            if (!parse_index(next, &kind) || kind >= SWIM_TIMER_KIND_END) {
                return usage_error("--lose-timer: expected a SWIM timer kind in [1, %u], got '%s'",
                                   SWIM_TIMER_KIND_END - 1, next == NULL ? "" : next);
            }
            c->args.lose_timer = (uint32_t)kind;
            i++;
        } else if (strcmp(cmd, "detcheck") == 0 && strcmp(arg, "--perturb-event") == 0) {
            if (!parse_index(next, &c->perturb_event)) {
                return usage_error("--perturb-event: expected an event index >= 1, got '%s'",
                                   next == NULL ? "" : next);
            }
            i++;
        } else if (!seeded && strcmp(arg, "--max-failures") == 0) {
            if (!parse_index(next, &c->max_failures)) {
                return usage_error("--max-failures: expected a count >= 1, got '%s'",
                                   next == NULL ? "" : next);
            }
            i++;
        } else if (!seeded && strcmp(arg, "--jobs") == 0) {
            if (!parse_jobs(next, &c->jobs)) {
                return usage_error("--jobs: expected an integer in [1, 1024]");
            }
            i++;
        } else if (is_shrink) {
            int rc = parse_shrink_flag(c, arg, next, &i);
            if (rc != EXIT_PASS) {
                return rc;
            }
        } else {
            return usage_error("unknown argument '%s' for '%s'", arg, cmd);
        }
        i++;
    }
    if (seeded && !c->args.seed_set) {
        return usage_error("%s needs --seed N", cmd);
    }
    if (c->filter.from_ns > c->filter.to_ns) {
        return usage_error("--trace-from-ms is after --trace-to-ms");
    }
    if (c->filter.set) { /* a filter implies --trace; a message kind, --trace-msgs */
        c->trace |= SIM_TRACE_EVENTS | ((c->filter.kinds & TRACE_MSG_KINDS) != 0 ? SIM_TRACE_MSGS
                                                                                  : 0u);
    }
    if (!seeded && c->args.seed_set) {
        return usage_error("%s takes --seeds A..B, not --seed", cmd);
    }
    if (!seeded && !c->seeds_set) {
        return usage_error("%s needs --seeds A..B", cmd);
    }
    if (c->jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->jobs = n < 1 ? 1 : (uint32_t)n;
    }
    return EXIT_PASS;
}

/* The command that replays seed with the flags the user gave. */
static void replay_command(const char *argv0, const cli *c, uint64_t seed, char *out, size_t cap)
{
    simopt o;
    char err[SIMOPT_ERR_MAX];
    char flags[FLAGS_MAX];
    flags[0] = '\0';
    if (simopt_resolve_seed(&c->args, seed, &o, err, sizeof(err)) == HS_OK) {
        simopt_format_set(&c->args, &o, flags, sizeof(flags));
    }
    char crash[80] = "";
    if (c->args.crash_at_event != 0) {
        snprintf(crash, sizeof(crash), " --crash-at-event %llu",
                 (unsigned long long)c->args.crash_at_event);
    }
    if (c->args.lose_timer != 0) {
        size_t used = strlen(crash);
        snprintf(crash + used, sizeof(crash) - used, " --lose-timer %u", c->args.lose_timer);
    }
    if (c->args.stop_at_violation) {
        size_t used = strlen(crash);
        snprintf(crash + used, sizeof(crash) - used, " --stop-at-violation");
    }
    snprintf(out, cap, "%s run --seed %llu%s%s%s%s", argv0, (unsigned long long)seed,
             flags[0] != '\0' ? " " : "", flags, c->safety_only ? " --safety-only" : "", crash);
}

/* ------------------------------------------------------------------ */
/* run                                                                 */

static bool is_liveness(uint32_t invariant)
{
    return invariant == SIMCHECK_MEMBERSHIP_CONVERGED ||
           invariant == SIMCHECK_CRASHED_NODE_DECLARED_DEAD ||
           invariant == SIMCHECK_LIVE_NODE_NOT_DEAD;
}

/* A run that broke any safety invariant is a safety failure, whatever
 * liveness did; violations past the stored ones count as safety, the
 * conservative reading. */
static int run_exit(const sim *s, const sim_result *r)
{
    if (r->violations == 0) {
        return EXIT_PASS;
    }
    if (r->violations > sim_violation_count(s)) {
        return EXIT_FAIL;
    }
    for (uint32_t k = 0; k < sim_violation_count(s); k++) {
        if (!is_liveness(sim_violation(s, k)->invariant)) {
            return EXIT_FAIL;
        }
    }
    return EXIT_LIVENESS;
}

static const char *run_outcome(const sim *s, const sim_result *r)
{
    int rc = run_exit(s, r);
    return rc == EXIT_PASS ? "passed" : rc == EXIT_LIVENESS ? "liveness_violation"
                                                            : "safety_violation";
}

/* What `hsim run` does when an assertion fails inside the simulation:
 * the trace so far is flushed, stderr says where the run was and how to
 * replay it, --json gets a record with "outcome": "crashed", and the exit
 * code is EXIT_CRASH (hs_assert_set_hook). */
typedef struct {
    const char *replay;
    bool json;
} run_crash;

static void run_assert_hook(void *ctx, const char *expr, const char *file, int line)
{
    const run_crash *rc = ctx;
    fflush(stdout); /* the trace lines before the crash */
    sim_where w = {0, 0, 0, -1, 0};
    if (sim_current() != NULL) {
        sim_where_get(sim_current(), &w);
    }
    char where[16];
    sim_where_node_text(&w, where, sizeof(where));
    double t_ms = (double)w.now_ns / 1e6;
    unsigned long long input = (unsigned long long)(w.events + 1);
    fprintf(stderr, "hsim: crashed: assertion failed: %s at %s:%d\n"
                    "hsim: seed %llu, simulated time %.3f ms, input %llu, node %s\n"
                    "replay: %s\n", expr, file, line, (unsigned long long)w.seed, t_ms,
            input, where, rc->replay);
    fflush(stderr);
    if (rc->json) {
        printf("{\"seed\":\"%llu\",\"outcome\":\"crashed\",\"assertion\":",
               (unsigned long long)w.seed);
        json_string(stdout, expr);
        printf(",\"file\":");
        json_string(stdout, file);
        printf(",\"line\":%d,\"time_ms\":%.3f,\"input\":%llu,\"node\":", line, t_ms, input);
        if (w.node >= 0) {
            printf("\"%s\"", where);
        } else {
            printf("null");
        }
        printf(",\"passed\":false,\"replay\":");
        json_string(stdout, rc->replay);
        printf("}\n");
        fflush(stdout);
    }
    _exit(EXIT_CRASH);
}

/* Coverage probes (core/step/probe.h): hits by name, then the names never
 * hit and, of those, the required ones (the test run fails on them). */
static void print_probe_list(const char *key, const uint64_t *hits, bool required_only)
{
    printf(",\"%s\":[", key);
    const char *sep = "";
    for (uint32_t k = 0; k < HS_PROBE_COUNT; k++) {
        if (hits[k] == 0 && (!required_only || hs_probe_required(k))) {
            printf("%s\"%s\"", sep, hs_probe_name(k));
            sep = ",";
        }
    }
    printf("]");
}

static void print_probes_json(const uint64_t *hits)
{
    printf(",\"probes\":{");
    for (uint32_t k = 0; k < HS_PROBE_COUNT; k++) {
        printf("%s\"%s\":%llu", k == 0 ? "" : ",", hs_probe_name(k),
               (unsigned long long)hits[k]);
    }
    printf("}");
    print_probe_list("probes_never_hit", hits, false);
    print_probe_list("probes_required_missed", hits, true);
}

static void print_probes_text(const uint64_t *hits)
{
    printf("probes never hit:");
    uint32_t missed = 0;
    for (uint32_t k = 0; k < HS_PROBE_COUNT; k++) {
        if (hits[k] == 0) {
            printf(" %s%s", hs_probe_name(k), hs_probe_required(k) ? " (required)" : "");
            missed++;
        }
    }
    printf(missed == 0 ? " none\n" : "\n");
}

/* The command that shows violation v's origin and v: the replay with a
 * trace narrowed to the node and the window (sim_violation_window). */
static void narrowed_trace(const simcheck_violation *v, const char *replay, char *out, size_t cap)
{
    uint64_t from_ms = 0;
    uint64_t to_ms = 0;
    sim_violation_window(v, &from_ms, &to_ms);
    char node_flag[24] = "";
    if (v->node >= 0) {
        snprintf(node_flag, sizeof(node_flag), " --trace-node n%d", v->node + 1);
    }
    snprintf(out, cap, "%s --trace-msgs%s --trace-from-ms %llu --trace-to-ms %llu", replay,
             node_flag, (unsigned long long)from_ms, (unsigned long long)to_ms);
}

static void print_cause_json(const sim *s, const simcheck_violation *v, const char *replay)
{
    char origin[256];
    char cmd[FLAGS_MAX + 256];
    if (sim_violation_origin(s, v, origin, sizeof(origin)) != 0) {
        printf(",\"cause\":");
        json_string(stdout, origin);
        printf(",\"cause_event\":\"%llu\",\"cause_time_ms\":%.3f",
               (unsigned long long)v->origin.event, (double)v->origin.at_ns / 1e6);
    }
    narrowed_trace(v, replay, cmd, sizeof(cmd));
    printf(",\"trace_command\":");
    json_string(stdout, cmd);
}

static void print_run_json(const sim *s, const sim_result *r, uint64_t wall, const char *replay)
{
    const simopt *o = sim_options(s);
    char flags[FLAGS_MAX];
    simopt_format_all(o, flags, sizeof(flags));
    uint64_t eps = wall == 0 ? 0 : (uint64_t)((double)r->events * 1e9 / (double)wall);
    printf("{\"seed\":\"%llu\",\"outcome\":\"%s\",\"options\":", (unsigned long long)o->seed,
           run_outcome(s, r));
    json_string(stdout, flags);
    printf(",\"trace_hash\":\"%016llx\",\"events\":%llu,\"sim_time_ms\":%llu,\"wall_ms\":%.3f,"
           "\"events_per_sec\":%llu,\"realtime_factor\":%.1f,\"nodes\":%u",
           (unsigned long long)r->trace_hash, (unsigned long long)r->events,
           (unsigned long long)(r->sim_time_ns / HS_NS_PER_MS), (double)wall / 1e6,
           (unsigned long long)eps, wall == 0 ? 0.0 : (double)r->sim_time_ns / (double)wall,
           o->nodes);
    printf(",\"faults\":{");
    for (uint32_t k = 0; k < SIM_FAULT_COUNT; k++) {
        printf("%s\"%s\":%llu", k == 0 ? "" : ",", sim_fault_name(k),
               (unsigned long long)r->faults[k]);
    }
    printf("},\"checks\":{");
    for (uint32_t k = 0; k < SIMCHECK_COUNT; k++) {
        printf("%s\"%s\":%llu", k == 0 ? "" : ",", simcheck_name(k),
               (unsigned long long)r->checks[k]);
    }
    printf("},\"violation_count\":%llu,\"violations\":[", (unsigned long long)r->violations);
    for (uint32_t k = 0; k < sim_violation_count(s); k++) {
        const simcheck_violation *v = sim_violation(s, k);
        printf("%s{\"invariant\":\"%s\",\"time_ms\":%.3f,\"node\":", k == 0 ? "" : ",",
               simcheck_name(v->invariant), (double)v->time_ns / 1e6);
        if (v->node >= 0) {
            printf("\"n%d\"", v->node + 1);
        } else {
            printf("null");
        }
        printf(",\"detail\":");
        json_string(stdout, v->detail);
        print_cause_json(s, v, replay);
        printf("}");
    }
    printf("],\"heal_ms\":%llu,\"bound_ms\":%llu,\"detect_bound_ms\":%llu,\"converged_ms\":",
           (unsigned long long)(r->heal_ns / HS_NS_PER_MS),
           (unsigned long long)(r->bound_ns / HS_NS_PER_MS),
           (unsigned long long)(r->detect_bound_ns / HS_NS_PER_MS));
    if (r->converged) {
        printf("%llu", (unsigned long long)(r->converged_ns / HS_NS_PER_MS));
    } else {
        printf("null");
    }
    print_probes_json(r->probes);
    printf(",\"passed\":%s,\"replay\":", r->violations == 0 ? "true" : "false");
    json_string(stdout, replay);
    printf("}\n");
}

static void print_run_text(const sim *s, const sim_result *r, uint64_t wall, const char *replay)
{
    const simopt *o = sim_options(s);
    char flags[FLAGS_MAX];
    simopt_format_all(o, flags, sizeof(flags));
    double secs = (double)wall / 1e9;
    printf("seed %llu: %s\n", (unsigned long long)o->seed,
           r->violations == 0 ? "PASSED" : "FAILED");
    printf("options: %s\n", flags);
    printf("trace_hash %016llx  events %llu  sim %.3f s  wall %.3f s  %.0f events/s  "
           "%.0fx realtime\n",
           (unsigned long long)r->trace_hash, (unsigned long long)r->events,
           (double)r->sim_time_ns / 1e9, secs, secs > 0 ? (double)r->events / secs : 0.0,
           secs > 0 ? (double)r->sim_time_ns / (double)wall : 0.0);
    printf("faults:");
    for (uint32_t k = 0; k < SIM_FAULT_COUNT; k++) {
        printf(" %s=%llu", sim_fault_name(k), (unsigned long long)r->faults[k]);
    }
    printf("\nchecks:");
    for (uint32_t k = 0; k < SIMCHECK_COUNT; k++) {
        printf(" %s=%llu", simcheck_name(k), (unsigned long long)r->checks[k]);
    }
    printf("\nliveness: heal at %llu ms, converge bound +%llu ms, detect bound +%llu ms, ",
           (unsigned long long)(r->heal_ns / HS_NS_PER_MS),
           (unsigned long long)(r->bound_ns / HS_NS_PER_MS),
           (unsigned long long)(r->detect_bound_ns / HS_NS_PER_MS));
    if (r->converged) {
        printf("converged at +%llu ms\n", (unsigned long long)(r->converged_ns / HS_NS_PER_MS));
    } else {
        printf("never converged\n");
    }
    for (uint32_t k = 0; k < sim_violation_count(s); k++) {
        const simcheck_violation *v = sim_violation(s, k);
        printf("violation %s at %.3f ms", simcheck_name(v->invariant), (double)v->time_ns / 1e6);
        if (v->node >= 0) {
            printf(" on n%d", v->node + 1);
        }
        printf(": %s\n", v->detail);
        char origin[256];
        char cmd[FLAGS_MAX + 256];
        if (sim_violation_origin(s, v, origin, sizeof(origin)) != 0) {
            printf("  cause: %s\n", origin);
        }
        narrowed_trace(v, replay, cmd, sizeof(cmd));
        printf("  trace: %s\n", cmd);
    }
    if (r->violations > sim_violation_count(s)) {
        printf("(%llu violations in all)\n", (unsigned long long)r->violations);
    }
    print_probes_text(r->probes);
}

static int write_repro(const char *path, const simopt *o, const cli *c);

static int cmd_run(const char *argv0, const cli *c)
{
    simopt o;
    char err[SIMOPT_ERR_MAX];
    if (simopt_resolve(&c->args, &o, err, sizeof(err)) != HS_OK) {
        return usage_error("%s", err);
    }
    if (c->repro != NULL) {
        int rc = write_repro(c->repro, &o, c);
        if (rc != EXIT_PASS) {
            return rc;
        }
    }
    sim *s = NULL;
    hs_status st = sim_create(&o, &s);
    if (st == HS_ERR_RANGE) {
        fprintf(stderr, "hsim: --liveness-ms %u is shorter than the liveness bounds; leave it "
                        "out to use them\n", o.liveness_ms);
        return EXIT_USAGE;
    }
    if (st != HS_OK) {
        fprintf(stderr, "hsim: cannot create the cluster: %s\n", hs_status_name(st));
        return EXIT_USAGE;
    }
    simcap cap;
    bool capturing = false;
    if (c->capture != NULL) {
        if (simcap_init(&cap, c->capture) != HS_OK) {
            fprintf(stderr, "hsim: cannot capture into '%s'\n", c->capture);
            sim_destroy(s);
            return EXIT_USAGE;
        }
        capturing = true;
        sim_set_frame_hook(s, simcap_frame, &cap);
    }
    if (c->filter.node >= 0 && (uint32_t)c->filter.node >= o.nodes) {
        sim_destroy(s);
        return usage_error("--trace-node n%d: the cluster has %u nodes", c->filter.node + 1,
                           o.nodes);
    }
    if (c->trace != 0) {
        sim_set_trace_rec(s, c->trace, print_trace_rec, (void *)&c->filter);
    }
    char replay[FLAGS_MAX + 128];
    replay_command(argv0, c, o.seed, replay, sizeof(replay));
    run_crash crash = {replay, c->json};
    hs_assert_set_hook(run_assert_hook, &crash);
    sim_set_crash_at_event(s, c->args.crash_at_event);
    sim_set_lose_timer(s, c->args.lose_timer);
    sim_set_stop_at_violation(s, c->args.stop_at_violation);
    uint64_t t0 = wall_ns();
    st = c->safety_only ? sim_run_safety(s) : sim_run(s);
    uint64_t wall = wall_ns() - t0;
    hs_assert_set_hook(NULL, NULL);
    if (st != HS_OK) {
        fprintf(stderr, "hsim: cannot run: %s\n", hs_status_name(st));
        sim_destroy(s);
        return EXIT_FAIL;
    }
    sim_result r;
    sim_result_get(s, &r);
    if (c->json) {
        print_run_json(s, &r, wall, replay);
    } else {
        print_run_text(s, &r, wall, replay);
        if (capturing) {
            printf("captured %llu frames into %s\n", (unsigned long long)cap.written, c->capture);
        }
        if (r.violations != 0) {
            printf("replay: %s\n", replay);
        }
    }
    if (r.violations != 0 && c->json) {
        fflush(stdout); /* a JSON record past the stdio buffer must not be cut by stderr */
        fprintf(stderr, "replay: %s\n", replay);
    }
    if (capturing) {
        simcap_free(&cap);
    }
    int rc = run_exit(s, &r);
    sim_destroy(s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* sweep                                                               */

static const char *outcome_name(int32_t outcome)
{
    switch (outcome) {
    case SIMSWEEP_PASS:
        return "passed";
    case SIMSWEEP_FAIL:
        return "violation";
    case SIMSWEEP_CRASH:
        return "crashed";
    default:
        return "error";
    }
}

/* Set by SIGINT during a sweep or detcheck; the pool's wait returns EINTR
 * and the partial summary is printed (exit EXIT_INTERRUPTED). */
static volatile sig_atomic_t interrupt_flag;

static void on_sigint(int sig)
{
    HS_UNUSED(sig);
    interrupt_flag = 1;
}

/* Catches SIGINT without SA_RESTART, so a blocked waitpid returns. */
static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
}

/* What the parent does with each record while a sweep runs. */
typedef struct {
    const char *argv0;
    const cli *c;
    simprog prog;
    uint32_t done;
    uint32_t failed;
    uint32_t runs; /* detcheck: runs reported (two per seed) */
} live;

static void live_init(live *l, const char *argv0, const cli *c, const char *what,
                      uint32_t count)
{
    memset(l, 0, sizeof(*l));
    l->argv0 = argv0;
    l->c = c;
    simprog_init(&l->prog, what, stderr, isatty(STDERR_FILENO) == 1, count, wall_ns());
}

static bool stop_now(const live *l)
{
    return l->c->max_failures != 0 && l->failed >= l->c->max_failures;
}

/* A failed seed, printed as soon as its record arrives: stdout in text
 * mode, stderr with --json (stdout is the JSON record). */
static bool sweep_on_result(void *ctx, const simsweep_result *r)
{
    live *l = ctx;
    l->done++;
    if (r->outcome != SIMSWEEP_PASS) {
        l->failed++;
        simprog_clear(&l->prog);
        char replay[FLAGS_MAX + 128];
        replay_command(l->argv0, l->c, r->seed, replay, sizeof(replay));
        FILE *f = l->c->json ? stderr : stdout;
        fprintf(f, "FAILED seed %llu (%s): %s\n  replay: %s\n", (unsigned long long)r->seed,
                outcome_name(r->outcome), r->detail, replay);
        fflush(f);
    }
    simprog_update(&l->prog, l->done, l->failed, wall_ns());
    return !stop_now(l);
}

static const char *stop_name(simsweep_stop stop)
{
    return stop == SIMSWEEP_STOPPED ? "max_failures"
           : stop == SIMSWEEP_INTERRUPTED ? "interrupted" : NULL;
}

static void print_groups_text(const simprog_groups *g)
{
    if (g->n == 0) {
        return;
    }
    printf("failures by cause:\n");
    for (uint32_t k = 0; k < g->n; k++) {
        printf("  %u x %s  (seeds", g->g[k].count, g->g[k].key);
        for (uint32_t j = 0; j < g->g[k].nseeds; j++) {
            printf(" %llu", (unsigned long long)g->g[k].seeds[j]);
        }
        printf("%s)\n", g->g[k].count > g->g[k].nseeds ? " ..." : "");
    }
    if (g->other != 0) {
        printf("  %u more failures of other causes\n", g->other);
    }
}

static void print_groups_json(const simprog_groups *g)
{
    printf(",\"by_cause\":[");
    for (uint32_t k = 0; k < g->n; k++) {
        printf("%s{\"cause\":", k == 0 ? "" : ",");
        json_string(stdout, g->g[k].key);
        printf(",\"count\":%u,\"first_seeds\":[", g->g[k].count);
        for (uint32_t j = 0; j < g->g[k].nseeds; j++) {
            printf("%s\"%llu\"", j == 0 ? "" : ",", (unsigned long long)g->g[k].seeds[j]);
        }
        printf("]}");
    }
    printf("],\"other_causes\":%u", g->other);
}

/* The line that says a sweep or detcheck did not run every seed. */
static void print_stopped(FILE *f, const live *l, simsweep_stop stop)
{
    if (stop == SIMSWEEP_STOPPED) {
        fprintf(f, "stopped early: --max-failures %llu reached after %u of %u seeds\n",
                (unsigned long long)l->c->max_failures, l->done, l->prog.total);
    } else if (stop == SIMSWEEP_INTERRUPTED) {
        fprintf(f, "interrupted (SIGINT): partial summary of %u of %u seeds\n", l->done,
                l->prog.total);
    }
}

static void sweep_json(const char *argv0, const cli *c, const simsweep_result *results,
                       uint32_t count, const live *l, simsweep_stop stop, uint64_t events,
                       double secs, const simprog_groups *g, const uint64_t *probes)
{
    char replay[FLAGS_MAX + 128];
    uint64_t sim_ns = 0;
    for (uint32_t k = 0; k < count; k++) {
        sim_ns += results[k].done != 0 ? results[k].sim_ns : 0;
    }
    printf("{\"seeds\":%u,\"seeds_done\":%u,\"passed\":%u,\"failed\":%u,\"events\":%llu,"
           "\"sim_time_ms\":%llu,\"wall_ms\":%.3f,\"events_per_sec\":%.0f,\"jobs\":%u,"
           "\"stopped\":", count, l->done, l->done - l->failed, l->failed,
           (unsigned long long)events, (unsigned long long)(sim_ns / HS_NS_PER_MS), secs * 1e3,
           secs > 0 ? (double)events / secs : 0.0, c->jobs);
    printf(stop_name(stop) != NULL ? "\"%s\"" : "null", stop_name(stop));
    print_groups_json(g);
    printf(",\"failures\":[");
    const char *sep = "";
    for (uint32_t k = 0; k < count; k++) {
        const simsweep_result *r = &results[k];
        if (r->done == 0 || r->outcome == SIMSWEEP_PASS) {
            continue;
        }
        replay_command(argv0, c, r->seed, replay, sizeof(replay));
        printf("%s{\"seed\":\"%llu\",\"outcome\":\"%s\",\"detail\":", sep,
               (unsigned long long)r->seed, outcome_name(r->outcome));
        json_string(stdout, r->detail);
        printf(",\"replay\":");
        json_string(stdout, replay);
        printf("}");
        sep = ",";
    }
    printf("]");
    print_probes_json(probes);
    printf("}\n");
}

static int cmd_sweep(const char *argv0, const cli *c)
{
    simopt o;
    char err[SIMOPT_ERR_MAX];
    /* Check the flags once up front: a bad combination is a usage error. */
    if (simopt_resolve_seed(&c->args, c->first, &o, err, sizeof(err)) != HS_OK) {
        return usage_error("%s", err);
    }
    uint32_t count = (uint32_t)(c->last - c->first + 1);
    simsweep_result *results = calloc(count, sizeof(simsweep_result));
    simprog_groups *groups = calloc(1, sizeof(simprog_groups));
    if (results == NULL || groups == NULL) {
        fprintf(stderr, "hsim: out of memory\n");
        free(results);
        free(groups);
        return EXIT_USAGE;
    }
    live l;
    live_init(&l, argv0, c, "sweep", count);
    simsweep_watch watch = {sweep_on_result, &l, &interrupt_flag, SIMSWEEP_RAN_ALL};
    catch_sigint();
    uint64_t t0 = wall_ns();
    hs_status st = simsweep_sweep(&c->args, c->first, c->last, c->jobs, results, &watch);
    uint64_t wall = wall_ns() - t0;
    simprog_clear(&l.prog);
    if (st != HS_OK) {
        fprintf(stderr, "hsim: sweep failed: %s\n", hs_status_name(st));
        free(results);
        free(groups);
        return EXIT_FAIL;
    }
    uint64_t events = 0;
    uint64_t probes[HS_PROBE_COUNT] = {0};
    for (uint32_t k = 0; k < count; k++) {
        const simsweep_result *r = &results[k];
        events += r->done != 0 ? r->events : 0;
        for (uint32_t p = 0; p < HS_PROBE_COUNT; p++) {
            probes[p] += r->done != 0 ? r->probes[p] : 0;
        }
        if (r->done != 0 && r->outcome != SIMSWEEP_PASS) {
            char key[SIMPROG_KEY_MAX];
            simprog_failure_key(r->outcome, r->detail, key, sizeof(key));
            simprog_group_add(groups, key, r->seed);
        }
    }
    double secs = (double)wall / 1e9;
    if (c->json) {
        sweep_json(argv0, c, results, count, &l, watch.stop, events, secs, groups, probes);
        print_stopped(stderr, &l, watch.stop);
    } else {
        print_groups_text(groups);
        print_stopped(stdout, &l, watch.stop);
        printf("seeds %u  passed %u  failed %u  events %llu  wall %.3f s  %.0f events/s  "
               "(%u jobs)\n",
               l.done, l.done - l.failed, l.failed, (unsigned long long)events, secs,
               secs > 0 ? (double)events / secs : 0.0, c->jobs);
        print_probes_text(probes);
    }
    free(results);
    free(groups);
    if (watch.stop == SIMSWEEP_INTERRUPTED) {
        return EXIT_INTERRUPTED;
    }
    return l.failed == 0 ? EXIT_PASS : EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* detcheck                                                            */

#define SIM_EVENT_NAME_MAX 160u

/* Names an event by the first trace line describe() captured for it (the
 * delivery: recv, timer, disk or start), without its time stamp. */
static void event_name(const char *where, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = where;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        p = close != NULL ? close + 1 : p;
        while (*p == ' ') {
            p++;
        }
    }
    size_t n = strcspn(p, "\n");
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Progress only: a detcheck seed is done when both its runs are. */
static bool det_on_run(void *ctx, const simsweep_result *r)
{
    HS_UNUSED(r);
    live *l = ctx;
    l->runs++;
    uint32_t seeds = l->runs / 2 > l->done ? l->runs / 2 : l->done;
    simprog_update(&l->prog, seeds > l->prog.total ? l->prog.total : seeds, l->failed,
                   wall_ns());
    return true;
}

/* A compared seed: a mismatch is printed at once (stdout, or stderr with
 * --json); returns false once --max-failures mismatches are seen. */
static bool det_on_seed(void *ctx, const simsweep_detcheck_result *d)
{
    live *l = ctx;
    const cli *c = l->c;
    l->done++;
    if (!d->match) {
        l->failed++;
        simprog_clear(&l->prog);
        char replay[FLAGS_MAX + 128];
        replay_command(l->argv0, c, d->seed, replay, sizeof(replay));
        char name[SIM_EVENT_NAME_MAX];
        event_name(d->where[0], name, sizeof(name));
        FILE *f = c->json ? stderr : stdout;
        fprintf(f,
                "MISMATCH seed %llu: run A %016llx (%llu events, %s), run B %016llx (%llu "
                "events, %s)\n  first differing event: %llu%s%s%s\n  replay: %s\n",
                (unsigned long long)d->seed, (unsigned long long)d->hash[0],
                (unsigned long long)d->events[0], outcome_name(d->outcome[0]),
                (unsigned long long)d->hash[1], (unsigned long long)d->events[1],
                outcome_name(d->outcome[1]), (unsigned long long)d->first_diff,
                name[0] != '\0' ? " (" : "", name, name[0] != '\0' ? ")" : "", replay);
        if (d->first_diff != 0) {
            fprintf(f, "  run A, event %llu:\n%s  run B, event %llu:\n%s",
                    (unsigned long long)d->first_diff, d->where[0],
                    (unsigned long long)d->first_diff, d->where[1]);
        }
        fflush(f);
    }
    simprog_update(&l->prog, l->done, l->failed, wall_ns());
    return !stop_now(l);
}

/* The cause of a mismatch: a crashed run, or the kind of the first
 * differing event (its trace line's first word after the node). */
static void det_key(const simsweep_detcheck_result *d, char *out, size_t cap)
{
    if (d->outcome[0] == SIMSWEEP_CRASH || d->outcome[1] == SIMSWEEP_CRASH) {
        snprintf(out, cap, "a run crashed");
        return;
    }
    char name[SIM_EVENT_NAME_MAX];
    event_name(d->where[0], name, sizeof(name));
    const char *p = strchr(name, ' ');
    p = p != NULL ? p + 1 : name;
    size_t n = strcspn(p, " ");
    if (d->first_diff == 0 || n == 0) {
        snprintf(out, cap, "trace hash mismatch");
    } else {
        snprintf(out, cap, "trace hash mismatch at a %.*s", (int)n, p);
    }
}

static void det_json(const cli *c, const simsweep_detcheck_result *results, uint32_t count,
                     const live *l, simsweep_stop stop, uint64_t wall,
                     const simprog_groups *g)
{
    printf("{\"seeds\":%u,\"seeds_done\":%u,\"runs\":%u,\"matched\":%u,\"mismatched\":%u,"
           "\"wall_ms\":%.3f,\"perturb_event\":%llu,\"stopped\":",
           count, l->done, 2 * l->done, l->done - l->failed, l->failed, (double)wall / 1e6,
           (unsigned long long)c->perturb_event);
    printf(stop_name(stop) != NULL ? "\"%s\"" : "null", stop_name(stop));
    print_groups_json(g);
    printf(",\"mismatches\":[");
    const char *sep = "";
    for (uint32_t k = 0; k < count; k++) {
        if (results[k].done != 0 && !results[k].match) {
            char name[SIM_EVENT_NAME_MAX];
            event_name(results[k].where[0], name, sizeof(name));
            printf("%s{\"seed\":\"%llu\",\"first_diff\":%llu,\"event\":", sep,
                   (unsigned long long)results[k].seed,
                   (unsigned long long)results[k].first_diff);
            json_string(stdout, name);
            printf("}");
            sep = ",";
        }
    }
    printf("]}\n");
}

static int cmd_detcheck(const char *argv0, const cli *c)
{
    simopt o;
    char err[SIMOPT_ERR_MAX];
    if (simopt_resolve_seed(&c->args, c->first, &o, err, sizeof(err)) != HS_OK) {
        return usage_error("%s", err);
    }
    uint32_t count = (uint32_t)(c->last - c->first + 1);
    simsweep_detcheck_result *results = calloc(count, sizeof(simsweep_detcheck_result));
    simprog_groups *groups = calloc(1, sizeof(simprog_groups));
    if (results == NULL || groups == NULL) {
        fprintf(stderr, "hsim: out of memory\n");
        free(results);
        free(groups);
        return EXIT_USAGE;
    }
    if (c->perturb_event != 0 && !c->json) {
        printf("detcheck self-test: run B of each seed hashes one extra byte at event %llu; "
               "each seed that reaches it must mismatch there\n",
               (unsigned long long)c->perturb_event);
    }
    live l;
    live_init(&l, argv0, c, "detcheck", count);
    simsweep_watch watch = {det_on_run, &l, &interrupt_flag, SIMSWEEP_RAN_ALL};
    catch_sigint();
    uint64_t t0 = wall_ns();
    hs_status st = simsweep_detcheck(&c->args, c->first, c->last, c->jobs, c->perturb_event,
                                     results, &watch, det_on_seed);
    uint64_t wall = wall_ns() - t0;
    simprog_clear(&l.prog);
    if (st != HS_OK) {
        fprintf(stderr, "hsim: detcheck failed: %s\n", hs_status_name(st));
        free(results);
        free(groups);
        return EXIT_FAIL;
    }
    uint32_t self_test_hits = 0;
    for (uint32_t k = 0; k < count; k++) {
        const simsweep_detcheck_result *d = &results[k];
        if (d->done != 0 && !d->match) {
            char key[SIMPROG_KEY_MAX];
            det_key(d, key, sizeof(key));
            simprog_group_add(groups, key, d->seed);
            self_test_hits += c->perturb_event != 0 && d->first_diff == c->perturb_event;
        }
    }
    if (c->json) {
        det_json(c, results, count, &l, watch.stop, wall, groups);
        print_stopped(stderr, &l, watch.stop);
    } else {
        print_groups_text(groups);
        print_stopped(stdout, &l, watch.stop);
        printf("detcheck: seeds %u  runs %u  matched %u  mismatched %u  wall %.3f s\n", l.done,
               2 * l.done, l.done - l.failed, l.failed, (double)wall / 1e9);
        if (c->perturb_event != 0) {
            printf("detcheck self-test: %u of %u seeds first differ at the perturbed event %llu "
                   "(a seed with fewer events cannot)\n",
                   self_test_hits, l.done, (unsigned long long)c->perturb_event);
        }
    }
    free(results);
    free(groups);
    if (watch.stop == SIMSWEEP_INTERRUPTED) {
        return EXIT_INTERRUPTED;
    }
    return l.failed == 0 ? EXIT_PASS : EXIT_FAIL;
}

/* Reads a whole small text file (scenario or config) into a new buffer. */
static char *read_text(const char *path, char *err, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, cap, "%s: cannot read", path);
        return NULL;
    }
    enum { TEXT_MAX = 1 << 20 };
    char *buf = malloc(TEXT_MAX + 1);
    size_t len = buf != NULL ? fread(buf, 1, TEXT_MAX + 1, f) : 0;
    bool bad = buf == NULL || ferror(f) != 0 || len > TEXT_MAX;
    fclose(f);
    if (bad) {
        snprintf(err, cap, "%s: unreadable or larger than 1 MiB", path);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* hsim scenario FILE [--config CONF] [--seed N]: the simulator half of the
 * sim-versus-real comparison (sim/simscen.h). */
static int cmd_scenario(int argc, char **argv)
{
    const char *file = NULL;
    const char *config_path = NULL;
    uint64_t seed = 1;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (simopt_parse_seed(argv[++i], &seed) != HS_OK) {
                return usage_error("--seed: expected an unsigned integer");
            }
        } else if (argv[i][0] != '-' && file == NULL) {
            file = argv[i];
        } else {
            return usage_error("unknown argument '%s' for 'scenario'", argv[i]);
        }
    }
    if (file == NULL) {
        return usage_error("scenario needs a FILE");
    }
    char err[256];
    swim_config cfg;
    swim_config_defaults(&cfg);
    if (config_path != NULL) {
        char *text = read_text(config_path, err, sizeof(err));
        if (text == NULL) {
            return usage_error("%s", err);
        }
        hs_status st = simscen_parse_config(text, &cfg, err, sizeof(err));
        free(text);
        if (st != HS_OK) {
            return usage_error("%s: %s", config_path, err);
        }
    }
    char *script = read_text(file, err, sizeof(err));
    if (script == NULL) {
        return usage_error("%s", err);
    }
    hs_status st = simscen_run(script, &cfg, seed, stdout, err, sizeof(err));
    free(script);
    if (st == HS_ERR_INVALID) {
        return usage_error("%s: %s", file, err);
    }
    if (st != HS_OK) {
        fprintf(stderr, "hsim: %s: %s\n", file, err);
        return EXIT_FAIL;
    }
    return EXIT_PASS;
}

/* ------------------------------------------------------------------ */
/* shrink, --repro, replay                                             */

/* The replay command of args' run (replay_command with other args). */
static void replay_of(const char *argv0, const cli *c, const simopt_args *args, char *out,
                      size_t cap)
{
    cli copy = *c;
    copy.args = *args;
    copy.safety_only = false;
    replay_command(argv0, &copy, args->seed, out, cap);
}

/* "seed34_member_timers", "seed7_crash": the default test name. */
static void default_test_name(const simshrink_result *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "seed%llu_", (unsigned long long)r->first.seed);
    size_t used = n > 0 ? (size_t)n : 0;
    const char *what = r->outcome == SIMSWEEP_CRASH ? "crash" : r->signature;
    for (const char *p = what; *p != '\0' && used + 1 < cap && used < SIMREGRESS_NAME_MAX; p++) {
        char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
        out[used++] = ok ? ch : '_';
    }
    out[used] = '\0';
}

static void shrink_json(const simshrink_result *r, const char *found, const char *shrunk,
                        const char *written)
{
    printf("{\"outcome\":\"shrunk\",\"failure\":\"%s\",\"signature\":",
           r->outcome == SIMSWEEP_CRASH ? "crashed" : "violation");
    json_string(stdout, r->signature);
    printf(",\"seed\":\"%llu\",\"events_whole\":%llu,\"ratio_whole\":%.2f,"
           "\"events_first\":%llu,\"events\":%llu,\"ratio\":%.2f,"
           "\"nodes_first\":%u,\"nodes\":%u,\"actions_first\":%u,\"actions_kept\":%u,"
           "\"runs\":%u,\"cpu_s\":%.2f,\"budget_hit\":%s,\"replay_first\":",
           (unsigned long long)r->first.seed, (unsigned long long)r->events_whole,
           r->events_best ? (double)r->events_whole / (double)r->events_best : 0.0,
           (unsigned long long)r->events_first, (unsigned long long)r->events_best,
           r->events_best ? (double)r->events_first / (double)r->events_best : 0.0,
           r->first.nodes, r->best.nodes, r->actions_first, r->actions_kept, r->runs,
           (double)r->cpu_ns / 1e9, r->budget_hit ? "true" : "false");
    json_string(stdout, found);
    printf(",\"replay\":");
    json_string(stdout, shrunk);
    printf(",\"detail\":");
    json_string(stdout, r->detail_best);
    printf(",\"test\":");
    if (written != NULL) {
        json_string(stdout, written);
    } else {
        printf("null");
    }
    printf("}\n");
}

static void shrink_text(const simshrink_result *r, const char *shrunk, const char *written)
{
    printf("shrunk: %s\n", r->detail_best);
    printf("events up to the failure %llu -> %llu (%.1fx fewer; the whole failing run had "
           "%llu), nodes %u -> %u, fault actions %u -> %u kept, %u runs, %.1f s CPU%s\n",
           (unsigned long long)r->events_first, (unsigned long long)r->events_best,
           r->events_best ? (double)r->events_first / (double)r->events_best : 0.0,
           (unsigned long long)r->events_whole,
           r->first.nodes, r->best.nodes, r->actions_first, r->actions_kept, r->runs,
           (double)r->cpu_ns / 1e9, r->budget_hit ? " (stopped at the budget)" : "");
    printf("replay: %s\n", shrunk);
    if (written != NULL) {
        printf("wrote %s (add it with `python3 configure.py`; it fails until the bug is "
               "fixed)\n", written);
    }
}

static int cmd_shrink(const char *argv0, const cli *c)
{
    simshrink_limits lim = {c->max_runs != 0 ? (uint32_t)c->max_runs : SIMSHRINK_RUNS_DEFAULT,
                            HS_SEC(c->budget_s != 0 ? c->budget_s : SIMSHRINK_BUDGET_S_DEFAULT),
                            stderr};
    simshrink_result *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        fprintf(stderr, "hsim: out of memory\n");
        return EXIT_FAIL;
    }
    /* A failing run's length is its length up to the failure: every run of
     * the shrink, the first included, ends there. */
    cli measured = *c;
    measured.args.stop_at_violation = true;
    c = &measured;
    char err[SIMOPT_ERR_MAX];
    hs_status st = simshrink_run(&c->args, &lim, r, err, sizeof(err));
    if (st != HS_OK) {
        free(r);
        return st == HS_ERR_INVALID ? usage_error("shrink: %s", err)
                                    : (fprintf(stderr, "hsim: shrink: %s\n", err), EXIT_FAIL);
    }
    char found[FLAGS_MAX + 128];
    char shrunk[FLAGS_MAX + 128];
    replay_command(argv0, c, c->args.seed, found, sizeof(found));
    replay_of(argv0, c, &r->best_args, shrunk, sizeof(shrunk));
    char written[2200];
    const char *wrote = NULL;
    if (!c->no_test) {
        char name[SIMREGRESS_NAME_MAX + 1];
        default_test_name(r, name, sizeof(name));
        const char *dir = c->test_dir;
        bool tree = dir == NULL && access("tests/unit", W_OK) == 0 &&
                    access("tests/golden", W_OK) == 0;
        st = simregress_write(r, c->test_name != NULL ? c->test_name : name, found, shrunk,
                              tree ? "tests/unit" : (dir != NULL ? dir : "."),
                              tree ? "tests/golden" : (dir != NULL ? dir : "."), written,
                              sizeof(written), err, sizeof(err));
        if (st != HS_OK) {
            fprintf(stderr, "hsim: shrink: %s\n", err);
            free(r);
            return EXIT_FAIL;
        }
        wrote = written;
    }
    if (c->json) {
        shrink_json(r, found, shrunk, wrote);
    } else {
        shrink_text(r, shrunk, wrote);
    }
    free(r);
    return EXIT_PASS;
}

/* hsim run --repro FILE: one file that says which build ran what. */
static int write_repro(const char *path, const simopt *o, const cli *c)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "hsim: cannot write --repro file '%s'\n", path);
        return EXIT_USAGE;
    }
    static char flags[FLAGS_MAX];
    simopt_format_all(o, flags, sizeof(flags));
    fprintf(f, "# hsim repro file: `hsim replay FILE` runs it again\n");
    fprintf(f, "version %s\ncommit %s (%s)\ncompiler %s\nprotocol %u.%u\n", HS_VERSION,
            HS_GIT_COMMIT, HS_GIT_TREE, HS_COMPILER, MSG_PROTO_MAJOR, MSG_PROTO_MINOR);
    fprintf(f, "seed %llu\n", (unsigned long long)o->seed);
    fprintf(f, "command run --seed %llu %s%s", (unsigned long long)o->seed, flags,
            c->safety_only ? " --safety-only" : "");
    if (c->args.crash_at_event != 0) {
        fprintf(f, " --crash-at-event %llu", (unsigned long long)c->args.crash_at_event);
    }
    if (c->args.lose_timer != 0) {
        fprintf(f, " --lose-timer %u", c->args.lose_timer);
    }
    fprintf(f, "\n");
    return fclose(f) == 0 ? EXIT_PASS : EXIT_USAGE;
}

#define REPRO_ARGS_MAX 256

/* hsim replay FILE [run flags]: the file's command, run by this build. */
static int cmd_replay(int argc, char **argv)
{
    if (argc < 3 || argv[2][0] == '-') {
        return usage_error("replay needs a repro file (hsim run ... --repro FILE)");
    }
    char err[256];
    char *text = read_text(argv[2], err, sizeof(err));
    if (text == NULL) {
        return usage_error("replay: %s", err);
    }
    char *command = strstr(text, "\ncommand run ");
    char *commit = strstr(text, "\ncommit ");
    if (command == NULL) {
        free(text);
        return usage_error("replay: %s has no 'command run' line", argv[2]);
    }
    if (commit != NULL && strncmp(commit + 8, HS_GIT_COMMIT, strlen(HS_GIT_COMMIT)) != 0) {
        fprintf(stderr, "hsim: replay: %s was written by another commit; the options are "
                        "spelled out, so the run is the same unless the simulator changed\n",
                argv[2]);
    }
    char *args[REPRO_ARGS_MAX];
    int n = 0;
    args[n++] = argv[0];
    command[strcspn(command + 1, "\n") + 1] = '\0';
    for (char *tok = strtok(command + 9, " "); tok != NULL && n < REPRO_ARGS_MAX - 1;
         tok = strtok(NULL, " ")) {
        args[n++] = tok;
    }
    for (int i = 3; i < argc && n < REPRO_ARGS_MAX - 1; i++) {
        args[n++] = argv[i]; /* --json, --trace ... */
    }
    args[n] = NULL;
    cli c;
    int rc = parse(n, args, "run", &c);
    if (rc == EXIT_PASS) {
        c.repro = NULL;
        rc = cmd_run(argv[0], &c);
    }
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return usage_error("missing command");
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0) {
        return print_version();
    }
    bool known = strcmp(cmd, "run") == 0 || strcmp(cmd, "sweep") == 0 ||
                 strcmp(cmd, "detcheck") == 0 || strcmp(cmd, "scenario") == 0 ||
                 strcmp(cmd, "shrink") == 0 || strcmp(cmd, "replay") == 0;
    for (int i = 2; known && i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return command_usage(cmd);
        }
    }
    if (strcmp(cmd, "scenario") == 0) {
        return cmd_scenario(argc, argv);
    }
    if (strcmp(cmd, "replay") == 0) {
        return cmd_replay(argc, argv);
    }
    if (strcmp(cmd, "run") != 0 && strcmp(cmd, "sweep") != 0 && strcmp(cmd, "detcheck") != 0 &&
        strcmp(cmd, "shrink") != 0) {
        return usage_error("unknown command '%s'", cmd);
    }
    cli c;
    int rc = parse(argc, argv, cmd, &c);
    if (rc != EXIT_PASS) {
        return rc;
    }
    if (strcmp(cmd, "run") == 0) {
        return cmd_run(argv[0], &c);
    }
    if (strcmp(cmd, "sweep") == 0) {
        return cmd_sweep(argv[0], &c);
    }
    if (strcmp(cmd, "shrink") == 0) {
        return cmd_shrink(argv[0], &c);
    }
    return cmd_detcheck(argv[0], &c);
}
