/* The node's own messages (types 8..31, core/base/module_list.h): the
 * ERROR reply, the TCP HELLO and the control requests and replies, with
 * their body structs and the descriptor table the registry collects. */
#ifndef HS_CTL_MSG_H_
#define HS_CTL_MSG_H_

#include "msg.h"

enum {
    MSG_ERROR = 8,
    MSG_HELLO = 9,
    MSG_MEMBERS_REQ = 16,
    MSG_MEMBERS_RESP = 17,
    MSG_STATS_REQ = 18,
    MSG_STATS_RESP = 19,
};

/* ERROR: explicit negative reply, on either channel.
 * Wire: {1: code (hs_status), 2: offending message type, 3: detail text}. */
typedef struct {
    uint32_t code;
    uint32_t offending_type;
    uint8_t detail_len;
    char detail[MSG_DETAIL_MAX + 1];
} msg_error;

/* HELLO: the first frame on every TCP connection, in both directions; it
 * binds the connection to a peer (core/node/peers.c).
 * Wire: {1: name, 2: role, 3: proto major, 4: proto minor, 5: incarnation}. */
typedef struct {
    hs_name name;
    uint8_t role; /* node_role */
    uint32_t proto_major;
    uint32_t proto_minor;
    uint32_t incarnation;
} msg_hello;

/* MEMBERS_REQ, STATS_REQ: {1: request id}. */
typedef struct {
    uint64_t request_id;
} msg_request;

/* MEMBERS_RESP: {1: request id, 2: node name, 3: members array}. */
typedef struct {
    uint64_t request_id;
    hs_name node;
    msg_member_list members; /* at most MSG_MEMBERS_MAX */
} msg_members;

/* STATS_RESP: {1: request id, 2: node name, 3: array of {0: name, 1: value}}. */
typedef struct {
    uint64_t request_id;
    hs_name node;
    msg_counter_list counters; /* at most MSG_COUNTERS_MAX */
} msg_stats;

extern const msg_table ctl_msg_table;

#endif /* HS_CTL_MSG_H_ */
