/* libFuzzer target: the MEMBERS_RESP payload decoder (harness in fuzz_msg.inc). */
#define FUZZ_MSG_TYPE MSG_MEMBERS_RESP
#include "fuzz_msg.inc"
