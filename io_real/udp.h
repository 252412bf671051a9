/* Non-blocking UDP socket for SWIM.
 *
 * Datagrams are received into a 64 KiB buffer, larger than any datagram
 * the node accepts, so an oversized datagram reaches core whole and is
 * rejected and counted there instead of being truncated here.  The host
 * drains at most UDP_DRAIN_MAX datagrams per loop iteration so a flood
 * cannot starve TCP or timers (the socket is level-triggered). */
#ifndef UDP_H_
#define UDP_H_

#include "base.h"
#include "ioerr.h"

#define UDP_RX_BUF (64u * 1024u)
#define UDP_DRAIN_MAX 64u
#define UDP_SOCKBUF_BYTES (4u * 1024u * 1024u) /* asked for; the kernel may clamp */

typedef struct {
    int fd;
    uint8_t *rx;
    ioerr_sink *sink;
    uint64_t rx_datagrams;
    uint64_t tx_datagrams;
    uint64_t tx_dropped; /* sendto failed: UDP is lossy, SWIM copes */
} udp;

/* Binds addr; on failure *err holds errno (EADDRINUSE for a taken port). */
HS_MUST_USE hs_status udp_open(udp *u, hs_addr addr, ioerr_sink *sink, int *err);
void udp_close(udp *u);

/* One datagram: HS_OK with *bytes (valid until the next call) and *len,
 * HS_ERR_NOT_FOUND when none is waiting, HS_ERR_IO on a reported error. */
HS_MUST_USE hs_status udp_recv(udp *u, hs_addr *from, const uint8_t **bytes, uint32_t *len);
/* Sends one datagram; failures are reported and counted, never retried. */
void udp_send(udp *u, hs_addr to, const uint8_t *bytes, uint32_t len);

/* sockaddr conversion shared with tcp.c and hsctl. */
struct sockaddr_in;
void udp_sockaddr(hs_addr addr, struct sockaddr_in *out);
hs_addr udp_from_sockaddr(const struct sockaddr_in *in);

#endif /* UDP_H_ */
