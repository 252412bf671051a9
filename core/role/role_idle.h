/* The entry points of a role that has no behaviour yet (its issue is
 * later: ROADMAP.md), written once for the four roles instead of four
 * near-identical files.
 *
 * A role without messages, timers or files is never routed a message, a
 * timer or a completion (node_routes has no rows for it), so those entry
 * points are unreachable; it holds no connections or tables; it counts the
 * membership changes it hears, so the fan-out is observable in tests.  A
 * role that gains behaviour replaces ROLE_IDLE_DEFINE in its .c file with
 * its own functions, keeping the declarations ROLE_IDLE_DECLARE made. */
#ifndef HS_ROLE_IDLE_H_
#define HS_ROLE_IDLE_H_

#include "base.h"
#include "ctx.h"

/* The state of an idle role: which union member it is, and what it heard. */
#define ROLE_IDLE_STATE                                                                    \
    uint8_t role;                  /* which union member this is (node_role) */            \
    uint64_t member_changes_heard; /* fan-out reaches the role (until its issue acts) */

#define ROLE_IDLE_DECLARE(name)                                                            \
    HS_MUST_USE hs_status role_##name##_init(role_##name *r);                              \
    void role_##name##_free(role_##name *r);                                               \
    void role_##name##_on_msg(role_##name *r, step_ctx *ctx, const hs_msg_in *in);         \
    void role_##name##_on_timer(role_##name *r, step_ctx *ctx, uint64_t timer_id);         \
    void role_##name##_on_timer_refused(role_##name *r, step_ctx *ctx, uint64_t timer_id,  \
                                        hs_status reason);                                 \
    void role_##name##_on_disk(role_##name *r, step_ctx *ctx, const hs_input *in);         \
    void role_##name##_on_send_failed(role_##name *r, step_ctx *ctx, const hs_input *in);  \
    void role_##name##_on_conn_closed(role_##name *r, step_ctx *ctx, uint64_t conn_id,     \
                                      hs_status reason);                                   \
    void role_##name##_on_member(role_##name *r, step_ctx *ctx,                            \
                                 const hs_member_change *change);                          \
    void role_##name##_on_wake(role_##name *r, step_ctx *ctx);                             \
    bool role_##name##_owner_live(const role_##name *r, uint32_t space, uint64_t id);      \
    uint32_t role_##name##_tables(const role_##name *r, hs_table_view *out, uint32_t cap); \
    void role_##name##_check(const role_##name *r);

#define ROLE_IDLE_DEFINE(name, ROLE)                                                       \
    hs_status role_##name##_init(role_##name *r)                                           \
    {                                                                                      \
        memset(r, 0, sizeof(*r));                                                          \
        r->role = ROLE;                                                                    \
        return HS_OK;                                                                      \
    }                                                                                      \
    void role_##name##_free(role_##name *r)                                                \
    {                                                                                      \
        HS_ASSERT(r->role == ROLE); /* nothing allocated yet */                           \
    }                                                                                      \
    void role_##name##_on_msg(role_##name *r, step_ctx *ctx, const hs_msg_in *in)          \
    {                                                                                      \
        HS_UNUSED(r), HS_UNUSED(ctx), HS_UNUSED(in);                                       \
        HS_UNREACHABLE(); /* owns no message types */                                      \
    }                                                                                      \
    void role_##name##_on_timer(role_##name *r, step_ctx *ctx, uint64_t timer_id)          \
    {                                                                                      \
        HS_UNUSED(r), HS_UNUSED(ctx), HS_UNUSED(timer_id);                                 \
        HS_UNREACHABLE(); /* arms no timers */                                             \
    }                                                                                      \
    void role_##name##_on_timer_refused(role_##name *r, step_ctx *ctx, uint64_t timer_id,  \
                                        hs_status reason)                                  \
    {                                                                                      \
        HS_UNUSED(r), HS_UNUSED(ctx), HS_UNUSED(timer_id), HS_UNUSED(reason);              \
        HS_UNREACHABLE(); /* arms no timers */                                             \
    }                                                                                      \
    void role_##name##_on_disk(role_##name *r, step_ctx *ctx, const hs_input *in)          \
    {                                                                                      \
        HS_UNUSED(r), HS_UNUSED(ctx), HS_UNUSED(in);                                       \
        HS_UNREACHABLE(); /* owns no files */                                              \
    }                                                                                      \
    void role_##name##_on_send_failed(role_##name *r, step_ctx *ctx, const hs_input *in)   \
    {                                                                                      \
        HS_UNUSED(r), HS_UNUSED(ctx), HS_UNUSED(in);                                       \
        HS_UNREACHABLE(); /* sends nothing */                                              \
    }                                                                                      \
    void role_##name##_on_conn_closed(role_##name *r, step_ctx *ctx, uint64_t conn_id,     \
                                      hs_status reason)                                    \
    {                                                                                      \
        /* holds no connections */                                                         \
        HS_UNUSED(ctx), HS_UNUSED(conn_id), HS_UNUSED(reason);                             \
        HS_ASSERT(r->role == ROLE);                                                        \
    }                                                                                      \
    void role_##name##_on_member(role_##name *r, step_ctx *ctx,                            \
                                 const hs_member_change *change)                           \
    {                                                                                      \
        HS_UNUSED(ctx);                                                                    \
        HS_ASSERT(r->role == ROLE && change->change <= HS_MEMBER_REAPED);                  \
        r->member_changes_heard++;                                                         \
    }                                                                                      \
    void role_##name##_on_wake(role_##name *r, step_ctx *ctx)                              \
    {                                                                                      \
        /* parks nothing: another module's wake-up */                                      \
        HS_UNUSED(ctx);                                                                    \
        HS_ASSERT(r->role == ROLE);                                                        \
    }                                                                                      \
    bool role_##name##_owner_live(const role_##name *r, uint32_t space, uint64_t id)       \
    {                                                                                      \
        HS_UNUSED(space), HS_UNUSED(id);                                                   \
        HS_ASSERT(r->role == ROLE);                                                        \
        return false; /* no timers, no disk operations */                                  \
    }                                                                                      \
    uint32_t role_##name##_tables(const role_##name *r, hs_table_view *out, uint32_t cap)  \
    {                                                                                      \
        HS_UNUSED(out), HS_UNUSED(cap);                                                    \
        HS_ASSERT(r->role == ROLE);                                                        \
        return 0; /* no tables */                                                          \
    }                                                                                      \
    void role_##name##_check(const role_##name *r)                                         \
    {                                                                                      \
        HS_ASSERT_MSG(r->role == ROLE, "role_" #name ": the union holds this role's state"); \
    }

#endif /* HS_ROLE_IDLE_H_ */
