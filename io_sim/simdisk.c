/* Simulated per-node disk: FIFO operations, pending versus durable bytes,
 * injected I/O errors, lost and torn writes on crash. */
#include "simdisk.h"

#include <stdlib.h>
#include <string.h>

#include "simdist.h"

hs_status simdisk_init(simdisk *d, const simdisk_params *p, rng *r)
{
    memset(d, 0, sizeof(*d));
    d->p = p;
    d->rng = r;
    d->op_data = calloc(SIMDISK_OPS_MAX, SIMDISK_IO_MAX);
    d->read_buf = calloc(1, SIMDISK_IO_MAX);
    if (d->op_data == NULL || d->read_buf == NULL) {
        simdisk_free(d);
        return HS_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < SIMDISK_FILES_MAX; i++) {
        simdisk_file *f = &d->files[i];
        f->durable = calloc(1, SIMDISK_FILE_CAP);
        f->current = calloc(1, SIMDISK_FILE_CAP);
        f->arena = calloc(1, SIMDISK_FILE_CAP);
        if (f->durable == NULL || f->current == NULL || f->arena == NULL) {
            simdisk_free(d);
            return HS_ERR_NOMEM;
        }
    }
    return HS_OK;
}

void simdisk_free(simdisk *d)
{
    for (uint32_t i = 0; i < SIMDISK_FILES_MAX; i++) {
        free(d->files[i].durable);
        free(d->files[i].current);
        free(d->files[i].arena);
    }
    free(d->op_data);
    free(d->read_buf);
    memset(d, 0, sizeof(*d));
}

static simdisk_file *file_at(simdisk *d, uint32_t file)
{
    if (file == 0 || file > SIMDISK_FILES_MAX) {
        return NULL;
    }
    return &d->files[file - 1];
}

hs_status simdisk_submit(simdisk *d, uint64_t now_ns, const hs_output *out,
                         const uint8_t *payload, uint64_t *done_ns)
{
    HS_ASSERT(out->kind == HS_OUT_DISK_WRITE || out->kind == HS_OUT_DISK_SYNC ||
              out->kind == HS_OUT_DISK_READ);
    if (d->op_count == SIMDISK_OPS_MAX) {
        return HS_ERR_FULL;
    }
    uint32_t idx = (d->op_head + d->op_count) % SIMDISK_OPS_MAX;
    simdisk_op *op = &d->ops[idx];
    memset(op, 0, sizeof(*op));
    op->kind = (uint8_t)out->kind;
    op->file = out->u.disk.file;
    op->op_id = out->u.disk.op_id;
    op->file_offset = out->u.disk.file_offset;
    op->len = out->u.disk.len;
    if (out->kind == HS_OUT_DISK_WRITE && op->len > 0) {
        /* Oversized writes are refused at completion; copy what fits. */
        uint32_t n = op->len < SIMDISK_IO_MAX ? op->len : SIMDISK_IO_MAX;
        memcpy(d->op_data + (size_t)idx * SIMDISK_IO_MAX, payload, n);
    }
    uint64_t done = now_ns + simdist_delay(d->rng, d->p->latency_min_ns, d->p->latency_mean_ns);
    if (done < d->last_done_ns) {
        done = d->last_done_ns; /* FIFO: never before the operation ahead */
    }
    d->last_done_ns = done;
    op->done_ns = done;
    d->op_count++;
    if (d->op_count > d->op_high_water) {
        d->op_high_water = d->op_count;
    }
    *done_ns = done;
    return HS_OK;
}

static bool fits(uint64_t offset, uint32_t len)
{
    return len <= SIMDISK_IO_MAX && offset <= SIMDISK_FILE_CAP &&
           (uint64_t)len <= SIMDISK_FILE_CAP - offset;
}

static void apply(uint8_t *bytes, uint32_t *size, uint64_t offset, const uint8_t *src,
                  uint32_t len)
{
    if (len == 0) {
        return;
    }
    memcpy(bytes + offset, src, len);
    if (offset + len > *size) {
        *size = (uint32_t)(offset + len);
    }
}

static void do_write(simdisk *d, const simdisk_op *op, const uint8_t *data,
                     simdisk_result *res)
{
    simdisk_file *f = file_at(d, op->file);
    if (f == NULL || !fits(op->file_offset, op->len)) {
        res->status = HS_ERR_IO;
        res->over_cap = true;
        return;
    }
    if (rng_chance_ppm(d->rng, d->p->fail_ppm)) {
        res->status = HS_ERR_IO;
        res->failed = true;
        return;
    }
    apply(f->current, &f->current_size, op->file_offset, data, op->len);
    if (f->pending_count == SIMDISK_PENDING_MAX || op->len > SIMDISK_FILE_CAP - f->arena_used) {
        /* No room to remember it as pending: it becomes durable at once,
         * which only weakens the fault model; the caller flags the bound. */
        apply(f->durable, &f->durable_size, op->file_offset, data, op->len);
        res->over_cap = true;
        return;
    }
    simdisk_pending *pw = &f->pending[f->pending_count++];
    pw->offset = op->file_offset;
    pw->len = op->len;
    pw->data = f->arena_used;
    memcpy(f->arena + f->arena_used, data, op->len);
    f->arena_used += op->len;
}

static void clear_pending(simdisk_file *f)
{
    f->pending_count = 0;
    f->arena_used = 0;
}

static void do_sync(simdisk *d, const simdisk_op *op, simdisk_result *res)
{
    simdisk_file *f = file_at(d, op->file);
    if (f == NULL) {
        res->status = HS_ERR_IO;
        res->over_cap = true;
        return;
    }
    if (rng_chance_ppm(d->rng, d->p->fail_ppm)) {
        res->status = HS_ERR_IO;
        res->failed = true;
        return;
    }
    for (uint32_t i = 0; i < f->pending_count; i++) {
        const simdisk_pending *pw = &f->pending[i];
        apply(f->durable, &f->durable_size, pw->offset, f->arena + pw->data, pw->len);
    }
    clear_pending(f);
}

static void do_read(simdisk *d, const simdisk_op *op, simdisk_result *res)
{
    simdisk_file *f = file_at(d, op->file);
    if (f == NULL || op->len > SIMDISK_IO_MAX) {
        res->status = HS_ERR_IO;
        res->over_cap = true;
        return;
    }
    if (rng_chance_ppm(d->rng, d->p->read_fail_ppm)) {
        res->status = HS_ERR_IO;
        res->failed = true;
        return;
    }
    res->bytes = d->read_buf;
    if (op->file_offset >= f->current_size) {
        return; /* missing or short file: the bytes that exist, none here */
    }
    uint64_t avail = f->current_size - op->file_offset;
    uint32_t n = avail < op->len ? (uint32_t)avail : op->len;
    memcpy(d->read_buf, f->current + op->file_offset, n);
    res->len = n;
}

void simdisk_complete(simdisk *d, simdisk_result *res)
{
    HS_ASSERT(d->op_count > 0);
    uint32_t idx = d->op_head;
    const simdisk_op *op = &d->ops[idx];
    memset(res, 0, sizeof(*res));
    res->kind = op->kind;
    res->file = op->file;
    res->op_id = op->op_id;
    res->file_offset = op->file_offset;
    res->req_len = op->len;
    res->status = HS_OK;
    switch (op->kind) {
    case HS_OUT_DISK_WRITE:
        do_write(d, op, d->op_data + (size_t)idx * SIMDISK_IO_MAX, res);
        break;
    case HS_OUT_DISK_SYNC:
        do_sync(d, op, res);
        break;
    case HS_OUT_DISK_READ:
        do_read(d, op, res);
        break;
    default:
        HS_UNREACHABLE();
    }
    d->op_head = (d->op_head + 1) % SIMDISK_OPS_MAX;
    d->op_count--;
}

/* Picks where a torn write stops: the write's start, one of the sector
 * boundaries strictly inside it, or its end, uniformly. */
static uint64_t tear_point(rng *r, uint64_t offset, uint32_t len)
{
    uint64_t end = offset + len;
    uint64_t first = (offset / SIMDISK_SECTOR + 1) * SIMDISK_SECTOR;
    uint64_t inner = first < end ? (end - 1 - first) / SIMDISK_SECTOR + 1 : 0;
    uint64_t pick = rng_below(r, inner + 2);
    if (pick == 0) {
        return offset;
    }
    if (pick == inner + 1) {
        return end;
    }
    return first + (pick - 1) * SIMDISK_SECTOR;
}

void simdisk_crash(simdisk *d, simdisk_crash_result *res)
{
    memset(res, 0, sizeof(*res));
    d->op_head = 0;
    d->op_count = 0;
    d->last_done_ns = 0; /* the new process does not queue behind the dead one's */
    for (uint32_t i = 0; i < SIMDISK_FILES_MAX; i++) {
        simdisk_file *f = &d->files[i];
        for (uint32_t k = 0; k < f->pending_count; k++) {
            const simdisk_pending *pw = &f->pending[k];
            uint64_t cut = pw->offset;
            if (rng_chance_ppm(d->rng, d->p->torn_ppm)) {
                cut = tear_point(d->rng, pw->offset, pw->len);
            }
            if (cut > pw->offset) {
                apply(f->durable, &f->durable_size, pw->offset, f->arena + pw->data,
                      (uint32_t)(cut - pw->offset));
                res->torn++;
            } else {
                res->lost++;
            }
        }
        clear_pending(f);
        /* The page cache is gone: what a restart reads is what is durable.
         * Bytes past the durable size read as zeros again. */
        uint32_t touched = f->current_size > f->durable_size ? f->current_size : f->durable_size;
        memcpy(f->current, f->durable, touched);
        f->current_size = f->durable_size;
    }
}

uint32_t simdisk_pending_count(const simdisk *d, uint32_t file)
{
    if (file == 0 || file > SIMDISK_FILES_MAX) {
        return 0;
    }
    return d->files[file - 1].pending_count;
}

hs_status simdisk_preload(simdisk *d, uint32_t file, const uint8_t *bytes, uint32_t len)
{
    if (file == 0 || file > SIMDISK_FILES_MAX || len == 0 || len > SIMDISK_FILE_CAP) {
        return HS_ERR_INVALID;
    }
    simdisk_file *f = &d->files[file - 1];
    HS_ASSERT(f->pending_count == 0);
    apply(f->durable, &f->durable_size, 0, bytes, len);
    apply(f->current, &f->current_size, 0, bytes, len);
    HS_ASSERT(f->durable_size >= len && f->current_size >= len);
    return HS_OK;
}

const uint8_t *simdisk_durable(const simdisk *d, uint32_t file, uint32_t *size)
{
    if (file == 0 || file > SIMDISK_FILES_MAX || d->files[file - 1].durable_size == 0) {
        *size = 0;
        return NULL;
    }
    *size = d->files[file - 1].durable_size;
    return d->files[file - 1].durable;
}

const uint8_t *simdisk_current(const simdisk *d, uint32_t file, uint32_t *size)
{
    if (file == 0 || file > SIMDISK_FILES_MAX || d->files[file - 1].current_size == 0) {
        *size = 0;
        return NULL;
    }
    *size = d->files[file - 1].current_size;
    return d->files[file - 1].current;
}
