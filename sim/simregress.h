/* The regression test hsim shrink writes: a CMocka test that replays a
 * shrunk failing run and expects every invariant to hold (so it fails
 * until the bug is fixed), with the run's membership story up to the
 * failure as its golden trace (simstory.h), which the test also compares,
 * so that a later change of path is seen rather than a silent pass. */
#ifndef SIMREGRESS_H_
#define SIMREGRESS_H_

#include "base.h"
#include "simshrink.h"

#define SIMREGRESS_NAME_MAX 40u

/* Whether name is a usable test name: [a-z0-9_], 1 to SIMREGRESS_NAME_MAX. */
bool simregress_name_ok(const char *name);

/* Writes test_dir/test_regress_NAME.c and golden_dir/regress_NAME.trace for
 * r's shrunk run; found and shrunk are the replay commands quoted in the
 * test's header.  Paths written go to written (may be NULL). */
HS_MUST_USE hs_status simregress_write(const simshrink_result *r, const char *name,
                                       const char *found, const char *shrunk,
                                       const char *test_dir, const char *golden_dir,
                                       char *written, size_t written_cap, char *err,
                                       size_t err_cap);

#endif /* SIMREGRESS_H_ */
