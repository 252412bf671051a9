/* libFuzzer target: the ERROR payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_ERROR
#include "fuzz_msg.inc"
