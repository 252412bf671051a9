/* Replays fuzz inputs without libFuzzer, so gcc builds (and CI) run every
 * corpus through the same LLVMFuzzerTestOneInput as the fuzzers.
 *
 *   replay_<target> FILE|DIR...
 *
 * A directory is read one level deep (its files and the files of its
 * subdirectories), skipping dot-files, in sorted order.  Each input is
 * copied into a malloc of exactly its size so that ASan sees a one-byte
 * over-read.  Any failed property aborts inside the harness; a file that
 * cannot be read counts as an error (exit 1). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long replayed;
static unsigned long errors;

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        errors++;
        return;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        fclose(f);
        errors++;
        return;
    }
    size_t size = (size_t)st.st_size;
    /* malloc(0) may return NULL; keep a distinct, exactly-sized block. */
    unsigned char *data = malloc(size > 0 ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        fclose(f);
        errors++;
        return;
    }
    fclose(f);
    (void)LLVMFuzzerTestOneInput(data, size);
    free(data);
    replayed++;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(const char *path, int depth);

/* Sorted, so a failing run names the same input first every time. */
static void replay_dir(const char *path, int depth)
{
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: cannot open directory %s\n", path);
        errors++;
        return;
    }
    char **names = NULL;
    size_t count = 0;
    size_t cap = 0;
    struct dirent *ent;
    while ((ent = readdir(dir)) != NULL) {
        if (ent->d_name[0] == '.') {
            continue;
        }
        if (count == cap) {
            cap = cap > 0 ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof(*names));
            if (grown == NULL) {
                abort();
            }
            names = grown;
        }
        size_t len = strlen(path) + 1 + strlen(ent->d_name) + 1;
        names[count] = malloc(len);
        if (names[count] == NULL) {
            abort();
        }
        snprintf(names[count], len, "%s/%s", path, ent->d_name);
        count++;
    }
    closedir(dir);
    if (count > 0) {
        qsort(names, count, sizeof(*names), name_cmp);
    }
    for (size_t i = 0; i < count; i++) {
        replay_path(names[i], depth + 1);
        free(names[i]);
    }
    free(names);
}

static void replay_path(const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        errors++;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth <= 1) {
            replay_dir(path, depth);
        }
        return;
    }
    replay_file(path);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        replay_path(argv[i], 0);
    }
    printf("replayed %lu input(s), %lu error(s)\n", replayed, errors);
    return errors == 0 ? 0 : 1;
}
