/* Role state of a load-test client: submits jobs through a gate.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now so that the role plugs into the node's
 * routing and fan-out (core/role/role.h) by filling them in. */
#ifndef HS_ROLE_CLIENT_H_
#define HS_ROLE_CLIENT_H_

#include "base.h"
#include "ctx.h"

typedef struct {
    uint8_t role;                  /* ROLE_CLIENT: which union member this is */
    uint64_t member_changes_heard; /* fan-out reaches the role (until its issue acts on it) */
} role_client;

HS_MUST_USE hs_status role_client_init(role_client *r);
void role_client_free(role_client *r);
void role_client_on_msg(role_client *r, step_ctx *ctx, const hs_msg_in *in);
void role_client_on_timer(role_client *r, step_ctx *ctx, uint64_t timer_id);
void role_client_on_timer_refused(role_client *r, step_ctx *ctx, uint64_t timer_id,
                                  hs_status reason);
void role_client_on_disk(role_client *r, step_ctx *ctx, const hs_input *in);
void role_client_on_send_failed(role_client *r, step_ctx *ctx, const hs_input *in);
void role_client_on_conn_closed(role_client *r, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void role_client_on_member(role_client *r, step_ctx *ctx, const hs_member_change *change);
bool role_client_owner_live(const role_client *r, uint32_t space, uint64_t id);
uint32_t role_client_tables(const role_client *r, hs_table_view *out, uint32_t cap);
void role_client_check(const role_client *r);

#endif /* HS_ROLE_CLIENT_H_ */
