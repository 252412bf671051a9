/* The configuration engine: one descriptor per key, declared once by the
 * module that owns the setting, drives every way a setting can be given
 * (config files with a section per module, command-line flags, the
 * simulator's drawn options) and every way it is documented (--help and
 * the example config file).  docs/design/config.md has the rules.
 *
 * A table is one section: "swim" is [swim] in a file, --swim-KEY as a
 * flag, and KEY alone (file line or flag) when no other table in the same
 * lookup has a key of that name.  Names compare with '-' and '_' as one
 * character.  Values are text; numbers are strict decimal (bytes may end
 * in KiB, MiB or GiB); a duration's text, range and default are in its
 * unit.
 *
 * Pure: no allocation, no files.  Every refusal writes one sentence that
 * names the key and what it wants into the caller's buffer. */
#ifndef HS_CFGKEY_H_
#define HS_CFGKEY_H_

#include "base.h"

typedef enum {
    CFGKEY_U32,         /* uint32_t */
    CFGKEY_U64,         /* uint64_t */
    CFGKEY_BOOL,        /* bool: true/false, yes/no, on/off, 1/0 */
    CFGKEY_DURATION,    /* uint32_t counted in the key's unit (ms or s) */
    CFGKEY_DURATION_NS, /* uint64_t nanoseconds; text, range, default in the unit */
    CFGKEY_BYTES,       /* uint32_t bytes */
    CFGKEY_ENUM,        /* uint8_t or uint32_t index into names[0..max] */
    CFGKEY_ADDR,        /* hs_addr, "a.b.c.d:port" */
    CFGKEY_ADDR_LIST,   /* hs_addr[max], uint32_t count at count_offset; accumulates */
    CFGKEY_NAME,        /* hs_name, 1..HS_NAME_MAX printable characters */
    CFGKEY_STRING,      /* char[max + 1], 1..max bytes */
    CFGKEY_TYPE_COUNT
} cfgkey_type;

typedef enum {
    CFGKEY_UNIT_NONE = 0,
    CFGKEY_UNIT_MS,
    CFGKEY_UNIT_S,
    CFGKEY_UNIT_BYTES,
    CFGKEY_UNIT_PER_SEC,
    CFGKEY_UNIT_COUNT
} cfgkey_unit;

/* flags */
#define CFGKEY_REQUIRED 1u /* no default: must be given */
#define CFGKEY_UNSET 2u    /* no default value: absence has a meaning (def_text says it) */

typedef struct {
    const char *name;
    cfgkey_type type;
    cfgkey_unit unit;
    uint32_t offset;       /* of the field in the module's config struct */
    uint32_t size;         /* sizeof the field (checked against the type) */
    uint32_t count_offset; /* CFGKEY_ADDR_LIST: its uint32_t count */
    /* Numbers: the range in the unit.  ENUM: 0..names-1.  STRING: 1..bytes.
     * ADDR_LIST: 0..entries. */
    uint64_t min;
    uint64_t max;
    uint64_t def;          /* numbers, bool and enum */
    const char *def_text;  /* NAME, STRING, ADDR: the default as text; with
                              REQUIRED or UNSET, what absence means */
    const char *const *names; /* ENUM */
    uint32_t flags;
    /* A rule on this value alone beyond its type and range (NULL: none):
     * NULL when fine, else a phrase that follows the value in the refusal
     * ("is the wildcard address: ..."). */
    const char *(*check)(const void *field);
    const char *help;
} cfgkey;

#define CFGKEY_KEYS_MAX 64u /* per table: the given masks are 64 bits */

typedef struct {
    const char *section; /* "swim": [swim], --swim-KEY */
    const cfgkey *keys;
    uint32_t count;
    bool qualified_flags; /* help shows --SECTION-KEY (e.g. --tcp-conns-max) */
} cfgkey_table;

/* A table bound to the struct it fills, and which of its keys were given. */
typedef struct {
    const cfgkey_table *table;
    void *target;
    uint64_t given; /* bit i: keys[i] was set since the last clear */
} cfgkey_bind;

/* Descriptor shorthands; T is the config struct, f its field. */
#define CFGKEY_AT(T, f) (uint32_t) offsetof(T, f), (uint32_t)sizeof(((T *)0)->f)
#define CFGKEY_NUM(T, f, key, type, unit, lo, hi, def, help)                         \
    {key, type, unit, CFGKEY_AT(T, f), 0, lo, hi, def, NULL, NULL, 0, NULL, help}

/* Every descriptor of t is well formed: field size matches the type, the
 * default is in range, names are unique.  NULL or the first problem. */
const char *cfgkey_table_problem(const cfgkey_table *t);

const char *cfgkey_type_name(cfgkey_type type);
const char *cfgkey_unit_name(cfgkey_unit unit);

/* Writes every key's default into target (keys without one are zeroed). */
void cfgkey_defaults(const cfgkey_table *t, void *target);
/* Index of name in t ('-' matches '_'), or -1. */
int32_t cfgkey_find(const cfgkey_table *t, const char *name);

/* Sets keys[key] of t in target from text.  HS_ERR_INVALID for text that
 * is not of the key's type, HS_ERR_RANGE outside the range, HS_ERR_LIMIT
 * for a full list, HS_ERR_DUPLICATE for an address listed twice. */
HS_MUST_USE hs_status cfgkey_set_text(const cfgkey_table *t, void *target, uint32_t key,
                                      const char *text, char *err, size_t cap);
/* Numeric set by name (the simulator's draws): HS_ERR_NOT_FOUND for an
 * unknown key, HS_ERR_TYPE for a key that is not a number, HS_ERR_RANGE. */
HS_MUST_USE hs_status cfgkey_set_number(const cfgkey_table *t, void *target, const char *name,
                                        uint64_t value, char *err, size_t cap);
/* Current value of a numeric key, in its unit. */
uint64_t cfgkey_get_number(const cfgkey_table *t, const void *target, uint32_t key);
/* Resets keys[key] to its default (a flag replacing a file's list). */
void cfgkey_reset(const cfgkey_table *t, void *target, uint32_t key);

/* Finds a key over several bound tables.  section NULL: "SECTION_KEY"
 * or a KEY found in exactly one table.  Otherwise KEY in that section.
 * HS_ERR_NOT_FOUND (unknown section or key) or HS_ERR_DUPLICATE (a bare
 * KEY in two tables) with the message in err. */
HS_MUST_USE hs_status cfgkey_lookup(const cfgkey_bind *binds, uint32_t bind_count,
                                    const char *section, const char *name, uint32_t *bind_out,
                                    uint32_t *key_out, char *err, size_t cap);
/* Lookup then set; marks the key given. */
HS_MUST_USE hs_status cfgkey_set(cfgkey_bind *binds, uint32_t bind_count, const char *section,
                                 const char *name, const char *text, char *err, size_t cap);
/* Whether keys[key] of binds[b] was given. */
bool cfgkey_given(const cfgkey_bind *binds, uint32_t b, uint32_t key);

/* The index of the first numeric or enum key whose value in target lies
 * outside its range, or -1: the one range test every check shares. */
int32_t cfgkey_first_out_of_range(const cfgkey_table *t, const void *target);
/* Every value of target within its key's type and range (for a struct
 * filled directly): HS_ERR_RANGE with "KEY out of range (want LO..HI)". */
HS_MUST_USE hs_status cfgkey_check_values(const cfgkey_table *t, const void *target, char *err,
                                          size_t cap);
/* HS_ERR_MISSING with "missing required --KEY" when a required key was
 * not given. */
HS_MUST_USE hs_status cfgkey_check_required(const cfgkey_bind *binds, uint32_t bind_count,
                                            char *err, size_t cap);

/* Parses config file text: "[section]" (or "[section ARG]", refused until
 * a table takes an argument) starts a section, "key = value" lines before
 * any section use the flat names of cfgkey_lookup, blank lines and '#'
 * comments are skipped.  Sections named in skip are owned by another
 * program: their lines are checked for syntax only.  A refusal starts
 * with "line N: ". */
HS_MUST_USE hs_status cfgkey_parse_text(cfgkey_bind *binds, uint32_t bind_count,
                                        const char *const *skip, uint32_t skip_count,
                                        const char *text, char *err, size_t cap);

/* Help text: every key as its flag (with the short form when unique over
 * the tables), value type and unit, default, range and help.  Returns
 * the length the whole text needs; out holds as much as fits. */
size_t cfgkey_render_help(const cfgkey_table *const *tables, uint32_t count, char *out,
                          size_t cap);
/* A config file with every key at its default, one section per table
 * (required keys and keys without a default are commented out). */
size_t cfgkey_render_file(const cfgkey_table *const *tables, uint32_t count, char *out,
                          size_t cap);

#endif /* HS_CFGKEY_H_ */
