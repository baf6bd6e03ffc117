/*
 * Source files and diagnostics.
 *
 * A message looks like this, with the line number in a gutter:
 *
 *   net.nas:3:9: error: unknown op 'cnov'
 *       3 |     y = cnov(in, 64)
 *         |         ^~~~
 *
 * Columns count characters, not bytes, so that the underline sits under
 * the right text for UTF-8 sources. Bytes that would corrupt a terminal
 * (NUL, other control characters, invalid UTF-8) print as '?'.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ptr_vec files;
static int error_count;
static FILE *output; /* stderr unless diag_set_output chose another stream */

void diag_set_output(FILE *stream)
{
    output = stream;
}

static FILE *out(void)
{
    return output ? output : stderr;
}

int src_add(const char *path, const char *text, size_t len)
{
    src_file *f = arena_alloc(sizeof *f);
    f->path = arena_strdup(path);
    f->text = text;
    f->len = len;
    vec_push(&files, f);
    return files.len - 1;
}

const src_file *src_get(int file)
{
    NASC_ASSERT(file >= 0 && file < files.len);
    return files.items[file];
}

src_loc loc_span(src_loc first, src_loc last)
{
    if (first.file != last.file)
        return first;
    src_loc loc = first;
    if (last.end > loc.end)
        loc.end = last.end;
    return loc;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if invalid. */
static int utf8_length(const unsigned char *s, size_t n)
{
    int len;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, cp = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, cp = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Byte length of the character at p, counting an invalid byte as one. */
static size_t char_bytes(const unsigned char *p, const unsigned char *end)
{
    int n = utf8_length(p, (size_t)(end - p));
    return n ? (size_t)n : 1;
}

/* Characters of a source line shown around the range before it is cut with "...". */
#define LINE_CONTEXT_BEFORE 60
#define LINE_CONTEXT_AFTER 100

static size_t skip_chars(const unsigned char *text, size_t from, size_t limit, int count)
{
    while (from < limit && count-- > 0)
        from += char_bytes(text + from, text + limit);
    return from < limit ? from : limit;
}

static size_t count_chars(const unsigned char *text, size_t from, size_t to)
{
    size_t n = 0;
    while (from < to) {
        from += char_bytes(text + from, text + to);
        n++;
    }
    return n;
}

static void print_source_line(const src_file *f, src_loc loc)
{
    const unsigned char *text = (const unsigned char *)f->text;
    size_t start = loc.start > f->len ? f->len : loc.start;
    size_t end = loc.end > f->len ? f->len : loc.end;

    size_t line_start = start;
    while (line_start > 0 && text[line_start - 1] != '\n')
        line_start--;
    size_t line_end = start;
    while (line_end < f->len && text[line_end] != '\n')
        line_end++;
    if (end > line_end)
        end = line_end;

    int line = 1;
    for (size_t i = 0; i < line_start; i++)
        line += text[i] == '\n';

    /* Long lines are shown as a window around the range. */
    size_t shown_start = line_start;
    size_t shown_end = line_end;
    if (count_chars(text, line_start, start) > LINE_CONTEXT_BEFORE) {
        size_t skip = count_chars(text, line_start, start) - LINE_CONTEXT_BEFORE;
        shown_start = skip_chars(text, line_start, line_end, (int)skip);
    }
    if (count_chars(text, start, line_end) > LINE_CONTEXT_AFTER)
        shown_end = skip_chars(text, start, line_end, LINE_CONTEXT_AFTER);
    if (end > shown_end)
        end = shown_end;
    const char *before = shown_start > line_start ? "..." : "";
    const char *after = shown_end < line_end ? "..." : "";

    char gutter[32];
    int width = snprintf(gutter, sizeof gutter, "%5d", line);
    fprintf(out(), "%s | %s", gutter, before);
    for (size_t i = shown_start; i < shown_end;) {
        size_t n = char_bytes(text + i, text + shown_end);
        int valid = utf8_length(text + i, shown_end - i);
        if (text[i] == '\t')
            fputc('\t', out());
        else if (!valid || text[i] < 0x20 || text[i] == 0x7F)
            fputc('?', out());
        else
            fwrite(text + i, 1, n, out());
        i += n;
    }
    fprintf(out(), "%s\n", after);

    fprintf(out(), "%*s | %s", width, "", before[0] ? "   " : "");
    for (size_t i = shown_start; i < start; i += char_bytes(text + i, text + shown_end))
        fputc(text[i] == '\t' ? '\t' : ' ', out());
    fputc('^', out());
    size_t i = start < shown_end ? start + char_bytes(text + start, text + shown_end) : start;
    for (; i < end; i += char_bytes(text + i, text + shown_end))
        fputc('~', out());
    fputc('\n', out());
}

static void print_position(src_loc loc)
{
    const src_file *f = src_get(loc.file);
    const unsigned char *text = (const unsigned char *)f->text;
    size_t start = loc.start > f->len ? f->len : loc.start;
    int line = 1;
    int col = 1;
    for (size_t i = 0; i < start;) {
        if (text[i] == '\n') {
            line++;
            col = 1;
            i++;
        } else {
            col++;
            i += char_bytes(text + i, text + f->len);
        }
    }
    fprintf(out(), "%s:%d:%d: ", f->path, line, col);
}

static void report(const char *kind, src_loc loc, const char *fmt, va_list ap)
{
    if (loc.file >= 0)
        print_position(loc);
    else
        fprintf(out(), "nasc: ");
    fprintf(out(), "%s: ", kind);
    vfprintf(out(), fmt, ap);
    fputc('\n', out());
    if (loc.file >= 0)
        print_source_line(src_get(loc.file), loc);
}

void diag_verror(src_loc loc, const char *fmt, va_list ap)
{
    error_count++;
    if (error_count <= DIAG_MAX_ERRORS)
        report("error", loc, fmt, ap);
    else if (error_count == DIAG_MAX_ERRORS + 1)
        fprintf(out(), "nasc: too many errors, stopping here\n");
}

void diag_error(src_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_verror(loc, fmt, ap);
    va_end(ap);
}

void diag_warning(src_loc loc, const char *fmt, ...)
{
    if (error_count > DIAG_MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    report("warning", loc, fmt, ap);
    va_end(ap);
}

void diag_note(src_loc loc, const char *fmt, ...)
{
    if (error_count > DIAG_MAX_ERRORS)
        return;
    va_list ap;
    va_start(ap, fmt);
    report("note", loc, fmt, ap);
    va_end(ap);
}

int diag_error_count(void)
{
    return error_count;
}

void diag_forget_errors(int count)
{
    error_count = count;
}

void diag_reset(void)
{
    error_count = 0;
    files = (ptr_vec){0};
}

_Noreturn void nasc_die(const char *file, int line, const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "nasc: internal error at %s:%d: %s\n"
                    "This is a bug in nasc; please report it with the input file.\n",
            file, line, msg);
    abort();
}

/* Exposed for the lexer, which validates UTF-8 outside comments. */
int diag_utf8_length(const unsigned char *s, size_t n)
{
    return utf8_length(s, n);
}
