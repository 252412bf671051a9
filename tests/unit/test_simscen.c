/* Unit tests for the scenario runner (sim/simscen.h), the simulator half of
 * the sim-versus-real comparison: config parsing shares SWIM's key table
 * and refuses host-only keys; scripts run, fail with a line number, and
 * produce each observer's transitions in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "simscen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fast_conf = "# fast\nprobe_interval_ms = 200\nprobe_timeout_ms = 100\n"
                               "reconnect-interval-ms = 1000\n\nsync_interval_ms = 2000\n";

static void test_config_parses_swim_keys(void **state)
{
    (void)state;
    swim_config cfg;
    char err[256] = "";
    assert_int_equal(simscen_parse_config(fast_conf, &cfg, err, sizeof(err)), HS_OK);
    assert_int_equal(cfg.probe_interval_ms, 200);
    assert_int_equal(cfg.probe_timeout_ms, 100);
    assert_int_equal(cfg.reconnect_interval_ms, 1000);
    assert_int_equal(cfg.sync_interval_ms, 2000);
    swim_config defaults;
    swim_config_defaults(&defaults);
    assert_int_equal(cfg.suspicion_mult, defaults.suspicion_mult);
}

static void test_config_refusals(void **state)
{
    (void)state;
    swim_config cfg;
    char err[256] = "";
    assert_int_equal(simscen_parse_config("tcp_idle_timeout_ms = 5\n", &cfg, err, sizeof(err)),
                     HS_ERR_INVALID);
    assert_non_null(strstr(err, "not a SWIM setting"));
    assert_int_equal(simscen_parse_config("probe_interval_ms = 5\n", &cfg, err, sizeof(err)),
                     HS_ERR_INVALID);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(simscen_parse_config("x\n", &cfg, err, sizeof(err)), HS_ERR_INVALID);
    assert_int_equal(simscen_parse_config("probe_timeout_ms = -1\n", &cfg, err, sizeof(err)),
                     HS_ERR_INVALID);
    /* Each value in range, together inconsistent: timeout >= interval. */
    assert_int_equal(simscen_parse_config("probe_interval_ms = 100\nprobe_timeout_ms = 200\n",
                                          &cfg, err, sizeof(err)),
                     HS_ERR_INVALID);
    assert_non_null(strstr(err, "probe_timeout_ms must be below probe_interval_ms"));
    /* hsnode's sectioned files: [swim] read, hsnode's own sections skipped,
     * a SWIM key outside [swim] refused. */
    const char *sectioned = "[node]\nname = n1\n[swim]\nprobe_interval_ms = 1300\n"
                            "[tcp]\nconns_max = 9\n[host]\nlog = json\n";
    assert_int_equal(simscen_parse_config(sectioned, &cfg, err, sizeof(err)), HS_OK);
    assert_int_equal(cfg.probe_interval_ms, 1300);
    assert_int_equal(simscen_parse_config("[swim]\nconns_max = 9\n", &cfg, err, sizeof(err)),
                     HS_ERR_INVALID);
    assert_non_null(strstr(err, "line 2: unknown key 'conns_max' in [swim]"));
}

/* Runs a script and returns its output (caller frees). */
static char *run(const char *script, hs_status want, char *err, size_t cap)
{
    swim_config cfg;
    assert_int_equal(simscen_parse_config(fast_conf, &cfg, err, cap), HS_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    hs_status st = simscen_run(script, &cfg, 1, f, err, cap);
    fclose(f);
    if (st != want) {
        print_error("status %s: %s\n", hs_status_name(st), err);
    }
    assert_int_equal(st, want);
    return out;
}

static void test_kill_restart_transitions(void **state)
{
    (void)state;
    char err[256] = "";
    char *out = run("start n1 n2 n3\nwait_converged\nkill n3\nwait_dead n3\n"
                    "restart n3\nwait_converged\n",
                    HS_OK, err, sizeof(err));
    const char *want =
        "{\"observer\":\"n1\",\"member\":\"n3\",\"from\":\"alive\",\"to\":\"suspect\"}\n"
        "{\"observer\":\"n1\",\"member\":\"n3\",\"from\":\"suspect\",\"to\":\"dead\"}\n"
        "{\"observer\":\"n1\",\"member\":\"n3\",\"from\":\"dead\",\"to\":\"alive\"}\n"
        "{\"observer\":\"n2\",\"member\":\"n3\",\"from\":\"alive\",\"to\":\"suspect\"}\n"
        "{\"observer\":\"n2\",\"member\":\"n3\",\"from\":\"suspect\",\"to\":\"dead\"}\n"
        "{\"observer\":\"n2\",\"member\":\"n3\",\"from\":\"dead\",\"to\":\"alive\"}\n";
    assert_string_equal(out, want);
    free(out);
}

static void test_stop_is_a_leave(void **state)
{
    (void)state;
    char err[256] = "";
    char *out = run("start n1 n2\nwait_converged\nstop n2\nwait_left n2\n", HS_OK, err,
                    sizeof(err));
    assert_string_equal(
        out, "{\"observer\":\"n1\",\"member\":\"n2\",\"from\":\"alive\",\"to\":\"left\"}\n");
    free(out);
}

static void test_script_errors_name_the_line(void **state)
{
    (void)state;
    char err[256] = "";
    free(run("start n1 n2\n# comment\nfly n2\n", HS_ERR_INVALID, err, sizeof(err)));
    assert_non_null(strstr(err, "line 3"));
    free(run("kill n1\n", HS_ERR_INVALID, err, sizeof(err)));
    assert_non_null(strstr(err, "first command must be start"));
    free(run("start n2 n1\n", HS_ERR_INVALID, err, sizeof(err)));
    free(run("start n1 n2\nkill n7\n", HS_ERR_INVALID, err, sizeof(err)));
    free(run("", HS_ERR_INVALID, err, sizeof(err)));
    /* A live node is never declared dead: the wait times out. */
    free(run("start n1 n2\nwait_converged\nwait_dead n2\n", HS_ERR_TIMEOUT, err, sizeof(err)));
    assert_non_null(strstr(err, "timed out"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parses_swim_keys),
        cmocka_unit_test(test_config_refusals),
        cmocka_unit_test(test_kill_restart_transitions),
        cmocka_unit_test(test_stop_is_a_leave),
        cmocka_unit_test(test_script_errors_name_the_line),
    };
    return cmocka_run_group_tests_name("simscen", tests, NULL, NULL);
}
