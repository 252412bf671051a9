/* libFuzzer target: the SYNC_ACK payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_SYNC_ACK
#include "fuzz_msg.inc"
