/* epoll + timerfd + signalfd.  See loop.h for why tokens, not pointers. */
#include "loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void close_fd(loop *l, int *fd)
{
    if (*fd >= 0 && close(*fd) != 0) {
        ioerr_report(l->sink, IOERR_OP_CLOSE, errno, (uint64_t)*fd);
    }
    *fd = -1;
}

static hs_status block_signals(loop *l)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, &l->old_mask) != 0) {
        ioerr_report(l->sink, IOERR_OP_SIGPROCMASK, errno, 0);
        return HS_ERR_IO;
    }
    l->signals_blocked = true;
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        ioerr_report(l->sink, IOERR_OP_SIGPROCMASK, errno, SIGPIPE);
        return HS_ERR_IO;
    }
    l->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (l->signal_fd < 0) {
        ioerr_report(l->sink, IOERR_OP_SIGNALFD_CREATE, errno, 0);
        return HS_ERR_IO;
    }
    return HS_OK;
}

hs_status loop_init(loop *l, ioerr_sink *sink)
{
    memset(l, 0, sizeof(*l));
    l->epoll_fd = -1;
    l->timer_fd = -1;
    l->signal_fd = -1;
    l->armed_ns = HS_TIME_NEVER;
    l->sink = sink;
    l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epoll_fd < 0) {
        ioerr_report(sink, IOERR_OP_EPOLL_CREATE, errno, 0);
        goto fail;
    }
    l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (l->timer_fd < 0) {
        ioerr_report(sink, IOERR_OP_TIMERFD_CREATE, errno, 0);
        goto fail;
    }
    if (block_signals(l) != HS_OK) {
        goto fail;
    }
    if (loop_add(l, l->timer_fd, EPOLLIN, LOOP_TOKEN_TIMER) != HS_OK ||
        loop_add(l, l->signal_fd, EPOLLIN, LOOP_TOKEN_SIGNAL) != HS_OK) {
        goto fail;
    }
    return HS_OK;
fail:
    loop_free(l);
    return HS_ERR_IO;
}

void loop_free(loop *l)
{
    close_fd(l, &l->signal_fd);
    close_fd(l, &l->timer_fd);
    close_fd(l, &l->epoll_fd);
    if (l->signals_blocked) {
        if (sigprocmask(SIG_SETMASK, &l->old_mask, NULL) != 0) {
            ioerr_report(l->sink, IOERR_OP_SIGPROCMASK, errno, 1);
        }
        l->signals_blocked = false;
    }
}

static hs_status ctl(loop *l, int op, int fd, uint32_t events, uint64_t token)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(l->epoll_fd, op, fd, &ev) != 0) {
        ioerr_report(l->sink, IOERR_OP_EPOLL_CTL, errno, (uint64_t)fd);
        return HS_ERR_IO;
    }
    return HS_OK;
}

hs_status loop_add(loop *l, int fd, uint32_t events, uint64_t token)
{
    hs_status status = ctl(l, EPOLL_CTL_ADD, fd, events, token);
    if (status == HS_OK) {
        l->registered++;
    }
    return status;
}

hs_status loop_mod(loop *l, int fd, uint32_t events, uint64_t token)
{
    return ctl(l, EPOLL_CTL_MOD, fd, events, token);
}

void loop_del(loop *l, int fd)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    if (epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, fd, &ev) != 0) {
        ioerr_report(l->sink, IOERR_OP_EPOLL_CTL, errno, (uint64_t)fd);
        return;
    }
    HS_ASSERT(l->registered > 0);
    l->registered--;
}

void loop_arm(loop *l, uint64_t deadline_ns)
{
    if (deadline_ns == l->armed_ns) {
        return;
    }
    struct itimerspec spec;
    memset(&spec, 0, sizeof(spec));
    if (deadline_ns != HS_TIME_NEVER) {
        /* A zero it_value would disarm: a deadline at time 0 means "now". */
        uint64_t at = deadline_ns == 0 ? 1 : deadline_ns;
        spec.it_value.tv_sec = (time_t)(at / HS_NS_PER_SEC);
        spec.it_value.tv_nsec = (long)(at % HS_NS_PER_SEC);
    }
    if (timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL) != 0) {
        ioerr_report(l->sink, IOERR_OP_TIMERFD_SETTIME, errno, deadline_ns);
        l->armed_ns = HS_TIME_NEVER;
        return;
    }
    l->armed_ns = deadline_ns;
}

/* Drains the timerfd so it stops being readable; EAGAIN means a re-arm
 * already cleared it, which is fine. */
static void read_timer(loop *l)
{
    uint64_t expirations = 0;
    ssize_t got = read(l->timer_fd, &expirations, sizeof(expirations));
    if (got < 0 && errno != EAGAIN) {
        ioerr_report(l->sink, IOERR_OP_TIMERFD_READ, errno, 0);
    }
    l->armed_ns = HS_TIME_NEVER;
}

static int read_signal(loop *l)
{
    struct signalfd_siginfo info;
    ssize_t got = read(l->signal_fd, &info, sizeof(info));
    if (got == (ssize_t)sizeof(info)) {
        return (int)info.ssi_signo;
    }
    if (got < 0 && errno != EAGAIN) {
        ioerr_report(l->sink, IOERR_OP_SIGNALFD_READ, errno, 0);
    }
    return 0;
}

uint32_t loop_wait(loop *l, loop_fired *out, uint32_t cap, int timeout_ms)
{
    struct epoll_event evs[LOOP_BATCH_MAX];
    int max = (int)(cap < LOOP_BATCH_MAX ? cap : LOOP_BATCH_MAX);
    int n = epoll_wait(l->epoll_fd, evs, max, timeout_ms);
    if (n < 0) {
        /* EINTR is how a debugger or a stop signal looks: not an error. */
        if (errno != EINTR) {
            ioerr_report(l->sink, IOERR_OP_EPOLL_WAIT, errno, 0);
        }
        return 0;
    }
    uint32_t filled = 0;
    for (int i = 0; i < n; i++) {
        loop_fired *f = &out[filled];
        f->token = evs[i].data.u64;
        f->events = evs[i].events;
        f->signo = 0;
        if (f->token == LOOP_TOKEN_TIMER) {
            read_timer(l);
        } else if (f->token == LOOP_TOKEN_SIGNAL) {
            f->signo = read_signal(l);
            if (f->signo == 0) {
                continue;
            }
        }
        filled++;
    }
    return filled;
}

uint64_t loop_now_ns(ioerr_sink *sink)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        /* Cannot happen on Linux for CLOCK_MONOTONIC; report and let the
         * caller keep its last reading rather than go back in time. */
        ioerr_report(sink, IOERR_OP_CLOCK_GETTIME, errno, 0);
        return 0;
    }
    return (uint64_t)ts.tv_sec * HS_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}
