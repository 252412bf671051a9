/* Simulated network: datagram pool, fault draws, link cuts. */
#include "simnet.h"

#include <stdlib.h>
#include <string.h>

#include "simdist.h"

hs_status simnet_init(simnet *net, uint32_t nodes, uint32_t cap, const simnet_params *p,
                      uint64_t seed)
{
    memset(net, 0, sizeof(*net));
    if (nodes == 0 || nodes > SIMNET_NODES_MAX || cap == 0 ||
        p->latency_mean_ns < p->latency_min_ns) {
        return HS_ERR_INVALID;
    }
    net->msgs = calloc(cap, sizeof(simnet_msg));
    net->payloads = calloc(cap, SIMNET_PAYLOAD_MAX);
    net->free_slots = calloc(cap, sizeof(uint32_t));
    net->row_words = simset_words_for(nodes);
    net->blocked = calloc((size_t)nodes * net->row_words, sizeof(uint64_t));
    if (net->msgs == NULL || net->payloads == NULL || net->free_slots == NULL ||
        net->blocked == NULL) {
        simnet_free(net);
        return HS_ERR_NOMEM;
    }
    /* Lowest slot on top of the stack. */
    for (uint32_t i = 0; i < cap; i++) {
        net->free_slots[i] = cap - 1 - i;
    }
    net->free_count = cap;
    net->cap = cap;
    net->nodes = nodes;
    net->p = *p;
    rng_seed(&net->rng, seed);
    return HS_OK;
}

void simnet_free(simnet *net)
{
    free(net->msgs);
    free(net->payloads);
    free(net->free_slots);
    free(net->blocked);
    memset(net, 0, sizeof(*net));
}

void simnet_set_params(simnet *net, const simnet_params *p)
{
    HS_ASSERT(p->latency_mean_ns >= p->latency_min_ns);
    net->p = *p;
}

static uint64_t *row(const simnet *net, uint32_t from)
{
    HS_ASSERT(from < net->nodes);
    return &net->blocked[(size_t)from * net->row_words];
}

void simnet_cut(simnet *net, const simset *from, const simset *to)
{
    for (uint32_t i = 0; i < net->nodes; i++) {
        if (!simset_has(from, i)) {
            continue;
        }
        uint64_t *r = row(net, i);
        uint64_t any = 0;
        for (uint32_t k = 0; k < net->row_words; k++) {
            any |= r[k];
            r[k] |= to->w[k];
        }
        r[i / 64] &= ~(UINT64_C(1) << (i % 64)); /* a node always reaches itself */
        uint64_t now = 0;
        for (uint32_t k = 0; k < net->row_words; k++) {
            now |= r[k];
        }
        net->cut_rows += any == 0 && now != 0 ? 1u : 0u;
    }
}

void simnet_partition(simnet *net, const simset *group_a, const simset *group_b, bool one_way)
{
    /* One way: a still reaches b, but b's replies never reach a. */
    simnet_cut(net, group_b, group_a);
    if (!one_way) {
        simnet_cut(net, group_a, group_b);
    }
}

void simnet_isolate(simnet *net, uint32_t node)
{
    HS_ASSERT(node < net->nodes);
    simset one;
    simset_clear(&one);
    simset_add(&one, node);
    simset rest;
    simset_all(&rest, net->nodes);
    simset_minus(&rest, &rest, &one);
    simnet_partition(net, &one, &rest, false);
}

void simnet_heal(simnet *net)
{
    memset(net->blocked, 0, (size_t)net->nodes * net->row_words * sizeof(uint64_t));
    net->cut_rows = 0;
}

bool simnet_any_cut(const simnet *net)
{
    return net->cut_rows != 0;
}

static uint32_t take_slot(simnet *net)
{
    HS_ASSERT(net->free_count > 0);
    uint32_t slot = net->free_slots[--net->free_count];
    uint32_t used = net->cap - net->free_count;
    if (used > net->high_water) {
        net->high_water = used;
    }
    return slot;
}

static uint64_t draw_latency(simnet *net, bool *spiked)
{
    const simnet_params *p = &net->p;
    uint64_t d = simdist_delay(&net->rng, p->latency_min_ns, p->latency_mean_ns);
    if (p->tail_ppm != 0 && p->tail_max_ns != 0 && rng_chance_ppm(&net->rng, p->tail_ppm)) {
        d += rng_range(&net->rng, 0, p->tail_max_ns);
        *spiked = true;
    }
    return d;
}

static void fill(simnet *net, uint32_t slot, uint32_t from, uint32_t to, hs_channel channel,
                 const uint8_t *bytes, uint32_t len, uint32_t from_gen, uint32_t to_gen,
                 uint8_t copy)
{
    simnet_msg *m = &net->msgs[slot];
    m->from = (uint16_t)from;
    m->to = (uint16_t)to;
    m->channel = (uint8_t)channel;
    m->copy = copy;
    m->len = len;
    m->from_gen = from_gen;
    m->to_gen = to_gen;
    if (len > 0) {
        memcpy(net->payloads + (size_t)slot * SIMNET_PAYLOAD_MAX, bytes, len);
    }
}

hs_status simnet_send(simnet *net, uint64_t now_ns, uint32_t from, uint32_t to,
                      hs_channel channel, const uint8_t *bytes, uint32_t len, uint32_t from_gen,
                      uint32_t to_gen, simnet_send_result *res)
{
    memset(res, 0, sizeof(*res));
    HS_ASSERT(from < net->nodes && to < net->nodes);
    /* TCP is connections, not datagrams: io_sim/simtcp.h. */
    HS_ASSERT(channel == HS_CH_UDP);
    if (len > SIMNET_PAYLOAD_MAX) {
        return HS_ERR_LIMIT;
    }
    net->stats.sent++;
    if (!simnet_link_ok(net, from, to)) {
        res->cut = true;
        net->stats.cut++;
        return HS_OK;
    }
    /* Room for a possible duplicate is required up front, so a full pool
     * never depends on a draw. */
    if (net->free_count < 2) {
        net->stats.pool_full++;
        return HS_ERR_FULL;
    }
    const simnet_params *p = &net->p;
    if (rng_chance_ppm(&net->rng, p->loss_ppm)) {
        res->lost = true;
        net->stats.lost++;
        return HS_OK;
    }
    uint32_t copies = rng_chance_ppm(&net->rng, p->dup_ppm) ? 2u : 1u;
    res->duplicated = copies == 2;
    for (uint32_t c = 0; c < copies; c++) {
        bool spiked = false;
        uint64_t d = draw_latency(net, &spiked);
        if (p->reorder_max_ns != 0 && rng_chance_ppm(&net->rng, p->reorder_ppm)) {
            d += rng_range(&net->rng, 0, p->reorder_max_ns);
            res->reordered = true;
        }
        res->spiked = res->spiked || spiked;
        uint32_t slot = take_slot(net);
        fill(net, slot, from, to, HS_CH_UDP, bytes, len, from_gen, to_gen, (uint8_t)c);
        res->slots[c] = slot;
        res->at_ns[c] = now_ns + d;
    }
    res->count = copies;
    net->stats.duplicated += res->duplicated ? 1u : 0u;
    net->stats.reordered += res->reordered ? 1u : 0u;
    net->stats.spiked += res->spiked ? 1u : 0u;
    return HS_OK;
}

const simnet_msg *simnet_msg_at(const simnet *net, uint32_t slot)
{
    HS_ASSERT(slot < net->cap);
    return &net->msgs[slot];
}

const uint8_t *simnet_payload(const simnet *net, uint32_t slot)
{
    HS_ASSERT(slot < net->cap);
    return net->payloads + (size_t)slot * SIMNET_PAYLOAD_MAX;
}

void simnet_release(simnet *net, uint32_t slot)
{
    HS_ASSERT(slot < net->cap);
    HS_ASSERT(net->free_count < net->cap);
    net->free_slots[net->free_count++] = slot;
}
