/* Framed TCP for control messages: the listener, a capped connection table,
 * per-connection input reassembly (stream.c) and output queues (outq.c),
 * back-pressure, idle and slow-client timeouts, and outbound links to peers
 * by address with connect-in-progress and reconnect with exponential backoff.
 *
 * Ownership and ids.  Every connection gets a 64-bit id that is never reused
 * and never 0; core sees it as conn_id in RECV and names it in SEND and CLOSE.
 * A slot in the table holds either an accepted connection or an outbound
 * link (one per peer address); a link keeps its slot across reconnects but
 * takes a fresh id for every connection it opens.
 *
 * Caps.  conns_max slots; each input buffer holds at most one frame
 * (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX); each output queue at most
 * out_queue_max bytes; and all input buffers together, and all output
 * queues together, stay within in_budget and out_budget bytes, so memory is
 * bounded whatever a thousand clients do.  The last 256 KiB of each budget
 * (less when the budget is small) is kept for connections' first, minimal
 * buffers, so clients filling the budgets cannot lock a new client out.
 *
 * Back-pressure.  A connection whose output queue passes half its cap (or
 * can no longer take one maximal frame) stops being read, and its
 * already-buffered frames stop being handed to core, until the queue drains
 * to an eighth (or empties).  A push beyond the cap closes an
 * accepted connection (the client does not read its replies) and drops the
 * frame on an outbound link.
 *
 * Re-entrancy.  tcp calls on_frame only from tcp_on_event and tcp_tick,
 * never from tcp_send or tcp_close, so the host can execute a step's outputs
 * without ever re-entering node_step.  on_closed may be called from any of
 * them: the host queues it as an input for after the current step. */
#ifndef TCP_H_
#define TCP_H_

#include "base.h"
#include "ioerr.h"
#include "loop.h"
#include "map.h"
#include "outq.h"
#include "stream.h"

/* Epoll token kinds (top byte) for the host's dispatch. */
#define TCP_TOKEN_LISTEN (UINT64_C(0x10) << 56)
#define TCP_TOKEN_CONN (UINT64_C(0x11) << 56)
#define TCP_TOKEN_KIND_MASK (UINT64_C(0xff) << 56)

/* Why the host closed a connection, as HS_IN_CONN_CLOSED reasons (core
 * counts HS_ERR_TIMEOUT as idle, the others as rejected; docs/real-io.md
 * lists the mapping). */
#define TCP_REASON_IDLE HS_ERR_TIMEOUT        /* idle timeout */
#define TCP_REASON_SLOW_PARTIAL HS_ERR_TRUNCATED /* a frame stopped half-way */
#define TCP_REASON_SLOW_OUTPUT HS_ERR_FULL    /* replies not read */
#define TCP_REASON_SLOW_FIRST HS_ERR_TRUNCATED /* no complete frame since accept */
#define TCP_REASON_EVICTED HS_ERR_FULL         /* oldest idle, closed for a new client */

typedef struct {
    uint32_t conns_max;        /* accepted connections + outbound links */
    uint32_t out_queue_max;    /* bytes queued per connection */
    uint32_t in_budget;        /* bytes of all input buffers together */
    uint32_t out_budget;       /* bytes of all output queues together */
    uint32_t accept_batch;     /* accepts per readiness event */
    uint32_t conns_per_source; /* accepted connections from one IPv4 address */
    uint64_t idle_timeout_ns;  /* no byte either way for this long: close */
    uint64_t slow_timeout_ns;  /* partial frame, stalled output, or no first frame
                                * this long after accept: close */
    uint64_t connect_timeout_ns;
    uint64_t backoff_min_ns;   /* first reconnect delay; doubles per failure */
    uint64_t backoff_max_ns;
    uint64_t give_up_ns;       /* unreachable this long: drop the queued frames */
} tcp_config;

void tcp_config_defaults(tcp_config *cfg);
HS_MUST_USE hs_status tcp_config_check(const tcp_config *cfg);

typedef struct {
    /* A complete frame (header included) arrived on conn_id. */
    void (*on_frame)(void *ctx, uint64_t conn_id, hs_addr peer, const uint8_t *frame,
                     uint32_t len);
    /* conn_id went away; reason HS_OK when the peer closed it. */
    void (*on_closed)(void *ctx, uint64_t conn_id, hs_status reason);
    /* A frame core asked to send will not be sent (HS_IN_SEND_FAILED):
     * conn_id is the connection it was for (0 if none), msg_type from its
     * header.  Called from tcp_send and from ticks and events; the host
     * queues it like on_closed.  May be NULL. */
    void (*on_send_failed)(void *ctx, uint64_t conn_id, hs_addr to, uint16_t type,
                           hs_status reason);
    void *ctx;
} tcp_handlers;

typedef enum {
    TCP_FREE = 0,
    TCP_CONNECTING, /* outbound connect in progress */
    TCP_OPEN,
    TCP_BACKOFF,    /* outbound link waiting to reconnect; no socket */
} tcp_state;

typedef struct {
    int fd;
    uint32_t gen;          /* bumped when the slot is released: stale tokens */
    uint64_t id;           /* current connection id, 0 in BACKOFF */
    uint8_t state;         /* tcp_state */
    bool outbound;
    bool paused;           /* back-pressure: not reading, not dispatching */
    bool ever_open;        /* outbound: the current connection got through */
    bool got_frame;        /* accepted: a complete frame arrived */
    bool counted;          /* accepted: counted against its source address */
    uint32_t events;       /* epoll mask registered, 0 when not registered */
    hs_addr peer;
    stream in;
    outq out;
    uint64_t active_ns;        /* last byte in or out */
    uint64_t partial_since_ns; /* a partial frame waits since; 0 if none */
    uint64_t out_since_ns;     /* output queued and no progress since; 0 if empty */
    uint64_t connect_ns;       /* outbound: when the attempt started */
    uint64_t retry_at_ns;      /* outbound in BACKOFF */
    uint64_t backoff_ns;
    uint64_t unreachable_ns;   /* outbound: failing since; 0 when fine */
    uint64_t accepted_ns;      /* accepted: when */
    uint32_t head_len;         /* length of the frame at the queue head ... */
    uint32_t head_sent;        /* ... and bytes of it sent; 0 at a frame boundary */
    uint16_t head_type;        /* its message type */
} tcp_conn;

/* Counters by cause; the host reports them (hsctl stats, /metrics). */
#define TCP_STATS_LIST(X)                                                         \
    X(accepted)              /* connections accepted and kept */                  \
    X(refused_table_full)    /* accepted and closed at once: no slot, none idle */ \
    X(refused_source_cap)    /* accepted and closed at once: per-address cap */   \
    X(accept_errors)         /* accept() failed (EMFILE, ...) */                  \
    X(evicted)               /* oldest idle closed to make room */                \
    X(closed)                /* every connection ended, links included */         \
    X(closed_peer)           /* the peer closed */                                \
    X(closed_bad_frame)      /* invalid header */                                 \
    X(closed_slow_first)     /* no complete frame within the slow timeout */      \
    X(closed_slow_partial)   /* a frame stopped half-way */                       \
    X(closed_slow_output)    /* replies not read */                               \
    X(closed_idle)           /* idle timeout */                                   \
    X(closed_io)             /* read or write error */                            \
    X(closed_in_budget)      /* input buffer may not grow */                      \
    X(closed_out_full)       /* output queue over its cap */                      \
    X(frames_in)                                                                  \
    X(bytes_in)                                                                   \
    X(bytes_out)                                                                  \
    X(connects)                                                                   \
    X(connect_failures)                                                           \
    X(frames_dropped)        /* outbound frames that will not be sent */          \
    X(send_failed)           /* ... each reported to core as SEND_FAILED */       \
    X(paused)                /* back-pressure engagements */                      \
    X(timeouts)

typedef struct {
#define TCP_STATS_FIELD(name) uint64_t name;
    TCP_STATS_LIST(TCP_STATS_FIELD)
#undef TCP_STATS_FIELD
} tcp_stats;

typedef struct {
    tcp_config cfg;
    loop *loop;
    ioerr_sink *sink;
    tcp_handlers handlers;
    int listen_fd;
    int spare_fd;          /* reserve descriptor for shedding under EMFILE */
    tcp_conn *conns;
    uint32_t *free_slots;
    uint32_t free_count;
    map by_id;             /* connection id -> slot */
    map links;             /* peer address key -> slot of its outbound link */
    map sources;           /* source IPv4 -> accepted connections from it */
    uint64_t next_id;
    uint64_t in_used;      /* bytes allocated by all input buffers */
    uint64_t out_used;     /* bytes allocated by all output queues */
    uint32_t in_reserve;   /* budget only first, minimal buffers may use */
    uint32_t out_reserve;
    tcp_stats stats;
} tcp;

HS_MUST_USE hs_status tcp_init(tcp *t, const tcp_config *cfg, loop *l, ioerr_sink *sink,
                               const tcp_handlers *handlers);
/* Binds and listens; *err holds errno on failure (EADDRINUSE). */
HS_MUST_USE hs_status tcp_listen(tcp *t, hs_addr addr, int *err);
/* Closes every socket without callbacks (process exit). */
void tcp_free(tcp *t);

void tcp_on_event(tcp *t, uint64_t token, uint32_t events, uint64_t now_ns);
/* Queues a frame: on conn_id when non-zero, else on the link to `to`. */
void tcp_send(tcp *t, uint64_t conn_id, hs_addr to, const uint8_t *bytes, uint32_t len,
              uint64_t now_ns);
/* Closes on core's request (no on_closed: core asked for it). */
void tcp_close(tcp *t, uint64_t conn_id);
/* Timeouts, reconnects, resuming paused connections.  Returns the next
 * time it wants to run. */
uint64_t tcp_tick(tcp *t, uint64_t now_ns);

static inline uint32_t tcp_conn_count(const tcp *t) { return t->cfg.conns_max - t->free_count; }
const tcp_conn *tcp_find(const tcp *t, uint64_t conn_id);
const tcp_conn *tcp_link(const tcp *t, hs_addr peer);

#endif /* TCP_H_ */
