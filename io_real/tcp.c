/* Framed TCP: listener, connection table, links, timeouts.  See tcp.h. */
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "udp.h"

#define TCP_TICK_NS HS_MS(100) /* resolution of timeouts and reconnects */
#define TCP_LISTEN_BACKLOG 512
#define TCP_READ_MAX (64u * 1024u) /* bytes read per readiness event */
#define TCP_BUDGET_RESERVE (256u * 1024u) /* per budget: 64 first buffers */

void tcp_config_defaults(tcp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->conns_max = 2048;
    cfg->out_queue_max = 4u << 20;
    cfg->in_budget = 24u << 20;
    cfg->out_budget = 16u << 20;
    cfg->accept_batch = 64;
    /* Above a 64-node loopback cluster's links to one node plus clients,
     * far below the table: one address cannot hold most slots. */
    cfg->conns_per_source = 256;
    cfg->idle_timeout_ns = HS_SEC(120);
    cfg->slow_timeout_ns = HS_SEC(10);
    cfg->connect_timeout_ns = HS_SEC(3);
    cfg->backoff_min_ns = HS_MS(100);
    cfg->backoff_max_ns = HS_SEC(5);
    cfg->give_up_ns = HS_SEC(30);
}

hs_status tcp_config_check(const tcp_config *cfg)
{
    if (cfg->conns_max == 0 || cfg->conns_max > (1u << 20) || cfg->accept_batch == 0 ||
        cfg->conns_per_source == 0) {
        return HS_ERR_RANGE;
    }
    /* One reply frame must always fit an empty queue. */
    if (cfg->out_queue_max < FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX ||
        cfg->out_budget < cfg->out_queue_max) {
        return HS_ERR_RANGE;
    }
    if (cfg->in_budget < FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX) {
        return HS_ERR_RANGE;
    }
    if (cfg->idle_timeout_ns == 0 || cfg->slow_timeout_ns == 0 ||
        cfg->connect_timeout_ns == 0 || cfg->backoff_min_ns == 0 ||
        cfg->backoff_max_ns < cfg->backoff_min_ns || cfg->give_up_ns == 0) {
        return HS_ERR_RANGE;
    }
    return HS_OK;
}

static uint64_t conn_token(const tcp *t, uint32_t slot)
{
    return TCP_TOKEN_CONN | ((uint64_t)(t->conns[slot].gen & 0xffffffu) << 32) | slot;
}

static tcp_conn *conn_by_id(tcp *t, uint64_t conn_id, uint32_t *slot)
{
    uint64_t value = 0;
    if (conn_id == 0 || !map_get(&t->by_id, conn_id, &value)) {
        return NULL;
    }
    *slot = (uint32_t)value;
    HS_ASSERT(t->conns[*slot].id == conn_id);
    return &t->conns[*slot];
}

const tcp_conn *tcp_find(const tcp *t, uint64_t conn_id)
{
    uint64_t value = 0;
    if (conn_id == 0 || !map_get(&t->by_id, conn_id, &value)) {
        return NULL;
    }
    return &t->conns[value];
}

const tcp_conn *tcp_link(const tcp *t, hs_addr peer)
{
    uint64_t value = 0;
    if (!map_get(&t->links, hs_addr_key(peer), &value)) {
        return NULL;
    }
    return &t->conns[value];
}

static void close_fd(tcp *t, int *fd)
{
    if (*fd >= 0 && close(*fd) != 0) {
        ioerr_report(t->sink, IOERR_OP_CLOSE, errno, (uint64_t)*fd);
    }
    *fd = -1;
}

hs_status tcp_init(tcp *t, const tcp_config *cfg, loop *l, ioerr_sink *sink,
                   const tcp_handlers *handlers)
{
    memset(t, 0, sizeof(*t));
    t->listen_fd = -1;
    t->spare_fd = -1;
    if (tcp_config_check(cfg) != HS_OK) {
        return HS_ERR_INVALID;
    }
    t->cfg = *cfg;
    t->loop = l;
    t->sink = sink;
    t->handlers = *handlers;
    t->next_id = 1;
    /* Never so large that one connection alone could not reach its
     * largest buffer. */
    uint32_t frame_max = FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX;
    t->in_reserve = cfg->in_budget - frame_max < TCP_BUDGET_RESERVE
                        ? cfg->in_budget - frame_max
                        : TCP_BUDGET_RESERVE;
    t->out_reserve = cfg->out_budget - cfg->out_queue_max < TCP_BUDGET_RESERVE
                         ? cfg->out_budget - cfg->out_queue_max
                         : TCP_BUDGET_RESERVE;
    t->conns = calloc(cfg->conns_max, sizeof(tcp_conn));
    t->free_slots = calloc(cfg->conns_max, sizeof(uint32_t));
    if (t->conns == NULL || t->free_slots == NULL ||
        map_init(&t->by_id, cfg->conns_max) != HS_OK ||
        map_init(&t->links, cfg->conns_max) != HS_OK ||
        map_init(&t->sources, cfg->conns_max) != HS_OK) {
        tcp_free(t);
        return HS_ERR_NOMEM;
    }
    /* Hand out low slots first: pop from the end of a descending stack. */
    for (uint32_t i = 0; i < cfg->conns_max; i++) {
        t->conns[i].fd = -1;
        t->free_slots[i] = cfg->conns_max - 1 - i;
    }
    t->free_count = cfg->conns_max;
    return HS_OK;
}

hs_status tcp_listen(tcp *t, hs_addr addr, int *err)
{
    *err = 0;
    t->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->listen_fd < 0) {
        *err = errno;
        ioerr_report(t->sink, IOERR_OP_SOCKET, errno, 0);
        return HS_ERR_IO;
    }
    int one = 1;
    /* A restarted node must rebind its port while old connections linger in
     * TIME_WAIT; SO_REUSEADDR does not let two live listeners share it. */
    if (setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        ioerr_report(t->sink, IOERR_OP_SETSOCKOPT, errno, SO_REUSEADDR);
    }
    struct sockaddr_in sa;
    udp_sockaddr(addr, &sa);
    if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        *err = errno;
        ioerr_report(t->sink, IOERR_OP_BIND, errno, addr.port);
        close_fd(t, &t->listen_fd);
        return HS_ERR_IO;
    }
    if (listen(t->listen_fd, TCP_LISTEN_BACKLOG) != 0) {
        *err = errno;
        ioerr_report(t->sink, IOERR_OP_LISTEN, errno, addr.port);
        close_fd(t, &t->listen_fd);
        return HS_ERR_IO;
    }
    t->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (t->spare_fd < 0) {
        ioerr_report(t->sink, IOERR_OP_OPEN, errno, 0);
    }
    if (loop_add(t->loop, t->listen_fd, EPOLLIN, TCP_TOKEN_LISTEN) != HS_OK) {
        *err = EIO;
        close_fd(t, &t->listen_fd);
        return HS_ERR_IO;
    }
    return HS_OK;
}

static void release_buffers(tcp *t, tcp_conn *c)
{
    t->in_used -= stream_capacity(&c->in);
    t->out_used -= outq_capacity(&c->out);
    stream_free(&c->in);
    outq_free(&c->out);
}

void tcp_free(tcp *t)
{
    for (uint32_t i = 0; t->conns != NULL && i < t->cfg.conns_max; i++) {
        tcp_conn *c = &t->conns[i];
        if (c->state != TCP_FREE) {
            close_fd(t, &c->fd);
            release_buffers(t, c);
        }
    }
    close_fd(t, &t->listen_fd);
    close_fd(t, &t->spare_fd);
    map_free(&t->sources);
    map_free(&t->links);
    map_free(&t->by_id);
    free(t->free_slots);
    free(t->conns);
    t->conns = NULL;
    t->free_slots = NULL;
}

/* Registers, changes or drops the epoll interest the connection needs now:
 * read unless paused, write while output waits, a connect completes, or a
 * paused connection may resume (EPOLLOUT fires at once on an empty queue). */
static void update_interest(tcp *t, uint32_t slot)
{
    tcp_conn *c = &t->conns[slot];
    uint32_t want = 0;
    if (c->state == TCP_CONNECTING) {
        want = EPOLLOUT;
    } else if (c->state == TCP_OPEN) {
        want = c->paused ? 0 : EPOLLIN;
        if (outq_len(&c->out) > 0 || c->paused) {
            want |= EPOLLOUT;
        }
    }
    if (want == c->events || c->fd < 0) {
        return;
    }
    hs_status status = c->events == 0 ? loop_add(t->loop, c->fd, want, conn_token(t, slot))
                                       : loop_mod(t->loop, c->fd, want, conn_token(t, slot));
    if (status == HS_OK) {
        c->events = want;
    }
}

static void unregister(tcp *t, tcp_conn *c)
{
    if (c->events != 0 && c->fd >= 0) {
        loop_del(t->loop, c->fd);
    }
    c->events = 0;
}

static uint64_t source_count(const tcp *t, uint32_t ip)
{
    uint64_t count = 0;
    return map_get(&t->sources, ip, &count) ? count : 0;
}

/* Cannot fail: one entry per counted connection at most, and sources has
 * conns_max entries. */
static void source_add(tcp *t, tcp_conn *c)
{
    hs_status status = map_put(&t->sources, c->peer.ip, source_count(t, c->peer.ip) + 1);
    HS_ASSERT(status == HS_OK);
    c->counted = status == HS_OK;
}

static void source_release(tcp *t, tcp_conn *c)
{
    uint64_t count = source_count(t, c->peer.ip);
    HS_ASSERT(count > 0);
    if (count <= 1) {
        bool removed = map_remove(&t->sources, c->peer.ip);
        HS_ASSERT(removed);
    } else {
        hs_status status = map_put(&t->sources, c->peer.ip, count - 1);
        HS_ASSERT(status == HS_OK);
    }
    c->counted = false;
}

static uint16_t frame_type_of(const uint8_t *bytes, uint32_t len)
{
    frame_header h;
    return frame_parse_header(bytes, len, FRAME_TCP_PAYLOAD_MAX, &h) == HS_OK ? h.type : 0;
}

static void send_failed(tcp *t, uint64_t conn_id, hs_addr to, uint16_t type, hs_status reason)
{
    t->stats.frames_dropped++;
    t->stats.send_failed++;
    if (t->handlers.on_send_failed != NULL) {
        t->handlers.on_send_failed(t->handlers.ctx, conn_id, to, type, reason);
    }
}

/* The frames of a queue that will never be sent, each reported: the head
 * frame (perhaps cut after head_sent bytes) and every whole frame behind
 * it.  Frames are queued whole, so the walk finds every header. */
static void report_queue(tcp *t, const tcp_conn *c, uint64_t conn_id, hs_status reason)
{
    uint32_t len = 0;
    const uint8_t *bytes = outq_peek(&c->out, &len);
    uint32_t pos = 0;
    if (c->head_sent > 0) {
        send_failed(t, conn_id, c->peer, c->head_type, reason);
        pos = c->head_len - c->head_sent;
    }
    while (pos + FRAME_HEADER_LEN <= len) {
        frame_header h;
        if (frame_parse_header(bytes + pos, len - pos, FRAME_TCP_PAYLOAD_MAX, &h) != HS_OK) {
            HS_ASSERT(false); /* core queues valid frames only */
            break;
        }
        send_failed(t, conn_id, c->peer, h.type, reason);
        pos += FRAME_HEADER_LEN + h.length;
    }
}

/* Follows frame boundaries through `sent` bytes leaving the queue head,
 * so a dropped queue can name the frame cut half-way. */
static void note_sent(tcp_conn *c, const uint8_t *bytes, uint32_t avail, uint32_t sent)
{
    uint32_t pos = 0;
    while (pos < sent) {
        if (c->head_sent == 0) {
            frame_header h;
            hs_status status = frame_parse_header(bytes + pos, avail - pos,
                                                  FRAME_TCP_PAYLOAD_MAX, &h);
            HS_ASSERT(status == HS_OK);
            c->head_len = FRAME_HEADER_LEN + h.length;
            c->head_type = h.type;
        }
        uint32_t take = c->head_len - c->head_sent;
        take = take < sent - pos ? take : sent - pos;
        c->head_sent += take;
        pos += take;
        if (c->head_sent == c->head_len) {
            c->head_sent = 0;
        }
    }
}

static void release_slot(tcp *t, uint32_t slot)
{
    tcp_conn *c = &t->conns[slot];
    if (c->counted) {
        source_release(t, c);
    }
    if (c->outbound) {
        bool removed = map_remove(&t->links, hs_addr_key(c->peer));
        HS_ASSERT(removed);
    }
    release_buffers(t, c);
    uint32_t gen = c->gen + 1;
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->gen = gen;
    HS_ASSERT(t->free_count < t->cfg.conns_max);
    t->free_slots[t->free_count++] = slot;
}

/* Ends the current connection of a slot: socket closed, id retired, core
 * told when it asked for nothing (notify).  The slot itself is released by
 * the caller, or kept by an outbound link that will reconnect. */
static void end_connection(tcp *t, uint32_t slot, hs_status reason, bool notify)
{
    tcp_conn *c = &t->conns[slot];
    uint64_t id = c->id;
    unregister(t, c);
    close_fd(t, &c->fd);
    if (id != 0) {
        bool removed = map_remove(&t->by_id, id);
        HS_ASSERT(removed);
    }
    c->id = 0;
    c->paused = false;
    c->partial_since_ns = 0;
    t->in_used -= stream_capacity(&c->in);
    stream_free(&c->in);
    stream_init(&c->in, FRAME_TCP_PAYLOAD_MAX);
    t->stats.closed++;
    if (notify && id != 0 && t->handlers.on_closed != NULL) {
        t->handlers.on_closed(t->handlers.ctx, id, reason);
    }
}

/* Replies still queued on an accepted connection the host closes will never
 * be sent: each is reported to core before the queue goes. */
static void close_slot(tcp *t, uint32_t slot, hs_status reason, bool notify)
{
    tcp_conn *c = &t->conns[slot];
    if (notify && !c->outbound && outq_len(&c->out) > 0) {
        report_queue(t, c, c->id, reason == HS_OK ? HS_ERR_CLOSED : reason);
    }
    end_connection(t, slot, reason, notify);
    release_slot(t, slot);
}

static hs_status alloc_slot(tcp *t, uint32_t *slot)
{
    if (t->free_count == 0) {
        return HS_ERR_FULL;
    }
    *slot = t->free_slots[--t->free_count];
    tcp_conn *c = &t->conns[*slot];
    HS_ASSERT(c->state == TCP_FREE);
    HS_ASSERT(c->fd < 0);
    stream_init(&c->in, FRAME_TCP_PAYLOAD_MAX);
    outq_init(&c->out, t->cfg.out_queue_max);
    return HS_OK;
}

static hs_status assign_id(tcp *t, uint32_t slot)
{
    tcp_conn *c = &t->conns[slot];
    c->id = t->next_id++;
    /* Cannot fail: by_id has conns_max entries and one id per slot. */
    hs_status status = map_put(&t->by_id, c->id, slot);
    HS_ASSERT(status == HS_OK);
    return status;
}

/* Accepting when the table is full: take the connection and close it at
 * once, so the client learns fast and the listener stops being readable;
 * core hears of it as a closed connection with reason HS_ERR_FULL. */
static void reject(tcp *t, int fd, uint32_t op, uint64_t detail)
{
    close_fd(t, &fd);
    if (op == IOERR_OP_CONN_SOURCE_CAP) {
        t->stats.refused_source_cap++;
    } else {
        t->stats.refused_table_full++;
    }
    uint64_t id = t->next_id++;
    ioerr_report(t->sink, op, 0, detail);
    if (t->handlers.on_closed != NULL) {
        t->handlers.on_closed(t->handlers.ctx, id, HS_ERR_FULL);
    }
}

/* Out of descriptors: the pending connection would keep the listener
 * readable forever.  Spend the spare descriptor to accept and drop it. */
static void shed_under_emfile(tcp *t)
{
    if (t->spare_fd < 0) {
        return;
    }
    close_fd(t, &t->spare_fd);
    int fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        reject(t, fd, IOERR_OP_CONN_TABLE_FULL, t->cfg.conns_max);
    }
    t->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (t->spare_fd < 0) {
        ioerr_report(t->sink, IOERR_OP_OPEN, errno, 0);
    }
}

/* The table is full: the accepted connection idle longest (nothing
 * queued either way, no partial frame) is closed so a new client gets a
 * slot.  A client holding thousands of idle connections loses its oldest
 * ones first; a connection doing work is never chosen.  One scan of the
 * table, only when it is full.  Returns false if none is idle. */
static bool evict_oldest_idle(tcp *t)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t slot = 0; slot < t->cfg.conns_max; slot++) {
        const tcp_conn *c = &t->conns[slot];
        if (c->state != TCP_OPEN || c->outbound || c->paused || outq_len(&c->out) > 0 ||
            stream_buffered(&c->in) > 0) {
            continue;
        }
        if (best == UINT32_MAX || c->active_ns < t->conns[best].active_ns) {
            best = slot;
        }
    }
    if (best == UINT32_MAX) {
        return false;
    }
    t->stats.evicted++;
    ioerr_report(t->sink, IOERR_OP_CONN_EVICTED, 0, t->conns[best].id);
    close_slot(t, best, TCP_REASON_EVICTED, true);
    return true;
}

static void adopt(tcp *t, int fd, const struct sockaddr_in *sa, uint64_t now_ns)
{
    hs_addr peer = udp_from_sockaddr(sa);
    if (source_count(t, peer.ip) >= t->cfg.conns_per_source) {
        reject(t, fd, IOERR_OP_CONN_SOURCE_CAP, peer.ip);
        return;
    }
    uint32_t slot = 0;
    if (t->free_count == 0 && !evict_oldest_idle(t)) {
        reject(t, fd, IOERR_OP_CONN_TABLE_FULL, t->cfg.conns_max);
        return;
    }
    hs_status allocated = alloc_slot(t, &slot);
    HS_ASSERT(allocated == HS_OK);
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        ioerr_report(t->sink, IOERR_OP_SETSOCKOPT, errno, TCP_NODELAY);
    }
    tcp_conn *c = &t->conns[slot];
    c->fd = fd;
    c->state = TCP_OPEN;
    c->peer = peer;
    c->active_ns = now_ns;
    c->accepted_ns = now_ns;
    source_add(t, c);
    hs_status status = assign_id(t, slot);
    HS_ASSERT(status == HS_OK);
    t->stats.accepted++;
    update_interest(t, slot);
    if (c->events == 0) {
        t->stats.closed_io++;
        close_slot(t, slot, HS_ERR_IO, true);
    }
}

static void on_listen(tcp *t, uint64_t now_ns)
{
    for (uint32_t i = 0; i < t->cfg.accept_batch; i++) {
        struct sockaddr_in sa;
        socklen_t sa_len = sizeof(sa);
        memset(&sa, 0, sizeof(sa));
        int fd = accept4(t->listen_fd, (struct sockaddr *)&sa, &sa_len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            adopt(t, fd, &sa, now_ns);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        ioerr_report(t->sink, IOERR_OP_ACCEPT, errno, 0);
        t->stats.accept_errors++;
        if (errno == EMFILE || errno == ENFILE) {
            shed_under_emfile(t);
        }
        return;
    }
}

/* Stop taking requests from a connection once its queue is half full, or
 * earlier if the queue could no longer take one maximal reply: a request
 * handled after this point could overflow the queue and cost the client
 * its connection. */
static uint32_t pause_mark(const tcp_config *cfg)
{
    uint32_t frame_max = FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX;
    uint32_t room_mark = cfg->out_queue_max - frame_max;
    return room_mark < cfg->out_queue_max / 2 ? room_mark : cfg->out_queue_max / 2;
}

/* Resume well below the pause mark so a connection does not flap. */
static uint32_t resume_mark(const tcp_config *cfg)
{
    uint32_t eighth = cfg->out_queue_max / 8;
    return pause_mark(cfg) < eighth ? pause_mark(cfg) : eighth;
}

static bool still_there(tcp *t, uint32_t slot, uint64_t id)
{
    return t->conns[slot].id == id && t->conns[slot].state == TCP_OPEN;
}

static void track_partial(tcp_conn *c, uint64_t now_ns)
{
    if (!stream_partial(&c->in)) {
        c->partial_since_ns = 0;
    } else if (c->partial_since_ns == 0) {
        c->partial_since_ns = now_ns;
    }
}

/* Hands every complete buffered frame to core, one step each, until the
 * connection pauses, closes or runs out of frames. */
static void dispatch(tcp *t, uint32_t slot, uint64_t now_ns)
{
    uint64_t id = t->conns[slot].id;
    while (still_there(t, slot, id) && !t->conns[slot].paused) {
        tcp_conn *c = &t->conns[slot];
        const uint8_t *frame = NULL;
        uint32_t len = 0;
        hs_status status = stream_next(&c->in, &frame, &len);
        if (status == HS_ERR_TRUNCATED) {
            break;
        }
        if (status != HS_OK) {
            t->stats.closed_bad_frame++;
            close_slot(t, slot, status, true);
            return;
        }
        t->stats.frames_in++;
        c->got_frame = true;
        t->handlers.on_frame(t->handlers.ctx, id, c->peer, frame, len);
        if (!still_there(t, slot, id)) {
            return;
        }
        c = &t->conns[slot];
        uint32_t before = stream_capacity(&c->in);
        stream_consume(&c->in, len);
        t->in_used -= before - stream_capacity(&c->in);
        if (outq_len(&c->out) > pause_mark(&t->cfg)) {
            c->paused = true;
            t->stats.paused++;
        }
    }
    if (still_there(t, slot, id)) {
        track_partial(&t->conns[slot], now_ns);
        update_interest(t, slot);
    }
}

/* Bytes a buffer may grow by now.  A connection's first, minimal buffer may
 * take the last bytes of a budget; any other growth must leave `reserve`
 * free, so connections holding big buffers (partial frames, unread replies)
 * cannot lock new clients out: a small request and its reply still fit. */
static uint32_t grow_room(uint64_t budget, uint64_t used, uint32_t reserve, bool first)
{
    uint64_t left = budget > used ? budget - used : 0;
    if (!first) {
        left = left > reserve ? left - reserve : 0;
    }
    return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/* One bounded read into the stream.  Returns false if the slot closed. */
static bool read_some(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    uint8_t *dst = NULL;
    uint32_t room = 0;
    uint32_t before = stream_capacity(&c->in);
    uint32_t budget = grow_room(t->cfg.in_budget, t->in_used, t->in_reserve, before == 0);
    hs_status status = stream_space(&c->in, budget, &dst, &room);
    t->in_used += stream_capacity(&c->in) - before;
    if (status != HS_OK) {
        if (status == HS_ERR_FULL || status == HS_ERR_NOMEM) {
            ioerr_report(t->sink, IOERR_OP_IN_BUDGET, 0, c->id);
            t->stats.closed_in_budget++;
        } else {
            t->stats.closed_bad_frame++;
        }
        close_slot(t, slot, status, true);
        return false;
    }
    if (room == 0) {
        return true;
    }
    ssize_t got = recv(c->fd, dst, room < TCP_READ_MAX ? room : TCP_READ_MAX, 0);
    if (got == 0) {
        t->stats.closed_peer++;
        close_slot(t, slot, HS_OK, true);
        return false;
    }
    if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return true;
        }
        ioerr_report(t->sink, IOERR_OP_READ, errno, c->id);
        t->stats.closed_io++;
        close_slot(t, slot, HS_ERR_IO, true);
        return false;
    }
    stream_commit(&c->in, (uint32_t)got);
    c->active_ns = now_ns;
    t->stats.bytes_in += (uint64_t)got;
    return true;
}

static void link_failed(tcp *t, uint32_t slot, uint64_t now_ns, bool keep_queue);
static void drop_link_queue(tcp *t, tcp_conn *c, hs_status reason);

/* Writes what the socket takes.  Returns false if the slot closed. */
static bool flush(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    bool progress = false;
    while (outq_len(&c->out) > 0) {
        uint32_t len = 0;
        const uint8_t *bytes = outq_peek(&c->out, &len);
        ssize_t sent = send(c->fd, bytes, len, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                break;
            }
            ioerr_report(t->sink, IOERR_OP_WRITE, errno, c->id);
            if (c->outbound) {
                link_failed(t, slot, now_ns, false);
            } else {
                t->stats.closed_io++;
                close_slot(t, slot, HS_ERR_IO, true);
            }
            return false;
        }
        note_sent(c, bytes, len, (uint32_t)sent);
        uint32_t before = outq_capacity(&c->out);
        outq_consume(&c->out, (uint32_t)sent);
        t->out_used -= before - outq_capacity(&c->out);
        t->stats.bytes_out += (uint64_t)sent;
        progress = true;
    }
    if (progress) {
        c->active_ns = now_ns;
    }
    if (outq_len(&c->out) == 0) {
        c->out_since_ns = 0;
    } else if (progress || c->out_since_ns == 0) {
        c->out_since_ns = now_ns;
    }
    return true;
}

/* Backoff doubles per failure from backoff_min to backoff_max.  No jitter:
 * a link retries one address, and the host has no seeded randomness to
 * spend on it; the cap keeps a dead peer cheap. */
static void schedule_retry(tcp *t, tcp_conn *c, uint64_t now_ns)
{
    c->backoff_ns = c->backoff_ns == 0 ? t->cfg.backoff_min_ns : c->backoff_ns * 2;
    if (c->backoff_ns > t->cfg.backoff_max_ns) {
        c->backoff_ns = t->cfg.backoff_max_ns;
    }
    c->retry_at_ns = now_ns + c->backoff_ns;
    if (c->unreachable_ns == 0) {
        c->unreachable_ns = now_ns;
    }
}

/* The link's connection failed or broke.  A connection that never opened
 * sent nothing, so its queue is kept for the next attempt; one that broke
 * after opening may have sent part of a frame, so its queue is dropped
 * (TCP sends by address are best effort, like UDP). */
static void link_failed(tcp *t, uint32_t slot, uint64_t now_ns, bool keep_queue)
{
    tcp_conn *c = &t->conns[slot];
    t->stats.connect_failures += c->ever_open ? 0 : 1;
    t->stats.closed_io += c->ever_open ? 1 : 0;
    end_connection(t, slot, HS_ERR_IO, c->ever_open);
    if (!keep_queue && outq_len(&c->out) > 0) {
        drop_link_queue(t, c, HS_ERR_IO);
    }
    c->state = TCP_BACKOFF;
    c->ever_open = false;
    c->out_since_ns = 0;
    schedule_retry(t, c, now_ns);
}

static void link_opened(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    c->state = TCP_OPEN;
    c->ever_open = true;
    c->backoff_ns = 0;
    c->unreachable_ns = 0;
    c->active_ns = now_ns;
    t->stats.connects++;
    int one = 1;
    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
        ioerr_report(t->sink, IOERR_OP_SETSOCKOPT, errno, TCP_NODELAY);
    }
    if (flush(t, slot, now_ns)) {
        update_interest(t, slot);
    }
}

static void link_connect(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    HS_ASSERT(c->fd < 0);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        ioerr_report(t->sink, IOERR_OP_SOCKET, errno, 0);
        c->state = TCP_BACKOFF;
        schedule_retry(t, c, now_ns);
        return;
    }
    hs_status status = assign_id(t, slot);
    HS_ASSERT(status == HS_OK);
    c->connect_ns = now_ns;
    struct sockaddr_in sa;
    udp_sockaddr(c->peer, &sa);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        link_opened(t, slot, now_ns);
        return;
    }
    if (errno != EINPROGRESS) {
        ioerr_report(t->sink, IOERR_OP_CONNECT, errno, hs_addr_key(c->peer));
        link_failed(t, slot, now_ns, true);
        return;
    }
    c->state = TCP_CONNECTING;
    update_interest(t, slot);
    if (c->events == 0) {
        link_failed(t, slot, now_ns, true);
    }
}

static void connect_done(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
        ioerr_report(t->sink, IOERR_OP_GETSOCKOPT, errno, c->id);
    }
    if (err != 0) {
        ioerr_report(t->sink, IOERR_OP_CONNECT, err, hs_addr_key(c->peer));
        link_failed(t, slot, now_ns, true);
        return;
    }
    link_opened(t, slot, now_ns);
}

static hs_status link_get(tcp *t, hs_addr to, uint64_t now_ns, uint32_t *slot)
{
    uint64_t value = 0;
    if (map_get(&t->links, hs_addr_key(to), &value)) {
        *slot = (uint32_t)value;
        return HS_OK;
    }
    hs_status status = alloc_slot(t, slot);
    if (status != HS_OK) {
        ioerr_report(t->sink, IOERR_OP_CONN_TABLE_FULL, 0, t->cfg.conns_max);
        return status;
    }
    tcp_conn *c = &t->conns[*slot];
    c->outbound = true;
    c->peer = to;
    c->active_ns = now_ns;
    status = map_put(&t->links, hs_addr_key(to), *slot);
    HS_ASSERT(status == HS_OK);
    link_connect(t, *slot, now_ns);
    return HS_OK;
}

static hs_status queue(tcp *t, tcp_conn *c, const uint8_t *bytes, uint32_t len)
{
    uint32_t before = outq_capacity(&c->out);
    bool first = before == 0 && len <= OUTQ_CAP_MIN;
    uint32_t budget = grow_room(t->cfg.out_budget, t->out_used, t->out_reserve, first);
    hs_status status = outq_push(&c->out, bytes, len, budget);
    t->out_used += outq_capacity(&c->out) - before;
    return status;
}

void tcp_send(tcp *t, uint64_t conn_id, hs_addr to, const uint8_t *bytes, uint32_t len,
              uint64_t now_ns)
{
    uint32_t slot = 0;
    uint16_t type = frame_type_of(bytes, len);
    if (conn_id != 0) {
        if (conn_by_id(t, conn_id, &slot) == NULL) {
            /* The client hung up before its reply was ready. */
            ioerr_report(t->sink, IOERR_OP_SEND_NO_CONN, 0, conn_id);
            send_failed(t, conn_id, to, type, HS_ERR_CLOSED);
            return;
        }
    } else if (link_get(t, to, now_ns, &slot) != HS_OK) {
        send_failed(t, 0, to, type, HS_ERR_FULL);
        return;
    }
    tcp_conn *c = &t->conns[slot];
    if (queue(t, c, bytes, len) != HS_OK) {
        ioerr_report(t->sink, IOERR_OP_OUT_QUEUE_FULL, 0, c->id);
        send_failed(t, c->outbound ? 0 : c->id, c->peer, type, HS_ERR_FULL);
        if (!c->outbound) {
            t->stats.closed_out_full++;
            close_slot(t, slot, HS_ERR_FULL, true);
        }
        return;
    }
    if (c->state == TCP_OPEN && flush(t, slot, now_ns)) {
        update_interest(t, slot);
    } else if (c->state == TCP_BACKOFF && now_ns >= c->retry_at_ns) {
        link_connect(t, slot, now_ns);
    }
}

void tcp_close(tcp *t, uint64_t conn_id)
{
    uint32_t slot = 0;
    tcp_conn *c = conn_by_id(t, conn_id, &slot);
    if (c == NULL) {
        return;
    }
    if (c->outbound) {
        /* Core is done with this connection; the link may reconnect later
         * if core sends to the address again. */
        end_connection(t, slot, HS_OK, false);
        c->state = TCP_BACKOFF;
        c->ever_open = false;
        c->retry_at_ns = 0;
        return;
    }
    close_slot(t, slot, HS_OK, false);
}

static void on_writable(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    if (c->state == TCP_CONNECTING) {
        connect_done(t, slot, now_ns);
        return;
    }
    if (!flush(t, slot, now_ns)) {
        return;
    }
    c = &t->conns[slot];
    if (c->paused && outq_len(&c->out) <= resume_mark(&t->cfg)) {
        c->paused = false;
        dispatch(t, slot, now_ns);
        return;
    }
    update_interest(t, slot);
}

static void on_conn(tcp *t, uint32_t slot, uint32_t events, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    if (c->state == TCP_CONNECTING) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            connect_done(t, slot, now_ns);
        }
        return;
    }
    uint64_t id = c->id;
    if ((events & EPOLLIN) != 0 && !c->paused) {
        if (!read_some(t, slot, now_ns)) {
            return;
        }
        dispatch(t, slot, now_ns);
    } else if ((events & (EPOLLERR | EPOLLHUP)) != 0 && (events & EPOLLOUT) == 0) {
        /* Nothing to read or write will ever succeed again. */
        if (events & EPOLLERR) {
            t->stats.closed_io++;
        } else {
            t->stats.closed_peer++;
        }
        close_slot(t, slot, (events & EPOLLERR) ? HS_ERR_IO : HS_OK, true);
        return;
    }
    if ((events & EPOLLOUT) != 0 && still_there(t, slot, id)) {
        on_writable(t, slot, now_ns);
    }
}

void tcp_on_event(tcp *t, uint64_t token, uint32_t events, uint64_t now_ns)
{
    if ((token & TCP_TOKEN_KIND_MASK) == TCP_TOKEN_LISTEN) {
        on_listen(t, now_ns);
        return;
    }
    HS_ASSERT((token & TCP_TOKEN_KIND_MASK) == TCP_TOKEN_CONN);
    uint32_t slot = (uint32_t)(token & 0xffffffffu);
    uint32_t gen = (uint32_t)((token >> 32) & 0xffffffu);
    if (slot >= t->cfg.conns_max) {
        return;
    }
    tcp_conn *c = &t->conns[slot];
    /* An event queued before the slot was closed earlier in this batch. */
    if ((c->gen & 0xffffffu) != gen || c->state == TCP_FREE || c->fd < 0) {
        return;
    }
    on_conn(t, slot, events, now_ns);
}

static void timed_out(tcp *t, uint32_t slot, hs_status reason)
{
    t->stats.timeouts++;
    ioerr_report(t->sink, IOERR_OP_CONN_TIMEOUT, 0, t->conns[slot].id);
    close_slot(t, slot, reason, true);
}

/* Accepted connections: no complete frame within the slow timeout of the
 * accept, a frame that stops arriving half-way, replies the client does
 * not read, and silence each end the connection.  The first rule is what
 * keeps a client that opens thousands of connections and sends nothing
 * from holding slots for the whole idle timeout. */
static void tick_inbound(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    const tcp_config *cfg = &t->cfg;
    if (!c->got_frame && now_ns - c->accepted_ns >= cfg->slow_timeout_ns) {
        t->stats.closed_slow_first++;
        timed_out(t, slot, TCP_REASON_SLOW_FIRST);
    } else if (c->partial_since_ns != 0 &&
               now_ns - c->partial_since_ns >= cfg->slow_timeout_ns) {
        t->stats.closed_slow_partial++;
        timed_out(t, slot, TCP_REASON_SLOW_PARTIAL);
    } else if (c->out_since_ns != 0 && now_ns - c->out_since_ns >= cfg->slow_timeout_ns) {
        t->stats.closed_slow_output++;
        timed_out(t, slot, TCP_REASON_SLOW_OUTPUT);
    } else if (now_ns - c->active_ns >= cfg->idle_timeout_ns && outq_len(&c->out) == 0) {
        t->stats.closed_idle++;
        timed_out(t, slot, TCP_REASON_IDLE);
    }
}

/* Every frame of the queue is reported to core (SEND_FAILED, conn_id 0:
 * sent by address) before the bytes go. */
static void drop_link_queue(tcp *t, tcp_conn *c, hs_status reason)
{
    ioerr_report(t->sink, IOERR_OP_LINK_DROPPED, 0, outq_len(&c->out));
    report_queue(t, c, 0, reason);
    uint32_t before = outq_capacity(&c->out);
    outq_clear(&c->out);
    c->head_sent = 0;
    t->out_used -= before - outq_capacity(&c->out);
}

static void tick_backoff(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    if (outq_len(&c->out) == 0) {
        /* The removal path for links: unused for an idle period. */
        if (now_ns - c->active_ns >= t->cfg.idle_timeout_ns) {
            release_slot(t, slot);
        }
        return;
    }
    if (c->unreachable_ns != 0 && now_ns - c->unreachable_ns >= t->cfg.give_up_ns) {
        drop_link_queue(t, c, HS_ERR_TIMEOUT);
        return;
    }
    if (now_ns >= c->retry_at_ns) {
        link_connect(t, slot, now_ns);
    }
}

static void tick_outbound(tcp *t, uint32_t slot, uint64_t now_ns)
{
    tcp_conn *c = &t->conns[slot];
    const tcp_config *cfg = &t->cfg;
    if (c->state == TCP_CONNECTING) {
        if (now_ns - c->connect_ns >= cfg->connect_timeout_ns) {
            t->stats.timeouts++;
            ioerr_report(t->sink, IOERR_OP_CONN_TIMEOUT, 0, c->id);
            link_failed(t, slot, now_ns, true);
        }
    } else if (c->state == TCP_OPEN) {
        if (c->out_since_ns != 0 && now_ns - c->out_since_ns >= cfg->slow_timeout_ns) {
            t->stats.timeouts++;
            ioerr_report(t->sink, IOERR_OP_CONN_TIMEOUT, 0, c->id);
            link_failed(t, slot, now_ns, false);
        } else if (now_ns - c->active_ns >= cfg->idle_timeout_ns && outq_len(&c->out) == 0) {
            t->stats.closed_idle++;
            end_connection(t, slot, TCP_REASON_IDLE, true);
            release_slot(t, slot);
        }
    } else {
        tick_backoff(t, slot, now_ns);
    }
}

uint64_t tcp_tick(tcp *t, uint64_t now_ns)
{
    for (uint32_t slot = 0; slot < t->cfg.conns_max; slot++) {
        const tcp_conn *c = &t->conns[slot];
        if (c->state == TCP_FREE) {
            continue;
        }
        if (c->outbound) {
            tick_outbound(t, slot, now_ns);
        } else {
            tick_inbound(t, slot, now_ns);
        }
    }
    return tcp_conn_count(t) > 0 ? now_ns + TCP_TICK_NS : HS_TIME_NEVER;
}
