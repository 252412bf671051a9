/* Event code table and the text and JSON renderers for event records. */
#include "event.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    hs_severity severity;
    const char *subject_label;
    const char *labels[3];
    hs_event_field_kind kinds[3];
} event_row;

static const event_row event_rows[] = {
#define HS_EVENT_ROW(code, sev, subj, al, ak, bl, bk, cl, ck)                       \
    {#code, sev, subj, {al, bl, cl}, {HS_EVF_##ak, HS_EVF_##bk, HS_EVF_##ck}},
    HS_EVENT_LIST(HS_EVENT_ROW)
#undef HS_EVENT_ROW
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(event_rows) == HS_EV_COUNT, "event table");

static const char *const table_names[] = {
#define HS_TABLE_NAME(id, name) name,
    HS_TABLE_LIST(HS_TABLE_NAME)
#undef HS_TABLE_NAME
};

HS_STATIC_ASSERT(HS_ARRAY_LEN(table_names) == HS_TABLE_COUNT, "table names");

/* Event names are rendered lower-case ("member_state"); the table keeps the
 * enum spelling, converted into the caller's buffer on every call. */
const char *hs_event_code_name(uint16_t code, hs_event_name *out)
{
    HS_ASSERT(out != NULL);
    const char *src = code < HS_EV_COUNT ? event_rows[code].name : "unknown_event";
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < sizeof(out->text); i++) {
        char c = src[i];
        out->text[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out->text[i] = '\0';
    HS_ASSERT(i < sizeof(out->text));
    return out->text;
}

hs_severity hs_event_code_severity(uint16_t code)
{
    if (code >= HS_EV_COUNT) {
        return HS_SEV_ERROR;
    }
    HS_ASSERT(event_rows[code].severity <= HS_SEV_ERROR);
    return event_rows[code].severity;
}

const char *hs_severity_name(uint8_t severity)
{
    switch (severity) {
    case HS_SEV_DEBUG:
        return "debug";
    case HS_SEV_INFO:
        return "info";
    case HS_SEV_WARN:
        return "warn";
    case HS_SEV_ERROR:
        return "error";
    default:
        return "unknown";
    }
}

const char *hs_table_name(uint32_t table)
{
    if (table >= HS_TABLE_COUNT) {
        return "unknown_table";
    }
    HS_ASSERT(table_names[table] != NULL);
    return table_names[table];
}

static const char *channel_name(uint64_t channel)
{
    switch (channel) {
    case 1:
        return "udp";
    case 2:
        return "tcp";
    default:
        return "none";
    }
}

/* Renders one field value; quoted says whether strings get JSON quotes. */
static int format_value(char *out, size_t cap, hs_event_field_kind kind, uint64_t v,
                        bool quoted)
{
    HS_ASSERT(out != NULL && cap > 0);
    const char *q = quoted ? "\"" : "";
    switch (kind) {
    case HS_EVF_U64:
        return snprintf(out, cap, "%llu", (unsigned long long)v);
    case HS_EVF_ID64:
        return snprintf(out, cap, "%s%llu%s", q, (unsigned long long)v, q);
    case HS_EVF_MS:
        return snprintf(out, cap, "%llu", (unsigned long long)(v / HS_NS_PER_MS));
    case HS_EVF_STATE:
        return snprintf(out, cap, "%s%s%s", q, hs_event_state_name(v), q);
    case HS_EVF_MSG:
        return snprintf(out, cap, "%s%s%s", q, hs_event_msg_name(v), q);
    case HS_EVF_STATUS:
        return snprintf(out, cap, "%s%s%s", q, hs_status_name((hs_status)v), q);
    case HS_EVF_CHANNEL:
        return snprintf(out, cap, "%s%s%s", q, channel_name(v), q);
    case HS_EVF_TABLE:
        return snprintf(out, cap, "%s%s%s", q, hs_table_name((uint32_t)v), q);
    case HS_EVF_INPUT:
        return snprintf(out, cap, "%s%s%s", q, hs_event_input_name(v), q);
    case HS_EVF_ADDR: {
        char text[HS_ADDR_STR_MAX];
        hs_addr addr = {(uint32_t)(v >> 16), (uint16_t)(v & 0xffffu)};
        hs_addr_format(addr, text);
        return snprintf(out, cap, "%s%s%s", q, text, q);
    }
    case HS_EVF_NONE:
    default:
        return 0;
    }
}

/* Advances *used by what snprintf reported, keeping *used <= cap - 1. */
static void append(size_t cap, size_t *used, int wrote)
{
    /* Room for the NUL is always left, so room >= 1 below. */
    HS_ASSERT(*used < cap);
    if (wrote < 0) {
        return;
    }
    size_t room = cap - *used;
    *used += (size_t)wrote < room ? (size_t)wrote : room - 1;
    HS_ASSERT(*used < cap);
}

size_t hs_event_format_text(const hs_event *event, char *out, size_t cap)
{
    HS_ASSERT(cap > 0);
    size_t used = 0;
    out[0] = '\0';
    uint16_t code = event->code < HS_EV_COUNT ? event->code : 0;
    const event_row *row = &event_rows[code];
    HS_ASSERT(code < HS_EV_COUNT && row->name != NULL);
    hs_event_name name;
    append(cap, &used, snprintf(out, cap, "%s", hs_event_code_name(event->code, &name)));
    if (row->subject_label != NULL) {
        append(cap, &used,
               snprintf(out + used, cap - used, " %s=%s", row->subject_label,
                        event->subject.bytes));
    }
    const uint64_t values[3] = {event->a, event->b, event->c};
    for (int i = 0; i < 3; i++) {
        if (row->labels[i] == NULL) {
            continue;
        }
        append(cap, &used, snprintf(out + used, cap - used, " %s=", row->labels[i]));
        append(cap, &used,
               format_value(out + used, cap - used, row->kinds[i], values[i], false));
    }
    HS_ASSERT(used < cap && out[used] == '\0');
    return used;
}

size_t hs_event_format_json(const hs_event *event, char *out, size_t cap)
{
    HS_ASSERT(cap > 0);
    size_t used = 0;
    out[0] = '\0';
    uint16_t code = event->code < HS_EV_COUNT ? event->code : 0;
    const event_row *row = &event_rows[code];
    HS_ASSERT(code < HS_EV_COUNT && row->name != NULL);
    hs_event_name name;
    append(cap, &used,
           snprintf(out, cap, "\"event\":\"%s\",\"severity\":\"%s\"",
                    hs_event_code_name(event->code, &name), hs_severity_name(event->severity)));
    if (row->subject_label != NULL) {
        /* Names are printable ASCII without quotes or backslashes?  Not
         * guaranteed: escape the two characters JSON cares about. */
        append(cap, &used,
               snprintf(out + used, cap - used, ",\"%s\":\"", row->subject_label));
        for (uint8_t i = 0; i < event->subject.len && used + 3 < cap; i++) {
            char c = event->subject.bytes[i];
            if (c == '"' || c == '\\') {
                out[used++] = '\\';
            }
            out[used++] = c;
        }
        HS_ASSERT(used < cap); /* the escape loop leaves room for the NUL */
        append(cap, &used, snprintf(out + used, cap - used, "\""));
    }
    const uint64_t values[3] = {event->a, event->b, event->c};
    for (int i = 0; i < 3; i++) {
        if (row->labels[i] == NULL) {
            continue;
        }
        append(cap, &used, snprintf(out + used, cap - used, ",\"%s\":", row->labels[i]));
        append(cap, &used,
               format_value(out + used, cap - used, row->kinds[i], values[i], true));
    }
    HS_ASSERT(used < cap && out[used] == '\0');
    return used;
}
