/* Role state of the gate: admits jobs and forwards them to the manager.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now so that the role plugs into the node's
 * routing and fan-out (core/role/role.h) by filling them in. */
#ifndef HS_ROLE_GATE_H_
#define HS_ROLE_GATE_H_

#include "base.h"
#include "ctx.h"

typedef struct {
    uint8_t role;                  /* ROLE_GATE: which union member this is */
    uint64_t member_changes_heard; /* fan-out reaches the role (until its issue acts on it) */
} role_gate;

HS_MUST_USE hs_status role_gate_init(role_gate *r);
void role_gate_free(role_gate *r);
void role_gate_on_msg(role_gate *r, step_ctx *ctx, const hs_msg_in *in);
void role_gate_on_timer(role_gate *r, step_ctx *ctx, uint64_t timer_id);
void role_gate_on_timer_refused(role_gate *r, step_ctx *ctx, uint64_t timer_id, hs_status reason);
void role_gate_on_disk(role_gate *r, step_ctx *ctx, const hs_input *in);
void role_gate_on_send_failed(role_gate *r, step_ctx *ctx, const hs_input *in);
void role_gate_on_conn_closed(role_gate *r, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void role_gate_on_member(role_gate *r, step_ctx *ctx, const hs_member_change *change);
bool role_gate_owner_live(const role_gate *r, uint32_t space, uint64_t id);
uint32_t role_gate_tables(const role_gate *r, hs_table_view *out, uint32_t cap);
void role_gate_check(const role_gate *r);

#endif /* HS_ROLE_GATE_H_ */
