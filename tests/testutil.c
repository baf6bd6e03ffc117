/*
 * Test helpers: see testutil.h. stderr is pointed at a temporary file for
 * the duration of a compilation and read back into a string.
 */
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *capture_file;
static int saved_stderr = -1;

static const char *read_all(FILE *f)
{
    long size = ftell(f);
    char *text = arena_alloc((size_t)size + 1);
    rewind(f);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    return text;
}

void tu_capture_start(void)
{
    ck_assert_ptr_null(capture_file);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    capture_file = tmpfile();
    ck_assert_ptr_nonnull(capture_file);
    dup2(fileno(capture_file), STDERR_FILENO);
}

const char *tu_capture_stop(void)
{
    ck_assert_ptr_nonnull(capture_file);
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
    const char *text = read_all(capture_file);
    fclose(capture_file);
    capture_file = NULL;
    return text;
}

/* Selects and builds a network of a loaded program, with stderr captured. */
static tu_result build_captured(fe_program *p, const char *network)
{
    tu_result r = {NULL, "", 0};
    const ast_decl *net = p ? fe_find_network(p, network) : NULL;
    if (net)
        r.graph = fe_build(p, net);
    r.errors = tu_capture_stop();
    r.error_count = diag_error_count();
    if (r.error_count > 0)
        r.graph = NULL;
    return r;
}

tu_result tu_compile(const char *source, const char *network)
{
    diag_reset();
    tu_capture_start();
    fe_program *p = fe_load_text("test.nas", source, strlen(source));
    return build_captured(p, network);
}

tu_result tu_compile_file(const char *path, const char *network)
{
    diag_reset();
    tu_capture_start();
    fe_program *p = fe_load(path);
    return build_captured(p, network);
}

ir_graph *tu_build(const char *source)
{
    tu_result r = tu_compile(source, NULL);
    ck_assert_msg(r.graph != NULL, "compilation failed:\n%s", r.errors);
    return r.graph;
}

const char *tu_errors(const char *source)
{
    tu_result r = tu_compile(source, NULL);
    ck_assert_msg(r.graph == NULL, "compilation succeeded, but an error was expected");
    ck_assert_int_gt(r.error_count, 0);
    return r.errors;
}

int tu_channels_of(const char *expr)
{
    const char *source = arena_printf("network n(input = [1, 4, 4]) {\n"
                                      "    return conv(in, %s, k = 1) as probe\n"
                                      "}\n",
                                      expr);
    tu_result r = tu_compile(source, NULL);
    ck_assert_msg(r.graph != NULL, "'%s' failed:\n%s", expr, r.errors);
    return tu_node(r.graph, "probe")->shape.c;
}

const ir_node *tu_node(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->nnodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return &g->nodes[i];
    ck_abort_msg("no layer named '%s'", name);
    return NULL;
}

bool tu_contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

int tu_count(const char *haystack, const char *needle)
{
    int count = 0;
    size_t len = strlen(needle);
    for (const char *p = strstr(haystack, needle); p && len > 0; p = strstr(p + len, needle))
        count++;
    return count;
}
