/* The 16-byte frame header around every payload (see frame.h): big-endian
 * fields, XXH3-64 of the payload seeded with the first eight header bytes.
 * xxHash is compiled in (XXH_INLINE_ALL) so the checksum of a small
 * datagram is not a cross-library call. */
#include "frame.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

/* The layout in frame.h: four fields in 8 bytes, then the 8-byte checksum. */
HS_STATIC_ASSERT(FRAME_HEADER_LEN == 1 + 1 + 2 + 4 + 8, "frame header layout");
HS_STATIC_ASSERT(FRAME_UDP_PAYLOAD_MAX + FRAME_HEADER_LEN <= 1400, "a datagram fits 1400 B");
HS_STATIC_ASSERT(FRAME_UDP_PAYLOAD_MAX < FRAME_TCP_PAYLOAD_MAX, "TCP carries any datagram");
/* A whole TCP frame's size still fits the header's u32 length field. */
HS_STATIC_ASSERT((uint64_t)FRAME_TCP_PAYLOAD_MAX + FRAME_HEADER_LEN <= UINT32_MAX,
                 "frame size fits u32");

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

uint64_t frame_checksum(const uint8_t header8[8], const uint8_t *payload, uint32_t len)
{
    HS_ASSERT(payload != NULL || len == 0);
    return XXH3_64bits_withSeed(payload, len, load_be64(header8));
}

hs_status frame_parse_header(const uint8_t *bytes, size_t n, uint32_t max_payload,
                             frame_header *out)
{
    HS_ASSERT(bytes != NULL || n == 0);
    HS_ASSERT(out != NULL);
    if (n < FRAME_HEADER_LEN) {
        return HS_ERR_TRUNCATED;
    }
    /* Any flag bit, including the reserved FRAME_FLAG_AUTH, announces a
     * layout this version does not speak, so it is a version refusal. */
    if (bytes[0] != FRAME_VERSION || bytes[1] != 0) {
        return HS_ERR_VERSION;
    }
    uint32_t length = load_be32(bytes + 4);
    if (length > max_payload) {
        return HS_ERR_LIMIT;
    }
    out->version = bytes[0];
    out->flags = bytes[1];
    out->type = load_be16(bytes + 2);
    out->length = length;
    out->checksum = load_be64(bytes + 8);
    HS_ASSERT(out->version == FRAME_VERSION && out->flags == 0);
    HS_ASSERT(out->length <= max_payload);
    return HS_OK;
}

hs_status frame_decode(const uint8_t *bytes, size_t n, uint32_t max_payload, frame_header *out,
                       const uint8_t **payload)
{
    HS_ASSERT(out != NULL && payload != NULL);
    frame_header h;
    hs_status st = frame_parse_header(bytes, n, max_payload, &h);
    if (st != HS_OK) {
        return st;
    }
    HS_ASSERT(n >= FRAME_HEADER_LEN && h.length <= max_payload); /* the header parse's promise */
    size_t body = n - FRAME_HEADER_LEN;
    if (body < h.length) {
        return HS_ERR_TRUNCATED;
    }
    if (body > h.length) {
        return HS_ERR_TRAILING;
    }
    const uint8_t *p = bytes + FRAME_HEADER_LEN;
    if (frame_checksum(bytes, p, h.length) != h.checksum) {
        return HS_ERR_CHECKSUM;
    }
    HS_ASSERT(p + h.length == bytes + n); /* the payload ends where the input does */
    *out = h;
    *payload = p;
    return HS_OK;
}

void frame_write_header(uint8_t *buf, uint16_t type, uint32_t payload_len)
{
    HS_ASSERT(buf != NULL);
    buf[0] = (uint8_t)FRAME_VERSION;
    buf[1] = 0;
    store_be16(buf + 2, type);
    store_be32(buf + 4, payload_len);
    store_be64(buf + 8, frame_checksum(buf, buf + FRAME_HEADER_LEN, payload_len));
    if (HS_DEBUG_CHECKS) {
        /* What was written parses back to what was asked for. */
        frame_header h;
        HS_ASSERT(frame_parse_header(buf, FRAME_HEADER_LEN, UINT32_MAX, &h) == HS_OK);
        HS_ASSERT(h.type == type && h.length == payload_len);
    }
}
