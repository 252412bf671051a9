/* libFuzzer target: the PING payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_PING
#include "fuzz_msg.inc"
