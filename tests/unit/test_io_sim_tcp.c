/* Unit tests for simulated TCP (io_sim/simtcp.h): connect, refusal,
 * ordering under latency spikes, back-pressure, partition stall then
 * reset (and resume on heal), crash reset, close at both ends, the frame
 * size limit and the host's stream checks.  A small driver plays the
 * simulator's part: it keeps each slot's wake-up time and runs them in
 * time order, and records what the hooks deliver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "simtcp.h"

#define REC_MAX 256u

typedef struct {
    uint32_t slot;
    uint32_t e;
    uint32_t len;
    uint8_t marker; /* first payload byte */
    uint64_t at_ns;
} rec_frame;

typedef struct {
    uint32_t slot;
    uint32_t e;
    hs_status reason;
    uint64_t id;
    uint64_t at_ns;
} rec_closed;

typedef struct {
    simnet net;
    simtcp t;
    uint64_t now;
    uint64_t wake[SIMTCP_CONNS_MAX];
    bool up[4];
    uint32_t gen[4];
    rec_frame frames[REC_MAX];
    uint32_t n_frames;
    rec_closed closed[REC_MAX];
    uint32_t n_closed;
    uint16_t failed_type[REC_MAX];
    hs_status failed_reason[REC_MAX];
    uint32_t failed_node[REC_MAX];
    uint64_t failed_conn[REC_MAX];
    uint32_t failed_frames[REC_MAX];
    uint32_t n_failed;
    uint32_t violations;
} harness;

static bool h_listening(void *ctx, uint32_t node, uint32_t *gen)
{
    harness *h = ctx;
    *gen = h->gen[node];
    return h->up[node];
}

static void h_arm(void *ctx, uint32_t slot, uint64_t at_ns)
{
    harness *h = ctx;
    h->wake[slot] = at_ns;
}

static void h_frame(void *ctx, uint32_t slot, uint32_t e, const uint8_t *bytes, uint32_t len)
{
    harness *h = ctx;
    assert_true(h->n_frames < REC_MAX);
    rec_frame *r = &h->frames[h->n_frames++];
    r->slot = slot;
    r->e = e;
    r->len = len;
    r->marker = len > FRAME_HEADER_LEN ? bytes[FRAME_HEADER_LEN] : 0;
    r->at_ns = h->now;
}

static void h_closed(void *ctx, uint32_t slot, uint32_t e, hs_status reason)
{
    harness *h = ctx;
    assert_true(h->n_closed < REC_MAX);
    rec_closed *r = &h->closed[h->n_closed++];
    r->slot = slot;
    r->e = e;
    r->reason = reason;
    r->id = simtcp_conn_at(&h->t, slot)->end[e].id;
    r->at_ns = h->now;
}

static void h_send_failed(void *ctx, uint32_t node, hs_addr to, uint64_t conn_id, uint16_t type,
                          hs_status reason, uint32_t frames)
{
    harness *h = ctx;
    (void)to;
    assert_true(h->n_failed < REC_MAX);
    h->failed_node[h->n_failed] = node;
    h->failed_conn[h->n_failed] = conn_id;
    h->failed_frames[h->n_failed] = frames;
    h->failed_type[h->n_failed] = type;
    h->failed_reason[h->n_failed++] = reason;
}

static void h_violation(void *ctx, uint32_t slot, const char *what)
{
    harness *h = ctx;
    (void)slot;
    (void)what;
    h->violations++;
}

static simtcp_params params(void)
{
    simtcp_params p = {HS_SEC(2), HS_SEC(3), HS_SEC(10), 64u * 1024u};
    return p;
}

static harness *setup(const simtcp_params *p, uint32_t tail_ppm)
{
    harness *h = calloc(1, sizeof(harness));
    assert_non_null(h);
    simnet_params np;
    memset(&np, 0, sizeof(np));
    np.latency_min_ns = HS_MS(1);
    np.latency_mean_ns = HS_MS(5);
    np.tail_ppm = tail_ppm;
    np.tail_max_ns = HS_MS(200);
    assert_int_equal(simnet_init(&h->net, 4, 16, &np, 7), HS_OK);
    simtcp_hooks hooks = {h_listening, h_arm, h_frame, h_closed, h_send_failed, h_violation, h};
    assert_int_equal(simtcp_init(&h->t, 16, p, &h->net, 11, &hooks), HS_OK);
    for (uint32_t i = 0; i < SIMTCP_CONNS_MAX; i++) {
        h->wake[i] = HS_TIME_NEVER;
    }
    for (uint32_t i = 0; i < 4; i++) {
        h->up[i] = true;
    }
    return h;
}

static void teardown(harness *h)
{
    simtcp_free(&h->t);
    simnet_free(&h->net);
    free(h);
}

/* Runs every wake-up due up to end_ns, in time order (lowest slot first
 * on a tie), then sets the clock to end_ns. */
static void run_until(harness *h, uint64_t end_ns)
{
    for (;;) {
        uint32_t best = UINT32_MAX;
        for (uint32_t i = 0; i < h->t.cap; i++) {
            if (h->wake[i] <= end_ns && (best == UINT32_MAX || h->wake[i] < h->wake[best])) {
                best = i;
            }
        }
        if (best == UINT32_MAX) {
            break;
        }
        assert_true(h->wake[best] >= h->now || h->wake[best] + HS_SEC(1) > h->now);
        h->now = h->wake[best] > h->now ? h->wake[best] : h->now;
        h->wake[best] = HS_TIME_NEVER;
        simtcp_wake(&h->t, h->now, best);
    }
    h->now = end_ns > h->now ? end_ns : h->now;
}

static uint32_t make_frame(uint8_t *buf, uint8_t marker, uint32_t payload)
{
    memset(buf + FRAME_HEADER_LEN, marker, payload);
    frame_write_header(buf, 16, payload);
    return FRAME_HEADER_LEN + payload;
}

static hs_addr addr_of(uint32_t node)
{
    hs_addr a = {(UINT32_C(10) << 24) | (node + 1), 7946};
    return a;
}

/* An outside client beside node `via` connects to node `to`. */
static uint32_t open_conn(harness *h, uint32_t via, uint32_t to)
{
    uint32_t slot = 0;
    assert_int_equal(simtcp_connect(&h->t, h->now, (UINT32_C(10) << 24) | 99, via, to,
                                    addr_of(to), 7, &slot),
                     HS_OK);
    return slot;
}

static void test_connect_and_order(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 400000); /* wild latency spikes */
    uint32_t slot = open_conn(h, 0, 1);
    uint8_t buf[256];
    for (uint32_t i = 0; i < 50; i++) {
        assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, (uint8_t)i, 40)),
                         HS_OK);
        h->now += 300 * HS_NS_PER_US;
    }
    const simtcp_conn *c = simtcp_conn_at(&h->t, slot);
    assert_int_equal(c->state, SIMTCP_SYN);
    assert_int_equal(h->n_frames, 0); /* nothing before the connect completes */
    run_until(h, h->now + HS_SEC(30));
    assert_int_equal(h->n_frames, 50);
    for (uint32_t i = 0; i < 50; i++) {
        assert_int_equal(h->frames[i].e, 1);
        assert_int_equal(h->frames[i].marker, i);
        assert_int_equal(h->frames[i].len, FRAME_HEADER_LEN + 40);
        if (i > 0) {
            assert_true(h->frames[i].at_ns >= h->frames[i - 1].at_ns);
        }
    }
    assert_int_equal(c->state, SIMTCP_OPEN);
    assert_int_equal(c->end[1].id, 1); /* the node's first conn id */
    assert_int_equal(simtcp_find(&h->t, 1, 1), (int32_t)slot);
    assert_int_equal(c->end[0].addr.ip, (UINT32_C(10) << 24) | 99);
    assert_true(c->end[0].addr.port >= SIMTCP_EPHEMERAL_BASE);
    /* The node replies on the conn id it saw. */
    uint32_t got = 0;
    assert_int_equal(simtcp_node_send(&h->t, h->now, 1, 1, addr_of(1), 0, c->end[0].addr, buf,
                                      make_frame(buf, 0xee, 10), &got),
                     HS_OK);
    assert_int_equal(got, slot);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 51);
    assert_int_equal(h->frames[50].e, 0);
    assert_int_equal(h->frames[50].marker, 0xee);
    assert_int_equal(h->violations, 0);
    assert_int_equal(h->n_closed, 0);
    teardown(h);
}

static void test_refused(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    h->up[2] = false;
    uint32_t slot = open_conn(h, 0, 2);
    uint8_t buf[64];
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 1, 8)), HS_OK);
    run_until(h, HS_SEC(5));
    assert_int_equal(h->n_closed, 1);
    assert_int_equal(h->closed[0].e, 0);
    assert_int_equal(h->closed[0].reason, HS_ERR_REFUSED);
    assert_true(h->closed[0].at_ns >= HS_MS(2)); /* SYN and RST each take a latency */
    assert_int_equal(h->n_frames, 0);
    assert_int_equal(simtcp_count(&h->t), 0);
    /* A node's SEND by address to a node that is down: the queued frames are
     * reported as not sent, coalesced (count, first type). */
    uint32_t got = 0;
    assert_int_equal(simtcp_node_send(&h->t, h->now, 0, 0, addr_of(0), 2, addr_of(2), buf,
                                      make_frame(buf, 2, 8), &got),
                     HS_OK);
    assert_int_equal(simtcp_node_send(&h->t, h->now, 0, 0, addr_of(0), 2, addr_of(2), buf,
                                      make_frame(buf, 3, 8), &got),
                     HS_OK);
    run_until(h, h->now + HS_SEC(5));
    assert_int_equal(h->n_failed, 1);
    assert_int_equal(h->failed_type[0], 16);
    assert_int_equal(h->failed_frames[0], 2);
    assert_int_equal(h->failed_conn[0], 0);
    assert_int_equal(h->failed_reason[0], HS_ERR_REFUSED);
    assert_int_equal(h->n_frames, 0);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

static void test_backpressure(void **state)
{
    (void)state;
    simtcp_params p = params();
    p.sendbuf_bytes = 256;
    harness *h = setup(&p, 0);
    uint32_t slot = open_conn(h, 0, 1);
    run_until(h, HS_SEC(1));
    uint8_t buf[512];
    /* A frame bigger than the whole buffer still fits an empty one. */
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 1, 400)), HS_OK);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 2, 10)),
                     HS_ERR_FULL);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 1);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 3, 100)), HS_OK);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 4, 100)), HS_OK);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 5, 100)),
                     HS_ERR_FULL);
    /* The node's side: its replies fill its own direction. */
    uint32_t got = 0;
    hs_addr peer = simtcp_conn_at(&h->t, slot)->end[0].addr;
    hs_status st = HS_OK;
    uint32_t sent = 0;
    while ((st = simtcp_node_send(&h->t, h->now, 1, 1, addr_of(1), 0, peer, buf,
                                  make_frame(buf, 6, 100), &got)) == HS_OK) {
        sent++;
    }
    assert_int_equal(st, HS_ERR_FULL);
    assert_int_equal(sent, 2);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 5); /* 1, 3, 4 to the node, two replies back */
    assert_int_equal(h->frames[2].marker, 4);
    assert_int_equal(h->violations, 0);
    assert_int_equal(h->n_closed, 0);
    teardown(h);
}

/* A node set from a mask of the first 64 nodes (the partition API takes
 * sets of up to 1,024 nodes). */
static const simset *set_of(uint64_t mask)
{
    static simset sets[2];
    static uint32_t next;
    simset *s = &sets[next++ % 2];
    simset_from_mask(s, mask);
    return s;
}

static void test_partition_stall_then_reset(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    uint32_t slot = open_conn(h, 0, 1);
    run_until(h, HS_SEC(1));
    uint64_t node_id = simtcp_conn_at(&h->t, slot)->end[1].id;
    simnet_partition(&h->net, set_of(1u), set_of(2u), false);
    simtcp_links_changed(&h->t, h->now);
    uint8_t buf[64];
    for (uint8_t i = 0; i < 3; i++) {
        assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, i, 8)), HS_OK);
    }
    uint64_t cut_at = h->now;
    run_until(h, cut_at + HS_MS(2900)); /* stalled, not yet reset */
    assert_int_equal(h->n_frames, 0);
    assert_int_equal(h->n_closed, 0);
    run_until(h, cut_at + HS_SEC(4));
    assert_int_equal(h->n_frames, 0); /* nothing of the stream ever arrives */
    assert_int_equal(h->n_closed, 2);
    assert_int_equal(h->closed[0].reason, HS_ERR_IO);
    assert_int_equal(h->closed[1].reason, HS_ERR_IO);
    assert_int_equal(h->closed[1].id, node_id);
    assert_int_equal(simtcp_count(&h->t), 0);
    assert_int_equal(simtcp_find(&h->t, 1, node_id), -1);
    /* Healed: a new connection gets a fresh id at the node. */
    simnet_heal(&h->net);
    simtcp_links_changed(&h->t, h->now);
    slot = open_conn(h, 0, 1);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(simtcp_conn_at(&h->t, slot)->end[1].id, node_id + 1);
    /* A stall that heals before the timeout resumes in order. */
    simnet_partition(&h->net, set_of(1u), set_of(2u), true); /* 1 -> 0 cut: the replies */
    simtcp_links_changed(&h->t, h->now);
    hs_addr peer = simtcp_conn_at(&h->t, slot)->end[0].addr;
    uint32_t got = 0;
    for (uint8_t i = 10; i < 13; i++) {
        assert_int_equal(simtcp_node_send(&h->t, h->now, 1, node_id + 1, addr_of(1), 0, peer,
                                          buf, make_frame(buf, i, 8), &got),
                         HS_OK);
    }
    run_until(h, h->now + HS_SEC(2));
    assert_int_equal(h->n_frames, 0);
    simnet_heal(&h->net);
    simtcp_links_changed(&h->t, h->now);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(h->frames[i].marker, 10 + i);
    }
    assert_int_equal(h->n_closed, 2);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

/* A reset drops the replies a node queued: the node hears them as one
 * coalesced SEND_FAILED (frames counted) before its CONN_CLOSED, as
 * io_real reports every queued frame of a connection it drops. */
static void test_reset_reports_queued_frames(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    uint32_t slot = open_conn(h, 0, 1);
    run_until(h, HS_SEC(1));
    uint64_t node_id = simtcp_conn_at(&h->t, slot)->end[1].id;
    hs_addr peer = simtcp_conn_at(&h->t, slot)->end[0].addr;
    simnet_partition(&h->net, set_of(1u), set_of(2u), true); /* 1 -> 0 cut: the replies */
    simtcp_links_changed(&h->t, h->now);
    uint8_t buf[64];
    uint32_t got = 0;
    for (uint8_t i = 0; i < 3; i++) {
        assert_int_equal(simtcp_node_send(&h->t, h->now, 1, node_id, addr_of(1), 0, peer, buf,
                                          make_frame(buf, i, 8), &got),
                         HS_OK);
    }
    run_until(h, h->now + HS_SEC(4));
    assert_int_equal(h->n_frames, 0);
    assert_int_equal(h->n_closed, 2);
    assert_int_equal(h->n_failed, 1);
    assert_int_equal(h->failed_node[0], 1);
    assert_int_equal(h->failed_conn[0], node_id);
    assert_int_equal(h->failed_frames[0], 3);
    assert_int_equal(h->failed_type[0], 16);
    assert_int_equal(h->failed_reason[0], HS_ERR_IO);
    assert_int_equal(h->t.stats.frames_failed, 3);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

static void test_crash_resets(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    uint32_t a = open_conn(h, 0, 1);
    uint32_t b = open_conn(h, 2, 1);
    uint32_t other = open_conn(h, 0, 3);
    run_until(h, HS_SEC(1));
    uint8_t buf[64];
    assert_int_equal(simtcp_send(&h->t, h->now, a, 0, buf, make_frame(buf, 1, 8)), HS_OK);
    simtcp_node_down(&h->t, h->now, 1);
    h->up[1] = false;
    h->gen[1]++;
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 0); /* the frame toward the dead node never arrives */
    assert_int_equal(h->n_closed, 2); /* both surviving peers hear the reset */
    for (uint32_t k = 0; k < 2; k++) {
        assert_int_equal(h->closed[k].e, 0);
        assert_int_equal(h->closed[k].reason, HS_ERR_IO);
        assert_true(h->closed[k].slot == a || h->closed[k].slot == b);
    }
    assert_int_equal(simtcp_count(&h->t), 1);
    assert_int_equal(simtcp_conn_at(&h->t, other)->state, SIMTCP_OPEN);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

static void test_close_both_ends(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    uint32_t slot = open_conn(h, 0, 1);
    run_until(h, HS_SEC(1));
    const simtcp_conn *c = simtcp_conn_at(&h->t, slot);
    hs_addr peer = c->end[0].addr;
    uint64_t id = c->end[1].id;
    uint8_t buf[64];
    uint32_t got = 0;
    for (uint8_t i = 0; i < 3; i++) {
        assert_int_equal(simtcp_node_send(&h->t, h->now, 1, id, addr_of(1), 0, peer, buf,
                                          make_frame(buf, i, 8), &got),
                         HS_OK);
    }
    /* The outside end writes too; the node closes before that arrives. */
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 9, 8)), HS_OK);
    assert_true(simtcp_node_close(&h->t, h->now, 1, id));
    assert_false(simtcp_node_close(&h->t, h->now, 1, id)); /* already gone at the node */
    assert_int_equal(simtcp_node_send(&h->t, h->now, 1, id, addr_of(1), 0, peer, buf,
                                      make_frame(buf, 4, 8), &got),
                     HS_ERR_CLOSED);
    run_until(h, h->now + HS_SEC(1));
    /* Graceful: the frames it wrote first, then the close, HS_OK; the
     * closer is not told (io_real's tcp_close); nothing reaches it. */
    assert_int_equal(h->n_frames, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(h->frames[i].e, 0);
    }
    assert_int_equal(h->n_closed, 1);
    assert_int_equal(h->closed[0].e, 0);
    assert_int_equal(h->closed[0].reason, HS_OK);
    assert_true(h->closed[0].at_ns >= h->frames[2].at_ns);
    assert_int_equal(simtcp_count(&h->t), 0);
    /* The outside end closes: the node hears HS_OK. */
    slot = open_conn(h, 0, 1);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 5, 8)), HS_OK);
    simtcp_close(&h->t, h->now, slot, 0);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, make_frame(buf, 6, 8)),
                     HS_ERR_CLOSED);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 4);
    assert_int_equal(h->frames[3].marker, 5);
    assert_int_equal(h->n_closed, 2);
    assert_int_equal(h->closed[1].e, 1);
    assert_int_equal(h->closed[1].reason, HS_OK);
    assert_int_equal(simtcp_check_closes(&h->t, h->now, HS_SEC(1)), 0);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

static void test_frame_limit_and_stream_checks(void **state)
{
    (void)state;
    simtcp_params p = params();
    harness *h = setup(&p, 0);
    uint32_t slot = open_conn(h, 0, 1);
    run_until(h, HS_SEC(1));
    uint8_t *big = malloc(SIMTCP_FRAME_MAX + 1);
    assert_non_null(big);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, big,
                                 make_frame(big, 0x42, FRAME_TCP_PAYLOAD_MAX)),
                     HS_OK);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, big, SIMTCP_FRAME_MAX + 1),
                     HS_ERR_LIMIT);
    uint32_t got = 0;
    hs_addr peer = simtcp_conn_at(&h->t, slot)->end[0].addr;
    assert_int_equal(simtcp_node_send(&h->t, h->now, 1, 1, addr_of(1), 0, peer, big,
                                      SIMTCP_FRAME_MAX + 1, &got),
                     HS_ERR_LIMIT);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 1);
    assert_int_equal(h->frames[0].len, SIMTCP_FRAME_MAX);
    assert_int_equal(h->frames[0].marker, 0x42);
    free(big);
    /* A header the stream cannot resynchronise after: the node's host
     * closes with its status; the writer hears a reset. */
    uint8_t buf[64];
    uint32_t len = make_frame(buf, 1, 8);
    buf[0] = 9;
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, len), HS_OK);
    run_until(h, h->now + HS_SEC(1));
    assert_int_equal(h->n_frames, 1);
    assert_int_equal(h->n_closed, 2);
    assert_int_equal(h->closed[0].e, 1);
    assert_int_equal(h->closed[0].reason, HS_ERR_VERSION);
    assert_int_equal(h->closed[1].e, 0);
    assert_int_equal(h->closed[1].reason, HS_ERR_IO);
    /* A frame that stops half-way: closed at the slow timeout. */
    slot = open_conn(h, 0, 1);
    run_until(h, h->now + HS_SEC(1));
    len = make_frame(buf, 1, 40);
    assert_int_equal(simtcp_send(&h->t, h->now, slot, 0, buf, len - 10), HS_OK);
    uint64_t sent = h->now;
    run_until(h, sent + HS_SEC(9));
    assert_int_equal(h->n_closed, 2);
    run_until(h, sent + HS_SEC(11));
    assert_int_equal(h->n_closed, 4);
    assert_int_equal(h->closed[2].reason, HS_ERR_TRUNCATED);
    assert_int_equal(h->n_frames, 1);
    assert_int_equal(h->violations, 0);
    teardown(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_and_order),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_partition_stall_then_reset),
        cmocka_unit_test(test_crash_resets),
        cmocka_unit_test(test_reset_reports_queued_frames),
        cmocka_unit_test(test_close_both_ends),
        cmocka_unit_test(test_frame_limit_and_stream_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
