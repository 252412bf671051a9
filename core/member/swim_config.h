/* SWIM's settings: the struct, its keys for the configuration engine
 * (core/base/cfgkey.h), defaults and the rules between keys. */
#ifndef HS_SWIM_CONFIG_H_
#define HS_SWIM_CONFIG_H_

#include "base.h"
#include "cfgkey.h"

typedef struct {
    uint32_t probe_interval_ms;     /* one probe per period (SWIM T') */
    uint32_t probe_timeout_ms;      /* direct ack wait before indirect probes */
    uint32_t indirect_checks;       /* k proxies for ping-req */
    uint32_t suspicion_mult;        /* suspicion = mult * max(1, log10 n) * interval */
    uint32_t retransmit_mult;       /* lambda: gossip sent max(1, lambda * ln(n + 1)) times */
    uint32_t gossip_max_age_ms;     /* gossip older than this is dropped unsent */
    uint32_t sync_interval_ms;      /* push-pull with a random alive member */
    uint32_t reconnect_interval_ms; /* push-pull with the next member believed dead */
    uint32_t join_retry_min_ms;     /* join backoff starts here and doubles */
    uint32_t join_retry_max_ms;
    uint32_t dead_retention_ms;     /* dead or left members are reaped after this */
    uint32_t members_cap;
    uint32_t gossip_cap;
    uint32_t relays_cap;
    /* Answers (acks, join and sync replies, relayed pings) to a source that
     * is not a member at that address are rate limited: a forged flood
     * must not turn the node into an amplifier. */
    uint32_t unknown_reply_per_sec;
    uint32_t unknown_reply_burst;
} swim_config;

/* Largest indirect_checks: proxies and picks arrays in swim.c hold this. */
#define SWIM_INDIRECT_CHECKS_MAX 16u

/* The [swim] section: every field above is one key (a static assert in
 * swim_config.c ties them), so every host's parser, flags, the
 * simulator's draws and the help text read the same names and ranges. */
const cfgkey_table *swim_config_keys(void);

/* Every key at its table default. */
void swim_config_defaults(swim_config *cfg);
/* Numeric set by name ("probe_interval_ms"; '-' matches '_'):
 * HS_ERR_NOT_FOUND for an unknown key, HS_ERR_RANGE outside its range.
 * Cross-field rules are swim_config_check's. */
HS_MUST_USE hs_status swim_config_set(swim_config *cfg, const char *name, uint64_t value);
/* HS_OK when every field is in its range and the fields agree. */
HS_MUST_USE hs_status swim_config_check(const swim_config *cfg);
/* swim_config_check with the whole sentence (the range of a key out of
 * range, or the rule) in err. */
HS_MUST_USE hs_status swim_config_explain(const swim_config *cfg, char *err, size_t cap);

#endif /* HS_SWIM_CONFIG_H_ */
