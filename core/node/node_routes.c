/* The module list, checked at compile time and turned into routing
 * tables (node_routes.h). */
#include "node_routes.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Compile-time checks of the module list                              */

/* Each range must lie in its id space, and 0 (never a valid kind, type or
 * file) is owned by nobody: (0, 0) is the empty range. */
#define NR_RANGE_OK(lo, hi, count) \
    (((lo) == 0 && (hi) == 0) || ((lo) != 0 && (lo) <= (hi) && (hi) < (count)))
#define NR_MODULE_OK(id, prefix, tlo, thi, mlo, mhi, flo, fhi)                   \
    &&NR_RANGE_OK(tlo, thi, HS_TIMER_KIND_COUNT) && NR_RANGE_OK(mlo, mhi, HS_MSG_TYPE_COUNT) && \
        NR_RANGE_OK(flo, fhi, HS_FILE_KIND_COUNT)
HS_STATIC_ASSERT(1 HS_MODULE_LIST(NR_MODULE_OK), "a module_list range is outside its id space");

/* No overlap: split each id space into 32-bit chunks; a range's mask in a
 * chunk is its bits there.  Ranges that do not overlap have disjoint masks,
 * so in every chunk the sum of the modules' masks equals their OR; any
 * shared id is counted twice by the sum and not by the OR.  The sums are
 * 64-bit, so up to NR_MODULES_MAX masks of 32 bits cannot wrap.  The
 * ranges reach the check as arguments (NR_APPLY expands the list first),
 * padded with empty ranges to NR_MODULES_MAX. */
#define NR_MODULES_MAX 16
HS_STATIC_ASSERT(HS_MOD_COUNT <= NR_MODULES_MAX, "raise NR_MODULES_MAX and NR_PAD");

#define NR_LO(lo, c) ((unsigned)(lo) > 32u * (c) ? (unsigned)(lo) : 32u * (c))
#define NR_HI(hi, c) ((unsigned)(hi) < 32u * (c) + 31u ? (unsigned)(hi) : 32u * (c) + 31u)
#define NR_MASK(lo, hi, c)                                                      \
    ((((lo) == 0 && (hi) == 0) || NR_LO(lo, c) > NR_HI(hi, c))                  \
         ? UINT64_C(0)                                                          \
         : (((UINT64_C(2) << (NR_HI(hi, c) - NR_LO(lo, c))) - 1u) << (NR_LO(lo, c) - 32u * (c))))
#define NR_CHUNK_OK(c, l0, h0, l1, h1, l2, h2, l3, h3, l4, h4, l5, h5, l6, h6, l7, h7,   \
                    l8, h8, l9, h9, l10, h10, l11, h11, l12, h12, l13, h13, l14, h14,   \
                    l15, h15, ...)                                                      \
    ((NR_MASK(l0, h0, c) + \
     NR_MASK(l1, h1, c) + \
     NR_MASK(l2, h2, c) + \
     NR_MASK(l3, h3, c) + \
     NR_MASK(l4, h4, c) + \
     NR_MASK(l5, h5, c) + \
     NR_MASK(l6, h6, c) + \
     NR_MASK(l7, h7, c) + \
     NR_MASK(l8, h8, c) + \
     NR_MASK(l9, h9, c) + \
     NR_MASK(l10, h10, c) + \
     NR_MASK(l11, h11, c) + \
     NR_MASK(l12, h12, c) + \
     NR_MASK(l13, h13, c) + \
     NR_MASK(l14, h14, c) + \
     NR_MASK(l15, h15, c)) == \
     (NR_MASK(l0, h0, c) | \
     NR_MASK(l1, h1, c) | \
     NR_MASK(l2, h2, c) | \
     NR_MASK(l3, h3, c) | \
     NR_MASK(l4, h4, c) | \
     NR_MASK(l5, h5, c) | \
     NR_MASK(l6, h6, c) | \
     NR_MASK(l7, h7, c) | \
     NR_MASK(l8, h8, c) | \
     NR_MASK(l9, h9, c) | \
     NR_MASK(l10, h10, c) | \
     NR_MASK(l11, h11, c) | \
     NR_MASK(l12, h12, c) | \
     NR_MASK(l13, h13, c) | \
     NR_MASK(l14, h14, c) | \
     NR_MASK(l15, h15, c)))
#define NR_PAD 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define NR_APPLY(m, ...) m(__VA_ARGS__)

#define NR_TIMER_RANGE(id, prefix, tlo, thi, mlo, mhi, flo, fhi) tlo, thi,
#define NR_MSG_RANGE(id, prefix, tlo, thi, mlo, mhi, flo, fhi) mlo, mhi,
#define NR_FILE_RANGE(id, prefix, tlo, thi, mlo, mhi, flo, fhi) flo, fhi,
#define NR_TIMER_OK(c) NR_APPLY(NR_CHUNK_OK, c, HS_MODULE_LIST(NR_TIMER_RANGE) NR_PAD)
#define NR_MSG_OK(c) NR_APPLY(NR_CHUNK_OK, c, HS_MODULE_LIST(NR_MSG_RANGE) NR_PAD)
#define NR_FILE_OK(c) NR_APPLY(NR_CHUNK_OK, c, HS_MODULE_LIST(NR_FILE_RANGE) NR_PAD)
#define NR_ALL4(M, b) (M(b) && M((b) + 1) && M((b) + 2) && M((b) + 3))
#define NR_ALL8(M, b) (NR_ALL4(M, b) && NR_ALL4(M, (b) + 4))

HS_STATIC_ASSERT(HS_TIMER_KIND_COUNT == 8 * 32 && HS_MSG_TYPE_COUNT == 32 * 32 &&
                     HS_FILE_KIND_COUNT == 2 * 32,
                 "the chunk counts below cover the id spaces");
HS_STATIC_ASSERT(NR_ALL8(NR_TIMER_OK, 0), "two modules own the same timer kind");
HS_STATIC_ASSERT(NR_ALL8(NR_MSG_OK, 0) && NR_ALL8(NR_MSG_OK, 8), "two modules own a message type");
HS_STATIC_ASSERT(NR_ALL8(NR_MSG_OK, 16) && NR_ALL8(NR_MSG_OK, 24),
                 "two modules own a message type");
HS_STATIC_ASSERT(NR_FILE_OK(0) && NR_FILE_OK(1), "two modules own the same file");

/* ------------------------------------------------------------------ */
/* Routing tables                                                      */

typedef struct {
    uint16_t timer_lo, timer_hi, msg_lo, msg_hi, file_lo, file_hi;
} module_ranges;

static const module_ranges ranges[HS_MOD_COUNT] = {
#define NR_ROW(id, prefix, tlo, thi, mlo, mhi, flo, fhi) {tlo, thi, mlo, mhi, flo, fhi},
    HS_MODULE_LIST(NR_ROW)
#undef NR_ROW
};

static void fill(uint8_t *table, uint32_t count, uint32_t lo, uint32_t hi, uint8_t module)
{
    if (lo == 0 && hi == 0) {
        return;
    }
    HS_ASSERT(lo <= hi && hi < count);
    for (uint32_t i = lo; i <= hi; i++) {
        HS_ASSERT(table[i] == NODE_ROUTE_NONE); /* the static checks above */
        table[i] = module;
    }
}

void node_routes_build(node_routes *r)
{
    memset(r, NODE_ROUTE_NONE, sizeof(*r));
    for (uint32_t m = 0; m < HS_MOD_COUNT; m++) {
        const module_ranges *g = &ranges[m];
        fill(r->timer_owner, HS_TIMER_KIND_COUNT, g->timer_lo, g->timer_hi, (uint8_t)m);
        fill(r->msg_owner, HS_MSG_TYPE_COUNT, g->msg_lo, g->msg_hi, (uint8_t)m);
        fill(r->file_owner, HS_FILE_KIND_COUNT, g->file_lo, g->file_hi, (uint8_t)m);
        /* A module's disk-operation namespace is its id; only a module
         * with files issues disk operations. */
        if (g->file_lo != 0) {
            r->op_owner[m] = (uint8_t)m;
        }
    }
    HS_ASSERT(r->timer_owner[0] == NODE_ROUTE_NONE && r->msg_owner[0] == NODE_ROUTE_NONE);
}

uint32_t node_routes_timer(const node_routes *r, uint8_t kind)
{
    return r->timer_owner[kind];
}

uint32_t node_routes_msg(const node_routes *r, uint32_t type)
{
    return type < HS_MSG_TYPE_COUNT ? r->msg_owner[type] : NODE_ROUTE_NONE;
}

uint32_t node_routes_file(const node_routes *r, uint32_t file)
{
    return file < HS_FILE_KIND_COUNT ? r->file_owner[file] : NODE_ROUTE_NONE;
}

uint32_t node_routes_op(const node_routes *r, uint8_t ns)
{
    return r->op_owner[ns];
}

static const char *const module_names[HS_MOD_COUNT] = {
#define NR_NAME(id, prefix, tlo, thi, mlo, mhi, flo, fhi) [HS_MOD_##id] = #prefix,
    HS_MODULE_LIST(NR_NAME)
#undef NR_NAME
};

const char *node_routes_module_name(uint32_t module)
{
    return module < HS_MOD_COUNT ? module_names[module] : "none";
}
