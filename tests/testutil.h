/*
 * Helpers shared by the Check suites: compile .nas source held in a string
 * or a file and capture the diagnostics nasc prints, so a test can assert on
 * the graph or on the exact message.
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

/* Like tu_compile, for a file on disk read with fe_load. */
tu_result tu_compile_file(const char *path, const char *network);

/* Compiles and returns the graph, failing the test with the errors if any. */
ir_graph *tu_build(const char *source);

/*
 * Compiles `source`, fails the test if compilation succeeds, and returns
 * the captured diagnostics.
 */
const char *tu_errors(const char *source);

/*
 * Evaluates `expr` (.nas syntax) as the output channels of a 1x1 conv on a
 * 1x4x4 input, where `in.c` is 1, and returns the conv's channel count. A
 * way to observe a number: the value must be a positive integer, or a float
 * with an integral value.
 */
int tu_channels_of(const char *expr);

/* The node named `name`, failing the test if there is none. */
const ir_node *tu_node(const ir_graph *g, const char *name);

/* True when `haystack` contains `needle`. */
bool tu_contains(const char *haystack, const char *needle);

/* The number of non-overlapping occurrences of `needle` in `haystack`. */
int tu_count(const char *haystack, const char *needle);

/*
 * Points stderr at a temporary file until tu_capture_stop, which restores
 * it and returns everything written meanwhile. Captures do not nest.
 */
void tu_capture_start(void);
const char *tu_capture_stop(void);

#endif
