/* The table-driven codec: one encode loop and one decode loop over a
 * message descriptor's fields (msg.h), plus the member-state and role
 * names every layer prints.
 *
 * The encoder validates the whole body before writing a byte, with the
 * same per-kind rules the decoder applies, so anything we send decodes.
 * The decoder reads with the bounded pull decoder (dec.c): every count and
 * length is checked against the bytes left and against the field's limit
 * before anything is stored, lists go into caller storage, and the only
 * bulk write is zeroing the body struct (at most MSG_BODY_MAX bytes).
 * docs/wire.md carries the byte-level description, docs/design/codec.md
 * the reasons. */
#include "msg.h"

#include <string.h>

#include "dec.h"
#include "enc.h"
#include "event.h"
#include "frame.h"

HS_STATIC_ASSERT(MSG_DEPTH_MAX == DEC_DEPTH_MAX, "dec_skip enforces the message nesting limit");
HS_STATIC_ASSERT(MSG_KEY_MAX < 64, "keys are tracked in one 64-bit mask");
HS_STATIC_ASSERT(MSG_DETAIL_MAX <= UINT8_MAX, "text lengths are stored in one byte");

/* ---- names --------------------------------------------------------------- */

static const char *const member_state_names[MEMBER_STATE_COUNT] = {"alive", "suspect", "dead",
                                                                    "left"};
static const char *const node_role_names[NODE_ROLE_COUNT] = {"client", "gate", "manager",
                                                              "worker"};

const char *member_state_name(uint32_t state)
{
    return state < MEMBER_STATE_COUNT ? member_state_names[state] : "unknown";
}

const char *node_role_name(uint32_t role)
{
    return role < NODE_ROLE_COUNT ? node_role_names[role] : "unknown";
}

hs_status node_role_parse(const char *text, node_role *out)
{
    HS_ASSERT(out != NULL);
    if (text == NULL) {
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < NODE_ROLE_COUNT; i++) {
        if (strcmp(text, node_role_names[i]) == 0) {
            *out = (node_role)i;
            return HS_OK;
        }
    }
    return HS_ERR_INVALID;
}

/* Renderer hook declared in event.h (message names live in core/node's
 * registry, which defines hs_event_msg_name). */
const char *hs_event_state_name(uint64_t state)
{
    return state < MEMBER_STATE_COUNT ? member_state_name((uint32_t)state) : "unknown";
}

/* ---- member records ---------------------------------------------------- */

/* A member entry is one CBOR byte string holding a packed record:
 *   name length (1 byte, 1..63), name, IPv4 (4, big-endian), port (2),
 *   incarnation (4), state (1), role (1)
 * and, from a later minor version on, further appended fields that older
 * receivers skip.  docs/wire.md says why (one tokenizer call per member). */
#define MEMBER_FIXED_LEN 12u /* bytes after the name */
#define MEMBER_RECORD_MAX 128u
enum {
    COUNTER_KEY_NAME = 0,
    COUNTER_KEY_VALUE = 1,
};

#define ADDR_KEY_MAX ((UINT64_C(1) << 48) - 1)

/* hs_addr_key, inlined: it runs for every member of every message. */
static inline uint64_t addr_wire(hs_addr a)
{
    return ((uint64_t)a.ip << 16) | a.port;
}

/* Non-zero exactly when some byte of the 8-byte word x lies outside
 * lo..hi (lo >= 1, hi < 0x80): a byte below lo or above hi sets its top
 * bit in one of the two SWAR expressions (the classic "hasless" and
 * "hasmore" tests).  A borrow may also flag bytes above a bad one, never
 * a word without one, so the flags of several words can be OR-ed and
 * tested once. */
static inline __attribute__((always_inline)) uint64_t word_bad(uint64_t x, uint8_t lo,
                                                               uint8_t hi)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t below = (x - ones * lo) & ~x;
    uint64_t above = (x + ones * (uint8_t)(0x7f - hi)) | x;
    return (below | above) & (ones * 0x80);
}

/* Every byte of p[0..n) lies in lo..hi: the same predicate as
 * hs_name_valid's loop, in straight-line word tests.  8 bytes or more:
 * whole words and an overlapping last word.  4 to 7: two overlapping
 * 4-byte loads in one word.  1 to 3: the first, middle and last bytes
 * (which cover them all), padded with 'A', which every caller's range
 * accepts.  No variable-length copy, so no call to memcpy: names are
 * checked twice per member per encode+decode, and the check was 15% of
 * the codec's instructions (callgrind, bench_codec). */
static inline __attribute__((always_inline)) bool bytes_in_range(const char *p, size_t n,
                                                                   uint8_t lo, uint8_t hi)
{
    /* The SWAR tests hold only for ranges inside 1..0x7f. */
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(lo >= 1 && lo <= hi && hi < 0x80);
        HS_ASSERT(p != NULL || n == 0);
    }
    uint64_t x = 0;
    if (n >= 8) {
        memcpy(&x, p + n - 8, 8);
        uint64_t bad = word_bad(x, lo, hi);
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, p + i, 8);
            bad |= word_bad(x, lo, hi);
        }
        return bad == 0;
    }
    if (n >= 4) {
        uint32_t first = 0;
        uint32_t last = 0;
        memcpy(&first, p, 4);
        memcpy(&last, p + n - 4, 4);
        x = (uint64_t)first | (uint64_t)last << 32;
        return word_bad(x, lo, hi) == 0;
    }
    if (n == 0) {
        return true;
    }
    x = UINT64_C(0x4141414141000000) | (uint64_t)(uint8_t)p[0] |
        (uint64_t)(uint8_t)p[n / 2] << 8 | (uint64_t)(uint8_t)p[n - 1] << 16;
    return word_bad(x, lo, hi) == 0;
}

/* hs_name_valid: 1..HS_NAME_MAX bytes of printable ASCII without space. */
static bool name_bytes_ok(const char *p, size_t n)
{
    return n > 0 && n <= HS_NAME_MAX && bytes_in_range(p, n, 0x21, 0x7e);
}

static bool name_ok(const hs_name *name)
{
    return name_bytes_ok(name->bytes, name->len);
}

/* Error details may contain spaces, unlike names. */
static bool detail_ok(const char *bytes, size_t len)
{
    return bytes_in_range(bytes, len, 0x20, 0x7e);
}

static bool member_ok(const msg_member *m)
{
    return name_ok(&m->name) && m->addr.port != 0 && m->incarnation <= MSG_INCARNATION_MAX &&
           m->state < MEMBER_STATE_COUNT && m->role < NODE_ROLE_COUNT;
}


/* ---- field access -------------------------------------------------------- */

static inline void *field_ptr(void *body, uint16_t offset)
{
    return (uint8_t *)body + offset;
}

static inline const void *field_cptr(const void *body, uint16_t offset)
{
    return (const uint8_t *)body + offset;
}

/* Integer fields widened to u64 (the struct member has the kind's width). */
static uint64_t get_uint(const msg_field *f, const void *body)
{
    const void *p = field_cptr(body, f->offset);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(f->kind <= MSG_K_U64);
    }
    switch (f->kind) {
    case MSG_K_U8:
        return *(const uint8_t *)p;
    case MSG_K_U16:
        return *(const uint16_t *)p;
    case MSG_K_U32:
        return *(const uint32_t *)p;
    default:
        HS_ASSERT(f->kind == MSG_K_U64);
        return *(const uint64_t *)p;
    }
}

static void set_uint(const msg_field *f, void *body, uint64_t v)
{
    void *p = field_ptr(body, f->offset);
    HS_ASSERT(v <= f->max);
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
        HS_ASSERT(f->kind == MSG_K_U64);
        *(uint64_t *)p = v;
        break;
    }
}

static uint8_t get_len(const msg_field *f, const void *body)
{
    return *(const uint8_t *)field_cptr(body, f->aux_offset);
}

/* The name's length up to its NUL; sizeof(name) when there is none,
 * which the encoder then refuses as too long. */
static size_t counter_name_len(const msg_counter *c)
{
    const char *nul = memchr(c->name, '\0', sizeof(c->name));
    return nul != NULL ? (size_t)(nul - c->name) : sizeof(c->name);
}

/* ---- descriptor check ---------------------------------------------------- */

static uint64_t kind_width(uint8_t kind)
{
    static const uint8_t widths[MSG_K_COUNT] = {
        [MSG_K_U8] = 1, [MSG_K_U16] = 2, [MSG_K_U32] = 4, [MSG_K_U64] = 8,
        [MSG_K_BOOL] = sizeof(bool), [MSG_K_NAME] = sizeof(hs_name),
        [MSG_K_ADDR] = sizeof(hs_addr), [MSG_K_TEXT] = 1, [MSG_K_BYTES] = 1,
        [MSG_K_MEMBER_LIST] = sizeof(msg_member_list),
        [MSG_K_COUNTER_LIST] = sizeof(msg_counter_list)};
    return kind < MSG_K_COUNT ? widths[kind] : 0;
}

/* The limit a kind allows: what its storage and the wire rules can hold. */
static bool field_max_ok(const msg_field *f)
{
    static const uint64_t int_max[] = {UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX};
    HS_ASSERT(f->kind < MSG_K_COUNT); /* field_ok asked kind_width first */
    switch (f->kind) {
    case MSG_K_U8:
    case MSG_K_U16:
    case MSG_K_U32:
    case MSG_K_U64:
        return f->max <= int_max[f->kind - MSG_K_U8];
    case MSG_K_TEXT:
    case MSG_K_BYTES:
        return f->max <= UINT8_MAX;
    case MSG_K_MEMBER_LIST:
    case MSG_K_COUNTER_LIST:
        return f->max <= UINT32_MAX;
    default:
        return true;
    }
}

static bool field_ok(const msg_desc *d, const msg_field *f, uint32_t *lists)
{
    HS_ASSERT(d->size > 0 && d->size <= MSG_BODY_MAX);
    HS_ASSERT(*lists <= 3u);
    uint64_t width = kind_width(f->kind);
    if (width == 0 || f->key > MSG_KEY_MAX || (f->flags & ~(MSG_F_REQ | MSG_F_HAS)) != 0 ||
        f->flags == (MSG_F_REQ | MSG_F_HAS) || !field_max_ok(f)) {
        return false;
    }
    /* TEXT holds max + 1 bytes (NUL), BYTES max. */
    uint64_t extent = f->kind == MSG_K_TEXT    ? f->max + 1
                      : f->kind == MSG_K_BYTES ? f->max
                                               : width;
    if ((uint64_t)f->offset + extent > d->size) {
        return false;
    }
    bool aux = f->kind == MSG_K_TEXT || f->kind == MSG_K_BYTES || (f->flags & MSG_F_HAS);
    if (aux && (uint32_t)f->aux_offset + 1 > d->size) {
        return false;
    }
    if (f->kind == MSG_K_MEMBER_LIST || f->kind == MSG_K_COUNTER_LIST) {
        uint32_t bit = f->kind == MSG_K_MEMBER_LIST ? 1u : 2u;
        if (*lists & bit) {
            return false; /* one list storage of each kind per message */
        }
        *lists |= bit;
    }
    return true;
}

hs_status msg_desc_check(const msg_desc *d)
{
    HS_STATIC_ASSERT(MSG_FIELDS_MAX <= 64, "present fields are one 64-bit mask");
    if (d == NULL || d->name == NULL || d->size == 0 || d->size > MSG_BODY_MAX ||
        d->field_count > MSG_FIELDS_MAX || (d->channels & MSG_ON_ANY) == 0 ||
        (d->channels & ~MSG_ON_ANY) != 0 || (d->field_count > 0 && d->fields == NULL)) {
        return HS_ERR_INVALID;
    }
    uint32_t lists = 0;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (!field_ok(d, f, &lists) || (i > 0 && f->key <= d->fields[i - 1].key)) {
            return HS_ERR_INVALID;
        }
    }
    /* Keys are ascending and at most MSG_KEY_MAX: the decoder's seen mask
     * has a bit for each. */
    HS_ASSERT(d->field_count == 0 || d->fields[d->field_count - 1].key <= MSG_KEY_MAX);
    return HS_OK;
}

/* ---- encoder ----------------------------------------------------------- */

static void enc_name(enc *e, const hs_name *name)
{
    enc_text(e, name->bytes, name->len);
}

static size_t member_record_len(const msg_member *m)
{
    return 1 + (size_t)m->name.len + MEMBER_FIXED_LEN;
}

/* Fixed-width big-endian stores and loads of the member record, spelled
 * as single-byte shifts: gcc and clang turn each into one byte swap and
 * one memory access, where a loop over a width argument stayed a loop
 * (callgrind: 56 instructions per decoded record for the three loads). */
static inline uint8_t *store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

static inline uint8_t *store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)((uint32_t)p[0] << 8 | (uint32_t)p[1]);
}

/* Written in place in the output buffer (no record built aside and
 * copied): the member was validated by check_list, so its record is
 * 14..76 bytes. */
static void enc_member(enc *e, const msg_member *m)
{
    size_t len = member_record_len(m);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(m->name.len >= 1 && m->name.len <= HS_NAME_MAX);
        HS_ASSERT(len <= MEMBER_RECORD_MAX); /* the decoder's record limit */
    }
    uint8_t *rec = enc_bytes_reserve(e, len);
    if (rec == NULL) {
        return; /* overflow recorded: enc_finish reports it */
    }
    uint8_t *p = rec;
    *p++ = m->name.len;
    memcpy(p, m->name.bytes, m->name.len);
    p += m->name.len;
    p = store_be32(p, m->addr.ip);
    p = store_be16(p, m->addr.port);
    p = store_be32(p, m->incarnation);
    *p++ = m->state;
    *p++ = m->role;
    HS_ASSERT((size_t)(p - rec) == len);
}

size_t msg_member_size(const msg_member *member)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(member->name.len <= HS_NAME_MAX); /* senders size gossip by it */
    }
    size_t len = member_record_len(member);
    return enc_head_size(len) + len;
}

static bool counter_ok(const msg_counter *c)
{
    size_t len = counter_name_len(c);
    return len <= MSG_COUNTER_NAME_MAX && name_bytes_ok(c->name, len);
}

/* Whether a field is written: required ones always, optional ones when
 * their presence flag is set or, without one, when they are not empty. */
static bool field_present(const msg_field *f, const void *body)
{
    HS_ASSERT(f->kind < MSG_K_COUNT);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT((f->flags & (MSG_F_REQ | MSG_F_HAS)) != (MSG_F_REQ | MSG_F_HAS));
    }
    const void *p = field_cptr(body, f->offset);
    if (f->flags & MSG_F_REQ) {
        return true;
    }
    if (f->flags & MSG_F_HAS) {
        return *(const bool *)field_cptr(body, f->aux_offset);
    }
    switch (f->kind) {
    case MSG_K_BOOL:
        return *(const bool *)p;
    case MSG_K_NAME:
        return ((const hs_name *)p)->len != 0;
    case MSG_K_ADDR:
        /* Present when either half is set, so a port-0 address is refused
         * rather than silently dropped. */
        return ((const hs_addr *)p)->port != 0 || ((const hs_addr *)p)->ip != 0;
    case MSG_K_TEXT:
    case MSG_K_BYTES:
        return get_len(f, body) != 0;
    case MSG_K_MEMBER_LIST:
        return ((const msg_member_list *)p)->count != 0;
    case MSG_K_COUNTER_LIST:
        return ((const msg_counter_list *)p)->count != 0;
    default:
        return get_uint(f, body) != 0;
    }
}

static hs_status check_member_list(const msg_field *f, const msg_member_list *l)
{
    HS_ASSERT(f->kind == MSG_K_MEMBER_LIST);
    if (l->count > f->max) {
        return HS_ERR_LIMIT;
    }
    if (l->count > 0 && l->items == NULL) {
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < l->count; i++) {
        if (!member_ok(&l->items[i])) {
            return HS_ERR_INVALID;
        }
    }
    return HS_OK;
}

static hs_status check_counter_list(const msg_field *f, const msg_counter_list *l)
{
    HS_ASSERT(f->kind == MSG_K_COUNTER_LIST);
    if (l->count > f->max) {
        return HS_ERR_LIMIT;
    }
    if (l->count > 0 && l->items == NULL) {
        return HS_ERR_INVALID;
    }
    for (uint32_t i = 0; i < l->count; i++) {
        if (!counter_ok(&l->items[i])) {
            return HS_ERR_INVALID;
        }
    }
    return HS_OK;
}

/* The decoder's rules for a field that is written, applied before a byte
 * is: HS_ERR_INVALID for a value it would refuse, HS_ERR_LIMIT for a list
 * longer than the field allows. */
static hs_status field_check(const msg_field *f, const void *body)
{
    HS_ASSERT(f->kind < MSG_K_COUNT);
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(f->key <= MSG_KEY_MAX);
    }
    const void *p = field_cptr(body, f->offset);
    switch (f->kind) {
    case MSG_K_BOOL:
        return HS_OK;
    case MSG_K_NAME:
        return name_ok(p) ? HS_OK : HS_ERR_INVALID;
    case MSG_K_ADDR:
        return ((const hs_addr *)p)->port != 0 ? HS_OK : HS_ERR_INVALID;
    case MSG_K_TEXT:
        return get_len(f, body) <= f->max && detail_ok(p, get_len(f, body)) ? HS_OK
                                                                              : HS_ERR_INVALID;
    case MSG_K_BYTES:
        return get_len(f, body) <= f->max ? HS_OK : HS_ERR_INVALID;
    case MSG_K_MEMBER_LIST:
        return check_member_list(f, p);
    case MSG_K_COUNTER_LIST:
        return check_counter_list(f, p);
    default:
        return get_uint(f, body) <= f->max ? HS_OK : HS_ERR_INVALID;
    }
}

static void enc_member_list(enc *e, const msg_member_list *l)
{
    HS_ASSERT(l->count == 0 || l->items != NULL); /* check_member_list ran */
    enc_array(e, l->count);
    for (uint32_t i = 0; i < l->count; i++) {
        enc_member(e, &l->items[i]);
    }
}

static void enc_counter_list(enc *e, const msg_counter_list *l)
{
    HS_ASSERT(l->count == 0 || l->items != NULL); /* check_counter_list ran */
    enc_array(e, l->count);
    for (uint32_t i = 0; i < l->count; i++) {
        const msg_counter *c = &l->items[i];
        enc_map(e, 2);
        enc_uint(e, COUNTER_KEY_NAME);
        enc_text(e, c->name, counter_name_len(c));
        enc_uint(e, COUNTER_KEY_VALUE);
        enc_uint(e, c->value);
    }
}

static void enc_field(enc *e, const msg_field *f, const void *body)
{
    HS_ASSERT(f->kind < MSG_K_COUNT && f->key <= MSG_KEY_MAX);
    const void *p = field_cptr(body, f->offset);
    enc_uint(e, f->key);
    switch (f->kind) {
    case MSG_K_BOOL:
        enc_bool(e, *(const bool *)p);
        break;
    case MSG_K_NAME:
        enc_name(e, p);
        break;
    case MSG_K_ADDR:
        enc_uint(e, addr_wire(*(const hs_addr *)p));
        break;
    case MSG_K_TEXT:
        enc_text(e, p, get_len(f, body));
        break;
    case MSG_K_BYTES:
        enc_bytes_short(e, p, get_len(f, body));
        break;
    case MSG_K_MEMBER_LIST:
        enc_member_list(e, p);
        break;
    case MSG_K_COUNTER_LIST:
        enc_counter_list(e, p);
        break;
    default:
        enc_uint(e, get_uint(f, body));
        break;
    }
}

hs_status msg_encode(const msg_desc *d, const void *body, uint8_t *buf, size_t cap, size_t *len)
{
    HS_ASSERT(d != NULL && body != NULL);
    HS_ASSERT(d->field_count <= MSG_FIELDS_MAX);
    uint64_t present = 0;
    uint32_t pairs = 0;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (!field_present(f, body)) {
            continue;
        }
        hs_status st = field_check(f, body);
        if (st != HS_OK) {
            return st;
        }
        present |= UINT64_C(1) << i;
        pairs++;
    }
    HS_ASSERT(pairs <= d->field_count);
    enc e;
    enc_init(&e, buf, cap);
    enc_map(&e, pairs);
    for (uint64_t bits = present; bits != 0; bits &= bits - 1) {
        enc_field(&e, &d->fields[__builtin_ctzll(bits)], body);
    }
    return enc_finish(&e, len);
}

hs_status msg_encode_frame(const msg_desc *d, const void *body, uint8_t *buf, size_t cap,
                           size_t *len)
{
    HS_ASSERT(buf != NULL && len != NULL);
    if (cap < FRAME_HEADER_LEN) {
        return HS_ERR_TOO_SMALL;
    }
    size_t payload_len = 0;
    hs_status st =
        msg_encode(d, body, buf + FRAME_HEADER_LEN, cap - FRAME_HEADER_LEN, &payload_len);
    if (st != HS_OK) {
        return st;
    }
    HS_ASSERT(payload_len >= 1); /* at least the map head */
    if (payload_len > UINT32_MAX) {
        return HS_ERR_LIMIT;
    }
    frame_write_header(buf, d->type, (uint32_t)payload_len);
    *len = FRAME_HEADER_LEN + payload_len;
    HS_ASSERT(*len <= cap);
    return HS_OK;
}

/* ---- decoder ----------------------------------------------------------- */

/* Keys below 64 are tracked for duplicates, known or not; larger unknown
 * keys are skipped without a duplicate check (no table, no allocation). */
static hs_status dec_key(dec *d, uint64_t *seen, uint64_t *key)
{
    hs_status st = dec_uint(d, key);
    if (st != HS_OK) {
        return st;
    }
    if (*key < 64) {
        uint64_t bit = UINT64_C(1) << *key;
        if (*seen & bit) {
            return HS_ERR_DUPLICATE;
        }
        *seen |= bit;
    }
    return HS_OK;
}

static hs_status dec_uint_max(dec *d, uint64_t max, uint64_t *value)
{
    hs_status st = dec_uint(d, value);
    if (st == HS_OK && *value > max) {
        return HS_ERR_RANGE;
    }
    return st;
}

static hs_status dec_name(dec *d, hs_name *out)
{
    const char *p = NULL;
    size_t n = 0;
    hs_status st = dec_text(d, &p, &n, HS_NAME_MAX);
    if (st != HS_OK) {
        return st;
    }
    if (!name_bytes_ok(p, n)) {
        return HS_ERR_RANGE;
    }
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(n >= 1 && n <= HS_NAME_MAX); /* fits out->bytes with its NUL */
    }
    memcpy(out->bytes, p, n);
    out->bytes[n] = '\0';
    out->len = (uint8_t)n;
    return HS_OK;
}

static hs_status dec_addr(dec *d, hs_addr *out)
{
    uint64_t v = 0;
    hs_status st = dec_uint_max(d, ADDR_KEY_MAX, &v);
    if (st != HS_OK) {
        return st;
    }
    if ((v & 0xffffu) == 0) {
        return HS_ERR_RANGE;
    }
    out->ip = (uint32_t)(v >> 16);
    out->port = (uint16_t)(v & 0xffffu);
    return HS_OK;
}

static hs_status parse_member(const uint8_t *rec, size_t len, msg_member *m)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(len <= MEMBER_RECORD_MAX); /* dec_member's limit */
    }
    if (len < 1 + MEMBER_FIXED_LEN) {
        return HS_ERR_MISSING;
    }
    size_t name_len = rec[0];
    if (name_len > HS_NAME_MAX) {
        return HS_ERR_LIMIT;
    }
    if (len < 1 + name_len + MEMBER_FIXED_LEN) {
        return HS_ERR_MISSING;
    }
    if (!name_bytes_ok((const char *)rec + 1, name_len)) {
        return HS_ERR_RANGE;
    }
    const uint8_t *p = rec + 1 + name_len;
    uint32_t ip = load_be32(p);
    uint16_t port = load_be16(p + 4);
    uint32_t inc = load_be32(p + 6);
    uint8_t state = p[10];
    uint8_t role = p[11];
    if (port == 0 || inc > MSG_INCARNATION_MAX || state >= MEMBER_STATE_COUNT ||
        role >= NODE_ROLE_COUNT) {
        return HS_ERR_RANGE;
    }
    memcpy(m->name.bytes, rec + 1, name_len);
    m->name.bytes[name_len] = '\0';
    m->name.len = (uint8_t)name_len;
    m->addr.ip = ip;
    m->addr.port = port;
    m->incarnation = inc;
    m->state = state;
    m->role = role;
    return HS_OK;
}

static hs_status dec_member(dec *d, msg_member *m)
{
    const uint8_t *rec = NULL;
    size_t len = 0;
    hs_status st = dec_bytes(d, &rec, &len, MEMBER_RECORD_MAX);
    if (st != HS_OK) {
        return st;
    }
    return parse_member(rec, len, m);
}

/* A member list into the caller's storage: the count is checked against
 * min(storage, the field's limit) before the first entry is written. */
static hs_status dec_member_list(dec *d, const msg_field *f, msg_member_list *l)
{
    HS_ASSERT(f->kind == MSG_K_MEMBER_LIST);
    HS_ASSERT(l->items != NULL || l->cap == 0);
    uint64_t n = 0;
    hs_status st = dec_array(d, &n, l->cap < f->max ? l->cap : f->max);
    for (uint64_t i = 0; st == HS_OK && i < n; i++) {
        st = dec_member(d, &l->items[i]);
    }
    if (st == HS_OK) {
        HS_ASSERT(n <= l->cap && n <= f->max);
        l->count = (uint32_t)n;
    }
    return st;
}

static hs_status dec_counter_name(dec *d, msg_counter *c)
{
    const char *p = NULL;
    size_t n = 0;
    hs_status st = dec_text(d, &p, &n, MSG_COUNTER_NAME_MAX);
    if (st == HS_OK && !name_bytes_ok(p, n)) {
        st = HS_ERR_RANGE;
    }
    if (st == HS_OK) {
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(n <= MSG_COUNTER_NAME_MAX); /* fits c->name with its NUL */
        }
        memcpy(c->name, p, n);
        c->name[n] = '\0';
    }
    return st;
}

static hs_status dec_counter(dec *d, msg_counter *c)
{
    uint64_t pairs = 0;
    uint64_t seen = 0;
    hs_status st = dec_map(d, &pairs);
    for (uint64_t i = 0; st == HS_OK && i < pairs; i++) {
        uint64_t key = 0;
        st = dec_key(d, &seen, &key);
        if (st != HS_OK) {
            break;
        }
        if (key == COUNTER_KEY_NAME) {
            st = dec_counter_name(d, c);
        } else if (key == COUNTER_KEY_VALUE) {
            st = dec_uint(d, &c->value);
        } else {
            st = dec_skip(d);
        }
    }
    uint64_t both = (UINT64_C(1) << COUNTER_KEY_NAME) | (UINT64_C(1) << COUNTER_KEY_VALUE);
    HS_ASSERT_IMPLIES(st == HS_OK && (seen & both) == both, pairs >= 2);
    if (st == HS_OK && (seen & both) != both) {
        return HS_ERR_MISSING;
    }
    return st;
}

static hs_status dec_counter_list(dec *d, const msg_field *f, msg_counter_list *l)
{
    HS_ASSERT(f->kind == MSG_K_COUNTER_LIST);
    HS_ASSERT(l->items != NULL || l->cap == 0);
    uint64_t n = 0;
    hs_status st = dec_array(d, &n, l->cap < f->max ? l->cap : f->max);
    for (uint64_t i = 0; st == HS_OK && i < n; i++) {
        st = dec_counter(d, &l->items[i]);
    }
    if (st == HS_OK) {
        HS_ASSERT(n <= l->cap && n <= f->max);
        l->count = (uint32_t)n;
    }
    return st;
}

/* TEXT (printable ASCII, NUL-terminated in its buffer) and BYTES. */
static hs_status dec_string(dec *d, const msg_field *f, void *body)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(f->kind == MSG_K_TEXT || f->kind == MSG_K_BYTES);
    }
    const uint8_t *p = NULL;
    size_t n = 0;
    hs_status st;
    if (f->kind == MSG_K_TEXT) {
        const char *text = NULL;
        st = dec_text(d, &text, &n, f->max);
        if (st == HS_OK && !detail_ok(text, n)) {
            st = HS_ERR_RANGE;
        }
        p = (const uint8_t *)text;
    } else {
        st = dec_bytes(d, &p, &n, f->max);
    }
    if (st != HS_OK) {
        return st;
    }
    HS_ASSERT(n <= f->max && f->max <= UINT8_MAX);
    uint8_t *out = field_ptr(body, f->offset);
    if (n > 0) {
        memcpy(out, p, n);
    }
    if (f->kind == MSG_K_TEXT) {
        out[n] = '\0';
    }
    *(uint8_t *)field_ptr(body, f->aux_offset) = (uint8_t)n;
    return HS_OK;
}

static hs_status dec_field(dec *d, const msg_field *f, void *body)
{
    HS_ASSERT(f->kind < MSG_K_COUNT);
    void *p = field_ptr(body, f->offset);
    uint64_t v = 0;
    hs_status st;
    switch (f->kind) {
    case MSG_K_BOOL:
        return dec_bool(d, p);
    case MSG_K_NAME:
        return dec_name(d, p);
    case MSG_K_ADDR:
        return dec_addr(d, p);
    case MSG_K_TEXT:
    case MSG_K_BYTES:
        return dec_string(d, f, body);
    case MSG_K_MEMBER_LIST:
        return dec_member_list(d, f, p);
    case MSG_K_COUNTER_LIST:
        return dec_counter_list(d, f, p);
    default:
        st = dec_uint_max(d, f->max, &v);
        if (st == HS_OK) {
            set_uint(f, body, v);
        }
        return st;
    }
}

/* The field for a key: keys usually arrive in the encoder's (ascending)
 * order, so the one after the last match is tried first. */
static const msg_field *find_field(const msg_desc *d, uint64_t key, uint32_t *hint)
{
    uint32_t i = *hint;
    HS_ASSERT(i <= d->field_count);
    if (i < d->field_count && d->fields[i].key == key) {
        *hint = i + 1;
        return &d->fields[i];
    }
    for (i = 0; i < d->field_count; i++) {
        if (d->fields[i].key == key) {
            *hint = i + 1;
            return &d->fields[i];
        }
    }
    return NULL;
}

/* Zeroes the body (every optional field starts empty) and points each list
 * at the caller's storage. */
static void decode_defaults(const msg_desc *d, void *body, const msg_rx_store *store)
{
    HS_ASSERT(d->size > 0 && d->size <= MSG_BODY_MAX);
    HS_ASSERT(d->field_count <= MSG_FIELDS_MAX);
    memset(body, 0, d->size);
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (f->kind == MSG_K_MEMBER_LIST && store != NULL) {
            msg_member_list *l = field_ptr(body, f->offset);
            l->items = store->members;
            l->cap = store->members_cap;
        } else if (f->kind == MSG_K_COUNTER_LIST && store != NULL) {
            msg_counter_list *l = field_ptr(body, f->offset);
            l->items = store->counters;
            l->cap = store->counters_cap;
        }
    }
}

static hs_status check_required(const msg_desc *d, uint64_t seen)
{
    HS_ASSERT(d->field_count <= MSG_FIELDS_MAX);
    for (uint32_t i = 0; i < d->field_count; i++) {
        const msg_field *f = &d->fields[i];
        if (HS_DEBUG_CHECKS) {
            HS_ASSERT(f->key < 64); /* msg_desc_check: the shift below is defined */
        }
        if ((f->flags & MSG_F_REQ) && (seen & (UINT64_C(1) << f->key)) == 0) {
            return HS_ERR_MISSING;
        }
    }
    return HS_OK;
}

hs_status msg_decode(const msg_desc *d, const uint8_t *payload, size_t len, void *body,
                     const msg_rx_store *store)
{
    HS_ASSERT(d != NULL && body != NULL);
    /* Caller contract, not input: storage must exist for the capacity. */
    HS_ASSERT(store == NULL || store->members != NULL || store->members_cap == 0);
    HS_ASSERT(store == NULL || store->counters != NULL || store->counters_cap == 0);
    HS_ASSERT(payload != NULL || len == 0);
    decode_defaults(d, body, store);
    dec r;
    dec_init(&r, payload, len);
    uint64_t pairs = 0;
    uint64_t seen = 0;
    uint32_t hint = 0;
    hs_status st = dec_map(&r, &pairs);
    for (uint64_t i = 0; st == HS_OK && i < pairs; i++) {
        uint64_t key = 0;
        st = dec_key(&r, &seen, &key);
        if (st != HS_OK) {
            break;
        }
        const msg_field *f = find_field(d, key, &hint);
        st = f != NULL ? dec_field(&r, f, body) : dec_skip(&r);
        if (st == HS_OK && f != NULL && (f->flags & MSG_F_HAS)) {
            *(bool *)field_ptr(body, f->aux_offset) = true;
        }
    }
    if (st != HS_OK) {
        return st;
    }
    st = check_required(d, seen);
    return st != HS_OK ? st : dec_finish(&r);
}

/* ---- comparison ---------------------------------------------------------- */

static bool name_eq(const hs_name *a, const hs_name *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0 &&
           a->bytes[a->len] == '\0' && b->bytes[b->len] == '\0';
}

static bool member_eq(const msg_member *a, const msg_member *b)
{
    return name_eq(&a->name, &b->name) && a->addr.ip == b->addr.ip &&
           a->addr.port == b->addr.port && a->incarnation == b->incarnation &&
           a->state == b->state && a->role == b->role;
}

static bool lists_eq(const msg_field *f, const void *pa, const void *pb)
{
    HS_ASSERT(f->kind == MSG_K_MEMBER_LIST || f->kind == MSG_K_COUNTER_LIST);
    if (f->kind == MSG_K_MEMBER_LIST) {
        const msg_member_list *a = pa;
        const msg_member_list *b = pb;
        bool eq = a->count == b->count;
        for (uint32_t i = 0; eq && i < a->count; i++) {
            eq = member_eq(&a->items[i], &b->items[i]);
        }
        return eq;
    }
    const msg_counter_list *a = pa;
    const msg_counter_list *b = pb;
    bool eq = a->count == b->count;
    for (uint32_t i = 0; eq && i < a->count; i++) {
        eq = strcmp(a->items[i].name, b->items[i].name) == 0 &&
             a->items[i].value == b->items[i].value;
    }
    return eq;
}

static bool field_eq(const msg_field *f, const void *a, const void *b)
{
    HS_ASSERT(f->kind < MSG_K_COUNT);
    const void *pa = field_cptr(a, f->offset);
    const void *pb = field_cptr(b, f->offset);
    if ((f->flags & MSG_F_HAS) && *(const bool *)field_cptr(a, f->aux_offset) !=
                                      *(const bool *)field_cptr(b, f->aux_offset)) {
        return false;
    }
    switch (f->kind) {
    case MSG_K_BOOL:
        return *(const bool *)pa == *(const bool *)pb;
    case MSG_K_NAME:
        return name_eq(pa, pb);
    case MSG_K_ADDR:
        return ((const hs_addr *)pa)->ip == ((const hs_addr *)pb)->ip &&
               ((const hs_addr *)pa)->port == ((const hs_addr *)pb)->port;
    case MSG_K_TEXT:
        return get_len(f, a) == get_len(f, b) && memcmp(pa, pb, get_len(f, a)) == 0 &&
               ((const char *)pa)[get_len(f, a)] == '\0' &&
               ((const char *)pb)[get_len(f, b)] == '\0';
    case MSG_K_BYTES:
        return get_len(f, a) == get_len(f, b) && memcmp(pa, pb, get_len(f, a)) == 0;
    case MSG_K_MEMBER_LIST:
    case MSG_K_COUNTER_LIST:
        return lists_eq(f, pa, pb);
    default:
        return get_uint(f, a) == get_uint(f, b);
    }
}

const char *msg_body_diff(const msg_desc *d, const void *a, const void *b)
{
    HS_ASSERT(d != NULL && a != NULL && b != NULL);
    HS_ASSERT(d->field_count <= MSG_FIELDS_MAX);
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (!field_eq(&d->fields[i], a, b)) {
            return d->fields[i].name;
        }
    }
    return NULL;
}
