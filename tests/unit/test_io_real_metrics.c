/* The Prometheus endpoint (io_real/metrics.c): the request parser on fixed
 * requests and on every prefix of them, the exposition text (families
 * grouped, labels, escaping), and the responder over real loopback
 * sockets: 200 for GET /metrics, 404, 400 for other methods and oversized
 * requests, one connection too many refused, a silent client timed out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"
#include "udp.h"

typedef struct {
    const char *text;
    metrics_req want;
} parse_case;

static const parse_case cases[] = {
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", METRICS_REQ_METRICS},
    {"GET /metrics HTTP/1.0\r\n\r\n", METRICS_REQ_METRICS},
    {"GET /metrics?x=1 HTTP/1.1\r\nAccept: */*\r\n\r\n", METRICS_REQ_METRICS},
    {"GET /metrics HTTP/1.1\n\n", METRICS_REQ_METRICS},
    {"GET / HTTP/1.1\r\n\r\n", METRICS_REQ_NOT_FOUND},
    {"GET /metricsx HTTP/1.1\r\n\r\n", METRICS_REQ_NOT_FOUND},
    {"POST /metrics HTTP/1.1\r\n\r\n", METRICS_REQ_BAD},
    {"HEAD /metrics HTTP/1.1\r\n\r\n", METRICS_REQ_BAD},
    {"GET /metrics HTTP/2.0\r\n\r\n", METRICS_REQ_BAD},
    {"GET metrics HTTP/1.1\r\n\r\n", METRICS_REQ_BAD},
    {"GET  /metrics HTTP/1.1\r\n\r\n", METRICS_REQ_BAD},
    {"GET /metrics HTTP/1.1 \r\n\r\n", METRICS_REQ_BAD},
    {"GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", METRICS_REQ_BAD},
    {"GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n", METRICS_REQ_BAD},
    {"GET /metrics HTTP/1.1\rX\r\n\r\n", METRICS_REQ_BAD},
    {"\r\n\r\n", METRICS_REQ_BAD},
};

/* Every prefix is undecided or already decided the same way. */
static void parser_fixed_requests_and_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < HS_ARRAY_LEN(cases); i++) {
        const uint8_t *bytes = (const uint8_t *)cases[i].text;
        size_t len = strlen(cases[i].text);
        bool http11 = false;
        assert_int_equal(metrics_parse(bytes, len, &http11), cases[i].want);
        bool decided = false;
        for (size_t n = 0; n <= len; n++) {
            metrics_req got = metrics_parse(bytes, n, &http11);
            if (got != METRICS_REQ_INCOMPLETE) {
                assert_int_equal(got, cases[i].want);
                decided = true;
            } else {
                assert_false(decided);
            }
        }
        assert_true(decided);
    }
    bool http11 = false;
    uint8_t nul[] = "GET /me\0trics HTTP/1.1\r\n\r\n";
    assert_int_equal(metrics_parse(nul, sizeof(nul) - 1, &http11), METRICS_REQ_BAD);
    /* A request whose headers do not end within the limit is refused. */
    static uint8_t big[METRICS_REQUEST_MAX + 10];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    assert_int_equal(metrics_parse(big, METRICS_REQUEST_MAX - 1, &http11),
                     METRICS_REQ_INCOMPLETE);
    assert_int_equal(metrics_parse(big, METRICS_REQUEST_MAX, &http11), METRICS_REQ_BAD);
    assert_int_equal(metrics_parse(big, sizeof(big), &http11), METRICS_REQ_BAD);
}

static void render_groups_families(void **state)
{
    (void)state;
    msg_counter c[6];
    memset(c, 0, sizeof(c));
    const char *names[] = {"frames_rx", "rx_msgs.ping", "rx_bytes.ping", "rx_msgs.ack",
                           "host_tcp_refused.source_cap", "host_io_errors.pwrite"};
    for (int i = 0; i < 6; i++) {
        snprintf(c[i].name, sizeof(c[i].name), "%s", names[i]);
        c[i].value = (uint64_t)(i + 1) * 10;
    }
    char out[4096];
    size_t len = metrics_render(c, 6, out, sizeof(out));
    assert_true(len > 0 && len == strlen(out));
    const char *want =
        "# HELP hs_frames_rx_total hsnode counter frames_rx\n"
        "# TYPE hs_frames_rx_total counter\n"
        "hs_frames_rx_total 10\n"
        "# HELP hs_rx_msgs_total hsnode counter rx_msgs\n"
        "# TYPE hs_rx_msgs_total counter\n"
        "hs_rx_msgs_total{type=\"ping\"} 20\n"
        "hs_rx_msgs_total{type=\"ack\"} 40\n"
        "# HELP hs_rx_bytes_total hsnode counter rx_bytes\n"
        "# TYPE hs_rx_bytes_total counter\n"
        "hs_rx_bytes_total{type=\"ping\"} 30\n"
        "# HELP hs_host_tcp_refused_total hsnode counter host_tcp_refused\n"
        "# TYPE hs_host_tcp_refused_total counter\n"
        "hs_host_tcp_refused_total{cause=\"source_cap\"} 50\n"
        "# HELP hs_host_io_errors_total hsnode counter host_io_errors\n"
        "# TYPE hs_host_io_errors_total counter\n"
        "hs_host_io_errors_total{op=\"pwrite\"} 60\n";
    assert_string_equal(out, want);
    /* Label values are escaped; a buffer too small gives 0, not a cut. */
    snprintf(c[0].name, sizeof(c[0].name), "x.a\"b\\c");
    len = metrics_render(c, 1, out, sizeof(out));
    assert_non_null(strstr(out, "hs_x_total{cause=\"a\\\"b\\\\c\"} 10\n"));
    assert_int_equal(metrics_render(c, 6, out, 64), 0);
}

/* ---- the responder over loopback ---- */

static loop lp;
static metrics mx;
static hs_addr maddr;
static uint32_t source_calls;

static uint32_t source(void *ctx, msg_counter *out, uint32_t cap)
{
    (void)ctx;
    assert_true(cap >= 2);
    source_calls++;
    snprintf(out[0].name, sizeof(out[0].name), "frames_rx");
    out[0].value = 7;
    snprintf(out[1].name, sizeof(out[1].name), "rx_msgs.ping");
    out[1].value = 3;
    return 2;
}

static int setup(void **state)
{
    (void)state;
    source_calls = 0;
    assert_int_equal(loop_init(&lp, NULL), HS_OK);
    metrics_init(&mx, &lp, NULL, source, NULL);
    int err = 0;
    assert_int_equal(metrics_listen(&mx, (hs_addr){0x7f000001u, 0}, &err), HS_OK);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(mx.listen_fd, (struct sockaddr *)&sa, &len), 0);
    maddr = udp_from_sockaddr(&sa);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    metrics_free(&mx);
    loop_free(&lp);
    return 0;
}

static void pump(uint32_t ms)
{
    uint64_t end = loop_now_ns(NULL) + HS_MS(ms);
    loop_fired fired[LOOP_BATCH_MAX];
    while (loop_now_ns(NULL) < end) {
        uint32_t n = loop_wait(&lp, fired, LOOP_BATCH_MAX, 5);
        for (uint32_t i = 0; i < n; i++) {
            if (metrics_owns(fired[i].token)) {
                metrics_on_event(&mx, fired[i].token, fired[i].events, loop_now_ns(NULL));
            }
        }
    }
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    udp_sockaddr(maddr, &sa);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Sends req and reads the whole reply until the server closes. */
static size_t ask(const char *req, char *reply, size_t cap)
{
    int fd = dial();
    pump(5);
    size_t len = strlen(req);
    assert_int_equal(send(fd, req, len, 0), (ssize_t)len);
    size_t got = 0;
    for (uint32_t spin = 0; spin < 2000; spin++) {
        pump(1);
        ssize_t n = recv(fd, reply + got, cap - 1 - got, MSG_DONTWAIT);
        if (n == 0) {
            break;
        }
        if (n > 0) {
            got += (size_t)n;
        }
    }
    reply[got] = '\0';
    close(fd);
    return got;
}

static void serves_metrics_404_400(void **state)
{
    (void)state;
    static char reply[8192];
    ask("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", reply, sizeof(reply));
    assert_non_null(strstr(reply, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(reply, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(reply, "\r\n\r\n# HELP hs_frames_rx_total"));
    assert_non_null(strstr(reply, "hs_rx_msgs_total{type=\"ping\"} 3\n"));
    const char *body = strstr(reply, "\r\n\r\n") + 4;
    char want_len[64];
    snprintf(want_len, sizeof(want_len), "Content-Length: %zu\r\n", strlen(body));
    assert_non_null(strstr(reply, want_len));
    assert_int_equal(source_calls, 1);
    ask("GET /other HTTP/1.0\r\n\r\n", reply, sizeof(reply));
    assert_non_null(strstr(reply, "HTTP/1.0 404 Not Found\r\n"));
    ask("DELETE /metrics HTTP/1.1\r\n\r\n", reply, sizeof(reply));
    assert_non_null(strstr(reply, "400 Bad Request\r\n"));
    static char big[METRICS_REQUEST_MAX + 100];
    memset(big, 'a', sizeof(big) - 1);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    ask(big, reply, sizeof(reply));
    assert_non_null(strstr(reply, "400 Bad Request\r\n"));
    assert_int_equal(source_calls, 1);
    assert_int_equal(mx.stats.ok, 1);
    assert_int_equal(mx.stats.not_found, 1);
    assert_int_equal(mx.stats.bad_request, 2);
}

/* METRICS_CONNS_MAX silent clients: one more is closed at once; the
 * silent ones are closed at the timeout, after which a client is served. */
static void bounded_connections_and_timeout(void **state)
{
    (void)state;
    int fds[METRICS_CONNS_MAX + 1];
    for (uint32_t i = 0; i <= METRICS_CONNS_MAX; i++) {
        fds[i] = dial();
        pump(2);
    }
    pump(20);
    assert_int_equal(mx.stats.conns_full, 1);
    char c;
    assert_int_equal(recv(fds[METRICS_CONNS_MAX], &c, 1, 0), 0);
    metrics_tick(&mx, loop_now_ns(NULL) + METRICS_TIMEOUT_NS + HS_MS(1));
    assert_int_equal(mx.stats.timeouts, METRICS_CONNS_MAX);
    for (uint32_t i = 0; i <= METRICS_CONNS_MAX; i++) {
        close(fds[i]);
    }
    static char reply[8192];
    ask("GET /metrics HTTP/1.1\r\n\r\n", reply, sizeof(reply));
    assert_non_null(strstr(reply, "200 OK"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_fixed_requests_and_prefixes),
        cmocka_unit_test(render_groups_families),
        cmocka_unit_test_setup_teardown(serves_metrics_404_400, setup, teardown),
        cmocka_unit_test_setup_teardown(bounded_connections_and_timeout, setup, teardown),
    };
    return cmocka_run_group_tests_name("io_real_metrics", tests, NULL, NULL);
}
