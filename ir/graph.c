/*
 * Building graphs and inferring shapes.
 *
 * ir_infer_shape contains every shape rule of every op. The output-size
 * formulas are PyTorch's (Conv2d, MaxPool2d, AvgPool2d as of 1.13), and an
 * error message names the op, the shapes involved and the rule broken.
 */
#include "ir.h"

#include <string.h>

static const char *const op_names[IR_OP_COUNT] = {
    [IR_INPUT] = "input",
    [IR_CONV] = "conv",
    [IR_LINEAR] = "linear",
    [IR_BN] = "bn",
    [IR_RELU] = "relu",
    [IR_RELU6] = "relu6",
    [IR_HARDSWISH] = "hardswish",
    [IR_HARDSIGMOID] = "hardsigmoid",
    [IR_SIGMOID] = "sigmoid",
    [IR_DROPOUT] = "dropout",
    [IR_MAXPOOL] = "maxpool",
    [IR_AVGPOOL] = "avgpool",
    [IR_GLOBAL_AVGPOOL] = "global_avgpool",
    [IR_ADD] = "add",
    [IR_MUL] = "mul",
    [IR_CONCAT] = "concat",
    [IR_SPLIT] = "split",
    [IR_SHUFFLE] = "shuffle",
    [IR_FLATTEN] = "flatten",
    [IR_IDENTITY] = "identity",
    [IR_ZERO] = "zero",
};

const char *ir_op_name(ir_op op)
{
    NASC_ASSERT(op >= 0 && op < IR_OP_COUNT);
    return op_names[op];
}

const char *ir_shape_str(ir_shape s)
{
    return arena_printf("%dx%dx%d", s.c, s.h, s.w);
}

int64_t ir_shape_elements(ir_shape s)
{
    return (int64_t)s.c * s.h * s.w;
}

ir_graph *ir_graph_new(const char *name, ir_shape input)
{
    ir_graph *g = arena_alloc(sizeof *g);
    g->name = name;
    g->cap = 64;
    g->nodes = arena_alloc(sizeof(ir_node) * (size_t)g->cap);
    g->nodes[0].op = IR_INPUT;
    g->nodes[0].name = "input";
    g->nodes[0].loc = SRC_NONE;
    g->nodes[0].shape = input;
    g->nnodes = 1;
    return g;
}

/* Multiplies with a check against IR_MAX_ELEMENTS; -1 when it is exceeded. */
static int64_t bounded_product(int64_t a, int64_t b)
{
    int64_t r;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r) || r > IR_MAX_ELEMENTS)
        return -1;
    return r;
}

static const char *check_elements(const ir_node *n, ir_shape s)
{
    int64_t e = bounded_product(bounded_product(s.c, s.h), s.w);
    if (s.c < 1 || s.h < 1 || s.w < 1 || e < 0)
        return arena_printf("%s: output shape %dx%dx%d is invalid (each dimension must be at "
                            "least 1 and the tensor at most %lld elements)",
                            ir_op_name(n->op), s.c, s.h, s.w, IR_MAX_ELEMENTS);
    return NULL;
}

static const char *check_window(const ir_node *n, const ir_window *w)
{
    const char *op = ir_op_name(n->op);
    if (w->kh < 1 || w->kw < 1)
        return arena_printf("%s: kernel size %dx%d must be at least 1", op, w->kh, w->kw);
    if (w->sh < 1 || w->sw < 1)
        return arena_printf("%s: stride %dx%d must be at least 1", op, w->sh, w->sw);
    if (w->ph < 0 || w->pw < 0)
        return arena_printf("%s: padding %dx%d must not be negative", op, w->ph, w->pw);
    if (w->dh < 1 || w->dw < 1)
        return arena_printf("%s: dilation %dx%d must be at least 1", op, w->dh, w->dw);
    if (w->kh > IR_MAX_ELEMENTS / w->dh || w->kw > IR_MAX_ELEMENTS / w->dw)
        return arena_printf("%s: dilated kernel is too large", op);
    return NULL;
}

/* "kernel 3x3", or "kernel 3x3 with dilation 2x2 (spans 5x5)" when dilated. */
static const char *kernel_str(const ir_window *w)
{
    if (w->dh == 1 && w->dw == 1)
        return arena_printf("kernel %dx%d", w->kh, w->kw);
    return arena_printf("kernel %dx%d with dilation %dx%d (spans %lldx%lld)", w->kh, w->kw,
                        w->dh, w->dw, (long long)w->dh * (w->kh - 1) + 1,
                        (long long)w->dw * (w->kw - 1) + 1);
}

/*
 * Output size along one axis, PyTorch's formula. For pooling with
 * ceil_mode, the division rounds up and a last window that would start in
 * the right padding is dropped.
 */
static int64_t window_output(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode)
{
    int64_t numerator = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t quotient = numerator / s;
    if (numerator % s != 0 && numerator < 0)
        quotient--; /* floor division, as PyTorch's div_rtn */
    int64_t out = quotient + 1;
    if (ceil_mode && (out - 1) * s >= in + p)
        out--;
    return out;
}

static const char *infer_conv(const ir_node *n, ir_shape in, ir_shape *out)
{
    const ir_window *w = &n->attr.conv.win;
    int groups = n->attr.conv.groups;
    int oc = n->attr.conv.out;
    const char *err = check_window(n, w);
    if (err)
        return err;
    if (oc < 1)
        return arena_printf("conv: output channels %d must be at least 1", oc);
    if (groups < 1)
        return arena_printf("conv: groups %d must be at least 1", groups);
    if (in.c % groups != 0)
        return arena_printf("conv: groups %d does not divide the input channels %d "
                            "(input %s); groups must divide both input and output channels",
                            groups, in.c, ir_shape_str(in));
    if (oc % groups != 0)
        return arena_printf("conv: groups %d does not divide the output channels %d; "
                            "groups must divide both input and output channels",
                            groups, oc);

    int64_t ekh = (int64_t)w->dh * (w->kh - 1) + 1;
    int64_t ekw = (int64_t)w->dw * (w->kw - 1) + 1;
    int64_t padded_h = (int64_t)in.h + 2 * (int64_t)w->ph;
    int64_t padded_w = (int64_t)in.w + 2 * (int64_t)w->pw;
    if (ekh > padded_h || ekw > padded_w)
        return arena_printf("conv: %s is larger than the padded input %lldx%lld (input %s, "
                            "padding %dx%d)", kernel_str(w), (long long)padded_h,
                            (long long)padded_w, ir_shape_str(in), w->ph, w->pw);

    int64_t weight = bounded_product(bounded_product(oc, in.c / groups),
                                     bounded_product(w->kh, w->kw));
    if (weight < 0)
        return arena_printf("conv: the weight tensor would exceed %lld elements", IR_MAX_ELEMENTS);

    *out = (ir_shape){oc, (int)window_output(in.h, w->kh, w->sh, w->ph, w->dh, false),
                      (int)window_output(in.w, w->kw, w->sw, w->pw, w->dw, false)};
    return NULL;
}

static const char *infer_pool(const ir_node *n, ir_shape in, ir_shape *out)
{
    const ir_window *w = &n->attr.pool.win;
    const char *op = ir_op_name(n->op);
    const char *err = check_window(n, w);
    if (err)
        return err;
    if (w->ph > w->kh / 2 || w->pw > w->kw / 2)
        return arena_printf("%s: padding %dx%d is more than half the kernel %dx%d",
                            op, w->ph, w->pw, w->kh, w->kw);

    /* With ceil_mode a window may reach past the padded input, as in PyTorch. */
    bool ceil_mode = n->attr.pool.ceil_mode;
    int64_t oh = window_output(in.h, w->kh, w->sh, w->ph, w->dh, ceil_mode);
    int64_t ow = window_output(in.w, w->kw, w->sw, w->pw, w->dw, ceil_mode);
    if (oh < 1 || ow < 1)
        return arena_printf("%s: %s is larger than the padded input %lldx%lld, so the output "
                            "would be empty (input %s, padding %dx%d%s)", op, kernel_str(w),
                            (long long)in.h + 2 * (long long)w->ph,
                            (long long)in.w + 2 * (long long)w->pw, ir_shape_str(in), w->ph,
                            w->pw, ceil_mode ? ", ceil_mode" : "");
    *out = (ir_shape){in.c, (int)oh, (int)ow};
    return NULL;
}

static const char *infer_concat(const ir_graph *g, const ir_node *n, ir_shape *out)
{
    if (n->ninputs < 1)
        return "concat: needs at least one input";
    ir_shape first = g->nodes[n->inputs[0]].shape;
    int64_t channels = 0;
    for (int i = 0; i < n->ninputs; i++) {
        ir_shape s = g->nodes[n->inputs[i]].shape;
        if (s.h != first.h || s.w != first.w)
            return arena_printf("concat: inputs of shapes %s (the first) and %s (number %d) "
                                "differ in height or width; concatenated tensors must have "
                                "equal height and width",
                                ir_shape_str(first), ir_shape_str(s), i + 1);
        channels += s.c;
    }
    if (channels > IR_MAX_ELEMENTS)
        return "concat: too many channels";
    *out = (ir_shape){(int)channels, first.h, first.w};
    return NULL;
}

static const char *infer_binary(const ir_graph *g, const ir_node *n, ir_shape *out)
{
    ir_shape a = g->nodes[n->inputs[0]].shape;
    ir_shape b = g->nodes[n->inputs[1]].shape;
    bool equal = a.c == b.c && a.h == b.h && a.w == b.w;
    if (n->op == IR_ADD && !equal)
        return arena_printf("add: shapes %s and %s differ; both operands must have the same shape",
                            ir_shape_str(a), ir_shape_str(b));
    if (n->op == IR_MUL && !equal && !(b.c == a.c && b.h == 1 && b.w == 1))
        return arena_printf("mul: shapes %s and %s do not match; the second operand must have "
                            "the first's shape or be %dx1x1",
                            ir_shape_str(a), ir_shape_str(b), a.c);
    *out = a;
    return NULL;
}

static const char *infer_split(const ir_node *n, ir_shape in, ir_shape *out)
{
    int start = n->attr.split.start;
    int channels = n->attr.split.channels;
    if (start < 0 || channels < 1 || (int64_t)start + channels > in.c)
        return arena_printf("split: channels [%d, %d) are outside the input's %d channels",
                            start, start + channels, in.c);
    *out = (ir_shape){channels, in.h, in.w};
    return NULL;
}

static const char *infer_flat(const ir_node *n, ir_shape in, ir_shape *out)
{
    if (n->op == IR_LINEAR) {
        if (in.h != 1 || in.w != 1)
            return arena_printf("linear: input %s is not flat; linear needs Nx1x1 "
                                "(use flatten or global_avgpool first)", ir_shape_str(in));
        if (n->attr.linear.out < 1)
            return arena_printf("linear: output features %d must be at least 1",
                                n->attr.linear.out);
        if (bounded_product(in.c, n->attr.linear.out) < 0)
            return arena_printf("linear: the weight tensor would exceed %lld elements",
                                IR_MAX_ELEMENTS);
        *out = (ir_shape){n->attr.linear.out, 1, 1};
    } else {
        *out = (ir_shape){(int)ir_shape_elements(in), 1, 1};
    }
    return NULL;
}

static int expected_inputs(ir_op op)
{
    switch (op) {
    case IR_INPUT: return 0;
    case IR_ADD: case IR_MUL: return 2;
    case IR_CONCAT: return -1;
    default: return 1;
    }
}

const char *ir_infer_shape(const ir_graph *g, const ir_node *n, ir_shape *out)
{
    int want = expected_inputs(n->op);
    if (want >= 0 && n->ninputs != want)
        return arena_printf("%s: takes %d tensor input%s, got %d", ir_op_name(n->op), want,
                            want == 1 ? "" : "s", n->ninputs);
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    const char *err = NULL;

    switch (n->op) {
    case IR_INPUT:
        *out = n->shape;
        break;
    case IR_CONV:
        err = infer_conv(n, in, out);
        break;
    case IR_LINEAR:
    case IR_FLATTEN:
        err = infer_flat(n, in, out);
        break;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        err = infer_pool(n, in, out);
        break;
    case IR_GLOBAL_AVGPOOL:
        *out = (ir_shape){in.c, 1, 1};
        break;
    case IR_ADD:
    case IR_MUL:
        err = infer_binary(g, n, out);
        break;
    case IR_CONCAT:
        err = infer_concat(g, n, out);
        break;
    case IR_SPLIT:
        err = infer_split(n, in, out);
        break;
    case IR_SHUFFLE:
        if (n->attr.shuffle.groups < 1 || in.c % n->attr.shuffle.groups != 0)
            return arena_printf("shuffle: groups %d does not divide the channels %d (input %s)",
                                n->attr.shuffle.groups, in.c, ir_shape_str(in));
        *out = in;
        break;
    case IR_ZERO: {
        int s = n->attr.zero.stride;
        if (s < 1)
            return arena_printf("zero: stride %d must be at least 1", s);
        *out = (ir_shape){in.c, (in.h + s - 1) / s, (in.w + s - 1) / s};
        break;
    }
    case IR_BN:
        if (n->attr.bn.eps <= 0)
            return arena_printf("bn: eps %g must be positive", n->attr.bn.eps);
        *out = in;
        break;
    case IR_DROPOUT:
        if (n->attr.dropout.p < 0 || n->attr.dropout.p > 1)
            return arena_printf("dropout: probability %g is outside [0, 1]", n->attr.dropout.p);
        *out = in;
        break;
    case IR_RELU:
    case IR_RELU6:
    case IR_HARDSWISH:
    case IR_HARDSIGMOID:
    case IR_SIGMOID:
    case IR_IDENTITY:
        *out = in;
        break;
    case IR_OP_COUNT:
        NASC_UNREACHABLE();
    }
    if (err)
        return err;
    return check_elements(n, *out);
}

int ir_add_node(ir_graph *g, const ir_node *proto, const char **error)
{
    NASC_ASSERT(g->nnodes > 0);
    for (int i = 0; i < proto->ninputs; i++)
        NASC_ASSERT(proto->inputs[i] >= 0 && proto->inputs[i] < g->nnodes);
    if (g->nnodes > IR_MAX_NODES) { /* node 0, the input, is not an op */
        *error = arena_printf("the network has more than %d ops", IR_MAX_NODES);
        return -1;
    }

    ir_shape shape;
    const char *err = ir_infer_shape(g, proto, &shape);
    if (err) {
        *error = err;
        return -1;
    }

    if (g->nnodes == g->cap) {
        int cap = g->cap * 2;
        g->nodes = arena_grow(g->nodes, sizeof(ir_node) * (size_t)g->cap,
                              sizeof(ir_node) * (size_t)cap);
        g->cap = cap;
    }
    ir_node *n = &g->nodes[g->nnodes];
    *n = *proto;
    n->inputs = arena_alloc(sizeof(int) * (size_t)(proto->ninputs ? proto->ninputs : 1));
    memcpy(n->inputs, proto->inputs, sizeof(int) * (size_t)proto->ninputs);
    n->shape = shape;
    *error = NULL;
    return g->nnodes++;
}

void ir_set_outputs(ir_graph *g, const int *outputs, int n)
{
    g->outputs = arena_alloc(sizeof(int) * (size_t)(n ? n : 1));
    memcpy(g->outputs, outputs, sizeof(int) * (size_t)n);
    g->noutputs = n;
}
