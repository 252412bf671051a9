/* Unit tests for the node and its SWIM state machine, driven input by
 * input: start-up through the meta store, probe and ack, indirect probes,
 * suspicion and refutation, death and reaping, joins, the ceiling rule,
 * error replies and control requests.  Each test feeds crafted inputs and
 * asserts on the outputs, with no simulator in between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frame.h"
#include "meta.h"
#include "msg.h"
#include "msg_registry.h"
#include "msg_testlib.h"
#include "node.h"
#include "swim_table.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NODE_PORT 7946

typedef struct {
    node *n;
    hs_outbox ob;
    uint64_t now_ns;
    /* Durable file image, and the ops the node asked for. */
    uint8_t meta_file[META_FILE_SIZE];
    uint32_t meta_len;
} harness;

static hs_addr addr_of(uint32_t i)
{
    return (hs_addr){(10u << 24) | i, NODE_PORT};
}

static hs_name name_of(const char *text)
{
    hs_name name;
    hs_status st = hs_name_set(&name, text, strlen(text));
    assert_int_equal(st, HS_OK);
    return name;
}

/* peers_max 0 keeps the default. */
static void harness_create_peers(harness *h, const char *name, uint32_t index, uint32_t seeds,
                                 uint32_t peers_max)
{
    memset(h, 0, sizeof(*h));
    node_config cfg;
    node_config_defaults(&cfg);
    if (peers_max != 0) {
        cfg.peers_max = peers_max;
    }
    cfg.name = name_of(name);
    cfg.addr = addr_of(index);
    cfg.rng_seed = 1000 + index;
    for (uint32_t i = 1; i <= seeds; i++) {
        cfg.seeds[cfg.seed_count++] = addr_of(i);
    }
    assert_int_equal(node_create(&cfg, &h->n), HS_OK);
    assert_int_equal(hs_outbox_init(&h->ob, 256, 1u << 20), HS_OK);
    h->now_ns = HS_SEC(100);
}

static void harness_create(harness *h, const char *name, uint32_t index, uint32_t seeds)
{
    harness_create_peers(h, name, index, seeds, 0);
}

static void harness_free(harness *h)
{
    node_destroy(h->n);
    hs_outbox_free(&h->ob);
}

static void step(harness *h, const hs_input *in)
{
    hs_outbox_reset(&h->ob);
    node_step(h->n, h->now_ns, in, &h->ob);
    assert_int_equal(h->ob.overflows, 0);
}

/* Executes the disk outputs of the last step against the in-memory file
 * and feeds each completion back, as a host would, until none remain. */
static void run_disk(harness *h)
{
    for (int rounds = 0; rounds < 8; rounds++) {
        hs_output pending[16];
        uint8_t data[16][META_RECORD_LEN];
        uint32_t count = 0;
        for (uint32_t i = 0; i < h->ob.count; i++) {
            const hs_output *o = &h->ob.items[i];
            if (o->kind == HS_OUT_DISK_WRITE || o->kind == HS_OUT_DISK_SYNC ||
                o->kind == HS_OUT_DISK_READ) {
                assert_true(count < 16);
                if (o->kind == HS_OUT_DISK_WRITE) {
                    assert_int_equal(o->u.disk.len, META_RECORD_LEN);
                    memcpy(data[count], hs_outbox_payload(&h->ob, o), META_RECORD_LEN);
                }
                pending[count++] = *o;
            }
        }
        if (count == 0) {
            return;
        }
        for (uint32_t i = 0; i < count; i++) {
            hs_input in;
            memset(&in, 0, sizeof(in));
            in.kind = HS_IN_DISK_DONE;
            in.u.disk.op_id = pending[i].u.disk.op_id;
            in.u.disk.status = HS_OK;
            if (pending[i].kind == HS_OUT_DISK_WRITE) {
                uint64_t off = pending[i].u.disk.file_offset;
                memcpy(h->meta_file + off, data[i], META_RECORD_LEN);
                if (off + META_RECORD_LEN > h->meta_len) {
                    h->meta_len = (uint32_t)(off + META_RECORD_LEN);
                }
            } else if (pending[i].kind == HS_OUT_DISK_READ) {
                in.u.disk.bytes = h->meta_file;
                in.u.disk.len = h->meta_len;
            }
            /* Only the last completion of a batch may issue new disk
             * operations (the meta store keeps one write in flight), so
             * the next round sees every new request. */
            step(h, &in);
        }
    }
}

/* START, then the disk, without requiring that the node starts. */
static void start_and_load(harness *h)
{
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step(h, &in);
    run_disk(h);
}

static void start(harness *h)
{
    start_and_load(h);
    assert_true(node_running(h->n));
}

static const hs_output *find_output(const harness *h, hs_output_kind kind, int nth)
{
    for (uint32_t i = 0; i < h->ob.count; i++) {
        if (h->ob.items[i].kind == kind && nth-- == 0) {
            return &h->ob.items[i];
        }
    }
    return NULL;
}

static const hs_output *find_event(const harness *h, uint16_t code)
{
    for (uint32_t i = 0; i < h->ob.count; i++) {
        if (h->ob.items[i].kind == HS_OUT_EVENT && h->ob.items[i].u.event.code == code) {
            return &h->ob.items[i];
        }
    }
    return NULL;
}

static msg_member decoded_list[MSG_MEMBERS_MAX];
static msg_counter decoded_counters[MSG_COUNTERS_MAX];

/* Any message as these tests build and read it: the type, its body, and
 * its member list (gossip, sync list or members reply) beside the body. */
typedef struct {
    uint16_t type;
    testlib_typed_body u;
    msg_member *list;
    uint32_t list_count;
} msg;

static msg_member_list *body_list(msg *m)
{
    static msg_member_list none;
    switch (m->type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        return &m->u.probe.gossip;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        return &m->u.sync.members;
    case MSG_MEMBERS_RESP:
        return &m->u.members.members;
    default:
        none = (msg_member_list){NULL, 0, 0};
        return &none;
    }
}

static hs_status msg_encode_frame_t(const msg *m, uint8_t *buf, size_t cap, size_t *len)
{
    msg copy = *m;
    msg_member_list *l = body_list(&copy);
    l->items = m->list;
    l->count = m->list_count;
    return msg_encode_frame(msg_registry_find(m->type), &copy.u, buf, cap, len);
}

/* Decodes a send output of ob; returns the message type. */
static uint16_t decode_out(const hs_outbox *ob, const hs_output *o, msg *m)
{
    frame_header header;
    const uint8_t *payload = NULL;
    assert_int_equal(frame_decode(hs_outbox_payload(ob, o), o->u.send.len,
                                  FRAME_TCP_PAYLOAD_MAX, &header, &payload),
                     HS_OK);
    msg_rx_store store = {decoded_list, MSG_MEMBERS_MAX, decoded_counters, MSG_COUNTERS_MAX};
    memset(m, 0, sizeof(*m));
    m->type = header.type;
    assert_int_equal(
        msg_decode(msg_registry_find(header.type), payload, header.length, &m->u, &store),
        HS_OK);
    m->list = body_list(m)->items;
    m->list_count = body_list(m)->count;
    return header.type;
}

/* Decodes a send output of the harness; returns the message type. */
static uint16_t decode_send(const harness *h, const hs_output *o, msg *m)
{
    return decode_out(&h->ob, o, m);
}

static hs_input recv_input(hs_channel channel, hs_addr from, uint64_t conn,
                           const uint8_t *bytes, size_t len)
{
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_RECV;
    in.u.recv.channel = channel;
    in.u.recv.from = from;
    in.u.recv.conn_id = conn;
    in.u.recv.bytes = bytes;
    in.u.recv.len = (uint32_t)len;
    return in;
}

static void deliver(harness *h, hs_channel channel, hs_addr from, uint64_t conn,
                    const uint8_t *bytes, size_t len)
{
    hs_input in = recv_input(channel, from, conn, bytes, len);
    step(h, &in);
}

static void deliver_msg(harness *h, hs_addr from, const msg *m)
{
    static uint8_t buf[FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX];
    size_t len = 0;
    assert_int_equal(msg_encode_frame_t(m, buf, sizeof(buf), &len), HS_OK);
    deliver(h, HS_CH_UDP, from, 0, buf, len);
}

static void fire_id(harness *h, uint64_t timer_id)
{
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER;
    in.u.timer.timer_id = timer_id;
    step(h, &in);
}

/* A singleton timer (slot 0) of this generation: gen 0 for the periodic
 * ones, the probe seq for the probe timeout. */
static void fire(harness *h, uint8_t kind, uint64_t gen)
{
    fire_id(h, hs_timer_id(kind, 0, (uint32_t)gen));
}

static msg_member member_entry(const char *name, uint32_t index, uint32_t inc, uint8_t state)
{
    msg_member e;
    memset(&e, 0, sizeof(e));
    e.name = name_of(name);
    e.addr = addr_of(index);
    e.incarnation = inc;
    e.state = state;
    e.role = ROLE_WORKER;
    return e;
}

/* A PING from source to target carrying list[0..count) as gossip. */
static msg ping_msg(uint64_t seq, const char *source, const char *target, msg_member *list,
                    uint32_t count)
{
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_PING;
    m.u.probe.seq = seq;
    m.u.probe.source = name_of(source);
    m.u.probe.target = name_of(target);
    m.list = list;
    m.list_count = count;
    return m;
}

/* Teaches the node about members n2..n<count+1> via a PING's gossip. */
static void learn(harness *h, uint32_t count)
{
    static msg_member entries[8];
    char names[8][8];
    assert_true(count <= 8);
    for (uint32_t i = 0; i < count; i++) {
        snprintf(names[i], sizeof(names[i]), "n%u", i + 2);
        entries[i] = member_entry(names[i], i + 2, 0, MEMBER_ALIVE);
    }
    msg m = ping_msg(77, "n2", "n1", entries, count);
    deliver_msg(h, addr_of(2), &m);
    assert_int_equal(swim_member_count(node_swim(h->n)), count);
}

/* ------------------------------------------------------------------ */

static void test_fresh_start_persists_ceiling_first(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step(&h, &in);
    /* Nothing but a read of the meta file happens before it is durable. */
    assert_non_null(find_output(&h, HS_OUT_DISK_READ, 0));
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    assert_false(node_running(h.n));
    run_disk(&h);
    assert_true(node_running(h.n));
    assert_int_equal(node_swim(h.n)->self.incarnation, 0);
    assert_int_equal(node_meta(h.n)->durable.inc_ceiling, SWIM_INC_WINDOW);
    meta_record r;
    assert_int_equal(meta_decode(h.meta_file + META_SLOT_SIZE, META_RECORD_LEN, &r), HS_OK);
    assert_int_equal(r.inc_ceiling, SWIM_INC_WINDOW);
    harness_free(&h);
}

/* A new process of name whose meta file holds image, started and loaded. */
static void start_from_image(harness *h, const char *name, const uint8_t *image)
{
    harness_create(h, name, 1, 0);
    memcpy(h->meta_file, image, META_FILE_SIZE);
    h->meta_len = META_FILE_SIZE;
    start_and_load(h);
}

/* A node whose recovered ceiling leaves less than a window of incarnations
 * starts with what is left (it must not wait for a ceiling the range
 * cannot hold), and one whose incarnations are used up halts with an event
 * instead of waiting forever.  Drives the incarnation range's end. */
static void test_start_near_incarnation_max(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    meta_record r;
    memset(&r, 0, sizeof(r));
    r.seq = 1;
    r.inc_ceiling = MSG_INCARNATION_MAX - 10;
    r.name = name_of("n1");
    meta_encode(&r, h.meta_file);
    h.meta_len = META_FILE_SIZE;
    start(&h);
    assert_int_equal(node_swim(h.n)->self.incarnation, MSG_INCARNATION_MAX - 9);
    assert_int_equal(node_meta(h.n)->durable.inc_ceiling, MSG_INCARNATION_MAX);
    assert_false(node_exhausted(h.n)); /* running on its last window */
    uint8_t image[META_FILE_SIZE];
    memcpy(image, h.meta_file, sizeof(image));
    harness_free(&h);

    /* The ceiling is the last incarnation: nothing is left to start with. */
    start_from_image(&h, "n1", image);
    assert_false(node_running(h.n));
    const hs_output *halted = find_event(&h, HS_EV_NODE_HALTED);
    assert_non_null(halted);
    assert_int_equal(halted->u.event.a, HS_ERR_RANGE);
    assert_true(node_exhausted(h.n));
    harness_free(&h);
}

/* A restart never reuses an incarnation, even when the last persisted
 * slot is torn: the other slot still holds the previous ceiling. */
static void test_restart_goes_above_ceiling(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    uint8_t image[META_FILE_SIZE];
    memcpy(image, h.meta_file, sizeof(image));
    uint32_t len = h.meta_len;
    harness_free(&h);

    harness_create(&h, "n1", 1, 0);
    memcpy(h.meta_file, image, sizeof(image));
    h.meta_len = len;
    start(&h);
    assert_int_equal(node_swim(h.n)->self.incarnation, SWIM_INC_WINDOW + 1);
    uint32_t second_ceiling = node_meta(h.n)->durable.inc_ceiling;
    assert_int_equal(second_ceiling, 2 * SWIM_INC_WINDOW + 1);
    memcpy(image, h.meta_file, sizeof(image));
    harness_free(&h);

    /* Tear the newest slot: recovery falls back to the older one. */
    harness_create(&h, "n1", 1, 0);
    memcpy(h.meta_file, image, sizeof(image));
    h.meta_len = META_FILE_SIZE;
    meta_record newest;
    int torn_slot = -1;
    for (int slot = 0; slot < 2; slot++) {
        if (meta_decode(h.meta_file + slot * META_SLOT_SIZE, META_RECORD_LEN, &newest) ==
                HS_OK &&
            newest.inc_ceiling == second_ceiling) {
            torn_slot = slot;
        }
    }
    assert_true(torn_slot >= 0);
    h.meta_file[torn_slot * META_SLOT_SIZE + 40] ^= 0xff;
    start(&h);
    assert_int_equal(node_swim(h.n)->self.incarnation, SWIM_INC_WINDOW + 1);
    harness_free(&h);
}

static void test_meta_of_other_node_halts(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "other", 1, 0);
    start(&h);
    uint8_t image[META_FILE_SIZE];
    memcpy(image, h.meta_file, sizeof(image));
    harness_free(&h);
    start_from_image(&h, "n1", image);
    assert_false(node_running(h.n));
    assert_int_equal(node_meta(h.n)->phase, META_FAILED);
    const hs_output *halted = find_event(&h, HS_EV_NODE_HALTED);
    assert_non_null(halted);
    assert_int_equal(halted->u.event.a, HS_ERR_STATE);
    assert_string_equal(halted->u.event.subject.bytes, "other");
    assert_false(node_exhausted(h.n)); /* halted, but not by its range */
    harness_free(&h);
}

static void test_ping_gets_ack_with_self(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 1);
    const hs_output *o = find_output(&h, HS_OUT_SEND, 0);
    assert_non_null(o);
    msg m;
    assert_int_equal(decode_send(&h, o, &m), MSG_ACK);
    assert_int_equal(m.u.probe.seq, 77);
    assert_true(hs_addr_eq(o->u.send.to, addr_of(2)));
    assert_true(m.list_count >= 1);
    assert_true(hs_name_eq(&m.list[0].name, &node_swim(h.n)->self.name));
    harness_free(&h);
}

/* The ack carries our record only when the prober's copy of our
 * incarnation (sent in the PING) is stale or absent. */
static void test_ack_self_only_when_prober_is_stale(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 1);
    msg m = ping_msg(5, "n2", "n1", NULL, 0);
    m.u.probe.has_target_inc = true;
    m.u.probe.target_inc = node_swim(h.n)->self.incarnation;
    /* Our own alive record is still queued as gossip after start-up; once
     * its retransmissions are spent, an up-to-date prober gets none. */
    msg ack;
    uint32_t with_self = 0;
    for (int round = 0; round < 20; round++) {
        deliver_msg(&h, addr_of(2), &m);
        assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &ack), MSG_ACK);
        for (uint32_t i = 0; i < ack.list_count; i++) {
            with_self += hs_name_eq(&ack.list[i].name, &node_swim(h.n)->self.name);
        }
    }
    assert_true(with_self <= swim_retransmit_limit(node_swim(h.n)));
    assert_int_equal(ack.list_count, 0);
    m.u.probe.target_inc = node_swim(h.n)->self.incarnation + 1; /* stale, other way */
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &ack), MSG_ACK);
    assert_true(ack.list_count >= 1);
    assert_true(hs_name_eq(&ack.list[0].name, &node_swim(h.n)->self.name));
    harness_free(&h);
}

static void test_ping_for_someone_else_is_not_acked(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    msg m = ping_msg(5, "n2", "previous-owner", NULL, 0);
    deliver_msg(&h, addr_of(2), &m);
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    assert_non_null(find_event(&h, HS_EV_MSG_NOT_FOR_ME));
    assert_int_equal(node_get_counters(h.n)->not_for_me, 1);
    harness_free(&h);
}

/* Probe round -> no ack -> ping-req to k proxies -> next round suspects
 * -> suspicion expires -> dead -> retention passes -> reaped, and every
 * mention of the member is gone. */
static void test_failed_probe_suspect_dead_reap(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 4);
    const swim *s = node_swim(h.n);
    fire(&h, SWIM_TIMER_PROBE, 0);
    const hs_output *ping = find_output(&h, HS_OUT_SEND, 0);
    assert_non_null(ping);
    msg m;
    assert_int_equal(decode_send(&h, ping, &m), MSG_PING);
    hs_name target = m.u.probe.target;
    uint64_t seq = s->probe_seq;
    fire(&h, SWIM_TIMER_PROBE_TIMEOUT, seq);
    uint32_t reqs = 0;
    for (int i = 0; find_output(&h, HS_OUT_SEND, i) != NULL; i++) {
        msg r;
        assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, i), &r), MSG_PING_REQ);
        assert_true(hs_name_eq(&r.u.probe.target, &target));
        reqs++;
    }
    assert_int_equal(reqs, 3);
    h.now_ns += HS_MS(500);
    fire(&h, SWIM_TIMER_PROBE, 0);
    const swim_member *t = swim_find(s, &target);
    assert_non_null(t);
    assert_int_equal(t->state, MEMBER_SUSPECT);
    uint64_t suspect_id = swim_member_timer(s, SWIM_TIMER_SUSPECT, t);
    uint64_t reap_id = swim_member_timer(s, SWIM_TIMER_REAP, t);
    assert_true(swim_timer_owner_live(s, suspect_id));
    uint64_t uid = t->uid;
    h.now_ns += swim_suspicion_timeout_ns(s);
    fire_id(&h, suspect_id);
    assert_int_equal(t->state, MEMBER_DEAD);
    assert_non_null(find_event(&h, HS_EV_SUSPICION_EXPIRED));
    assert_false(swim_timer_owner_live(s, suspect_id));
    assert_true(swim_timer_owner_live(s, reap_id));
    h.now_ns += HS_MS(s->cfg.dead_retention_ms);
    fire_id(&h, reap_id);
    assert_null(swim_find(s, &target));
    assert_int_equal(swim_member_count(s), 3);
    for (uint32_t i = 0; i < s->gossip_end; i++) {
        assert_true(s->gossip[i].uid != uid);
    }
    for (uint32_t i = 0; i < s->order_count; i++) {
        assert_non_null(swim_member_slot(s, s->order[i]));
    }
    assert_false(node_timer_owner_live(h.n, reap_id));
    harness_free(&h);
}

/* An ack, direct or relayed, ends the probe: no ping-req, no suspicion. */
static void test_ack_cancels_probe_timeout(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 2);
    const swim *s = node_swim(h.n);
    fire(&h, SWIM_TIMER_PROBE, 0);
    uint64_t seq = s->probe_seq;
    msg ack;
    memset(&ack, 0, sizeof(ack));
    ack.type = MSG_ACK;
    ack.u.probe.seq = seq;
    ack.u.probe.source = name_of("n3");
    deliver_msg(&h, addr_of(3), &ack);
    bool cancelled = false;
    for (int i = 0; find_output(&h, HS_OUT_TIMER_CANCEL, i) != NULL; i++) {
        cancelled = cancelled || find_output(&h, HS_OUT_TIMER_CANCEL, i)->u.timer.timer_id ==
                                     hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, (uint32_t)seq);
    }
    assert_true(cancelled);
    assert_false(
        node_timer_owner_live(h.n, hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, (uint32_t)seq)));
    h.now_ns += HS_SEC(1);
    fire(&h, SWIM_TIMER_PROBE, 0);
    for (uint32_t i = 0; i < s->cfg.members_cap; i++) {
        const swim_member *mem = swim_member_slot(s, i);
        assert_true(mem == NULL || mem->state == MEMBER_ALIVE);
    }
    /* A second ack for the same probe is stale. */
    deliver_msg(&h, addr_of(3), &ack);
    assert_non_null(find_event(&h, HS_EV_MSG_STALE));
    harness_free(&h);
}

/* As a proxy: ping-req -> ping to the target; the target's ack is relayed
 * to the originator with the originator's sequence number. */
static void test_ping_req_relay(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 2);
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_PING_REQ;
    req.u.probe.seq = 4242;
    req.u.probe.source = name_of("n2");
    req.u.probe.target = name_of("n3");
    req.u.probe.target_addr = addr_of(3);
    deliver_msg(&h, addr_of(2), &req);
    const hs_output *o = find_output(&h, HS_OUT_SEND, 0);
    msg ping;
    assert_int_equal(decode_send(&h, o, &ping), MSG_PING);
    assert_true(hs_addr_eq(o->u.send.to, addr_of(3)));
    uint64_t relay_seq = ping.u.probe.seq;
    msg ack;
    memset(&ack, 0, sizeof(ack));
    ack.type = MSG_ACK;
    ack.u.probe.seq = relay_seq;
    ack.u.probe.source = name_of("n3");
    deliver_msg(&h, addr_of(3), &ack);
    o = find_output(&h, HS_OUT_SEND, 0);
    msg fwd;
    assert_int_equal(decode_send(&h, o, &fwd), MSG_ACK);
    assert_int_equal(fwd.u.probe.seq, 4242);
    assert_true(hs_addr_eq(o->u.send.to, addr_of(2)));
    assert_int_equal(node_swim(h.n)->relay_count, 0);
    harness_free(&h);
}

/* A suspicion about ourselves at our incarnation is refuted with a higher
 * incarnation, gossiped; an older accusation changes nothing. */
static void test_refutation(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const swim *s = node_swim(h.n);
    msg_member accusation = member_entry("n1", 1, 0, MEMBER_SUSPECT);
    msg m = ping_msg(1, "n2", "n1", &accusation, 1);
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(s->self.incarnation, 1);
    assert_non_null(find_event(&h, HS_EV_SELF_REFUTED));
    msg ack;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &ack), MSG_ACK);
    assert_int_equal(ack.list[0].incarnation, 1);
    assert_int_equal(ack.list[0].state, MEMBER_ALIVE);
    deliver_msg(&h, addr_of(2), &m); /* stale: incarnation 0 < 1 */
    assert_int_equal(s->self.incarnation, 1);
    accusation.state = MEMBER_DEAD;
    accusation.incarnation = 1;
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(s->self.incarnation, 2);
    /* An accusation above any incarnation we issued is impossible (forged
     * or corrupt): ignored and reported, never refuted. */
    accusation.incarnation = MSG_INCARNATION_MAX;
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(s->self.incarnation, 2);
    assert_non_null(find_event(&h, HS_EV_ENTRY_IMPOSSIBLE));
    harness_free(&h);
}

/* One list refutes at most once: accusations at our incarnation and at
 * each one above it, in one forged datagram, would otherwise climb one
 * incarnation per entry (the one after the first refutation is one we
 * announced only in this step, so no one could have accused us of it). */
static void test_one_refutation_per_list(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const swim *s = node_swim(h.n);
    uint32_t inc = s->self.incarnation;
    msg_member ladder[4];
    for (uint32_t k = 0; k < 4; k++) {
        ladder[k] = member_entry("n1", 1, inc + k, MEMBER_SUSPECT);
    }
    msg m = ping_msg(7, "n2", "n1", ladder, 4);
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(s->self.incarnation, inc + 1);
    assert_non_null(find_event(&h, HS_EV_SELF_REFUTED));
    assert_non_null(find_event(&h, HS_EV_ENTRY_IMPOSSIBLE));
    harness_free(&h);
}

/* One forged record must not pin another member at an incarnation it can
 * never refute: an accusation above the incarnation we know is judged at
 * the one we know. */
static void test_forged_accusation_is_clamped(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 2);
    const swim *s = node_swim(h.n);
    hs_name n2 = name_of("n2");
    msg_member forged = member_entry("n2", 2, MSG_INCARNATION_MAX, MEMBER_DEAD);
    msg m = ping_msg(9, "n3", "n1", &forged, 1);
    deliver_msg(&h, addr_of(3), &m);
    const swim_member *mem = swim_find(s, &n2);
    assert_int_equal(mem->state, MEMBER_DEAD);
    assert_int_equal(mem->incarnation, 0);
    /* n2's refutation at incarnation 1 brings it back. */
    msg_member alive = member_entry("n2", 2, 1, MEMBER_ALIVE);
    m.list = &alive;
    deliver_msg(&h, addr_of(2), &m);
    assert_int_equal(mem->state, MEMBER_ALIVE);
    assert_int_equal(mem->incarnation, 1);
    harness_free(&h);
}

/* Refutations past the durable ceiling wait for the ceiling to be synced:
 * an incarnation is never used before it is durable. */
static void test_refutation_waits_for_ceiling(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const swim *s = node_swim(h.n);
    msg_member accusation;
    msg m = ping_msg(1, "n2", "n1", &accusation, 1);
    /* Accuse at the current incarnation again and again, never letting the
     * disk complete: the node refutes up to the ceiling and then waits. */
    hs_output write_out;
    hs_output sync_out;
    memset(&write_out, 0, sizeof(write_out));
    memset(&sync_out, 0, sizeof(sync_out));
    uint8_t record[META_RECORD_LEN] = {0};
    bool asked_ahead = false;
    for (uint32_t i = 0; i <= SWIM_INC_WINDOW && !s->refute_pending; i++) {
        accusation = member_entry("n1", 1, s->self.incarnation, MEMBER_SUSPECT);
        deliver_msg(&h, addr_of(2), &m);
        const hs_output *w = find_output(&h, HS_OUT_DISK_WRITE, 0);
        if (w != NULL) {
            assert_false(asked_ahead); /* one write in flight, no more */
            asked_ahead = true;
            write_out = *w;
            sync_out = *find_output(&h, HS_OUT_DISK_SYNC, 0);
            memcpy(record, hs_outbox_payload(&h.ob, w), META_RECORD_LEN);
        }
        assert_true(s->self.incarnation <= node_meta(h.n)->durable.inc_ceiling);
    }
    /* It asked for more room well before running out, then had to wait. */
    assert_true(asked_ahead);
    assert_true(s->refute_pending);
    assert_int_equal(s->self.incarnation, SWIM_INC_WINDOW);
    assert_non_null(find_event(&h, HS_EV_SELF_REFUTE_DEFERRED));
    /* The wait asks for a whole window past the incarnation it waits for,
     * not only what the write in flight will bring. */
    assert_true(s->inc_wanted >= s->self.incarnation + 1 + SWIM_INC_WINDOW);
    /* The disk completes the ceiling write: the refutation goes out. */
    memcpy(h.meta_file + write_out.u.disk.file_offset, record, META_RECORD_LEN);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.status = HS_OK;
    in.u.disk.op_id = write_out.u.disk.op_id;
    step(&h, &in);
    in.u.disk.op_id = sync_out.u.disk.op_id;
    step(&h, &in);
    assert_false(s->refute_pending);
    assert_int_equal(s->self.incarnation, SWIM_INC_WINDOW + 1);
    assert_true(s->self.incarnation <= node_meta(h.n)->durable.inc_ceiling);
    assert_non_null(find_event(&h, HS_EV_SELF_REFUTED));
    harness_free(&h);
}

/* The merge rule: higher incarnation wins; at equal incarnation
 * dead > suspect > alive; lower incarnations are ignored; an accusation
 * above the known incarnation counts at the known one. */
static void test_merge_rule(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 1);
    const swim *s = node_swim(h.n);
    hs_name n2 = name_of("n2");
    struct {
        uint32_t inc;
        uint8_t state;
        uint32_t want_inc;
        uint8_t want_state;
    } steps[] = {
        {0, MEMBER_SUSPECT, 0, MEMBER_SUSPECT}, {0, MEMBER_ALIVE, 0, MEMBER_SUSPECT},
        {1, MEMBER_ALIVE, 1, MEMBER_ALIVE},     {0, MEMBER_DEAD, 1, MEMBER_ALIVE},
        {1, MEMBER_DEAD, 1, MEMBER_DEAD},       {1, MEMBER_ALIVE, 1, MEMBER_DEAD},
        {1, MEMBER_SUSPECT, 1, MEMBER_DEAD},
        /* Accusations above the known incarnation are judged at it. */
        {3, MEMBER_SUSPECT, 1, MEMBER_DEAD},    {3, MEMBER_ALIVE, 3, MEMBER_ALIVE},
        {3, MEMBER_SUSPECT, 3, MEMBER_SUSPECT}, {9, MEMBER_LEFT, 3, MEMBER_LEFT},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(steps); i++) {
        msg_member e = member_entry("n2", 2, steps[i].inc, steps[i].state);
        msg m;
        memset(&m, 0, sizeof(m));
        m.type = MSG_SYNC;
        m.u.sync.seq = 10 + i;
        m.u.sync.source = name_of("n3");
        m.u.sync.proto_major = MSG_PROTO_MAJOR;
        m.list = &e;
        m.list_count = 1;
        deliver_msg(&h, addr_of(3), &m);
        const swim_member *mem = swim_find(s, &n2);
        assert_non_null(mem);
        assert_int_equal(mem->incarnation, steps[i].want_inc);
        assert_int_equal(mem->state, steps[i].want_state);
    }
    harness_free(&h);
}

static void test_join_and_version_gate(void **state)
{
    (void)state;
    harness joiner;
    harness_create(&joiner, "n2", 2, 1);
    start(&joiner);
    const hs_output *o = find_output(&joiner, HS_OUT_SEND, 0);
    assert_non_null(o);
    assert_true(hs_addr_eq(o->u.send.to, addr_of(1)));
    msg join;
    assert_int_equal(decode_send(&joiner, o, &join), MSG_JOIN);
    assert_false(node_swim(joiner.n)->joined);

    harness seed;
    harness_create(&seed, "n1", 1, 0);
    start(&seed);
    uint8_t buf[2048];
    size_t len = 0;
    assert_int_equal(msg_encode_frame_t(&join, buf, sizeof(buf), &len), HS_OK);
    deliver(&seed, HS_CH_UDP, addr_of(2), 0, buf, len);
    assert_int_equal(swim_member_count(node_swim(seed.n)), 1);
    o = find_output(&seed, HS_OUT_SEND, 0);
    msg ack;
    assert_int_equal(decode_send(&seed, o, &ack), MSG_JOIN_ACK);
    assert_int_equal(ack.u.sync.status, HS_OK);
    assert_int_equal(msg_encode_frame_t(&ack, buf, sizeof(buf), &len), HS_OK);
    deliver(&joiner, HS_CH_UDP, addr_of(1), 0, buf, len);
    assert_true(node_swim(joiner.n)->joined);
    assert_int_equal(swim_member_count(node_swim(joiner.n)), 1);
    assert_non_null(find_event(&joiner, HS_EV_JOIN_DONE));

    /* A joiner speaking another major version is refused explicitly. */
    join.u.sync.proto_major = MSG_PROTO_MAJOR + 1;
    join.u.sync.source = name_of("n9");
    join.list[0] = member_entry("n9", 9, 0, MEMBER_ALIVE);
    assert_int_equal(msg_encode_frame_t(&join, buf, sizeof(buf), &len), HS_OK);
    deliver(&seed, HS_CH_UDP, addr_of(9), 0, buf, len);
    assert_int_equal(decode_send(&seed, find_output(&seed, HS_OUT_SEND, 0), &ack),
                     MSG_JOIN_ACK);
    assert_int_equal(ack.u.sync.status, HS_ERR_VERSION);
    assert_null(swim_find(node_swim(seed.n), &join.u.sync.source));
    harness_free(&joiner);
    harness_free(&seed);
}

/* Requests from a source that is not a member at that address (forged,
 * or a stranger) are answered from a token bucket: small forged requests
 * cannot be reflected as large replies without limit.  Members are always
 * answered. */
static void test_replies_to_strangers_are_rate_limited(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 3);
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_SYNC;
    m.u.sync.source = name_of("ghost");
    m.u.sync.proto_major = MSG_PROTO_MAJOR;
    uint32_t replies = 0;
    for (int i = 0; i < 50; i++) {
        m.u.sync.seq = (uint64_t)i + 1;
        deliver_msg(&h, addr_of(99), &m);
        replies += find_output(&h, HS_OUT_SEND, 0) != NULL;
    }
    const swim_config *cfg = &node_swim(h.n)->cfg;
    assert_int_equal(replies, cfg->unknown_reply_burst);
    assert_int_equal(node_get_counters(h.n)->replies_suppressed, 50 - cfg->unknown_reply_burst);
    assert_non_null(find_event(&h, HS_EV_REPLY_SUPPRESSED));
    /* A member's name from another address is a stranger too. */
    m.u.sync.source = name_of("n2");
    deliver_msg(&h, addr_of(99), &m);
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    /* The member itself is answered, bucket or not. */
    deliver_msg(&h, addr_of(2), &m);
    msg reply;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &reply), MSG_SYNC_ACK);
    /* The bucket refills with time. */
    h.now_ns += HS_SEC(1);
    m.u.sync.source = name_of("ghost");
    deliver_msg(&h, addr_of(99), &m);
    assert_non_null(find_output(&h, HS_OUT_SEND, 0));
    harness_free(&h);
}

/* Unknown type: explicit error reply and a counter; past the token bucket
 * replies are suppressed but still counted.  Garbage gets no reply. */
static void test_unknown_type_and_garbage(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    uint8_t frame[FRAME_HEADER_LEN + 1] = {0};
    frame[FRAME_HEADER_LEN] = 0xa0; /* empty map */
    frame_write_header(frame, 999, 1);
    for (int i = 0; i < 30; i++) {
        deliver(&h, HS_CH_UDP, addr_of(5), 0, frame, sizeof(frame));
    }
    const node_counters *c = node_get_counters(h.n);
    assert_int_equal(c->unknown_type, 30);
    assert_int_equal(c->error_replies_sent, 20); /* the default burst */
    assert_int_equal(c->error_replies_suppressed, 10);
    h.now_ns += HS_SEC(1);
    deliver(&h, HS_CH_UDP, addr_of(5), 0, frame, sizeof(frame));
    msg err;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    assert_int_equal(err.u.error.code, HS_ERR_UNKNOWN_TYPE);
    assert_int_equal(err.u.error.offending_type, 999);

    uint8_t garbage[40];
    for (size_t i = 0; i < sizeof(garbage); i++) {
        garbage[i] = (uint8_t)(i * 37 + 11);
    }
    deliver(&h, HS_CH_UDP, addr_of(5), 0, garbage, sizeof(garbage));
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    assert_int_equal(c->frames_rejected, 1);
    /* On TCP a bad frame closes the stream: it cannot be trusted. */
    deliver(&h, HS_CH_TCP, addr_of(5), 17, garbage, sizeof(garbage));
    const hs_output *close = find_output(&h, HS_OUT_CLOSE, 0);
    assert_non_null(close);
    assert_int_equal(close->u.close.conn_id, 17);
    harness_free(&h);
}

/* A frame of any message, for TCP deliveries. */
static size_t frame_of(const msg *m, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    assert_int_equal(msg_encode_frame_t(m, buf, cap, &len), HS_OK);
    return len;
}

static msg hello_msg(const char *name, uint32_t major)
{
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_HELLO;
    m.u.hello.name = name_of(name);
    m.u.hello.role = ROLE_CLIENT;
    m.u.hello.proto_major = major;
    m.u.hello.proto_minor = MSG_PROTO_MINOR;
    return m;
}

static void say_hello(harness *h, uint64_t conn, const char *name)
{
    uint8_t buf[256];
    msg m = hello_msg(name, MSG_PROTO_MAJOR);
    deliver(h, HS_CH_TCP, addr_of(50), conn, buf, frame_of(&m, buf, sizeof(buf)));
    msg reply;
    const hs_output *o = find_output(h, HS_OUT_SEND, 0);
    assert_non_null(o);
    assert_int_equal(o->u.send.conn_id, conn);
    assert_int_equal(decode_send(h, o, &reply), MSG_HELLO);
    assert_true(hs_name_eq(&reply.u.hello.name, &node_get_config(h->n)->name));
    assert_int_equal(reply.u.hello.proto_major, MSG_PROTO_MAJOR);
    assert_int_equal(reply.u.hello.role, node_get_config(h->n)->role);
}

static void test_members_and_stats_requests(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 3);
    say_hello(&h, 3, "hsctl");
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_MEMBERS_REQ;
    req.u.request.request_id = 9;
    uint8_t buf[256];
    size_t len = frame_of(&req, buf, sizeof(buf));
    deliver(&h, HS_CH_TCP, addr_of(50), 3, buf, len);
    const hs_output *o = find_output(&h, HS_OUT_SEND, 0);
    assert_int_equal(o->u.send.channel, HS_CH_TCP);
    assert_int_equal(o->u.send.conn_id, 3);
    msg resp;
    assert_int_equal(decode_send(&h, o, &resp), MSG_MEMBERS_RESP);
    assert_int_equal(resp.u.members.request_id, 9);
    assert_int_equal(resp.list_count, 4);
    /* A TCP-only message on UDP is refused explicitly. */
    req.type = MSG_STATS_REQ;
    len = frame_of(&req, buf, sizeof(buf));
    deliver(&h, HS_CH_UDP, addr_of(50), 0, buf, len);
    assert_int_equal(node_get_counters(h.n)->wrong_channel, 1);
    deliver(&h, HS_CH_TCP, addr_of(50), 3, buf, len);
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &resp), MSG_STATS_RESP);
    bool found = false;
    /* Every named counter, then per-type and host counters. */
    assert_true(resp.u.stats.counters.count >= NODE_COUNTER_COUNT);
    for (uint32_t i = 0; i < resp.u.stats.counters.count; i++) {
        if (strcmp(resp.u.stats.counters.items[i].name, "wrong_channel") == 0) {
            found = true;
            assert_int_equal(resp.u.stats.counters.items[i].value, 1);
        }
    }
    assert_true(found);
    harness_free(&h);
}

/* Before its HELLO, a TCP connection gets nothing but ERROR replies; the
 * binding is per connection and goes away with CONN_CLOSED. */
static void test_tcp_needs_hello(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_MEMBERS_REQ;
    req.u.request.request_id = 4;
    uint8_t buf[256];
    size_t len = frame_of(&req, buf, sizeof(buf));
    deliver(&h, HS_CH_TCP, addr_of(50), 8, buf, len);
    msg err;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    assert_int_equal(err.u.error.code, HS_ERR_STATE);
    assert_int_equal(err.u.error.offending_type, MSG_MEMBERS_REQ);
    assert_null(find_output(&h, HS_OUT_SEND, 1));
    assert_non_null(find_event(&h, HS_EV_HELLO_MISSING));
    assert_int_equal(node_get_counters(h.n)->hello_missing, 1);
    assert_int_equal(node_get_counters(h.n)->control_requests, 0);
    /* An ERROR before HELLO is counted, never answered. */
    msg e;
    memset(&e, 0, sizeof(e));
    e.type = MSG_ERROR;
    e.u.error.code = HS_ERR_STATE;
    deliver(&h, HS_CH_TCP, addr_of(50), 8, buf, frame_of(&e, buf, sizeof(buf)));
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    assert_int_equal(node_get_counters(h.n)->error_replies_received, 1);

    say_hello(&h, 8, "client-a");
    assert_non_null(find_event(&h, HS_EV_HELLO_BOUND));
    assert_int_equal(node_peers(h.n)->count, 1);
    assert_non_null(peers_find(node_peers(h.n), 8));
    len = frame_of(&req, buf, sizeof(buf));
    deliver(&h, HS_CH_TCP, addr_of(50), 8, buf, len);
    msg resp;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &resp), MSG_MEMBERS_RESP);
    /* Another connection from the same address is not bound by it. */
    deliver(&h, HS_CH_TCP, addr_of(50), 9, buf, len);
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    /* A second HELLO on a bound connection is refused. */
    msg hello = hello_msg("client-a", MSG_PROTO_MAJOR);
    deliver(&h, HS_CH_TCP, addr_of(50), 8, buf, frame_of(&hello, buf, sizeof(buf)));
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    assert_int_equal(err.u.error.code, HS_ERR_STATE);
    assert_int_equal(node_get_counters(h.n)->hello_refused, 1);
    /* Closed: the binding goes, the next request is refused again. */
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_CONN_CLOSED;
    in.u.conn_closed.conn_id = 8;
    in.u.conn_closed.reason = HS_OK;
    step(&h, &in);
    assert_int_equal(node_peers(h.n)->count, 0);
    deliver(&h, HS_CH_TCP, addr_of(50), 8, buf, frame_of(&req, buf, sizeof(buf)));
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    assert_int_equal(node_get_counters(h.n)->hello_missing, 3);
    harness_free(&h);
}

/* A HELLO with another protocol major is refused with HS_ERR_VERSION.  A
 * full binding table never refuses a HELLO: the least recently active
 * binding is evicted and core closes its connection, so idle clients that
 * said HELLO cannot lock others out of the control port. */
static void test_hello_version_and_capacity(void **state)
{
    (void)state;
    harness h;
    harness_create_peers(&h, "n1", 1, 0, 4);
    start(&h);
    uint8_t buf[256];
    msg hello = hello_msg("old-client", MSG_PROTO_MAJOR + 1);
    deliver(&h, HS_CH_TCP, addr_of(50), 5, buf, frame_of(&hello, buf, sizeof(buf)));
    msg err;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &err), MSG_ERROR);
    assert_int_equal(err.u.error.code, HS_ERR_VERSION);
    assert_int_equal(err.u.error.offending_type, MSG_HELLO);
    assert_non_null(find_event(&h, HS_EV_HELLO_REFUSED));
    assert_int_equal(node_get_counters(h.n)->hello_refused, 1);
    assert_int_equal(node_peers(h.n)->count, 0);
    assert_int_equal(node_peers(h.n)->cap, 4);
    for (uint32_t i = 0; i < 4; i++) {
        h.now_ns += HS_SEC(1);
        say_hello(&h, 100 + i, "client");
    }
    assert_int_equal(node_peers(h.n)->count, 4);
    /* Conn 100 is active again: 101 is now the least recently active. */
    h.now_ns += HS_SEC(1);
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_STATS_REQ;
    deliver(&h, HS_CH_TCP, addr_of(50), 100, buf, frame_of(&req, buf, sizeof(buf)));
    msg resp;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &resp), MSG_STATS_RESP);
    h.now_ns += HS_SEC(1);
    say_hello(&h, 99, "newcomer");
    const hs_output *close = find_output(&h, HS_OUT_CLOSE, 0);
    assert_non_null(close);
    assert_int_equal(close->u.close.conn_id, 101);
    assert_null(find_output(&h, HS_OUT_CLOSE, 1));
    const hs_output *ev = find_event(&h, HS_EV_PEER_EVICTED);
    assert_non_null(ev);
    assert_int_equal(ev->u.event.a, 101);
    assert_int_equal(ev->u.event.b, 99);
    assert_non_null(find_event(&h, HS_EV_TABLE_FULL));
    assert_int_equal(node_get_counters(h.n)->peers_evicted, 1);
    assert_int_equal(node_get_counters(h.n)->tables_full, 1);
    assert_int_equal(node_get_counters(h.n)->hello_refused, 1);
    assert_int_equal(node_peers(h.n)->count, 4);
    assert_null(peers_find(node_peers(h.n), 101));
    assert_non_null(peers_find(node_peers(h.n), 99));
    assert_non_null(peers_find(node_peers(h.n), 100));
    assert_int_equal(node_peers(h.n)->high_water, 4);
    harness_free(&h);
}

/* A bad frame on a bound connection: core closes it, and the binding goes
 * in the same step (the host sends no CONN_CLOSED for a close core asked
 * for, so it would otherwise leak until restart). */
static void test_close_removes_binding(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    say_hello(&h, 7, "client");
    say_hello(&h, 8, "other");
    assert_int_equal(node_peers(h.n)->count, 2);
    uint8_t garbage[32];
    memset(garbage, 0xa5, sizeof(garbage));
    deliver(&h, HS_CH_TCP, addr_of(50), 7, garbage, sizeof(garbage));
    const hs_output *close = find_output(&h, HS_OUT_CLOSE, 0);
    assert_non_null(close);
    assert_int_equal(close->u.close.conn_id, 7);
    assert_int_equal(node_get_counters(h.n)->frames_rejected, 1);
    assert_int_equal(node_peers(h.n)->count, 1);
    assert_null(peers_find(node_peers(h.n), 7));
    assert_non_null(peers_find(node_peers(h.n), 8));
    harness_free(&h);
}

static const msg_counter *find_counter(const msg *resp, const char *name)
{
    const msg_counter_list *l = &resp->u.stats.counters;
    for (uint32_t i = 0; i < l->count; i++) {
        if (strcmp(l->items[i].name, name) == 0) {
            return &l->items[i];
        }
    }
    return NULL;
}

/* A stats reply carries messages and bytes per type (counted where core
 * decodes and encodes frames) and the host's counters as last handed over. */
/* A host counter core cannot keep (too long a name, beyond the cap) and
 * stats rows beyond a reply's cap are counted and reported, never lost
 * silently. */
static void test_counter_truncation_reported(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    static hs_host_counter host[NODE_HOST_COUNTERS_MAX + 2];
    static char names[NODE_HOST_COUNTERS_MAX + 2][MSG_COUNTER_NAME_MAX + 8];
    for (uint32_t i = 0; i < NODE_HOST_COUNTERS_MAX + 2; i++) {
        snprintf(names[i], sizeof(names[i]), "host_c%u", i);
        host[i].name = names[i];
        host[i].value = i;
    }
    memset(names[0], 'x', MSG_COUNTER_NAME_MAX + 1); /* one byte too long */
    names[0][MSG_COUNTER_NAME_MAX + 1] = '\0';
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_HOST_COUNTERS;
    in.u.host_counters.items = host;
    in.u.host_counters.count = NODE_HOST_COUNTERS_MAX + 2;
    step(&h, &in);
    const hs_output *ev = find_event(&h, HS_EV_COUNTERS_TRUNCATED);
    assert_non_null(ev);
    assert_int_equal(ev->u.event.a, NODE_TRUNC_HOST_SET);
    assert_int_equal(ev->u.event.b, 2); /* the long name and the one beyond the cap */
    assert_int_equal(node_get_counters(h.n)->counters_truncated, 2);
    assert_int_equal(node_get_counters(h.n)->host.count, NODE_HOST_COUNTERS_MAX);
    /* A report into too small a list says how many rows it missed. */
    msg_counter rows[4];
    uint32_t dropped = 0;
    uint32_t n = node_counters_report(node_get_counters(h.n), msg_registry_find, rows, 4,
                                      &dropped);
    assert_int_equal(n, 4);
    assert_int_equal(dropped, NODE_COUNTER_COUNT + NODE_HOST_COUNTERS_MAX - 4);
    harness_free(&h);
}

static void test_stats_carry_per_type_and_host_counters(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    hs_host_counter host[2] = {{"host_tcp_refused.source_cap", 44}, {"host_udp_rx", 7}};
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_HOST_COUNTERS;
    in.u.host_counters.items = host;
    in.u.host_counters.count = 2;
    step(&h, &in);
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_STATS_REQ;
    req.u.request.request_id = 4;
    uint8_t buf[256];
    say_hello(&h, 3, "client-s");
    size_t len = frame_of(&req, buf, sizeof(buf));
    deliver(&h, HS_CH_TCP, addr_of(50), 3, buf, len);
    deliver(&h, HS_CH_TCP, addr_of(50), 3, buf, len);
    const hs_output *o = find_output(&h, HS_OUT_SEND, 0);
    msg resp;
    assert_int_equal(decode_send(&h, o, &resp), MSG_STATS_RESP);
    const msg_counter *c = find_counter(&resp, "rx_msgs.stats_req");
    assert_non_null(c);
    assert_int_equal(c->value, 2);
    c = find_counter(&resp, "rx_bytes.stats_req");
    assert_non_null(c);
    assert_int_equal(c->value, 2 * len);
    c = find_counter(&resp, "tx_msgs.stats_resp");
    assert_non_null(c);
    assert_int_equal(c->value, 1); /* the first reply; this one is counted once sent */
    c = find_counter(&resp, "host_tcp_refused.source_cap");
    assert_non_null(c);
    assert_int_equal(c->value, 44);
    assert_non_null(find_counter(&resp, "host_udp_rx"));
    assert_null(find_counter(&resp, "rx_msgs.ping")); /* no traffic, no entry */
    const node_counters *nc = node_get_counters(h.n);
    assert_int_equal(nc->per_type.msgs[NODE_DIR_TX][MSG_STATS_RESP], 2);
    /* Two replies of slightly different lengths (their values differ). */
    assert_true(nc->per_type.bytes[NODE_DIR_TX][MSG_STATS_RESP] > o->u.send.len);
    assert_true(nc->per_type.bytes[NODE_DIR_TX][MSG_STATS_RESP] < 2 * o->u.send.len + 64);
    harness_free(&h);
}

/* Leave: self becomes LEFT, peers are told, and we never refute it. */
static void test_leave(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    assert_true(node_swim(h.n)->joined); /* no seeds: a cluster of its own at once */
    learn(&h, 3);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_COMMAND;
    in.u.command.command = HS_CMD_LEAVE;
    step(&h, &in);
    assert_int_equal(node_swim(h.n)->self.state, MEMBER_LEFT);
    msg m;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &m), MSG_SYNC);
    assert_int_equal(m.list[0].state, MEMBER_LEFT);
    assert_int_equal(find_output(&h, HS_OUT_SEND, 3) == NULL, true);
    harness_free(&h);
}

/* A node told to leave before it joined cancels its join retry; a host
 * whose cancel raced the firing delivers it anyway, and it must be stale
 * (the simulator's late_timer_ppm), never another round of JOINs. */
static void test_leave_before_join_ends_the_retry(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n2", 2, 1); /* its seed, n1, never answers */
    start(&h);
    assert_false(node_swim(h.n)->joined);
    uint64_t join = hs_timer_id(SWIM_TIMER_JOIN, 0, 0);
    assert_true(node_timer_owner_live(h.n, join));
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_COMMAND;
    in.u.command.command = HS_CMD_LEAVE;
    step(&h, &in);
    assert_false(node_timer_owner_live(h.n, join));
    fire_id(&h, join);
    assert_non_null(find_event(&h, HS_EV_TIMER_STALE));
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    harness_free(&h);
}

/* Longest names everywhere: probes, indirect probes and acks with a full
 * gossip load still fit one datagram (no encode failure anywhere). */
static void test_longest_names_fit_a_datagram(void **state)
{
    (void)state;
    char self_name[HS_NAME_MAX + 1];
    memset(self_name, 's', HS_NAME_MAX);
    self_name[HS_NAME_MAX] = '\0';
    harness h;
    harness_create(&h, self_name, 1, 0);
    start(&h);
    static msg_member entries[MSG_GOSSIP_MAX];
    for (uint32_t i = 0; i < MSG_GOSSIP_MAX; i++) {
        char name[HS_NAME_MAX + 1];
        memset(name, 'a' + (char)i, HS_NAME_MAX);
        name[HS_NAME_MAX] = '\0';
        entries[i] = member_entry(name, i + 2, MSG_INCARNATION_MAX - 1, MEMBER_ALIVE);
    }
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_PING_REQ;
    m.u.probe.seq = MSG_SEQ_MAX;
    m.u.probe.source = entries[0].name;
    m.u.probe.target = entries[1].name;
    m.u.probe.target_addr = entries[1].addr;
    m.u.probe.has_target_inc = true;
    m.u.probe.target_inc = MSG_INCARNATION_MAX;
    m.list = entries;
    m.list_count = MSG_GOSSIP_MAX;
    deliver_msg(&h, addr_of(2), &m); /* learns 8 members, relays a ping */
    assert_non_null(find_output(&h, HS_OUT_SEND, 0));
    for (int round = 0; round < 4; round++) {
        fire(&h, SWIM_TIMER_PROBE, 0);
        assert_null(find_event(&h, HS_EV_ENCODE_FAILED));
        fire(&h, SWIM_TIMER_PROBE_TIMEOUT, node_swim(h.n)->probe_seq);
        assert_null(find_event(&h, HS_EV_ENCODE_FAILED));
        for (int i = 0; find_output(&h, HS_OUT_SEND, i) != NULL; i++) {
            assert_true(find_output(&h, HS_OUT_SEND, i)->u.send.len <= HS_UDP_PAYLOAD_MAX);
        }
    }
    m.type = MSG_PING;
    m.u.probe.target = node_swim(h.n)->self.name;
    m.u.probe.target_inc = 0;
    m.list_count = MSG_GOSSIP_MAX;
    deliver_msg(&h, addr_of(2), &m);
    msg ack;
    assert_int_equal(decode_send(&h, find_output(&h, HS_OUT_SEND, 0), &ack), MSG_ACK);
    assert_null(find_event(&h, HS_EV_ENCODE_FAILED));
    assert_int_equal(node_get_counters(h.n)->encode_failures, 0);
    harness_free(&h);
}

static void test_retransmit_and_bounds(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    assert_int_equal(swim_config_check(&cfg), HS_OK);
    /* Five nodes: floor(3 ln 6) = 5; detection bound 2*(10+4)+2 s = 30 s. */
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    learn(&h, 4);
    assert_int_equal(swim_retransmit_limit(node_swim(h.n)), 5);
    assert_int_equal(swim_suspicion_timeout_ns(node_swim(h.n)), HS_SEC(4));
    assert_int_equal(swim_detection_bound_ns(&cfg, 5), HS_SEC(30));
    assert_int_equal(swim_convergence_bound_ns(&cfg, 5), HS_MS(50600));
    assert_true(swim_convergence_bound_ns(&cfg, 5) > swim_detection_bound_ns(&cfg, 5) / 2);
    cfg.dead_retention_ms = cfg.gossip_max_age_ms;
    assert_int_equal(swim_config_check(&cfg), HS_ERR_RANGE);
    harness_free(&h);
}

/* ------------------------------------------------------------------ */
/* Modules: routing by table, owned ids, host refusals, fan-out        */

static void step_input(harness *h, const hs_input *in)
{
    step(h, in);
}

static uint32_t count_outputs(const harness *h, hs_output_kind kind)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->ob.count; i++) {
        n += h->ob.items[i].kind == kind ? 1u : 0u;
    }
    return n;
}

/* Every id routes to the module of its module_list row, and nothing else:
 * an unowned timer kind is reported, not handed to SWIM by exclusion. */
static void test_routes_by_table(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(SWIM_TIMER_PROBE, 0, 0)), HS_MOD_SWIM);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(SWIM_TIMER_REAP, 3, 9)), HS_MOD_SWIM);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(META_TIMER_RETRY, 0, 1)), HS_MOD_META);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(240, 0, 0)), HS_MOD_NODE);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(100, 0, 0)), NODE_ROUTE_NONE);
    assert_int_equal(node_timer_module(h.n, hs_timer_id(0, 0, 0)), NODE_ROUTE_NONE);
    assert_int_equal(node_msg_module(h.n, MSG_PING), HS_MOD_SWIM);
    assert_int_equal(node_msg_module(h.n, MSG_SYNC_ACK), HS_MOD_SWIM);
    assert_int_equal(node_msg_module(h.n, MSG_ERROR), HS_MOD_NODE);
    assert_int_equal(node_msg_module(h.n, MSG_STATS_REQ), HS_MOD_NODE);
    assert_int_equal(node_msg_module(h.n, 500), NODE_ROUTE_NONE);
    assert_int_equal(node_op_module(h.n, hs_disk_op_id(HS_MOD_META, META_OP_READ, 1)),
                     HS_MOD_META);
    /* SWIM and NODE own no files, so no disk-op namespace either. */
    assert_int_equal(node_op_module(h.n, hs_disk_op_id(HS_MOD_SWIM, 0, 1)), NODE_ROUTE_NONE);
    assert_int_equal(node_op_module(h.n, hs_disk_op_id(HS_MOD_NODE, 0, 1)), NODE_ROUTE_NONE);

    fire(&h, 100, 0);
    assert_non_null(find_event(&h, HS_EV_TIMER_UNOWNED));
    assert_int_equal(node_get_counters(h.n)->timers_unowned, 1);
    assert_int_equal(h.ob.count, 1); /* the event, and nothing else happened */
    /* NODE's kinds route to NODE, which arms none: stale, never SWIM's. */
    fire(&h, 240, 0);
    assert_non_null(find_event(&h, HS_EV_TIMER_STALE));
    assert_int_equal(node_get_counters(h.n)->timers_stale, 1);
    assert_int_equal(h.ob.count, 1);
    harness_free(&h);
}

static void gossip_about(harness *h, const char *name, uint32_t index, uint32_t inc,
                         uint8_t state)
{
    static msg_member entry;
    entry = member_entry(name, index, inc, state);
    msg m = ping_msg(78, "n9", "n1", &entry, 1);
    deliver_msg(h, addr_of(9), &m);
}

/* A timer whose owner is gone (cancelled, or its slot reused by another
 * record) and a completion no live op owns are reported, never acted on. */
/* swim_init keeps at most SWIM_SEEDS_MAX seeds, its own address left
 * out, whatever it is handed (the UBSan build sees an index past the
 * array if the guard slips). */
static void test_swim_keeps_at_most_its_seeds(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    hs_addr seeds[SWIM_SEEDS_MAX + 2];
    for (uint32_t i = 0; i < HS_ARRAY_LEN(seeds); i++) {
        seeds[i] = addr_of(100 + i);
    }
    seeds[3] = addr_of(1); /* its own: left out */
    hs_name name = name_of("n1");
    swim *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    assert_int_equal(swim_init(s, &cfg, &name, addr_of(1), 0, seeds, HS_ARRAY_LEN(seeds)), HS_OK);
    assert_int_equal(s->seed_count, SWIM_SEEDS_MAX);
    for (uint32_t i = 0; i < s->seed_count; i++) {
        assert_false(hs_addr_eq(s->seeds[i], addr_of(1)));
    }
    assert_true(hs_addr_eq(s->seeds[3], addr_of(104)));
    swim_free(s);
    free(s);
}

/* A SWIM module outside a node, with its own step context, for the
 * table functions a node reaches only through rare sizes. */
typedef struct {
    swim *s;
    hs_outbox ob;
    rng r;
    node_counters counters;
    step_ctx ctx;
} bare_swim;

static void bare_swim_init(bare_swim *b, const swim_config *cfg)
{
    memset(b, 0, sizeof(*b));
    b->s = calloc(1, sizeof(*b->s));
    assert_non_null(b->s);
    hs_name name = name_of("n1");
    assert_int_equal(swim_init(b->s, cfg, &name, addr_of(1), 0, NULL, 0), HS_OK);
    assert_int_equal(hs_outbox_init(&b->ob, 1024, 1u << 16), HS_OK);
    rng_seed(&b->r, 7);
    b->ctx = (step_ctx){HS_SEC(1), &b->ob, &b->r, &b->counters, msg_registry_find, NULL};
}

static void bare_swim_free(bare_swim *b)
{
    swim_free(b->s);
    free(b->s);
    hs_outbox_free(&b->ob);
}

static swim_member *bare_add(bare_swim *b, uint32_t i, uint8_t state)
{
    char name[16];
    snprintf(name, sizeof(name), "m%u", i);
    msg_member e = member_entry(name, 1000 + i, 1, state);
    hs_outbox_reset(&b->ob);
    swim_member *m = swim_table_add(b->s, &b->ctx, &e);
    assert_non_null(m);
    return m;
}

/* Member i of a bare module with a name of len bytes ("m<i>x..."), and
 * the size of its entry on the wire. */
static msg_member sized_entry(uint32_t i, uint32_t len)
{
    char name[HS_NAME_MAX + 1];
    int head = snprintf(name, sizeof(name), "m%u", i);
    assert_true(head > 0 && (uint32_t)head <= len && len <= HS_NAME_MAX);
    memset(name + head, 'x', len - (uint32_t)head);
    name[len] = 0;
    return member_entry(name, 1000 + i, 1, MEMBER_ALIVE);
}

static size_t add_sized(bare_swim *b, uint32_t i, uint32_t len)
{
    msg_member e = sized_entry(i, len);
    hs_outbox_reset(&b->ob);
    swim_member *m = swim_table_add(b->s, &b->ctx, &e);
    assert_non_null(m);
    msg_member back;
    swim_table_entry_of(m, &back);
    assert_int_equal(msg_member_size(&back), msg_member_size(&e));
    return msg_member_size(&e);
}

/* A push-pull list takes every member that fits, the last one included
 * when its entry is exactly the budget left, and no more: names are sized
 * so the table fills the datagram to the byte, and the SYNC must carry all
 * of it but the one member added after. */
static void test_sync_list_fills_to_the_byte(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    bare_swim b;
    bare_swim_init(&b, &cfg);
    swim_start(b.s, &b.ctx, 1, 100);
    msg_member self;
    swim_table_entry_of(&b.s->self, &self);
    size_t left = FRAME_UDP_PAYLOAD_MAX - SWIM_PROBE_BASE_MAX - msg_member_size(&self);
    uint32_t n = 0;
    msg_member widest = sized_entry(99, HS_NAME_MAX);
    size_t biggest = msg_member_size(&widest);
    while (left > 2 * biggest) {
        left -= add_sized(&b, n++, 60); /* slot 0, the sync's destination, first */
    }
    /* The rest in two members, each of a size some name length gives. */
    bool done = false;
    for (uint32_t a = 8; a <= HS_NAME_MAX && !done; a++) {
        for (uint32_t c = 8; c <= HS_NAME_MAX && !done; c++) {
            msg_member x = sized_entry(n, a);
            msg_member y = sized_entry(n + 1, c);
            if (msg_member_size(&x) + msg_member_size(&y) == left) {
                left -= add_sized(&b, n, a);
                left -= add_sized(&b, n + 1, c);
                n += 2;
                done = true;
            }
        }
    }
    assert_true(done);
    assert_int_equal(left, 0);
    (void)add_sized(&b, n, 8); /* one more, in the last slot: the next list's */
    assert_true(n + 2 <= MSG_SYNC_MAX);
    hs_outbox_reset(&b.ob);
    swim_on_timer(b.s, &b.ctx, hs_timer_id(SWIM_TIMER_SYNC, 0, 0));
    const hs_output *send = NULL;
    for (uint32_t k = 0; k < b.ob.count && send == NULL; k++) {
        send = b.ob.items[k].kind == HS_OUT_SEND ? &b.ob.items[k] : NULL;
    }
    assert_non_null(send);
    msg m;
    assert_int_equal(decode_out(&b.ob, send, &m), MSG_SYNC);
    assert_int_equal(m.list_count, n + 1); /* self and every member that fits */
    assert_int_equal(b.s->sync_list_next, n); /* the next list starts at the one left */
    bare_swim_free(&b);
}

/* The retransmit limit is max(1, floor(lambda x ln(n + 1))) in Q16 fixed
 * point; at lambda 17 and 251 nodes the product is 94.0003, so the last
 * bit of the log decides it (found by replaying the fixed-point code for
 * lambda 1..20 and 1..2,000 members against the exact logarithm). */
static void test_retransmit_limit_to_the_last_bit(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    cfg.retransmit_mult = 17;
    bare_swim b;
    bare_swim_init(&b, &cfg);
    for (uint32_t i = 0; i < 250; i++) {
        (void)bare_add(&b, i, MEMBER_ALIVE);
    }
    assert_int_equal(b.s->member_count, 250);
    assert_int_equal(swim_retransmit_limit(b.s), 94);
    bare_swim_free(&b);
}

/* Gossip about the destination goes first when it fits, and it fits when
 * its entry is exactly the budget left. */
static void test_gossip_about_dest_fits_exactly(void **state)
{
    (void)state;
    swim_config cfg;
    swim_config_defaults(&cfg);
    bare_swim b;
    bare_swim_init(&b, &cfg);
    swim_member *dest = bare_add(&b, 1, MEMBER_ALIVE);
    swim_table_set_state(b.s, dest, MEMBER_SUSPECT);
    msg_member entry;
    swim_table_entry_of(dest, &entry);
    size_t size = msg_member_size(&entry);
    msg_member out[4];
    assert_int_equal(swim_table_gossip_select(b.s, dest, out, 4, size), 1);
    assert_true(hs_name_eq(&out[0].name, &dest->name));
    assert_int_equal(swim_table_gossip_select(b.s, dest, out, 4, size - 1), 0);
    bare_swim_free(&b);
}

static void test_gone_owner_is_stale(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const swim *s = node_swim(h.n);
    hs_name name2 = name_of("n2");
    hs_name name3 = name_of("n3");
    learn(&h, 1); /* n2 alive */
    gossip_about(&h, "n2", 2, 0, MEMBER_SUSPECT);
    const swim_member *n2 = swim_find(s, &name2);
    assert_non_null(n2);
    assert_int_equal(n2->state, MEMBER_SUSPECT);
    uint64_t suspect_id = swim_member_timer(s, SWIM_TIMER_SUSPECT, n2);
    gossip_about(&h, "n2", 2, 1, MEMBER_ALIVE); /* refuted: the timer is cancelled */
    assert_false(node_timer_owner_live(h.n, suspect_id));
    fire_id(&h, suspect_id);
    assert_non_null(find_event(&h, HS_EV_TIMER_STALE));
    assert_int_equal(n2->state, MEMBER_ALIVE);

    /* n2 dies and is reaped; n3 takes its slot with a new generation. */
    uint32_t slot = (uint32_t)(n2 - s->slots);
    gossip_about(&h, "n2", 2, 1, MEMBER_DEAD);
    uint64_t old_reap = swim_member_timer(s, SWIM_TIMER_REAP, n2);
    fire_id(&h, old_reap);
    assert_null(swim_find(s, &name2));
    gossip_about(&h, "n3", 3, 0, MEMBER_ALIVE);
    gossip_about(&h, "n3", 3, 0, MEMBER_DEAD);
    const swim_member *n3 = swim_find(s, &name3);
    assert_non_null(n3);
    assert_int_equal((uint32_t)(n3 - s->slots), slot);
    assert_true(node_timer_owner_live(h.n, swim_member_timer(s, SWIM_TIMER_REAP, n3)));
    assert_false(node_timer_owner_live(h.n, old_reap)); /* same kind and slot, old gen */
    uint64_t stale_before = node_get_counters(h.n)->timers_stale;
    fire_id(&h, old_reap);
    assert_non_null(find_event(&h, HS_EV_TIMER_STALE));
    assert_int_equal(node_get_counters(h.n)->timers_stale, stale_before + 1);
    assert_non_null(swim_find(s, &name3)); /* not reaped by n2's timer */

    /* Ids naming a slot past the member table (the cap itself, the widest
     * slot) name no owner: stale, never read from beyond the table (the
     * ASan build sees a read of slot_used[cap]). */
    uint32_t past[] = {s->cfg.members_cap, UINT32_MAX};
    for (uint32_t k = 0; k < 2; k++) {
        uint64_t id = hs_timer_id(SWIM_TIMER_SUSPECT, past[k], n3->gen);
        assert_false(node_timer_owner_live(h.n, id));
        stale_before = node_get_counters(h.n)->timers_stale;
        fire_id(&h, id);
        assert_int_equal(node_get_counters(h.n)->timers_stale, stale_before + 1);
    }
    /* A one-of-a-kind duty's timer is slot 0, generation 0: any other slot
     * or generation of its kind is nobody's (started or not). */
    uint8_t singletons[] = {SWIM_TIMER_PROBE, SWIM_TIMER_SYNC, SWIM_TIMER_RECONNECT};
    for (uint32_t k = 0; k < HS_ARRAY_LEN(singletons); k++) {
        assert_true(node_timer_owner_live(h.n, hs_timer_id(singletons[k], 0, 0)));
        assert_false(node_timer_owner_live(h.n, hs_timer_id(singletons[k], 1, 0)));
        assert_false(node_timer_owner_live(h.n, hs_timer_id(singletons[k], 0, 3)));
    }

    /* Completions for ops nobody has in flight. */
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = hs_disk_op_id(HS_MOD_META, META_OP_SYNC, 12345);
    step_input(&h, &in);
    assert_non_null(find_event(&h, HS_EV_DISK_STALE));
    in.u.disk.op_id = hs_disk_op_id(HS_MOD_SWIM, 0, 1);
    step_input(&h, &in);
    assert_non_null(find_event(&h, HS_EV_DISK_STALE));
    assert_int_equal(node_get_counters(h.n)->disk_stale, 2);
    harness_free(&h);
}

/* A refused SWIM timer waits (arming it again now would be refused again)
 * and is armed with a delay once another SWIM timer fires; the meta
 * store's only timer refused halts the node on purpose. */
static const hs_output *timer_set(const harness *h, uint64_t timer_id)
{
    for (int i = 0; find_output(h, HS_OUT_TIMER_SET, i) != NULL; i++) {
        const hs_output *o = find_output(h, HS_OUT_TIMER_SET, i);
        if (o->u.timer.timer_id == timer_id) {
            return o;
        }
    }
    return NULL;
}

static void test_timer_refused(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    uint64_t probe = hs_timer_id(SWIM_TIMER_PROBE, 0, 0);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER_REFUSED;
    in.u.timer_refused.timer_id = probe;
    in.u.timer_refused.reason = HS_ERR_FULL;
    step_input(&h, &in);
    assert_non_null(find_event(&h, HS_EV_TIMER_REFUSED));
    assert_int_equal(count_outputs(&h, HS_OUT_TIMER_SET), 0);
    assert_int_equal(node_get_counters(h.n)->timers_refused, 1);
    h.now_ns += HS_SEC(1);
    fire(&h, SWIM_TIMER_SYNC, 0);
    bool rearmed = false;
    for (int i = 0; find_output(&h, HS_OUT_TIMER_SET, i) != NULL; i++) {
        const hs_output *o = find_output(&h, HS_OUT_TIMER_SET, i);
        rearmed = rearmed || (o->u.timer.timer_id == probe &&
                              o->u.timer.deadline_ns == h.now_ns + HS_MS(50));
    }
    assert_true(rearmed);
    /* A refused timer of no module is reported as unowned. */
    in.u.timer_refused.timer_id = hs_timer_id(100, 0, 0);
    step_input(&h, &in);
    assert_non_null(find_event(&h, HS_EV_TIMER_UNOWNED));
    harness_free(&h);

    harness_create(&h, "n1", 1, 0);
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step_input(&h, &in);
    const hs_output *read = find_output(&h, HS_OUT_DISK_READ, 0);
    assert_non_null(read);
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = read->u.disk.op_id;
    in.u.disk.status = HS_ERR_IO;
    step_input(&h, &in);
    const hs_output *retry = find_output(&h, HS_OUT_TIMER_SET, 0);
    assert_non_null(retry);
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER_REFUSED;
    in.u.timer_refused.timer_id = retry->u.timer.timer_id;
    in.u.timer_refused.reason = HS_ERR_FULL;
    uint64_t retry_id = retry->u.timer.timer_id;
    step_input(&h, &in);
    /* The store's only timer refused: parked with a wake-up, never a halt
     * (a full table is the host's trouble, not a broken metadata file). */
    assert_non_null(find_event(&h, HS_EV_TIMER_REFUSED));
    assert_null(find_event(&h, HS_EV_NODE_HALTED));
    assert_int_equal(node_meta(h.n)->phase, META_LOADING);
    assert_true(node_meta(h.n)->retry_parked);
    /* The backoff doubled with the failure that armed it (100 -> 200 ms). */
    assert_int_equal(h.ob.wake_ns, h.now_ns + HS_MS(2 * META_RETRY_MIN_MS));
    h.now_ns = h.ob.wake_ns;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_WAKE;
    step_input(&h, &in);
    assert_non_null(timer_set(&h, retry_id));
    assert_int_equal(node_get_counters(h.n)->wakeups, 1);
    harness_free(&h);
}

/* One step whose outbox has no ordinary slot left, as a step that outgrew
 * its outbox would see (full: not even the event reserve, so nothing but
 * the counters and the state show what happened); the room comes back
 * afterwards. */
static void step_squeezed(harness *h, const hs_input *in, bool full)
{
    uint32_t ordinary_cap = h->ob.ordinary_cap;
    uint32_t cap = h->ob.cap;
    hs_outbox_reset(&h->ob);
    h->ob.ordinary_cap = 0;
    h->ob.cap = full ? 0 : cap;
    node_step(h->n, h->now_ns, in, &h->ob);
    /* Every timer set that did not fit went back to its owner. */
    assert_int_equal(h->ob.refused_count, 0);
    assert_int_equal(h->ob.refused_lost, 0);
    assert_true(h->ob.overflows + h->ob.reserve_taken > 0);
    h->ob.ordinary_cap = ordinary_cap;
    h->ob.cap = cap;
    h->ob.overflows = 0; /* seen here; step() wants none after */
}

static bool parked(const swim *s, uint64_t timer_id)
{
    for (uint32_t i = 0; i < s->rearm_count; i++) {
        if (s->rearm[i] == timer_id) {
            return true;
        }
    }
    return false;
}

/* The TIMER_SET of the last step for this timer, if any. */

/* A timer set the outbox has no slot for is never lost.  With the event
 * reserve left it takes a slot there; with nothing left node_step hands it
 * back to its owner as a refusal in the same step: SWIM parks it and arms
 * it once a later step has room; the meta store, whose retry timer is its
 * only way forward, halts the node on purpose instead of hanging. */
static void test_full_outbox_hands_timers_back(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    uint64_t refused_before = node_get_counters(h.n)->timers_refused;
    uint64_t probe = hs_timer_id(SWIM_TIMER_PROBE, 0, 0);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER;
    in.u.timer.timer_id = probe;
    step_squeezed(&h, &in, false);
    assert_non_null(find_output(&h, HS_OUT_TIMER_SET, 0)); /* in the reserve */
    assert_int_equal(node_get_counters(h.n)->timers_refused, refused_before);
    h.now_ns += HS_SEC(2);
    step_squeezed(&h, &in, true);
    assert_true(node_get_counters(h.n)->timers_refused > refused_before);
    const swim *s = node_swim(h.n);
    assert_true(parked(s, probe));
    /* The refusal asked the host for a wake-up at the first backoff. */
    assert_int_equal(h.ob.wake_ns, h.now_ns + HS_MS(SWIM_REARM_MIN_MS));
    h.now_ns += HS_SEC(1);
    fire(&h, SWIM_TIMER_SYNC, 0);
    assert_non_null(timer_set(&h, probe));
    assert_int_equal(s->rearm_count, 0);

    /* Parked again, and nothing but the wake-up arrives: it arms the probe
     * round due at once (its backoff has passed while it waited). */
    h.now_ns += HS_SEC(2);
    step_squeezed(&h, &in, true);
    assert_true(parked(s, probe));
    assert_true(h.ob.wake_ns > h.now_ns);
    h.now_ns = h.ob.wake_ns;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_WAKE;
    step(&h, &in);
    assert_int_equal(s->rearm_count, 0);
    assert_non_null(timer_set(&h, probe));
    assert_int_equal(timer_set(&h, probe)->u.timer.deadline_ns, h.now_ns);
    assert_int_equal(h.ob.wake_ns, 0); /* nothing parked: none asked */
    assert_int_equal(node_probes(h.n)->hits[HS_PROBE_SWIM_REARMED_ON_WAKE], 1);
    harness_free(&h);

    /* START with no slot at all: the read and its retry timer refused.
     * The retry is parked with a wake-up (the store never hangs and never
     * gives up on a full table), which arms it; its firing reads. */
    harness_create(&h, "n1", 1, 0);
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step_squeezed(&h, &in, true);
    const meta_store *m = node_meta(h.n);
    assert_int_equal(m->phase, META_LOADING);
    assert_true(m->retry_parked && m->retry_armed);
    assert_int_equal(node_get_counters(h.n)->timers_refused, 1);
    assert_int_equal(node_get_counters(h.n)->disk_failures, 1);
    assert_int_equal(h.ob.wake_ns, h.now_ns + HS_MS(2 * META_RETRY_MIN_MS));
    h.now_ns = h.ob.wake_ns;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_WAKE;
    step(&h, &in);
    assert_false(m->retry_parked);
    const hs_output *retry = find_output(&h, HS_OUT_TIMER_SET, 0);
    assert_non_null(retry);
    assert_int_equal(retry->u.timer.deadline_ns, h.now_ns);
    in.kind = HS_IN_TIMER;
    in.u.timer.timer_id = retry->u.timer.timer_id;
    step(&h, &in);
    assert_non_null(find_output(&h, HS_OUT_DISK_READ, 0));
    run_disk(&h);
    assert_true(node_running(h.n));
    harness_free(&h);
}

/* A reply that cannot go out ends its stream (never a hole the client
 * would read the next reply through): the CLOSE takes the event reserve
 * and the binding goes in the same step. */
static void test_full_outbox_ends_the_stream(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    say_hello(&h, 3, "hsctl");
    assert_non_null(peers_find(node_peers(h.n), 3));
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = MSG_MEMBERS_REQ;
    req.u.request.request_id = 9;
    uint8_t buf[256];
    hs_input in = recv_input(HS_CH_TCP, addr_of(50), 3, buf, frame_of(&req, buf, sizeof(buf)));
    step_squeezed(&h, &in, false);
    assert_null(find_output(&h, HS_OUT_SEND, 0));
    const hs_output *close = find_output(&h, HS_OUT_CLOSE, 0);
    assert_non_null(close);
    assert_int_equal(close->u.close.conn_id, 3);
    assert_non_null(find_event(&h, HS_EV_OUTBOX_FULL));
    assert_null(peers_find(node_peers(h.n), 3));
    assert_int_equal(h.ob.streams_lost, 0);
    harness_free(&h);
}

/* A full retry table never costs a periodic duty: with SWIM_REARM_MAX
 * refused suspicion timers waiting, a refused probe round still waits for
 * its re-arm, and one member's retry is given up on (reported) instead. */
static void test_refused_duty_outranks_member_timers(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const swim *s = node_swim(h.n);
    msg_member list[SWIM_REARM_MAX];
    char names[SWIM_REARM_MAX][8];
    for (uint32_t i = 0; i < SWIM_REARM_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "s%u", i + 10);
        list[i] = member_entry(names[i], i + 10, 1, MEMBER_ALIVE);
    }
    msg m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_SYNC;
    m.u.sync.seq = 7;
    m.u.sync.source = name_of("s10");
    m.u.sync.proto_major = MSG_PROTO_MAJOR;
    m.list = list;
    m.list_count = SWIM_REARM_MAX;
    deliver_msg(&h, addr_of(10), &m); /* learned alive first: never suspected unseen */
    for (uint32_t i = 0; i < SWIM_REARM_MAX; i++) {
        list[i].state = MEMBER_SUSPECT;
    }
    m.u.sync.seq = 8;
    deliver_msg(&h, addr_of(10), &m);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_TIMER_REFUSED;
    in.u.timer_refused.reason = HS_ERR_FULL;
    for (uint32_t i = 0; i < SWIM_REARM_MAX; i++) {
        hs_name n = name_of(names[i]);
        const swim_member *mem = swim_find(s, &n);
        assert_non_null(mem);
        assert_int_equal(mem->state, MEMBER_SUSPECT);
        in.u.timer_refused.timer_id = swim_member_timer(s, SWIM_TIMER_SUSPECT, mem);
        step_input(&h, &in);
        assert_null(find_event(&h, HS_EV_TIMER_ABANDONED));
    }
    assert_int_equal(s->rearm_count, SWIM_REARM_MAX);
    uint64_t probe = hs_timer_id(SWIM_TIMER_PROBE, 0, 0);
    in.u.timer_refused.timer_id = probe;
    step_input(&h, &in);
    const hs_output *gave_up = find_event(&h, HS_EV_TIMER_ABANDONED);
    assert_non_null(gave_up);
    assert_int_not_equal(gave_up->u.event.a, probe); /* a member's retry, not the duty */
    assert_int_equal(hs_timer_kind(gave_up->u.event.a), SWIM_TIMER_SUSPECT);
    assert_int_equal(s->rearm_count, SWIM_REARM_MAX);
    /* The next firing re-arms the probe round with the others. */
    h.now_ns += HS_SEC(1);
    fire(&h, SWIM_TIMER_SYNC, 0);
    assert_non_null(timer_set(&h, probe));
    harness_free(&h);
}

/* A DISK_DONE with HS_ERR_FULL (the host's completion queue was full) is a
 * failed op: the store retries with a new op id, and the old id is stale. */
static void test_disk_full_completion_retries(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_START;
    step_input(&h, &in);
    uint64_t read_op = find_output(&h, HS_OUT_DISK_READ, 0)->u.disk.op_id;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = read_op;
    in.u.disk.status = HS_ERR_FULL;
    step_input(&h, &in);
    const hs_output *failed = find_event(&h, HS_EV_DISK_FAILED);
    assert_non_null(failed);
    assert_int_equal(failed->u.event.b, HS_ERR_FULL);
    const hs_output *retry = find_output(&h, HS_OUT_TIMER_SET, 0);
    assert_non_null(retry);
    h.now_ns = retry->u.timer.deadline_ns;
    fire_id(&h, retry->u.timer.timer_id);
    const hs_output *again = find_output(&h, HS_OUT_DISK_READ, 0);
    assert_non_null(again);
    assert_int_not_equal(again->u.disk.op_id, read_op);
    step_input(&h, &in); /* the first read's id once more */
    assert_non_null(find_event(&h, HS_EV_DISK_STALE));
    run_disk(&h);
    harness_free(&h);
}

/* Every membership change reaches every module and the role in the step
 * it happens in, through the bounded queue, which is empty after it. */
static void test_member_changes_fan_out_in_step(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    const role_state *role = node_role_state(h.n);
    assert_int_equal(role->role, ROLE_WORKER);
    learn(&h, 3); /* one PING: three members added in this step */
    assert_int_equal(role->u.worker.member_changes_heard, 3);
    assert_int_equal(node_get_counters(h.n)->member_changes, 3);
    assert_int_equal(node_swim(h.n)->change_count, 0);
    gossip_about(&h, "n3", 3, 0, MEMBER_DEAD);
    assert_int_equal(role->u.worker.member_changes_heard, 4);
    hs_name name3 = name_of("n3");
    const swim_member *n3 = swim_find(node_swim(h.n), &name3);
    fire_id(&h, swim_member_timer(node_swim(h.n), SWIM_TIMER_REAP, n3));
    assert_int_equal(role->u.worker.member_changes_heard, 5); /* reaped */
    /* The bound of the queue covers the longest list one message carries. */
    assert_true(SWIM_CHANGES_MAX > MSG_SYNC_MAX && SWIM_CHANGES_MAX > MSG_GOSSIP_MAX);
    hs_table_view rows[NODE_TABLES_MAX];
    uint32_t n = node_tables(h.n, rows, NODE_TABLES_MAX);
    bool seen = false;
    for (uint32_t i = 0; i < n; i++) {
        if (rows[i].table == HS_TABLE_MEMBER_CHANGES) {
            seen = true;
            assert_int_equal(rows[i].count, 0);
            assert_int_equal(rows[i].high_water, 3);
            assert_int_equal(rows[i].cap, SWIM_CHANGES_MAX);
        }
    }
    assert_true(seen);
    harness_free(&h);
}

/* SEND_FAILED is counted and reported by the node and reaches the module
 * owning the frame's message type (SWIM only records it). */
static void test_send_failed(void **state)
{
    (void)state;
    harness h;
    harness_create(&h, "n1", 1, 0);
    start(&h);
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_SEND_FAILED;
    in.u.send_failed.channel = HS_CH_TCP;
    in.u.send_failed.to = addr_of(5);
    in.u.send_failed.msg_type = MSG_STATS_RESP;
    in.u.send_failed.reason = HS_ERR_FULL;
    in.u.send_failed.frames = 1;
    step_input(&h, &in);
    const hs_output *ev = find_event(&h, HS_EV_SEND_FAILED);
    assert_non_null(ev);
    assert_int_equal(ev->u.event.a, MSG_STATS_RESP);
    assert_int_equal(ev->u.event.b, HS_ERR_FULL);
    in.u.send_failed.msg_type = MSG_PING;
    step_input(&h, &in);
    in.u.send_failed.msg_type = 700; /* no module: still counted */
    step_input(&h, &in);
    assert_int_equal(node_get_counters(h.n)->sends_failed, 3);
    assert_int_equal(node_get_counters(h.n)->inputs_unhandled, 0);
    harness_free(&h);
}

/* Plants a corruption in a forked child's SWIM table, then steps the child
 * up to `steps` times with an input that changes nothing (an unowned
 * timer): true when the self-check aborted it within those steps. */
static bool corruption_caught_within(void (*plant)(swim *s), uint32_t steps)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        harness h;
        harness_create(&h, "n1", 1, 0);
        start(&h);
        learn(&h, 8);
        plant((swim *)node_swim(h.n)); /* the test's own write: no API makes one */
        for (uint32_t i = 0; i < steps; i++) {
            fire(&h, 100, 0);
        }
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* Only the full recompute sees it: a relay marked live behind relay_count. */
static void plant_relay_live(swim *s)
{
    s->relays[s->cfg.relays_cap - 1].live = true;
}

/* A member's gossip back-pointer cleared: only the full walk sees it. */
static void plant_gossip_pos(swim *s)
{
    for (uint32_t i = 0; i < s->slot_end; i++) {
        if (s->slot_used[i] && s->slots[i].gossip_pos != 0) {
            s->slots[i].gossip_pos = 0;
            return;
        }
    }
    fail_msg("no member has a gossip entry");
}

/* O(1) bookkeeping out of step: the per-step check sees it at once. */
static void plant_free_count(swim *s)
{
    s->free_count++;
}

static void plant_nothing(swim *s)
{
    (void)s;
}

/* The per-step self-check is incremental; the full recompute runs every
 * NODE_FULL_CHECK_STEPS steps, so a corruption only it can see is caught
 * within that many steps, and one in the O(1) bookkeeping at the next. */
static void test_self_check_catches_corruption(void **state)
{
    (void)state;
    if (!HS_DEBUG_CHECKS) { /* self_check defaults on only in checked builds */
        skip();
    }
    assert_false(corruption_caught_within(plant_nothing, 2 * NODE_FULL_CHECK_STEPS));
    assert_true(corruption_caught_within(plant_relay_live, NODE_FULL_CHECK_STEPS));
    assert_true(corruption_caught_within(plant_gossip_pos, NODE_FULL_CHECK_STEPS));
    assert_true(corruption_caught_within(plant_free_count, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_start_persists_ceiling_first),
        cmocka_unit_test(test_start_near_incarnation_max),
        cmocka_unit_test(test_restart_goes_above_ceiling),
        cmocka_unit_test(test_meta_of_other_node_halts),
        cmocka_unit_test(test_ping_gets_ack_with_self),
        cmocka_unit_test(test_ack_self_only_when_prober_is_stale),
        cmocka_unit_test(test_ping_for_someone_else_is_not_acked),
        cmocka_unit_test(test_failed_probe_suspect_dead_reap),
        cmocka_unit_test(test_ack_cancels_probe_timeout),
        cmocka_unit_test(test_ping_req_relay),
        cmocka_unit_test(test_refutation),
        cmocka_unit_test(test_one_refutation_per_list),
        cmocka_unit_test(test_forged_accusation_is_clamped),
        cmocka_unit_test(test_refutation_waits_for_ceiling),
        cmocka_unit_test(test_merge_rule),
        cmocka_unit_test(test_join_and_version_gate),
        cmocka_unit_test(test_replies_to_strangers_are_rate_limited),
        cmocka_unit_test(test_unknown_type_and_garbage),
        cmocka_unit_test(test_members_and_stats_requests),
        cmocka_unit_test(test_tcp_needs_hello),
        cmocka_unit_test(test_hello_version_and_capacity),
        cmocka_unit_test(test_close_removes_binding),
        cmocka_unit_test(test_counter_truncation_reported),
        cmocka_unit_test(test_stats_carry_per_type_and_host_counters),
        cmocka_unit_test(test_leave),
        cmocka_unit_test(test_longest_names_fit_a_datagram),
        cmocka_unit_test(test_retransmit_and_bounds),
        cmocka_unit_test(test_routes_by_table),
        cmocka_unit_test(test_gone_owner_is_stale),
        cmocka_unit_test(test_timer_refused),
        cmocka_unit_test(test_full_outbox_hands_timers_back),
        cmocka_unit_test(test_full_outbox_ends_the_stream),
        cmocka_unit_test(test_refused_duty_outranks_member_timers),
        cmocka_unit_test(test_swim_keeps_at_most_its_seeds),
        cmocka_unit_test(test_leave_before_join_ends_the_retry),
        cmocka_unit_test(test_retransmit_limit_to_the_last_bit),
        cmocka_unit_test(test_gossip_about_dest_fits_exactly),
        cmocka_unit_test(test_sync_list_fills_to_the_byte),
        cmocka_unit_test(test_disk_full_completion_retries),
        cmocka_unit_test(test_member_changes_fan_out_in_step),
        cmocka_unit_test(test_send_failed),
        cmocka_unit_test(test_self_check_catches_corruption),
    };
    return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}
