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
 * Lines are written with one write(2) each to a descriptor (stdout for
 * hsnode; hsctl points it at <dir>/<node>.log). */
#ifndef LOG_H_
#define LOG_H_

#include "base.h"
#include "event.h"
#include "ioerr.h"

#define LOG_LINE_MAX 1024u
#define LOG_RATE_DEFAULT 50u
#define LOG_KEYS (HS_EV_COUNT + IOERR_OP_COUNT)

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
    int fd;
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

/* Logs a core event record (subject to level and rate limit). */
void log_event(log_sink *lg, const hs_event *event, uint64_t now_ns);
/* Logs a host line: event name, severity and fields, never rate limited
 * (start, stop, signals: a handful per run). */
void log_note(log_sink *lg, uint8_t severity, const char *event, const log_field *fields,
              uint32_t count);
/* Closes windows that ended and prints their suppression summaries. */
void log_tick(log_sink *lg, uint64_t now_ns);

HS_MUST_USE hs_status log_format_parse(const char *text, log_format *out);
HS_MUST_USE hs_status log_severity_parse(const char *text, uint8_t *out);

#endif /* LOG_H_ */
