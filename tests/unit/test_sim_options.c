/* Unit tests for simulator options and the fault schedule: derivation is
 * a function of the seed, options printed as flags parse back to the same
 * options, bad flags are refused, and schedules are sorted, bounded and
 * reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "simopt.h"
#include "simsched.h"

/* Parses a flag string ("--a 1 --b 2") into args; false on any error. */
static bool parse_line(const char *line, simopt_args *a)
{
    char buf[4096];
    char *argv[256];
    int argc = 0;
    strncpy(buf, line, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    for (char *tok = strtok(buf, " "); tok != NULL && argc < 256; tok = strtok(NULL, " ")) {
        argv[argc++] = tok;
    }
    for (int i = 0; i < argc;) {
        char err[200];
        if (simopt_parse_flag(a, argc, argv, &i, err, sizeof(err)) != HS_OK) {
            return false;
        }
    }
    return true;
}

static void test_derive_is_a_function_of_the_seed(void **state)
{
    (void)state;
    for (uint32_t faults = 0; faults <= 2; faults++) {
        int differing = 0;
        for (uint64_t seed = 1; seed <= 50; seed++) {
            simopt a;
            simopt b;
            simopt c;
            simopt_derive(&a, seed, faults);
            simopt_derive(&b, seed, faults);
            simopt_derive(&c, seed + 1000, faults);
            assert_true(simopt_equal(&a, &b));
            assert_true(memcmp(&a, &b, sizeof(a)) == 0);
            c.seed = a.seed;
            differing += !simopt_equal(&a, &c);
            char err[200];
            assert_int_equal(simopt_check(&a, err, sizeof(err)), HS_OK);
            assert_true(a.nodes >= 3 && a.nodes <= 7);
            assert_true(a.perm_down + 2 <= a.nodes);
        }
        assert_true(differing > 45);
    }
}

static void test_none_has_no_faults(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        simopt o;
        simopt_derive(&o, seed, SIMOPT_FAULTS_NONE);
        assert_int_equal(o.loss_ppm + o.dup_ppm + o.reorder_ppm + o.tail_ppm, 0);
        assert_int_equal(o.partition_every_ms + o.crash_every_ms + o.perm_down, 0);
        assert_int_equal(o.disk_fail_ppm + o.torn_ppm + o.drift_max_ppm, 0);
        assert_int_equal(o.forge_ppm + o.forge_fakes, 0);
    }
}

/* The swarm profiles never draw a combination the liveness model refuses
 * (simopt_check_model), so no sweep seed is lost to a usage error. */
static void test_profiles_stay_inside_the_model(void **state)
{
    (void)state;
    uint32_t forging = 0;
    for (uint32_t faults = 0; faults <= 2; faults++) {
        for (uint64_t seed = 1; seed <= 20000; seed++) {
            simopt o;
            simopt_derive(&o, seed, faults);
            char err[SIMOPT_ERR_MAX];
            assert_int_equal(simopt_check(&o, err, sizeof(err)), HS_OK);
            assert_true(o.forge_fakes <= SIMOPT_FORGE_FAKES_MAX);
            forging += o.forge_ppm != 0;
        }
    }
    assert_true(forging > 10000); /* most default and heavy seeds forge */
    /* The profiles' extremes, drawn together. */
    simopt o;
    simopt_derive(&o, 1, SIMOPT_FAULTS_HEAVY);
    o.latency_min_us = 5000;
    o.latency_mean_us = 5000 + 27000;
    o.drift_max_ppm = SIMOPT_DRIFT_MODEL_MAX_PPM;
    char err[SIMOPT_ERR_MAX];
    assert_int_equal(simopt_check(&o, err, sizeof(err)), HS_OK);
}

static void test_model_limits(void **state)
{
    (void)state;
    simopt_args a;
    simopt o;
    char err[SIMOPT_ERR_MAX];
    /* With the default SWIM settings (a drawn probe timeout would grow to
     * fit the links).  Worst-case latency far above half the probe timeout. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--latency-min-us 100 --latency-mean-us 400000", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    assert_non_null(strstr(err, "probe timeout"));
    /* Fixed latency: 250 ms is half of 500 ms, refused; just below passes. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--latency-min-us 250000 --latency-mean-us 250000 "
                           "--drift-max-ppm 0", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--latency-min-us 249999 --latency-mean-us 249999 "
                           "--drift-max-ppm 0", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);
    /* A fast clock shortens the timeout: the same latency is refused. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--latency-min-us 249999 --latency-mean-us 249999 "
                           "--drift-max-ppm 1000", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    /* Drift beyond what the stretched bounds cover. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--drift-max-ppm 20001", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    assert_non_null(strstr(err, "drift"));
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--drift-max-ppm 20000", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);
    /* Another probe timeout moves the limit (sim_create_swim's check). */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 7 --swim-draw 0 "
                           "--latency-min-us 60000 --latency-mean-us 60000 "
                           "--drift-max-ppm 0", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);
    assert_int_equal(simopt_check_model(&o, 100, err, sizeof(err)), HS_ERR_INVALID);
    assert_int_equal(simopt_check_model(&o, 121, err, sizeof(err)), HS_OK);
}

static void test_format_parses_back(void **state)
{
    (void)state;
    for (uint32_t faults = 0; faults <= 2; faults++) {
        for (uint64_t seed = 1; seed <= 40; seed++) {
            simopt o;
            simopt_derive(&o, seed, faults);
            o.liveness_ms = 12345; /* resolved values replay too */
            char line[4096];
            simopt_format_all(&o, line, sizeof(line));
            simopt_args a;
            simopt_args_init(&a);
            assert_true(parse_line(line, &a));
            /* Against a different seed's defaults: every option was given. */
            simopt back;
            char err[200];
            assert_int_equal(simopt_resolve_seed(&a, seed + 7, &back, err, sizeof(err)), HS_OK);
            back.seed = seed;
            assert_true(simopt_equal(&o, &back));
        }
    }
}

static void test_overrides_and_replay_flags(void **state)
{
    (void)state;
    simopt_args a;
    simopt_args_init(&a);
    assert_true(parse_line("--seed 42 --faults heavy --nodes 5 --loss-ppm=0", &a));
    simopt o;
    char err[200];
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);
    assert_int_equal(o.seed, 42);
    assert_int_equal(o.faults, SIMOPT_FAULTS_HEAVY);
    assert_int_equal(o.nodes, 5);
    assert_int_equal(o.loss_ppm, 0);
    simopt d;
    simopt_derive(&d, 42, SIMOPT_FAULTS_HEAVY);
    assert_int_equal(o.dup_ppm, d.dup_ppm);
    char line[512];
    simopt_format_set(&a, &o, line, sizeof(line));
    assert_string_equal(line, "--faults heavy --nodes 5 --loss-ppm 0");
}

static void test_bad_flags(void **state)
{
    (void)state;
    simopt_args a;
    simopt_args_init(&a);
    assert_false(parse_line("--loss-ppm 1000001", &a));
    assert_false(parse_line("--loss-ppm -1", &a));
    assert_false(parse_line("--loss-ppm 12x", &a));
    assert_false(parse_line("--loss-ppm", &a));
    assert_false(parse_line("--faults medium", &a));
    assert_false(parse_line("--nodes 0", &a));
    assert_false(parse_line("--nodes 1025", &a));
    assert_true(parse_line("--nodes 1024", &a));
    assert_false(parse_line("--seed abc", &a));
    char *argv[] = {(char *)"--no-such-flag", (char *)"1"};
    int i = 0;
    char err[200];
    assert_int_equal(simopt_parse_flag(&a, 2, argv, &i, err, sizeof(err)), HS_ERR_NOT_FOUND);
    /* Combinations are checked after the overrides apply. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 1 --latency-min-us 5000 --latency-mean-us 10", &a));
    simopt o;
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    simopt_args_init(&a);
    assert_true(parse_line("--seed 1 --nodes 3 --perm-down 2", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    simopt_args_init(&a);
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID); /* no seed */
}

static void test_seed_forms(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(simopt_parse_seed("18446744073709551615", &v), HS_OK);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(simopt_parse_seed("18446744073709551616", &v), HS_ERR_INVALID);
    assert_int_equal(simopt_parse_seed("b1c46697249b85eb0123456789abcdef01234567", &v), HS_OK);
    assert_int_equal(v, UINT64_C(0xb1c46697249b85eb));
    assert_int_equal(simopt_parse_seed("", &v), HS_ERR_INVALID);
}

static void check_groups(const simsched_action *x, uint32_t nodes)
{
    simset all;
    simset_all(&all, nodes);
    assert_false(simset_empty(&x->group_a));
    assert_false(simset_empty(&x->group_b));
    simset only_a;
    simset_minus(&only_a, &x->group_a, &x->group_b);
    assert_true(simset_eq(&only_a, &x->group_a)); /* disjoint */
    simset rest;
    simset_minus(&rest, &all, &x->group_a);
    assert_true(simset_eq(&rest, &x->group_b)); /* together: the cluster */
    if (x->kind == SIMSCHED_ISOLATE) {
        assert_true(simset_has(&x->group_a, x->node));
    }
}

static void test_schedule(void **state)
{
    uint32_t total_leaves = 0;
    (void)state;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        simopt o;
        simopt_derive(&o, seed, SIMOPT_FAULTS_HEAVY);
        o.partition_every_ms = 3000;
        o.partition_len_ms = 1000;
        o.partition_kinds = 7;
        o.crash_every_ms = 2000;
        o.down_ms = 5000;
        uint64_t end = HS_SEC(60);
        rng r1;
        rng r2;
        rng_seed(&r1, seed);
        rng_seed(&r2, seed);
        simsched a;
        simsched b;
        assert_int_equal(simsched_build(&a, &o, end, &r1), HS_OK);
        assert_int_equal(simsched_build(&b, &o, end, &r2), HS_OK);
        assert_int_equal(a.count, b.count);
        assert_true(a.count > 10);
        assert_memory_equal(a.actions, b.actions, a.count * sizeof(simsched_action));
        uint32_t leaves = 0;
        uint32_t down = 0;
        bool cut = false;
        for (uint32_t k = 0; k < a.count; k++) {
            const simsched_action *x = &a.actions[k];
            assert_true(x->at_ns < end);
            assert_true(k == 0 || x->at_ns >= a.actions[k - 1].at_ns);
            switch (x->kind) {
            case SIMSCHED_PARTITION:
            case SIMSCHED_ASYM:
            case SIMSCHED_ISOLATE:
                assert_false(cut); /* partitions never overlap */
                check_groups(x, o.nodes);
                cut = true;
                break;
            case SIMSCHED_HEAL:
                assert_true(cut);
                cut = false;
                break;
            case SIMSCHED_CRASH:
            case SIMSCHED_LEAVE: /* a graceful stop: down until its restart */
                leaves += x->kind == SIMSCHED_LEAVE ? 1u : 0u;
                down |= 1u << x->node;
                assert_true(__builtin_popcount(down) < (int)o.nodes); /* one stays up */
                break;
            case SIMSCHED_RESTART:
                assert_true((down & (1u << x->node)) != 0);
                down &= ~(1u << x->node);
                break;
            default:
                fail();
            }
        }
        total_leaves += leaves;
        simsched_free(&a);
        simsched_free(&b);
    }
    assert_true(total_leaves > 0); /* the operator stops some nodes gracefully */
}

/* --swim-draw 1: every drawn key inside its [swim] key's range, the
 * whole valid, a function of the seed, and different across seeds. */
static void test_swim_draws(void **state)
{
    (void)state;
    const cfgkey_table *t = swim_config_keys();
    int differing = 0;
    for (uint32_t faults = 0; faults <= 2; faults++) {
        for (uint64_t seed = 1; seed <= 100; seed++) {
            simopt_args a;
            simopt_args_init(&a);
            a.faults = faults;
            assert_true(parse_line("--swim-draw 1", &a));
            simopt o, again;
            char err[SIMOPT_ERR_MAX];
            if (simopt_resolve_seed(&a, seed, &o, err, sizeof(err)) != HS_OK) {
                fail_msg("seed %llu: %s", (unsigned long long)seed, err);
            }
            assert_int_equal(simopt_resolve_seed(&a, seed, &again, err, sizeof(err)), HS_OK);
            assert_true(simopt_equal(&o, &again));
            assert_int_equal(swim_config_check(&o.swim), HS_OK);
            for (uint32_t k = 0; k < t->count; k++) {
                uint64_t v = cfgkey_get_number(t, &o.swim, k);
                assert_true(v >= t->keys[k].min && v <= t->keys[k].max);
            }
            assert_int_equal(simopt_check_model(&o, o.swim.probe_timeout_ms, err, sizeof(err)),
                             HS_OK);
            swim_config defaults;
            swim_config_defaults(&defaults);
            differing += memcmp(&o.swim, &defaults, sizeof(defaults)) != 0;
            /* The replay line carries the drawn settings. */
            char line[4096];
            simopt_format_all(&o, line, sizeof(line));
            simopt_args back_args;
            simopt_args_init(&back_args);
            assert_true(parse_line(line, &back_args));
            simopt back;
            assert_int_equal(simopt_resolve_seed(&back_args, seed + 1, &back, err, sizeof(err)),
                             HS_OK);
            back.seed = seed;
            assert_true(simopt_equal(&o, &back));
        }
    }
    assert_true(differing >= 290);
}

/* --swim-KEY flags come from the table; a setting the rules refuse is
 * refused with the rule, out of range with the range. */
static void test_swim_flags_and_refusals(void **state)
{
    (void)state;
    simopt_args a;
    simopt_args_init(&a);
    assert_true(parse_line("--seed 3 --swim-draw 0 --swim-probe-interval-ms 1400 "
                           "--swim-suspicion-mult=6", &a));
    simopt o;
    char err[SIMOPT_ERR_MAX];
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);
    assert_int_equal(o.swim.probe_interval_ms, 1400);
    assert_int_equal(o.swim.suspicion_mult, 6);
    char line[512];
    simopt_format_set(&a, &o, line, sizeof(line));
    assert_string_equal(line,
                        "--swim-draw 0 --swim-probe-interval-ms 1400 --swim-suspicion-mult 6");
    simopt_args_init(&a);
    assert_true(parse_line("--seed 3 --swim-probe-timeout-ms 2000", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    assert_non_null(strstr(err, "probe_timeout_ms must be below probe_interval_ms"));
    simopt_args_init(&a);
    char *argv[] = {(char *)"--swim-probe-interval-ms", (char *)"5"};
    int i = 0;
    assert_int_equal(simopt_parse_flag(&a, 2, argv, &i, err, sizeof(err)), HS_ERR_INVALID);
    assert_non_null(strstr(err, "5 is out of range (want 10..600000 ms)"));
    char *unknown[] = {(char *)"--swim-bogus", (char *)"5"};
    i = 0;
    assert_int_equal(simopt_parse_flag(&a, 2, unknown, &i, err, sizeof(err)), HS_ERR_NOT_FOUND);
    /* A drawn configuration the liveness model cannot hold (a probe
     * timeout forced below the slowest round trip) is refused. */
    simopt_args_init(&a);
    assert_true(parse_line("--seed 3 --swim-draw 1 --latency-min-us 100000 "
                           "--latency-mean-us 100000 --swim-probe-timeout-ms 100", &a));
    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_ERR_INVALID);
    assert_non_null(strstr(err, "probe timeout"));
}

/* Schedules of clusters beyond one 64-bit word: every split is two
 * non-empty disjoint groups covering the cluster, nodes in range. */
static void test_schedule_large(void **state)
{
    (void)state;
    for (uint32_t nodes = 65; nodes <= SIMOPT_NODES_MAX; nodes += 959) {
        simopt o;
        simopt_derive(&o, 3, SIMOPT_FAULTS_HEAVY);
        o.nodes = nodes;
        o.partition_every_ms = 2000;
        o.partition_kinds = SIMOPT_PART_SPLIT | SIMOPT_PART_ASYM | SIMOPT_PART_ISOLATE;
        o.crash_every_ms = 2000;
        rng r;
        rng_seed(&r, 99);
        simsched a;
        assert_int_equal(simsched_build(&a, &o, HS_SEC(600), &r), HS_OK);
        uint32_t partitions = 0;
        bool high_node = false;
        for (uint32_t k = 0; k < a.count; k++) {
            const simsched_action *x = &a.actions[k];
            if (x->kind <= SIMSCHED_ISOLATE) {
                check_groups(x, nodes);
                partitions++;
            }
            if (x->kind == SIMSCHED_CRASH || x->kind == SIMSCHED_ISOLATE) {
                assert_true(x->node < nodes);
                high_node = high_node || x->node >= 64;
            }
        }
        assert_true(partitions > 10);
        assert_true(high_node);
        simsched_free(&a);
    }
}

/* --keep-actions: the spec grammar, and the schedule keeps exactly the
 * listed actions of the drawn one, in order. */
static void test_keep_actions(void **state)
{
    (void)state;
    static const char *const good[] = {"none", "0", "3", "0,4-9,12", "2-2", "0-1,3-5,7"};
    static const char *const bad[] = {"", ",", "1,", "3,2", "4-2", "1-3,2", "a", "1--3",
                                      "-1", "1 2", "99999999999", "none,1", "1,1"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(simopt_keep_valid(good[i]));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(simopt_keep_valid(bad[i]));
    }
    assert_true(simopt_keep_has("", 77));
    assert_false(simopt_keep_has("none", 0));
    assert_true(simopt_keep_has("0,4-9,12", 4) && simopt_keep_has("0,4-9,12", 9));
    assert_false(simopt_keep_has("0,4-9,12", 3) || simopt_keep_has("0,4-9,12", 10) ||
                 simopt_keep_has("0,4-9,12", 13));
    simopt o;
    simopt_derive(&o, 9, SIMOPT_FAULTS_HEAVY);
    o.partition_every_ms = 3000;
    o.crash_every_ms = 2000;
    rng r1;
    rng r2;
    rng_seed(&r1, 9);
    rng_seed(&r2, 9);
    simsched all;
    simsched kept;
    assert_int_equal(simsched_build(&all, &o, HS_SEC(60), &r1), HS_OK);
    snprintf(o.keep_actions, sizeof(o.keep_actions), "1,3-5");
    assert_int_equal(simsched_build(&kept, &o, HS_SEC(60), &r2), HS_OK);
    assert_int_equal(kept.drawn, all.count);
    assert_int_equal(kept.count, 4);
    static const uint32_t want[] = {1, 3, 4, 5};
    for (uint32_t k = 0; k < 4; k++) {
        assert_memory_equal(&kept.actions[k], &all.actions[want[k]], sizeof(simsched_action));
    }
    simsched_free(&all);
    simsched_free(&kept);
}

/* simopt_args_for gives back exactly the options, keep list included, and
 * the flags it prints parse back to them. */
static void test_args_for(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        simopt o;
        simopt_derive(&o, seed, SIMOPT_FAULTS_DEFAULT);
        o.nodes = 3;
        o.perm_down = 1;
        o.loss_ppm = 0;
        /* A drawn SWIM config follows from the other fields: resolve draws
         * it; here the derived (undrawn) one is compared. */
        o.swim_draw = 0;
        snprintf(o.keep_actions, sizeof(o.keep_actions), "0,2");
        simopt_args base;
        simopt_args_init(&base);
        base.lose_timer = 3;
        simopt_args a;
        simopt_args_for(&base, &o, &a);
        assert_int_equal(a.lose_timer, 3);
        simopt back;
        char err[SIMOPT_ERR_MAX];
        assert_int_equal(simopt_resolve(&a, &back, err, sizeof(err)), HS_OK);
        assert_true(simopt_equal(&o, &back));
        char flags[4096];
        char line[4200];
        simopt_format_set(&a, &back, flags, sizeof(flags));
        snprintf(line, sizeof(line), "--seed %llu %s", (unsigned long long)seed, flags);
        simopt_args again;
        simopt_args_init(&again);
        assert_true(parse_line(line, &again));
        simopt twice;
        assert_int_equal(simopt_resolve(&again, &twice, err, sizeof(err)), HS_OK);
        assert_true(simopt_equal(&o, &twice));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive_is_a_function_of_the_seed),
        cmocka_unit_test(test_none_has_no_faults),
        cmocka_unit_test(test_profiles_stay_inside_the_model),
        cmocka_unit_test(test_model_limits),
        cmocka_unit_test(test_format_parses_back),
        cmocka_unit_test(test_overrides_and_replay_flags),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_swim_draws),
        cmocka_unit_test(test_swim_flags_and_refusals),
        cmocka_unit_test(test_seed_forms),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_schedule_large),
        cmocka_unit_test(test_keep_actions),
        cmocka_unit_test(test_args_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
