/* Host-side error reporting: the closed list of syscall operations whose
 * failures io_real reports, and the sink every io_real module reports to.
 *
 * Every syscall error in io_real becomes one event record HS_EV_HOST_ERROR
 * with a = the operation code below, b = errno, c = a detail (a connection
 * id, a file id or a byte count, named per operation in docs/real-io.md).
 * The modules never log or count by themselves: they call ioerr_report and
 * the host turns the report into an event record, so one place decides how
 * errors are rendered and rate-limited. */
#ifndef IOERR_H_
#define IOERR_H_

#include <stdint.h>

/* X(ENUM, "name").  Codes are stable: append only, they appear in logs. */
#define IOERR_OP_LIST(X)                                                   \
    X(NONE, "none")                         /* 0: never reported */        \
    X(EPOLL_CREATE, "epoll_create")                                        \
    X(EPOLL_CTL, "epoll_ctl")                                              \
    X(EPOLL_WAIT, "epoll_wait")                                            \
    X(TIMERFD_CREATE, "timerfd_create")                                    \
    X(TIMERFD_SETTIME, "timerfd_settime")                                  \
    X(TIMERFD_READ, "timerfd_read")                                        \
    X(SIGNALFD_CREATE, "signalfd_create")                                  \
    X(SIGNALFD_READ, "signalfd_read")                                      \
    X(SIGPROCMASK, "sigprocmask")                                          \
    X(CLOCK_GETTIME, "clock_gettime")                                      \
    X(SOCKET, "socket")                                                    \
    X(SETSOCKOPT, "setsockopt")                                            \
    X(BIND, "bind")                                                        \
    X(LISTEN, "listen")                                                    \
    X(ACCEPT, "accept")                                                    \
    X(CONNECT, "connect")                                                  \
    X(GETSOCKOPT, "getsockopt")                                            \
    X(RECVFROM, "recvfrom")                                                \
    X(SENDTO, "sendto")                                                    \
    X(READ, "read")                                                        \
    X(WRITE, "write")                                                      \
    X(CLOSE, "close")                                                      \
    X(OPEN, "open")                                                        \
    X(MKDIR, "mkdir")                                                      \
    X(FLOCK, "flock")                                                      \
    X(PREAD, "pread")                                                      \
    X(PWRITE, "pwrite")                                                    \
    X(FDATASYNC, "fdatasync")                                              \
    X(GETRANDOM, "getrandom")                                              \
    X(SETRLIMIT, "setrlimit")                                              \
    X(MALLOC, "malloc")                    /* errno ENOMEM, c = bytes */   \
    X(CONN_TABLE_FULL, "conn_table_full")  /* errno 0, c = cap */          \
    X(IN_BUDGET, "in_budget")              /* errno 0, c = conn id */      \
    X(OUT_QUEUE_FULL, "out_queue_full")    /* errno 0, c = conn id */      \
    X(SEND_NO_CONN, "send_no_conn")        /* errno 0, c = conn id */      \
    X(LINK_DROPPED, "link_dropped")        /* errno 0, c = bytes dropped */ \
    X(PENDING_FULL, "pending_full")        /* errno 0, c = input kind */   \
    X(TIMERS_FULL, "timers_full")          /* errno 0, c = timer id */     \
    X(DISK_QUEUE_FULL, "disk_queue_full")  /* errno 0, c = op id */        \
    X(DISK_BAD_OP, "disk_bad_op")          /* errno 0, c = op id */        \
    X(CONN_TIMEOUT, "conn_timeout")        /* errno 0, c = conn id */      \
    X(LOG_WRITE, "log_write")                                              \
    X(OUTPUT_UNSUPPORTED, "output_unsupported") /* errno 0, c = kind */ \
    X(FSYNC, "fsync")                      /* a directory: c = 0 */       \
    X(FALLOCATE, "fallocate")              /* meta at start: c = 0 */     \
    X(UNLINK, "unlink")                    /* undoing a refused start */  \
    X(CONN_SOURCE_CAP, "conn_source_cap")  /* errno 0, c = source ip */   \
    X(CONN_EVICTED, "conn_evicted")        /* errno 0, c = conn id */     \
    X(SEND_FAILED, "send_failed")          /* errno 0, c = conn id */     \
    X(METRICS_REFUSED, "metrics_refused")  /* errno 0, c = cause */

typedef enum {
#define IOERR_OP_ENUM(id, name) IOERR_OP_##id,
    IOERR_OP_LIST(IOERR_OP_ENUM)
#undef IOERR_OP_ENUM
        IOERR_OP_COUNT
} ioerr_op;

typedef void (*ioerr_fn)(void *ctx, uint32_t op, int err, uint64_t detail);

/* Where a module reports.  A NULL fn drops reports (unit tests only). */
typedef struct {
    ioerr_fn fn;
    void *ctx;
    uint64_t reports; /* every report, also the dropped ones */
} ioerr_sink;

void ioerr_report(ioerr_sink *sink, uint32_t op, int err, uint64_t detail);
const char *ioerr_op_name(uint32_t op);

#endif /* IOERR_H_ */
