/* The TCP peer bindings: which peer (name, role, protocol version,
 * incarnation) each TCP connection's HELLO bound it to.
 *
 * A TCP connection starts with a HELLO in each direction.  Until the
 * connection's HELLO has arrived, every other message on it is refused
 * with an ERROR reply (HS_ERR_STATE), counted (hello_missing) and reported
 * (HELLO_MISSING); an ERROR itself is let through, never answered.  A HELLO
 * with another protocol major is refused with HS_ERR_VERSION, a second
 * HELLO on a bound connection with HS_ERR_STATE (counted hello_refused,
 * event HELLO_REFUSED).
 *
 * The capacity is the [node] key peers_max, allocated at node creation.
 * When the table is full, a new HELLO evicts the least recently active
 * binding and core CLOSEs that connection (counted peers_evicted and
 * tables_full, events TABLE_FULL and PEER_EVICTED): no client can hold
 * the table by saying HELLO and going quiet.
 *
 * A binding is removed when the host reports HS_IN_CONN_CLOSED, and in
 * the same step as every CLOSE core emits (peers_close): the hosts send no
 * CONN_CLOSED for a close core asked for, so a binding never outlives
 * its connection. */
#ifndef HS_PEERS_H_
#define HS_PEERS_H_

#include "ctl_msg.h"
#include "ctx.h"

/* Bounds of the peers_max key.  The default is at least io_real's default
 * TCP conns_max (2048), so a host that takes a connection can bind it. */
#define PEERS_MAX_MIN 1u
#define PEERS_MAX_MAX 65536u
#define PEERS_MAX_DEFAULT 2048u

typedef struct {
    uint64_t conn_id;
    uint64_t active_ns; /* the last step a message on it passed the gate */
    msg_hello hello;
} peer_binding;

typedef struct {
    peer_binding *slots; /* cap entries, dense: 0 .. count - 1 */
    uint32_t cap;
    uint32_t count;
    uint32_t high_water;
} peers;

typedef enum {
    PEERS_PASS,   /* bound (or an ERROR): route the message */
    PEERS_DONE,   /* a HELLO, bound and answered */
    PEERS_REFUSE, /* refuse with an ERROR reply carrying *code */
} peers_verdict;

HS_MUST_USE hs_status peers_init(peers *p, uint32_t cap);
void peers_free(peers *p);
/* NULL when the connection has not said HELLO. */
const peer_binding *peers_find(const peers *p, uint64_t conn_id);

/* Gate for one decoded TCP message.  self is the HELLO this node answers
 * with.  Counts and reports every refusal; the caller sends the ERROR. */
peers_verdict peers_on_tcp(peers *p, step_ctx *ctx, const hs_msg_in *in, const msg_hello *self,
                           hs_status *code);
/* The host closed the connection: forget its binding, if any. */
void peers_on_closed(peers *p, uint64_t conn_id);
/* Core closes the connection: the CLOSE output and the binding's removal
 * in one step.  The only way core emits a CLOSE. */
void peers_close(peers *p, step_ctx *ctx, uint64_t conn_id);
/* Sends a frame on the stream `in` came on; one that does not go out ends
 * the stream (peers_close), so the peer never reads past a hole.  The
 * failure is handled and reported here: callers may ignore the status. */
hs_status peers_send(peers *p, step_ctx *ctx, const hs_msg_in *in, uint16_t type,
                     const void *body);

#endif /* HS_PEERS_H_ */
