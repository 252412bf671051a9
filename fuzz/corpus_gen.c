/* Writes the seed corpora of the codec fuzz targets, deterministically:
 *
 *   corpus_gen [OUTDIR]          (default fuzz/corpus)
 *
 * fuzz_msg_<name>/ gets raw CBOR payloads of that type, fuzz_frame/ whole
 * frames, fuzz_meta/ meta store slot records.  File names say what a seed
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
#include "msg_testlib.h"
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

/* Members named like a real cluster: gates, managers, many workers. */
static void realistic_members(msg_member *list, uint32_t n, uint32_t salt)
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
        set_name(&list[i].name, name);
        list[i].addr = addr_of(17u + k, 7946);
        list[i].incarnation = (k * 7u) % 50u;
        list[i].state = (uint8_t)(k % 9 == 4 ? MEMBER_SUSPECT : k % 13 == 5 ? MEMBER_DEAD
                                                                             : MEMBER_ALIVE);
        list[i].role = (uint8_t)(k % 10 == 0 ? ROLE_GATE : k % 10 == 1 ? ROLE_MANAGER
                                                                       : ROLE_WORKER);
    }
}

/* The realistic message of each type; list_count taken from count. */
static void realistic_msg(uint16_t type, msg *m, msg_member *list, uint32_t count)
{
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->list = list;
    m->list_cap = MSG_MEMBERS_MAX;
    const msg_type_info *info = msg_info(type);
    m->list_count = count < info->list_max ? count : info->list_max;
    realistic_members(list, m->list_count, type);
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        m->u.probe.seq = 48213;
        set_name(&m->u.probe.source, "worker-042");
        if (type != MSG_ACK) {
            set_name(&m->u.probe.target, "worker-017");
        }
        if (type == MSG_PING_REQ) {
            m->u.probe.target_addr = addr_of(34, 7946);
        }
        break;
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        m->u.sync.seq = 912;
        set_name(&m->u.sync.source, "manager-002");
        m->u.sync.proto_major = MSG_PROTO_MAJOR;
        m->u.sync.proto_minor = MSG_PROTO_MINOR;
        break;
    case MSG_ERROR: {
        static const char detail[] = "unknown message type 99 on udp";
        m->u.error.code = HS_ERR_UNKNOWN_TYPE;
        m->u.error.offending_type = 99;
        memcpy(m->u.error.detail, detail, sizeof(detail));
        m->u.error.detail_len = (uint8_t)(sizeof(detail) - 1);
        break;
    }
    case MSG_MEMBERS_REQ:
    case MSG_STATS_REQ:
        m->u.request.request_id = 7;
        break;
    case MSG_MEMBERS_RESP:
        m->u.request.request_id = 7;
        set_name(&m->u.request.node, "gate-001");
        break;
    case MSG_STATS_RESP: {
        static const char *const names[] = {"frames_rx", "frames_tx", "frames_rejected",
                                            "msgs_rejected", "unknown_type", "probes_sent",
                                            "acks_received", "suspicions_started"};
        m->u.stats.request_id = 8;
        set_name(&m->u.stats.node, "worker-042");
        m->u.stats.count = HS_ARRAY_LEN(names);
        for (uint32_t i = 0; i < m->u.stats.count; i++) {
            snprintf(m->u.stats.counters[i].name, sizeof(m->u.stats.counters[i].name), "%s",
                     names[i]);
            m->u.stats.counters[i].value = (uint64_t)i * 100003u + 17u;
        }
        break;
    }
    default:
        die("unknown type");
    }
}

/* Realistic list sizes: 5 gossip entries, 20 sync members, 100 rows. */
static uint32_t realistic_count(uint16_t type)
{
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
        return MSG_GOSSIP_SEND_MAX;
    case MSG_MEMBERS_RESP:
        return 100;
    default:
        return 20;
    }
}

static void encode(const msg *m, gen_buf *out)
{
    size_t n = 0;
    if (msg_encode(m, out->bytes, GEN_BUF_MAX, &n) != HS_OK) {
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

/* ---- per-type facts the bad seeds need ----------------------------------- */

static uint64_t name_key(uint16_t type)
{
    return type == MSG_ERROR || type == MSG_MEMBERS_REQ || type == MSG_STATS_REQ ? 0 : 2;
}

static uint64_t list_key(uint16_t type)
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
    case MSG_STATS_RESP:
        return 3;
    default:
        return 0;
    }
}

/* A value for key 1 that is out of range for the type, or NULL-equivalent
 * (false) when key 1 has no range beyond its CBOR type. */
static bool out_of_range_key1(uint16_t type, gen_buf *out)
{
    switch (type) {
    case MSG_PING:
    case MSG_ACK:
    case MSG_PING_REQ:
    case MSG_JOIN:
    case MSG_JOIN_ACK:
    case MSG_SYNC:
    case MSG_SYNC_ACK:
        buf_uint(out, MSG_SEQ_MAX + 1); /* seq */
        return true;
    case MSG_ERROR:
        buf_uint(out, UINT64_C(0x100000000)); /* code above u32 */
        return true;
    default:
        return false;
    }
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
    uint16_t type;
    msg_member *list;
    gen_buf payload; /* the realistic message */
    gen_buf work;
    gen_map map;
} gen_ctx;

static void seed(gen_ctx *g, const char *name, const gen_buf *b)
{
    write_seed(g->target, name, b->bytes, b->len);
}

/* A seed named for one broken rule must be refused by that rule, not by
 * an accident of its construction. */
static void expect_status(const gen_ctx *g, const char *name, const gen_buf *b, hs_status want)
{
    msg m;
    memset(&m, 0, sizeof(m));
    m.list = g->list;
    m.list_cap = MSG_MEMBERS_MAX;
    hs_status st = msg_decode(g->type, b->bytes, b->len, &m);
    if (st != want) {
        fprintf(stderr, "corpus_gen: %s/%s decodes as %s, not %s\n", g->target, name,
                hs_status_name(st), hs_status_name(want));
        exit(1);
    }
}

static void valid_seeds(gen_ctx *g)
{
    msg m;
    rng r;
    realistic_msg(g->type, &m, g->list, realistic_count(g->type));
    encode(&m, &g->payload);
    seed(g, "valid-realistic", &g->payload);
    split_pairs(&g->payload, &g->map);

    realistic_msg(g->type, &m, g->list, 0);
    encode(&m, &g->work);
    seed(g, "valid-minimal", &g->work);

    if (list_key(g->type) != 0 && g->type != MSG_STATS_RESP) {
        uint32_t max = msg_info(g->type)->list_max;
        realistic_msg(g->type, &m, g->list, max > 300 ? 300 : max);
        encode(&m, &g->work);
        seed(g, max > 300 ? "valid-members-300" : "valid-list-at-limit", &g->work);
    }

    rng_seed(&r, rng_label(g->target));
    for (int i = 0; i < 4; i++) {
        char name[32];
        testlib_random_msg(&r, g->type, &m, g->list, MSG_MEMBERS_MAX, 40);
        encode(&m, &g->work);
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
    uint64_t lk = list_key(g->type);
    if (lk != 0 && g->type != MSG_STATS_RESP) {
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
    if (out_of_range_key1(g->type, w)) {
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

    uint64_t nk = name_key(g->type);
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

    uint64_t lk = list_key(g->type);
    if (lk != 0 && g->type != MSG_STATS_RESP) {
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

        uint32_t over = msg_info(g->type)->list_max + 1;
        copy_without(w, m, lk, 1);
        buf_uint(w, lk);
        buf_head(w, 4, over);
        for (uint32_t i = 0; i < over; i++) {
            put_member(w, "worker-003", BROKEN_NONE);
        }
        seed(g, "bad-list-over-limit", w);
    }
    if (g->type == MSG_STATS_RESP) {
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

static void msg_target(uint16_t type, const char *name, msg_member *list)
{
    char target[64];
    snprintf(target, sizeof(target), "fuzz_msg_%s", name);
    gen_ctx g;
    memset(&g, 0, sizeof(g));
    g.target = target;
    g.type = type;
    g.list = list;
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

static void frame_seeds(msg_member *list)
{
    static const struct {
        uint16_t type;
        const char *name;
    } types[] = {
#define GEN_TYPE(id, name, text, channels, list_max) {MSG_##name, text},
        MSG_TYPE_LIST(GEN_TYPE)
#undef GEN_TYPE
    };
    gen_buf b;
    gen_buf frame;
    buf_init(&b);
    buf_init(&frame);
    msg m;
    for (size_t i = 0; i < HS_ARRAY_LEN(types); i++) {
        char name[64];
        realistic_msg(types[i].type, &m, list, realistic_count(types[i].type));
        size_t n = 0;
        if (msg_encode_frame(&m, frame.bytes, GEN_BUF_MAX, &n) != HS_OK) {
            die("msg_encode_frame");
        }
        frame.len = n;
        snprintf(name, sizeof(name), "valid-%s", types[i].name);
        frame_seed(name, &frame);
    }
    rng r;
    rng_seed(&r, rng_label("fuzz_frame"));
    for (int i = 0; i < 4; i++) {
        char name[64];
        uint16_t type = types[rng_below(&r, HS_ARRAY_LEN(types))].type;
        testlib_random_msg(&r, type, &m, list, MSG_MEMBERS_MAX, 20);
        size_t n = 0;
        if (msg_encode_frame(&m, frame.bytes, GEN_BUF_MAX, &n) != HS_OK) {
            die("msg_encode_frame");
        }
        frame.len = n;
        snprintf(name, sizeof(name), "valid-random-%d", i);
        frame_seed(name, &frame);
    }

    /* Bad frames, all derived from a realistic ACK frame. */
    realistic_msg(MSG_ACK, &m, list, MSG_GOSSIP_SEND_MAX);
    size_t n = 0;
    if (msg_encode_frame(&m, frame.bytes, GEN_BUF_MAX, &n) != HS_OK) {
        die("msg_encode_frame");
    }
    frame.len = n;

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
    msg_member *list = malloc(MSG_MEMBERS_MAX * sizeof(msg_member));
    if (list == NULL) {
        die("out of memory");
    }
#define GEN_MSG_TARGET(id, name, text, channels, list_max) msg_target(MSG_##name, text, list);
    MSG_TYPE_LIST(GEN_MSG_TARGET)
#undef GEN_MSG_TARGET
    frame_seeds(list);
    meta_seeds();
    free(list);
    printf("corpus_gen: wrote %lu file(s) under %s\n", files_written, out_root);
    return 0;
}
