/* Scripted membership scenarios, the simulator half of the sim-versus-real
 * comparison.  The same scenario file (tests/real/scenarios/NAME.txt) runs
 * here and against real hsnode processes (tests/real/scenario.py); both
 * print each observer's ordered member_state transitions as JSON lines:
 *
 *     {"observer":"n1","member":"n3","from":"alive","to":"suspect"}
 *
 * Scenario commands (one per line, '#' comments):
 *     start n1 .. nK        first line: a cluster of K nodes
 *     wait_converged        every running node sees every running node alive
 *     kill NAME             crash (SIGKILL in the real half)
 *     stop NAME             graceful leave, then the process ends
 *     restart NAME          start the node again over its durable state
 *     wait_dead NAME        every running node sees NAME dead or left
 *     wait_left NAME        every running node sees NAME left
 *     sleep MS              let MS milliseconds pass
 * Every wait times out after the SWIM bound for the cluster size plus 5 s,
 * as in the real half. */
#ifndef SIMSCEN_H_
#define SIMSCEN_H_

#include <stdio.h>

#include "base.h"
#include "swim.h"

/* Reads an hsnode config file (core/base/cfgkey.h format) into cfg,
 * starting from the defaults: [swim] keys, and flat SWIM keys before any
 * section.  Sections [node], [host] and [tcp] (hsnode's own) are skipped;
 * a flat key only a real host understands (tcp_*, log*, ...) is refused:
 * the simulator would silently run something else. */
HS_MUST_USE hs_status simscen_parse_config(const char *text, swim_config *cfg, char *err,
                                           size_t err_cap);

/* Runs the scenario and writes the transitions to out.  Returns HS_OK, or
 * an error with err set (bad script, a wait that timed out, an invariant
 * violation). */
HS_MUST_USE hs_status simscen_run(const char *script, const swim_config *cfg, uint64_t seed,
                                  FILE *out, char *err, size_t err_cap);

#endif /* SIMSCEN_H_ */
