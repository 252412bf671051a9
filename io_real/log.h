/* Structured logging for the real node: one line per event record.
 *
 * Text:  2026-11-26T20:45:00.123Z n1 info member_state member=n2 from=alive ...
 * JSON:  {"ts":"2026-11-26T20:45:00.123Z","node":"n1","event":"member_state",
 *         "severity":"info","member":"n2","from":"alive",...}
 * The event part is core's own renderer (hs_event_format_text / _json), so
 * the simulator and the real node name every field the same way.
 *
 * Rate limit: at most rate_per_sec lines per second per key (an event code,
 * or for HOST_ERROR an operation), so a flood of garbage cannot turn into a
 * flood of log lines; when a key's window closes with lines suppressed, one
 * log_suppressed line says how many.  Suppression affects only the log: the
 * events still reached core's counters.
 *
 * Output.  Lines go to a descriptor (stdout for hsnode; hsctl points it at
 * <dir>/<node>.log).  A slow reader must not stall the event loop, so when
 * the descriptor is a pipe or a socket, writes never block: a pipe is
 * reopened through /proc/self/fd (a new open file description, so the
 * O_NONBLOCK set on it is not seen by anyone else sharing the pipe), a
 * socket is written with MSG_DONTWAIT.  What the reader has not taken waits
 * in a bounded queue (LOG_QUEUE_MAX); a line that does not fit is dropped
 * whole and counted, and once the queue has drained one log_dropped line
 * says how many were lost.  Terminals and regular files are written as
 * before, blocking: their flags are never changed (a terminal is shared
 * with the shell), and a file write does not wait for a reader. */
#ifndef LOG_H_
#define LOG_H_

#include "base.h"
#include "event.h"
#include "ioerr.h"

#define LOG_LINE_MAX 1024u
#define LOG_RATE_DEFAULT 50u
#define LOG_KEYS (HS_EV_COUNT + IOERR_OP_COUNT)
#define LOG_QUEUE_MAX (256u * 1024u) /* bytes waiting for a slow pipe or socket */

typedef enum {
    LOG_TEXT = 0,
    LOG_JSON = 1,
} log_format;

typedef struct {
    uint64_t window_ns; /* start of the current one-second window */
    uint32_t lines;     /* lines written in the window */
    uint64_t suppressed;
} log_key;

/* One extra field of a host line (log_note). */
typedef struct {
    const char *key;
    const char *text; /* NULL: the field is the number */
    uint64_t number;
} log_field;

typedef struct {
    int fd;               /* as given */
    int out_fd;           /* where lines are written: fd, or its reopening */
    bool own_out_fd;      /* out_fd was opened by log_init: log_close closes it */
    bool dontwait;        /* a socket: send with MSG_DONTWAIT */
    uint8_t *queue;       /* non-blocking output only: bytes not yet taken */
    uint32_t queue_off;
    uint32_t queue_len;
    uint64_t dropped;         /* lines lost to a full queue, ever */
    uint64_t dropped_unsaid;  /* ... not yet reported by a log_dropped line */
    log_format format;
    uint8_t min_severity;
    uint32_t rate_per_sec; /* 0: unlimited */
    hs_name node;
    log_key keys[LOG_KEYS];
    uint64_t lines;
    uint64_t suppressed;
    uint64_t write_errors;
} log_sink;

void log_init(log_sink *lg, int fd, log_format format, uint8_t min_severity, const hs_name *node);
/* Waits up to timeout_ms for queued lines to be taken (process exit), then
 * releases what log_init took.  fd itself stays open. */
void log_close(log_sink *lg, uint32_t timeout_ms);
/* Bytes queued for a slow reader. */
static inline uint32_t log_queued(const log_sink *lg) { return lg->queue_len; }

/* Logs a core event record (subject to level and rate limit). */
void log_event(log_sink *lg, const hs_event *event, uint64_t now_ns);
/* Logs one HS_EV_HOST_ERROR record: op (ioerr.h), errno (sign dropped),
 * detail.  Every io_real module's syscall errors end here. */
void log_host_error(log_sink *lg, uint32_t op, int err, uint64_t detail, uint64_t now_ns);
/* Logs a host line: event name, severity and fields, never rate limited
 * (start, stop, signals: a handful per run). */
void log_note(log_sink *lg, uint8_t severity, const char *event, const log_field *fields,
              uint32_t count);
/* Writes what the queue holds that the reader now takes, closes windows
 * that ended and prints their suppression and drop summaries. */
void log_tick(log_sink *lg, uint64_t now_ns);

HS_MUST_USE hs_status log_format_parse(const char *text, log_format *out);
HS_MUST_USE hs_status log_severity_parse(const char *text, uint8_t *out);

#endif /* LOG_H_ */
