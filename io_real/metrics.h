/* The Prometheus endpoint: `hsnode --metrics-listen IP:PORT` serves the
 * node's counters (core's, per message type, and the host's: the list
 * STATS_RESP carries) as text exposition format 0.0.4 on GET /metrics.
 *
 * A minimal HTTP/1.0 and 1.1 responder on the host's epoll loop: at most
 * METRICS_CONNS_MAX connections (one more is accepted and closed at once),
 * a request of at most METRICS_REQUEST_MAX bytes up to the end of its
 * headers, METRICS_TIMEOUT_NS from accept to the last byte of the reply,
 * and the connection closed after every reply (no keep-alive, no bodies).
 * GET /metrics (a query string is ignored) answers 200; a GET of any other
 * path 404; anything else (another method, a malformed or oversized
 * request) 400.  The request parser is pure (metrics_parse) and fuzzed by
 * fuzz/fuzz_http_req.c.
 *
 * Naming: a stats name "family" becomes hs_family_total; "family.label"
 * becomes hs_family_total{key="label"} with key "type" for the per-type
 * families (rx_msgs, rx_bytes, tx_msgs, tx_bytes), "op" for
 * host_io_errors and "cause" otherwise.  Every value is a counter. */
#ifndef METRICS_H_
#define METRICS_H_

#include "base.h"
#include "ioerr.h"
#include "loop.h"
#include "msg.h"

#define METRICS_TOKEN_LISTEN (UINT64_C(0x30) << 56)
#define METRICS_TOKEN_CONN (UINT64_C(0x31) << 56)
#define METRICS_TOKEN_KIND_MASK (UINT64_C(0xff) << 56)

#define METRICS_CONNS_MAX 16u
#define METRICS_REQUEST_MAX 4096u
#define METRICS_RESPONSE_MAX (512u * 1024u)
#define METRICS_TIMEOUT_NS HS_SEC(5)

typedef enum {
    METRICS_REQ_INCOMPLETE = 0, /* more bytes needed */
    METRICS_REQ_METRICS,        /* GET /metrics */
    METRICS_REQ_NOT_FOUND,      /* GET of another path: 404 */
    METRICS_REQ_BAD,            /* anything else: 400 */
} metrics_req;

/* Classifies the request in bytes[0..len).  A function of the bytes seen
 * so far: once a prefix is decided, every longer input is decided the same
 * way (the fuzzer checks it), so parsing after every read is exact.  *http11
 * is set when the request line says HTTP/1.1. */
metrics_req metrics_parse(const uint8_t *bytes, size_t len, bool *http11);

/* Renders counters as exposition text into out; returns the length, or 0
 * when cap is too small.  Families are grouped (one HELP and TYPE each). */
size_t metrics_render(const msg_counter *counters, uint32_t count, char *out, size_t cap);

/* Fills counters (at most cap) with what the reply should carry; called
 * once per GET /metrics.  The host hands its counters to core first, so
 * the list is exactly what STATS_RESP would carry now. */
typedef uint32_t (*metrics_source_fn)(void *ctx, msg_counter *counters, uint32_t cap);

#define METRICS_STATS_LIST(X) \
    X(requests)               \
    X(ok)                     \
    X(not_found)              \
    X(bad_request)            \
    X(conns_full)             \
    X(timeouts)               \
    X(io_errors)

typedef struct {
#define METRICS_STATS_FIELD(name) uint64_t name;
    METRICS_STATS_LIST(METRICS_STATS_FIELD)
#undef METRICS_STATS_FIELD
} metrics_stats;

typedef struct {
    int fd;
    uint32_t gen;
    bool used;
    bool replying;
    bool lingering;  /* replied: reading and dropping until the client closes */
    uint64_t accepted_ns;
    uint32_t in_len;
    uint8_t in[METRICS_REQUEST_MAX];
    char *out;       /* the reply, malloc'd */
    uint32_t out_len;
    uint32_t out_sent;
} metrics_conn;

typedef struct {
    loop *loop;
    ioerr_sink *sink;
    int listen_fd;
    bool listening;        /* listen_fd is registered with the loop */
    metrics_source_fn source;
    void *source_ctx;
    metrics_conn conns[METRICS_CONNS_MAX];
    msg_counter scratch[MSG_COUNTERS_MAX]; /* the list being rendered */
    metrics_stats stats;
} metrics;

void metrics_init(metrics *m, loop *l, ioerr_sink *sink, metrics_source_fn source, void *ctx);
/* Binds and listens on addr; *err holds errno on failure. */
HS_MUST_USE hs_status metrics_listen(metrics *m, hs_addr addr, int *err);
void metrics_free(metrics *m);
void metrics_on_event(metrics *m, uint64_t token, uint32_t events, uint64_t now_ns);
/* Closes connections older than METRICS_TIMEOUT_NS. */
void metrics_tick(metrics *m, uint64_t now_ns);
static inline bool metrics_owns(uint64_t token)
{
    uint64_t kind = token & METRICS_TOKEN_KIND_MASK;
    return kind == METRICS_TOKEN_LISTEN || kind == METRICS_TOKEN_CONN;
}

#endif /* METRICS_H_ */
