/* Shared foundations for every module: fixed-width types, status codes,
 * assertion macros, compile-time checks and time units.
 *
 * Assertions stay on in every build (TigerBeetle's rule): a broken invariant
 * in a control plane must stop the node, not corrupt state silently.  Every
 * macro argument is parenthesised, a lesson from canonical/raft's test-mode
 * assert that evaluated "!expr" unparenthesised. */
#ifndef HS_BASE_H_
#define HS_BASE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status-returning functions must have their result inspected. */
#define HS_MUST_USE __attribute__((warn_unused_result))
#define HS_NORETURN __attribute__((noreturn))
#define HS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define HS_UNUSED(x) ((void)(x))
#define HS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define HS_STATIC_ASSERT(cond, msg) _Static_assert((cond), msg)

HS_NORETURN void hs_assert_fail(const char *expr, const char *file, int line);

/* What a host wants done when an assertion fails, after the message is
 * printed and before the process aborts: the simulator flushes its trace
 * and prints the seed, the simulated time, the node and the replay
 * command (or hands the text to its sweep parent).  The hook may end the
 * process itself (_exit with its own code); if it returns, hs_assert_fail
 * aborts.  It runs at most once: a failure inside the hook aborts at once.
 * Set by the host before any node exists; NULL removes it. */
typedef void (*hs_assert_hook)(void *ctx, const char *expr, const char *file, int line);
void hs_assert_set_hook(hs_assert_hook fn, void *ctx);

#define HS_ASSERT(cond)                                                    \
    do {                                                                   \
        if (!(cond)) {                                                     \
            hs_assert_fail(#cond, __FILE__, __LINE__);                     \
        }                                                                  \
    } while (0)

/* Self-checks: the message says which invariant broke, in words. */
#define HS_ASSERT_MSG(cond, msg)                                           \
    do {                                                                   \
        if (!(cond)) {                                                     \
            hs_assert_fail(msg " (" #cond ")", __FILE__, __LINE__);        \
        }                                                                  \
    } while (0)

/* Implications read better than nested ifs: HS_IMPLIES(leader, lease_valid). */
#define HS_ASSERT_IMPLIES(a, b) HS_ASSERT(!(a) || (b))

#define HS_UNREACHABLE() hs_assert_fail("unreachable", __FILE__, __LINE__)

/* Checks that cost more than a compare or two (a walk over a neighbourhood
 * or a structure) run only when HS_DEBUG_CHECKS is 1: in the sanitizer
 * builds (unit tests, debug hsim, fuzz replays), or with
 * -DHS_DEBUG_CHECKS=1.  Use it as `if (HS_DEBUG_CHECKS)`, never #if, so the
 * check compiles in every build and cannot rot. */
#ifndef HS_DEBUG_CHECKS
#if defined(__SANITIZE_ADDRESS__)
#define HS_DEBUG_CHECKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HS_DEBUG_CHECKS 1
#endif
#endif
#endif
#ifndef HS_DEBUG_CHECKS
#define HS_DEBUG_CHECKS 0
#endif

/* Time: integer nanoseconds everywhere, on an abstract monotonic clock. */
#define HS_NS_PER_US UINT64_C(1000)
#define HS_NS_PER_MS UINT64_C(1000000)
#define HS_NS_PER_SEC UINT64_C(1000000000)
#define HS_US(x) ((uint64_t)(x) * HS_NS_PER_US)
#define HS_MS(x) ((uint64_t)(x) * HS_NS_PER_MS)
#define HS_SEC(x) ((uint64_t)(x) * HS_NS_PER_SEC)
#define HS_TIME_NEVER UINT64_MAX

/* Status codes.  X-macro so the enum and the names cannot drift apart. */
#define HS_STATUS_LIST(X)                                                  \
    X(OK, "ok")                                                            \
    X(ERR_FULL, "capacity reached")                                        \
    X(ERR_NOT_FOUND, "not found")                                          \
    X(ERR_EXISTS, "already exists")                                        \
    X(ERR_INVALID, "invalid argument")                                     \
    X(ERR_NOMEM, "out of memory")                                          \
    X(ERR_TRUNCATED, "input truncated")                                    \
    X(ERR_TRAILING, "trailing bytes after item")                           \
    X(ERR_MALFORMED, "malformed encoding")                                 \
    X(ERR_LIMIT, "declared size exceeds limit")                            \
    X(ERR_DEPTH, "nesting too deep")                                       \
    X(ERR_TYPE, "unexpected item type")                                    \
    X(ERR_DUPLICATE, "duplicate key")                                      \
    X(ERR_MISSING, "required field missing")                               \
    X(ERR_RANGE, "value out of range")                                     \
    X(ERR_CHECKSUM, "checksum mismatch")                                   \
    X(ERR_VERSION, "unsupported version")                                  \
    X(ERR_UNKNOWN_TYPE, "unknown message type")                            \
    X(ERR_TOO_SMALL, "buffer too small")                                   \
    X(ERR_IO, "i/o error")                                                 \
    X(ERR_TIMEOUT, "timed out")                                            \
    X(ERR_STATE, "operation not valid in this state")                     \
    X(ERR_CLOSED, "connection closed")                                     \
    X(ERR_REFUSED, "connection refused")                                   \
    X(ERR_NOSPACE, "no space left on device")

typedef enum {
#define HS_STATUS_ENUM(name, text) HS_##name,
    HS_STATUS_LIST(HS_STATUS_ENUM)
#undef HS_STATUS_ENUM
        HS_STATUS_COUNT
} hs_status;

const char *hs_status_name(hs_status status);
const char *hs_status_text(hs_status status);

/* Names (node names, member names) are short printable ASCII strings. */
#define HS_NAME_MAX 63

typedef struct {
    uint8_t len;
    char bytes[HS_NAME_MAX + 1]; /* always NUL-terminated for printing */
} hs_name;

HS_MUST_USE hs_status hs_name_set(hs_name *name, const char *bytes, size_t len);
bool hs_name_eq(const hs_name *a, const hs_name *b);
/* Printable ASCII 0x21..0x7e only: names appear in logs and file names. */
bool hs_name_valid(const char *bytes, size_t len);

/* IPv4 transport address.  Stored in host byte order. */
typedef struct {
    uint32_t ip;
    uint16_t port;
} hs_addr;

#define HS_ADDR_STR_MAX 22 /* "255.255.255.255:65535" + NUL */

bool hs_addr_eq(hs_addr a, hs_addr b);
uint64_t hs_addr_key(hs_addr a);
void hs_addr_format(hs_addr a, char out[HS_ADDR_STR_MAX]);
HS_MUST_USE hs_status hs_addr_parse(const char *text, hs_addr *out);

#endif /* HS_BASE_H_ */
