/* Role state of the manager: places jobs on workers, requeues when a worker dies:
 * no behaviour yet (role_manager.h). */
#include "role_manager.h"

#include <string.h>

hs_status role_manager_init(role_manager *r)
{
    memset(r, 0, sizeof(*r));
    r->role = ROLE_MANAGER;
    return HS_OK;
}

void role_manager_free(role_manager *r)
{
    /* Nothing allocated yet. */
    HS_ASSERT(r->role == ROLE_MANAGER);
}

void role_manager_on_msg(role_manager *r, step_ctx *ctx, const hs_msg_in *in)
{
    /* The role owns no message types yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_manager_on_timer(role_manager *r, step_ctx *ctx, uint64_t timer_id)
{
    /* The role arms no timers yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(timer_id);
    HS_UNREACHABLE();
}

void role_manager_on_timer_refused(role_manager *r, step_ctx *ctx, uint64_t timer_id,
                                   hs_status reason)
{
    /* The role arms no timers yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(timer_id);
    HS_UNUSED(reason);
    HS_UNREACHABLE();
}

void role_manager_on_disk(role_manager *r, step_ctx *ctx, const hs_input *in)
{
    /* The role owns no files yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_manager_on_send_failed(role_manager *r, step_ctx *ctx, const hs_input *in)
{
    /* The role sends nothing yet: routing never gets here. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void role_manager_on_conn_closed(role_manager *r, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    /* The role holds no connections yet. */
    HS_UNUSED(r);
    HS_UNUSED(ctx);
    HS_UNUSED(conn_id);
    HS_UNUSED(reason);
}

void role_manager_on_member(role_manager *r, step_ctx *ctx, const hs_member_change *change)
{
    /* No per-member work yet (the manager will requeue a dead worker's
     * jobs here); count what arrived so the fan-out is observable. */
    HS_UNUSED(ctx);
    HS_ASSERT(change->change <= HS_MEMBER_REAPED);
    r->member_changes_heard++;
}

bool role_manager_owner_live(const role_manager *r, uint32_t space, uint64_t id)
{
    /* No timers, no disk operations yet. */
    HS_UNUSED(r);
    HS_UNUSED(space);
    HS_UNUSED(id);
    return false;
}

uint32_t role_manager_tables(const role_manager *r, hs_table_view *out, uint32_t cap)
{
    /* No tables yet. */
    HS_UNUSED(r);
    HS_UNUSED(out);
    HS_UNUSED(cap);
    return 0;
}

void role_manager_check(const role_manager *r)
{
    HS_ASSERT_MSG(r->role == ROLE_MANAGER, "role_manager: the union holds this role's state");
}
