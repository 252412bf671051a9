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

/* config_check reports core's own reason (swim_config_explain). */
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

/* A value every key accepts, by type (and the few ranges that need one). */
static const char *sample_value(const cfgkey *k)
{
    switch (k->type) {
    case CFGKEY_NAME:
    case CFGKEY_STRING:
        return "x";
    case CFGKEY_ADDR:
    case CFGKEY_ADDR_LIST:
        return "127.0.0.1:5";
    case CFGKEY_ENUM:
        return k->names[k->max];
    case CFGKEY_BOOL:
        return "true";
    default:
        return k->max >= 1000 && k->min <= 1000 ? "1000" : "3";
    }
}

/* Every key of every table, as a flag by its short and its section name
 * and as a file line in its section: all three set the same field. */
static void test_every_key_settable_three_ways(void **state)
{
    (void)state;
    static config by_flag, by_section_flag, by_file;
    const cfgkey_table *const *tables = config_tables();
    for (uint32_t t = 0; t < CONFIG_TABLES; t++) {
        assert_null(cfgkey_table_problem(tables[t]));
        for (uint32_t i = 0; i < tables[t]->count; i++) {
            const cfgkey *k = &tables[t]->keys[i];
            const char *value = sample_value(k);
            char flag[96], section_flag[96], text[256];
            snprintf(flag, sizeof(flag), "--%s=%s", k->name, value);
            snprintf(section_flag, sizeof(section_flag), "--%s-%s=%s", tables[t]->section,
                     k->name, value);
            snprintf(text, sizeof(text), "[%s]\n%s = %s\n", tables[t]->section, k->name, value);
            config_defaults(&by_flag);
            config_defaults(&by_section_flag);
            config_defaults(&by_file);
            const char *argv1[] = {flag};
            const char *argv2[] = {section_flag};
            if (config_parse_args(&by_flag, 1, (char **)argv1, 0, msg_buf, sizeof(msg_buf)) !=
                HS_OK) {
                fail_msg("%s refused: %s", flag, msg_buf);
            }
            assert_int_equal(config_parse_args(&by_section_flag, 1, (char **)argv2, 0, msg_buf,
                                               sizeof(msg_buf)),
                             HS_OK);
            cfgkey_bind binds[CONFIG_TABLES];
            void *targets[] = {&by_file.node, &by_file.node.swim, &by_file, &by_file.tcp};
            for (uint32_t b = 0; b < CONFIG_TABLES; b++) {
                binds[b] = (cfgkey_bind){tables[b], targets[b], 0};
            }
            assert_int_equal(cfgkey_parse_text(binds, CONFIG_TABLES, NULL, 0, text, msg_buf,
                                               sizeof(msg_buf)),
                             HS_OK);
            assert_memory_equal(&by_flag.node, &by_section_flag.node, sizeof(by_flag.node));
            assert_memory_equal(&by_flag.node, &by_file.node, sizeof(by_flag.node));
            assert_memory_equal(&by_flag.tcp, &by_file.tcp, sizeof(by_flag.tcp));
            assert_string_equal(by_flag.data_dir, by_file.data_dir);
            assert_int_equal(by_flag.log_level, by_file.log_level);
            assert_int_equal(by_flag.leave_grace_ms, by_file.leave_grace_ms);
        }
    }
}

/* The [tcp] table's defaults are io_real/tcp.c's. */
static void test_tcp_table_defaults_match_tcp_config(void **state)
{
    (void)state;
    static config c;
    config_defaults(&c);
    tcp_config plain;
    tcp_config_defaults(&plain);
    assert_memory_equal(&c.tcp, &plain, sizeof(plain));
}

/* Sections: [swim] keys only in [swim], unknown sections and keys named. */
static void test_sectioned_file(void **state)
{
    (void)state;
    char path[] = "/tmp/hs_config_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_text(path, "[node]\nname = s1\nlisten = 127.0.0.1:7200\nrole = gate\n"
                     "[host]\ndata_dir = /tmp/s\nlog = json\n"
                     "[swim]\nprobe_interval_ms = 400\n[tcp]\nconns_max = 77\n"
                     "slow_timeout_ms = 1500\n");
    static config c;
    const char *argv[] = {"--config", path, "--swim-probe-timeout-ms", "150"};
    assert_int_equal(parse(&c, 4, argv), HS_OK);
    assert_string_equal(c.node.name.bytes, "s1");
    assert_int_equal(c.node.role, ROLE_GATE);
    assert_int_equal(c.node.swim.probe_interval_ms, 400);
    assert_int_equal(c.node.swim.probe_timeout_ms, 150);
    assert_int_equal(c.tcp.conns_max, 77);
    assert_int_equal(c.tcp.slow_timeout_ns, HS_MS(1500));
    assert_int_equal(c.log_format, LOG_JSON);
    write_text(path, "[swim]\nconns_max = 3\n");
    const char *argv2[] = {"--config", path};
    assert_int_not_equal(parse(&c, 2, argv2), HS_OK);
    assert_non_null(strstr(msg_buf, "line 2: unknown key 'conns_max' in [swim]"));
    write_text(path, "[gate]\nx = 1\n");
    assert_int_not_equal(parse(&c, 2, argv2), HS_OK);
    assert_non_null(strstr(msg_buf, "line 1: unknown section [gate]"));
    write_text(path, "[dc east]\nvoters = 3\n");
    assert_int_not_equal(parse(&c, 2, argv2), HS_OK);
    assert_non_null(strstr(msg_buf, "no section takes an argument"));
    unlink(path);
}

/* The committed example file is what the engine renders, and loading it
 * gives exactly the defaults (commented-out keys included). */
static void test_example_file_is_the_defaults(void **state)
{
    (void)state;
    static config c, defaults;
    config_defaults(&defaults);
    const char *argv[] = {"--config", "docs/hsnode.conf.example"};
    config_defaults(&c);
    assert_int_equal(config_parse_args(&c, 2, (char **)argv, 0, msg_buf, sizeof(msg_buf)),
                     HS_OK);
    assert_memory_equal(&c.node, &defaults.node, sizeof(c.node));
    assert_memory_equal(&c.tcp, &defaults.tcp, sizeof(c.tcp));
    assert_int_equal(c.log_rate, defaults.log_rate);
    assert_false(c.seed_given);
    static char rendered[32768];
    size_t need = config_render_file(rendered, sizeof(rendered));
    assert_true(need < sizeof(rendered));
    FILE *fp = fopen("docs/hsnode.conf.example", "r");
    assert_non_null(fp);
    static char file[65536];
    size_t len = fread(file, 1, sizeof(file) - 1, fp);
    fclose(fp);
    file[len] = '\0';
    /* The file is the header hsnode prints, then the rendered sections. */
    const char *body = strstr(file, "\n[node]\n");
    assert_non_null(body);
    assert_string_equal(body + 1, rendered);
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
        cmocka_unit_test(test_every_key_settable_three_ways),
        cmocka_unit_test(test_tcp_table_defaults_match_tcp_config),
        cmocka_unit_test(test_sectioned_file),
        cmocka_unit_test(test_example_file_is_the_defaults),
    };
    return cmocka_run_group_tests_name("io_real_config", tests, NULL, NULL);
}
