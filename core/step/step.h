/* The step-function contract (ARCHITECTURE.md section 2).
 *
 *     node_step(node, now_ns, input, outbox)
 *
 * Everything nondeterministic reaches a node as an hs_input; everything a
 * node wants done leaves it as an hs_output appended to an hs_outbox.  The
 * host (the simulator in io_sim/ and sim/, or the epoll loop in io_real/)
 * executes the outputs and turns their completions into further inputs.
 *
 * Timers are identified by a 64-bit id naming kind, owner slot and
 * generation (hs_owned_id below).  Setting
 * a timer whose id is already armed re-arms it.  A node must cancel a
 * timer in the same step that removes its owner; the simulator checks that
 * no timer ever fires for an owner that is gone.
 *
 * Output payload bytes live in the outbox arena and stay valid until the
 * host calls hs_outbox_reset(). */
#ifndef HS_STEP_H_
#define HS_STEP_H_

#include "base.h"
#include "event.h"

typedef enum {
    HS_CH_NONE = 0,
    HS_CH_UDP = 1, /* datagrams: SWIM, at most HS_UDP_PAYLOAD_MAX bytes */
    HS_CH_TCP = 2, /* framed byte stream: control requests and replies */
} hs_channel;

/* The UDP budget from the design brief: every datagram fits 1400 bytes. */
#define HS_UDP_PAYLOAD_MAX 1400u

#define HS_INPUT_LIST(X)                                                   \
    X(START, "start")             /* process start or restart */            \
    X(RECV, "recv")               /* bytes received on a channel */         \
    X(TIMER, "timer")             /* a timer set earlier fired */           \
    X(DISK_DONE, "disk_done")     /* a disk operation completed */          \
    X(EXEC_REPORT, "exec_report") /* executor: workflow started/progress */ \
    X(RESOURCE, "resource")       /* resource sample */                     \
    X(COMMAND, "command")         /* local operator command */              \
    X(CONN_CLOSED, "conn_closed") /* a TCP connection went away */        \
    X(SEND_FAILED, "send_failed") /* the host could not send an output */   \
    X(TIMER_REFUSED, "timer_refused") /* the host could not arm a timer */ \
    X(HOST_COUNTERS, "host_counters") /* the host's own counters, for reports */ \
    X(WAKE, "wake")               /* the wake-up a step asked for (wake_ns) */

typedef enum {
#define HS_INPUT_ENUM(id, name) HS_IN_##id,
    HS_INPUT_LIST(HS_INPUT_ENUM)
#undef HS_INPUT_ENUM
        HS_IN_COUNT
} hs_input_kind;

/* Local operator commands (HS_IN_COMMAND). */
typedef enum {
    HS_CMD_LEAVE = 1, /* announce a graceful leave before shutting down */
} hs_command;

/* Disk files a node owns.  Paths are the host's business. */
typedef enum {
    HS_FILE_META = 1, /* durable node metadata (incarnation ceiling, ...) */
} hs_file_id;

/* One host counter (HS_IN_HOST_COUNTERS): a name in the stats-reply form
 * ("family" or "family.label", at most MSG_COUNTER_NAME_MAX bytes). */
typedef struct {
    const char *name;
    uint64_t value;
} hs_host_counter;

typedef struct {
    hs_input_kind kind;
    union {
        struct {
            hs_channel channel;
            hs_addr from;     /* sender address (UDP) or peer address (TCP) */
            uint64_t conn_id; /* TCP connection id chosen by the host; 0 on UDP */
            const uint8_t *bytes;
            uint32_t len;
        } recv;
        struct {
            uint64_t timer_id;
        } timer;
        struct {
            uint64_t op_id;
            hs_status status;     /* HS_OK or HS_ERR_IO */
            const uint8_t *bytes; /* read data, for reads */
            uint32_t len;
        } disk;
        struct {
            uint64_t workflow_id;
            uint32_t report; /* started, progress, exited: defined with the executor */
            uint64_t value;
        } exec;
        struct {
            uint32_t cpu_permille;
            uint64_t rss_bytes;
        } resource;
        struct {
            uint32_t command; /* hs_command */
        } command;
        struct {
            uint64_t conn_id;
            hs_status reason; /* HS_OK: peer closed; otherwise why the host closed it */
        } conn_closed;
        /* A SEND the host could not carry out (TCP send buffer full, no
         * connection, connect refused): retrying is core's decision, so the
         * host reports it instead of dropping the frame silently. */
        struct {
            hs_channel channel;
            hs_addr to;
            uint64_t conn_id;  /* the connection it was for; 0 if none existed */
            uint16_t msg_type; /* from the frame header of the refused payload */
            hs_status reason;  /* HS_ERR_FULL, HS_ERR_IO, HS_ERR_CLOSED, ... */
            /* Frames this input stands for (at least 1): a host coalesces
             * the failures of one connection into one input whose msg_type
             * names the first, so its input queue cannot overflow. */
            uint32_t frames;
        } send_failed;
        /* A TIMER_SET the host could not honour (its timer table is full):
         * the owner must re-arm with backoff or stop on purpose. */
        struct {
            uint64_t timer_id;
            hs_status reason; /* HS_ERR_FULL */
        } timer_refused;
        /* A snapshot of the host's counters (accepts and refusals by cause,
         * I/O errors), handed over before a stats request is decoded so the
         * reply carries them; core copies them (valid for this step only)
         * and decides nothing from them. */
        struct {
            const hs_host_counter *items;
            uint32_t count;
        } host_counters;
    } u;
} hs_input;

#define HS_OUTPUT_LIST(X)                                                  \
    X(SEND, "send")                 /* send bytes on a channel */           \
    X(CLOSE, "close")               /* close a TCP connection */            \
    X(TIMER_SET, "timer_set")       /* arm a timer at an absolute deadline */ \
    X(TIMER_CANCEL, "timer_cancel") /* disarm a timer */                    \
    X(DISK_WRITE, "disk_write")     /* write a file region (not yet durable) */ \
    X(DISK_SYNC, "disk_sync")       /* make earlier writes durable */       \
    X(DISK_READ, "disk_read")       /* read a file region */                \
    X(EXEC, "exec")                 /* start, stop or throttle a workflow */ \
    X(EVENT, "event")               /* structured event record */

typedef enum {
#define HS_OUTPUT_ENUM(id, name) HS_OUT_##id,
    HS_OUTPUT_LIST(HS_OUTPUT_ENUM)
#undef HS_OUTPUT_ENUM
        HS_OUT_COUNT
} hs_output_kind;

typedef struct {
    hs_output_kind kind;
    union {
        struct {
            hs_channel channel;
            hs_addr to;
            uint64_t conn_id; /* TCP: reply on this connection; 0 = host picks */
            uint32_t offset;  /* payload position in the outbox arena */
            uint32_t len;
        } send;
        struct {
            uint64_t conn_id;
        } close;
        struct {
            uint64_t timer_id;
            uint64_t deadline_ns; /* absolute, on the node's own clock */
        } timer;
        struct {
            uint64_t op_id;
            uint32_t file; /* hs_file_id */
            uint64_t file_offset;
            uint32_t offset; /* write payload position in the arena */
            uint32_t len;
        } disk;
        struct {
            uint64_t workflow_id;
            uint32_t action; /* start, stop, throttle: defined with the executor */
            uint32_t cores;
        } exec;
        hs_event event;
    } u;
} hs_output;

/* Ids that name their owner: timer ids and disk-operation ids share one
 * layout, 64 bits wide:
 *
 *   bits 63..56  kind   (timer kind, or the disk-op namespace = hs_module_id)
 *   bits 55..24  slot   (the owner's slot in its module's table: a member,
 *                        a relay, later a job or a workflow; 32 bits)
 *   bits 23..0   gen    (the slot's generation when the id was made)
 *
 * A module answers "is this id's owner still there?" by comparing the slot's
 * current generation (and state) with the id's: a freed or reused slot no
 * longer matches, so a late timer or completion is reported as stale and
 * never acted on by the new occupant.  Singletons (the probe round, the
 * meta store's retry) use slot 0; their generation says which arming it is. */
#define HS_ID_KIND_SHIFT 56
#define HS_ID_SLOT_SHIFT 24
#define HS_ID_GEN_BITS 24
#define HS_ID_GEN_MASK ((UINT32_C(1) << HS_ID_GEN_BITS) - 1)

static inline uint64_t hs_owned_id(uint8_t kind, uint32_t slot, uint32_t gen)
{
    return ((uint64_t)kind << HS_ID_KIND_SHIFT) | ((uint64_t)slot << HS_ID_SLOT_SHIFT) |
           (uint64_t)(gen & HS_ID_GEN_MASK);
}
static inline uint8_t hs_id_kind(uint64_t id)
{
    return (uint8_t)(id >> HS_ID_KIND_SHIFT);
}
static inline uint32_t hs_id_slot(uint64_t id)
{
    return (uint32_t)(id >> HS_ID_SLOT_SHIFT);
}
static inline uint32_t hs_id_gen(uint64_t id)
{
    return (uint32_t)id & HS_ID_GEN_MASK;
}
/* The next generation of a slot: never 0, so a zeroed id never matches. */
static inline uint32_t hs_gen_next(uint32_t gen)
{
    uint32_t next = (gen + 1) & HS_ID_GEN_MASK;
    return next == 0 ? 1 : next;
}

static inline uint64_t hs_timer_id(uint8_t kind, uint32_t slot, uint32_t gen)
{
    return hs_owned_id(kind, slot, gen);
}
static inline uint8_t hs_timer_kind(uint64_t timer_id)
{
    return hs_id_kind(timer_id);
}
/* Which id space an owner-live query is about. */
typedef enum {
    HS_ID_TIMER = 0,
    HS_ID_DISK_OP = 1,
} hs_id_space;

/* Disk-operation ids: the kind byte is the owning module's namespace. */
static inline uint64_t hs_disk_op_id(uint8_t ns, uint32_t slot, uint32_t gen)
{
    return hs_owned_id(ns, slot, gen);
}

/* The outbox: a bounded array of outputs plus a byte arena for payloads.
 * The last HS_OUTBOX_EVENT_RESERVE slots are kept for events so that a
 * step that runs out of room can still report it. */
#define HS_OUTBOX_EVENT_RESERVE 8u

typedef struct {
    hs_output *items;
    uint32_t count;
    uint32_t cap;
    uint8_t *arena;
    uint32_t arena_used;
    uint32_t arena_cap;
    uint32_t high_water;  /* most outputs seen in one step, for the bounds checker */
    /* Outputs other than events this step holds, and how many it may:
     * cap - reserve, unless a simulator squeezes one step (events keep
     * their room, so a squeezed step still reports everything). */
    uint32_t ordinary;
    uint32_t ordinary_cap;
    /* A simulator may also close the event reserve to timer sets for one
     * squeezed step, so the hand-back below runs (false otherwise). */
    bool timer_reserve_closed;
    uint64_t overflows;   /* outputs that did not fit, each also reported as an event */
    /* Timer sets that did not fit even in the event reserve, in order (cap
     * entries, as many as the outbox has slots).  A lost timer would stall its duty forever, so
     * node_step hands each back to its owner as a refusal (reason
     * HS_ERR_FULL) before the step ends: a host never sees one. */
    uint64_t *refused_timers;
    uint32_t refused_count;
    uint32_t refused_cap; /* the cap the outbox was made with */
    uint64_t refused_lost; /* timer sets not even recorded (a broken bound) */
    uint64_t streams_lost; /* TCP streams with a hole that could not be closed */
    uint64_t cancels_lost; /* timer cancels not even the event reserve held */
    /* Timer sets, cancels and closes that found the ordinary slots gone and
     * took the event reserve (a step outgrew its outbox: a bound broken,
     * unless a simulator squeezed it). */
    uint64_t reserve_taken;
    /* The earliest time this step asked to be woken at (0: none).  A
     * module that could arm no timer (the host's table or this outbox was
     * full) parks the duty and asks for a wake-up; the host keeps one
     * wake-up per node outside its timer table (the earliest asked for,
     * cleared when delivered or when the process ends) and delivers
     * HS_IN_WAKE then, so a parked duty is re-armed even when nothing
     * else ever arrives.  A scalar, not an output: a full outbox holds it. */
    uint64_t wake_ns;
} hs_outbox;

HS_MUST_USE hs_status hs_outbox_init(hs_outbox *ob, uint32_t cap, uint32_t arena_cap);
/* Ordinary outputs the step may still add: an operation that needs two
 * (a write and its sync) asks before it commits either. */
uint32_t hs_outbox_room(const hs_outbox *ob);
void hs_outbox_free(hs_outbox *ob);
void hs_outbox_reset(hs_outbox *ob);
/* Asks for a wake-up at at_ns (> 0); the earliest request of a step wins. */
void hs_outbox_wake_at(hs_outbox *ob, uint64_t at_ns);

/* Payload writing in two phases so encoders write straight into the arena:
 * begin returns room for up to max_len bytes (NULL when full), commit
 * records the send with the bytes actually used. */
uint8_t *hs_outbox_payload_begin(hs_outbox *ob, uint32_t max_len, uint32_t *room);
HS_MUST_USE hs_status hs_outbox_send_commit(hs_outbox *ob, hs_channel channel, hs_addr to,
                                            uint64_t conn_id, uint32_t len);
HS_MUST_USE hs_status hs_outbox_disk_write_commit(hs_outbox *ob, uint64_t op_id, uint32_t file,
                                                  uint64_t file_offset, uint32_t len);

HS_MUST_USE hs_status hs_outbox_close(hs_outbox *ob, uint64_t conn_id);
HS_MUST_USE hs_status hs_outbox_timer_set(hs_outbox *ob, uint64_t timer_id,
                                          uint64_t deadline_ns);
HS_MUST_USE hs_status hs_outbox_timer_cancel(hs_outbox *ob, uint64_t timer_id);
HS_MUST_USE hs_status hs_outbox_disk_sync(hs_outbox *ob, uint64_t op_id, uint32_t file);
HS_MUST_USE hs_status hs_outbox_disk_read(hs_outbox *ob, uint64_t op_id, uint32_t file,
                                          uint64_t file_offset, uint32_t len);

/* Ends a TCP stream one of whose frames did not fit, so the peer never
 * reads past a hole.  It may use the event reserve (a stream with a hole
 * must not go on); only a full reserve loses it, counted in streams_lost. */
void hs_outbox_close_stream(hs_outbox *ob, uint64_t conn_id);

/* Events never fail from the caller's point of view: they use the reserved
 * slots, and if even those are gone the overflow counter records the loss
 * (and the bounds checker flags it). */
void hs_outbox_event(hs_outbox *ob, uint16_t code, const hs_name *subject, uint64_t a,
                     uint64_t b, uint64_t c);

const uint8_t *hs_outbox_payload(const hs_outbox *ob, const hs_output *out);

const char *hs_input_kind_name(uint32_t kind);
const char *hs_output_kind_name(uint32_t kind);

#endif /* HS_STEP_H_ */
