/* Role state of a gate: no behaviour yet (role_gate.h). */
#include "role_gate.h"

#include <string.h>

ROLE_IDLE_DEFINE(gate, ROLE_GATE)
