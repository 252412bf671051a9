/* Dispatch of the module entry points to the node's role (role.h). */
#include "role.h"

#include <string.h>

HS_STATIC_ASSERT(NODE_ROLE_COUNT == 4, "one union member per node_role");

/* Calls role_<name>_<entry>(&r->u.<name>, args) for the live role. */
#define ROLE_DISPATCH(r, entry, ...)                                       \
    do {                                                                   \
        switch ((r)->role) {                                               \
        case ROLE_CLIENT:                                                  \
            role_client_##entry(&(r)->u.client, __VA_ARGS__);              \
            break;                                                         \
        case ROLE_GATE:                                                    \
            role_gate_##entry(&(r)->u.gate, __VA_ARGS__);                  \
            break;                                                         \
        case ROLE_MANAGER:                                                 \
            role_manager_##entry(&(r)->u.manager, __VA_ARGS__);            \
            break;                                                         \
        case ROLE_WORKER:                                                  \
            role_worker_##entry(&(r)->u.worker, __VA_ARGS__);              \
            break;                                                         \
        default:                                                           \
            HS_UNREACHABLE();                                              \
        }                                                                  \
    } while (0)

hs_status role_init(role_state *r, uint8_t role)
{
    HS_ASSERT(role < NODE_ROLE_COUNT);
    memset(r, 0, sizeof(*r));
    r->role = role;
    switch (role) {
    case ROLE_CLIENT:
        return role_client_init(&r->u.client);
    case ROLE_GATE:
        return role_gate_init(&r->u.gate);
    case ROLE_MANAGER:
        return role_manager_init(&r->u.manager);
    default:
        HS_ASSERT(role == ROLE_WORKER);
        return role_worker_init(&r->u.worker);
    }
}

void role_free(role_state *r)
{
    switch (r->role) {
    case ROLE_CLIENT:
        role_client_free(&r->u.client);
        break;
    case ROLE_GATE:
        role_gate_free(&r->u.gate);
        break;
    case ROLE_MANAGER:
        role_manager_free(&r->u.manager);
        break;
    default:
        HS_ASSERT(r->role == ROLE_WORKER);
        role_worker_free(&r->u.worker);
        break;
    }
}

void role_on_msg(role_state *r, step_ctx *ctx, const hs_msg_in *in)
{
    ROLE_DISPATCH(r, on_msg, ctx, in);
}

void role_on_timer(role_state *r, step_ctx *ctx, uint64_t timer_id)
{
    ROLE_DISPATCH(r, on_timer, ctx, timer_id);
}

void role_on_timer_refused(role_state *r, step_ctx *ctx, uint64_t timer_id, hs_status reason)
{
    ROLE_DISPATCH(r, on_timer_refused, ctx, timer_id, reason);
}

void role_on_disk(role_state *r, step_ctx *ctx, const hs_input *in)
{
    ROLE_DISPATCH(r, on_disk, ctx, in);
}

void role_on_send_failed(role_state *r, step_ctx *ctx, const hs_input *in)
{
    ROLE_DISPATCH(r, on_send_failed, ctx, in);
}

void role_on_conn_closed(role_state *r, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    ROLE_DISPATCH(r, on_conn_closed, ctx, conn_id, reason);
}

void role_on_member(role_state *r, step_ctx *ctx, const hs_member_change *change)
{
    ROLE_DISPATCH(r, on_member, ctx, change);
}

void role_on_wake(role_state *r, step_ctx *ctx)
{
    ROLE_DISPATCH(r, on_wake, ctx);
}

bool role_owner_live(const role_state *r, uint32_t space, uint64_t id)
{
    HS_ASSERT(space == HS_ID_TIMER || space == HS_ID_DISK_OP);
    switch (r->role) {
    case ROLE_CLIENT:
        return role_client_owner_live(&r->u.client, space, id);
    case ROLE_GATE:
        return role_gate_owner_live(&r->u.gate, space, id);
    case ROLE_MANAGER:
        return role_manager_owner_live(&r->u.manager, space, id);
    default:
        HS_ASSERT(r->role == ROLE_WORKER);
        return role_worker_owner_live(&r->u.worker, space, id);
    }
}

uint32_t role_tables(const role_state *r, hs_table_view *out, uint32_t cap)
{
    HS_ASSERT(out != NULL || cap == 0);
    switch (r->role) {
    case ROLE_CLIENT:
        return role_client_tables(&r->u.client, out, cap);
    case ROLE_GATE:
        return role_gate_tables(&r->u.gate, out, cap);
    case ROLE_MANAGER:
        return role_manager_tables(&r->u.manager, out, cap);
    default:
        HS_ASSERT(r->role == ROLE_WORKER);
        return role_worker_tables(&r->u.worker, out, cap);
    }
}

void role_check(const role_state *r)
{
    HS_ASSERT_MSG(r->role < NODE_ROLE_COUNT, "role: a valid role selects the union member");
    switch (r->role) {
    case ROLE_CLIENT:
        role_client_check(&r->u.client);
        break;
    case ROLE_GATE:
        role_gate_check(&r->u.gate);
        break;
    case ROLE_MANAGER:
        role_manager_check(&r->u.manager);
        break;
    default:
        role_worker_check(&r->u.worker);
        break;
    }
}
