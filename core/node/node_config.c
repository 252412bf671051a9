/* The node's settings: the [node] key table, declared once here and read
 * by every host through the configuration engine, defaults, and the
 * checks between keys (SWIM's own are swim_config.c's). */
#include "node_config.h"

#include "msg.h"
#include "peers.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[NODE_ROLE_COUNT] = {"client", "gate", "manager", "worker"};

HS_STATIC_ASSERT(ROLE_CLIENT == 0 && ROLE_GATE == 1 && ROLE_MANAGER == 2 && ROLE_WORKER == 3,
                 "role_names follows node_role");

/* The listen address is also the address the node advertises to its peers
 * (one port, one address per member), so it must name this host alone. */
static const char *advertisable(const void *field)
{
    const hs_addr *a = field;
    HS_ASSERT(a != NULL);
    /* Static sentences: core keeps no formatted text in globals. */
    if (a->ip == 0) {
        return "is the wildcard address: peers reach a node at its listen address, so it "
               "must be one unicast address of this host (e.g. 127.0.0.1 or the host's IP)";
    }
    if (a->ip == UINT32_MAX) {
        return "is the broadcast address: peers reach a node at its listen address, so it "
               "must be one unicast address of this host (e.g. 127.0.0.1 or the host's IP)";
    }
    if ((a->ip >> 28) == 0xe) {
        return "is a multicast address: peers reach a node at its listen address, so it "
               "must be one unicast address of this host (e.g. 127.0.0.1 or the host's IP)";
    }
    return NULL;
}

#define ND_AT(f) CFGKEY_AT(node_config, f)

static const cfgkey node_keys[] = {
    {"name", CFGKEY_NAME, CFGKEY_UNIT_NONE, ND_AT(name), 0, 1, HS_NAME_MAX, 0, NULL, NULL,
     CFGKEY_REQUIRED, NULL, "node name (printable ASCII, no spaces), unique in the cluster"},
    {"role", CFGKEY_ENUM, CFGKEY_UNIT_NONE, ND_AT(role), 0, 0, NODE_ROLE_COUNT - 1, ROLE_WORKER,
     NULL, role_names, 0, NULL, "what this node does in the control plane"},
    {"listen", CFGKEY_ADDR, CFGKEY_UNIT_NONE, ND_AT(addr), 0, 0, 0, 0, NULL, NULL,
     CFGKEY_REQUIRED, advertisable,
     "IPv4:PORT for UDP (SWIM) and TCP (control); also the address peers are told"},
    {"join", CFGKEY_ADDR_LIST, CFGKEY_UNIT_NONE, ND_AT(seeds),
     (uint32_t)offsetof(node_config, seed_count), 0, NODE_SEEDS_MAX, 0, NULL, NULL, 0, NULL,
     "seed nodes to join through (none: start a cluster)"},
    {"seed", CFGKEY_U64, CFGKEY_UNIT_NONE, ND_AT(rng_seed), 0, 0, UINT64_MAX, 0,
     "drawn at start (hsnode: getrandom, logged)", NULL, CFGKEY_UNSET, NULL,
     "the node's random stream seed (replays a run)"},
    CFGKEY_NUM(node_config, error_reply_per_sec, "error_reply_per_sec", CFGKEY_U32,
               CFGKEY_UNIT_PER_SEC, 0, 100000, 10, "ERROR replies per second"),
    CFGKEY_NUM(node_config, error_reply_burst, "error_reply_burst", CFGKEY_U32,
               CFGKEY_UNIT_NONE, 0, 100000, 20, "burst of ERROR replies"),
    CFGKEY_NUM(node_config, peers_max, "peers_max", CFGKEY_U32, CFGKEY_UNIT_NONE,
               PEERS_MAX_MIN, PEERS_MAX_MAX, PEERS_MAX_DEFAULT,
               "TCP connections bound by HELLO; when full the least recently active goes"),
};

static const cfgkey_table node_table = {"node", node_keys, (uint32_t)HS_ARRAY_LEN(node_keys),
                                       false};

const cfgkey_table *node_config_keys(void)
{
    HS_ASSERT(node_table.count == HS_ARRAY_LEN(node_keys));
    return &node_table;
}

void node_config_defaults(node_config *cfg)
{
    HS_ASSERT(cfg != NULL);
    memset(cfg, 0, sizeof(*cfg));
    cfgkey_defaults(&node_table, cfg);
    swim_config_defaults(&cfg->swim);
    cfg->self_check = HS_DEBUG_CHECKS != 0;
    HS_ASSERT(cfg->role == ROLE_WORKER && cfg->seed_count == 0);
}

static hs_status explain_node(const node_config *cfg, char *err, size_t cap)
{
    HS_ASSERT(cfg != NULL);
    HS_ASSERT(err != NULL || cap == 0);
    if (!hs_name_valid(cfg->name.bytes, cfg->name.len)) {
        snprintf(err, cap, "name: missing or invalid (1..%u printable ASCII characters)",
                 HS_NAME_MAX);
        return HS_ERR_INVALID;
    }
    if (cfg->addr.port == 0 || advertisable(&cfg->addr) != NULL) {
        snprintf(err, cap, "listen: missing, or not one unicast address of this host");
        return HS_ERR_INVALID;
    }
    if (cfg->seed_count > NODE_SEEDS_MAX) {
        snprintf(err, cap, "join: more than %u addresses", NODE_SEEDS_MAX);
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < cfg->seed_count; i++) {
        if (hs_addr_eq(cfg->seeds[i], cfg->addr)) {
            snprintf(err, cap, "join lists this node's own listen address");
            return HS_ERR_INVALID;
        }
    }
    return HS_OK;
}

hs_status node_config_explain(const node_config *cfg, char *err, size_t cap)
{
    HS_ASSERT(cfg != NULL);
    HS_ASSERT(err != NULL || cap == 0);
    hs_status st = cfgkey_check_values(&node_table, cfg, err, cap);
    if (st == HS_OK) {
        st = explain_node(cfg, err, cap);
    }
    if (st == HS_OK) {
        st = swim_config_explain(&cfg->swim, err, cap);
    }
    if (st == HS_OK && cfg->swim.members_cap + 1 > MSG_MEMBERS_MAX) {
        snprintf(err, cap, "members_cap must leave room for the node itself (at most %u)",
                 MSG_MEMBERS_MAX - 1);
        st = HS_ERR_RANGE;
    }
    return st;
}

hs_status node_config_check(const node_config *cfg)
{
    HS_ASSERT(cfg != NULL);
    char err[160];
    hs_status st = node_config_explain(cfg, err, sizeof(err));
    HS_ASSERT(st != HS_OK || cfg->seed_count <= NODE_SEEDS_MAX);
    return st;
}
