/* Role state of a load-test client: submits jobs through a gate:
 * no behaviour yet (role_client.h). */
#include "role_client.h"

#include <string.h>

hs_status role_client_init(role_client *r)
{
    memset(r, 0, sizeof(*r));
    r->role = ROLE_CLIENT;
    return HS_OK;
}

void role_client_free(role_client *r)
{
    /* Nothing allocated yet. */
    HS_ASSERT(r->role == ROLE_CLIENT);
}

void role_client_on_msg(role_client *r, step_ctx *ctx, const hs_msg_in *in)
{
    /* The role owns no message types yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_client_on_timer(role_client *r, step_ctx *ctx, uint64_t timer_id)
{
    /* The role arms no timers yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(timer_id);
    HS_UNREACHABLE();
}

void role_client_on_timer_refused(role_client *r, step_ctx *ctx, uint64_t timer_id,
                                  hs_status reason)
{
    /* The role arms no timers yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(timer_id);
    HS_UNUSED(reason);
    HS_UNREACHABLE();
}

void role_client_on_disk(role_client *r, step_ctx *ctx, const hs_input *in)
{
    /* The role owns no files yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_client_on_send_failed(role_client *r, step_ctx *ctx, const hs_input *in)
{
    /* The role sends nothing yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_client_on_conn_closed(role_client *r, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    /* The role holds no connections yet. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(conn_id);
    HS_UNUSED(reason);
}

void role_client_on_member(role_client *r, step_ctx *ctx, const hs_member_change *change)
{
    /* No per-member work yet (the manager will requeue a dead worker's
     * jobs here); count what arrived so the fan-out is observable. */
    HS_UNUSED(ctx);
    HS_ASSERT(change->change <= HS_MEMBER_REAPED);
    r->member_changes_heard++;
}

bool role_client_owner_live(const role_client *r, uint32_t space, uint64_t id)
{
    /* No timers, no disk operations yet. */
    HS_UNUSED(r);
    HS_UNUSED(space);
    HS_UNUSED(id);
    return false;
}

uint32_t role_client_tables(const role_client *r, hs_table_view *out, uint32_t cap)
{
    /* No tables yet. */
    HS_UNUSED(r);
    HS_UNUSED(out);
    HS_UNUSED(cap);
    return 0;
}

void role_client_check(const role_client *r)
{
    HS_ASSERT_MSG(r->role == ROLE_CLIENT, "role_client: the union holds this role's state");
}
