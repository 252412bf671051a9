/* The per-step context handed to protocol modules: the time of the step,
 * the node's own random stream, its counters and the outbox.  Bundling
 * them keeps every module's signature short and makes it obvious that a
 * module can reach nothing else. */
#ifndef HS_CTX_H_
#define HS_CTX_H_

#include "base.h"
#include "counters.h"
#include "probe.h"
#include "module_list.h"
#include "msg.h"
#include "rng.h"
#include "step.h"

/* A decoded message as a module receives it (core/node routes it to the
 * module that owns its type, core/base/module_list.h). */
typedef struct {
    hs_channel channel;
    hs_addr from;        /* UDP source address, or the TCP peer's address */
    uint64_t conn_id;    /* TCP connection id; 0 on UDP */
    const hs_name *peer; /* TCP: the name the connection's HELLO bound; NULL otherwise */
    uint16_t type;       /* message type */
    const void *body;    /* the type's decoded struct */
} hs_msg_in;

/* A membership change, as every module hears of it in the step it happens
 * (SWIM queues them, core/node fans them out; docs/design/modules.md). */
typedef enum {
    HS_MEMBER_ALIVE = 0,   /* added, or back to alive (refuted) */
    HS_MEMBER_SUSPECT = 1,
    HS_MEMBER_DEAD = 2,
    HS_MEMBER_LEFT = 3,
    HS_MEMBER_REAPED = 4,  /* the record is gone; its slot may be reused */
} hs_member_change_kind;

typedef struct {
    uint8_t change;       /* hs_member_change_kind */
    uint8_t role;         /* node_role */
    uint32_t incarnation;
    uint32_t slot;        /* the member's slot and generation: the owner ids */
    uint32_t gen;         /*   a module keeps for per-member work */
    hs_addr addr;
    hs_name name;
} hs_member_change;

/* One bounded table as its module reports it (name from hs_table_id). */
typedef struct {
    uint32_t table;      /* hs_table_id */
    uint32_t module;     /* hs_module_id */
    uint64_t count;
    uint64_t cap;
    uint64_t high_water; /* most entries ever held (since init) */
} hs_table_view;

typedef struct {
    uint64_t now_ns;
    hs_outbox *ob;
    rng *rng;
    node_counters *counters;
    msg_find_fn find_msg; /* the node's message registry (core/node/msg_registry.h) */
    hs_probes *probes;    /* coverage probes (probe.h); NULL: not counted */
} step_ctx;

/* Encodes body as a frame of the given type straight into the outbox and
 * records the send.  An unknown type is a caller bug (asserted).
 * Failures (no room, encode error) are counted and reported as events
 * here, so this is the one status-returning function whose result callers
 * may drop (gcc ignores a (void) cast on warn_unused_result): a lost
 * datagram is what UDP allows anyway, and the event already says why. */
hs_status ctx_send(step_ctx *ctx, hs_channel channel, hs_addr to, uint64_t conn_id,
                   uint16_t type, const void *body);

static inline void ctx_event(step_ctx *ctx, uint16_t code, const hs_name *subject, uint64_t a,
                             uint64_t b, uint64_t c)
{
    hs_outbox_event(ctx->ob, code, subject, a, b, c);
}

void ctx_timer_set(step_ctx *ctx, uint64_t timer_id, uint64_t deadline_ns);
void ctx_timer_cancel(step_ctx *ctx, uint64_t timer_id);
/* Asks the host for one HS_IN_WAKE no later than delay_ns from now (see
 * hs_outbox.wake_ns): for a duty that could arm no timer. */
void ctx_wake_after(step_ctx *ctx, uint64_t delay_ns);

#endif /* HS_CTX_H_ */
