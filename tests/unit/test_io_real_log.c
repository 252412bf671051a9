/* Log lines (io_real/log.c): one line per event, core's renderers, a rate
 * limit per event code with one summary line for what was suppressed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_rate_limit_and_summary),
        cmocka_unit_test(test_host_error_names_op),
        cmocka_unit_test(test_level_filter),
    };
    return cmocka_run_group_tests_name("io_real_log", tests, NULL, NULL);
}
