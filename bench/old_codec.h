/* The previous codec (bench/old_codec.c), seen by bench_codec.c only
 * through these three calls so that its types never meet the new ones. */
#ifndef HS_OLD_CODEC_H_
#define HS_OLD_CODEC_H_

#include "base.h"

typedef struct old_codec_bench old_codec_bench;

old_codec_bench *old_codec_setup(const char *const names[5], const char *source);
/* One encode plus decode through the frame path, as bench_codec does. */
uint64_t old_codec_once(old_codec_bench *b);
/* The encoded frame, for the byte-for-byte comparison with the new codec. */
size_t old_codec_frame(old_codec_bench *b, uint8_t *out, size_t cap);

#endif /* HS_OLD_CODEC_H_ */
