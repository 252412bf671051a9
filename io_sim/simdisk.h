/* Simulated disk of one node: files of durable bytes plus pending writes.
 *
 * - Operations of a node execute one at a time in FIFO order; each takes a
 *   latency drawn from the disk rng stream, and completes no earlier than
 *   the operation before it.
 * - A completed write is pending: reads see it (durable bytes with pending
 *   writes applied in order), but a crash may lose it.
 * - DISK_SYNC of a file makes all of its pending writes durable.
 * - With fail_ppm a write or a sync fails with HS_ERR_IO and has no effect
 *   (a failed sync leaves the writes pending).
 * - Crash: queued operations vanish; every pending write is either lost or,
 *   with torn_ppm, torn: a prefix of it, cut at a 512-byte sector boundary
 *   of the file (or at its ends), reaches the durable bytes.
 * - A read of a missing file returns 0 bytes with HS_OK; a short file
 *   returns the bytes that exist.
 *
 * Everything is bounded: SIMDISK_FILES_MAX files of SIMDISK_FILE_CAP bytes,
 * SIMDISK_OPS_MAX queued operations, SIMDISK_PENDING_MAX pending writes per
 * file.  Exceeding a bound is reported to the caller (a `bounds` violation)
 * and never corrupts memory. */
#ifndef SIMDISK_H_
#define SIMDISK_H_

#include "base.h"
#include "rng.h"
#include "step.h"

#define SIMDISK_SECTOR 512u
#define SIMDISK_FILES_MAX 4u         /* file ids 1 .. SIMDISK_FILES_MAX */
#define SIMDISK_FILE_CAP (16u * 1024u)
#define SIMDISK_IO_MAX 4096u         /* bytes in one write or read */
#define SIMDISK_OPS_MAX 64u
#define SIMDISK_PENDING_MAX 32u

typedef struct {
    uint32_t fail_ppm; /* a write or sync fails with HS_ERR_IO */
    uint32_t read_fail_ppm; /* a read fails with HS_ERR_IO (no bytes) */
    uint32_t torn_ppm; /* on crash, a pending write is torn rather than lost */
    uint64_t latency_min_ns;
    uint64_t latency_mean_ns;
} simdisk_params;

typedef struct {
    uint8_t kind; /* HS_OUT_DISK_WRITE, _SYNC or _READ */
    uint32_t file;
    uint64_t op_id;
    uint64_t file_offset;
    uint32_t len;
    uint64_t done_ns;
} simdisk_op;

typedef struct {
    uint64_t offset;
    uint32_t len;
    uint32_t data; /* position in the file's pending arena */
} simdisk_pending;

typedef struct {
    uint8_t *durable;
    uint8_t *current; /* durable with pending writes applied */
    uint32_t durable_size;
    uint32_t current_size;
    uint8_t *arena;   /* pending write bytes, emptied by sync or crash */
    uint32_t arena_used;
    simdisk_pending pending[SIMDISK_PENDING_MAX];
    uint32_t pending_count;
} simdisk_file;

/* A completed operation, as the node will see it. */
typedef struct {
    uint8_t kind;
    uint32_t file;
    uint64_t op_id;
    hs_status status;
    const uint8_t *bytes; /* reads: valid until the next simdisk call */
    uint32_t len;         /* bytes read */
    uint64_t file_offset; /* as requested */
    uint32_t req_len;     /* as requested */
    bool failed;          /* injected HS_ERR_IO */
    bool over_cap;        /* the operation exceeded a simulator bound */
} simdisk_result;

typedef struct {
    uint32_t lost;
    uint32_t torn;
} simdisk_crash_result;

typedef struct {
    const simdisk_params *p; /* shared by the cluster */
    rng *rng;                /* the cluster's "disk" stream */
    simdisk_file files[SIMDISK_FILES_MAX];
    simdisk_op ops[SIMDISK_OPS_MAX];
    uint8_t *op_data;        /* SIMDISK_OPS_MAX * SIMDISK_IO_MAX: write payloads */
    uint8_t *read_buf;       /* SIMDISK_IO_MAX */
    uint32_t op_head;
    uint32_t op_count;
    uint32_t op_high_water;
    uint64_t last_done_ns;
} simdisk;

HS_MUST_USE hs_status simdisk_init(simdisk *d, const simdisk_params *p, rng *r);
void simdisk_free(simdisk *d);

/* Queues a DISK_WRITE, DISK_SYNC or DISK_READ output; *done_ns is when it
 * completes.  HS_ERR_FULL when the queue is full (nothing queued). */
HS_MUST_USE hs_status simdisk_submit(simdisk *d, uint64_t now_ns, const hs_output *out,
                                     const uint8_t *payload, uint64_t *done_ns);
/* Executes the oldest queued operation. */
void simdisk_complete(simdisk *d, simdisk_result *res);
/* The process crashed: queued operations vanish, pending writes are lost
 * or torn. */
void simdisk_crash(simdisk *d, simdisk_crash_result *res);

static inline uint32_t simdisk_queued(const simdisk *d) { return d->op_count; }
uint32_t simdisk_pending_count(const simdisk *d, uint32_t file);
/* A file that was on the disk before the process first started (the
 * simulator's way to hand a node an old metadata record): durable and
 * current both become bytes.  HS_ERR_INVALID for a bad file id or size. */
HS_MUST_USE hs_status simdisk_preload(simdisk *d, uint32_t file, const uint8_t *bytes,
                                      uint32_t len);
/* Views for tests and checkers; NULL with size 0 for a missing file. */
const uint8_t *simdisk_durable(const simdisk *d, uint32_t file, uint32_t *size);
const uint8_t *simdisk_current(const simdisk *d, uint32_t file, uint32_t *size);

#endif /* SIMDISK_H_ */
