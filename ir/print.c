/*
 * Textual forms of a graph: the IR dump of `nasc ir`, the per-layer table
 * of `nasc info`, and its JSON form (built with cJSON).
 *
 * The dump shows one node a line in graph order:
 *
 *   %3 = conv(%2) out=64 k=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 bias=false : 64x56x56  # layer1.0.conv1
 */
#include "ir.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *window_str(const ir_window *w, bool dilation)
{
    const char *s = arena_printf("k=%dx%d stride=%dx%d pad=%dx%d", w->kh, w->kw, w->sh, w->sw,
                                 w->ph, w->pw);
    if (dilation)
        s = arena_printf("%s dilation=%dx%d", s, w->dh, w->dw);
    return s;
}

static const char *attributes(const ir_node *n)
{
    switch (n->op) {
    case IR_CONV:
        return arena_printf("out=%d %s groups=%d bias=%s", n->attr.conv.out,
                            window_str(&n->attr.conv.win, true), n->attr.conv.groups,
                            n->attr.conv.bias ? "true" : "false");
    case IR_LINEAR:
        return arena_printf("out=%d bias=%s", n->attr.linear.out,
                            n->attr.linear.bias ? "true" : "false");
    case IR_BN:
        return arena_printf("eps=%g", n->attr.bn.eps);
    case IR_MAXPOOL:
        return arena_printf("%s ceil_mode=%s", window_str(&n->attr.pool.win, true),
                            n->attr.pool.ceil_mode ? "true" : "false");
    case IR_AVGPOOL:
        return arena_printf("%s ceil_mode=%s count_include_pad=%s",
                            window_str(&n->attr.pool.win, false),
                            n->attr.pool.ceil_mode ? "true" : "false",
                            n->attr.pool.count_include_pad ? "true" : "false");
    case IR_SPLIT:
        return arena_printf("start=%d channels=%d", n->attr.split.start, n->attr.split.channels);
    case IR_SHUFFLE:
        return arena_printf("groups=%d", n->attr.shuffle.groups);
    case IR_DROPOUT:
        return arena_printf("p=%g", n->attr.dropout.p);
    case IR_ZERO:
        return arena_printf("stride=%d", n->attr.zero.stride);
    default:
        return "";
    }
}

void ir_print(FILE *f, const ir_graph *g)
{
    fprintf(f, "graph %s(input %s) {\n", g->name, ir_shape_str(g->nodes[0].shape));
    for (int i = 1; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        fprintf(f, "  %%%d = %s(", i, ir_op_name(n->op));
        for (int k = 0; k < n->ninputs; k++)
            fprintf(f, "%s%%%d", k ? ", " : "", n->inputs[k]);
        const char *attrs = attributes(n);
        fprintf(f, ")%s%s : %s  # %s\n", *attrs ? " " : "", attrs, ir_shape_str(n->shape),
                n->name);
    }
    fprintf(f, "  return");
    for (int k = 0; k < g->noutputs; k++)
        fprintf(f, "%s %%%d", k ? "," : "", g->outputs[k]);
    fprintf(f, "\n}\n");
}

/* Formats n with thousands separators: 11689512 -> "11,689,512". */
static const char *grouped(int64_t n)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%" PRId64, n < 0 ? -n : n);
    size_t len = strlen(digits);
    char out[48];
    size_t k = 0;
    if (n < 0)
        out[k++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    return arena_strdup(out);
}

static const char *mebibytes(int64_t bytes)
{
    return arena_printf("%.2f MiB", (double)bytes / (1024.0 * 1024.0));
}

void ir_print_info(FILE *f, const ir_graph *g)
{
    int name_width = 5;
    for (int i = 0; i < g->nnodes; i++) {
        int len = (int)strlen(g->nodes[i].name);
        if (len > name_width)
            name_width = len;
    }

    fprintf(f, "network %s, input %s\n\n", g->name, ir_shape_str(g->nodes[0].shape));
    fprintf(f, "%-*s  %-14s  %-14s  %12s  %15s\n", name_width, "layer", "op", "output", "params",
            "MACs");
    for (int i = 1; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        fprintf(f, "%-*s  %-14s  %-14s  %12s  %15s\n", name_width, n->name, ir_op_name(n->op),
                ir_shape_str(n->shape), grouped(ir_node_params(g, n)),
                grouped(ir_node_macs(g, n)));
    }

    ir_cost c = ir_graph_cost(g);
    if (c.saturated)
        fprintf(f, "\nnote: a total exceeds %s and is shown at that bound\n", grouped(INT64_MAX));
    fprintf(f, "\nparams:                %s\n", grouped(c.params));
    fprintf(f, "MACs:                  %s\n", grouped(c.macs));
    fprintf(f, "activations:           %s (%s bytes)\n", mebibytes(c.activation_bytes),
            grouped(c.activation_bytes));
    fprintf(f, "peak live activations: %s (%s bytes)\n", mebibytes(c.peak_activation_bytes),
            grouped(c.peak_activation_bytes));
    for (int k = 0; k < g->noutputs; k++) {
        const ir_node *out = &g->nodes[g->outputs[k]];
        char label[32];
        snprintf(label, sizeof label, "output %d:", k);
        fprintf(f, "%-23s%s (%s)\n", label, ir_shape_str(out->shape), out->name);
    }
}

static cJSON *shape_json(ir_shape s)
{
    int dims[3] = {s.c, s.h, s.w};
    return cJSON_CreateIntArray(dims, 3);
}

/* An integer written exactly: cJSON stores numbers as doubles, exact only to 2^53. */
static cJSON *exact_integer(int64_t v)
{
    return cJSON_CreateRaw(arena_printf("%" PRId64, v));
}

/*
 * A layer. Names of layers without parameters may repeat (every
 * "layer1.0.relu"), so "id" (the node index, 0 being the input) and
 * "input_ids" identify the graph's edges. "inputs" gives their names.
 */
static cJSON *layer_json(const ir_graph *g, int i)
{
    const ir_node *n = &g->nodes[i];
    cJSON *layer = cJSON_CreateObject();
    cJSON_AddNumberToObject(layer, "id", i);
    cJSON_AddStringToObject(layer, "name", n->name);
    cJSON_AddStringToObject(layer, "op", ir_op_name(n->op));
    cJSON_AddItemToObject(layer, "shape", shape_json(n->shape));
    cJSON_AddItemToObject(layer, "params", exact_integer(ir_node_params(g, n)));
    cJSON_AddItemToObject(layer, "macs", exact_integer(ir_node_macs(g, n)));
    cJSON *inputs = cJSON_AddArrayToObject(layer, "inputs");
    cJSON *ids = cJSON_AddArrayToObject(layer, "input_ids");
    for (int k = 0; k < n->ninputs; k++) {
        cJSON_AddItemToArray(inputs, cJSON_CreateString(g->nodes[n->inputs[k]].name));
        cJSON_AddItemToArray(ids, cJSON_CreateNumber(n->inputs[k]));
    }
    return layer;
}

static void add_tensors(cJSON *list, const ir_graph *g, int i)
{
    ir_tensor t[8];
    int count = ir_node_tensors(g, i, t, 8);
    for (int k = 0; k < count; k++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "name", t[k].name);
        cJSON_AddItemToObject(item, "shape", cJSON_CreateIntArray(t[k].dims, t[k].rank));
        cJSON_AddStringToObject(item, "kind", t[k].is_buffer ? "buffer" : "parameter");
        cJSON_AddItemToArray(list, item);
    }
}

char *ir_info_json(const ir_graph *g)
{
    ir_cost c = ir_graph_cost(g);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "network", g->name);
    cJSON_AddItemToObject(root, "input", shape_json(g->nodes[0].shape));

    cJSON *outputs = cJSON_AddArrayToObject(root, "outputs");
    for (int k = 0; k < g->noutputs; k++) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "id", g->outputs[k]);
        cJSON_AddStringToObject(out, "name", g->nodes[g->outputs[k]].name);
        cJSON_AddItemToObject(out, "shape", shape_json(g->nodes[g->outputs[k]].shape));
        cJSON_AddItemToArray(outputs, out);
    }

    cJSON_AddItemToObject(root, "params", exact_integer(c.params));
    cJSON_AddItemToObject(root, "macs", exact_integer(c.macs));
    cJSON_AddItemToObject(root, "activation_bytes", exact_integer(c.activation_bytes));
    cJSON_AddItemToObject(root, "peak_activation_bytes", exact_integer(c.peak_activation_bytes));
    if (c.saturated)
        cJSON_AddTrueToObject(root, "saturated");

    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    cJSON *tensors = cJSON_AddArrayToObject(root, "tensors");
    for (int i = 1; i < g->nnodes; i++) {
        cJSON_AddItemToArray(layers, layer_json(g, i));
        add_tensors(tensors, g, i);
    }

    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}
