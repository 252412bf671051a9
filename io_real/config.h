/* hsnode configuration: command-line flags and the config file, both
 * driven by the key tables of the configuration engine (core/base/cfgkey.h):
 * [node] and [swim] are core's (node_config.c, swim_config.c), [host] and
 * [tcp] are this file's.  docs/hsnode.conf.example lists every key.
 *
 * File format: UTF-8 text; "[section]" starts a section, "key = value"
 * lines set its keys; lines before any section use flat names (a key
 * alone when only one section has it, else SECTION_KEY), so the flat files
 * of earlier releases still load; blank lines and lines whose first
 * non-blank character is '#' are ignored; dashes and underscores are one
 * character; a repeated key overrides the earlier one, except an address
 * list (`join`), which accumulates.
 * Flags: `--KEY value` or `--KEY=value` for every key (`--SECTION-KEY`
 * always works); `--config FILE` loads a file first, and flags override
 * it (a list flag such as --join replaces the file's list).
 *
 * Adding a host setting is one line in host_keys or tcp_keys of
 * config.c (a field in config or tcp_config, then CFG_* with its range,
 * default and help); flags, files, --help and the example file follow.
 *
 * Every refusal writes one sentence naming the flag or the file and line
 * into the caller's message buffer. */
#ifndef CONFIG_H_
#define CONFIG_H_

#include "base.h"
#include "cfgkey.h"
#include "files.h"
#include "log.h"
#include "node.h"
#include "tcp.h"

#define CONFIG_MSG_MAX 512u
#define CONFIG_LINE_MAX 1024u
#define CONFIG_FILE_MAX (64u * 1024u)
#define CONFIG_TABLES 4u /* [node] [swim] [host] [tcp] */

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
    uint64_t given[CONFIG_TABLES]; /* per table (config_tables order): keys given */
} config;

void config_defaults(config *c);
/* Sets one key from its text value. */
HS_MUST_USE hs_status config_set(config *c, const char *key, const char *value, char *msg,
                                 size_t msg_cap);
HS_MUST_USE hs_status config_load_file(config *c, const char *path, char *msg, size_t msg_cap);
/* Parses argv[first..argc): --config first, then every other flag. */
HS_MUST_USE hs_status config_parse_args(config *c, int argc, char **argv, int first, char *msg,
                                        size_t msg_cap);
/* Writes core's reason (swim_config_explain) into why and returns true when
 * the SWIM settings are unusable. */
bool config_swim_problem(const swim_config *sw, char *why, size_t msg_cap);
/* Required keys present and every value in range (node, SWIM and TCP). */
HS_MUST_USE hs_status config_check(const config *c, char *msg, size_t msg_cap);

/* The key tables in section order: node, swim, host, tcp. */
const cfgkey_table *const *config_tables(void);
/* --help's key list and the example config file (--print-config). */
size_t config_render_help(char *out, size_t cap);
size_t config_render_file(char *out, size_t cap);

#endif /* CONFIG_H_ */
