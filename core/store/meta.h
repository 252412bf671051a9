/* Durable node metadata: the values that must never go backwards across a
 * restart.  Today that is the incarnation ceiling; terms, votes and fence
 * high-water marks join it with the leadership issue.
 *
 * File HS_FILE_META holds two 512-byte slots at offsets 0 and 512.  Writes
 * alternate between them and each write is followed by a sync, so a write
 * torn by a crash damages at most the slot being written while the other
 * still holds the previous durable record.  Recovery reads both slots and
 * adopts the valid one with the higher sequence number.
 *
 * Slot record (little-endian, META_RECORD_LEN bytes, rest of slot zero):
 *   0   8  magic "HSMETA01"
 *   8   8  seq       (write counter, starts at 1)
 *   16  4  inc_ceiling
 *   20  1  name length
 *   21  63 name bytes (zero padded)
 *   84  4  reserved (zero)
 *   88  8  xxh3-64 of bytes 0..87
 *
 * Incarnation ceiling: a node only ever uses incarnations <= the durable
 * ceiling, and on restart starts at ceiling + 1.  So incarnations strictly
 * increase across restarts even when the last writes were lost. */
#ifndef HS_META_H_
#define HS_META_H_

#include "base.h"
#include "ctx.h"

#define META_SLOT_SIZE 512u
#define META_FILE_SIZE (2u * META_SLOT_SIZE)
#define META_RECORD_LEN 96u

typedef struct {
    uint64_t seq;
    uint32_t inc_ceiling;
    hs_name name;
} meta_record;

typedef enum {
    META_IDLE = 0,     /* before START */
    META_LOADING,      /* read in flight */
    META_READY,        /* loaded; writes may be in flight */
    META_FAILED,       /* unusable: corrupt file or another node's file */
} meta_phase;

typedef struct {
    meta_phase phase;
    hs_name name;
    meta_record durable;    /* last record known durable */
    uint32_t wanted;        /* highest ceiling asked for */
    uint32_t in_flight;     /* ceiling being written, 0 if none */
    uint64_t write_op;      /* op ids of the write and sync in flight */
    uint64_t sync_op;
    bool write_failed;      /* the write before sync_op failed */
    hs_status write_failed_status;
    uint64_t write_failed_op;
    uint64_t read_op;
    uint32_t next_gen;      /* generation of the last op id issued */
    uint32_t retry_gen;     /* generation of the armed retry timer */
    uint32_t ops_high;      /* most ops in flight at once (table report) */
    uint32_t retry_ms;      /* backoff after a disk failure */
    bool retry_armed;
    /* The retry timer could not be armed (the host's table or the outbox
     * was full): it waits for the wake-up the refusal asked for, and stays
     * the store's live retry meanwhile (retry_armed). */
    bool retry_parked;
    hs_status failure;      /* META_FAILED: HS_ERR_CHECKSUM no valid slot,
                               HS_ERR_STATE another node's file */
    hs_name failure_owner;  /* the other node, for HS_ERR_STATE */
    uint32_t outcome;       /* meta_outcome of the last meta_on_disk */
} meta_store;

/* The doubling backoff of a retry after a disk failure or a refusal. */
#define META_RETRY_MIN_MS 100u
#define META_RETRY_MAX_MS 10000u

enum {
    META_TIMER_RETRY = 32, /* slot 0, gen = arming: retry a failed read or write */
};

/* Op id slots (step.h: namespace HS_MOD_META | slot | generation). */
enum {
    META_OP_READ = 0,
    META_OP_WRITE = 1,
    META_OP_SYNC = 2,
};

/* Outcome of a disk completion for the node. */
typedef enum {
    META_NOTHING = 0,
    META_LOADED,        /* durable.inc_ceiling is the recovered ceiling */
    META_DURABLE,       /* durable.inc_ceiling grew */
    META_FAILED_NOW,    /* the store became unusable */
} meta_outcome;

void meta_init(meta_store *m, const hs_name *name);
void meta_start(meta_store *m, step_ctx *ctx);
/* Ask for ceiling >= c to become durable; coalesces with writes in flight. */
void meta_want_ceiling(meta_store *m, step_ctx *ctx, uint32_t c);
/* Returns true if op_id belonged to the store. */
bool meta_on_disk_done(meta_store *m, step_ctx *ctx, const hs_input *in, meta_outcome *outcome);
void meta_on_timer(meta_store *m, step_ctx *ctx, uint64_t timer_id);
bool meta_timer_owner_live(const meta_store *m, uint64_t timer_id);

/* The module entry points every module has (docs/design/modules.md). */
void meta_on_msg(meta_store *m, step_ctx *ctx, const hs_msg_in *in);
/* A DISK_DONE for a live op of the store; the node reads the outcome with
 * meta_take_outcome after the call. */
void meta_on_disk(meta_store *m, step_ctx *ctx, const hs_input *in);
meta_outcome meta_take_outcome(meta_store *m);
void meta_on_timer_refused(meta_store *m, step_ctx *ctx, uint64_t timer_id, hs_status reason);
void meta_on_send_failed(meta_store *m, step_ctx *ctx, const hs_input *in);
void meta_on_conn_closed(meta_store *m, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void meta_on_member(meta_store *m, step_ctx *ctx, const hs_member_change *change);
void meta_on_wake(meta_store *m, step_ctx *ctx);
bool meta_owner_live(const meta_store *m, uint32_t space, uint64_t id);
uint32_t meta_tables(const meta_store *m, hs_table_view *out, uint32_t cap);
void meta_check(const meta_store *m);

/* Pure codec for one slot, fuzzed: decode never trusts the bytes. */
void meta_encode(const meta_record *r, uint8_t out[META_RECORD_LEN]);
HS_MUST_USE hs_status meta_decode(const uint8_t *bytes, size_t len, meta_record *out);

#endif /* HS_META_H_ */
