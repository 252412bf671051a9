/* Golden membership stories for CMocka tests (story.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simcheck.h"
#include "simstory.h"

story_buf story;

static void collect(void *ctx, const char *line)
{
    (void)ctx;
    if (!simstory_keep_until(line, story.cut_ns) || story.count >= STORY_LINES_MAX) {
        return;
    }
    snprintf(story.lines[story.count++], STORY_LINE_LEN, "%s", line);
}

void story_begin(sim *s, uint64_t cut_ns)
{
    memset(&story, 0, sizeof(story));
    story.cut_ns = cut_ns;
    sim_set_trace(s, SIM_TRACE_EVENTS, collect, NULL);
}

void story_note(sim *s, const char *what)
{
    char line[STORY_LINE_LEN];
    uint64_t now = sim_now_ns(s);
    snprintf(line, sizeof(line), "[%6llu.%03llu] sim script: %s",
             (unsigned long long)(now / HS_NS_PER_MS),
             (unsigned long long)(now % HS_NS_PER_MS / HS_NS_PER_US), what);
    collect(NULL, line);
}

static const char *golden_path(const char *name, char *buf, size_t cap)
{
    const char *root = getenv("HS_ROOT");
    snprintf(buf, cap, "%s/tests/golden/%s.trace", root != NULL ? root : ".", name);
    return buf;
}

static void write_golden(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (uint32_t i = 0; i < story.count; i++) {
        fprintf(f, "%s\n", story.lines[i]);
    }
    assert_int_equal(fclose(f), 0);
}

void story_check(const char *name)
{
    char path[512];
    golden_path(name, path, sizeof(path));
    if (getenv("HS_UPDATE_GOLDEN") != NULL) {
        write_golden(path);
        return;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("missing golden trace %s (run with HS_UPDATE_GOLDEN=1)", path);
    }
    char line[STORY_LINE_LEN + 2];
    uint32_t i = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (i >= story.count) {
            fclose(f);
            fail_msg("%s:%u: trace ended early; expected: %s", path, i + 1, line);
        }
        if (strcmp(line, story.lines[i]) != 0) {
            fclose(f);
            fail_msg("%s:%u:\n  expected: %s\n  actual:   %s", path, i + 1, line,
                     story.lines[i]);
        }
        i++;
    }
    fclose(f);
    if (i != story.count) {
        fail_msg("%s: %u extra trace lines, first: %s", path, story.count - i, story.lines[i]);
    }
}

void story_expect_no_violation(sim *s)
{
    sim_result r;
    sim_result_get(s, &r);
    if (r.violations != 0 && sim_violation_count(s) > 0) {
        const simcheck_violation *v = sim_violation(s, 0);
        fail_msg("%llu violations; the first: %s at %llu ns: %s",
                 (unsigned long long)r.violations, simcheck_name(v->invariant),
                 (unsigned long long)v->time_ns, v->detail);
    }
    assert_int_equal(r.violations, 0);
}
