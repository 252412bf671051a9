/* Log lines (io_real/log.c): one line per event, core's renderers, a rate
 * limit per event code with one summary line for what was suppressed, and
 * output to a pipe or socket nobody reads that never blocks: lines queue,
 * overflow is dropped whole and summarised, the caller's descriptor keeps
 * its flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ioerr.h"
#include "log.h"

static char text[1 << 16];

/* Runs fn against a log writing into a temp file; returns its content. */
static const char *capture(log_format format, void (*fn)(log_sink *))
{
    char path[] = "/tmp/hs_log_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    hs_name name;
    assert_int_equal(hs_name_set(&name, "n7", 2), HS_OK);
    log_sink lg;
    log_init(&lg, fd, format, HS_SEV_DEBUG, &name);
    fn(&lg);
    ssize_t len = pread(fd, text, sizeof(text) - 1, 0);
    assert_true(len >= 0);
    text[len] = '\0';
    close(fd);
    unlink(path);
    return text;
}

static uint32_t count(const char *haystack, const char *needle)
{
    uint32_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static hs_event member_state(void)
{
    hs_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_MEMBER_STATE;
    ev.severity = HS_SEV_INFO;
    assert_int_equal(hs_name_set(&ev.subject, "n3", 2), HS_OK);
    ev.a = 0;
    ev.b = 2;
    ev.c = 5;
    return ev;
}

static void one_event(log_sink *lg)
{
    hs_event ev = member_state();
    log_event(lg, &ev, HS_SEC(1));
}

static void test_json_line(void **state)
{
    (void)state;
    const char *out = capture(LOG_JSON, one_event);
    assert_int_equal(count(out, "\n"), 1);
    assert_true(out[0] == '{');
    assert_non_null(strstr(out, "\"node\":\"n7\",\"event\":\"member_state\""));
    assert_non_null(strstr(out, "\"member\":\"n3\""));
    assert_non_null(strstr(out, "\"inc\":5}\n"));
}

static void test_text_line(void **state)
{
    (void)state;
    const char *out = capture(LOG_TEXT, one_event);
    assert_int_equal(count(out, "\n"), 1);
    assert_non_null(strstr(out, "Z n7 info member_state member=n3"));
}

/* 120 events of one code in a second: 50 lines, then one summary of 70. */
static void flood(log_sink *lg)
{
    hs_event ev = member_state();
    for (uint32_t i = 0; i < 120; i++) {
        log_event(lg, &ev, HS_SEC(10) + i);
    }
    hs_event other = member_state();
    other.code = HS_EV_MEMBER_ADDED;
    log_event(lg, &other, HS_SEC(10) + 200); /* another code is not limited */
    log_tick(lg, HS_SEC(10) + HS_MS(500));  /* window still open: nothing */
    log_tick(lg, HS_SEC(11) + 1);
    log_tick(lg, HS_SEC(12) + 1);           /* nothing left to summarise */
}

static void test_rate_limit_and_summary(void **state)
{
    (void)state;
    const char *out = capture(LOG_JSON, flood);
    assert_int_equal(count(out, "\"event\":\"member_state\""), LOG_RATE_DEFAULT);
    assert_int_equal(count(out, "\"event\":\"member_added\""), 1);
    assert_int_equal(count(out, "\"event\":\"log_suppressed\""), 1);
    assert_non_null(strstr(out, "\"code\":\"member_state\",\"count\":70}"));
}

static void host_errors(log_sink *lg)
{
    hs_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_HOST_ERROR;
    ev.severity = HS_SEV_ERROR;
    ev.a = IOERR_OP_SENDTO;
    ev.b = 111; /* ECONNREFUSED */
    log_event(lg, &ev, HS_SEC(1));
}

static void test_host_error_names_op(void **state)
{
    (void)state;
    const char *out = capture(LOG_TEXT, host_errors);
    assert_non_null(strstr(out, "host_error op="));
    assert_non_null(strstr(out, "op_name=sendto"));
}

static void below_level(log_sink *lg)
{
    lg->min_severity = HS_SEV_WARN;
    one_event(lg);
}

static void test_level_filter(void **state)
{
    (void)state;
    const char *out = capture(LOG_JSON, below_level);
    assert_int_equal(strlen(out), 0);
}

#define SLOW_LINES 10000u /* ~800 KiB: more than a pipe or socket and the queue hold */

static char slow_text[2 << 20];

/* Reads what is there now; returns the bytes read. */
static size_t read_some(int fd, size_t *used)
{
    size_t before = *used;
    for (;;) {
        ssize_t n = read(fd, slow_text + *used, sizeof(slow_text) - 1 - *used);
        if (n <= 0) {
            assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            break;
        }
        *used += (size_t)n;
    }
    slow_text[*used] = '\0';
    return *used - before;
}

/* wfd is a pipe or socket nobody reads while SLOW_LINES lines are logged;
 * rfd is its other end. */
static void slow_reader(int wfd, int rfd)
{
    assert_int_equal(fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK), 0);
    int flags = fcntl(wfd, F_GETFL);
    hs_name name;
    assert_int_equal(hs_name_set(&name, "n7", 2), HS_OK);
    static log_sink lg;
    log_init(&lg, wfd, LOG_TEXT, HS_SEV_DEBUG, &name);
    lg.rate_per_sec = 0;
    alarm(20); /* a blocking write would hang here: fail instead */
    hs_event ev = member_state();
    for (uint32_t i = 0; i < SLOW_LINES; i++) {
        log_event(&lg, &ev, HS_SEC(1));
    }
    alarm(0);
    assert_int_equal(fcntl(wfd, F_GETFL), flags); /* the shared description */
    assert_true(lg.dropped > 0);
    assert_true(log_queued(&lg) <= LOG_QUEUE_MAX);
    assert_int_equal(lg.write_errors, 0);
    /* The reader catches up: the queue drains, then one summary line. */
    size_t used = 0;
    for (uint32_t spin = 0; spin < 100000; spin++) {
        size_t got = read_some(rfd, &used);
        log_tick(&lg, HS_SEC(1));
        if (got == 0 && log_queued(&lg) == 0 && lg.dropped_unsaid == 0) {
            break;
        }
    }
    uint64_t dropped = lg.dropped;
    log_close(&lg, 1000);
    read_some(rfd, &used);
    assert_int_equal(count(slow_text, "member_state member=n3"), SLOW_LINES - dropped);
    assert_int_equal(count(slow_text, "\n"), SLOW_LINES - dropped + 1);
    assert_int_equal(count(slow_text, "Z n7 "), SLOW_LINES - dropped + 1); /* none cut */
    char summary[64];
    snprintf(summary, sizeof(summary), "log_dropped count=%llu total=%llu\n",
             (unsigned long long)dropped, (unsigned long long)dropped);
    const char *at = strstr(slow_text, summary);
    assert_non_null(at);
    assert_int_equal(at[strlen(summary)], '\0'); /* after every kept line */
    close(wfd);
    close(rfd);
}

static void test_slow_pipe_never_blocks(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    slow_reader(p[1], p[0]);
}

static void test_slow_socket_never_blocks(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    slow_reader(sv[1], sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_rate_limit_and_summary),
        cmocka_unit_test(test_host_error_names_op),
        cmocka_unit_test(test_level_filter),
        cmocka_unit_test(test_slow_pipe_never_blocks),
        cmocka_unit_test(test_slow_socket_never_blocks),
    };
    return cmocka_run_group_tests_name("io_real_log", tests, NULL, NULL);
}
