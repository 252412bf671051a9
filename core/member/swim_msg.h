/* SWIM's messages (types 1..7, core/base/module_list.h): their body structs
 * and the descriptor table the node's registry collects.  docs/wire.md
 * section 3.3 has the keys; the table in swim_msg.c is the definition. */
#ifndef HS_SWIM_MSG_H_
#define HS_SWIM_MSG_H_

#include "msg.h"

enum {
    MSG_PING = 1,
    MSG_ACK = 2,
    MSG_PING_REQ = 3,
    MSG_JOIN = 4,
    MSG_JOIN_ACK = 5,
    MSG_SYNC = 6,
    MSG_SYNC_ACK = 7,
};

/* PING, ACK and PING_REQ.
 * Wire: {1: seq, 2: source name, 3: target name (PING, PING_REQ),
 *        4: target addr (PING_REQ), 5: gossip array,
 *        6: target incarnation as the sender knows it (PING, PING_REQ;
 *           optional)}.
 * seq pairs an ACK with its PING.  target lets a node that took over a
 * reused address refuse a probe meant for someone else.  target_inc lets
 * the target answer with its own record only when the prober's copy is
 * stale, instead of on every ack. */
typedef struct {
    uint64_t seq;
    hs_name source;
    hs_name target;      /* empty in ACK */
    hs_addr target_addr; /* PING_REQ only */
    bool has_target_inc;
    uint32_t target_inc;
    msg_member_list gossip; /* at most MSG_GOSSIP_MAX */
} msg_probe;

/* JOIN, JOIN_ACK, SYNC, SYNC_ACK: push-pull of member lists.
 * Wire: {1: seq, 2: source name, 3: proto major, 4: proto minor,
 *        5: status (JOIN_ACK only: hs_status, 0 = accepted), 6: members}. */
typedef struct {
    uint64_t seq;
    hs_name source;
    uint32_t proto_major;
    uint32_t proto_minor;
    uint32_t status;
    msg_member_list members; /* at most MSG_SYNC_MAX */
} msg_sync;

extern const msg_table swim_msg_table;

#endif /* HS_SWIM_MSG_H_ */
