/* The message registry: the modules' descriptor tables, looked up by type
 * range (core/base/module_list.h), and the message-name hook for event
 * rendering. */
#include "msg_registry.h"

#include "ctl_msg.h"
#include "event.h"
#include "module_list.h"
#include "swim_msg.h"

/* One line per module that owns messages. */
static const msg_table *const registry_tables[] = {
    &swim_msg_table,
    &ctl_msg_table,
};

/* The message range each module may use, from the module list. */
typedef struct {
    uint16_t lo;
    uint16_t hi;
} type_range;

static const type_range module_ranges[HS_MOD_COUNT] = {
#define REGISTRY_RANGE(id, prefix, tlo, thi, mlo, mhi, flo, fhi) [HS_MOD_##id] = {mlo, mhi},
    HS_MODULE_LIST(REGISTRY_RANGE)
#undef REGISTRY_RANGE
};

const msg_desc *msg_registry_find(uint16_t type)
{
    for (uint32_t i = 0; i < HS_ARRAY_LEN(registry_tables); i++) {
        const msg_table *t = registry_tables[i];
        HS_ASSERT(t->type_lo <= t->type_hi);
        if (type >= t->type_lo && type <= t->type_hi) {
            const msg_desc *d = t->by_type[type - t->type_lo];
            HS_ASSERT(d == NULL || d->type == type);
            return d;
        }
    }
    return NULL;
}

const char *msg_registry_name(uint16_t type)
{
    const msg_desc *d = msg_registry_find(type);
    return d != NULL ? d->name : "unknown";
}

/* Renderer hook declared in event.h. */
const char *hs_event_msg_name(uint64_t type)
{
    return type <= UINT16_MAX ? msg_registry_name((uint16_t)type) : "unknown";
}

uint32_t msg_registry_count(void)
{
    uint32_t n = 0;
    for (uint32_t type = 0; type < HS_MSG_TYPE_COUNT; type++) {
        n += msg_registry_find((uint16_t)type) != NULL;
    }
    HS_ASSERT(n <= HS_MSG_TYPE_COUNT);
    return n;
}

const msg_desc *msg_registry_at(uint32_t i)
{
    uint32_t n = 0;
    for (uint32_t type = 0; type < HS_MSG_TYPE_COUNT; type++) {
        const msg_desc *d = msg_registry_find((uint16_t)type);
        if (d != NULL && n++ == i) {
            HS_ASSERT(d->type == type && n == i + 1);
            return d;
        }
    }
    return NULL;
}

static hs_status table_check(const msg_table *t)
{
    HS_ASSERT(t != NULL);
    if (t->module >= HS_MOD_COUNT || t->by_type == NULL || t->type_lo > t->type_hi) {
        return HS_ERR_INVALID;
    }
    type_range r = module_ranges[t->module];
    HS_ASSERT(r.lo <= r.hi); /* the module list's ranges are ordered */
    if (t->type_lo < r.lo || t->type_hi > r.hi) {
        return HS_ERR_RANGE;
    }
    for (uint32_t type = t->type_lo; type <= t->type_hi; type++) {
        const msg_desc *d = t->by_type[type - t->type_lo];
        if (d == NULL) {
            continue;
        }
        if (d->type != type || d->module != t->module) {
            return HS_ERR_INVALID;
        }
        HS_ASSERT(type >= r.lo && type <= r.hi);
        hs_status st = msg_desc_check(d);
        if (st != HS_OK) {
            return st;
        }
    }
    return HS_OK;
}

hs_status msg_registry_check(void)
{
    for (uint32_t i = 0; i < HS_ARRAY_LEN(registry_tables); i++) {
        HS_ASSERT(registry_tables[i] != NULL);
        hs_status st = table_check(registry_tables[i]);
        if (st != HS_OK) {
            return st;
        }
        /* Two tables of one module must not overlap either. */
        for (uint32_t j = 0; j < i; j++) {
            const msg_table *a = registry_tables[i];
            const msg_table *b = registry_tables[j];
            if (a->type_lo <= b->type_hi && b->type_lo <= a->type_hi) {
                return HS_ERR_EXISTS;
            }
        }
    }
    return HS_OK;
}
