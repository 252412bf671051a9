/* SWIM's bounded tables: the member table (stable slots, name and uid
 * indexes, round-robin probe order), the piggyback gossip queue and the
 * ping-req relay table.  Internal to the SWIM module: the protocol in
 * swim.c is the only caller of the mutating functions.
 *
 * Every table has a cap from swim_config and a removal path; removing a
 * member removes every mention of it (probe order, gossip queue, probe in
 * flight) and cancels its timers in the same step. */
#ifndef HS_SWIM_TABLE_H_
#define HS_SWIM_TABLE_H_

#include "swim.h"

HS_MUST_USE hs_status swim_table_init(swim *s);
void swim_table_free(swim *s);

void swim_table_entry_of(const swim_member *m, msg_member *out);

/* Adds a member from an entry; NULL (with a TABLE_FULL event) when full. */
swim_member *swim_table_add(swim *s, step_ctx *ctx, const msg_member *e);
void swim_table_remove(swim *s, step_ctx *ctx, swim_member *m);

/* Records a change to the record in m's slot and bumps view_version:
 * every mutation of a member record goes through here. */
void swim_table_view_changed(swim *s, const swim_member *m);

/* Sets m's state (and keeps dead_count); the caller records the change. */
void swim_table_set_state(swim *s, swim_member *m, uint8_t state);

swim_member *swim_table_find_mut(swim *s, const hs_name *name);
swim_member *swim_table_find_uid_mut(swim *s, uint64_t uid);
const swim_member *swim_table_find_uid(const swim *s, uint64_t uid);

/* Next live (ALIVE or SUSPECT) member in the round-robin order,
 * reshuffling at wrap-around; NULL when there is none.  It tries the rest
 * of the current pass and then a whole reshuffled one: counting one pass
 * from the middle of the order missed a live member the reshuffle moved
 * behind, so a round could probe no one (found by round_sends). */
swim_member *swim_table_next_probe_target(swim *s, step_ctx *ctx);
/* Up to k distinct random ALIVE members other than exclude_uid, as slot
 * indices; returns how many. */
uint32_t swim_table_pick_alive(swim *s, step_ctx *ctx, uint64_t exclude_uid, uint32_t *slots,
                               uint32_t k);
/* Next member in slot order from *cursor whose state is a or b. */
const swim_member *swim_table_next_in_state(const swim *s, uint32_t *cursor, uint8_t a,
                                            uint8_t b);

/* Gossip queue: one entry per member (uid), newest news resets its count.
 * m is a member record or &s->self. */
void swim_table_gossip_enqueue(swim *s, step_ctx *ctx, swim_member *m);
/* Drops entries queued longer than gossip_max_age_ms ago. */
void swim_table_gossip_expire(swim *s, uint64_t now_ns);
/* Selects up to max entries, least-sent first, that fit in budget bytes,
 * for a message to dest (NULL if not a member).  A destination we believe
 * is not alive gets its own record first, so it learns of the accusation
 * and can refute. */
uint32_t swim_table_gossip_select(swim *s, const swim_member *dest, msg_member *out,
                                  uint32_t max, size_t budget);

swim_relay *swim_table_relay_add(swim *s, step_ctx *ctx);
swim_relay *swim_table_relay_find(swim *s, uint64_t seq);
const swim_relay *swim_table_relay_find_const(const swim *s, uint64_t seq);
void swim_table_relay_remove(swim *s, swim_relay *relay);

#endif /* HS_SWIM_TABLE_H_ */
