/* Golden membership stories for CMocka tests (sim/simstory.h says what a
 * story keeps): collect a run's story, compare it with
 * tests/golden/<name>.trace (HS_UPDATE_GOLDEN=1 rewrites the file), and
 * report a run's first violation.  Used by the SWIM scenario tests and by
 * the regression tests hsim shrink writes. */
#ifndef STORY_H_
#define STORY_H_

#include "sim.h"
#include "simstory.h"

#define STORY_LINES_MAX 4096u
#define STORY_LINE_LEN SIMSTORY_LINE_MAX

typedef struct {
    char lines[STORY_LINES_MAX][STORY_LINE_LEN];
    uint32_t count;
    uint64_t cut_ns; /* lines stamped later are left out */
} story_buf;

/* The story collected since the last story_begin. */
extern story_buf story;

/* Empties the story and collects s's story lines up to cut_ns
 * (HS_TIME_NEVER: all). */
void story_begin(sim *s, uint64_t cut_ns);
/* A line written by the test script itself, in the trace's format. */
void story_note(sim *s, const char *what);
/* Fails the test at the first line that differs from the golden file. */
void story_check(const char *name);
/* Fails the test, naming the first violation, when s broke an invariant. */
void story_expect_no_violation(sim *s);

#endif /* STORY_H_ */
