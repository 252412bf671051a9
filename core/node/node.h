/* A node: the one object a host drives.  It owns the SWIM state machine,
 * the durable metadata store, counters and the node's random stream, and
 * routes each input to the module that owns it.
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
 * - never call node_step re-entrantly; drain the outbox after each step.
 *
 * The same UDP and TCP port number serves a node: UDP for SWIM, TCP for
 * control requests (members, stats). */
#ifndef HS_NODE_H_
#define HS_NODE_H_

#include "base.h"
#include "counters.h"
#include "meta.h"
#include "msg.h"
#include "step.h"
#include "swim.h"

#define NODE_SEEDS_MAX 16u
/* swim_init keeps at most SWIM_SEEDS_MAX seeds: never silently fewer. */
HS_STATIC_ASSERT(NODE_SEEDS_MAX <= SWIM_SEEDS_MAX, "node seeds fit swim's seed array");

typedef struct {
    hs_name name;
    uint8_t role; /* node_role */
    hs_addr addr; /* advertised address: UDP and TCP on the same port */
    hs_addr seeds[NODE_SEEDS_MAX];
    uint32_t seed_count;
    uint64_t rng_seed; /* the node's own stream; an input like any other */
    swim_config swim;
    uint32_t error_reply_per_sec; /* token bucket for ERROR replies */
    uint32_t error_reply_burst;
} node_config;

typedef struct node node;

void node_config_defaults(node_config *cfg);
HS_MUST_USE hs_status node_config_check(const node_config *cfg);

HS_MUST_USE hs_status node_create(const node_config *cfg, node **out);
void node_destroy(node *n);

void node_step(node *n, uint64_t now_ns, const hs_input *in, hs_outbox *ob);

/* Views for the host, the checkers, control replies and tests. */
const node_config *node_get_config(const node *n);
const swim *node_swim(const node *n);
const node_counters *node_get_counters(const node *n);
const meta_store *node_meta(const node *n);
/* True once the incarnation ceiling is durable and SWIM runs. */
bool node_running(const node *n);
/* The owner of this timer still exists (ARCHITECTURE.md section 6). */
bool node_timer_owner_live(const node *n, uint64_t timer_id);

/* Timer kinds: SWIM owns 1..31, the meta store 32..47. */

#endif /* HS_NODE_H_ */
