/* A bounded pull decoder for untrusted CBOR (the wire codec's reader).
 *
 * Each dec_* call reads exactly one token with libcbor's flat, stateless,
 * allocation-free tokenizer cbor_stream_decode and checks that it is the
 * kind the caller expects.  cbor_load is never used on outside bytes: it
 * preallocates whatever sizes the input declares (toolchain-notes 3).
 *
 * The caller drives the structure: after dec_map(&n) it reads n key/value
 * pairs, after dec_array(&n) n items, and dec_finish checks that nothing
 * follows the top-level item.  Nothing is allocated and nothing is copied:
 * strings come back as pointers into the input.
 *
 * Accepted subset: unsigned and negative integers, definite byte and text
 * strings, definite arrays and maps, booleans.  Refused with HS_ERR_TYPE
 * (well-formed CBOR outside the subset): tags, indefinite-length strings,
 * arrays and maps, floats, null, undefined, and any kind other than the
 * one asked for.  Refused with HS_ERR_MALFORMED: reserved or unassigned
 * heads, a break byte outside an indefinite item.  Other errors:
 *   HS_ERR_TRUNCATED  the input ends inside an item head;
 *   HS_ERR_LIMIT      a declared count or length exceeds the bytes left
 *                     (an array of n items needs n bytes, a map of n
 *                     pairs 2n, a string of n bytes n) or the caller's max;
 *   HS_ERR_DEPTH      dec_skip met more than DEC_DEPTH_MAX nested
 *                     containers;
 *   HS_ERR_TRAILING   dec_finish found bytes after the item.
 * Non-minimal integer heads are accepted.  Text strings are not checked
 * for UTF-8 here: fields that carry text validate their own alphabet
 * (printable ASCII) in msg.c.
 *
 * After an error the decoder's position is unspecified; stop decoding. */
#ifndef HS_DEC_H_
#define HS_DEC_H_

#include "base.h"

/* Containers that dec_skip accepts nested inside the item it skips. */
#define DEC_DEPTH_MAX 8u

typedef struct {
    const uint8_t *bytes;
    size_t len;
    size_t pos;
    /* The token just read, written by the tokenizer callbacks (private). */
    uint32_t tok_kind;
    uint64_t tok_value;
    const uint8_t *tok_ptr;
} dec;

void dec_init(dec *d, const uint8_t *bytes, size_t len);

/* A definite map head; *pairs is its number of key/value pairs. */
HS_MUST_USE hs_status dec_map(dec *d, uint64_t *pairs);
/* A definite array head with at most max items. */
HS_MUST_USE hs_status dec_array(dec *d, uint64_t *items, uint64_t max);
HS_MUST_USE hs_status dec_uint(dec *d, uint64_t *value);
/* A definite text string of at most max_len bytes; *ptr points into the
 * input and is not NUL-terminated. */
HS_MUST_USE hs_status dec_text(dec *d, const char **ptr, size_t *len, size_t max_len);
HS_MUST_USE hs_status dec_bytes(dec *d, const uint8_t **ptr, size_t *len, size_t max_len);
HS_MUST_USE hs_status dec_bool(dec *d, bool *value);
/* Skips one whole item of any accepted kind, iteratively, with at most
 * DEC_DEPTH_MAX containers open at once. */
HS_MUST_USE hs_status dec_skip(dec *d);
/* HS_OK when every byte has been consumed, else HS_ERR_TRAILING. */
HS_MUST_USE hs_status dec_finish(const dec *d);

size_t dec_remaining(const dec *d);

#endif /* HS_DEC_H_ */
