/* Role state of a load-test client: submits jobs through a gate, follows
 * progress, cancels, receives the final result.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now (core/role/role_idle.h) so that the role
 * plugs into the node's routing and fan-out (core/role/role.h) by filling
 * them in. */
#ifndef HS_ROLE_CLIENT_H_
#define HS_ROLE_CLIENT_H_

#include "base.h"
#include "ctx.h"
#include "role_idle.h"

typedef struct {
    ROLE_IDLE_STATE
} role_client;

ROLE_IDLE_DECLARE(client)

#endif /* HS_ROLE_CLIENT_H_ */
