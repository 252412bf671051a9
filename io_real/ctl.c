/* Blocking request/reply control client.  See ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "loop.h"
#include "udp.h"

#define CTL_REQ_MAX 64u

typedef struct {
    int fd;
    uint64_t deadline_ns;
    char *err;
    size_t err_cap;
    char addr[HS_ADDR_STR_MAX];
} ctl_conn;

static int remaining_ms(const ctl_conn *c)
{
    uint64_t now = loop_now_ns(NULL);
    if (now >= c->deadline_ns) {
        return 0;
    }
    return (int)((c->deadline_ns - now + HS_NS_PER_MS - 1) / HS_NS_PER_MS);
}

static hs_status wait_fd(ctl_conn *c, short events, const char *what)
{
    for (;;) {
        struct pollfd p = {c->fd, events, 0};
        int ms = remaining_ms(c);
        int n = ms == 0 ? 0 : poll(&p, 1, ms);
        if (n > 0) {
            return HS_OK;
        }
        if (n == 0) {
            snprintf(c->err, c->err_cap, "%s: timed out %s", c->addr, what);
            return HS_ERR_IO;
        }
        if (errno != EINTR) {
            snprintf(c->err, c->err_cap, "%s: poll: %s", c->addr, strerror(errno));
            return HS_ERR_IO;
        }
    }
}

static hs_status dial(ctl_conn *c, hs_addr addr)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(c->err, c->err_cap, "socket: %s", strerror(errno));
        return HS_ERR_IO;
    }
    struct sockaddr_in sa;
    udp_sockaddr(addr, &sa);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        return HS_OK;
    }
    if (errno != EINPROGRESS) {
        snprintf(c->err, c->err_cap, "%s: connect: %s", c->addr, strerror(errno));
        return HS_ERR_IO;
    }
    hs_status status = wait_fd(c, POLLOUT, "connecting");
    if (status != HS_OK) {
        return status;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
        snprintf(c->err, c->err_cap, "%s: connect: %s", c->addr,
                 strerror(soerr != 0 ? soerr : errno));
        return HS_ERR_IO;
    }
    return HS_OK;
}

static hs_status send_all(ctl_conn *c, const uint8_t *bytes, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(c->fd, bytes + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            hs_status status = wait_fd(c, POLLOUT, "sending");
            if (status != HS_OK) {
                return status;
            }
            continue;
        }
        snprintf(c->err, c->err_cap, "%s: send: %s", c->addr, strerror(errno));
        return HS_ERR_IO;
    }
    return HS_OK;
}

static hs_status recv_all(ctl_conn *c, uint8_t *bytes, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = recv(c->fd, bytes + done, len - done, 0);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0) {
            snprintf(c->err, c->err_cap, "%s: connection closed before the reply ended",
                     c->addr);
            return HS_ERR_TRUNCATED;
        }
        if (errno == EAGAIN || errno == EINTR) {
            hs_status status = wait_fd(c, POLLIN, "waiting for the reply");
            if (status != HS_OK) {
                return status;
            }
            continue;
        }
        snprintf(c->err, c->err_cap, "%s: recv: %s", c->addr, strerror(errno));
        return HS_ERR_IO;
    }
    return HS_OK;
}

/* Reads one whole frame into a malloc'd buffer (*frame, freed by caller). */
static hs_status read_frame(ctl_conn *c, uint8_t **frame, frame_header *header)
{
    uint8_t head[FRAME_HEADER_LEN];
    hs_status status = recv_all(c, head, sizeof(head));
    if (status != HS_OK) {
        return status;
    }
    status = frame_parse_header(head, sizeof(head), FRAME_TCP_PAYLOAD_MAX, header);
    if (status != HS_OK) {
        snprintf(c->err, c->err_cap, "%s: bad reply header: %s", c->addr, hs_status_text(status));
        return status;
    }
    *frame = malloc(FRAME_HEADER_LEN + header->length);
    if (*frame == NULL) {
        snprintf(c->err, c->err_cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    memcpy(*frame, head, sizeof(head));
    return recv_all(c, *frame + FRAME_HEADER_LEN, header->length);
}

static hs_status refused(ctl_conn *c, const uint8_t *payload, uint32_t len)
{
    msg m;
    memset(&m, 0, sizeof(m));
    if (msg_decode(MSG_ERROR, payload, len, &m) != HS_OK) {
        snprintf(c->err, c->err_cap, "%s: node sent an undecodable error reply", c->addr);
        return HS_ERR_MALFORMED;
    }
    snprintf(c->err, c->err_cap, "%s: node refused the request: %s (%.*s)", c->addr,
             hs_status_name((hs_status)m.u.error.code), (int)m.u.error.detail_len,
             m.u.error.detail);
    return HS_ERR_STATE;
}

static hs_status decode_reply(ctl_conn *c, const uint8_t *frame, uint16_t want, msg *resp)
{
    frame_header header;
    const uint8_t *payload = NULL;
    uint32_t total = FRAME_HEADER_LEN;
    hs_status status = frame_parse_header(frame, FRAME_HEADER_LEN, FRAME_TCP_PAYLOAD_MAX, &header);
    if (status == HS_OK) {
        total += header.length;
        status = frame_decode(frame, total, FRAME_TCP_PAYLOAD_MAX, &header, &payload);
    }
    if (status != HS_OK) {
        snprintf(c->err, c->err_cap, "%s: bad reply frame: %s", c->addr, hs_status_text(status));
        return status;
    }
    if (header.type == MSG_ERROR) {
        return refused(c, payload, header.length);
    }
    if (header.type != want) {
        snprintf(c->err, c->err_cap, "%s: unexpected reply type %u", c->addr, header.type);
        return HS_ERR_TYPE;
    }
    status = msg_decode(header.type, payload, header.length, resp);
    if (status != HS_OK) {
        snprintf(c->err, c->err_cap, "%s: undecodable reply: %s", c->addr,
                 hs_status_text(status));
    }
    return status;
}

static hs_status exchange(hs_addr addr, uint32_t timeout_ms, uint16_t req_type, uint16_t want,
                          msg *resp, char *err, size_t err_cap)
{
    ctl_conn c = {-1, loop_now_ns(NULL) + (uint64_t)timeout_ms * HS_NS_PER_MS, err, err_cap, ""};
    hs_addr_format(addr, c.addr);
    msg req;
    memset(&req, 0, sizeof(req));
    req.type = req_type;
    req.u.request.request_id = c.deadline_ns ^ ((uint64_t)getpid() << 32);
    uint8_t buf[FRAME_HEADER_LEN + CTL_REQ_MAX];
    size_t len = 0;
    hs_status status = msg_encode_frame(&req, buf, sizeof(buf), &len);
    HS_ASSERT(status == HS_OK);
    uint8_t *frame = NULL;
    frame_header header;
    status = dial(&c, addr);
    /* The HELLO handshake (issue 6, item 3) goes here, between the dial and
     * the request: every hsctl request passes through this one exchange. */
    if (status == HS_OK) {
        status = send_all(&c, buf, len);
    }
    if (status == HS_OK) {
        status = read_frame(&c, &frame, &header);
    }
    if (status == HS_OK) {
        status = decode_reply(&c, frame, want, resp);
    }
    uint64_t echoed =
        want == MSG_STATS_RESP ? resp->u.stats.request_id : resp->u.request.request_id;
    if (status == HS_OK && echoed != req.u.request.request_id) {
        snprintf(err, err_cap, "%s: reply to another request", c.addr);
        status = HS_ERR_STATE;
    }
    free(frame);
    if (c.fd >= 0) {
        close(c.fd);
    }
    return status;
}

hs_status ctl_get_members(hs_addr addr, uint32_t timeout_ms, ctl_members *out, char *err,
                          size_t err_cap)
{
    memset(out, 0, sizeof(*out));
    out->members = calloc(MSG_MEMBERS_MAX, sizeof(msg_member));
    if (out->members == NULL) {
        snprintf(err, err_cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    msg resp;
    memset(&resp, 0, sizeof(resp));
    resp.list = out->members;
    resp.list_cap = MSG_MEMBERS_MAX;
    hs_status status = exchange(addr, timeout_ms, MSG_MEMBERS_REQ, MSG_MEMBERS_RESP, &resp, err,
                                err_cap);
    if (status != HS_OK) {
        ctl_members_free(out);
        return status;
    }
    out->node = resp.u.request.node;
    out->count = resp.list_count;
    return HS_OK;
}

void ctl_members_free(ctl_members *m)
{
    free(m->members);
    m->members = NULL;
    m->count = 0;
}

hs_status ctl_get_stats(hs_addr addr, uint32_t timeout_ms, msg_stats *out, char *err,
                        size_t err_cap)
{
    msg *resp = calloc(1, sizeof(msg));
    if (resp == NULL) {
        snprintf(err, err_cap, "out of memory");
        return HS_ERR_NOMEM;
    }
    hs_status status =
        exchange(addr, timeout_ms, MSG_STATS_REQ, MSG_STATS_RESP, resp, err, err_cap);
    if (status == HS_OK) {
        *out = resp->u.stats;
    }
    free(resp);
    return status;
}
