/* Scripted membership scenarios over the simulator library.  See simscen.h. */
#include "simscen.h"

#include "sim.h"

#include <stdlib.h>
#include <string.h>

#define SCEN_LINE_MAX 256
#define SCEN_WORDS_MAX 34
#define SCEN_TRANSITIONS_MAX 8192
#define SCEN_POLL_NS HS_MS(10)
#define SCEN_WAIT_SLACK_NS HS_SEC(5)

typedef struct {
    char observer[HS_NAME_MAX + 1];
    char member[HS_NAME_MAX + 1];
    char from[16];
    char to[16];
} transition;

typedef struct {
    transition *rows;
    uint32_t count;
    bool overflow;
} transition_log;

/* ------------------------------------------------------------------ */
/* Config                                                              */

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t') {
        text++;
    }
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r')) {
        text[--len] = '\0';
    }
    return text;
}

static bool parse_u64(const char *text, uint64_t *out)
{
    uint64_t v = 0;
    if (*text == '\0') {
        return false;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* Copies the next line of text (without the newline) into line. */
static const char *next_line(const char *text, char *line, size_t cap, bool *too_long)
{
    const char *nl = strchr(text, '\n');
    size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
    *too_long = len >= cap;
    size_t take = *too_long ? cap - 1 : len;
    memcpy(line, text, take);
    line[take] = '\0';
    return nl != NULL ? nl + 1 : NULL;
}

/* The next line with content (not blank, not a '#' comment), trimmed, in
 * buf; NULL at the end.  Both file formats here share these rules. */
static char *content_line(const char **cursor, char *buf, size_t cap, uint32_t *line_no,
                          bool *too_long)
{
    while (*cursor != NULL && **cursor != '\0') {
        *cursor = next_line(*cursor, buf, cap, too_long);
        (*line_no)++;
        char *line = trim(buf);
        if (*line != '\0' && *line != '#') {
            return line;
        }
    }
    return NULL;
}

/* The [swim] keys through the configuration engine, so hsim reads the
 * same config files as hsnode; [node], [host] and [tcp] are hsnode's
 * (names, addresses, sockets the simulator assigns itself) and skipped. */
hs_status simscen_parse_config(const char *text, swim_config *cfg, char *err, size_t err_cap)
{
    static const char *const hsnode_sections[] = {"node", "host", "tcp"};
    swim_config_defaults(cfg);
    cfgkey_bind bind = {swim_config_keys(), cfg, 0};
    char inner[256];
    hs_status st = cfgkey_parse_text(&bind, 1, hsnode_sections,
                                     (uint32_t)HS_ARRAY_LEN(hsnode_sections), text, inner,
                                     sizeof(inner));
    if (st != HS_OK) {
        snprintf(err, err_cap, "config %s%s", inner,
                 st == HS_ERR_NOT_FOUND ? " (not a SWIM setting: hsim reads [swim] keys; "
                                          "[node], [host] and [tcp] are skipped)"
                                        : "");
        return HS_ERR_INVALID;
    }
    if (swim_config_explain(cfg, inner, sizeof(inner)) != HS_OK) {
        snprintf(err, err_cap, "config: %s (see docs/swim.md)", inner);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Transitions, taken from the trace lines of member_state records      */

/* "[  1234.567] n2 member_state member=n4 from=alive to=suspect inc=0" */
static void collect(void *ctx, const char *line)
{
    transition_log *log = ctx;
    const char *ev = strstr(line, " member_state ");
    const char *bracket = strchr(line, ']');
    if (ev == NULL || bracket == NULL) {
        return;
    }
    if (log->count >= SCEN_TRANSITIONS_MAX) {
        log->overflow = true;
        return;
    }
    transition *t = &log->rows[log->count];
    memset(t, 0, sizeof(*t));
    if (sscanf(bracket + 1, " %63s", t->observer) != 1 ||
        sscanf(ev, " member_state member=%63s from=%15s to=%15s", t->member, t->from, t->to) !=
            3) {
        return;
    }
    log->count++;
}

static void print_transitions(const transition_log *log, FILE *out)
{
    /* Observers in name order (as the real half sorts them), each one's
     * transitions in the order it recorded them: a stable selection. */
    bool *done = calloc(log->count, sizeof(bool));
    HS_ASSERT(done != NULL || log->count == 0);
    for (;;) {
        const char *next = NULL;
        for (uint32_t i = 0; i < log->count; i++) {
            if (!done[i] && (next == NULL || strcmp(log->rows[i].observer, next) < 0)) {
                next = log->rows[i].observer;
            }
        }
        if (next == NULL) {
            break;
        }
        char observer[HS_NAME_MAX + 1];
        snprintf(observer, sizeof(observer), "%s", next);
        for (uint32_t i = 0; i < log->count; i++) {
            const transition *t = &log->rows[i];
            if (!done[i] && strcmp(t->observer, observer) == 0) {
                fprintf(out,
                        "{\"observer\":\"%s\",\"member\":\"%s\",\"from\":\"%s\","
                        "\"to\":\"%s\"}\n",
                        t->observer, t->member, t->from, t->to);
                done[i] = true;
            }
        }
    }
    free(done);
}

/* ------------------------------------------------------------------ */
/* Running                                                             */

typedef struct {
    sim *s;
    uint32_t nodes;
    bool up[SIMOPT_NODES_MAX + 1];
    uint64_t converge_ns;
    uint64_t detect_ns;
} runner;

static const swim_member *view(runner *r, uint32_t a, uint32_t b)
{
    const node *na = sim_node(r->s, a);
    if (na == NULL) {
        return NULL;
    }
    char name[16];
    int len = snprintf(name, sizeof(name), "n%u", b);
    hs_name n;
    if (hs_name_set(&n, name, (size_t)len) != HS_OK) {
        return NULL;
    }
    return swim_find(node_swim(na), &n);
}

static bool converged(runner *r)
{
    for (uint32_t a = 1; a <= r->nodes; a++) {
        if (!r->up[a]) {
            continue;
        }
        if (!sim_node_running(r->s, a)) {
            return false;
        }
        for (uint32_t b = 1; b <= r->nodes; b++) {
            if (b == a || !r->up[b]) {
                continue;
            }
            const swim_member *m = view(r, a, b);
            if (m == NULL || m->state != MEMBER_ALIVE) {
                return false;
            }
        }
    }
    return true;
}

static bool all_see(runner *r, uint32_t b, bool left_only)
{
    for (uint32_t a = 1; a <= r->nodes; a++) {
        if (a == b || !r->up[a]) {
            continue;
        }
        const swim_member *m = view(r, a, b);
        if (m == NULL) {
            return false;
        }
        bool ok = left_only ? m->state == MEMBER_LEFT
                            : (m->state == MEMBER_DEAD || m->state == MEMBER_LEFT);
        if (!ok) {
            return false;
        }
    }
    return true;
}

typedef enum { WAIT_CONVERGED, WAIT_DEAD, WAIT_LEFT } wait_kind;

static bool wait_for(runner *r, wait_kind kind, uint32_t id, uint64_t timeout_ns)
{
    uint64_t deadline = sim_now_ns(r->s) + timeout_ns;
    for (;;) {
        bool done = kind == WAIT_CONVERGED ? converged(r) : all_see(r, id, kind == WAIT_LEFT);
        if (done) {
            return true;
        }
        if (sim_now_ns(r->s) >= deadline) {
            return false;
        }
        sim_run_until(r->s, sim_now_ns(r->s) + SCEN_POLL_NS);
    }
}

/* "n3" -> 3, within the cluster. */
static bool node_id(const runner *r, const char *name, uint32_t *id)
{
    uint64_t v = 0;
    if (name[0] != 'n' || !parse_u64(name + 1, &v) || v < 1 || v > r->nodes) {
        return false;
    }
    *id = (uint32_t)v;
    return true;
}

static uint32_t split_words(char *line, char **words)
{
    uint32_t count = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t", &save); w != NULL && count < SCEN_WORDS_MAX;
         w = strtok_r(NULL, " \t", &save)) {
        words[count++] = w;
    }
    return count;
}

static hs_status start_cluster(runner *r, char **words, uint32_t count, const swim_config *cfg,
                               uint64_t seed, transition_log *log, char *err, size_t cap)
{
    if (count < 2 || count - 1 > SIMOPT_NODES_MAX) {
        snprintf(err, cap, "start: name 1..%u nodes", SIMOPT_NODES_MAX);
        return HS_ERR_INVALID;
    }
    r->nodes = count - 1;
    for (uint32_t i = 1; i < count; i++) {
        char want[16];
        snprintf(want, sizeof(want), "n%u", i);
        if (strcmp(words[i], want) != 0) {
            snprintf(err, cap, "start: must name n1..nK in order, got %s", words[i]);
            return HS_ERR_INVALID;
        }
        r->up[i] = true;
    }
    simopt o;
    sim_options_scripted(&o, seed, r->nodes);
    if (sim_create_swim(&o, cfg, &r->s) != HS_OK) {
        snprintf(err, cap, "start: cannot create the cluster");
        return HS_ERR_INVALID;
    }
    sim_set_trace(r->s, SIM_TRACE_EVENTS, collect, log);
    r->converge_ns = swim_convergence_bound_ns(cfg, r->nodes) + SCEN_WAIT_SLACK_NS;
    r->detect_ns = swim_detection_bound_ns(cfg, r->nodes) + SCEN_WAIT_SLACK_NS;
    sim_run_until(r->s, 0);
    return HS_OK;
}

static hs_status command(runner *r, char **words, uint32_t count, char *err, size_t cap)
{
    const char *word = words[0];
    uint32_t id = 0;
    bool needs_node = strcmp(word, "kill") == 0 || strcmp(word, "stop") == 0 ||
                      strcmp(word, "restart") == 0 || strcmp(word, "wait_dead") == 0 ||
                      strcmp(word, "wait_left") == 0;
    if (needs_node && (count != 2 || !node_id(r, words[1], &id))) {
        snprintf(err, cap, "%s: name one node of the cluster", word);
        return HS_ERR_INVALID;
    }
    if (strcmp(word, "wait_converged") == 0) {
        if (!wait_for(r, WAIT_CONVERGED, 0, r->converge_ns)) {
            snprintf(err, cap, "wait_converged: timed out");
            return HS_ERR_TIMEOUT;
        }
    } else if (strcmp(word, "kill") == 0) {
        sim_crash(r->s, id);
        r->up[id] = false;
    } else if (strcmp(word, "stop") == 0) {
        /* hsnode's SIGTERM path: leave, let the gossip go out, exit. */
        sim_command(r->s, id, HS_CMD_LEAVE);
        sim_run_until(r->s, sim_now_ns(r->s) + HS_MS(300));
        sim_crash(r->s, id);
        r->up[id] = false;
    } else if (strcmp(word, "restart") == 0) {
        sim_restart(r->s, id);
        r->up[id] = true;
    } else if (strcmp(word, "wait_dead") == 0 || strcmp(word, "wait_left") == 0) {
        wait_kind kind = strcmp(word, "wait_dead") == 0 ? WAIT_DEAD : WAIT_LEFT;
        if (!wait_for(r, kind, id, r->detect_ns)) {
            snprintf(err, cap, "%s %s: timed out", word, words[1]);
            return HS_ERR_TIMEOUT;
        }
    } else if (strcmp(word, "sleep") == 0) {
        uint64_t ms = 0;
        if (count != 2 || !parse_u64(words[1], &ms) || ms > 3600000) {
            snprintf(err, cap, "sleep: want milliseconds");
            return HS_ERR_INVALID;
        }
        sim_run_until(r->s, sim_now_ns(r->s) + HS_MS(ms));
    } else {
        snprintf(err, cap, "unknown command '%s'", word);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

static hs_status run_lines(runner *r, const char *script, const swim_config *cfg, uint64_t seed,
                           transition_log *log, char *err, size_t cap)
{
    uint32_t line_no = 0;
    const char *cursor = script;
    char buf[SCEN_LINE_MAX];
    bool too_long = false;
    for (char *line;
         (line = content_line(&cursor, buf, sizeof(buf), &line_no, &too_long)) != NULL;) {
        char *words[SCEN_WORDS_MAX];
        uint32_t count = too_long ? 0 : split_words(line, words);
        char inner[160] = "line too long";
        hs_status st = HS_ERR_INVALID;
        if (count > 0 && r->s == NULL) {
            st = strcmp(words[0], "start") == 0
                     ? start_cluster(r, words, count, cfg, seed, log, inner, sizeof(inner))
                     : (snprintf(inner, sizeof(inner), "the first command must be start"),
                        HS_ERR_INVALID);
        } else if (count > 0) {
            st = command(r, words, count, inner, sizeof(inner));
        }
        if (st != HS_OK) {
            snprintf(err, cap, "scenario line %u: %s", line_no, inner);
            return st;
        }
        if (sim_violation_count(r->s) > 0) {
            snprintf(err, cap, "scenario line %u: invariant %s violated: %s", line_no,
                     simcheck_name(sim_violation(r->s, 0)->invariant),
                     sim_violation(r->s, 0)->detail);
            return HS_ERR_STATE;
        }
    }
    if (r->s == NULL) {
        snprintf(err, cap, "scenario: no start command");
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

hs_status simscen_run(const char *script, const swim_config *cfg, uint64_t seed, FILE *out,
                      char *err, size_t err_cap)
{
    runner r;
    memset(&r, 0, sizeof(r));
    transition_log log;
    memset(&log, 0, sizeof(log));
    log.rows = calloc(SCEN_TRANSITIONS_MAX, sizeof(transition));
    if (log.rows == NULL) {
        snprintf(err, err_cap, "scenario: out of memory");
        return HS_ERR_NOMEM;
    }
    hs_status st = run_lines(&r, script, cfg, seed, &log, err, err_cap);
    if (st == HS_OK && log.overflow) {
        snprintf(err, err_cap, "scenario: more than %u transitions", SCEN_TRANSITIONS_MAX);
        st = HS_ERR_LIMIT;
    }
    if (st == HS_OK) {
        print_transitions(&log, out);
    }
    if (r.s != NULL) {
        sim_destroy(r.s);
    }
    free(log.rows);
    return st;
}
