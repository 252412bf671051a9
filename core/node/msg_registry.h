/* The message registry: every module's descriptor table (msg_table)
 * collected in one place, so that core/node can decode any frame and the
 * wire layer never has to name a module's message.  Adding a message type
 * touches only its module's table; adding a module adds one line to the
 * list in msg_registry.c. */
#ifndef HS_MSG_REGISTRY_H_
#define HS_MSG_REGISTRY_H_

#include "msg.h"

/* NULL for a type no module declares. */
const msg_desc *msg_registry_find(uint16_t type);
/* "unknown" for a type no module declares. */
const char *msg_registry_name(uint16_t type);
/* Descriptors in ascending type order, for fuzzers, corpus generation and
 * docs: i in 0 .. msg_registry_count() - 1. */
uint32_t msg_registry_count(void);
const msg_desc *msg_registry_at(uint32_t i);
/* Every table inside its module's message range (module_list.h), every
 * descriptor owned by its table's module, at its own slot, and well formed
 * (msg_desc_check).  node_create refuses to start on a broken registry. */
HS_MUST_USE hs_status msg_registry_check(void);

#endif /* HS_MSG_REGISTRY_H_ */
