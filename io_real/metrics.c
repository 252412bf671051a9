/* Prometheus text endpoint: request parser, renderer, and the bounded
 * HTTP responder on the host loop.  See metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp.h"

/* ---- parsing ---------------------------------------------------------- */

static bool line_byte_ok(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c < 0x7f);
}

/* "GET SP target SP HTTP/1.x", nothing else. */
static metrics_req request_line(const uint8_t *p, size_t n, bool *http11)
{
    if (n < 4 || memcmp(p, "GET ", 4) != 0) {
        return METRICS_REQ_BAD;
    }
    const uint8_t *target = p + 4;
    const uint8_t *sp = memchr(target, ' ', n - 4);
    if (sp == NULL || sp == target || target[0] != '/') {
        return METRICS_REQ_BAD;
    }
    size_t target_len = (size_t)(sp - target);
    size_t version_len = n - 4 - target_len - 1;
    const uint8_t *version = sp + 1;
    if (version_len != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
        (version[7] != '0' && version[7] != '1')) {
        return METRICS_REQ_BAD;
    }
    *http11 = version[7] == '1';
    const uint8_t *query = memchr(target, '?', target_len);
    size_t path_len = query != NULL ? (size_t)(query - target) : target_len;
    if (path_len == 8 && memcmp(target, "/metrics", 8) == 0) {
        return METRICS_REQ_METRICS;
    }
    return METRICS_REQ_NOT_FOUND;
}

/* "Name: value": a non-empty name without spaces, no folded lines. */
static bool header_line(const uint8_t *p, size_t n)
{
    const uint8_t *colon = memchr(p, ':', n);
    if (colon == NULL || colon == p) {
        return false;
    }
    for (const uint8_t *q = p; q < colon; q++) {
        if (*q == ' ' || *q == '\t') {
            return false;
        }
    }
    return true;
}

/* One complete line (without its line end): the request line first, then
 * headers; an empty header line ends the request with the verdict. */
static bool take_line(const uint8_t *p, size_t n, bool first, metrics_req *verdict,
                      bool *http11, bool *ended)
{
    if (first) {
        *verdict = request_line(p, n, http11);
        return *verdict != METRICS_REQ_BAD;
    }
    if (n == 0) {
        *ended = true;
        return true;
    }
    return header_line(p, n);
}

metrics_req metrics_parse(const uint8_t *bytes, size_t len, bool *http11)
{
    HS_ASSERT(bytes != NULL || len == 0);
    *http11 = false;
    size_t scan = len < METRICS_REQUEST_MAX ? len : METRICS_REQUEST_MAX;
    size_t start = 0;
    bool first = true;
    metrics_req verdict = METRICS_REQ_INCOMPLETE;
    for (size_t i = 0; i < scan; i++) {
        uint8_t c = bytes[i];
        if (c == '\n') {
            size_t end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
            bool ended = false;
            if (!take_line(bytes + start, end - start, first, &verdict, http11, &ended)) {
                return METRICS_REQ_BAD;
            }
            if (ended) {
                HS_ASSERT(verdict != METRICS_REQ_INCOMPLETE);
                return verdict;
            }
            first = false;
            start = i + 1;
        } else if (c == '\r') {
            if (i + 1 < scan && bytes[i + 1] != '\n') {
                return METRICS_REQ_BAD; /* a bare CR */
            }
        } else if (!line_byte_ok(c)) {
            return METRICS_REQ_BAD;
        }
    }
    return len >= METRICS_REQUEST_MAX ? METRICS_REQ_BAD : METRICS_REQ_INCOMPLETE;
}

/* ---- rendering -------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap;
    size_t used;
    bool overflow;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
    if (t->overflow) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->out + t->used, t->cap - t->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->used) {
        t->overflow = true;
        return;
    }
    t->used += (size_t)n;
}

/* The family part of a stats name ("rx_msgs.ping" -> "rx_msgs"), made a
 * valid metric name: anything but [A-Za-z0-9_] becomes '_'. */
static void family_of(const char *name, char *out, size_t cap)
{
    size_t i = 0;
    for (; name[i] != '\0' && name[i] != '.' && i + 1 < cap; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

static const char *label_key(const char *family)
{
    if (strncmp(family, "rx_", 3) == 0 || strncmp(family, "tx_", 3) == 0) {
        return "type";
    }
    return strcmp(family, "host_io_errors") == 0 ? "op" : "cause";
}

static void sample(text *t, const char *family, const msg_counter *c)
{
    const char *dot = strchr(c->name, '.');
    unsigned long long v = (unsigned long long)c->value;
    if (dot == NULL) {
        put(t, "hs_%s_total %llu\n", family, v);
        return;
    }
    put(t, "hs_%s_total{%s=\"", family, label_key(family));
    for (const char *p = dot + 1; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            put(t, "\\%c", *p);
        } else if (*p == '\n') {
            put(t, "\\n");
        } else {
            put(t, "%c", *p);
        }
    }
    put(t, "\"} %llu\n", v);
}

size_t metrics_render(const msg_counter *counters, uint32_t count, char *out, size_t cap)
{
    HS_ASSERT(cap > 0 && count <= MSG_COUNTERS_MAX);
    text t = {out, cap, 0, false};
    out[0] = '\0';
    bool done[MSG_COUNTERS_MAX] = {false};
    for (uint32_t i = 0; i < count; i++) {
        if (done[i]) {
            continue;
        }
        char family[MSG_COUNTER_NAME_MAX + 1];
        family_of(counters[i].name, family, sizeof(family));
        put(&t, "# HELP hs_%s_total hsnode counter %s\n# TYPE hs_%s_total counter\n", family,
            family, family);
        for (uint32_t j = i; j < count; j++) {
            char other[MSG_COUNTER_NAME_MAX + 1];
            family_of(counters[j].name, other, sizeof(other));
            if (!done[j] && strcmp(family, other) == 0) {
                sample(&t, family, &counters[j]);
                done[j] = true;
            }
        }
    }
    HS_ASSERT(t.overflow || t.used < cap);
    return t.overflow ? 0 : t.used;
}

/* ---- the responder ---------------------------------------------------- */

static uint64_t conn_token(const metrics *m, uint32_t slot)
{
    return METRICS_TOKEN_CONN | ((uint64_t)(m->conns[slot].gen & 0xffffffu) << 32) | slot;
}

static void close_conn(metrics *m, uint32_t slot)
{
    metrics_conn *c = &m->conns[slot];
    if (c->fd >= 0) {
        loop_del(m->loop, c->fd);
        if (close(c->fd) != 0) {
            ioerr_report(m->sink, IOERR_OP_CLOSE, errno, (uint64_t)c->fd);
        }
    }
    free(c->out);
    uint32_t gen = c->gen + 1;
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->gen = gen;
}

void metrics_init(metrics *m, loop *l, ioerr_sink *sink, metrics_source_fn source, void *ctx)
{
    memset(m, 0, sizeof(*m));
    m->loop = l;
    m->sink = sink;
    m->listen_fd = -1;
    m->source = source;
    m->source_ctx = ctx;
    for (uint32_t i = 0; i < METRICS_CONNS_MAX; i++) {
        m->conns[i].fd = -1;
    }
}

hs_status metrics_listen(metrics *m, hs_addr addr, int *err)
{
    *err = 0;
    m->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m->listen_fd < 0) {
        *err = errno;
        ioerr_report(m->sink, IOERR_OP_SOCKET, errno, 0);
        return HS_ERR_IO;
    }
    int one = 1;
    if (setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        ioerr_report(m->sink, IOERR_OP_SETSOCKOPT, errno, SO_REUSEADDR);
    }
    struct sockaddr_in sa;
    udp_sockaddr(addr, &sa);
    if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(m->listen_fd, 64) != 0) {
        *err = errno;
        ioerr_report(m->sink, IOERR_OP_BIND, errno, addr.port);
        metrics_free(m);
        return HS_ERR_IO;
    }
    if (loop_add(m->loop, m->listen_fd, EPOLLIN, METRICS_TOKEN_LISTEN) != HS_OK) {
        *err = EIO;
        metrics_free(m);
        return HS_ERR_IO;
    }
    m->listening = true;
    return HS_OK;
}

void metrics_free(metrics *m)
{
    for (uint32_t i = 0; i < METRICS_CONNS_MAX; i++) {
        if (m->conns[i].used) {
            close_conn(m, i);
        }
    }
    if (m->listen_fd >= 0) {
        if (m->listening) {
            loop_del(m->loop, m->listen_fd);
        }
        m->listening = false;
        if (close(m->listen_fd) != 0) {
            ioerr_report(m->sink, IOERR_OP_CLOSE, errno, (uint64_t)m->listen_fd);
        }
        m->listen_fd = -1;
    }
}

static void refuse(metrics *m, int fd)
{
    m->stats.conns_full++;
    ioerr_report(m->sink, IOERR_OP_METRICS_REFUSED, 0, METRICS_CONNS_MAX);
    if (close(fd) != 0) {
        ioerr_report(m->sink, IOERR_OP_CLOSE, errno, (uint64_t)fd);
    }
}

static void on_listen(metrics *m, uint64_t now_ns)
{
    for (uint32_t round = 0; round < METRICS_CONNS_MAX; round++) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                ioerr_report(m->sink, IOERR_OP_ACCEPT, errno, 0);
                m->stats.io_errors++;
            }
            return;
        }
        uint32_t slot = 0;
        while (slot < METRICS_CONNS_MAX && m->conns[slot].used) {
            slot++;
        }
        if (slot == METRICS_CONNS_MAX) {
            refuse(m, fd);
            continue;
        }
        metrics_conn *c = &m->conns[slot];
        c->fd = fd;
        c->used = true;
        c->accepted_ns = now_ns;
        if (loop_add(m->loop, fd, EPOLLIN, conn_token(m, slot)) != HS_OK) {
            m->stats.io_errors++;
            close_conn(m, slot);
        }
    }
}

static const char *status_line(metrics_req req)
{
    switch (req) {
    case METRICS_REQ_METRICS:
        return "200 OK";
    case METRICS_REQ_NOT_FOUND:
        return "404 Not Found";
    default:
        return "400 Bad Request";
    }
}

/* Builds the whole reply at once: headers, then the body. */
static bool build_reply(metrics *m, metrics_conn *c, metrics_req req, bool http11)
{
    c->out = malloc(METRICS_RESPONSE_MAX);
    if (c->out == NULL) {
        ioerr_report(m->sink, IOERR_OP_MALLOC, ENOMEM, METRICS_RESPONSE_MAX);
        return false;
    }
    enum { HEAD_ROOM = 256 };
    char *body = c->out + HEAD_ROOM;
    size_t body_len = 0;
    if (req == METRICS_REQ_METRICS) {
        uint32_t n = m->source(m->source_ctx, m->scratch, MSG_COUNTERS_MAX);
        body_len = metrics_render(m->scratch, n, body, METRICS_RESPONSE_MAX - HEAD_ROOM);
    } else {
        body_len = (size_t)snprintf(body, 64, "%s\n", status_line(req));
    }
    const char *type = req == METRICS_REQ_METRICS ? "text/plain; version=0.0.4; charset=utf-8"
                                                  : "text/plain; charset=utf-8";
    char head[HEAD_ROOM];
    int head_len = snprintf(head, sizeof(head),
                            "HTTP/1.%c %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                            "Connection: close\r\n\r\n",
                            http11 ? '1' : '0', status_line(req), type, body_len);
    HS_ASSERT(head_len > 0 && (size_t)head_len < sizeof(head));
    memmove(c->out + head_len, body, body_len);
    memcpy(c->out, head, (size_t)head_len);
    c->out_len = (uint32_t)((size_t)head_len + body_len);
    return true;
}

static void count_reply(metrics *m, metrics_req req)
{
    m->stats.requests++;
    if (req == METRICS_REQ_METRICS) {
        m->stats.ok++;
    } else if (req == METRICS_REQ_NOT_FOUND) {
        m->stats.not_found++;
    } else {
        m->stats.bad_request++;
        ioerr_report(m->sink, IOERR_OP_METRICS_REFUSED, 0, 400);
    }
}

/* After the reply: the write side is shut and whatever the client still
 * sends is read and dropped until it closes (or the timeout), because
 * closing with unread bytes would reset the connection and could destroy
 * the reply before the client reads it (an oversized request). */
static void linger(metrics *m, uint32_t slot)
{
    metrics_conn *c = &m->conns[slot];
    free(c->out);
    c->out = NULL;
    c->replying = false;
    c->lingering = true;
    if (shutdown(c->fd, SHUT_WR) != 0 ||
        loop_mod(m->loop, c->fd, EPOLLIN, conn_token(m, slot)) != HS_OK) {
        close_conn(m, slot);
    }
}

static void drain(metrics *m, uint32_t slot)
{
    metrics_conn *c = &m->conns[slot];
    ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(m, slot);
    }
}

/* Writes what the socket takes; lingers once everything went. */
static void write_some(metrics *m, uint32_t slot)
{
    metrics_conn *c = &m->conns[slot];
    while (c->out_sent < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return;
            }
            m->stats.io_errors++;
            close_conn(m, slot);
            return;
        }
        c->out_sent += (uint32_t)n;
    }
    linger(m, slot);
}

static void on_readable(metrics *m, uint32_t slot)
{
    metrics_conn *c = &m->conns[slot];
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(m, slot);
        return;
    }
    if (n < 0) {
        return;
    }
    c->in_len += (uint32_t)n;
    bool http11 = false;
    metrics_req req = metrics_parse(c->in, c->in_len, &http11);
    if (req == METRICS_REQ_INCOMPLETE) {
        return;
    }
    count_reply(m, req);
    if (!build_reply(m, c, req, http11) ||
        loop_mod(m->loop, c->fd, EPOLLOUT, conn_token(m, slot)) != HS_OK) {
        close_conn(m, slot);
        return;
    }
    c->replying = true;
    write_some(m, slot);
}

void metrics_on_event(metrics *m, uint64_t token, uint32_t events, uint64_t now_ns)
{
    if ((token & METRICS_TOKEN_KIND_MASK) == METRICS_TOKEN_LISTEN) {
        on_listen(m, now_ns);
        return;
    }
    uint32_t slot = (uint32_t)(token & 0xffffffffu);
    uint32_t gen = (uint32_t)((token >> 32) & 0xffffffu);
    if (slot >= METRICS_CONNS_MAX || !m->conns[slot].used ||
        (m->conns[slot].gen & 0xffffffu) != gen) {
        return; /* closed earlier in this batch */
    }
    if (m->conns[slot].replying) {
        write_some(m, slot);
    } else if (m->conns[slot].lingering) {
        drain(m, slot);
    } else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(m, slot);
    }
}

void metrics_tick(metrics *m, uint64_t now_ns)
{
    for (uint32_t i = 0; i < METRICS_CONNS_MAX; i++) {
        if (m->conns[i].used && now_ns - m->conns[i].accepted_ns >= METRICS_TIMEOUT_NS) {
            if (!m->conns[i].lingering) {
                m->stats.timeouts++;
                ioerr_report(m->sink, IOERR_OP_METRICS_REFUSED, 0, 408);
            }
            close_conn(m, i);
        }
    }
}
