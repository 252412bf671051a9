/* The replaceable heap behind hs_malloc, hs_calloc and hs_free.  See
 * alloc.h.
 *
 * The one mutable global in core, on purpose: the heap is a property of
 * the process (as raft_heap is), installed by the host before any node
 * exists, and threading it through every container's init would change
 * every signature for no determinism gain (it holds no run state). */
#include "alloc.h"

#include <stdlib.h>

static void *libc_malloc(void *ctx, size_t size)
{
    HS_UNUSED(ctx);
    HS_ASSERT(size > 0);
    void *p = malloc(size);
    HS_ASSERT(p == NULL || size > 0);
    return p;
}

static void *libc_calloc(void *ctx, size_t count, size_t size)
{
    HS_UNUSED(ctx);
    HS_ASSERT(count > 0 && size > 0);
    void *p = calloc(count, size);
    HS_ASSERT(p == NULL || count > 0);
    return p;
}

static void *libc_aligned(void *ctx, size_t align, size_t size)
{
    HS_UNUSED(ctx);
    HS_ASSERT(align > 0 && size % align == 0);
    void *p = aligned_alloc(align, size);
    HS_ASSERT(p == NULL || ((uintptr_t)p % align) == 0);
    return p;
}

static void libc_free(void *ctx, void *ptr)
{
    HS_UNUSED(ctx);
    HS_ASSERT(ctx == NULL);
    free(ptr);
    HS_ASSERT(ctx == NULL);
}

static const alloc_heap libc_heap = {NULL, libc_malloc, libc_calloc, libc_aligned,
                                     libc_free};

static const alloc_heap *current_heap = &libc_heap;

void alloc_set(const alloc_heap *heap)
{
    HS_ASSERT(heap == NULL || (heap->malloc_fn != NULL && heap->calloc_fn != NULL));
    HS_ASSERT(heap == NULL || (heap->aligned_fn != NULL && heap->free_fn != NULL));
    current_heap = heap != NULL ? heap : &libc_heap;
}

const alloc_heap *alloc_get(void)
{
    HS_ASSERT(current_heap != NULL);
    HS_ASSERT(current_heap->malloc_fn != NULL);
    return current_heap;
}

const alloc_heap *alloc_libc(void)
{
    HS_ASSERT(libc_heap.malloc_fn == libc_malloc);
    HS_ASSERT(libc_heap.free_fn == libc_free);
    return &libc_heap;
}

/* A zero-byte request is a caller's bug: every table has a cap of at
 * least one (configuration ranges start at 1). */
void *hs_malloc(size_t size)
{
    HS_ASSERT(size > 0);
    const alloc_heap *h = alloc_get();
    HS_ASSERT(h->malloc_fn != NULL);
    return h->malloc_fn(h->ctx, size);
}

void *hs_calloc(size_t count, size_t size)
{
    HS_ASSERT(count > 0 && size > 0);
    const alloc_heap *h = alloc_get();
    HS_ASSERT(h->calloc_fn != NULL);
    return h->calloc_fn(h->ctx, count, size);
}

void *hs_aligned_alloc(size_t align, size_t size)
{
    HS_ASSERT(align > 0 && size > 0 && size % align == 0);
    const alloc_heap *h = alloc_get();
    HS_ASSERT(h->aligned_fn != NULL);
    return h->aligned_fn(h->ctx, align, size);
}

void hs_free(void *ptr)
{
    const alloc_heap *h = alloc_get();
    HS_ASSERT(h->free_fn != NULL);
    if (ptr != NULL) {
        h->free_fn(h->ctx, ptr);
    }
}
