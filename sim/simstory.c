/* The membership story filter (simstory.h). */
#include "simstory.h"

#include <string.h>

/* The decisions worth pinning. */
static const char *const kept_events[] = {
    " node_ready ",      " join_done ",        " member_added ", " member_state ",
    " member_reaped ",   " self_refuted ",     " suspicion_expired ",
    " node_leaving ",    " sim ",
};

bool simstory_keep(const char *line)
{
    HS_ASSERT(line != NULL);
    for (size_t i = 0; i < HS_ARRAY_LEN(kept_events); i++) {
        if (strstr(line, kept_events[i]) != NULL) {
            return true;
        }
    }
    return false;
}

uint64_t simstory_time_ns(const char *line)
{
    HS_ASSERT(line != NULL);
    const char *p = line;
    if (*p++ != '[') {
        return HS_TIME_NEVER;
    }
    while (*p == ' ') {
        p++;
    }
    uint64_t ms = 0;
    uint64_t us = 0;
    uint32_t frac = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        ms = ms * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9' && frac < 3; p++, frac++) {
            us = us * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p != ']' || frac != 3) {
        return HS_TIME_NEVER;
    }
    return ms * HS_NS_PER_MS + us * HS_NS_PER_US;
}

bool simstory_keep_until(const char *line, uint64_t cut_ns)
{
    HS_ASSERT(line != NULL);
    uint64_t at = simstory_time_ns(line);
    HS_ASSERT(at == HS_TIME_NEVER || at < HS_TIME_NEVER);
    return at != HS_TIME_NEVER && at <= cut_ns && strstr(line, " VIOLATION ") == NULL &&
           simstory_keep(line);
}
