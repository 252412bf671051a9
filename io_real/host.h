/* The real host: owns one node and drives it from the epoll loop.
 *
 * It turns syscalls into inputs (datagrams, frames, timer expirations read
 * against CLOCK_MONOTONIC, disk completions, closed connections, stop
 * signals) and outputs into syscalls (sendto, queued TCP writes, timers,
 * pwrite/fdatasync/pread, log lines).  It decides nothing about membership:
 * that is core's.
 *
 * Obligations from core/node.h, and where they are kept:
 * - START once, first: host_run delivers it before entering the loop;
 * - disk outputs executed in order, one DISK_DONE each, after the step that
 *   asked (files.c queues completions; host delivers them after the step);
 * - one armed timer per id (timers.c re-arms);
 * - never re-entrant: outputs are executed after node_step returns, and
 *   everything they cause (closed connections, disk completions) is queued
 *   and delivered as the next inputs.
 *
 * Stop: the first SIGTERM or SIGINT delivers HS_CMD_LEAVE and keeps the
 * loop running for leave_grace_ms so the leave gossip goes out, then
 * host_run returns 0; a second signal ends the loop at once.  A
 * HS_EV_NODE_HALTED record from core also ends it at once. */
#ifndef HOST_H_
#define HOST_H_

#include "base.h"
#include "config.h"
#include "ioerr.h"
#include "log.h"

#define HOST_TOKEN_UDP (UINT64_C(0x20) << 56)
#define HOST_TICK_NS HS_MS(100)       /* housekeeping: tcp timeouts, log summaries */
#define HOST_TIMER_BATCH 1024u        /* timers fired before looking at sockets */

typedef struct host host;

typedef struct {
    uint64_t steps;
    uint64_t timers_fired;
    uint64_t wakeups; /* HS_IN_WAKE inputs delivered (hs_outbox.wake_ns) */
    uint64_t udp_rx;
    uint64_t host_errors;
    uint64_t op_errors[64]; /* by ioerr op */
    uint64_t pending_max;
    uint64_t send_failed_coalesced; /* frames folded into a queued SEND_FAILED */
    uint64_t send_failed_spilled;   /* frames folded into the spill input */
    uint64_t counters_truncated;    /* host counters beyond NODE_HOST_COUNTERS_MAX */
} host_stats;

/* Opens the data directory, binds UDP and TCP on cfg->node.addr, creates
 * the node.  On failure why holds one sentence for the operator. */
HS_MUST_USE hs_status host_create(const config *cfg, log_sink *lg, host **out, char *why,
                                  size_t why_cap);
#define HOST_EXIT_HALTED 1

/* Runs until stopped; returns the process exit status: 0 after a stop
 * signal, HOST_EXIT_HALTED when core halted the node (HS_EV_NODE_HALTED:
 * its durable metadata is unusable), which ends the loop at once. */
int host_run(host *h);
/* After host_run: true when the node halted, with one sentence for the
 * operator in why. */
bool host_halted(const host *h, char *why, size_t why_cap);
void host_destroy(host *h);

const host_stats *host_get_stats(const host *h);
HS_STATIC_ASSERT(IOERR_OP_COUNT <= 64, "host_stats.op_errors holds every op");

#endif /* HOST_H_ */
