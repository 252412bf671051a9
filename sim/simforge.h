/* Forged datagrams: the "forge" fault class.
 *
 * Honest nodes never send hostile bytes, so without this class forged or
 * corrupt traffic never meets the protocol in a sweep.  Each forged
 * datagram comes from a spoofed address (unused, or another node's) and is
 * one of:
 * - garbage: random bytes, a frame with a bad checksum, or a frame of a
 *   known type whose payload does not decode;
 * - unknown: a valid frame of a type not in the catalogue, or of a
 *   control (TCP) type sent over UDP;
 * - accuse: a valid PING, ACK, SYNC or JOIN whose member list accuses real
 *   members, the receiver included, of SUSPECT, DEAD or LEFT at any
 *   incarnation up to 2^31 - 1;
 * - fake: the same messages carrying ALIVE records of names that are not
 *   cluster members (SIMFORGE fake names "ghost1".."ghostK"), which never
 *   answer and so must be suspected, declared dead and reaped.
 * ALIVE records for real member names are never forged: without
 * authenticated frames no protocol can refute an incarnation its owner
 * never issued (docs/simulator.md).
 *
 * Everything is drawn from the caller's rng, so a forged datagram is a
 * function of its seed and the cluster state it is built against. */
#ifndef SIMFORGE_H_
#define SIMFORGE_H_

#include "base.h"
#include "rng.h"
#include "simopt.h"
#include "step.h"
#include "swim.h"

#define SIMFORGE_DESC_MAX 256u

typedef enum {
    SIMFORGE_GARBAGE = 0,
    SIMFORGE_UNKNOWN = 1,
    SIMFORGE_ACCUSE = 2,
    SIMFORGE_FAKE = 3,
    SIMFORGE_KIND_COUNT
} simforge_kind;

/* The cluster as the forger sees it. */
typedef struct {
    uint32_t nodes;
    uint32_t target;             /* receiver, 0-based */
    const swim *view;            /* the receiver's member table */
    const hs_name *names;        /* [nodes] */
    const hs_addr *addrs;        /* [nodes] */
    const uint32_t *self_inc;    /* [nodes]: own incarnation, for nodes that are up */
    const bool *up;              /* [nodes] */
    const hs_name *fake_names;   /* [fakes], from simforge_fake_name */
    uint32_t fakes;              /* fake names in use, <= SIMOPT_FORGE_FAKES_MAX */
    bool describe;               /* fill desc (trace lines only: it costs) */
} simforge_cluster;

typedef struct {
    uint8_t bytes[HS_UDP_PAYLOAD_MAX];
    uint32_t len;
    hs_addr from;
    uint8_t kind; /* simforge_kind */
    char desc[SIMFORGE_DESC_MAX]; /* empty unless the cluster asked for it */
} simforge_datagram;

/* Forged TCP streams: a fake peer connects from an address no node has
 * and writes one chunk; what must happen to it:
 * - HOST_CLOSES: bytes whose header the stream cannot resynchronise after
 *   (noise, a bad version or flag, a declared length over the limit): the
 *   host closes and core hears CONN_CLOSED with the header's status;
 * - PARTIAL: a valid header and fewer bytes than it declares: the host
 *   closes at the slow timeout (HS_ERR_TRUNCATED);
 * - CORE_CLOSES: a whole frame whose checksum is wrong: core must CLOSE the
 *   connection in the step that receives it;
 * - CORE_REPLIES: a whole frame core answers with an error reply
 *   (undecodable payload, unknown type, a UDP type on TCP), a control
 *   request without a HELLO first (HELLO_MISSING) or a HELLO from another
 *   protocol major (HELLO_REFUSED).  The fake peer closes right after
 *   writing (simtcp_close_after_send: the data still goes). */
typedef enum {
    SIMFORGE_TCP_HOST_CLOSES = 0,
    SIMFORGE_TCP_PARTIAL = 1,
    SIMFORGE_TCP_CORE_CLOSES = 2,
    SIMFORGE_TCP_CORE_REPLIES = 3,
    /* A HELLO core binds, then a bad-checksum frame: core closes the conn
     * and its binding must go in the same step. */
    SIMFORGE_TCP_HELLO_GARBAGE = 4,
    SIMFORGE_TCP_KIND_COUNT
} simforge_tcp_kind;

#define SIMFORGE_TCP_MAX 2048u
#define SIMFORGE_TCP_TAG 0x20000u /* simtcp tag: SIMFORGE_TCP_TAG | kind */

typedef struct {
    uint8_t bytes[SIMFORGE_TCP_MAX];
    uint32_t len;
    uint8_t hello[128]; /* sent before bytes when hello_len > 0 */
    uint32_t hello_len;
    uint32_t from_ip;
    uint8_t kind; /* simforge_tcp_kind */
    char desc[SIMFORGE_DESC_MAX]; /* empty unless describe */
} simforge_stream;

void simforge_stream_build(rng *r, bool describe, simforge_stream *out);
const char *simforge_tcp_kind_name(uint32_t kind);

/* Builds one forged datagram for c->target. */
void simforge_build(rng *r, const simforge_cluster *c, simforge_datagram *out);
/* Fake member k (0-based): "ghost<k+1>"; never a cluster member's name. */
void simforge_fake_name(uint32_t k, hs_name *out);
const char *simforge_kind_name(uint32_t kind);

#endif /* SIMFORGE_H_ */
