/* hsnode configuration: command-line flags and the config file, one key
 * table for both (docs/real-io.md documents every key).
 *
 * File format: UTF-8 text, one `key = value` per line; blank lines and
 * lines whose first non-blank character is '#' are ignored; keys use
 * underscores (dashes are accepted too); a repeated key overrides the
 * earlier one, except `join`, whose comma-separated addresses accumulate.
 * Flags: `--key value` or `--key=value` for every key, with dashes or
 * underscores; `--config FILE` loads a file first, and flags override it
 * (a --join flag replaces the file's join list).
 *
 * Every refusal writes one sentence naming the flag or the file and line
 * into the caller's message buffer. */
#ifndef CONFIG_H_
#define CONFIG_H_

#include "base.h"
#include "files.h"
#include "log.h"
#include "node.h"
#include "tcp.h"

#define CONFIG_MSG_MAX 512u
#define CONFIG_LINE_MAX 1024u
#define CONFIG_FILE_MAX (64u * 1024u)

typedef struct {
    node_config node;
    tcp_config tcp;
    char data_dir[FILES_PATH_MAX];
    char config_path[FILES_PATH_MAX];
    uint32_t log_format;  /* log_format */
    uint32_t log_level;   /* hs_severity: lines below are not written */
    uint32_t log_rate;    /* lines per second per event code, 0 = unlimited */
    uint32_t leave_grace_ms; /* after SIGTERM: time for the leave gossip */
    hs_addr metrics_addr; /* --metrics-listen: Prometheus text on GET /metrics */
    bool has_metrics;
    bool seed_given;      /* rng_seed came from `seed`, not getrandom */
    bool has_name;
    bool has_listen;
    bool has_data_dir;
    bool join_from_file;
} config;

void config_defaults(config *c);
/* Sets one key from its text value. */
HS_MUST_USE hs_status config_set(config *c, const char *key, const char *value, char *msg,
                                 size_t msg_cap);
HS_MUST_USE hs_status config_load_file(config *c, const char *path, char *msg, size_t msg_cap);
/* Parses argv[first..argc): --config first, then every other flag. */
HS_MUST_USE hs_status config_parse_args(config *c, int argc, char **argv, int first, char *msg,
                                        size_t msg_cap);
/* Writes core's reason (swim_config_problem) into why and returns true when
 * the SWIM settings are unusable. */
bool config_swim_problem(const swim_config *sw, char *why, size_t msg_cap);
/* Required keys present and every value in range (node, SWIM and TCP). */
HS_MUST_USE hs_status config_check(const config *c, char *msg, size_t msg_cap);

/* The documented keys, for --help. */
uint32_t config_key_count(void);
const char *config_key_name(uint32_t i);
const char *config_key_help(uint32_t i);

#endif /* CONFIG_H_ */
