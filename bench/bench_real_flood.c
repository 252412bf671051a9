/* UDP garbage flooder for bench/bench_real.py: sends random datagrams of
 * 64..512 bytes to HOST:PORT at RATE datagrams per second for SECONDS,
 * paced in 1 ms batches with sendmmsg, and prints one JSON line with what
 * it sent.
 *
 *   bench_real_flood HOST:PORT RATE SECONDS
 *   bench_real_flood            (scripts/bench.py: 1 s into a local sink,
 *                                reporting the flooder's own ceiling)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "loop.h"
#include "rng.h"
#include "udp.h"

#define FLOOD_BATCH_MAX 1024u
#define FLOOD_LEN_MAX 512u

static uint8_t payload[FLOOD_BATCH_MAX][FLOOD_LEN_MAX];

static void fill(rng *r)
{
    for (uint32_t i = 0; i < FLOOD_BATCH_MAX; i++) {
        for (uint32_t j = 0; j < FLOOD_LEN_MAX; j++) {
            payload[i][j] = (uint8_t)rng_next(r);
        }
    }
}

/* Sends count datagrams in one sendmmsg; returns how many left. */
static uint32_t send_batch(int fd, const struct sockaddr_in *to, rng *r, uint32_t count)
{
    struct mmsghdr msgs[FLOOD_BATCH_MAX];
    struct iovec iov[FLOOD_BATCH_MAX];
    memset(msgs, 0, sizeof(msgs));
    for (uint32_t i = 0; i < count; i++) {
        iov[i].iov_base = payload[rng_below(r, FLOOD_BATCH_MAX)];
        iov[i].iov_len = 64 + rng_below(r, FLOOD_LEN_MAX - 64);
        msgs[i].msg_hdr.msg_name = (void *)to;
        msgs[i].msg_hdr.msg_namelen = sizeof(*to);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = sendmmsg(fd, msgs, count, MSG_DONTWAIT);
    return sent < 0 ? 0 : (uint32_t)sent;
}

static int flood(hs_addr target, uint64_t rate, uint64_t seconds)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in to;
    udp_sockaddr(target, &to);
    rng r;
    rng_seed(&r, 42);
    fill(&r);
    uint64_t start = loop_now_ns(NULL);
    uint64_t end = start + seconds * HS_NS_PER_SEC;
    uint64_t sent = 0;
    uint64_t attempted = 0;
    for (uint64_t now = start; now < end; now = loop_now_ns(NULL)) {
        uint64_t due = (now - start) * rate / HS_NS_PER_SEC;
        /* A sleep overshoots 1 ms, so each wake catches up on what is due,
         * but never more than 10 ms of traffic at once: the average rate
         * holds and no burst is longer than that. */
        uint64_t burst_max = rate / 100 > FLOOD_BATCH_MAX ? rate / 100 : FLOOD_BATCH_MAX;
        if (due > attempted + burst_max) {
            attempted = due - burst_max;
        }
        while (attempted < due) {
            uint64_t want = due - attempted;
            uint32_t count = want > FLOOD_BATCH_MAX ? FLOOD_BATCH_MAX : (uint32_t)want;
            sent += send_batch(fd, &to, &r, count);
            attempted += count;
        }
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    double wall = (double)(loop_now_ns(NULL) - start) / 1e9;
    printf("{\"bench\":\"bench_real_flood\",\"rate_asked\":%llu,\"attempted\":%llu,\"sent\":%llu,"
           "\"seconds\":%.2f,\"sent_per_sec\":%.0f}\n",
           (unsigned long long)rate, (unsigned long long)attempted, (unsigned long long)sent, wall,
           (double)sent / wall);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        /* Self-check for scripts/bench.py: the flooder's ceiling into a
         * local socket nobody reads (the kernel drops what overflows). */
        int sink = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in sa;
        udp_sockaddr((hs_addr){0x7f000001u, 0}, &sa);
        socklen_t len = sizeof(sa);
        if (sink < 0 || bind(sink, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
            getsockname(sink, (struct sockaddr *)&sa, &len) != 0) {
            perror("sink");
            return 1;
        }
        int rc = flood(udp_from_sockaddr(&sa), 200000, 1);
        close(sink);
        return rc;
    }
    hs_addr target;
    if (argc != 4 || hs_addr_parse(argv[1], &target) != HS_OK) {
        fprintf(stderr, "usage: bench_real_flood HOST:PORT RATE SECONDS\n");
        return 2;
    }
    return flood(target, strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
}
