/* libFuzzer target: the SYNC payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_SYNC
#include "fuzz_msg.inc"
