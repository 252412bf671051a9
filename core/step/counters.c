/* Counter names for reports, in declaration order. */
#include "counters.h"

static const char *const counter_names[] = {
#define NODE_COUNTER_NAME(name) #name,
    NODE_COUNTER_LIST(NODE_COUNTER_NAME)
#undef NODE_COUNTER_NAME
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(counter_names) == NODE_COUNTER_COUNT, "counter names");

const char *node_counter_name(uint32_t i)
{
    return i < NODE_COUNTER_COUNT ? counter_names[i] : NULL;
}

uint64_t node_counter_value(const node_counters *c, uint32_t i)
{
    HS_ASSERT(i < NODE_COUNTER_COUNT);
    const uint64_t *values = (const uint64_t *)c;
    return values[i];
}
