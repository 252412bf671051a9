/* The node's data directory and its disk outputs.
 *
 * The directory is created if missing (one level), locked with flock on
 * <dir>/lock so two nodes never share it, and each hs_file_id maps to one
 * file: HS_FILE_META -> <dir>/meta.  A directory or meta file created here
 * has its entry synced (fsync of the parent, of the directory) before
 * files_open returns, so before core hears of any disk completion.
 *
 * Disk outputs run synchronously when the host drains a step's outbox, in
 * output order: DISK_WRITE = pwrite, DISK_SYNC = fdatasync, DISK_READ =
 * pread returning the bytes that exist (a short or missing region is not an
 * error).  Each completion is queued and handed back with files_next_done
 * as an HS_IN_DISK_DONE input after the current step, so the host never
 * re-enters node_step and completions arrive in submission order.  When
 * FILES_QUEUE_MAX completions already wait, an op is not executed: it is
 * answered at once with an HS_ERR_FULL completion (queued behind the
 * others, so the order holds), never dropped. */
#ifndef FILES_H_
#define FILES_H_

#include <limits.h>

#include "base.h"
#include "ioerr.h"
#include "ring.h"
#include "step.h"

#define FILES_READ_MAX (1u << 20) /* bytes one DISK_READ may ask for */
#define FILES_QUEUE_MAX 256u      /* executed ops whose completions wait for delivery */
/* Ops refused while the queue above is full, answered with HS_ERR_FULL in
 * submission order.  Core keeps at most three disk operations in flight
 * (the meta store's read, or write and sync), so neither queue fills in
 * practice; the refusal path exists so that a runaway caller hears of it
 * instead of losing completions. */
#define FILES_REFUSED_MAX 4096u
#define FILES_PATH_MAX 4096u

typedef struct {
    uint64_t op_id;
    hs_status status;
    uint8_t *data; /* read bytes (malloc'd), NULL for writes and syncs */
    uint32_t len;
} files_done;

typedef struct {
    char dir[FILES_PATH_MAX];
    int dir_fd;
    int lock_fd;
    int meta_fd;
    ring done;        /* files_done, oldest first */
    ring refused;     /* uint64_t op ids answered HS_ERR_FULL, after done */
    files_done current; /* the completion being delivered: freed on the next call */
    ioerr_sink *sink;
    bool created_dir;   /* entries this open created: removed by files_abandon */
    bool created_lock;
    bool created_meta;
    uint64_t ops;
    uint64_t failures;
} files;

/* Creates, locks and opens the data directory.  On failure writes a
 * sentence for the operator into msg (unwritable, not a directory, in use
 * by another node, ...), removes whatever it created and returns
 * HS_ERR_NOSPACE when the file system is full (meta's blocks are allocated
 * here, so a full disk is refused at start), HS_ERR_IO otherwise.  A write
 * failing with ENOSPC or EDQUOT completes with HS_ERR_NOSPACE. */
HS_MUST_USE hs_status files_open(files *f, const char *dir, ioerr_sink *sink, char *msg,
                                 size_t msg_cap);
void files_close(files *f);
/* A start-up refusal after files_open succeeded (a port in use, ...):
 * removes the entries this open created (meta, lock, the directory) and
 * closes, so the data directory is left as it was found.  Only before the
 * node ran: meta is still all zeros then. */
void files_abandon(files *f);

/* Executes one DISK_* output now and queues its completion. */
void files_submit(files *f, const hs_output *out, const uint8_t *payload);
/* The next completion as an input; its bytes stay valid until the next call. */
bool files_next_done(files *f, hs_input *in);

#endif /* FILES_H_ */
