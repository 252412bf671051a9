/* Role state of the manager: places jobs on workers, requeues when a worker dies.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now so that the role plugs into the node's
 * routing and fan-out (core/role/role.h) by filling them in. */
#ifndef HS_ROLE_MANAGER_H_
#define HS_ROLE_MANAGER_H_

#include "base.h"
#include "ctx.h"

typedef struct {
    uint8_t role;                  /* ROLE_MANAGER: which union member this is */
    uint64_t member_changes_heard; /* fan-out reaches the role (until its issue acts on it) */
} role_manager;

HS_MUST_USE hs_status role_manager_init(role_manager *r);
void role_manager_free(role_manager *r);
void role_manager_on_msg(role_manager *r, step_ctx *ctx, const hs_msg_in *in);
void role_manager_on_timer(role_manager *r, step_ctx *ctx, uint64_t timer_id);
void role_manager_on_timer_refused(role_manager *r, step_ctx *ctx, uint64_t timer_id,
                                   hs_status reason);
void role_manager_on_disk(role_manager *r, step_ctx *ctx, const hs_input *in);
void role_manager_on_send_failed(role_manager *r, step_ctx *ctx, const hs_input *in);
void role_manager_on_conn_closed(role_manager *r, step_ctx *ctx, uint64_t conn_id,
                                 hs_status reason);
void role_manager_on_member(role_manager *r, step_ctx *ctx, const hs_member_change *change);
bool role_manager_owner_live(const role_manager *r, uint32_t space, uint64_t id);
uint32_t role_manager_tables(const role_manager *r, hs_table_view *out, uint32_t cap);
void role_manager_check(const role_manager *r);

#endif /* HS_ROLE_MANAGER_H_ */
