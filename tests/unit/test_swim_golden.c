/* SWIM scenario tests with golden readable traces, in the style of
 * cowsql/raft's CLUSTER_TRACE: each scenario scripts a small cluster in
 * the simulator (no random faults, fixed 1 ms latency) and compares the
 * membership story it tells, line by line, with tests/golden/<name>.trace.
 *
 * The trace keeps the lines that describe membership decisions (joins,
 * members added, state transitions, refutations, suspicion expiries,
 * reaps) and the script's own actions, stamped with simulated
 * milliseconds.  A change in protocol behaviour shows up as a readable
 * diff.  To accept an intended change, rerun with HS_UPDATE_GOLDEN=1 and
 * review the diff of the .trace files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_MAX_LINES 4096
#define LINE_MAX_LEN 200

typedef struct {
    char lines[TRACE_MAX_LINES][LINE_MAX_LEN];
    uint32_t count;
} trace_buf;

static trace_buf trace;

/* The decisions worth pinning; everything else (probes, syncs, disk) is
 * noise for a reader and churns with harmless changes. */
static const char *const kept_events[] = {
    " node_ready ",      " join_done ",        " member_added ", " member_state ",
    " member_reaped ",   " self_refuted ",     " suspicion_expired ",
    " node_leaving ",    " sim ",
};

static bool keep(const char *line)
{
    for (size_t i = 0; i < HS_ARRAY_LEN(kept_events); i++) {
        if (strstr(line, kept_events[i]) != NULL) {
            return true;
        }
    }
    return false;
}

static void collect(void *ctx, const char *line)
{
    (void)ctx;
    if (!keep(line) || trace.count >= TRACE_MAX_LINES) {
        return;
    }
    snprintf(trace.lines[trace.count++], LINE_MAX_LEN, "%s", line);
}

/* Lines written by the script itself, in the trace's own format. */
static void note(sim *s, const char *what)
{
    char line[LINE_MAX_LEN];
    uint64_t now = sim_now_ns(s);
    snprintf(line, sizeof(line), "[%6llu.%03llu] sim script: %s",
             (unsigned long long)(now / HS_NS_PER_MS),
             (unsigned long long)(now % HS_NS_PER_MS / HS_NS_PER_US), what);
    collect(NULL, line);
}

static sim *cluster(uint32_t nodes)
{
    memset(&trace, 0, sizeof(trace));
    simopt o;
    sim_options_scripted(&o, 1, nodes);
    sim *s = NULL;
    assert_int_equal(sim_create(&o, &s), HS_OK);
    sim_set_trace(s, SIM_TRACE_EVENTS, collect, NULL);
    return s;
}

static const char *golden_path(const char *name, char *buf, size_t cap)
{
    const char *root = getenv("HS_ROOT");
    snprintf(buf, cap, "%s/tests/golden/%s.trace", root != NULL ? root : ".", name);
    return buf;
}

static void write_golden(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (uint32_t i = 0; i < trace.count; i++) {
        fprintf(f, "%s\n", trace.lines[i]);
    }
    assert_int_equal(fclose(f), 0);
}

/* Compares the collected trace with the golden file and reports the first
 * differing line of each. */
static void check_golden(const char *name)
{
    char path[512];
    golden_path(name, path, sizeof(path));
    if (getenv("HS_UPDATE_GOLDEN") != NULL) {
        write_golden(path);
        return;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("missing golden trace %s (run with HS_UPDATE_GOLDEN=1)", path);
    }
    char line[LINE_MAX_LEN + 2];
    uint32_t i = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (i >= trace.count) {
            fclose(f);
            fail_msg("%s:%u: trace ended early; expected: %s", path, i + 1, line);
        }
        if (strcmp(line, trace.lines[i]) != 0) {
            fclose(f);
            fail_msg("%s:%u:\n  expected: %s\n  actual:   %s", path, i + 1, line,
                     trace.lines[i]);
        }
        i++;
    }
    fclose(f);
    if (i != trace.count) {
        fail_msg("%s: %u extra trace lines, first: %s", path, trace.count - i, trace.lines[i]);
    }
}

static const swim_member *view(sim *s, uint32_t a, uint32_t b)
{
    const node *na = sim_node(s, a);
    char name[8];
    snprintf(name, sizeof(name), "n%u", b);
    hs_name n;
    assert_int_equal(hs_name_set(&n, name, strlen(name)), HS_OK);
    return na == NULL ? NULL : swim_find(node_swim(na), &n);
}

static void assert_view(sim *s, uint32_t a, uint32_t b, uint8_t state)
{
    const swim_member *m = view(s, a, b);
    assert_non_null(m);
    assert_int_equal(m->state, state);
}

static void assert_no_violations(sim *s)
{
    for (uint32_t i = 0; i < sim_violation_count(s); i++) {
        const simcheck_violation *v = sim_violation(s, i);
        print_error("violation: %s\n", v->detail);
    }
    assert_int_equal(sim_violation_count(s), 0);
}

/* Three nodes start together and find each other through their seeds. */
static void test_join(void **state)
{
    (void)state;
    sim *s = cluster(3);
    sim_run_until(s, HS_SEC(3));
    for (uint32_t a = 1; a <= 3; a++) {
        for (uint32_t b = 1; b <= 3; b++) {
            if (a != b) {
                assert_view(s, a, b, MEMBER_ALIVE);
            }
        }
    }
    assert_no_violations(s);
    check_golden("join");
    sim_destroy(s);
}

/* A crashed node is suspected by the first member to probe it, declared
 * dead when the suspicion expires, and the news spreads by gossip. */
static void test_crash_detected(void **state)
{
    (void)state;
    sim *s = cluster(4);
    sim_run_until(s, HS_SEC(5));
    note(s, "crash n4");
    sim_crash(s, 4);
    sim_run_until(s, HS_SEC(30));
    for (uint32_t a = 1; a <= 3; a++) {
        assert_view(s, a, 4, MEMBER_DEAD);
    }
    assert_no_violations(s);
    check_golden("crash_detected");
    sim_destroy(s);
}

/* A crashed node restarts above its durable incarnation ceiling and
 * rejoins; everyone sees it alive at the new incarnation. */
static void test_restart_rejoins(void **state)
{
    (void)state;
    sim *s = cluster(3);
    sim_run_until(s, HS_SEC(5));
    uint32_t before = node_swim(sim_node(s, 3))->self.incarnation;
    note(s, "crash n3");
    sim_crash(s, 3);
    sim_run_until(s, HS_SEC(20));
    assert_view(s, 1, 3, MEMBER_DEAD);
    note(s, "restart n3");
    sim_restart(s, 3);
    sim_run_until(s, HS_SEC(30));
    uint32_t after = node_swim(sim_node(s, 3))->self.incarnation;
    assert_true(after > before);
    for (uint32_t a = 1; a <= 2; a++) {
        const swim_member *m = view(s, a, 3);
        assert_non_null(m);
        assert_int_equal(m->state, MEMBER_ALIVE);
        assert_int_equal(m->incarnation, after);
    }
    assert_no_violations(s);
    check_golden("restart_rejoins");
    sim_destroy(s);
}

/* Two halves declare each other dead during a partition; after the heal
 * the reconnect push-pull makes both sides refute and merge. */
static void test_partition_heals(void **state)
{
    (void)state;
    sim *s = cluster(4);
    sim_run_until(s, HS_SEC(5));
    note(s, "partition {n1,n2} | {n3,n4}");
    sim_partition(s, SIM_BIT(1) | SIM_BIT(2), SIM_BIT(3) | SIM_BIT(4), false);
    sim_run_until(s, HS_SEC(30));
    assert_view(s, 1, 3, MEMBER_DEAD);
    assert_view(s, 3, 1, MEMBER_DEAD);
    note(s, "heal");
    sim_heal(s);
    sim_run_until(s, HS_SEC(60));
    for (uint32_t a = 1; a <= 4; a++) {
        for (uint32_t b = 1; b <= 4; b++) {
            if (a != b) {
                const swim_member *m = view(s, a, b);
                assert_non_null(m);
                assert_int_equal(m->state, MEMBER_ALIVE);
                assert_int_equal(m->incarnation,
                                 node_swim(sim_node(s, b))->self.incarnation);
            }
        }
    }
    assert_no_violations(s);
    check_golden("partition_heals");
    sim_destroy(s);
}

/* A node that cannot be heard for less than the suspicion timeout is
 * suspected, learns of it, refutes, and is never declared dead. */
static void test_false_suspicion_refuted(void **state)
{
    (void)state;
    sim *s = cluster(3);
    sim_run_until(s, HS_SEC(5));
    note(s, "n2 cannot send to anyone");
    sim_partition(s, SIM_BIT(1) | SIM_BIT(3), SIM_BIT(2), true);
    sim_run_until(s, HS_SEC(8));
    note(s, "heal");
    sim_heal(s);
    sim_run_until(s, HS_SEC(20));
    assert_view(s, 1, 2, MEMBER_ALIVE);
    assert_view(s, 3, 2, MEMBER_ALIVE);
    assert_true(node_swim(sim_node(s, 2))->self.incarnation > 0);
    for (uint32_t i = 0; i < trace.count; i++) {
        assert_null(strstr(trace.lines[i], "member=n2 from=suspect to=dead"));
    }
    assert_no_violations(s);
    check_golden("false_suspicion_refuted");
    sim_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_crash_detected),
        cmocka_unit_test(test_restart_rejoins),
        cmocka_unit_test(test_partition_heals),
        cmocka_unit_test(test_false_suspicion_refuted),
    };
    return cmocka_run_group_tests_name("swim_golden", tests, NULL, NULL);
}
