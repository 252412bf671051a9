/* The TCP layer (io_real/tcp.c) over real loopback sockets in one process:
 * frames reassembled from byte-sized writes, bad headers and a full table
 * refused with a reason, back-pressure that stops reading a client that
 * does not read its replies, slow and idle timeouts, outbound links that
 * queue, reconnect with backoff, and give up, and the budget reserve that
 * keeps room for new clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "loop.h"
#include "tcp.h"
#include "udp.h"

#define REPLY_LEN 600000u
#define MAX_CLOSED 16u
#define MAX_FAILED 16u

typedef struct {
    loop loop;
    tcp tcp;
    ioerr_sink sink;
    uint32_t reports[IOERR_OP_COUNT];
    uint32_t frames;
    uint64_t last_conn;
    uint32_t closed;
    hs_status reasons[MAX_CLOSED];
    uint64_t closed_ids[MAX_CLOSED];
    uint32_t failed;
    struct {
        uint64_t conn_id;
        hs_addr to;
        uint16_t type;
        hs_status reason;
    } fails[MAX_FAILED];
    bool reply_big;
    uint8_t *reply;
    hs_addr addr;
} fixture;

static fixture fx;

static void on_report(void *ctx, uint32_t op, int err, uint64_t detail)
{
    (void)err;
    (void)detail;
    fixture *f = ctx;
    f->reports[op]++;
}

static void on_frame(void *ctx, uint64_t conn_id, hs_addr peer, const uint8_t *frame,
                     uint32_t len)
{
    (void)peer;
    fixture *f = ctx;
    frame_header h;
    assert_int_equal(frame_parse_header(frame, len, FRAME_TCP_PAYLOAD_MAX, &h), HS_OK);
    assert_int_equal(len, FRAME_HEADER_LEN + h.length);
    f->frames++;
    f->last_conn = conn_id;
    if (f->reply_big) {
        /* A small kernel send buffer makes the node's own queue fill after
         * the first replies instead of after megabytes of kernel buffer. */
        const tcp_conn *c = tcp_find(&f->tcp, conn_id);
        int small = 4096;
        assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
        tcp_send(&f->tcp, conn_id, peer, f->reply, FRAME_HEADER_LEN + REPLY_LEN,
                 loop_now_ns(NULL));
    }
}

static void on_closed(void *ctx, uint64_t conn_id, hs_status reason)
{
    fixture *f = ctx;
    if (f->closed < MAX_CLOSED) {
        f->reasons[f->closed] = reason;
        f->closed_ids[f->closed] = conn_id;
    }
    f->closed++;
}

static void on_send_failed(void *ctx, uint64_t conn_id, hs_addr to, uint16_t type,
                           hs_status reason)
{
    fixture *f = ctx;
    if (f->failed < MAX_FAILED) {
        f->fails[f->failed].conn_id = conn_id;
        f->fails[f->failed].to = to;
        f->fails[f->failed].type = type;
        f->fails[f->failed].reason = reason;
    }
    f->failed++;
}

static hs_addr bound_addr(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    return udp_from_sockaddr(&sa);
}

static int setup_with(uint32_t in_budget, uint32_t per_source)
{
    memset(&fx, 0, sizeof(fx));
    fx.sink.fn = on_report;
    fx.sink.ctx = &fx;
    assert_int_equal(loop_init(&fx.loop, &fx.sink), HS_OK);
    tcp_config cfg;
    tcp_config_defaults(&cfg);
    cfg.conns_max = 3;
    cfg.out_queue_max = FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX;
    cfg.out_budget = cfg.out_queue_max;
    cfg.in_budget = in_budget;
    cfg.conns_per_source = per_source;
    tcp_handlers h = {on_frame, on_closed, on_send_failed, &fx};
    assert_int_equal(tcp_init(&fx.tcp, &cfg, &fx.loop, &fx.sink, &h), HS_OK);
    int err = 0;
    assert_int_equal(tcp_listen(&fx.tcp, (hs_addr){0x7f000001u, 0}, &err), HS_OK);
    fx.addr = bound_addr(fx.tcp.listen_fd);
    fx.reply = calloc(1, FRAME_HEADER_LEN + REPLY_LEN);
    assert_non_null(fx.reply);
    frame_write_header(fx.reply, 17, REPLY_LEN);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    tcp_config cfg;
    tcp_config_defaults(&cfg);
    return setup_with(cfg.in_budget, cfg.conns_per_source);
}

/* At most two connections from one address. */
static int setup_per_source(void **state)
{
    (void)state;
    tcp_config cfg;
    tcp_config_defaults(&cfg);
    return setup_with(cfg.in_budget, 2);
}

/* An input budget of one maximal frame plus 8 KiB: the reserve is 8 KiB. */
static int setup_tight(void **state)
{
    (void)state;
    tcp_config cfg;
    tcp_config_defaults(&cfg);
    return setup_with(FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX + 8192u, cfg.conns_per_source);
}

static int teardown(void **state)
{
    (void)state;
    tcp_free(&fx.tcp);
    loop_free(&fx.loop);
    free(fx.reply);
    return 0;
}

/* Runs the loop for about ms milliseconds. */
static void pump(uint32_t ms)
{
    uint64_t end = loop_now_ns(NULL) + HS_MS(ms);
    loop_fired fired[LOOP_BATCH_MAX];
    while (loop_now_ns(NULL) < end) {
        uint32_t n = loop_wait(&fx.loop, fired, LOOP_BATCH_MAX, 5);
        for (uint32_t i = 0; i < n; i++) {
            if (fired[i].token > LOOP_TOKEN_RESERVED) {
                tcp_on_event(&fx.tcp, fired[i].token, fired[i].events, loop_now_ns(NULL));
            }
        }
    }
}

/* Connects from source address `from` (any 127/8 address is local). */
static void pump_frames(uint32_t want)
{
    for (uint32_t i = 0; i < 5000 && fx.frames < want; i++) {
        pump(1);
    }
    assert_int_equal(fx.frames, want);
}

static int dial_from(hs_addr addr, uint32_t from)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (from != 0) {
        struct sockaddr_in src;
        udp_sockaddr((hs_addr){from, 0}, &src);
        assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
    }
    struct sockaddr_in sa;
    udp_sockaddr(addr, &sa);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static int dial(hs_addr addr)
{
    return dial_from(addr, 0);
}

static uint32_t request(uint8_t *buf)
{
    static const uint8_t payload[5] = {0xa1, 0x01, 0x18, 0x2a, 0x00};
    memcpy(buf + FRAME_HEADER_LEN, payload, 4);
    frame_write_header(buf, 16, 4);
    return FRAME_HEADER_LEN + 4;
}

static void test_frames_from_byte_writes(void **state)
{
    (void)state;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < len; i++) {
            assert_int_equal(send(fd, buf + i, 1, 0), 1);
            pump(1);
        }
    }
    pump(20);
    assert_int_equal(fx.frames, 3);
    assert_int_equal(tcp_conn_count(&fx.tcp), 1);
    close(fd);
    pump(20);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], HS_OK);
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
}

static void test_bad_header_closes_with_reason(void **state)
{
    (void)state;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    buf[0] = 7; /* unknown version */
    assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
    pump(30);
    assert_int_equal(fx.frames, 0);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], HS_ERR_VERSION);
    char c;
    assert_int_equal(recv(fd, &c, 1, 0), 0); /* the client sees the close */
    close(fd);
}

/* The table is full of idle connections: a new client gets the slot of the
 * one idle longest, which is closed with HS_ERR_FULL. */
static void test_table_full_evicts_oldest_idle(void **state)
{
    (void)state;
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = dial(fx.addr);
        pump(10);
    }
    assert_int_equal(tcp_conn_count(&fx.tcp), 3);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], TCP_REASON_EVICTED);
    assert_int_equal(fx.closed_ids[0], 1); /* the first, oldest connection */
    assert_int_equal(fx.tcp.stats.evicted, 1);
    assert_int_equal(fx.tcp.stats.refused_table_full, 0);
    assert_true(fx.reports[IOERR_OP_CONN_EVICTED] >= 1);
    char c;
    assert_int_equal(recv(fds[0], &c, 1, 0), 0); /* the evicted client sees the close */
    /* The newest client is served. */
    uint8_t buf[64];
    uint32_t len = request(buf);
    assert_int_equal(send(fds[3], buf, len, 0), (ssize_t)len);
    pump_frames(1);
    for (int i = 0; i < 4; i++) {
        close(fds[i]);
    }
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
}

/* No connection is idle (each holds part of a frame): the new one is
 * refused at once instead. */
static void test_table_full_none_idle_refuses(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint32_t len = request(buf);
    int fds[4];
    for (int i = 0; i < 3; i++) {
        fds[i] = dial(fx.addr);
        assert_int_equal(send(fds[i], buf, len - 2, 0), (ssize_t)(len - 2));
        pump(10);
    }
    fds[3] = dial(fx.addr);
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 3);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], HS_ERR_FULL);
    assert_int_equal(fx.tcp.stats.refused_table_full, 1);
    assert_int_equal(fx.tcp.stats.evicted, 0);
    assert_true(fx.reports[IOERR_OP_CONN_TABLE_FULL] >= 1);
    for (int i = 0; i < 4; i++) {
        close(fds[i]);
    }
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
}

/* Two connections per address: a third from 127.0.0.1 is refused, one from
 * 127.0.0.2 is accepted, and a slot freed is usable again. */
static void test_per_source_cap(void **state)
{
    (void)state;
    int a = dial_from(fx.addr, 0x7f000001u);
    int b = dial_from(fx.addr, 0x7f000001u);
    pump(10);
    int c = dial_from(fx.addr, 0x7f000001u);
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 2);
    assert_int_equal(fx.tcp.stats.refused_source_cap, 1);
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], HS_ERR_FULL);
    assert_true(fx.reports[IOERR_OP_CONN_SOURCE_CAP] >= 1);
    int other = dial_from(fx.addr, 0x7f000002u);
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 3);
    close(a);
    pump(20);
    int again = dial_from(fx.addr, 0x7f000001u);
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 3);
    assert_int_equal(fx.tcp.stats.refused_source_cap, 1);
    close(b);
    close(c);
    close(other);
    close(again);
    pump(20);
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
    assert_int_equal(map_count(&fx.tcp.sources), 0);
}

/* A connection that sends no complete frame within the slow timeout of
 * its accept is closed; one that sent a frame is left to the idle rule. */
static void test_no_first_frame_times_out(void **state)
{
    (void)state;
    int silent = dial(fx.addr);
    int talker = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    assert_int_equal(send(talker, buf, len, 0), (ssize_t)len);
    pump_frames(1);
    uint64_t now = loop_now_ns(NULL);
    (void)tcp_tick(&fx.tcp, now);
    assert_int_equal(fx.closed, 0);
    (void)tcp_tick(&fx.tcp, now + fx.tcp.cfg.slow_timeout_ns + HS_MS(1));
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], TCP_REASON_SLOW_FIRST);
    assert_int_equal(fx.tcp.stats.closed_slow_first, 1);
    assert_int_equal(tcp_conn_count(&fx.tcp), 1);
    close(silent);
    close(talker);
    pump(20);
}

/* A client that sends requests and never reads the replies: the node stops
 * taking its requests once the replies pile up, and resumes when the
 * client reads. */
static void test_back_pressure(void **state)
{
    (void)state;
    fx.reply_big = true;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    const uint32_t requests = 20;
    for (uint32_t i = 0; i < requests; i++) {
        assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
    }
    pump(100);
    assert_true(fx.frames < requests);
    assert_true(fx.tcp.stats.paused >= 1);
    const tcp_conn *c = tcp_find(&fx.tcp, fx.last_conn);
    assert_non_null(c);
    assert_true(c->paused);
    assert_true(outq_len(&c->out) <= fx.tcp.cfg.out_queue_max);
    /* Now read everything: every request is served, every byte arrives. */
    uint64_t want = (uint64_t)requests * (FRAME_HEADER_LEN + REPLY_LEN);
    uint64_t got = 0;
    static uint8_t sink[1 << 16];
    for (uint32_t spin = 0; spin < 100000 && got < want; spin++) {
        ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
        if (n > 0) {
            got += (uint64_t)n;
        } else {
            pump(1);
        }
    }
    assert_int_equal(fx.frames, requests);
    assert_true(got == want);
    assert_int_equal(fx.closed, 0);
    close(fd);
    pump(10);
}

static void test_slow_partial_frame_times_out(void **state)
{
    (void)state;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    assert_int_equal(send(fd, buf, len - 2, 0), (ssize_t)(len - 2));
    pump(20);
    uint64_t now = loop_now_ns(NULL);
    (void)tcp_tick(&fx.tcp, now);
    assert_int_equal(fx.closed, 0);
    (void)tcp_tick(&fx.tcp, now + fx.tcp.cfg.slow_timeout_ns + HS_MS(1));
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], TCP_REASON_SLOW_PARTIAL);
    close(fd);
}

static void test_idle_times_out(void **state)
{
    (void)state;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
    pump_frames(1);
    uint64_t now = loop_now_ns(NULL);
    (void)tcp_tick(&fx.tcp, now + fx.tcp.cfg.slow_timeout_ns + HS_MS(1));
    assert_int_equal(fx.closed, 0); /* idle is not slow */
    (void)tcp_tick(&fx.tcp, now + fx.tcp.cfg.idle_timeout_ns + HS_MS(1));
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], TCP_REASON_IDLE);
    close(fd);
}

static int plain_listener(hs_addr *addr, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in sa;
    udp_sockaddr((hs_addr){0x7f000001u, port}, &sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    *addr = bound_addr(fd);
    return fd;
}

static void expect_frame(int listener, const uint8_t *frame, uint32_t len)
{
    int fd = accept(listener, NULL, NULL);
    assert_true(fd >= 0);
    uint8_t got[64];
    uint32_t have = 0;
    while (have < len) {
        pump(1);
        ssize_t n = recv(fd, got + have, len - have, MSG_DONTWAIT);
        if (n > 0) {
            have += (uint32_t)n;
        }
    }
    assert_memory_equal(got, frame, len);
    close(fd);
}

static void test_link_delivers(void **state)
{
    (void)state;
    hs_addr peer;
    int listener = plain_listener(&peer, 0);
    uint8_t buf[64];
    uint32_t len = request(buf);
    tcp_send(&fx.tcp, 0, peer, buf, len, loop_now_ns(NULL));
    const tcp_conn *link = tcp_link(&fx.tcp, peer);
    assert_non_null(link);
    assert_true(link->outbound);
    pump(20);
    expect_frame(listener, buf, len);
    assert_int_equal(fx.tcp.stats.connects, 1);
    close(listener);
}

/* Nobody listens: the frame waits, the link backs off, and once a listener
 * appears the retry delivers it. */
static void test_link_reconnects_with_backoff(void **state)
{
    (void)state;
    hs_addr peer;
    close(plain_listener(&peer, 0)); /* a port that refuses */
    uint8_t buf[64];
    uint32_t len = request(buf);
    tcp_send(&fx.tcp, 0, peer, buf, len, loop_now_ns(NULL));
    pump(20);
    const tcp_conn *link = tcp_link(&fx.tcp, peer);
    assert_non_null(link);
    assert_int_equal(link->state, TCP_BACKOFF);
    assert_int_equal(outq_len(&link->out), len);
    assert_true(fx.tcp.stats.connect_failures >= 1);
    uint64_t first_backoff = link->backoff_ns;
    /* Still refused: the delay doubles. */
    (void)tcp_tick(&fx.tcp, link->retry_at_ns);
    pump(20);
    link = tcp_link(&fx.tcp, peer);
    assert_int_equal(link->state, TCP_BACKOFF);
    assert_int_equal(link->backoff_ns, 2 * first_backoff);
    int listener = plain_listener(&peer, peer.port);
    (void)tcp_tick(&fx.tcp, link->retry_at_ns);
    pump(20);
    expect_frame(listener, buf, len);
    link = tcp_link(&fx.tcp, peer);
    assert_int_equal(link->state, TCP_OPEN);
    assert_int_equal(link->backoff_ns, 0);
    close(listener);
}

static void test_link_gives_up_and_is_removed(void **state)
{
    (void)state;
    hs_addr peer;
    close(plain_listener(&peer, 0));
    uint8_t buf[64];
    uint32_t len = request(buf);
    uint64_t start = loop_now_ns(NULL);
    tcp_send(&fx.tcp, 0, peer, buf, len, start);
    pump(20);
    const tcp_config *cfg = &fx.tcp.cfg;
    (void)tcp_tick(&fx.tcp, start + cfg->give_up_ns + HS_MS(500));
    const tcp_conn *link = tcp_link(&fx.tcp, peer);
    assert_non_null(link);
    assert_int_equal(outq_len(&link->out), 0);
    assert_true(fx.reports[IOERR_OP_LINK_DROPPED] >= 1);
    (void)tcp_tick(&fx.tcp, start + cfg->give_up_ns + cfg->idle_timeout_ns + HS_SEC(1));
    assert_null(tcp_link(&fx.tcp, peer));
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
    assert_int_equal(fx.tcp.out_used, 0);
    assert_int_equal(fx.tcp.in_used, 0);
}

/* Sends len bytes without blocking, running the loop while the kernel
 * buffers are full. */
static void send_pumping(int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    for (uint32_t spin = 0; spin < 100000 && done < len; spin++) {
        ssize_t n = send(fd, buf + done, len - done, MSG_DONTWAIT);
        if (n > 0) {
            done += (size_t)n;
        } else {
            assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
            pump(1);
        }
    }
    assert_true(done == len);
}

/* Runs the loop until *value == want, 5 s at most (a loaded machine). */
static void pump_until(const uint64_t *value, uint64_t want)
{
    for (uint32_t i = 0; i < 5000 && *value != want; i++) {
        pump(1);
    }
    assert_int_equal(*value, want);
}

static void pump_until_u32(const uint32_t *value, uint32_t want)
{
    for (uint32_t i = 0; i < 5000 && *value != want; i++) {
        pump(1);
    }
    assert_int_equal(*value, want);
}

/* Clients holding partial frames fill the input budget; growth past a
 * first buffer leaves the reserve alone, so a new client is still served. */
static void test_budget_reserve_serves_new_clients(void **state)
{
    (void)state;
    assert_int_equal(fx.tcp.in_reserve, 8192u);
    static uint8_t big[FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX];
    frame_write_header(big, 17, FRAME_TCP_PAYLOAD_MAX);
    int hog = dial(fx.addr);
    send_pumping(hog, big, sizeof(big) - 1); /* one byte short, forever */
    pump_until(&fx.tcp.in_used, FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX);
    /* A second hog gets its first buffer, but may not grow into the
     * reserve: it is closed when it needs more. */
    int hog2 = dial(fx.addr);
    send_pumping(hog2, big, 6000);
    pump_until_u32(&fx.closed, 1);
    assert_int_equal(fx.reasons[0], HS_ERR_FULL);
    assert_true(fx.reports[IOERR_OP_IN_BUDGET] >= 1);
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
    pump_until_u32(&fx.frames, 1);
    assert_true(fx.tcp.in_used <= fx.tcp.cfg.in_budget);
    close(fd);
    close(hog2);
    close(hog);
    pump_until(&fx.tcp.in_used, 0);
}

static void test_send_to_gone_conn_is_reported(void **state)
{
    (void)state;
    uint8_t buf[64];
    uint32_t len = request(buf);
    tcp_send(&fx.tcp, 12345, fx.addr, buf, len, loop_now_ns(NULL));
    assert_int_equal(fx.reports[IOERR_OP_SEND_NO_CONN], 1);
    assert_int_equal(tcp_conn_count(&fx.tcp), 0);
    /* ... and reported to core, with the frame's type. */
    assert_int_equal(fx.failed, 1);
    assert_int_equal(fx.fails[0].conn_id, 12345);
    assert_int_equal(fx.fails[0].type, 16);
    assert_int_equal(fx.fails[0].reason, HS_ERR_CLOSED);
    assert_int_equal(fx.tcp.stats.send_failed, 1);
}

/* Frames queued on a link to an address that never answers are each
 * reported as SEND_FAILED when the link gives up, never dropped silently. */
static void test_link_give_up_reports_each_frame(void **state)
{
    (void)state;
    hs_addr peer;
    close(plain_listener(&peer, 0));
    uint8_t buf[64];
    uint32_t len = request(buf);
    uint64_t start = loop_now_ns(NULL);
    tcp_send(&fx.tcp, 0, peer, buf, len, start);
    frame_write_header(buf, 18, 4);
    tcp_send(&fx.tcp, 0, peer, buf, len, start);
    pump(20);
    assert_int_equal(fx.failed, 0);
    (void)tcp_tick(&fx.tcp, start + fx.tcp.cfg.give_up_ns + HS_MS(500));
    assert_int_equal(fx.failed, 2);
    assert_int_equal(fx.fails[0].type, 16);
    assert_int_equal(fx.fails[1].type, 18);
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(fx.fails[i].conn_id, 0);
        assert_true(hs_addr_eq(fx.fails[i].to, peer));
        assert_int_equal(fx.fails[i].reason, HS_ERR_TIMEOUT);
    }
}

/* Replies queued for a client that is closed for not reading them are
 * reported, one SEND_FAILED per frame, before its CONN_CLOSED. */
static void test_unread_replies_reported(void **state)
{
    (void)state;
    fx.reply_big = true;
    int fd = dial(fx.addr);
    uint8_t buf[64];
    uint32_t len = request(buf);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
    }
    pump(100);
    const tcp_conn *c = tcp_find(&fx.tcp, fx.last_conn);
    assert_non_null(c);
    assert_true(outq_len(&c->out) > 0);
    uint64_t id = c->id;
    (void)tcp_tick(&fx.tcp, loop_now_ns(NULL) + fx.tcp.cfg.slow_timeout_ns + HS_MS(1));
    assert_int_equal(fx.closed, 1);
    assert_int_equal(fx.reasons[0], TCP_REASON_SLOW_OUTPUT);
    assert_true(fx.failed >= 1);
    for (uint32_t i = 0; i < fx.failed && i < MAX_FAILED; i++) {
        assert_int_equal(fx.fails[i].conn_id, id);
        assert_int_equal(fx.fails[i].type, 17);
    }
    assert_int_equal(fx.tcp.stats.send_failed, fx.failed);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_frames_from_byte_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_header_closes_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_full_evicts_oldest_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_full_none_idle_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_source_cap, setup_per_source, teardown),
        cmocka_unit_test_setup_teardown(test_no_first_frame_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_give_up_reports_each_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unread_replies_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_pressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_partial_frame_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_delivers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_reconnects_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_gives_up_and_is_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_to_gone_conn_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_reserve_serves_new_clients, setup_tight,
                                        teardown),
    };
    return cmocka_run_group_tests_name("io_real_tcp", tests, NULL, NULL);
}
