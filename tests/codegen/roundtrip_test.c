/*
 * codegen_roundtrip: hand-written, realistic documents of every schema
 * decode; the values are what the text says; encode -> decode gives an equal
 * message; and for a few documents the encoded text is compared exactly
 * (compact, schema order, absent optionals omitted, defaults filled in).
 */
#include <math.h>
#include <string.h>

#include "codec_util.h"

#define LEN(s) (sizeof(s) - 1)

/* ---- orders --------------------------------------------------------------- */

static const char order_doc[] =
    "{\n"
    "  \"order_id\": \"ord-2024-000123\",\n"
    "  \"created_at\": \"2024-03-15T10:30:00.250Z\",\n"
    "  \"customer_name\": \"Zo\\u00eb \\\"Z\\\" M\\u00fcller \\ud83d\\ude00 \\\\ \xce\xa9\\/\",\n"
    "  \"line_items\": [\n"
    "    {\"line_item_id\": \"li-1\", \"product_id\": \"sku-100\",\n"
    "     \"product_title\": \"Coffee mug, 350 ml\", \"quantity\": 2, \"price\": \"12.50\"},\n"
    "    {\"line_item_id\": \"li-2\", \"product_id\": \"sku-200\",\n"
    "     \"product_title\": \"T-shirt\\tXL\", \"quantity\": 1, \"price\": 19.99},\n"
    "    {\"price\": \"0.00\", \"quantity\": 10000, \"product_title\": \"\",\n"
    "     \"product_id\": \"free-gift\", \"line_item_id\": \"li-3\"}\n"
    "  ],\n"
    "  \"total_price\": \"44.99\",\n"
    "  \"currency\": \"USD\",\n"
    "  \"status\": \"shipped\",\n"
    "  \"note\": \"Leave at the door \\u2014 thanks!\"\n"
    "}\n";

static void test_order_values(void)
{
    orders_OrderEvent m;
    CHECKF(dec_orders_OrderEvent(&m, order_doc, LEN(order_doc), 0) == TG_JSON_OK, "order decodes");
    CHECKF(str_is(m.order_id, "ord-2024-000123"), "order_id");
    CHECKF(str_is(m.created_at, "2024-03-15T10:30:00.250Z"), "created_at");
    CHECKF(str_is(m.customer_name,
                  "Zo\xc3\xab \"Z\" M\xc3\xbcller \xf0\x9f\x98\x80 \\ \xce\xa9/"),
           "customer_name unescaped: %.*s", (int)m.customer_name.len, m.customer_name.ptr);
    CHECKF(tg_str_utf8_length(m.customer_name) == 21, "customer_name code points %zu",
           tg_str_utf8_length(m.customer_name));
    CHECKF(m.line_items.count == 3, "3 line items, got %zu", m.line_items.count);
    if (m.line_items.count == 3) {
        const orders_LineItem *li = m.line_items.items;
        CHECKF(str_is(li[0].line_item_id, "li-1") && str_is(li[0].product_id, "sku-100") &&
                   str_is(li[0].product_title, "Coffee mug, 350 ml") && li[0].quantity == 2 &&
                   str_is(li[0].price, "12.50"),
               "line item 0");
        CHECKF(str_is(li[1].product_title, "T-shirt\tXL") && li[1].quantity == 1 &&
                   str_is(li[1].price, "19.99"),
               "line item 1 (escaped title, number price kept as text)");
        CHECKF(str_is(li[2].line_item_id, "li-3") && str_is(li[2].product_id, "free-gift") &&
                   li[2].product_title.len == 0 && li[2].quantity == 10000 &&
                   str_is(li[2].price, "0.00"),
               "line item 2 (members in reverse order)");
    }
    CHECKF(str_is(m.total_price, "44.99"), "total_price");
    CHECKF(str_is(m.currency, "USD"), "currency");
    CHECKF(m.status == orders_OrderStatus_SHIPPED, "status %d", (int)m.status);
    CHECKF(m.has_note && str_is(m.note, "Leave at the door \xe2\x80\x94 thanks!"), "note");
    CHECKF(roundtrip_orders_OrderEvent(&m, NULL, "order"), "order round trip");
}

static void test_order_exact(void)
{
    /* Defaults (currency, status) filled in, optional note omitted, the
     * number price written as a decimal string, whitespace gone. */
    static const char in[] =
        "{ \"total_price\" : 7.5 , \"line_items\" : [ { \"quantity\" : 3, \"price\" : 2.50,"
        " \"line_item_id\" : \"a\", \"product_id\" : \"b\", \"product_title\" : \"c\" } ],"
        " \"customer_name\" : \"Ann\", \"created_at\" : \"2024-01-01T00:00:00+05:30\","
        " \"order_id\" : \"o-1\" }";
    static const char out[] =
        "{\"order_id\":\"o-1\",\"created_at\":\"2024-01-01T00:00:00+05:30\","
        "\"customer_name\":\"Ann\",\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"b\","
        "\"product_title\":\"c\",\"quantity\":3,\"price\":\"2.50\"}],\"total_price\":\"7.5\","
        "\"currency\":\"EUR\",\"status\":\"pending\"}";
    orders_OrderEvent m;
    CHECKF(dec_orders_OrderEvent(&m, in, LEN(in), 0) == TG_JSON_OK, "minimal order decodes");
    CHECKF(str_is(m.currency, "EUR") && m.status == orders_OrderStatus_PENDING && !m.has_note,
           "defaults applied, note absent");
    CHECKF(roundtrip_orders_OrderEvent(&m, out, "minimal order"), "minimal order exact text");

    /* Strings that need escaping on output: controls as \uXXXX or short
     * escapes, '/' and non-ASCII kept as is. */
    static const char in2[] =
        "{\"order_id\":\"o\\u0001\\u001f\",\"created_at\":\"2024-12-31T23:59:60Z\","
        "\"customer_name\":\"\\b\\f\\n\\r\\t\\\"\\\\\\/\\u00e9\\uD834\\uDD1E\","
        "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"b\",\"product_title\":\"\","
        "\"quantity\":1,\"price\":\"-0.5e-3\"}],\"total_price\":\"1E+2\",\"currency\":\"\\u20ac\\u20ac\\u20ac\","
        "\"status\":\"cancelled\",\"note\":\"\"}";
    static const char out2[] =
        "{\"order_id\":\"o\\u0001\\u001f\",\"created_at\":\"2024-12-31T23:59:60Z\","
        "\"customer_name\":\"\\b\\f\\n\\r\\t\\\"\\\\/\xc3\xa9\xf0\x9d\x84\x9e\","
        "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"b\",\"product_title\":\"\","
        "\"quantity\":1,\"price\":\"-0.5e-3\"}],\"total_price\":\"1E+2\",\"currency\":\"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\","
        "\"status\":\"cancelled\",\"note\":\"\"}";
    CHECKF(dec_orders_OrderEvent(&m, in2, LEN(in2), 0) == TG_JSON_OK, "escaped order decodes");
    CHECKF(m.has_note && m.note.len == 0, "empty note present");
    CHECKF(roundtrip_orders_OrderEvent(&m, out2, "escaped order"), "escaped order exact text");
}

/* ---- workflow ------------------------------------------------------------- */

#define WF_DATA                                                                \
    "{\"items\": [1, 2.5, -0.0e10, {\"deep\": [true, false, null, {}, []]}],"  \
    " \"s\": \"x\\\"y\\u00e9\", \"empty\": \"\", \"big\": 123456789012345678901234567890}"

static const char workflow_doc[] =
    "{\"event_id\": \"3F2504E0-4F89-11D3-9A0C-0305E82C3301\",\n"
    " \"event_type\": \"step.completed\", \"source\": \"worker\",\n"
    " \"workflow_id\": \"wf-checkout\", \"workflow_run_id\": \"run-0007\",\n"
    " \"step_name\": null,\n"
    " \"timestamp\": \"2024-02-29T23:59:59.123456+01:00\",\n"
    " \"duration_ms\": 9007199254740993,\n"
    " \"unknown_extra\": {\"a\": [1, {\"b\": null}], \"c\": \"d\"},\n"
    " \"payload\": {\"data\": " WF_DATA ",\n"
    "   \"metadata\": {\"correlation_id\": \"corr-\\u0041\", \"attempt\": 4294967295,\n"
    "     \"tags\": {\"env\": \"prod\", \"team\": \"payments\", \"k\\u00e9y\": \"v\\n\", \"\": \"\"}}}\n"
    "}";

static void test_workflow_values(void)
{
    static const unsigned char id[16] = {0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x11, 0xd3,
                                         0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01};
    workflow_WorkflowEvent m;
    CHECKF(dec_workflow_WorkflowEvent(&m, workflow_doc, LEN(workflow_doc), 0) == TG_JSON_OK,
           "workflow event decodes");
    CHECKF(memcmp(m.event_id.bytes, id, 16) == 0, "event_id bytes");
    CHECKF(m.event_type == workflow_EventType_STEP_COMPLETED, "event_type");
    CHECKF(m.source == workflow_EventSource_WORKER, "source");
    CHECKF(str_is(m.workflow_id, "wf-checkout") && str_is(m.workflow_run_id, "run-0007"), "ids");
    CHECKF(m.has_step_name && m.step_name_is_null, "step_name present and null");
    CHECKF(str_is(m.timestamp, "2024-02-29T23:59:59.123456+01:00"), "timestamp");
    CHECKF(m.has_duration_ms && m.duration_ms == 9007199254740993LL, "duration_ms exact int64");
    CHECKF(str_is(m.payload.data, WF_DATA), "data is the raw slice: %.*s",
           (int)m.payload.data.len, m.payload.data.ptr);
    CHECKF(m.payload.has_metadata, "metadata present");
    const workflow_EventMetadata *md = &m.payload.metadata;
    CHECKF(md->has_correlation_id && str_is(md->correlation_id, "corr-A"), "correlation_id");
    CHECKF(md->attempt == 4294967295u, "attempt uint32 max");
    CHECKF(md->has_tags && md->tags.count == 4, "4 tags");
    if (md->tags.count == 4) {
        CHECKF(str_is(md->tags.items[0].key, "env") && str_is(md->tags.items[0].value, "prod"),
               "tag 0");
        CHECKF(str_is(md->tags.items[1].key, "team") &&
                   str_is(md->tags.items[1].value, "payments"),
               "tag 1");
        CHECKF(str_is(md->tags.items[2].key, "k\xc3\xa9y") &&
                   str_is(md->tags.items[2].value, "v\n"),
               "tag 2: escaped key kept after its object closed");
        CHECKF(md->tags.items[3].key.len == 0 && md->tags.items[3].value.len == 0,
               "tag 3: empty key");
    }
    CHECKF(roundtrip_workflow_WorkflowEvent(&m, NULL, "workflow"), "workflow round trip");
}

static void test_workflow_exact(void)
{
    static const char in[] =
        "{\"payload\":{\"data\":[1,\"two\",{\"3\":[]}],\"metadata\":{}},"
        "\"timestamp\":\"1970-01-01T00:00:00Z\",\"workflow_run_id\":\"r\",\"workflow_id\":\"w\","
        "\"source\":\"manual\",\"event_type\":\"workflow.failed\","
        "\"event_id\":\"00000000-0000-0000-0000-00000000000A\",\"step_name\":\"charge\\u0020card\"}";
    static const char out[] =
        "{\"event_id\":\"00000000-0000-0000-0000-00000000000a\",\"event_type\":\"workflow.failed\","
        "\"source\":\"manual\",\"workflow_id\":\"w\",\"workflow_run_id\":\"r\","
        "\"step_name\":\"charge card\",\"timestamp\":\"1970-01-01T00:00:00Z\","
        "\"payload\":{\"data\":[1,\"two\",{\"3\":[]}],\"metadata\":{\"attempt\":1}}}";
    workflow_WorkflowEvent m;
    CHECKF(dec_workflow_WorkflowEvent(&m, in, LEN(in), 0) == TG_JSON_OK, "minimal workflow decodes");
    CHECKF(m.payload.has_metadata && m.payload.metadata.attempt == 1 &&
               !m.payload.metadata.has_tags && !m.payload.metadata.has_correlation_id,
           "metadata defaults");
    CHECKF(m.has_step_name && !m.step_name_is_null && str_is(m.step_name, "charge card"),
           "step_name");
    CHECKF(!m.has_duration_ms, "duration absent");
    CHECKF(roundtrip_workflow_WorkflowEvent(&m, out, "minimal workflow"), "workflow exact text");

    /* data may be any JSON value, including a scalar; step_name null is kept. */
    static const char in2[] =
        "{\"event_id\":\"ffffffff-ffff-ffff-ffff-ffffffffffff\",\"event_type\":\"step.started\","
        "\"source\":\"api\",\"workflow_id\":\"w\",\"workflow_run_id\":\"r\",\"step_name\":null,"
        "\"timestamp\":\"2000-02-29T12:00:00.5-00:30\",\"duration_ms\":0,"
        "\"payload\":{\"data\":null}}";
    CHECKF(dec_workflow_WorkflowEvent(&m, in2, LEN(in2), 0) == TG_JSON_OK, "null data decodes");
    CHECKF(str_is(m.payload.data, "null") && !m.payload.has_metadata, "data null, no metadata");
    CHECKF(roundtrip_workflow_WorkflowEvent(&m, in2, "null data"), "null-data exact text");
}

/* ---- crm ------------------------------------------------------------------ */

#define EMAIL_REST                                                              \
    "\"message_id\": \"<CAF=abc@mail.example.com>\", \"customer_id\": \"cust-9\","  \
    " \"received_at\": \"2024-05-01T12:00:00Z\","                                 \
    " \"customer\": {\"email\": \"ana@example.com\", \"name\": null,"             \
    " \"external_id\": \"ext-1\"},"                                              \
    " \"subject\": \"R\\u00e9sum\\u00e9 attached\","                             \
    " \"body_text\": \"Hi,\\r\\nplease see attached.\\n\\u2014 Ana\","           \
    " \"attachments\": [{\"file_name\": \"cv.pdf\", \"content_type\": \"application/pdf\"," \
    " \"size_bytes\": 26214400, \"content\": \"SGVsbG8sIHdvcmxkIQ==\"},"         \
    " {\"file_name\": \"empty.txt\", \"content_type\": \"text/plain\", \"size_bytes\": 0," \
    " \"content\": \"\"}, {\"file_name\": \"x\", \"content_type\": \"y\", \"size_bytes\": 1}]"

static void check_email(const crm_InboundMessage *m, const char *why)
{
    CHECKF(m->kind == crm_InboundMessage_EMAIL_RECEIVED, "%s: kind %d", why, (int)m->kind);
    if (m->kind != crm_InboundMessage_EMAIL_RECEIVED)
        return;
    const crm_EmailReceived *e = &m->as.email_received;
    CHECKF(str_is(e->message_id, "<CAF=abc@mail.example.com>") && str_is(e->customer_id, "cust-9"),
           "%s: ids", why);
    CHECKF(str_is(e->received_at, "2024-05-01T12:00:00Z"), "%s: received_at", why);
    CHECKF(e->customer.has_email && str_is(e->customer.email, "ana@example.com") &&
               !e->customer.has_phone && e->customer.has_name && e->customer.name_is_null &&
               e->customer.has_external_id && str_is(e->customer.external_id, "ext-1"),
           "%s: customer", why);
    CHECKF(str_is(e->subject, "R\xc3\xa9sum\xc3\xa9 attached"), "%s: subject", why);
    CHECKF(str_is(e->body_text, "Hi,\r\nplease see attached.\n\xe2\x80\x94 Ana"), "%s: body", why);
    CHECKF(e->has_attachments && e->attachments.count == 3, "%s: 3 attachments", why);
    if (e->attachments.count == 3) {
        const crm_Attachment *a = e->attachments.items;
        CHECKF(str_is(a[0].file_name, "cv.pdf") && a[0].size_bytes == 26214400 &&
                   a[0].has_content && a[0].content.len == 13 &&
                   memcmp(a[0].content.ptr, "Hello, world!", 13) == 0,
               "%s: attachment 0 (base64 decoded)", why);
        CHECKF(a[1].has_content && a[1].content.len == 0 && a[1].size_bytes == 0,
               "%s: attachment 1 (empty bytes)", why);
        CHECKF(!a[2].has_content, "%s: attachment 2 (no content)", why);
    }
}

static void test_crm_email(void)
{
    static const char first[] = "{\"message_type\": \"email_received\", " EMAIL_REST "}";
    static const char middle[] =
        "{\"message_id\": \"<CAF=abc@mail.example.com>\", \"customer_id\": \"cust-9\","
        " \"message_type\": \"email_received\","
        " \"received_at\": \"2024-05-01T12:00:00Z\","
        " \"customer\": {\"email\": \"ana@example.com\", \"name\": null,"
        " \"external_id\": \"ext-1\"},"
        " \"subject\": \"R\\u00e9sum\\u00e9 attached\","
        " \"body_text\": \"Hi,\\r\\nplease see attached.\\n\\u2014 Ana\","
        " \"attachments\": [{\"file_name\": \"cv.pdf\", \"content_type\": \"application/pdf\","
        " \"size_bytes\": 26214400, \"content\": \"SGVsbG8sIHdvcmxkIQ==\"},"
        " {\"file_name\": \"empty.txt\", \"content_type\": \"text/plain\", \"size_bytes\": 0,"
        " \"content\": \"\"}, {\"file_name\": \"x\", \"content_type\": \"y\", \"size_bytes\": 1}]}";
    static const char last[] = "{" EMAIL_REST ", \"message_type\": \"email_received\"}";
    static const char *const docs[] = {first, middle, last};
    static const size_t lens[] = {LEN(first), LEN(middle), LEN(last)};
    static const char *const names[] = {"email, tag first", "email, tag in the middle",
                                        "email, tag last"};
    crm_InboundMessage m;
    for (int i = 0; i < 3; i++) {
        CHECKF(dec_crm_InboundMessage(&m, docs[i], lens[i], 0) == TG_JSON_OK, "%s decodes",
               names[i]);
        check_email(&m, names[i]);
        CHECKF(roundtrip_crm_InboundMessage(&m, NULL, names[i]), "%s round trip", names[i]);
    }
}

static void test_crm_whatsapp(void)
{
    static const char last[] =
        "{\"message_id\":\"wamid.HBgL\",\"customer_id\":\"c-2\","
        "\"received_at\":\"2024-05-01T12:00:00.000+02:00\",\"customer\":{\"phone\":\"+491701234567\"},"
        "\"waId\":\"491701234567\",\"text\":\"\xf0\x9f\x91\x8d ok \\ud83d\\udc4d\","
        "\"message_type\":\"whatsapp_received\"}";
    static const char middle[] =
        "{\"message_id\":\"wamid.HBgL\",\"customer_id\":\"c-2\","
        "\"received_at\":\"2024-05-01T12:00:00.000+02:00\",\"message_type\":\"whatsapp_received\","
        "\"customer\":{\"phone\":\"+491701234567\"},\"is_reply\":true,"
        "\"waId\":\"491701234567\",\"text\":\"\xf0\x9f\x91\x8d ok \\ud83d\\udc4d\"}";
    static const char out_last[] =
        "{\"message_type\":\"whatsapp_received\",\"message_id\":\"wamid.HBgL\",\"customer_id\":\"c-2\","
        "\"received_at\":\"2024-05-01T12:00:00.000+02:00\",\"customer\":{\"phone\":\"+491701234567\"},"
        "\"waId\":\"491701234567\",\"text\":\"\xf0\x9f\x91\x8d ok \xf0\x9f\x91\x8d\","
        "\"is_reply\":false}";
    crm_InboundMessage m;
    CHECKF(dec_crm_InboundMessage(&m, last, LEN(last), 0) == TG_JSON_OK, "whatsapp (tag last)");
    CHECKF(m.kind == crm_InboundMessage_WHATSAPP_RECEIVED, "whatsapp kind");
    if (m.kind == crm_InboundMessage_WHATSAPP_RECEIVED) {
        const crm_WhatsappReceived *w = &m.as.whatsapp_received;
        CHECKF(str_is(w->wa_id, "491701234567"), "wire name waId read into wa_id");
        CHECKF(str_is(w->text, "\xf0\x9f\x91\x8d ok \xf0\x9f\x91\x8d"), "surrogate pair decoded");
        CHECKF(!w->is_reply, "is_reply default false");
        CHECKF(w->customer.has_phone && !w->customer.has_email && !w->customer.has_name,
               "customer optionals");
    }
    CHECKF(roundtrip_crm_InboundMessage(&m, out_last, "whatsapp"), "whatsapp exact text");

    CHECKF(dec_crm_InboundMessage(&m, middle, LEN(middle), 0) == TG_JSON_OK,
           "whatsapp (tag in the middle)");
    CHECKF(m.kind == crm_InboundMessage_WHATSAPP_RECEIVED && m.as.whatsapp_received.is_reply,
           "is_reply true");
    CHECKF(roundtrip_crm_InboundMessage(&m, NULL, "whatsapp middle"), "whatsapp middle round trip");
}

static void test_crm_form(void)
{
    static const char first[] =
        "{\"message_type\":\"form_submitted\",\"message_id\":\"f-1\",\"customer_id\":\"c-3\","
        "\"received_at\":\"2024-05-01T12:00:00Z\",\"customer\":{},\"form_id\":\"contact\","
        "\"fields\":{\"name\":\"Bob\",\"message\":\"Call me \\\"maybe\\\"\",\"\\u00fcml\":\"\"},"
        "\"score\":0.75}";
    static const char out_first[] =
        "{\"message_type\":\"form_submitted\",\"message_id\":\"f-1\",\"customer_id\":\"c-3\","
        "\"received_at\":\"2024-05-01T12:00:00Z\",\"customer\":{},\"form_id\":\"contact\","
        "\"fields\":{\"name\":\"Bob\",\"message\":\"Call me \\\"maybe\\\"\",\"\xc3\xbcml\":\"\"},"
        "\"score\":0.75}";
    static const char middle[] =
        "{\"message_id\":\"f-2\",\"customer_id\":\"c-3\",\"received_at\":\"2024-05-01T12:00:00Z\","
        "\"customer\":{\"name\":\"Bob\"},\"form_id\":\"x\",\"message_type\":\"form_submitted\","
        "\"fields\":{},\"score\":1e-7}";
    static const char out_middle[] =
        "{\"message_type\":\"form_submitted\",\"message_id\":\"f-2\",\"customer_id\":\"c-3\","
        "\"received_at\":\"2024-05-01T12:00:00Z\",\"customer\":{\"name\":\"Bob\"},\"form_id\":\"x\","
        "\"fields\":{},\"score\":1e-07}";
    crm_InboundMessage m;
    CHECKF(dec_crm_InboundMessage(&m, first, LEN(first), 0) == TG_JSON_OK, "form (tag first)");
    CHECKF(m.kind == crm_InboundMessage_FORM_SUBMITTED, "form kind");
    if (m.kind == crm_InboundMessage_FORM_SUBMITTED) {
        const crm_FormSubmitted *f = &m.as.form_submitted;
        CHECKF(f->fields.count == 3, "3 form fields");
        if (f->fields.count == 3) {
            CHECKF(str_is(f->fields.items[0].key, "name") && str_is(f->fields.items[0].value, "Bob"),
                   "field 0");
            CHECKF(str_is(f->fields.items[1].value, "Call me \"maybe\""), "field 1");
            CHECKF(str_is(f->fields.items[2].key, "\xc3\xbcml"), "field 2 escaped key");
        }
        CHECKF(f->has_score && f->score == 0.75, "score");
    }
    CHECKF(roundtrip_crm_InboundMessage(&m, out_first, "form"), "form exact text");
    CHECKF(dec_crm_InboundMessage(&m, middle, LEN(middle), 0) == TG_JSON_OK, "form (tag middle)");
    CHECKF(m.kind == crm_InboundMessage_FORM_SUBMITTED && m.as.form_submitted.fields.count == 0 &&
               m.as.form_submitted.score == 1e-7,
           "form middle values");
    CHECKF(roundtrip_crm_InboundMessage(&m, out_middle, "form middle"), "form middle exact text");
}

/* Plain (non-union) messages decode on their own too. */
static void test_standalone(void)
{
    static const char att[] =
        "{\"file_name\":\"a\",\"content_type\":\"b\",\"size_bytes\":3,\"content\":\"AAEC\"}";
    crm_Attachment a;
    CHECKF(dec_crm_Attachment(&a, att, LEN(att), 0) == TG_JSON_OK, "attachment decodes");
    CHECKF(a.has_content && a.content.len == 3 && a.content.ptr[0] == 0 && a.content.ptr[2] == 2,
           "attachment bytes");
    CHECKF(roundtrip_crm_Attachment(&a, att, "attachment"), "attachment exact text");

    static const char md[] = "{\"correlation_id\":\"c\",\"attempt\":2,\"tags\":{\"a\":\"b\"}}";
    workflow_EventMetadata e;
    CHECKF(dec_workflow_EventMetadata(&e, md, LEN(md), 0) == TG_JSON_OK, "metadata decodes");
    CHECKF(roundtrip_workflow_EventMetadata(&e, md, "metadata"), "metadata exact text");

    static const char li[] =
        "{\"line_item_id\":\"1\",\"product_id\":\"2\",\"product_title\":\"3\",\"quantity\":4,"
        "\"price\":\"5\"}";
    orders_LineItem l;
    CHECKF(dec_orders_LineItem(&l, li, LEN(li), 0) == TG_JSON_OK, "line item decodes");
    CHECKF(roundtrip_orders_LineItem(&l, li, "line item"), "line item exact text");

    static const char ci[] = "{}";
    common_CustomerIdentity c;
    CHECKF(dec_common_CustomerIdentity(&c, ci, LEN(ci), 0) == TG_JSON_OK, "empty identity decodes");
    CHECKF(roundtrip_common_CustomerIdentity(&c, "{}", "identity"), "empty identity is {}");
}

/* <T>_init applies the defaults of the messages T holds by value too (a
 * producer that builds a WorkflowEvent by hand gets metadata.attempt = 1). */
static void test_init_nested_defaults(void)
{
    workflow_WorkflowEvent ev;
    memset(&ev, 0xff, sizeof ev);
    workflow_WorkflowEvent_init(&ev);
    CHECKF(ev.payload.metadata.attempt == 1, "nested default applied by the outer init");
    CHECKF(ev.payload.metadata.has_correlation_id == false && ev.payload.data.len == 0,
           "the rest of the nested message is zeroed");
}

/* Messages the encoder must refuse (TG_JSON_E_VALUE): the output would not
 * be valid JSON or would not decode. */
static void test_encode_rejects(void)
{
    static char out[4096];
    size_t n;
    {
        workflow_EventPayload p;
        workflow_EventPayload_init(&p);
        CHECKF(workflow_EventPayload_encode(&p, out, sizeof out, &n) == TG_JSON_E_VALUE,
               "json field never set (would write \"data\":})");
        p.data = (tg_str){"[1,2]", 5};
        CHECKF(workflow_EventPayload_encode(&p, out, sizeof out, &n) == TG_JSON_OK && n == 14 &&
                   memcmp(out, "{\"data\":[1,2]}", 14) == 0,
               "json field set");
    }
    static const char good[] =
        "{\"order_id\":\"o\",\"created_at\":\"2024-01-01T00:00:00Z\",\"customer_name\":\"A\","
        "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"b\",\"product_title\":\"\","
        "\"quantity\":1,\"price\":\"1\"}],\"total_price\":\"1\"}";
    orders_OrderEvent o;
    CHECKF(dec_orders_OrderEvent(&o, good, LEN(good), 0) == TG_JSON_OK, "base order");
    orders_OrderEvent bad = o;
    bad.status = (orders_OrderStatus)42;
    CHECKF(orders_OrderEvent_encode(&bad, out, sizeof out, &n) == TG_JSON_E_VALUE, "enum out of range");
    bad = o;
    bad.customer_name = (tg_str){"\xff", 1};
    CHECKF(orders_OrderEvent_encode(&bad, out, sizeof out, &n) == TG_JSON_E_VALUE, "invalid UTF-8");
    bad = o;
    bad.created_at = (tg_str){"2023-02-29T00:00:00Z", 20};
    CHECKF(orders_OrderEvent_encode(&bad, out, sizeof out, &n) == TG_JSON_E_VALUE, "bad timestamp");
    bad = o;
    bad.total_price = (tg_str){"1.2.3", 5};
    CHECKF(orders_OrderEvent_encode(&bad, out, sizeof out, &n) == TG_JSON_E_VALUE, "bad decimal");
    size_t full;
    CHECKF(orders_OrderEvent_encode(&o, out, sizeof out, &full) == TG_JSON_OK, "base encodes");
    CHECKF(orders_OrderEvent_encode(&o, out, full - 1, &n) == TG_JSON_E_BUFFER && n == full,
           "one byte short: buffer, size %zu of %zu", n, full);
    CHECKF(orders_OrderEvent_encode(&o, out, full, &n) == TG_JSON_OK && n == full, "exact fit");

    crm_InboundMessage u;
    crm_InboundMessage_init(&u);
    CHECKF(crm_InboundMessage_encode(&u, out, sizeof out, &n) == TG_JSON_E_VALUE, "union without variant");
    u.kind = (crm_InboundMessage_kind)9;
    CHECKF(crm_InboundMessage_encode(&u, out, sizeof out, &n) == TG_JSON_E_VALUE, "union kind out of range");
    crm_FormSubmitted f;
    crm_FormSubmitted_init(&f);
    f.message_id = f.customer_id = f.form_id = (tg_str){"x", 1};
    f.received_at = (tg_str){"2024-01-01T00:00:00Z", 20};
    CHECKF(crm_FormSubmitted_encode(&f, out, sizeof out, &n) == TG_JSON_OK, "form base");
    f.has_score = true;
    f.score = (double)NAN;
    CHECKF(crm_FormSubmitted_encode(&f, out, sizeof out, &n) == TG_JSON_E_VALUE, "NaN score");
    f.score = (double)INFINITY;
    CHECKF(crm_FormSubmitted_encode(&f, out, sizeof out, &n) == TG_JSON_E_VALUE, "infinite score");
    f.has_score = false;
    crm_FormSubmitted_fields_entry e = {{"\xc0\xaf", 2}, {"v", 1}};
    f.fields.items = &e;
    f.fields.count = 1;
    CHECKF(crm_FormSubmitted_encode(&f, out, sizeof out, &n) == TG_JSON_E_VALUE, "map key not UTF-8");
}

int main(void)
{
    test_order_values();
    test_order_exact();
    test_workflow_values();
    test_workflow_exact();
    test_crm_email();
    test_crm_whatsapp();
    test_crm_form();
    test_standalone();
    test_init_nested_defaults();
    test_encode_rejects();
    return check_done();
}
