/* libFuzzer target: the JOIN payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_JOIN
#include "fuzz_msg.inc"
