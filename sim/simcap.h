/* Frame capture: writes each distinct frame nodes send during a run to
 * DIR/<message name>/<xxh3 hex>.bin, at most SIMCAP_PER_TYPE per message
 * type, to seed fuzz corpora with real simulator traffic.  The message
 * type is the big-endian u16 at frame bytes 2..3 (core/frame.h). */
#ifndef SIMCAP_H_
#define SIMCAP_H_

#include "base.h"
#include "map.h"

#define SIMCAP_PER_TYPE 64u
#define SIMCAP_SEEN_MAX 8192u
#define SIMCAP_PATH_MAX 1024u

typedef struct {
    char dir[SIMCAP_PATH_MAX];
    map seen;     /* frame hash -> 1 */
    map per_type; /* message type -> frames written */
    uint64_t written;
    uint64_t errors;
} simcap;

HS_MUST_USE hs_status simcap_init(simcap *c, const char *dir);
void simcap_free(simcap *c);
/* Shaped as a sim_frame_fn: ctx is the simcap. */
void simcap_frame(void *ctx, const uint8_t *frame, uint32_t len);

#endif /* SIMCAP_H_ */
