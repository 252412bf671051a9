/* Local clusters of real hsnode processes on loopback, for hsctl.
 *
 * Layout of a cluster directory D (all paths absolute once created):
 *   D/cluster.json   names and addresses, one node object per line
 *   D/<name>/        the node's --data-dir
 *   D/<name>.cmd     the node's command line, one argument per line
 *   D/<name>.log     its stdout and stderr (JSON lines)
 *   D/<name>.pid     its process id while it runs
 * Names are n1..nN.  n1 starts alone; n2 joins n1; the others join n1 and n2.
 *
 * Process safety: a pid read from a pid file is signalled only if
 * /proc/<pid>/cmdline still names that node (--name <name> and --data-dir
 * D/<name>), so a recycled pid is never killed. */
#ifndef CLUSTER_H_
#define CLUSTER_H_

#include <stdio.h>

#include "base.h"
#include "files.h"

#define CLUSTER_NODES_MAX 64u
#define CLUSTER_ERR_MAX 1024u
#define CLUSTER_READY_MS 5000u   /* a started node must answer on TCP within this */
#define CLUSTER_STOP_MS 5000u    /* SIGTERM grace before SIGKILL */
#define CLUSTER_POLL_MS 50u

typedef struct {
    hs_name name;
    hs_addr addr;
} cluster_node;

typedef struct {
    char dir[FILES_PATH_MAX];
    uint32_t count;
    cluster_node nodes[CLUSTER_NODES_MAX];
} cluster;

typedef struct {
    uint32_t nodes;
    const char *hsnode;       /* path of the hsnode binary */
    const char *config_path;  /* passed to every node as --config, may be NULL */
    int extra_argc;           /* more hsnode flags for every node */
    char **extra_argv;
    uint32_t timeout_ms;      /* convergence wait */
    FILE *progress;           /* one line per step, may be NULL */
} cluster_up_opts;

/* Starts the nodes and returns once every node sees all of them alive, or
 * stops everything it started and explains why in err. */
HS_MUST_USE hs_status cluster_up(const char *dir, const cluster_up_opts *opts, char *err,
                                 size_t err_cap);
/* SIGTERM every node, wait, SIGKILL stragglers, remove pid files. */
HS_MUST_USE hs_status cluster_down(const char *dir, FILE *progress, char *err, size_t err_cap);
/* Starts one node again from D/<name>.cmd and waits until it answers. */
HS_MUST_USE hs_status cluster_start_node(const char *dir, const char *name, FILE *progress,
                                         char *err, size_t err_cap);
/* Sends signo (SIGTERM or SIGKILL) to one node and waits until it is gone. */
HS_MUST_USE hs_status cluster_stop_node(const char *dir, const char *name, int signo,
                                        FILE *progress, char *err, size_t err_cap);

HS_MUST_USE hs_status cluster_load(const char *dir, cluster *out, char *err, size_t err_cap);
/* True when every node answers with all cluster members, each alive. */
bool cluster_converged(const cluster *cl, char *err, size_t err_cap);

#endif /* CLUSTER_H_ */
