/* Progress line and failure groups for hsim sweep and detcheck. */
#include "simprog.h"

#include <string.h>

#include "base.h"
#include "simsweep.h"

void simprog_init(simprog *p, const char *what, FILE *out, bool live, uint32_t total,
                  uint64_t now_ns)
{
    HS_ASSERT(p != NULL && what != NULL);
    memset(p, 0, sizeof(*p));
    p->what = what;
    p->out = out;
    p->live = live && out != NULL;
    p->total = total;
    p->start_ns = now_ns;
    HS_ASSERT(!p->drawn);
}

void simprog_format(const simprog *p, uint64_t now_ns, char *out, size_t cap)
{
    HS_ASSERT(p != NULL && out != NULL && cap > 0);
    double secs = (double)(now_ns - p->start_ns) / 1e9;
    double rate = secs > 0 ? (double)p->done / secs : 0.0;
    char eta[32] = "ETA ?";
    if (rate > 0 && p->done < p->total) {
        double left = (double)(p->total - p->done) / rate;
        if (left >= 3600) {
            snprintf(eta, sizeof(eta), "ETA %.0fh%02.0fm", left / 3600,
                     (double)((uint64_t)left % 3600 / 60));
        } else if (left >= 60) {
            snprintf(eta, sizeof(eta), "ETA %.0fm%02.0fs", (double)((uint64_t)left / 60),
                     (double)((uint64_t)left % 60));
        } else {
            snprintf(eta, sizeof(eta), "ETA %.0f s", left);
        }
    } else if (p->done >= p->total) {
        snprintf(eta, sizeof(eta), "done");
    }
    snprintf(out, cap, "%s %u/%u seeds  %u failed  %.1f seeds/s  %s", p->what, p->done,
             p->total, p->failed, rate, eta);
    HS_ASSERT(strlen(out) < cap);
}

void simprog_update(simprog *p, uint32_t done, uint32_t failed, uint64_t now_ns)
{
    HS_ASSERT(p != NULL && done <= p->total);
    p->done = done;
    p->failed = failed;
    if (!p->live) {
        return;
    }
    bool due = !p->drawn || now_ns - p->last_draw_ns >= SIMPROG_DRAW_NS;
    if (!due) {
        return;
    }
    char line[SIMPROG_LINE_MAX];
    simprog_format(p, now_ns, line, sizeof(line));
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = true;
    p->last_draw_ns = now_ns;
}

void simprog_clear(simprog *p)
{
    HS_ASSERT(p != NULL);
    if (p->live && p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->drawn = false;
    p->last_draw_ns = 0;
    HS_ASSERT(!p->drawn);
}

void simprog_failure_key(int32_t outcome, const char *detail, char *out, size_t cap)
{
    HS_ASSERT(detail != NULL && out != NULL && cap > 0);
    if (outcome == SIMSWEEP_FAIL) {
        size_t n = strcspn(detail, " ");
        n = n < cap ? n : cap - 1;
        memcpy(out, detail, n);
        out[n] = '\0';
        return;
    }
    /* A crash's detail ends in " (simulated T ms, input I, node)": per seed. */
    const char *cut = strstr(detail, " (simulated ");
    int len = cut != NULL ? (int)(cut - detail) : (int)strlen(detail);
    snprintf(out, cap, "%s: %.*s", outcome == SIMSWEEP_CRASH ? "crashed" : "error", len, detail);
    HS_ASSERT(strlen(out) < cap);
}

void simprog_group_add(simprog_groups *g, const char *key, uint64_t seed)
{
    HS_ASSERT(g != NULL && key != NULL);
    uint32_t k = 0;
    while (k < g->n && strcmp(g->g[k].key, key) != 0) {
        k++;
    }
    if (k == g->n) {
        if (g->n == SIMPROG_GROUPS_MAX) {
            g->other++;
            return;
        }
        memset(&g->g[k], 0, sizeof(g->g[k]));
        snprintf(g->g[k].key, sizeof(g->g[k].key), "%s", key);
        g->n++;
    }
    simprog_group *e = &g->g[k];
    e->count++;
    if (e->nseeds < SIMPROG_GROUP_SEEDS) {
        e->seeds[e->nseeds++] = seed;
    }
    HS_ASSERT(e->nseeds <= SIMPROG_GROUP_SEEDS);
}
