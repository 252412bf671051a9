/* stranger_replies: the two reply rate limits a forged flood leans on
 * hold, checked against a shadow bucket of the checker's own.
 *
 * - SWIM answers a PING, PING_REQ, JOIN or SYNC from a source it does not
 *   hold as a member at the datagram's address only with a token from its
 *   bucket (swim unknown_reply_per_sec and unknown_reply_burst).  The
 *   checker decides "stranger" from the table after the step, which is
 *   the table core decided on (the request's own list is merged before
 *   core asks), and counts a draw for every such request the step did not
 *   refuse (no reply_suppressed event).
 * - ERROR replies (node error_reply_per_sec and error_reply_burst): every
 *   error_reply_sent event is a draw.
 *
 * The shadow is the generic cell rate algorithm, exact in integers: a
 * bucket of `burst` tokens refilled at `per_sec`, full when the process
 * starts (or when the checker first looks, which only gives it more).
 * Core's bucket may be stricter (it counts thousandths of a token), never
 * more generous, so a draw the shadow refuses is a violation. */
#include "check.h"

#include "node.h"
#include "swim_msg.h"
#include "swim_table.h"

/* One token in the shadow's unit: nanoseconds times tokens per second. */
#define TOKEN_SCALED UINT64_C(1000000000)

static void shadow_reset(simcheck_shadow *b)
{
    b->tat = 0;
    b->draws = 0;
    HS_ASSERT(b->tat == 0 && b->draws == 0);
}

/* Whether one more draw at since_ns (local time after the shadow's base)
 * fits a bucket of burst tokens refilled at per_sec. */
static bool shadow_take(simcheck_shadow *b, uint64_t since_ns, uint32_t per_sec, uint32_t burst)
{
    HS_ASSERT(per_sec <= 100000u && burst <= 100000u); /* bucket_init's limits */
    b->draws++;
    if (per_sec == 0) {
        return b->draws <= burst; /* never refilled */
    }
    /* A run is at most days long: since_ns * per_sec stays below 2^64. */
    HS_ASSERT(since_ns <= UINT64_MAX / 100000u);
    uint64_t now = since_ns * per_sec;
    bool fits = burst > 0 && b->tat <= now + (uint64_t)(burst - 1) * TOKEN_SCALED;
    b->tat = (b->tat > now ? b->tat : now) + TOKEN_SCALED;
    return fits;
}

static simcheck_replies *replies_of(simcheck *c, uint32_t i)
{
    HS_ASSERT(i < c->nodes);
    simcheck_replies *r = &c->replies[i];
    if (r->epoch != c->epoch[i] || !r->valid) {
        r->valid = true;
        r->epoch = c->epoch[i];
        r->base_ns = c->timers.local_now(c->timers.host, i);
        shadow_reset(&r->stranger);
        shadow_reset(&r->error);
    }
    return r;
}

void check_replies_input(simcheck *c, uint32_t i, const node *n, const hs_input *in)
{
    simcheck_replies *r = replies_of(c, i);
    const node_config *cfg = node_get_config(n);
    r->error_per_sec = cfg->error_reply_per_sec;
    r->error_burst = cfg->error_reply_burst;
    r->suppressed = false;
    r->running = node_running(n);
    r->udp = in->kind == HS_IN_RECV && in->u.recv.channel == HS_CH_UDP;
    r->from = r->udp ? in->u.recv.from : (hs_addr){0, 0};
}

static void over(simcheck *c, uint64_t now_ns, uint32_t i, const char *what, uint32_t draws,
                 uint64_t since_ns, uint32_t per_sec, uint32_t burst)
{
    simcheck_report(c, SIMCHECK_STRANGER_REPLIES, now_ns, (int32_t)i,
                    "%s: draw %u at %llu ms of this process is past a bucket of %u "
                    "refilled at %u per s", what, draws,
                    (unsigned long long)(since_ns / HS_NS_PER_MS), burst, per_sec);
}

void check_replies_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev)
{
    if (ev->code == HS_EV_REPLY_SUPPRESSED) {
        replies_of(c, i)->suppressed = true;
        return;
    }
    if (ev->code != HS_EV_ERROR_REPLY_SENT) {
        return;
    }
    simcheck_replies *r = replies_of(c, i);
    uint64_t since = c->timers.local_now(c->timers.host, i) - r->base_ns;
    simcheck_count(c, SIMCHECK_STRANGER_REPLIES);
    if (!shadow_take(&r->error, since, r->error_per_sec, r->error_burst)) {
        over(c, now_ns, i, "error reply", r->error.draws, since, r->error_per_sec,
             r->error_burst);
    }
}

/* The source of a request SWIM answers only from its bucket when the
 * source is a stranger; NULL for any other message. */
static const hs_name *request_source(const swim *s, uint16_t type, const void *body)
{
    const msg_probe *probe = body;
    const msg_sync *sync = body;
    switch (type) {
    case MSG_PING: /* one meant for another name is not answered at all */
        return hs_name_eq(&probe->target, &s->self.name) ? &probe->source : NULL;
    case MSG_PING_REQ:
        return &probe->source;
    case MSG_JOIN:
    case MSG_SYNC: /* another major version is refused without a token */
        return sync->proto_major == MSG_PROTO_MAJOR ? &sync->source : NULL;
    default:
        return NULL;
    }
}

void check_replies_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n)
{
    simcheck_replies *r = replies_of(c, i);
    uint16_t type = 0;
    const void *body = node_step_msg(n, &type);
    if (!r->udp || !r->running || body == NULL || r->suppressed) {
        return;
    }
    const swim *s = node_swim(n);
    const hs_name *source = request_source(s, type, body);
    if (source == NULL) {
        return;
    }
    const swim_member *m = swim_find(s, source);
    if (m != NULL && hs_addr_eq(m->addr, r->from)) {
        return; /* a member at its address: answered without a token */
    }
    const swim_config *cfg = &s->cfg;
    uint64_t since = c->timers.local_now(c->timers.host, i) - r->base_ns;
    simcheck_count(c, SIMCHECK_STRANGER_REPLIES);
    if (!shadow_take(&r->stranger, since, cfg->unknown_reply_per_sec, cfg->unknown_reply_burst)) {
        over(c, now_ns, i, "answer to a stranger", r->stranger.draws, since,
             cfg->unknown_reply_per_sec, cfg->unknown_reply_burst);
    }
}
