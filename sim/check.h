/* The invariant checkers by concern, called by simcheck.c (the dispatch
 * and the violation store).  Each reads a node only through its read-only
 * views (node.h) or the event records it emitted. */
#ifndef CHECK_H_
#define CHECK_H_

#include "simcheck.h"

/* check_bounds.c: every table every module reports (node_tables), and the
 * host's outbox. */
void check_bounds_tables(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_bounds_outbox(simcheck *c, uint64_t now_ns, uint32_t i, bool overflowed,
                         uint32_t high_water, uint32_t cap);

/* check_swim.c: incarnation_monotonic, incarnation_ceiling and
 * member_view_monotonic. */
void check_swim_incarnation(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_swim_ceiling(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_swim_views(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);

/* check_ids.c: timer_owner_live before a timer is delivered, and owned_ids
 * from the event records (no stale, unowned or queue-full id event). */
void check_ids_timer(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                     uint64_t timer_id);
void check_ids_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev);

/* check_mech.c: member_timers and duty_timers after a step of node i (it
 * also forgets the step's touched slots), and each timer the step set,
 * cancelled or (delivered) was handed. */
void check_mech_swim(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_mech_timer(simcheck *c, uint32_t i, const node *n, uint64_t timer_id,
                      bool delivered);

/* check_story.c: record_events.  Each event of a step; each record the
 * view check saw change (added: a new record in the slot); after the
 * step, the counters; reset before each step. */
void check_story_event(simcheck *c, uint32_t i, const hs_event *ev);
void check_story_record(simcheck *c, uint64_t now_ns, uint32_t i, uint32_t slot,
                        const swim_member *m, bool added);
void check_story_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_story_reset(simcheck *c);

/* check_rounds.c: round_sends, after a step (before check_story_after_step
 * takes the counters). */
void check_rounds_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);

/* check_meta.c: meta_recovery, from the event records of node i. */
void check_meta_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev);
void check_meta_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);
void check_bounds_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev);
/* Whether the step's events told of the record (or too many to know). */
bool check_story_told(const simcheck *c, const hs_name *name);
void check_sync_list_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                          const uint8_t *bytes, uint32_t len);
void check_rounds_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n, hs_addr to,
                       const uint8_t *bytes, uint32_t len);

/* check_gossip.c: accused_first and ack_self_first, for each UDP datagram node i's step
 * sent to the node named to_name (before check_swim_views reads the
 * step's changes). */
void check_gossip_send(simcheck *c, uint64_t now_ns, uint32_t i, const node *n,
                       const hs_name *to_name, hs_addr to, const uint8_t *bytes, uint32_t len);

/* check_gossip.c: refute_cause, before and after a step of node i. */
void check_gossip_input(simcheck *c, uint32_t i, const node *n, const hs_input *in);
void check_gossip_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);

/* check_replies.c: stranger_replies, before a step of node i, for each of
 * its events, and after it. */
void check_replies_input(simcheck *c, uint32_t i, const node *n, const hs_input *in);
void check_replies_event(simcheck *c, uint64_t now_ns, uint32_t i, const hs_event *ev);
void check_replies_after_step(simcheck *c, uint64_t now_ns, uint32_t i, const node *n);

#endif /* CHECK_H_ */
