/* The TCP peer bindings: which peer (name, role, protocol version,
 * incarnation) each TCP connection's HELLO bound it to.
 *
 * A TCP connection starts with a HELLO in each direction.  Until the
 * connection's HELLO has arrived, every other message on it is refused
 * with an ERROR reply (HS_ERR_STATE), counted (hello_missing) and reported
 * (HELLO_MISSING); an ERROR itself is let through, never answered.  A HELLO
 * with another protocol major is refused with HS_ERR_VERSION, a second
 * HELLO on a bound connection with HS_ERR_STATE, a HELLO beyond the table's
 * capacity with HS_ERR_FULL (counted hello_refused, event HELLO_REFUSED).
 * A binding is removed when the host reports HS_IN_CONN_CLOSED.
 *
 * The table has a fixed capacity (PEERS_MAX) and lives in the node. */
#ifndef HS_PEERS_H_
#define HS_PEERS_H_

#include "ctl_msg.h"
#include "ctx.h"

/* Bound TCP peers per node: control clients and, later, pipeline peers.
 * Connections that never say HELLO take no slot. */
#define PEERS_MAX 128u

typedef struct {
    uint64_t conn_id;
    msg_hello hello;
} peer_binding;

typedef struct {
    peer_binding slots[PEERS_MAX]; /* dense: 0 .. count - 1 */
    uint32_t count;
    uint32_t high_water;
} peers;

typedef enum {
    PEERS_PASS,   /* bound (or an ERROR): route the message */
    PEERS_DONE,   /* a HELLO, bound and answered */
    PEERS_REFUSE, /* refuse with an ERROR reply carrying *code */
} peers_verdict;

void peers_init(peers *p);
/* NULL when the connection has not said HELLO. */
const peer_binding *peers_find(const peers *p, uint64_t conn_id);

/* Gate for one decoded TCP message.  self is the HELLO this node answers
 * with.  Counts and reports every refusal; the caller sends the ERROR. */
peers_verdict peers_on_tcp(peers *p, step_ctx *ctx, const hs_msg_in *in, const msg_hello *self,
                           hs_status *code);
/* The host closed the connection: forget its binding, if any. */
void peers_on_closed(peers *p, uint64_t conn_id);

#endif /* HS_PEERS_H_ */
