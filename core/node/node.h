/* A node: the one object a host drives.  It owns its modules (the NODE
 * control module, SWIM, the durable metadata store; core/base/module_list.h),
 * its role state, counters and the node's random stream, and routes each
 * input to the module that owns it through tables built from the module
 * list (node_routes.h, docs/design/modules.md).
 *
 *   node_create(cfg) -> node
 *   node_step(node, now_ns, input, outbox)   (ARCHITECTURE.md section 2)
 *
 * Host obligations (both the simulator and io_real honour them):
 * - deliver HS_IN_START once, first, after creating the node (a restart is
 *   a new node object over the same durable files);
 * - execute disk outputs of one node in order and report each with one
 *   HS_IN_DISK_DONE carrying the same op_id; a read of a missing or short
 *   file returns the bytes that exist (possibly none) with HS_OK;
 * - keep at most one armed timer per timer id (a set re-arms);
 * - keep one wake-up per node outside the timer table: after a step whose
 *   outbox has wake_ns != 0, deliver HS_IN_WAKE no later than the earliest
 *   wake_ns asked for since the last one was delivered (a parked duty
 *   depends on it; docs/design.md, "Parked duties and the wake-up");
 * - never call node_step re-entrantly; drain the outbox after each step.
 *
 * The same UDP and TCP port number serves a node: UDP for SWIM, TCP for
 * control requests (members, stats). */
#ifndef HS_NODE_H_
#define HS_NODE_H_

#include "base.h"
#include "counters.h"
#include "ctl_msg.h"
#include "meta.h"
#include "msg.h"
#include "msg_registry.h"
#include "node_config.h"
#include "node_routes.h"
#include "peers.h"
#include "role.h"
#include "step.h"
#include "swim.h"

/* What a host must provide for a node with this config: one computation,
 * used by the simulator and io_real alike (docs/design/modules.md). */
typedef struct {
    uint32_t timers;            /* host timer table entries */
    uint32_t outbox_outputs;    /* outputs one step may emit */
    uint32_t outbox_arena_bytes;
} node_limits;

node_limits node_host_limits(const node_config *cfg);

typedef struct node node;

HS_MUST_USE hs_status node_create(const node_config *cfg, node **out);
void node_destroy(node *n);

void node_step(node *n, uint64_t now_ns, const hs_input *in, hs_outbox *ob);

/* Views for the host, the checkers, control replies and tests. */
const node_config *node_get_config(const node *n);
const swim *node_swim(const node *n);
/* The message the last step decoded from its input (a datagram or TCP
 * frame core admitted and decoded without error), for checkers that read
 * it after the step; its list entries live in the node as well.  NULL
 * (and *type 0) when that step decoded none.  Valid until the next step. */
const void *node_step_msg(const node *n, uint16_t *type);
const node_counters *node_get_counters(const node *n);
/* The coverage probes this process hit (core/step/probe.h). */
const hs_probes *node_probes(const node *n);
const meta_store *node_meta(const node *n);
/* The TCP connections bound by HELLO (peers.h). */
const peers *node_peers(const node *n);
/* True once the incarnation ceiling is durable and SWIM runs. */
bool node_running(const node *n);
/* True when the node halted because every incarnation was used: it stays
 * out of the cluster for good (starting would reuse an incarnation). */
bool node_exhausted(const node *n);
const role_state *node_role_state(const node *n);
/* The owner of this timer still exists (ARCHITECTURE.md section 6). */
bool node_timer_owner_live(const node *n, uint64_t timer_id);
/* The owner of a timer (space HS_ID_TIMER) or disk operation
 * (HS_ID_DISK_OP) still exists: asked of the module the id routes to. */
bool node_owner_live(const node *n, uint32_t space, uint64_t id);
/* The module a timer kind, message type or op id belongs to
 * (hs_module_id), or NODE_ROUTE_NONE. */
uint32_t node_timer_module(const node *n, uint64_t timer_id);
uint32_t node_msg_module(const node *n, uint32_t type);
uint32_t node_op_module(const node *n, uint64_t op_id);

/* Every module's tables (and the role's), for the generic bounds checker:
 * writes up to cap rows, returns how many. */
#define NODE_TABLES_MAX 32u
uint32_t node_tables(const node *n, hs_table_view *out, uint32_t cap);
/* Every module's self-check, each recomputing all it can; an assertion
 * names what broke.  Hosts call it at the end of a run. */
void node_check(const node *n);
/* The self-check node_step runs when cfg.self_check is set: cheap checks of
 * what the step changed every step, node_check every NODE_FULL_CHECK_STEPS
 * steps of this node, or every (members + gossip + relays) /
 * NODE_CHECK_ITEMS_PER_STEP steps when that is more (docs/design/perf.md). */
#define NODE_FULL_CHECK_STEPS 64u
#define NODE_CHECK_ITEMS_PER_STEP 4u
void node_self_check(node *n);

#endif /* HS_NODE_H_ */
