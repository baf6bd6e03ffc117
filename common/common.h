/*
 * Shared services of every nasc module: the memory arena, source files and
 * locations, user diagnostics and internal assertions.
 *
 * Memory policy: everything a compilation builds (source text, AST, values,
 * IR) comes from one arena and is never freed piece by piece. The arena goes
 * away at once when the compilation ends (arena_reset).
 *
 * Locations are byte ranges into a registered source file. Line and column
 * are computed only when a message is printed, in the form
 * `file:line:col: error: message`, followed by the source line and an
 * underline under the range.
 *
 * User errors go through diag_error and make nasc exit with status 1.
 * A broken invariant inside nasc is a bug, reported by NASC_ASSERT or
 * NASC_UNREACHABLE with nasc's own file and line, and aborts.
 */
#ifndef NASC_COMMON_H
#define NASC_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NASC_VERSION "0.1.0"

/* ---- arena.c ---- */

void *arena_alloc(size_t size); /* zeroed, aligned for any type */
void *arena_grow(void *old, size_t old_size, size_t new_size);
char *arena_strdup(const char *s);
char *arena_strndup(const char *s, size_t n);
char *arena_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *arena_vprintf(const char *fmt, va_list ap);
void arena_reset(void);

/*
 * A point in the arena's history. arena_release frees everything allocated
 * after the mark; whatever was allocated before it stays valid.
 */
typedef struct {
    void *head;
    size_t used;
    void *next;
} arena_mark_t;

arena_mark_t arena_mark(void);
void arena_release(arena_mark_t m);

/*
 * A growable array of pointers, stored in the arena. Growing doubles the
 * capacity and leaves the old storage to the arena.
 */
typedef struct {
    void **items;
    int len;
    int cap;
} ptr_vec;

void vec_push(ptr_vec *v, void *item);

/* ---- diag.c ---- */

/* A byte range [start, end) in source file number `file`. */
typedef struct {
    int file;
    uint32_t start;
    uint32_t end;
} src_loc;

/* A location that points at no source text; messages then carry no line. */
#define SRC_NONE ((src_loc){-1, 0, 0})

typedef struct {
    const char *path; /* as given by the user or resolved by import */
    const char *text; /* whole file, NUL-terminated; may hold NUL bytes */
    size_t len;
} src_file;

int src_add(const char *path, const char *text, size_t len);
const src_file *src_get(int file);
src_loc loc_span(src_loc first, src_loc last);

/*
 * Diagnostics print to stderr at once. After DIAG_MAX_ERRORS errors the
 * rest are counted but not printed, so that a broken file cannot flood the
 * terminal.
 */
#define DIAG_MAX_ERRORS 20

void diag_error(src_loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(src_loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning does not count as an error and does not change the exit status. */
void diag_warning(src_loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_verror(src_loc loc, const char *fmt, va_list ap);
int diag_error_count(void);
void diag_reset(void);
/* Sets the error count back to `count`: errors of a trial build that was expected to fail. */
void diag_forget_errors(int count);
/* Sends diagnostics to `stream` instead of stderr (NULL restores stderr). */
void diag_set_output(FILE *stream);

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
int diag_utf8_length(const unsigned char *s, size_t n);

/* ---- internal errors ---- */

_Noreturn void nasc_die(const char *file, int line, const char *msg);

#define NASC_ASSERT(cond) \
    ((cond) ? (void)0 : nasc_die(__FILE__, __LINE__, "assertion failed: " #cond))
#define NASC_UNREACHABLE() nasc_die(__FILE__, __LINE__, "unreachable code reached")

#endif
