/* libFuzzer target: the JOIN_ACK payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_JOIN_ACK
#include "fuzz_msg.inc"
