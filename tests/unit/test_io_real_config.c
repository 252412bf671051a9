/* hsnode flags and config file (io_real/config.c): every key settable both
 * ways, flags override the file, every refusal names what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char msg_buf[CONFIG_MSG_MAX];

static hs_status parse(config *c, int argc, const char **argv)
{
    config_defaults(c);
    msg_buf[0] = '\0';
    hs_status status = config_parse_args(c, argc, (char **)argv, 0, msg_buf, sizeof(msg_buf));
    if (status == HS_OK) {
        status = config_check(c, msg_buf, sizeof(msg_buf));
    }
    return status;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static void test_minimal_flags(void **state)
{
    (void)state;
    static config c;
    const char *argv[] = {"--name", "n1", "--listen", "127.0.0.1:7001", "--data-dir", "/tmp/d"};
    assert_int_equal(parse(&c, 6, argv), HS_OK);
    assert_string_equal(c.node.name.bytes, "n1");
    assert_int_equal(c.node.addr.ip, 0x7f000001u);
    assert_int_equal(c.node.addr.port, 7001);
    assert_string_equal(c.data_dir, "/tmp/d");
    assert_int_equal(c.node.seed_count, 0);
    assert_int_equal(c.log_format, LOG_TEXT);
    assert_false(c.seed_given);
}

static void test_all_forms(void **state)
{
    (void)state;
    static config c;
    const char *argv[] = {"--name=n2", "--listen", "127.0.0.1:7002", "--data_dir=/tmp/x",
                          "--join", "127.0.0.1:7001,127.0.0.1:7003", "--join=10.0.0.1:9",
                          "--role", "gate", "--log", "json", "--log-level", "debug",
                          "--probe-interval-ms", "200", "--probe_timeout_ms=100",
                          "--tcp-idle-timeout-ms", "1500", "--seed", "18446744073709551615"};
    assert_int_equal(parse(&c, (int)HS_ARRAY_LEN(argv), argv), HS_OK);
    assert_int_equal(c.node.seed_count, 3);
    assert_int_equal(c.node.seeds[2].ip, 0x0a000001u);
    assert_int_equal(c.node.role, ROLE_GATE);
    assert_int_equal(c.log_format, LOG_JSON);
    assert_int_equal(c.log_level, HS_SEV_DEBUG);
    assert_int_equal(c.node.swim.probe_interval_ms, 200);
    assert_int_equal(c.node.swim.probe_timeout_ms, 100);
    assert_int_equal(c.tcp.idle_timeout_ns, HS_MS(1500));
    assert_true(c.seed_given);
    assert_true(c.node.rng_seed == UINT64_MAX);
}

static void expect_refusal(const char **argv, int argc, const char *needle)
{
    static config c;
    assert_int_not_equal(parse(&c, argc, argv), HS_OK);
    if (strstr(msg_buf, needle) == NULL) {
        fail_msg("message '%s' does not mention '%s'", msg_buf, needle);
    }
}

static void test_refusals_name_the_problem(void **state)
{
    (void)state;
    const char *bad_addr[] = {"--name", "a", "--listen", "127.0.0.1", "--data-dir", "d"};
    expect_refusal(bad_addr, 6, "listen");
    const char *port0[] = {"--name", "a", "--listen", "127.0.0.1:0", "--data-dir", "d"};
    expect_refusal(port0, 6, "listen");
    const char *unknown[] = {"--name", "a", "--bogus", "1"};
    expect_refusal(unknown, 4, "--bogus");
    const char *number[] = {"--probe-interval-ms", "12x"};
    expect_refusal(number, 2, "probe_interval_ms");
    const char *range[] = {"--probe-interval-ms", "5"};
    expect_refusal(range, 2, "10..");
    const char *missing[] = {"--name", "a", "--listen", "127.0.0.1:1"};
    expect_refusal(missing, 4, "--data-dir");
    const char *no_value[] = {"--name"};
    expect_refusal(no_value, 1, "needs a value");
    const char *role[] = {"--role", "king"};
    expect_refusal(role, 2, "role");
    const char *name[] = {"--name", "has space"};
    expect_refusal(name, 2, "name");
    const char *positional[] = {"oops"};
    expect_refusal(positional, 1, "oops");
    const char *swim_range[] = {"--name", "a", "--listen", "127.0.0.1:1", "--data-dir", "d",
                          "--probe-timeout-ms", "2000"};
    expect_refusal(swim_range, 8, "probe_timeout_ms");
    const char *self[] = {"--name", "a", "--listen", "127.0.0.1:1", "--data-dir", "d",
                          "--join", "127.0.0.1:1"};
    expect_refusal(self, 8, "own");
    const char *missing_file[] = {"--config", "/nonexistent/hs.conf"};
    expect_refusal(missing_file, 2, "/nonexistent/hs.conf");
}

/* The listen address is what peers are told: it must be one unicast
 * address of this host. */
static void test_listen_must_be_advertisable(void **state)
{
    (void)state;
    static const struct {
        const char *addr;
        const char *needle;
    } bad[] = {
        {"0.0.0.0:7001", "wildcard"},
        {"255.255.255.255:7001", "broadcast"},
        {"224.0.0.1:7001", "multicast"},
        {"239.255.255.255:7001", "multicast"},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(bad); i++) {
        const char *argv[] = {"--name", "a", "--listen", bad[i].addr, "--data-dir", "d"};
        expect_refusal(argv, 6, bad[i].needle);
        assert_non_null(strstr(msg_buf, "listen"));
    }
    static config c;
    const char *ok[] = {"--name", "a", "--listen", "223.255.255.254:7001", "--data-dir", "d"};
    assert_int_equal(parse(&c, 6, ok), HS_OK);
}

static void test_join_refuses_empty_and_duplicate_seeds(void **state)
{
    (void)state;
    const char *trailing[] = {"--name", "a", "--listen", "127.0.0.1:1", "--data-dir", "d",
                              "--join", "127.0.0.1:2,"};
    expect_refusal(trailing, 8, "empty address");
    const char *leading[] = {"--join", ",127.0.0.1:2"};
    expect_refusal(leading, 2, "empty address");
    const char *doubled[] = {"--join", "127.0.0.1:2,,127.0.0.1:3"};
    expect_refusal(doubled, 2, "empty address");
    const char *empty[] = {"--join", ""};
    expect_refusal(empty, 2, "empty address");
    const char *dup[] = {"--join", "127.0.0.1:2,127.0.0.1:3,127.0.0.1:2"};
    expect_refusal(dup, 2, "127.0.0.1:2 listed twice");
    const char *dup_flags[] = {"--join", "127.0.0.1:2", "--join", "127.0.0.1:2"};
    expect_refusal(dup_flags, 4, "listed twice");
}

/* config_check reports core's own reason (swim_config_problem). */
static void test_swim_problem_is_named(void **state)
{
    (void)state;
    const char *rule[] = {"--name", "a", "--listen", "127.0.0.1:1", "--data-dir", "d",
                          "--gossip-max-age-ms", "200000"};
    expect_refusal(rule, 8, "dead_retention_ms must exceed gossip_max_age_ms");
    /* A key out of its range (flags catch it earlier; a caller filling the
     * struct directly is checked too). */
    static config c;
    const char *ok[] = {"--name", "a", "--listen", "127.0.0.1:1", "--data-dir", "d"};
    assert_int_equal(parse(&c, 6, ok), HS_OK);
    c.node.swim.suspicion_mult = 0;
    assert_int_not_equal(config_check(&c, msg_buf, sizeof(msg_buf)), HS_OK);
    if (strstr(msg_buf, "suspicion_mult out of range") == NULL) {
        fail_msg("message '%s' does not name suspicion_mult", msg_buf);
    }
}

static void test_file_then_flags(void **state)
{
    (void)state;
    char path[] = "/tmp/hs_config_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_text(path, "# a node\n\n  name = fromfile  \nlisten=127.0.0.1:7100\n"
                     "data-dir = /tmp/f\njoin = 127.0.0.1:7001\njoin = 127.0.0.1:7002\n"
                     "probe_interval_ms = 300\r\nprobe_timeout_ms = 100\nlog = json\n");
    static config c;
    const char *argv[] = {"--name", "fromflag", "--config", path};
    assert_int_equal(parse(&c, 4, argv), HS_OK);
    assert_string_equal(c.node.name.bytes, "fromflag");
    assert_int_equal(c.node.addr.port, 7100);
    assert_int_equal(c.node.seed_count, 2);
    assert_int_equal(c.node.swim.probe_interval_ms, 300);
    assert_int_equal(c.log_format, LOG_JSON);
    /* A --join flag replaces the file's seeds instead of adding to them. */
    const char *argv2[] = {"--config", path, "--join", "127.0.0.1:9999"};
    assert_int_equal(parse(&c, 4, argv2), HS_OK);
    assert_int_equal(c.node.seed_count, 1);
    assert_int_equal(c.node.seeds[0].port, 9999);
    unlink(path);
}

static void test_file_errors_give_line(void **state)
{
    (void)state;
    char path[] = "/tmp/hs_config_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_text(path, "name = a\nthis line has no equals\n");
    static config c;
    const char *argv[] = {"--config", path};
    assert_int_not_equal(parse(&c, 2, argv), HS_OK);
    assert_non_null(strstr(msg_buf, "line 2"));
    write_text(path, "name = a\nlisten = 127.0.0.1:1\nsuspicion_mult = 0\n");
    assert_int_not_equal(parse(&c, 2, argv), HS_OK);
    assert_non_null(strstr(msg_buf, "line 3"));
    assert_non_null(strstr(msg_buf, "suspicion_mult"));
    unlink(path);
}

static void test_every_documented_key_is_settable(void **state)
{
    (void)state;
    static config c;
    for (uint32_t i = 0; i < config_key_count(); i++) {
        config_defaults(&c);
        const char *key = config_key_name(i);
        const char *value = "1000";
        if (strcmp(key, "name") == 0 || strcmp(key, "data_dir") == 0) {
            value = "x";
        } else if (strcmp(key, "listen") == 0 || strcmp(key, "join") == 0 ||
                   strcmp(key, "metrics_listen") == 0) {
            value = "127.0.0.1:5";
        } else if (strcmp(key, "role") == 0) {
            value = "manager";
        } else if (strcmp(key, "log") == 0) {
            value = "json";
        } else if (strcmp(key, "log_level") == 0) {
            value = "warn";
        } else if (strcmp(key, "indirect_checks") == 0) {
            value = "3";
        } else if (strstr(key, "mult") != NULL) {
            value = "5";
        }
        if (config_set(&c, key, value, msg_buf, sizeof(msg_buf)) != HS_OK) {
            fail_msg("key %s value %s refused: %s", key, value, msg_buf);
        }
        assert_non_null(config_key_help(i));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_flags),
        cmocka_unit_test(test_all_forms),
        cmocka_unit_test(test_refusals_name_the_problem),
        cmocka_unit_test(test_listen_must_be_advertisable),
        cmocka_unit_test(test_join_refuses_empty_and_duplicate_seeds),
        cmocka_unit_test(test_swim_problem_is_named),
        cmocka_unit_test(test_file_then_flags),
        cmocka_unit_test(test_file_errors_give_line),
        cmocka_unit_test(test_every_documented_key_is_settable),
    };
    return cmocka_run_group_tests_name("io_real_config", tests, NULL, NULL);
}
