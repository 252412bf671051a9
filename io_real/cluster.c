/* Local loopback clusters of hsnode processes.  See cluster.h. */
#include "cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "loop.h"
#include "udp.h"

#define CMD_ARGS_MAX 128u
#define CMD_FILE_MAX (32u * 1024u)
#define PORT_TRIES 200u
#define LOOPBACK UINT32_C(0x7f000001)

static void progress(FILE *out, const char *fmt, ...) HS_PRINTF(2, 3);

static void progress(FILE *out, const char *fmt, ...)
{
    if (out == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    fflush(out);
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint64_t now_ms(void)
{
    return loop_now_ns(NULL) / HS_NS_PER_MS;
}

static void node_path(const char *dir, const char *name, const char *suffix, char *out,
                      size_t cap)
{
    int n = snprintf(out, cap, "%s/%s%s", dir, name, suffix);
    HS_ASSERT(n > 0 && (size_t)n < cap);
}

static hs_status write_file(const char *path, const char *text, char *err, size_t cap)
{
    char tmp[FILES_PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    if (fp == NULL) {
        snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
        return HS_ERR_IO;
    }
    bool ok = fputs(text, fp) >= 0;
    ok = fclose(fp) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        return HS_ERR_IO;
    }
    return HS_OK;
}

/* Reads a small text file whole; NULL if it does not exist. */
static char *read_text(const char *path, size_t max)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t len = buf == NULL ? 0 : fread(buf, 1, max, fp);
    fclose(fp);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

static bool read_pid(const char *dir, const char *name, pid_t *pid)
{
    char path[FILES_PATH_MAX];
    node_path(dir, name, ".pid", path, sizeof(path));
    char *text = read_text(path, 32);
    if (text == NULL) {
        return false;
    }
    long value = strtol(text, NULL, 10);
    free(text);
    *pid = (pid_t)value;
    return value > 0;
}

/* Alive and not a zombie.  Reaps our own children on the way. */
static bool proc_alive(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
        return false;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    char *text = read_text(path, 512);
    if (text == NULL) {
        return false;
    }
    const char *close_paren = strrchr(text, ')');
    bool alive = close_paren != NULL && close_paren[1] == ' ' && close_paren[2] != 'Z' &&
                 close_paren[2] != 'X';
    free(text);
    return alive;
}

/* The value after flag in a NUL-separated argv, or NULL. */
static const char *arg_value(const char *argv, size_t len, const char *flag)
{
    for (size_t i = 0; i < len;) {
        const char *arg = argv + i;
        size_t arg_len = strlen(arg);
        if (strcmp(arg, flag) == 0 && i + arg_len + 1 < len) {
            return arg + arg_len + 1;
        }
        i += arg_len + 1;
    }
    return NULL;
}

/* The process still is the node we started: its argv (as written to
 * D/<name>.cmd) has --name <name> and --data-dir D/<name>.  Both, because
 * a recycled pid may belong to an hsnode of another cluster with the same
 * node names. */
static bool proc_is_node(pid_t pid, const char *dir, const char *name)
{
    char path[FILES_PATH_MAX];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    char buf[8192];
    ssize_t len = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (len <= 0) {
        return false;
    }
    buf[len] = '\0';
    node_path(dir, name, "", path, sizeof(path));
    const char *got_name = arg_value(buf, (size_t)len, "--name");
    const char *got_dir = arg_value(buf, (size_t)len, "--data-dir");
    return got_name != NULL && strcmp(got_name, name) == 0 && got_dir != NULL &&
           strcmp(got_dir, path) == 0;
}

static bool node_running(const char *dir, const char *name, pid_t *pid)
{
    return read_pid(dir, name, pid) && proc_alive(*pid) && proc_is_node(*pid, dir, name);
}

/* ------------------------------------------------------------------ */
/* cluster.json                                                        */

static hs_status save(const cluster *cl, char *err, size_t cap)
{
    size_t room = 256 + (size_t)cl->count * (6 * FILES_PATH_MAX);
    char *text = malloc(room);
    if (text == NULL) {
        snprintf(err, cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    size_t used = (size_t)snprintf(text, room, "{\"dir\":\"%s\",\"nodes\":[\n", cl->dir);
    for (uint32_t i = 0; i < cl->count; i++) {
        char addr[HS_ADDR_STR_MAX];
        hs_addr_format(cl->nodes[i].addr, addr);
        const char *name = cl->nodes[i].name.bytes;
        used += (size_t)snprintf(text + used, room - used,
                                 "{\"name\":\"%s\",\"addr\":\"%s\",\"data_dir\":\"%s/%s\","
                                 "\"log\":\"%s/%s.log\",\"pid_file\":\"%s/%s.pid\","
                                 "\"cmd_file\":\"%s/%s.cmd\"}%s\n",
                                 name, addr, cl->dir, name, cl->dir, name, cl->dir, name,
                                 cl->dir, name, i + 1 < cl->count ? "," : "");
    }
    snprintf(text + used, room - used, "]}\n");
    char path[FILES_PATH_MAX];
    node_path(cl->dir, "cluster", ".json", path, sizeof(path));
    hs_status status = write_file(path, text, err, cap);
    free(text);
    return status;
}

/* Reads back what save wrote: one node object per line. */
hs_status cluster_load(const char *dir, cluster *out, char *err, size_t cap)
{
    memset(out, 0, sizeof(*out));
    if (realpath(dir, out->dir) == NULL) {
        snprintf(err, cap, "cluster directory %s: %s", dir, strerror(errno));
        return HS_ERR_NOT_FOUND;
    }
    char path[FILES_PATH_MAX];
    node_path(out->dir, "cluster", ".json", path, sizeof(path));
    char *text = read_text(path, 64u * 1024u);
    if (text == NULL) {
        snprintf(err, cap, "no cluster in %s (%s is missing; run hsctl cluster up)", dir, path);
        return HS_ERR_NOT_FOUND;
    }
    char *save_ptr = NULL;
    for (char *line = strtok_r(text, "\n", &save_ptr); line != NULL;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char name[HS_NAME_MAX + 1];
        char addr[HS_ADDR_STR_MAX + 1];
        if (sscanf(line, "{\"name\":\"%63[^\"]\",\"addr\":\"%22[^\"]\"", name, addr) != 2) {
            continue;
        }
        cluster_node *n = &out->nodes[out->count];
        if (out->count >= CLUSTER_NODES_MAX ||
            hs_name_set(&n->name, name, strlen(name)) != HS_OK ||
            hs_addr_parse(addr, &n->addr) != HS_OK) {
            free(text);
            snprintf(err, cap, "%s: malformed node entry", path);
            return HS_ERR_MALFORMED;
        }
        out->count++;
    }
    free(text);
    if (out->count == 0) {
        snprintf(err, cap, "%s lists no nodes", path);
        return HS_ERR_MALFORMED;
    }
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Ports                                                               */

/* A port free for both TCP and UDP on 127.0.0.1.  The sockets stay open
 * until all ports are chosen, so no two nodes get the same one. */
static hs_status pick_port(int fds[2], uint16_t *port)
{
    for (uint32_t attempt = 0; attempt < PORT_TRIES; attempt++) {
        struct sockaddr_in sa;
        udp_sockaddr((hs_addr){LOOPBACK, 0}, &sa);
        fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        fds[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        socklen_t len = sizeof(sa);
        if (fds[0] >= 0 && fds[1] >= 0 && bind(fds[0], (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
            getsockname(fds[0], (struct sockaddr *)&sa, &len) == 0 &&
            bind(fds[1], (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            *port = udp_from_sockaddr(&sa).port;
            return HS_OK;
        }
        if (fds[0] >= 0) {
            close(fds[0]);
        }
        if (fds[1] >= 0) {
            close(fds[1]);
        }
    }
    return HS_ERR_FULL;
}

static hs_status pick_ports(cluster *cl, char *err, size_t cap)
{
    int fds[CLUSTER_NODES_MAX][2];
    hs_status status = HS_OK;
    uint32_t got = 0;
    for (; got < cl->count && status == HS_OK; got++) {
        uint16_t port = 0;
        status = pick_port(fds[got], &port);
        cl->nodes[got].addr = (hs_addr){LOOPBACK, port};
    }
    for (uint32_t i = 0; i < got; i++) {
        if (status == HS_OK || i + 1 < got) {
            close(fds[i][0]);
            close(fds[i][1]);
        }
    }
    if (status != HS_OK) {
        snprintf(err, cap, "cannot find free loopback ports");
    }
    return status;
}

/* ------------------------------------------------------------------ */
/* Command files and processes                                         */

static hs_status write_cmd(const cluster *cl, uint32_t i, const cluster_up_opts *o,
                           const char *hsnode, const char *config_path, char *err, size_t cap)
{
    size_t room = CMD_FILE_MAX;
    char *text = malloc(room);
    if (text == NULL) {
        snprintf(err, cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    const char *name = cl->nodes[i].name.bytes;
    char addr[HS_ADDR_STR_MAX];
    hs_addr_format(cl->nodes[i].addr, addr);
    int used = snprintf(text, room,
                        "%s\n--name\n%s\n--listen\n%s\n--data-dir\n%s/%s\n--log\njson\n",
                        hsnode, name, addr, cl->dir, name);
    for (uint32_t s = 0; s < i && s < 2; s++) {
        char seed[HS_ADDR_STR_MAX];
        hs_addr_format(cl->nodes[s].addr, seed);
        used += snprintf(text + used, room - (size_t)used, "--join\n%s\n", seed);
    }
    if (config_path != NULL) {
        used += snprintf(text + used, room - (size_t)used, "--config\n%s\n", config_path);
    }
    for (int a = 0; a < o->extra_argc && (size_t)used < room; a++) {
        used += snprintf(text + used, room - (size_t)used, "%s\n", o->extra_argv[a]);
    }
    char path[FILES_PATH_MAX];
    node_path(cl->dir, name, ".cmd", path, sizeof(path));
    hs_status status = (size_t)used >= room ? HS_ERR_LIMIT : write_file(path, text, err, cap);
    free(text);
    return status;
}

/* Runs in the child between fork and exec: its own session (a terminal's
 * ^C must not reach the nodes), stdin from /dev/null, output to the log. */
static void child_exec(char **argv, const char *log_path)
{
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || log < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
        _exit(126);
    }
    execv(argv[0], argv);
    dprintf(2, "hsctl: cannot execute %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static hs_status spawn(const char *dir, const char *name, pid_t *pid, char *err, size_t cap)
{
    char path[FILES_PATH_MAX];
    node_path(dir, name, ".cmd", path, sizeof(path));
    char *text = read_text(path, CMD_FILE_MAX);
    if (text == NULL) {
        snprintf(err, cap, "node %s: cannot read %s: %s", name, path, strerror(errno));
        return HS_ERR_NOT_FOUND;
    }
    char *argv[CMD_ARGS_MAX + 1];
    uint32_t argc = 0;
    char *save_ptr = NULL;
    for (char *line = strtok_r(text, "\n", &save_ptr); line != NULL && argc < CMD_ARGS_MAX;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        argv[argc++] = line;
    }
    argv[argc] = NULL;
    char log_path[FILES_PATH_MAX];
    node_path(dir, name, ".log", log_path, sizeof(log_path));
    fflush(NULL);
    *pid = argc == 0 ? -1 : fork();
    if (*pid == 0) {
        child_exec(argv, log_path);
    }
    free(text);
    if (*pid < 0) {
        snprintf(err, cap, "node %s: cannot start: %s", name,
                 argc == 0 ? "empty command file" : strerror(errno));
        return HS_ERR_IO;
    }
    char pid_text[32];
    snprintf(pid_text, sizeof(pid_text), "%d\n", (int)*pid);
    node_path(dir, name, ".pid", path, sizeof(path));
    return write_file(path, pid_text, err, cap);
}

/* The last lines of a node's log, for an error message. */
static void log_tail(const char *dir, const char *name, char *out, size_t cap)
{
    char path[FILES_PATH_MAX];
    node_path(dir, name, ".log", path, sizeof(path));
    char *text = read_text(path, 1u << 20);
    out[0] = '\0';
    if (text == NULL) {
        return;
    }
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n') {
        text[--len] = '\0';
    }
    const char *start = text;
    for (int lines = 0; len > 0; len--) {
        if (text[len - 1] == '\n' && ++lines == 3) {
            start = text + len;
            break;
        }
    }
    snprintf(out, cap, "%s", start);
    free(text);
}

static hs_status wait_ready(const char *dir, const cluster_node *n, pid_t pid, char *err,
                            size_t cap)
{
    uint64_t deadline = now_ms() + CLUSTER_READY_MS;
    char why[CTL_ERR_MAX] = "";
    while (now_ms() < deadline) {
        if (!proc_alive(pid)) {
            char tail[512];
            log_tail(dir, n->name.bytes, tail, sizeof(tail));
            snprintf(err, cap, "node %s exited during start-up; its log ends with:\n%s",
                     n->name.bytes, tail);
            return HS_ERR_IO;
        }
        ctl_members m;
        if (ctl_get_members(n->addr, 500, &m, why, sizeof(why)) == HS_OK) {
            ctl_members_free(&m);
            return HS_OK;
        }
        sleep_ms(CLUSTER_POLL_MS);
    }
    snprintf(err, cap, "node %s did not answer within %u ms (%s)", n->name.bytes,
             CLUSTER_READY_MS, why);
    return HS_ERR_IO;
}

/* Signals the given processes, waits up to CLUSTER_STOP_MS, then SIGKILLs
 * stragglers.  pids[i] <= 0 are skipped; on return every pid is gone. */
static void stop_pids(const pid_t *pids, uint32_t count, int signo)
{
    for (uint32_t i = 0; i < count; i++) {
        if (pids[i] > 0) {
            kill(pids[i], signo);
        }
    }
    uint64_t deadline = now_ms() + CLUSTER_STOP_MS;
    for (int round = 0; round < 2; round++) {
        bool any = true;
        while (any && now_ms() < deadline) {
            any = false;
            for (uint32_t i = 0; i < count; i++) {
                any = any || (pids[i] > 0 && proc_alive(pids[i]));
            }
            if (any) {
                sleep_ms(CLUSTER_POLL_MS);
            }
        }
        if (!any) {
            return;
        }
        for (uint32_t i = 0; i < count; i++) {
            if (pids[i] > 0 && proc_alive(pids[i])) {
                kill(pids[i], SIGKILL);
            }
        }
        deadline = now_ms() + CLUSTER_STOP_MS;
    }
}

static void remove_pid_file(const char *dir, const char *name)
{
    char path[FILES_PATH_MAX];
    node_path(dir, name, ".pid", path, sizeof(path));
    if (unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "hsctl: cannot remove %s: %s\n", path, strerror(errno));
    }
}

/* Stops the nodes of cl that run (pid file and /proc agree). */
static uint32_t stop_nodes(const cluster *cl, int signo, FILE *out)
{
    pid_t pids[CLUSTER_NODES_MAX];
    uint32_t stopped = 0;
    for (uint32_t i = 0; i < cl->count; i++) {
        pids[i] = 0;
        pid_t pid = 0;
        if (node_running(cl->dir, cl->nodes[i].name.bytes, &pid)) {
            pids[i] = pid;
            stopped++;
        }
    }
    stop_pids(pids, cl->count, signo);
    for (uint32_t i = 0; i < cl->count; i++) {
        if (pids[i] > 0) {
            progress(out, "stopped %s (pid %d)", cl->nodes[i].name.bytes, (int)pids[i]);
        }
        remove_pid_file(cl->dir, cl->nodes[i].name.bytes);
    }
    return stopped;
}

bool cluster_converged(const cluster *cl, char *err, size_t cap)
{
    for (uint32_t i = 0; i < cl->count; i++) {
        ctl_members m;
        if (ctl_get_members(cl->nodes[i].addr, 1000, &m, err, cap) != HS_OK) {
            return false;
        }
        uint32_t alive = 0;
        for (uint32_t j = 0; j < m.count; j++) {
            for (uint32_t k = 0; k < cl->count; k++) {
                if (hs_name_eq(&m.members[j].name, &cl->nodes[k].name) &&
                    m.members[j].state == MEMBER_ALIVE) {
                    alive++;
                }
            }
        }
        ctl_members_free(&m);
        if (alive != cl->count) {
            snprintf(err, cap, "%s sees %u of %u nodes alive", cl->nodes[i].name.bytes, alive,
                     cl->count);
            return false;
        }
    }
    return true;
}

static hs_status prepare(const char *dir, const cluster_up_opts *o, cluster *cl, char *err,
                         size_t cap)
{
    memset(cl, 0, sizeof(*cl));
    if (o->nodes == 0 || o->nodes > CLUSTER_NODES_MAX) {
        snprintf(err, cap, "--nodes must be 1..%u", CLUSTER_NODES_MAX);
        return HS_ERR_RANGE;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, cap, "cannot create %s: %s", dir, strerror(errno));
        return HS_ERR_IO;
    }
    cluster old;
    char ignored[CLUSTER_ERR_MAX];
    if (cluster_load(dir, &old, ignored, sizeof(ignored)) == HS_OK) {
        for (uint32_t i = 0; i < old.count; i++) {
            pid_t pid = 0;
            if (node_running(old.dir, old.nodes[i].name.bytes, &pid)) {
                snprintf(err, cap, "a cluster already runs in %s (%s, pid %d): run hsctl "
                         "cluster down --dir %s first", dir, old.nodes[i].name.bytes,
                         (int)pid, dir);
                return HS_ERR_EXISTS;
            }
        }
    }
    if (realpath(dir, cl->dir) == NULL) {
        snprintf(err, cap, "cluster directory %s: %s", dir, strerror(errno));
        return HS_ERR_IO;
    }
    cl->count = o->nodes;
    for (uint32_t i = 0; i < cl->count; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%u", i + 1);
        hs_status status = hs_name_set(&cl->nodes[i].name, name, strlen(name));
        HS_ASSERT(status == HS_OK);
    }
    hs_status status = pick_ports(cl, err, cap);
    return status == HS_OK ? save(cl, err, cap) : status;
}

static hs_status write_cmds(const cluster *cl, const cluster_up_opts *o, char *err, size_t cap)
{
    char hsnode[PATH_MAX];
    char config_path[PATH_MAX];
    if (realpath(o->hsnode, hsnode) == NULL || access(hsnode, X_OK) != 0) {
        snprintf(err, cap, "hsnode binary %s: %s (build it, or pass --hsnode PATH)", o->hsnode,
                 strerror(errno));
        return HS_ERR_NOT_FOUND;
    }
    if (o->config_path != NULL && realpath(o->config_path, config_path) == NULL) {
        snprintf(err, cap, "config file %s: %s", o->config_path, strerror(errno));
        return HS_ERR_NOT_FOUND;
    }
    for (uint32_t i = 0; i < cl->count; i++) {
        hs_status status = write_cmd(cl, i, o, hsnode,
                                     o->config_path != NULL ? config_path : NULL, err, cap);
        if (status != HS_OK) {
            return status;
        }
    }
    return HS_OK;
}

static hs_status start_all(const cluster *cl, FILE *out, uint64_t *last_start_ms, char *err,
                           size_t cap)
{
    for (uint32_t i = 0; i < cl->count; i++) {
        const cluster_node *n = &cl->nodes[i];
        pid_t pid = 0;
        hs_status status = spawn(cl->dir, n->name.bytes, &pid, err, cap);
        *last_start_ms = now_ms();
        if (status == HS_OK) {
            status = wait_ready(cl->dir, n, pid, err, cap);
        }
        if (status != HS_OK) {
            return status;
        }
        char addr[HS_ADDR_STR_MAX];
        hs_addr_format(n->addr, addr);
        progress(out, "started %s %s pid %d", n->name.bytes, addr, (int)pid);
    }
    return HS_OK;
}

static hs_status wait_converged(const cluster *cl, uint32_t timeout_ms, char *err, size_t cap)
{
    uint64_t deadline = now_ms() + timeout_ms;
    char why[CTL_ERR_MAX] = "no answer yet";
    while (now_ms() < deadline) {
        for (uint32_t i = 0; i < cl->count; i++) {
            pid_t pid = 0;
            if (!node_running(cl->dir, cl->nodes[i].name.bytes, &pid)) {
                char tail[512];
                log_tail(cl->dir, cl->nodes[i].name.bytes, tail, sizeof(tail));
                snprintf(err, cap, "node %s exited before the cluster converged; its log "
                         "ends with:\n%s", cl->nodes[i].name.bytes, tail);
                return HS_ERR_IO;
            }
        }
        if (cluster_converged(cl, why, sizeof(why))) {
            return HS_OK;
        }
        sleep_ms(CLUSTER_POLL_MS);
    }
    snprintf(err, cap, "membership did not converge within %u ms: %s", timeout_ms, why);
    return HS_ERR_IO;
}

hs_status cluster_up(const char *dir, const cluster_up_opts *o, char *err, size_t cap)
{
    static cluster cl;
    hs_status status = prepare(dir, o, &cl, err, cap);
    if (status == HS_OK) {
        status = write_cmds(&cl, o, err, cap);
    }
    if (status != HS_OK) {
        return status;
    }
    uint64_t last_start_ms = now_ms();
    status = start_all(&cl, o->progress, &last_start_ms, err, cap);
    if (status == HS_OK) {
        status = wait_converged(&cl, o->timeout_ms, err, cap);
    }
    if (status != HS_OK) {
        /* Leave nothing running behind a failed start. */
        (void)stop_nodes(&cl, SIGTERM, o->progress);
        return status;
    }
    progress(o->progress, "converged: %u nodes alive in every view, %llu ms after the last "
             "start", cl.count, (unsigned long long)(now_ms() - last_start_ms));
    return HS_OK;
}

hs_status cluster_down(const char *dir, FILE *out, char *err, size_t cap)
{
    static cluster cl;
    hs_status status = cluster_load(dir, &cl, err, cap);
    if (status != HS_OK) {
        return status;
    }
    uint32_t stopped = stop_nodes(&cl, SIGTERM, out);
    progress(out, "cluster down: %u node(s) stopped", stopped);
    return HS_OK;
}

static const cluster_node *find_node(const cluster *cl, const char *name, char *err, size_t cap)
{
    for (uint32_t i = 0; i < cl->count; i++) {
        if (strcmp(cl->nodes[i].name.bytes, name) == 0) {
            return &cl->nodes[i];
        }
    }
    snprintf(err, cap, "no node named %s in %s", name, cl->dir);
    return NULL;
}

hs_status cluster_start_node(const char *dir, const char *name, FILE *out, char *err,
                             size_t cap)
{
    static cluster cl;
    hs_status status = cluster_load(dir, &cl, err, cap);
    if (status != HS_OK) {
        return status;
    }
    const cluster_node *n = find_node(&cl, name, err, cap);
    if (n == NULL) {
        return HS_ERR_NOT_FOUND;
    }
    pid_t pid = 0;
    if (node_running(cl.dir, name, &pid)) {
        snprintf(err, cap, "node %s already runs (pid %d)", name, (int)pid);
        return HS_ERR_EXISTS;
    }
    status = spawn(cl.dir, name, &pid, err, cap);
    if (status == HS_OK) {
        status = wait_ready(cl.dir, n, pid, err, cap);
    }
    if (status != HS_OK) {
        pid_t pids[1] = {pid};
        stop_pids(pids, 1, SIGTERM);
        remove_pid_file(cl.dir, name);
        return status;
    }
    progress(out, "started %s pid %d", name, (int)pid);
    return HS_OK;
}

hs_status cluster_stop_node(const char *dir, const char *name, int signo, FILE *out, char *err,
                            size_t cap)
{
    static cluster cl;
    hs_status status = cluster_load(dir, &cl, err, cap);
    if (status != HS_OK) {
        return status;
    }
    if (find_node(&cl, name, err, cap) == NULL) {
        return HS_ERR_NOT_FOUND;
    }
    pid_t pid = 0;
    if (!node_running(cl.dir, name, &pid)) {
        snprintf(err, cap, "node %s is not running", name);
        remove_pid_file(cl.dir, name);
        return HS_ERR_STATE;
    }
    pid_t pids[1] = {pid};
    stop_pids(pids, 1, signo);
    remove_pid_file(cl.dir, name);
    progress(out, "stopped %s (pid %d, signal %d)", name, (int)pid, signo);
    return HS_OK;
}
