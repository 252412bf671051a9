/* The node's own settings ([node]: name, role, addresses, seeds, rng
 * seed, error reply rate) with SWIM's nested in, their keys for the
 * configuration engine (core/base/cfgkey.h), defaults and checks. */
#ifndef HS_NODE_CONFIG_H_
#define HS_NODE_CONFIG_H_

#include "base.h"
#include "cfgkey.h"
#include "swim.h"

#define NODE_SEEDS_MAX 16u

typedef struct {
    hs_name name;
    uint8_t role; /* node_role */
    hs_addr addr; /* advertised address: UDP and TCP on the same port */
    hs_addr seeds[NODE_SEEDS_MAX];
    uint32_t seed_count;
    uint64_t rng_seed; /* the node's own stream; an input like any other */
    swim_config swim;  /* [swim]: its own table (swim_config_keys) */
    uint32_t error_reply_per_sec; /* token bucket for ERROR replies */
    uint32_t error_reply_burst;
    uint32_t peers_max; /* TCP connections bound by HELLO (peers.h) */
    /* Run every module's self-check after every step (an assertion on
     * failure).  The simulator turns it on; debug builds (HS_DEBUG_CHECKS,
     * core/base/base.h) default to on.  Not a config-file key: it is a
     * property of the build and of the simulator, not of a deployment. */
    bool self_check;
} node_config;

HS_STATIC_ASSERT(NODE_SEEDS_MAX <= HS_ARRAY_LEN(((swim *)0)->seeds),
                 "SWIM holds every seed a node config may list");

/* The [node] section: every field but swim (which is [swim]). */
const cfgkey_table *node_config_keys(void);

void node_config_defaults(node_config *cfg);
HS_MUST_USE hs_status node_config_check(const node_config *cfg);
/* node_config_check with a sentence an operator can act on in err. */
HS_MUST_USE hs_status node_config_explain(const node_config *cfg, char *err, size_t cap);

#endif /* HS_NODE_CONFIG_H_ */
