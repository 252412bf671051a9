/* Fault schedule: partitions and crashes drawn from the seed up front. */
#include "simsched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SIMSCHED_KIND_COUNT] = {
    "partition", "asym_partition", "isolate", "heal", "crash", "restart", "leave",
};

const char *simsched_kind_name(uint32_t kind)
{
    return kind < SIMSCHED_KIND_COUNT ? kind_names[kind] : "unknown";
}

/* Uniform in [mean/2, 3*mean/2], at least 1 ms. */
static uint64_t around_ns(rng *r, uint32_t mean_ms)
{
    uint64_t lo = mean_ms / 2;
    uint64_t hi = (uint64_t)mean_ms + mean_ms / 2;
    uint64_t v = rng_range(r, lo, hi);
    return (v == 0 ? 1 : v) * HS_NS_PER_MS;
}

typedef struct {
    simsched_action *items;
    uint32_t count;
    uint32_t cap;
} list;

static bool list_add(list *l, simsched_action a)
{
    if (l->count == l->cap) {
        return false;
    }
    l->items[l->count++] = a;
    return true;
}

static uint64_t all_mask(uint32_t n)
{
    return (UINT64_C(1) << n) - 1;
}

/* A non-empty proper subset of n nodes into a, the rest into b.  Below 64
 * nodes one draw of a mask (the draws every schedule of up to 32 nodes
 * has always made); above, one word per 64 nodes, redrawn while empty or
 * full (probability 2^(1-n) per try). */
static void draw_split(rng *r, uint32_t n, simset *a, simset *b)
{
    HS_ASSERT(n >= 2 && n <= SIMSET_BITS);
    simset all;
    simset_all(&all, n);
    if (n < 64) {
        simset_from_mask(a, rng_below(r, all_mask(n) - 1) + 1);
    } else {
        do {
            simset_clear(a);
            for (uint32_t k = 0; k < simset_words_for(n); k++) {
                a->w[k] = rng_next(r) & all.w[k];
            }
        } while (simset_empty(a) || simset_eq(a, &all));
    }
    simset_minus(b, &all, a);
}

static void draw_partitions(list *l, const simopt *o, uint64_t end_ns, rng *r)
{
    if (o->partition_every_ms == 0 || o->partition_kinds == 0 || o->nodes < 2) {
        return;
    }
    uint32_t kinds[3];
    uint32_t nkinds = 0;
    if ((o->partition_kinds & SIMOPT_PART_SPLIT) != 0) {
        kinds[nkinds++] = SIMSCHED_PARTITION;
    }
    if ((o->partition_kinds & SIMOPT_PART_ASYM) != 0) {
        kinds[nkinds++] = SIMSCHED_ASYM;
    }
    if ((o->partition_kinds & SIMOPT_PART_ISOLATE) != 0) {
        kinds[nkinds++] = SIMSCHED_ISOLATE;
    }
    uint64_t t = 0;
    for (;;) {
        t += around_ns(r, o->partition_every_ms);
        if (t >= end_ns) {
            return;
        }
        simsched_action a;
        memset(&a, 0, sizeof(a));
        a.at_ns = t;
        a.kind = (uint8_t)kinds[rng_below(r, nkinds)];
        if (a.kind == SIMSCHED_ISOLATE) {
            a.node = (uint16_t)rng_below(r, o->nodes);
            simset_add(&a.group_a, a.node);
            simset_all(&a.group_b, o->nodes);
            simset_minus(&a.group_b, &a.group_b, &a.group_a);
        } else {
            draw_split(r, o->nodes, &a.group_a, &a.group_b);
        }
        if (!list_add(l, a)) {
            return;
        }
        t += around_ns(r, o->partition_len_ms);
        if (t >= end_ns) {
            return;
        }
        simsched_action h;
        memset(&h, 0, sizeof(h));
        h.at_ns = t;
        h.kind = SIMSCHED_HEAL;
        if (!list_add(l, h)) {
            return;
        }
    }
}

static void draw_crashes(list *l, const simopt *o, uint64_t end_ns, rng *r)
{
    if (o->crash_every_ms == 0 || o->nodes < 2) {
        return;
    }
    uint64_t down_until[SIMOPT_NODES_MAX];
    memset(down_until, 0, sizeof(down_until));
    uint64_t t = 0;
    for (;;) {
        t += around_ns(r, o->crash_every_ms);
        if (t >= end_ns) {
            return;
        }
        uint32_t up[SIMOPT_NODES_MAX];
        uint32_t nup = 0;
        for (uint32_t i = 0; i < o->nodes; i++) {
            if (down_until[i] < t) {
                up[nup++] = i;
            }
        }
        uint64_t down = around_ns(r, o->down_ms);
        if (nup < 2) {
            continue; /* at least one node always stays up */
        }
        uint32_t victim = up[rng_below(r, nup)];
        simsched_action a;
        memset(&a, 0, sizeof(a));
        a.at_ns = t;
        /* One stop in four is the operator's graceful one. */
        a.kind = rng_below(r, 4) == 0 ? SIMSCHED_LEAVE : SIMSCHED_CRASH;
        a.node = (uint16_t)victim;
        if (!list_add(l, a)) {
            return;
        }
        uint64_t back = t + down;
        down_until[victim] = back >= end_ns ? UINT64_MAX : back;
        if (back < end_ns) {
            a.at_ns = back;
            a.kind = SIMSCHED_RESTART;
            if (!list_add(l, a)) {
                return;
            }
        }
    }
}

static int by_time(const void *x, const void *y)
{
    const simsched_action *a = x;
    const simsched_action *b = y;
    return a->at_ns < b->at_ns ? -1 : a->at_ns > b->at_ns ? 1 : 0;
}

/* The crash timeline is drawn in crash order, but a restart may fall after
 * later crashes; sort it by time, the draw order breaking ties. */
static void sort_stable(simsched_action *items, uint32_t count)
{
    /* Insertion sort: stable, and schedules are short. */
    for (uint32_t i = 1; i < count; i++) {
        simsched_action x = items[i];
        uint32_t j = i;
        while (j > 0 && by_time(&items[j - 1], &x) > 0) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = x;
    }
}

hs_status simsched_build(simsched *s, const simopt *o, uint64_t end_ns, rng *r)
{
    memset(s, 0, sizeof(*s));
    HS_ASSERT(o->nodes <= SIMOPT_NODES_MAX);
    list parts = {calloc(SIMSCHED_MAX / 2, sizeof(simsched_action)), 0, SIMSCHED_MAX / 2};
    list crashes = {calloc(SIMSCHED_MAX / 2, sizeof(simsched_action)), 0, SIMSCHED_MAX / 2};
    s->actions = calloc(SIMSCHED_MAX, sizeof(simsched_action));
    if (parts.items == NULL || crashes.items == NULL || s->actions == NULL) {
        free(parts.items);
        free(crashes.items);
        simsched_free(s);
        return HS_ERR_NOMEM;
    }
    s->cap = SIMSCHED_MAX;
    draw_partitions(&parts, o, end_ns, r);
    draw_crashes(&crashes, o, end_ns, r);
    sort_stable(crashes.items, crashes.count);
    /* Merge; at equal times partitions go first. */
    uint32_t i = 0;
    uint32_t k = 0;
    while (i < parts.count || k < crashes.count) {
        bool take_part = k == crashes.count ||
                         (i < parts.count && parts.items[i].at_ns <= crashes.items[k].at_ns);
        s->actions[s->count++] = take_part ? parts.items[i++] : crashes.items[k++];
    }
    s->drawn = s->count;
    if (o->keep_actions[0] != '\0') {
        uint32_t kept = 0;
        for (uint32_t a = 0; a < s->count; a++) {
            if (simopt_keep_has(o->keep_actions, a)) {
                s->actions[kept++] = s->actions[a];
            }
        }
        s->count = kept;
    }
    free(parts.items);
    free(crashes.items);
    return HS_OK;
}

void simsched_free(simsched *s)
{
    free(s->actions);
    memset(s, 0, sizeof(*s));
}

static size_t group(const simset *set, char *out, size_t cap)
{
    size_t used = 0;
    const char *sep = "";
    int n = snprintf(out, cap, "{");
    used = n > 0 && (size_t)n < cap ? (size_t)n : 0;
    for (uint32_t i = 0; i < SIMSET_BITS && used < cap; i++) {
        if (simset_has(set, i)) {
            n = snprintf(out + used, cap - used, "%sn%u", sep, i + 1);
            if (n < 0 || (size_t)n >= cap - used) {
                return used;
            }
            used += (size_t)n;
            sep = ",";
        }
    }
    if (used + 1 < cap) {
        out[used++] = '}';
        out[used] = '\0';
    }
    return used;
}

size_t simsched_format(const simsched_action *a, char *out, size_t cap)
{
    char ga[160];
    char gb[160];
    int n = 0;
    switch (a->kind) {
    case SIMSCHED_PARTITION:
        group(&a->group_a, ga, sizeof(ga));
        group(&a->group_b, gb, sizeof(gb));
        n = snprintf(out, cap, "partition %s | %s", ga, gb);
        break;
    case SIMSCHED_ASYM:
        group(&a->group_a, ga, sizeof(ga));
        group(&a->group_b, gb, sizeof(gb));
        n = snprintf(out, cap, "asym_partition %s -> %s (replies cut)", ga, gb);
        break;
    case SIMSCHED_ISOLATE:
    case SIMSCHED_CRASH:
    case SIMSCHED_RESTART:
    case SIMSCHED_LEAVE:
        n = snprintf(out, cap, "%s n%u", simsched_kind_name(a->kind), a->node + 1u);
        break;
    case SIMSCHED_HEAL:
        n = snprintf(out, cap, "heal");
        break;
    default:
        n = snprintf(out, cap, "unknown");
        break;
    }
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}
