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
#include "story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sim *cluster(uint32_t nodes)
{
    simopt o;
    sim_options_scripted(&o, 1, nodes);
    sim *s = NULL;
    assert_int_equal(sim_create(&o, &s), HS_OK);
    story_begin(s, HS_TIME_NEVER);
    return s;
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
    story_check("join");
    sim_destroy(s);
}

/* A crashed node is suspected by the first member to probe it, declared
 * dead when the suspicion expires, and the news spreads by gossip. */
static void test_crash_detected(void **state)
{
    (void)state;
    sim *s = cluster(4);
    sim_run_until(s, HS_SEC(5));
    story_note(s, "crash n4");
    sim_crash(s, 4);
    sim_run_until(s, HS_SEC(30));
    for (uint32_t a = 1; a <= 3; a++) {
        assert_view(s, a, 4, MEMBER_DEAD);
    }
    assert_no_violations(s);
    story_check("crash_detected");
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
    story_note(s, "crash n3");
    sim_crash(s, 3);
    sim_run_until(s, HS_SEC(20));
    assert_view(s, 1, 3, MEMBER_DEAD);
    story_note(s, "restart n3");
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
    story_check("restart_rejoins");
    sim_destroy(s);
}

/* Two halves declare each other dead during a partition; after the heal
 * the reconnect push-pull makes both sides refute and merge. */
static void test_partition_heals(void **state)
{
    (void)state;
    sim *s = cluster(4);
    sim_run_until(s, HS_SEC(5));
    story_note(s, "partition {n1,n2} | {n3,n4}");
    sim_partition(s, SIM_BIT(1) | SIM_BIT(2), SIM_BIT(3) | SIM_BIT(4), false);
    sim_run_until(s, HS_SEC(30));
    assert_view(s, 1, 3, MEMBER_DEAD);
    assert_view(s, 3, 1, MEMBER_DEAD);
    story_note(s, "heal");
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
    story_check("partition_heals");
    sim_destroy(s);
}

/* A node that cannot be heard for less than the suspicion timeout is
 * suspected, learns of it, refutes, and is never declared dead. */
static void test_false_suspicion_refuted(void **state)
{
    (void)state;
    sim *s = cluster(3);
    sim_run_until(s, HS_SEC(5));
    story_note(s, "n2 cannot send to anyone");
    sim_partition(s, SIM_BIT(1) | SIM_BIT(3), SIM_BIT(2), true);
    sim_run_until(s, HS_SEC(8));
    story_note(s, "heal");
    sim_heal(s);
    sim_run_until(s, HS_SEC(20));
    assert_view(s, 1, 2, MEMBER_ALIVE);
    assert_view(s, 3, 2, MEMBER_ALIVE);
    assert_true(node_swim(sim_node(s, 2))->self.incarnation > 0);
    for (uint32_t i = 0; i < story.count; i++) {
        assert_null(strstr(story.lines[i], "member=n2 from=suspect to=dead"));
    }
    assert_no_violations(s);
    story_check("false_suspicion_refuted");
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
