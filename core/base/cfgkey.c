/* The configuration engine: set by name, defaults, range checks, config
 * file text and the help and example-file renderers.  See cfgkey.h. */
#include "cfgkey.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CFGKEY_LINE_MAX 1024u
#define CFGKEY_INNER_MAX 480u

/* ------------------------------------------------------------------ */
/* Names, units, types                                                 */

static const char *const type_names[CFGKEY_TYPE_COUNT] = {
    "u32", "u64", "bool", "duration", "duration", "bytes", "enum", "address",
    "address list", "name", "string",
};

static const char *const unit_names[CFGKEY_UNIT_COUNT] = {"", "ms", "s", "bytes", "per second"};

const char *cfgkey_type_name(cfgkey_type type)
{
    HS_STATIC_ASSERT(HS_ARRAY_LEN(type_names) == CFGKEY_TYPE_COUNT, "a name per type");
    HS_ASSERT((uint32_t)type < CFGKEY_TYPE_COUNT);
    return type_names[type];
}

const char *cfgkey_unit_name(cfgkey_unit unit)
{
    HS_STATIC_ASSERT(HS_ARRAY_LEN(unit_names) == CFGKEY_UNIT_COUNT, "a name per unit");
    HS_ASSERT((uint32_t)unit < CFGKEY_UNIT_COUNT);
    return unit_names[unit];
}

static bool is_number(cfgkey_type type)
{
    HS_ASSERT((uint32_t)type < CFGKEY_TYPE_COUNT);
    return type == CFGKEY_U32 || type == CFGKEY_U64 || type == CFGKEY_DURATION ||
           type == CFGKEY_DURATION_NS || type == CFGKEY_BYTES;
}

/* '-' and '_' are one character, so flags and file keys share names. */
static bool name_char_eq(char a, char b)
{
    if (a == '-') {
        a = '_';
    }
    if (b == '-') {
        b = '_';
    }
    return a == b;
}

static bool name_eq(const char *a, const char *b)
{
    HS_ASSERT(a != NULL && b != NULL);
    while (*a != '\0' && name_char_eq(*a, *b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

/* Length of "SECTION_" at the start of name, or 0. */
static size_t section_prefix(const char *name, const char *section)
{
    HS_ASSERT(name != NULL && section != NULL);
    size_t i = 0;
    while (section[i] != '\0' && name_char_eq(section[i], name[i])) {
        i++;
    }
    if (section[i] != '\0' || !name_char_eq(name[i], '_')) {
        return 0;
    }
    HS_ASSERT(i + 1 <= strlen(name));
    return i + 1;
}

static size_t expected_size(const cfgkey *k)
{
    HS_ASSERT(k != NULL);
    HS_ASSERT((uint32_t)k->type < CFGKEY_TYPE_COUNT);
    switch (k->type) {
    case CFGKEY_U32:
    case CFGKEY_DURATION:
    case CFGKEY_BYTES:
        return sizeof(uint32_t);
    case CFGKEY_U64:
    case CFGKEY_DURATION_NS:
        return sizeof(uint64_t);
    case CFGKEY_BOOL:
        return sizeof(bool);
    case CFGKEY_ENUM:
        return k->size == 1 ? 1 : sizeof(uint32_t);
    case CFGKEY_ADDR:
        return sizeof(hs_addr);
    case CFGKEY_ADDR_LIST:
        return (size_t)k->max * sizeof(hs_addr);
    case CFGKEY_NAME:
        return sizeof(hs_name);
    case CFGKEY_STRING:
        return (size_t)k->max + 1;
    default:
        return 0;
    }
}

static const char *key_problem(const cfgkey *k)
{
    HS_ASSERT(k != NULL);
    if (k->name == NULL || k->help == NULL || (uint32_t)k->type >= CFGKEY_TYPE_COUNT ||
        (uint32_t)k->unit >= CFGKEY_UNIT_COUNT) {
        return "a key lacks a name, help, type or unit";
    }
    if (expected_size(k) != k->size || k->min > k->max) {
        return k->name; /* field size does not match the type, or min > max */
    }
    bool has_default = (k->flags & (CFGKEY_REQUIRED | CFGKEY_UNSET)) == 0;
    if (has_default && (is_number(k->type) || k->type == CFGKEY_ENUM) &&
        (k->def < k->min || k->def > k->max)) {
        return k->name; /* default out of range */
    }
    if ((k->type == CFGKEY_ENUM) != (k->names != NULL)) {
        return k->name;
    }
    if ((k->type == CFGKEY_DURATION || k->type == CFGKEY_DURATION_NS) &&
        k->unit != CFGKEY_UNIT_MS && k->unit != CFGKEY_UNIT_S) {
        return k->name; /* a duration says ms or s */
    }
    return NULL;
}

const char *cfgkey_table_problem(const cfgkey_table *t)
{
    HS_ASSERT(t->count <= UINT32_MAX / 2);
    HS_ASSERT(t != NULL && t->keys != NULL);
    if (t->count == 0 || t->count > CFGKEY_KEYS_MAX || t->section == NULL) {
        return "a table needs a section and 1..64 keys";
    }
    for (uint32_t i = 0; i < t->count; i++) {
        const char *problem = key_problem(&t->keys[i]);
        if (problem != NULL) {
            return problem;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (name_eq(t->keys[i].name, t->keys[j].name)) {
                return t->keys[i].name; /* listed twice */
            }
        }
    }
    return NULL;
}

int32_t cfgkey_find(const cfgkey_table *t, const char *name)
{
    HS_ASSERT(t != NULL && name != NULL);
    HS_ASSERT(t->count <= CFGKEY_KEYS_MAX);
    for (uint32_t i = 0; i < t->count; i++) {
        if (name_eq(t->keys[i].name, name)) {
            HS_ASSERT(i < CFGKEY_KEYS_MAX);
            return (int32_t)i;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Field access                                                        */

static uint8_t *field_of(const cfgkey *k, void *target)
{
    HS_ASSERT(k != NULL && k->size > 0);
    HS_ASSERT(target != NULL);
    return (uint8_t *)target + k->offset;
}

static uint64_t unit_ns(cfgkey_unit unit)
{
    HS_ASSERT((uint32_t)unit < CFGKEY_UNIT_COUNT);
    HS_ASSERT(unit == CFGKEY_UNIT_MS || unit == CFGKEY_UNIT_S);
    return unit == CFGKEY_UNIT_MS ? HS_NS_PER_MS : HS_NS_PER_SEC;
}

/* v is within the key's range, so the stored value fits its field. */
static void store_number(const cfgkey *k, void *target, uint64_t v)
{
    HS_ASSERT(is_number(k->type) || k->type == CFGKEY_ENUM || k->type == CFGKEY_BOOL);
    HS_ASSERT(k->type == CFGKEY_BOOL || (v >= k->min && v <= k->max));
    uint8_t *field = field_of(k, target);
    if (k->type == CFGKEY_U64) {
        memcpy(field, &v, sizeof(v));
    } else if (k->type == CFGKEY_DURATION_NS) {
        uint64_t ns = v * unit_ns(k->unit);
        memcpy(field, &ns, sizeof(ns));
    } else if (k->type == CFGKEY_BOOL) {
        bool b = v != 0;
        memcpy(field, &b, sizeof(b));
    } else if (k->size == 1) {
        uint8_t v8 = (uint8_t)v;
        memcpy(field, &v8, sizeof(v8));
    } else {
        uint32_t v32 = (uint32_t)v;
        memcpy(field, &v32, sizeof(v32));
    }
}

uint64_t cfgkey_get_number(const cfgkey_table *t, const void *target, uint32_t key)
{
    HS_ASSERT(t != NULL && target != NULL);
    HS_ASSERT(key < t->count);
    const cfgkey *k = &t->keys[key];
    HS_ASSERT(is_number(k->type) || k->type == CFGKEY_ENUM || k->type == CFGKEY_BOOL);
    const uint8_t *field = (const uint8_t *)target + k->offset;
    if (k->type == CFGKEY_U64 || k->type == CFGKEY_DURATION_NS) {
        uint64_t v;
        memcpy(&v, field, sizeof(v));
        return k->type == CFGKEY_U64 ? v : v / unit_ns(k->unit);
    }
    if (k->type == CFGKEY_BOOL) {
        bool b;
        memcpy(&b, field, sizeof(b));
        return b ? 1 : 0;
    }
    if (k->size == 1) {
        return field[0];
    }
    uint32_t v32;
    memcpy(&v32, field, sizeof(v32));
    return v32;
}

/* Zeroes the field and writes a numeric default; text defaults go
 * through the parser (apply_default) so they obey a given value's rules. */
static void reset_key(const cfgkey *k, void *target)
{
    HS_ASSERT(k != NULL && target != NULL);
    memset(field_of(k, target), 0, k->size);
    if (k->type == CFGKEY_ADDR_LIST) {
        memset((uint8_t *)target + k->count_offset, 0, sizeof(uint32_t));
    }
    bool has_default = (k->flags & (CFGKEY_REQUIRED | CFGKEY_UNSET)) == 0;
    if (has_default && (is_number(k->type) || k->type == CFGKEY_ENUM || k->type == CFGKEY_BOOL)) {
        store_number(k, target, k->def);
    }
}

static void apply_default(const cfgkey_table *t, void *target, uint32_t key);

void cfgkey_reset(const cfgkey_table *t, void *target, uint32_t key)
{
    HS_ASSERT(t != NULL && target != NULL);
    HS_ASSERT(target != NULL);
    HS_ASSERT(t != NULL && key < t->count);
    apply_default(t, target, key);
}

/* ------------------------------------------------------------------ */
/* Text to values                                                      */

static int errf(char *err, size_t cap, const char *fmt, ...) HS_PRINTF(3, 4);

static int errf(char *err, size_t cap, const char *fmt, ...)
{
    HS_ASSERT(fmt != NULL);
    HS_ASSERT(err != NULL || cap == 0);
    if (err == NULL || cap == 0) {
        return 0;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static bool parse_u64(const char *text, uint64_t *out)
{
    HS_ASSERT(text != NULL && out != NULL);
    if (*text == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    HS_ASSERT(*out == v);
    return true;
}

/* Decimal bytes, optionally with a KiB, MiB or GiB suffix. */
static bool parse_bytes(const char *text, uint64_t *out)
{
    HS_ASSERT(text != NULL && out != NULL);
    static const struct {
        const char *suffix;
        uint32_t shift;
    } suffixes[] = {{"KiB", 10}, {"MiB", 20}, {"GiB", 30}};
    size_t len = strlen(text);
    for (size_t i = 0; i < HS_ARRAY_LEN(suffixes); i++) {
        if (len > 3 && strcmp(text + len - 3, suffixes[i].suffix) == 0) {
            char digits[24];
            if (len - 3 >= sizeof(digits)) {
                return false;
            }
            memcpy(digits, text, len - 3);
            digits[len - 3] = '\0';
            uint64_t v = 0;
            if (!parse_u64(digits, &v) || v > (UINT64_MAX >> suffixes[i].shift)) {
                return false;
            }
            *out = v << suffixes[i].shift;
            return true;
        }
    }
    return parse_u64(text, out);
}

static bool parse_bool(const char *text, uint64_t *out)
{
    HS_ASSERT(text != NULL && out != NULL);
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < HS_ARRAY_LEN(yes); i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            *out = strcmp(text, yes[i]) == 0 ? 1 : 0;
            return true;
        }
    }
    return false;
}

/* " ms" after a range, or nothing. */
static const char *unit_suffix(const cfgkey *k)
{
    HS_ASSERT(k != NULL);
    HS_ASSERT((uint32_t)k->unit < CFGKEY_UNIT_COUNT);
    switch (k->unit) {
    case CFGKEY_UNIT_MS:
        return " ms";
    case CFGKEY_UNIT_S:
        return " s";
    case CFGKEY_UNIT_BYTES:
        return " bytes";
    case CFGKEY_UNIT_PER_SEC:
        return " per second";
    default:
        return "";
    }
}

static hs_status range_refusal(const cfgkey *k, uint64_t v, char *err, size_t cap)
{
    HS_ASSERT(is_number(k->type));
    HS_ASSERT(v < k->min || v > k->max);
    errf(err, cap, "%s: %llu is out of range (want %llu..%llu%s)", k->name,
         (unsigned long long)v, (unsigned long long)k->min, (unsigned long long)k->max,
         unit_suffix(k));
    return HS_ERR_RANGE;
}

static hs_status set_number_text(const cfgkey *k, void *target, const char *text, char *err,
                                 size_t cap)
{
    HS_ASSERT(target != NULL && text != NULL);
    HS_ASSERT(is_number(k->type));
    uint64_t v = 0;
    bool ok = k->type == CFGKEY_BYTES ? parse_bytes(text, &v) : parse_u64(text, &v);
    if (!ok) {
        errf(err, cap, "%s: invalid value '%s' (want %s in %llu..%llu%s)", k->name, text,
             k->type == CFGKEY_BYTES ? "bytes, optionally with KiB, MiB or GiB,"
                                     : "an integer",
             (unsigned long long)k->min, (unsigned long long)k->max, unit_suffix(k));
        return HS_ERR_INVALID;
    }
    if (v < k->min || v > k->max) {
        return range_refusal(k, v, err, cap);
    }
    const char *rule = k->check != NULL ? k->check(&v) : NULL;
    if (rule != NULL) {
        errf(err, cap, "%s: %s %s", k->name, text, rule);
        return HS_ERR_RANGE;
    }
    store_number(k, target, v);
    return HS_OK;
}

static hs_status set_enum_text(const cfgkey *k, void *target, const char *text, char *err,
                               size_t cap)
{
    HS_ASSERT(target != NULL && text != NULL);
    HS_ASSERT(k->max < 256);
    HS_ASSERT(k->type == CFGKEY_ENUM && k->names != NULL);
    for (uint64_t i = k->min; i <= k->max; i++) {
        if (strcmp(text, k->names[i]) == 0) {
            store_number(k, target, i);
            return HS_OK;
        }
    }
    char want[CFGKEY_INNER_MAX / 2];
    size_t used = 0;
    want[0] = '\0';
    for (uint64_t i = k->min; i <= k->max && used < sizeof(want); i++) {
        const char *sep = i == k->min ? "" : i == k->max ? " or " : ", ";
        int n = snprintf(want + used, sizeof(want) - used, "%s%s", sep, k->names[i]);
        used += n < 0 ? sizeof(want) : (size_t)n;
    }
    errf(err, cap, "%s: invalid '%s' (want %s)", k->name, text, want);
    return HS_ERR_INVALID;
}

static hs_status parse_addr(const cfgkey *k, const char *text, hs_addr *out, char *err,
                            size_t cap)
{
    HS_ASSERT(k->type == CFGKEY_ADDR || k->type == CFGKEY_ADDR_LIST);
    HS_ASSERT(text != NULL);
    if (hs_addr_parse(text, out) != HS_OK) {
        errf(err, cap, "%s: invalid address '%s' (want a.b.c.d:port, port 1..65535)", k->name,
             text);
        return HS_ERR_INVALID;
    }
    const char *rule = k->check != NULL ? k->check(out) : NULL;
    if (rule != NULL) {
        errf(err, cap, "%s: %s %s", k->name, text, rule);
        return HS_ERR_INVALID;
    }
    return HS_OK;
}

/* One address of a comma-separated list: appended unless listed or full. */
static hs_status add_list_addr(const cfgkey *k, void *target, const char *one, char *err,
                               size_t cap)
{
    HS_ASSERT(k->type == CFGKEY_ADDR_LIST);
    HS_ASSERT(one != NULL && target != NULL);
    hs_addr addr;
    hs_status st = parse_addr(k, one, &addr, err, cap);
    if (st != HS_OK) {
        return st;
    }
    uint32_t count;
    memcpy(&count, (uint8_t *)target + k->count_offset, sizeof(count));
    HS_ASSERT(count <= k->max);
    hs_addr *list = (hs_addr *)(void *)field_of(k, target);
    for (uint32_t i = 0; i < count; i++) {
        if (hs_addr_eq(list[i], addr)) {
            errf(err, cap, "%s: %s listed twice", k->name, one);
            return HS_ERR_DUPLICATE;
        }
    }
    if (count >= k->max) {
        errf(err, cap, "%s: more than %llu addresses", k->name, (unsigned long long)k->max);
        return HS_ERR_LIMIT;
    }
    list[count++] = addr;
    HS_ASSERT(count <= k->max);
    memcpy((uint8_t *)target + k->count_offset, &count, sizeof(count));
    return HS_OK;
}

/* An empty entry (a trailing or doubled comma) is refused: a typo an
 * operator wants to hear about rather than have dropped silently. */
static hs_status set_list_text(const cfgkey *k, void *target, const char *text, char *err,
                               size_t cap)
{
    HS_ASSERT(text != NULL && target != NULL);
    HS_ASSERT(k->type == CFGKEY_ADDR_LIST);
    const char *tok = text;
    for (;;) {
        const char *comma = strchr(tok, ',');
        size_t len = comma != NULL ? (size_t)(comma - tok) : strlen(tok);
        char one[HS_ADDR_STR_MAX + 8];
        if (len == 0) {
            errf(err, cap, "%s: empty address in '%s' (a trailing or doubled comma?)", k->name,
                 text);
            return HS_ERR_INVALID;
        }
        size_t take = len < sizeof(one) ? len : sizeof(one) - 1;
        memcpy(one, tok, take);
        one[take] = '\0';
        hs_status st = HS_ERR_INVALID;
        if (len < sizeof(one)) {
            st = add_list_addr(k, target, one, err, cap);
        } else {
            errf(err, cap, "%s: invalid address '%s...' (want a.b.c.d:port)", k->name, one);
        }
        if (st != HS_OK || comma == NULL) {
            return st;
        }
        tok = comma + 1;
    }
}

static hs_status set_string_text(const cfgkey *k, void *target, const char *text, char *err,
                                 size_t cap)
{
    HS_ASSERT(k->type == CFGKEY_NAME || k->type == CFGKEY_STRING);
    HS_ASSERT(text != NULL && target != NULL);
    size_t len = strlen(text);
    if (k->type == CFGKEY_NAME) {
        if (hs_name_set((hs_name *)(void *)field_of(k, target), text, len) != HS_OK) {
            errf(err, cap, "%s: invalid '%s' (1..%u printable ASCII characters, no spaces)",
                 k->name, text, HS_NAME_MAX);
            return HS_ERR_INVALID;
        }
        return HS_OK;
    }
    HS_ASSERT(k->type == CFGKEY_STRING);
    if (len < k->min || len > k->max || len == 0) {
        errf(err, cap, "%s: empty or longer than %llu bytes", k->name,
             (unsigned long long)k->max);
        return HS_ERR_INVALID;
    }
    memcpy(field_of(k, target), text, len + 1);
    HS_ASSERT(len < k->size);
    return HS_OK;
}

hs_status cfgkey_set_text(const cfgkey_table *t, void *target, uint32_t key, const char *text,
                          char *err, size_t cap)
{
    HS_ASSERT(t != NULL && key < t->count);
    HS_ASSERT(text != NULL && target != NULL);
    const cfgkey *k = &t->keys[key];
    switch (k->type) {
    case CFGKEY_BOOL: {
        uint64_t v = 0;
        if (!parse_bool(text, &v)) {
            errf(err, cap, "%s: invalid '%s' (want true or false)", k->name, text);
            return HS_ERR_INVALID;
        }
        store_number(k, target, v);
        return HS_OK;
    }
    case CFGKEY_ENUM:
        return set_enum_text(k, target, text, err, cap);
    case CFGKEY_ADDR:
        return parse_addr(k, text, (hs_addr *)(void *)field_of(k, target), err, cap);
    case CFGKEY_ADDR_LIST:
        return set_list_text(k, target, text, err, cap);
    case CFGKEY_NAME:
    case CFGKEY_STRING:
        return set_string_text(k, target, text, err, cap);
    default:
        return set_number_text(k, target, text, err, cap);
    }
}

hs_status cfgkey_set_number(const cfgkey_table *t, void *target, const char *name,
                            uint64_t value, char *err, size_t cap)
{
    HS_ASSERT(name != NULL);
    HS_ASSERT(t != NULL && target != NULL);
    int32_t i = cfgkey_find(t, name);
    if (i < 0) {
        errf(err, cap, "unknown key '%s' in [%s]", name, t->section);
        return HS_ERR_NOT_FOUND;
    }
    const cfgkey *k = &t->keys[i];
    if (!is_number(k->type)) {
        errf(err, cap, "%s: is a %s, not a number", k->name, cfgkey_type_name(k->type));
        return HS_ERR_TYPE;
    }
    if (value < k->min || value > k->max) {
        return range_refusal(k, value, err, cap);
    }
    store_number(k, target, value);
    HS_ASSERT(cfgkey_get_number(t, target, (uint32_t)i) == value);
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Defaults and checks                                                 */

static void apply_default(const cfgkey_table *t, void *target, uint32_t key)
{
    HS_ASSERT(key < t->count);
    const cfgkey *k = &t->keys[key];
    reset_key(k, target);
    bool has_default = (k->flags & (CFGKEY_REQUIRED | CFGKEY_UNSET)) == 0;
    if (has_default && !is_number(k->type) && k->def_text != NULL && k->def_text[0] != '\0') {
        char err[CFGKEY_INNER_MAX];
        hs_status st = cfgkey_set_text(t, target, key, k->def_text, err, sizeof(err));
        HS_ASSERT(st == HS_OK); /* cfgkey_table_problem's tests parse every default */
    }
}

void cfgkey_defaults(const cfgkey_table *t, void *target)
{
    HS_ASSERT(t != NULL && target != NULL);
    HS_ASSERT(t->count <= CFGKEY_KEYS_MAX);
    for (uint32_t i = 0; i < t->count; i++) {
        apply_default(t, target, i);
    }
}

int32_t cfgkey_first_out_of_range(const cfgkey_table *t, const void *target)
{
    HS_ASSERT(t != NULL && target != NULL);
    HS_ASSERT(t->count <= CFGKEY_KEYS_MAX);
    for (uint32_t i = 0; i < t->count; i++) {
        const cfgkey *k = &t->keys[i];
        if (!is_number(k->type) && k->type != CFGKEY_ENUM) {
            continue;
        }
        uint64_t v = cfgkey_get_number(t, target, i);
        if (v < k->min || v > k->max) {
            return (int32_t)i;
        }
    }
    return -1;
}

hs_status cfgkey_check_values(const cfgkey_table *t, const void *target, char *err, size_t cap)
{
    int32_t bad = cfgkey_first_out_of_range(t, target);
    HS_ASSERT(bad < (int32_t)t->count);
    if (bad < 0) {
        return HS_OK;
    }
    const cfgkey *k = &t->keys[bad];
    errf(err, cap, "%s out of range (want %llu..%llu%s)", k->name, (unsigned long long)k->min,
         (unsigned long long)k->max, unit_suffix(k));
    return HS_ERR_RANGE;
}

hs_status cfgkey_check_required(const cfgkey_bind *binds, uint32_t bind_count, char *err,
                                size_t cap)
{
    HS_ASSERT(bind_count <= 64);
    HS_ASSERT(binds != NULL || bind_count == 0);
    for (uint32_t b = 0; b < bind_count; b++) {
        const cfgkey_table *t = binds[b].table;
        for (uint32_t i = 0; i < t->count; i++) {
            if ((t->keys[i].flags & CFGKEY_REQUIRED) != 0 && !cfgkey_given(binds, b, i)) {
                char flag[64];
                size_t n = 0;
                for (const char *p = t->keys[i].name; *p != '\0' && n + 1 < sizeof(flag); p++) {
                    flag[n++] = *p == '_' ? '-' : *p;
                }
                flag[n] = '\0';
                errf(err, cap, "missing required --%s (give it as a flag or in --config FILE)",
                     flag);
                return HS_ERR_MISSING;
            }
        }
    }
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Lookup over several tables                                          */

bool cfgkey_given(const cfgkey_bind *binds, uint32_t b, uint32_t key)
{
    HS_ASSERT(binds != NULL && key < CFGKEY_KEYS_MAX);
    return (binds[b].given & (UINT64_C(1) << key)) != 0;
}

static hs_status lookup_section(const cfgkey_bind *binds, uint32_t bind_count,
                                const char *section, const char *name, uint32_t *bind_out,
                                uint32_t *key_out, char *err, size_t cap)
{
    HS_ASSERT(section != NULL && name != NULL);
    HS_ASSERT(bind_out != NULL && key_out != NULL);
    for (uint32_t b = 0; b < bind_count; b++) {
        if (!name_eq(binds[b].table->section, section)) {
            continue;
        }
        int32_t k = cfgkey_find(binds[b].table, name);
        if (k < 0) {
            errf(err, cap, "unknown key '%s' in [%s]", name, section);
            return HS_ERR_NOT_FOUND;
        }
        *bind_out = b;
        *key_out = (uint32_t)k;
        HS_ASSERT(*key_out < binds[b].table->count);
        return HS_OK;
    }
    errf(err, cap, "unknown section [%s]", section);
    return HS_ERR_NOT_FOUND;
}

hs_status cfgkey_lookup(const cfgkey_bind *binds, uint32_t bind_count, const char *section,
                        const char *name, uint32_t *bind_out, uint32_t *key_out, char *err,
                        size_t cap)
{
    HS_ASSERT(binds != NULL && name != NULL);
    HS_ASSERT(bind_out != NULL && key_out != NULL);
    if (section != NULL) {
        return lookup_section(binds, bind_count, section, name, bind_out, key_out, err, cap);
    }
    for (uint32_t b = 0; b < bind_count; b++) {
        size_t skip = section_prefix(name, binds[b].table->section);
        int32_t k = skip > 0 ? cfgkey_find(binds[b].table, name + skip) : -1;
        if (k >= 0) {
            *bind_out = b;
            *key_out = (uint32_t)k;
            return HS_OK;
        }
    }
    uint32_t found = 0;
    for (uint32_t b = 0; b < bind_count; b++) {
        int32_t k = cfgkey_find(binds[b].table, name);
        if (k >= 0 && found++ == 0) {
            *bind_out = b;
            *key_out = (uint32_t)k;
        } else if (k >= 0) {
            errf(err, cap, "key '%s' is in [%s] and [%s]: name it %s_%s or %s_%s", name,
                 binds[*bind_out].table->section, binds[b].table->section,
                 binds[*bind_out].table->section, name, binds[b].table->section, name);
            return HS_ERR_DUPLICATE;
        }
    }
    if (found == 0) {
        errf(err, cap, "unknown key '%s'", name);
        return HS_ERR_NOT_FOUND;
    }
    return HS_OK;
}

hs_status cfgkey_set(cfgkey_bind *binds, uint32_t bind_count, const char *section,
                     const char *name, const char *text, char *err, size_t cap)
{
    HS_ASSERT(binds != NULL && name != NULL);
    HS_ASSERT(text != NULL);
    uint32_t b = 0;
    uint32_t k = 0;
    hs_status st = cfgkey_lookup(binds, bind_count, section, name, &b, &k, err, cap);
    if (st != HS_OK) {
        return st;
    }
    HS_ASSERT(b < bind_count && k < binds[b].table->count);
    st = cfgkey_set_text(binds[b].table, binds[b].target, k, text, err, cap);
    if (st == HS_OK) {
        binds[b].given |= UINT64_C(1) << k;
    }
    HS_ASSERT(st != HS_OK || cfgkey_given(binds, b, k));
    return st;
}

/* ------------------------------------------------------------------ */
/* Config file text                                                    */

static const char *next_line(const char *text, char *line, size_t cap, bool *too_long)
{
    HS_ASSERT(text != NULL && line != NULL);
    HS_ASSERT(cap > 0);
    const char *nl = strchr(text, '\n');
    size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);
    *too_long = len >= cap;
    size_t take = *too_long ? cap - 1 : len;
    memcpy(line, text, take);
    line[take] = '\0';
    HS_ASSERT(strlen(line) < cap);
    return nl != NULL ? nl + 1 : NULL;
}

static char *trim(char *s)
{
    HS_ASSERT(s != NULL);
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) {
        s[--len] = '\0';
    }
    HS_ASSERT(len == strlen(s));
    return s;
}

static bool in_list(const char *name, const char *const *list, uint32_t count)
{
    HS_ASSERT(name != NULL);
    HS_ASSERT(list != NULL || count == 0);
    for (uint32_t i = 0; i < count; i++) {
        if (name_eq(list[i], name)) {
            return true;
        }
    }
    return false;
}

/* "[name]" into section (copied), or a refusal. */
static hs_status section_line(const cfgkey_bind *binds, uint32_t bind_count,
                              const char *const *skip, uint32_t skip_count, char *line,
                              char *section, size_t section_cap, char *err, size_t cap)
{
    HS_ASSERT(section != NULL && section_cap > 0);
    size_t len = strlen(line);
    HS_ASSERT(len >= 1 && line[0] == '[');
    if (line[len - 1] != ']') {
        errf(err, cap, "expected '[section]', got '%.80s'", line);
        return HS_ERR_INVALID;
    }
    line[len - 1] = '\0';
    char *name = trim(line + 1);
    char *space = strpbrk(name, " \t");
    bool known = in_list(name, skip, skip_count);
    for (uint32_t b = 0; b < bind_count && space == NULL; b++) {
        known = known || name_eq(binds[b].table->section, name);
    }
    if (space != NULL || !known || strlen(name) >= section_cap) {
        errf(err, cap, "unknown section [%.80s]%s", name,
             space != NULL ? ": no section takes an argument yet" : "");
        return HS_ERR_NOT_FOUND;
    }
    memcpy(section, name, strlen(name) + 1);
    return HS_OK;
}

static hs_status content_line(cfgkey_bind *binds, uint32_t bind_count, const char *const *skip,
                              uint32_t skip_count, char *line, char *section,
                              size_t section_cap, char *err, size_t cap)
{
    HS_ASSERT(line != NULL && line[0] != '\0');
    HS_ASSERT(section != NULL && section_cap > 0);
    if (line[0] == '[') {
        return section_line(binds, bind_count, skip, skip_count, line, section, section_cap,
                            err, cap);
    }
    char *eq = strchr(line, '=');
    if (eq == NULL) {
        errf(err, cap, "expected 'key = value', got '%.80s'", line);
        return HS_ERR_INVALID;
    }
    *eq = '\0';
    char *key = trim(line);
    char *value = trim(eq + 1);
    if (section[0] != '\0' && in_list(section, skip, skip_count)) {
        return HS_OK; /* another program's section */
    }
    return cfgkey_set(binds, bind_count, section[0] != '\0' ? section : NULL, key, value, err,
                      cap);
}

hs_status cfgkey_parse_text(cfgkey_bind *binds, uint32_t bind_count, const char *const *skip,
                            uint32_t skip_count, const char *text, char *err, size_t cap)
{
    HS_ASSERT(binds != NULL && text != NULL);
    HS_ASSERT(skip != NULL || skip_count == 0);
    char section[64] = "";
    char buf[CFGKEY_LINE_MAX];
    uint32_t line_no = 0;
    for (const char *cursor = text; cursor != NULL && *cursor != '\0';) {
        bool too_long = false;
        cursor = next_line(cursor, buf, sizeof(buf), &too_long);
        line_no++;
        char *line = trim(buf);
        char inner[CFGKEY_INNER_MAX];
        hs_status st = HS_OK;
        if (too_long) {
            errf(inner, sizeof(inner), "longer than %u bytes", CFGKEY_LINE_MAX - 1);
            st = HS_ERR_LIMIT;
        } else if (*line != '\0' && *line != '#') {
            st = content_line(binds, bind_count, skip, skip_count, line, section,
                              sizeof(section), inner, sizeof(inner));
        }
        if (st != HS_OK) {
            errf(err, cap, "line %u: %s", line_no, inner);
            return st;
        }
    }
    return HS_OK;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

typedef struct {
    char *out;
    size_t cap;
    size_t used; /* length of the whole text, even past cap */
} appender;

static void add(appender *a, const char *fmt, ...) HS_PRINTF(2, 3);

static void add(appender *a, const char *fmt, ...)
{
    HS_ASSERT(a != NULL && fmt != NULL);
    HS_ASSERT(a->out != NULL || a->cap == 0);
    size_t room = a->used < a->cap ? a->cap - a->used : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room > 0 ? a->out + a->used : NULL, room, fmt, ap);
    va_end(ap);
    HS_ASSERT(n >= 0);
    a->used += (size_t)n;
}

static void add_default(appender *a, const cfgkey *k)
{
    HS_ASSERT(a != NULL && k != NULL);
    HS_ASSERT(k->type != CFGKEY_ENUM || k->def <= k->max);
    if (is_number(k->type)) {
        add(a, "%llu", (unsigned long long)k->def);
    } else if (k->type == CFGKEY_BOOL) {
        add(a, "%s", k->def != 0 ? "true" : "false");
    } else if (k->type == CFGKEY_ENUM) {
        add(a, "%s", k->names[k->def]);
    } else {
        add(a, "%s", k->def_text != NULL ? k->def_text : "");
    }
}

/* Whether the key has a default value to write (numbers, bools and enums
 * always do; text types when def_text is not empty). */
static bool has_value_default(const cfgkey *k)
{
    HS_ASSERT(k != NULL);
    HS_ASSERT((uint32_t)k->type < CFGKEY_TYPE_COUNT);
    if ((k->flags & (CFGKEY_REQUIRED | CFGKEY_UNSET)) != 0) {
        return false;
    }
    return is_number(k->type) || k->type == CFGKEY_BOOL || k->type == CFGKEY_ENUM ||
           (k->def_text != NULL && k->def_text[0] != '\0');
}

/* The value placeholder after a flag: MS, N, client|gate|... */
static void add_placeholder(appender *a, const cfgkey *k)
{
    HS_ASSERT(a != NULL && k != NULL);
    HS_ASSERT(k->type != CFGKEY_ENUM || k->names != NULL);
    static const char *const shapes[CFGKEY_TYPE_COUNT] = {
        "N", "N", "BOOL", "", "", "BYTES", "", "IP:PORT", "IP:PORT[,IP:PORT...]", "NAME",
        "TEXT",
    };
    if (k->type == CFGKEY_DURATION || k->type == CFGKEY_DURATION_NS) {
        add(a, "%s", k->unit == CFGKEY_UNIT_MS ? "MS" : "S");
    } else if (k->type == CFGKEY_ENUM) {
        for (uint64_t i = k->min; i <= k->max; i++) {
            add(a, "%s%s", i == k->min ? "" : "|", k->names[i]);
        }
    } else {
        add(a, "%s", shapes[k->type]);
    }
}

/* "duration in ms, 10..600000, default 1000" */
static void add_facts(appender *a, const cfgkey *k)
{
    HS_ASSERT(a != NULL && k != NULL);
    HS_ASSERT(k->min <= k->max);
    add(a, "%s", cfgkey_type_name(k->type));
    if (k->unit == CFGKEY_UNIT_PER_SEC) {
        add(a, " per second");
    } else if (k->unit != CFGKEY_UNIT_NONE && k->type != CFGKEY_BYTES) {
        add(a, " in %s", cfgkey_unit_name(k->unit));
    }
    if (is_number(k->type)) {
        add(a, ", %llu..%llu", (unsigned long long)k->min, (unsigned long long)k->max);
    } else if (k->type == CFGKEY_ADDR_LIST) {
        add(a, ", up to %llu, comma-separated, repeatable", (unsigned long long)k->max);
    }
    if ((k->flags & CFGKEY_REQUIRED) != 0) {
        add(a, ", required");
    } else if ((k->flags & CFGKEY_UNSET) != 0) {
        add(a, ", default: %s", k->def_text != NULL ? k->def_text : "none");
    } else if (!has_value_default(k)) {
        add(a, ", default: none");
    } else {
        add(a, ", default ");
        add_default(a, k);
    }
}

static bool name_unique(const cfgkey_table *const *tables, uint32_t count, const char *name)
{
    HS_ASSERT(tables != NULL && name != NULL);
    HS_ASSERT(count >= 1);
    uint32_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        seen += cfgkey_find(tables[i], name) >= 0 ? 1u : 0u;
    }
    return seen == 1;
}

static void add_flag_name(appender *a, const char *section, const char *name)
{
    HS_ASSERT(a != NULL && name != NULL);
    HS_ASSERT(name[0] != '\0');
    add(a, "--");
    if (section != NULL) {
        add(a, "%s-", section);
    }
    for (const char *p = name; *p != '\0'; p++) {
        add(a, "%c", *p == '_' ? '-' : *p);
    }
}

size_t cfgkey_render_help(const cfgkey_table *const *tables, uint32_t count, char *out,
                          size_t cap)
{
    HS_ASSERT(count >= 1);
    HS_ASSERT(tables != NULL && (out != NULL || cap == 0));
    appender a = {out, cap, 0};
    for (uint32_t t = 0; t < count; t++) {
        const cfgkey_table *tab = tables[t];
        add(&a, "[%s] (flags also as --%s-KEY)\n", tab->section, tab->section);
        for (uint32_t i = 0; i < tab->count; i++) {
            const cfgkey *k = &tab->keys[i];
            size_t start = a.used;
            add(&a, "  ");
            bool bare = !tab->qualified_flags && name_unique(tables, count, k->name);
            add_flag_name(&a, bare ? NULL : tab->section, k->name);
            add(&a, " ");
            add_placeholder(&a, k);
            size_t width = a.used - start;
            add(&a, "%*s%s\n", width < 34 ? (int)(34 - width) : 1, "", k->help);
            add(&a, "%35s", "(");
            add_facts(&a, k);
            add(&a, ")\n");
        }
    }
    if (a.cap > 0 && a.used >= a.cap) {
        a.out[a.cap - 1] = '\0';
    }
    return a.used;
}

size_t cfgkey_render_file(const cfgkey_table *const *tables, uint32_t count, char *out,
                          size_t cap)
{
    HS_ASSERT(count >= 1);
    HS_ASSERT(tables != NULL && (out != NULL || cap == 0));
    appender a = {out, cap, 0};
    for (uint32_t t = 0; t < count; t++) {
        const cfgkey_table *tab = tables[t];
        add(&a, "%s[%s]\n", t == 0 ? "" : "\n", tab->section);
        for (uint32_t i = 0; i < tab->count; i++) {
            const cfgkey *k = &tab->keys[i];
            add(&a, "# %s (", k->help);
            add_facts(&a, k);
            add(&a, ")\n");
            if (has_value_default(k)) {
                add(&a, "%s = ", k->name);
                add_default(&a, k);
                add(&a, "\n");
            } else {
                add(&a, "# %s =\n", k->name);
            }
        }
    }
    if (a.cap > 0 && a.used >= a.cap) {
        a.out[a.cap - 1] = '\0';
    }
    return a.used;
}
