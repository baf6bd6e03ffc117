/*
 * Helpers shared by the Check suites: compile .nas source held in a string
 * and capture the diagnostics nasc prints, so a test can assert on the
 * graph or on the exact message.
 */
#ifndef NASC_TESTUTIL_H
#define NASC_TESTUTIL_H

#include "../frontend/frontend.h"
#include "../ir/ir.h"

typedef struct {
    ir_graph *graph;     /* NULL when compilation failed */
    const char *errors;  /* everything printed to stderr, "" when nothing */
    int error_count;
} tu_result;

/*
 * Compiles `source` as the file "test.nas" and builds its network (the only
 * one, or the one named `network`). Diagnostics are captured, not printed.
 */
tu_result tu_compile(const char *source, const char *network);

/* Compiles and returns the graph, failing the test with the errors if any. */
ir_graph *tu_build(const char *source);

/* The node named `name`, failing the test if there is none. */
const ir_node *tu_node(const ir_graph *g, const char *name);

/* True when `haystack` contains `needle`. */
bool tu_contains(const char *haystack, const char *needle);

#endif
