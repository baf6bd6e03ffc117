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

static const char *read_all(FILE *f)
{
    long size = ftell(f);
    char *text = arena_alloc((size_t)size + 1);
    rewind(f);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    return text;
}

tu_result tu_compile(const char *source, const char *network)
{
    tu_result r = {NULL, "", 0};
    diag_reset();

    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *capture = tmpfile();
    ck_assert_ptr_nonnull(capture);
    dup2(fileno(capture), STDERR_FILENO);

    fe_program *p = fe_load_text("test.nas", source, strlen(source));
    const ast_decl *net = p ? fe_find_network(p, network) : NULL;
    if (net)
        r.graph = fe_build(p, net);

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    r.errors = read_all(capture);
    fclose(capture);
    r.error_count = diag_error_count();
    if (r.error_count > 0)
        r.graph = NULL;
    return r;
}

ir_graph *tu_build(const char *source)
{
    tu_result r = tu_compile(source, NULL);
    ck_assert_msg(r.graph != NULL, "compilation failed:\n%s", r.errors);
    return r.graph;
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
