/* Bounded pull decoder over libcbor's cbor_stream_decode (see dec.h).
 *
 * One cbor_stream_decode call per token: the callbacks only record what
 * the tokenizer saw into the dec's token fields; every decision
 * (kind, counts against bytes left, limits, nesting) is made here, after
 * the call and before anything is used. */
#include "dec.h"

#include <cbor.h>

typedef enum {
    DEC_TOK_NONE = 0,    /* no callback fired */
    DEC_TOK_UINT,        /* value */
    DEC_TOK_NEGINT,      /* value = -1 - n, stored as n */
    DEC_TOK_BYTES,       /* ptr, value = length */
    DEC_TOK_TEXT,        /* ptr, value = length */
    DEC_TOK_ARRAY,       /* value = items */
    DEC_TOK_MAP,         /* value = pairs */
    DEC_TOK_BOOL,        /* value = 0 or 1 */
    DEC_TOK_UNSUPPORTED, /* tag, indefinite start, float, null, undefined */
    DEC_TOK_BREAK,       /* 0xff */
} dec_kind;

/* The callbacks record the token into the dec passed as context. */
static inline void tok_set(void *ctx, dec_kind kind, uint64_t value)
{
    dec *d = ctx;
    d->tok_kind = kind;
    d->tok_value = value;
}

static void cb_uint8(void *ctx, uint8_t v) { tok_set(ctx, DEC_TOK_UINT, v); }
static void cb_uint16(void *ctx, uint16_t v) { tok_set(ctx, DEC_TOK_UINT, v); }
static void cb_uint32(void *ctx, uint32_t v) { tok_set(ctx, DEC_TOK_UINT, v); }
static void cb_uint64(void *ctx, uint64_t v) { tok_set(ctx, DEC_TOK_UINT, v); }
static void cb_negint8(void *ctx, uint8_t v) { tok_set(ctx, DEC_TOK_NEGINT, v); }
static void cb_negint16(void *ctx, uint16_t v) { tok_set(ctx, DEC_TOK_NEGINT, v); }
static void cb_negint32(void *ctx, uint32_t v) { tok_set(ctx, DEC_TOK_NEGINT, v); }
static void cb_negint64(void *ctx, uint64_t v) { tok_set(ctx, DEC_TOK_NEGINT, v); }
static void cb_array(void *ctx, size_t n) { tok_set(ctx, DEC_TOK_ARRAY, n); }
static void cb_map(void *ctx, size_t n) { tok_set(ctx, DEC_TOK_MAP, n); }
static void cb_bool(void *ctx, bool v) { tok_set(ctx, DEC_TOK_BOOL, v ? 1u : 0u); }
static void cb_break(void *ctx) { tok_set(ctx, DEC_TOK_BREAK, 0); }
static void cb_unsupported(void *ctx) { tok_set(ctx, DEC_TOK_UNSUPPORTED, 0); }
static void cb_tag(void *ctx, uint64_t v) { tok_set(ctx, DEC_TOK_UNSUPPORTED, v); }
static void cb_float(void *ctx, float v)
{
    HS_UNUSED(v);
    tok_set(ctx, DEC_TOK_UNSUPPORTED, 0);
}
static void cb_double(void *ctx, double v)
{
    HS_UNUSED(v);
    tok_set(ctx, DEC_TOK_UNSUPPORTED, 0);
}

static void cb_bytes(void *ctx, cbor_data ptr, size_t len)
{
    tok_set(ctx, DEC_TOK_BYTES, len);
    ((dec *)ctx)->tok_ptr = ptr;
}

static void cb_text(void *ctx, cbor_data ptr, size_t len)
{
    tok_set(ctx, DEC_TOK_TEXT, len);
    ((dec *)ctx)->tok_ptr = ptr;
}

/* A const table filled at compile time, so no thread ever races on it and
 * nothing is initialised lazily.  Every slot is set, so every token is
 * classified; the static assert fails if a libcbor upgrade adds a slot
 * this table would leave NULL.  (libcbor's header swaps the comments of
 * the definite and indefinite slots; the names below follow the code:
 * byte_string/string are definite.) */
static const struct cbor_callbacks dec_callbacks = {
    .uint8 = cb_uint8,
    .uint16 = cb_uint16,
    .uint32 = cb_uint32,
    .uint64 = cb_uint64,
    .negint64 = cb_negint64,
    .negint32 = cb_negint32,
    .negint16 = cb_negint16,
    .negint8 = cb_negint8,
    .byte_string_start = cb_unsupported, /* indefinite */
    .byte_string = cb_bytes,
    .string = cb_text,
    .string_start = cb_unsupported, /* indefinite */
    .indef_array_start = cb_unsupported,
    .array_start = cb_array,
    .indef_map_start = cb_unsupported,
    .map_start = cb_map,
    .tag = cb_tag,
    .float2 = cb_float,
    .float4 = cb_float,
    .float8 = cb_double,
    .undefined = cb_unsupported,
    .null = cb_unsupported,
    .boolean = cb_bool,
    .indef_break = cb_break,
};

HS_STATIC_ASSERT(sizeof(struct cbor_callbacks) == 24 * sizeof(void (*)(void)),
                 "libcbor's callback table changed: set every slot above");

void dec_init(dec *d, const uint8_t *bytes, size_t len)
{
    HS_ASSERT(bytes != NULL || len == 0);
    d->bytes = bytes;
    d->len = len;
    d->pos = 0;
    d->tok_kind = DEC_TOK_NONE;
    d->tok_value = 0;
    d->tok_ptr = NULL;
}

size_t dec_remaining(const dec *d)
{
    HS_ASSERT(d->pos <= d->len);
    return d->len - d->pos;
}

/* NEDATA means either the head itself is cut short (truncated input) or a
 * complete string head declares more content than is left (a length we
 * refuse).  The first byte tells the head size.  Out of line: it is the
 * cold path, and keeping it out keeps registers free in dec_next. */
static __attribute__((noinline)) hs_status dec_nedata_status(const dec *d)
{
    static const uint8_t extra[32] = {[24] = 1, [25] = 2, [26] = 4, [27] = 8};
    HS_ASSERT(d->pos < d->len); /* dec_next returns before a call at the end */
    const uint8_t head = d->bytes[d->pos];
    size_t left = d->len - d->pos;
    unsigned major = head >> 5;
    size_t head_len = 1u + extra[head & 31u];
    if ((major == 2 || major == 3) && left >= head_len) {
        return HS_ERR_LIMIT;
    }
    return HS_ERR_TRUNCATED;
}

/* Inlined into every reader: it runs once per token.  The kind is reset
 * first so that a call that fired no callback cannot leave the previous
 * token in place. */
static inline __attribute__((always_inline)) hs_status dec_next(dec *d)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(d->pos <= d->len); /* kept by the read check below */
    }
    size_t left = d->len - d->pos;
    if (left == 0) {
        return HS_ERR_TRUNCATED;
    }
    d->tok_kind = DEC_TOK_NONE;
    struct cbor_decoder_result r =
        cbor_stream_decode(d->bytes + d->pos, left, &dec_callbacks, d);
    if (r.status != CBOR_DECODER_FINISHED) {
        return r.status == CBOR_DECODER_NEDATA ? dec_nedata_status(d) : HS_ERR_MALFORMED;
    }
    /* read must be 1..left; left is recomputed rather than kept live
     * across the call. */
    if (d->tok_kind == DEC_TOK_NONE || r.read - 1 >= d->len - d->pos) {
        return HS_ERR_MALFORMED;
    }
    d->pos += r.read;
    return HS_OK;
}

/* The status for a token of the wrong kind. */
static hs_status dec_wrong(const dec *d)
{
    HS_ASSERT(d->tok_kind != DEC_TOK_NONE); /* only after a token was read */
    return d->tok_kind == DEC_TOK_BREAK ? HS_ERR_MALFORMED : HS_ERR_TYPE;
}

hs_status dec_map(dec *d, uint64_t *pairs)
{
    hs_status st = dec_next(d);
    if (st != HS_OK) {
        return st;
    }
    if (d->tok_kind != DEC_TOK_MAP) {
        return dec_wrong(d);
    }
    /* Every key and every value takes at least one byte. */
    if (d->tok_value > dec_remaining(d) / 2) {
        return HS_ERR_LIMIT;
    }
    *pairs = d->tok_value;
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(*pairs * 2 <= dec_remaining(d)); /* the caller's loop is bounded */
    }
    return HS_OK;
}

hs_status dec_array(dec *d, uint64_t *items, uint64_t max)
{
    hs_status st = dec_next(d);
    if (st != HS_OK) {
        return st;
    }
    if (d->tok_kind != DEC_TOK_ARRAY) {
        return dec_wrong(d);
    }
    if (d->tok_value > dec_remaining(d) || d->tok_value > max) {
        return HS_ERR_LIMIT;
    }
    *items = d->tok_value;
    HS_ASSERT(*items <= max && *items <= dec_remaining(d));
    return HS_OK;
}

hs_status dec_uint(dec *d, uint64_t *value)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(value != NULL);
    }
    hs_status st = dec_next(d);
    if (st != HS_OK) {
        return st;
    }
    if (d->tok_kind != DEC_TOK_UINT) {
        return dec_wrong(d);
    }
    *value = d->tok_value;
    return HS_OK;
}

static hs_status dec_string(dec *d, dec_kind want, const uint8_t **ptr, size_t *len,
                            size_t max_len)
{
    hs_status st = dec_next(d);
    if (st != HS_OK) {
        return st;
    }
    if (d->tok_kind != want) {
        return dec_wrong(d);
    }
    /* The tokenizer only fires once the whole content is present, so the
     * length is already bounded by the input; max_len is the caller's. */
    if (d->tok_value > max_len) {
        return HS_ERR_LIMIT;
    }
    /* The content lies inside the bytes just consumed: a string handed out
     * never reaches past the input. */
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(d->tok_ptr >= d->bytes &&
                  d->tok_value <= (uint64_t)(d->bytes + d->pos - d->tok_ptr));
    }
    *ptr = d->tok_ptr;
    *len = (size_t)d->tok_value;
    HS_ASSERT(*len <= max_len); /* the decoded length fits the caller's limit */
    return HS_OK;
}

hs_status dec_text(dec *d, const char **ptr, size_t *len, size_t max_len)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(ptr != NULL && len != NULL);
    }
    const uint8_t *p = NULL;
    hs_status st = dec_string(d, DEC_TOK_TEXT, &p, len, max_len);
    if (st == HS_OK) {
        *ptr = (const char *)p;
    }
    return st;
}

hs_status dec_bytes(dec *d, const uint8_t **ptr, size_t *len, size_t max_len)
{
    return dec_string(d, DEC_TOK_BYTES, ptr, len, max_len);
}

hs_status dec_bool(dec *d, bool *value)
{
    hs_status st = dec_next(d);
    if (st != HS_OK) {
        return st;
    }
    if (d->tok_kind != DEC_TOK_BOOL) {
        return dec_wrong(d);
    }
    HS_ASSERT(d->tok_value <= 1); /* cb_bool records 0 or 1 */
    *value = d->tok_value != 0;
    return HS_OK;
}

/* Items a container token opens (2 per map pair), or an error when the
 * declared count cannot fit in the bytes left. */
static hs_status dec_container_items(const dec *d, uint64_t *items)
{
    HS_ASSERT(d->tok_kind == DEC_TOK_MAP || d->tok_kind == DEC_TOK_ARRAY);
    uint64_t left = dec_remaining(d);
    if (d->tok_kind == DEC_TOK_MAP) {
        if (d->tok_value > left / 2) {
            return HS_ERR_LIMIT;
        }
        *items = d->tok_value * 2;
        HS_ASSERT(*items <= left);
        return HS_OK;
    }
    if (d->tok_value > left) {
        return HS_ERR_LIMIT;
    }
    *items = d->tok_value;
    HS_ASSERT(*items <= left);
    return HS_OK;
}

/* Iterative: open[i] counts the items still expected by the i-th open
 * container, so hostile nesting costs a bounded array, never stack. */
hs_status dec_skip(dec *d)
{
    uint64_t open[DEC_DEPTH_MAX];
    uint32_t depth = 0;
    do {
        HS_ASSERT(depth <= DEC_DEPTH_MAX);
        hs_status st = dec_next(d);
        if (st != HS_OK) {
            return st;
        }
        switch (d->tok_kind) {
        case DEC_TOK_UINT:
        case DEC_TOK_NEGINT:
        case DEC_TOK_BYTES:
        case DEC_TOK_TEXT:
        case DEC_TOK_BOOL:
            break;
        case DEC_TOK_ARRAY:
        case DEC_TOK_MAP: {
            if (depth == DEC_DEPTH_MAX) {
                return HS_ERR_DEPTH;
            }
            uint64_t items = 0;
            st = dec_container_items(d, &items);
            if (st != HS_OK) {
                return st;
            }
            if (items > 0) {
                HS_ASSERT(depth < DEC_DEPTH_MAX);
                open[depth++] = items;
                continue;
            }
            break; /* an empty container is one complete item */
        }
        case DEC_TOK_BREAK:
            return HS_ERR_MALFORMED;
        default:
            return HS_ERR_TYPE;
        }
        /* One item completed: close every container it completes. */
        while (depth > 0 && --open[depth - 1] == 0) {
            depth--;
        }
        /* Every open container still expects at least one item. */
        HS_ASSERT(depth == 0 || open[depth - 1] > 0);
    } while (depth > 0);
    HS_ASSERT(depth == 0 && d->pos <= d->len);
    return HS_OK;
}

hs_status dec_finish(const dec *d)
{
    HS_ASSERT(d->pos <= d->len);
    return d->pos == d->len ? HS_OK : HS_ERR_TRAILING;
}
