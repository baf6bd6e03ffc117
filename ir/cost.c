/*
 * The cost model.
 *
 * params counts the elements of trainable parameters (PyTorch's
 * model.parameters()): batch-norm running statistics are buffers and do not
 * count. MACs count multiply-accumulates of conv and linear layers only:
 * conv is output elements x in_channels/groups x kh x kw, and linear is
 * in x out. Bias additions, batch norm, activations and pooling count 0.
 *
 * The peak activation memory comes from a liveness plan: ops run in graph
 * order, each tensor is allocated when produced and freed after its last
 * reader, and the inputs of an op are still live while its output is
 * written. identity, dropout and flatten produce no storage of their own;
 * they share their input's. Outputs of the network stay live to the end.
 */
#include "ir.h"

#include <stdlib.h>

#define BYTES_PER_VALUE 4 /* float32 */

int64_t ir_node_params(const ir_graph *g, const ir_node *n)
{
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    switch (n->op) {
    case IR_CONV: {
        int64_t per_out = (int64_t)(in.c / n->attr.conv.groups) * n->attr.conv.win.kh *
                          n->attr.conv.win.kw;
        return n->attr.conv.out * (per_out + (n->attr.conv.bias ? 1 : 0));
    }
    case IR_LINEAR:
        return (int64_t)n->attr.linear.out * (in.c + (n->attr.linear.bias ? 1 : 0));
    case IR_BN:
        return 2 * (int64_t)in.c;
    default:
        return 0;
    }
}

int64_t ir_node_macs(const ir_graph *g, const ir_node *n)
{
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    switch (n->op) {
    case IR_CONV:
        return ir_shape_elements(n->shape) * (in.c / n->attr.conv.groups) *
               n->attr.conv.win.kh * n->attr.conv.win.kw;
    case IR_LINEAR:
        return (int64_t)in.c * n->attr.linear.out;
    default:
        return 0;
    }
}

static bool is_alias(ir_op op)
{
    return op == IR_IDENTITY || op == IR_DROPOUT || op == IR_FLATTEN;
}

static int64_t saturating_add(int64_t a, int64_t b, bool *saturated)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        *saturated = true;
        return INT64_MAX;
    }
    return r;
}

static int64_t peak_bytes(const ir_graph *g)
{
    NASC_ASSERT(g->nnodes > 0 && g->nnodes <= IR_MAX_NODES + 1);
    int n = g->nnodes;
    size_t count = (size_t)(unsigned)n;
    int *root = malloc(sizeof(int) * count);
    int *last_use = malloc(sizeof(int) * count);
    int64_t *freed_after = calloc(count, sizeof(int64_t));
    NASC_ASSERT(root && last_use && freed_after);

    for (int i = 0; i < n; i++) {
        const ir_node *node = &g->nodes[i];
        root[i] = is_alias(node->op) ? root[node->inputs[0]] : i;
        last_use[i] = i;
        for (int k = 0; k < node->ninputs; k++) {
            int r = root[node->inputs[k]];
            if (last_use[r] < i)
                last_use[r] = i;
        }
    }
    for (int k = 0; k < g->noutputs; k++)
        last_use[root[g->outputs[k]]] = n; /* never freed */
    for (int i = 0; i < n; i++)
        if (root[i] == i && last_use[i] < n)
            freed_after[last_use[i]] += ir_shape_elements(g->nodes[i].shape) * BYTES_PER_VALUE;

    int64_t live = 0;
    int64_t peak = 0;
    for (int i = 0; i < n; i++) {
        if (root[i] == i)
            live += ir_shape_elements(g->nodes[i].shape) * BYTES_PER_VALUE;
        if (live > peak)
            peak = live;
        live -= freed_after[i];
    }

    free(root);
    free(last_use);
    free(freed_after);
    return peak;
}

ir_cost ir_graph_cost(const ir_graph *g)
{
    ir_cost c = {0, 0, 0, 0, false};
    for (int i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        c.params = saturating_add(c.params, ir_node_params(g, n), &c.saturated);
        c.macs = saturating_add(c.macs, ir_node_macs(g, n), &c.saturated);
        c.activation_bytes = saturating_add(
            c.activation_bytes, ir_shape_elements(n->shape) * BYTES_PER_VALUE, &c.saturated);
    }
    c.peak_activation_bytes = peak_bytes(g);
    return c;
}

ir_cost ir_live_cost(const ir_graph *g)
{
    ir_cost c = ir_graph_cost(g);
    bool *live = calloc((size_t)g->nnodes, sizeof(bool));
    NASC_ASSERT(live);
    for (int k = 0; k < g->noutputs; k++)
        live[g->outputs[k]] = true;
    for (int i = g->nnodes - 1; i > 0; i--) {
        const ir_node *n = &g->nodes[i];
        if (!live[i] || n->op == IR_ZERO)
            continue; /* zero reads no values */
        for (int k = 0; k < n->ninputs; k++)
            if (!(n->op == IR_ADD && g->nodes[n->inputs[k]].op == IR_ZERO))
                live[n->inputs[k]] = true;
    }
    c.params = c.macs = 0;
    for (int i = 0; i < g->nnodes; i++) {
        if (!live[i])
            continue;
        c.params = saturating_add(c.params, ir_node_params(g, &g->nodes[i]), &c.saturated);
        c.macs = saturating_add(c.macs, ir_node_macs(g, &g->nodes[i]), &c.saturated);
    }
    free(live);
    return c;
}

static ir_tensor tensor(const ir_node *n, int node, const char *suffix, bool buffer, int rank,
                        int d0, int d1, int d2, int d3)
{
    ir_tensor t = {arena_printf("%s.%s", n->name, suffix), node, rank, {d0, d1, d2, d3}, buffer};
    return t;
}

int ir_node_tensors(const ir_graph *g, int i, ir_tensor *out, int max)
{
    const ir_node *n = &g->nodes[i];
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    ir_tensor t[5];
    int count = 0;

    switch (n->op) {
    case IR_CONV:
        t[count++] = tensor(n, i, "weight", false, 4, n->attr.conv.out,
                            in.c / n->attr.conv.groups, n->attr.conv.win.kh, n->attr.conv.win.kw);
        if (n->attr.conv.bias)
            t[count++] = tensor(n, i, "bias", false, 1, n->attr.conv.out, 0, 0, 0);
        break;
    case IR_LINEAR:
        t[count++] = tensor(n, i, "weight", false, 2, n->attr.linear.out, in.c, 0, 0);
        if (n->attr.linear.bias)
            t[count++] = tensor(n, i, "bias", false, 1, n->attr.linear.out, 0, 0, 0);
        break;
    case IR_BN:
        t[count++] = tensor(n, i, "weight", false, 1, in.c, 0, 0, 0);
        t[count++] = tensor(n, i, "bias", false, 1, in.c, 0, 0, 0);
        t[count++] = tensor(n, i, "running_mean", true, 1, in.c, 0, 0, 0);
        t[count++] = tensor(n, i, "running_var", true, 1, in.c, 0, 0, 0);
        t[count++] = tensor(n, i, "num_batches_tracked", true, 0, 0, 0, 0, 0);
        break;
    default:
        break;
    }
    NASC_ASSERT(count <= max);
    for (int k = 0; k < count; k++)
        out[k] = t[k];
    return count;
}
