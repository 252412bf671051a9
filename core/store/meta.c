/* Durable node metadata: two alternating checksummed slots in one file,
 * read at start, rewritten (write + sync) whenever the incarnation
 * ceiling must grow.  See meta.h for the layout and the ceiling rule. */
#include "meta.h"

#include <string.h>
#include <xxhash.h>

static const uint8_t meta_magic[8] = {'H', 'S', 'M', 'E', 'T', 'A', '0', '1'};

#define META_OFF_SEQ 8u
#define META_OFF_CEILING 16u
#define META_OFF_NAME_LEN 20u
#define META_OFF_NAME 21u
#define META_OFF_RESERVED 84u
#define META_OFF_CHECKSUM 88u

HS_STATIC_ASSERT(META_OFF_NAME + HS_NAME_MAX == META_OFF_RESERVED, "meta name field");
HS_STATIC_ASSERT(META_OFF_CHECKSUM + 8 == META_RECORD_LEN, "meta record length");
HS_STATIC_ASSERT(META_RECORD_LEN <= META_SLOT_SIZE, "record fits a slot");

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    HS_ASSERT(bytes <= 8); /* no shift by 64 */
    for (unsigned i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
    HS_ASSERT(bytes <= 8); /* no shift by 64 */
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void meta_encode(const meta_record *r, uint8_t out[META_RECORD_LEN])
{
    HS_ASSERT(r->name.len <= HS_NAME_MAX);
    memset(out, 0, META_RECORD_LEN);
    memcpy(out, meta_magic, sizeof(meta_magic));
    put_le(out + META_OFF_SEQ, r->seq, 8);
    put_le(out + META_OFF_CEILING, r->inc_ceiling, 4);
    out[META_OFF_NAME_LEN] = r->name.len;
    memcpy(out + META_OFF_NAME, r->name.bytes, r->name.len);
    put_le(out + META_OFF_CHECKSUM, XXH3_64bits(out, META_OFF_CHECKSUM), 8);
}

hs_status meta_decode(const uint8_t *bytes, size_t len, meta_record *out)
{
    HS_ASSERT(out != NULL && (bytes != NULL || len == 0));
    if (len < META_RECORD_LEN) {
        return HS_ERR_TRUNCATED;
    }
    if (memcmp(bytes, meta_magic, sizeof(meta_magic)) != 0) {
        return HS_ERR_MALFORMED;
    }
    if (get_le(bytes + META_OFF_CHECKSUM, 8) != XXH3_64bits(bytes, META_OFF_CHECKSUM)) {
        return HS_ERR_CHECKSUM;
    }
    uint8_t name_len = bytes[META_OFF_NAME_LEN];
    if (get_le(bytes + META_OFF_RESERVED, 4) != 0) {
        return HS_ERR_VERSION;
    }
    meta_record r;
    memset(&r, 0, sizeof(r));
    r.seq = get_le(bytes + META_OFF_SEQ, 8);
    r.inc_ceiling = (uint32_t)get_le(bytes + META_OFF_CEILING, 4);
    if (r.seq == 0 || r.inc_ceiling > MSG_INCARNATION_MAX) {
        return HS_ERR_RANGE;
    }
    if (hs_name_set(&r.name, (const char *)bytes + META_OFF_NAME, name_len) != HS_OK) {
        return HS_ERR_RANGE;
    }
    HS_ASSERT(name_len <= HS_NAME_MAX); /* hs_name_set's promise bounds the loop */
    /* Padding after the name must be zero: a checksum collision aside,
     * anything else means the writer was not us. */
    for (unsigned i = META_OFF_NAME + name_len; i < META_OFF_RESERVED; i++) {
        if (bytes[i] != 0) {
            return HS_ERR_MALFORMED;
        }
    }
    *out = r;
    return HS_OK;
}

void meta_init(meta_store *m, const hs_name *name)
{
    memset(m, 0, sizeof(*m));
    m->name = *name;
    m->durable.name = *name;
    m->next_gen = 0;
    m->retry_ms = META_RETRY_MIN_MS;
}

static void arm_retry(meta_store *m, step_ctx *ctx, uint64_t op, hs_status status);

/* Op ids name the store (its namespace), the kind of operation as the slot
 * and a generation per operation issued (step.h). */
static uint64_t next_op(meta_store *m, uint32_t slot)
{
    HS_ASSERT(slot <= META_OP_SYNC);
    m->next_gen = hs_gen_next(m->next_gen);
    uint64_t id = hs_disk_op_id(HS_MOD_META, slot, m->next_gen);
    HS_ASSERT(id != 0);
    return id;
}

static uint64_t retry_timer_id(const meta_store *m)
{
    return hs_timer_id(META_TIMER_RETRY, 0, m->retry_gen);
}

static uint32_t ops_in_flight(const meta_store *m)
{
    return (m->read_op != 0 ? 1u : 0u) + (m->write_op != 0 ? 1u : 0u) +
           (m->sync_op != 0 ? 1u : 0u);
}

static void note_in_flight(meta_store *m)
{
    uint32_t n = ops_in_flight(m);
    m->ops_high = n > m->ops_high ? n : m->ops_high;
}

static void issue_read(meta_store *m, step_ctx *ctx)
{
    HS_ASSERT(m->phase == META_LOADING && m->read_op == 0 && !m->retry_armed);
    m->read_op = next_op(m, META_OP_READ);
    if (hs_outbox_disk_read(ctx->ob, m->read_op, HS_FILE_META, 0, META_FILE_SIZE) != HS_OK) {
        /* The outbox reported it; the read must still happen. */
        ctx->counters->outbox_overflows++;
        m->read_op = 0;
        arm_retry(m, ctx, 0, HS_ERR_FULL);
    }
    note_in_flight(m);
}

void meta_start(meta_store *m, step_ctx *ctx)
{
    HS_ASSERT(m->phase == META_IDLE);
    m->phase = META_LOADING;
    issue_read(m, ctx);
}

/* Writes the next record into the slot not holding the durable one, then
 * syncs.  Only one write is in flight; later wishes coalesce into it. */
static void issue_write(meta_store *m, step_ctx *ctx)
{
    HS_ASSERT(m->in_flight == 0);
    HS_ASSERT(m->wanted > m->durable.inc_ceiling);
    meta_record next = m->durable;
    next.seq = m->durable.seq + 1;
    next.inc_ceiling = m->wanted;
    next.name = m->name;
    uint32_t room = 0;
    uint8_t *buf = hs_outbox_payload_begin(ctx->ob, META_RECORD_LEN, &room);
    /* The write and its sync go out together or not at all: a write whose
     * sync was refused would complete for an op the store forgot. */
    if (buf == NULL || room < META_RECORD_LEN || hs_outbox_room(ctx->ob) < 2) {
        ctx->counters->outbox_overflows++;
        ctx_event(ctx, HS_EV_OUTBOX_FULL, NULL, HS_OUT_DISK_WRITE, META_RECORD_LEN, 0);
        arm_retry(m, ctx, 0, HS_ERR_FULL);
        return;
    }
    meta_encode(&next, buf);
    uint64_t slot_offset = (next.seq % 2) * META_SLOT_SIZE;
    m->write_op = next_op(m, META_OP_WRITE);
    m->sync_op = next_op(m, META_OP_SYNC);
    /* Both fit: the room was asked for above. */
    hs_status wrote = hs_outbox_disk_write_commit(ctx->ob, m->write_op, HS_FILE_META, slot_offset,
                                                  META_RECORD_LEN);
    hs_status synced = hs_outbox_disk_sync(ctx->ob, m->sync_op, HS_FILE_META);
    HS_ASSERT(wrote == HS_OK && synced == HS_OK);
    m->in_flight = m->wanted;
    note_in_flight(m);
}

void meta_want_ceiling(meta_store *m, step_ctx *ctx, uint32_t c)
{
    if (c > MSG_INCARNATION_MAX) {
        c = MSG_INCARNATION_MAX;
    }
    if (c <= m->wanted) {
        return;
    }
    m->wanted = c;
    HS_ASSERT(m->wanted <= MSG_INCARNATION_MAX);
    if (m->phase == META_READY && m->in_flight == 0 && !m->retry_armed) {
        issue_write(m, ctx);
    }
}

static void arm_retry(meta_store *m, step_ctx *ctx, uint64_t op, hs_status status)
{
    HS_ASSERT(status != HS_OK);
    HS_ASSERT(!m->retry_armed); /* one retry at a time */
    ctx->counters->disk_failures++;
    ctx_event(ctx, HS_EV_DISK_FAILED, NULL, op, status, (uint64_t)m->retry_ms * HS_NS_PER_MS);
    HS_PROBE(ctx, META_DISK_FAILED);
    m->retry_gen = hs_gen_next(m->retry_gen);
    ctx_timer_set(ctx, retry_timer_id(m), ctx->now_ns + (uint64_t)m->retry_ms * HS_NS_PER_MS);
    m->retry_armed = true;
    m->retry_ms = m->retry_ms * 2 > META_RETRY_MAX_MS ? META_RETRY_MAX_MS : m->retry_ms * 2;
    HS_ASSERT(m->retry_ms >= META_RETRY_MIN_MS && m->retry_ms <= META_RETRY_MAX_MS);
}

/* Picks the valid slot with the higher sequence number (on a tie, the
 * higher ceiling).  An empty or
 * all-zero file is a fresh node; a file with bytes but no valid slot, or a
 * record written by another node name, makes the store unusable. */
static meta_outcome load(meta_store *m, step_ctx *ctx, const uint8_t *bytes, uint32_t len)
{
    HS_ASSERT(m->phase == META_LOADING && m->read_op == 0);
    HS_ASSERT(bytes != NULL || len == 0);
    meta_record best;
    memset(&best, 0, sizeof(best));
    bool found = false;
    bool any_bytes = false;
    for (uint32_t slot = 0; slot < 2; slot++) {
        uint32_t start = slot * META_SLOT_SIZE;
        if (len <= start) {
            continue;
        }
        uint32_t avail = len - start < META_SLOT_SIZE ? len - start : META_SLOT_SIZE;
        bool zero = true;
        for (uint32_t i = 0; i < avail; i++) {
            zero = zero && bytes[start + i] == 0;
        }
        if (zero) {
            continue;
        }
        any_bytes = true;
        meta_record r;
        hs_status status = meta_decode(bytes + start, avail, &r);
        if (status != HS_OK) {
            ctx_event(ctx, HS_EV_META_SLOT_INVALID, NULL, slot, status, 0);
            HS_PROBE(ctx, META_SLOT_INVALID);
            continue;
        }
        /* Two slots with one sequence number: no store writes them, but a
         * copied or restored file can hold them; the higher ceiling is the
         * one that never reuses an incarnation. */
        if (!found || r.seq > best.seq || (r.seq == best.seq && r.inc_ceiling > best.inc_ceiling)) {
            best = r;
            found = true;
        }
    }
    HS_ASSERT_IMPLIES(found, best.seq != 0 && any_bytes); /* meta_decode refuses seq 0 */
    if (!found && any_bytes) {
        /* Bytes but no valid slot: starting fresh could reuse an
         * incarnation, so the store refuses to guess. */
        m->phase = META_FAILED;
        m->failure = HS_ERR_CHECKSUM;
        return META_FAILED_NOW;
    }
    if (found && !hs_name_eq(&best.name, &m->name)) {
        /* Another node's data directory. */
        m->phase = META_FAILED;
        m->failure = HS_ERR_STATE;
        m->failure_owner = best.name;
        return META_FAILED_NOW;
    }
    m->phase = META_READY;
    if (found) {
        m->durable = best;
        ctx_event(ctx, HS_EV_META_LOADED, NULL, best.inc_ceiling, best.seq % 2, best.seq);
        HS_PROBE(ctx, META_LOADED);
    } else {
        ctx_event(ctx, HS_EV_META_FRESH, NULL, 0, 0, 0);
        HS_PROBE(ctx, META_FRESH);
    }
    return META_LOADED;
}

bool meta_on_disk_done(meta_store *m, step_ctx *ctx, const hs_input *in, meta_outcome *outcome)
{
    HS_ASSERT(in->kind == HS_IN_DISK_DONE);
    uint64_t op = in->u.disk.op_id;
    hs_status status = in->u.disk.status;
    *outcome = META_NOTHING;
    if (op == 0) {
        return false;
    }
    if (op == m->read_op) {
        m->read_op = 0;
        if (status != HS_OK) {
            arm_retry(m, ctx, op, status);
            return true;
        }
        *outcome = load(m, ctx, in->u.disk.bytes, in->u.disk.len);
        if (m->phase == META_READY) {
            m->retry_ms = META_RETRY_MIN_MS;
            if (m->wanted > m->durable.inc_ceiling && m->in_flight == 0) {
                issue_write(m, ctx);
            }
        }
        return true;
    }
    if (op == m->write_op) {
        m->write_op = 0;
        if (status != HS_OK) {
            /* The sync queued behind it still completes (the host runs a
             * node's disk operations in order); decide there. */
            m->write_failed = true;
            m->write_failed_status = status;
            m->write_failed_op = op;
        }
        return true;
    }
    if (op == m->sync_op) {
        m->sync_op = 0;
        uint32_t written = m->in_flight;
        m->in_flight = 0;
        bool write_failed = m->write_failed;
        m->write_failed = false;
        if (write_failed) {
            arm_retry(m, ctx, m->write_failed_op, m->write_failed_status);
            return true;
        }
        if (status != HS_OK) {
            arm_retry(m, ctx, op, status);
            return true;
        }
        m->durable.seq++;
        m->durable.inc_ceiling = written;
        m->retry_ms = META_RETRY_MIN_MS;
        ctx_event(ctx, HS_EV_META_PERSISTED, NULL, written, m->durable.seq, 0);
        *outcome = META_DURABLE;
        if (m->wanted > m->durable.inc_ceiling) {
            issue_write(m, ctx);
        }
        return true;
    }
    return false;
}

void meta_on_timer(meta_store *m, step_ctx *ctx, uint64_t timer_id)
{
    HS_ASSERT(hs_timer_kind(timer_id) == META_TIMER_RETRY);
    HS_ASSERT(meta_timer_owner_live(m, timer_id));
    HS_ASSERT(!m->retry_parked); /* the host never had a parked timer */
    m->retry_armed = false;
    if (m->phase == META_LOADING) {
        issue_read(m, ctx);
    } else if (m->phase == META_READY && m->in_flight == 0 &&
               m->wanted > m->durable.inc_ceiling) {
        issue_write(m, ctx);
    }
}

bool meta_timer_owner_live(const meta_store *m, uint64_t timer_id)
{
    return hs_timer_kind(timer_id) == META_TIMER_RETRY && m->retry_armed &&
           timer_id == retry_timer_id(m);
}

/* ------------------------------------------------------------------ */
/* Module entry points                                                 */

HS_STATIC_ASSERT(META_TIMER_RETRY >= 32 && META_TIMER_RETRY <= 39,
                 "meta timer kinds within its module_list range");
HS_STATIC_ASSERT(HS_FILE_META == 1, "the meta file is within its module_list range");

void meta_on_msg(meta_store *m, step_ctx *ctx, const hs_msg_in *in)
{
    /* The store owns no message types: routing never gets here. */
    HS_UNUSED(m);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void meta_on_disk(meta_store *m, step_ctx *ctx, const hs_input *in)
{
    HS_ASSERT(meta_owner_live(m, HS_ID_DISK_OP, in->u.disk.op_id));
    meta_outcome outcome = META_NOTHING;
    bool mine = meta_on_disk_done(m, ctx, in, &outcome);
    HS_ASSERT(mine);
    m->outcome = outcome;
}

meta_outcome meta_take_outcome(meta_store *m)
{
    HS_ASSERT(m->outcome <= META_FAILED_NOW); /* set only from meta_outcome values */
    meta_outcome outcome = (meta_outcome)m->outcome;
    m->outcome = META_NOTHING;
    return outcome;
}

/* The retry timer is the store's only timer and the only thing that would
 * ever retry a failed read or write: without it the node would wait
 * forever for a durable ceiling.  So a refused retry is parked and the
 * host asked for a wake-up at the backoff (hs_outbox.wake_ns), which arms
 * it due at once; the backoff doubles, so a table that stays full is
 * asked again ever more slowly, never in a tight loop. */
void meta_on_timer_refused(meta_store *m, step_ctx *ctx, uint64_t timer_id, hs_status reason)
{
    HS_ASSERT(reason != HS_OK);
    if (!meta_timer_owner_live(m, timer_id)) {
        ctx_event(ctx, HS_EV_TIMER_ABANDONED, NULL, timer_id, reason, 0);
        HS_PROBE(ctx, META_RETRY_ABANDONED);
        return;
    }
    HS_ASSERT(!m->retry_parked); /* a parked retry is armed only by the wake-up */
    uint64_t delay_ns = (uint64_t)m->retry_ms * HS_NS_PER_MS;
    ctx_event(ctx, HS_EV_TIMER_REFUSED, NULL, timer_id, reason, delay_ns);
    HS_PROBE(ctx, META_RETRY_PARKED);
    ctx_wake_after(ctx, delay_ns);
    m->retry_parked = true;
    m->retry_ms = m->retry_ms * 2 > META_RETRY_MAX_MS ? META_RETRY_MAX_MS : m->retry_ms * 2;
    HS_ASSERT(m->retry_armed && m->retry_ms <= META_RETRY_MAX_MS);
}

void meta_on_send_failed(meta_store *m, step_ctx *ctx, const hs_input *in)
{
    /* The store sends nothing. */
    HS_UNUSED(m);
    HS_UNUSED(ctx);
    HS_UNUSED(in);
    HS_UNREACHABLE();
}

void meta_on_conn_closed(meta_store *m, step_ctx *ctx, uint64_t conn_id, hs_status reason)
{
    /* The store has no connections. */
    HS_UNUSED(m);
    HS_UNUSED(ctx);
    HS_UNUSED(conn_id);
    HS_UNUSED(reason);
}

void meta_on_member(meta_store *m, step_ctx *ctx, const hs_member_change *change)
{
    /* Durable metadata does not depend on who else is in the cluster. */
    HS_UNUSED(m);
    HS_UNUSED(ctx);
    HS_UNUSED(change);
}

void meta_on_wake(meta_store *m, step_ctx *ctx)
{
    HS_ASSERT(!m->retry_parked || m->retry_armed);
    if (!m->retry_parked) {
        return; /* another module's wake-up */
    }
    /* The backoff has passed while it waited: due now. */
    m->retry_parked = false;
    ctx_timer_set(ctx, retry_timer_id(m), ctx->now_ns);
    HS_PROBE(ctx, META_RETRY_WOKEN);
    HS_ASSERT(meta_timer_owner_live(m, retry_timer_id(m)));
}

bool meta_owner_live(const meta_store *m, uint32_t space, uint64_t id)
{
    HS_ASSERT(space == HS_ID_TIMER || space == HS_ID_DISK_OP);
    if (space == HS_ID_TIMER) {
        return meta_timer_owner_live(m, id);
    }
    return id != 0 && (id == m->read_op || id == m->write_op || id == m->sync_op);
}

uint32_t meta_tables(const meta_store *m, hs_table_view *out, uint32_t cap)
{
    HS_ASSERT(cap >= 1);
    uint32_t n = ops_in_flight(m);
    out[0] = (hs_table_view){HS_TABLE_DISK_OPS, HS_MOD_META, n, META_OP_SYNC + 1, m->ops_high};
    return 1;
}

void meta_check(const meta_store *m)
{
    HS_ASSERT_MSG((m->in_flight != 0) == (m->sync_op != 0),
                  "meta: a ceiling is in flight exactly while its sync is");
    HS_ASSERT_MSG(m->write_op == 0 || m->sync_op != 0, "meta: a write is followed by its sync");
    HS_ASSERT_MSG(m->phase == META_LOADING || m->read_op == 0,
                  "meta: a read is in flight only while loading");
    HS_ASSERT_MSG(m->phase != META_LOADING || m->read_op != 0 || m->retry_armed,
                  "meta: loading has a read in flight or a retry armed");
    HS_ASSERT_MSG(m->in_flight == 0 || m->in_flight > m->durable.inc_ceiling,
                  "meta: a write in flight raises the durable ceiling");
    HS_ASSERT_MSG(m->durable.inc_ceiling <= MSG_INCARNATION_MAX, "meta: ceiling in range");
    /* A retry redoes an operation that failed or never went out, so it
     * waits with none in flight (a kept op id would be one never issued). */
    HS_ASSERT_MSG(!m->retry_armed || ops_in_flight(m) == 0,
                  "meta: a retry waits with no operation in flight");
    HS_ASSERT_MSG(!m->retry_parked || m->retry_armed, "meta: a parked retry is the live one");
}
