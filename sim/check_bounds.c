/* The generic bounds checker: after every step of every node, every table
 * every module reports through node_tables (name, count, cap, high-water
 * mark) stays within its cap, and the host's outbox never overflowed.  A
 * module with a new table reports it and is checked here without a line
 * of this file changing. */
#include "check.h"

#include "node_routes.h"

void check_bounds_tables(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    hs_table_view rows[NODE_TABLES_MAX];
    uint32_t count = node_tables(n, rows, NODE_TABLES_MAX);
    HS_ASSERT(count <= NODE_TABLES_MAX);
    simcheck_count(c, SIMCHECK_BOUNDS);
    for (uint32_t k = 0; k < count; k++) {
        const hs_table_view *t = &rows[k];
        if (t->count <= t->cap && t->high_water <= t->cap && t->count <= t->high_water) {
            continue;
        }
        simcheck_report(c, SIMCHECK_BOUNDS, now_ns, (int32_t)i,
                        "%s.%s count %llu high water %llu cap %llu",
                        node_routes_module_name(t->module), hs_table_name(t->table),
                        (unsigned long long)t->count, (unsigned long long)t->high_water,
                        (unsigned long long)t->cap);
    }
}

void check_bounds_outbox(simcheck *c, uint64_t now_ns, uint32_t i, bool overflowed,
                         uint32_t high_water, uint32_t cap)
{
    HS_ASSERT(cap > 0);
    if (overflowed) {
        simcheck_report(c, SIMCHECK_BOUNDS, now_ns, (int32_t)i, "outbox overflowed (cap %u)",
                        cap);
    }
    if (high_water > cap) {
        simcheck_report(c, SIMCHECK_BOUNDS, now_ns, (int32_t)i, "outbox high water %u > cap %u",
                        high_water, cap);
    }
}

/* A table refuses or evicts only at its cap: the TABLE_FULL event tells
 * the count it saw, which must be the cap it tells. */
void check_bounds_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    HS_ASSERT(i < c->nodes && ev != NULL);
    if (ev->code != HS_EV_TABLE_FULL) {
        return;
    }
    simcheck_count(c, SIMCHECK_BOUNDS);
    if (ev->c != ev->b) {
        simcheck_report(c, SIMCHECK_BOUNDS, now_ns, (int32_t)i,
                        "table %s said full with %llu of %llu entries",
                        hs_table_name((uint32_t)ev->a), (unsigned long long)ev->c,
                        (unsigned long long)ev->b);
    }
}
