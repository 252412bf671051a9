/* The node's message descriptors (ERROR, HELLO, control requests and
 * replies): the one table that defines their keys, kinds and limits. */
#include "ctl_msg.h"

#include "module_list.h"

static const msg_field error_fields[] = {
    MSG_FIELD(1, MSG_K_U32, msg_error, code, MSG_F_REQ, UINT32_MAX),
    MSG_FIELD(2, MSG_K_U32, msg_error, offending_type, MSG_F_REQ, UINT16_MAX),
    MSG_FIELD_TEXT(3, MSG_K_TEXT, msg_error, detail, detail_len, 0, MSG_DETAIL_MAX),
};

static const msg_field hello_fields[] = {
    MSG_FIELD(1, MSG_K_NAME, msg_hello, name, MSG_F_REQ, 0),
    MSG_FIELD(2, MSG_K_U8, msg_hello, role, MSG_F_REQ, NODE_ROLE_COUNT - 1),
    MSG_FIELD(3, MSG_K_U32, msg_hello, proto_major, MSG_F_REQ, UINT32_MAX),
    MSG_FIELD(4, MSG_K_U32, msg_hello, proto_minor, MSG_F_REQ, UINT32_MAX),
    MSG_FIELD(5, MSG_K_U32, msg_hello, incarnation, MSG_F_REQ, MSG_INCARNATION_MAX),
};

static const msg_field request_fields[] = {
    MSG_FIELD(1, MSG_K_U64, msg_request, request_id, MSG_F_REQ, UINT64_MAX),
};

static const msg_field members_fields[] = {
    MSG_FIELD(1, MSG_K_U64, msg_members, request_id, MSG_F_REQ, UINT64_MAX),
    MSG_FIELD(2, MSG_K_NAME, msg_members, node, MSG_F_REQ, 0),
    MSG_FIELD(3, MSG_K_MEMBER_LIST, msg_members, members, 0, MSG_MEMBERS_MAX),
};

static const msg_field stats_fields[] = {
    MSG_FIELD(1, MSG_K_U64, msg_stats, request_id, MSG_F_REQ, UINT64_MAX),
    MSG_FIELD(2, MSG_K_NAME, msg_stats, node, MSG_F_REQ, 0),
    MSG_FIELD(3, MSG_K_COUNTER_LIST, msg_stats, counters, 0, MSG_COUNTERS_MAX),
};

#define CTL_DESC(id, text, channels, T, fields)                                          \
    {(id), HS_MOD_NODE, (channels), 1, (uint16_t)sizeof(T), (uint16_t)HS_ARRAY_LEN(fields), \
     (text), (fields)}

static const msg_desc error_desc =
    CTL_DESC(MSG_ERROR, "error", MSG_ON_ANY, msg_error, error_fields);
static const msg_desc hello_desc =
    CTL_DESC(MSG_HELLO, "hello", MSG_ON_TCP, msg_hello, hello_fields);
static const msg_desc members_req_desc =
    CTL_DESC(MSG_MEMBERS_REQ, "members_req", MSG_ON_TCP, msg_request, request_fields);
static const msg_desc members_resp_desc =
    CTL_DESC(MSG_MEMBERS_RESP, "members_resp", MSG_ON_TCP, msg_members, members_fields);
static const msg_desc stats_req_desc =
    CTL_DESC(MSG_STATS_REQ, "stats_req", MSG_ON_TCP, msg_request, request_fields);
static const msg_desc stats_resp_desc =
    CTL_DESC(MSG_STATS_RESP, "stats_resp", MSG_ON_TCP, msg_stats, stats_fields);

#define CTL_MSG_LO MSG_ERROR
#define CTL_MSG_HI MSG_STATS_RESP

static const msg_desc *const ctl_msgs[CTL_MSG_HI - CTL_MSG_LO + 1] = {
    [MSG_ERROR - CTL_MSG_LO] = &error_desc,
    [MSG_HELLO - CTL_MSG_LO] = &hello_desc,
    [MSG_MEMBERS_REQ - CTL_MSG_LO] = &members_req_desc,
    [MSG_MEMBERS_RESP - CTL_MSG_LO] = &members_resp_desc,
    [MSG_STATS_REQ - CTL_MSG_LO] = &stats_req_desc,
    [MSG_STATS_RESP - CTL_MSG_LO] = &stats_resp_desc,
};

const msg_table ctl_msg_table = {HS_MOD_NODE, CTL_MSG_LO, CTL_MSG_HI, ctl_msgs};
