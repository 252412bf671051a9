/* The heap core allocates from: a table of functions the host may replace
 * (cowsql/raft's raft_heap), libc's by default.  Every allocation in core
 * goes through hs_malloc, hs_calloc and hs_free (scripts/tidy.py bans the
 * libc names elsewhere in core), so a host can count allocations or make
 * them fail: the simulator fails them on a seeded schedule to drive every
 * init's out-of-memory path (docs/design/paths.md).
 *
 * Core allocates only while creating a node (its tables have fixed caps),
 * never inside a step, so a failure surfaces as node_create refusing with
 * HS_ERR_NOMEM after freeing what it had taken. */
#ifndef HS_ALLOC_H_
#define HS_ALLOC_H_

#include "base.h"

typedef struct {
    void *ctx; /* passed to every function */
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*calloc_fn)(void *ctx, size_t count, size_t size);
    /* C11 aligned_alloc: size is a multiple of align */
    void *(*aligned_fn)(void *ctx, size_t align, size_t size);
    void (*free_fn)(void *ctx, void *ptr);
} alloc_heap;

/* Installs heap (NULL: libc's) for every later core allocation.  The
 * host calls it while no node is being created; a pointer passed to
 * hs_free must come from the heap that was current when it was taken or
 * from one that frees into the same underlying allocator. */
void alloc_set(const alloc_heap *heap);
/* The heap in force (never NULL). */
const alloc_heap *alloc_get(void);
/* libc's heap, for wrappers that add a policy on top of it. */
const alloc_heap *alloc_libc(void);

void *hs_malloc(size_t size);
void *hs_calloc(size_t count, size_t size);
void *hs_aligned_alloc(size_t align, size_t size);
void hs_free(void *ptr);

#endif /* HS_ALLOC_H_ */
