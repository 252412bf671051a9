/* Test support for the wire codec, shared by the fuzz harnesses, the corpus
 * generator (fuzz/corpus_gen.c) and the unit tests: a field-by-field
 * comparison of two messages, seeded random messages of every type whose
 * values favour the encoding boundaries (0, 23, 24, 255, 256, ...), and a
 * packer for member records written from docs/wire.md rather than from
 * msg.c, so that tests compare the encoder against the documented layout
 * and can build records the encoder refuses to write.
 *
 * Header-only (static inline) so that every user gets its own copy and the
 * fuzz/ helper glob of the build does not have to know about it. */
#ifndef HS_FUZZ_MSG_TESTLIB_H_
#define HS_FUZZ_MSG_TESTLIB_H_

#include <string.h>

#include "msg.h"
#include "rng.h"

/* ---- comparison --------------------------------------------------------- */

static inline bool testlib_addr_eq(hs_addr a, hs_addr b)
{
    return a.ip == b.ip && a.port == b.port;
}

/* Names compare by length and bytes, and must be NUL-terminated. */
static inline bool testlib_name_eq(const hs_name *a, const hs_name *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0 &&
           a->bytes[a->len] == '\0' && b->bytes[b->len] == '\0';
}

static inline const char *testlib_member_diff(const msg_member *a, const msg_member *b)
{
    if (!testlib_name_eq(&a->name, &b->name)) {
        return "member.name";
    }
    if (!testlib_addr_eq(a->addr, b->addr)) {
        return "member.addr";
    }
    if (a->incarnation != b->incarnation) {
        return "member.incarnation";
    }
    if (a->state != b->state) {
        return "member.state";
    }
    if (a->role != b->role) {
        return "member.role";
    }
    return NULL;
}

static inline const char *testlib_list_diff(const msg *a, const msg *b)
{
    if (a->list_count != b->list_count) {
        return "list_count";
    }
    for (uint32_t i = 0; i < a->list_count; i++) {
        const char *d = testlib_member_diff(&a->list[i], &b->list[i]);
        if (d != NULL) {
            return d;
        }
    }
    return NULL;
}

static inline const char *testlib_family_diff(const msg *a, const msg *b)
{
    switch (a->type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        if (a->u.probe.seq != b->u.probe.seq) {
            return "probe.seq";
        }
        if (!testlib_name_eq(&a->u.probe.source, &b->u.probe.source)) {
            return "probe.source";
        }
        if (!testlib_name_eq(&a->u.probe.target, &b->u.probe.target)) {
            return "probe.target";
        }
        if (a->u.probe.has_target_inc != b->u.probe.has_target_inc ||
            a->u.probe.target_inc != b->u.probe.target_inc) {
            return "probe.target_inc";
        }
        if (!testlib_addr_eq(a->u.probe.target_addr, b->u.probe.target_addr)) {
            return "probe.target_addr";
        }
        return NULL;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        if (a->u.sync.seq != b->u.sync.seq) {
            return "sync.seq";
        }
        if (!testlib_name_eq(&a->u.sync.source, &b->u.sync.source)) {
            return "sync.source";
        }
        if (a->u.sync.proto_major != b->u.sync.proto_major) {
            return "sync.proto_major";
        }
        if (a->u.sync.proto_minor != b->u.sync.proto_minor) {
            return "sync.proto_minor";
        }
        if (a->u.sync.status != b->u.sync.status) {
            return "sync.status";
        }
        return NULL;
    case MSG_ERROR:
        if (a->u.error.code != b->u.error.code) {
            return "error.code";
        }
        if (a->u.error.offending_type != b->u.error.offending_type) {
            return "error.offending_type";
        }
        if (a->u.error.detail_len != b->u.error.detail_len ||
            memcmp(a->u.error.detail, b->u.error.detail, a->u.error.detail_len) != 0 ||
            a->u.error.detail[a->u.error.detail_len] != '\0' ||
            b->u.error.detail[b->u.error.detail_len] != '\0') {
            return "error.detail";
        }
        return NULL;
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
    case MSG_MEMBERS_RESP:
        if (a->u.request.request_id != b->u.request.request_id) {
            return "request.request_id";
        }
        if (!testlib_name_eq(&a->u.request.node, &b->u.request.node)) {
            return "request.node";
        }
        return NULL;
    case MSG_STATS_RESP:
        if (a->u.stats.request_id != b->u.stats.request_id) {
            return "stats.request_id";
        }
        if (!testlib_name_eq(&a->u.stats.node, &b->u.stats.node)) {
            return "stats.node";
        }
        if (a->u.stats.count != b->u.stats.count) {
            return "stats.count";
        }
        for (uint32_t i = 0; i < a->u.stats.count; i++) {
            if (strcmp(a->u.stats.counters[i].name, b->u.stats.counters[i].name) != 0) {
                return "stats.counter.name";
            }
            if (a->u.stats.counters[i].value != b->u.stats.counters[i].value) {
                return "stats.counter.value";
            }
        }
        return NULL;
    default:
        return "type (not in the catalogue)";
    }
}

/* NULL when a and b carry the same message, else the first field that
 * differs. */
static inline const char *testlib_msg_diff(const msg *a, const msg *b)
{
    if (a->type != b->type) {
        return "type";
    }
    const char *d = testlib_family_diff(a, b);
    return d != NULL ? d : testlib_list_diff(a, b);
}

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

/* ---- random messages ---------------------------------------------------- */

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

static inline void testlib_empty_name(hs_name *name)
{
    name->len = 0;
    name->bytes[0] = '\0';
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

/* Fills m with a random valid message of the given type.  The member list
 * goes into list (room for cap entries) with at most max_list entries;
 * fields the type does not carry are left at the decoder's defaults. */
static inline void testlib_random_msg(rng *r, uint16_t type, msg *m, msg_member *list,
                                      uint32_t cap, uint32_t max_list)
{
    const msg_type_info *info = msg_info(type);
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->list = list;
    m->list_cap = cap;
    uint32_t limit = info->list_max < cap ? info->list_max : cap;
    if (limit > max_list) {
        limit = max_list;
    }
    if (limit > 0) {
        m->list_count = rng_below(r, 3) == 0 ? limit : (uint32_t)rng_below(r, limit + 1);
        for (uint32_t i = 0; i < m->list_count; i++) {
            testlib_member(r, &list[i]);
        }
    }
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        m->u.probe.seq = testlib_value(r, MSG_SEQ_MAX);
        testlib_name(r, &m->u.probe.source);
        testlib_empty_name(&m->u.probe.target);
        if (type != MSG_ACK) {
            testlib_name(r, &m->u.probe.target);
        }
        if (type == MSG_PING_REQ) {
            m->u.probe.target_addr = testlib_addr(r);
        }
        m->u.probe.has_target_inc = false;
        m->u.probe.target_inc = 0;
        if (type != MSG_ACK && rng_below(r, 2) == 0) {
            m->u.probe.has_target_inc = true;
            m->u.probe.target_inc = (uint32_t)testlib_value(r, MSG_INCARNATION_MAX);
        }
        break;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        m->u.sync.seq = testlib_value(r, MSG_SEQ_MAX);
        testlib_name(r, &m->u.sync.source);
        m->u.sync.proto_major = (uint32_t)testlib_value(r, UINT32_MAX);
        m->u.sync.proto_minor = (uint32_t)testlib_value(r, UINT32_MAX);
        if (type == MSG_JOIN_ACK) {
            m->u.sync.status = (uint32_t)testlib_value(r, UINT32_MAX);
        }
        break;
    case MSG_ERROR: {
        m->u.error.code = (uint32_t)testlib_value(r, UINT32_MAX);
        m->u.error.offending_type = (uint32_t)testlib_value(r, UINT16_MAX);
        size_t len = (size_t)rng_below(r, MSG_DETAIL_MAX + 1);
        testlib_text(r, m->u.error.detail, len, 0x20);
        m->u.error.detail_len = (uint8_t)len;
        break;
    }
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        m->u.request.request_id = testlib_value(r, UINT64_MAX);
        testlib_empty_name(&m->u.request.node);
        break;
    case MSG_MEMBERS_RESP:
        m->u.request.request_id = testlib_value(r, UINT64_MAX);
        testlib_name(r, &m->u.request.node);
        break;
    case MSG_STATS_RESP: {
        msg_stats *st = &m->u.stats;
        st->request_id = testlib_value(r, UINT64_MAX);
        testlib_name(r, &st->node);
        st->count = (uint32_t)rng_below(r, MSG_COUNTERS_MAX + 1);
        for (uint32_t i = 0; i < st->count; i++) {
            size_t len = (size_t)rng_range(r, 1, MSG_COUNTER_NAME_MAX);
            testlib_text(r, st->counters[i].name, len, 0x21);
            st->counters[i].value = testlib_value(r, UINT64_MAX);
        }
        break;
    }
    default:
        break;
    }
}

#endif /* HS_FUZZ_MSG_TESTLIB_H_ */
