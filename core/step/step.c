/* The outbox that carries a step's outputs to the host, and the names of
 * input and output kinds. */
#include "step.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const input_names[] = {
#define HS_INPUT_NAME(id, name) name,
    HS_INPUT_LIST(HS_INPUT_NAME)
#undef HS_INPUT_NAME
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(input_names) == HS_IN_COUNT, "input names");

static const char *const output_names[] = {
#define HS_OUTPUT_NAME(id, name) name,
    HS_OUTPUT_LIST(HS_OUTPUT_NAME)
#undef HS_OUTPUT_NAME
};
HS_STATIC_ASSERT(HS_ARRAY_LEN(output_names) == HS_OUT_COUNT, "output names");

const char *hs_input_kind_name(uint32_t kind)
{
    return kind < HS_IN_COUNT ? input_names[kind] : "unknown_input";
}

const char *hs_event_input_name(uint64_t input)
{
    return hs_input_kind_name(input < HS_IN_COUNT ? (uint32_t)input : HS_IN_COUNT);
}

const char *hs_output_kind_name(uint32_t kind)
{
    return kind < HS_OUT_COUNT ? output_names[kind] : "unknown_output";
}

hs_status hs_outbox_init(hs_outbox *ob, uint32_t cap, uint32_t arena_cap)
{
    HS_ASSERT(ob != NULL);
    memset(ob, 0, sizeof(*ob));
    if (cap <= HS_OUTBOX_EVENT_RESERVE || arena_cap == 0) {
        return HS_ERR_INVALID;
    }
    ob->items = hs_calloc(cap, sizeof(hs_output));
    ob->arena = hs_malloc(arena_cap);
    ob->refused_timers = hs_calloc(cap, sizeof(uint64_t));
    if (ob->items == NULL || ob->arena == NULL || ob->refused_timers == NULL) {
        hs_outbox_free(ob);
        return HS_ERR_NOMEM;
    }
    ob->cap = cap;
    ob->arena_cap = arena_cap;
    ob->ordinary_cap = cap - HS_OUTBOX_EVENT_RESERVE;
    ob->refused_cap = cap;
    HS_ASSERT(ob->count == 0 && ob->arena_used == 0 && ob->high_water == 0);
    return HS_OK;
}

void hs_outbox_free(hs_outbox *ob)
{
    hs_free(ob->items);
    hs_free(ob->arena);
    hs_free(ob->refused_timers);
    memset(ob, 0, sizeof(*ob));
}

void hs_outbox_reset(hs_outbox *ob)
{
    /* The step that ends kept both of the outbox's caps. */
    HS_ASSERT(ob->count <= ob->cap && ob->arena_used <= ob->arena_cap);
    HS_ASSERT(ob->refused_count <= ob->refused_cap);
    ob->count = 0;
    ob->arena_used = 0;
    ob->refused_count = 0;
    ob->ordinary = 0;
    ob->wake_ns = 0;
}

void hs_outbox_wake_at(hs_outbox *ob, uint64_t at_ns)
{
    HS_ASSERT(at_ns > 0); /* 0 means "no wake-up" */
    if (ob->wake_ns == 0 || at_ns < ob->wake_ns) {
        ob->wake_ns = at_ns;
    }
    HS_ASSERT(ob->wake_ns != 0 && ob->wake_ns <= at_ns);
}

uint32_t hs_outbox_room(const hs_outbox *ob)
{
    HS_ASSERT(ob->count <= ob->cap);
    uint32_t by_slots = ob->count + HS_OUTBOX_EVENT_RESERVE >= ob->cap
                            ? 0
                            : ob->cap - HS_OUTBOX_EVENT_RESERVE - ob->count;
    uint32_t by_cap = ob->ordinary >= ob->ordinary_cap ? 0 : ob->ordinary_cap - ob->ordinary;
    return by_slots < by_cap ? by_slots : by_cap;
}

/* Ordinary outputs may use every slot but the event reserve. */
static hs_output *push(hs_outbox *ob, hs_output_kind kind)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(ob->count <= ob->cap);
        /* Events go through hs_outbox_event, which may use the reserve. */
        HS_ASSERT(kind != HS_OUT_EVENT && (uint32_t)kind < HS_OUT_COUNT);
    }
    if (ob->count + HS_OUTBOX_EVENT_RESERVE >= ob->cap || ob->ordinary >= ob->ordinary_cap) {
        return NULL;
    }
    ob->ordinary++;
    hs_output *out = &ob->items[ob->count++];
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (ob->count > ob->high_water) {
        ob->high_water = ob->count;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(ob->count + HS_OUTBOX_EVENT_RESERVE <= ob->cap); /* the reserve stays free */
    }
    return out;
}

static hs_status overflow(hs_outbox *ob, hs_output_kind kind, uint32_t bytes)
{
    ob->overflows++;
    hs_outbox_event(ob, HS_EV_OUTBOX_FULL, NULL, (uint64_t)kind, bytes, 0);
    return HS_ERR_FULL;
}

uint8_t *hs_outbox_payload_begin(hs_outbox *ob, uint32_t max_len, uint32_t *room)
{
    HS_ASSERT(room != NULL && max_len > 0);
    HS_ASSERT(ob->arena_used <= ob->arena_cap);
    uint32_t left = ob->arena_cap - ob->arena_used;
    if (left == 0) {
        *room = 0;
        return NULL;
    }
    *room = max_len < left ? max_len : left;
    return ob->arena + ob->arena_used;
}

hs_status hs_outbox_send_commit(hs_outbox *ob, hs_channel channel, hs_addr to, uint64_t conn_id,
                                uint32_t len)
{
    HS_ASSERT(len <= ob->arena_cap - ob->arena_used);
    HS_ASSERT(channel == HS_CH_UDP || channel == HS_CH_TCP);
    HS_ASSERT_IMPLIES(channel == HS_CH_UDP, len <= HS_UDP_PAYLOAD_MAX);
    hs_output *out = push(ob, HS_OUT_SEND);
    if (out == NULL) {
        return overflow(ob, HS_OUT_SEND, len);
    }
    out->u.send.channel = channel;
    out->u.send.to = to;
    out->u.send.conn_id = conn_id;
    out->u.send.offset = ob->arena_used;
    out->u.send.len = len;
    ob->arena_used += len;
    HS_ASSERT(ob->arena_used <= ob->arena_cap);
    return HS_OK;
}

hs_status hs_outbox_disk_write_commit(hs_outbox *ob, uint64_t op_id, uint32_t file,
                                      uint64_t file_offset, uint32_t len)
{
    HS_ASSERT(op_id != 0); /* id 0 is no operation: its completion would match no owner */
    HS_ASSERT(len <= ob->arena_cap - ob->arena_used);
    hs_output *out = push(ob, HS_OUT_DISK_WRITE);
    if (out == NULL) {
        return overflow(ob, HS_OUT_DISK_WRITE, len);
    }
    out->u.disk.op_id = op_id;
    out->u.disk.file = file;
    out->u.disk.file_offset = file_offset;
    out->u.disk.offset = ob->arena_used;
    out->u.disk.len = len;
    ob->arena_used += len;
    HS_ASSERT(ob->arena_used <= ob->arena_cap);
    return HS_OK;
}

hs_status hs_outbox_close(hs_outbox *ob, uint64_t conn_id)
{
    hs_output *out = push(ob, HS_OUT_CLOSE);
    if (out == NULL) {
        return overflow(ob, HS_OUT_CLOSE, 0);
    }
    out->u.close.conn_id = conn_id;
    return HS_OK;
}

/* An ordinary output whose loss would leave core and host disagreeing (a
 * timer set or cancel, a stream's close) when the ordinary slots are gone:
 * it takes an event slot.  NULL when even those are gone. */
static hs_output *push_reserved(hs_outbox *ob, hs_output_kind kind)
{
    HS_ASSERT(kind == HS_OUT_TIMER_SET || kind == HS_OUT_TIMER_CANCEL || kind == HS_OUT_CLOSE);
    hs_output *out = push(ob, kind);
    if (out != NULL || ob->count >= ob->cap ||
        (kind == HS_OUT_TIMER_SET && ob->timer_reserve_closed)) {
        return out;
    }
    ob->reserve_taken++; /* a step outgrew its ordinary slots */
    out = &ob->items[ob->count++];
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    ob->high_water = ob->count > ob->high_water ? ob->count : ob->high_water;
    HS_ASSERT(ob->count <= ob->cap);
    return out;
}

void hs_outbox_close_stream(hs_outbox *ob, uint64_t conn_id)
{
    HS_ASSERT(conn_id != 0);
    hs_output *out = push_reserved(ob, HS_OUT_CLOSE);
    if (out == NULL) {
        ob->overflows++;
        ob->streams_lost++;
        return;
    }
    out->u.close.conn_id = conn_id;
}

hs_status hs_outbox_timer_set(hs_outbox *ob, uint64_t timer_id, uint64_t deadline_ns)
{
    hs_output *out = push_reserved(ob, HS_OUT_TIMER_SET);
    if (out == NULL) {
        /* Not even the reserve held it: kept for node_step to hand back
         * as a refusal.  A step sets at
         * most as many timers as the outbox has slots (node_host_limits
         * sizes it for the worst step), so the list never fills unless
         * that bound broke, which the event's last field says. */
        bool kept = ob->refused_count < ob->refused_cap;
        if (kept) {
            ob->refused_timers[ob->refused_count++] = timer_id;
        } else {
            ob->refused_lost++;
        }
        ob->overflows++;
        hs_outbox_event(ob, HS_EV_OUTBOX_FULL, NULL, (uint64_t)HS_OUT_TIMER_SET, 0, kept ? 0 : 1);
        return HS_ERR_FULL;
    }
    out->u.timer.timer_id = timer_id;
    out->u.timer.deadline_ns = deadline_ns;
    return HS_OK;
}

hs_status hs_outbox_timer_cancel(hs_outbox *ob, uint64_t timer_id)
{
    /* A cancel left out would leave the host's table holding a timer core
     * gave up, firing later as if the host were broken. */
    hs_output *out = push_reserved(ob, HS_OUT_TIMER_CANCEL);
    if (out == NULL) {
        ob->cancels_lost++;
        return overflow(ob, HS_OUT_TIMER_CANCEL, 0);
    }
    out->u.timer.timer_id = timer_id;
    return HS_OK;
}

hs_status hs_outbox_disk_sync(hs_outbox *ob, uint64_t op_id, uint32_t file)
{
    HS_ASSERT(op_id != 0); /* id 0 is no operation: its completion would match no owner */
    hs_output *out = push(ob, HS_OUT_DISK_SYNC);
    if (out == NULL) {
        return overflow(ob, HS_OUT_DISK_SYNC, 0);
    }
    out->u.disk.op_id = op_id;
    out->u.disk.file = file;
    return HS_OK;
}

hs_status hs_outbox_disk_read(hs_outbox *ob, uint64_t op_id, uint32_t file, uint64_t file_offset,
                              uint32_t len)
{
    HS_ASSERT(op_id != 0); /* id 0 is no operation: its completion would match no owner */
    HS_ASSERT(len > 0); /* a read returns bytes into the completion */
    hs_output *out = push(ob, HS_OUT_DISK_READ);
    if (out == NULL) {
        return overflow(ob, HS_OUT_DISK_READ, 0);
    }
    out->u.disk.op_id = op_id;
    out->u.disk.file = file;
    out->u.disk.file_offset = file_offset;
    out->u.disk.len = len;
    return HS_OK;
}

void hs_outbox_event(hs_outbox *ob, uint16_t code, const hs_name *subject, uint64_t a,
                     uint64_t b, uint64_t c)
{
    HS_ASSERT(code < HS_EV_COUNT);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(ob->count <= ob->cap);
    }
    if (ob->count >= ob->cap) {
        ob->overflows++;
        return;
    }
    hs_output *out = &ob->items[ob->count++];
    memset(out, 0, sizeof(*out));
    out->kind = HS_OUT_EVENT;
    out->u.event.code = code;
    out->u.event.severity = (uint8_t)hs_event_code_severity(code);
    if (subject != NULL) {
        out->u.event.subject = *subject;
    }
    out->u.event.a = a;
    out->u.event.b = b;
    out->u.event.c = c;
    if (ob->count > ob->high_water) {
        ob->high_water = ob->count;
    }
}

const uint8_t *hs_outbox_payload(const hs_outbox *ob, const hs_output *out)
{
    if (out->kind == HS_OUT_SEND) {
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(out->u.send.offset + out->u.send.len <= ob->arena_used);
        }
        return ob->arena + out->u.send.offset;
    }
    if (out->kind == HS_OUT_DISK_WRITE) {
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(out->u.disk.offset + out->u.disk.len <= ob->arena_used);
        }
        return ob->arena + out->u.disk.offset;
    }
    return NULL;
}
