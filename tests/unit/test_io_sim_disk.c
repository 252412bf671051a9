/* Unit tests for the simulated disk: pending versus durable bytes, sync,
 * crash losing or tearing pending writes, FIFO completion, injected
 * errors, missing files and the queue bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "simdisk.h"

typedef struct {
    simdisk_params p;
    rng r;
    simdisk d;
    uint64_t now;
    uint64_t next_op;
} fixture;

static void setup_fixture(fixture *f, uint32_t fail_ppm, uint32_t torn_ppm, uint64_t seed)
{
    memset(f, 0, sizeof(*f));
    f->p.fail_ppm = fail_ppm;
    f->p.torn_ppm = torn_ppm;
    f->p.latency_min_ns = 100 * HS_NS_PER_US;
    f->p.latency_mean_ns = 900 * HS_NS_PER_US;
    rng_seed(&f->r, seed);
    assert_int_equal(simdisk_init(&f->d, &f->p, &f->r), HS_OK);
    f->next_op = 1;
}

static uint64_t submit(fixture *f, hs_output_kind kind, uint32_t file, uint64_t off,
                       const uint8_t *data, uint32_t len)
{
    hs_output out;
    memset(&out, 0, sizeof(out));
    out.kind = kind;
    out.u.disk.op_id = f->next_op++;
    out.u.disk.file = file;
    out.u.disk.file_offset = off;
    out.u.disk.len = len;
    uint64_t done = 0;
    assert_int_equal(simdisk_submit(&f->d, f->now, &out, data, &done), HS_OK);
    assert_true(done >= f->now + f->p.latency_min_ns);
    return done;
}

static simdisk_result complete(fixture *f)
{
    simdisk_result r;
    simdisk_complete(&f->d, &r);
    return r;
}

static void test_missing_file(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 0, 0, 1);
    submit(&f, HS_OUT_DISK_READ, 1, 0, NULL, 1024);
    simdisk_result r = complete(&f);
    assert_int_equal(r.status, HS_OK);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.op_id, 1);
    simdisk_free(&f.d);
}

static void test_pending_then_sync(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 0, 0, 2);
    uint8_t data[96];
    memset(data, 0xab, sizeof(data));
    submit(&f, HS_OUT_DISK_WRITE, 1, 512, data, sizeof(data));
    assert_int_equal(complete(&f).status, HS_OK);
    uint32_t size = 0;
    assert_null(simdisk_durable(&f.d, 1, &size));
    assert_non_null(simdisk_current(&f.d, 1, &size));
    assert_int_equal(size, 512 + 96);
    assert_int_equal(simdisk_pending_count(&f.d, 1), 1);
    /* Reads see the pending write; the hole before it reads as zeros. */
    submit(&f, HS_OUT_DISK_READ, 1, 0, NULL, 1024);
    simdisk_result r = complete(&f);
    assert_int_equal(r.len, 512 + 96);
    assert_int_equal(r.bytes[0], 0);
    assert_memory_equal(r.bytes + 512, data, sizeof(data));
    submit(&f, HS_OUT_DISK_SYNC, 1, 0, NULL, 0);
    assert_int_equal(complete(&f).status, HS_OK);
    assert_int_equal(simdisk_pending_count(&f.d, 1), 0);
    const uint8_t *durable = simdisk_durable(&f.d, 1, &size);
    assert_int_equal(size, 512 + 96);
    assert_memory_equal(durable + 512, data, sizeof(data));
    /* A crash now loses nothing. */
    simdisk_crash_result cr;
    simdisk_crash(&f.d, &cr);
    assert_int_equal(cr.lost + cr.torn, 0);
    assert_non_null(simdisk_current(&f.d, 1, &size));
    assert_int_equal(size, 512 + 96);
    simdisk_free(&f.d);
}

static void test_crash_loses_pending(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 0, 0, 3);
    uint8_t a[100];
    uint8_t b[100];
    memset(a, 1, sizeof(a));
    memset(b, 2, sizeof(b));
    submit(&f, HS_OUT_DISK_WRITE, 1, 0, a, sizeof(a));
    complete(&f);
    submit(&f, HS_OUT_DISK_SYNC, 1, 0, NULL, 0);
    complete(&f);
    submit(&f, HS_OUT_DISK_WRITE, 1, 0, b, sizeof(b));
    complete(&f);
    /* Queued, never executed: vanishes too. */
    submit(&f, HS_OUT_DISK_WRITE, 1, 200, b, sizeof(b));
    assert_int_equal(simdisk_queued(&f.d), 1);
    simdisk_crash_result cr;
    simdisk_crash(&f.d, &cr);
    assert_int_equal(cr.lost, 1);
    assert_int_equal(cr.torn, 0);
    assert_int_equal(simdisk_queued(&f.d), 0);
    uint32_t size = 0;
    const uint8_t *cur = simdisk_current(&f.d, 1, &size);
    assert_int_equal(size, 100);
    assert_memory_equal(cur, a, sizeof(a));
    simdisk_free(&f.d);
}

/* Torn writes keep a prefix cut at a file sector boundary or at an end. */
static void test_crash_tears(void **state)
{
    (void)state;
    int seen_inner = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        fixture f;
        setup_fixture(&f, 0, 1000000, seed);
        uint8_t data[2048];
        for (uint32_t i = 0; i < sizeof(data); i++) {
            data[i] = (uint8_t)(i * 7 + 1);
        }
        submit(&f, HS_OUT_DISK_WRITE, 2, 100, data, sizeof(data));
        complete(&f);
        simdisk_crash_result cr;
        simdisk_crash(&f.d, &cr);
        assert_int_equal(cr.lost + cr.torn, 1);
        uint32_t size = 0;
        const uint8_t *dur = simdisk_durable(&f.d, 2, &size);
        if (size == 0) {
            assert_int_equal(cr.lost, 1); /* cut at the start: nothing kept */
            simdisk_free(&f.d);
            continue;
        }
        assert_true(size == 100 + 2048 || size % SIMDISK_SECTOR == 0);
        assert_true(size > 100 && size <= 100 + 2048);
        assert_memory_equal(dur + 100, data, size - 100);
        seen_inner += size != 100 + 2048;
        simdisk_free(&f.d);
    }
    assert_true(seen_inner > 0);
}

static void test_fifo_completion(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 0, 0, 4);
    uint64_t last = 0;
    uint8_t x = 9;
    for (uint32_t i = 0; i < SIMDISK_OPS_MAX; i++) {
        f.now = i * 10; /* submitted much faster than they complete */
        uint64_t done = submit(&f, i % 3 == 0 ? HS_OUT_DISK_SYNC : HS_OUT_DISK_WRITE, 1, i, &x, 1);
        assert_true(done >= last);
        last = done;
    }
    hs_output out;
    memset(&out, 0, sizeof(out));
    out.kind = HS_OUT_DISK_SYNC;
    out.u.disk.file = 1;
    uint64_t done = 0;
    assert_int_equal(simdisk_submit(&f.d, f.now, &out, NULL, &done), HS_ERR_FULL);
    for (uint32_t i = 0; i < SIMDISK_OPS_MAX; i++) {
        assert_int_equal(complete(&f).op_id, i + 1);
    }
    assert_int_equal(simdisk_queued(&f.d), 0);
    simdisk_free(&f.d);
}

static void test_injected_failures(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 1000000, 0, 5);
    uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    submit(&f, HS_OUT_DISK_WRITE, 1, 0, x, sizeof(x));
    simdisk_result r = complete(&f);
    assert_int_equal(r.status, HS_ERR_IO);
    assert_true(r.failed);
    uint32_t size = 0;
    assert_null(simdisk_current(&f.d, 1, &size));
    /* A write that succeeded, then a failing sync: still pending. */
    f.p.fail_ppm = 0;
    submit(&f, HS_OUT_DISK_WRITE, 1, 0, x, sizeof(x));
    assert_int_equal(complete(&f).status, HS_OK);
    f.p.fail_ppm = 1000000;
    submit(&f, HS_OUT_DISK_SYNC, 1, 0, NULL, 0);
    assert_int_equal(complete(&f).status, HS_ERR_IO);
    assert_int_equal(simdisk_pending_count(&f.d, 1), 1);
    /* Reads never fail. */
    submit(&f, HS_OUT_DISK_READ, 1, 0, NULL, 8);
    r = complete(&f);
    assert_int_equal(r.status, HS_OK);
    assert_int_equal(r.len, 8);
    simdisk_free(&f.d);
}

static void test_bounds(void **state)
{
    (void)state;
    fixture f;
    setup_fixture(&f, 0, 0, 6);
    uint8_t x = 1;
    submit(&f, HS_OUT_DISK_WRITE, SIMDISK_FILES_MAX + 1, 0, &x, 1);
    simdisk_result r = complete(&f);
    assert_int_equal(r.status, HS_ERR_IO);
    assert_true(r.over_cap);
    submit(&f, HS_OUT_DISK_WRITE, 1, SIMDISK_FILE_CAP, &x, 1);
    r = complete(&f);
    assert_true(r.over_cap);
    simdisk_free(&f.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_pending_then_sync),
        cmocka_unit_test(test_crash_loses_pending),
        cmocka_unit_test(test_crash_tears),
        cmocka_unit_test(test_fifo_completion),
        cmocka_unit_test(test_injected_failures),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
