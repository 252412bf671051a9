/* Simulated network between the nodes of one cluster.
 *
 * The network owns a bounded pool of messages in flight; the simulator's
 * event queue owns their delivery times.  A send draws, from the network's
 * own rng stream, whether the datagram is lost, duplicated or delayed extra
 * (reordering), and its latency (minimum, mean, occasional tail spike).
 *
 * Only HS_CH_UDP datagrams travel here, and every fault applies to them.
 * TCP is modelled as connections by io_sim/simtcp.h, which reads the links
 * and the latency parameters from this module.
 *
 * Links: row `from` of the blocked bit matrix holds the destinations
 * that from cannot reach.  A symmetric partition cuts both directions between two groups;
 * an asymmetric one cuts a single direction, so one side still sends but
 * never hears back.  Links are checked at send and again at delivery. */
#ifndef SIMNET_H_
#define SIMNET_H_

#include "base.h"
#include "rng.h"
#include "simset.h"
#include "step.h"

#define SIMNET_NODES_MAX SIMSET_BITS
#define SIMNET_PAYLOAD_MAX HS_UDP_PAYLOAD_MAX

typedef struct {
    uint32_t loss_ppm;     /* UDP datagram dropped */
    uint32_t dup_ppm;      /* UDP datagram delivered twice (independent latencies) */
    uint32_t reorder_ppm;  /* UDP datagram delayed by up to reorder_max_ns extra */
    uint32_t tail_ppm;     /* latency spike of up to tail_max_ns extra (UDP and simtcp) */
    uint64_t reorder_max_ns;
    uint64_t tail_max_ns;
    uint64_t latency_min_ns;
    uint64_t latency_mean_ns;
} simnet_params;

typedef struct {
    uint16_t from;
    uint16_t to;
    uint8_t channel;  /* hs_channel: HS_CH_UDP */
    uint8_t copy;     /* 1 for a duplicate */
    uint32_t len;
    uint32_t from_gen; /* sender's process generation at send */
    uint32_t to_gen;   /* receiver's process generation at send */
} simnet_msg;

/* What a send decided.  Deliveries are queued by the caller. */
typedef struct {
    uint32_t count;      /* 0, 1 or 2 copies to deliver */
    uint32_t slots[2];
    uint64_t at_ns[2];
    bool lost;           /* dropped by loss */
    bool cut;            /* dropped because the link is cut */
    bool duplicated;
    bool reordered;
    bool spiked;
} simnet_send_result;

typedef struct {
    uint64_t sent;
    uint64_t lost;
    uint64_t cut;
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t spiked;
    uint64_t pool_full;
} simnet_stats;

typedef struct {
    simnet_params p;
    rng rng;
    uint32_t nodes;
    uint32_t row_words;   /* words per row of blocked: ceil(nodes / 64) */
    uint64_t *blocked;    /* nodes rows: bit to of row from is set when cut */
    uint32_t cut_rows;    /* rows with a bit set (simnet_any_cut in O(1)) */
    simnet_msg *msgs;
    uint8_t *payloads;    /* cap * SIMNET_PAYLOAD_MAX */
    uint32_t *free_slots; /* LIFO: reuse keeps the touched memory small */
    uint32_t free_count;
    uint32_t cap;
    uint32_t high_water;
    simnet_stats stats;
} simnet;

HS_MUST_USE hs_status simnet_init(simnet *net, uint32_t nodes, uint32_t cap,
                                  const simnet_params *p, uint64_t seed);
void simnet_free(simnet *net);
void simnet_set_params(simnet *net, const simnet_params *p);

/* Queues bytes from -> to.  HS_ERR_FULL when the pool is exhausted,
 * HS_ERR_LIMIT when len exceeds SIMNET_PAYLOAD_MAX; nothing is queued then. */
HS_MUST_USE hs_status simnet_send(simnet *net, uint64_t now_ns, uint32_t from, uint32_t to,
                                  hs_channel channel, const uint8_t *bytes, uint32_t len,
                                  uint32_t from_gen, uint32_t to_gen, simnet_send_result *res);
const simnet_msg *simnet_msg_at(const simnet *net, uint32_t slot);
const uint8_t *simnet_payload(const simnet *net, uint32_t slot);
void simnet_release(simnet *net, uint32_t slot);
static inline uint32_t simnet_in_flight(const simnet *net) { return net->cap - net->free_count; }

/* Links. */
/* Inline: it runs at every send and every delivery. */
static inline bool simnet_link_ok(const simnet *net, uint32_t from, uint32_t to)
{
    HS_ASSERT(from < net->nodes && to < net->nodes);
    if (net->cut_rows == 0) {
        return true; /* the common case: no partition, no matrix read */
    }
    return (net->blocked[(size_t)from * net->row_words + to / 64] >> (to % 64) & 1u) == 0;
}
/* Cuts every link from a node in from to a node in to. */
void simnet_cut(simnet *net, const simset *from, const simset *to);
void simnet_partition(simnet *net, const simset *group_a, const simset *group_b, bool one_way);
void simnet_isolate(simnet *net, uint32_t node);
void simnet_heal(simnet *net);
bool simnet_any_cut(const simnet *net);

#endif /* SIMNET_H_ */
