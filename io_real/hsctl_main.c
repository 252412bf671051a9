/* hsctl: the operator's command-line client.
 *
 *   hsctl cluster up --dir D [--nodes N] [--config FILE] [--timeout-ms MS]
 *                    [--hsnode PATH] [-- HSNODE-FLAGS...]
 *   hsctl cluster down --dir D
 *   hsctl cluster start-node --dir D --node NAME
 *   hsctl cluster stop-node --dir D --node NAME [--kill]
 *   hsctl (--cluster D [--from NAME] | --node HOST:PORT) members [--json]
 *   hsctl (--cluster D [--from NAME] | --node HOST:PORT) stats [--json]
 *   hsctl bounds --nodes N [--config FILE] [--json] [-- HSNODE-FLAGS...]
 *   hsctl --version
 *
 * Exit status: 0 on success, 1 when the operation failed (the message on
 * stderr says why), 2 for a usage error. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "config.h"
#include "ctl.h"
#include "frame.h"
#include "hs_version.h"
#include "msg.h"
#include "swim.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define CTL_TIMEOUT_MS 3000u

typedef struct {
    const char *words[3];
    int word_count;
    const char *dir;
    const char *cluster_dir;
    const char *node_addr;
    const char *from;
    const char *nodes_text;
    const char *timeout_text;
    const char *config_path;
    const char *hsnode;
    uint32_t nodes;
    uint32_t timeout_ms;
    bool json;
    bool kill;
    int extra_argc;
    char **extra_argv;
} args;

static void usage(FILE *out)
{
    fputs("usage:\n"
          "  hsctl cluster up --dir D [--nodes N] [--config FILE] [--timeout-ms MS]\n"
          "                   [--hsnode PATH] [-- HSNODE-FLAGS...]\n"
          "  hsctl cluster down --dir D\n"
          "  hsctl cluster start-node --dir D --node NAME\n"
          "  hsctl cluster stop-node --dir D --node NAME [--kill]\n"
          "  hsctl (--cluster D [--from NAME] | --node HOST:PORT) members [--json]\n"
          "  hsctl (--cluster D [--from NAME] | --node HOST:PORT) stats [--json]\n"
          "  hsctl bounds --nodes N [--config FILE] [--json] [-- HSNODE-FLAGS...]\n"
          "  hsctl --version   (version, git commit, compiler, protocol)\n",
          out);
}

/* `hsctl --version`: the same four lines as hsim's and hsnode's. */
static int print_version(void)
{
    printf("hsctl %s\ncommit %s (%s)\ncompiler %s\nprotocol %u.%u (frame version %u)\n",
           HS_VERSION, HS_GIT_COMMIT, HS_GIT_TREE, HS_COMPILER, MSG_PROTO_MAJOR,
           MSG_PROTO_MINOR, FRAME_VERSION);
    return 0;
}

static int fail_usage(const char *fmt, const char *arg)
{
    fputs("hsctl: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n", stderr);
    usage(stderr);
    return EXIT_USAGE;
}

static bool parse_u32(const char *text, uint32_t *out)
{
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* Options taking a value: the slot to store it in, or NULL. */
static const char **value_slot(args *a, const char *opt)
{
    const struct {
        const char *name;
        const char **slot;
    } table[] = {
        {"--dir", &a->dir},           {"--cluster", &a->cluster_dir},
        {"--node", &a->node_addr},    {"--from", &a->from},
        {"--config", &a->config_path}, {"--hsnode", &a->hsnode},
        {"--nodes", &a->nodes_text},  {"--timeout-ms", &a->timeout_text},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(table); i++) {
        if (strcmp(opt, table[i].name) == 0) {
            return table[i].slot;
        }
    }
    return NULL;
}

static int parse_numbers(args *a)
{
    if (a->nodes_text != NULL && (!parse_u32(a->nodes_text, &a->nodes) || a->nodes == 0)) {
        return fail_usage("--nodes: invalid count '%s'", a->nodes_text);
    }
    if (a->timeout_text != NULL && !parse_u32(a->timeout_text, &a->timeout_ms)) {
        return fail_usage("--timeout-ms: invalid value '%s'", a->timeout_text);
    }
    return 0;
}

static int parse_args(args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = value_slot(a, arg);
        if (strcmp(arg, "--") == 0) {
            a->extra_argc = argc - i - 1;
            a->extra_argv = argv + i + 1;
            break;
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (strcmp(arg, "--kill") == 0) {
            a->kill = true;
        } else if (slot != NULL) {
            if (i + 1 >= argc) {
                return fail_usage("%s needs a value", arg);
            }
            *slot = argv[++i];
        } else if (arg[0] == '-') {
            return fail_usage("unknown option '%s'", arg);
        } else if (a->word_count < 3) {
            a->words[a->word_count++] = arg;
        } else {
            return fail_usage("unexpected argument '%s'", arg);
        }
    }
    return parse_numbers(a);
}

/* The SWIM settings the nodes will run with: defaults, then the config
 * file, then the extra hsnode flags, parsed by hsnode's own code. */
static int node_settings(const args *a, config *cfg)
{
    char why[CONFIG_MSG_MAX];
    config_defaults(cfg);
    if (a->config_path != NULL &&
        config_load_file(cfg, a->config_path, why, sizeof(why)) != HS_OK) {
        fprintf(stderr, "hsctl: %s\n", why);
        return EXIT_USAGE;
    }
    if (a->extra_argc > 0 &&
        config_parse_args(cfg, a->extra_argc, a->extra_argv, 0, why, sizeof(why)) != HS_OK) {
        fprintf(stderr, "hsctl: hsnode flags after --: %s\n", why);
        return EXIT_USAGE;
    }
    if (config_swim_problem(&cfg->node.swim, why, sizeof(why))) {
        fprintf(stderr, "hsctl: %s\n", why);
        return EXIT_USAGE;
    }
    return 0;
}

/* Both bounds come from core (swim.c), never re-derived here. */
static int cmd_bounds(const args *a)
{
    if (a->nodes == 0) {
        return fail_usage("bounds needs --nodes N%s", "");
    }
    static config cfg;
    int rc = node_settings(a, &cfg);
    if (rc != 0) {
        return rc;
    }
    const swim_config *sw = &cfg.node.swim;
    uint64_t detect = 0;
    uint64_t converge = 0;
    if (swim_bounds_ns(sw, a->nodes, &detect, &converge) != HS_OK) {
        fprintf(stderr,
                "hsctl: bounds: cannot compute the bounds for --nodes %u: %s\n", a->nodes,
                (uint64_t)a->nodes > (uint64_t)sw->members_cap + 1
                    ? "more nodes than members_cap + 1 (no node could hold that cluster; "
                      "raise members_cap)"
                    : "the bound overflows 64-bit nanoseconds with these settings");
        return EXIT_USAGE;
    }
    if (a->json) {
        /* 64-bit nanoseconds are strings: the largest bounds pass 2^53. */
        printf("{\"nodes\":%u,\"probe_interval_ms\":%u,\"detection_bound_ns\":\"%llu\","
               "\"detection_bound_ms\":%llu,\"convergence_bound_ns\":\"%llu\","
               "\"convergence_bound_ms\":%llu}\n",
               a->nodes, sw->probe_interval_ms, (unsigned long long)detect,
               (unsigned long long)(detect / HS_NS_PER_MS), (unsigned long long)converge,
               (unsigned long long)(converge / HS_NS_PER_MS));
    } else {
        printf("nodes                %u\nprobe_interval_ms    %u\ndetection_bound_ms   %llu\n"
               "convergence_bound_ms %llu\n",
               a->nodes, sw->probe_interval_ms, (unsigned long long)(detect / HS_NS_PER_MS),
               (unsigned long long)(converge / HS_NS_PER_MS));
    }
    return 0;
}

/* hsnode beside this hsctl, unless --hsnode or $HSNODE says otherwise. */
static const char *hsnode_path(const args *a, char *buf, size_t cap)
{
    if (a->hsnode != NULL) {
        return a->hsnode;
    }
    const char *env = getenv("HSNODE");
    if (env != NULL && env[0] != '\0') {
        return env;
    }
    ssize_t len = readlink("/proc/self/exe", buf, cap - 8);
    if (len <= 0) {
        return "hsnode";
    }
    buf[len] = '\0';
    char *slash = strrchr(buf, '/');
    snprintf(slash != NULL ? slash + 1 : buf, 8, "hsnode");
    return buf;
}

static int cmd_up(const args *a)
{
    if (a->nodes > CLUSTER_NODES_MAX) {
        fprintf(stderr, "hsctl: cluster up: --nodes %u is above the maximum of %u\n", a->nodes,
                CLUSTER_NODES_MAX);
        usage(stderr);
        return EXIT_USAGE;
    }
    static config cfg;
    int rc = node_settings(a, &cfg);
    if (rc != 0) {
        return rc;
    }
    uint32_t nodes = a->nodes == 0 ? 5 : a->nodes;
    char path[PATH_MAX];
    cluster_up_opts o = {nodes, hsnode_path(a, path, sizeof(path)), a->config_path,
                         a->extra_argc, a->extra_argv, a->timeout_ms, stdout};
    if (o.timeout_ms == 0) {
        /* Core's convergence bound for these settings, plus start-up time. */
        uint64_t bound = swim_convergence_bound_ns(&cfg.node.swim, nodes);
        o.timeout_ms = (uint32_t)(bound / HS_NS_PER_MS) + 10000u;
    }
    char err[CLUSTER_ERR_MAX];
    if (cluster_up(a->dir, &o, err, sizeof(err)) != HS_OK) {
        fprintf(stderr, "hsctl: cluster up: %s\n", err);
        return EXIT_FAIL;
    }
    return 0;
}

static int cmd_cluster(const args *a)
{
    if (a->word_count < 2) {
        return fail_usage("cluster needs a command: up, down, start-node or stop-node%s", "");
    }
    const char *verb = a->words[1];
    if (a->dir == NULL) {
        return fail_usage("cluster %s needs --dir D", verb);
    }
    if (strcmp(verb, "up") == 0) {
        return cmd_up(a);
    }
    char err[CLUSTER_ERR_MAX];
    hs_status status = HS_OK;
    if (strcmp(verb, "down") == 0) {
        status = cluster_down(a->dir, stdout, err, sizeof(err));
    } else if (strcmp(verb, "start-node") == 0 || strcmp(verb, "stop-node") == 0) {
        if (a->node_addr == NULL) {
            return fail_usage("cluster %s needs --node NAME", verb);
        }
        status = verb[2] == 'a'
                     ? cluster_start_node(a->dir, a->node_addr, stdout, err, sizeof(err))
                     : cluster_stop_node(a->dir, a->node_addr, a->kill ? SIGKILL : SIGTERM,
                                         stdout, err, sizeof(err));
    } else {
        return fail_usage("unknown cluster command '%s'", verb);
    }
    if (status != HS_OK) {
        fprintf(stderr, "hsctl: cluster %s: %s\n", verb, err);
        return EXIT_FAIL;
    }
    return 0;
}

/* Where to ask: --node HOST:PORT, or the nodes of --cluster D (--from
 * picks one; otherwise the first that answers). */
static int targets(const args *a, hs_addr *addrs, uint32_t *count)
{
    *count = 0;
    if (a->node_addr != NULL) {
        if (hs_addr_parse(a->node_addr, &addrs[0]) != HS_OK) {
            return fail_usage("--node: invalid address '%s' (want a.b.c.d:port)", a->node_addr);
        }
        *count = 1;
        return 0;
    }
    if (a->cluster_dir == NULL) {
        return fail_usage("%s needs --cluster D or --node HOST:PORT", a->words[0]);
    }
    static cluster cl;
    char err[CLUSTER_ERR_MAX];
    if (cluster_load(a->cluster_dir, &cl, err, sizeof(err)) != HS_OK) {
        fprintf(stderr, "hsctl: %s\n", err);
        return EXIT_FAIL;
    }
    for (uint32_t i = 0; i < cl.count; i++) {
        if (a->from == NULL || strcmp(a->from, cl.nodes[i].name.bytes) == 0) {
            addrs[(*count)++] = cl.nodes[i].addr;
        }
    }
    if (*count == 0) {
        fprintf(stderr, "hsctl: no node named %s in %s\n", a->from, a->cluster_dir);
        return EXIT_FAIL;
    }
    return 0;
}

static void print_members_json(const ctl_members *m)
{
    printf("{\"node\":\"%s\",\"members\":[", m->node.bytes);
    for (uint32_t i = 0; i < m->count; i++) {
        const msg_member *x = &m->members[i];
        char addr[HS_ADDR_STR_MAX];
        hs_addr_format(x->addr, addr);
        printf("%s{\"name\":\"%s\",\"address\":\"%s\",\"role\":\"%s\",\"state\":\"%s\","
               "\"incarnation\":%u}",
               i == 0 ? "" : ",", x->name.bytes, addr, node_role_name(x->role),
               member_state_name(x->state), x->incarnation);
    }
    printf("]}\n");
}

static void print_members_text(const ctl_members *m)
{
    int width = 4;
    for (uint32_t i = 0; i < m->count; i++) {
        width = m->members[i].name.len > width ? m->members[i].name.len : width;
    }
    printf("%-*s  %-21s  %-7s  %-7s  %s\n", width, "name", "address", "role", "state",
           "incarnation");
    for (uint32_t i = 0; i < m->count; i++) {
        const msg_member *x = &m->members[i];
        char addr[HS_ADDR_STR_MAX];
        hs_addr_format(x->addr, addr);
        printf("%-*s  %-21s  %-7s  %-7s  %u\n", width, x->name.bytes, addr,
               node_role_name(x->role), member_state_name(x->state), x->incarnation);
    }
}

static int cmd_members(const args *a)
{
    hs_addr addrs[CLUSTER_NODES_MAX];
    uint32_t count = 0;
    int rc = targets(a, addrs, &count);
    if (rc != 0) {
        return rc;
    }
    char err[CTL_ERR_MAX] = "";
    for (uint32_t i = 0; i < count; i++) {
        ctl_members m;
        if (ctl_get_members(addrs[i], CTL_TIMEOUT_MS, &m, err, sizeof(err)) != HS_OK) {
            continue;
        }
        if (a->json) {
            print_members_json(&m);
        } else {
            print_members_text(&m);
        }
        ctl_members_free(&m);
        return 0;
    }
    fprintf(stderr, "hsctl: members: %s\n", err);
    return EXIT_FAIL;
}

static void print_stats(const ctl_stats *s, bool json)
{
    if (json) {
        printf("{\"node\":\"%s\",\"counters\":{", s->node.bytes);
    }
    for (uint32_t i = 0; i < s->count; i++) {
        unsigned long long v = (unsigned long long)s->counters[i].value;
        if (json) {
            printf("%s\"%s\":%llu", i == 0 ? "" : ",", s->counters[i].name, v);
        } else {
            printf("%-32s %llu\n", s->counters[i].name, v);
        }
    }
    if (json) {
        printf("}}\n");
    }
}

static int cmd_stats(const args *a)
{
    hs_addr addrs[CLUSTER_NODES_MAX];
    uint32_t count = 0;
    int rc = targets(a, addrs, &count);
    if (rc != 0) {
        return rc;
    }
    static ctl_stats s;
    char err[CTL_ERR_MAX] = "";
    for (uint32_t i = 0; i < count; i++) {
        if (ctl_get_stats(addrs[i], CTL_TIMEOUT_MS, &s, err, sizeof(err)) == HS_OK) {
            print_stats(&s, a->json);
            return 0;
        }
    }
    fprintf(stderr, "hsctl: stats: %s\n", err);
    return EXIT_FAIL;
}

int main(int argc, char **argv)
{
    static args a;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            return print_version();
        }
    }
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        return rc;
    }
    if (a.word_count == 0) {
        return fail_usage("missing command%s", "");
    }
    const char *cmd = a.words[0];
    if (strcmp(cmd, "cluster") == 0) {
        return cmd_cluster(&a);
    }
    if (a.word_count > 1) {
        return fail_usage("unexpected argument '%s'", a.words[1]);
    }
    if (strcmp(cmd, "members") == 0) {
        return cmd_members(&a);
    }
    if (strcmp(cmd, "stats") == 0) {
        return cmd_stats(&a);
    }
    if (strcmp(cmd, "bounds") == 0) {
        return cmd_bounds(&a);
    }
    return fail_usage("unknown command '%s'", cmd);
}
