/* The coverage probes' names and required flags (probe.h). */
#include "probe.h"

static const char *const probe_names[] = {
#define HS_PROBE_NAME(id, name, required) name,
    HS_PROBE_LIST(HS_PROBE_NAME)
#undef HS_PROBE_NAME
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(probe_names) == HS_PROBE_COUNT, "a name per probe");

static const bool probe_required[] = {
#define HS_PROBE_REQUIRED(id, name, required) (required) != 0,
    HS_PROBE_LIST(HS_PROBE_REQUIRED)
#undef HS_PROBE_REQUIRED
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(probe_required) == HS_PROBE_COUNT, "a flag per probe");

const char *hs_probe_name(uint32_t id)
{
    return id < HS_PROBE_COUNT ? probe_names[id] : "unknown";
}

bool hs_probe_required(uint32_t id)
{
    return id < HS_PROBE_COUNT && probe_required[id];
}
