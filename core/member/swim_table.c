/* SWIM's bounded tables: members, probe order, gossip queue, relays. */
#include "swim_table.h"
#include "alloc.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

uint64_t swim_name_key(const hs_name *name)
{
    return XXH3_64bits(name->bytes, name->len);
}

static void update_retransmit_limit(swim *s);

hs_status swim_table_init(swim *s)
{
    /* Only what is read before it is written is zeroed (slot_used, relay
     * live flags): a node is created on every simulated restart, and
     * zeroing tables sized for a thousand members dominated that cost.
     * Slots, order and gossip entries are written when they come into use. */
    uint32_t cap = s->cfg.members_cap;
    /* Line-aligned, so each 128-byte record is exactly two cache lines
     * (swim.h); the size is a multiple of the alignment, as C11 asks. */
    s->slots = hs_aligned_alloc(64, (size_t)cap * sizeof(swim_member));
    s->slot_used = hs_calloc(cap, sizeof(bool));
    s->free_slots = hs_malloc((size_t)cap * sizeof(uint32_t));
    s->order = hs_malloc((size_t)cap * sizeof(uint32_t));
    s->relays = hs_calloc(s->cfg.relays_cap, sizeof(swim_relay));
    s->gossip = hs_malloc((size_t)s->cfg.gossip_cap * sizeof(swim_gossip));
    s->slot_gen = hs_calloc(cap, sizeof(uint32_t));
    if (s->slots == NULL || s->slot_used == NULL || s->free_slots == NULL || s->order == NULL ||
        s->relays == NULL || s->gossip == NULL || s->slot_gen == NULL) {
        return HS_ERR_NOMEM;
    }
    hs_status status = map_init(&s->by_name, cap);
    if (status == HS_OK) {
        status = map_init(&s->by_uid, cap);
    }
    if (status != HS_OK) {
        return status;
    }
    /* Free slots pop from the end: the lowest slot is used first, so slot
     * assignment depends only on the sequence of adds and removes. */
    for (uint32_t i = 0; i < cap; i++) {
        s->free_slots[i] = cap - 1 - i;
    }
    s->free_count = cap;
    update_retransmit_limit(s);
    return HS_OK;
}

void swim_table_free(swim *s)
{
    hs_free(s->slots);
    hs_free(s->slot_used);
    hs_free(s->free_slots);
    hs_free(s->order);
    hs_free(s->relays);
    hs_free(s->gossip);
    hs_free(s->slot_gen);
    s->slot_gen = NULL;
    map_free(&s->by_name);
    map_free(&s->by_uid);
    s->slots = NULL;
    s->slot_used = NULL;
    s->free_slots = NULL;
    s->order = NULL;
    s->relays = NULL;
    s->gossip = NULL;
}

void swim_table_entry_of(const swim_member *m, msg_member *out)
{
    out->name = m->name;
    out->addr = m->addr;
    out->incarnation = m->incarnation;
    out->state = m->state;
    out->role = m->role;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                             */

uint32_t swim_member_count(const swim *s)
{
    return s->member_count;
}

uint32_t swim_slot_end(const swim *s)
{
    return s->slot_end;
}

const swim_member *swim_member_slot(const swim *s, uint32_t i)
{
    if (i >= s->slot_end || !s->slot_used[i]) {
        return NULL;
    }
    return &s->slots[i];
}

void swim_table_view_changed(swim *s, const swim_member *m)
{
    HS_ASSERT(m >= s->slots && m < s->slots + s->cfg.members_cap);
    uint32_t slot = (uint32_t)(m - s->slots);
    HS_ASSERT(s->slot_used[slot]);
    s->changed_slot[s->view_version % SWIM_VIEW_CHANGES_MAX] = slot;
    s->view_version++;
}

void swim_table_set_state(swim *s, swim_member *m, uint8_t state)
{
    HS_ASSERT(state <= MEMBER_LEFT);
    s->dead_count -= swim_state_gone(m->state) ? 1u : 0u;
    s->dead_count += swim_state_gone(state) ? 1u : 0u;
    m->state = state;
    HS_ASSERT(s->dead_count <= s->member_count);
}

static swim_member *by_key(swim *s, const map *index, uint64_t key)
{
    HS_ASSERT(index == &s->by_name || index == &s->by_uid);
    uint64_t slot;
    if (!map_get(index, key, &slot)) {
        return NULL;
    }
    HS_ASSERT(slot < s->cfg.members_cap && s->slot_used[slot]);
    return &s->slots[slot];
}

swim_member *swim_table_find_mut(swim *s, const hs_name *name)
{
    swim_member *m = by_key(s, &s->by_name, swim_name_key(name));
    /* A 64-bit hash collision between two names is treated as absence:
     * the second name cannot be added (swim_table_add refuses it). */
    if (m != NULL && !hs_name_eq(&m->name, name)) {
        return NULL;
    }
    return m;
}

const swim_member *swim_find(const swim *s, const hs_name *name)
{
    return swim_table_find_mut((swim *)s, name);
}

swim_member *swim_table_find_uid_mut(swim *s, uint64_t uid)
{
    HS_ASSERT(uid < s->next_uid); /* uids are handed out in order, never reused */
    if (uid == SWIM_SELF_UID) {
        return NULL;
    }
    return by_key(s, &s->by_uid, uid);
}

const swim_member *swim_table_find_uid(const swim *s, uint64_t uid)
{
    return swim_table_find_uid_mut((swim *)s, uid);
}

/* ------------------------------------------------------------------ */
/* Probe order                                                         */

static void order_insert(swim *s, step_ctx *ctx, uint32_t slot)
{
    HS_ASSERT(slot < s->cfg.members_cap && s->slot_used[slot]);
    HS_ASSERT(s->order_count < s->cfg.members_cap);
    /* A random position, as memberlist does, so a new member is not always
     * probed last; the cursor keeps pointing at the same next member. */
    uint32_t pos = (uint32_t)rng_below(ctx->rng, (uint64_t)s->order_count + 1);
    memmove(&s->order[pos + 1], &s->order[pos], (s->order_count - pos) * sizeof(uint32_t));
    s->order[pos] = slot;
    s->order_count++;
    if (pos < s->order_next) {
        s->order_next++;
    }
    HS_ASSERT(s->order_next <= s->order_count);
}

static void order_remove(swim *s, uint32_t slot)
{
    HS_ASSERT(slot < s->cfg.members_cap && s->order_count > 0);
    for (uint32_t pos = 0; pos < s->order_count; pos++) {
        if (s->order[pos] != slot) {
            continue;
        }
        memmove(&s->order[pos], &s->order[pos + 1],
                (s->order_count - pos - 1) * sizeof(uint32_t));
        s->order_count--;
        if (pos < s->order_next) {
            s->order_next--;
        }
        return;
    }
    HS_UNREACHABLE();
}

swim_member *swim_table_next_probe_target(swim *s, step_ctx *ctx)
{
    HS_ASSERT(s->order_count <= s->member_count && s->order_next <= s->order_count);
    for (uint32_t tries = 0, most = 2 * s->order_count - s->order_next; tries < most; tries++) {
        if (s->order_next >= s->order_count) {
            rng_shuffle_u32(ctx->rng, s->order, s->order_count);
            s->order_next = 0;
        }
        uint32_t slot = s->order[s->order_next++];
        HS_ASSERT(slot < s->slot_end && s->slot_used[slot]); /* order names members only */
        swim_member *m = &s->slots[slot];
        if (m->state == MEMBER_ALIVE || m->state == MEMBER_SUSPECT) {
            return m;
        }
    }
    return NULL;
}

uint32_t swim_table_pick_alive(swim *s, step_ctx *ctx, uint64_t exclude_uid, uint32_t *slots,
                               uint32_t k)
{
    /* Reservoir sampling over the eligible slots in slot order: one pass,
     * no scratch memory, and the same draws on every run. */
    HS_ASSERT(slots != NULL || k == 0);
    HS_ASSERT(s->slot_end <= s->cfg.members_cap);
    uint32_t seen = 0;
    uint32_t taken = 0;
    for (uint32_t i = 0; i < s->slot_end; i++) {
        if (!s->slot_used[i]) {
            continue;
        }
        const swim_member *m = &s->slots[i];
        if (m->state != MEMBER_ALIVE || m->uid == exclude_uid) {
            continue;
        }
        seen++;
        if (taken < k) {
            slots[taken++] = i;
            continue;
        }
        uint64_t j = rng_below(ctx->rng, seen);
        if (j < k) {
            slots[j] = i;
        }
    }
    HS_ASSERT(taken <= k && taken <= seen);
    return taken;
}

const swim_member *swim_table_next_in_state(const swim *s, uint32_t *cursor, uint8_t a,
                                            uint8_t b)
{
    HS_ASSERT(a <= MEMBER_LEFT && b <= MEMBER_LEFT);
    uint32_t end = s->slot_end;
    HS_ASSERT(end <= s->cfg.members_cap);
    uint32_t start = *cursor < end ? *cursor : 0;
    for (uint32_t step = 0; step < end; step++) {
        uint32_t i = (start + step) % end;
        if (!s->slot_used[i]) {
            continue;
        }
        const swim_member *m = &s->slots[i];
        if (m->state == a || m->state == b) {
            *cursor = i + 1;
            return m;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Add and remove                                                      */

swim_member *swim_table_add(swim *s, step_ctx *ctx, const msg_member *e)
{
    uint64_t key = swim_name_key(&e->name);
    if (s->free_count == 0 || map_contains(&s->by_name, key)) {
        ctx->counters->tables_full++;
        ctx_event(ctx, HS_EV_TABLE_FULL, &e->name, HS_TABLE_MEMBERS, s->cfg.members_cap,
                  s->member_count);
        HS_PROBE(ctx, SWIM_MEMBERS_FULL);
        return NULL;
    }
    uint32_t slot = s->free_slots[--s->free_count];
    swim_member *m = &s->slots[slot];
    memset(m, 0, sizeof(*m));
    m->name = e->name;
    m->name_key = key;
    m->addr = e->addr;
    m->role = e->role;
    m->state = e->state;
    m->incarnation = e->incarnation;
    m->uid = s->next_uid++;
    s->slot_gen[slot] = hs_gen_next(s->slot_gen[slot]);
    m->gen = s->slot_gen[slot];
    m->state_since_ns = ctx->now_ns;
    /* Both maps have the member table's capacity and a free slot exists,
     * so neither put can fail. */
    hs_status st = map_put(&s->by_name, key, slot);
    HS_ASSERT(st == HS_OK);
    st = map_put(&s->by_uid, m->uid, slot);
    HS_ASSERT(st == HS_OK);
    s->slot_used[slot] = true;
    s->member_count++;
    s->members_high = s->member_count > s->members_high ? s->member_count : s->members_high;
    s->dead_count += swim_state_gone(m->state) ? 1u : 0u;
    swim_table_view_changed(s, m);
    if (slot >= s->slot_end) {
        s->slot_end = slot + 1;
    }
    update_retransmit_limit(s);
    order_insert(s, ctx, slot);
    return m;
}

/* The record a gossip entry is about, by its slot: no index lookup. */
static swim_member *gossip_owner(swim *s, const swim_gossip *g)
{
    HS_ASSERT(g->slot == SWIM_GOSSIP_SELF || g->slot < s->cfg.members_cap);
    swim_member *m = g->slot == SWIM_GOSSIP_SELF ? &s->self : &s->slots[g->slot];
    HS_ASSERT(m->uid == g->uid);
    return m;
}

/* Moves the live entries to the front, in order, and renumbers them. */
static void gossip_compact(swim *s)
{
    HS_ASSERT(s->gossip_count <= s->gossip_end && s->gossip_end <= s->cfg.gossip_cap);
    uint32_t out = 0;
    for (uint32_t i = 0; i < s->gossip_end; i++) {
        if (s->gossip[i].uid == SWIM_GOSSIP_HOLE) {
            continue;
        }
        s->gossip[out] = s->gossip[i];
        gossip_owner(s, &s->gossip[out])->gossip_pos = out + 1;
        out++;
    }
    HS_ASSERT(out == s->gossip_count);
    s->gossip_end = out;
}

/* Once holes outnumber the live entries (amortised O(1) per removal);
 * called where no entry index is held. */
static void gossip_maybe_compact(swim *s)
{
    if (s->gossip_end - s->gossip_count > s->gossip_count + SWIM_GOSSIP_SLACK) {
        gossip_compact(s);
    }
}

/* Leaves a hole: every other entry keeps its index. */
static void gossip_remove_at(swim *s, uint32_t i)
{
    HS_ASSERT(i < s->gossip_end && s->gossip[i].uid != SWIM_GOSSIP_HOLE);
    swim_member *owner = gossip_owner(s, &s->gossip[i]);
    HS_ASSERT(owner->gossip_pos == i + 1);
    owner->gossip_pos = 0;
    s->gossip[i].uid = SWIM_GOSSIP_HOLE;
    s->gossip_count--;
    while (s->gossip_end > 0 && s->gossip[s->gossip_end - 1].uid == SWIM_GOSSIP_HOLE) {
        s->gossip_end--;
    }
    HS_ASSERT(s->gossip_count <= s->gossip_end); /* trailing holes trimmed, live ones kept */
}

static void gossip_remove_member(swim *s, const swim_member *m)
{
    if (m->gossip_pos != 0) {
        gossip_remove_at(s, m->gossip_pos - 1);
        gossip_maybe_compact(s);
    }
}

void swim_table_remove(swim *s, step_ctx *ctx, swim_member *m)
{
    uint32_t slot = (uint32_t)(m - s->slots);
    HS_ASSERT(slot < s->cfg.members_cap && s->slot_used[slot]);
    if (m->state == MEMBER_SUSPECT) {
        ctx_timer_cancel(ctx, swim_member_timer(s, SWIM_TIMER_SUSPECT, m));
    }
    if (m->state == MEMBER_DEAD || m->state == MEMBER_LEFT) {
        ctx_timer_cancel(ctx, swim_member_timer(s, SWIM_TIMER_REAP, m));
    }
    if (s->probe_uid == m->uid) {
        if (s->probe_timeout_armed) {
            ctx_timer_cancel(ctx, hs_timer_id(SWIM_TIMER_PROBE_TIMEOUT, 0, (uint32_t)s->probe_seq));
            s->probe_timeout_armed = false;
        }
        s->probe_uid = 0;
    }
    swim_table_view_changed(s, m); /* the slot's record goes away */
    gossip_remove_member(s, m);
    order_remove(s, slot);
    bool removed = map_remove(&s->by_name, m->name_key);
    HS_ASSERT(removed);
    removed = map_remove(&s->by_uid, m->uid);
    HS_ASSERT(removed);
    s->slot_used[slot] = false;
    s->free_slots[s->free_count++] = slot;
    s->dead_count -= swim_state_gone(m->state) ? 1u : 0u;
    s->member_count--;
    while (s->slot_end > 0 && !s->slot_used[s->slot_end - 1]) {
        s->slot_end--;
    }
    update_retransmit_limit(s);
    memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* Gossip queue                                                        */

/* log2(x) in Q16 fixed point, x >= 1, by repeated squaring: integer only,
 * so every compiler and build type computes the same value. */
static uint64_t log2_q16(uint64_t x)
{
    HS_ASSERT(x >= 1);
    uint32_t ip = 0;
    while ((x >> (ip + 1)) != 0) {
        ip++;
    }
    uint64_t result = (uint64_t)ip << 16;
    /* y = x / 2^ip in Q30, so y*y fits in 64 bits. */
    uint64_t y = ip <= 30 ? x << (30 - ip) : x >> (ip - 30);
    for (uint32_t bit = 1; bit <= 16; bit++) {
        y = (y * y) >> 30;
        if (y >= (UINT64_C(1) << 31)) {
            y >>= 1;
            result |= UINT64_C(1) << (16 - bit);
        }
    }
    return result;
}

/* max(1, floor(lambda * ln(n + 1))) for a cluster of n (members plus us);
 * ln(x) = log2(x) * ln 2, and ln 2 in Q16 is 45426.  Recomputed when the
 * member count changes, read by every outgoing message. */
static void update_retransmit_limit(swim *s)
{
    uint64_t n = (uint64_t)s->member_count + 1;
    uint64_t ln_q32 = log2_q16(n + 1) * 45426u;
    uint64_t limit = (s->cfg.retransmit_mult * ln_q32) >> 32;
    uint32_t next = limit < 1 ? 1 : (uint32_t)limit;
    s->gossip_limit_dropped = s->gossip_limit_dropped || next < s->retransmit_limit;
    s->retransmit_limit = next;
}

uint32_t swim_retransmit_limit(const swim *s)
{
    return s->retransmit_limit;
}

void swim_table_gossip_enqueue(swim *s, step_ctx *ctx, swim_member *owner)
{
    HS_ASSERT(owner == &s->self || (owner >= s->slots && owner < s->slots + s->cfg.members_cap));
    /* Newer news about a queued record resets its entry in place. */
    if (owner->gossip_pos != 0) {
        swim_gossip *g = &s->gossip[owner->gossip_pos - 1];
        HS_ASSERT(g->uid == owner->uid);
        g->transmits = 0;
        g->queued_ns = ctx->now_ns;
        return;
    }
    if (s->gossip_count == s->cfg.gossip_cap) {
        /* Evict the most-sent entry (the oldest of those): it has had the
         * most chances to spread already. */
        uint32_t victim = UINT32_MAX;
        for (uint32_t i = 0; i < s->gossip_end; i++) {
            if (s->gossip[i].uid != SWIM_GOSSIP_HOLE &&
                (victim == UINT32_MAX || s->gossip[i].transmits > s->gossip[victim].transmits)) {
                victim = i;
            }
        }
        ctx_event(ctx, HS_EV_TABLE_FULL, NULL, HS_TABLE_GOSSIP, s->cfg.gossip_cap,
                  s->gossip_count);
        gossip_remove_at(s, victim);
        ctx->counters->gossip_evicted++;
        HS_PROBE(ctx, SWIM_GOSSIP_EVICTED);
    }
    if (s->gossip_end == s->cfg.gossip_cap) {
        gossip_compact(s);
    }
    HS_ASSERT(s->gossip_end < s->cfg.gossip_cap);
    swim_gossip *g = &s->gossip[s->gossip_end++];
    s->gossip_count++;
    owner->gossip_pos = s->gossip_end;
    g->uid = owner->uid;
    g->slot = owner == &s->self ? SWIM_GOSSIP_SELF : (uint32_t)(owner - s->slots);
    s->gossip_high = s->gossip_count > s->gossip_high ? s->gossip_count : s->gossip_high;
    g->transmits = 0;
    g->queued_ns = ctx->now_ns;
}

static bool gossip_entry(const swim *s, uint64_t uid, msg_member *out)
{
    if (uid == SWIM_SELF_UID) {
        swim_table_entry_of(&s->self, out);
        return true;
    }
    const swim_member *m = swim_table_find_uid(s, uid);
    if (m == NULL) {
        return false;
    }
    swim_table_entry_of(m, out);
    return true;
}

void swim_table_gossip_expire(swim *s, uint64_t now_ns)
{
    HS_ASSERT(s->gossip_end <= s->cfg.gossip_cap);
    uint64_t max_age = (uint64_t)s->cfg.gossip_max_age_ms * HS_NS_PER_MS;
    for (uint32_t i = 0; i < s->gossip_end; i++) {
        if (s->gossip[i].uid != SWIM_GOSSIP_HOLE && now_ns - s->gossip[i].queued_ns > max_age) {
            gossip_remove_at(s, i);
        }
    }
    gossip_maybe_compact(s);
}

/* The up to k least-sent entries (ties: queue order), in that order, in
 * one pass: an insertion into a short sorted list per entry. */
static uint32_t gossip_least_sent(const swim *s, uint32_t *best, uint32_t k, uint64_t skip_uid)
{
    HS_ASSERT(best != NULL && k > 0);
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->gossip_end; i++) {
        if (s->gossip[i].uid == SWIM_GOSSIP_HOLE ||
            (s->gossip[i].uid == skip_uid && skip_uid != SWIM_SELF_UID)) {
            continue;
        }
        uint32_t t = s->gossip[i].transmits;
        if (n == k && t >= s->gossip[best[n - 1]].transmits) {
            continue;
        }
        uint32_t pos = n < k ? n++ : n - 1;
        while (pos > 0 && s->gossip[best[pos - 1]].transmits > t) {
            best[pos] = best[pos - 1];
            pos--;
        }
        best[pos] = i;
        if (n == k && s->gossip[best[n - 1]].transmits == 0) {
            break; /* k never-sent entries: no later entry ranks before them */
        }
    }
    HS_ASSERT(n <= k && n <= s->gossip_count);
    return n;
}

uint32_t swim_table_gossip_select(swim *s, const swim_member *dest, msg_member *out,
                                  uint32_t max, size_t budget)
{
    uint32_t count = 0;
    uint64_t skip_uid = SWIM_SELF_UID;
    if (dest != NULL && dest->state != MEMBER_ALIVE && max > 0) {
        swim_table_entry_of(dest, &out[count]);
        size_t size = msg_member_size(&out[count]);
        if (size <= budget) {
            budget -= size;
            count++;
            skip_uid = dest->uid;
        }
    }
    uint32_t best[MSG_GOSSIP_SEND_MAX];
    uint32_t k = max - count < MSG_GOSSIP_SEND_MAX ? max - count : MSG_GOSSIP_SEND_MAX;
    uint32_t candidates = gossip_least_sent(s, best, k, skip_uid);
    uint32_t chosen = 0;
    for (; chosen < candidates; chosen++) {
        msg_member entry;
        bool ok = gossip_entry(s, s->gossip[best[chosen]].uid, &entry);
        HS_ASSERT(ok); /* removal paths drop a member's entry with it */
        size_t size = msg_member_size(&entry);
        if (size > budget) {
            break;
        }
        budget -= size;
        out[count++] = entry;
    }
    /* Count the sends; drop entries that reached the retransmit limit.
     * Only the chosen ones can have reached it, unless the limit fell
     * (the member count shrank): then every entry at or above it goes,
     * at the first send that retires one, as it always did. */
    uint32_t limit = swim_retransmit_limit(s);
    bool expired = false;
    for (uint32_t c = 0; c < chosen; c++) {
        expired = ++s->gossip[best[c]].transmits >= limit || expired;
    }
    if (expired && s->gossip_limit_dropped) {
        s->gossip_limit_dropped = false;
        for (uint32_t i = 0; i < s->gossip_end; i++) {
            if (s->gossip[i].uid != SWIM_GOSSIP_HOLE && s->gossip[i].transmits >= limit) {
                gossip_remove_at(s, i);
            }
        }
    } else if (expired) {
        /* Holes never move entries, so the chosen indices stay valid. */
        for (uint32_t c = 0; c < chosen; c++) {
            if (s->gossip[best[c]].uid != SWIM_GOSSIP_HOLE &&
                s->gossip[best[c]].transmits >= limit) {
                gossip_remove_at(s, best[c]);
            }
        }
    }
    gossip_maybe_compact(s);
    return count;
}

/* ------------------------------------------------------------------ */
/* Relays                                                              */

swim_relay *swim_table_relay_add(swim *s, step_ctx *ctx)
{
    for (uint32_t i = 0; i < s->cfg.relays_cap; i++) {
        if (!s->relays[i].live) {
            uint32_t gen = hs_gen_next(s->relays[i].gen);
            memset(&s->relays[i], 0, sizeof(swim_relay));
            s->relays[i].live = true;
            s->relays[i].gen = gen;
            s->relay_count++;
            s->relays_high = s->relay_count > s->relays_high ? s->relay_count : s->relays_high;
            return &s->relays[i];
        }
    }
    ctx->counters->tables_full++;
    ctx_event(ctx, HS_EV_TABLE_FULL, NULL, HS_TABLE_RELAYS, s->cfg.relays_cap, s->relay_count);
    return NULL;
}

const swim_relay *swim_table_relay_find_const(const swim *s, uint64_t seq)
{
    for (uint32_t i = 0; i < s->cfg.relays_cap; i++) {
        if (s->relays[i].live && s->relays[i].seq == seq) {
            return &s->relays[i];
        }
    }
    return NULL;
}

swim_relay *swim_table_relay_find(swim *s, uint64_t seq)
{
    return (swim_relay *)swim_table_relay_find_const(s, seq);
}

void swim_table_relay_remove(swim *s, swim_relay *relay)
{
    HS_ASSERT(relay->live);
    relay->live = false;
    s->relay_count--;
}
