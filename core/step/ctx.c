/* Sending messages and arming timers through the outbox, with every
 * failure counted and reported. */
#include "ctx.h"

#include "frame.h"

static hs_status send_frame(step_ctx *ctx, hs_channel channel, hs_addr to, uint64_t conn_id,
                            uint16_t type, const void *body)
{
    HS_ASSERT(channel == HS_CH_UDP || channel == HS_CH_TCP); /* max_frame depends on it */
    HS_ASSERT(ctx->find_msg != NULL && body != NULL);
    const msg_desc *d = ctx->find_msg(type);
    HS_ASSERT(d != NULL);
    uint32_t max_frame =
        channel == HS_CH_UDP ? HS_UDP_PAYLOAD_MAX : FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX;
    uint32_t room = 0;
    uint8_t *buf = hs_outbox_payload_begin(ctx->ob, max_frame, &room);
    if (buf == NULL || room < FRAME_HEADER_LEN) {
        ctx->counters->outbox_overflows++;
        HS_PROBE(ctx, STEP_OUTBOX_FULL);
        ctx_event(ctx, HS_EV_OUTBOX_FULL, NULL, HS_OUT_SEND, room, 0);
        return HS_ERR_FULL;
    }
    size_t len = 0;
    hs_status status = msg_encode_frame(d, body, buf, room, &len);
    if (status == HS_ERR_TOO_SMALL && room < max_frame) {
        /* The arena offered less than the channel allows: the message would
         * fit a frame, the outbox is what ran out (review 4.9). */
        ctx->counters->outbox_overflows++;
        HS_PROBE(ctx, STEP_OUTBOX_FULL);
        ctx_event(ctx, HS_EV_OUTBOX_FULL, NULL, HS_OUT_SEND, room, type);
        return HS_ERR_FULL;
    }
    if (status != HS_OK) {
        ctx->counters->encode_failures++;
        HS_PROBE(ctx, STEP_ENCODE_FAILED);
        ctx_event(ctx, HS_EV_ENCODE_FAILED, NULL, type, status, 0);
        return status;
    }
    status = hs_outbox_send_commit(ctx->ob, channel, to, conn_id, (uint32_t)len);
    if (status != HS_OK) {
        ctx->counters->outbox_overflows++;
        HS_PROBE(ctx, STEP_OUTBOX_FULL);
        return status;
    }
    HS_ASSERT(len > FRAME_HEADER_LEN && len <= room); /* a whole frame, inside the arena */
    ctx->counters->frames_tx++;
    node_counters_msg(ctx->counters, NODE_DIR_TX, type, (uint32_t)len);
    return HS_OK;
}

hs_status ctx_send(step_ctx *ctx, hs_channel channel, hs_addr to, uint64_t conn_id,
                   uint16_t type, const void *body)
{
    /* A TCP frame that did not go out leaves a hole in its stream: the
     * caller ends the stream (peers_send), which knows the binding. */
    hs_status status = send_frame(ctx, channel, to, conn_id, type, body);
    HS_ASSERT(status != HS_OK || ctx->counters->frames_tx > 0);
    return status;
}

void ctx_timer_set(step_ctx *ctx, uint64_t timer_id, uint64_t deadline_ns)
{
    HS_ASSERT(ctx->ob != NULL && ctx->counters != NULL);
    if (hs_outbox_timer_set(ctx->ob, timer_id, deadline_ns) != HS_OK) {
        /* The outbox already emitted OUTBOX_FULL; a lost timer would stall
         * a periodic duty forever, which the bounds checker must see. */
        ctx->counters->outbox_overflows++;
        HS_ASSERT(ctx->ob->overflows > 0); /* the outbox counted it too */
    }
}

void ctx_wake_after(step_ctx *ctx, uint64_t delay_ns)
{
    HS_ASSERT(ctx->ob != NULL);
    HS_ASSERT(delay_ns > 0 && delay_ns <= UINT64_MAX - ctx->now_ns);
    hs_outbox_wake_at(ctx->ob, ctx->now_ns + delay_ns);
}

void ctx_timer_cancel(step_ctx *ctx, uint64_t timer_id)
{
    HS_ASSERT(ctx->ob != NULL && ctx->counters != NULL);
    if (hs_outbox_timer_cancel(ctx->ob, timer_id) != HS_OK) {
        ctx->counters->outbox_overflows++;
        HS_ASSERT(ctx->ob->overflows > 0); /* the outbox counted it too */
    }
}
