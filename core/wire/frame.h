/* The frame: one envelope for every channel (ARCHITECTURE.md section 5).
 *
 *   offset  size  field
 *   0       1     version      FRAME_VERSION (1)
 *   1       1     flags        0; bit 0 is reserved for an authentication
 *                              trailer (key id, nonce, tag) in a later
 *                              version; any set bit is refused today
 *   2       2     type         msg_type, big-endian
 *   4       4     length       payload bytes, big-endian
 *   8       8     checksum     XXH3-64 of the payload seeded with bytes 0..7
 *                              read as a big-endian u64, big-endian
 *   16      n     payload      CBOR map (msg.h)
 *
 * Seeding the payload hash with the first eight header bytes protects the
 * version, flags, type and length with the same one-shot hash.  A datagram
 * carries exactly one frame; a TCP stream carries frames back to back. */
#ifndef HS_FRAME_H_
#define HS_FRAME_H_

#include "base.h"

#define FRAME_VERSION 1u
#define FRAME_HEADER_LEN 16u
#define FRAME_FLAG_AUTH 0x01u /* reserved; refused in version 1 */

/* Payload limits per channel.  A datagram, header included, fits 1400
 * bytes; a TCP frame carries at most 1 MiB of payload. */
#define FRAME_UDP_PAYLOAD_MAX (1400u - FRAME_HEADER_LEN)
#define FRAME_TCP_PAYLOAD_MAX (1u << 20)

typedef struct {
    uint8_t version;
    uint8_t flags;
    uint16_t type;
    uint32_t length;
    uint64_t checksum;
} frame_header;

/* Parses and validates the 16-byte header alone: version, flags and
 * length <= max_payload.  It does not check the checksum (the payload may
 * not have arrived yet on a stream).  n is the bytes available. */
HS_MUST_USE hs_status frame_parse_header(const uint8_t *bytes, size_t n, uint32_t max_payload,
                                         frame_header *out);

/* Validates a complete frame of exactly n bytes (one datagram, or one frame
 * cut from a stream): header, n == 16 + length, checksum.  On success
 * *payload points into bytes. */
HS_MUST_USE hs_status frame_decode(const uint8_t *bytes, size_t n, uint32_t max_payload,
                                   frame_header *out, const uint8_t **payload);

/* Writes the header for a payload already placed at buf + FRAME_HEADER_LEN. */
void frame_write_header(uint8_t *buf, uint16_t type, uint32_t payload_len);

uint64_t frame_checksum(const uint8_t header8[8], const uint8_t *payload, uint32_t len);

#endif /* HS_FRAME_H_ */
