/* Scripted scenarios over the simulator library (sim.h): the API the
 * golden-trace SWIM tests build on.  A fault-free cluster converges; a
 * crashed node is declared dead and comes back with a higher incarnation;
 * a partition heals; the trace is identical run to run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <xxhash.h>

#include "sim.h"
#include "swim_table.h"

typedef struct {
    uint64_t lines;
    uint64_t hash;
    uint64_t member_added;
    uint64_t dead;
    char last[512];
} trace_log;

static void collect(void *ctx, const char *line)
{
    trace_log *t = ctx;
    t->lines++;
    t->hash = XXH3_64bits_withSeed(line, strlen(line), t->hash);
    t->member_added += strstr(line, "member_added") != NULL;
    t->dead += strstr(line, "to=dead") != NULL;
    strncpy(t->last, line, sizeof(t->last) - 1);
}

static sim *make(uint64_t seed, uint32_t nodes, trace_log *t)
{
    simopt o;
    sim_options_scripted(&o, seed, nodes);
    sim *s = NULL;
    assert_int_equal(sim_create(&o, &s), HS_OK);
    if (t != NULL) {
        memset(t, 0, sizeof(*t));
        sim_set_trace(s, SIM_TRACE_EVENTS | SIM_TRACE_MSGS, collect, t);
    }
    return s;
}

/* What node a sees of node b, or NULL. */
static const swim_member *view(sim *s, uint32_t a, uint32_t b)
{
    const node *na = sim_node(s, a);
    const node *nb = sim_node(s, b);
    if (na == NULL || nb == NULL) {
        return NULL;
    }
    return swim_find(node_swim(na), &node_get_config(nb)->name);
}

static void assert_all_alive(sim *s)
{
    uint32_t n = sim_node_count(s);
    for (uint32_t a = 1; a <= n; a++) {
        assert_true(sim_node_running(s, a));
        for (uint32_t b = 1; b <= n; b++) {
            if (a == b) {
                continue;
            }
            const swim_member *m = view(s, a, b);
            assert_non_null(m);
            assert_int_equal(m->state, MEMBER_ALIVE);
            assert_int_equal(m->incarnation, node_swim(sim_node(s, b))->self.incarnation);
        }
    }
}

static void test_converges(void **state)
{
    (void)state;
    trace_log t;
    sim *s = make(1, 4, &t);
    assert_null(sim_node(s, 1)); /* processes come up at their start time */
    sim_run_until(s, 0);
    assert_non_null(sim_node(s, 1));
    sim_run_until(s, HS_SEC(20));
    assert_int_equal(sim_now_ns(s), HS_SEC(20));
    assert_all_alive(s);
    assert_int_equal(sim_violation_count(s), 0);
    assert_true(t.member_added >= 12);
    assert_int_equal(t.dead, 0);
    /* "[     0.000] n1 node_start ..." */
    assert_true(t.lines > 100);
    sim_result r;
    sim_result_get(s, &r);
    assert_true(r.events > 100);
    assert_true(r.checks[SIMCHECK_MEMBER_VIEW_MONOTONIC] == r.events);
    sim_destroy(s);
}

static void test_crash_detected_and_restart(void **state)
{
    (void)state;
    trace_log t;
    sim *s = make(2, 4, &t);
    sim_run_until(s, HS_SEC(10));
    assert_all_alive(s);
    uint32_t inc_before = node_swim(sim_node(s, 3))->self.incarnation;
    sim_crash(s, 3);
    assert_null(sim_node(s, 3));
    assert_false(sim_node_running(s, 3));
    const swim_config *cfg = &node_get_config(sim_node(s, 1))->swim;
    sim_run_until(s, HS_SEC(10) + swim_detection_bound_ns(cfg, 4));
    for (uint32_t a = 1; a <= 4; a++) {
        if (a == 3) {
            continue;
        }
        hs_name name;
        assert_int_equal(hs_name_set(&name, "n3", 2), HS_OK);
        const swim_member *m = swim_find(node_swim(sim_node(s, a)), &name);
        assert_true(m == NULL || m->state == MEMBER_DEAD);
    }
    assert_true(t.dead >= 3);
    sim_restart(s, 3);
    sim_run_until(s, sim_now_ns(s) + swim_convergence_bound_ns(cfg, 4));
    assert_all_alive(s);
    /* A restart never reuses an incarnation. */
    assert_true(node_swim(sim_node(s, 3))->self.incarnation > inc_before);
    assert_int_equal(sim_violation_count(s), 0);
    sim_destroy(s);
}

static void test_partition_heals(void **state)
{
    (void)state;
    sim *s = make(3, 5, NULL);
    sim_run_until(s, HS_SEC(10));
    assert_all_alive(s);
    sim_partition(s, SIM_BIT(1) | SIM_BIT(2), SIM_BIT(3) | SIM_BIT(4) | SIM_BIT(5), false);
    sim_run_until(s, HS_SEC(40));
    const swim_member *m = view(s, 1, 4);
    assert_true(m == NULL || m->state != MEMBER_ALIVE);
    sim_heal(s);
    const swim_config *cfg = &node_get_config(sim_node(s, 1))->swim;
    sim_run_until(s, HS_SEC(40) + swim_convergence_bound_ns(cfg, 5));
    assert_all_alive(s);
    /* One way: n1 can send, hears nothing back. */
    sim_partition(s, SIM_BIT(1), SIM_BIT(2) | SIM_BIT(3) | SIM_BIT(4) | SIM_BIT(5), true);
    sim_run_until(s, sim_now_ns(s) + HS_SEC(30));
    sim_isolate(s, 2);
    sim_run_until(s, sim_now_ns(s) + HS_SEC(5));
    sim_heal(s);
    sim_run_until(s, sim_now_ns(s) + swim_convergence_bound_ns(cfg, 5));
    assert_all_alive(s);
    assert_int_equal(sim_violation_count(s), 0);
    sim_destroy(s);
}

/* Two runs of one script give the same trace, line for line. */
static void test_trace_is_deterministic(void **state)
{
    (void)state;
    trace_log a;
    trace_log b;
    sim *s1 = make(4, 3, &a);
    sim *s2 = make(4, 3, &b);
    sim *all[2] = {s1, s2};
    for (int k = 0; k < 2; k++) {
        sim_run_until(all[k], HS_SEC(5));
        sim_crash(all[k], 2);
        sim_run_until(all[k], HS_SEC(15));
        sim_restart(all[k], 2);
        sim_run_until(all[k], HS_SEC(30));
    }
    assert_int_equal(a.lines, b.lines);
    assert_int_equal(a.hash, b.hash);
    sim_result r1;
    sim_result r2;
    sim_result_get(s1, &r1);
    sim_result_get(s2, &r2);
    assert_int_equal(r1.trace_hash, r2.trace_hash);
    assert_int_equal(r1.events, r2.events);
    assert_int_equal(r1.faults[SIM_FAULT_CRASH], 1);
    assert_int_equal(r1.faults[SIM_FAULT_RESTART], 1);
    sim_destroy(s1);
    sim_destroy(s2);
}

/* The swarm run end to end: safety then liveness, every check exercised. */
static void test_swarm_run(void **state)
{
    (void)state;
    simopt o;
    simopt_derive(&o, 9, SIMOPT_FAULTS_DEFAULT);
    o.nodes = 5;
    o.perm_down = 1;
    o.crash_every_ms = 5000;
    o.down_ms = 3000;
    o.stale_slot_ppm = 1000000; /* every first start judged by meta_recovery */
    sim *s = NULL;
    assert_int_equal(sim_create(&o, &s), HS_OK);
    assert_true(sim_options(s)->liveness_ms > 0);
    assert_int_equal(sim_run(s), HS_OK);
    sim_result r;
    sim_result_get(s, &r);
    assert_int_equal(r.violations, 0);
    assert_int_equal(r.heal_ns, HS_SEC(60));
    assert_true(r.converged);
    assert_true(r.converged_ns <= r.bound_ns);
    for (uint32_t k = 0; k < SIMCHECK_COUNT; k++) {
        assert_true(r.checks[k] > 0);
    }
    assert_true(r.faults[SIM_FAULT_CRASH] > 0);
    sim_destroy(s);
}

/* The first violation of invariant id on node index i, or NULL. */
static const simcheck_violation *violation_of(sim *s, uint32_t id, int32_t node_index)
{
    for (uint32_t k = 0; k < sim_violation_count(s); k++) {
        const simcheck_violation *v = sim_violation(s, k);
        if (v->invariant == id && v->node == node_index) {
            return v;
        }
    }
    return NULL;
}

/* n1's record of n2 is forced to inc 1000, then to 999; `extra` more view
 * changes are recorded in between, so the checker reads either only the
 * changed slots (few) or, past SWIM_VIEW_CHANGES_MAX, the whole table.  Either
 * way the step after must report member_view_monotonic.  Both changes are
 * made behind SWIM's back, with no event: record_events reports the first. */
static void view_goes_back(uint32_t extra)
{
    sim *s = make(3, 3, NULL);
    sim_run_until(s, HS_SEC(5));
    assert_int_equal(sim_violation_count(s), 0);
    swim *w = (swim *)node_swim(sim_node(s, 1));
    swim_member *m = (swim_member *)view(s, 1, 2);
    assert_non_null(m);
    m->incarnation = 1000;
    swim_table_view_changed(w, m);
    sim_run_until(s, HS_SEC(7));
    assert_null(violation_of(s, SIMCHECK_MEMBER_VIEW_MONOTONIC, 0));
    const simcheck_violation *untold = violation_of(s, SIMCHECK_RECORD_EVENTS, 0);
    assert_non_null(untold);
    assert_non_null(strstr(untold->detail, "inc=1000 in the step without an event"));
    m = (swim_member *)view(s, 1, 2);
    m->incarnation = 999;
    swim_table_view_changed(w, m);
    for (uint32_t k = 0; k < extra; k++) {
        swim_table_view_changed(w, view(s, 1, 3) == NULL ? m : (swim_member *)view(s, 1, 3));
    }
    sim_run_until(s, HS_SEC(9));
    assert_non_null(violation_of(s, SIMCHECK_MEMBER_VIEW_MONOTONIC, 0));
    sim_destroy(s);
}

static void test_view_checker_changed_slots(void **state)
{
    (void)state;
    view_goes_back(3);
}

static void test_view_checker_full_scan(void **state)
{
    (void)state;
    view_goes_back(SWIM_VIEW_CHANGES_MAX + 5);
}

static uint32_t suspected_by(sim *s, uint32_t id)
{
    const swim *w = node_swim(sim_node(s, id));
    uint32_t count = 0;
    for (uint32_t slot = 0; slot < swim_slot_end(w); slot++) {
        const swim_member *m = swim_member_slot(w, slot);
        count += m != NULL && m->state != MEMBER_ALIVE ? 1u : 0u;
    }
    return count;
}

/* Beyond the old limits: 300 nodes (addresses past 10.0.0.255, node
 * indexes past one byte, sets past one 64-bit word).  The last node joins
 * through its seeds, and isolating it cuts exactly its links. */
static void test_large_cluster(void **state)
{
    (void)state;
    sim *s = make(7, 300, NULL);
    sim_run_until(s, HS_SEC(20));
    assert_int_equal(sim_violation_count(s), 0);
    for (uint32_t id = 1; id <= 300; id++) {
        assert_true(sim_node_running(s, id));
    }
    const swim_member *m = view(s, 1, 300);
    assert_non_null(m);
    assert_int_equal(m->state, MEMBER_ALIVE);
    assert_non_null(view(s, 300, 1));
    assert_int_equal(suspected_by(s, 300), 0);
    assert_int_equal(suspected_by(s, 299), 0);
    sim_isolate(s, 300);
    sim_run_until(s, HS_SEC(30));
    /* Its probes fail from the first round on; nobody else's do. */
    assert_true(suspected_by(s, 300) >= 5);
    assert_int_equal(suspected_by(s, 299), 0);
    assert_int_equal(sim_violation_count(s), 0);
    sim_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converges),
        cmocka_unit_test(test_crash_detected_and_restart),
        cmocka_unit_test(test_partition_heals),
        cmocka_unit_test(test_trace_is_deterministic),
        cmocka_unit_test(test_swarm_run),
        cmocka_unit_test(test_large_cluster),
        cmocka_unit_test(test_view_checker_changed_slots),
        cmocka_unit_test(test_view_checker_full_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
