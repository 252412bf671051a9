/* Structured log lines with a per-code rate limit.  See log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The log is where host errors go, so its own set-up errors are logged
 * here, once the blocking fallback is in place. */
static void report(log_sink *lg, uint32_t op, int err, uint64_t detail)
{
    log_host_error(lg, op, err, detail, 0);
}

void log_host_error(log_sink *lg, uint32_t op, int err, uint64_t detail, uint64_t now_ns)
{
    hs_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.code = HS_EV_HOST_ERROR;
    ev.severity = (uint8_t)hs_event_code_severity(HS_EV_HOST_ERROR);
    ev.a = op;
    ev.b = (uint64_t)(err < 0 ? -(int64_t)err : err);
    ev.c = detail;
    log_event(lg, &ev, now_ns);
}

/* Pipes and sockets get non-blocking output and a queue; anything else, or
 * a pipe when /proc or memory is missing, is written blocking. */
static void open_output(log_sink *lg)
{
    struct stat st;
    if (lg->fd < 0 || fstat(lg->fd, &st) != 0) {
        return; /* writes fail and are counted in write_errors */
    }
    if (S_ISSOCK(st.st_mode)) {
        lg->dontwait = true;
    } else if (S_ISFIFO(st.st_mode)) {
        /* Setting O_NONBLOCK on fd itself would change the description
         * every other holder of the pipe shares. */
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", lg->fd);
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            report(lg, IOERR_OP_OPEN, errno, (uint64_t)lg->fd);
            return;
        }
        lg->out_fd = fd;
        lg->own_out_fd = true;
    } else {
        return;
    }
    lg->queue = malloc(LOG_QUEUE_MAX);
    if (lg->queue == NULL) {
        if (lg->own_out_fd) {
            close(lg->out_fd);
        }
        lg->out_fd = lg->fd;
        lg->own_out_fd = false;
        lg->dontwait = false;
        report(lg, IOERR_OP_MALLOC, ENOMEM, LOG_QUEUE_MAX);
    }
}

void log_init(log_sink *lg, int fd, log_format format, uint8_t min_severity, const hs_name *node)
{
    memset(lg, 0, sizeof(*lg));
    lg->fd = fd;
    lg->out_fd = fd;
    lg->format = format;
    lg->min_severity = min_severity;
    lg->rate_per_sec = LOG_RATE_DEFAULT;
    if (node != NULL) {
        lg->node = *node;
    }
    open_output(lg);
}

hs_status log_format_parse(const char *text, log_format *out)
{
    if (strcmp(text, "text") == 0) {
        *out = LOG_TEXT;
    } else if (strcmp(text, "json") == 0) {
        *out = LOG_JSON;
    } else {
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status log_severity_parse(const char *text, uint8_t *out)
{
    for (uint8_t s = HS_SEV_DEBUG; s <= HS_SEV_ERROR; s++) {
        if (strcmp(text, hs_severity_name(s)) == 0) {
            *out = s;
            return HS_OK;
        }
    }
    return HS_ERR_INVALID;
}

/* Wall-clock time is for humans reading logs only; nothing orders by it. */
static void iso_time(char out[48])
{
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
        snprintf(out, 48, "1970-01-01T00:00:00.000Z");
        return;
    }
    size_t len = strftime(out, 48, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + len, 48 - len, ".%03dZ", (int)(ts.tv_nsec / 1000000L));
}

/* One non-blocking attempt: bytes taken, 0 when the reader is full, -1 on
 * an error. */
static ssize_t put(const log_sink *lg, const void *bytes, size_t len)
{
    for (;;) {
        ssize_t n = lg->dontwait ? send(lg->out_fd, bytes, len, MSG_DONTWAIT | MSG_NOSIGNAL)
                                 : write(lg->out_fd, bytes, len);
        if (n >= 0) {
            return n;
        }
        if (errno != EINTR) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
    }
}

/* Hands the reader what it takes now. */
static void drain(log_sink *lg)
{
    while (lg->queue_len > 0) {
        ssize_t n = put(lg, lg->queue + lg->queue_off, lg->queue_len);
        if (n < 0) {
            lg->write_errors++; /* the reader is gone: what waits is lost */
            lg->queue_len = 0;
        }
        if (n <= 0) {
            break;
        }
        lg->queue_off += (uint32_t)n;
        lg->queue_len -= (uint32_t)n;
    }
    if (lg->queue_len == 0) {
        lg->queue_off = 0;
    }
}

static void enqueue(log_sink *lg, const char *bytes, size_t len)
{
    if (lg->queue_off + lg->queue_len + len > LOG_QUEUE_MAX) {
        memmove(lg->queue, lg->queue + lg->queue_off, lg->queue_len);
        lg->queue_off = 0;
    }
    memcpy(lg->queue + lg->queue_off + lg->queue_len, bytes, len);
    lg->queue_len += (uint32_t)len;
}

/* Non-blocking output: straight to the reader when nothing waits, else
 * behind what waits; a line is queued whole or dropped whole. */
static void emit_queued(log_sink *lg, const char *line, size_t len)
{
    drain(lg);
    if (lg->queue_len == 0) {
        ssize_t n = put(lg, line, len);
        if (n < 0) {
            lg->write_errors++;
            return;
        }
        /* A partial write leaves less than a line, and the queue is empty:
         * the rest always fits, so no line is ever cut. */
        enqueue(lg, line + n, len - (size_t)n);
    } else if (lg->queue_len + len <= LOG_QUEUE_MAX) {
        enqueue(lg, line, len);
    } else {
        lg->dropped++;
        lg->dropped_unsaid++;
        return;
    }
    lg->lines++;
}

static void emit(log_sink *lg, const char *line, size_t len)
{
    if (lg->queue != NULL) {
        emit_queued(lg, line, len);
        return;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(lg->fd, line + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* Nowhere left to report it: count it, and it shows in the
             * stop line's write_errors. */
            lg->write_errors++;
            return;
        }
        done += (size_t)n;
    }
    lg->lines++;
}

/* Prefix: text "TS NODE SEV ", JSON "{"ts":"TS","node":"NODE",".
 * Node names are printable ASCII without spaces; quotes are escaped. */
static size_t prefix(const log_sink *lg, char *out, size_t cap, uint8_t severity)
{
    char ts[48];
    iso_time(ts);
    char name[2 * HS_NAME_MAX + 1];
    size_t n = 0;
    for (uint8_t i = 0; i < lg->node.len; i++) {
        char c = lg->node.bytes[i];
        if (lg->format == LOG_JSON && (c == '"' || c == '\\')) {
            name[n++] = '\\';
        }
        name[n++] = c;
    }
    name[n] = '\0';
    int wrote = lg->format == LOG_JSON
                    ? snprintf(out, cap, "{\"ts\":\"%s\",\"node\":\"%s\",", ts, name)
                    : snprintf(out, cap, "%s %s %s ", ts, name, hs_severity_name(severity));
    return wrote < 0 ? 0 : ((size_t)wrote < cap ? (size_t)wrote : cap - 1);
}

/* Closes the line: JSON brace and newline, always room for both. */
static size_t finish(const log_sink *lg, char *out, size_t used, size_t cap)
{
    if (used > cap - 3) {
        used = cap - 3;
    }
    if (lg->format == LOG_JSON) {
        out[used++] = '}';
    }
    out[used++] = '\n';
    out[used] = '\0';
    return used;
}

/* HOST_ERROR carries numbers only; name the operation and errno too. */
static size_t host_error_extra(const log_sink *lg, const hs_event *ev, char *out, size_t cap)
{
    if (ev->b == 0) {
        /* Host refusals (table full, timeouts) carry no errno. */
        int wrote = lg->format == LOG_JSON
                        ? snprintf(out, cap, ",\"op_name\":\"%s\"", ioerr_op_name((uint32_t)ev->a))
                        : snprintf(out, cap, " op_name=%s", ioerr_op_name((uint32_t)ev->a));
        return wrote < 0 ? 0 : ((size_t)wrote < cap ? (size_t)wrote : cap - 1);
    }
    int wrote = lg->format == LOG_JSON
                    ? snprintf(out, cap, ",\"op_name\":\"%s\",\"error\":\"%s\"",
                               ioerr_op_name((uint32_t)ev->a), strerror((int)ev->b))
                    : snprintf(out, cap, " op_name=%s error=\"%s\"",
                               ioerr_op_name((uint32_t)ev->a), strerror((int)ev->b));
    return wrote < 0 ? 0 : ((size_t)wrote < cap ? (size_t)wrote : cap - 1);
}

static void write_event(log_sink *lg, const hs_event *ev)
{
    char line[LOG_LINE_MAX];
    size_t cap = sizeof(line) - 3;
    size_t used = prefix(lg, line, cap, ev->severity);
    used += lg->format == LOG_JSON ? hs_event_format_json(ev, line + used, cap - used)
                                   : hs_event_format_text(ev, line + used, cap - used);
    if (ev->code == HS_EV_HOST_ERROR && used < cap - 1) {
        used += host_error_extra(lg, ev, line + used, cap - used);
    }
    emit(lg, line, finish(lg, line, used, sizeof(line)));
}

static uint32_t key_of(const hs_event *ev)
{
    if (ev->code == HS_EV_HOST_ERROR && ev->a < IOERR_OP_COUNT) {
        return HS_EV_COUNT + (uint32_t)ev->a;
    }
    return ev->code < HS_EV_COUNT ? ev->code : 0;
}

static const char *key_name(uint32_t key, hs_event_name *name)
{
    return key < HS_EV_COUNT ? hs_event_code_name((uint16_t)key, name)
                             : ioerr_op_name(key - HS_EV_COUNT);
}

static void summary(log_sink *lg, uint32_t key, log_key *k)
{
    hs_event_name name;
    log_field fields[2] = {{"code", key_name(key, &name), 0}, {"count", NULL, k->suppressed}};
    log_note(lg, HS_SEV_WARN, "log_suppressed", fields, 2);
    lg->suppressed += k->suppressed;
    k->suppressed = 0;
}

void log_event(log_sink *lg, const hs_event *event, uint64_t now_ns)
{
    if (event->severity < lg->min_severity) {
        return;
    }
    uint32_t key = key_of(event);
    log_key *k = &lg->keys[key];
    if (now_ns - k->window_ns >= HS_NS_PER_SEC) {
        if (k->suppressed > 0) {
            summary(lg, key, k);
        }
        k->window_ns = now_ns;
        k->lines = 0;
    }
    if (lg->rate_per_sec != 0 && k->lines >= lg->rate_per_sec) {
        k->suppressed++;
        return;
    }
    k->lines++;
    write_event(lg, event);
}

/* One line for the lines a full queue cost, once the queue has drained to
 * half: reporting at the first free byte would only fill it again. */
static void dropped_summary(log_sink *lg)
{
    if (lg->dropped_unsaid == 0 || lg->queue_len > LOG_QUEUE_MAX / 2) {
        return;
    }
    log_field fields[2] = {{"count", NULL, lg->dropped_unsaid}, {"total", NULL, lg->dropped}};
    lg->dropped_unsaid = 0;
    log_note(lg, HS_SEV_WARN, "log_dropped", fields, 2);
}

void log_tick(log_sink *lg, uint64_t now_ns)
{
    if (lg->queue != NULL) {
        drain(lg);
        dropped_summary(lg);
    }
    for (uint32_t key = 0; key < LOG_KEYS; key++) {
        log_key *k = &lg->keys[key];
        if (k->suppressed > 0 && now_ns - k->window_ns >= HS_NS_PER_SEC) {
            summary(lg, key, k);
            k->window_ns = now_ns;
            k->lines = 0;
        }
    }
}

static size_t note_field(const log_sink *lg, const log_field *f, char *out, size_t cap)
{
    int wrote = 0;
    if (f->text == NULL) {
        wrote = lg->format == LOG_JSON
                    ? snprintf(out, cap, ",\"%s\":%llu", f->key, (unsigned long long)f->number)
                    : snprintf(out, cap, " %s=%llu", f->key, (unsigned long long)f->number);
    } else {
        /* Host strings are paths, names and addresses chosen by the
         * operator: escape what JSON needs, keep text readable. */
        char esc[512];
        size_t n = 0;
        for (const char *p = f->text; *p != '\0' && n + 2 < sizeof(esc); p++) {
            if (lg->format == LOG_JSON && (*p == '"' || *p == '\\')) {
                esc[n++] = '\\';
            }
            esc[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        }
        esc[n] = '\0';
        wrote = lg->format == LOG_JSON ? snprintf(out, cap, ",\"%s\":\"%s\"", f->key, esc)
                                       : snprintf(out, cap, " %s=%s", f->key, esc);
    }
    return wrote < 0 ? 0 : ((size_t)wrote < cap ? (size_t)wrote : cap - 1);
}

void log_note(log_sink *lg, uint8_t severity, const char *event, const log_field *fields,
              uint32_t count)
{
    if (severity < lg->min_severity) {
        return;
    }
    char line[LOG_LINE_MAX];
    size_t cap = sizeof(line) - 3;
    size_t used = prefix(lg, line, cap, severity);
    int wrote = lg->format == LOG_JSON
                    ? snprintf(line + used, cap - used, "\"event\":\"%s\",\"severity\":\"%s\"",
                               event, hs_severity_name(severity))
                    : snprintf(line + used, cap - used, "%s", event);
    used += wrote < 0 ? 0 : ((size_t)wrote < cap - used ? (size_t)wrote : cap - used - 1);
    for (uint32_t i = 0; i < count && used < cap - 1; i++) {
        used += note_field(lg, &fields[i], line + used, cap - used);
    }
    emit(lg, line, finish(lg, line, used, sizeof(line)));
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void log_close(log_sink *lg, uint32_t timeout_ms)
{
    if (lg->queue != NULL) {
        uint64_t deadline = mono_ms() + timeout_ms;
        for (;;) {
            drain(lg);
            dropped_summary(lg);
            drain(lg);
            uint64_t now = mono_ms();
            if ((lg->queue_len == 0 && lg->dropped_unsaid == 0) || now >= deadline) {
                break;
            }
            struct pollfd pfd = {lg->out_fd, POLLOUT, 0};
            if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
                break;
            }
        }
        free(lg->queue);
        lg->queue = NULL;
        lg->queue_len = 0;
    }
    int err = 0;
    if (lg->own_out_fd && close(lg->out_fd) != 0) {
        err = errno;
    }
    lg->own_out_fd = false;
    lg->out_fd = lg->fd;
    lg->dontwait = false;
    if (err != 0) {
        report(lg, IOERR_OP_CLOSE, err, 0);
    }
}
