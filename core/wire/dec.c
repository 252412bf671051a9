/* Bounded pull decoder over libcbor's cbor_stream_decode (see dec.h).
 *
 * The common heads are read in line (dec_next_fast); every other token is
 * one cbor_stream_decode call: the callbacks only record what
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

/* The head argument width for additional info 24..27 (0 below 24). */
static const uint8_t dec_arg_len[28] = {[24] = 1, [25] = 2, [26] = 4, [27] = 8};

/* NEDATA means either the head itself is cut short (truncated input) or a
 * complete string head declares more content than is left (a length we
 * refuse).  The first byte tells the head size.  Out of line: it is the
 * cold path, and keeping it out keeps registers free in dec_next. */
static __attribute__((noinline)) hs_status dec_nedata_status(const dec *d)
{
    HS_ASSERT(d->pos < d->len); /* dec_next returns before a call at the end */
    const uint8_t head = d->bytes[d->pos];
    size_t left = d->len - d->pos;
    unsigned major = head >> 5;
    size_t head_len = 1u + ((head & 31u) < 28 ? dec_arg_len[head & 31u] : 0u);
    if ((major == 2 || major == 3) && left >= head_len) {
        return HS_ERR_LIMIT;
    }
    return HS_ERR_TRUNCATED;
}

/* The common tokens, read in line without the tokenizer call: a uint of any
 * width, and a definite byte or text string, array or map whose argument
 * fits in 16 bits, each complete in the bytes left.  Anything else (and a
 * token cut short) goes to libcbor, which then reports the same token or
 * the same error it always did: this path records exactly what the
 * callbacks would, for exactly the bytes libcbor would accept.  The
 * tokenizer call was a third of the decoder's instructions (callgrind). */
static inline __attribute__((always_inline)) bool dec_next_fast(dec *d, size_t left)
{
    static const uint8_t kinds[8] = {DEC_TOK_UINT, DEC_TOK_NONE,  DEC_TOK_BYTES, DEC_TOK_TEXT,
                                     DEC_TOK_ARRAY, DEC_TOK_MAP, DEC_TOK_NONE,  DEC_TOK_NONE};
    const uint8_t *p = d->bytes + d->pos;
    const uint8_t head = p[0];
    const unsigned info = head & 31u;
    const unsigned major = head >> 5;
    if (kinds[major] == DEC_TOK_NONE || info > (major == 0 ? 27u : 25u)) {
        return false;
    }
    const size_t arg_len = dec_arg_len[info];
    if (left < 1 + arg_len) {
        return false;
    }
    uint64_t v = info;
    if (arg_len == 1) {
        v = p[1];
    } else if (arg_len == 2) {
        v = (uint64_t)p[1] << 8 | p[2];
    } else if (arg_len > 2) {
        v = 0;
        for (size_t i = 1; i <= arg_len; i++) {
            v = v << 8 | p[i];
        }
    }
    size_t read = 1 + arg_len;
    if (major == 2 || major == 3) {
        if (v > left - read) {
            return false;
        }
        d->tok_ptr = p + read;
        read += (size_t)v;
    }
    HS_ASSERT(read >= 1 && read <= left);
    d->tok_kind = kinds[major];
    d->tok_value = v;
    d->pos += read;
    return true;
}

/* The tokenizer call, for every token dec_next_fast leaves.  Out of line,
 * so the readers that inline dec_next keep their registers.  The kind is
 * reset first so that a call that fired no callback cannot leave the
 * previous token in place. */
static __attribute__((noinline)) hs_status dec_next_slow(dec *d, size_t left)
{
    HS_ASSERT(left > 0 && left == d->len - d->pos);
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

/* Inlined into every reader: it runs once per token. */
static inline __attribute__((always_inline)) hs_status dec_next(dec *d)
{
    if (HS_DEBUG_CHECKS) {
        HS_ASSERT(d->pos <= d->len); /* kept by both token paths */
    }
    size_t left = d->len - d->pos;
    if (left == 0) {
        return HS_ERR_TRUNCATED;
    }
    if (__builtin_expect(dec_next_fast(d, left), 1)) {
        return HS_OK;
    }
    return dec_next_slow(d, left);
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
    /* The commonest token of all (every key, most values) is one byte
     * below 0x18: recorded as dec_next_fast would, with no classification. */
    if (d->pos < d->len && d->bytes[d->pos] < 0x18) {
        d->tok_kind = DEC_TOK_UINT;
        d->tok_value = d->bytes[d->pos];
        d->pos++;
        *value = d->tok_value;
        return HS_OK;
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
    /* Names and member records: a string of the wanted kind with its
     * length in the head byte or the one after, complete and within
     * max_len, is recorded as dec_next_fast would and handed out here. */
    const size_t left = d->len - d->pos;
    if (left >= 2) {
        const uint8_t *p = d->bytes + d->pos;
        const unsigned info = p[0] & 31u;
        const size_t head_len = info == 24 ? 2u : 1u;
        const size_t n = info == 24 ? p[1] : info;
        if ((p[0] >> 5) == (want == DEC_TOK_TEXT ? 3u : 2u) && info <= 24 && n <= max_len &&
            n <= left - head_len) {
            d->tok_kind = want;
            d->tok_value = n;
            d->tok_ptr = p + head_len;
            d->pos += head_len + n;
            *ptr = p + head_len;
            *len = n;
            return HS_OK;
        }
    }
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
