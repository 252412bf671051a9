/* The data directory (io_real/files.c): created with its meta file and both
 * entries synced without a reported error, whatever the path's shape; an
 * existing meta file kept as it is; a second opener refused by the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

static char base[] = "/tmp/hs_files_test_XXXXXX";
static ioerr_sink sink;

static int setup(void **state)
{
    (void)state;
    memset(&sink, 0, sizeof(sink)); /* no fn: reports are only counted */
    strcpy(base, "/tmp/hs_files_test_XXXXXX");
    assert_non_null(mkdtemp(base));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* A new directory, named with trailing slashes, relative to the working
 * directory (its parent is "."), and absolute. */
static void test_creates_and_syncs(void **state)
{
    (void)state;
    char cwd[FILES_PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(base), 0);
    char abs_dir[FILES_PATH_MAX];
    snprintf(abs_dir, sizeof(abs_dir), "%s/abs", base);
    const char *dirs[] = {"rel", "slashed//", abs_dir};
    for (size_t i = 0; i < HS_ARRAY_LEN(dirs); i++) {
        static files f;
        char msg[256] = "";
        if (files_open(&f, dirs[i], &sink, msg, sizeof(msg)) != HS_OK) {
            fail_msg("files_open %s: %s", dirs[i], msg);
        }
        assert_true(f.meta_fd >= 0);
        char meta[FILES_PATH_MAX];
        snprintf(meta, sizeof(meta), "%s/meta", dirs[i]);
        assert_int_equal(file_size(meta), 0);
        files_close(&f);
    }
    assert_int_equal(sink.reports, 0);
    assert_int_equal(chdir(cwd), 0);
}

static void test_existing_meta_kept(void **state)
{
    (void)state;
    char dir[FILES_PATH_MAX];
    char meta[FILES_PATH_MAX + 8];
    snprintf(dir, sizeof(dir), "%s/d", base);
    snprintf(meta, sizeof(meta), "%s/meta", dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    FILE *fp = fopen(meta, "w");
    assert_non_null(fp);
    assert_int_equal(fputs("0123456789", fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    static files f;
    char msg[256] = "";
    assert_int_equal(files_open(&f, dir, &sink, msg, sizeof(msg)), HS_OK);
    assert_int_equal(file_size(meta), 10);
    /* A second opener of the same directory is refused by the lock. */
    static files g;
    assert_int_not_equal(files_open(&g, dir, &sink, msg, sizeof(msg)), HS_OK);
    assert_non_null(strstr(msg, "in use by another hsnode"));
    assert_int_equal(sink.reports, 1); /* the flock refusal */
    files_close(&f);
}

/* A full completion queue answers at once with HS_ERR_FULL completions,
 * in submission order behind the executed ones, and executes nothing more
 * until the refusals are delivered; nothing is dropped. */
static void test_full_queue_answers_full(void **state)
{
    (void)state;
    char dir[FILES_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/q", base);
    static files f;
    char msg[256] = "";
    assert_int_equal(files_open(&f, dir, &sink, msg, sizeof(msg)), HS_OK);
    hs_output out;
    memset(&out, 0, sizeof(out));
    out.kind = HS_OUT_DISK_READ;
    out.u.disk.file = HS_FILE_META;
    out.u.disk.len = 16;
    uint32_t total = FILES_QUEUE_MAX + 5;
    for (uint32_t i = 0; i < total; i++) {
        out.u.disk.op_id = 1000 + i;
        files_submit(&f, &out, NULL);
    }
    assert_int_equal(sink.reports, 5); /* one DISK_QUEUE_FULL per refused op */
    for (uint32_t i = 0; i < total; i++) {
        hs_input in;
        assert_true(files_next_done(&f, &in));
        assert_int_equal(in.kind, HS_IN_DISK_DONE);
        assert_int_equal(in.u.disk.op_id, 1000 + i);
        assert_int_equal(in.u.disk.status, i < FILES_QUEUE_MAX ? HS_OK : HS_ERR_FULL);
    }
    hs_input none;
    assert_false(files_next_done(&f, &none));
    /* With the queue drained, ops execute again. */
    out.u.disk.op_id = 5000;
    files_submit(&f, &out, NULL);
    hs_input in;
    assert_true(files_next_done(&f, &in));
    assert_int_equal(in.u.disk.op_id, 5000);
    assert_int_equal(in.u.disk.status, HS_OK);
    files_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creates_and_syncs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_meta_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_answers_full, setup, teardown),
    };
    return cmocka_run_group_tests_name("io_real_files", tests, NULL, NULL);
}
