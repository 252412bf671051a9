/* libFuzzer target: the MEMBERS_REQ payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_MEMBERS_REQ
#include "fuzz_msg.inc"
