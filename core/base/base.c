/* Status names, the assertion failure path, names and addresses. */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
#define HS_STATUS_NAME(name, text) #name,
    HS_STATUS_LIST(HS_STATUS_NAME)
#undef HS_STATUS_NAME
};

static const char *const status_texts[] = {
#define HS_STATUS_TEXT(name, text) text,
    HS_STATUS_LIST(HS_STATUS_TEXT)
#undef HS_STATUS_TEXT
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(status_names) == HS_STATUS_COUNT, "status table");
HS_STATIC_ASSERT(HS_ARRAY_LEN(status_texts) == HS_STATUS_COUNT, "status texts");
/* hs_name keeps its length in a uint8_t and a NUL after the bytes. */
HS_STATIC_ASSERT(HS_NAME_MAX <= UINT8_MAX, "name length fits hs_name.len");
HS_STATIC_ASSERT(sizeof(((hs_name *)0)->bytes) == HS_NAME_MAX + 1, "name NUL");
/* The longest address text, with its NUL, is what HS_ADDR_STR_MAX holds. */
HS_STATIC_ASSERT(sizeof("255.255.255.255:65535") == HS_ADDR_STR_MAX, "address text");

const char *hs_status_name(hs_status status)
{
    if ((unsigned)status >= HS_STATUS_COUNT) {
        return "UNKNOWN_STATUS";
    }
    return status_names[status];
}

const char *hs_status_text(hs_status status)
{
    if ((unsigned)status >= HS_STATUS_COUNT) {
        return "unknown status";
    }
    return status_texts[status];
}

/* The host's assertion hook: with the heap (alloc.c), one of core's two
 * mutable globals on purpose.  A process property set before any node
 * exists, read only on the way to abort(); it holds no run state, so it
 * cannot make two runs differ. */
static hs_assert_hook assert_hook_fn;
static void *assert_hook_ctx;

void hs_assert_set_hook(hs_assert_hook fn, void *ctx)
{
    HS_ASSERT(fn != NULL || ctx == NULL);
    assert_hook_fn = fn;
    assert_hook_ctx = ctx;
    HS_ASSERT(assert_hook_fn == fn);
}

/* The one place core writes to a stream: the process is about to abort, and
 * the message is the only thing that makes the abort diagnosable. */
void hs_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "assertion failed: %s at %s:%d\n", expr, file, line);
    fflush(stderr);
    hs_assert_hook fn = assert_hook_fn;
    assert_hook_fn = NULL; /* a failure inside the hook aborts at once */
    if (fn != NULL) {
        fn(assert_hook_ctx, expr, file, line);
    }
    abort();
}

bool hs_name_valid(const char *bytes, size_t len)
{
    HS_ASSERT(bytes != NULL || len == 0);
    if (len == 0 || len > HS_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c < 0x21 || c > 0x7e) {
            return false;
        }
    }
    return true;
}

hs_status hs_name_set(hs_name *name, const char *bytes, size_t len)
{
    if (!hs_name_valid(bytes, len)) {
        return HS_ERR_INVALID;
    }
    HS_ASSERT(len <= HS_NAME_MAX);
    memset(name, 0, sizeof(*name));
    memcpy(name->bytes, bytes, len);
    name->len = (uint8_t)len;
    HS_ASSERT(name->len == len && name->bytes[len] == '\0');
    return HS_OK;
}

bool hs_name_eq(const hs_name *a, const hs_name *b)
{
    HS_ASSERT(a->len <= HS_NAME_MAX && b->len <= HS_NAME_MAX);
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

bool hs_addr_eq(hs_addr a, hs_addr b)
{
    return a.ip == b.ip && a.port == b.port;
}

uint64_t hs_addr_key(hs_addr a)
{
    return ((uint64_t)a.ip << 16) | a.port;
}

void hs_addr_format(hs_addr a, char out[HS_ADDR_STR_MAX])
{
    int wrote = snprintf(out, HS_ADDR_STR_MAX, "%u.%u.%u.%u:%u", (a.ip >> 24) & 0xffu,
                         (a.ip >> 16) & 0xffu, (a.ip >> 8) & 0xffu, a.ip & 0xffu,
                         (unsigned)a.port);
    HS_ASSERT(wrote > 0 && wrote < (int)HS_ADDR_STR_MAX); /* never truncated */
}

/* Parses "a.b.c.d:port" strictly: four decimal octets, a port 1..65535,
 * nothing after. */
hs_status hs_addr_parse(const char *text, hs_addr *out)
{
    HS_ASSERT(text != NULL && out != NULL);
    uint32_t ip = 0;
    const char *p = text;
    for (int octet = 0; octet < 4; octet++) {
        uint32_t value = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            value = value * 10 + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || digits > 3 || value > 255) {
            return HS_ERR_INVALID;
        }
        HS_ASSERT(ip <= 0xffffffu); /* at most three octets so far: the shift loses none */
        ip = (ip << 8) | value;
        char want = octet < 3 ? '.' : ':';
        if (*p != want) {
            return HS_ERR_INVALID;
        }
        p++;
    }
    uint32_t port = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        port = port * 10 + (uint32_t)(*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || *p != '\0' || port == 0 || port > 65535) {
        return HS_ERR_INVALID;
    }
    HS_ASSERT(port >= 1 && port <= UINT16_MAX);
    out->ip = ip;
    out->port = (uint16_t)port;
    return HS_OK;
}
