/* The control client used by hsctl: one request, one reply, over a fresh
 * blocking TCP connection with a deadline.  It speaks the same frames and
 * messages as the node (msg_encode_frame, frame_decode, msg_decode), so a
 * reply is checked exactly as the node checks what it receives.  Every
 * connection starts with a HELLO (role client) and the node's HELLO must
 * come back with the same protocol major before the reply is read. */
#ifndef CTL_H_
#define CTL_H_

#include "base.h"
#include "msg.h"
#include "ctl_msg.h"
#include "msg_registry.h"

#define CTL_ERR_MAX 256u

typedef struct {
    hs_name node;         /* who answered */
    msg_member *members;  /* MSG_MEMBERS_MAX entries, owned */
    uint32_t count;
} ctl_members;

/* Sends MEMBERS_REQ to addr and decodes the reply into out (allocated by
 * the call; free with ctl_members_free).  On failure err says why. */
HS_MUST_USE hs_status ctl_get_members(hs_addr addr, uint32_t timeout_ms, ctl_members *out,
                                      char *err, size_t err_cap);
void ctl_members_free(ctl_members *m);

typedef struct {
    hs_name node; /* who answered */
    uint32_t count;
    msg_counter counters[MSG_COUNTERS_MAX];
} ctl_stats;

/* Sends STATS_REQ and decodes the counters. */
HS_MUST_USE hs_status ctl_get_stats(hs_addr addr, uint32_t timeout_ms, ctl_stats *out, char *err,
                                    size_t err_cap);

#endif /* CTL_H_ */
