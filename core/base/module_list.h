/* The module list: the one declaration of which module owns which timer
 * kinds, message types, disk files and disk-operation namespace.
 *
 * Everything that routes an input (core/node), names a trace record
 * (sim/) or reports a table walks this list; adding a module is one line
 * here plus the module's own files (docs/design.md, "Modules").  It lives
 * in the base layer so that every layer can name a module id (a message
 * descriptor in core/member names its owner) without reaching up into
 * core/node.
 *
 * X(ENUM, prefix, timer_lo, timer_hi, msg_lo, msg_hi, file_lo, file_hi)
 *   prefix names the module's state field in the node and its entry points
 *   (prefix_on_msg, prefix_on_timer, ..., prefix_check; core/node/node.c
 *   generates the routing table from it, docs/design/modules.md).
 *   Timer kinds, message types and file kinds are inclusive ranges.  0 is
 *   never a valid kind, type or file, so (0, 0) means "owns none".  The
 *   disk-operation namespace of a module is its enum value (the kind byte
 *   of its op ids, core/step/step.h); only a module with files has one.
 *   core/node/node_routes.c checks at compile time that every range lies in
 *   its id space and that no two ranges overlap.
 *
 * Ranges left free for the modules of later issues (ROADMAP.md):
 *   timer kinds 48..239, message types 32..1023, files 2..63. */
#ifndef HS_MODULE_LIST_H_
#define HS_MODULE_LIST_H_

#include "base.h"

#define HS_MODULE_LIST(X)                                   \
    X(NODE, node_ctl, 240, 247, 8, 31, 0, 0) /* errors, HELLO, control */ \
    X(SWIM, swim, 1, 31, 1, 7, 0, 0)     /* membership */              \
    X(META, meta, 32, 39, 0, 0, 1, 1)    /* durable node metadata */

typedef enum {
#define HS_MODULE_ENUM(id, prefix, tlo, thi, mlo, mhi, flo, fhi) HS_MOD_##id,
    HS_MODULE_LIST(HS_MODULE_ENUM)
#undef HS_MODULE_ENUM
        HS_MOD_COUNT
} hs_module_id;

/* Sizes of the id spaces the ranges live in. */
#define HS_TIMER_KIND_COUNT 256u
#define HS_MSG_TYPE_COUNT 1024u
#define HS_FILE_KIND_COUNT 64u

#endif /* HS_MODULE_LIST_H_ */
