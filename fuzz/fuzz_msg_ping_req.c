/* libFuzzer target: the PING_REQ payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_PING_REQ
#include "fuzz_msg.inc"
