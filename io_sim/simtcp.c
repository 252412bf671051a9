/* Simulated TCP: connection table, ordered frame queues, connect, stall,
 * reset and close.  See simtcp.h and docs/design/simtcp.md. */
#include "simtcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdist.h"

#define SIMTCP_PORTS 16384u

hs_status simtcp_params_check(const simtcp_params *p)
{
    if (p->connect_timeout_ns == 0 || p->stall_timeout_ns == 0 || p->slow_timeout_ns == 0 ||
        p->sendbuf_bytes == 0) {
        return HS_ERR_RANGE;
    }
    return HS_OK;
}

hs_status simtcp_init(simtcp *t, uint32_t cap, const simtcp_params *p, const simnet *net,
                      uint64_t seed, const simtcp_hooks *h)
{
    memset(t, 0, sizeof(*t));
    if (cap == 0 || cap > SIMTCP_CONNS_MAX || simtcp_params_check(p) != HS_OK ||
        net->nodes > SIMTCP_NODES_MAX) {
        return HS_ERR_INVALID;
    }
    t->conns = calloc(cap, sizeof(simtcp_conn));
    t->scratch = malloc(SIMTCP_FRAME_MAX);
    if (t->conns == NULL || t->scratch == NULL) {
        simtcp_free(t);
        return HS_ERR_NOMEM;
    }
    t->cap = cap;
    t->p = *p;
    t->net = net;
    t->h = *h;
    rng_seed(&t->rng, seed);
    for (uint32_t i = 0; i < SIMTCP_NODES_MAX; i++) {
        t->next_id[i] = 1;
    }
    t->next_outside_id = 1;
    return HS_OK;
}

void simtcp_free(simtcp *t)
{
    for (uint32_t i = 0; t->conns != NULL && i < t->cap; i++) {
        free(t->conns[i].dir[0].buf);
        free(t->conns[i].dir[1].buf);
    }
    free(t->conns);
    free(t->scratch);
    memset(t, 0, sizeof(*t));
}

const simtcp_conn *simtcp_conn_at(const simtcp *t, uint32_t slot)
{
    HS_ASSERT(slot < t->cap);
    return &t->conns[slot];
}

HS_STATIC_ASSERT(SIMTCP_CONNS_MAX % 64 == 0, "live mask words");
HS_STATIC_ASSERT(SIMTCP_NODES_MAX < SIMTCP_NONE, "every node index fits an end, below NONE");

/* The first slot in use at or after `from`, or t->cap. */
static uint32_t next_live(const simtcp *t, uint32_t from)
{
    while (from < t->cap) {
        uint64_t w = t->live[from / 64] >> (from % 64);
        if (w != 0) {
            uint32_t slot = from + (uint32_t)__builtin_ctzll(w);
            return slot < t->cap ? slot : t->cap;
        }
        from = (from / 64 + 1) * 64;
    }
    return t->cap;
}

#define FOR_LIVE(t, i) for (uint32_t i = next_live((t), 0); i < (t)->cap; i = next_live((t), i + 1))

int32_t simtcp_find(const simtcp *t, uint32_t node, uint64_t conn_id)
{
    if (conn_id == 0) {
        return -1;
    }
    FOR_LIVE(t, i) {
        const simtcp_conn *c = &t->conns[i];
        if (c->state == SIMTCP_FREE) {
            continue;
        }
        for (uint32_t e = 0; e < 2; e++) {
            if (c->end[e].open && c->end[e].node == node && c->end[e].id == conn_id) {
                return (int32_t)i;
            }
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void violation(simtcp *t, uint32_t slot, const char *what)
{
    t->stats.violations++;
    if (t->h.violation != NULL) {
        t->h.violation(t->h.ctx, slot, what);
    }
}

static uint64_t latency(simtcp *t)
{
    const simnet_params *p = &t->net->p;
    uint64_t d = simdist_delay(&t->rng, p->latency_min_ns, p->latency_mean_ns);
    if (p->tail_ppm != 0 && p->tail_max_ns != 0 && rng_chance_ppm(&t->rng, p->tail_ppm)) {
        d += rng_range(&t->rng, 0, p->tail_max_ns);
    }
    return d;
}

static uint32_t slot_of(const simtcp *t, const simtcp_conn *c)
{
    return (uint32_t)(c - t->conns);
}

/* Direction d crosses a cut link: both ends on nodes whose link is cut. */
static bool dir_cut(const simtcp *t, const simtcp_conn *c, uint32_t d)
{
    uint32_t from = c->end[d].via;
    uint32_t to = c->end[1 - d].via;
    if (from == SIMTCP_NONE || to == SIMTCP_NONE || from == to) {
        return false;
    }
    return !simnet_link_ok(t->net, from, to);
}

static uint64_t ephemeral(simtcp *t)
{
    uint32_t port = SIMTCP_EPHEMERAL_BASE + t->next_port;
    t->next_port = (t->next_port + 1) % SIMTCP_PORTS;
    return port;
}

static uint64_t take_id(simtcp *t, uint32_t node)
{
    if (node == SIMTCP_NONE) {
        return t->next_outside_id++;
    }
    HS_ASSERT(node < SIMTCP_NODES_MAX);
    return t->next_id[node]++;
}

static void dir_clear(simtcp *t, simtcp_dir *d)
{
    t->stats.discarded += d->count;
    d->count = 0;
    d->first = 0;
    d->head = 0;
    d->tail = 0;
}

/* The type of the first queued frame of d (0 if none or cut short). */
static uint16_t dir_head_type(const simtcp_dir *d)
{
    if (d->count == 0) {
        return 0;
    }
    const simtcp_frame *f = &d->frames[d->first];
    const uint8_t *b = d->buf + f->off;
    return f->len >= 4 ? (uint16_t)((b[2] << 8) | b[3]) : 0;
}

/* Frames end e queued on c that will never arrive: taken (with any lost
 * earlier, dir.lost) before the connection goes, told to the node after
 * its CONN_CLOSED (lost_emit), so core never sees a bound conn the host
 * no longer has without the close on its way. */
typedef struct {
    uint32_t node;
    uint64_t conn_id;
    hs_addr to;
    uint16_t type;
    uint32_t frames;
} lost_frames;

static lost_frames lost_take(simtcp_conn *c, uint32_t e)
{
    simtcp_dir *q = &c->dir[e];
    lost_frames l = {c->end[e].node, c->end[e].id, c->end[1 - e].addr,
                     q->lost > 0 ? q->lost_type : dir_head_type(q), q->lost + q->count};
    q->lost = 0;
    if (l.node == SIMTCP_NONE || l.conn_id == 0) {
        l.frames = 0; /* an outside client: no core to tell */
    }
    return l;
}

static void lost_emit(simtcp *t, const lost_frames *l, hs_status reason)
{
    if (l->frames == 0) {
        return;
    }
    t->stats.frames_failed += l->frames;
    t->h.send_failed(t->h.ctx, l->node, l->to, l->conn_id, l->type, reason, l->frames);
}

static void dir_reset(simtcp_dir *d)
{
    uint8_t *buf = d->buf;
    uint32_t cap = d->buf_cap;
    memset(d, 0, sizeof(*d));
    d->buf = buf; /* kept for the slot's next connection */
    d->buf_cap = cap;
}

static simtcp_conn *alloc_conn(simtcp *t, uint32_t *slot)
{
    for (uint32_t w = 0; w * 64 < t->cap; w++) {
        if (t->live[w] == UINT64_MAX) {
            continue;
        }
        uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(~t->live[w]);
        if (i >= t->cap) {
            break;
        }
        simtcp_conn *c = &t->conns[i];
        HS_ASSERT(c->state == SIMTCP_FREE);
        t->live[w] |= UINT64_C(1) << (i % 64);
        uint32_t gen = c->gen;
        simtcp_dir d0 = c->dir[0];
        simtcp_dir d1 = c->dir[1];
        memset(c, 0, sizeof(*c));
        c->gen = gen;
        c->dir[0] = d0;
        c->dir[1] = d1;
        dir_reset(&c->dir[0]);
        dir_reset(&c->dir[1]);
        t->used++;
        t->high_water = t->used > t->high_water ? t->used : t->high_water;
        *slot = i;
        return c;
    }
    return NULL;
}

static void free_conn(simtcp *t, simtcp_conn *c)
{
    HS_ASSERT(c->state != SIMTCP_FREE);
    HS_ASSERT(t->used > 0);
    dir_clear(t, &c->dir[0]);
    dir_clear(t, &c->dir[1]);
    c->state = SIMTCP_FREE;
    c->close_on_open = false;
    c->end[0].open = false;
    c->end[1].open = false;
    c->gen++;
    t->used--;
    uint32_t slot = slot_of(t, c);
    t->live[slot / 64] &= ~(UINT64_C(1) << (slot % 64));
    t->h.arm(t->h.ctx, slot, HS_TIME_NEVER);
}

/* ------------------------------------------------------------------ */
/* Wake-up time                                                        */

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* When direction d next has something for its receiver; HS_TIME_NEVER if
 * nothing (or the receiver is closed, or holds a partial frame). */
static uint64_t dir_due(const simtcp_conn *c, uint32_t d)
{
    const simtcp_dir *q = &c->dir[d];
    if (!c->end[1 - d].open || q->held) {
        return HS_TIME_NEVER;
    }
    if (q->count > 0) {
        return max64(q->frames[q->first].at_ns, q->resume_at_ns);
    }
    return q->fin ? max64(q->fin_at_ns, q->resume_at_ns) : HS_TIME_NEVER;
}

static uint64_t next_wake(const simtcp *t, const simtcp_conn *c)
{
    if (c->state == SIMTCP_SYN) {
        return c->refused ? c->deadline_ns : min64(c->syn_at_ns, c->deadline_ns);
    }
    uint64_t at = HS_TIME_NEVER;
    bool stalled = false;
    for (uint32_t d = 0; d < 2; d++) {
        uint64_t due = dir_due(c, d);
        if (due == HS_TIME_NEVER) {
            continue;
        }
        if (dir_cut(t, c, d) && c->stall_since_ns != 0) {
            stalled = true;
        } else {
            at = min64(at, due);
        }
    }
    if (stalled) {
        at = min64(at, c->stall_since_ns + t->p.stall_timeout_ns);
    }
    if (c->partial_since_ns != 0) {
        at = min64(at, c->partial_since_ns + t->p.slow_timeout_ns);
    }
    return at;
}

static void rearm(simtcp *t, const simtcp_conn *c)
{
    HS_ASSERT(c->state != SIMTCP_FREE);
    t->h.arm(t->h.ctx, slot_of(t, c), next_wake(t, c));
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

static void start_syn(simtcp *t, simtcp_conn *c, uint64_t now_ns)
{
    c->state = SIMTCP_SYN;
    c->syn_at_ns = now_ns + latency(t);
    c->deadline_ns = now_ns + t->p.connect_timeout_ns;
    t->stats.connects++;
}

hs_status simtcp_connect(simtcp *t, uint64_t now_ns, uint32_t from_ip, uint32_t via,
                         uint32_t to, hs_addr to_addr, uint32_t tag, uint32_t *slot)
{
    HS_ASSERT(to < t->net->nodes);
    HS_ASSERT(via == SIMTCP_NONE || via < t->net->nodes);
    simtcp_conn *c = alloc_conn(t, slot);
    if (c == NULL) {
        return HS_ERR_FULL;
    }
    c->tag = tag;
    c->end[0] = (simtcp_end){SIMTCP_NONE, (uint16_t)via, true, 0, take_id(t, SIMTCP_NONE),
                             {from_ip, (uint16_t)ephemeral(t)}};
    c->end[1] = (simtcp_end){(uint16_t)to, (uint16_t)to, false, 0, 0, to_addr};
    start_syn(t, c, now_ns);
    rearm(t, c);
    return HS_OK;
}

static simtcp_conn *node_link(simtcp *t, uint32_t node, uint32_t to)
{
    FOR_LIVE(t, i) {
        simtcp_conn *c = &t->conns[i];
        if ((c->state == SIMTCP_SYN || c->state == SIMTCP_OPEN) && c->end[0].open &&
            c->end[0].node == node && c->end[1].node == to) {
            return c;
        }
    }
    return NULL;
}

/* The SYN reached the acceptor (or not). */
static void end_gone(simtcp *t, simtcp_conn *c, uint32_t e, uint64_t now_ns, bool graceful);

static void syn_arrived(simtcp *t, simtcp_conn *c, uint64_t now_ns)
{
    uint32_t gen = 0;
    if (dir_cut(t, c, 0)) {
        c->syn_at_ns = HS_TIME_NEVER; /* held: links_changed retransmits */
        return;
    }
    if (!t->h.listening(t->h.ctx, c->end[1].node, &gen)) {
        /* The refusal (RST) travels back. */
        c->refused = true;
        c->deadline_ns = now_ns + latency(t);
        return;
    }
    simtcp_end *acc = &c->end[1];
    acc->open = true;
    acc->gen = gen;
    acc->id = take_id(t, acc->node);
    c->state = SIMTCP_OPEN;
    t->stats.accepted++;
    /* The opener's data leaves once the SYN-ACK is back; the acceptor's
     * replies can only follow the opener's first data anyway. */
    uint64_t back = latency(t);
    c->dir[0].resume_at_ns = now_ns + back + latency(t);
    c->dir[1].resume_at_ns = now_ns;
    if (c->close_on_open) {
        c->close_on_open = false;
        end_gone(t, c, 0, now_ns, true);
    }
}

/* The connect failed: an outside opener hears it; a node's queued frames
 * never left, and each is reported as not sent. */
static void connect_failed(simtcp *t, simtcp_conn *c, hs_status reason)
{
    uint32_t slot = slot_of(t, c);
    uint32_t gen = c->gen;
    if (reason == HS_ERR_REFUSED) {
        t->stats.refused++;
    } else {
        t->stats.connect_timeouts++;
    }
    /* Closed first: a send from the hook's step opens a fresh link. */
    c->end[0].open = false;
    if (c->end[0].node == SIMTCP_NONE) {
        t->h.closed(t->h.ctx, slot, 0, reason);
    } else {
        simtcp_dir *q = &c->dir[0];
        if (q->count > 0) {
            t->h.send_failed(t->h.ctx, c->end[0].node, c->end[1].addr, 0, dir_head_type(q),
                             reason, q->count);
        }
        q->count = 0;
    }
    if (c->gen == gen && c->state != SIMTCP_FREE) {
        free_conn(t, c);
    }
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static hs_status dir_push(simtcp *t, simtcp_conn *c, uint32_t d, uint64_t now_ns,
                          const uint8_t *bytes, uint32_t len)
{
    simtcp_dir *q = &c->dir[d];
    if (len > SIMTCP_FRAME_MAX) {
        t->stats.too_large++;
        return HS_ERR_LIMIT;
    }
    uint32_t queued = q->tail - q->head;
    if (q->count == SIMTCP_DIR_FRAMES ||
        (q->count > 0 && (uint64_t)queued + len > t->p.sendbuf_bytes)) {
        t->stats.full++;
        return HS_ERR_FULL;
    }
    if (q->count == 0) {
        q->head = 0;
        q->tail = 0;
    }
    if (q->tail + len > q->buf_cap && q->head > 0) {
        memmove(q->buf, q->buf + q->head, q->tail - q->head);
        for (uint32_t k = 0; k < q->count; k++) {
            q->frames[(q->first + k) % SIMTCP_DIR_FRAMES].off -= q->head;
        }
        q->tail -= q->head;
        q->head = 0;
    }
    if (q->tail + len > q->buf_cap) {
        uint32_t cap = q->buf_cap == 0 ? 4096u : q->buf_cap;
        while (cap < q->tail + len) {
            cap *= 2;
        }
        uint8_t *buf = realloc(q->buf, cap);
        if (buf == NULL) {
            return HS_ERR_NOMEM;
        }
        q->buf = buf;
        q->buf_cap = cap;
    }
    memcpy(q->buf + q->tail, bytes, len);
    simtcp_frame *f = &q->frames[(q->first + q->count) % SIMTCP_DIR_FRAMES];
    f->off = q->tail;
    f->len = len;
    f->seq = ++q->next_seq;
    f->at_ns = max64(now_ns + latency(t), q->last_at_ns);
    q->last_at_ns = f->at_ns;
    q->tail += len;
    q->count++;
    t->stats.frames++;
    HS_ASSERT(q->count <= SIMTCP_DIR_FRAMES);
    return HS_OK;
}

/* A write at end e.  Toward an end that already closed, the bytes are
 * accepted and discarded, as a peer's kernel discards them before its
 * reset comes back. */
static hs_status end_write(simtcp *t, simtcp_conn *c, uint32_t e, uint64_t now_ns,
                           const uint8_t *bytes, uint32_t len)
{
    if (!c->end[e].open || c->dir[e].fin) {
        return HS_ERR_CLOSED;
    }
    if (len > SIMTCP_FRAME_MAX) {
        t->stats.too_large++;
        return HS_ERR_LIMIT;
    }
    if (c->state == SIMTCP_CLOSING && !c->end[1 - e].open) {
        t->stats.discarded++;
        return HS_OK;
    }
    hs_status st = dir_push(t, c, e, now_ns, bytes, len);
    if (st == HS_OK) {
        rearm(t, c);
    }
    return st;
}

hs_status simtcp_send(simtcp *t, uint64_t now_ns, uint32_t slot, uint32_t e,
                      const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(slot < t->cap && e < 2);
    simtcp_conn *c = &t->conns[slot];
    if (c->state == SIMTCP_FREE) {
        return HS_ERR_CLOSED;
    }
    return end_write(t, c, e, now_ns, bytes, len);
}

hs_status simtcp_node_send(simtcp *t, uint64_t now_ns, uint32_t node, uint64_t conn_id,
                           hs_addr self, uint32_t to, hs_addr to_addr, const uint8_t *bytes,
                           uint32_t len, uint32_t *slot)
{
    HS_ASSERT(node < t->net->nodes);
    if (len > SIMTCP_FRAME_MAX) {
        t->stats.too_large++;
        return HS_ERR_LIMIT;
    }
    if (conn_id != 0) {
        int32_t found = simtcp_find(t, node, conn_id);
        if (found < 0) {
            return HS_ERR_CLOSED;
        }
        simtcp_conn *c = &t->conns[found];
        *slot = (uint32_t)found;
        return end_write(t, c, c->end[0].node == node && c->end[0].id == conn_id ? 0 : 1,
                         now_ns, bytes, len);
    }
    HS_ASSERT(to < t->net->nodes);
    simtcp_conn *c = node_link(t, node, to);
    if (c == NULL) {
        c = alloc_conn(t, slot);
        if (c == NULL) {
            return HS_ERR_FULL;
        }
        uint32_t gen = 0;
        bool up = t->h.listening(t->h.ctx, node, &gen);
        HS_ASSERT(up); /* only a running node sends */
        self.port = (uint16_t)ephemeral(t);
        c->end[0] = (simtcp_end){(uint16_t)node, (uint16_t)node, true, gen, take_id(t, node), self};
        c->end[1] = (simtcp_end){(uint16_t)to, (uint16_t)to, false, 0, 0, to_addr};
        start_syn(t, c, now_ns);
    }
    *slot = slot_of(t, c);
    hs_status st = dir_push(t, c, 0, now_ns, bytes, len);
    rearm(t, c);
    return st;
}

/* ------------------------------------------------------------------ */
/* Closing                                                             */

/* End e is gone (closed gracefully, or reset when !graceful): frames
 * toward it are discarded; its own frames go first when graceful; then
 * the other end hears fin_reason. */
static void end_gone(simtcp *t, simtcp_conn *c, uint32_t e, uint64_t now_ns, bool graceful)
{
    HS_ASSERT(c->end[e].open);
    c->end[e].open = false;
    t->stats.closes++;
    simtcp_dir *back = &c->dir[1 - e];
    if (back->count > 0 && back->lost == 0) {
        back->lost_type = dir_head_type(back);
    }
    back->lost += back->count;
    dir_clear(t, back);
    c->dir[1 - e].fin = false;
    if (!c->end[1 - e].open) {
        free_conn(t, c);
        return;
    }
    simtcp_dir *q = &c->dir[e];
    if (!graceful) {
        dir_clear(t, q);
    }
    q->fin = true;
    q->fin_reason = graceful ? HS_OK : HS_ERR_IO;
    q->fin_at_ns = max64(now_ns + latency(t), graceful ? q->last_at_ns : 0);
    if (c->state != SIMTCP_CLOSING) {
        c->state = SIMTCP_CLOSING;
        c->closed_at_ns = now_ns;
    }
    c->partial_since_ns = 0;
    rearm(t, c);
}

void simtcp_close(simtcp *t, uint64_t now_ns, uint32_t slot, uint32_t e)
{
    HS_ASSERT(slot < t->cap && e < 2);
    simtcp_conn *c = &t->conns[slot];
    if (c->state == SIMTCP_FREE || !c->end[e].open) {
        return;
    }
    if (c->state == SIMTCP_SYN) {
        /* Nothing reached the acceptor: the connection just goes. */
        HS_ASSERT(e == 0);
        t->stats.closes++;
        free_conn(t, c);
        return;
    }
    end_gone(t, c, e, now_ns, true);
}

void simtcp_close_after_send(simtcp *t, uint64_t now_ns, uint32_t slot)
{
    HS_ASSERT(slot < t->cap);
    simtcp_conn *c = &t->conns[slot];
    if (c->state == SIMTCP_SYN && c->end[0].open && c->dir[0].count > 0 && !c->refused) {
        /* Written, then closed before the handshake completed: a kernel
         * still completes it and sends the data, then the FIN
         * (syn_arrived). */
        c->close_on_open = true;
        HS_ASSERT(c->end[0].open);
        return;
    }
    simtcp_close(t, now_ns, slot, 0);
}

bool simtcp_node_close(simtcp *t, uint64_t now_ns, uint32_t node, uint64_t conn_id)
{
    int32_t found = simtcp_find(t, node, conn_id);
    if (found < 0) {
        return false;
    }
    const simtcp_conn *c = &t->conns[found];
    simtcp_close(t, now_ns, (uint32_t)found, c->end[0].node == node && c->end[0].id == conn_id
                                                  ? 0u
                                                  : 1u);
    return true;
}

void simtcp_node_down(simtcp *t, uint64_t now_ns, uint32_t node)
{
    FOR_LIVE(t, i) {
        simtcp_conn *c = &t->conns[i];
        if (c->state == SIMTCP_SYN && c->end[0].node == node) {
            free_conn(t, c); /* its SYN dies with it; nothing was sent */
            continue;
        }
        for (uint32_t e = 0; e < 2 && c->state != SIMTCP_FREE && c->state != SIMTCP_SYN; e++) {
            if (c->end[e].open && c->end[e].node == node) {
                end_gone(t, c, e, now_ns, false);
            }
        }
    }
}

/* Both ends hear reason now (a reset both kernels time out on). */
static void reset_both(simtcp *t, simtcp_conn *c, hs_status reason)
{
    uint32_t slot = slot_of(t, c);
    uint32_t gen = c->gen;
    for (uint32_t e = 0; e < 2; e++) {
        if (c->gen != gen || c->state == SIMTCP_FREE || !c->end[e].open) {
            continue;
        }
        c->end[e].open = false;
        /* Closed first: what the node's SEND_FAILED step sends on it finds
         * no connection, as on io_real after close_slot. */
        lost_frames lost = lost_take(c, e);
        dir_clear(t, &c->dir[e]);
        t->h.closed(t->h.ctx, slot, e, reason);
        lost_emit(t, &lost, reason);
    }
    if (c->gen == gen && c->state != SIMTCP_FREE) {
        dir_clear(t, &c->dir[0]);
        dir_clear(t, &c->dir[1]);
    }
    if (c->gen == gen && c->state != SIMTCP_FREE) {
        free_conn(t, c);
    }
}

/* The receiver of direction d closes on its own (a bad header, a partial
 * frame): it hears reason, the sender hears a reset later. */
static void receiver_closes(simtcp *t, simtcp_conn *c, uint32_t d, uint64_t now_ns,
                            hs_status reason)
{
    uint32_t slot = slot_of(t, c);
    uint32_t e = 1 - d;
    /* Closed before the hook runs: what the node sends on it in that step
     * finds no connection, as on io_real after close_slot. */
    /* Its own queued frames never leave: reported after the close. */
    lost_frames lost = lost_take(c, e);
    end_gone(t, c, e, now_ns, false);
    t->h.closed(t->h.ctx, slot, e, reason);
    lost_emit(t, &lost, reason);
}

/* ------------------------------------------------------------------ */
/* Delivering                                                          */

/* The receiving host's stream (io_real/stream.c): a header it cannot
 * resynchronise after closes the connection, a frame that has not fully
 * arrived is held, a whole frame goes to the end. */
static void deliver_frame(simtcp *t, simtcp_conn *c, uint32_t d, uint64_t now_ns)
{
    simtcp_dir *q = &c->dir[d];
    simtcp_frame f = q->frames[q->first];
    uint32_t slot = slot_of(t, c);
    uint32_t e = 1 - d;
    if (f.seq != q->delivered_seq + 1) {
        violation(t, slot, "tcp frame out of order or after a hole");
    }
    if (!c->end[e].open) {
        violation(t, slot, "tcp frame delivered after the end closed");
    }
    q->delivered_seq = f.seq;
    memcpy(t->scratch, q->buf + f.off, f.len);
    q->first = (q->first + 1) % SIMTCP_DIR_FRAMES;
    q->count--;
    q->head = q->count == 0 ? q->tail : q->frames[q->first].off;
    c->stall_since_ns = 0;
    t->stats.delivered++;
    frame_header h;
    hs_status st = frame_parse_header(t->scratch, f.len, FRAME_TCP_PAYLOAD_MAX, &h);
    if (st != HS_OK && st != HS_ERR_TRUNCATED) {
        t->stats.header_errors++;
        receiver_closes(t, c, d, now_ns, st);
        return;
    }
    uint32_t whole = st == HS_OK ? FRAME_HEADER_LEN + h.length : UINT32_MAX;
    if (whole <= f.len) {
        uint32_t gen = c->gen;
        t->h.frame(t->h.ctx, slot, e, t->scratch, whole);
        if (c->gen != gen || c->state == SIMTCP_FREE || whole == f.len) {
            return;
        }
    }
    /* The rest of a frame never arrives: the stream waits until the slow
     * timeout (a forged peer's bytes; honest writers write whole frames). */
    q->held = true;
    c->partial_since_ns = now_ns;
}

static void deliver_fin(simtcp *t, simtcp_conn *c, uint32_t d)
{
    uint32_t e = 1 - d;
    hs_status reason = c->dir[d].fin_reason;
    c->end[e].open = false;
    lost_frames lost = lost_take(c, e);
    uint32_t slot = slot_of(t, c);
    uint32_t gen = c->gen;
    t->h.closed(t->h.ctx, slot, e, reason);
    lost_emit(t, &lost, reason == HS_OK ? HS_ERR_CLOSED : reason);
    if (c->gen != gen || c->state == SIMTCP_FREE) {
        return;
    }
    free_conn(t, c);
}

/* One due item of direction d, if any.  Returns false when nothing was
 * due (or the direction is stalled). */
static bool step_dir(simtcp *t, simtcp_conn *c, uint32_t d, uint64_t now_ns)
{
    uint64_t due = dir_due(c, d);
    if (due > now_ns) {
        return false;
    }
    if (dir_cut(t, c, d)) {
        if (c->stall_since_ns == 0) {
            c->stall_since_ns = now_ns;
        }
        return false;
    }
    if (c->dir[d].count > 0) {
        deliver_frame(t, c, d, now_ns);
    } else {
        deliver_fin(t, c, d);
    }
    return true;
}

static bool timeouts(simtcp *t, simtcp_conn *c, uint64_t now_ns)
{
    if (c->partial_since_ns != 0 && now_ns >= c->partial_since_ns + t->p.slow_timeout_ns) {
        t->stats.partial_timeouts++;
        uint32_t d = c->dir[0].held ? 0u : 1u;
        c->partial_since_ns = 0;
        receiver_closes(t, c, d, now_ns, HS_ERR_TRUNCATED);
        return true;
    }
    if (c->stall_since_ns != 0 && now_ns >= c->stall_since_ns + t->p.stall_timeout_ns) {
        t->stats.resets++;
        reset_both(t, c, HS_ERR_IO);
        return true;
    }
    return false;
}

static void wake_syn(simtcp *t, simtcp_conn *c, uint64_t now_ns)
{
    if (c->refused && now_ns >= c->deadline_ns) {
        connect_failed(t, c, HS_ERR_REFUSED);
        return;
    }
    if (!c->refused && now_ns >= c->syn_at_ns) {
        syn_arrived(t, c, now_ns);
    }
    if (c->state == SIMTCP_SYN && !c->refused && now_ns >= c->deadline_ns) {
        connect_failed(t, c, HS_ERR_TIMEOUT);
    }
}

void simtcp_wake(simtcp *t, uint64_t now_ns, uint32_t slot)
{
    HS_ASSERT(slot < t->cap);
    simtcp_conn *c = &t->conns[slot];
    uint32_t gen = c->gen;
    if (c->state == SIMTCP_SYN) {
        wake_syn(t, c, now_ns);
    }
    /* Each hook may close, reset or free the connection: re-check. */
    for (bool more = true; more && c->gen == gen && c->state >= SIMTCP_OPEN;) {
        more = timeouts(t, c, now_ns);
        if (c->gen != gen || c->state == SIMTCP_FREE) {
            break;
        }
        for (uint32_t d = 0; d < 2 && c->gen == gen && c->state != SIMTCP_FREE; d++) {
            more = step_dir(t, c, d, now_ns) || more;
        }
    }
    if (c->gen == gen && c->state != SIMTCP_FREE) {
        rearm(t, c);
    }
}

void simtcp_links_changed(simtcp *t, uint64_t now_ns)
{
    FOR_LIVE(t, i) {
        simtcp_conn *c = &t->conns[i];
        if (c->state == SIMTCP_FREE) {
            continue;
        }
        if (c->state == SIMTCP_SYN && !c->refused && c->syn_at_ns == HS_TIME_NEVER &&
            !dir_cut(t, c, 0)) {
            c->syn_at_ns = now_ns + latency(t); /* the SYN is retransmitted */
        }
        if (c->stall_since_ns != 0) {
            bool still = false;
            for (uint32_t d = 0; d < 2; d++) {
                if (dir_due(c, d) == HS_TIME_NEVER) {
                    continue;
                }
                if (dir_cut(t, c, d)) {
                    still = true;
                } else {
                    /* Held data is retransmitted: due a latency from now. */
                    c->dir[d].resume_at_ns = max64(c->dir[d].resume_at_ns, now_ns + latency(t));
                }
            }
            c->stall_since_ns = still ? c->stall_since_ns : 0;
        }
        rearm(t, c);
    }
}

uint32_t simtcp_check_closes(simtcp *t, uint64_t now_ns, uint64_t bound_ns)
{
    uint32_t late = 0;
    FOR_LIVE(t, i) {
        simtcp_conn *c = &t->conns[i];
        if (c->state != SIMTCP_CLOSING || now_ns - c->closed_at_ns <= bound_ns) {
            continue;
        }
        late++;
        if (!c->late_reported) {
            c->late_reported = true;
            violation(t, i, "tcp close not reported to the other end within the bound");
        }
    }
    return late;
}
