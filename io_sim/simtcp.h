/* Simulated TCP: a bounded table of connections between nodes and outside
 * clients (the simulated operator, forged peers), each with two ordered
 * frame queues, connect latency and refusal, back-pressure, stalls at cut
 * links that end in a reset, and close.  docs/design/simtcp.md.
 *
 * What the host of a node end sees is what io_real/tcp.c gives core:
 * - conn ids: 64-bit, never 0, never reused by that node's host (io_real:
 *   per process; here per node across restarts, which core cannot tell);
 * - a RECV per whole frame (header included), from = the peer's address
 *   (an outside client's or an opening node's ephemeral port), conn_id;
 * - CONN_CLOSED when the connection ends without core asking: HS_OK for a
 *   peer's close (FIN), HS_ERR_IO for a reset (peer crashed, link stalled
 *   past the stall timeout), the frame_parse_header status for a header the
 *   stream cannot resynchronise after, HS_ERR_TRUNCATED for a frame that
 *   stopped half-way (io_real's slow-client reason);
 * - no CONN_CLOSED for a CLOSE core asked for (io_real tcp_close).
 *
 * Streams.  A sender writes whole frames (a forged peer may write any
 * chunk).  Frames of one direction are delivered in write order, each
 * after a drawn latency and never before its predecessor; each carries a
 * sequence number the receiver side checks, so a frame out of order, after
 * a hole or after the end closed is a reported violation, never silent.
 * A connection ends as a whole: nothing is delivered after a reset.
 *
 * Back-pressure.  Each direction buffers at most sendbuf_bytes of frames
 * written but not yet delivered (a frame always fits an empty buffer, as
 * io_real's queue always takes one maximal reply) and SIMTCP_DIR_FRAMES
 * frames; a write beyond that is refused with HS_ERR_FULL, which the
 * simulator hands back to core as HS_IN_SEND_FAILED.
 *
 * Links.  An end names the node whose links its packets cross (via): the
 * node itself, the node an outside client runs beside, or SIMTCP_NONE
 * (never cut).  Data held at a cut link stalls; stalled for
 * stall_timeout_ns, the connection is reset at both ends.  A SYN held at a
 * cut link times out after connect_timeout_ns.
 *
 * The table never calls back from simtcp_send, simtcp_node_send or
 * simtcp_node_close, so the simulator can execute a step's outputs without
 * re-entering a node; the hooks run from simtcp_wake only. */
#ifndef SIMTCP_H_
#define SIMTCP_H_

#include "base.h"
#include "frame.h"
#include "rng.h"
#include "simnet.h"

#define SIMTCP_CONNS_MAX 128u
#define SIMTCP_DIR_FRAMES 64u
#define SIMTCP_NODES_MAX SIMNET_NODES_MAX
#define SIMTCP_FRAME_MAX (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)
/* An end on no node; a via that is never cut.  Above every node index: the
 * ends were 8 bits once, and node 256 + 255 read as "no node". */
#define SIMTCP_NONE 0xffffu
#define SIMTCP_EPHEMERAL_BASE 40000u /* client ports: base + a counter mod 16384 */

typedef struct {
    uint64_t connect_timeout_ns; /* a SYN held at a cut link this long: timed out */
    uint64_t stall_timeout_ns;   /* data held at a cut link this long: reset */
    uint64_t slow_timeout_ns;    /* a partial frame held this long: closed */
    uint32_t sendbuf_bytes;      /* per direction, written and not yet delivered */
} simtcp_params;

typedef enum {
    SIMTCP_FREE = 0,
    SIMTCP_SYN,     /* connect in progress (or its refusal travelling back) */
    SIMTCP_OPEN,
    SIMTCP_CLOSING, /* one end closed; its FIN (or reset) travels to the other */
} simtcp_state;

typedef struct {
    uint16_t node; /* node index, or SIMTCP_NONE for an outside client */
    uint16_t via;  /* node whose links this end's packets cross, or SIMTCP_NONE */
    bool open;     /* this end's host still holds the connection */
    uint32_t gen;  /* the node's process generation the end belongs to */
    uint64_t id;   /* conn id at this end's host; 0 until assigned */
    hs_addr addr;  /* this end's address as the other end sees it */
} simtcp_end;

typedef struct {
    uint64_t at_ns; /* due at the receiver */
    uint64_t seq;   /* 1, 2, ... per direction */
    uint32_t off;   /* in the direction's byte buffer */
    uint32_t len;
} simtcp_frame;

/* dir[d] carries end[d] -> end[1 - d]. */
typedef struct {
    uint8_t *buf;
    uint32_t buf_cap;
    uint32_t head;   /* first byte not yet delivered */
    uint32_t tail;
    simtcp_frame frames[SIMTCP_DIR_FRAMES];
    uint32_t first;  /* ring of queued frames */
    uint32_t count;
    uint64_t next_seq;
    uint64_t delivered_seq; /* checked: every delivery is delivered_seq + 1 */
    uint64_t last_at_ns;    /* FIFO: nothing due before the previous frame */
    uint64_t resume_at_ns;  /* nothing due before this (connect done, link healed) */
    bool fin;               /* the sender closed: after the frames, the end */
    hs_status fin_reason;   /* HS_OK for a close, HS_ERR_IO for a reset */
    uint64_t fin_at_ns;
    bool held;              /* the receiver holds a partial frame: nothing more */
    /* Frames of this direction discarded when the other end went, not yet
     * reported to their sender: it hears them (SEND_FAILED) with its close,
     * as io_real reports a dropped queue. */
    uint32_t lost;
    uint16_t lost_type;     /* the first of them */
} simtcp_dir;

typedef struct {
    uint8_t state;  /* simtcp_state */
    bool refused;   /* SYN: the acceptor refused; deadline is when the opener hears */
    bool late_reported;
    /* SYN: the opener wrote and closed before the handshake completed; as
     * a kernel would, the data and then the FIN leave once it does. */
    bool close_on_open;
    uint32_t gen;   /* bumped when the slot is freed */
    uint32_t tag;   /* the opener's: who the connection belongs to */
    simtcp_end end[2]; /* 0: opener, 1: acceptor */
    simtcp_dir dir[2];
    uint64_t syn_at_ns;       /* SYN: reaches the acceptor */
    uint64_t deadline_ns;     /* SYN: times out (or the refusal arrives) */
    uint64_t stall_since_ns;  /* data due at a cut link since; 0 = none */
    uint64_t partial_since_ns;
    uint64_t closed_at_ns;    /* CLOSING: when the first end closed */
} simtcp_conn;

typedef struct {
    /* The node is up and listening; *gen is its process generation. */
    bool (*listening)(void *ctx, uint32_t node, uint32_t *gen);
    /* (Re-)arms the single wake-up of slot at at_ns (HS_TIME_NEVER: none). */
    void (*arm)(void *ctx, uint32_t slot, uint64_t at_ns);
    /* A whole frame reached end e of slot. */
    void (*frame)(void *ctx, uint32_t slot, uint32_t e, const uint8_t *bytes, uint32_t len);
    /* The connection ended at end e without that end asking (for an
     * outside opener also: connect refused or timed out). */
    void (*closed)(void *ctx, uint32_t slot, uint32_t e, hs_status reason);
    /* Frames a node queued that will never arrive: on a connect that
     * failed (conn_id 0), or on a connection reset or closed under them.
     * Coalesced: frames of them, msg_type the first. */
    void (*send_failed)(void *ctx, uint32_t node, hs_addr to, uint64_t conn_id,
                        uint16_t msg_type, hs_status reason, uint32_t frames);
    /* An invariant of the stream model broke (a simulator bug). */
    void (*violation)(void *ctx, uint32_t slot, const char *what);
    void *ctx;
} simtcp_hooks;

typedef struct {
    uint64_t connects;
    uint64_t accepted;
    uint64_t refused;
    uint64_t connect_timeouts;
    uint64_t frames;          /* written */
    uint64_t delivered;
    uint64_t full;            /* writes refused by back-pressure */
    uint64_t too_large;
    uint64_t discarded;       /* frames dropped by a reset or sent to a closed end */
    uint64_t frames_failed;   /* of them, reported to their sender (SEND_FAILED) */
    uint64_t resets;          /* stall timeouts */
    uint64_t closes;
    uint64_t header_errors;
    uint64_t partial_timeouts;
    uint64_t violations;
} simtcp_stats;

typedef struct {
    simtcp_params p;
    const simnet *net;  /* links and latency parameters */
    rng rng;
    simtcp_hooks h;
    simtcp_conn *conns;
    uint64_t live[SIMTCP_CONNS_MAX / 64]; /* bit per slot in use: scans skip the rest */
    uint32_t cap;
    uint32_t used;
    uint32_t high_water;
    uint64_t next_id[SIMTCP_NODES_MAX];
    uint64_t next_outside_id;
    uint32_t next_port;
    uint8_t *scratch;   /* one frame copied out before a hook runs */
    simtcp_stats stats;
} simtcp;

HS_MUST_USE hs_status simtcp_init(simtcp *t, uint32_t cap, const simtcp_params *p,
                                  const simnet *net, uint64_t seed, const simtcp_hooks *h);
void simtcp_free(simtcp *t);
HS_MUST_USE hs_status simtcp_params_check(const simtcp_params *p);

/* An outside client at from_ip (its packets cross via's links) connects to
 * node `to` at to_addr.  HS_ERR_FULL when the table is full. */
HS_MUST_USE hs_status simtcp_connect(simtcp *t, uint64_t now_ns, uint32_t from_ip, uint32_t via,
                                     uint32_t to, hs_addr to_addr, uint32_t tag,
                                     uint32_t *slot);
/* Writes bytes at end e.  HS_ERR_FULL (back-pressure), HS_ERR_LIMIT (more
 * than SIMTCP_FRAME_MAX), HS_ERR_CLOSED (the end is closed). */
HS_MUST_USE hs_status simtcp_send(simtcp *t, uint64_t now_ns, uint32_t slot, uint32_t e,
                                  const uint8_t *bytes, uint32_t len);
/* A node's SEND.  conn_id != 0: on that connection at the node
 * (HS_ERR_CLOSED when it has none by that id).  conn_id 0: on the node's
 * link to node `to` at to_addr, opened when there is none (io_real's
 * outbound links); self is the node's address (the port is replaced by an
 * ephemeral one).  *slot names the connection on success. */
HS_MUST_USE hs_status simtcp_node_send(simtcp *t, uint64_t now_ns, uint32_t node, uint64_t conn_id,
                                       hs_addr self, uint32_t to, hs_addr to_addr,
                                       const uint8_t *bytes, uint32_t len, uint32_t *slot);
/* Closes end e gracefully: frames it wrote are delivered, then the end;
 * frames toward it are discarded.  No hook for e: it asked. */
void simtcp_close(simtcp *t, uint64_t now_ns, uint32_t slot, uint32_t e);
/* The opener (end 0) closes right after writing: as with a kernel socket,
 * data written before the handshake completed still goes, then the FIN
 * (simtcp_close in the SYN state drops the connection instead).  Hooks
 * for end 0 may still fire until the handshake completes. */
void simtcp_close_after_send(simtcp *t, uint64_t now_ns, uint32_t slot);
/* A node's CLOSE: false when the node has no connection by that id. */
bool simtcp_node_close(simtcp *t, uint64_t now_ns, uint32_t node, uint64_t conn_id);
/* The node's process died: each of its ends vanishes and the other end
 * hears a reset after a latency (or at the stall timeout across a cut). */
void simtcp_node_down(simtcp *t, uint64_t now_ns, uint32_t node);
/* Call after the links changed: stalled streams resume where healed. */
void simtcp_links_changed(simtcp *t, uint64_t now_ns);
/* The slot's wake-up fired: deliver what is due, time out what is late. */
void simtcp_wake(simtcp *t, uint64_t now_ns, uint32_t slot);
/* Reports (once each) connections closed at one end longer than bound_ns
 * ago whose other end was not told; returns how many are late now. */
uint32_t simtcp_check_closes(simtcp *t, uint64_t now_ns, uint64_t bound_ns);

const simtcp_conn *simtcp_conn_at(const simtcp *t, uint32_t slot);
/* The slot of the node's connection by id, or -1. */
int32_t simtcp_find(const simtcp *t, uint32_t node, uint64_t conn_id);
static inline uint32_t simtcp_count(const simtcp *t) { return t->used; }

#endif /* SIMTCP_H_ */
