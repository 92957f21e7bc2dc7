/*
 * escape.c - one escaping rule per output context (escape.h).
 */
#include "escape.h"
#include "util.h"

#include "tg_text_int.h" /* runtime/json's UTF-8 and bidi rules */

#include <stdio.h>
#include <string.h>

const char *text_context_name(text_context c)
{
    switch (c) {
    case TX_FIXED: return "fixed text";
    case TX_STRUCT: return "a list or map";
    case TX_C_NAME: return "a C name";
    case TX_C_CODE: return "C code";
    case TX_PY_CODE: return "Python code";
    case TX_JSON_CODE: return "JSON code";
    case TX_C_COMMENT: return "C comment text";
    case TX_C_STRING: return "C string literal content";
    case TX_PY_STRING: return "Python string literal content";
    case TX_PY_DOC: return "Python docstring text";
    case TX_JSON_STRING: return "JSON string content";
    case TX_YAML_STRING: return "YAML double-quoted scalar content";
    }
    return "?";
}

long utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    *len = 1;
    if (n == 0)
        return -1;
    if (s[0] < 0x80)
        return (long)s[0];
    size_t seq = tg_utf8_seq(s, s + n); /* the decoders' rule: runtime/json */
    if (seq == 0)
        return -1;
    *len = seq;
    return (long)tg_utf8_code_point(s, seq);
}

bool is_bidi_control(long cp)
{
    return cp >= 0 && tg_text_is_bidi_control((uint32_t)cp);
}

bool is_c_name_text(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.'))
            return false;
    return true;
}

/* ---- a small growable output ------------------------------------------------ */

static char last(const strbuf *o)
{
    return o->len ? o->data[o->len - 1] : '\0';
}


/* True for characters a reader cannot see or that reorder or break lines:
 * C0 and C1 controls, DEL, U+2028/U+2029, bidi controls. */
static bool is_hidden(long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           is_bidi_control(cp);
}

/* ---- C ------------------------------------------------------------------------ */

char *escape_c_comment(const char *s)
{
    strbuf o = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        long cp = utf8_decode(p, (size_t)(end - p), &n);
        if (cp < 0) {
            strbuf_printf(&o, "<0x%02lX>", (long)*p);
        } else if (is_hidden(cp)) {
            strbuf_printf(&o, "<U+%04lX>", cp);
        } else if (cp == '/' && last(&o) == '*') {
            strbuf_puts(&o, " /"); /* no comment end */
        } else if (cp == '*' && last(&o) == '/') {
            strbuf_puts(&o, " *"); /* no comment start inside a comment */
        } else if (cp == '?' && last(&o) == '?') {
            strbuf_puts(&o, "\\?"); /* never "??": no trigraph */
        } else if (cp == '\\' && p[strspn((const char *)p + 1, " ") + 1] == '\0') {
            strbuf_puts(&o, "<U+005C>"); /* a backslash that may end a line continues it */
        } else {
            strbuf_putn(&o, (const char *)p, n);
        }
        p += n;
    }
    return strbuf_take(&o);
}

char *escape_c_string(const char *s)
{
    strbuf o = {0};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?') {
            strbuf_putc(&o, '\\');
            strbuf_putc(&o, (char)*p);
        } else if (*p < 0x20 || *p >= 0x7f) {
            strbuf_printf(&o, "\\%03lo", (long)*p); /* always 3 digits: a digit after stays a digit */
        } else {
            strbuf_putc(&o, (char)*p);
        }
    }
    return strbuf_take(&o);
}

/* ---- Python ------------------------------------------------------------------- */

static void py_code_point(strbuf *o, long cp)
{
    if (cp < 0x100)
        strbuf_printf(o, "\\x%02lx", cp);
    else if (cp < 0x10000)
        strbuf_printf(o, "\\u%04lx", cp);
    else
        strbuf_printf(o, "\\U%08lx", cp);
}

char *escape_py_string(const char *s)
{
    strbuf o = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        long cp = utf8_decode(p, (size_t)(end - p), &n);
        if (cp < 0)
            strbuf_puts(&o, "\\ufffd");
        else if (cp == '\\' || cp == '"' || cp == '\'')
            strbuf_putc(&o, '\\'), strbuf_putc(&o, (char)cp);
        else if (cp == '\n')
            strbuf_puts(&o, "\\n");
        else if (cp == '\r')
            strbuf_puts(&o, "\\r");
        else if (cp == '\t')
            strbuf_puts(&o, "\\t");
        else if (cp < 0x20 || cp >= 0x7f)
            py_code_point(&o, cp); /* ASCII only: no encoding question at all */
        else
            strbuf_putc(&o, (char)cp);
        p += n;
    }
    return strbuf_take(&o);
}

char *escape_py_doc(const char *s)
{
    strbuf o = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        long cp = utf8_decode(p, (size_t)(end - p), &n);
        if (cp < 0)
            strbuf_puts(&o, "\\ufffd");
        else if (cp == '\\' || cp == '"')
            strbuf_putc(&o, '\\'), strbuf_putc(&o, (char)cp);
        else if (cp == '\n' || cp == '\t')
            strbuf_putc(&o, (char)cp);
        else if (cp == '\r')
            strbuf_puts(&o, "\\r");
        else if (is_hidden(cp) || cp == 0xfeff)
            py_code_point(&o, cp);
        else
            strbuf_putn(&o, (const char *)p, n);
        p += n;
    }
    return strbuf_take(&o);
}

/* ---- JSON and YAML ------------------------------------------------------------- */

char *escape_json_string(const char *s)
{
    strbuf o = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        long cp = utf8_decode(p, (size_t)(end - p), &n);
        const char *short_form = cp == '"'    ? "\\\""
                                 : cp == '\\' ? "\\\\"
                                 : cp == '\n' ? "\\n"
                                 : cp == '\r' ? "\\r"
                                 : cp == '\t' ? "\\t"
                                 : cp == '\b' ? "\\b"
                                 : cp == '\f' ? "\\f"
                                              : NULL;
        if (cp < 0)
            strbuf_puts(&o, "\\ufffd");
        else if (short_form)
            strbuf_puts(&o, short_form);
        else if (is_hidden(cp))
            strbuf_printf(&o, "\\u%04lx", cp);
        else
            strbuf_putn(&o, (const char *)p, n);
        p += n;
    }
    return strbuf_take(&o);
}

char *escape_yaml_string(const char *s)
{
    strbuf o = {0};
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        long cp = utf8_decode(p, (size_t)(end - p), &n);
        const char *short_form = cp == '"'      ? "\\\""
                                 : cp == '\\'   ? "\\\\"
                                 : cp == 0      ? "\\0"
                                 : cp == '\n'   ? "\\n"
                                 : cp == '\r'   ? "\\r"
                                 : cp == '\t'   ? "\\t"
                                 : cp == 0x85   ? "\\N"
                                 : cp == 0x2028 ? "\\L"
                                 : cp == 0x2029 ? "\\P"
                                                : NULL;
        if (cp < 0)
            strbuf_puts(&o, "\\uFFFD");
        else if (short_form)
            strbuf_puts(&o, short_form);
        else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            strbuf_printf(&o, "\\x%02lX", cp);
        else if (is_bidi_control(cp) || cp == 0xfeff || cp == 0xfffe || cp == 0xffff)
            strbuf_printf(&o, "\\u%04lX", cp);
        else
            strbuf_putn(&o, (const char *)p, n);
        p += n;
    }
    return strbuf_take(&o);
}

char *escape_for(text_context c, const char *s)
{
    switch (c) {
    case TX_C_COMMENT: return escape_c_comment(s);
    case TX_C_STRING: return escape_c_string(s);
    case TX_PY_STRING: return escape_py_string(s);
    case TX_PY_DOC: return escape_py_doc(s);
    case TX_JSON_STRING: return escape_json_string(s);
    case TX_YAML_STRING: return escape_yaml_string(s);
    case TX_FIXED:
    case TX_STRUCT:
    case TX_C_NAME:
    case TX_C_CODE:
    case TX_PY_CODE:
    case TX_JSON_CODE: break;
    }
    return NULL;
}
