/* Names of host operations and the one reporting entry point. */
#include "ioerr.h"

#include "base.h"

static const char *const op_names[] = {
#define IOERR_OP_NAME(id, name) name,
    IOERR_OP_LIST(IOERR_OP_NAME)
#undef IOERR_OP_NAME
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(op_names) == IOERR_OP_COUNT, "ioerr op names");

void ioerr_report(ioerr_sink *sink, uint32_t op, int err, uint64_t detail)
{
    HS_ASSERT(op > IOERR_OP_NONE && op < IOERR_OP_COUNT);
    if (sink == NULL) {
        return;
    }
    sink->reports++;
    if (sink->fn != NULL) {
        sink->fn(sink->ctx, op, err, detail);
    }
}

const char *ioerr_op_name(uint32_t op)
{
    return op < IOERR_OP_COUNT ? op_names[op] : "unknown_op";
}
