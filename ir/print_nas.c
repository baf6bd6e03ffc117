/*
 * Writes a graph as a concrete .nas network with one line per IR node.
 * `nasc build` of that file gives the same graph: the same nodes in the
 * same order, with the same attributes, shapes and full dotted layer names,
 * so weights load by the same state_dict keys.
 *
 *   network resnet18(input = [3, 224, 224]) {
 *       t1 = conv(in, 64, k = 7, stride = 2, pad = 3, bias = false) as ("conv1")  # 64x112x112
 *       ...
 *       return t68
 *   }
 *
 * Node i is the variable tI and node 0 is `in`. Every node is named with a
 * computed name `as ("a.b.c")`, which the frontend places at the top-level
 * scope as it is. Arguments at the defaults of the op's signature (see
 * frontend/ops.c) are left out. The nodes of one split call are written
 * back as that one call, `tI, tJ = split(tX, [c1, c2]) as ("P")`, which
 * names its parts P.0, P.1, ... Every node is kept, including zero edges
 * and layers that feed no output, so params and MACs stay equal.
 *
 * The graph is checked before anything is written, so an error leaves the
 * file untouched.
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* The number of consecutive split nodes, from node i, that one split call made; 0 if none. */
static int split_group_length(const ir_graph *g, int i)
{
    const ir_node *first = &g->nodes[i];
    size_t len = strlen(first->name);
    if (first->attr.split.start != 0 || len < 3 || strcmp(first->name + len - 2, ".0") != 0)
        return 0;
    const char *prefix = arena_strndup(first->name, len - 2);
    int input = first->inputs[0];
    int channels = g->nodes[input].shape.c;

    int covered = 0;
    int count = 0;
    while (covered < channels && i + count < g->nnodes) {
        const ir_node *n = &g->nodes[i + count];
        if (n->op != IR_SPLIT || n->inputs[0] != input || n->attr.split.start != covered ||
            strcmp(n->name, arena_printf("%s.%d", prefix, count)) != 0)
            return 0;
        covered += n->attr.split.channels;
        count++;
    }
    return covered == channels ? count : 0;
}

/* True for a name that `as ("...")` accepts: segments of [A-Za-z0-9_] joined by dots. */
static bool is_layer_name(const char *name)
{
    bool segment_empty = true;
    for (const char *c = name; *c; c++) {
        if (*c == '.') {
            if (segment_empty)
                return false;
            segment_empty = true;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '_') {
            segment_empty = false;
        } else {
            return false;
        }
    }
    return !segment_empty;
}

static bool is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

/* Returns NULL when every node can be written, else a message naming the first that cannot. */
static const char *check_writable(const ir_graph *g)
{
    if (!is_identifier(g->name))
        return arena_printf("network name '%s' is not an identifier", g->name);
    for (int i = 1; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (!is_layer_name(n->name))
            return arena_printf("node %d: layer name '%s' is not a dotted name of letters, "
                                "digits and '_'", i, n->name);
        if (n->op == IR_INPUT)
            return arena_printf("node %d ('%s') is a second network input", i, n->name);
        if (n->op == IR_AVGPOOL && (n->attr.pool.win.dh != 1 || n->attr.pool.win.dw != 1))
            return arena_printf("node %d ('%s'): avgpool has no dilation argument", i, n->name);
        if (n->op == IR_SPLIT) {
            int count = split_group_length(g, i);
            if (count == 0)
                return arena_printf("node %d ('%s') is not part of a whole split whose parts "
                                    "are named NAME.0, NAME.1, ... in order", i, n->name);
            i += count - 1;
        }
    }
    return NULL;
}

/*
 * NOTE: one variable per node makes the flat file slow to build for huge
 * graphs, because the evaluator looks variables up by a linear scan: 5,000
 * nodes take 0.6 s, 20,000 take 10 s (`nasc info`, release build, a chain
 * of relu layers).
 */
static const char *tensor_var(int node)
{
    return node == 0 ? "in" : arena_printf("t%d", node);
}

/* An integer, or [h, w] when the two axes differ. */
static const char *pair(int h, int w)
{
    return h == w ? arena_printf("%d", h) : arena_printf("[%d, %d]", h, w);
}

/* The shortest decimal that reads back as the same double, always with a '.' or an exponent. */
static const char *float_literal(double x)
{
    char text[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, x);
        if (strtod(text, NULL) == x)
            break;
    }
    if (!strpbrk(text, ".e"))
        return arena_printf("%s.0", text);
    return arena_strdup(text);
}

/* ", stride = S, pad = P": the window arguments that differ from their defaults. */
static const char *window_args(const ir_window *w, int default_sh, int default_sw)
{
    const char *s = "";
    if (w->sh != default_sh || w->sw != default_sw)
        s = arena_printf("%s, stride = %s", s, pair(w->sh, w->sw));
    if (w->ph != 0 || w->pw != 0)
        s = arena_printf("%s, pad = %s", s, pair(w->ph, w->pw));
    if (w->dh != 1 || w->dw != 1)
        s = arena_printf("%s, dilation = %s", s, pair(w->dh, w->dw));
    return s;
}

/* The arguments after the tensor inputs, each starting with ", ". */
static const char *attribute_args(const ir_node *n)
{
    const ir_window *w;
    switch (n->op) {
    case IR_CONV:
        w = &n->attr.conv.win;
        return arena_printf(", %d, k = %s%s%s%s", n->attr.conv.out, pair(w->kh, w->kw),
                            window_args(w, 1, 1),
                            n->attr.conv.groups != 1
                                ? arena_printf(", groups = %d", n->attr.conv.groups)
                                : "",
                            n->attr.conv.bias ? "" : ", bias = false");
    case IR_LINEAR:
        return arena_printf(", %d%s", n->attr.linear.out,
                            n->attr.linear.bias ? "" : ", bias = false");
    case IR_BN:
        return n->attr.bn.eps == 1e-5 ? ""
                                      : arena_printf(", eps = %s", float_literal(n->attr.bn.eps));
    case IR_DROPOUT:
        return n->attr.dropout.p == 0.5
                   ? ""
                   : arena_printf(", p = %s", float_literal(n->attr.dropout.p));
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        w = &n->attr.pool.win;
        return arena_printf(", k = %s%s%s%s", pair(w->kh, w->kw), window_args(w, w->kh, w->kw),
                            n->attr.pool.ceil_mode ? ", ceil_mode = true" : "",
                            n->op == IR_AVGPOOL && !n->attr.pool.count_include_pad
                                ? ", count_include_pad = false"
                                : "");
    case IR_SHUFFLE:
        return arena_printf(", groups = %d", n->attr.shuffle.groups);
    case IR_ZERO:
        return n->attr.zero.stride == 1 ? ""
                                        : arena_printf(", stride = %d", n->attr.zero.stride);
    default:
        return "";
    }
}

/* Writes the split call that made nodes i .. i + count - 1. */
static void write_split(FILE *f, const ir_graph *g, int i, int count)
{
    const ir_node *first = &g->nodes[i];
    const char *targets = "";
    const char *sizes = "";
    for (int k = 0; k < count; k++) {
        targets = arena_printf("%s%s%s", targets, k ? ", " : "", tensor_var(i + k));
        sizes = arena_printf("%s%s%d", sizes, k ? ", " : "", g->nodes[i + k].attr.split.channels);
    }
    const char *call = arena_printf("split(%s, [%s]) as (\"%.*s\")", tensor_var(first->inputs[0]),
                                    sizes, (int)strlen(first->name) - 2, first->name);

    /* Destructuring takes two or more targets, so one part is taken by index. */
    if (count == 1)
        fprintf(f, "    %s = %s[0]  # %s\n", tensor_var(i), call, ir_shape_str(first->shape));
    else
        fprintf(f, "    %s = %s\n", targets, call);
}

static void write_node(FILE *f, const ir_graph *g, int i)
{
    const ir_node *n = &g->nodes[i];
    const char *inputs = "";
    for (int k = 0; k < n->ninputs; k++)
        inputs = arena_printf("%s%s%s", inputs, k ? ", " : "", tensor_var(n->inputs[k]));
    fprintf(f, "    %s = %s(%s%s) as (\"%s\")  # %s\n", tensor_var(i), ir_op_name(n->op), inputs,
            attribute_args(n), n->name, ir_shape_str(n->shape));
}

static void write_comment(FILE *f, const char *comment)
{
    while (*comment) {
        size_t len = strcspn(comment, "\n");
        fprintf(f, "#%s%.*s\n", len ? " " : "", (int)len, comment);
        comment += len;
        if (*comment == '\n')
            comment++;
    }
}

const char *ir_write_nas(FILE *f, const ir_graph *g, const char *comment)
{
    const char *error = check_writable(g);
    if (error)
        return error;

    if (comment)
        write_comment(f, comment);
    ir_shape input = g->nodes[0].shape;
    fprintf(f, "network %s(input = [%d, %d, %d]) {\n", g->name, input.c, input.h, input.w);
    for (int i = 1; i < g->nnodes; i++) {
        /* Each line's strings are released once it is written, so memory stays flat. */
        arena_mark_t mark = arena_mark();
        int count = g->nodes[i].op == IR_SPLIT ? split_group_length(g, i) : 0;
        if (count > 0)
            write_split(f, g, i, count);
        else
            write_node(f, g, i);
        arena_release(mark);
        if (count > 0)
            i += count - 1;
    }
    fprintf(f, "    return");
    for (int k = 0; k < g->noutputs; k++)
        fprintf(f, "%s %s", k ? "," : "", tensor_var(g->outputs[k]));
    fprintf(f, "\n}\n");
    return NULL;
}
