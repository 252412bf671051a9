/* libFuzzer target: the STATS_REQ payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_STATS_REQ
#include "fuzz_msg.inc"
