/* SWIM membership and failure detection as a pure state machine.
 *
 * Round-robin probing over a reshuffled list, direct probe, k indirect
 * probes through proxies, suspicion with a timeout and refutation by
 * incarnation, death, reaping, join through seed nodes, push-pull sync
 * (periodic anti-entropy, and reconnection to members believed dead), and
 * piggybacked gossip with bounded entries, bytes and retransmissions.
 *
 * Seams left for Lifeguard (later issue): the local-health multiplier
 * scales probe_interval and the suspicion timeout at the two places marked
 * "LHM"; nacks would arrive as another message type; suspicion
 * confirmations would count accusers in swim_member.
 *
 * The module never allocates after swim_init and never reads a clock: now,
 * randomness and the outbox arrive in a step_ctx. */
#ifndef HS_SWIM_H_
#define HS_SWIM_H_

#include "base.h"
#include "bucket.h"
#include "ctx.h"
#include "map.h"
#include "msg.h"
#include "swim_config.h"
#include "swim_msg.h"

/* Fixed array sizes tied to config limits: the node's NODE_SEEDS_MAX is
 * asserted not to exceed SWIM_SEEDS_MAX (core/node/node_config.h), and
 * swim_config_check refuses indirect_checks above SWIM_INDIRECT_CHECKS_MAX
 * (swim_config.h; the proxy and pick arrays on the stack are this long). */
#define SWIM_SEEDS_MAX 16u

/* Bytes of a probe payload apart from its gossip entries, at most: map
 * head 1, seq 1 + 9, source 1 + 65, target 1 + 65, target_addr 1 + 9,
 * gossip key and array head 1 + 1, target_inc 1 + 5: 161, rounded up.
 * A push-pull list gets the datagram less this much too. */
#define SWIM_PROBE_BASE_MAX 176u

typedef struct {
    /* Hot fields first and the name last, the record padded to two cache
     * lines: a lookup, a probe or a merge at 1,024 members touches one line
     * per record (the name's length and first bytes included), not three. */
    uint64_t name_key;  /* hash of the name: the members map key */
    uint64_t uid;       /* unique per record, never reused: names it in gossip */
    uint64_t state_since_ns;
    uint64_t suspect_deadline_ns; /* when SUSPECT */
    hs_addr addr;
    uint32_t incarnation;
    uint32_t gen;       /* generation of its slot: with the slot, owns its timers */
    uint32_t gossip_pos; /* 1 + index of this record's gossip entry, 0: none */
    uint8_t role;       /* node_role */
    uint8_t state;      /* member_state */
    hs_name name;
    uint8_t pad_to_lines[8]; /* to 128 bytes: records never straddle a third line */
} swim_member;
HS_STATIC_ASSERT(sizeof(swim_member) == 128, "a member record is two cache lines");

/* A ping-req this node is relaying for another member. */
typedef struct {
    uint64_t seq;        /* our ping to the target */
    uint64_t origin_seq; /* the originator's probe seq, echoed in the ack */
    hs_addr origin;
    uint32_t gen;        /* generation of this relay slot: owns its expiry timer */
    bool live;
} swim_relay;

/* One piggyback entry: which member (uid 0 = ourselves), how often sent. */
typedef struct {
    uint64_t uid;
    uint32_t transmits;
    uint32_t slot;       /* the member's slot, SWIM_GOSSIP_SELF for ourselves */
    uint64_t queued_ns;
} swim_gossip;

#define SWIM_GOSSIP_SELF UINT32_MAX
#define SWIM_GOSSIP_HOLE UINT64_MAX /* uid of a removed entry */

#define SWIM_SELF_UID UINT64_C(0) /* gossip queue uid of our own record */

/* Holes the gossip queue may hold beyond its live entries before a
 * removal compacts it: compaction moves every entry, so it waits until the
 * holes outnumber them, and the slack keeps a small queue from compacting
 * on every removal. */
#define SWIM_GOSSIP_SLACK 16u

/* Membership changes one step can make: one message's member list (each
 * entry changes at most one record once: added, or one set_state), or one
 * timer (a suspicion expiry, a reap, a failed probe).  Gossip lists are at
 * most MSG_GOSSIP_MAX, join and sync lists MSG_SYNC_MAX; +1 covers the
 * timer case should the lists ever be empty.  node drains the queue after
 * every step, so it never holds more (swim_check asserts it). */
#define SWIM_CHANGES_MAX ((MSG_SYNC_MAX > MSG_GOSSIP_MAX ? MSG_SYNC_MAX : MSG_GOSSIP_MAX) + 1u)

/* Refused timers waiting to be armed again: a handful in any real case
 * (a full host table refuses one set per step). */
#define SWIM_REARM_MAX 32u
/* The doubling delay a refused timer is armed again at, and its cap. */
#define SWIM_REARM_MIN_MS 50u
#define SWIM_REARM_MAX_MS 5000u

/* How far ahead of use the incarnation ceiling is made durable, so a
 * refutation almost never waits for a disk sync. */
#define SWIM_INC_WINDOW 64u
/* View changes whose slots are remembered (swim.view_version): a step
 * makes at most SWIM_CHANGES_MAX (one per list entry) plus an address or
 * incarnation change per entry, so the ring holds a whole step's and the
 * per-step self-check (swim_check_step) never has to fall back to the full
 * recompute for a join or sync reply; 1 KB per node. */
#define SWIM_VIEW_CHANGES_MAX 256u
HS_STATIC_ASSERT(SWIM_VIEW_CHANGES_MAX >= 2u * SWIM_CHANGES_MAX,
                 "a step's view changes fit the ring");

/* DEAD or LEFT: a member we believe gone.  The reconnect walk contacts
 * both, since an unauthenticated LEFT record can be forged as easily as a
 * DEAD one, and a member wrongly believed left whose own seeds are all
 * down could otherwise never come back. */
static inline bool swim_state_gone(uint8_t state)
{
    return state == MEMBER_DEAD || state == MEMBER_LEFT;
}

typedef struct {
    swim_config cfg;
    swim_member self;       /* our own record; uid 0 */
    uint32_t inc_ceiling;   /* durable: self.incarnation never exceeds it */
    uint32_t inc_wanted;    /* ceiling requested from the meta store, 0 if none */
    bool started;
    bool joined;
    bool leaving;
    bool refute_pending;    /* a refutation waits for the ceiling to grow */
    uint32_t refute_pending_accused; /* member_state of the pending accusation */
    uint32_t refute_pending_inc;     /* incarnation the accusation named */

    /* Members: stable slots, a free stack, and a name-key -> slot map. */
    swim_member *slots;
    bool *slot_used;
    uint32_t *free_slots;
    uint32_t free_count;
    uint32_t member_count;
    uint32_t slot_end;      /* one past the highest used slot */
    uint32_t dead_count;    /* members DEAD or LEFT (the reconnect walk's) */
    /* Bumped whenever a member record is added, removed or changes state,
     * incarnation, address or role: an observer (the simulator's checkers)
     * re-reads the table only when it moved. */
    uint64_t view_version;
    /* The slot of each of the last SWIM_VIEW_CHANGES_MAX changes: change v
     * (the bump from v to v + 1) is at changed_slot[v % SWIM_VIEW_CHANGES_MAX], so an
     * observer at most that far behind re-reads those slots only. */
    uint32_t changed_slot[SWIM_VIEW_CHANGES_MAX];
    map by_name;            /* name key -> slot */
    map by_uid;             /* uid -> slot */
    uint64_t next_uid;
    uint32_t *slot_gen;     /* per slot: bumped when a record takes the slot */
    uint32_t members_high;  /* high-water marks for the table report */
    uint32_t gossip_high;
    uint32_t relays_high;

    /* Membership changes of the current step, drained by the node into
     * every module's on-member entry (swim_changes). */
    hs_member_change changes[SWIM_CHANGES_MAX];
    uint32_t change_count;
    uint32_t changes_high;
    /* Timers the host refused (its table was full), armed again later at
     * a doubling delay (swim_on_timer_refused). */
    uint64_t rearm[SWIM_REARM_MAX];
    uint32_t rearm_count;
    uint32_t rearm_high;
    uint32_t timer_backoff_ms;

    /* Round-robin probe order over member slots, reshuffled at wrap-around. */
    uint32_t *order;
    uint32_t order_count;
    uint32_t order_next;

    /* The probe in flight. */
    uint64_t next_seq;
    uint64_t probe_seq;
    uint64_t probe_uid;     /* target uid, 0 when no probe is in flight */
    bool probe_acked;
    bool probe_timeout_armed;

    swim_relay *relays;
    uint32_t relay_count;
    bucket unknown_replies;

    /* The gossip queue in queue order: removed entries stay as holes (uid
     * SWIM_GOSSIP_HOLE) until a compaction, so a removal moves nothing. */
    swim_gossip *gossip;
    uint32_t gossip_count;   /* live entries */
    uint32_t gossip_end;     /* entries in use, live or holes */
    bool gossip_limit_dropped; /* the retransmit limit fell since the last sweep */
    uint32_t retransmit_limit; /* derived from member_count, kept current */

    /* Join and push-pull. */
    hs_addr seeds[SWIM_SEEDS_MAX];
    /* uid of a member record last seen at each seed's address (0: none),
     * so "is this seed known" costs a lookup, not a table scan. */
    uint64_t seed_uid[SWIM_SEEDS_MAX];
    uint32_t seed_count;
    uint32_t join_attempts;
    uint32_t join_backoff_ms;
    uint32_t seed_next;      /* round-robin over seeds when isolated */
    uint32_t sync_next;      /* slot cursor: next live member to sync with */
    uint32_t reconnect_next; /* cursor over dead members, then lost seeds */
    uint32_t sync_list_next; /* slot cursor: where the next member list starts */

    /* Outgoing member lists are built here, never on the stack. */
    msg_member scratch[MSG_SYNC_MAX];
} swim;

/* Timer kinds owned by this module (core/base/module_list.h: 1..31); the
 * owner part of the id (step.h) is: */
enum {
    SWIM_TIMER_PROBE = 1,         /* slot 0 gen 0: the periodic probe round */
    SWIM_TIMER_PROBE_TIMEOUT = 2, /* slot 0, gen = probe seq: direct ack wait */
    SWIM_TIMER_SUSPECT = 3,       /* member slot + gen: suspicion expiry */
    SWIM_TIMER_RELAY = 4,         /* relay slot + gen: ping-req relay expiry */
    SWIM_TIMER_JOIN = 5,          /* slot 0 gen 0: join retry */
    SWIM_TIMER_SYNC = 6,          /* slot 0 gen 0: anti-entropy push-pull */
    SWIM_TIMER_RECONNECT = 7,     /* slot 0 gen 0: push-pull with a dead member */
    SWIM_TIMER_REAP = 8,          /* member slot + gen: reap after retention */
    SWIM_TIMER_KIND_END = 9,
};

HS_MUST_USE hs_status swim_init(swim *s, const swim_config *cfg, const hs_name *name,
                                hs_addr addr, uint8_t role, const hs_addr *seeds,
                                uint32_t seed_count);
void swim_free(swim *s);

/* Called once the incarnation ceiling is durable: joins and starts probing. */
void swim_start(swim *s, step_ctx *ctx, uint32_t incarnation, uint32_t ceiling);
/* The meta store made a higher ceiling durable. */
void swim_ceiling_durable(swim *s, step_ctx *ctx, uint32_t ceiling);
/* A decoded SWIM message (PING .. SYNC_ACK): in->body is its msg_probe or
 * msg_sync (swim_msg.h), in->from the sender's address. */
void swim_on_message(swim *s, step_ctx *ctx, const hs_msg_in *in);
void swim_on_timer(swim *s, step_ctx *ctx, uint64_t timer_id);
void swim_leave(swim *s, step_ctx *ctx);

bool swim_timer_owner_live(const swim *s, uint64_t timer_id);

/* The module entry points every module has (docs/design/modules.md). */
void swim_on_msg(swim *s, step_ctx *ctx, const hs_msg_in *in);
void swim_on_timer_refused(swim *s, step_ctx *ctx, uint64_t timer_id, hs_status reason);
void swim_on_send_failed(swim *s, step_ctx *ctx, const hs_input *in);
void swim_on_disk(swim *s, step_ctx *ctx, const hs_input *in);
void swim_on_conn_closed(swim *s, step_ctx *ctx, uint64_t conn_id, hs_status reason);
void swim_on_member(swim *s, step_ctx *ctx, const hs_member_change *change);
/* The wake-up a refusal asked for: parked timers are armed, due now. */
void swim_on_wake(swim *s, step_ctx *ctx);
bool swim_owner_live(const swim *s, uint32_t space, uint64_t id);
uint32_t swim_tables(const swim *s, hs_table_view *out, uint32_t cap);
/* Recomputes what can be recomputed and asserts it matches: O(members +
 * gossip + relays). */
void swim_check(const swim *s);

/* Where the previous self-check left the table: swim_check_step checks what
 * changed since (docs/design/perf.md). */
typedef struct {
    uint64_t view_version;
    uint32_t gossip_end;
} swim_check_cursor;

/* A step's self-check: the O(1) bookkeeping, every member record changed
 * since the cursor (the changed_slot ring) and every gossip entry appended
 * since (all of them after a compaction moved them); advances the cursor.
 * False, checking nothing, when the ring no longer holds every change since
 * the cursor: the caller runs swim_check (the full recompute) instead. */
bool swim_check_step(const swim *s, swim_check_cursor *cur);
/* Sets the cursor to the table's present state (after a full check). */
void swim_check_mark(const swim *s, swim_check_cursor *cur);

/* This step's membership changes, oldest first; the node clears them after
 * fanning them out. */
uint32_t swim_changes(const swim *s, const hs_member_change **out);
void swim_changes_clear(swim *s);
/* Timer id of a member-owned timer (suspect, reap). */
uint64_t swim_member_timer(const swim *s, uint8_t kind, const swim_member *m);

/* Merge rank of a member state: at equal incarnation the higher rank wins
 * (ALIVE 0 < SUSPECT 1 < DEAD = LEFT 2; both final for an incarnation). */
uint32_t swim_state_rank(uint8_t state);

/* Read-only views for control replies, checkers and tests. */
uint32_t swim_member_count(const swim *s);
/* Iterates members in slot order: i in [0, swim_slot_end()); NULL for a
 * free slot.  Slots are reused lowest-first, so the range stays close to
 * the member count. */
uint32_t swim_slot_end(const swim *s);
const swim_member *swim_member_slot(const swim *s, uint32_t i);
const swim_member *swim_find(const swim *s, const hs_name *name);
uint64_t swim_name_key(const hs_name *name);
/* The suspicion timeout and gossip retransmit limit for the current size. */
uint64_t swim_suspicion_timeout_ns(const swim *s);
uint32_t swim_retransmit_limit(const swim *s);

/* Bounds the simulator checks once faults heal, for a cluster of n nodes
 * (derived in swim.c and docs/swim.md): every live member declares a
 * crashed member dead within the detection bound, and every live member
 * sees every other one alive at its current incarnation within the
 * convergence bound. */
uint64_t swim_detection_bound_ns(const swim_config *cfg, uint32_t n);
uint64_t swim_convergence_bound_ns(const swim_config *cfg, uint32_t n);
/* Both bounds for n nodes, or HS_ERR_RANGE when they cannot be computed:
 * n is 0, more than members_cap + 1 (no node could hold such a cluster),
 * or a product overflows 64 bits.  hsctl bounds refuses those sizes. */
HS_MUST_USE hs_status swim_bounds_ns(const swim_config *cfg, uint32_t n, uint64_t *detect_ns,
                                     uint64_t *converge_ns);

#endif /* HS_SWIM_H_ */
