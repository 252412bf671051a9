/* SWIM's settings: the [swim] key table (names, units, ranges, defaults,
 * help), declared once here and read by every host through the
 * configuration engine, and the rules between keys.  See swim_config.h. */
#include "swim_config.h"

#include "msg.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SW_MS(f, lo, hi, def, help)                                                        \
    CFGKEY_NUM(swim_config, f, #f, CFGKEY_DURATION, CFGKEY_UNIT_MS, lo, hi, def, help)
#define SW_N(f, lo, hi, def, help)                                                         \
    CFGKEY_NUM(swim_config, f, #f, CFGKEY_U32, CFGKEY_UNIT_NONE, lo, hi, def, help)

static const cfgkey swim_keys[] = {
    SW_MS(probe_interval_ms, 10, 600000, 1000, "SWIM probe period"),
    SW_MS(probe_timeout_ms, 1, 600000, 500, "direct ack wait (below the period)"),
    SW_N(indirect_checks, 0, SWIM_INDIRECT_CHECKS_MAX, 3, "ping-req proxies (k)"),
    SW_N(suspicion_mult, 1, 100, 4, "suspicion timeout multiplier"),
    SW_N(retransmit_mult, 1, 100, 3, "gossip retransmit multiplier (lambda)"),
    SW_MS(gossip_max_age_ms, 1, 86400000, 60000, "gossip lifetime"),
    SW_MS(sync_interval_ms, 1, 86400000, 10000, "push-pull period"),
    SW_MS(reconnect_interval_ms, 1, 86400000, 5000, "push-pull with a dead member or lost seed"),
    SW_MS(join_retry_min_ms, 1, 3600000, 500, "join backoff start"),
    SW_MS(join_retry_max_ms, 1, 3600000, 8000, "join backoff cap"),
    SW_MS(dead_retention_ms, 1, 604800000, 120000, "reap dead and left members after"),
    SW_N(members_cap, 1, MSG_MEMBERS_MAX - 1, 1024, "members table size"),
    SW_N(gossip_cap, 1, 1u << 20, 1000, "gossip queue size"),
    SW_N(relays_cap, 1, 4096, 100, "ping-req relays in flight"),
    CFGKEY_NUM(swim_config, unknown_reply_per_sec, "unknown_reply_per_sec", CFGKEY_U32,
               CFGKEY_UNIT_PER_SEC, 0, 100000, 20, "replies per second to non-members"),
    SW_N(unknown_reply_burst, 0, 100000, 40, "burst of replies to non-members"),
};

HS_STATIC_ASSERT(sizeof(swim_config) == HS_ARRAY_LEN(swim_keys) * sizeof(uint32_t),
                 "every swim_config field has a key");

static const cfgkey_table swim_table = {"swim", swim_keys, (uint32_t)HS_ARRAY_LEN(swim_keys),
                                       false};

const cfgkey_table *swim_config_keys(void)
{
    HS_ASSERT(swim_table.count == HS_ARRAY_LEN(swim_keys));
    return &swim_table;
}

void swim_config_defaults(swim_config *cfg)
{
    HS_ASSERT(cfg != NULL);
    memset(cfg, 0, sizeof(*cfg));
    cfgkey_defaults(&swim_table, cfg);
    HS_ASSERT(swim_config_check(cfg) == HS_OK);
}

hs_status swim_config_set(swim_config *cfg, const char *name, uint64_t value)
{
    HS_ASSERT(cfg != NULL && name != NULL);
    hs_status st = cfgkey_set_number(&swim_table, cfg, name, value, NULL, 0);
    HS_ASSERT(st != HS_OK || cfgkey_find(&swim_table, name) >= 0);
    return st;
}

/* The rule between keys that cfg breaks, or NULL. */
static const char *rule_broken(const swim_config *cfg)
{
    HS_ASSERT(cfg != NULL);
    /* The indirect phase must fit inside the probe period. */
    if (cfg->probe_timeout_ms >= cfg->probe_interval_ms) {
        return "probe_timeout_ms must be below probe_interval_ms";
    }
    if (cfg->join_retry_max_ms < cfg->join_retry_min_ms) {
        return "join_retry_max_ms must be at least join_retry_min_ms";
    }
    /* Dead records must outlive every gossip entry that could resurrect
     * them (see docs/swim.md, "reaping"). */
    if (cfg->dead_retention_ms <= cfg->gossip_max_age_ms) {
        return "dead_retention_ms must exceed gossip_max_age_ms";
    }
    return NULL;
}

hs_status swim_config_explain(const swim_config *cfg, char *err, size_t cap)
{
    HS_ASSERT(cfg != NULL && (err != NULL || cap == 0));
    hs_status st = cfgkey_check_values(&swim_table, cfg, err, cap);
    if (st != HS_OK) {
        return st;
    }
    const char *rule = rule_broken(cfg);
    if (rule == NULL) {
        return HS_OK;
    }
    /* snprintf truncates to cap and writes nothing when cap is 0 (err
     * may then be NULL), as every explain does. */
    (void)snprintf(err, cap, "%s", rule);
    HS_ASSERT(cap == 0 || strlen(err) < cap);
    return HS_ERR_RANGE;
}

hs_status swim_config_check(const swim_config *cfg)
{
    HS_ASSERT(cfg != NULL);
    /* One path for every caller: the file, flags and a struct filled in
     * memory are refused by the same tests. */
    hs_status st = swim_config_explain(cfg, NULL, 0);
    HS_ASSERT(st == HS_OK || st == HS_ERR_RANGE);
    return st;
}
