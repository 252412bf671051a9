/* SWIM's message descriptors: one table, the only place that says which
 * keys a SWIM message carries, their kinds, limits and whether they are
 * required.  The codec (core/wire/msg.c) runs them; core/node's registry
 * collects swim_msg_table. */
#include "swim_msg.h"

#include "module_list.h"

#define PROBE_SEQ MSG_FIELD(1, MSG_K_U64, msg_probe, seq, MSG_F_REQ, MSG_SEQ_MAX)
#define PROBE_SOURCE MSG_FIELD(2, MSG_K_NAME, msg_probe, source, MSG_F_REQ, 0)
#define PROBE_TARGET MSG_FIELD(3, MSG_K_NAME, msg_probe, target, MSG_F_REQ, 0)
#define PROBE_TARGET_ADDR MSG_FIELD(4, MSG_K_ADDR, msg_probe, target_addr, MSG_F_REQ, 0)
#define PROBE_GOSSIP MSG_FIELD(5, MSG_K_MEMBER_LIST, msg_probe, gossip, 0, MSG_GOSSIP_MAX)
#define PROBE_TARGET_INC                                                                    \
    MSG_FIELD_HAS(6, MSG_K_U32, msg_probe, target_inc, has_target_inc, MSG_INCARNATION_MAX)

static const msg_field ping_fields[] = {PROBE_SEQ,    PROBE_SOURCE,    PROBE_TARGET,
                                        PROBE_GOSSIP, PROBE_TARGET_INC};
static const msg_field ack_fields[] = {PROBE_SEQ, PROBE_SOURCE, PROBE_GOSSIP};
static const msg_field ping_req_fields[] = {PROBE_SEQ,         PROBE_SOURCE, PROBE_TARGET,
                                            PROBE_TARGET_ADDR, PROBE_GOSSIP, PROBE_TARGET_INC};

#define SYNC_SEQ MSG_FIELD(1, MSG_K_U64, msg_sync, seq, MSG_F_REQ, MSG_SEQ_MAX)
#define SYNC_SOURCE MSG_FIELD(2, MSG_K_NAME, msg_sync, source, MSG_F_REQ, 0)
#define SYNC_MAJOR MSG_FIELD(3, MSG_K_U32, msg_sync, proto_major, MSG_F_REQ, UINT32_MAX)
#define SYNC_MINOR MSG_FIELD(4, MSG_K_U32, msg_sync, proto_minor, MSG_F_REQ, UINT32_MAX)
#define SYNC_STATUS MSG_FIELD(5, MSG_K_U32, msg_sync, status, MSG_F_REQ, UINT32_MAX)
#define SYNC_MEMBERS MSG_FIELD(6, MSG_K_MEMBER_LIST, msg_sync, members, 0, MSG_SYNC_MAX)

static const msg_field sync_fields[] = {SYNC_SEQ, SYNC_SOURCE, SYNC_MAJOR, SYNC_MINOR,
                                        SYNC_MEMBERS};
static const msg_field join_ack_fields[] = {SYNC_SEQ,   SYNC_SOURCE, SYNC_MAJOR,
                                            SYNC_MINOR, SYNC_STATUS, SYNC_MEMBERS};

#define SWIM_DESC(id, text, T, fields)                                                      \
    {(id), HS_MOD_SWIM, MSG_ON_UDP, 1, (uint16_t)sizeof(T), (uint16_t)HS_ARRAY_LEN(fields), \
     (text), (fields)}

static const msg_desc ping_desc = SWIM_DESC(MSG_PING, "ping", msg_probe, ping_fields);
static const msg_desc ack_desc = SWIM_DESC(MSG_ACK, "ack", msg_probe, ack_fields);
static const msg_desc ping_req_desc =
    SWIM_DESC(MSG_PING_REQ, "ping_req", msg_probe, ping_req_fields);
static const msg_desc join_desc = SWIM_DESC(MSG_JOIN, "join", msg_sync, sync_fields);
static const msg_desc join_ack_desc =
    SWIM_DESC(MSG_JOIN_ACK, "join_ack", msg_sync, join_ack_fields);
static const msg_desc sync_desc = SWIM_DESC(MSG_SYNC, "sync", msg_sync, sync_fields);
static const msg_desc sync_ack_desc = SWIM_DESC(MSG_SYNC_ACK, "sync_ack", msg_sync, sync_fields);

#define SWIM_MSG_LO MSG_PING
#define SWIM_MSG_HI MSG_SYNC_ACK

static const msg_desc *const swim_msgs[SWIM_MSG_HI - SWIM_MSG_LO + 1] = {
    [MSG_PING - SWIM_MSG_LO] = &ping_desc,         [MSG_ACK - SWIM_MSG_LO] = &ack_desc,
    [MSG_PING_REQ - SWIM_MSG_LO] = &ping_req_desc, [MSG_JOIN - SWIM_MSG_LO] = &join_desc,
    [MSG_JOIN_ACK - SWIM_MSG_LO] = &join_ack_desc, [MSG_SYNC - SWIM_MSG_LO] = &sync_desc,
    [MSG_SYNC_ACK - SWIM_MSG_LO] = &sync_ack_desc,
};

const msg_table swim_msg_table = {HS_MOD_SWIM, SWIM_MSG_LO, SWIM_MSG_HI, swim_msgs};
