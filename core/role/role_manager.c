/* Role state of a manager: no behaviour yet (role_manager.h). */
#include "role_manager.h"

#include <string.h>

ROLE_IDLE_DEFINE(manager, ROLE_MANAGER)
