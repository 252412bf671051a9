/* The regression test writer of hsim shrink (simregress.h). */
#include "simregress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"
#include "simstory.h"

#define PATH_CAP 1024u
#define FLAGS_CAP 4096u

bool simregress_name_ok(const char *name)
{
    HS_ASSERT(name != NULL);
    size_t n = strlen(name);
    if (n == 0 || n > SIMREGRESS_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

typedef struct {
    FILE *f;
    uint64_t cut_ns;
} story_out;

static void story_line(void *ctx, const char *line)
{
    story_out *o = ctx;
    if (simstory_keep_until(line, o->cut_ns)) {
        fprintf(o->f, "%.*s\n", (int)SIMSTORY_LINE_MAX - 1, line);
        fflush(o->f); /* the run may die on an assertion */
    }
}

/* Child: runs the shrunk case with the story going to path. */
static void golden_child(const simshrink_result *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        _exit(2);
    }
    sim *s = NULL;
    if (sim_create(&r->best, &s) != HS_OK) {
        _exit(3);
    }
    story_out o = {f, r->fail_ns};
    sim_set_trace(s, SIM_TRACE_EVENTS, story_line, &o);
    sim_set_lose_timer(s, r->best_args.lose_timer);
    sim_set_crash_at_event(s, r->best_args.crash_at_event);
    if (sim_run(s) != HS_OK) {
        _exit(4);
    }
    sim_destroy(s);
    _exit(fclose(f) == 0 ? 0 : 5);
}

static hs_status write_golden(const simshrink_result *r, const char *path, char *err,
                              size_t err_cap)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_cap, "fork: cannot write %s", path);
        return HS_ERR_IO;
    }
    if (pid == 0) {
        golden_child(r, path);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        snprintf(err, err_cap, "waitpid: cannot write %s", path);
        return HS_ERR_IO;
    }
    /* A crash is the expected end of a crashing run; the other exits are
     * setup failures. */
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(err, err_cap, "cannot write the golden story %s (step %d)", path,
                 WEXITSTATUS(status));
        return HS_ERR_IO;
    }
    return HS_OK;
}

/* A C string literal of text (it holds no quotes or backslashes but may). */
static void c_string(FILE *f, const char *text)
{
    fputc('"', f);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
        }
        fputc(*p, f);
    }
    fputc('"', f);
}

/* The args array: "--seed", "N", then each token of the minimal flags. */
static void write_args(FILE *f, const simshrink_result *r)
{
    char flags[FLAGS_CAP];
    simopt_format_set(&r->best_args, &r->best, flags, sizeof(flags));
    fprintf(f, "static char *args[] = {\n    \"--seed\", \"%llu\",",
            (unsigned long long)r->best.seed);
    uint32_t on_line = 2;
    for (char *tok = strtok(flags, " "); tok != NULL; tok = strtok(NULL, " ")) {
        fputs(on_line == 0 ? "\n    " : " ", f);
        c_string(f, tok);
        fputc(',', f);
        on_line = (on_line + 1) % 6;
    }
    fprintf(f, "\n    NULL,\n};\n\n");
}

static void write_header(FILE *f, const simshrink_result *r, const char *name, const char *found,
                         const char *shrunk)
{
    fprintf(f, "/* Regression test written by hsim shrink (docs/simulator.md, Shrinking).\n"
               " *\n * Found as:\n *   %s\n * Shrunk to (%llu events to the failure, was %llu; "
               "%u of %u fault\n * actions; %u runs):\n *   %s\n * It failed: %.200s\n *\n",
            found, (unsigned long long)r->events_best, (unsigned long long)r->events_first,
            r->actions_kept, r->actions_first, r->runs, shrunk,
            r->detail_best);
    fprintf(f, " * The test replays the shrunk run and expects every invariant to hold, so it\n"
               " * fails until the bug is fixed.  tests/golden/regress_%s.trace is the\n"
               " * failing run's membership story up to the failure; the test checks that\n"
               " * the run still gets there the same way (after a reviewed change,\n"
               " * HS_UPDATE_GOLDEN=1 rewrites it). */\n",
            name);
    fprintf(f, "#include <setjmp.h>\n#include <stdarg.h>\n#include <stddef.h>\n"
               "#include <stdint.h>\n#include <cmocka.h>\n\n#include \"sim.h\"\n"
               "#include \"simopt.h\"\n#include \"story.h\"\n\n");
}

static void write_body(FILE *f, const simshrink_result *r, const char *name)
{
    fprintf(f, "static void test_regress_%s(void **state)\n{\n    (void)state;\n"
               "    simopt_args a;\n    simopt_args_init(&a);\n    char err[SIMOPT_ERR_MAX];\n"
               "    int argc = (int)(sizeof(args) / sizeof(args[0])) - 1;\n"
               "    for (int i = 0; i < argc;) {\n"
               "        assert_int_equal(simopt_parse_flag(&a, argc, args, &i, err, "
               "sizeof(err)), HS_OK);\n    }\n    simopt o;\n"
               "    assert_int_equal(simopt_resolve(&a, &o, err, sizeof(err)), HS_OK);\n"
               "    sim *s = NULL;\n    assert_int_equal(sim_create(&o, &s), HS_OK);\n",
            name);
    if (r->best_args.lose_timer != 0) {
        fprintf(f, "    sim_set_lose_timer(s, %u);\n", r->best_args.lose_timer);
    }
    if (r->best_args.crash_at_event != 0) {
        fprintf(f, "    sim_set_crash_at_event(s, %llu);\n",
                (unsigned long long)r->best_args.crash_at_event);
    }
    fprintf(f, "    story_begin(s, UINT64_C(%llu));\n"
               "    assert_int_equal(sim_run(s), HS_OK);\n"
               "    story_check(\"regress_%s\");\n"
               "    story_expect_no_violation(s);\n    sim_destroy(s);\n}\n\n",
            (unsigned long long)r->fail_ns, name);
    fprintf(f, "int main(void)\n{\n    const struct CMUnitTest tests[] = {\n"
               "        cmocka_unit_test(test_regress_%s),\n    };\n"
               "    return cmocka_run_group_tests(tests, NULL, NULL);\n}\n",
            name);
}

hs_status simregress_write(const simshrink_result *r, const char *name, const char *found,
                           const char *shrunk, const char *test_dir, const char *golden_dir,
                           char *written, size_t written_cap, char *err, size_t err_cap)
{
    HS_ASSERT(r != NULL && found != NULL && shrunk != NULL);
    HS_ASSERT(simregress_name_ok(name));
    char test_path[PATH_CAP];
    char golden_path[PATH_CAP];
    snprintf(test_path, sizeof(test_path), "%s/test_regress_%s.c", test_dir, name);
    snprintf(golden_path, sizeof(golden_path), "%s/regress_%s.trace", golden_dir, name);
    hs_status st = write_golden(r, golden_path, err, err_cap);
    if (st != HS_OK) {
        return st;
    }
    FILE *f = fopen(test_path, "w");
    if (f == NULL) {
        snprintf(err, err_cap, "cannot write %s", test_path);
        return HS_ERR_IO;
    }
    write_header(f, r, name, found, shrunk);
    write_args(f, r);
    write_body(f, r, name);
    if (fclose(f) != 0) {
        snprintf(err, err_cap, "cannot write %s", test_path);
        return HS_ERR_IO;
    }
    if (written != NULL) {
        snprintf(written, written_cap, "%s and %s", test_path, golden_path);
    }
    return HS_OK;
}
