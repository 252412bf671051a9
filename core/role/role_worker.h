/* Role state of a worker: runs workflows on its cores and reports
 * progress.
 *
 * Empty of behaviour until its issue (ROADMAP.md): the struct and the
 * module entry points exist now (core/role/role_idle.h) so that the role
 * plugs into the node's routing and fan-out (core/role/role.h) by filling
 * them in. */
#ifndef HS_ROLE_WORKER_H_
#define HS_ROLE_WORKER_H_

#include "base.h"
#include "ctx.h"
#include "role_idle.h"

typedef struct {
    ROLE_IDLE_STATE
} role_worker;

ROLE_IDLE_DECLARE(worker)

#endif /* HS_ROLE_WORKER_H_ */
