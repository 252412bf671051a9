/* Writes the seed corpora of the codec fuzz targets, deterministically:
 *
 *   corpus_gen [OUTDIR]          (default fuzz/corpus)
 *
 * fuzz_msg/ gets, for every descriptor of the registry (msg_registry.h),
 * files named <type>-<seed> holding the 2-byte big-endian type and a raw
 * CBOR payload of that type; fuzz_frame/ gets whole frames, fuzz_meta/
 * meta store slot records.  Everything about a type (its name, its list,
 * name and integer fields and their limits) comes from its descriptor, so
 * a new message type gets seeds without a line here.  File names say what a seed
 * is: "valid-*" must decode (a unit test checks it), "bad-*" must be
 * refused without harm.  Valid seeds have realistic shapes (ACK with 5
 * gossip entries, SYNC with 20 members, MEMBERS_RESP with 100 members)
 * plus seeded random messages; bad seeds are built from a valid message by
 * splicing its top-level pairs (drop, duplicate, replace), so each one
 * breaks exactly one rule.  Member records are packed by hand
 * (msg_testlib.h) so that a seed can break one field of one record.  Meta
 * seeds are checked against meta_decode as they are written: a bad seed
 * that fails for another reason than the one it is named for (say, the
 * checksum instead of the padding) would test nothing, so it stops the
 * generator.  Files other programs put there (libFuzzer merges, "sim-*"
 * frames captured from simulator traffic) are left alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xxhash.h>

#include "dec.h"
#include "enc.h"
#include "frame.h"
#include "meta.h"
#include "msg.h"
#include "msg_registry.h"
#include "msg_testlib.h"
#include "swim_msg.h"
#include "rng.h"

#define GEN_BUF_MAX (FRAME_HEADER_LEN + FRAME_TCP_PAYLOAD_MAX)
#define GEN_PAIRS_MAX 16u

typedef struct {
    uint8_t *bytes;
    size_t len;
} gen_buf;

static const char *out_root = "fuzz/corpus";
static unsigned long files_written;

static void die(const char *what)
{
    fprintf(stderr, "corpus_gen: %s\n", what);
    exit(1);
}

static void buf_init(gen_buf *b)
{
    b->bytes = malloc(GEN_BUF_MAX);
    if (b->bytes == NULL) {
        die("out of memory");
    }
    b->len = 0;
}

static void buf_raw(gen_buf *b, const void *bytes, size_t n)
{
    if (n > GEN_BUF_MAX - b->len) {
        die("buffer overflow");
    }
    if (n > 0) {
        memcpy(b->bytes + b->len, bytes, n);
    }
    b->len += n;
}

static void buf_byte(gen_buf *b, uint8_t v)
{
    buf_raw(b, &v, 1);
}

/* Canonical items through the project's own encoder. */
static void buf_uint(gen_buf *b, uint64_t v)
{
    uint8_t tmp[9];
    enc e;
    size_t n = 0;
    enc_init(&e, tmp, sizeof(tmp));
    enc_uint(&e, v);
    if (enc_finish(&e, &n) != HS_OK) {
        die("enc_uint");
    }
    buf_raw(b, tmp, n);
}

/* A head of any major type at its canonical width. */
static void buf_head(gen_buf *b, uint8_t major, uint64_t v)
{
    size_t start = b->len;
    buf_uint(b, v);
    b->bytes[start] = (uint8_t)(b->bytes[start] | (uint8_t)(major << 5));
}

static void buf_text(gen_buf *b, const char *s)
{
    buf_head(b, 3, strlen(s));
    buf_raw(b, s, strlen(s));
}

static void mkdir_p(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "corpus_gen: mkdir %s failed\n", path);
        exit(1);
    }
}

static void write_seed(const char *target, const char *name, const uint8_t *bytes, size_t n)
{
    char dir[512];
    char path[768];
    snprintf(dir, sizeof(dir), "%s/%s", out_root, target);
    mkdir_p(out_root);
    mkdir_p(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(bytes, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "corpus_gen: cannot write %s\n", path);
        exit(1);
    }
    files_written++;
}

/* ---- realistic messages --------------------------------------------------- */

static void set_name(hs_name *name, const char *text)
{
    if (hs_name_set(name, text, strlen(text)) != HS_OK) {
        die("bad name");
    }
}

static hs_addr addr_of(uint32_t host, uint16_t port)
{
    hs_addr a = {0x0a000000u | host, port};
    return a;
}

static msg_member *gen_members;
static msg_counter *gen_counters;

static msg_rx_store gen_store(void)
{
    return (msg_rx_store){gen_members, MSG_MEMBERS_MAX, gen_counters, MSG_COUNTERS_MAX};
}

static void encode(const msg_desc *d, const void *body, gen_buf *out)
{
    size_t n = 0;
    if (msg_encode(d, body, out->bytes, GEN_BUF_MAX, &n) != HS_OK) {
        die("msg_encode failed on a generated message");
    }
    out->len = n;
}

/* ---- splicing top-level pairs -------------------------------------------- */

typedef struct {
    uint64_t key;
    size_t start; /* key's first byte */
    size_t end;   /* one past the value */
} gen_pair;

typedef struct {
    gen_pair pairs[GEN_PAIRS_MAX];
    uint32_t count;
    const uint8_t *bytes;
} gen_map;

static void split_pairs(const gen_buf *payload, gen_map *out)
{
    dec d;
    uint64_t n = 0;
    dec_init(&d, payload->bytes, payload->len);
    if (dec_map(&d, &n) != HS_OK || n > GEN_PAIRS_MAX) {
        die("split_pairs: not a small map");
    }
    out->count = (uint32_t)n;
    out->bytes = payload->bytes;
    for (uint32_t i = 0; i < out->count; i++) {
        gen_pair *p = &out->pairs[i];
        p->start = d.pos;
        if (dec_uint(&d, &p->key) != HS_OK || dec_skip(&d) != HS_OK) {
            die("split_pairs: bad pair");
        }
        p->end = d.pos;
    }
}

static void put_pair(gen_buf *out, const gen_map *m, const gen_pair *p)
{
    buf_raw(out, m->bytes + p->start, p->end - p->start);
}

/* Copies m with the pair of key `skip` left out (if skip is a key of m)
 * and room for `extra` more pairs the caller appends; the map head counts
 * them. */
static void copy_without(gen_buf *out, const gen_map *m, uint64_t skip, uint32_t extra)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        kept += m->pairs[i].key != skip;
    }
    out->len = 0;
    buf_head(out, 5, kept + extra);
    for (uint32_t i = 0; i < m->count; i++) {
        if (m->pairs[i].key != skip) {
            put_pair(out, m, &m->pairs[i]);
        }
    }
}

/* ---- per-type facts the bad seeds need, from the descriptor ----------------- */

static uint64_t name_key(const msg_desc *d)
{
    const msg_field *f = testlib_field_of(d, MSG_K_NAME);
    return f != NULL ? f->key : 0;
}

static uint64_t list_key(const msg_desc *d, msg_kind kind)
{
    const msg_field *f = testlib_field_of(d, kind);
    return f != NULL ? f->key : 0;
}

/* A value for key 1 that is out of range for the type; false when key 1
 * has no range beyond its CBOR type. */
static bool out_of_range_key1(const msg_desc *d, gen_buf *out)
{
    const msg_field *f = testlib_field_by_key(d, 1);
    if (f == NULL || f->kind > MSG_K_U64 || f->max == UINT64_MAX) {
        return false;
    }
    buf_uint(out, f->max + 1);
    return true;
}

/* One member record with a chosen field or shape broken. */
typedef enum {
    BROKEN_NONE,
    BROKEN_STATE,
    BROKEN_ROLE,
    BROKEN_INCARNATION,
    BROKEN_PORT,
    BROKEN_NAME_SPACE,
    BROKEN_NAME_EMPTY,
    BROKEN_NAME_LEN_64,   /* length byte above HS_NAME_MAX */
    BROKEN_NAME_LEN_PAST, /* length byte past the end of the record */
    BROKEN_SHORT,         /* 12 bytes: less than the fixed fields */
    BROKEN_ROLE_CUT,      /* the last fixed byte missing */
    BROKEN_TOO_LONG,      /* 129 bytes: above the record limit */
    BROKEN_AS_ARRAY,      /* the old positional array */
    BROKEN_AS_TEXT,       /* the record's bytes as a text string */
    BROKEN_INDEFINITE,    /* the record in an indefinite byte string */
} broken_field;

/* A valid record, plus extension bytes a later minor version might
 * append (receivers ignore them). */
static void put_member_ext(gen_buf *out, const char *name, const uint8_t *ext, size_t ext_len)
{
    uint8_t rec[TESTLIB_RECORD_MAX];
    size_t len = testlib_record(rec, name, strlen(name), 0x0a000011u, 7946, 3, MEMBER_ALIVE,
                                ROLE_WORKER);
    if (len + ext_len > sizeof(rec)) {
        die("member extension too long");
    }
    memcpy(rec + len, ext, ext_len);
    buf_head(out, 2, len + ext_len);
    buf_raw(out, rec, len + ext_len);
}

static void put_member(gen_buf *out, const char *name, broken_field broken)
{
    uint8_t rec[2 * TESTLIB_RECORD_MAX];
    const char *nm = broken == BROKEN_NAME_SPACE   ? "worker 017"
                     : broken == BROKEN_NAME_EMPTY ? ""
                     : broken == BROKEN_NAME_LEN_64
                         ? "n-123456789-123456789-123456789-123456789-123456789-123456789-12"
                         : name;
    size_t len = testlib_record(rec, nm, strlen(nm), 0x0a000011u,
                                broken == BROKEN_PORT ? 0 : 7946,
                                broken == BROKEN_INCARNATION ? UINT32_C(0x80000000) : 3,
                                broken == BROKEN_STATE ? MEMBER_STATE_COUNT : MEMBER_ALIVE,
                                broken == BROKEN_ROLE ? NODE_ROLE_COUNT : ROLE_WORKER);
    switch (broken) {
    case BROKEN_NAME_LEN_PAST:
        rec[0] = (uint8_t)(rec[0] + 8);
        break;
    case BROKEN_SHORT:
        len = TESTLIB_RECORD_MIN - 1;
        break;
    case BROKEN_ROLE_CUT:
        len--;
        break;
    case BROKEN_TOO_LONG:
        memset(rec + len, 0, sizeof(rec) - len);
        len = TESTLIB_RECORD_MAX + 1;
        break;
    case BROKEN_AS_ARRAY:
        buf_head(out, 4, 5);
        buf_text(out, name);
        buf_uint(out, hs_addr_key(addr_of(17, 7946)));
        buf_uint(out, 3);
        buf_uint(out, MEMBER_ALIVE);
        buf_uint(out, ROLE_WORKER);
        return;
    case BROKEN_AS_TEXT:
        buf_head(out, 3, len);
        buf_raw(out, rec, len);
        return;
    case BROKEN_INDEFINITE:
        buf_byte(out, 0x5f);
        buf_head(out, 2, len);
        buf_raw(out, rec, len);
        buf_byte(out, 0xff);
        return;
    default:
        break;
    }
    buf_head(out, 2, len);
    buf_raw(out, rec, len);
}

/* ---- the msg seeds ---------------------------------------------------------- */

typedef struct {
    const char *target;
    const msg_desc *desc;
    gen_buf payload; /* the realistic message */
    gen_buf work;
    gen_map map;
} gen_ctx;

/* fuzz_msg/<type>-<name>: the type prefix, then the payload. */
static void seed(gen_ctx *g, const char *name, const gen_buf *b)
{
    char file[128];
    uint8_t *bytes = malloc(b->len + 2);
    if (bytes == NULL) {
        die("out of memory");
    }
    bytes[0] = (uint8_t)(g->desc->type >> 8);
    bytes[1] = (uint8_t)g->desc->type;
    if (b->len > 0) {
        memcpy(bytes + 2, b->bytes, b->len);
    }
    snprintf(file, sizeof(file), "%s-%s", g->desc->name, name);
    write_seed(g->target, file, bytes, b->len + 2);
    free(bytes);
}

/* A seed named for one broken rule must be refused by that rule, not by
 * an accident of its construction. */
static void expect_status(const gen_ctx *g, const char *name, const gen_buf *b, hs_status want)
{
    testlib_body m;
    msg_rx_store store = gen_store();
    hs_status st = msg_decode(g->desc, b->bytes, b->len, &m, &store);
    if (st != want) {
        fprintf(stderr, "corpus_gen: %s/%s decodes as %s, not %s\n", g->target, name,
                hs_status_name(st), hs_status_name(want));
        exit(1);
    }
}

static void valid_seeds(gen_ctx *g)
{
    testlib_body m;
    rng r;
    const msg_desc *d = g->desc;
    msg_rx_store store = gen_store();
    testlib_realistic_body(d, &m, &store, testlib_realistic_count(d));
    encode(d, &m, &g->payload);
    seed(g, "valid-realistic", &g->payload);
    split_pairs(&g->payload, &g->map);

    testlib_realistic_body(d, &m, &store, 0);
    encode(d, &m, &g->work);
    seed(g, "valid-minimal", &g->work);

    const msg_field *lf = testlib_field_of(d, MSG_K_MEMBER_LIST);
    if (lf != NULL) {
        uint32_t max = (uint32_t)lf->max;
        testlib_realistic_body(d, &m, &store, max > 300 ? 300 : max);
        encode(d, &m, &g->work);
        seed(g, max > 300 ? "valid-members-300" : "valid-list-at-limit", &g->work);
    }

    rng_seed(&r, rng_label(d->name));
    for (int i = 0; i < 4; i++) {
        char name[32];
        testlib_random_body(&r, d, &m, &store, 40);
        encode(d, &m, &g->work);
        snprintf(name, sizeof(name), "valid-random-%d", i);
        seed(g, name, &g->work);
    }

    /* Keys in reverse order: order is free. */
    g->work.len = 0;
    buf_head(&g->work, 5, g->map.count);
    for (uint32_t i = g->map.count; i-- > 0;) {
        put_pair(&g->work, &g->map, &g->map.pairs[i]);
    }
    seed(g, "valid-reordered", &g->work);

    /* Unknown keys of every accepted kind, nested four deep: skipped. */
    copy_without(&g->work, &g->map, UINT64_MAX, 3);
    buf_uint(&g->work, 7);
    buf_head(&g->work, 5, 4);
    buf_uint(&g->work, 0);
    buf_head(&g->work, 4, 3);
    buf_uint(&g->work, 1);
    buf_text(&g->work, "x");
    buf_head(&g->work, 4, 1);
    buf_head(&g->work, 5, 0);
    buf_uint(&g->work, 1);
    buf_byte(&g->work, 0x24); /* -5 */
    buf_uint(&g->work, 2);
    buf_raw(&g->work, "\x42\x00\xff", 3);
    buf_uint(&g->work, 3);
    buf_byte(&g->work, 0xf5); /* true */
    buf_uint(&g->work, 1000);
    buf_text(&g->work, "future field");
    buf_uint(&g->work, 63);
    buf_head(&g->work, 4, 0);
    seed(g, "valid-unknown-keys", &g->work);

    /* Non-minimal heads are accepted: map count as 0xb8 n, first key as
     * a 16-bit integer. */
    g->work.len = 0;
    buf_byte(&g->work, 0xb8);
    buf_byte(&g->work, (uint8_t)g->map.count);
    for (uint32_t i = 0; i < g->map.count; i++) {
        const gen_pair *p = &g->map.pairs[i];
        if (i == 0) {
            uint8_t wide[3] = {0x19, 0x00, (uint8_t)p->key};
            buf_raw(&g->work, wide, 3);
            buf_raw(&g->work, g->map.bytes + p->start + 1, p->end - p->start - 1);
        } else {
            put_pair(&g->work, &g->map, p);
        }
    }
    seed(g, "valid-wide-heads", &g->work);

    /* Member records with trailing extension bytes, one filled to the
     * 128-byte limit: receivers ignore what follows the role. */
    uint64_t lk = list_key(d, MSG_K_MEMBER_LIST);
    if (lk != 0) {
        static const uint8_t ext[] = {0x01, 0x00, 0x00, 0x27, 0x10, 0xff};
        uint8_t fill[TESTLIB_RECORD_MAX];
        memset(fill, 0xa5, sizeof(fill));
        copy_without(&g->work, &g->map, lk, 1);
        buf_uint(&g->work, lk);
        buf_head(&g->work, 4, 2);
        put_member_ext(&g->work, "worker-005", ext, sizeof(ext));
        put_member_ext(&g->work, "worker-006", fill,
                       TESTLIB_RECORD_MAX - (TESTLIB_RECORD_MIN + strlen("worker-006")));
        expect_status(g, "valid-member-extension", &g->work, HS_OK);
        seed(g, "valid-member-extension", &g->work);
    }
}

static void bad_seeds(gen_ctx *g)
{
    gen_buf *w = &g->work;
    const gen_map *m = &g->map;

    w->len = 0;
    seed(g, "bad-empty", w);

    w->len = 0;
    buf_raw(w, g->payload.bytes, g->payload.len / 2);
    seed(g, "bad-truncated", w);

    w->len = 0;
    buf_raw(w, g->payload.bytes, g->payload.len);
    buf_byte(w, 0x00);
    seed(g, "bad-trailing", w);

    copy_without(w, m, UINT64_MAX, 1);
    put_pair(w, m, &m->pairs[0]);
    seed(g, "bad-duplicate-key", w);

    copy_without(w, m, 1, 0);
    seed(g, "bad-missing-key1", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_text(w, "9");
    buf_uint(w, 1);
    seed(g, "bad-text-key", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_byte(w, 0x20); /* key -1 */
    buf_uint(w, 1);
    seed(g, "bad-negative-key", w);

    copy_without(w, m, 1, 1);
    buf_uint(w, 1);
    if (out_of_range_key1(g->desc, w)) {
        seed(g, "bad-range-key1", w);
    }

    copy_without(w, m, 1, 1);
    buf_uint(w, 1);
    buf_raw(w, "\xc1\x01", 2); /* tag 1 around the value */
    seed(g, "bad-tag", w);

    copy_without(w, m, 1, 1);
    buf_uint(w, 1);
    buf_raw(w, "\xfa\x3f\x80\x00\x00", 5); /* float 1.0 */
    seed(g, "bad-float", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_uint(w, 40);
    buf_byte(w, 0xf6); /* null in an unknown key */
    seed(g, "bad-null", w);

    /* The realistic map as an indefinite-length map. */
    w->len = 0;
    buf_byte(w, 0xbf);
    buf_raw(w, g->payload.bytes + m->pairs[0].start, g->payload.len - m->pairs[0].start);
    buf_byte(w, 0xff);
    seed(g, "bad-indefinite-map", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_uint(w, 41);
    buf_raw(w, "\x7f\x61x\xff", 4); /* indefinite text */
    seed(g, "bad-indefinite-text", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_uint(w, 42);
    for (int i = 0; i < 100; i++) {
        buf_byte(w, 0x81);
    }
    buf_byte(w, 0x00);
    seed(g, "bad-deep-nesting", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_uint(w, 43);
    buf_raw(w, "\x9b\xff\xff\xff\xff\xff\xff\xff\xff", 9);
    seed(g, "bad-huge-array", w);

    w->len = 0;
    buf_raw(w, "\xba\xff\xff\xff\xff", 5);
    buf_raw(w, g->payload.bytes + m->pairs[0].start, g->payload.len - m->pairs[0].start);
    seed(g, "bad-huge-map", w);

    copy_without(w, m, UINT64_MAX, 1);
    buf_uint(w, 44);
    buf_raw(w, "\x7a\xff\xff\xff\xf0", 5);
    buf_text(w, "abc");
    seed(g, "bad-huge-text", w);

    w->len = 0;
    buf_raw(w, "\xff", 1);
    seed(g, "bad-break", w);

    uint64_t nk = name_key(g->desc);
    if (nk != 0) {
        copy_without(w, m, nk, 1);
        buf_uint(w, nk);
        buf_text(w, "bad\x01name");
        seed(g, "bad-name-control-char", w);

        copy_without(w, m, nk, 1);
        buf_uint(w, nk);
        buf_text(w, "n-123456789-123456789-123456789-123456789-123456789-123456789-1234");
        seed(g, "bad-name-too-long", w);
    }

    uint64_t lk = list_key(g->desc, MSG_K_MEMBER_LIST);
    if (lk != 0) {
        static const struct {
            broken_field field;
            const char *name;
            hs_status want; /* the rule the seed breaks (docs/wire.md) */
        } broken[] = {
            {BROKEN_STATE, "bad-member-state", HS_ERR_RANGE},
            {BROKEN_ROLE, "bad-member-role", HS_ERR_RANGE},
            {BROKEN_INCARNATION, "bad-member-inc", HS_ERR_RANGE},
            {BROKEN_PORT, "bad-member-port0", HS_ERR_RANGE},
            {BROKEN_NAME_SPACE, "bad-member-name", HS_ERR_RANGE},
            {BROKEN_NAME_EMPTY, "bad-member-empty", HS_ERR_RANGE},
            {BROKEN_NAME_LEN_64, "bad-member-name-len-64", HS_ERR_LIMIT},
            {BROKEN_NAME_LEN_PAST, "bad-member-name-past-end", HS_ERR_MISSING},
            {BROKEN_SHORT, "bad-member-short", HS_ERR_MISSING},
            {BROKEN_ROLE_CUT, "bad-member-role-cut", HS_ERR_MISSING},
            {BROKEN_TOO_LONG, "bad-member-too-long", HS_ERR_LIMIT},
            {BROKEN_AS_ARRAY, "bad-member-array", HS_ERR_TYPE},
            {BROKEN_AS_TEXT, "bad-member-text", HS_ERR_TYPE},
            {BROKEN_INDEFINITE, "bad-member-indefinite", HS_ERR_TYPE},
        };
        for (size_t i = 0; i < HS_ARRAY_LEN(broken); i++) {
            copy_without(w, m, lk, 1);
            buf_uint(w, lk);
            buf_head(w, 4, 2);
            put_member(w, "worker-001", BROKEN_NONE);
            put_member(w, "worker-002", broken[i].field);
            expect_status(g, broken[i].name, w, broken[i].want);
            seed(g, broken[i].name, w);
        }
        /* A record declaring 2^32 bytes. */
        copy_without(w, m, lk, 1);
        buf_uint(w, lk);
        buf_head(w, 4, 1);
        buf_raw(w, "\x5b\x00\x00\x00\x01\x00\x00\x00\x00", 9);
        put_member(w, "worker-004", BROKEN_NONE);
        expect_status(g, "bad-member-huge", w, HS_ERR_LIMIT);
        seed(g, "bad-member-huge", w);

        uint32_t over = (uint32_t)testlib_field_of(g->desc, MSG_K_MEMBER_LIST)->max + 1;
        copy_without(w, m, lk, 1);
        buf_uint(w, lk);
        buf_head(w, 4, over);
        for (uint32_t i = 0; i < over; i++) {
            put_member(w, "worker-003", BROKEN_NONE);
        }
        seed(g, "bad-list-over-limit", w);
    }
    uint64_t ck = list_key(g->desc, MSG_K_COUNTER_LIST);
    if (ck != 0) {
        lk = ck;
        copy_without(w, m, lk, 1);
        buf_uint(w, lk);
        buf_head(w, 4, MSG_COUNTERS_MAX + 1);
        for (uint32_t i = 0; i <= MSG_COUNTERS_MAX; i++) {
            buf_head(w, 5, 2);
            buf_uint(w, 0);
            buf_text(w, "frames_rx");
            buf_uint(w, 1);
            buf_uint(w, i);
        }
        seed(g, "bad-counters-over-limit", w);
    }
}

static void msg_target(const msg_desc *d)
{
    gen_ctx g;
    memset(&g, 0, sizeof(g));
    g.target = "fuzz_msg";
    g.desc = d;
    buf_init(&g.payload);
    buf_init(&g.work);
    valid_seeds(&g);
    bad_seeds(&g);
    free(g.payload.bytes);
    free(g.work.bytes);
}

/* ---- the frame seeds -------------------------------------------------------- */

static void frame_seed(const char *name, const gen_buf *b)
{
    write_seed("fuzz_frame", name, b->bytes, b->len);
}

static void frame_of(gen_buf *out, uint16_t type, const uint8_t *payload, size_t len)
{
    out->len = 0;
    uint8_t head[FRAME_HEADER_LEN] = {0};
    buf_raw(out, head, sizeof(head));
    buf_raw(out, payload, len);
    frame_write_header(out->bytes, type, (uint32_t)len);
}

static void frame_encode(const msg_desc *d, const void *body, gen_buf *frame)
{
    size_t n = 0;
    if (msg_encode_frame(d, body, frame->bytes, GEN_BUF_MAX, &n) != HS_OK) {
        die("msg_encode_frame");
    }
    frame->len = n;
}

static void frame_seeds(void)
{
    gen_buf b;
    gen_buf frame;
    buf_init(&b);
    buf_init(&frame);
    testlib_body m;
    msg_rx_store store = gen_store();
    for (uint32_t i = 0; i < msg_registry_count(); i++) {
        char name[64];
        const msg_desc *d = msg_registry_at(i);
        testlib_realistic_body(d, &m, &store, testlib_realistic_count(d));
        frame_encode(d, &m, &frame);
        snprintf(name, sizeof(name), "valid-%s", d->name);
        frame_seed(name, &frame);
    }
    rng r;
    rng_seed(&r, rng_label("fuzz_frame"));
    for (int i = 0; i < 4; i++) {
        char name[64];
        const msg_desc *d = msg_registry_at((uint32_t)rng_below(&r, msg_registry_count()));
        testlib_random_body(&r, d, &m, &store, 20);
        frame_encode(d, &m, &frame);
        snprintf(name, sizeof(name), "valid-random-%d", i);
        frame_seed(name, &frame);
    }

    /* Bad frames, all derived from a realistic ACK frame. */
    const msg_desc *ack = msg_registry_find(MSG_ACK);
    testlib_realistic_body(ack, &m, &store, MSG_GOSSIP_SEND_MAX);
    frame_encode(ack, &m, &frame);

    b.len = 0;
    buf_raw(&b, frame.bytes, frame.len);
    b.bytes[0] = 2;
    frame_seed("bad-version", &b);
    b.bytes[0] = 1;
    b.bytes[1] = FRAME_FLAG_AUTH;
    frame_seed("bad-flags", &b);
    b.bytes[1] = 0;
    b.bytes[FRAME_HEADER_LEN + 3] ^= 0x01;
    frame_seed("bad-checksum", &b);

    b.len = 0;
    buf_raw(&b, frame.bytes, 10);
    frame_seed("bad-short-header", &b);
    b.len = 0;
    buf_raw(&b, frame.bytes, frame.len - 1);
    frame_seed("bad-short-payload", &b);
    b.len = 0;
    buf_raw(&b, frame.bytes, frame.len);
    buf_byte(&b, 0);
    frame_seed("bad-trailing", &b);

    b.len = 0;
    buf_raw(&b, frame.bytes, frame.len);
    b.bytes[4] = 0xff;
    b.bytes[5] = 0xff;
    b.bytes[6] = 0xff;
    b.bytes[7] = 0xf0;
    frame_seed("bad-huge-length", &b);

    /* Valid frames around payloads that are not valid messages. */
    static const uint8_t empty_map[] = {0xa0};
    frame_of(&b, 99, empty_map, sizeof(empty_map));
    frame_seed("bad-unknown-type", &b);
    frame_of(&b, MSG_PING, empty_map, sizeof(empty_map));
    frame_seed("bad-ping-missing-keys", &b);
    frame_of(&b, MSG_ACK, frame.bytes + FRAME_HEADER_LEN, frame.len - FRAME_HEADER_LEN - 1);
    frame_seed("bad-payload-truncated", &b);
    frame_of(&b, MSG_PING, NULL, 0);
    frame_seed("bad-empty-payload", &b);

    free(b.bytes);
    free(frame.bytes);
}

/* ---- the meta seeds ----------------------------------------------------------- */

/* Offsets of the slot record (meta.h), kept here so that bad seeds can
 * change one field and re-seal the checksum. */
#define GEN_META_OFF_NAME_LEN 20u
#define GEN_META_OFF_NAME 21u
#define GEN_META_OFF_RESERVED 84u
#define GEN_META_OFF_CHECKSUM 88u

static void meta_seal(uint8_t *rec)
{
    uint64_t sum = XXH3_64bits(rec, GEN_META_OFF_CHECKSUM);
    for (unsigned i = 0; i < 8; i++) {
        rec[GEN_META_OFF_CHECKSUM + i] = (uint8_t)(sum >> (8 * i));
    }
}

/* Writes one meta seed after checking that meta_decode gives `want`. */
static void meta_seed(const char *name, const uint8_t *bytes, size_t len, hs_status want)
{
    meta_record r;
    hs_status st = meta_decode(bytes, len, &r);
    if (st != want) {
        fprintf(stderr, "corpus_gen: meta seed %s decodes as %s, not %s\n", name,
                hs_status_name(st), hs_status_name(want));
        exit(1);
    }
    write_seed("fuzz_meta", name, bytes, len);
}

static void meta_record_of(uint8_t *out, const char *name, uint64_t seq, uint32_t ceiling)
{
    meta_record r;
    memset(&r, 0, sizeof(r));
    r.seq = seq;
    r.inc_ceiling = ceiling;
    set_name(&r.name, name);
    meta_encode(&r, out);
}

static void meta_seeds(void)
{
    static const struct {
        const char *file;
        const char *name;
        uint64_t seq;
        uint32_t ceiling;
    } valid[] = {
        {"valid-first-write", "n1", 1, 1},
        {"valid-worker", "worker-017", 42, 1000},
        {"valid-gate", "gate-001", 7, 0},
        {"valid-ceiling-max", "manager-003", 1000000, MSG_INCARNATION_MAX},
        {"valid-seq-max", "w", UINT64_MAX, 5},
        {"valid-name-63", "n-123456789-123456789-123456789-123456789-123456789-123456789-1",
         3, 65536},
        {"valid-name-edges", "!~", 2, 255},
    };
    uint8_t slot[META_SLOT_SIZE];
    uint8_t rec[META_RECORD_LEN];
    for (size_t i = 0; i < HS_ARRAY_LEN(valid); i++) {
        meta_record_of(rec, valid[i].name, valid[i].seq, valid[i].ceiling);
        meta_seed(valid[i].file, rec, sizeof(rec), HS_OK);
    }
    /* A whole slot as the store reads it: the record, then zeros. */
    memset(slot, 0, sizeof(slot));
    meta_record_of(slot, "worker-042", 9, 77);
    meta_seed("valid-whole-slot", slot, sizeof(slot), HS_OK);

    meta_record_of(rec, "worker-017", 42, 1000);
    uint8_t bad[META_RECORD_LEN];

    memcpy(bad, rec, sizeof(bad));
    bad[7] = '2'; /* "HSMETA02" */
    meta_seal(bad);
    meta_seed("bad-magic", bad, sizeof(bad), HS_ERR_MALFORMED);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_CHECKSUM] ^= 0x01;
    meta_seed("bad-checksum", bad, sizeof(bad), HS_ERR_CHECKSUM);

    memcpy(bad, rec, sizeof(bad));
    bad[16] ^= 0x01; /* ceiling changed, checksum not resealed */
    meta_seed("bad-checksum-field", bad, sizeof(bad), HS_ERR_CHECKSUM);

    meta_seed("bad-truncated", rec, META_RECORD_LEN - 1, HS_ERR_TRUNCATED);
    meta_seed("bad-magic-only", rec, 8, HS_ERR_TRUNCATED);
    meta_seed("bad-empty", rec, 0, HS_ERR_TRUNCATED);

    memset(bad, 0, sizeof(bad));
    meta_seed("bad-zeros", bad, sizeof(bad), HS_ERR_MALFORMED);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_RESERVED + 3] = 1;
    meta_seal(bad);
    meta_seed("bad-reserved", bad, sizeof(bad), HS_ERR_VERSION);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_NAME + 6] = ' '; /* "worker 017" */
    meta_seal(bad);
    meta_seed("bad-name-space", bad, sizeof(bad), HS_ERR_RANGE);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_NAME_LEN] = 0;
    memset(bad + GEN_META_OFF_NAME, 0, HS_NAME_MAX);
    meta_seal(bad);
    meta_seed("bad-name-empty", bad, sizeof(bad), HS_ERR_RANGE);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_NAME_LEN] = HS_NAME_MAX + 1;
    meta_seal(bad);
    meta_seed("bad-name-len-64", bad, sizeof(bad), HS_ERR_RANGE);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_NAME_LEN] = 0xff;
    meta_seal(bad);
    meta_seed("bad-name-len-255", bad, sizeof(bad), HS_ERR_RANGE);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_NAME + 10] = 'x'; /* just past "worker-017" */
    meta_seal(bad);
    meta_seed("bad-padding", bad, sizeof(bad), HS_ERR_MALFORMED);

    memcpy(bad, rec, sizeof(bad));
    bad[GEN_META_OFF_RESERVED - 1] = 0x80; /* the padding's last byte */
    meta_seal(bad);
    meta_seed("bad-padding-last", bad, sizeof(bad), HS_ERR_MALFORMED);

    meta_record_of(bad, "worker-017", 1, 1);
    memset(bad + 8, 0, 8); /* seq 0 */
    meta_seal(bad);
    meta_seed("bad-seq-zero", bad, sizeof(bad), HS_ERR_RANGE);

    memcpy(bad, rec, sizeof(bad));
    bad[19] = 0x80; /* ceiling 2^31 + 1000 */
    meta_seal(bad);
    meta_seed("bad-ceiling", bad, sizeof(bad), HS_ERR_RANGE);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        out_root = argv[1];
    }
    gen_members = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
    gen_counters = malloc(MSG_COUNTERS_MAX * sizeof(msg_counter));
    if (gen_members == NULL || gen_counters == NULL || msg_registry_check() != HS_OK) {
        die("out of memory or a broken registry");
    }
    for (uint32_t i = 0; i < msg_registry_count(); i++) {
        msg_target(msg_registry_at(i));
    }
    frame_seeds();
    meta_seeds();
    free(gen_members);
    free(gen_counters);
    printf("corpus_gen: wrote %lu file(s) under %s\n", files_written, out_root);
    return 0;
}
