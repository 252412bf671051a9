/* The configuration engine (core/base/cfgkey.c): every key type, range
 * and type refusals with the range in the message, unknown and ambiguous
 * keys, sections, defaults, and the help and file renderers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cfgkey.h"
#include "node_config.h"
#include "swim_config.h"

typedef struct {
    uint32_t count;
    uint64_t big;
    bool flag;
    uint32_t wait_ms;
    uint64_t wait_ns;
    uint32_t buf_bytes;
    uint8_t color;
    uint32_t mode;
    hs_addr at;
    hs_addr peers[3];
    uint32_t peer_count;
    hs_name who;
    char path[8];
} demo;

static const char *const colors[] = {"red", "green", "blue"};
static const char *const modes[] = {"off", "on"};

static const char *not_port_9(const void *field)
{
    const hs_addr *a = field;
    return a->port == 9 ? "uses the discard port" : NULL;
}

#define AT(f) CFGKEY_AT(demo, f)

static const cfgkey demo_keys[] = {
    CFGKEY_NUM(demo, count, "count", CFGKEY_U32, CFGKEY_UNIT_NONE, 1, 100, 7, "a count"),
    CFGKEY_NUM(demo, big, "big", CFGKEY_U64, CFGKEY_UNIT_NONE, 0, UINT64_MAX, 5, "a big one"),
    {"flag", CFGKEY_BOOL, CFGKEY_UNIT_NONE, AT(flag), 0, 0, 1, 1, NULL, NULL, 0, NULL, "a flag"},
    CFGKEY_NUM(demo, wait_ms, "wait_ms", CFGKEY_DURATION, CFGKEY_UNIT_MS, 10, 5000, 250,
               "a wait"),
    CFGKEY_NUM(demo, wait_ns, "grace_s", CFGKEY_DURATION_NS, CFGKEY_UNIT_S, 1, 60, 2,
               "a grace in seconds stored as ns"),
    CFGKEY_NUM(demo, buf_bytes, "buf", CFGKEY_BYTES, CFGKEY_UNIT_BYTES, 1024, 1u << 30, 65536,
               "a buffer"),
    {"color", CFGKEY_ENUM, CFGKEY_UNIT_NONE, AT(color), 0, 0, 2, 1, NULL, colors, 0, NULL,
     "a color"},
    {"mode", CFGKEY_ENUM, CFGKEY_UNIT_NONE, AT(mode), 0, 0, 1, 0, NULL, modes, 0, NULL, "mode"},
    {"at", CFGKEY_ADDR, CFGKEY_UNIT_NONE, AT(at), 0, 0, 0, 0, "10.0.0.1:80", NULL, 0,
     not_port_9, "an address"},
    {"peers", CFGKEY_ADDR_LIST, CFGKEY_UNIT_NONE, AT(peers), (uint32_t)offsetof(demo, peer_count),
     0, 3, 0, NULL, NULL, 0, NULL, "peers"},
    {"who", CFGKEY_NAME, CFGKEY_UNIT_NONE, AT(who), 0, 1, HS_NAME_MAX, 0, NULL, NULL,
     CFGKEY_REQUIRED, NULL, "who"},
    {"path", CFGKEY_STRING, CFGKEY_UNIT_NONE, AT(path), 0, 1, 7, 0, "/tmp", NULL, 0, NULL,
     "a path"},
};

static const cfgkey_table demo_table = {"demo", demo_keys, (uint32_t)HS_ARRAY_LEN(demo_keys),
                                        false};

static char err[512];

static uint32_t key_index(const char *name)
{
    int32_t i = cfgkey_find(&demo_table, name);
    assert_true(i >= 0);
    return (uint32_t)i;
}

static hs_status set(demo *d, const char *name, const char *text)
{
    err[0] = '\0';
    return cfgkey_set_text(&demo_table, d, key_index(name), text, err, sizeof(err));
}

static void expect_err(const char *needle)
{
    if (strstr(err, needle) == NULL) {
        fail_msg("message '%s' does not mention '%s'", err, needle);
    }
}

static void test_table_is_well_formed(void **state)
{
    (void)state;
    assert_null(cfgkey_table_problem(&demo_table));
    assert_null(cfgkey_table_problem(swim_config_keys()));
    assert_null(cfgkey_table_problem(node_config_keys()));
    /* A field size that does not match the type, a default out of range,
     * a name listed twice are each caught. */
    cfgkey bad[2] = {demo_keys[0], demo_keys[1]};
    cfgkey_table t = {"bad", bad, 2, false};
    bad[0].size = 8;
    assert_string_equal(cfgkey_table_problem(&t), "count");
    bad[0] = demo_keys[0];
    bad[0].def = 101;
    assert_string_equal(cfgkey_table_problem(&t), "count");
    bad[0] = demo_keys[0];
    bad[1] = demo_keys[0];
    assert_string_equal(cfgkey_table_problem(&t), "count");
}

static void test_defaults_from_the_table(void **state)
{
    (void)state;
    demo d;
    memset(&d, 0xa5, sizeof(d));
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(d.count, 7);
    assert_true(d.big == 5);
    assert_true(d.flag);
    assert_int_equal(d.wait_ms, 250);
    assert_true(d.wait_ns == HS_SEC(2));
    assert_int_equal(d.buf_bytes, 65536);
    assert_int_equal(d.color, 1);
    assert_int_equal(d.mode, 0);
    assert_int_equal(d.at.ip, 0x0a000001u);
    assert_int_equal(d.at.port, 80);
    assert_int_equal(d.peer_count, 0);
    assert_int_equal(d.who.len, 0);
    assert_string_equal(d.path, "/tmp");
    /* SWIM's and the node's defaults come from their tables too. */
    swim_config sw;
    swim_config_defaults(&sw);
    assert_int_equal(sw.probe_interval_ms, 1000);
    assert_int_equal(sw.unknown_reply_burst, 40);
    node_config nc;
    node_config_defaults(&nc);
    assert_int_equal(nc.role, ROLE_WORKER);
    assert_int_equal(nc.error_reply_per_sec, 10);
}

static void test_numbers(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(set(&d, "count", "100"), HS_OK);
    assert_int_equal(d.count, 100);
    assert_int_equal(set(&d, "count", "101"), HS_ERR_RANGE);
    expect_err("count: 101 is out of range (want 1..100)");
    assert_int_equal(set(&d, "count", "0"), HS_ERR_RANGE);
    assert_int_equal(set(&d, "count", "12x"), HS_ERR_INVALID);
    expect_err("count: invalid value '12x' (want an integer in 1..100)");
    assert_int_equal(set(&d, "count", "-1"), HS_ERR_INVALID);
    assert_int_equal(set(&d, "count", ""), HS_ERR_INVALID);
    assert_int_equal(d.count, 100); /* refusals leave the value alone */
    assert_int_equal(set(&d, "big", "18446744073709551615"), HS_OK);
    assert_true(d.big == UINT64_MAX);
    assert_int_equal(set(&d, "big", "18446744073709551616"), HS_ERR_INVALID);
    assert_int_equal(set(&d, "wait-ms", "5000"), HS_OK);
    assert_int_equal(d.wait_ms, 5000);
    assert_int_equal(set(&d, "wait_ms", "5"), HS_ERR_RANGE);
    expect_err("(want 10..5000 ms)");
    assert_int_equal(set(&d, "grace_s", "3"), HS_OK);
    assert_true(d.wait_ns == HS_SEC(3));
    assert_true(cfgkey_get_number(&demo_table, &d, key_index("grace_s")) == 3);
    assert_int_equal(set(&d, "grace_s", "61"), HS_ERR_RANGE);
    expect_err("(want 1..60 s)");
    assert_int_equal(set(&d, "buf", "4KiB"), HS_OK);
    assert_int_equal(d.buf_bytes, 4096);
    assert_int_equal(set(&d, "buf", "2MiB"), HS_OK);
    assert_int_equal(d.buf_bytes, 2u << 20);
    assert_int_equal(set(&d, "buf", "2GiB"), HS_ERR_RANGE);
    assert_int_equal(set(&d, "buf", "12kb"), HS_ERR_INVALID);
    expect_err("KiB");
}

static void test_bool_enum_text(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(set(&d, "flag", "off"), HS_OK);
    assert_false(d.flag);
    assert_int_equal(set(&d, "flag", "yes"), HS_OK);
    assert_true(d.flag);
    assert_int_equal(set(&d, "flag", "maybe"), HS_ERR_INVALID);
    expect_err("want true or false");
    assert_int_equal(set(&d, "color", "blue"), HS_OK);
    assert_int_equal(d.color, 2);
    assert_int_equal(set(&d, "mode", "on"), HS_OK);
    assert_int_equal(d.mode, 1);
    assert_int_equal(set(&d, "color", "pink"), HS_ERR_INVALID);
    expect_err("color: invalid 'pink' (want red, green or blue)");
    assert_int_equal(set(&d, "who", "n7"), HS_OK);
    assert_string_equal(d.who.bytes, "n7");
    assert_int_equal(set(&d, "who", "has space"), HS_ERR_INVALID);
    expect_err("who: invalid 'has space'");
    assert_int_equal(set(&d, "path", "/a/b"), HS_OK);
    assert_string_equal(d.path, "/a/b");
    assert_int_equal(set(&d, "path", "/toolong"), HS_ERR_INVALID);
    expect_err("longer than 7 bytes");
    assert_int_equal(set(&d, "path", ""), HS_ERR_INVALID);
}

static void test_addresses(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(set(&d, "at", "1.2.3.4:5"), HS_OK);
    assert_int_equal(d.at.port, 5);
    assert_int_equal(set(&d, "at", "1.2.3.4"), HS_ERR_INVALID);
    expect_err("at: invalid address '1.2.3.4'");
    assert_int_equal(set(&d, "at", "1.2.3.4:9"), HS_ERR_INVALID);
    expect_err("at: 1.2.3.4:9 uses the discard port");
    assert_int_equal(set(&d, "peers", "1.1.1.1:1,1.1.1.1:2"), HS_OK);
    assert_int_equal(set(&d, "peers", "1.1.1.1:3"), HS_OK); /* accumulates */
    assert_int_equal(d.peer_count, 3);
    assert_int_equal(set(&d, "peers", "1.1.1.1:4"), HS_ERR_LIMIT);
    expect_err("more than 3 addresses");
    cfgkey_reset(&demo_table, &d, key_index("peers"));
    assert_int_equal(d.peer_count, 0);
    assert_int_equal(set(&d, "peers", "1.1.1.1:1,1.1.1.1:1"), HS_ERR_DUPLICATE);
    expect_err("1.1.1.1:1 listed twice");
    cfgkey_reset(&demo_table, &d, key_index("peers"));
    assert_int_equal(set(&d, "peers", "1.1.1.1:1,"), HS_ERR_INVALID);
    expect_err("empty address");
}

static void test_set_number_for_draws(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(cfgkey_set_number(&demo_table, &d, "wait-ms", 40, err, sizeof(err)), HS_OK);
    assert_int_equal(d.wait_ms, 40);
    assert_int_equal(cfgkey_set_number(&demo_table, &d, "wait_ms", 9, err, sizeof(err)),
                     HS_ERR_RANGE);
    expect_err("wait_ms: 9 is out of range (want 10..5000 ms)");
    assert_int_equal(cfgkey_set_number(&demo_table, &d, "nope", 1, err, sizeof(err)),
                     HS_ERR_NOT_FOUND);
    expect_err("unknown key 'nope' in [demo]");
    assert_int_equal(cfgkey_set_number(&demo_table, &d, "color", 1, err, sizeof(err)),
                     HS_ERR_TYPE);
    swim_config sw;
    swim_config_defaults(&sw);
    assert_int_equal(swim_config_set(&sw, "probe-interval-ms", 300), HS_OK);
    assert_int_equal(sw.probe_interval_ms, 300);
    assert_int_equal(swim_config_set(&sw, "probe_interval_ms", 9), HS_ERR_RANGE);
    assert_int_equal(swim_config_set(&sw, "bogus", 9), HS_ERR_NOT_FOUND);
}

static void test_check_values_and_rules(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    assert_int_equal(cfgkey_check_values(&demo_table, &d, err, sizeof(err)), HS_OK);
    d.wait_ms = 1;
    assert_int_equal(cfgkey_check_values(&demo_table, &d, err, sizeof(err)), HS_ERR_RANGE);
    expect_err("wait_ms out of range (want 10..5000 ms)");
    swim_config sw;
    swim_config_defaults(&sw);
    sw.probe_timeout_ms = sw.probe_interval_ms;
    assert_int_equal(swim_config_explain(&sw, err, sizeof(err)), HS_ERR_RANGE);
    expect_err("probe_timeout_ms must be below probe_interval_ms");
    assert_int_equal(swim_config_check(&sw), HS_ERR_RANGE);
    char tiny[9];
    assert_int_equal(swim_config_explain(&sw, tiny, sizeof(tiny)), HS_ERR_RANGE);
    assert_string_equal(tiny, "probe_ti"); /* truncated like snprintf */
}

/* Two tables: qualified names, bare names when unique, ambiguity named. */
static void test_lookup_over_tables(void **state)
{
    (void)state;
    demo a, b;
    cfgkey_defaults(&demo_table, &a);
    cfgkey_defaults(&demo_table, &b);
    static const cfgkey other_keys[] = {
        CFGKEY_NUM(demo, count, "count", CFGKEY_U32, CFGKEY_UNIT_NONE, 1, 100, 7, "count"),
    };
    cfgkey_table other = {"other", other_keys, 1, false};
    cfgkey_bind binds[] = {{&demo_table, &a, 0}, {&other, &b, 0}};
    assert_int_equal(cfgkey_set(binds, 2, NULL, "wait_ms", "20", err, sizeof(err)), HS_OK);
    assert_int_equal(a.wait_ms, 20);
    assert_true(cfgkey_given(binds, 0, key_index("wait_ms")));
    assert_false(cfgkey_given(binds, 0, key_index("count")));
    assert_int_equal(cfgkey_set(binds, 2, NULL, "count", "3", err, sizeof(err)),
                     HS_ERR_DUPLICATE);
    expect_err("key 'count' is in [demo] and [other]: name it demo_count or other_count");
    assert_int_equal(cfgkey_set(binds, 2, NULL, "other-count", "3", err, sizeof(err)), HS_OK);
    assert_int_equal(b.count, 3);
    assert_int_equal(a.count, 7);
    assert_int_equal(cfgkey_set(binds, 2, "demo", "count", "4", err, sizeof(err)), HS_OK);
    assert_int_equal(a.count, 4);
    assert_int_equal(cfgkey_set(binds, 2, "other", "wait_ms", "4", err, sizeof(err)),
                     HS_ERR_NOT_FOUND);
    expect_err("unknown key 'wait_ms' in [other]");
    assert_int_equal(cfgkey_set(binds, 2, "nowhere", "count", "4", err, sizeof(err)),
                     HS_ERR_NOT_FOUND);
    expect_err("unknown section [nowhere]");
    assert_int_equal(cfgkey_set(binds, 2, NULL, "zzz", "4", err, sizeof(err)), HS_ERR_NOT_FOUND);
    expect_err("unknown key 'zzz'");
    assert_int_equal(cfgkey_check_required(binds, 2, err, sizeof(err)), HS_ERR_MISSING);
    expect_err("missing required --who");
    assert_int_equal(cfgkey_set(binds, 2, NULL, "who", "me", err, sizeof(err)), HS_OK);
    assert_int_equal(cfgkey_check_required(binds, 2, err, sizeof(err)), HS_OK);
}

static void test_parse_text_sections(void **state)
{
    (void)state;
    demo d;
    cfgkey_defaults(&demo_table, &d);
    cfgkey_bind bind = {&demo_table, &d, 0};
    static const char *const skip[] = {"elsewhere"};
    const char *text = "# comment\n\ncount = 9\n[demo]\n  wait-ms = 30 \r\n"
                       "[elsewhere]\nanything = goes\n[ demo ]\nflag = false\n";
    assert_int_equal(cfgkey_parse_text(&bind, 1, skip, 1, text, err, sizeof(err)), HS_OK);
    assert_int_equal(d.count, 9);
    assert_int_equal(d.wait_ms, 30);
    assert_false(d.flag);
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, "count = 1\nbogus line\n", err,
                                       sizeof(err)),
                     HS_ERR_INVALID);
    expect_err("line 2: expected 'key = value'");
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, "[elsewhere]\n", err, sizeof(err)),
                     HS_ERR_NOT_FOUND);
    expect_err("line 1: unknown section [elsewhere]");
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, "[demo\n", err, sizeof(err)),
                     HS_ERR_INVALID);
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, "[demo x]\n", err, sizeof(err)),
                     HS_ERR_NOT_FOUND);
    expect_err("no section takes an argument yet");
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, "\n\ncount = 0\n", err, sizeof(err)),
                     HS_ERR_RANGE);
    expect_err("line 3: count: 0 is out of range (want 1..100)");
    static char longline[2048];
    memset(longline, 'a', sizeof(longline) - 1);
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, longline, err, sizeof(err)),
                     HS_ERR_LIMIT);
}

static void test_help_rendering(void **state)
{
    (void)state;
    const cfgkey_table *tables[] = {&demo_table};
    static char out[8192];
    size_t need = cfgkey_render_help(tables, 1, out, sizeof(out));
    assert_int_equal(need, strlen(out));
    assert_non_null(strstr(out, "[demo] (flags also as --demo-KEY)\n"));
    assert_non_null(strstr(out, "  --wait-ms MS"));
    assert_non_null(strstr(out, "a wait\n"));
    assert_non_null(strstr(out, "(duration in ms, 10..5000, default 250)"));
    assert_non_null(strstr(out, "(duration in s, 1..60, default 2)"));
    assert_non_null(strstr(out, "--color red|green|blue"));
    assert_non_null(strstr(out, "(enum, default green)"));
    assert_non_null(strstr(out, "(name, required)"));
    assert_non_null(strstr(out, "--peers IP:PORT[,IP:PORT...]"));
    /* A too-small buffer still says how much the text needs. */
    char small[16];
    assert_int_equal(cfgkey_render_help(tables, 1, small, sizeof(small)), need);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    /* Two tables with the same key: help shows the qualified flag. */
    const cfgkey_table *two[] = {&demo_table, &demo_table};
    (void)cfgkey_render_help(two, 2, out, sizeof(out));
    assert_non_null(strstr(out, "--demo-wait-ms MS"));
}

/* The rendered file parses back to exactly the defaults. */
static void test_file_rendering_round_trip(void **state)
{
    (void)state;
    const cfgkey_table *tables[] = {&demo_table};
    static char out[8192];
    (void)cfgkey_render_file(tables, 1, out, sizeof(out));
    assert_non_null(strstr(out, "\n# a wait (duration in ms, 10..5000, default 250)\n"
                                "wait_ms = 250\n"));
    assert_non_null(strstr(out, "\n# who =\n"));
    assert_non_null(strstr(out, "\n# peers =\n"));
    demo d, want;
    memset(&want, 0, sizeof(want)); /* padding compares equal */
    cfgkey_defaults(&demo_table, &want);
    memset(&d, 0, sizeof(d));
    cfgkey_defaults(&demo_table, &d);
    d.count = 99;
    d.color = 0;
    cfgkey_bind bind = {&demo_table, &d, 0};
    assert_int_equal(cfgkey_parse_text(&bind, 1, NULL, 0, out, err, sizeof(err)), HS_OK);
    assert_memory_equal(&d, &want, sizeof(d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_defaults_from_the_table),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_bool_enum_text),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_set_number_for_draws),
        cmocka_unit_test(test_check_values_and_rules),
        cmocka_unit_test(test_lookup_over_tables),
        cmocka_unit_test(test_parse_text_sections),
        cmocka_unit_test(test_help_rendering),
        cmocka_unit_test(test_file_rendering_round_trip),
    };
    return cmocka_run_group_tests_name("cfgkey", tests, NULL, NULL);
}
