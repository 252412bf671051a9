/* Unit tests for the durable meta store (core/meta.c): the slot codec's
 * refusals, recovery from two slots, alternating writes, coalescing of
 * ceiling requests, and every disk failure path (read, write, sync), each
 * reported and retried with backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "meta.h"
#include "msg.h"
#include "msg_registry.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

typedef struct {
    meta_store m;
    hs_outbox ob;
    node_counters counters;
    rng r;
    step_ctx ctx;
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof(*f));
    hs_name name;
    assert_int_equal(hs_name_set(&name, "n1", 2), HS_OK);
    meta_init(&f->m, &name);
    assert_int_equal(hs_outbox_init(&f->ob, 64, 4096), HS_OK);
    rng_seed(&f->r, 1);
    f->ctx = (step_ctx){HS_SEC(10), &f->ob, &f->r, &f->counters, msg_registry_find, NULL};
}

static void fixture_free(fixture *f)
{
    hs_outbox_free(&f->ob);
}

static const hs_output *find(const fixture *f, hs_output_kind kind)
{
    for (uint32_t i = 0; i < f->ob.count; i++) {
        if (f->ob.items[i].kind == kind) {
            return &f->ob.items[i];
        }
    }
    return NULL;
}

static bool has_event(const fixture *f, uint16_t code)
{
    for (uint32_t i = 0; i < f->ob.count; i++) {
        if (f->ob.items[i].kind == HS_OUT_EVENT && f->ob.items[i].u.event.code == code) {
            return true;
        }
    }
    return false;
}

static meta_outcome done(fixture *f, uint64_t op, hs_status status, const uint8_t *bytes,
                         uint32_t len)
{
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = op;
    in.u.disk.status = status;
    in.u.disk.bytes = bytes;
    in.u.disk.len = len;
    meta_outcome out = META_NOTHING;
    hs_outbox_reset(&f->ob);
    assert_true(meta_on_disk_done(&f->m, &f->ctx, &in, &out));
    return out;
}

/* Writes a record into the given slot (0 or 1), whatever its seq. */
static void encode_slot_at(uint8_t *file, uint32_t slot, uint64_t seq, uint32_t ceiling,
                           const char *name)
{
    meta_record r;
    memset(&r, 0, sizeof(r));
    r.seq = seq;
    r.inc_ceiling = ceiling;
    assert_int_equal(hs_name_set(&r.name, name, strlen(name)), HS_OK);
    meta_encode(&r, file + slot * META_SLOT_SIZE);
}

/* Writes a record where the store would: slot seq % 2. */
static void encode_slot(uint8_t *file, uint64_t seq, uint32_t ceiling, const char *name)
{
    encode_slot_at(file, (uint32_t)(seq % 2), seq, ceiling, name);
}

/* Starts the store and completes its read with the given file image. */
static meta_outcome load(fixture *f, const uint8_t *file, uint32_t len)
{
    hs_outbox_reset(&f->ob);
    meta_start(&f->m, &f->ctx);
    const hs_output *read = find(f, HS_OUT_DISK_READ);
    assert_non_null(read);
    assert_int_equal(read->u.disk.len, META_FILE_SIZE);
    return done(f, read->u.disk.op_id, HS_OK, file, len);
}

static void test_codec_round_trip_and_refusals(void **state)
{
    (void)state;
    uint8_t rec[META_RECORD_LEN];
    meta_record r;
    memset(&r, 0, sizeof(r));
    r.seq = 7;
    r.inc_ceiling = 1234;
    assert_int_equal(hs_name_set(&r.name, "worker-9", 8), HS_OK);
    meta_encode(&r, rec);
    meta_record back;
    assert_int_equal(meta_decode(rec, sizeof(rec), &back), HS_OK);
    assert_int_equal(back.seq, 7);
    assert_int_equal(back.inc_ceiling, 1234);
    assert_true(hs_name_eq(&back.name, &r.name));
    assert_int_equal(meta_decode(rec, sizeof(rec) - 1, &back), HS_ERR_TRUNCATED);
    /* Every single-bit flip is refused (checksum, or the checks it guards). */
    for (size_t bit = 0; bit < sizeof(rec) * 8; bit++) {
        uint8_t bad[META_RECORD_LEN];
        memcpy(bad, rec, sizeof(rec));
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(meta_decode(bad, sizeof(bad), &back), HS_OK);
    }
    /* Fields behind a valid checksum: reserved word, seq 0, name padding. */
    struct {
        size_t offset;
        uint8_t value;
        hs_status want;
    } cases[] = {{84, 1, HS_ERR_VERSION}, {8, 0, HS_ERR_RANGE}, {21 + 8 + 3, 'x', HS_ERR_MALFORMED},
                 {20, 0, HS_ERR_RANGE}, {20, 64, HS_ERR_RANGE}};
    for (size_t i = 0; i < HS_ARRAY_LEN(cases); i++) {
        uint8_t bad[META_RECORD_LEN];
        memcpy(bad, rec, sizeof(rec));
        if (cases[i].offset == 8) {
            memset(bad + 8, 0, 8);
        } else {
            bad[cases[i].offset] = cases[i].value;
        }
        uint64_t sum = XXH3_64bits(bad, 88);
        for (int b = 0; b < 8; b++) {
            bad[88 + b] = (uint8_t)(sum >> (8 * b));
        }
        assert_int_equal(meta_decode(bad, sizeof(bad), &back), cases[i].want);
    }
    /* The ceiling may be the range's last incarnation (a node that used
     * them all must read it back to halt), never past it. */
    static const uint32_t ceilings[] = {MSG_INCARNATION_MAX, MSG_INCARNATION_MAX + 1u};
    static const hs_status want[] = {HS_OK, HS_ERR_RANGE};
    for (size_t i = 0; i < HS_ARRAY_LEN(ceilings); i++) {
        uint8_t edge[META_RECORD_LEN];
        memcpy(edge, rec, sizeof(rec));
        for (int b = 0; b < 4; b++) {
            edge[16 + b] = (uint8_t)(ceilings[i] >> (8 * b));
        }
        uint64_t sum = XXH3_64bits(edge, 88);
        for (int b = 0; b < 8; b++) {
            edge[88 + b] = (uint8_t)(sum >> (8 * b));
        }
        assert_int_equal(meta_decode(edge, sizeof(edge), &back), want[i]);
    }
}

static void test_fresh_and_recovered_loads(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    assert_int_equal(load(&f, NULL, 0), META_LOADED);
    assert_true(has_event(&f, HS_EV_META_FRESH));
    assert_int_equal(f.m.durable.seq, 0);
    fixture_free(&f);

    /* Both slots valid: the higher seq wins, whichever slot holds it. */
    uint8_t file[META_FILE_SIZE];
    memset(file, 0, sizeof(file));
    encode_slot(file, 4, 100, "n1");
    encode_slot(file, 5, 164, "n1");
    fixture_init(&f);
    assert_int_equal(load(&f, file, sizeof(file)), META_LOADED);
    assert_int_equal(f.m.durable.inc_ceiling, 164);
    fixture_free(&f);

    /* Equal sequence numbers (a copied or restored file): the higher
     * ceiling wins, whichever slot holds it, so no incarnation is reused. */
    for (uint32_t high_slot = 0; high_slot < 2; high_slot++) {
        uint8_t same[META_FILE_SIZE];
        memset(same, 0, sizeof(same));
        encode_slot_at(same, high_slot, 7, 500, "n1");
        encode_slot_at(same, 1 - high_slot, 7, 300, "n1");
        fixture_init(&f);
        assert_int_equal(load(&f, same, sizeof(same)), META_LOADED);
        assert_int_equal(f.m.durable.inc_ceiling, 500);
        assert_int_equal(f.m.durable.seq, 7);
        fixture_free(&f);
    }

    /* A file cut short inside slot 1 (its first write torn at the end of
     * the file): slot 0 loads, slot 1 is refused, and not a byte is read
     * past the end (the copy is exactly that long, for ASan). */
    uint32_t short_len = META_SLOT_SIZE + 10;
    uint8_t *cut = malloc(short_len);
    assert_non_null(cut);
    memcpy(cut, file, short_len);
    fixture_init(&f);
    assert_int_equal(load(&f, cut, short_len), META_LOADED);
    assert_int_equal(f.m.durable.inc_ceiling, 100);
    assert_true(has_event(&f, HS_EV_META_SLOT_INVALID));
    fixture_free(&f);
    free(cut);

    /* The newest slot torn: the older one still holds. */
    file[META_SLOT_SIZE + 30] ^= 0x40; /* seq 5 lives in slot 1 */
    fixture_init(&f);
    assert_int_equal(load(&f, file, sizeof(file)), META_LOADED);
    assert_int_equal(f.m.durable.inc_ceiling, 100);
    assert_true(has_event(&f, HS_EV_META_SLOT_INVALID));
    fixture_free(&f);

    /* Nothing valid but bytes present: unusable, never a silent fresh start. */
    file[30] ^= 0x40;
    fixture_init(&f);
    assert_int_equal(load(&f, file, sizeof(file)), META_FAILED_NOW);
    assert_int_equal(f.m.phase, META_FAILED);
    fixture_free(&f);

    /* Another node's file: unusable. */
    memset(file, 0, sizeof(file));
    encode_slot(file, 1, 64, "n2");
    fixture_init(&f);
    assert_int_equal(load(&f, file, sizeof(file)), META_FAILED_NOW);
    fixture_free(&f);
}

/* Writes alternate slots, each followed by a sync; requests made while a
 * write is in flight coalesce into the next write. */
static void test_writes_alternate_and_coalesce(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    assert_int_equal(load(&f, NULL, 0), META_LOADED);
    /* Room for the write but not its sync: neither goes, and it says so. */
    hs_outbox_reset(&f.ob);
    uint32_t ordinary_cap = f.ob.ordinary_cap;
    f.ob.ordinary_cap = 1;
    meta_want_ceiling(&f.m, &f.ctx, 64);
    f.ob.ordinary_cap = ordinary_cap;
    assert_null(find(&f, HS_OUT_DISK_WRITE));
    assert_true(has_event(&f, HS_EV_OUTBOX_FULL));
    assert_true(has_event(&f, HS_EV_DISK_FAILED));
    const hs_output *retry = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(retry);
    hs_outbox_reset(&f.ob);
    meta_on_timer(&f.m, &f.ctx, retry->u.timer.timer_id);
    assert_non_null(find(&f, HS_OUT_DISK_WRITE)); /* the retry writes, room now */
    fixture_free(&f);
    fixture_init(&f);
    assert_int_equal(load(&f, NULL, 0), META_LOADED);
    hs_outbox_reset(&f.ob);
    /* Room for exactly the write and its sync is room enough. */
    f.ob.ordinary_cap = 2;
    assert_int_equal(hs_outbox_room(&f.ob), 2);
    meta_want_ceiling(&f.m, &f.ctx, 64);
    f.ob.ordinary_cap = ordinary_cap;
    assert_false(has_event(&f, HS_EV_OUTBOX_FULL));
    const hs_output *w = find(&f, HS_OUT_DISK_WRITE);
    const hs_output *sync = find(&f, HS_OUT_DISK_SYNC);
    assert_non_null(w);
    assert_non_null(sync);
    assert_int_equal(w->u.disk.file_offset, META_SLOT_SIZE); /* seq 1 -> slot 1 */
    uint64_t write_op = w->u.disk.op_id;
    uint64_t sync_op = sync->u.disk.op_id;
    hs_outbox_reset(&f.ob);
    meta_want_ceiling(&f.m, &f.ctx, 100);
    meta_want_ceiling(&f.m, &f.ctx, 90); /* lower: ignored */
    assert_null(find(&f, HS_OUT_DISK_WRITE));
    assert_int_equal(done(&f, write_op, HS_OK, NULL, 0), META_NOTHING);
    assert_int_equal(done(&f, sync_op, HS_OK, NULL, 0), META_DURABLE);
    assert_int_equal(f.m.durable.inc_ceiling, 64);
    /* The coalesced request goes out right away, to the other slot. */
    w = find(&f, HS_OUT_DISK_WRITE);
    assert_non_null(w);
    assert_int_equal(w->u.disk.file_offset, 0);
    meta_record r;
    assert_int_equal(meta_decode(hs_outbox_payload(&f.ob, w), META_RECORD_LEN, &r), HS_OK);
    assert_int_equal(r.inc_ceiling, 100);
    assert_int_equal(r.seq, 2);
    fixture_free(&f);
}

/* meta_init owes nothing to its caller: a store over stale bytes starts
 * as clean as one over zeroes (a restart reuses nothing, but a later
 * embedding might). */
static void test_init_over_stale_bytes(void **state)
{
    (void)state;
    meta_store m;
    memset(&m, 0xa5, sizeof(m));
    hs_name name = {0};
    name.len = 2;
    memcpy(name.bytes, "n1", 2);
    meta_init(&m, &name);
    assert_int_equal(m.phase, META_IDLE);
    assert_int_equal(m.read_op, 0);
    assert_int_equal(m.write_op, 0);
    assert_int_equal(m.sync_op, 0);
    assert_int_equal(m.in_flight, 0);
    assert_int_equal(m.wanted, 0);
    assert_false(m.retry_armed);
    assert_false(m.retry_parked);
    assert_int_equal(m.durable.inc_ceiling, 0);
    assert_int_equal(m.retry_ms, META_RETRY_MIN_MS);
    assert_int_equal(m.outcome, META_NOTHING);
}

/* Read, write and sync failures: one DISK_FAILED event each, a retry
 * timer with doubling backoff, and the operation redone when it fires. */
static void test_failures_retry_with_backoff(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    hs_outbox_reset(&f.ob);
    meta_start(&f.m, &f.ctx);
    uint64_t read_op = find(&f, HS_OUT_DISK_READ)->u.disk.op_id;
    assert_int_equal(done(&f, read_op, HS_ERR_IO, NULL, 0), META_NOTHING);
    assert_true(has_event(&f, HS_EV_DISK_FAILED));
    assert_int_equal(f.counters.disk_failures, 1);
    const hs_output *t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    assert_int_equal(t->u.timer.deadline_ns, f.ctx.now_ns + HS_MS(100));
    assert_true(meta_timer_owner_live(&f.m, t->u.timer.timer_id));
    uint64_t timer = t->u.timer.timer_id;
    hs_outbox_reset(&f.ob);
    meta_on_timer(&f.m, &f.ctx, timer);
    assert_false(meta_timer_owner_live(&f.m, timer));
    read_op = find(&f, HS_OUT_DISK_READ)->u.disk.op_id;
    assert_int_equal(done(&f, read_op, HS_OK, NULL, 0), META_LOADED);

    /* Write fails: decided when its sync completes (disk ops run in order). */
    hs_outbox_reset(&f.ob);
    meta_want_ceiling(&f.m, &f.ctx, 64);
    uint64_t write_op = find(&f, HS_OUT_DISK_WRITE)->u.disk.op_id;
    uint64_t sync_op = find(&f, HS_OUT_DISK_SYNC)->u.disk.op_id;
    assert_int_equal(done(&f, write_op, HS_ERR_IO, NULL, 0), META_NOTHING);
    assert_int_equal(f.counters.disk_failures, 1);
    assert_int_equal(done(&f, sync_op, HS_OK, NULL, 0), META_NOTHING);
    assert_int_equal(f.counters.disk_failures, 2);
    assert_int_equal(f.m.durable.inc_ceiling, 0); /* not durable */
    t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    hs_outbox_reset(&f.ob);
    meta_on_timer(&f.m, &f.ctx, t->u.timer.timer_id);

    /* Sync fails on the retry: another event, a longer backoff. */
    sync_op = find(&f, HS_OUT_DISK_SYNC)->u.disk.op_id;
    write_op = find(&f, HS_OUT_DISK_WRITE)->u.disk.op_id;
    assert_int_equal(done(&f, write_op, HS_OK, NULL, 0), META_NOTHING);
    assert_int_equal(done(&f, sync_op, HS_ERR_IO, NULL, 0), META_NOTHING);
    assert_int_equal(f.counters.disk_failures, 3);
    t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    assert_true(t->u.timer.deadline_ns > f.ctx.now_ns + HS_MS(100));
    hs_outbox_reset(&f.ob);
    meta_on_timer(&f.m, &f.ctx, t->u.timer.timer_id);
    write_op = find(&f, HS_OUT_DISK_WRITE)->u.disk.op_id;
    sync_op = find(&f, HS_OUT_DISK_SYNC)->u.disk.op_id;
    assert_int_equal(done(&f, write_op, HS_OK, NULL, 0), META_NOTHING);
    assert_int_equal(done(&f, sync_op, HS_OK, NULL, 0), META_DURABLE);
    assert_int_equal(f.m.durable.inc_ceiling, 64);
    /* A durable ceiling ends the backoff: the next failure waits the least. */
    assert_int_equal(f.m.retry_ms, META_RETRY_MIN_MS);
    hs_outbox_reset(&f.ob);
    meta_want_ceiling(&f.m, &f.ctx, 128);
    write_op = find(&f, HS_OUT_DISK_WRITE)->u.disk.op_id;
    sync_op = find(&f, HS_OUT_DISK_SYNC)->u.disk.op_id;
    assert_int_equal(done(&f, write_op, HS_OK, NULL, 0), META_NOTHING);
    assert_int_equal(done(&f, sync_op, HS_ERR_IO, NULL, 0), META_NOTHING);
    t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    assert_int_equal(t->u.timer.deadline_ns, f.ctx.now_ns + HS_MS(META_RETRY_MIN_MS));

    /* A completion for an operation the store never issued is not its own. */
    hs_input in;
    memset(&in, 0, sizeof(in));
    in.kind = HS_IN_DISK_DONE;
    in.u.disk.op_id = 999;
    meta_outcome out;
    assert_false(meta_on_disk_done(&f.m, &f.ctx, &in, &out));
    fixture_free(&f);
}

/* A read the outbox has no room for: reported, never left in flight, and
 * retried from a timer that takes the event reserve. */
static void test_read_refused_by_a_full_outbox(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    hs_outbox_free(&f.ob);
    assert_int_equal(hs_outbox_init(&f.ob, HS_OUTBOX_EVENT_RESERVE + 1, 64), HS_OK);
    assert_int_equal(hs_outbox_disk_sync(&f.ob, 5, HS_FILE_META), HS_OK); /* the one slot */
    meta_start(&f.m, &f.ctx);
    meta_check(&f.m);
    assert_int_equal(f.m.read_op, 0);
    assert_true(f.m.retry_armed);
    assert_null(find(&f, HS_OUT_DISK_READ));
    assert_true(has_event(&f, HS_EV_OUTBOX_FULL));
    assert_true(has_event(&f, HS_EV_DISK_FAILED));
    assert_int_equal(f.counters.outbox_overflows, 1);
    assert_int_equal(f.counters.disk_failures, 1);
    const hs_output *t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    assert_int_equal(f.ob.reserve_taken, 1);
    uint64_t timer = t->u.timer.timer_id;
    hs_outbox_reset(&f.ob);
    meta_on_timer(&f.m, &f.ctx, timer);
    meta_check(&f.m);
    const hs_output *read = find(&f, HS_OUT_DISK_READ);
    assert_non_null(read);
    assert_int_equal(done(&f, read->u.disk.op_id, HS_OK, NULL, 0), META_LOADED);
    fixture_free(&f);

    /* No slot at all, not even for the retry timer: it is kept for
     * node_step to hand back, and the store answers that refusal by
     * parking the retry with a wake-up, never by hanging or failing. */
    fixture_init(&f);
    while (f.ob.count < f.ob.cap) {
        hs_outbox_event(&f.ob, HS_EV_NODE_START, NULL, 0, 0, 0);
    }
    meta_start(&f.m, &f.ctx);
    meta_check(&f.m);
    assert_int_equal(f.m.read_op, 0);
    assert_int_equal(f.ob.refused_count, 1);
    timer = f.ob.refused_timers[0];
    assert_true(meta_timer_owner_live(&f.m, timer));
    uint32_t backoff_ms = f.m.retry_ms;
    meta_on_timer_refused(&f.m, &f.ctx, timer, HS_ERR_FULL);
    meta_check(&f.m);
    assert_int_equal(f.m.phase, META_LOADING);
    assert_int_equal(meta_take_outcome(&f.m), META_NOTHING);
    assert_true(f.m.retry_parked);
    assert_true(meta_timer_owner_live(&f.m, timer)); /* still the live retry */
    assert_int_equal(f.ob.wake_ns, f.ctx.now_ns + HS_MS(backoff_ms));
    assert_int_equal(f.m.retry_ms, 2 * backoff_ms); /* asked again more slowly */
    /* Refused again after its wake-up: parked again, the wake-up later. */
    hs_outbox_reset(&f.ob);
    meta_on_wake(&f.m, &f.ctx);
    meta_check(&f.m);
    t = find(&f, HS_OUT_TIMER_SET);
    assert_non_null(t);
    assert_int_equal(t->u.timer.timer_id, timer);
    assert_int_equal(t->u.timer.deadline_ns, f.ctx.now_ns);
    assert_false(f.m.retry_parked);
    meta_on_timer_refused(&f.m, &f.ctx, timer, HS_ERR_FULL);
    assert_int_equal(f.ob.wake_ns, f.ctx.now_ns + HS_MS(2 * backoff_ms));
    hs_outbox_reset(&f.ob);
    meta_on_wake(&f.m, &f.ctx);
    /* A wake-up with nothing parked (another module's) sets nothing. */
    hs_outbox_reset(&f.ob);
    meta_on_wake(&f.m, &f.ctx);
    assert_null(find(&f, HS_OUT_TIMER_SET));
    meta_on_timer(&f.m, &f.ctx, timer);
    meta_check(&f.m);
    read = find(&f, HS_OUT_DISK_READ);
    assert_non_null(read);
    assert_int_equal(done(&f, read->u.disk.op_id, HS_OK, NULL, 0), META_LOADED);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_round_trip_and_refusals),
        cmocka_unit_test(test_fresh_and_recovered_loads),
        cmocka_unit_test(test_writes_alternate_and_coalesce),
        cmocka_unit_test(test_failures_retry_with_backoff),
        cmocka_unit_test(test_read_refused_by_a_full_outbox),
        cmocka_unit_test(test_init_over_stale_bytes),
    };
    return cmocka_run_group_tests_name("meta", tests, NULL, NULL);
}
