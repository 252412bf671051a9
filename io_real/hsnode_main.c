/* hsnode: runs one node of the control plane on this machine.
 *
 *   hsnode --name NAME --listen IP:PORT --data-dir DIR [--role ROLE]
 *          [--join IP:PORT[,IP:PORT...]] [--config FILE] [--log text|json]
 *          [--log-level debug|info|warn|error] [--KEY VALUE ...]
 *
 * Exit status: 0 after a clean stop (SIGTERM or SIGINT), 2 for a bad flag or
 * config file, 1 when the node cannot start (port in use, data directory
 * unwritable or locked, its metadata corrupt or another node's, out of
 * memory).  Every refusal prints one line "hsnode: ..." on stderr.  Logs go
 * to stdout, one line per event record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "host.h"
#include "ioerr.h"
#include "log.h"

#define EXIT_USAGE 2
#define EXIT_START 1
#define LOG_CLOSE_MS 2000u /* at exit, how long a slow log reader is waited for */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hsnode --name NAME --listen IP:PORT --data-dir DIR [--role ROLE]\n"
            "              [--join IP:PORT[,IP:PORT...]] [--config FILE] [--log text|json]\n"
            "              [--log-level LEVEL] [--KEY VALUE ...]\n\n"
            "Runs one node: SWIM membership on UDP IP:PORT, control requests on TCP\n"
            "IP:PORT.  Every key below may be a flag (--key value, --key=value) or a\n"
            "line 'key = value' of the --config file; flags override the file.\n\n");
    for (uint32_t i = 0; i < config_key_count(); i++) {
        fprintf(out, "  %-24s %s\n", config_key_name(i), config_key_help(i));
    }
    fprintf(out, "\nExit status: 0 clean stop, 1 cannot start, 2 bad flag or config.\n");
}

static void host_error(log_sink *lg, uint32_t op, int err)
{
    log_host_error(lg, op, err, 0, 0);
}

/* 1,000 connections need more than the usual 1,024 descriptors' headroom. */
static void raise_nofile(log_sink *lg)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        host_error(lg, IOERR_OP_SETRLIMIT, errno);
        return;
    }
    if (lim.rlim_cur >= lim.rlim_max) {
        return;
    }
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        host_error(lg, IOERR_OP_SETRLIMIT, errno);
    }
}

static int pick_seed(config *cfg, log_sink *lg)
{
    if (cfg->seed_given) {
        return 0;
    }
    uint64_t seed = 0;
    ssize_t got = getrandom(&seed, sizeof(seed), 0);
    if (got != (ssize_t)sizeof(seed)) {
        host_error(lg, IOERR_OP_GETRANDOM, got < 0 ? errno : EIO);
        fprintf(stderr, "hsnode: cannot draw a random seed: %s (pass --seed N)\n",
                strerror(got < 0 ? errno : EIO));
        return -1;
    }
    cfg->node.rng_seed = seed;
    return 0;
}

static void log_start(log_sink *lg, const config *cfg)
{
    char addr[HS_ADDR_STR_MAX];
    hs_addr_format(cfg->node.addr, addr);
    char seeds[NODE_SEEDS_MAX * HS_ADDR_STR_MAX + 1] = "";
    for (uint32_t i = 0; i < cfg->node.seed_count; i++) {
        char one[HS_ADDR_STR_MAX];
        hs_addr_format(cfg->node.seeds[i], one);
        strcat(seeds, i == 0 ? "" : ",");
        strcat(seeds, one);
    }
    log_field fields[] = {
        {"role", node_role_name(cfg->node.role), 0},
        {"listen", addr, 0},
        {"join", seeds, 0},
        {"data_dir", cfg->data_dir, 0},
        {"rng_seed", NULL, cfg->node.rng_seed},
        {"pid", NULL, (uint64_t)getpid()},
        {"probe_interval_ms", NULL, cfg->node.swim.probe_interval_ms},
        {"tcp_conns_max", NULL, cfg->tcp.conns_max},
    };
    log_note(lg, HS_SEV_INFO, "host_start", fields, (uint32_t)HS_ARRAY_LEN(fields));
}

static void log_stop(log_sink *lg, const host *h, int rc)
{
    const host_stats *s = host_get_stats(h);
    log_field fields[] = {
        {"exit", NULL, (uint64_t)rc},
        {"steps", NULL, s->steps},
        {"udp_rx", NULL, s->udp_rx},
        {"host_errors", NULL, s->host_errors},
        {"log_suppressed", NULL, lg->suppressed},
        {"log_dropped", NULL, lg->dropped},
        {"log_write_errors", NULL, lg->write_errors},
    };
    log_note(lg, HS_SEV_INFO, "host_stop", fields, (uint32_t)HS_ARRAY_LEN(fields));
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    static config cfg;
    char why[CONFIG_MSG_MAX];
    config_defaults(&cfg);
    if (config_parse_args(&cfg, argc, argv, 1, why, sizeof(why)) != HS_OK ||
        config_check(&cfg, why, sizeof(why)) != HS_OK) {
        fprintf(stderr, "hsnode: %s\n", why);
        return EXIT_USAGE;
    }
    static log_sink lg;
    log_init(&lg, STDOUT_FILENO, (log_format)cfg.log_format, (uint8_t)cfg.log_level,
             &cfg.node.name);
    lg.rate_per_sec = cfg.log_rate;
    raise_nofile(&lg);
    if (pick_seed(&cfg, &lg) != 0) {
        log_close(&lg, LOG_CLOSE_MS);
        return EXIT_START;
    }
    host *h = NULL;
    if (host_create(&cfg, &lg, &h, why, sizeof(why)) != HS_OK) {
        fprintf(stderr, "hsnode: %s\n", why);
        log_close(&lg, LOG_CLOSE_MS);
        return EXIT_START;
    }
    log_start(&lg, &cfg);
    int rc = host_run(h);
    if (host_halted(h, why, sizeof(why))) {
        fprintf(stderr, "hsnode: %s\n", why);
    }
    log_stop(&lg, h, rc);
    host_destroy(h);
    log_close(&lg, LOG_CLOSE_MS);
    return rc;
}
