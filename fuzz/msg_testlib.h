/* Test support for the wire codec, shared by the fuzz harnesses, the corpus
 * generator (fuzz/corpus_gen.c) and the unit tests: bodies of any
 * descriptor filled with seeded random values that favour the encoding
 * boundaries (0, 23, 24, 255, 256, ...) or with realistic ones, the
 * decode / re-encode / decode property every fuzz target checks, and a
 * packer for member records written from docs/wire.md rather than from
 * msg.c, so that tests compare the encoder against the documented layout
 * and can build records the encoder refuses to write.
 *
 * Everything works from the descriptors (msg_registry.h), so a new message
 * type is covered by the fuzzers and the corpus without a line here.
 *
 * Header-only (static inline) so that every user gets its own copy and the
 * fuzz/ helper glob of the build does not have to know about it. */
#ifndef HS_FUZZ_MSG_TESTLIB_H_
#define HS_FUZZ_MSG_TESTLIB_H_

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_msg.h"
#include "frame.h"
#include "msg.h"
#include "msg_registry.h"
#include "rng.h"
#include "swim_msg.h"

/* Storage for one decoded body of any type. */
typedef struct {
    uint64_t words[MSG_BODY_MAX / sizeof(uint64_t)];
} testlib_body;

/* One body of any type, by its struct, for tests that build and read
 * messages field by field (tests/unit/test_msg.c, test_node.c). */
typedef union {
    msg_probe probe;
    msg_sync sync;
    msg_error error;
    msg_hello hello;
    msg_request request;
    msg_members members;
    msg_stats stats;
} testlib_typed_body;

/* ---- member records (docs/wire.md section 3.2) ---------------------------- */

/* The wire limits msg.c keeps private. */
#define TESTLIB_RECORD_FIXED 12u /* bytes after the name */
#define TESTLIB_RECORD_MIN (1u + TESTLIB_RECORD_FIXED)
#define TESTLIB_RECORD_MAX 128u

static inline uint8_t *testlib_put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    }
    return p + bytes;
}

/* A record from raw field values, none of them checked: the length byte
 * says name_len (low 8 bits) and name_len bytes of name follow.  Returns
 * the record's length, 1 + name_len + 12; out needs that much room. */
static inline size_t testlib_record(uint8_t *out, const char *name, size_t name_len,
                                    uint32_t ip, uint16_t port, uint32_t inc, uint8_t state,
                                    uint8_t role)
{
    uint8_t *p = out;
    *p++ = (uint8_t)name_len;
    if (name_len > 0) {
        memcpy(p, name, name_len);
    }
    p += name_len;
    p = testlib_put_be(p, ip, 4);
    p = testlib_put_be(p, port, 2);
    p = testlib_put_be(p, inc, 4);
    *p++ = state;
    *p++ = role;
    return (size_t)(p - out);
}

static inline size_t testlib_member_record(uint8_t *out, const msg_member *m)
{
    return testlib_record(out, m->name.bytes, m->name.len, m->addr.ip, m->addr.port,
                          m->incarnation, m->state, m->role);
}

/* ---- field access ---------------------------------------------------------- */

static inline void *testlib_at(void *body, uint16_t offset)
{
    return (uint8_t *)body + offset;
}

static inline void testlib_set_uint(const msg_field *f, void *body, uint64_t v)
{
    void *p = testlib_at(body, f->offset);
    switch (f->kind) {
    case MSG_K_U8:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case MSG_K_U16:
        *(uint16_t *)p = (uint16_t)v;
        break;
    case MSG_K_U32:
        *(uint32_t *)p = (uint32_t)v;
        break;
    default:
        *(uint64_t *)p = v;
        break;
    }
}

/* The first field of a kind, NULL when the type has none. */
static inline const msg_field *testlib_field_of(const msg_desc *d, msg_kind kind)
{
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (d->fields[i].kind == kind) {
            return &d->fields[i];
        }
    }
    return NULL;
}

static inline const msg_field *testlib_field_by_key(const msg_desc *d, uint64_t key)
{
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (d->fields[i].key == key) {
            return &d->fields[i];
        }
    }
    return NULL;
}

/* ---- random bodies ---------------------------------------------------------- */

/* A value in 0..max, half the time one of the encoding boundaries. */
static inline uint64_t testlib_value(rng *r, uint64_t max)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     23,
                                     24,
                                     255,
                                     256,
                                     65535,
                                     65536,
                                     UINT64_C(0xffffffff),
                                     UINT64_C(0x100000000),
                                     UINT64_C(0x7fffffff),
                                     UINT64_MAX};
    if (rng_below(r, 2) == 0) {
        uint64_t v = edges[rng_below(r, HS_ARRAY_LEN(edges))];
        return v > max ? max : v;
    }
    /* Uniform over a random bit width, so small values are common. */
    uint64_t bits = rng_range(r, 1, 64);
    uint64_t v = bits == 64 ? rng_next(r) : rng_next(r) & ((UINT64_C(1) << bits) - 1);
    return v > max ? v % (max == UINT64_MAX ? max : max + 1) : v;
}

/* Printable text of len bytes from lo..0x7e. */
static inline void testlib_text(rng *r, char *out, size_t len, unsigned lo)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (char)rng_range(r, lo, 0x7e);
    }
    out[len] = '\0';
}

static inline void testlib_name(rng *r, hs_name *name)
{
    size_t len = rng_below(r, 4) == 0 ? (size_t)rng_range(r, 1, HS_NAME_MAX)
                                      : (size_t)rng_range(r, 5, 14);
    testlib_text(r, name->bytes, len, 0x21);
    name->len = (uint8_t)len;
}

static inline hs_addr testlib_addr(rng *r)
{
    hs_addr a;
    a.ip = (uint32_t)testlib_value(r, UINT32_MAX);
    a.port = (uint16_t)rng_range(r, 1, UINT16_MAX);
    return a;
}

static inline void testlib_member(rng *r, msg_member *m)
{
    testlib_name(r, &m->name);
    m->addr = testlib_addr(r);
    m->incarnation = (uint32_t)testlib_value(r, MSG_INCARNATION_MAX);
    m->state = (uint8_t)rng_below(r, MEMBER_STATE_COUNT);
    m->role = (uint8_t)rng_below(r, NODE_ROLE_COUNT);
}

static inline uint32_t testlib_list_len(rng *r, const msg_field *f, uint32_t cap,
                                        uint32_t max_list)
{
    uint64_t limit = f->max < cap ? f->max : cap;
    limit = limit < max_list ? limit : max_list;
    return rng_below(r, 3) == 0 ? (uint32_t)limit : (uint32_t)rng_below(r, limit + 1);
}

static inline void testlib_random_field(rng *r, const msg_field *f, void *body,
                                        const msg_rx_store *store, uint32_t max_list)
{
    void *p = testlib_at(body, f->offset);
    switch (f->kind) {
    case MSG_K_BOOL:
        *(bool *)p = rng_below(r, 2) == 0;
        break;
    case MSG_K_NAME:
        testlib_name(r, p);
        break;
    case MSG_K_ADDR:
        *(hs_addr *)p = testlib_addr(r);
        break;
    case MSG_K_TEXT:
    case MSG_K_BYTES: {
        size_t len = (size_t)rng_below(r, f->max + 1);
        if (f->kind == MSG_K_TEXT) {
            testlib_text(r, p, len, 0x20);
        } else {
            for (size_t i = 0; i < len; i++) {
                ((uint8_t *)p)[i] = (uint8_t)rng_next(r);
            }
        }
        *(uint8_t *)testlib_at(body, f->aux_offset) = (uint8_t)len;
        break;
    }
    case MSG_K_MEMBER_LIST: {
        msg_member_list *l = p;
        *l = (msg_member_list){store->members, 0, store->members_cap};
        l->count = testlib_list_len(r, f, store->members_cap, max_list);
        for (uint32_t i = 0; i < l->count; i++) {
            testlib_member(r, &l->items[i]);
        }
        break;
    }
    case MSG_K_COUNTER_LIST: {
        msg_counter_list *l = p;
        *l = (msg_counter_list){store->counters, 0, store->counters_cap};
        l->count = testlib_list_len(r, f, store->counters_cap, max_list);
        for (uint32_t i = 0; i < l->count; i++) {
            size_t len = (size_t)rng_range(r, 1, MSG_COUNTER_NAME_MAX);
            testlib_text(r, l->items[i].name, len, 0x21);
            l->items[i].value = testlib_value(r, UINT64_MAX);
        }
        break;
    }
    default:
        testlib_set_uint(f, body, testlib_value(r, f->max));
        break;
    }
}

/* A random valid body of the descriptor's type: every required field set,
 * each optional one set half the time (its presence flag with it); lists
 * in store, at most max_list entries. */
static inline void testlib_random_body(rng *r, const msg_desc *d, void *body,
                                       const msg_rx_store *store, uint32_t max_list)
{
    memset(body, 0, d->size);
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (!(f->flags & MSG_F_REQ) && rng_below(r, 2) == 0) {
            if (f->kind == MSG_K_MEMBER_LIST) {
                *(msg_member_list *)testlib_at(body, f->offset) =
                    (msg_member_list){store->members, 0, store->members_cap};
            } else if (f->kind == MSG_K_COUNTER_LIST) {
                *(msg_counter_list *)testlib_at(body, f->offset) =
                    (msg_counter_list){store->counters, 0, store->counters_cap};
            }
            continue;
        }
        testlib_random_field(r, f, body, store, max_list);
        if (f->flags & MSG_F_HAS) {
            *(bool *)testlib_at(body, f->aux_offset) = true;
        }
    }
}

/* ---- realistic bodies ------------------------------------------------------- */

static inline void testlib_set_name(hs_name *name, const char *text)
{
    if (hs_name_set(name, text, strlen(text)) != HS_OK) {
        abort();
    }
}

/* Members named like a real cluster: gates, managers, many workers. */
static inline void testlib_realistic_members(msg_member *list, uint32_t n, uint32_t salt)
{
    for (uint32_t i = 0; i < n; i++) {
        char name[32];
        uint32_t k = i + salt;
        if (k % 10 == 0) {
            snprintf(name, sizeof(name), "gate-%03u", k / 10);
        } else if (k % 10 == 1) {
            snprintf(name, sizeof(name), "manager-%03u", k / 10);
        } else {
            snprintf(name, sizeof(name), "worker-%03u", k);
        }
        testlib_set_name(&list[i].name, name);
        list[i].addr = (hs_addr){0x0a000000u | (17u + k), 7946};
        list[i].incarnation = (k * 7u) % 50u;
        list[i].state = (uint8_t)(k % 9 == 4 ? MEMBER_SUSPECT : k % 13 == 5 ? MEMBER_DEAD
                                                                             : MEMBER_ALIVE);
        list[i].role = (uint8_t)(k % 10 == 0 ? ROLE_GATE : k % 10 == 1 ? ROLE_MANAGER
                                                                       : ROLE_WORKER);
    }
}

static inline void testlib_realistic_field(const msg_field *f, void *body,
                                           const msg_rx_store *store, uint32_t count,
                                           uint32_t salt)
{
    static const char *const counter_names[] = {"frames_rx",     "frames_tx",
                                                "frames_rejected", "msgs_rejected",
                                                "unknown_type",  "probes_sent",
                                                "acks_received", "suspicions_started"};
    static const char detail[] = "unknown message type 99 on udp";
    void *p = testlib_at(body, f->offset);
    switch (f->kind) {
    case MSG_K_BOOL:
        *(bool *)p = true;
        break;
    case MSG_K_NAME:
        testlib_set_name(p, f->key == 2 ? "worker-042" : "worker-017");
        break;
    case MSG_K_ADDR:
        *(hs_addr *)p = (hs_addr){0x0a000022u, 7946};
        break;
    case MSG_K_TEXT:
    case MSG_K_BYTES: {
        size_t len = sizeof(detail) - 1 < f->max ? sizeof(detail) - 1 : f->max;
        memcpy(p, detail, len);
        if (f->kind == MSG_K_TEXT) {
            ((char *)p)[len] = '\0';
        }
        *(uint8_t *)testlib_at(body, f->aux_offset) = (uint8_t)len;
        break;
    }
    case MSG_K_MEMBER_LIST: {
        msg_member_list *l = p;
        *l = (msg_member_list){store->members, 0, store->members_cap};
        l->count = count < f->max ? count : (uint32_t)f->max;
        testlib_realistic_members(l->items, l->count, salt);
        break;
    }
    case MSG_K_COUNTER_LIST: {
        msg_counter_list *l = p;
        *l = (msg_counter_list){store->counters, 0, store->counters_cap};
        l->count = count == 0 ? 0 : HS_ARRAY_LEN(counter_names);
        for (uint32_t i = 0; i < l->count; i++) {
            snprintf(l->items[i].name, sizeof(l->items[i].name), "%s", counter_names[i]);
            l->items[i].value = (uint64_t)i * 100003u + 17u;
        }
        break;
    }
    default: {
        /* Small plausible values: 912 for a seq, 1 for a version, ... */
        uint64_t v = 1 + (uint64_t)f->key * 911u;
        testlib_set_uint(f, body, v <= f->max ? v : f->max);
        break;
    }
    }
}

/* A realistic body: every field set, lists with count entries (clamped to
 * each field's limit); count 0 leaves every optional field empty. */
static inline void testlib_realistic_body(const msg_desc *d, void *body,
                                          const msg_rx_store *store, uint32_t count)
{
    memset(body, 0, d->size);
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (!(f->flags & MSG_F_REQ) && count == 0) {
            continue;
        }
        testlib_realistic_field(f, body, store, count, d->type);
        if (f->flags & MSG_F_HAS) {
            *(bool *)testlib_at(body, f->aux_offset) = true;
        }
    }
}

/* Realistic list sizes: 5 gossip entries, 20 sync members, 100 rows. */
static inline uint32_t testlib_realistic_count(const msg_desc *d)
{
    const msg_field *f = testlib_field_of(d, MSG_K_MEMBER_LIST);
    if (f == NULL) {
        return testlib_field_of(d, MSG_K_COUNTER_LIST) != NULL ? 8 : 0;
    }
    return f->max <= MSG_GOSSIP_MAX ? MSG_GOSSIP_SEND_MAX : f->max <= MSG_SYNC_MAX ? 20 : 100;
}

/* ---- the round-trip property ------------------------------------------------ */

/* Every message fits: MEMBERS_RESP at its limit with 63-byte names needs
 * about 330 KB. */
#define TESTLIB_ENCODE_CAP (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)

typedef struct {
    msg_member *members[3];
    msg_counter *counters[3];
    uint8_t *buf[2];
} testlib_rt;

/* Allocated once per process: the fuzzers run this millions of times. */
static inline testlib_rt *testlib_rt_get(void)
{
    static testlib_rt s;
    static bool ready;
    if (!ready) {
        for (int i = 0; i < 3; i++) {
            s.members[i] = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
            s.counters[i] = malloc(MSG_COUNTERS_MAX * sizeof(msg_counter));
            if (s.members[i] == NULL || s.counters[i] == NULL) {
                abort();
            }
        }
        for (int i = 0; i < 2; i++) {
            s.buf[i] = malloc(TESTLIB_ENCODE_CAP);
            if (s.buf[i] == NULL) {
                abort();
            }
        }
        ready = true;
    }
    return &s;
}

static inline msg_rx_store testlib_store(testlib_rt *s, int i)
{
    return (msg_rx_store){s->members[i], MSG_MEMBERS_MAX, s->counters[i], MSG_COUNTERS_MAX};
}

static inline uint32_t testlib_list_count(const msg_desc *d, const void *body, msg_kind kind)
{
    const msg_field *f = testlib_field_of(d, kind);
    if (f == NULL) {
        return 0;
    }
    const void *p = (const uint8_t *)body + f->offset;
    return kind == MSG_K_MEMBER_LIST ? ((const msg_member_list *)p)->count
                                     : ((const msg_counter_list *)p)->count;
}

/* A decode into one entry less than the message carries must refuse with
 * HS_ERR_LIMIT and stay inside its storage: the short list sits at the very
 * end of its heap block, so a write past it hits the ASan redzone. */
static inline void testlib_check_short_lists(testlib_rt *s, const msg_desc *d,
                                             const uint8_t *payload, size_t n,
                                             const void *decoded)
{
    uint32_t members = testlib_list_count(d, decoded, MSG_K_MEMBER_LIST);
    uint32_t counters = testlib_list_count(d, decoded, MSG_K_COUNTER_LIST);
    testlib_body c;
    if (members > 0) {
        msg_rx_store st = testlib_store(s, 2);
        st.members = s->members[2] + (MSG_MEMBERS_MAX - (members - 1));
        st.members_cap = members - 1;
        if (msg_decode(d, payload, n, &c, &st) != HS_ERR_LIMIT) {
            abort();
        }
    }
    if (counters > 0) {
        msg_rx_store st = testlib_store(s, 2);
        st.counters = s->counters[2] + (MSG_COUNTERS_MAX - (counters - 1));
        st.counters_cap = counters - 1;
        if (msg_decode(d, payload, n, &c, &st) != HS_ERR_LIMIT) {
            abort();
        }
    }
}

/* The property every codec fuzz target checks (abort on violation): a
 * payload that decodes as d re-encodes, the encoding decodes to the same
 * fields, encoding is a function of the fields (the second encoding equals
 * the first byte for byte), and a canonical encoding is never longer than
 * the input (unknown keys and wide heads only add bytes).  Returns whether
 * the payload decoded. */
static inline bool testlib_roundtrip(const msg_desc *d, const uint8_t *payload, size_t n)
{
    testlib_rt *s = testlib_rt_get();
    testlib_body a;
    testlib_body b;
    msg_rx_store sa = testlib_store(s, 0);
    msg_rx_store sb = testlib_store(s, 1);
    if (msg_decode(d, payload, n, &a, &sa) != HS_OK) {
        return false;
    }
    testlib_check_short_lists(s, d, payload, n, &a);
    size_t len_a = 0;
    size_t len_b = 0;
    if (msg_encode(d, &a, s->buf[0], TESTLIB_ENCODE_CAP, &len_a) != HS_OK) {
        abort();
    }
    if (msg_decode(d, s->buf[0], len_a, &b, &sb) != HS_OK || msg_body_diff(d, &a, &b) != NULL) {
        abort();
    }
    if (msg_encode(d, &b, s->buf[1], TESTLIB_ENCODE_CAP, &len_b) != HS_OK || len_b != len_a ||
        memcmp(s->buf[0], s->buf[1], len_a) != 0) {
        abort();
    }
    if (len_a > n) {
        abort();
    }
    return true;
}

#endif /* HS_FUZZ_MSG_TESTLIB_H_ */
