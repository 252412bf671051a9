/* libFuzzer target: the ACK payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_ACK
#include "fuzz_msg.inc"
