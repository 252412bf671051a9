/* Frame capture into a fuzz-corpus directory tree, deduplicated by hash. */
#include "simcap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "frame.h"
#include "msg.h"
#include "msg_registry.h"

static bool make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST;
}

hs_status simcap_init(simcap *c, const char *dir)
{
    memset(c, 0, sizeof(*c));
    size_t len = strlen(dir);
    if (len == 0 || len + 64 >= sizeof(c->dir)) {
        return HS_ERR_INVALID;
    }
    memcpy(c->dir, dir, len + 1);
    if (!make_dir(c->dir)) {
        return HS_ERR_IO;
    }
    hs_status st = map_init(&c->seen, SIMCAP_SEEN_MAX);
    if (st == HS_OK) {
        st = map_init(&c->per_type, 1024);
    }
    if (st != HS_OK) {
        simcap_free(c);
    }
    return st;
}

void simcap_free(simcap *c)
{
    map_free(&c->seen);
    map_free(&c->per_type);
}

void simcap_frame(void *ctx, const uint8_t *frame, uint32_t len)
{
    simcap *c = ctx;
    if (len < FRAME_HEADER_LEN || map_count(&c->seen) == map_cap(&c->seen)) {
        return;
    }
    uint16_t type = (uint16_t)((frame[2] << 8) | frame[3]);
    uint64_t hash = XXH3_64bits(frame, len);
    uint64_t count = 0;
    (void)map_get(&c->per_type, type, &count);
    if (map_contains(&c->seen, hash) || count >= SIMCAP_PER_TYPE) {
        return;
    }
    if (map_put(&c->seen, hash, 1) != HS_OK || map_put(&c->per_type, type, count + 1) != HS_OK) {
        return;
    }
    char sub[SIMCAP_PATH_MAX + 32];
    char path[SIMCAP_PATH_MAX + 64];
    if (msg_registry_find(type) != NULL) {
        snprintf(sub, sizeof(sub), "%s/%s", c->dir, msg_registry_name(type));
    } else {
        snprintf(sub, sizeof(sub), "%s/type_%u", c->dir, type);
    }
    snprintf(path, sizeof(path), "%s/%016llx.bin", sub, (unsigned long long)hash);
    FILE *f = make_dir(sub) ? fopen(path, "wb") : NULL;
    if (f == NULL) {
        c->errors++;
        return;
    }
    if (fwrite(frame, 1, len, f) != len) {
        c->errors++;
    }
    if (fclose(f) != 0) {
        c->errors++;
    }
    c->written++;
}
