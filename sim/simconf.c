/* Node configurations written as config files and read back through the
 * real configuration engine, and the invalid variants it must refuse.
 * See simconf.h. */
#include "simconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfgkey.h"
#include "swim_config.h"

typedef struct {
    char *out;
    size_t cap;
    size_t used;
    bool overflow;
} text_buf;

static void put(text_buf *b, const char *fmt, ...) HS_PRINTF(2, 3);

static void put(text_buf *b, const char *fmt, ...)
{
    if (b->overflow) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->out + b->used, b->cap - b->used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->used) {
        b->overflow = true;
        return;
    }
    b->used += (size_t)n;
}

static bool numeric(cfgkey_type type)
{
    return type == CFGKEY_U32 || type == CFGKEY_U64 || type == CFGKEY_DURATION ||
           type == CFGKEY_BYTES;
}

/* Every numeric key of t, in table order. */
static void put_numbers(text_buf *b, const cfgkey_table *t, const void *target)
{
    for (uint32_t k = 0; k < t->count; k++) {
        if (numeric(t->keys[k].type) && strcmp(t->keys[k].name, "seed") != 0) {
            put(b, "%s = %llu\n", t->keys[k].name,
                (unsigned long long)cfgkey_get_number(t, target, k));
        }
    }
}

size_t simconf_render(const node_config *cfg, char *out, size_t cap)
{
    HS_ASSERT(cfg != NULL && out != NULL && cap > 0);
    text_buf b = {out, cap, 0, false};
    char addr[HS_ADDR_STR_MAX];
    hs_addr_format(cfg->addr, addr);
    put(&b, "# written by the simulator (sim/simconf.c), read by core's engine\n[node]\n");
    put(&b, "name = %s\nrole = %s\nlisten = %s\n", cfg->name.bytes, node_role_name(cfg->role),
        addr);
    for (uint32_t k = 0; k < cfg->seed_count; k++) {
        hs_addr_format(cfg->seeds[k], addr);
        put(&b, "join = %s\n", addr);
    }
    put(&b, "seed = %llu\n", (unsigned long long)cfg->rng_seed);
    put_numbers(&b, node_config_keys(), cfg);
    put(&b, "\n[swim]\n");
    put_numbers(&b, swim_config_keys(), &cfg->swim);
    HS_ASSERT(b.overflow || b.used < cap);
    return b.overflow ? 0 : b.used;
}

hs_status simconf_parse(const char *text, node_config *out, char *err, size_t cap)
{
    HS_ASSERT(text != NULL && out != NULL);
    node_config_defaults(out);
    cfgkey_bind binds[2] = {{node_config_keys(), out, 0},
                            {swim_config_keys(), &out->swim, 0}};
    hs_status st = cfgkey_parse_text(binds, 2, NULL, 0, text, err, cap);
    if (st == HS_OK) {
        st = cfgkey_check_required(binds, 2, err, cap);
    }
    if (st == HS_OK) {
        st = node_config_explain(out, err, cap);
    }
    return st;
}

/* text with the first line starting with prefix replaced by line (or, if
 * no line starts so, line appended to the section it names). */
static void replace_line(const char *text, const char *prefix, const char *line, char *out,
                         size_t cap)
{
    const char *at = strstr(text, prefix);
    while (at != NULL && at != text && at[-1] != '\n') {
        at = strstr(at + 1, prefix);
    }
    if (at == NULL) {
        snprintf(out, cap, "%s%s\n", text, line);
        return;
    }
    const char *end = strchr(at, '\n');
    int head = (int)(at - text);
    snprintf(out, cap, "%.*s%s%s", head, text, line, end != NULL ? end : "\n");
}

typedef struct {
    const char *prefix; /* the line it replaces ("" appends) */
    const char *line;
    hs_status status;
    const char *words;
    const char *what;
} invalid_row;

/* Each mistake an operator makes, and how the engine must answer it.
 * The swim rows come last in the file ([swim] is its last section), so an
 * appended line lands there. */
static const invalid_row invalid_rows[] = {
    {"probe_interval_ms =", "probe_interval_ms = 5", HS_ERR_RANGE, "probe_interval_ms",
     "a value below its range"},
    {"indirect_checks =", "indirect_checks = 99", HS_ERR_RANGE, "indirect_checks",
     "a value above its range"},
    {"probe_timeout_ms =", "probe_timeout_ms = 600000", HS_ERR_RANGE,
     "probe_timeout_ms must be below probe_interval_ms", "a broken rule between keys"},
    {"dead_retention_ms =", "dead_retention_ms = 1", HS_ERR_RANGE,
     "dead_retention_ms must exceed gossip_max_age_ms", "a broken rule between keys"},
    {"join_retry_max_ms =", "join_retry_max_ms = 1", HS_ERR_RANGE,
     "join_retry_max_ms must be at least join_retry_min_ms", "a broken rule between keys"},
    {"suspicion_mult =", "suspicion_mult = three", HS_ERR_INVALID, "suspicion_mult",
     "a malformed number"},
    {"", "probe_intervl_ms = 100", HS_ERR_NOT_FOUND, "probe_intervl_ms", "an unknown key"},
    {"name =", "# name removed", HS_ERR_MISSING, "name", "a missing required key"},
    {"listen =", "listen = 10.0.0.1", HS_ERR_INVALID, "listen", "an address without a port"},
    {"role =", "role = janitor", HS_ERR_INVALID, "role", "an unknown role"},
};

/* A numeric [swim] key one step outside its range (below the minimum
 * when there is room, else above the maximum): the engine's range test at
 * its boundary, for every key the table declares. */
static void make_out_of_range(rng *r, const char *text, simconf_invalid *out)
{
    const cfgkey_table *t = swim_config_keys();
    uint32_t k = rng_below(r, t->count);
    const cfgkey *key = &t->keys[k];
    HS_ASSERT(numeric(key->type) && key->max < UINT32_MAX);
    unsigned long long v = key->min > 0 ? key->min - 1 : key->max + 1;
    char prefix[64], line[96];
    snprintf(prefix, sizeof(prefix), "%s =", key->name);
    snprintf(line, sizeof(line), "%s = %llu", key->name, v);
    replace_line(text, prefix, line, out->text, sizeof(out->text));
    out->want_status = HS_ERR_RANGE;
    out->want_words = key->name;
    out->what = key->min > 0 ? "a value one below its range" : "a value one above its range";
}

/* A rule between keys broken exactly at its boundary: the one value where
 * a comparison written the wrong way round would let the file through.
 * Each rule moves the key whose range the boundary value fits. */
static void make_rule_edge(rng *r, const char *text, const swim_config *sw, simconf_invalid *out)
{
    char line[96];
    const char *prefix;
    switch (rng_below(r, 3)) {
    case 0: /* interval <= 600000 = the timeout's maximum */
        prefix = "probe_timeout_ms =";
        snprintf(line, sizeof(line), "probe_timeout_ms = %u", sw->probe_interval_ms);
        out->want_words = "probe_timeout_ms must be below probe_interval_ms";
        break;
    case 1: /* the age's range lies inside the retention's */
        prefix = "dead_retention_ms =";
        snprintf(line, sizeof(line), "dead_retention_ms = %u", sw->gossip_max_age_ms);
        out->want_words = "dead_retention_ms must exceed gossip_max_age_ms";
        break;
    default: /* both keys share the range 1..3600000 */
        if (sw->join_retry_min_ms > 1) {
            prefix = "join_retry_max_ms =";
            snprintf(line, sizeof(line), "join_retry_max_ms = %u", sw->join_retry_min_ms - 1);
        } else {
            prefix = "join_retry_min_ms =";
            snprintf(line, sizeof(line), "join_retry_min_ms = %u", sw->join_retry_max_ms + 1);
        }
        out->want_words = "join_retry_max_ms must be at least join_retry_min_ms";
        break;
    }
    replace_line(text, prefix, line, out->text, sizeof(out->text));
    out->want_status = HS_ERR_RANGE;
    out->what = "a rule between keys broken at its boundary";
}

void simconf_make_invalid(rng *r, const char *text, const node_config *cfg,
                          simconf_invalid *out)
{
    HS_ASSERT(text != NULL && out != NULL && cfg != NULL);
    uint32_t kind = rng_below(r, 4);
    if (kind == 0) {
        make_out_of_range(r, text, out);
    } else if (kind == 1) {
        make_rule_edge(r, text, &cfg->swim, out);
    } else {
        const invalid_row *row = &invalid_rows[rng_below(r, HS_ARRAY_LEN(invalid_rows))];
        replace_line(text, row->prefix[0] != '\0' ? row->prefix : "\x01", row->line,
                     out->text, sizeof(out->text));
        out->want_status = row->status;
        out->want_words = row->words;
        out->what = row->what;
    }
    HS_ASSERT(strlen(out->text) < sizeof(out->text));
}

const char *simconf_make_invalid_struct(rng *r, const node_config *valid, node_config *out)
{
    HS_ASSERT(valid != NULL && out != NULL);
    *out = *valid;
    swim_config *sw = &out->swim;
    uint32_t pick = rng_below(r, 2);
    if (pick == 0) {
        /* Written straight into the field, past the engine's setters. */
        const cfgkey_table *t = swim_config_keys();
        const cfgkey *key = &t->keys[rng_below(r, t->count)];
        HS_ASSERT(key->size == sizeof(uint32_t) && key->max < UINT32_MAX);
        uint32_t v = (uint32_t)(key->min > 0 ? key->min - 1 : key->max + 1);
        memcpy((unsigned char *)sw + key->offset, &v, sizeof(v));
        HS_ASSERT(cfgkey_get_number(t, sw, (uint32_t)cfgkey_find(t, key->name)) == v);
        return key->name;
    }
    sw->probe_timeout_ms = sw->probe_interval_ms;
    HS_ASSERT(sw->probe_timeout_ms <= 600000u);
    return "probe_timeout_ms must be below probe_interval_ms";
}

bool simconf_equal(const node_config *a, const node_config *b)
{
    HS_ASSERT(a != NULL && b != NULL);
    if (!hs_name_eq(&a->name, &b->name) || a->role != b->role ||
        !hs_addr_eq(a->addr, b->addr) || a->seed_count != b->seed_count ||
        a->rng_seed != b->rng_seed || memcmp(&a->swim, &b->swim, sizeof(a->swim)) != 0) {
        return false;
    }
    for (uint32_t k = 0; k < a->seed_count; k++) {
        if (!hs_addr_eq(a->seeds[k], b->seeds[k])) {
            return false;
        }
    }
    const cfgkey_table *t = node_config_keys();
    for (uint32_t k = 0; k < t->count; k++) {
        if (numeric(t->keys[k].type) &&
            cfgkey_get_number(t, a, k) != cfgkey_get_number(t, b, k)) {
            return false;
        }
    }
    return true;
}
