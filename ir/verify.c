/*
 * The IR verifier. It needs nothing and changes nothing. It runs after the
 * frontend builds a graph and is meant to run after every pass and every
 * search mutation. A failure is a bug in nasc, not in the user's input, so
 * callers treat it as an internal error.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *verify_node(const ir_graph *g, int i)
{
    const ir_node *n = &g->nodes[i];
    if (n->op < 0 || n->op >= IR_OP_COUNT)
        return arena_printf("node %d has an invalid op %d", i, (int)n->op);
    if ((i == 0) != (n->op == IR_INPUT))
        return arena_printf("node %d: the input op must be node 0 and only node 0", i);
    if (!n->name)
        return arena_printf("node %d has no name", i);
    for (int k = 0; k < n->ninputs; k++)
        if (n->inputs[k] < 0 || n->inputs[k] >= i)
            return arena_printf("node %d (%s) reads node %d, which does not come before it",
                                i, n->name, n->inputs[k]);

    ir_shape s;
    const char *err = ir_infer_shape(g, n, &s);
    if (err)
        return arena_printf("node %d (%s): %s", i, n->name, err);
    if (s.c != n->shape.c || s.h != n->shape.h || s.w != n->shape.w)
        return arena_printf("node %d (%s) records shape %s but its inputs give %s", i, n->name,
                            ir_shape_str(n->shape), ir_shape_str(s));
    return NULL;
}

const char *ir_verify(const ir_graph *g)
{
    if (g->nnodes < 1)
        return "the graph has no input node";
    for (int i = 0; i < g->nnodes; i++) {
        const char *err = verify_node(g, i);
        if (err)
            return err;
    }
    if (g->noutputs < 1)
        return "the graph has no output";
    for (int k = 0; k < g->noutputs; k++)
        if (g->outputs[k] < 0 || g->outputs[k] >= g->nnodes)
            return arena_printf("output %d refers to node %d, which does not exist", k,
                                g->outputs[k]);

    /* Layers with parameters must have distinct names, or weights would collide. */
    const char **names = malloc(sizeof(char *) * (size_t)g->nnodes);
    int count = 0;
    for (int i = 0; i < g->nnodes; i++)
        if (ir_node_params(g, &g->nodes[i]) > 0)
            names[count++] = g->nodes[i].name;
    qsort(names, (size_t)count, sizeof(char *), compare_names);
    const char *err = NULL;
    for (int i = 1; i < count && !err; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            err = arena_printf("two layers with parameters are both named '%s'", names[i]);
    free(names);
    return err;
}
