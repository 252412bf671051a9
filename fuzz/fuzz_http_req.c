/* libFuzzer target for the /metrics request parser (io_real/metrics.c),
 * the one parser of outside bytes the metrics endpoint has.
 *
 * Input: the bytes a client sends (at most METRICS_REQUEST_MAX + 64 used).
 * Properties (abort on violation): the parser never reads past len (ASan);
 * it is a function of the prefix seen: every prefix checked (all of the
 * first 64, then about 48 evenly spaced ones, and len - 1) is either
 * undecided or decided exactly as the whole input is, and an undecided
 * whole input has no decided prefix; an input of METRICS_REQUEST_MAX bytes
 * or more is always decided; HTTP/1.1 is reported only after a GET
 * request line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HTTP_INPUT_MAX (METRICS_REQUEST_MAX + 64u)
#define FUZZ_HTTP_HEAD 64u
#define FUZZ_HTTP_SPACED 48u

static void fuzz_http_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_http_req: property violated: %s\n", what);
        abort();
    }
}

static void check_prefix(const uint8_t *data, size_t n, metrics_req whole)
{
    /* A copy of exactly n bytes, so ASan sees any read past the prefix. */
    uint8_t *copy = malloc(n > 0 ? n : 1);
    fuzz_http_check(copy != NULL, "malloc");
    memcpy(copy, data, n);
    bool http11 = false;
    metrics_req got = metrics_parse(copy, n, &http11);
    free(copy);
    fuzz_http_check(got == METRICS_REQ_INCOMPLETE || got == whole,
                    "a decided prefix disagrees with the whole input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len = size < FUZZ_HTTP_INPUT_MAX ? size : FUZZ_HTTP_INPUT_MAX;
    uint8_t *copy = malloc(len > 0 ? len : 1);
    fuzz_http_check(copy != NULL, "malloc");
    memcpy(copy, data, len);
    bool http11 = false;
    metrics_req whole = metrics_parse(copy, len, &http11);
    free(copy);
    fuzz_http_check(whole <= METRICS_REQ_BAD, "result out of range");
    fuzz_http_check(len < METRICS_REQUEST_MAX || whole != METRICS_REQ_INCOMPLETE,
                    "an oversized request left undecided");
    fuzz_http_check(!http11 || (len >= 4 && memcmp(data, "GET ", 4) == 0),
                    "HTTP/1.1 reported without a GET request line");
    for (size_t n = 0; n < len && n < FUZZ_HTTP_HEAD; n++) {
        check_prefix(data, n, whole);
    }
    if (len > FUZZ_HTTP_HEAD) {
        for (size_t k = 1; k <= FUZZ_HTTP_SPACED; k++) {
            check_prefix(data, FUZZ_HTTP_HEAD + (len - FUZZ_HTTP_HEAD) * k / (FUZZ_HTTP_SPACED + 1),
                         whole);
        }
        check_prefix(data, len - 1, whole);
    }
    return 0;
}
