/* The NODE module: the node's own control and error traffic.  It owns the
 * message types of core/base/module_list.h's NODE row: ERROR (received:
 * counted, never answered), the control requests MEMBERS_REQ and STATS_REQ
 * (answered on their TCP connection) and the replies, which a node never
 * asks for and so answers with an error.  It also answers what the node
 * cannot process (bad frames, unknown types) with rate-limited ERROR
 * replies, and keeps the connection counters.
 *
 * It keeps the TCP peer bindings (peers.h): every TCP message passes its
 * HELLO gate before it is routed to any module.
 *
 * It reads SWIM's member table (read-only) for members replies and the
 * node's counters (through the step context) for stats replies. */
#ifndef HS_NODE_CTL_H_
#define HS_NODE_CTL_H_

#include "base.h"
#include "bucket.h"
#include "ctl_msg.h"
#include "ctx.h"
#include "peers.h"
#include "swim.h"

typedef struct {
    hs_name name;
    const swim *swim;       /* read-only view for members replies */
    bucket error_replies;   /* token bucket for ERROR replies */
    msg_member *reply_list; /* members reply rows: self plus every member */
    uint32_t reply_cap;
    msg_counter reply_counters[MSG_COUNTERS_MAX]; /* stats reply rows */
    peers peers;            /* TCP connections bound by HELLO */
} node_ctl;

HS_MUST_USE hs_status node_ctl_init(node_ctl *c, const hs_name *name, const swim *sw,
                                    uint32_t members_cap, uint32_t peers_max,
                                    uint32_t error_reply_per_sec, uint32_t error_reply_burst);
void node_ctl_free(node_ctl *c);

/* Answers in (a received frame the node could not take) with ERROR code,
 * within the rate limit; every suppressed reply is counted and reported. */
void node_ctl_reply_error(node_ctl *c, step_ctx *ctx, const hs_msg_in *in, hs_status code,
                          uint32_t offending_type);

/* Core closes a TCP connection (a bad frame, an evicted binding): the
 * CLOSE and the binding's removal in one step (peers_close). */
void node_ctl_close(node_ctl *c, step_ctx *ctx, uint64_t conn_id);

/* The HELLO gate for a decoded TCP message: false when the message was a
 * HELLO (bound and answered) or was refused (answered with an ERROR);
 * true when it may be routed, with in->peer set to the bound name. */
HS_MUST_USE bool node_ctl_admit(node_ctl *c, step_ctx *ctx, hs_msg_in *in);

/* The module entry points every module has (docs/design/modules.md). */
void node_ctl_on_msg(node_ctl *c, step_ctx *ctx, const hs_msg_in *in);
void node_ctl_on_timer(node_ctl *c, step_ctx *ctx, uint64_t timer_id);
void node_ctl_on_timer_refused(node_ctl *c, step_ctx *ctx, uint64_t timer_id, hs_status reason);
void node_ctl_on_disk(node_ctl *c, step_ctx *ctx, const hs_input *in);
void node_ctl_on_send_failed(node_ctl *c, step_ctx *ctx, const hs_input *in);
void node_ctl_on_conn_closed(node_ctl *c, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void node_ctl_on_member(node_ctl *c, step_ctx *ctx, const hs_member_change *change);
void node_ctl_on_wake(node_ctl *c, step_ctx *ctx);
bool node_ctl_owner_live(const node_ctl *c, uint32_t space, uint64_t id);
uint32_t node_ctl_tables(const node_ctl *c, hs_table_view *out, uint32_t cap);
void node_ctl_check(const node_ctl *c);

#endif /* HS_NODE_CTL_H_ */
