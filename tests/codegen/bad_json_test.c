/*
 * codegen_bad_json: the error catalogue.  Each row is a document that one
 * rule rejects, with the exact result the generated decoder must give: the
 * return code, and the first recorded error's code, JSON path, byte offset
 * and reason.  Every row must record exactly one error (errors cap 16), so a
 * rule never reports a second, spurious error.
 *
 * In row inputs ' stands for " (so documents stay readable); offsets are
 * given as a marker: the error is at the first occurrence of `at` in the
 * input (NULL: at the very end); a '^' in the marker moves the offset to
 * that point of the match.  A reason starting with '~' is a substring,
 * else the exact text.  Below the table: arena exhaustion (retry with the
 * size the error names), collect-all-errors mode and the errors cap.
 */
#include <stdlib.h>
#include <string.h>

#include "codec_util.h"

enum type { ORDER, WORKFLOW, CRM, EMAIL, LINE_ITEM };

#define TG_JSON_E_OK TG_JSON_OK /* so R() can say OK */

typedef struct row {
    int line;
    enum type type;
    const char *input; /* ' stands for " */
    tg_json_code code;
    const char *path;
    const char *at;     /* the error offset is where this text first occurs */
    const char *reason; /* exact, or "~substring" */
} row;

#define R(type, input, code, path, at, reason) {__LINE__, type, input, TG_JSON_E_##code, path, at, reason}

/* ---- building blocks (' stands for ") ---- */
#define LI(q) "{'line_item_id':'a','product_id':'b','product_title':'c','quantity':" q ",'price':'1.00'}"
#define O_HEAD "{'order_id':'o-1','created_at':'2024-01-01T00:00:00Z','customer_name':'Ann',"
#define O_ITEMS "'line_items':[" LI("1") "," LI("2") "," LI("3") "]"
#define O_TAIL ",'total_price':'3.00'}"
#define ORDER_OK O_HEAD O_ITEMS O_TAIL
/* An order whose customer_name is the string body s. */
#define O_NAME(s) "{'order_id':'o-1','created_at':'2024-01-01T00:00:00Z','customer_name':'" s "'," O_ITEMS O_TAIL
/* An order with extra members appended. */
#define O_PLUS(m) O_HEAD O_ITEMS ",'total_price':'3.00'," m "}"

#define WF_HEAD                                                                \
    "{'event_id':'3f2504e0-4f89-11d3-9a0c-0305e82c3301','event_type':'step.started'," \
    "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
#define WF_DATA(d) WF_HEAD "'payload':{'data':" d "}}"

#define C_COMMON "'message_id':'m','customer_id':'c','received_at':'2024-01-01T00:00:00Z','customer':{}"
#define EMAIL(m) "{'message_type':'email_received'," C_COMMON ",'subject':'s','body_text':'b'" m "}"
#define WA(m) "{'message_type':'whatsapp_received'," C_COMMON ",'waId':'1','text':'t'" m "}"
#define FORM(m) "{'message_type':'form_submitted'," C_COMMON ",'form_id':'f','fields':{}" m "}"
#define ATT(c) ",'attachments':[{'file_name':'f','content_type':'t','size_bytes':1,'content':" c "}]"

#define DEEP8 "[[[[[[[["
#define DEEP64 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8
#define CLOSE8 "]]]]]]]]"
#define DEEP64_CLOSE CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8

static const row rows[] = {
    /* --- syntax (fatal) --- */
    R(ORDER, O_HEAD O_ITEMS ",'total_price':'3.00',}", SYNTAX, "$.total_price", ",^}",
      "trailing comma before '}'"),
    R(ORDER, O_HEAD "'line_items':[" LI("1") ",]" O_TAIL, SYNTAX, "$.line_items[0]", ",^]",
      "trailing comma before ']'"),
    R(ORDER, "{/* c */'order_id':'o-1'}", SYNTAX, "$", "/*", "comments are not allowed in JSON"),
    R(ORDER, O_HEAD O_ITEMS ", // c\n'total_price':'3.00'}", SYNTAX, "$", "//",
      "comments are not allowed in JSON"),
    R(CRM, FORM(",'score':0.5,"), SYNTAX, "$.score", ",^}", "trailing comma before '}'"),
    R(CRM, "{'message_type':'form_submitted'," C_COMMON ",'form_id':'f','fields':{'a':'b',}}",
      SYNTAX, "$.fields.a", ",^}", "trailing comma before '}'"),
    R(CRM, EMAIL(ATT("'AA=='") ",") , SYNTAX, "$.attachments", ",^}", "trailing comma before '}'"),
    R(CRM, "{'message_type':'email_received'," C_COMMON ",'attachments':[{'file_name':'f',},]}",
      SYNTAX, "$.attachments[0].file_name", ",^}", "trailing comma before '}'"),
    R(CRM, FORM(",/* score */'score':1"), SYNTAX, "$", "/*", "comments are not allowed in JSON"),
    R(CRM, "// crm\n" FORM(""), SYNTAX, "$", "//", "comments are not allowed in JSON"),
    R(CRM, EMAIL(",'attachments':[{'file_name':'f','content_type':'t','size_bytes':007}]"), SYNTAX,
      "$.attachments[0].size_bytes", "007", "leading zero in number"),
    R(CRM, FORM(",'score':00.5"), SYNTAX, "$.score", "00.5", "leading zero in number"),
    R(WORKFLOW, WF_DATA("[01]"), SYNTAX, "$.payload.data[0]", "01]", "leading zero in number"),
    R(WORKFLOW, WF_DATA("{'a':NaN}"), SYNTAX, "$.payload.data.a", "NaN", "invalid literal 'NaN'"),
    R(WORKFLOW, WF_DATA("[1,]"), SYNTAX, "$.payload.data[0]", ",^]", "trailing comma before ']'"),
    R(WORKFLOW, WF_DATA("'\\ud800'"), UTF8, "$.payload.data", "\\ud800", "lone surrogate \\ud800"),
    R(ORDER, O_HEAD "'line_items':[" LI("01") "]" O_TAIL, SYNTAX, "$.line_items[0].quantity", ":^01,",
      "leading zero in number"),
    R(ORDER, O_HEAD O_ITEMS ",'total_price':NaN}", SYNTAX, "$.total_price", "NaN",
      "invalid literal 'NaN'"),
    R(CRM, FORM(",'score':NaN"), SYNTAX, "$.score", "NaN", "invalid literal 'NaN'"),
    R(CRM, FORM(",'score':-Infinity"), SYNTAX, "$.score", "-Infinity", "expected digit after '-'"),
    R(ORDER, O_NAME("A\\x"), SYNTAX, "$.customer_name", "\\x", "invalid escape '\\x'"),
    R(CRM, EMAIL(",'x\\q':1"), SYNTAX, "$", "\\q", "invalid escape '\\q'"), /* in a key */
    R(ORDER, O_NAME("A\\u12G4"), SYNTAX, "$.customer_name", "\\u12G4",
      "invalid \\u escape (expected 4 hex digits)"),
    R(ORDER, O_NAME("A\\ud800"), UTF8, "$.customer_name", "\\ud800", "lone surrogate \\ud800"),
    R(ORDER, O_NAME("A\\udc00\\ud800"), UTF8, "$.customer_name", "\\udc00",
      "lone surrogate \\udc00"),
    R(CRM, WA(",'x':'\\ud83d x'"), UTF8, "$.x", "\\ud83d", "lone surrogate \\ud83d"),
    R(ORDER, O_NAME("A\xff" "B"), UTF8, "$.customer_name", "\xff", "invalid UTF-8 byte 0xFF"),
    R(ORDER, O_NAME("A\xc0\xaf"), UTF8, "$.customer_name", "\xc0", "~UTF-8"),
    R(ORDER, O_NAME("A\xed\xa0\x80"), UTF8, "$.customer_name", "\xed", "~UTF-8"),
    R(CRM, EMAIL(",'attachments':[{'file_name':'\xe2\x82'}]"), UTF8,
      "$.attachments[0].file_name", "\xe2", "~UTF-8"),
    R(ORDER, O_NAME("A\x01" "B"), SYNTAX, "$.customer_name", "\x01",
      "unescaped control character 0x01 in string"),
    R(CRM, WA(",'note':'line\nbreak'"), SYNTAX, "$.note", "\n",
      "unescaped control character 0x0A in string"),
    R(ORDER, ORDER_OK " x", SYNTAX, "$", " ^x", "trailing characters after JSON value"),
    R(CRM, EMAIL("") "{}", SYNTAX, "$", "}^{", "trailing characters after JSON value"),
    R(ORDER, O_HEAD O_ITEMS, SYNTAX, "$.line_items", NULL,
      "expected ',' or '}' after object member, got end of input"),
    R(ORDER, "", SYNTAX, "$", NULL, "unexpected end of input"),
    R(ORDER, "{'order_id' 'o-1'}", SYNTAX, "$.order_id", " ^'o-1'", "expected ':' after object key"),
    /* --- duplicate keys (fatal), also where nothing is decoded --- */
    R(ORDER, O_HEAD "'order_id':'o-2'," O_ITEMS O_TAIL, DUPLICATE, "$.order_id", "'order_id':'o-2'",
      "~duplicate key \"order_id\""),
    R(ORDER, O_HEAD "'line_items':[" LI("1") "," LI("2") ",{'quantity':1,'quantity':2}]" O_TAIL,
      DUPLICATE, "$.line_items[2].quantity", "'quantity':2}", "~duplicate key \"quantity\""),
    R(WORKFLOW, WF_DATA("{'a':{'b':1,'c':[{'x':1,'x':1}]}}"), DUPLICATE,
      "$.payload.data.a.c[0].x", "'x':1}", "~duplicate key \"x\""),
    R(ORDER, O_PLUS("'unknown':{'k':1,'k':2}"), DUPLICATE, "$.unknown.k", "'k':2",
      "~duplicate key \"k\""),
    R(CRM, EMAIL(",'message_type':'email_received'"), DUPLICATE, "$.message_type",
      "'message_type':'email_received'}", "~duplicate key \"message_type\""),
    R(CRM, WA(",'t\\u0065xt':'x'"), DUPLICATE, "$.text", "'t\\u0065xt'",
      "~duplicate key \"text\""),
    /* --- numbers --- */
    R(ORDER, O_HEAD "'line_items':[" LI("1") "," LI("2") "," LI("-3") "]" O_TAIL, RANGE,
      "$.line_items[2].quantity", "-3", "expected integer >= 1, got -3"),
    R(ORDER, O_HEAD "'line_items':[" LI("2147483648") "]" O_TAIL, RANGE,
      "$.line_items[0].quantity", "2147483648", "expected integer <= 10000, got 2147483648"),
    R(ORDER, O_HEAD "'line_items':[" LI("10001") "]" O_TAIL, RANGE,
      "$.line_items[0].quantity", "10001", "expected integer <= 10000, got 10001"),
    R(ORDER, O_HEAD "'line_items':[" LI("99999999999999999999") "]" O_TAIL, RANGE,
      "$.line_items[0].quantity", "9999", "expected integer <= 10000, got 99999999999999999999"),
    R(ORDER, O_HEAD "'line_items':[" LI("-99999999999999999999") "]" O_TAIL, RANGE,
      "$.line_items[0].quantity", "-9999", "expected integer >= 1, got -99999999999999999999"),
    R(ORDER, O_HEAD "'line_items':[" LI("1.5") "]" O_TAIL, TYPE, "$.line_items[0].quantity",
      "1.5", "~expected integer, got 1.5"),
    R(ORDER, O_HEAD "'line_items':[" LI("1e2") "]" O_TAIL, TYPE, "$.line_items[0].quantity",
      "1e2", "~expected integer, got 1e2"),
    R(WORKFLOW, WF_HEAD "'duration_ms':-1,'payload':{'data':1}}", RANGE, "$.duration_ms", ":^-1",
      "expected integer >= 0, got -1"),
    R(WORKFLOW, WF_HEAD "'payload':{'data':1,'metadata':{'attempt':0}}}", RANGE,
      "$.payload.metadata.attempt", "0}", "expected integer >= 1, got 0"),
    R(WORKFLOW, WF_HEAD "'payload':{'data':1,'metadata':{'attempt':4294967296}}}", RANGE,
      "$.payload.metadata.attempt", "4294967296", "expected integer <= 4294967295, got 4294967296"),
    R(WORKFLOW, WF_HEAD "'payload':{'data':1,'metadata':{'attempt':-1}}}", RANGE,
      "$.payload.metadata.attempt", ":^-1", "expected integer >= 0, got -1"),
    R(CRM, EMAIL(",'attachments':[{'file_name':'f','content_type':'t','size_bytes':26214401}]"),
      RANGE, "$.attachments[0].size_bytes", "26214401",
      "expected integer <= 26214400, got 26214401"),
    R(CRM, FORM(",'score':1.5"), RANGE, "$.score", "1.5", "expected number <= 1, got 1.5"),
    R(CRM, FORM(",'score':-0.25"), RANGE, "$.score", "-0.25", "expected number >= 0, got -0.25"),
    R(CRM, FORM(",'score':1e309"), RANGE, "$.score", "1e309", "~1e309"),
    /* --- strings: length in code points --- */
    R(ORDER, "{'order_id':'" "0123456789012345678901234567890123456789012345678901234567890123" "4'"
      ",'created_at':'2024-01-01T00:00:00Z','customer_name':'Ann'," O_ITEMS O_TAIL, LENGTH,
      "$.order_id", "'0123", "expected string of at most 64 characters, got 65"),
    R(ORDER, O_NAME(""), LENGTH, "$.customer_name", "''", "expected string of at least 1 characters, got 0"),
    R(ORDER, O_PLUS("'currency':'\xe2\x82\xac\xe2\x82\xac'"), LENGTH, "$.currency", "'\xe2\x82\xac",
      "expected string of at least 3 characters, got 2"),
    R(ORDER, O_PLUS("'currency':'EURO'"), LENGTH, "$.currency", "'EURO'",
      "expected string of at most 3 characters, got 4"),
    R(CRM, EMAIL("") , OK, "", NULL, ""),
    R(CRM, "{'message_type':'email_received','message_id':'','customer_id':'c','received_at':"
      "'2024-01-01T00:00:00Z','customer':{},'subject':'s','body_text':'b'}", LENGTH,
      "$.message_id", "''", "expected string of at least 1 characters, got 0"),
    /* --- enums --- */
    R(ORDER, O_PLUS("'status':'lost'"), ENUM, "$.status", "'lost'",
      "unknown OrderStatus \"lost\" (expected one of: pending, paid, shipped, delivered, cancelled)"),
    R(ORDER, O_PLUS("'status':'PAID'"), ENUM, "$.status", "'PAID'", "~unknown OrderStatus \"PAID\""),
    R(WORKFLOW, "{'event_id':'3f2504e0-4f89-11d3-9a0c-0305e82c3301','event_type':'step.skipped',"
      "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
      "'payload':{'data':1}}", ENUM, "$.event_type", "'step.skipped'",
      "unknown EventType \"step.skipped\" (expected one of: workflow.started, workflow.completed, "
      "workflow.failed, step.started, step.completed, step.failed)"),
    /* --- formats --- */
    R(ORDER, "{'order_id':'o-1','created_at':'2023-02-29T00:00:00Z','customer_name':'Ann',"
      O_ITEMS O_TAIL, FORMAT, "$.created_at", "'2023-02-29", "~invalid timestamp \"2023-02-29T00:00:00Z\""),
    R(ORDER, "{'order_id':'o-1','created_at':'2024-01-01 00:00:00Z','customer_name':'Ann',"
      O_ITEMS O_TAIL, FORMAT, "$.created_at", "'2024-01-01 ", "~invalid timestamp"),
    R(ORDER, "{'order_id':'o-1','created_at':'2024-01-01T00:00:00','customer_name':'Ann',"
      O_ITEMS O_TAIL, FORMAT, "$.created_at", "'2024-01-01T", "~invalid timestamp"),
    R(ORDER, "{'order_id':'o-1','created_at':'2024-01-01T24:00:00Z','customer_name':'Ann',"
      O_ITEMS O_TAIL, FORMAT, "$.created_at", "'2024-01-01T", "~invalid timestamp"),
    R(WORKFLOW, "{'event_id':'3f2504e0-4f89-11d3-9a0c-0305e82c330','event_type':'step.started',"
      "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
      "'payload':{'data':1}}", FORMAT, "$.event_id", "'3f25",
      "~invalid uuid \"3f2504e0-4f89-11d3-9a0c-0305e82c330\""),
    R(WORKFLOW, "{'event_id':'3f2504e04f8911d39a0c0305e82c3301','event_type':'step.started',"
      "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
      "'payload':{'data':1}}", FORMAT, "$.event_id", "'3f25", "~invalid uuid"),
    R(WORKFLOW, "{'event_id':'3g2504e0-4f89-11d3-9a0c-0305e82c3301','event_type':'step.started',"
      "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
      "'payload':{'data':1}}", FORMAT, "$.event_id", "'3g25", "~invalid uuid"),
    R(CRM, EMAIL(ATT("'SGVsbG8'")), FORMAT, "$.attachments[0].content", "'SGVsbG8'",
      "~invalid base64"),
    R(CRM, EMAIL(ATT("'SGVs!G8='")), FORMAT, "$.attachments[0].content", "'SGVs!", "~invalid base64"),
    R(CRM, EMAIL(ATT("'SGVsbG8=='")), FORMAT, "$.attachments[0].content", "'SGVsbG8==", "~invalid base64"),
    R(ORDER, O_HEAD "'line_items':[{'line_item_id':'a','product_id':'b','product_title':'c',"
      "'quantity':1,'price':'1.2.3'}]" O_TAIL, FORMAT, "$.line_items[0].price", "'1.2.3'",
      "~invalid decimal"),
    R(ORDER, O_HEAD O_ITEMS ",'total_price':1234567890123456789012345}", LENGTH, "$.total_price",
      "12345", "expected string of at most 24 characters, got 25"),
    R(ORDER, O_HEAD "'line_items':[{'line_item_id':'a','product_id':'b','product_title':'c',"
      "'quantity':1,'price':'-1234567890.123456789'}]" O_TAIL, LENGTH, "$.line_items[0].price",
      "'-1234", "expected string of at most 20 characters, got 21"),
    R(ORDER, "{'order_id':'o-1','created_at':'2024-01-01T00:00:00.1234567890Z','customer_name':'Ann',"
      O_ITEMS O_TAIL, FORMAT, "$.created_at", "'2024-01-01T", "~more than 9 fraction digits"),
    R(ORDER, O_HEAD O_ITEMS ",'total_price':'01.5'}", FORMAT, "$.total_price", "'01.5'",
      "~invalid decimal"),
    /* --- required members --- */
    R(ORDER, "{'created_at':'2024-01-01T00:00:00Z','customer_name':'Ann'," O_ITEMS O_TAIL, MISSING,
      "$.order_id", "'3.00'^}", "missing required field"), /* at the object's end */
    R(ORDER, O_HEAD "'line_items':[" LI("1") ",{'line_item_id':'a','product_id':'b',"
      "'product_title':'c','price':'1.00'}]" O_TAIL, MISSING, "$.line_items[1].quantity",
      "'1.00'^}]", "missing required field"),
    R(WORKFLOW, WF_HEAD "'payload':{'metadata':{}}}", MISSING, "$.payload.data", "{'metadata':{}^}",
      "missing required field"),
    R(CRM, "{'message_type':'whatsapp_received'," C_COMMON ",'text':'t'}", MISSING, "$.waId", "'t'^}",
      "missing required field"),
    /* --- unknown members --- */
    R(EMAIL, "{'message_id':'m','customer_id':'c','received_at':'2024-01-01T00:00:00Z',"
      "'customer':{},'subject':'s','body_text':'b','cc':['x']}", UNKNOWN_FIELD, "$.cc", "'cc'",
      "unknown field \"cc\""),
    R(CRM, EMAIL(",'cc':['x']"), UNKNOWN_FIELD, "$.cc", "'cc'", "unknown field \"cc\""),
    R(CRM, "{'cc':['x'],'message_type':'email_received'," C_COMMON ",'subject':'s','body_text':'b'}",
      UNKNOWN_FIELD, "$.cc", "'cc'", "unknown field \"cc\""),
    R(CRM, EMAIL(",'message_typ':'x'"), UNKNOWN_FIELD, "$.message_typ", "'message_typ'",
      "unknown field \"message_typ\""),
    R(CRM, WA(",'cc':['x']"), OK, "", NULL, ""), /* WhatsappReceived skips unknown members */
    /* --- unions --- */
    R(CRM, "{'message_type':'sms_received'," C_COMMON "}", UNION, "$.message_type", "'sms",
      "unknown variant \"sms_received\" (expected one of: email_received, whatsapp_received, form_submitted)"),
    R(CRM, "{" C_COMMON ",'subject':'s','body_text':'b'}", UNION, "$.message_type", "{",
      "missing discriminator"),
    R(CRM, "{'message_type':1," C_COMMON "}", UNION, "$.message_type", "1,",
      "discriminator must be a string"),
    R(CRM, "{'message_type':null}", UNION, "$.message_type", "null", "discriminator must be a string"),
    R(CRM, "{'message_id':'m','customer_id':'c','received_at':'2024-01-01T00:00:00Z',"
      "'customer':{'message_type':'email_received'}}", UNION, "$.message_type", "{",
      "missing discriminator"),
    R(CRM, "['email_received']", TYPE, "$", "[", "expected object, got array"),
    /* the tag and its key are JSON strings: escapes count as their characters */
    R(CRM, "{'message\\u005ftype':'whatsapp\\u005freceived'," C_COMMON ",'waId':'1','text':'t'}",
      OK, "", NULL, ""),
    R(CRM, "{'message_type':'email\\u005Freceived'," C_COMMON ",'subject':'s','body_text':'b'}",
      OK, "", NULL, ""),
    R(CRM, "{" C_COMMON ",'form_id':'f','fields':{},'\\u006dessage_type':'form_submitted'}",
      OK, "", NULL, ""),
    R(CRM, "{'message_type':'sms\\u005freceived'," C_COMMON "}", UNION, "$.message_type", "'sms",
      "unknown variant \"sms\\\\u005freceived\" (expected one of: email_received, whatsapp_received, "
      "form_submitted)"),
    /* broken JSON around a union is a syntax error, not a union error */
    R(CRM, "{'message_type':'email_re", SYNTAX, "$.message_type", "'email_re", "unterminated string"),
    R(CRM, "{'message_id':'m','customer':{'a':[1,}}", SYNTAX, "$.customer.a[1]", ",^}",
      "expected value, got '}'"),
    R(CRM, "{'message_type':1,'x':tru}", SYNTAX, "$.x", "tru", "~invalid literal"),
    /* --- wrong JSON types --- */
    R(ORDER, "[]", TYPE, "$", "[", "expected object, got array"),
    R(ORDER, "null", TYPE, "$", "null", "expected object, got null"),
    R(ORDER, O_HEAD "'line_items':[" LI("'1'") "]" O_TAIL, TYPE, "$.line_items[0].quantity",
      "'1'", "expected integer, got string"),
    R(ORDER, O_HEAD "'line_items':{}" O_TAIL, TYPE, "$.line_items", "{}",
      "expected array, got object"),
    R(ORDER, O_HEAD "'line_items':[" LI("1") ",[]]" O_TAIL, TYPE, "$.line_items[1]", "[]]",
      "expected object, got array"),
    R(ORDER, "{'order_id':17,'created_at':'2024-01-01T00:00:00Z','customer_name':'Ann',"
      O_ITEMS O_TAIL, TYPE, "$.order_id", "17", "expected string, got number"),
    R(ORDER, O_PLUS("'status':0"), TYPE, "$.status", "0}", "expected string, got number"),
    R(ORDER, O_PLUS("'note':null"), TYPE, "$.note", "null", "expected string, got null"),
    R(WORKFLOW, WF_DATA("{'a':1}") "", OK, "", NULL, ""),
    R(WORKFLOW, WF_HEAD "'payload':{'data':1,'metadata':{'tags':{'a':1}}}}", TYPE,
      "$.payload.metadata.tags.a", "1}", "expected string, got number"),
    R(WORKFLOW, WF_HEAD "'payload':[]}", TYPE, "$.payload", "[]", "expected object, got array"),
    R(CRM, WA(",'is_reply':'yes'"), TYPE, "$.is_reply", "'yes'", "expected boolean, got string"),
    R(CRM, EMAIL(ATT("3")), TYPE, "$.attachments[0].content", "3}", "~expected base64 string, got number"),
    R(CRM, FORM(",'score':'0.5'"), TYPE, "$.score", "'0.5'", "expected number, got string"),
    R(CRM, FORM(",'score':true"), TYPE, "$.score", "true", "expected number, got boolean"),
    /* --- nesting --- */
    /* the object is level 1: the 64th array is too deep */
    R(ORDER, O_PLUS("'deep':" DEEP64 DEEP64_CLOSE), DEPTH, "~$.deep[0][0][0]",
      DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 "[[[[[[[^[", "nesting deeper than 64"),
    /* two objects above: the 63rd array is too deep */
    R(WORKFLOW, WF_DATA(DEEP64 DEEP64_CLOSE), DEPTH, "~$.payload.data[0][0]",
      DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 "[[[[[[^[", "nesting deeper than 64"),
    /* exactly at the limit is fine */
    R(ORDER, O_PLUS("'deep':" DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 "[[[[[[["
                    CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 CLOSE8 "]]]]]]]"), OK, "", NULL, ""),
};

/* ---- running a row ---- */

static char input_buf[4096];

static size_t expand(const char *s)
{
    size_t n = strlen(s);
    if (n >= sizeof input_buf)
        abort();
    for (size_t i = 0; i < n; i++)
        input_buf[i] = s[i] == '\'' ? '"' : s[i];
    input_buf[n] = '\0';
    return n;
}

static tg_json_code decode_as(enum type t, const char *json, size_t len, tg_arena *arena,
                              tg_json_errors *errors)
{
    static union {
        orders_OrderEvent order;
        orders_LineItem line_item;
        workflow_WorkflowEvent workflow;
        crm_InboundMessage crm;
        crm_EmailReceived email;
    } out;
    switch (t) {
    case ORDER:
        return orders_OrderEvent_decode(&out.order, json, len, arena, errors);
    case LINE_ITEM:
        return orders_LineItem_decode(&out.line_item, json, len, arena, errors);
    case WORKFLOW:
        return workflow_WorkflowEvent_decode(&out.workflow, json, len, arena, errors);
    case CRM:
        return crm_InboundMessage_decode(&out.crm, json, len, arena, errors);
    case EMAIL:
        return crm_EmailReceived_decode(&out.email, json, len, arena, errors);
    }
    return TG_JSON_E_VALUE;
}

static bool reason_matches(const char *want, const char *got)
{
    if (want[0] == '~')
        return strstr(got, want + 1) != NULL;
    return strcmp(want, got) == 0;
}

static void run_row(const row *w)
{
    static unsigned char arena_buf[1 << 16];
    tg_json_error items[16];
    tg_json_errors errors = {items, 16, 0, 0};
    tg_arena arena;
    size_t len = expand(w->input);
    size_t want_off = len;
    if (w->at) {
        char marker[256];
        size_t m = 0, caret = 0;
        for (const char *a = w->at; *a; a++) {
            if (*a == '^')
                caret = m;
            else
                marker[m++] = *a == '\'' ? '"' : *a;
        }
        marker[m] = '\0';
        const char *hit = strstr(input_buf, marker);
        if (!hit) {
            CHECKF(hit, "row at line %d: marker not in input", w->line);
            return;
        }
        want_off = (size_t)(hit - input_buf) + caret;
    }
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    tg_json_code got = decode_as(w->type, input_buf, len, &arena, &errors);
    bool ok = got == w->code;
    if (w->code == TG_JSON_OK) {
        ok = ok && errors.count == 0;
    } else if (errors.count != 1) {
        ok = false;
    } else {
        const tg_json_error *e = &errors.items[0];
        ok = ok && e->code == w->code && e->offset == want_off &&
             reason_matches(w->reason, e->reason) &&
             (w->path[0] == '~' ? strncmp(e->path, w->path + 1, strlen(w->path + 1)) == 0
                                : strcmp(e->path, w->path) == 0);
    }
    CHECKF(ok, "row at line %d: want %s %s @%zu \"%s\"", w->line, tg_json_code_name(w->code),
           w->path, want_off, w->reason);
    if (!ok) {
        fprintf(stderr, "    got %s, %zu error(s)\n", tg_json_code_name(got), errors.count);
        for (size_t i = 0; i < errors.count; i++)
            fprintf(stderr, "    [%s] %s @%zu \"%s\"\n", tg_json_code_name(items[i].code),
                    items[i].path, items[i].offset, items[i].reason);
    }
}

/* ---- arena too small: the error names the size that works ---- */

static void test_arena(void)
{
    /* Escaped strings, an escaped map key, bytes and two arrays need arena. */
    static const char *const docs[] = {
        O_HEAD "'line_items':[" LI("1") "," LI("2") "," LI("3") "," LI("4") "]"
        ",'total_price':'3.00','note':'caf\\u00e9 \\n'}",
        WF_HEAD "'step_name':'s\\u0074ep','payload':{'data':1,'metadata':{'tags':"
        "{'a\\u0062':'c\\u0064','e':'f'}}}}",
        EMAIL(",'attachments':[{'file_name':'f\\u00e9','content_type':'t','size_bytes':1,"
              "'content':'SGVsbG8sIHdvcmxkIQ=='},{'file_name':'g','content_type':'t',"
              "'size_bytes':2}]"),
        /* escaped text the short arena leaves undecoded must not be
         * validated (length, enum): the result is "arena", then ok */
        O_PLUS("'currency':'\\u20ac\\u20ac\\u20ac','status':'p\\u0061id'"),
        ("{'message_type':'whatsapp\\u005freceived','message_id':'m\\u0031','customer_id':'c',"
         "'received_at':'2024-01-01T00:00:00Z','customer':{},'waId':'1','text':'\\u0074'}"),
    };
    static const enum type types[] = {ORDER, WORKFLOW, CRM, ORDER, CRM};
    static unsigned char buf[4096];
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        size_t len = expand(docs[d]);
        for (size_t cap = 0; cap < 200; cap += 7) {
            tg_json_error items[16];
            tg_json_errors errors = {items, 16, 0, 0};
            tg_arena arena;
            tg_arena_init(&arena, buf, cap);
            tg_json_code c = decode_as(types[d], input_buf, len, &arena, &errors);
            if (c == TG_JSON_OK)
                break; /* large enough */
            CHECKF(c == TG_JSON_E_ARENA && errors.count == 1, "doc %zu cap %zu: one arena error, got %s/%zu",
                   d, cap, tg_json_code_name(c), errors.count);
            if (errors.count != 1)
                continue;
            const char *needed = strstr(items[0].reason, " bytes needed");
            const char *p = needed;
            while (p && p > items[0].reason && p[-1] >= '0' && p[-1] <= '9')
                p--;
            CHECKF(needed && p < needed, "doc %zu cap %zu: reason names the size: %s", d, cap,
                   items[0].reason);
            if (!needed || p == needed)
                continue;
            size_t need = (size_t)strtoul(p, NULL, 10);
            CHECKF(need > cap && need == arena.needed, "doc %zu cap %zu: needed %zu (arena says %zu)",
                   d, cap, need, arena.needed);
            tg_arena_init(&arena, buf, need);
            c = decode_as(types[d], input_buf, len, &arena, &errors);
            CHECKF(c == TG_JSON_OK, "doc %zu cap %zu: retry with %zu bytes: %s (%s)", d, cap, need,
                   tg_json_code_name(c), errors.count ? items[0].reason : "");
            /* exact: one byte less is too little (same buffer) */
            tg_arena_init(&arena, buf, need - 1);
            c = decode_as(types[d], input_buf, len, &arena, &errors);
            CHECKF(c == TG_JSON_E_ARENA, "doc %zu cap %zu: %zu - 1 bytes are enough", d, cap, need);
        }
        /* No arena at all: measured the same way. */
        tg_json_error items[4];
        tg_json_errors errors = {items, 4, 0, 0};
        tg_json_code c = decode_as(types[d], input_buf, len, NULL, &errors);
        CHECKF(c == TG_JSON_E_ARENA && errors.count == 1 && strstr(items[0].reason, "bytes needed"),
               "doc %zu: NULL arena: %s %s", d, tg_json_code_name(c), errors.count ? items[0].reason : "");
    }
}

/* ---- content after the document is its first error ---- */

static void test_trailing_first(void)
{
    /* a quantity out of range and order_id missing, then trailing text:
     * the trailing text is reported first (also when the list is full). */
    static const char doc[] =
        "{'created_at':'2024-01-01T00:00:00Z','customer_name':'Ann',"
        "'line_items':[" LI("-3") "]" O_TAIL " x";
    size_t len = expand(doc);
    static unsigned char buf[4096];
    tg_arena arena;
    tg_json_error items[4];
    for (size_t cap = 1; cap <= 4; cap++) {
        tg_json_errors errors = {items, cap, 0, 0};
        tg_arena_init(&arena, buf, sizeof buf);
        tg_json_code c = decode_as(ORDER, input_buf, len, &arena, &errors);
        size_t at = (size_t)(strrchr(input_buf, 'x') - input_buf);
        CHECKF(c == TG_JSON_E_SYNTAX && errors.count >= 1 && items[0].offset == at &&
                   strcmp(items[0].reason, "trailing characters after JSON value") == 0,
               "cap %zu: first error %s @%zu '%s'", cap, tg_json_code_name(c),
               errors.count ? items[0].offset : 0, errors.count ? items[0].reason : "");
        CHECKF(errors.count + errors.dropped == 3, "cap %zu: %zu kept + %zu dropped, want 3",
               cap, errors.count, errors.dropped);
        if (cap >= 3)
            CHECKF(items[1].code == TG_JSON_E_RANGE && items[2].code == TG_JSON_E_MISSING,
                   "cap %zu: then the errors in document order: %s, %s", cap,
                   tg_json_code_name(items[1].code), tg_json_code_name(items[2].code));
    }
}

/* ---- collect-all mode and the cap ---- */

static void test_collect_all(void)
{
    static const char doc[] =
        "{'order_id':'o-1','created_at':'2024-01-01T00:00:00Z','customer_name':'',"
        "'line_items':[" LI("1") "," LI("2") "," LI("-3") "],'total_price':'3.00',"
        "'status':'lost'}";
    size_t len = expand(doc);
    tg_json_error items[16];
    tg_json_errors errors = {items, 16, 0, 0};
    tg_json_code c = decode_as(ORDER, input_buf, len, NULL, &errors);
    (void)c;
    static unsigned char buf[4096];
    tg_arena arena;
    tg_arena_init(&arena, buf, sizeof buf);
    c = decode_as(ORDER, input_buf, len, &arena, &errors);
    CHECKF(c == TG_JSON_E_LENGTH, "first error's code is the result: %s", tg_json_code_name(c));
    CHECKF(errors.count == 3 && errors.dropped == 0, "3 errors collected, got %zu", errors.count);
    if (errors.count == 3) {
        CHECKF(items[0].code == TG_JSON_E_LENGTH && strcmp(items[0].path, "$.customer_name") == 0,
               "error 1: %s", items[0].path);
        CHECKF(items[1].code == TG_JSON_E_RANGE &&
                   strcmp(items[1].path, "$.line_items[2].quantity") == 0 &&
                   strcmp(items[1].reason, "expected integer >= 1, got -3") == 0,
               "error 2: %s", items[1].path);
        CHECKF(items[2].code == TG_JSON_E_ENUM && strcmp(items[2].path, "$.status") == 0,
               "error 3: %s", items[2].path);
        char line[256];
        tg_json_error_format(&items[1], line, sizeof line);
        char want[128];
        snprintf(want, sizeof want, "$.line_items[2].quantity: expected integer >= 1, got -3 (byte %zu)",
                 (size_t)(strstr(input_buf, "-3") - input_buf));
        CHECKF(strcmp(line, want) == 0, "formatted: %s", line);
    }

    /* cap 1: the first error kept, the rest counted. */
    tg_json_errors one = {items, 1, 0, 0};
    tg_arena_init(&arena, buf, sizeof buf);
    c = decode_as(ORDER, input_buf, len, &arena, &one);
    CHECKF(c == TG_JSON_E_LENGTH && one.count == 1 && one.dropped == 2,
           "cap 1: count %zu dropped %zu", one.count, one.dropped);

    /* errors NULL: still the right code. */
    tg_arena_init(&arena, buf, sizeof buf);
    c = decode_as(ORDER, input_buf, len, &arena, NULL);
    CHECKF(c != TG_JSON_OK, "NULL errors: failure still reported (%s)", tg_json_code_name(c));

    /* A syntax error after validation errors: both kept, decoding stopped. */
    static const char doc2[] =
        "{'order_id':'','created_at':'2024-01-01T00:00:00Z','customer_name':'A',"
        "'line_items':[" LI("0") ",}";
    len = expand(doc2);
    tg_arena_init(&arena, buf, sizeof buf);
    c = decode_as(ORDER, input_buf, len, &arena, &errors);
    CHECKF(c == TG_JSON_E_LENGTH && errors.count == 3 && items[2].code == TG_JSON_E_SYNTAX,
           "validation errors then a syntax error: %s, %zu errors", tg_json_code_name(c),
           errors.count);
}

/* ---- item counts: arrays and maps at and past their bounds ---- */

static char big[1 << 17];

/* big = pre + n copies of item (',' between, "%d" in item -> index) + post. */
static size_t build(const char *pre, const char *item, int n, const char *post)
{
    size_t len = (size_t)snprintf(big, sizeof big, "%s", pre);
    for (int i = 0; i < n; i++) {
        if (i)
            big[len++] = ',';
        len += (size_t)snprintf(big + len, sizeof big - len, item, i);
    }
    len += (size_t)snprintf(big + len, sizeof big - len, "%s", post);
    for (size_t i = 0; i < len; i++)
        if (big[i] == '\'')
            big[i] = '"';
    return len;
}

static void check_items(enum type t, size_t len, tg_json_code want, const char *path,
                        const char *reason, const char *why)
{
    static unsigned char buf[1 << 18];
    tg_json_error items[4];
    tg_json_errors errors = {items, 4, 0, 0};
    tg_arena arena;
    tg_arena_init(&arena, buf, sizeof buf);
    tg_json_code c = decode_as(t, big, len, &arena, &errors);
    if (want == TG_JSON_OK) {
        CHECKF(c == TG_JSON_OK, "%s: %s %s", why, tg_json_code_name(c), errors.count ? items[0].reason : "");
        return;
    }
    CHECKF(c == want && errors.count == 1 && strcmp(items[0].path, path) == 0 &&
               strcmp(items[0].reason, reason) == 0,
           "%s: %s %s %s", why, tg_json_code_name(c), errors.count ? items[0].path : "",
           errors.count ? items[0].reason : "");
}

static void test_items(void)
{
    static const char li[] =
        "{'line_item_id':'a%d','product_id':'b','product_title':'','quantity':1,'price':'1'}";
    static const char o_pre[] =
        "{'order_id':'o','created_at':'2024-01-01T00:00:00Z','customer_name':'A','line_items':[";
    static const char o_post[] = "],'total_price':'1'}";
    check_items(ORDER, build(o_pre, li, 500, o_post), TG_JSON_OK, "", "", "500 line items");
    check_items(ORDER, build(o_pre, li, 501, o_post), TG_JSON_E_LENGTH, "$.line_items",
                "expected at most 500 items, got 501", "501 line items");
    check_items(ORDER, build(o_pre, li, 0, o_post), TG_JSON_E_LENGTH, "$.line_items",
                "expected at least 1 items, got 0", "no line items");
    size_t len = build(o_pre, li, 0, o_post);
    tg_json_error items[2];
    tg_json_errors errors = {items, 2, 0, 0};
    (void)decode_as(ORDER, big, len, NULL, &errors);
    CHECKF(errors.count == 1 && items[0].offset == (size_t)(strstr(big, "[]") - big),
           "item-count error at the array: %zu", errors.count ? items[0].offset : 0);

    static const char f_pre[] =
        "{'message_type':'form_submitted','message_id':'m','customer_id':'c',"
        "'received_at':'2024-01-01T00:00:00Z','customer':{},'form_id':'f','fields':{";
    check_items(CRM, build(f_pre, "'k%d':'v'", 200, "}}"), TG_JSON_OK, "", "", "200 form fields");
    check_items(CRM, build(f_pre, "'k%d':'v'", 201, "}}"), TG_JSON_E_LENGTH, "$.fields",
                "expected at most 200 items, got 201", "201 form fields");
    check_items(CRM, build(f_pre, "'k\\u00e9%d':'v'", 40, "}}"), TG_JSON_OK, "", "",
                "40 escaped form field keys");

    static const char e_pre[] =
        "{'message_type':'email_received','message_id':'m','customer_id':'c',"
        "'received_at':'2024-01-01T00:00:00Z','customer':{},'subject':'s','body_text':'b',"
        "'attachments':[";
    static const char att[] = "{'file_name':'f%d','content_type':'t','size_bytes':1}";
    check_items(CRM, build(e_pre, att, 20, "]}"), TG_JSON_OK, "", "", "20 attachments");
    check_items(CRM, build(e_pre, att, 21, "]}"), TG_JSON_E_LENGTH, "$.attachments",
                "expected at most 20 items, got 21", "21 attachments");

    static const char w_pre[] =
        "{'event_id':'3f2504e0-4f89-11d3-9a0c-0305e82c3301','event_type':'step.started',"
        "'source':'api','workflow_id':'w','workflow_run_id':'r','timestamp':'2024-01-01T00:00:00Z',"
        "'payload':{'data':1,'metadata':{'tags':{";
    check_items(WORKFLOW, build(w_pre, "'t%d':''", 64, "}}}}"), TG_JSON_OK, "", "", "64 tags");
    check_items(WORKFLOW, build(w_pre, "'t%d':''", 65, "}}}}"), TG_JSON_E_LENGTH,
                "$.payload.metadata.tags", "expected at most 64 items, got 65", "65 tags");
}

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_row(&rows[i]);
    printf("%zu catalogue rows\n", sizeof rows / sizeof rows[0]);
    test_arena();
    test_collect_all();
    test_trailing_first();
    test_items();
    return check_done();
}
