/* Flags and config file for hsnode: the [host] and [tcp] key tables, and
 * the four tables bound to one config struct.  See config.h. */
#include "config.h"

#include "frame.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const log_format_names[] = {"text", "json"};
static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

HS_STATIC_ASSERT(LOG_TEXT == 0 && LOG_JSON == 1, "log_format_names follows log_format");
HS_STATIC_ASSERT(HS_SEV_DEBUG == 0 && HS_SEV_ERROR == 3, "log_level_names follows hs_severity");

#define CFG_ENUM(T, f, key, names, def, help)                                                \
    {key, CFGKEY_ENUM, CFGKEY_UNIT_NONE, CFGKEY_AT(T, f), 0, 0, HS_ARRAY_LEN(names) - 1, def, \
     NULL, names, 0, NULL, help}
#define CFG_U32(T, f, key, unit, lo, hi, def, help)                                          \
    CFGKEY_NUM(T, f, key, CFGKEY_U32, unit, lo, hi, def, help)
#define CFG_BYTES(T, f, key, lo, hi, def, help)                                              \
    CFGKEY_NUM(T, f, key, CFGKEY_BYTES, CFGKEY_UNIT_BYTES, lo, hi, def, help)
/* A duration given in ms and stored as nanoseconds. */
#define CFG_MS_NS(T, f, key, lo, hi, def, help)                                              \
    CFGKEY_NUM(T, f, key, CFGKEY_DURATION_NS, CFGKEY_UNIT_MS, lo, hi, def, help)

static const cfgkey host_keys[] = {
    {"data_dir", CFGKEY_STRING, CFGKEY_UNIT_NONE, CFGKEY_AT(config, data_dir), 0, 1,
     FILES_PATH_MAX - 1, 0, NULL, NULL, CFGKEY_REQUIRED, NULL,
     "directory for durable state (one per node)"},
    CFG_ENUM(config, log_format, "log", log_format_names, LOG_TEXT, "log line format"),
    CFG_ENUM(config, log_level, "log_level", log_level_names, HS_SEV_INFO,
             "lines below this severity are not written"),
    CFG_U32(config, log_rate, "log_rate", CFGKEY_UNIT_PER_SEC, 0, 1000000, LOG_RATE_DEFAULT,
            "log lines per second per event code (0: unlimited)"),
    CFGKEY_NUM(config, leave_grace_ms, "leave_grace_ms", CFGKEY_DURATION, CFGKEY_UNIT_MS, 0,
               60000, 300, "after SIGTERM, time to gossip the leave"),
    {"metrics_listen", CFGKEY_ADDR, CFGKEY_UNIT_NONE, CFGKEY_AT(config, metrics_addr), 0, 0, 0, 0,
     "off", NULL, CFGKEY_UNSET, NULL, "IPv4:PORT serving Prometheus text on GET /metrics"},
};

static const cfgkey tcp_keys[] = {
    CFG_U32(tcp_config, conns_max, "conns_max", CFGKEY_UNIT_NONE, 1, 1u << 20, 2048,
            "TCP connections + outbound links"),
    CFG_U32(tcp_config, conns_per_source, "conns_per_source", CFGKEY_UNIT_NONE, 1, 1u << 20, 256,
            "accepted TCP connections from one IPv4 address"),
    CFG_BYTES(tcp_config, out_queue_max, "out_queue_max", 1, UINT32_MAX, 4u << 20,
              "bytes queued per connection"),
    CFG_BYTES(tcp_config, in_budget, "in_budget", 1, UINT32_MAX, 24u << 20,
              "bytes of all input buffers"),
    CFG_BYTES(tcp_config, out_budget, "out_budget", 1, UINT32_MAX, 16u << 20,
              "bytes of all output queues"),
    CFG_MS_NS(tcp_config, idle_timeout_ns, "idle_timeout_ms", 1, UINT32_MAX, 120000,
              "no byte either way this long: close"),
    CFG_MS_NS(tcp_config, slow_timeout_ns, "slow_timeout_ms", 1, UINT32_MAX, 10000,
              "no first frame, a partial frame or unread replies this long: close"),
    CFG_MS_NS(tcp_config, connect_timeout_ns, "connect_timeout_ms", 1, UINT32_MAX, 3000,
              "outbound connect wait"),
    CFG_MS_NS(tcp_config, backoff_min_ns, "backoff_min_ms", 1, UINT32_MAX, 100,
              "first reconnect delay (doubles per failure)"),
    CFG_MS_NS(tcp_config, backoff_max_ns, "backoff_max_ms", 1, UINT32_MAX, 5000,
              "reconnect delay cap"),
    CFG_MS_NS(tcp_config, give_up_ns, "give_up_ms", 1, UINT32_MAX, 30000,
              "unreachable this long: drop the queued frames"),
};

static const cfgkey_table host_table = {"host", host_keys, (uint32_t)HS_ARRAY_LEN(host_keys),
                                       false};
static const cfgkey_table tcp_table = {"tcp", tcp_keys, (uint32_t)HS_ARRAY_LEN(tcp_keys), true};

enum { BIND_NODE = 0, BIND_SWIM = 1, BIND_HOST = 2, BIND_TCP = 3 };

const cfgkey_table *const *config_tables(void)
{
    static const cfgkey_table *tables[CONFIG_TABLES];
    tables[BIND_NODE] = node_config_keys();
    tables[BIND_SWIM] = swim_config_keys();
    tables[BIND_HOST] = &host_table;
    tables[BIND_TCP] = &tcp_table;
    return tables;
}

/* The tables bound to c, with c's given masks. */
static void bind_all(config *c, cfgkey_bind binds[CONFIG_TABLES])
{
    const cfgkey_table *const *tables = config_tables();
    void *targets[CONFIG_TABLES] = {&c->node, &c->node.swim, c, &c->tcp};
    for (uint32_t i = 0; i < CONFIG_TABLES; i++) {
        binds[i] = (cfgkey_bind){tables[i], targets[i], c->given[i]};
    }
}

static void unbind_all(config *c, const cfgkey_bind binds[CONFIG_TABLES])
{
    for (uint32_t i = 0; i < CONFIG_TABLES; i++) {
        c->given[i] = binds[i].given;
    }
    int32_t seed = cfgkey_find(node_config_keys(), "seed");
    c->seed_given = seed >= 0 && cfgkey_given(binds, BIND_NODE, (uint32_t)seed);
    int32_t metrics = cfgkey_find(&host_table, "metrics_listen");
    c->has_metrics = metrics >= 0 && cfgkey_given(binds, BIND_HOST, (uint32_t)metrics);
}

size_t config_render_help(char *out, size_t cap)
{
    return cfgkey_render_help(config_tables(), CONFIG_TABLES, out, cap);
}

size_t config_render_file(char *out, size_t cap)
{
    return cfgkey_render_file(config_tables(), CONFIG_TABLES, out, cap);
}

void config_defaults(config *c)
{
    memset(c, 0, sizeof(*c));
    node_config_defaults(&c->node);
    tcp_config_defaults(&c->tcp); /* fields without a key (accept_batch) */
    cfgkey_defaults(&tcp_table, &c->tcp);
    cfgkey_defaults(&host_table, c);
}

hs_status config_set(config *c, const char *key, const char *value, char *why, size_t msg_cap)
{
    cfgkey_bind binds[CONFIG_TABLES];
    bind_all(c, binds);
    hs_status st = cfgkey_set(binds, CONFIG_TABLES, NULL, key, value, why, msg_cap);
    unbind_all(c, binds);
    return st;
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
    if (status == HS_OK) {
        cfgkey_bind binds[CONFIG_TABLES];
        bind_all(c, binds);
        char inner[CONFIG_MSG_MAX];
        status = cfgkey_parse_text(binds, CONFIG_TABLES, NULL, 0, buf, inner, sizeof(inner));
        unbind_all(c, binds);
        if (status != HS_OK) {
            snprintf(why, msg_cap, "config file %s %s", path, inner);
        }
    }
    free(buf);
    return status;
}

/* Splits "--key=value" or "--key value"; advances *i past the value. */
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
        size_t len = strlen(value);
        if (len == 0 || len >= sizeof(c->config_path)) {
            snprintf(why, cap, "config: path empty or longer than %zu bytes",
                     sizeof(c->config_path) - 1);
            return HS_ERR_INVALID;
        }
        memcpy(c->config_path, value, len + 1);
        return config_load_file(c, c->config_path, why, cap);
    }
    return HS_OK;
}

/* One flag.  The first flag for a list the file filled replaces it
 * (replaced remembers which lists were cleared). */
static hs_status flag_set(cfgkey_bind *binds, const uint64_t *file_given, uint64_t *replaced,
                          const char *key, const char *value, char *why, size_t msg_cap)
{
    uint32_t b = 0;
    uint32_t k = 0;
    char inner[CONFIG_MSG_MAX];
    hs_status st = cfgkey_lookup(binds, CONFIG_TABLES, NULL, key, &b, &k, inner, sizeof(inner));
    if (st == HS_ERR_NOT_FOUND) {
        snprintf(why, msg_cap, "unknown flag '--%s' (hsnode --help lists them)", key);
        return HS_ERR_INVALID;
    }
    uint64_t bit = UINT64_C(1) << k;
    if (st == HS_OK && binds[b].table->keys[k].type == CFGKEY_ADDR_LIST &&
        (file_given[b] & bit) != 0 && (replaced[b] & bit) == 0) {
        cfgkey_reset(binds[b].table, binds[b].target, k);
        replaced[b] |= bit;
    }
    if (st == HS_OK) {
        st = cfgkey_set_text(binds[b].table, binds[b].target, k, value, inner, sizeof(inner));
    }
    if (st == HS_OK) {
        binds[b].given |= bit;
    } else {
        snprintf(why, msg_cap, "--%s", inner);
    }
    return st;
}

hs_status config_parse_args(config *c, int argc, char **argv, int first, char *why,
                            size_t msg_cap)
{
    hs_status status = load_config_flag(c, argc, argv, first, why, msg_cap);
    uint64_t file_given[CONFIG_TABLES];
    uint64_t replaced[CONFIG_TABLES] = {0};
    memcpy(file_given, c->given, sizeof(file_given));
    cfgkey_bind binds[CONFIG_TABLES];
    bind_all(c, binds);
    for (int i = first; status == HS_OK && i < argc; i++) {
        char key[64];
        const char *value = NULL;
        status = split_flag(argc, argv, &i, key, sizeof(key), &value, why, msg_cap);
        if (status == HS_OK && !is_config_flag(key)) {
            status = flag_set(binds, file_given, replaced, key, value, why, msg_cap);
        }
    }
    unbind_all(c, binds);
    return status;
}

bool config_swim_problem(const swim_config *sw, char *why, size_t msg_cap)
{
    char inner[CONFIG_MSG_MAX];
    if (swim_config_explain(sw, inner, sizeof(inner)) == HS_OK) {
        return false;
    }
    snprintf(why, msg_cap, "SWIM settings: %s", inner);
    return true;
}

hs_status config_check(const config *c, char *why, size_t msg_cap)
{
    cfgkey_bind binds[CONFIG_TABLES];
    bind_all((config *)c, binds);
    hs_status status = cfgkey_check_required(binds, CONFIG_TABLES, why, msg_cap);
    if (status != HS_OK) {
        return status;
    }
    if (config_swim_problem(&c->node.swim, why, msg_cap)) {
        return HS_ERR_RANGE;
    }
    char inner[CONFIG_MSG_MAX];
    status = node_config_explain(&c->node, inner, sizeof(inner));
    if (status != HS_OK) {
        snprintf(why, msg_cap, "node settings: %s", inner);
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
    /* A full binding table evicts the least recently active HELLO: if one
     * source may hold as many connections as the table has bindings, one
     * client could evict every other peer, over and over. */
    if (c->node.peers_max <= c->tcp.conns_per_source) {
        snprintf(why, msg_cap,
                 "peers_max (%u) must exceed tcp conns_per_source (%u), so one client "
                 "cannot hold every HELLO binding (peers_max at least conns_max, %u, is best)",
                 c->node.peers_max, c->tcp.conns_per_source, c->tcp.conns_max);
        return HS_ERR_RANGE;
    }
    return HS_OK;
}
