/* Non-blocking UDP.  See udp.h. */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void udp_sockaddr(hs_addr addr, struct sockaddr_in *out)
{
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    out->sin_addr.s_addr = htonl(addr.ip);
    out->sin_port = htons(addr.port);
}

hs_addr udp_from_sockaddr(const struct sockaddr_in *in)
{
    hs_addr addr = {ntohl(in->sin_addr.s_addr), ntohs(in->sin_port)};
    return addr;
}

/* A bigger receive buffer absorbs bursts; the kernel clamps to rmem_max,
 * which is fine, so only a failure of the call itself is reported. */
static void size_buffers(udp *u)
{
    int bytes = (int)UDP_SOCKBUF_BYTES;
    if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0) {
        ioerr_report(u->sink, IOERR_OP_SETSOCKOPT, errno, SO_RCVBUF);
    }
    if (setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0) {
        ioerr_report(u->sink, IOERR_OP_SETSOCKOPT, errno, SO_SNDBUF);
    }
}

hs_status udp_open(udp *u, hs_addr addr, ioerr_sink *sink, int *err)
{
    memset(u, 0, sizeof(*u));
    u->sink = sink;
    *err = 0;
    u->rx = malloc(UDP_RX_BUF);
    if (u->rx == NULL) {
        *err = ENOMEM;
        ioerr_report(sink, IOERR_OP_MALLOC, ENOMEM, UDP_RX_BUF);
        return HS_ERR_NOMEM;
    }
    u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u->fd < 0) {
        *err = errno;
        ioerr_report(sink, IOERR_OP_SOCKET, errno, 0);
        udp_close(u);
        return HS_ERR_IO;
    }
    size_buffers(u);
    struct sockaddr_in sa;
    udp_sockaddr(addr, &sa);
    if (bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        *err = errno;
        ioerr_report(sink, IOERR_OP_BIND, errno, addr.port);
        udp_close(u);
        return HS_ERR_IO;
    }
    return HS_OK;
}

void udp_close(udp *u)
{
    if (u->fd >= 0 && close(u->fd) != 0) {
        ioerr_report(u->sink, IOERR_OP_CLOSE, errno, (uint64_t)u->fd);
    }
    u->fd = -1;
    free(u->rx);
    u->rx = NULL;
}

hs_status udp_recv(udp *u, hs_addr *from, const uint8_t **bytes, uint32_t *len)
{
    struct sockaddr_in sa;
    socklen_t sa_len = sizeof(sa);
    memset(&sa, 0, sizeof(sa));
    ssize_t got = recvfrom(u->fd, u->rx, UDP_RX_BUF, 0, (struct sockaddr *)&sa, &sa_len);
    if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HS_ERR_NOT_FOUND;
        }
        /* ECONNREFUSED and friends are ICMP echoes of earlier sends: report
         * them, and tell the caller to go on draining. */
        ioerr_report(u->sink, IOERR_OP_RECVFROM, errno, 0);
        return HS_ERR_IO;
    }
    u->rx_datagrams++;
    *from = udp_from_sockaddr(&sa);
    *bytes = u->rx;
    *len = (uint32_t)got;
    return HS_OK;
}

void udp_send(udp *u, hs_addr to, const uint8_t *bytes, uint32_t len)
{
    struct sockaddr_in sa;
    udp_sockaddr(to, &sa);
    ssize_t sent = sendto(u->fd, bytes, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
    if (sent < 0) {
        u->tx_dropped++;
        ioerr_report(u->sink, IOERR_OP_SENDTO, errno, hs_addr_key(to));
        return;
    }
    u->tx_datagrams++;
}
