/* Role state of a worker: runs workflows on its cores.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now so that the role plugs into the node's
 * routing and fan-out (core/role/role.h) by filling them in. */
#ifndef HS_ROLE_WORKER_H_
#define HS_ROLE_WORKER_H_

#include "base.h"
#include "ctx.h"

typedef struct {
    uint8_t role;                  /* ROLE_WORKER: which union member this is */
    uint64_t member_changes_heard; /* fan-out reaches the role (until its issue acts on it) */
} role_worker;

HS_MUST_USE hs_status role_worker_init(role_worker *r);
void role_worker_free(role_worker *r);
void role_worker_on_msg(role_worker *r, step_ctx *ctx, const hs_msg_in *in);
void role_worker_on_timer(role_worker *r, step_ctx *ctx, uint64_t timer_id);
void role_worker_on_timer_refused(role_worker *r, step_ctx *ctx, uint64_t timer_id,
                                  hs_status reason);
void role_worker_on_disk(role_worker *r, step_ctx *ctx, const hs_input *in);
void role_worker_on_send_failed(role_worker *r, step_ctx *ctx, const hs_input *in);
void role_worker_on_conn_closed(role_worker *r, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void role_worker_on_member(role_worker *r, step_ctx *ctx, const hs_member_change *change);
bool role_worker_owner_live(const role_worker *r, uint32_t space, uint64_t id);
uint32_t role_worker_tables(const role_worker *r, hs_table_view *out, uint32_t cap);
void role_worker_check(const role_worker *r);

#endif /* HS_ROLE_WORKER_H_ */
