/* Unit tests for core's basic modules: names and addresses (base), event
 * records and their renderers (event), the outbox that carries a step's
 * outputs (step), the per-step context helpers (ctx) and the counter
 * table (counters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bucket.h"
#include "counters.h"
#include "ctx.h"
#include "event.h"
#include "frame.h"
#include "ctl_msg.h"
#include "msg.h"
#include "msg_registry.h"
#include "step.h"

#include <string.h>

/* ---- base ---- */

static void test_addr_parse_and_format(void **state)
{
    (void)state;
    hs_addr a;
    assert_int_equal(hs_addr_parse("10.0.0.3:7946", &a), HS_OK);
    assert_int_equal(a.ip, (10u << 24) | 3u);
    assert_int_equal(a.port, 7946);
    char text[HS_ADDR_STR_MAX];
    hs_addr_format(a, text);
    assert_string_equal(text, "10.0.0.3:7946");
    assert_int_equal(hs_addr_parse("255.255.255.255:65535", &a), HS_OK);
    hs_addr_format(a, text);
    assert_string_equal(text, "255.255.255.255:65535");
    const char *bad[] = {"",          "10.0.0.3",       "10.0.0:1",      "10.0.0.256:1",
                         "10.0.0.3:0", "10.0.0.3:65536", "10.0.0.3:1x",   "a.b.c.d:1",
                         " 1.2.3.4:5", "1.2.3.4:",       "1.2.3.4.5:6",   "1234.0.0.1:1",
                         "1.2.3.4:-1", "1..3.4:5",       "1.2.3.4:100000"};
    for (size_t i = 0; i < HS_ARRAY_LEN(bad); i++) {
        assert_int_equal(hs_addr_parse(bad[i], &a), HS_ERR_INVALID);
    }
    hs_addr x = {1, 2};
    hs_addr y = {1, 3};
    assert_true(hs_addr_eq(x, x));
    assert_false(hs_addr_eq(x, y));
    assert_int_equal(hs_addr_key(x), (UINT64_C(1) << 16) | 2u);
}

static void test_names(void **state)
{
    (void)state;
    hs_name n;
    assert_int_equal(hs_name_set(&n, "worker-017", 10), HS_OK);
    assert_int_equal(n.len, 10);
    assert_string_equal(n.bytes, "worker-017");
    char long_name[HS_NAME_MAX + 2];
    memset(long_name, 'a', sizeof(long_name));
    assert_int_equal(hs_name_set(&n, long_name, HS_NAME_MAX), HS_OK);
    assert_int_equal(hs_name_set(&n, long_name, HS_NAME_MAX + 1), HS_ERR_INVALID);
    assert_int_equal(hs_name_set(&n, "", 0), HS_ERR_INVALID);
    assert_int_equal(hs_name_set(&n, "a b", 3), HS_ERR_INVALID);
    assert_int_equal(hs_name_set(&n, "a\x7f", 2), HS_ERR_INVALID);
    assert_int_equal(hs_name_set(&n, "a\n", 2), HS_ERR_INVALID);
    hs_name a;
    hs_name b;
    assert_int_equal(hs_name_set(&a, "n1", 2), HS_OK);
    assert_int_equal(hs_name_set(&b, "n10", 3), HS_OK);
    assert_false(hs_name_eq(&a, &b));
    assert_int_equal(hs_name_set(&b, "n1", 2), HS_OK);
    assert_true(hs_name_eq(&a, &b));
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(hs_status_name(HS_OK), "OK");
    assert_string_equal(hs_status_name(HS_ERR_CHECKSUM), "ERR_CHECKSUM");
    assert_string_equal(hs_status_text(HS_ERR_TIMEOUT), "timed out");
    assert_string_equal(hs_status_name((hs_status)9999), "UNKNOWN_STATUS");
    for (int i = 0; i < HS_STATUS_COUNT; i++) {
        assert_non_null(hs_status_name((hs_status)i));
        assert_true(strlen(hs_status_text((hs_status)i)) > 0);
    }
}

/* ---- event ---- */

static void test_event_text_and_json(void **state)
{
    (void)state;
    hs_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_MEMBER_STATE;
    ev.severity = (uint8_t)hs_event_code_severity(HS_EV_MEMBER_STATE);
    assert_int_equal(hs_name_set(&ev.subject, "n4", 2), HS_OK);
    ev.a = MEMBER_ALIVE;
    ev.b = MEMBER_SUSPECT;
    ev.c = 3;
    char text[256];
    size_t len = hs_event_format_text(&ev, text, sizeof(text));
    assert_string_equal(text, "member_state member=n4 from=alive to=suspect inc=3");
    assert_int_equal(len, strlen(text));
    hs_event_format_json(&ev, text, sizeof(text));
    assert_string_equal(text, "\"event\":\"member_state\",\"severity\":\"info\",\"member\":\"n4\","
                              "\"from\":\"alive\",\"to\":\"suspect\",\"inc\":3");
    /* Addresses, statuses, channels and milliseconds render by kind. */
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_FRAME_REJECTED;
    ev.a = HS_ERR_CHECKSUM;
    ev.b = HS_CH_UDP;
    ev.c = hs_addr_key((hs_addr){(127u << 24) | 1u, 9000});
    hs_event_format_text(&ev, text, sizeof(text));
    assert_string_equal(text,
                        "frame_rejected reason=ERR_CHECKSUM channel=udp from=127.0.0.1:9000");
    /* 64-bit ids are JSON strings (every digit survives a double-based
     * reader); the same field is a bare number in text. */
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_DISK_FAILED;
    ev.severity = (uint8_t)hs_event_code_severity(HS_EV_DISK_FAILED);
    ev.a = 144115188075855873ull; /* 2^57 + 1: not a double */
    ev.b = HS_ERR_IO;
    ev.c = 5 * HS_NS_PER_MS;
    hs_event_format_text(&ev, text, sizeof(text));
    assert_string_equal(text, "disk_failed op=144115188075855873 status=ERR_IO retry_ms=5");
    hs_event_format_json(&ev, text, sizeof(text));
    assert_string_equal(text, "\"event\":\"disk_failed\",\"severity\":\"error\","
                              "\"op\":\"144115188075855873\",\"status\":\"ERR_IO\","
                              "\"retry_ms\":5");
    /* Quotes in a subject are escaped in JSON. */
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_MEMBER_REAPED;
    assert_int_equal(hs_name_set(&ev.subject, "a\"b", 3), HS_OK);
    hs_event_format_json(&ev, text, sizeof(text));
    assert_non_null(strstr(text, "\"member\":\"a\\\"b\""));
}

static void test_event_truncates_safely(void **state)
{
    (void)state;
    hs_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_MEMBER_ADDED;
    assert_int_equal(hs_name_set(&ev.subject, "a-rather-long-member-name", 25), HS_OK);
    for (size_t cap = 1; cap < 80; cap++) {
        char buf[81];
        memset(buf, 'X', sizeof(buf));
        size_t len = hs_event_format_text(&ev, buf, cap);
        assert_true(len < cap);
        assert_int_equal(buf[len], '\0');
        assert_int_equal(buf[cap], 'X'); /* nothing written past cap */
        len = hs_event_format_json(&ev, buf, cap);
        assert_true(len < cap);
        assert_int_equal(buf[len], '\0');
    }
    for (uint16_t code = 0; code < HS_EV_COUNT; code++) {
        hs_event_name name;
        assert_non_null(hs_event_code_name(code, &name));
        assert_true(strlen(name.text) > 0);
        assert_true(hs_event_code_severity(code) <= HS_SEV_ERROR);
    }
    hs_event_name name;
    assert_string_equal(hs_event_code_name(HS_EV_COUNT, &name), "unknown_event");
    assert_string_equal(hs_event_code_name(HS_EV_MEMBER_STATE, &name), "member_state");
    assert_string_equal(hs_table_name(HS_TABLE_GOSSIP), "gossip");
}

/* ---- step: the outbox ---- */

static void test_outbox_reserve_keeps_room_for_events(void **state)
{
    (void)state;
    hs_outbox ob;
    assert_int_equal(hs_outbox_init(&ob, HS_OUTBOX_EVENT_RESERVE + 4, 64), HS_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(hs_outbox_timer_set(&ob, (uint64_t)i, 100), HS_OK);
    }
    /* Ordinary outputs are refused past the reserve, and say so. */
    assert_int_equal(hs_outbox_disk_sync(&ob, 9, HS_FILE_META), HS_ERR_FULL);
    assert_int_equal(ob.overflows, 1);
    const hs_output *last = &ob.items[ob.count - 1];
    assert_int_equal(last->kind, HS_OUT_EVENT);
    assert_int_equal(last->u.event.code, HS_EV_OUTBOX_FULL);
    assert_int_equal(ob.refused_count, 0); /* a sync is not kept */
    /* A cancel or a timer set takes the event reserve instead: the host
     * must hear of it; the reserve counts what it took for outputs. */
    assert_int_equal(hs_outbox_timer_cancel(&ob, 9), HS_OK);
    assert_int_equal(ob.items[ob.count - 1].kind, HS_OUT_TIMER_CANCEL);
    assert_int_equal(ob.items[ob.count - 1].u.timer.timer_id, 9);
    assert_int_equal(hs_outbox_timer_set(&ob, 41, 100), HS_OK);
    assert_int_equal(ob.items[ob.count - 1].kind, HS_OUT_TIMER_SET);
    assert_int_equal(ob.reserve_taken, 2);
    assert_int_equal(ob.overflows, 1);
    /* With the reserve closed to timer sets (a simulator's squeeze) a set
     * is kept for the hand-back instead; a cancel still takes it. */
    ob.timer_reserve_closed = true;
    assert_int_equal(hs_outbox_timer_set(&ob, 40, 100), HS_ERR_FULL);
    assert_int_equal(ob.refused_count, 1);
    assert_int_equal(ob.refused_timers[0], 40);
    assert_int_equal(hs_outbox_timer_cancel(&ob, 8), HS_OK);
    assert_int_equal(ob.reserve_taken, 3);
    ob.timer_reserve_closed = false;
    ob.refused_count = 0;
    ob.overflows = 1;
    /* Events still fit until the very end. */
    while (ob.count < ob.cap) {
        hs_outbox_event(&ob, HS_EV_NODE_START, NULL, 0, 0, 0);
    }
    /* A timer set that finds no slot at all is kept, in order, for
     * node_step to hand back as a refusal (its event has no room). */
    assert_int_equal(hs_outbox_timer_set(&ob, 42, 100), HS_ERR_FULL);
    assert_int_equal(hs_outbox_timer_set(&ob, 43, 100), HS_ERR_FULL);
    assert_int_equal(ob.refused_count, 2);
    assert_int_equal(ob.refused_timers[0], 42);
    assert_int_equal(ob.refused_timers[1], 43);
    assert_int_equal(ob.overflows, 5); /* the sync, then each set and its event */
    assert_int_equal(ob.refused_lost, 0);
    /* Past as many as the outbox has slots, a timer set is lost: counted. */
    ob.refused_count = ob.refused_cap;
    assert_int_equal(hs_outbox_timer_set(&ob, 44, 100), HS_ERR_FULL);
    assert_int_equal(ob.refused_lost, 1);
    ob.refused_count = 2;
    /* Past the end, events only count. */
    uint64_t before = ob.overflows;
    hs_outbox_event(&ob, HS_EV_NODE_START, NULL, 0, 0, 0);
    assert_int_equal(ob.overflows, before + 1);
    assert_int_equal(ob.count, ob.cap);
    assert_int_equal(ob.high_water, ob.cap);
    /* A wake-up fits a full outbox (a scalar): the earliest asked wins. */
    assert_int_equal(ob.wake_ns, 0);
    hs_outbox_wake_at(&ob, 500);
    hs_outbox_wake_at(&ob, 900);
    assert_int_equal(ob.wake_ns, 500);
    hs_outbox_wake_at(&ob, 200);
    assert_int_equal(ob.wake_ns, 200);
    hs_outbox_reset(&ob);
    assert_int_equal(ob.count, 0);
    assert_int_equal(ob.arena_used, 0);
    assert_int_equal(ob.refused_count, 0);
    assert_int_equal(ob.wake_ns, 0);
    hs_outbox_free(&ob);
    assert_int_equal(hs_outbox_init(&ob, HS_OUTBOX_EVENT_RESERVE, 64), HS_ERR_INVALID);
}

static void test_outbox_payloads(void **state)
{
    (void)state;
    hs_outbox ob;
    assert_int_equal(hs_outbox_init(&ob, 32, 16), HS_OK);
    uint32_t room = 0;
    uint8_t *p = hs_outbox_payload_begin(&ob, 10, &room);
    assert_non_null(p);
    assert_int_equal(room, 10);
    memcpy(p, "0123456789", 10);
    assert_int_equal(hs_outbox_send_commit(&ob, HS_CH_UDP, (hs_addr){1, 2}, 0, 10), HS_OK);
    p = hs_outbox_payload_begin(&ob, 100, &room);
    assert_int_equal(room, 6); /* only what the arena has left */
    memcpy(p, "abcdef", 6);
    assert_int_equal(hs_outbox_disk_write_commit(&ob, 7, HS_FILE_META, 512, 6), HS_OK);
    assert_null(hs_outbox_payload_begin(&ob, 1, &room));
    assert_int_equal(room, 0);
    assert_memory_equal(hs_outbox_payload(&ob, &ob.items[0]), "0123456789", 10);
    assert_memory_equal(hs_outbox_payload(&ob, &ob.items[1]), "abcdef", 6);
    assert_int_equal(ob.items[1].u.disk.file_offset, 512);
    assert_null(hs_outbox_payload(&ob, &(hs_output){.kind = HS_OUT_TIMER_SET}));
    assert_int_equal(hs_outbox_disk_sync(&ob, 8, HS_FILE_META), HS_OK);
    assert_int_equal(hs_outbox_disk_read(&ob, 9, HS_FILE_META, 0, 1024), HS_OK);
    assert_int_equal(hs_outbox_close(&ob, 44), HS_OK);
    assert_int_equal(ob.items[4].u.close.conn_id, 44);
    hs_outbox_free(&ob);
}

static void test_timer_ids(void **state)
{
    (void)state;
    uint64_t id = hs_timer_id(7, 12345, 678);
    assert_int_equal(hs_timer_kind(id), 7);
    assert_int_equal(hs_id_slot(id), 12345);
    assert_int_equal(hs_id_gen(id), 678);
    /* Generations wider than 24 bits are masked, never bleed into the slot. */
    id = hs_timer_id(3, UINT32_MAX, UINT32_MAX);
    assert_int_equal(hs_timer_kind(id), 3);
    assert_int_equal(hs_id_slot(id), UINT32_MAX);
    assert_int_equal(hs_id_gen(id), HS_ID_GEN_MASK);
    /* Generations skip 0, so a zeroed id never matches a live owner. */
    assert_int_equal(hs_gen_next(HS_ID_GEN_MASK), 1);
    assert_int_equal(hs_gen_next(0), 1);
    id = hs_disk_op_id(2, 1, 5);
    assert_int_equal(hs_id_kind(id), 2);
    assert_string_equal(hs_input_kind_name(HS_IN_DISK_DONE), "disk_done");
    assert_string_equal(hs_output_kind_name(HS_OUT_TIMER_SET), "timer_set");
    assert_string_equal(hs_input_kind_name(99), "unknown_input");
}

/* ---- ctx and counters ---- */

static void test_ctx_send_counts_and_reports(void **state)
{
    (void)state;
    hs_outbox ob;
    assert_int_equal(hs_outbox_init(&ob, 32, 64), HS_OK);
    node_counters counters;
    memset(&counters, 0, sizeof(counters));
    rng r;
    rng_seed(&r, 1);
    step_ctx ctx = {HS_SEC(1), &ob, &r, &counters, msg_registry_find, NULL};
    msg_request m = {5};
    assert_int_equal(ctx_send(&ctx, HS_CH_TCP, (hs_addr){1, 2}, 3, MSG_MEMBERS_REQ, &m), HS_OK);
    assert_int_equal(counters.frames_tx, 1);
    frame_header h;
    const uint8_t *payload = NULL;
    assert_int_equal(frame_decode(hs_outbox_payload(&ob, &ob.items[0]), ob.items[0].u.send.len,
                                  FRAME_TCP_PAYLOAD_MAX, &h, &payload),
                     HS_OK);
    assert_int_equal(h.type, MSG_MEMBERS_REQ);
    /* A message that cannot be encoded (a reply without its node name) is
     * counted and reported. */
    msg_members bad = {0};
    assert_int_equal(ctx_send(&ctx, HS_CH_TCP, (hs_addr){1, 2}, 3, MSG_MEMBERS_RESP, &bad),
                     HS_ERR_INVALID);
    assert_int_equal(counters.encode_failures, 1);
    assert_int_equal(ob.items[ob.count - 1].u.event.code, HS_EV_ENCODE_FAILED);
    /* An arena with room for a header but not the frame: the send is
     * refused as outbox-full, never as an encoding error (the message is
     * fine, the outbox ran out). */
    uint32_t frame_len = ob.items[0].u.send.len;
    hs_outbox_free(&ob);
    assert_true(frame_len > FRAME_HEADER_LEN + 1);
    assert_int_equal(hs_outbox_init(&ob, 32, frame_len + FRAME_HEADER_LEN + 1), HS_OK);
    ctx.ob = &ob;
    memset(&counters, 0, sizeof(counters));
    assert_int_equal(ctx_send(&ctx, HS_CH_TCP, (hs_addr){1, 2}, 3, MSG_MEMBERS_REQ, &m), HS_OK);
    assert_int_equal(ctx_send(&ctx, HS_CH_TCP, (hs_addr){1, 2}, 3, MSG_MEMBERS_REQ, &m),
                     HS_ERR_FULL);
    assert_int_equal(counters.encode_failures, 0);
    assert_int_equal(counters.outbox_overflows, 1);
    assert_int_equal(ob.items[ob.count - 1].u.event.code, HS_EV_OUTBOX_FULL);
    /* ... and so is one with no room at all. */
    ob.arena_used = ob.arena_cap;
    uint32_t before = ob.count;
    assert_int_equal(ctx_send(&ctx, HS_CH_TCP, (hs_addr){1, 2}, 3, MSG_MEMBERS_REQ, &m),
                     HS_ERR_FULL);
    assert_int_equal(counters.encode_failures, 0);
    assert_int_equal(counters.outbox_overflows, 2);
    assert_int_equal(ob.count, before + 1); /* the event only: peers_send ends the stream */
    /* A stream's CLOSE may take the event reserve ... */
    hs_outbox_close_stream(&ob, 3);
    assert_int_equal(ob.items[ob.count - 1].kind, HS_OUT_CLOSE);
    assert_int_equal(ob.items[ob.count - 1].u.close.conn_id, 3);
    /* ... and with the reserve gone too, it is counted as lost. */
    ob.count = ob.cap;
    hs_outbox_close_stream(&ob, 3);
    assert_int_equal(ob.streams_lost, 1);
    assert_int_equal(ob.count, ob.cap);
    hs_outbox_free(&ob);
}

static void test_counter_table(void **state)
{
    (void)state;
    node_counters c;
    memset(&c, 0, sizeof(c));
    c.frames_rejected = 42;
    bool found = false;
    for (uint32_t i = 0; i < NODE_COUNTER_COUNT; i++) {
        const char *name = node_counter_name(i);
        assert_non_null(name);
        assert_true(strlen(name) <= MSG_COUNTER_NAME_MAX);
        if (strcmp(name, "frames_rejected") == 0) {
            found = true;
            assert_int_equal(node_counter_value(&c, i), 42);
        }
    }
    assert_true(found);
    assert_null(node_counter_name(NODE_COUNTER_COUNT));
}

/* The bucket gives its rate however often it is asked: time between two
 * calls that refills less than a token must still count.  (It once set
 * its clock on every call and dropped the fraction, so a stranger asking
 * every half millisecond at one token a second never got a second one.) */
static void test_bucket_rate_under_frequent_calls(void **state)
{
    (void)state;
    bucket b;
    bucket_init(&b, 1, 1);
    assert_true(bucket_take(&b, 0));
    uint32_t granted = 0;
    uint64_t last_grant_ns = 0;
    for (uint64_t t = HS_US(500); t <= HS_SEC(10); t += HS_US(500)) {
        if (bucket_take(&b, t)) {
            granted++;
            assert_true(t - last_grant_ns >= HS_SEC(1)); /* never above the rate */
            last_grant_ns = t;
        }
    }
    assert_int_equal(granted, 10); /* at 1 s, 2 s, ... 10 s */
    /* Fractions carry at every rate, and the burst caps what idle time
     * buys. */
    bucket_init(&b, 3, 2);
    uint32_t taken = 0;
    for (uint64_t t = 0; t <= HS_SEC(2); t += HS_US(100)) {
        taken += bucket_take(&b, t) ? 1u : 0u;
    }
    assert_int_equal(taken, 2 + 6); /* the full burst, then 3 a second */
    assert_false(bucket_take(&b, HS_SEC(2)));
    assert_true(bucket_take(&b, HS_SEC(100)));
    assert_true(bucket_take(&b, HS_SEC(100)));
    assert_false(bucket_take(&b, HS_SEC(100))); /* the burst, not 98 s of tokens */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse_and_format),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_event_text_and_json),
        cmocka_unit_test(test_event_truncates_safely),
        cmocka_unit_test(test_outbox_reserve_keeps_room_for_events),
        cmocka_unit_test(test_outbox_payloads),
        cmocka_unit_test(test_timer_ids),
        cmocka_unit_test(test_ctx_send_counts_and_reports),
        cmocka_unit_test(test_counter_table),
        cmocka_unit_test(test_bucket_rate_under_frequent_calls),
    };
    return cmocka_run_group_tests_name("core_basics", tests, NULL, NULL);
}
