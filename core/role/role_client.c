/* Role state of a load-test client: no behaviour yet (role_client.h). */
#include "role_client.h"

#include <string.h>

ROLE_IDLE_DEFINE(client, ROLE_CLIENT)
