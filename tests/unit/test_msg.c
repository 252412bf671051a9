/* Unit tests for the table-driven codec (core/wire/msg.c) and the message
 * registry (core/node/msg_registry.c): the registry and every descriptor,
 * round-trip properties over thousands of seeded random bodies of every
 * descriptor, a descriptor of 14 keys (more than the old 8-bit key masks
 * held), descriptor checks, the packed member record's byte layout and
 * msg_member_size exactness (both against records packed by hand from
 * docs/wire.md), the encoder's refusals, the decoder's rejection list
 * (truncation at every byte, trailing bytes, duplicate, missing and
 * mistyped keys, out-of-range values, member record shapes, list limits and
 * caller capacity, deep nesting, indefinite items, tags, huge declared
 * sizes, non-printable names), and the seed corpora under fuzz/corpus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl_msg.h"
#include "dec.h"
#include "enc.h"
#include "event.h"
#include "frame.h"
#include "meta.h"
#include "module_list.h"
#include "msg.h"
#include "msg_registry.h"
#include "rng.h"
#include "swim_msg.h"

#include "msg_testlib.h"

#define BUF_MAX (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)

/* Every registered type, ascending (filled by main from the registry). */
static uint16_t all_types[64];
static size_t type_count;

static msg_member list_a[MSG_MEMBERS_MAX];
static msg_member list_b[MSG_MEMBERS_MAX];
static msg_counter counters_a[MSG_COUNTERS_MAX];
static msg_counter counters_b[MSG_COUNTERS_MAX];
static uint8_t buf_a[BUF_MAX];
static uint8_t buf_b[BUF_MAX];
static uint8_t work[BUF_MAX];

/* A message of any type as the tests handle it: its type and its body. */
typedef struct {
    uint16_t type;
    testlib_typed_body u;
} tbody;

HS_STATIC_ASSERT(sizeof(((tbody *)0)->u) <= MSG_BODY_MAX, "test bodies fit the scratch");

static const msg_desc *desc_of(uint16_t type)
{
    const msg_desc *d = msg_registry_find(type);
    assert_non_null(d);
    return d;
}

static uint32_t list_max_of(uint16_t type)
{
    const msg_field *f = testlib_field_of(desc_of(type), MSG_K_MEMBER_LIST);
    return f != NULL ? (uint32_t)f->max : 0;
}

/* The member list of a body; a dummy (always empty) for types without. */
static msg_member_list *tlist(tbody *m)
{
    static msg_member_list none;
    const msg_field *f = testlib_field_of(desc_of(m->type), MSG_K_MEMBER_LIST);
    if (f == NULL) {
        none = (msg_member_list){NULL, 0, 0};
        return &none;
    }
    return (msg_member_list *)((uint8_t *)&m->u + f->offset);
}

/* Decode storage: member lists go to rx_list (cap rx_cap), counters to
 * counters_b. */
static msg_member *rx_list = list_b;
static uint32_t rx_cap = MSG_MEMBERS_MAX;

static void init_out(tbody *m, msg_member *list, uint32_t cap)
{
    memset(m, 0, sizeof(*m));
    rx_list = list;
    rx_cap = cap;
}

static hs_status tdecode(uint16_t type, const uint8_t *bytes, size_t len, tbody *m)
{
    msg_rx_store st = {rx_list, rx_cap, counters_b, MSG_COUNTERS_MAX};
    m->type = type;
    const msg_desc *d = msg_registry_find(type);
    hs_status s = d != NULL ? msg_decode(d, bytes, len, &m->u, &st) : HS_ERR_UNKNOWN_TYPE;
    rx_list = list_b;
    rx_cap = MSG_MEMBERS_MAX;
    return s;
}

static hs_status tencode(const tbody *m, uint8_t *buf, size_t cap, size_t *len)
{
    return msg_encode(desc_of(m->type), &m->u, buf, cap, len);
}

static hs_status tencode_frame(const tbody *m, uint8_t *buf, size_t cap, size_t *len)
{
    return msg_encode_frame(desc_of(m->type), &m->u, buf, cap, len);
}

static const char *tdiff(const tbody *a, const tbody *b)
{
    return a->type != b->type ? "type" : msg_body_diff(desc_of(a->type), &a->u, &b->u);
}

static hs_status decode_into_exact(uint16_t type, const uint8_t *bytes, size_t len, tbody *m);

static hs_status decode(uint16_t type, const uint8_t *bytes, size_t len)
{
    tbody m;
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    return decode_into_exact(type, bytes, len, &m);
}

/* ---- realistic messages and pair splicing ---------------------------------- */

static void set_name(hs_name *name, const char *text)
{
    assert_int_equal(hs_name_set(name, text, strlen(text)), HS_OK);
}

/* Written by hand per type (not from the descriptors), so a descriptor
 * that lost or renumbered a field shows up as a changed encoding. */
static void realistic(uint16_t type, tbody *m, msg_member *list)
{
    memset(m, 0, sizeof(*m));
    m->type = type;
    msg_member_list *l = tlist(m);
    l->items = list;
    l->count = list_max_of(type) > 0 ? 3 : 0;
    for (uint32_t i = 0; i < l->count; i++) {
        char name[16];
        snprintf(name, sizeof(name), "worker-%03u", i + 17);
        set_name(&list[i].name, name);
        list[i].addr.ip = 0x0a000011u + i;
        list[i].addr.port = 7946;
        list[i].incarnation = 5 + i * 300;
        list[i].state = (uint8_t)(i % MEMBER_STATE_COUNT);
        list[i].role = ROLE_WORKER;
    }
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        m->u.probe.seq = 4242;
        set_name(&m->u.probe.source, "worker-042");
        if (type != MSG_ACK) {
            set_name(&m->u.probe.target, "worker-017");
        }
        if (type == MSG_PING_REQ) {
            m->u.probe.target_addr.ip = 0x0a000011u;
            m->u.probe.target_addr.port = 7946;
        }
        break;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        m->u.sync.seq = 77;
        set_name(&m->u.sync.source, "manager-001");
        m->u.sync.proto_major = MSG_PROTO_MAJOR;
        m->u.sync.proto_minor = MSG_PROTO_MINOR;
        m->u.sync.status = type == MSG_JOIN_ACK ? 3 : 0;
        break;
    case MSG_ERROR:
        m->u.error.code = HS_ERR_UNKNOWN_TYPE;
        m->u.error.offending_type = 99;
        memcpy(m->u.error.detail, "no such type", 13);
        m->u.error.detail_len = 12;
        break;
    case MSG_HELLO:
        set_name(&m->u.hello.name, "hsctl");
        m->u.hello.role = ROLE_CLIENT;
        m->u.hello.proto_major = MSG_PROTO_MAJOR;
        m->u.hello.proto_minor = MSG_PROTO_MINOR;
        m->u.hello.incarnation = 12;
        break;
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        m->u.request.request_id = 9;
        break;
    case MSG_MEMBERS_RESP:
        m->u.members.request_id = 9;
        set_name(&m->u.members.node, "gate-001");
        break;
    case MSG_STATS_RESP:
        m->u.stats.request_id = 9;
        set_name(&m->u.stats.node, "gate-001");
        m->u.stats.counters.items = counters_a;
        m->u.stats.counters.count = 3;
        for (uint32_t i = 0; i < 3; i++) {
            snprintf(counters_a[i].name, sizeof(counters_a[i].name), "counter_%u", i);
            counters_a[i].value = i * 1000u;
        }
        break;
    default:
        fail();
    }
}

typedef struct {
    uint64_t key;
    size_t start; /* the key's first byte */
    size_t vstart;
    size_t end;
} tpair;

/* The encoded realistic message of a type, split into its pairs. */
typedef struct {
    uint16_t type;
    uint8_t bytes[4096];
    size_t len;
    tpair pairs[16];
    uint32_t count;
} tmsg;

static void tmsg_make(tmsg *t, uint16_t type)
{
    tbody m;
    realistic(type, &m, list_a);
    t->type = type;
    assert_int_equal(tencode(&m, t->bytes, sizeof(t->bytes), &t->len), HS_OK);
    dec d;
    uint64_t n = 0;
    dec_init(&d, t->bytes, t->len);
    assert_int_equal(dec_map(&d, &n), HS_OK);
    assert_true(n <= HS_ARRAY_LEN(t->pairs));
    t->count = (uint32_t)n;
    for (uint32_t i = 0; i < t->count; i++) {
        t->pairs[i].start = d.pos;
        assert_int_equal(dec_uint(&d, &t->pairs[i].key), HS_OK);
        t->pairs[i].vstart = d.pos;
        assert_int_equal(dec_skip(&d), HS_OK);
        t->pairs[i].end = d.pos;
    }
    assert_int_equal(dec_finish(&d), HS_OK);
}

static const tpair *tmsg_pair(const tmsg *t, uint64_t key)
{
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->pairs[i].key == key) {
            return &t->pairs[i];
        }
    }
    return NULL;
}

typedef struct {
    uint8_t *bytes;
    size_t len;
} tout;

static void out_raw(tout *o, const void *p, size_t n)
{
    assert_true(o->len + n <= BUF_MAX);
    memcpy(o->bytes + o->len, p, n);
    o->len += n;
}

static void out_head(tout *o, uint8_t major, uint64_t v)
{
    uint8_t tmp[9];
    enc e;
    size_t n = 0;
    enc_init(&e, tmp, sizeof(tmp));
    enc_uint(&e, v);
    assert_int_equal(enc_finish(&e, &n), HS_OK);
    tmp[0] = (uint8_t)(tmp[0] | (major << 5));
    out_raw(o, tmp, n);
}

static void out_text(tout *o, const char *s)
{
    out_head(o, 3, strlen(s));
    out_raw(o, s, strlen(s));
}

/* A variant of t: the pair of key `drop` left out, the value of key
 * `replace` swapped for rval, then extra_pairs raw pairs appended. */
typedef struct {
    uint64_t drop;
    uint64_t replace;
    const void *rval;
    size_t rlen;
    const void *extra;
    size_t extra_len;
    uint32_t extra_pairs;
} tvariant;

#define NO_KEY UINT64_MAX

static size_t tmsg_variant(const tmsg *t, const tvariant *v, uint8_t *outbuf)
{
    tout o = {outbuf, 0};
    uint32_t kept = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        kept += t->pairs[i].key != v->drop;
    }
    out_head(&o, 5, kept + v->extra_pairs);
    for (uint32_t i = 0; i < t->count; i++) {
        const tpair *p = &t->pairs[i];
        if (p->key == v->drop) {
            continue;
        }
        if (p->key == v->replace) {
            out_raw(&o, t->bytes + p->start, p->vstart - p->start);
            out_raw(&o, v->rval, v->rlen);
        } else {
            out_raw(&o, t->bytes + p->start, p->end - p->start);
        }
    }
    if (v->extra_len > 0) {
        out_raw(&o, v->extra, v->extra_len);
    }
    return o.len;
}

/* Decodes from an exactly-sized heap copy so ASan sees any over-read. */
static hs_status decode_into_exact(uint16_t type, const uint8_t *bytes, size_t len, tbody *m)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    if (len > 0) {
        memcpy(copy, bytes, len);
    }
    hs_status st = tdecode(type, copy, len, m);
    free(copy);
    return st;
}

static hs_status decode_variant(const tmsg *t, const tvariant *v)
{
    size_t n = tmsg_variant(t, v, work);
    return decode(t->type, work, n);
}

/* The key of a type's member list, 0 when none (from docs/wire.md). */
static uint64_t list_key_of(uint16_t type)
{
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        return 5;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        return 6;
    case MSG_MEMBERS_RESP:
        return 3;
    default:
        return 0;
    }
}

/* Required keys per type: the contract documented in docs/wire.md. */
static uint32_t required_keys(uint16_t type)
{
    switch (type) {
    case MSG_PING:
        return 1u << 1 | 1u << 2 | 1u << 3;
    case MSG_ACK:
        return 1u << 1 | 1u << 2;
    case MSG_PING_REQ:
        return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4;
    case MSG_JOIN:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4;
    case MSG_JOIN_ACK:
        return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5;
    case MSG_ERROR:
        return 1u << 1 | 1u << 2;
    case MSG_HELLO:
        return 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5;
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        return 1u << 1;
    case MSG_MEMBERS_RESP:
    case MSG_STATS_RESP:
        return 1u << 1 | 1u << 2;
    default:
        fail();
    }
    return 0;
}

static bool member_eq(const msg_member *a, const msg_member *b)
{
    return testlib_record(buf_a, a->name.bytes, a->name.len, a->addr.ip, a->addr.port,
                          a->incarnation, a->state, a->role) ==
               testlib_record(buf_b, b->name.bytes, b->name.len, b->addr.ip, b->addr.port,
                              b->incarnation, b->state, b->role) &&
           memcmp(buf_a, buf_b, testlib_member_record(buf_a, a)) == 0;
}

/* ---- registry and descriptors ------------------------------------------------ */

static void test_registry(void **state)
{
    HS_UNUSED(state);
    static const struct {
        uint16_t type;
        const char *name;
        uint32_t channels;
        uint8_t module;
        uint32_t list_max;
    } want[] = {
        {MSG_PING, "ping", MSG_ON_UDP, HS_MOD_SWIM, MSG_GOSSIP_MAX},
        {MSG_ACK, "ack", MSG_ON_UDP, HS_MOD_SWIM, MSG_GOSSIP_MAX},
        {MSG_PING_REQ, "ping_req", MSG_ON_UDP, HS_MOD_SWIM, MSG_GOSSIP_MAX},
        {MSG_JOIN, "join", MSG_ON_UDP, HS_MOD_SWIM, MSG_SYNC_MAX},
        {MSG_JOIN_ACK, "join_ack", MSG_ON_UDP, HS_MOD_SWIM, MSG_SYNC_MAX},
        {MSG_SYNC, "sync", MSG_ON_UDP, HS_MOD_SWIM, MSG_SYNC_MAX},
        {MSG_SYNC_ACK, "sync_ack", MSG_ON_UDP, HS_MOD_SWIM, MSG_SYNC_MAX},
        {MSG_ERROR, "error", MSG_ON_ANY, HS_MOD_NODE, 0},
        {MSG_HELLO, "hello", MSG_ON_TCP, HS_MOD_NODE, 0},
        {MSG_MEMBERS_REQ, "members_req", MSG_ON_TCP, HS_MOD_NODE, 0},
        {MSG_MEMBERS_RESP, "members_resp", MSG_ON_TCP, HS_MOD_NODE, MSG_MEMBERS_MAX},
        {MSG_STATS_REQ, "stats_req", MSG_ON_TCP, HS_MOD_NODE, 0},
        {MSG_STATS_RESP, "stats_resp", MSG_ON_TCP, HS_MOD_NODE, 0},
    };
    assert_int_equal(msg_registry_check(), HS_OK);
    assert_int_equal(HS_ARRAY_LEN(want), type_count);
    assert_int_equal(msg_registry_count(), type_count);
    for (size_t i = 0; i < HS_ARRAY_LEN(want); i++) {
        const msg_desc *d = msg_registry_find(want[i].type);
        assert_non_null(d);
        assert_ptr_equal(msg_registry_at((uint32_t)i), d);
        assert_int_equal(d->type, want[i].type);
        assert_string_equal(d->name, want[i].name);
        assert_int_equal(d->channels, want[i].channels);
        assert_int_equal(d->module, want[i].module);
        assert_int_equal(list_max_of(want[i].type), want[i].list_max);
        assert_int_equal(msg_desc_check(d), HS_OK);
        assert_true(d->size <= MSG_BODY_MAX);
        assert_string_equal(msg_registry_name(want[i].type), want[i].name);
        assert_string_equal(hs_event_msg_name(want[i].type), want[i].name);
    }
    const msg_field *counters = testlib_field_of(desc_of(MSG_STATS_RESP), MSG_K_COUNTER_LIST);
    assert_non_null(counters);
    assert_int_equal(counters->max, 256);
    uint32_t known = 0;
    for (uint32_t t = 0; t <= UINT16_MAX; t++) {
        known += msg_registry_find((uint16_t)t) != NULL;
    }
    assert_int_equal(known, HS_ARRAY_LEN(want));
    static const uint16_t unknown[] = {0, 10, 15, 20, 31, 32, 99, 0xffff};
    for (size_t i = 0; i < HS_ARRAY_LEN(unknown); i++) {
        assert_null(msg_registry_find(unknown[i]));
        assert_string_equal(msg_registry_name(unknown[i]), "unknown");
    }
    assert_null(msg_registry_at((uint32_t)type_count));
    assert_string_equal(hs_event_msg_name(UINT64_C(0x10001)), "unknown");
}

/* A descriptor of 14 keys (0..13, several beyond the old 8-bit masks),
 * every kind once, required and optional ones, through the same engine. */
typedef struct {
    uint64_t a64;
    uint32_t b32;
    uint16_t c16;
    uint8_t d8;
    bool e;
    hs_name f;
    hs_addr g;
    uint8_t h_len;
    char h[21];
    uint8_t i_len;
    uint8_t i[16];
    msg_member_list j;
    msg_counter_list k;
    bool has_l;
    uint32_t l;
    hs_name m;
    uint64_t n;
} wide_body;

static const msg_field wide_fields[] = {
    MSG_FIELD(0, MSG_K_U64, wide_body, a64, MSG_F_REQ, UINT64_MAX),
    MSG_FIELD(1, MSG_K_U32, wide_body, b32, MSG_F_REQ, 1000000),
    MSG_FIELD(2, MSG_K_U16, wide_body, c16, 0, UINT16_MAX),
    MSG_FIELD(3, MSG_K_U8, wide_body, d8, 0, 200),
    MSG_FIELD(4, MSG_K_BOOL, wide_body, e, 0, 0),
    MSG_FIELD(5, MSG_K_NAME, wide_body, f, MSG_F_REQ, 0),
    MSG_FIELD(6, MSG_K_ADDR, wide_body, g, 0, 0),
    MSG_FIELD_TEXT(7, MSG_K_TEXT, wide_body, h, h_len, 0, 20),
    MSG_FIELD_TEXT(8, MSG_K_BYTES, wide_body, i, i_len, 0, 16),
    MSG_FIELD(9, MSG_K_MEMBER_LIST, wide_body, j, 0, 10),
    MSG_FIELD(10, MSG_K_COUNTER_LIST, wide_body, k, 0, 12),
    MSG_FIELD_HAS(11, MSG_K_U32, wide_body, l, has_l, UINT32_MAX),
    MSG_FIELD(12, MSG_K_NAME, wide_body, m, MSG_F_REQ, 0),
    MSG_FIELD(13, MSG_K_U64, wide_body, n, MSG_F_REQ, 5),
};

static const msg_desc wide_desc = {900, HS_MOD_NODE, MSG_ON_TCP, 1, sizeof(wide_body),
                                   HS_ARRAY_LEN(wide_fields), "wide", wide_fields};

static void test_descriptor_of_14_keys(void **state)
{
    HS_UNUSED(state);
    assert_true(HS_ARRAY_LEN(wide_fields) >= 12);
    assert_int_equal(msg_desc_check(&wide_desc), HS_OK);
    rng r;
    rng_seed(&r, 14);
    msg_rx_store sa = {list_a, MSG_MEMBERS_MAX, counters_a, MSG_COUNTERS_MAX};
    msg_rx_store sb = {list_b, MSG_MEMBERS_MAX, counters_b, MSG_COUNTERS_MAX};
    uint32_t saw_all = 0;
    for (int i = 0; i < 3000; i++) {
        wide_body a;
        wide_body b;
        testlib_random_body(&r, &wide_desc, &a, &sa, 12);
        size_t len = 0;
        assert_int_equal(msg_encode(&wide_desc, &a, buf_a, BUF_MAX, &len), HS_OK);
        assert_int_equal(msg_decode(&wide_desc, buf_a, len, &b, &sb), HS_OK);
        assert_null(msg_body_diff(&wide_desc, &a, &b));
        assert_int_equal(b.has_l, a.has_l);
        uint64_t pairs = 0;
        dec d;
        dec_init(&d, buf_a, len);
        assert_int_equal(dec_map(&d, &pairs), HS_OK);
        saw_all += pairs == 14;
    }
    assert_true(saw_all > 0);
    /* Key 13 is required: dropping it is HS_ERR_MISSING; over its limit of
     * 5 is a range error; a duplicate of key 12 is caught. */
    wide_body a;
    testlib_random_body(&r, &wide_desc, &a, &sa, 3);
    a.n = 5;
    size_t len = 0;
    assert_int_equal(msg_encode(&wide_desc, &a, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(buf_a[len - 2], 13);
    wide_body b;
    buf_a[0] = (uint8_t)(buf_a[0] - 1); /* map head one pair short: key 13 unread */
    assert_int_equal(msg_decode(&wide_desc, buf_a, len - 2, &b, &sb), HS_ERR_MISSING);
    buf_a[0] = (uint8_t)(buf_a[0] + 1);
    buf_a[len - 1] = 6;
    assert_int_equal(msg_decode(&wide_desc, buf_a, len, &b, &sb), HS_ERR_RANGE);
    buf_a[len - 2] = 12;
    assert_int_equal(msg_decode(&wide_desc, buf_a, len, &b, &sb), HS_ERR_DUPLICATE);
    a.n = 6;
    assert_int_equal(msg_encode(&wide_desc, &a, buf_a, BUF_MAX, &len), HS_ERR_INVALID);
}

/* msg_desc_check refuses every way a table can be wrong. */
static void test_descriptor_checks(void **state)
{
    HS_UNUSED(state);
    msg_field f[3] = {wide_fields[0], wide_fields[1], wide_fields[5]};
    msg_desc d = {900, HS_MOD_NODE, MSG_ON_TCP, 1, sizeof(wide_body), 3, "t", f};
    assert_int_equal(msg_desc_check(&d), HS_OK);
#define EXPECT_BAD(mutate)                                                                 \
    do {                                                                                   \
        msg_field saved[3] = {f[0], f[1], f[2]};                                           \
        msg_desc dd = d;                                                                   \
        mutate;                                                                            \
        assert_int_equal(msg_desc_check(&dd), HS_ERR_INVALID);                             \
        memcpy(f, saved, sizeof(saved));                                                   \
    } while (0)
    EXPECT_BAD(f[1].key = 0);                    /* not ascending */
    EXPECT_BAD(f[2].key = 64);                   /* past MSG_KEY_MAX */
    EXPECT_BAD(f[0].kind = MSG_K_COUNT);         /* no such kind */
    EXPECT_BAD(f[1].max = UINT64_C(1) << 32);    /* u32 field, u64 limit */
    EXPECT_BAD(f[2].offset = sizeof(wide_body)); /* outside the struct */
    EXPECT_BAD(f[0].flags = MSG_F_REQ | MSG_F_HAS);
    EXPECT_BAD(f[0].flags = 4);
    EXPECT_BAD(dd.size = MSG_BODY_MAX + 1);
    EXPECT_BAD(dd.size = 0);
    EXPECT_BAD(dd.channels = 0);
    EXPECT_BAD(dd.channels = 4);
    EXPECT_BAD(dd.name = NULL);
    EXPECT_BAD(dd.fields = NULL);
    EXPECT_BAD(dd.field_count = MSG_FIELDS_MAX + 1);
    EXPECT_BAD((f[0] = wide_fields[9], f[1] = wide_fields[9], f[1].key = 10)); /* two lists */
    EXPECT_BAD((f[2] = wide_fields[7], f[2].max = 256));                       /* text > 255 */
#undef EXPECT_BAD
    assert_int_equal(msg_desc_check(NULL), HS_ERR_INVALID);
}

static void test_state_and_role_names(void **state)
{
    HS_UNUSED(state);
    assert_string_equal(member_state_name(MEMBER_ALIVE), "alive");
    assert_string_equal(member_state_name(MEMBER_SUSPECT), "suspect");
    assert_string_equal(member_state_name(MEMBER_DEAD), "dead");
    assert_string_equal(member_state_name(MEMBER_LEFT), "left");
    assert_string_equal(member_state_name(MEMBER_STATE_COUNT), "unknown");
    assert_string_equal(hs_event_state_name(MEMBER_DEAD), "dead");
    assert_string_equal(hs_event_state_name(UINT64_MAX), "unknown");
    static const char *const roles[] = {"client", "gate", "manager", "worker"};
    for (uint32_t i = 0; i < NODE_ROLE_COUNT; i++) {
        node_role r = ROLE_CLIENT;
        assert_string_equal(node_role_name(i), roles[i]);
        assert_int_equal(node_role_parse(roles[i], &r), HS_OK);
        assert_int_equal(r, i);
    }
    assert_string_equal(node_role_name(NODE_ROLE_COUNT), "unknown");
    static const char *const bad[] = {"", "Worker", "workers", "work", "gate ", "unknown"};
    for (size_t i = 0; i < HS_ARRAY_LEN(bad); i++) {
        node_role r = ROLE_GATE;
        assert_int_equal(node_role_parse(bad[i], &r), HS_ERR_INVALID);
        assert_int_equal(r, ROLE_GATE);
    }
    node_role r;
    assert_int_equal(node_role_parse(NULL, &r), HS_ERR_INVALID);
}

/* ---- round-trip properties ------------------------------------------------- */

/* m -> bytes -> m2 (same fields) -> bytes2 (same bytes), through the bare
 * payload and through the frame path. */
static void check_round_trip(const tbody *m)
{
    size_t len_a = 0;
    hs_status st = tencode(m, buf_a, BUF_MAX, &len_a);
    if (st != HS_OK) {
        print_error("encode %s: %s\n", msg_registry_name(m->type), hs_status_name(st));
    }
    assert_int_equal(st, HS_OK);
    tbody m2;
    init_out(&m2, list_b, MSG_MEMBERS_MAX);
    st = decode_into_exact(m->type, buf_a, len_a, &m2);
    if (st != HS_OK) {
        print_error("decode %s: %s\n", msg_registry_name(m->type), hs_status_name(st));
    }
    assert_int_equal(st, HS_OK);
    const char *diff = tdiff(m, &m2);
    if (diff != NULL) {
        print_error("%s: field %s differs\n", msg_registry_name(m->type), diff);
    }
    assert_null(diff);
    size_t len_b = 0;
    assert_int_equal(tencode(&m2, buf_b, BUF_MAX, &len_b), HS_OK);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(buf_a, buf_b, len_a);

    size_t flen = 0;
    assert_int_equal(tencode_frame(m, buf_b, BUF_MAX, &flen), HS_OK);
    assert_int_equal(flen, FRAME_HEADER_LEN + len_a);
    assert_memory_equal(buf_b + FRAME_HEADER_LEN, buf_a, len_a);
    frame_header h;
    const uint8_t *payload = NULL;
    assert_int_equal(frame_decode(buf_b, flen, FRAME_TCP_PAYLOAD_MAX, &h, &payload), HS_OK);
    assert_int_equal(h.type, m->type);
    init_out(&m2, list_b, MSG_MEMBERS_MAX);
    assert_int_equal(tdecode(h.type, payload, h.length, &m2), HS_OK);
    assert_null(tdiff(m, &m2));
}

static void trandom(rng *r, uint16_t type, tbody *m, uint32_t max_list)
{
    msg_rx_store st = {list_a, MSG_MEMBERS_MAX, counters_a, MSG_COUNTERS_MAX};
    m->type = type;
    testlib_random_body(r, desc_of(type), &m->u, &st, max_list);
}

#define ROUND_TRIPS_PER_TYPE 2000

static void test_round_trip_random(void **state)
{
    HS_UNUSED(state);
    rng r;
    rng_seed(&r, 20261126);
    tbody m;
    uint32_t done = 0;
    for (size_t t = 0; t < type_count; t++) {
        for (int i = 0; i < ROUND_TRIPS_PER_TYPE; i++) {
            trandom(&r, all_types[t], &m, 70);
            check_round_trip(&m);
            done++;
        }
    }
    assert_int_equal(done, type_count * ROUND_TRIPS_PER_TYPE);
}

/* Every list at its full limit, with the longest names. */
static void test_round_trip_full_lists(void **state)
{
    HS_UNUSED(state);
    rng r;
    rng_seed(&r, 7);
    for (size_t t = 0; t < type_count; t++) {
        tbody m;
        trandom(&r, all_types[t], &m, 0);
        msg_member_list *l = tlist(&m);
        l->items = list_a;
        l->count = list_max_of(all_types[t]);
        for (uint32_t i = 0; i < l->count; i++) {
            testlib_member(&r, &list_a[i]);
            memset(list_a[i].name.bytes, 'n', HS_NAME_MAX);
            list_a[i].name.bytes[HS_NAME_MAX] = '\0';
            list_a[i].name.len = HS_NAME_MAX;
        }
        if (all_types[t] == MSG_STATS_RESP) {
            m.u.stats.counters.items = counters_a;
            m.u.stats.counters.count = MSG_COUNTERS_MAX;
            for (uint32_t i = 0; i < MSG_COUNTERS_MAX; i++) {
                memset(counters_a[i].name, 'c', MSG_COUNTER_NAME_MAX);
                counters_a[i].name[MSG_COUNTER_NAME_MAX] = '\0';
                counters_a[i].value = UINT64_MAX - i;
            }
        }
        if (all_types[t] == MSG_ERROR) {
            memset(m.u.error.detail, '~', MSG_DETAIL_MAX);
            m.u.error.detail[MSG_DETAIL_MAX] = '\0';
            m.u.error.detail_len = MSG_DETAIL_MAX;
        }
        check_round_trip(&m);
    }
}

/* The canonical encoding of anything decoded is the input itself when the
 * input was canonical: the realistic messages re-encode byte for byte. */
static void test_reencode_is_identity(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        tbody m;
        init_out(&m, list_b, MSG_MEMBERS_MAX);
        assert_int_equal(tdecode(tm.type, tm.bytes, tm.len, &m), HS_OK);
        size_t len = 0;
        assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
        assert_int_equal(len, tm.len);
        assert_memory_equal(buf_a, tm.bytes, len);
    }
}

/* The bytes of the wire format did not change with the descriptor codec:
 * these payloads are what the previous codec (switch per family) wrote,
 * spelled out from docs/wire.md section 3.3. */
static void test_wire_bytes_unchanged(void **state)
{
    HS_UNUSED(state);
    static const uint8_t ping[] = {0xa4, 0x01, 0x19, 0x10, 0x92, 0x02, 0x6a, 'w', 'o', 'r', 'k',
                                   'e', 'r', '-', '0', '4', '2', 0x03, 0x6a, 'w', 'o', 'r', 'k',
                                   'e', 'r', '-', '0', '1', '7', 0x06, 0x05};
    tbody m;
    realistic(MSG_PING, &m, list_a);
    tlist(&m)->count = 0;
    m.u.probe.has_target_inc = true;
    m.u.probe.target_inc = 5;
    size_t len = 0;
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, sizeof(ping));
    assert_memory_equal(buf_a, ping, sizeof(ping));
    static const uint8_t err[] = {0xa3, 0x01, 0x11, 0x02, 0x18, 0x63, 0x03, 0x6c, 'n', 'o', ' ',
                                  's', 'u', 'c', 'h', ' ', 't', 'y', 'p', 'e'};
    realistic(MSG_ERROR, &m, list_a);
    assert_int_equal(HS_ERR_UNKNOWN_TYPE, 0x11);
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, sizeof(err));
    assert_memory_equal(buf_a, err, sizeof(err));
    static const uint8_t hello[] = {0xa5, 0x01, 0x65, 'h', 's', 'c', 't', 'l', 0x02, 0x00,
                                    0x03, 0x01, 0x04, 0x00, 0x05, 0x0c};
    realistic(MSG_HELLO, &m, list_a);
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, sizeof(hello));
    assert_memory_equal(buf_a, hello, sizeof(hello));
}

/* ---- msg_member_size ------------------------------------------------------- */

/* Adding k members to a MEMBERS_RESP grows the payload by the list key,
 * the array head and exactly the sum of msg_member_size. */
static void test_member_size_exact(void **state)
{
    HS_UNUSED(state);
    rng r;
    rng_seed(&r, 99);
    tbody m;
    realistic(MSG_MEMBERS_RESP, &m, list_a);
    tlist(&m)->count = 0;
    size_t base = 0;
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &base), HS_OK);
    uint32_t checked = 0;
    for (int round = 0; round < 40; round++) {
        uint32_t k = round == 0 ? MSG_MEMBERS_MAX : (uint32_t)rng_range(&r, 1, 300);
        size_t sum = 0;
        for (uint32_t i = 0; i < k; i++) {
            testlib_member(&r, &list_a[i]);
            size_t one = msg_member_size(&list_a[i]);
            sum += one;
            uint8_t rec[TESTLIB_RECORD_MAX];
            uint8_t tmp[TESTLIB_RECORD_MAX + 2];
            size_t rlen = testlib_member_record(rec, &list_a[i]);
            enc e;
            size_t len = 0;
            enc_init(&e, tmp, sizeof(tmp));
            enc_bytes(&e, rec, rlen);
            assert_int_equal(enc_finish(&e, &len), HS_OK);
            assert_int_equal(one, len);
            checked++;
        }
        tlist(&m)->count = k;
        tlist(&m)->items = list_a;
        size_t len = 0;
        assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
        assert_int_equal(len, base + 1 + enc_head_size(k) + sum);
    }
    assert_true(checked > 5000);
}

/* Every member the encoder writes is exactly the record docs/wire.md
 * describes, packed here by hand, inside a canonical byte-string head. */
static void test_member_record_layout(void **state)
{
    HS_UNUSED(state);
    rng r;
    rng_seed(&r, 31);
    static const uint16_t types[] = {MSG_PING, MSG_SYNC, MSG_MEMBERS_RESP};
    uint32_t checked = 0;
    for (int round = 0; round < 300; round++) {
        uint16_t type = types[round % HS_ARRAY_LEN(types)];
        tbody m;
        trandom(&r, type, &m, 64);
        size_t len = 0;
        assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
        dec d;
        uint64_t pairs = 0;
        dec_init(&d, buf_a, len);
        assert_int_equal(dec_map(&d, &pairs), HS_OK);
        for (uint64_t i = 0; i < pairs; i++) {
            uint64_t key = 0;
            assert_int_equal(dec_uint(&d, &key), HS_OK);
            if (key != list_key_of(type)) {
                assert_int_equal(dec_skip(&d), HS_OK);
                continue;
            }
            uint64_t n = 0;
            assert_int_equal(dec_array(&d, &n, UINT64_MAX), HS_OK);
            assert_int_equal(n, tlist(&m)->count);
            for (uint32_t k = 0; k < tlist(&m)->count; k++) {
                uint8_t want[TESTLIB_RECORD_MAX];
                size_t want_len = testlib_member_record(want, &tlist(&m)->items[k]);
                size_t start = d.pos;
                const uint8_t *rec = NULL;
                size_t rec_len = 0;
                assert_int_equal(dec_bytes(&d, &rec, &rec_len, TESTLIB_RECORD_MAX), HS_OK);
                assert_int_equal(rec_len, want_len);
                assert_memory_equal(rec, want, want_len);
                assert_int_equal(d.pos - start, enc_head_size(want_len) + want_len);
                assert_int_equal(d.pos - start, msg_member_size(&tlist(&m)->items[k]));
                checked++;
            }
        }
        assert_int_equal(dec_finish(&d), HS_OK);
    }
    assert_true(checked > 1000);

    /* The example of docs/wire.md section 3.2, byte for byte. */
    static const uint8_t example[] = {
        0xa3, 0x01, 0x07, 0x02, 0x62, 'n', '2', 0x05, 0x81, /* {1: 7, 2: "n2", 5: [ */
        0x57, 0x0a, 'w', 'o', 'r', 'k', 'e', 'r', '-', '0', '1', '7',
        0x0a, 0x00, 0x00, 0x11, 0x1f, 0x0a, /* 10.0.0.17:7946 */
        0x00, 0x00, 0x00, 0x03,             /* incarnation 3 */
        0x01, 0x03,                         /* suspect, worker */
    };
    tbody m;
    memset(&m, 0, sizeof(m));
    m.type = MSG_ACK;
    m.u.probe.seq = 7;
    set_name(&m.u.probe.source, "n2");
    msg_member one;
    memset(&one, 0, sizeof(one));
    set_name(&one.name, "worker-017");
    one.addr.ip = 0x0a000011u;
    one.addr.port = 7946;
    one.incarnation = 3;
    one.state = MEMBER_SUSPECT;
    one.role = ROLE_WORKER;
    m.u.probe.gossip = (msg_member_list){&one, 1, 1};
    size_t len = 0;
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, sizeof(example));
    assert_memory_equal(buf_a, example, sizeof(example));
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    assert_int_equal(decode_into_exact(MSG_ACK, example, sizeof(example), &m), HS_OK);
    assert_int_equal(m.u.probe.gossip.count, 1);
    assert_ptr_equal(m.u.probe.gossip.items, list_b);
    assert_true(member_eq(&one, &m.u.probe.gossip.items[0]));
}

/* ---- encoder refusals --------------------------------------------------------- */

static void test_encode_too_small_every_cap(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tbody m;
        realistic(all_types[t], &m, list_a);
        size_t full = 0;
        assert_int_equal(tencode(&m, buf_a, BUF_MAX, &full), HS_OK);
        for (size_t cap = 0; cap < full; cap++) {
            memset(buf_b, 0xee, full + 8);
            size_t len = 0;
            assert_int_equal(tencode(&m, buf_b, cap, &len), HS_ERR_TOO_SMALL);
            for (size_t i = cap; i < full + 8; i++) {
                assert_int_equal(buf_b[i], 0xee);
            }
        }
        for (size_t cap = 0; cap < FRAME_HEADER_LEN + full; cap++) {
            size_t len = 0;
            assert_int_equal(tencode_frame(&m, buf_b, cap, &len), HS_ERR_TOO_SMALL);
        }
        size_t len = 0;
        assert_int_equal(tencode(&m, buf_b, full, &len), HS_OK);
        assert_int_equal(len, full);
    }
}

static void test_encode_refuses_invalid(void **state)
{
    HS_UNUSED(state);
    tbody m;
    size_t len = 0;
#define EXPECT_ENCODE(type, mutate, want)                                                  \
    do {                                                                                   \
        realistic((type), &m, list_a);                                                     \
        mutate;                                                                            \
        assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), (want));                       \
    } while (0)

    EXPECT_ENCODE(MSG_PING, m.u.probe.seq = MSG_SEQ_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING, m.u.probe.source.len = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING, m.u.probe.source.bytes[2] = ' ', HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING, m.u.probe.target.len = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING, m.u.probe.source.len = HS_NAME_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING, (m.u.probe.has_target_inc = true,
                             m.u.probe.target_inc = MSG_INCARNATION_MAX + 1),
                  HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_PING_REQ, m.u.probe.target_addr.port = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].state = MEMBER_STATE_COUNT, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].role = NODE_ROLE_COUNT, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].incarnation = MSG_INCARNATION_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].addr.port = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].name.bytes[0] = '\x7f', HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].name.len = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, list_a[1].name.len = HS_NAME_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_SYNC, list_a[2].name.bytes[1] = ' ', HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ACK, tlist(&m)->count = MSG_GOSSIP_MAX + 1, HS_ERR_LIMIT);
    EXPECT_ENCODE(MSG_ACK, tlist(&m)->items = NULL, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_SYNC, tlist(&m)->count = MSG_SYNC_MAX + 1, HS_ERR_LIMIT);
    EXPECT_ENCODE(MSG_SYNC, m.u.sync.seq = UINT64_MAX, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ERROR, m.u.error.offending_type = 0x10000, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ERROR, m.u.error.detail[3] = '\n', HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_ERROR, m.u.error.detail_len = MSG_DETAIL_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_HELLO, m.u.hello.role = NODE_ROLE_COUNT, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_HELLO, m.u.hello.name.len = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_HELLO, m.u.hello.incarnation = MSG_INCARNATION_MAX + 1, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_MEMBERS_RESP, m.u.members.node.len = 0, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_MEMBERS_RESP, tlist(&m)->count = MSG_MEMBERS_MAX + 1, HS_ERR_LIMIT);
    EXPECT_ENCODE(MSG_STATS_RESP, m.u.stats.counters.count = MSG_COUNTERS_MAX + 1,
                  HS_ERR_LIMIT);
    EXPECT_ENCODE(MSG_STATS_RESP, m.u.stats.counters.items = NULL, HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_STATS_RESP, counters_a[1].name[0] = '\0', HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_STATS_RESP, memset(counters_a[2].name, 'x', sizeof(counters_a[2].name)),
                  HS_ERR_INVALID);
    EXPECT_ENCODE(MSG_STATS_RESP, counters_a[0].name[1] = ' ', HS_ERR_INVALID);
    /* Optional fields that are empty are left out, not validated; a
     * presence flag decides for the fields that have one. */
    EXPECT_ENCODE(MSG_PING, m.u.probe.target_inc = MSG_INCARNATION_MAX + 1, HS_OK);
    EXPECT_ENCODE(MSG_ACK, tlist(&m)->count = 0, HS_OK);
    EXPECT_ENCODE(MSG_ACK, (tlist(&m)->count = 0, tlist(&m)->items = NULL), HS_OK);
#undef EXPECT_ENCODE
    /* Fields a type does not carry are not in its descriptor at all: an ACK
     * with a target, a PING with a target address encode as without. */
    realistic(MSG_ACK, &m, list_a);
    assert_int_equal(tencode(&m, buf_b, BUF_MAX, &len), HS_OK);
    size_t want = len;
    set_name(&m.u.probe.target, "x");
    m.u.probe.target_addr.port = 1;
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, want);
    assert_memory_equal(buf_a, buf_b, len);
}

/* ---- decoder rejections ------------------------------------------------------ */

static void test_decode_truncated_everywhere(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        for (size_t n = 0; n < tm.len; n++) {
            hs_status st = decode(tm.type, tm.bytes, n);
            if (st != HS_ERR_TRUNCATED && st != HS_ERR_LIMIT) {
                print_error("%s cut at %zu: %s\n", msg_registry_name(tm.type), n,
                            hs_status_name(st));
            }
            assert_true(st == HS_ERR_TRUNCATED || st == HS_ERR_LIMIT);
        }
        assert_int_equal(decode(tm.type, tm.bytes, tm.len), HS_OK);
    }
}

static void test_decode_trailing(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        memcpy(work, tm.bytes, tm.len);
        static const uint8_t tails[] = {0x00, 0xa0, 0xff, 0x01};
        for (size_t i = 0; i < HS_ARRAY_LEN(tails); i++) {
            work[tm.len] = tails[i];
            assert_int_equal(decode(tm.type, work, tm.len + 1), HS_ERR_TRAILING);
        }
        /* A second complete message after the first is trailing too. */
        memcpy(work + tm.len, tm.bytes, tm.len);
        assert_int_equal(decode(tm.type, work, 2 * tm.len), HS_ERR_TRAILING);
    }
}

static void test_decode_duplicate_keys(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        for (uint32_t i = 0; i < tm.count; i++) {
            const tpair *p = &tm.pairs[i];
            tvariant v = {NO_KEY, NO_KEY, NULL, 0, tm.bytes + p->start, p->end - p->start, 1};
            assert_int_equal(decode_variant(&tm, &v), HS_ERR_DUPLICATE);
        }
        /* Unknown keys below 64 are tracked too. */
        static const uint8_t twice[] = {0x07, 0x00, 0x07, 0x01};
        tvariant v = {NO_KEY, NO_KEY, NULL, 0, twice, sizeof(twice), 2};
        assert_int_equal(decode_variant(&tm, &v), HS_ERR_DUPLICATE);
    }
}

static void test_decode_missing_keys(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        uint32_t required = required_keys(tm.type);
        uint32_t present = 0;
        for (uint32_t i = 0; i < tm.count; i++) {
            present |= 1u << tm.pairs[i].key;
            tvariant v = {tm.pairs[i].key, NO_KEY, NULL, 0, NULL, 0, 0};
            hs_status want = (required >> tm.pairs[i].key) & 1u ? HS_ERR_MISSING : HS_OK;
            hs_status st = decode_variant(&tm, &v);
            if (st != want) {
                print_error("%s without key %u: %s\n", msg_registry_name(tm.type),
                            (unsigned)tm.pairs[i].key, hs_status_name(st));
            }
            assert_int_equal(st, want);
        }
        /* The realistic message carries every required key. */
        assert_int_equal(present & required, required);
        static const uint8_t empty_map[] = {0xa0};
        assert_int_equal(decode(tm.type, empty_map, 1), HS_ERR_MISSING);
    }
}

static void test_decode_wrong_key_types(void **state)
{
    HS_UNUSED(state);
    static const struct {
        const char *bytes;
        size_t len;
        hs_status want;
    } keys[] = {
        {"\x61" "1" "\x00", 3, HS_ERR_TYPE},          /* text key "1" */
        {"\x41\x01\x00", 3, HS_ERR_TYPE},             /* bytes key */
        {"\x20\x00", 2, HS_ERR_TYPE},                 /* -1 */
        {"\x80\x00", 2, HS_ERR_TYPE},                 /* [] */
        {"\xa0\x00", 2, HS_ERR_TYPE},                 /* {} */
        {"\xf5\x00", 2, HS_ERR_TYPE},                 /* true */
        {"\xf6\x00", 2, HS_ERR_TYPE},                 /* null */
        {"\xf9\x3c\x00\x00", 4, HS_ERR_TYPE},         /* 1.0 half */
        {"\xc1\x01\x00", 3, HS_ERR_TYPE},             /* tagged 1 */
        {"\xff\x00", 2, HS_ERR_MALFORMED},            /* break */
    };
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        for (size_t k = 0; k < HS_ARRAY_LEN(keys); k++) {
            tvariant v = {NO_KEY, NO_KEY, NULL, 0, keys[k].bytes, keys[k].len, 1};
            assert_int_equal(decode_variant(&tm, &v), keys[k].want);
        }
    }
}

/* Every known field with a value of the wrong CBOR type. */
static void test_decode_wrong_value_types(void **state)
{
    HS_UNUSED(state);
    static const uint8_t text_value[] = {0x61, 'x'};
    static const uint8_t uint_value[] = {0x05};
    static const uint8_t map_value[] = {0xa0};
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        for (uint32_t i = 0; i < tm.count; i++) {
            uint8_t first = tm.bytes[tm.pairs[i].vstart];
            bool is_text = (first >> 5) == 3;
            tvariant v = {NO_KEY, tm.pairs[i].key, is_text ? uint_value : text_value,
                          is_text ? sizeof(uint_value) : sizeof(text_value), NULL, 0, 0};
            assert_int_equal(decode_variant(&tm, &v), HS_ERR_TYPE);
            v.rval = map_value;
            v.rlen = sizeof(map_value);
            assert_int_equal(decode_variant(&tm, &v), HS_ERR_TYPE);
        }
    }
}

/* A member list holding one entry: rec as a CBOR byte string. */
static size_t one_record(uint8_t *out, const uint8_t *rec, size_t len)
{
    tout o = {out, 0};
    out_head(&o, 4, 1);
    out_head(&o, 2, len);
    out_raw(&o, rec, len);
    return o.len;
}

/* A member list holding one entry built from the given raw fields. */
static size_t one_member(uint8_t *out, const char *name, uint32_t ip, uint16_t port,
                         uint32_t inc, uint8_t state_v, uint8_t role)
{
    uint8_t rec[TESTLIB_RECORD_MAX];
    size_t n = testlib_record(rec, name, strlen(name), ip, port, inc, state_v, role);
    return one_record(out, rec, n);
}

#define GOOD_ADDR UINT64_C(0x0a0000111f0a)
#define GOOD_IP UINT32_C(0x0a000011)
#define GOOD_PORT 7946u

static void check_value(uint16_t type, uint64_t key, const uint8_t *val, size_t len,
                         hs_status want, const char *what)
{
    tmsg tm;
    tmsg_make(&tm, type);
    tvariant v = {NO_KEY, key, val, len, NULL, 0, 0};
    if (tmsg_pair(&tm, key) == NULL) {
        /* The realistic message omits it (an empty optional): add it. */
        uint8_t pair[4096];
        tout o = {pair, 0};
        out_head(&o, 0, key);
        out_raw(&o, val, len);
        v = (tvariant){NO_KEY, NO_KEY, NULL, 0, pair, o.len, 1};
        size_t n = tmsg_variant(&tm, &v, work);
        hs_status st = decode(type, work, n);
        if (st != want) {
            print_error("%s: got %s\n", what, hs_status_name(st));
        }
        assert_int_equal(st, want);
        return;
    }
    hs_status st = decode_variant(&tm, &v);
    if (st != want) {
        print_error("%s: got %s\n", what, hs_status_name(st));
    }
    assert_int_equal(st, want);
}

static void expect_uint(uint16_t type, uint64_t key, uint64_t value, hs_status want,
                        const char *what)
{
    uint8_t val[9];
    tout o = {val, 0};
    out_head(&o, 0, value);
    check_value(type, key, val, o.len, want, what);
}

static void expect_text(uint16_t type, uint64_t key, const char *text, size_t len,
                        hs_status want, const char *what)
{
    uint8_t val[300];
    tout o = {val, 0};
    out_head(&o, 3, len);
    out_raw(&o, text, len);
    check_value(type, key, val, o.len, want, what);
}

static void expect_member(uint16_t type, const char *name, uint32_t ip, uint16_t port,
                          uint32_t inc, uint8_t st, uint8_t role, hs_status want,
                          const char *what)
{
    uint8_t val[256];
    size_t n = one_member(val, name, ip, port, inc, st, role);
    check_value(type, list_key_of(type), val, n, want, what);
}

/* A single-entry list whose entry is the raw record rec. */
static void expect_record(uint16_t type, const uint8_t *rec, size_t len, hs_status want,
                          const char *what)
{
    static uint8_t val[1024];
    assert_true(len + 8 <= sizeof(val));
    size_t n = one_record(val, rec, len);
    check_value(type, list_key_of(type), val, n, want, what);
}

static void test_decode_out_of_range(void **state)
{
    HS_UNUSED(state);
    for (uint16_t type = MSG_PING; type <= MSG_SYNC_ACK; type++) {
        expect_uint(type, 1, MSG_SEQ_MAX, HS_OK, "seq at max");
        expect_uint(type, 1, MSG_SEQ_MAX + 1, HS_ERR_RANGE, "seq above max");
        expect_uint(type, 1, UINT64_MAX, HS_ERR_RANGE, "seq 2^64-1");
        /* Member record fields: every field at and past its limit. */
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_OK, "member ok");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, MSG_INCARNATION_MAX, MEMBER_LEFT,
                      ROLE_WORKER, HS_OK, "member at limits");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, MSG_INCARNATION_MAX + 1, 0, 0,
                      HS_ERR_RANGE, "incarnation 2^31");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, UINT32_MAX, 0, 0, HS_ERR_RANGE,
                      "incarnation 2^32-1");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, 0, MEMBER_STATE_COUNT, 0, HS_ERR_RANGE,
                      "state 4");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, 0, 255, 0, HS_ERR_RANGE, "state 255");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, 0, 0, NODE_ROLE_COUNT, HS_ERR_RANGE,
                      "role 4");
        expect_member(type, "w-1", GOOD_IP, GOOD_PORT, 0, 0, 255, HS_ERR_RANGE, "role 255");
        expect_member(type, "w-1", GOOD_IP, 0, 0, 0, 0, HS_ERR_RANGE, "port 0");
        expect_member(type, "w-1", 0, 0, 0, 0, 0, HS_ERR_RANGE, "addr 0");
        expect_member(type, "w-1", 0, 1, 0, 0, 0, HS_OK, "ip 0, port 1");
        expect_member(type, "w-1", UINT32_MAX, UINT16_MAX, 0, 0, 0, HS_OK, "addr all ones");
        expect_member(type, "w 1", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_ERR_RANGE,
                      "member name space");
        expect_member(type, "w\x7f", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_ERR_RANGE,
                      "member name DEL");
        expect_member(type, "caf\xc3\xa9", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_ERR_RANGE,
                      "member name utf-8");
        expect_member(type, "", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_ERR_RANGE,
                      "member name empty");
        expect_member(type, "!~", GOOD_IP, GOOD_PORT, 0, 0, 0, HS_OK,
                      "member name at the alphabet's edges");
    }
    expect_uint(MSG_PING_REQ, 4, GOOD_ADDR & ~UINT64_C(0xffff), HS_ERR_RANGE, "target port 0");
    expect_uint(MSG_PING_REQ, 4, UINT64_C(1) << 48, HS_ERR_RANGE, "target addr 2^48");
    expect_uint(MSG_PING_REQ, 4, UINT64_C(0xffffffffffff), HS_OK, "target addr 2^48-1");
    for (uint16_t type = MSG_JOIN; type <= MSG_SYNC_ACK; type++) {
        expect_uint(type, 3, UINT32_MAX, HS_OK, "major u32 max");
        expect_uint(type, 3, UINT64_C(0x100000000), HS_ERR_RANGE, "major 2^32");
        expect_uint(type, 4, UINT64_C(0x100000000), HS_ERR_RANGE, "minor 2^32");
    }
    expect_uint(MSG_JOIN_ACK, 5, UINT64_C(0x100000000), HS_ERR_RANGE, "status 2^32");
    expect_uint(MSG_JOIN_ACK, 5, UINT32_MAX, HS_OK, "status u32 max");
    expect_uint(MSG_ERROR, 1, UINT64_C(0x100000000), HS_ERR_RANGE, "code 2^32");
    expect_uint(MSG_ERROR, 2, 0x10000, HS_ERR_RANGE, "offending type 2^16");
    expect_uint(MSG_ERROR, 2, 0xffff, HS_OK, "offending type 2^16-1");
    char long_text[200];
    memset(long_text, 'd', sizeof(long_text));
    expect_text(MSG_ERROR, 3, long_text, MSG_DETAIL_MAX, HS_OK, "detail at max");
    expect_text(MSG_ERROR, 3, long_text, MSG_DETAIL_MAX + 1, HS_ERR_LIMIT, "detail too long");
    expect_text(MSG_ERROR, 3, "a b", 3, HS_OK, "detail with a space");
    expect_text(MSG_ERROR, 3, "a\nb", 3, HS_ERR_RANGE, "detail with a newline");
    expect_text(MSG_ERROR, 3, "", 0, HS_OK, "empty detail");
    expect_uint(MSG_MEMBERS_REQ, 1, UINT64_MAX, HS_OK, "request id u64 max");
    expect_uint(MSG_HELLO, 2, NODE_ROLE_COUNT - 1, HS_OK, "hello role at max");
    expect_uint(MSG_HELLO, 2, NODE_ROLE_COUNT, HS_ERR_RANGE, "hello role past max");
    expect_uint(MSG_HELLO, 5, MSG_INCARNATION_MAX + 1, HS_ERR_RANGE, "hello incarnation");
    expect_uint(MSG_HELLO, 3, UINT64_C(0x100000000), HS_ERR_RANGE, "hello major 2^32");
}

/* Names: printable ASCII 0x21..0x7e, 1..63 bytes, in every name field. */
static void test_decode_names(void **state)
{
    HS_UNUSED(state);
    static const struct {
        uint16_t type;
        uint64_t key;
    } fields[] = {{MSG_PING, 2},         {MSG_PING, 3}, {MSG_ACK, 2},  {MSG_PING_REQ, 3},
                  {MSG_JOIN, 2},         {MSG_SYNC_ACK, 2},            {MSG_MEMBERS_RESP, 2},
                  {MSG_STATS_RESP, 2},   {MSG_HELLO, 1}};
    char name[80];
    memset(name, 'n', sizeof(name));
    for (size_t i = 0; i < HS_ARRAY_LEN(fields); i++) {
        uint16_t type = fields[i].type;
        uint64_t key = fields[i].key;
        expect_text(type, key, name, 1, HS_OK, "1 byte");
        expect_text(type, key, name, HS_NAME_MAX, HS_OK, "63 bytes");
        expect_text(type, key, name, HS_NAME_MAX + 1, HS_ERR_LIMIT, "64 bytes");
        expect_text(type, key, "", 0, HS_ERR_RANGE, "empty");
        expect_text(type, key, "a b", 3, HS_ERR_RANGE, "space");
        expect_text(type, key, "a\tb", 3, HS_ERR_RANGE, "tab");
        expect_text(type, key, "a\x7f", 2, HS_ERR_RANGE, "DEL");
        expect_text(type, key, "a\x01", 2, HS_ERR_RANGE, "control");
        expect_text(type, key, "caf\xc3\xa9", 5, HS_ERR_RANGE, "utf-8");
        expect_text(type, key, "a\0b", 3, HS_ERR_RANGE, "NUL inside");
        expect_text(type, key, "!~", 2, HS_OK, "edges of the alphabet");
    }
    /* The decoded name is NUL-terminated for printing. */
    tmsg tm;
    tmsg_make(&tm, MSG_PING);
    tbody m;
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    memset(&m.u, 0x55, sizeof(m.u));
    assert_int_equal(tdecode(MSG_PING, tm.bytes, tm.len, &m), HS_OK);
    assert_int_equal(m.u.probe.gossip.count, 3);
    assert_string_equal(m.u.probe.source.bytes, "worker-042");
    assert_string_equal(m.u.probe.target.bytes, "worker-017");
}

/* The decoder's word-at-a-time alphabet checks agree with the byte loops
 * they replace (hs_name_valid for names, in text fields and in member
 * records, 0x20..0x7e for details) on random strings of 0..96 bytes with
 * bytes from the alphabet's edges at random places. */
static void test_alphabet_checks_match_reference(void **state)
{
    HS_UNUSED(state);
    static const uint8_t edges[] = {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x41, 0x7d,
                                    0x7e, 0x7f, 0x80, 0x81, 0xa0, 0xfe, 0xff};
    rng r;
    rng_seed(&r, 4);
    tmsg ping;
    tmsg error;
    tmsg_make(&ping, MSG_PING);
    tmsg_make(&error, MSG_ERROR);
    for (int i = 0; i < 40000; i++) {
        char text[MSG_DETAIL_MAX];
        /* Every length the word tests treat differently (0, 1..3, 4..7,
         * 8 and up, past the name limit), short ones most often. */
        size_t len = (size_t)(rng_below(&r, 2) == 0 ? rng_below(&r, 17)
                                                     : rng_below(&r, MSG_DETAIL_MAX + 1));
        for (size_t k = 0; k < len; k++) {
            text[k] = (char)rng_range(&r, 0x21, 0x7e);
        }
        /* Usually one or two edge bytes at random places, so that a single
         * bad byte anywhere (overlapping tails included) is the test. */
        uint64_t edits = len > 0 ? rng_below(&r, 3) : 0;
        for (uint64_t k = 0; k < edits; k++) {
            text[rng_below(&r, len)] = (char)edges[rng_below(&r, HS_ARRAY_LEN(edges))];
        }
        bool detail_valid = true;
        for (size_t k = 0; k < len; k++) {
            unsigned char c = (unsigned char)text[k];
            detail_valid = detail_valid && c >= 0x20 && c <= 0x7e;
        }
        uint8_t val[MSG_DETAIL_MAX + 8];
        tout o = {val, 0};
        out_head(&o, 3, len);
        out_raw(&o, text, len);
        tvariant v = {NO_KEY, 2, val, o.len, NULL, 0, 0};
        hs_status want = len > HS_NAME_MAX           ? HS_ERR_LIMIT
                         : hs_name_valid(text, len) ? HS_OK
                                                    : HS_ERR_RANGE;
        assert_int_equal(decode_variant(&ping, &v), want);
        /* The same text as a member record's name. */
        uint8_t rec[TESTLIB_RECORD_MAX];
        uint8_t list[TESTLIB_RECORD_MAX + 8];
        size_t rlen = testlib_record(rec, text, len, GOOD_IP, GOOD_PORT, 1, 0, 0);
        tvariant lv = {NO_KEY, 5, list, one_record(list, rec, rlen), NULL, 0, 0};
        assert_int_equal(decode_variant(&ping, &lv), want);
        v.replace = 3;
        want = detail_valid ? HS_OK : HS_ERR_RANGE;
        assert_int_equal(decode_variant(&error, &v), want);
    }
}

static void test_decode_counters(void **state)
{
    HS_UNUSED(state);
    uint8_t val[4096];
    /* Counter name limits and types. */
    static const struct {
        const char *name;
        size_t len;
        hs_status want;
    } names[] = {{"frames_rx", 9, HS_OK},
                 {"cccccccccccccccccccccccccccccccccccccccc", 40, HS_OK},
                 {"ccccccccccccccccccccccccccccccccccccccccc", 41, HS_ERR_LIMIT},
                 {"", 0, HS_ERR_RANGE},
                 {"a b", 3, HS_ERR_RANGE}};
    for (size_t i = 0; i < HS_ARRAY_LEN(names); i++) {
        tout o = {val, 0};
        out_head(&o, 4, 1);
        out_head(&o, 5, 2);
        out_head(&o, 0, 0);
        out_head(&o, 3, names[i].len);
        out_raw(&o, names[i].name, names[i].len);
        out_head(&o, 0, 1);
        out_head(&o, 0, UINT64_MAX);
        check_value(MSG_STATS_RESP, 3, val, o.len, names[i].want, names[i].name);
    }
    /* A counter without its value, or with a text value. */
    tout o = {val, 0};
    out_head(&o, 4, 1);
    out_head(&o, 5, 1);
    out_head(&o, 0, 0);
    out_text(&o, "frames_rx");
    check_value(MSG_STATS_RESP, 3, val, o.len, HS_ERR_MISSING, "counter without value");
    o.len = 0;
    out_head(&o, 4, 1);
    out_head(&o, 5, 2);
    out_head(&o, 0, 1);
    out_text(&o, "x");
    out_head(&o, 0, 0);
    out_text(&o, "frames_rx");
    check_value(MSG_STATS_RESP, 3, val, o.len, HS_ERR_TYPE, "counter value as text");
    /* Over the counter limit. */
    o.len = 0;
    out_head(&o, 4, MSG_COUNTERS_MAX + 1);
    for (uint32_t i = 0; i <= MSG_COUNTERS_MAX; i++) {
        out_head(&o, 5, 2);
        out_head(&o, 0, 0);
        out_text(&o, "c");
        out_head(&o, 0, 1);
        out_head(&o, 0, i);
    }
    check_value(MSG_STATS_RESP, 3, val, o.len, HS_ERR_LIMIT, "257 counters");
}

/* ---- lists: limits and caller capacity ------------------------------------- */

static size_t member_list(uint8_t *out, uint32_t n)
{
    tout o = {out, 0};
    out_head(&o, 4, n);
    for (uint32_t i = 0; i < n; i++) {
        char name[16];
        uint8_t rec[TESTLIB_RECORD_MAX];
        snprintf(name, sizeof(name), "w-%u", i);
        size_t len = testlib_record(rec, name, strlen(name), GOOD_IP + i, GOOD_PORT, i,
                                    (uint8_t)(i % MEMBER_STATE_COUNT),
                                    (uint8_t)(i % NODE_ROLE_COUNT));
        out_head(&o, 2, len);
        out_raw(&o, rec, len);
    }
    return o.len;
}

static hs_status decode_with_list(uint16_t type, uint32_t n, msg_member *list, uint32_t cap,
                                  tbody *m)
{
    static uint8_t val[MSG_MEMBERS_MAX * 32];
    size_t vlen = member_list(val, n);
    tmsg tm;
    tmsg_make(&tm, type);
    tvariant v = {NO_KEY, list_key_of(type), val, vlen, NULL, 0, 0};
    size_t len = tmsg_variant(&tm, &v, work);
    init_out(m, list, cap);
    return decode_into_exact(type, work, len, m);
}

static void test_decode_list_limits(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        uint16_t type = all_types[t];
        if (list_key_of(type) == 0) {
            continue;
        }
        uint32_t max = list_max_of(type);
        const msg_field *lf = testlib_field_of(desc_of(type), MSG_K_MEMBER_LIST);
        assert_int_equal(list_key_of(type), lf->key);
        tbody m;
        assert_int_equal(decode_with_list(type, max, list_b, MSG_MEMBERS_MAX, &m), HS_OK);
        assert_int_equal(tlist(&m)->count, max);
        assert_int_equal(decode_with_list(type, max + 1, list_b, MSG_MEMBERS_MAX, &m),
                         HS_ERR_LIMIT);
        assert_int_equal(decode_with_list(type, 0, list_b, MSG_MEMBERS_MAX, &m), HS_OK);
        assert_int_equal(tlist(&m)->count, 0);
        /* No storage at all: any entry is over the caller's capacity. */
        assert_int_equal(decode_with_list(type, 1, NULL, 0, &m), HS_ERR_LIMIT);
        assert_int_equal(decode_with_list(type, 0, NULL, 0, &m), HS_OK);

        /* A caller capacity below the type's limit: exactly cap entries fit
         * (the list sits at the end of an exactly-sized heap block), and
         * one more is refused without a write past the block. */
        uint32_t cap = max > 3 ? 3 : max - 1;
        msg_member *exact = malloc((cap > 0 ? cap : 1) * sizeof(msg_member));
        assert_non_null(exact);
        assert_int_equal(decode_with_list(type, cap, exact, cap, &m), HS_OK);
        assert_int_equal(tlist(&m)->count, cap);
        assert_int_equal(decode_with_list(type, cap + 1, exact, cap, &m), HS_ERR_LIMIT);
        free(exact);

        /* The sentinels after list_count entries stay untouched. */
        memset(list_b, 0x5a, sizeof(msg_member) * 8);
        assert_int_equal(decode_with_list(type, 2, list_b, MSG_MEMBERS_MAX, &m), HS_OK);
        const uint8_t *rest = (const uint8_t *)&list_b[2];
        for (size_t i = 0; i < sizeof(msg_member) * 6; i++) {
            assert_int_equal(rest[i], 0x5a);
        }
    }
}

/* ---- nesting, indefinite items, tags, huge declared sizes ------------------ */

static void test_decode_deep_nesting(void **state)
{
    HS_UNUSED(state);
    static const size_t depths[] = {1, MSG_DEPTH_MAX, MSG_DEPTH_MAX + 1, 10000};
    static uint8_t pair[10010];
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        for (size_t i = 0; i < HS_ARRAY_LEN(depths); i++) {
            pair[0] = 0x09; /* unknown key 9 */
            memset(pair + 1, 0x81, depths[i]);
            pair[1 + depths[i]] = 0x00;
            tvariant v = {NO_KEY, NO_KEY, NULL, 0, pair, depths[i] + 2, 1};
            hs_status want = depths[i] <= MSG_DEPTH_MAX ? HS_OK : HS_ERR_DEPTH;
            assert_int_equal(decode_variant(&tm, &v), want);
        }
    }
    /* Where a member record is expected, a deep array is not walked: it
     * is the wrong kind at its first byte. */
    static uint8_t val[10100];
    val[0] = 0x81;
    memset(val + 1, 0x81, 10000);
    val[10001] = 0x00;
    check_value(MSG_ACK, 5, val, 10002, HS_ERR_TYPE, "deep array as a member");
    /* A record's extension bytes are opaque: bytes that would be deep
     * nesting as CBOR are not parsed. */
    uint8_t rec[TESTLIB_RECORD_MAX];
    size_t len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, 1, 1);
    memset(rec + len, 0x81, TESTLIB_RECORD_MAX - len);
    expect_record(MSG_ACK, rec, TESTLIB_RECORD_MAX, HS_OK, "nesting-like extension bytes");
}

static void test_decode_indefinite_and_tags(void **state)
{
    HS_UNUSED(state);
    tmsg tm;
    tmsg_make(&tm, MSG_ACK);
    /* The whole payload as an indefinite map, or tagged. */
    work[0] = 0xbf;
    memcpy(work + 1, tm.bytes + 1, tm.len - 1);
    work[tm.len] = 0xff;
    assert_int_equal(decode(MSG_ACK, work, tm.len + 1), HS_ERR_TYPE);
    work[0] = 0xd9;
    work[1] = 0xd9;
    work[2] = 0xf7; /* self-describe CBOR tag 55799 */
    memcpy(work + 3, tm.bytes, tm.len);
    assert_int_equal(decode(MSG_ACK, work, tm.len + 3), HS_ERR_TYPE);

    static const uint8_t indef_list[] = {0x9f, 0xff};
    check_value(MSG_ACK, 5, indef_list, sizeof(indef_list), HS_ERR_TYPE, "indefinite list");
    static const uint8_t indef_member[] = {0x81, 0x9f, 0x61, 'w', 0x01, 0x01, 0x01, 0x01, 0xff};
    check_value(MSG_ACK, 5, indef_member, sizeof(indef_member), HS_ERR_TYPE,
                 "indefinite array as a member");
    /* A valid record in one chunk of an indefinite-length byte string. */
    uint8_t indef_record[TESTLIB_RECORD_MAX + 8];
    uint8_t rec[TESTLIB_RECORD_MAX];
    size_t rlen = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, 1, 1);
    tout o = {indef_record, 0};
    out_head(&o, 4, 1);
    out_raw(&o, "\x5f", 1);
    out_head(&o, 2, rlen);
    out_raw(&o, rec, rlen);
    out_raw(&o, "\xff", 1);
    check_value(MSG_ACK, 5, indef_record, o.len, HS_ERR_TYPE, "indefinite member record");
    /* The same record tagged. */
    o.len = 0;
    out_head(&o, 4, 1);
    out_raw(&o, "\xd8\x40", 2); /* tag 64 (uint8 typed array) */
    out_head(&o, 2, rlen);
    out_raw(&o, rec, rlen);
    check_value(MSG_ACK, 5, indef_record, o.len, HS_ERR_TYPE, "tagged member record");
    static const uint8_t indef_name[] = {0x7f, 0x61, 'w', 0xff};
    check_value(MSG_ACK, 2, indef_name, sizeof(indef_name), HS_ERR_TYPE, "indefinite name");
    static const uint8_t tagged_seq[] = {0xc1, 0x05};
    check_value(MSG_ACK, 1, tagged_seq, sizeof(tagged_seq), HS_ERR_TYPE, "tagged seq");
    static const uint8_t tagged_name[] = {0xd8, 0x20, 0x61, 'w'};
    check_value(MSG_ACK, 2, tagged_name, sizeof(tagged_name), HS_ERR_TYPE, "tagged name");
    static const uint8_t unknown_indef[] = {0x09, 0x5f, 0x41, 0x00, 0xff};
    tvariant v = {NO_KEY, NO_KEY, NULL, 0, unknown_indef, sizeof(unknown_indef), 1};
    assert_int_equal(decode_variant(&tm, &v), HS_ERR_TYPE);
    static const uint8_t unknown_float[] = {0x09, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0};
    v = (tvariant){NO_KEY, NO_KEY, NULL, 0, unknown_float, sizeof(unknown_float), 1};
    assert_int_equal(decode_variant(&tm, &v), HS_ERR_TYPE);
    static const uint8_t unknown_break[] = {0x09, 0xff};
    v = (tvariant){NO_KEY, NO_KEY, NULL, 0, unknown_break, sizeof(unknown_break), 1};
    assert_int_equal(decode_variant(&tm, &v), HS_ERR_MALFORMED);
    static const uint8_t unknown_simple[] = {0x09, 0xf0};
    v = (tvariant){NO_KEY, NO_KEY, NULL, 0, unknown_simple, sizeof(unknown_simple), 1};
    assert_int_equal(decode_variant(&tm, &v), HS_ERR_MALFORMED);
}

static void test_decode_huge_declared(void **state)
{
    HS_UNUSED(state);
    static const struct {
        const char *what;
        uint64_t key;
        const char *bytes;
        size_t len;
    } cases[] = {
        {"list of 2^32-1", 5, "\x9a\xff\xff\xff\xff", 5},
        {"list of 2^32", 5, "\x9b\x00\x00\x00\x01\x00\x00\x00\x00", 9},
        {"list of 2^64-1", 5, "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9},
        {"member of 2^32-1 bytes", 5, "\x81\x5a\xff\xff\xff\xff", 6},
        {"member of 2^32 bytes", 5, "\x81\x5b\x00\x00\x00\x01\x00\x00\x00\x00", 10},
        {"member of 2^64-1 bytes", 5, "\x81\x5b\xff\xff\xff\xff\xff\xff\xff\xff", 10},
        {"name of 2^32-1 bytes", 2, "\x7a\xff\xff\xff\xff", 5},
        {"name of 2^64-1 bytes", 2, "\x7b\xff\xff\xff\xff\xff\xff\xff\xff", 9},
        {"unknown map of 2^32", 9, "\xbb\x00\x00\x00\x01\x00\x00\x00\x00", 9},
        {"unknown map of 2^63", 9, "\xbb\x80\x00\x00\x00\x00\x00\x00\x00", 9},
        {"unknown bytes of 2^64-1", 9, "\x5b\xff\xff\xff\xff\xff\xff\xff\xff", 9},
    };
    for (size_t i = 0; i < HS_ARRAY_LEN(cases); i++) {
        if (cases[i].key == 9) {
            tmsg tm;
            tmsg_make(&tm, MSG_ACK);
            uint8_t pair[16];
            pair[0] = 0x09;
            memcpy(pair + 1, cases[i].bytes, cases[i].len);
            tvariant v = {NO_KEY, NO_KEY, NULL, 0, pair, cases[i].len + 1, 1};
            assert_int_equal(decode_variant(&tm, &v), HS_ERR_LIMIT);
        } else {
            check_value(MSG_ACK, cases[i].key, (const uint8_t *)cases[i].bytes, cases[i].len,
                         HS_ERR_LIMIT, cases[i].what);
        }
    }
    /* The top-level map itself. */
    static const uint8_t maps[][9] = {{0xba, 0xff, 0xff, 0xff, 0xff},
                                      {0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    assert_int_equal(decode(MSG_PING, maps[0], 5), HS_ERR_LIMIT);
    assert_int_equal(decode(MSG_PING, maps[1], 9), HS_ERR_LIMIT);
}

/* Member entries are packed records in one byte string: 13..128 bytes,
 * the name's length first; trailing bytes (a later minor version's
 * fields) are ignored; anything else where a record belongs is refused. */
static void test_decode_member_shapes(void **state)
{
    HS_UNUSED(state);
    uint8_t rec[512];
    static uint8_t val[1024];
    size_t len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 9, MEMBER_DEAD, ROLE_GATE);
    assert_int_equal(len, 16);
    expect_record(MSG_SYNC, rec, len, HS_OK, "plain record");

    /* Trailing extension bytes are accepted and change nothing decoded. */
    memcpy(rec + len, "\x00\xff\x81\x9f\x01", 5);
    size_t n = one_record(val, rec, len + 5);
    tmsg tm;
    tmsg_make(&tm, MSG_SYNC);
    tvariant v = {NO_KEY, 6, val, n, NULL, 0, 0};
    size_t wlen = tmsg_variant(&tm, &v, work);
    tbody m;
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    assert_int_equal(decode_into_exact(MSG_SYNC, work, wlen, &m), HS_OK);
    assert_int_equal(tlist(&m)->count, 1);
    assert_string_equal(tlist(&m)->items[0].name.bytes, "w-1");
    assert_int_equal(tlist(&m)->items[0].addr.ip, GOOD_IP);
    assert_int_equal(tlist(&m)->items[0].addr.port, GOOD_PORT);
    assert_int_equal(tlist(&m)->items[0].incarnation, 9);
    assert_int_equal(tlist(&m)->items[0].state, MEMBER_DEAD);
    assert_int_equal(tlist(&m)->items[0].role, ROLE_GATE);

    /* Size limits: 128 bytes is the most a record may take. */
    char name63[HS_NAME_MAX];
    memset(name63, 'n', sizeof(name63));
    len = testlib_record(rec, name63, HS_NAME_MAX, GOOD_IP, GOOD_PORT, 1, 0, 0);
    assert_int_equal(len, 76);
    expect_record(MSG_SYNC, rec, len, HS_OK, "63-byte name");
    memset(rec + len, 0xee, sizeof(rec) - len);
    expect_record(MSG_SYNC, rec, TESTLIB_RECORD_MAX, HS_OK, "record of 128 bytes");
    expect_record(MSG_SYNC, rec, TESTLIB_RECORD_MAX + 1, HS_ERR_LIMIT, "record of 129 bytes");
    expect_record(MSG_SYNC, rec, 300, HS_ERR_LIMIT, "record of 300 bytes (2-byte length)");

    /* Too short for the fixed fields, or for the name it declares. */
    len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, 0, 0);
    expect_record(MSG_SYNC, rec, 0, HS_ERR_MISSING, "empty record");
    expect_record(MSG_SYNC, rec, 1, HS_ERR_MISSING, "length byte only");
    expect_record(MSG_SYNC, rec, TESTLIB_RECORD_MIN - 1, HS_ERR_MISSING, "record of 12 bytes");
    expect_record(MSG_SYNC, rec, len - 1, HS_ERR_MISSING, "role cut off");
    rec[0] = 20;
    expect_record(MSG_SYNC, rec, len, HS_ERR_MISSING, "name length past the record");
    rec[0] = 4;
    expect_record(MSG_SYNC, rec, len, HS_ERR_MISSING, "name length one past the record");

    /* Name lengths above 63 are refused before the record's size is. */
    char name64[HS_NAME_MAX + 1];
    memset(name64, 'n', sizeof(name64));
    len = testlib_record(rec, name64, HS_NAME_MAX + 1, GOOD_IP, GOOD_PORT, 1, 0, 0);
    expect_record(MSG_SYNC, rec, len, HS_ERR_LIMIT, "name length 64");
    len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, 0, 0);
    rec[0] = 255;
    expect_record(MSG_SYNC, rec, len, HS_ERR_LIMIT, "name length 255");
    rec[0] = 0;
    expect_record(MSG_SYNC, rec, len, HS_ERR_RANGE, "name length 0");

    /* Anything but a definite byte string where a record belongs: the
     * old positional array, text, a map, a uint. */
    tout o = {val, 0};
    out_head(&o, 4, 1);
    out_head(&o, 4, 5);
    out_text(&o, "w-1");
    out_head(&o, 0, GOOD_ADDR);
    out_head(&o, 0, 1);
    out_head(&o, 0, 1);
    out_head(&o, 0, 1);
    check_value(MSG_SYNC, 6, val, o.len, HS_ERR_TYPE, "member as an array (old format)");
    len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, 0, 0);
    o.len = 0;
    out_head(&o, 4, 1);
    out_head(&o, 3, len);
    out_raw(&o, rec, len);
    check_value(MSG_SYNC, 6, val, o.len, HS_ERR_TYPE, "record as text");
    o.len = 0;
    out_head(&o, 4, 1);
    out_head(&o, 5, 1);
    out_head(&o, 0, 0);
    out_text(&o, "w-1");
    check_value(MSG_SYNC, 6, val, o.len, HS_ERR_TYPE, "member as a map");
    o.len = 0;
    out_head(&o, 4, 1);
    out_head(&o, 0, 16);
    check_value(MSG_SYNC, 6, val, o.len, HS_ERR_TYPE, "member as a uint");

    /* The first bad entry decides, wherever it is in the list. */
    o.len = 0;
    out_head(&o, 4, 3);
    for (uint32_t i = 0; i < 3; i++) {
        len = testlib_record(rec, "w-1", 3, GOOD_IP, GOOD_PORT, 1, i == 2 ? 7 : 0, 0);
        out_head(&o, 2, len);
        out_raw(&o, rec, len);
    }
    check_value(MSG_SYNC, 6, val, o.len, HS_ERR_RANGE, "third entry with state 7");
}

/* Unknown keys of any accepted kind are skipped, wherever they are. */
static void test_decode_unknown_keys_skipped(void **state)
{
    HS_UNUSED(state);
    static const uint8_t extra[] = {
        0x00, 0x01,                                     /* 0: 1 */
        0x07, 0x82, 0x61, 'x', 0xa1, 0x01, 0x80,       /* 7: ["x", {1: []}] */
        0x18, 0x3f, 0x38, 0x63,                         /* 63: -100 */
        0x18, 0x40, 0x42, 0x00, 0x01,                   /* 64: h'0001' */
        0x19, 0x03, 0xe8, 0xf4,                         /* 1000: false */
        0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x60, /* 2^64-1: "" */
    };
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tmsg_make(&tm, all_types[t]);
        tvariant v = {NO_KEY, NO_KEY, NULL, 0, extra, sizeof(extra), 6};
        size_t n = tmsg_variant(&tm, &v, work);
        tbody a;
        tbody b;
        init_out(&a, list_a, MSG_MEMBERS_MAX);
        assert_int_equal(decode_into_exact(tm.type, work, n, &a), HS_OK);
        init_out(&b, list_b, MSG_MEMBERS_MAX);
        assert_int_equal(tdecode(tm.type, tm.bytes, tm.len, &b), HS_OK);
        assert_null(tdiff(&a, &b));
    }
    /* Keys a type does not define are unknown to it: an ACK ignores a
     * target, a PING a target address, a SYNC a status. */
    expect_text(MSG_ACK, 3, "worker-1", 8, HS_OK, "target in ACK");
    expect_uint(MSG_PING, 4, 0, HS_OK, "target addr 0 in PING");
    expect_uint(MSG_SYNC, 5, UINT64_MAX, HS_OK, "status in SYNC");
    tbody m;
    tmsg tm;
    tmsg_make(&tm, MSG_ACK);
    uint8_t pair[16] = {0x03, 0x63, 'a', 'b', 'c'};
    tvariant v = {NO_KEY, NO_KEY, NULL, 0, pair, 5, 1};
    size_t n = tmsg_variant(&tm, &v, work);
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    assert_int_equal(tdecode(MSG_ACK, work, n, &m), HS_OK);
    assert_int_equal(m.u.probe.target.len, 0);
}

static void test_decode_noncanonical_accepted(void **state)
{
    HS_UNUSED(state);
    tmsg tm;
    tmsg_make(&tm, MSG_PING);
    static const uint8_t wide_seq[] = {0x1b, 0, 0, 0, 0, 0, 0, 0x10, 0x92}; /* 4242 */
    tvariant v = {NO_KEY, 1, wide_seq, sizeof(wide_seq), NULL, 0, 0};
    size_t n = tmsg_variant(&tm, &v, work);
    tbody m;
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    assert_int_equal(decode_into_exact(MSG_PING, work, n, &m), HS_OK);
    assert_int_equal(m.u.probe.seq, 4242);
    /* Re-encoding gives the canonical (original) bytes. */
    size_t len = 0;
    assert_int_equal(tencode(&m, buf_a, BUF_MAX, &len), HS_OK);
    assert_int_equal(len, tm.len);
    assert_memory_equal(buf_a, tm.bytes, len);
}

/* Decoding into a struct full of garbage leaves no garbage in any field
 * the type carries or defaults; lists point at the caller's storage. */
static void test_decode_defaults(void **state)
{
    HS_UNUSED(state);
    for (size_t t = 0; t < type_count; t++) {
        tmsg tm;
        tbody want;
        tbody m;
        realistic(all_types[t], &want, list_a);
        tlist(&want)->count = 0;
        if (all_types[t] == MSG_STATS_RESP) {
            want.u.stats.counters.count = 0;
        }
        if (all_types[t] == MSG_ERROR) {
            want.u.error.detail_len = 0;
            want.u.error.detail[0] = '\0';
        }
        size_t len = 0;
        assert_int_equal(tencode(&want, tm.bytes, sizeof(tm.bytes), &len), HS_OK);
        memset(&m, 0xaa, sizeof(m));
        init_out(&m, list_b, MSG_MEMBERS_MAX);
        memset(&m, 0xaa, sizeof(m));
        assert_int_equal(tdecode(all_types[t], tm.bytes, len, &m), HS_OK);
        assert_int_equal(m.type, all_types[t]);
        assert_int_equal(tlist(&m)->count, 0);
        assert_null(tdiff(&want, &m));
        if (list_max_of(all_types[t]) > 0) {
            assert_ptr_equal(tlist(&m)->items, list_b);
            assert_int_equal(tlist(&m)->cap, MSG_MEMBERS_MAX);
        }
        if (all_types[t] == MSG_STATS_RESP) {
            assert_ptr_equal(m.u.stats.counters.items, counters_b);
            assert_int_equal(m.u.stats.counters.cap, MSG_COUNTERS_MAX);
        }
    }
}

/* ---- the seed corpora --------------------------------------------------------- */

/* The corpus directory: $HS_SRC_DIR/fuzz/corpus, else fuzz/corpus from the
 * working directory (the test runner runs from the repository root), else
 * relative to this source file. */
static bool corpus_root(char *out, size_t cap)
{
    struct stat st;
    const char *src = getenv("HS_SRC_DIR");
    if (src != NULL) {
        snprintf(out, cap, "%s/fuzz/corpus", src);
        if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
            return true;
        }
    }
    snprintf(out, cap, "fuzz/corpus");
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
        return true;
    }
    snprintf(out, cap, "%s", __FILE__);
    char *slash = strrchr(out, '/');
    if (slash != NULL) {
        snprintf(slash, cap - (size_t)(slash - out), "/../../fuzz/corpus");
        if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
            return true;
        }
    }
    return false;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    *len = (size_t)st.st_size;
    uint8_t *b = malloc(*len > 0 ? *len : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

/* Decodes one corpus file as its target does: a frame (fuzz_frame), or a
 * 2-byte type and a payload (fuzz_msg). */
static hs_status corpus_decode(bool frame, const uint8_t *bytes, size_t len)
{
    tbody m;
    init_out(&m, list_b, MSG_MEMBERS_MAX);
    if (!frame) {
        if (len < 2) {
            return HS_ERR_TRUNCATED;
        }
        return tdecode((uint16_t)(bytes[0] << 8 | bytes[1]), bytes + 2, len - 2, &m);
    }
    frame_header h;
    const uint8_t *payload = NULL;
    hs_status st = frame_decode(bytes, len, FRAME_TCP_PAYLOAD_MAX, &h, &payload);
    return st != HS_OK ? st : tdecode(h.type, payload, h.length, &m);
}

/* Decodes one meta slot seed as fuzz_meta does. */
static hs_status corpus_decode_meta(const uint8_t *bytes, size_t len)
{
    meta_record r;
    return meta_decode(bytes, len, &r);
}

/* Every file of a corpus directory through its decoder: "valid-*" seeds
 * and "sim-*" frames (captured from simulator traffic, so sent by our own
 * encoder) must decode, "bad-*" seeds must be refused, anything else
 * (libFuzzer finds) must merely not crash.  Failures are counted
 * and asserted after closedir, so a failing run leaks nothing. */
/* The seed class of a corpus file name: "valid-" or "bad-" at the start
 * or, in fuzz_msg, after the "<type>-" prefix. */
static const char *seed_class(const char *name, bool prefixed)
{
    if (prefixed) {
        for (uint32_t i = 0; i < msg_registry_count(); i++) {
            const char *t = msg_registry_at(i)->name;
            size_t n = strlen(t);
            if (strncmp(name, t, n) == 0 && name[n] == '-' &&
                (strncmp(name + n + 1, "valid-", 6) == 0 ||
                 strncmp(name + n + 1, "bad-", 4) == 0)) {
                return name + n + 1;
            }
        }
    }
    return name;
}

static void check_corpus_dir(const char *root, const char *target, int kind, bool meta)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/%s", root, target);
    DIR *d = opendir(dir);
    if (d == NULL) {
        print_error("missing corpus %s\n", dir);
    }
    assert_non_null(d);
    uint32_t files = 0;
    uint32_t valid = 0;
    uint32_t bad = 0;
    uint32_t wrong = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') {
            continue;
        }
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        size_t len = 0;
        uint8_t *bytes = read_file(path, &len);
        hs_status st =
            meta ? corpus_decode_meta(bytes, len) : corpus_decode(kind == 0, bytes, len);
        const char *cls = seed_class(ent->d_name, kind == 1);
        free(bytes);
        files++;
        if (strncmp(cls, "valid-", 6) == 0 || strncmp(cls, "sim-", 4) == 0) {
            if (st != HS_OK) {
                print_error("%s: valid seed refused: %s\n", path, hs_status_name(st));
                wrong++;
            }
            valid++;
        } else if (strncmp(cls, "bad-", 4) == 0) {
            if (st == HS_OK) {
                print_error("%s: bad seed accepted\n", path);
                wrong++;
            }
            bad++;
        }
    }
    closedir(d);
    assert_int_equal(wrong, 0);
    assert_true(files >= 8);
    assert_true(valid >= 4);
    assert_true(bad >= 4);
}

static void test_corpus(void **state)
{
    HS_UNUSED(state);
    char root[512];
    if (!corpus_root(root, sizeof(root))) {
        print_error("fuzz/corpus not found (set HS_SRC_DIR to the repository root)\n");
        fail();
    }
    check_corpus_dir(root, "fuzz_msg", 1, false);
    check_corpus_dir(root, "fuzz_frame", 0, false);
    check_corpus_dir(root, "fuzz_meta", 0, true);
    /* Every descriptor has its own valid and bad seeds in fuzz_msg. */
    for (uint32_t i = 0; i < msg_registry_count(); i++) {
        char path[768];
        struct stat st;
        snprintf(path, sizeof(path), "%s/fuzz_msg/%s-valid-realistic", root,
                 msg_registry_at(i)->name);
        assert_int_equal(stat(path, &st), 0);
        snprintf(path, sizeof(path), "%s/fuzz_msg/%s-bad-truncated", root,
                 msg_registry_at(i)->name);
        assert_int_equal(stat(path, &st), 0);
    }
}

int main(void)
{
    for (uint32_t i = 0; i < msg_registry_count(); i++) {
        all_types[type_count++] = msg_registry_at(i)->type;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_descriptor_of_14_keys),
        cmocka_unit_test(test_descriptor_checks),
        cmocka_unit_test(test_state_and_role_names),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_round_trip_full_lists),
        cmocka_unit_test(test_reencode_is_identity),
        cmocka_unit_test(test_wire_bytes_unchanged),
        cmocka_unit_test(test_member_size_exact),
        cmocka_unit_test(test_member_record_layout),
        cmocka_unit_test(test_encode_too_small_every_cap),
        cmocka_unit_test(test_encode_refuses_invalid),
        cmocka_unit_test(test_decode_truncated_everywhere),
        cmocka_unit_test(test_decode_trailing),
        cmocka_unit_test(test_decode_duplicate_keys),
        cmocka_unit_test(test_decode_missing_keys),
        cmocka_unit_test(test_decode_wrong_key_types),
        cmocka_unit_test(test_decode_wrong_value_types),
        cmocka_unit_test(test_decode_out_of_range),
        cmocka_unit_test(test_decode_names),
        cmocka_unit_test(test_alphabet_checks_match_reference),
        cmocka_unit_test(test_decode_counters),
        cmocka_unit_test(test_decode_list_limits),
        cmocka_unit_test(test_decode_deep_nesting),
        cmocka_unit_test(test_decode_indefinite_and_tags),
        cmocka_unit_test(test_decode_huge_declared),
        cmocka_unit_test(test_decode_member_shapes),
        cmocka_unit_test(test_decode_unknown_keys_skipped),
        cmocka_unit_test(test_decode_noncanonical_accepted),
        cmocka_unit_test(test_decode_defaults),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
