/* libFuzzer target: the STATS_RESP payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_STATS_RESP
#include "fuzz_msg.inc"
