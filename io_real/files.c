/* Data directory and synchronous disk operations.  See files.h. */
#include "files.h"

#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void close_fd(files *f, int *fd)
{
    if (*fd >= 0 && close(*fd) != 0) {
        ioerr_report(f->sink, IOERR_OP_CLOSE, errno, (uint64_t)*fd);
    }
    *fd = -1;
}

static bool no_space(int err)
{
    return err == ENOSPC || err == EDQUOT;
}

/* A start-up refusal: the entries this open created are removed again, so a
 * refused start leaves the data directory as it found it. */
static hs_status fail(files *f, uint32_t op, int err, char *why, size_t cap, const char *what)
{
    ioerr_report(f->sink, op, err, 0);
    if (no_space(err)) {
        snprintf(why, cap, "data directory %s: %s: %s; refusing to start (free space on its "
                 "file system or give another --data-dir)", f->dir, what, strerror(err));
    } else {
        snprintf(why, cap, "data directory %s: %s: %s", f->dir, what, strerror(err));
    }
    files_abandon(f);
    return no_space(err) ? HS_ERR_NOSPACE : HS_ERR_IO;
}

/* The directory that holds dir's entry: "a/b/" -> "a", "b" -> ".", "/b" -> "/". */
static void parent_of(const char *dir, char *out, size_t cap)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') {
        len--;
    }
    while (len > 0 && dir[len - 1] != '/') {
        len--;
    }
    while (len > 1 && dir[len - 1] == '/') {
        len--;
    }
    if (len == 0) {
        snprintf(out, cap, ".");
    } else {
        snprintf(out, cap, "%.*s", (int)len, dir);
    }
}

/* A new directory entry is durable only once the directory holding it is
 * synced: without this a crash could lose the data directory (or its meta
 * file) after core was told its first write was durable, and a restart
 * would begin afresh at incarnation 0, reusing incarnations. */
static hs_status sync_dir(files *f, int fd, char *why, size_t cap, const char *what)
{
    if (fsync(fd) != 0) {
        return fail(f, IOERR_OP_FSYNC, errno, why, cap, what);
    }
    return HS_OK;
}

static hs_status sync_parent(files *f, char *why, size_t cap)
{
    char parent[FILES_PATH_MAX];
    parent_of(f->dir, parent, sizeof(parent));
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return fail(f, IOERR_OP_OPEN, errno, why, cap, "cannot open its parent to sync it");
    }
    hs_status status = sync_dir(f, fd, why, cap, "cannot sync its parent after creating it");
    close_fd(f, &fd);
    return status;
}

static hs_status open_dir(files *f, char *why, size_t cap)
{
    if (mkdir(f->dir, 0755) == 0) {
        f->created_dir = true;
        hs_status status = sync_parent(f, why, cap);
        if (status != HS_OK) {
            return status;
        }
    } else if (errno != EEXIST) {
        return fail(f, IOERR_OP_MKDIR, errno, why, cap, "cannot create");
    }
    f->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0) {
        return fail(f, IOERR_OP_OPEN, errno, why, cap, "cannot open");
    }
    /* Creating the lock file is also the writability check: it fails with
     * EACCES or EROFS before any node state is touched. */
    f->lock_fd = openat(f->dir_fd, "lock", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (f->lock_fd >= 0) {
        f->created_lock = true;
    } else if (errno == EEXIST) {
        f->lock_fd = openat(f->dir_fd, "lock", O_RDWR | O_CLOEXEC);
    }
    if (f->lock_fd < 0) {
        return fail(f, IOERR_OP_OPEN, errno, why, cap, "not writable");
    }
    if (flock(f->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) {
            ioerr_report(f->sink, IOERR_OP_FLOCK, err, 0);
            snprintf(why, cap, "data directory %s: in use by another hsnode (lock held)",
                     f->dir);
            files_abandon(f);
            return HS_ERR_IO;
        }
        return fail(f, IOERR_OP_FLOCK, err, why, cap, "cannot lock");
    }
    return HS_OK;
}

/* Opens <dir>/meta, creating it if missing; a new file's entry is synced
 * before any disk output runs, so before core hears of a completion. */
static hs_status open_meta(files *f, char *why, size_t cap)
{
    f->meta_fd = openat(f->dir_fd, "meta", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (f->meta_fd >= 0) {
        f->created_meta = true;
    } else if (errno == EEXIST) {
        f->meta_fd = openat(f->dir_fd, "meta", O_RDWR | O_CLOEXEC);
    }
    if (f->meta_fd < 0) {
        return fail(f, IOERR_OP_OPEN, errno, why, cap, "cannot open meta");
    }
    /* Every block meta will ever use is allocated now, so a full file system
     * refuses the start here, with a clear line, instead of failing each
     * metadata write later while core retries forever.  KEEP_SIZE: the
     * file's length and bytes are unchanged, only its blocks reserved.  A
     * file system without fallocate is let through (its writes may still
     * fail later, and core reports each). */
    if (fallocate(f->meta_fd, FALLOC_FL_KEEP_SIZE, 0, META_FILE_SIZE) != 0 &&
        errno != EOPNOTSUPP && errno != ENOSYS) {
        return fail(f, IOERR_OP_FALLOCATE, errno, why, cap, "cannot allocate meta");
    }
    if (f->created_meta) {
        return sync_dir(f, f->dir_fd, why, cap, "cannot sync it after creating meta");
    }
    return HS_OK;
}

void files_abandon(files *f)
{
    if (f->dir_fd >= 0 && f->created_meta && unlinkat(f->dir_fd, "meta", 0) != 0) {
        ioerr_report(f->sink, IOERR_OP_UNLINK, errno, 0);
    }
    if (f->dir_fd >= 0 && f->created_lock && unlinkat(f->dir_fd, "lock", 0) != 0) {
        ioerr_report(f->sink, IOERR_OP_UNLINK, errno, 0);
    }
    bool remove_dir = f->created_dir;
    f->created_meta = f->created_lock = f->created_dir = false;
    files_close(f);
    if (remove_dir && rmdir(f->dir) != 0) {
        ioerr_report(f->sink, IOERR_OP_UNLINK, errno, 0);
    }
}

hs_status files_open(files *f, const char *dir, ioerr_sink *sink, char *why, size_t msg_cap)
{
    memset(f, 0, sizeof(*f));
    f->dir_fd = -1;
    f->lock_fd = -1;
    f->meta_fd = -1;
    f->sink = sink;
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof(f->dir)) {
        snprintf(why, msg_cap, "data directory: path empty or too long");
        return HS_ERR_INVALID;
    }
    memcpy(f->dir, dir, len + 1);
    if (ring_init(&f->done, sizeof(files_done), FILES_QUEUE_MAX) != HS_OK ||
        ring_init(&f->refused, sizeof(uint64_t), FILES_REFUSED_MAX) != HS_OK) {
        snprintf(why, msg_cap, "data directory: out of memory");
        return HS_ERR_NOMEM;
    }
    hs_status status = open_dir(f, why, msg_cap);
    return status == HS_OK ? open_meta(f, why, msg_cap) : status;
}

void files_close(files *f)
{
    free(f->current.data);
    f->current.data = NULL;
    files_done d;
    while (f->done.data != NULL && ring_pop(&f->done, &d)) {
        free(d.data);
    }
    ring_free(&f->done);
    ring_free(&f->refused);
    close_fd(f, &f->meta_fd);
    close_fd(f, &f->lock_fd);
    close_fd(f, &f->dir_fd);
}

static int fd_of(const files *f, uint32_t file)
{
    return file == HS_FILE_META ? f->meta_fd : -1;
}

static hs_status do_write(files *f, int fd, const hs_output *out, const uint8_t *payload)
{
    uint32_t done = 0;
    while (done < out->u.disk.len) {
        ssize_t n = pwrite(fd, payload + done, out->u.disk.len - done,
                           (off_t)(out->u.disk.file_offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            ioerr_report(f->sink, IOERR_OP_PWRITE, err, out->u.disk.op_id);
            return no_space(err) ? HS_ERR_NOSPACE : HS_ERR_IO;
        }
        done += (uint32_t)n;
    }
    return HS_OK;
}

static hs_status do_read(files *f, int fd, const hs_output *out, files_done *d)
{
    d->data = malloc(out->u.disk.len > 0 ? out->u.disk.len : 1);
    if (d->data == NULL) {
        ioerr_report(f->sink, IOERR_OP_MALLOC, ENOMEM, out->u.disk.len);
        return HS_ERR_IO;
    }
    while (d->len < out->u.disk.len) {
        ssize_t n = pread(fd, d->data + d->len, out->u.disk.len - d->len,
                          (off_t)(out->u.disk.file_offset + d->len));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            ioerr_report(f->sink, IOERR_OP_PREAD, errno, out->u.disk.op_id);
            return HS_ERR_IO;
        }
        if (n == 0) {
            break; /* end of file: what exists is the answer */
        }
        d->len += (uint32_t)n;
    }
    return HS_OK;
}

static hs_status execute(files *f, const hs_output *out, const uint8_t *payload, files_done *d)
{
    int fd = fd_of(f, out->u.disk.file);
    if (fd < 0 || (out->kind == HS_OUT_DISK_READ && out->u.disk.len > FILES_READ_MAX)) {
        ioerr_report(f->sink, IOERR_OP_DISK_BAD_OP, 0, out->u.disk.op_id);
        return HS_ERR_IO;
    }
    switch (out->kind) {
    case HS_OUT_DISK_WRITE:
        return do_write(f, fd, out, payload);
    case HS_OUT_DISK_SYNC:
        if (fdatasync(fd) != 0) {
            ioerr_report(f->sink, IOERR_OP_FDATASYNC, errno, out->u.disk.op_id);
            return HS_ERR_IO;
        }
        return HS_OK;
    case HS_OUT_DISK_READ:
        return do_read(f, fd, out, d);
    default:
        HS_UNREACHABLE();
    }
    return HS_ERR_IO;
}

void files_submit(files *f, const hs_output *out, const uint8_t *payload)
{
    files_done d;
    memset(&d, 0, sizeof(d));
    d.op_id = out->u.disk.op_id;
    f->ops++;
    /* Once one op was refused, later ones are too until the refusals are
     * delivered: completions must keep submission order. */
    if (ring_full(&f->done) || ring_count(&f->refused) > 0) {
        /* A runaway caller: the op is not executed and core hears so. */
        ioerr_report(f->sink, IOERR_OP_DISK_QUEUE_FULL, 0, d.op_id);
        f->failures++;
        hs_status queued = ring_push(&f->refused, &d.op_id);
        /* FILES_REFUSED_MAX ops refused before the host drained one: far
         * beyond what core can have in flight (files.h). */
        HS_ASSERT(queued == HS_OK);
        return;
    }
    d.status = execute(f, out, payload, &d);
    if (d.status != HS_OK) {
        f->failures++;
        free(d.data);
        d.data = NULL;
        d.len = 0;
    }
    hs_status pushed = ring_push(&f->done, &d);
    HS_ASSERT(pushed == HS_OK);
}

bool files_next_done(files *f, hs_input *in)
{
    free(f->current.data);
    memset(&f->current, 0, sizeof(f->current));
    if (!ring_pop(&f->done, &f->current)) {
        uint64_t op_id = 0;
        if (!ring_pop(&f->refused, &op_id)) {
            return false;
        }
        f->current.op_id = op_id;
        f->current.status = HS_ERR_FULL;
    }
    memset(in, 0, sizeof(*in));
    in->kind = HS_IN_DISK_DONE;
    in->u.disk.op_id = f->current.op_id;
    in->u.disk.status = f->current.status;
    in->u.disk.bytes = f->current.data;
    in->u.disk.len = f->current.len;
    return true;
}
