/* Flags and config file for hsnode.  See config.h. */
#include "config.h"

#include "frame.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    KEY_U32,     /* uint32_t at offset */
    KEY_MS_NS,   /* milliseconds stored as uint64_t nanoseconds at offset */
    KEY_SPECIAL, /* handled by set_special */
} key_kind;

typedef struct {
    const char *name;
    key_kind kind;
    size_t offset;
    uint32_t min;
    uint32_t max;
    const char *help;
} config_key;

#define ND(f) offsetof(config, node) + offsetof(node_config, f)
#define TC(f) offsetof(config, tcp) + offsetof(tcp_config, f)
#define CF(f) offsetof(config, f)

static const config_key keys[] = {
    {"name", KEY_SPECIAL, 0, 0, 0, "node name (printable ASCII, no spaces), required"},
    {"role", KEY_SPECIAL, 0, 0, 0, "client | gate | manager | worker (default worker)"},
    {"listen", KEY_SPECIAL, 0, 0, 0, "IPv4:PORT for UDP (SWIM) and TCP (control), required"},
    {"join", KEY_SPECIAL, 0, 0, 0, "seed IPv4:PORT[,IPv4:PORT...]; repeatable"},
    {"data_dir", KEY_SPECIAL, 0, 0, 0, "directory for durable state, required"},
    {"log", KEY_SPECIAL, 0, 0, 0, "text | json (default text)"},
    {"log_level", KEY_SPECIAL, 0, 0, 0, "debug | info | warn | error (default info)"},
    {"seed", KEY_SPECIAL, 0, 0, 0, "rng seed (default: getrandom, logged at start)"},
    {"metrics_listen", KEY_SPECIAL, 0, 0, 0,
     "IPv4:PORT serving Prometheus text on GET /metrics (default off)"},
    {"log_rate", KEY_U32, CF(log_rate), 0, 1000000, "log lines per second per event code"},
    {"leave_grace_ms", KEY_U32, CF(leave_grace_ms), 0, 60000, "time to gossip a leave"},
    {"error_reply_per_sec", KEY_U32, ND(error_reply_per_sec), 0, 100000, "error reply rate"},
    {"error_reply_burst", KEY_U32, ND(error_reply_burst), 0, 100000, "error reply burst"},
    {"tcp_conns_max", KEY_U32, TC(conns_max), 1, 1u << 20, "TCP connections + links"},
    {"tcp_conns_per_source", KEY_U32, TC(conns_per_source), 1, 1u << 20,
     "accepted TCP connections from one IPv4 address"},
    {"tcp_out_queue_max", KEY_U32, TC(out_queue_max), 1, UINT32_MAX, "bytes queued per conn"},
    {"tcp_in_budget", KEY_U32, TC(in_budget), 1, UINT32_MAX, "bytes of all input buffers"},
    {"tcp_out_budget", KEY_U32, TC(out_budget), 1, UINT32_MAX, "bytes of all output queues"},
    {"tcp_idle_timeout_ms", KEY_MS_NS, TC(idle_timeout_ns), 1, UINT32_MAX, "idle close"},
    {"tcp_slow_timeout_ms", KEY_MS_NS, TC(slow_timeout_ns), 1, UINT32_MAX,
     "partial frame / unread replies close"},
    {"tcp_connect_timeout_ms", KEY_MS_NS, TC(connect_timeout_ns), 1, UINT32_MAX,
     "outbound connect wait"},
    {"tcp_backoff_min_ms", KEY_MS_NS, TC(backoff_min_ns), 1, UINT32_MAX, "reconnect delay"},
    {"tcp_backoff_max_ms", KEY_MS_NS, TC(backoff_max_ns), 1, UINT32_MAX, "reconnect cap"},
    {"tcp_give_up_ms", KEY_MS_NS, TC(give_up_ns), 1, UINT32_MAX, "drop queued frames after"},
};

/* Keys are hsnode's own, then SWIM's tunables from core (one table for
 * every host, see swim_config_key_name). */
uint32_t config_key_count(void)
{
    return (uint32_t)HS_ARRAY_LEN(keys) + swim_config_key_count();
}

const char *config_key_name(uint32_t i)
{
    if (i < HS_ARRAY_LEN(keys)) {
        return keys[i].name;
    }
    return swim_config_key_name(i - (uint32_t)HS_ARRAY_LEN(keys));
}

const char *config_key_help(uint32_t i)
{
    if (i < HS_ARRAY_LEN(keys)) {
        return keys[i].help;
    }
    return swim_config_key_help(i - (uint32_t)HS_ARRAY_LEN(keys));
}

void config_defaults(config *c)
{
    memset(c, 0, sizeof(*c));
    node_config_defaults(&c->node);
    tcp_config_defaults(&c->tcp);
    c->log_format = LOG_TEXT;
    c->log_level = HS_SEV_INFO;
    c->log_rate = LOG_RATE_DEFAULT;
    c->leave_grace_ms = 300;
}

/* Keys compare with '-' and '_' as the same character. */
static const config_key *find_key(const char *name)
{
    for (size_t i = 0; i < HS_ARRAY_LEN(keys); i++) {
        const char *a = keys[i].name;
        const char *b = name;
        while (*a != '\0' && (*a == *b || (*a == '_' && *b == '-'))) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            return &keys[i];
        }
    }
    return NULL;
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static bool parse_u64(const char *text, uint64_t *out)
{
    if (*text == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

static hs_status set_number(config *c, const config_key *k, const char *value, char *why,
                            size_t cap)
{
    uint64_t v = 0;
    if (!parse_u64(value, &v) || v < k->min || v > k->max) {
        snprintf(why, cap, "%s: invalid value '%s' (want an integer in %u..%u)", k->name,
                 value, k->min, k->max);
        return HS_ERR_INVALID;
    }
    uint8_t *base = (uint8_t *)c + k->offset;
    if (k->kind == KEY_U32) {
        uint32_t v32 = (uint32_t)v;
        memcpy(base, &v32, sizeof(v32));
    } else {
        uint64_t ns = v * HS_NS_PER_MS;
        memcpy(base, &ns, sizeof(ns));
    }
    return HS_OK;
}

/* Seeds are a comma-separated list; an empty entry (a trailing or doubled
 * comma) and a seed listed twice are refused, since both are typos an
 * operator wants to hear about rather than have silently dropped. */
static hs_status add_seeds(config *c, const char *value, char *why, size_t cap)
{
    char buf[CONFIG_LINE_MAX];
    size_t len = strlen(value);
    if (len >= sizeof(buf)) {
        snprintf(why, cap, "join: value too long");
        return HS_ERR_INVALID;
    }
    memcpy(buf, value, len + 1);
    char *tok = buf;
    for (;;) {
        char *comma = strchr(tok, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        hs_addr addr;
        if (tok[0] == '\0') {
            snprintf(why, cap, "join: empty address in '%s' (a trailing or doubled comma?)",
                     value);
            return HS_ERR_INVALID;
        }
        if (hs_addr_parse(tok, &addr) != HS_OK) {
            snprintf(why, cap, "join: invalid address '%s' (want a.b.c.d:port)", tok);
            return HS_ERR_INVALID;
        }
        for (uint32_t i = 0; i < c->node.seed_count; i++) {
            if (hs_addr_eq(c->node.seeds[i], addr)) {
                snprintf(why, cap, "join: seed %s listed twice", tok);
                return HS_ERR_INVALID;
            }
        }
        if (c->node.seed_count >= NODE_SEEDS_MAX) {
            snprintf(why, cap, "join: more than %u seeds", NODE_SEEDS_MAX);
            return HS_ERR_LIMIT;
        }
        c->node.seeds[c->node.seed_count++] = addr;
        if (comma == NULL) {
            return HS_OK;
        }
        tok = comma + 1;
    }
}

static hs_status set_path(char *dst, size_t dst_cap, const char *key, const char *value,
                          char *why, size_t cap)
{
    size_t len = strlen(value);
    if (len == 0 || len >= dst_cap) {
        snprintf(why, cap, "%s: path empty or longer than %zu bytes", key, dst_cap - 1);
        return HS_ERR_INVALID;
    }
    memcpy(dst, value, len + 1);
    return HS_OK;
}

static hs_status set_name(config *c, const char *value, char *why, size_t cap)
{
    if (hs_name_set(&c->node.name, value, strlen(value)) != HS_OK) {
        snprintf(why, cap,
                 "name: invalid '%s' (1..%u printable ASCII characters, no spaces)", value,
                 HS_NAME_MAX);
        return HS_ERR_INVALID;
    }
    c->has_name = true;
    return HS_OK;
}

static hs_status set_enum(config *c, const char *key, const char *value, char *why, size_t cap)
{
    if (strcmp(key, "role") == 0) {
        node_role role;
        if (node_role_parse(value, &role) != HS_OK) {
            snprintf(why, cap, "role: invalid '%s' (want client, gate, manager or worker)",
                     value);
            return HS_ERR_INVALID;
        }
        c->node.role = (uint8_t)role;
        return HS_OK;
    }
    if (strcmp(key, "log") == 0) {
        log_format format;
        if (log_format_parse(value, &format) != HS_OK) {
            snprintf(why, cap, "log: invalid '%s' (want text or json)", value);
            return HS_ERR_INVALID;
        }
        c->log_format = format;
        return HS_OK;
    }
    uint8_t level = 0;
    if (log_severity_parse(value, &level) != HS_OK) {
        snprintf(why, cap, "log_level: invalid '%s' (want debug, info, warn or error)", value);
        return HS_ERR_INVALID;
    }
    c->log_level = level;
    return HS_OK;
}

/* The listen address is also the address the node advertises to its peers
 * (one port, one address per member), so it must name this host alone.
 * NULL when ip (host order) is usable, else what it is. */
static const char *unadvertisable(uint32_t ip)
{
    if (ip == 0) {
        return "the wildcard address";
    }
    if (ip == UINT32_MAX) {
        return "the broadcast address";
    }
    if ((ip >> 28) == 0xe) {
        return "a multicast address";
    }
    return NULL;
}

static hs_status set_special(config *c, const char *key, const char *value, char *why,
                             size_t cap)
{
    if (strcmp(key, "name") == 0) {
        return set_name(c, value, why, cap);
    }
    if (strcmp(key, "listen") == 0) {
        if (hs_addr_parse(value, &c->node.addr) != HS_OK) {
            snprintf(why, cap, "listen: invalid address '%s' (want a.b.c.d:port, port 1..65535)",
                     value);
            return HS_ERR_INVALID;
        }
        const char *kind = unadvertisable(c->node.addr.ip);
        if (kind != NULL) {
            snprintf(why, cap,
                     "listen: %s is %s: peers reach a node at its listen address, so it "
                     "must be one unicast address of this host (e.g. 127.0.0.1 or the "
                     "host's IP)",
                     value, kind);
            return HS_ERR_INVALID;
        }
        c->has_listen = true;
        return HS_OK;
    }
    if (strcmp(key, "metrics_listen") == 0) {
        if (hs_addr_parse(value, &c->metrics_addr) != HS_OK) {
            snprintf(why, cap,
                     "metrics_listen: invalid address '%s' (want a.b.c.d:port, port 1..65535)",
                     value);
            return HS_ERR_INVALID;
        }
        c->has_metrics = true;
        return HS_OK;
    }
    if (strcmp(key, "join") == 0) {
        return add_seeds(c, value, why, cap);
    }
    if (strcmp(key, "data_dir") == 0) {
        c->has_data_dir = true;
        return set_path(c->data_dir, sizeof(c->data_dir), key, value, why, cap);
    }
    if (strcmp(key, "seed") == 0) {
        if (!parse_u64(value, &c->node.rng_seed)) {
            snprintf(why, cap, "seed: invalid value '%s' (want an unsigned 64-bit integer)",
                     value);
            return HS_ERR_INVALID;
        }
        c->seed_given = true;
        return HS_OK;
    }
    return set_enum(c, key, value, why, cap);
}

static hs_status set_swim(config *c, int index, const char *value, char *why, size_t cap)
{
    uint32_t min = 0;
    uint32_t max = 0;
    swim_config_key_range((uint32_t)index, &min, &max);
    const char *name = swim_config_key_name((uint32_t)index);
    uint64_t v = 0;
    if (!parse_u64(value, &v) || swim_config_set(&c->node.swim, name, v) != HS_OK) {
        snprintf(why, cap, "%s: invalid value '%s' (want an integer in %u..%u)", name, value,
                 min, max);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status config_set(config *c, const char *key, const char *value, char *why, size_t msg_cap)
{
    const config_key *k = find_key(key);
    if (k == NULL) {
        int swim_index = swim_config_key_find(key);
        if (swim_index >= 0) {
            return set_swim(c, swim_index, value, why, msg_cap);
        }
        snprintf(why, msg_cap, "unknown key '%s' (hsnode --help lists them)", key);
        return HS_ERR_INVALID;
    }
    if (k->kind == KEY_SPECIAL) {
        return set_special(c, k->name, value, why, msg_cap);
    }
    return set_number(c, k, value, why, msg_cap);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) {
        s[--len] = '\0';
    }
    return s;
}

static hs_status file_line(config *c, char *line, char *why, size_t cap)
{
    char *text = trim(line);
    if (*text == '\0' || *text == '#') {
        return HS_OK;
    }
    char *eq = strchr(text, '=');
    if (eq == NULL) {
        snprintf(why, cap, "expected 'key = value', got '%.80s'", text);
        return HS_ERR_INVALID;
    }
    *eq = '\0';
    char *key = trim(text);
    char *value = trim(eq + 1);
    if (find_key(key) != NULL && strcmp(find_key(key)->name, "join") == 0) {
        c->join_from_file = true;
    }
    return config_set(c, key, value, why, cap);
}

static hs_status read_file(const char *path, char *buf, size_t cap, size_t *len, char *why,
                           size_t msg_cap)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(why, msg_cap, "config file %s: cannot read: %s", path, strerror(errno));
        return HS_ERR_IO;
    }
    *len = fread(buf, 1, cap, fp);
    bool error = ferror(fp) != 0;
    bool more = !error && *len == cap && fgetc(fp) != EOF;
    if (fclose(fp) != 0 || error) {
        snprintf(why, msg_cap, "config file %s: read error", path);
        return HS_ERR_IO;
    }
    if (more) {
        snprintf(why, msg_cap, "config file %s: larger than %u bytes", path, CONFIG_FILE_MAX);
        return HS_ERR_LIMIT;
    }
    buf[*len] = '\0';
    if (strlen(buf) != *len) {
        snprintf(why, msg_cap, "config file %s: contains a NUL byte", path);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status config_load_file(config *c, const char *path, char *why, size_t msg_cap)
{
    char *buf = malloc(CONFIG_FILE_MAX + 1);
    if (buf == NULL) {
        snprintf(why, msg_cap, "config file %s: out of memory", path);
        return HS_ERR_NOMEM;
    }
    size_t len = 0;
    hs_status status = read_file(path, buf, CONFIG_FILE_MAX, &len, why, msg_cap);
    uint32_t line_no = 0;
    char *cursor = buf;
    while (status == HS_OK && cursor != NULL && *cursor != '\0') {
        char *nl = strchr(cursor, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        line_no++;
        char inner[CONFIG_MSG_MAX];
        status = file_line(c, cursor, inner, sizeof(inner));
        if (status != HS_OK) {
            snprintf(why, msg_cap, "config file %s line %u: %s", path, line_no, inner);
        }
        cursor = nl == NULL ? NULL : nl + 1;
    }
    free(buf);
    return status;
}

/* Splits "--key=value" or "--key value"; returns the argv index consumed. */
static hs_status split_flag(int argc, char **argv, int *i, char *key, size_t key_cap,
                            const char **value, char *why, size_t cap)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
        snprintf(why, cap, "unexpected argument '%s' (flags look like --key value)", arg);
        return HS_ERR_INVALID;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    if (len >= key_cap) {
        snprintf(why, cap, "unknown flag '%.60s'", arg);
        return HS_ERR_INVALID;
    }
    memcpy(key, name, len);
    key[len] = '\0';
    if (eq != NULL) {
        *value = eq + 1;
        return HS_OK;
    }
    if (*i + 1 >= argc) {
        snprintf(why, cap, "--%s needs a value", key);
        return HS_ERR_INVALID;
    }
    *i += 1;
    *value = argv[*i];
    return HS_OK;
}

static bool is_config_flag(const char *key)
{
    return strcmp(key, "config") == 0;
}

static hs_status load_config_flag(config *c, int argc, char **argv, int first, char *why,
                                  size_t cap)
{
    for (int i = first; i < argc; i++) {
        char key[64];
        const char *value = NULL;
        hs_status status = split_flag(argc, argv, &i, key, sizeof(key), &value, why, cap);
        if (status != HS_OK) {
            return status;
        }
        if (!is_config_flag(key)) {
            continue;
        }
        status = set_path(c->config_path, sizeof(c->config_path), "config", value, why, cap);
        if (status == HS_OK) {
            status = config_load_file(c, c->config_path, why, cap);
        }
        return status;
    }
    return HS_OK;
}

hs_status config_parse_args(config *c, int argc, char **argv, int first, char *why,
                            size_t msg_cap)
{
    hs_status status = load_config_flag(c, argc, argv, first, why, msg_cap);
    bool join_flag_seen = false;
    for (int i = first; status == HS_OK && i < argc; i++) {
        char key[64];
        const char *value = NULL;
        status = split_flag(argc, argv, &i, key, sizeof(key), &value, why, msg_cap);
        if (status != HS_OK || is_config_flag(key)) {
            continue;
        }
        const config_key *k = find_key(key);
        if (k == NULL && swim_config_key_find(key) < 0) {
            snprintf(why, msg_cap, "unknown flag '--%s' (hsnode --help lists them)", key);
            return HS_ERR_INVALID;
        }
        if (k != NULL && strcmp(k->name, "join") == 0 && !join_flag_seen) {
            join_flag_seen = true;
            if (c->join_from_file) {
                c->node.seed_count = 0; /* flags replace the file's seeds */
            }
        }
        char inner[CONFIG_MSG_MAX];
        status = config_set(c, key, value, inner, sizeof(inner));
        if (status != HS_OK) {
            snprintf(why, msg_cap, "--%s", inner);
        }
    }
    return status;
}

bool config_swim_problem(const swim_config *sw, char *why, size_t msg_cap)
{
    const char *problem = swim_config_problem(sw);
    if (problem == NULL) {
        return false;
    }
    /* core names either a key out of its range or a rule between keys. */
    int key = swim_config_key_find(problem);
    if (key >= 0) {
        uint32_t min = 0;
        uint32_t max = 0;
        swim_config_key_range((uint32_t)key, &min, &max);
        snprintf(why, msg_cap, "SWIM settings: %s out of range (want %u..%u)", problem, min,
                 max);
    } else {
        snprintf(why, msg_cap, "SWIM settings: %s", problem);
    }
    return true;
}

hs_status config_check(const config *c, char *why, size_t msg_cap)
{
    if (!c->has_name || !c->has_listen || !c->has_data_dir) {
        snprintf(why, msg_cap, "missing required %s (give it as a flag or in --config FILE)",
                 !c->has_name ? "--name" : !c->has_listen ? "--listen" : "--data-dir");
        return HS_ERR_MISSING;
    }
    for (uint32_t i = 0; i < c->node.seed_count; i++) {
        if (hs_addr_eq(c->node.seeds[i], c->node.addr)) {
            snprintf(why, msg_cap, "--join lists this node's own --listen address");
            return HS_ERR_INVALID;
        }
    }
    if (config_swim_problem(&c->node.swim, why, msg_cap)) {
        return HS_ERR_RANGE;
    }
    hs_status status = node_config_check(&c->node);
    if (status != HS_OK) {
        snprintf(why, msg_cap, "node settings out of range (%s)", hs_status_name(status));
        return status;
    }
    status = tcp_config_check(&c->tcp);
    if (status != HS_OK) {
        snprintf(why, msg_cap,
                 "TCP settings out of range: tcp_out_queue_max and tcp_in_budget must hold "
                 "one %u-byte frame, tcp_out_budget at least tcp_out_queue_max, "
                 "tcp_backoff_max_ms at least tcp_backoff_min_ms",
                 FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX);
        return status;
    }
    return HS_OK;
}
