/* Timer table: theap + id map.  See timers.h. */
#include "timers.h"

hs_status timers_init(timers *t, uint32_t cap)
{
    hs_status status = theap_init(&t->heap, cap);
    if (status != HS_OK) {
        return status;
    }
    status = map_init(&t->by_id, cap);
    if (status != HS_OK) {
        theap_free(&t->heap);
    }
    return status;
}

void timers_free(timers *t)
{
    map_free(&t->by_id);
    theap_free(&t->heap);
}

hs_status timers_set(timers *t, uint64_t id, uint64_t deadline_ns)
{
    uint64_t handle = 0;
    if (map_get(&t->by_id, id, &handle)) {
        bool live = theap_reschedule(&t->heap, handle, deadline_ns);
        HS_ASSERT(live);
        return HS_OK;
    }
    theap_handle fresh = 0;
    hs_status status = theap_push(&t->heap, deadline_ns, id, 0, &fresh);
    if (status != HS_OK) {
        return status;
    }
    status = map_put(&t->by_id, id, fresh);
    if (status != HS_OK) {
        bool cancelled = theap_cancel(&t->heap, fresh);
        HS_ASSERT(cancelled);
    }
    return status;
}

bool timers_cancel(timers *t, uint64_t id)
{
    uint64_t handle = 0;
    if (!map_get(&t->by_id, id, &handle)) {
        return false;
    }
    bool cancelled = theap_cancel(&t->heap, handle);
    HS_ASSERT(cancelled);
    bool removed = map_remove(&t->by_id, id);
    HS_ASSERT(removed);
    return true;
}

bool timers_next(const timers *t, uint64_t *deadline_ns)
{
    uint64_t id = 0;
    uint64_t unused = 0;
    return theap_peek(&t->heap, deadline_ns, &id, &unused);
}

bool timers_pop_due(timers *t, uint64_t now_ns, uint64_t *id)
{
    uint64_t deadline = 0;
    uint64_t unused = 0;
    if (!theap_peek(&t->heap, &deadline, id, &unused) || deadline > now_ns) {
        return false;
    }
    bool popped = theap_pop(&t->heap, &deadline, id, &unused);
    HS_ASSERT(popped);
    bool removed = map_remove(&t->by_id, *id);
    HS_ASSERT(removed);
    return true;
}
