/* Role state of a worker: no behaviour yet (role_worker.h). */
#include "role_worker.h"

#include <string.h>

ROLE_IDLE_DEFINE(worker, ROLE_WORKER)
