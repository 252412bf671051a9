/* Routing tables built from the module list (core/base/module_list.h):
 * timer kind -> module, message type -> module, file -> module, and
 * disk-operation namespace -> module.  node_step routes every input
 * through them; an id no module owns is reported, never guessed.
 *
 * The list itself is checked at compile time (node_routes.c): every range
 * is inside its id space, 0 is owned by nobody, and no two modules' ranges
 * overlap. */
#ifndef HS_NODE_ROUTES_H_
#define HS_NODE_ROUTES_H_

#include "base.h"
#include "module_list.h"

#define NODE_ROUTE_NONE 0xFFu /* owned by no module */
#define NODE_OP_NS_COUNT 256u /* the kind byte of an op id */

typedef struct {
    uint8_t timer_owner[HS_TIMER_KIND_COUNT];
    uint8_t msg_owner[HS_MSG_TYPE_COUNT];
    uint8_t file_owner[HS_FILE_KIND_COUNT];
    uint8_t op_owner[NODE_OP_NS_COUNT];
} node_routes;

void node_routes_build(node_routes *r);

/* The owning hs_module_id, or NODE_ROUTE_NONE. */
uint32_t node_routes_timer(const node_routes *r, uint8_t kind);
uint32_t node_routes_msg(const node_routes *r, uint32_t type);
uint32_t node_routes_file(const node_routes *r, uint32_t file);
uint32_t node_routes_op(const node_routes *r, uint8_t ns);
/* The module's prefix from the list ("swim"), or "none". */
const char *node_routes_module_name(uint32_t module);

#endif /* HS_NODE_ROUTES_H_ */
