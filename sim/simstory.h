/* The membership story of a run: the trace lines that describe membership
 * decisions (joins, members added, state transitions, refutations,
 * suspicion expiries, reaps, leaves) and the simulator's own actions,
 * stamped with simulated milliseconds.  Golden traces (tests/golden/NAME.trace)
 * are stories: a change in protocol behaviour shows up as a readable diff,
 * while probes, syncs and disk lines, which churn with harmless changes,
 * stay out.  hsim shrink writes the story of a shrunk failing run. */
#ifndef SIMSTORY_H_
#define SIMSTORY_H_

#include "base.h"

/* Longest story line kept, terminator included; longer ones are cut. */
#define SIMSTORY_LINE_MAX 512u

/* Whether a trace line (as sim_set_trace delivers it) is part of the story. */
bool simstory_keep(const char *line);
/* Whether a line belongs to the story of a run up to cut_ns: kept, stamped
 * at or before cut_ns, and not a violation report (a regression test's
 * story must read the same once the bug is fixed). */
bool simstory_keep_until(const char *line, uint64_t cut_ns);
/* The simulated time a trace line is stamped with ("[   12.345] ..."), in
 * ns; HS_TIME_NEVER for a line without a stamp. */
uint64_t simstory_time_ns(const char *line);

#endif /* SIMSTORY_H_ */
