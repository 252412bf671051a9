/* The event loop: one epoll instance, one timerfd for the earliest
 * deadline, and one signalfd for SIGTERM and SIGINT (Redis's ae.c, cut to
 * what one node needs).
 *
 * Registrations carry a 64-bit token chosen by the caller instead of a
 * pointer, so an event queued for a connection that was closed earlier in
 * the same batch is recognised as stale by the caller (token generation)
 * rather than dereferenced.  The loop is level-triggered everywhere: a
 * reader that stops after a bounded amount of work is simply called again
 * on the next iteration, which is how UDP floods are kept from starving
 * TCP. */
#ifndef LOOP_H_
#define LOOP_H_

#include <signal.h>

#include "base.h"
#include "ioerr.h"

/* Tokens 0..LOOP_TOKEN_RESERVED are the loop's own. */
#define LOOP_TOKEN_TIMER UINT64_C(1)
#define LOOP_TOKEN_SIGNAL UINT64_C(2)
#define LOOP_TOKEN_RESERVED UINT64_C(15)

#define LOOP_BATCH_MAX 256u /* events taken from one epoll_wait */

typedef struct {
    uint64_t token;
    uint32_t events; /* EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, ... */
    int signo;       /* for LOOP_TOKEN_SIGNAL */
} loop_fired;

typedef struct {
    int epoll_fd;
    int timer_fd;
    int signal_fd;
    bool signals_blocked;
    sigset_t old_mask;
    uint64_t armed_ns; /* deadline the timerfd holds, HS_TIME_NEVER if none */
    uint32_t registered;
    ioerr_sink *sink;
} loop;

/* Creates the epoll, timer and signal descriptors and blocks SIGTERM and
 * SIGINT so they arrive only through the signalfd; SIGPIPE is ignored
 * because every send uses MSG_NOSIGNAL anyway and a stray write must not
 * kill the node. */
HS_MUST_USE hs_status loop_init(loop *l, ioerr_sink *sink);
void loop_free(loop *l);

HS_MUST_USE hs_status loop_add(loop *l, int fd, uint32_t events, uint64_t token);
HS_MUST_USE hs_status loop_mod(loop *l, int fd, uint32_t events, uint64_t token);
/* Removing is best effort: closing the fd removes it too. */
void loop_del(loop *l, int fd);

/* Arms the timerfd at an absolute CLOCK_MONOTONIC deadline (HS_TIME_NEVER
 * disarms).  Re-arming to the same deadline is free. */
void loop_arm(loop *l, uint64_t deadline_ns);

/* Waits for events (timeout_ms < 0: until something happens) and fills out.
 * Timer expirations and signals are read here and reported with the
 * reserved tokens.  Returns the number of entries filled. */
uint32_t loop_wait(loop *l, loop_fired *out, uint32_t cap, int timeout_ms);

/* CLOCK_MONOTONIC in nanoseconds: the only clock a node ever sees. */
uint64_t loop_now_ns(ioerr_sink *sink);

#endif /* LOOP_H_ */
