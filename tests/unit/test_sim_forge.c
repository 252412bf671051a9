/* Unit tests for the forge fault class (sim/simforge.h): forged datagrams
 * are a function of their seed, list messages are valid frames whose
 * ALIVE records only ever name fake members, every kind and the extreme
 * incarnations occur, and a whole run with heavy forging keeps every
 * invariant, fake members included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "frame.h"
#include "msg.h"
#include "msg_registry.h"
#include "swim_msg.h"
#include "sim.h"
#include "simforge.h"

typedef struct {
    sim *s;
    hs_name names[SIMOPT_NODES_MAX];
    hs_addr addrs[SIMOPT_NODES_MAX];
    uint32_t self_inc[SIMOPT_NODES_MAX];
    bool up[SIMOPT_NODES_MAX];
    hs_name fakes[SIMOPT_FORGE_FAKES_MAX];
    simforge_cluster c;
} fixture;

/* A converged 5-node scripted cluster for the forger to look at. */
static void setup(fixture *f, uint32_t fakes)
{
    memset(f, 0, sizeof(*f));
    simopt o;
    sim_options_scripted(&o, 7, 5);
    assert_int_equal(sim_create(&o, &f->s), HS_OK);
    sim_run_until(f->s, HS_SEC(20));
    for (uint32_t i = 0; i < 5; i++) {
        const node *nd = sim_node(f->s, i + 1);
        assert_non_null(nd);
        f->names[i] = node_get_config(nd)->name;
        f->addrs[i] = node_get_config(nd)->addr;
        f->self_inc[i] = node_swim(nd)->self.incarnation;
        f->up[i] = true;
    }
    for (uint32_t k = 0; k < SIMOPT_FORGE_FAKES_MAX; k++) {
        simforge_fake_name(k, &f->fakes[k]);
    }
    f->c = (simforge_cluster){
        .nodes = 5,
        .target = 2,
        .view = node_swim(sim_node(f->s, 3)),
        .names = f->names,
        .addrs = f->addrs,
        .self_inc = f->self_inc,
        .up = f->up,
        .fake_names = f->fakes,
        .fakes = fakes,
        .describe = true,
    };
}

static bool is_fake(const hs_name *name)
{
    return strncmp(name->bytes, "ghost", 5) == 0;
}

static void test_same_seed_same_datagram(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 3);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        rng r1;
        rng r2;
        rng_seed(&r1, seed);
        rng_seed(&r2, seed);
        simforge_datagram a;
        simforge_datagram b;
        simforge_build(&r1, &f.c, &a);
        simforge_build(&r2, &f.c, &b);
        assert_int_equal(a.len, b.len);
        assert_int_equal(a.kind, b.kind);
        assert_memory_equal(a.bytes, b.bytes, a.len);
        assert_true(a.from.ip == b.from.ip && a.from.port == b.from.port);
        assert_string_equal(a.desc, b.desc);
    }
    sim_destroy(f.s);
}

static void test_forged_frames(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 3);
    uint32_t kinds[SIMFORGE_KIND_COUNT] = {0};
    uint32_t top_inc = 0;
    uint32_t about_self = 0;
    uint32_t fakes_alive = 0;
    for (uint64_t seed = 1; seed <= 4000; seed++) {
        rng r;
        rng_seed(&r, seed);
        simforge_datagram d;
        simforge_build(&r, &f.c, &d);
        assert_true(d.kind < SIMFORGE_KIND_COUNT);
        assert_true(d.len <= HS_UDP_PAYLOAD_MAX);
        assert_false(hs_addr_eq(d.from, f.addrs[f.c.target])); /* spoofed, never the receiver */
        kinds[d.kind]++;
        frame_header h;
        const uint8_t *payload = NULL;
        hs_status st = frame_decode(d.bytes, d.len, FRAME_UDP_PAYLOAD_MAX, &h, &payload);
        if (d.kind == SIMFORGE_UNKNOWN) {
            assert_int_equal(st, HS_OK);
            const msg_desc *info = msg_registry_find(h.type);
            assert_true(info == NULL || (info->channels & MSG_ON_UDP) == 0);
        }
        if (d.kind != SIMFORGE_ACCUSE && d.kind != SIMFORGE_FAKE) {
            continue;
        }
        assert_int_equal(st, HS_OK);
        msg_member list[MSG_SYNC_MAX];
        union {
            msg_probe probe;
            msg_sync sync;
        } m;
        msg_rx_store store = {list, MSG_SYNC_MAX, NULL, 0};
        assert_int_equal(msg_decode(msg_registry_find(h.type), payload, h.length, &m, &store),
                         HS_OK);
        assert_true(h.type == MSG_PING || h.type == MSG_ACK || h.type == MSG_SYNC ||
                    h.type == MSG_JOIN);
        bool probe = h.type == MSG_PING || h.type == MSG_ACK;
        uint32_t count = probe ? m.probe.gossip.count : m.sync.members.count;
        assert_true(count > 0);
        for (uint32_t i = 0; i < count; i++) {
            const msg_member *e = &list[i];
            /* Forged ALIVE records for real members are out of the model. */
            if (e->state == MEMBER_ALIVE) {
                assert_true(is_fake(&e->name));
                fakes_alive++;
            }
            if (is_fake(&e->name)) {
                assert_true(e->name.bytes[5] >= '1' && e->name.bytes[5] <= '3');
            }
            top_inc += e->state != MEMBER_ALIVE && e->incarnation == MSG_INCARNATION_MAX;
            about_self += e->state != MEMBER_ALIVE && hs_name_eq(&e->name, &f.names[2]);
        }
    }
    for (uint32_t k = 0; k < SIMFORGE_KIND_COUNT; k++) {
        assert_true(kinds[k] > 200);
    }
    assert_true(top_inc > 50);
    assert_true(about_self > 500);
    assert_true(fakes_alive > 500);
    sim_destroy(f.s);
}

static void test_no_fakes_without_names(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0);
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        rng r;
        rng_seed(&r, seed);
        simforge_datagram d;
        simforge_build(&r, &f.c, &d);
        assert_int_not_equal(d.kind, SIMFORGE_FAKE);
        assert_null(strstr(d.desc, "ghost"));
    }
    sim_destroy(f.s);
}

/* Heavy forging over a fault-free cluster: the invariants hold, fake
 * members are declared dead by every node, and the run replays. */
static void test_forged_run_keeps_invariants(void **state)
{
    (void)state;
    uint64_t hash = 0;
    for (int round = 0; round < 2; round++) {
        simopt o;
        simopt_derive(&o, 99, SIMOPT_FAULTS_NONE);
        o.forge_ppm = 300000;
        o.forge_fakes = SIMOPT_FORGE_FAKES_MAX;
        sim *s = NULL;
        assert_int_equal(sim_create(&o, &s), HS_OK);
        assert_int_equal(sim_run(s), HS_OK);
        sim_result r;
        sim_result_get(s, &r);
        for (uint32_t k = 0; k < sim_violation_count(s); k++) {
            print_error("%s: %s\n", simcheck_name(sim_violation(s, k)->invariant),
                        sim_violation(s, k)->detail);
        }
        assert_int_equal(r.violations, 0);
        assert_true(r.faults[SIM_FAULT_FORGE] > 100);
        assert_true(r.checks[SIMCHECK_CRASHED_NODE_DECLARED_DEAD] > 0);
        assert_true(r.converged);
        if (round == 1) {
            assert_int_equal(r.trace_hash, hash);
        }
        hash = r.trace_hash;
        sim_destroy(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_datagram),
        cmocka_unit_test(test_forged_frames),
        cmocka_unit_test(test_no_fakes_without_names),
        cmocka_unit_test(test_forged_run_keeps_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
