/* Counter names for reports, in declaration order; per-type and host
 * counters and the stats-reply list built from all three. */
#include "counters.h"

#include <stdio.h>
#include <string.h>

#include "module_list.h"

static const char *const counter_names[] = {
#define NODE_COUNTER_NAME(name) #name,
    NODE_COUNTER_LIST(NODE_COUNTER_NAME)
#undef NODE_COUNTER_NAME
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(counter_names) == NODE_COUNTER_COUNT, "counter names");
HS_STATIC_ASSERT(NODE_HOST_COUNTERS_MAX <= MSG_COUNTERS_MAX, "host counters fit a reply");

/* Every module's message types have a per-type counter slot of their own:
 * a module declaring higher types must raise NODE_MSG_TYPE_SLOTS. */
#define NODE_TYPES_FIT(id, prefix, tlo, thi, mlo, mhi, flo, fhi) \
    HS_STATIC_ASSERT((mhi) < NODE_MSG_TYPE_SLOTS, #prefix " types fit the counter slots");
HS_MODULE_LIST(NODE_TYPES_FIT)
#undef NODE_TYPES_FIT

const char *node_counter_name(uint32_t i)
{
    return i < NODE_COUNTER_COUNT ? counter_names[i] : NULL;
}

uint64_t node_counter_value(const node_counters *c, uint32_t i)
{
    HS_ASSERT(i < NODE_COUNTER_COUNT);
    const uint64_t *values = (const uint64_t *)c;
    return values[i];
}

void node_counters_msg(node_counters *c, node_msg_dir dir, uint16_t type, uint32_t bytes)
{
    HS_ASSERT(dir == NODE_DIR_RX || dir == NODE_DIR_TX);
    uint32_t slot = type < NODE_MSG_TYPE_SLOTS ? type : NODE_MSG_SLOT_OTHER;
    HS_ASSERT(slot <= NODE_MSG_SLOT_OTHER);
    c->per_type.msgs[dir][slot]++;
    c->per_type.bytes[dir][slot] += bytes;
}

uint32_t node_counters_set_host(node_counters *c, const hs_host_counter *items, uint32_t count)
{
    HS_ASSERT(items != NULL || count == 0);
    node_host_counters *h = &c->host;
    h->count = 0;
    uint32_t dropped = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t len = items[i].name != NULL ? strlen(items[i].name) : 0;
        if (len == 0 || len > MSG_COUNTER_NAME_MAX || h->count == NODE_HOST_COUNTERS_MAX) {
            dropped++;
            continue;
        }
        memcpy(h->names[h->count], items[i].name, len + 1);
        h->values[h->count++] = items[i].value;
    }
    HS_ASSERT(h->count <= NODE_HOST_COUNTERS_MAX && h->count + dropped == count);
    return dropped;
}

static bool put(msg_counter *out, uint32_t cap, uint32_t *n, const char *name, uint64_t value)
{
    HS_ASSERT(name != NULL && *n <= cap);
    if (*n >= cap) {
        /* Counted by the caller: n stays, the row is missed. */
        return false;
    }
    size_t len = strlen(name);
    HS_ASSERT(len <= MSG_COUNTER_NAME_MAX);
    memcpy(out[*n].name, name, len + 1);
    out[*n].value = value;
    (*n)++;
    return true;
}

/* find names the types (the node's message registry: this layer cannot
 * see it); a slot no descriptor claims is labelled by its number. */
static void type_label(msg_find_fn find, uint32_t slot, char *buf, size_t cap)
{
    HS_ASSERT(slot <= NODE_MSG_SLOT_OTHER);
    HS_ASSERT(cap > 0 && find != NULL);
    const msg_desc *d = slot == NODE_MSG_SLOT_OTHER ? NULL : find((uint16_t)slot);
    if (slot == NODE_MSG_SLOT_OTHER) {
        snprintf(buf, cap, "other");
    } else if (d == NULL) {
        snprintf(buf, cap, "t%u", slot);
    } else {
        size_t len = strlen(d->name);
        len = len < cap ? len : cap - 1;
        memcpy(buf, d->name, len);
        buf[len] = '\0';
    }
}

/* Writes "<family>.<label>" straight into the next reply row, cut to the
 * row's name size: a stats reply names dozens of rows, and formatting them
 * with snprintf was a fifth of a simulated operator run's instructions
 * (docs/design/perf.md). */
static bool put_pair(msg_counter *out, uint32_t cap, uint32_t *n, const char *family,
                     const char *label, size_t label_len, uint64_t value)
{
    HS_ASSERT(*n <= cap && family != NULL);
    if (*n >= cap) {
        return false;
    }
    char *name = out[*n].name;
    size_t len = strlen(family);
    HS_ASSERT(len + 1 <= MSG_COUNTER_NAME_MAX);
    memcpy(name, family, len);
    name[len++] = '.';
    size_t take = label_len < MSG_COUNTER_NAME_MAX - len ? label_len : MSG_COUNTER_NAME_MAX - len;
    memcpy(name + len, label, take);
    name[len + take] = '\0';
    out[*n].value = value;
    (*n)++;
    HS_ASSERT(len + take <= MSG_COUNTER_NAME_MAX);
    return true;
}

/* "rx_msgs.ping" and its three siblings for every slot that saw traffic. */
static void report_per_type(const node_msg_counters *t, msg_find_fn find, msg_counter *out,
                            uint32_t cap, uint32_t *n, uint32_t *dropped)
{
    static const char *const families[2][2] = {{"rx_msgs", "rx_bytes"}, {"tx_msgs", "tx_bytes"}};
    HS_ASSERT(*n <= cap);
    for (uint32_t slot = 0; slot <= NODE_MSG_SLOT_OTHER; slot++) {
        if (t->msgs[NODE_DIR_RX][slot] == 0 && t->msgs[NODE_DIR_TX][slot] == 0) {
            continue;
        }
        char label[24];
        type_label(find, slot, label, sizeof(label));
        size_t label_len = strlen(label);
        for (uint32_t dir = 0; dir < 2; dir++) {
            bool msgs_fit =
                put_pair(out, cap, n, families[dir][0], label, label_len, t->msgs[dir][slot]);
            bool bytes_fit =
                put_pair(out, cap, n, families[dir][1], label, label_len, t->bytes[dir][slot]);
            *dropped += (msgs_fit ? 0u : 1u) + (bytes_fit ? 0u : 1u);
        }
    }
    HS_ASSERT(*n <= cap);
}

uint32_t node_counters_report(const node_counters *c, msg_find_fn find, msg_counter *out,
                              uint32_t cap, uint32_t *dropped)
{
    HS_ASSERT(out != NULL && dropped != NULL);
    uint32_t n = 0;
    *dropped = 0;
    for (uint32_t i = 0; i < NODE_COUNTER_COUNT; i++) {
        *dropped += put(out, cap, &n, counter_names[i], node_counter_value(c, i)) ? 0u : 1u;
    }
    report_per_type(&c->per_type, find, out, cap, &n, dropped);
    for (uint32_t i = 0; i < c->host.count; i++) {
        *dropped += put(out, cap, &n, c->host.names[i], c->host.values[i]) ? 0u : 1u;
    }
    HS_ASSERT(n <= cap && (*dropped == 0 || n == cap));
    return n;
}
