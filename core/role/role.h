/* The node's role state: one of a union of role structs, selected by the
 * node's role (raft's layout: `state` plus a union of per-state structs).
 *
 * Each role has the module entry points (role_<name>.h); role_* below
 * dispatches to the node's role.  Today the roles own no timer kinds,
 * message types or files, so the node only fans out to them what every
 * module hears: membership changes, closed connections, the table report
 * and the self-check.  A role that gains timers or messages gets its row in
 * core/base/module_list.h and the node routes to it through these calls. */
#ifndef HS_ROLE_H_
#define HS_ROLE_H_

#include "base.h"
#include "ctx.h"
#include "role_client.h"
#include "role_gate.h"
#include "role_manager.h"
#include "role_worker.h"

typedef struct {
    uint8_t role; /* node_role: which member of u is live */
    union {
        role_client client;
        role_gate gate;
        role_manager manager;
        role_worker worker;
    } u;
} role_state;

HS_MUST_USE hs_status role_init(role_state *r, uint8_t role);
void role_free(role_state *r);
void role_on_msg(role_state *r, step_ctx *ctx, const hs_msg_in *in);
void role_on_timer(role_state *r, step_ctx *ctx, uint64_t timer_id);
void role_on_timer_refused(role_state *r, step_ctx *ctx, uint64_t timer_id, hs_status reason);
void role_on_disk(role_state *r, step_ctx *ctx, const hs_input *in);
void role_on_send_failed(role_state *r, step_ctx *ctx, const hs_input *in);
void role_on_conn_closed(role_state *r, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void role_on_member(role_state *r, step_ctx *ctx, const hs_member_change *change);
void role_on_wake(role_state *r, step_ctx *ctx);
bool role_owner_live(const role_state *r, uint32_t space, uint64_t id);
uint32_t role_tables(const role_state *r, hs_table_view *out, uint32_t cap);
void role_check(const role_state *r);

#endif /* HS_ROLE_H_ */
