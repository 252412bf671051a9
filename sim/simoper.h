/* The simulated operator: outside clients (hsctl) that open TCP
 * connections to random nodes, issue control requests and check that each
 * one is answered, refused by the host's back-pressure, or ended by the
 * connection being reported closed: a request left hanging on an open
 * connection past the bound is a violation.  Sessions live on simtcp
 * connections tagged SIMOPER_TAG | session.  docs/design/simtcp.md. */
#ifndef SIMOPER_H_
#define SIMOPER_H_

#include "base.h"
#include "msg.h"
#include "rng.h"
#include "simtcp.h"

#define SIMOPER_SESSIONS 8u
#define SIMOPER_PIPELINE 32u  /* requests outstanding per session */
#define SIMOPER_TAG 0x10000u  /* simtcp tag of an operator session */
#define SIMOPER_WHY_MAX 160u

typedef struct {
    bool used;
    bool closing;        /* the operator closed its end */
    uint32_t slot;       /* simtcp connection */
    uint32_t target;     /* node index */
    uint32_t to_send;    /* requests not yet written */
    uint64_t expect[SIMOPER_PIPELINE]; /* request ids, oldest first */
    uint32_t exp_first;
    uint32_t exp_count;
    uint64_t sent_ns[SIMOPER_PIPELINE]; /* when each was written */
    bool close_early;    /* close with requests outstanding */
    bool late;           /* reported overdue once already */
    uint32_t rounds;     /* more bursts to send on this connection later */
    uint32_t burst;      /* requests per burst */
    bool hello_seen;     /* the node's answer to our HELLO arrived */
} simoper_session;

typedef struct {
    uint64_t sessions;
    uint64_t requests;
    uint64_t replies;
    uint64_t error_replies;
    uint64_t refused_replies; /* the node's host refused the reply (back-pressure) */
    uint64_t write_full;      /* the operator's own writes refused by back-pressure */
    uint64_t closed;          /* sessions ended by the node or a reset */
    uint64_t connect_failed;
    uint64_t abandoned;       /* requests outstanding when the connection ended */
    uint64_t table_full;
    uint64_t hello_refused;   /* the node answered our HELLO with an ERROR */
} simoper_stats;

typedef struct {
    rng rng;
    simoper_session s[SIMOPER_SESSIONS];
    uint64_t next_request_id;
    msg_member *list; /* [MSG_MEMBERS_MAX], decoding a MEMBERS_RESP whole */
    msg_counter *counters; /* [MSG_COUNTERS_MAX], decoding a STATS_RESP whole */
    simoper_stats stats;
} simoper;

HS_MUST_USE hs_status simoper_init(simoper *o, uint64_t seed);
void simoper_free(simoper *o);
/* Opens a session to node `target` from beside node `via` with `requests`
 * control requests.  false when no session or connection is free. */
bool simoper_start(simoper *o, simtcp *t, uint64_t now_ns, uint32_t target, uint32_t via,
                   hs_addr target_addr, uint32_t requests, uint32_t rounds, bool close_early);
static inline bool simoper_owns(uint32_t tag)
{
    return (tag & ~0xffu) == SIMOPER_TAG;
}
/* The operator's periodic turn: lingering sessions send their next burst
 * (or close when they have none left).  Idle connections that live across
 * partitions are what stalls and resets need. */
void simoper_tick(simoper *o, simtcp *t, uint64_t now_ns);
/* A reply frame reached the session; false (with why) if it breaks the
 * request/reply contract. */
bool simoper_on_frame(simoper *o, simtcp *t, uint64_t now_ns, uint32_t tag,
                      const uint8_t *bytes, uint32_t len, char *why, size_t why_cap);
/* The session's connection ended (closed by the node, reset, refused). */
void simoper_on_closed(simoper *o, uint32_t tag, hs_status reason);
/* The node's host refused a reply (back-pressure): the request it answers
 * is settled.  false (with why) if it answers no outstanding request. */
bool simoper_on_reply_refused(simoper *o, simtcp *t, uint64_t now_ns, uint32_t tag,
                              const uint8_t *bytes, uint32_t len, char *why, size_t why_cap);
/* A request outstanding longer than bound_ns on an open connection:
 * returns true once per such request (why says which). */
bool simoper_check(simoper *o, uint64_t now_ns, uint64_t bound_ns, char *why, size_t why_cap);

#endif /* SIMOPER_H_ */
