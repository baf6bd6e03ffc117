/*
 * C emission. The generated NET.c contains, in order: a banner, the weight
 * array, activation helpers, one kernel per distinct specialization, the
 * run function, and the weight loader. A kernel's name spells its op,
 * kernel, stride, padding and shapes, so equal names mean equal code and
 * each is emitted once. The run function calls the kernels on workspace
 * offsets fixed by the memory plan. Every size is a compile-time constant,
 * and the run function allocates nothing. The kernels come from conv.c and
 * kernels.c.
 *
 * Weight file format (NET.weights): the 8 bytes "NASCWGT1", the float count
 * and a hash of the weight layout as 64-bit little-endian integers, then
 * the floats, little-endian. The loader rejects any other count or layout,
 * so weights of another network or another nasc build cannot load.
 */
#include "codegen.h"
#include "kernels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *text;
    size_t size;
    FILE *f;
} text_buffer;

static void tb_open(text_buffer *tb)
{
    tb->text = NULL;
    tb->size = 0;
    tb->f = open_memstream(&tb->text, &tb->size);
    NASC_ASSERT(tb->f);
}

static char *tb_close(text_buffer *tb)
{
    fclose(tb->f);
    char *copy = arena_strndup(tb->text, tb->size);
    free(tb->text);
    return copy;
}

const char *cg_macro_prefix(const char *s)
{
    char *u = arena_strdup(s);
    for (char *c = u; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    return u;
}

uint64_t cg_layout_hash(const cg_program *p)
{
    uint64_t h = 1469598103934665603u;
    const char *text = p->graph->name;
    for (const char *c = text; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    for (int t = 0; t < p->nsteps; t++) {
        const cg_step *s = &p->steps[t];
        uint64_t fields[4] = {(uint64_t)s->op, (uint64_t)s->weight_offset,
                              (uint64_t)s->bias_offset, (uint64_t)s->node};
        for (int k = 0; k < 4; k++)
            h = (h ^ fields[k]) * 1099511628211u;
    }
    /* The blocks of packed conv weights (cg_conv_block) are part of the layout. */
    for (int t = 0; t < p->nsteps; t++) {
        const cg_step *s = &p->steps[t];
        if (s->op == IR_CONV)
            h = (h ^ (uint64_t)cg_conv_block(p->graph, s, &p->graph->nodes[s->layer])) *
                1099511628211u;
    }
    return h ^ (uint64_t)p->weight_count;
}
/* ---- the run function ---- */

static const char *tensor_ptr(const cg_program *p, int node)
{
    cg_place place = p->places[node];
    if (place.buffer < 0)
        return place.offset ? arena_printf("input + %lld", (long long)place.offset) : "input";
    int64_t at = p->buffers[place.buffer].offset / (int64_t)sizeof(float) + place.offset;
    return arena_printf("ws + %lld", (long long)at);
}

/*
 * Returns the declaration of the run function's pointer into the
 * workspace, or nothing when the plan put no tensor there (see
 * workspace_unused).
 */
static const char *workspace_declaration(const cg_program *p)
{
    return p->nbuffers > 0 ? "    float *ws = workspace;\n" : "";
}

/*
 * Returns the statement that marks the workspace as unused, when every
 * tensor is a view of the input.
 */
static const char *workspace_unused(const cg_program *p)
{
    return p->nbuffers > 0 ? "" : "    (void)workspace; /* every tensor is a view of the input */\n";
}

static const char *weight_ptr(int64_t offset)
{
    return arena_printf("weights + %lld", (long long)offset);
}

static void emit_probe(FILE *run, const cg_program *p, const cg_step *s, const char *y, int index)
{
    ir_shape shape = p->graph->nodes[s->node].shape;
    bool relu = s->act == CG_ACT_RELU || s->act == CG_ACT_RELU6 || s->op == IR_RELU ||
                s->op == IR_RELU6;
    bool layer = s->op == IR_CONV || s->op == IR_LINEAR;
    const char *kind = relu && layer ? "NASC_PROBE_RELU | NASC_PROBE_LAYER"
                       : relu        ? "NASC_PROBE_RELU"
                       : layer       ? "NASC_PROBE_LAYER"
                                     : "0";
    if (s->shuffle_groups == 0 || s->op != IR_CONV) {
        fprintf(run, "#ifdef NASC_PROBE\n    NASC_PROBE(%d, %s, %s, NULL, %d, %d, %d);\n#endif\n",
                index, kind, y, shape.c, shape.h, shape.w);
        return;
    }
    int per_group = s->shuffle_channels / s->shuffle_groups;
    fprintf(run, "#ifdef NASC_PROBE\n    {\n        static const int channels[%d] = {", shape.c);
    for (int oc = 0; oc < shape.c; oc++) {
        int c = s->shuffle_base + oc;
        fprintf(run, "%s%d", oc ? ", " : "", (c % per_group) * s->shuffle_groups + c / per_group);
    }
    fprintf(run, "};\n        NASC_PROBE(%d, %s, %s, channels, %d, %d, %d);\n    }\n#endif\n",
            index, kind, y, shape.c, shape.h, shape.w);
}

static void emit_step(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s)
{
    const ir_graph *g = p->graph;
    if (s->deleted)
        return;
    const ir_node *n = &g->nodes[s->layer];
    const char *x = n->ninputs > 0 ? tensor_ptr(p, n->inputs[0]) : "";
    const char *y = tensor_ptr(p, s->node);
    const char *name;
    if (s->shuffle_groups > 0 && s->op == IR_CONV && s->shuffle_base > 0) {
        /* A shuffled concat input writes relative to the start of the concat. */
        cg_place place = p->places[s->node];
        int64_t at = p->buffers[place.buffer].offset / (int64_t)sizeof(float) + place.offset -
                     (int64_t)s->shuffle_base * n->shape.h * n->shape.w;
        y = arena_printf("ws + %lld", (long long)at);
    }

    fprintf(run, "    /* %s */\n", s->label);
    switch (s->op) {
    case IR_CONV:
        name = emit_conv_kernel(k, g, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s%s);\n", name, x, y, weight_ptr(s->weight_offset),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset) : "NULL",
                s->residual >= 0 ? arena_printf(", %s", tensor_ptr(p, s->residual)) : "");
        break;
    case IR_LINEAR:
        name = emit_linear_kernel(k, g, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s);\n", name, x, y, weight_ptr(s->weight_offset),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset) : "NULL");
        break;
    case IR_BN:
        name = emit_bn_kernel(k, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s);\n", name, x, y, weight_ptr(s->weight_offset),
                weight_ptr(s->bias_offset));
        break;
    case IR_RELU:
    case IR_RELU6:
    case IR_HARDSWISH:
    case IR_HARDSIGMOID:
    case IR_SIGMOID:
        fprintf(run, "    %s(%s, %s);\n", emit_activation_kernel(k, n), x, y);
        break;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        fprintf(run, "    %s(%s, %s);\n", emit_pool_kernel(k, g, n), x, y);
        break;
    case IR_GLOBAL_AVGPOOL:
    case IR_SHUFFLE:
        fprintf(run, "    %s(%s, %s);\n", emit_simple_kernel(k, g, s, n), x, y);
        break;
    case IR_ADD:
    case IR_MUL:
        fprintf(run, "    %s(%s, %s, %s);\n", emit_simple_kernel(k, g, s, n), x,
                tensor_ptr(p, n->inputs[1]), y);
        break;
    case IR_ZERO:
        fprintf(run, "    memset(%s, 0, sizeof(float) * %lld);\n", y,
                (long long)ir_shape_elements(n->shape));
        break;
    case IR_CONCAT: {
        /* Inputs written in place by their producer need no copy. */
        int64_t offset = 0;
        cg_place out = p->places[s->node];
        for (int i = 0; i < n->ninputs; i++) {
            int in = n->inputs[i];
            int64_t count = ir_shape_elements(g->nodes[in].shape);
            cg_place src = p->places[in];
            bool in_place = src.buffer == out.buffer && src.offset == out.offset + offset;
            int plane = g->nodes[in].shape.h * g->nodes[in].shape.w;
            if (!in_place && s->shuffle_groups > 0)
                fprintf(run, "    %s(%s, %s);\n",
                        emit_shuffled_copy_kernel(k, s, g->nodes[in].shape.c, (int)(offset / plane), plane),
                        tensor_ptr(p, in), y);
            else if (!in_place)
                fprintf(run, "    memcpy(%s + %lld, %s, sizeof(float) * %lld);\n", y,
                        (long long)offset, tensor_ptr(p, in), (long long)count);
            offset += count;
        }
        break;
    }
    default:
        NASC_UNREACHABLE();
    }
    emit_probe(run, p, s, y, (int)(s - p->steps));
}

/* ---- the threaded run function (cg_options.threads > 1) ---- */

/*
 * With N threads, NET_run hands every step to a pool of N - 1 worker
 * threads and runs its own share on the calling thread. A step is split at
 * its call site, never inside a kernel. The part of thread t calls the same
 * kernel generator with the layer's node narrowed to its slice of output
 * channels (or features), so the slice gets a kernel of its own name, and
 * the pointers are offset to the slice. Each output element is computed by
 * the same code as with one thread, which keeps the results bitwise equal.
 * Dependent steps are separated by a barrier; two steps in a row that
 * thread 0 runs alone need none.
 *
 * SPLIT_MIN_WORK is an estimate, in multiply-adds or elements, below which
 * a split saves less than its barrier (about 1 us with the spinning
 * barrier on a 2-core AMD EPYC, AVX2) costs.
 * NOTE: the value is unmeasured. It assumes about 30 GFLOP/s for a small
 * conv, so that 32768 multiply-adds take 1 to 2 us on one thread.
 */
enum { SPLIT_MIN_WORK = 32768 };

static const char *tensor_ptr_at(const cg_program *p, int node, int64_t extra)
{
    cg_place place = p->places[node];
    int64_t at = place.offset + extra;
    if (place.buffer < 0)
        return at ? arena_printf("input + %lld", (long long)at) : "input";
    at += p->buffers[place.buffer].offset / (int64_t)sizeof(float);
    return arena_printf("ws + %lld", (long long)at);
}

/* A copy of the graph whose nodes may be changed, to specialize a kernel for a slice. */
static ir_graph *graph_copy(const ir_graph *g)
{
    ir_graph *copy = arena_alloc(sizeof *copy);
    *copy = *g;
    copy->nodes = arena_alloc(sizeof(ir_node) * (size_t)g->nnodes);
    memcpy(copy->nodes, g->nodes, sizeof(ir_node) * (size_t)g->nnodes);
    return copy;
}

/*
 * Emits the call of conv step s for `count` output channels, given the
 * pointers. The kernel is that of the conv narrowed to those channels;
 * for a depthwise conv, to as many groups.
 */
static void emit_channels_call(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                               int count, const char *x, const char *y, const char *weights,
                               const char *bias, const char *residual, const char *indent)
{
    const ir_graph *g = p->graph;
    const ir_node *n = &g->nodes[s->layer];
    ir_graph *copy = graph_copy(g);
    ir_node *sn = &copy->nodes[s->layer];
    sn->shape.c = count;
    sn->attr.conv.out = count;
    if (n->attr.conv.groups > 1) {
        sn->attr.conv.groups = count;
        copy->nodes[n->inputs[0]].shape.c = count;
    }
    fprintf(run, "%s%s(%s, %s, %s, %s%s);\n", indent, emit_conv_kernel(k, copy, s, sn), x, y,
            weights, bias, residual);
}

/*
 * Returns the pointer text `base` (such as "ws + 1024") plus `times` (such
 * as "(long)c0 * 16"), or with `first` >= 0 plus first * factor, folded.
 */
static const char *pointer_plus(const char *base, const char *times, int first, long long factor)
{
    if (first >= 0) {
        long long offset = 0;
        const char *plus = strstr(base, " + ");
        if (plus) {
            offset = atoll(plus + 3);
            base = arena_strndup(base, (size_t)(plus - base));
        }
        offset += (long long)first * factor;
        return offset ? arena_printf("%s + %lld", base, offset) : base;
    }
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, " + 0") == 0)
        base = arena_strndup(base, len - 4);
    return arena_printf("%s + %s", base, times);
}

/*
 * Emits the call of NASC_PROBE_BLOCK after a block of step s, in the
 * single-threaded run function only (timed is false on threads).
 */
static void emit_block_probe(FILE *run, const cg_program *p, const cg_step *s, bool timed,
                             const char *indent)
{
    if (timed)
        fprintf(run, "#ifdef NASC_PROBE_BLOCK\n%sNASC_PROBE_BLOCK(%d);\n#endif\n", indent,
                (int)(s - p->steps));
}

/*
 * Emits the call that adds the products of a block of `count` input
 * channels of projection e, from channel c0 in the generated loop or from
 * `first` when first >= 0, read at x (see slice_channels in codegen.h).
 */
static void emit_projection_call(FILE *run, kernel_set *k, const cg_program *p, const cg_step *e,
                                 int count, int first, const char *x, const char *indent)
{
    const ir_graph *g = p->graph;
    const ir_node *n = &g->nodes[e->layer];
    ir_graph *copy = graph_copy(g);
    copy->nodes[n->inputs[0]].shape.c = count;
    cg_step slice = *e;
    slice.slice_channels = g->nodes[n->inputs[0]].shape.c;
    const char *bias = e->bias_offset >= 0 ? weight_ptr(e->bias_offset) : "NULL";
    const char *residual =
        e->residual >= 0 ? arena_printf(", %s", tensor_ptr(p, e->residual)) : "";
    fprintf(run, "%s%s(%s, %s, %s, %s%s, %s);\n", indent,
            emit_conv_kernel(k, copy, &slice, &copy->nodes[e->layer]), x, tensor_ptr(p, e->node),
            weight_ptr(e->weight_offset), bias, residual,
            first >= 0 ? arena_printf("%d", first) : "c0");
}

/*
 * Emits one block of `count` channels of an expansion s and its depthwise
 * conv d, from channel c0 in the generated loop, or from `first` when
 * first >= 0, and of projection e unless it is NULL. The block's planes
 * go to those of channel a; with e, so do those of the depthwise conv.
 */
static void emit_expand_block(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                              const cg_step *d, const cg_step *e, int count, int a, int first,
                              bool timed, const char *indent)
{
    const ir_graph *g = p->graph;
    const ir_node *n = &g->nodes[s->layer], *dn = &g->nodes[d->layer];
    int cpg = g->nodes[n->inputs[0]].shape.c;
    int taps = dn->attr.conv.win.kh * dn->attr.conv.win.kw;
    long long plane = (long long)n->shape.h * n->shape.w;
    long long out_plane = (long long)dn->shape.h * dn->shape.w;
    const char *planes = arena_printf("(long)c0 * %lld", plane);
    const char *out_planes = arena_printf("(long)c0 * %lld", out_plane);
    fprintf(run, "#ifdef NASC_PROBE\n%sfloat *expanded = %s;\n#else\n"
                 "%sfloat *expanded = %s; /* each block overwrites the one before */\n#endif\n",
            indent, pointer_plus(tensor_ptr(p, s->node), planes, first, plane), indent,
            tensor_ptr_at(p, s->node, (int64_t)a * plane));

    const char *weights = pointer_plus(weight_ptr(s->weight_offset),
                                       arena_printf("(long)c0 * %d", cpg), first, cpg);
    const char *bias =
        s->bias_offset >= 0 ? pointer_plus(weight_ptr(s->bias_offset), "c0", first, 1) : "NULL";
    emit_channels_call(run, k, p, s, count, tensor_ptr(p, n->inputs[0]), "expanded", weights,
                       bias, "", indent);
    emit_block_probe(run, p, s, timed, indent);

    const char *y = pointer_plus(tensor_ptr(p, d->node), out_planes, first, out_plane);
    if (e) {
        fprintf(run, "#ifdef NASC_PROBE\n%sfloat *filtered = %s;\n#else\n"
                     "%sfloat *filtered = %s; /* each block overwrites the one before */\n#endif\n",
                indent, y, indent, tensor_ptr_at(p, d->node, (int64_t)a * out_plane));
        y = "filtered";
    }
    weights = pointer_plus(weight_ptr(d->weight_offset), arena_printf("(long)c0 * %d", taps),
                           first, taps);
    bias = d->bias_offset >= 0 ? pointer_plus(weight_ptr(d->bias_offset), "c0", first, 1) : "NULL";
    const char *residual =
        d->residual >= 0
            ? arena_printf(", %s", pointer_plus(tensor_ptr(p, d->residual), out_planes, first,
                                                out_plane))
            : "";
    fprintf(run, "%s/* %s */\n", indent, d->label);
    emit_channels_call(run, k, p, d, count, "expanded", y, weights, bias, residual, indent);
    emit_block_probe(run, p, d, timed, indent);
    if (e) {
        fprintf(run, "%s/* %s */\n", indent, e->label);
        emit_projection_call(run, k, p, e, count, first, "filtered", indent);
        emit_block_probe(run, p, e, timed, indent);
    }
}

/*
 * Emits channels [a, b) of an expansion s run with its depthwise conv d
 * (see block_expand_pairs in lower.c). For each block of s->channel_block
 * channels, s writes the block's planes and d reads them. Every block
 * writes the same planes, those of channel a of the expanded tensor, so
 * they stay in cache. Under NASC_PROBE each block writes its own
 * channels instead, so that the probe reads the whole expanded tensor.
 * When timed, each call is followed by NASC_PROBE_BLOCK with its step.
 * Projection e, unless NULL, runs in the same blocks (block_projection).
 */
static void emit_expand_blocks(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                               const cg_step *d, const cg_step *e, int a, int b, bool timed,
                               const char *indent)
{
    int block = s->channel_block;
    const char *in = arena_printf("%s    ", indent);
    int full = a + (b - a) / block * block;
    if (full - a > block) {
        fprintf(run, "%sfor (int c0 = %d; c0 < %d; c0 += %d) {\n", indent, a, full, block);
        emit_expand_block(run, k, p, s, d, e, block, a, -1, timed, in);
        fprintf(run, "%s}\n", indent);
    } else if (full > a) {
        fprintf(run, "%s{ /* channels %d to %d */\n", indent, a, full - 1);
        emit_expand_block(run, k, p, s, d, e, block, a, a, timed, in);
        fprintf(run, "%s}\n", indent);
    }
    if (full < b) {
        fprintf(run, "%s{ /* the last %s */\n", indent,
                b - full == 1 ? "channel" : arena_printf("%d channels", b - full));
        emit_expand_block(run, k, p, s, d, e, b - full, a, full, timed, in);
        fprintf(run, "%s}\n", indent);
    }
}

/*
 * Emits the probe of step s with its label comment inside the #ifdef, for
 * a step whose call is in the blocks of an expansion. bench/compare.py
 * maps each probe to the last label above it, and without this one that
 * would be the label of another step's call in the blocks.
 */
static void emit_labelled_probe(FILE *run, const cg_program *p, const cg_step *s)
{
    text_buffer probe;
    tb_open(&probe);
    emit_probe(probe.f, p, s, tensor_ptr(p, s->node), (int)(s - p->steps));
    char *text = tb_close(&probe);
    const char *open = "#ifdef NASC_PROBE\n";
    NASC_ASSERT(strncmp(text, open, strlen(open)) == 0);
    fprintf(run, "%s    /* %s */\n%s", open, s->label, text + strlen(open));
}

/* Returns the next step after t that is not deleted, or p->nsteps. */
static int next_live_step(const cg_program *p, int t)
{
    for (t++; t < p->nsteps && p->steps[t].deleted; t++)
        ;
    return t;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * The units that step s splits over (output channels, or output features
 * of a linear layer), 0 when it runs on thread 0 alone. Sets *block to the
 * multiple that slices start at and *work to an estimate of the step's
 * cost in multiply-adds or elements.
 */
/* Returns whether step s splits over output rows (see conv_splits_rows) rather than channels. */
static bool splits_rows(const kernel_set *k, const cg_program *p, const cg_step *s)
{
    const ir_node *n = &p->graph->nodes[s->layer];
    return s->op == IR_CONV && conv_splits_rows(k->target, p->graph, s, n);
}

static int64_t split_units(const kernel_set *k, const cg_program *p, const cg_step *s,
                           int64_t *block, int64_t *work)
{
    const ir_graph *g = p->graph;
    const ir_node *n = &g->nodes[s->layer];
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    *block = 1;
    *work = ir_shape_elements(n->shape);
    switch (s->op) {
    case IR_CONV: {
        const ir_window *w = &n->attr.conv.win;
        *work *= (int64_t)(in.c / n->attr.conv.groups) * w->kh * w->kw;
        if (splits_rows(k, p, s))
            return n->shape.h;
        /* Slices of a grouped conv hold whole groups. */
        int64_t ocpg = n->attr.conv.groups > 1 ? n->shape.c / n->attr.conv.groups : 1;
        int64_t kernel_block = conv_channel_block(g, s, n);
        *block = kernel_block / gcd64(kernel_block, ocpg) * ocpg;
        return n->shape.c;
    }
    case IR_LINEAR:
        *block = conv_channel_block(g, s, n);
        *work *= in.c;
        return n->attr.linear.out;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        *work *= (int64_t)n->attr.pool.win.kh * n->attr.pool.win.kw;
        return n->shape.c;
    case IR_GLOBAL_AVGPOOL:
        *work = ir_shape_elements(in);
        return n->shape.c;
    case IR_BN:
    case IR_RELU:
    case IR_RELU6:
    case IR_HARDSWISH:
    case IR_HARDSIGMOID:
    case IR_SIGMOID:
    case IR_ADD:
    case IR_MUL:
    case IR_CONCAT:
        return n->shape.c;
    default:
        return 0; /* shuffle, zero */
    }
}

/* The output pointer of step s: a conv with a shuffle fused in writes relative to the shuffled tensor. */
static int64_t output_shift(const cg_program *p, const cg_step *s)
{
    const ir_node *n = &p->graph->nodes[s->layer];
    if (s->shuffle_groups > 0 && s->op == IR_CONV)
        return -(int64_t)s->shuffle_base * n->shape.h * n->shape.w;
    return 0;
}

/*
 * Writes the kernel calls of step s for output channels (or features, or
 * output rows of a conv that splits over rows) [a, b), each line starting
 * with `indent`. A shuffle or zero step never
 * splits: a and b are 0, and the call covers the whole step.
 */
static void emit_slice_call(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                            int64_t a, int64_t b, const char *indent)
{
    const ir_graph *g = p->graph;
    const ir_node *n = &g->nodes[s->layer];
    if (splits_rows(k, p, s)) {
        /* Rows [a, b) of every channel, from the pointers of the whole step. */
        cg_step step = *s;
        if (b - a < n->shape.h) {
            step.row_begin = (int)a;
            step.row_end = (int)b;
        }
        const char *name = emit_conv_kernel(k, g, &step, n);
        fprintf(run, "%s%s(%s, %s, %s, %s%s);\n", indent, name, tensor_ptr(p, n->inputs[0]),
                tensor_ptr_at(p, s->node, output_shift(p, s)), weight_ptr(s->weight_offset),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset) : "NULL",
                s->residual >= 0 ? arena_printf(", %s", tensor_ptr(p, s->residual)) : "");
        return;
    }

    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    int64_t plane = (int64_t)n->shape.h * n->shape.w;
    int64_t in_plane = (int64_t)in.h * in.w;
    int count = (int)(b - a);
    const char *y = tensor_ptr_at(p, s->node, output_shift(p, s) + a * plane);
    const char *x = n->ninputs > 0 ? tensor_ptr_at(p, n->inputs[0], a * in_plane) : "";
    ir_graph *copy = graph_copy(g);
    ir_node *sn = &copy->nodes[s->layer];
    ir_node node = *n;
    node.shape.c = count;
    cg_step step = *s;

    switch (s->op) {
    case IR_CONV: {
        int groups = n->attr.conv.groups;
        int ocpg = n->shape.c / groups;
        int cpg = in.c / groups;
        sn->shape.c = count;
        sn->attr.conv.out = count;
        if (groups > 1) {
            sn->attr.conv.groups = count / ocpg;
            copy->nodes[n->inputs[0]].shape.c = count / ocpg * cpg;
        }
        if (s->shuffle_groups > 0) {
            step.shuffle_base += (int)a;
            y = tensor_ptr_at(p, s->node, output_shift(p, s));
        }
        x = tensor_ptr_at(p, n->inputs[0], groups > 1 ? a / ocpg * cpg * in_plane : 0);
        const char *name = emit_conv_kernel(k, copy, &step, sn);
        const char *bias = s->bias_offset >= 0 ? weight_ptr(s->bias_offset + a) : "NULL";
        const char *residual =
            s->residual >= 0 ? arena_printf(", %s", tensor_ptr_at(p, s->residual, a * plane)) : "";
        const ir_window *w = &n->attr.conv.win;
        fprintf(run, "%s%s(%s, %s, %s, %s%s);\n", indent, name, x, y,
                weight_ptr(s->weight_offset + a * cpg * w->kh * w->kw), bias, residual);
        break;
    }
    case IR_LINEAR: {
        sn->attr.linear.out = count;
        sn->shape.c = count;
        const char *name = emit_linear_kernel(k, copy, s, sn);
        fprintf(run, "%s%s(%s, %s, %s, %s);\n", indent, name, tensor_ptr(p, n->inputs[0]),
                tensor_ptr_at(p, s->node, a), weight_ptr(s->weight_offset + a * in.c),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset + a) : "NULL");
        break;
    }
    case IR_BN:
        fprintf(run, "%s%s(%s, %s, %s, %s);\n", indent, emit_bn_kernel(k, s, &node), x, y,
                weight_ptr(s->weight_offset + a), weight_ptr(s->bias_offset + a));
        break;
    case IR_RELU:
    case IR_RELU6:
    case IR_HARDSWISH:
    case IR_HARDSIGMOID:
    case IR_SIGMOID:
        fprintf(run, "%s%s(%s, %s);\n", indent, emit_activation_kernel(k, &node), x, y);
        break;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        sn->shape.c = count;
        copy->nodes[n->inputs[0]].shape.c = count;
        fprintf(run, "%s%s(%s, %s);\n", indent, emit_pool_kernel(k, copy, sn), x, y);
        break;
    case IR_GLOBAL_AVGPOOL:
        sn->shape.c = count;
        copy->nodes[n->inputs[0]].shape.c = count;
        fprintf(run, "%s%s(%s, %s);\n", indent, emit_simple_kernel(k, copy, s, sn), x, y);
        break;
    case IR_ADD:
    case IR_MUL: {
        ir_shape second = g->nodes[n->inputs[1]].shape;
        int64_t second_plane = (int64_t)second.h * second.w;
        sn->shape.c = count;
        fprintf(run, "%s%s(%s, %s, %s);\n", indent, emit_simple_kernel(k, copy, s, sn), x,
                tensor_ptr_at(p, n->inputs[1], a * second_plane), y);
        break;
    }
    case IR_SHUFFLE:
        fprintf(run, "%s%s(%s, %s);\n", indent, emit_simple_kernel(k, g, s, n), x, y);
        break;
    case IR_ZERO:
        fprintf(run, "%smemset(%s, 0, sizeof(float) * %lld);\n", indent, y,
                (long long)ir_shape_elements(n->shape));
        break;
    case IR_CONCAT: {
        /* The slice [a, b) of the output channels; inputs written in place need no copy. */
        int64_t first = 0;
        cg_place out = p->places[s->node];
        const char *base = tensor_ptr(p, s->node);
        for (int i = 0; i < n->ninputs; i++) {
            int input = n->inputs[i];
            int channels = g->nodes[input].shape.c;
            cg_place src = p->places[input];
            bool in_place = src.buffer == out.buffer && src.offset == out.offset + first * plane;
            int64_t lo = a > first ? a : first;
            int64_t hi = b < first + channels ? b : first + channels;
            if (!in_place && lo < hi && s->shuffle_groups > 0)
                fprintf(run, "%s%s(%s, %s);\n", indent,
                        emit_shuffled_copy_kernel(k, s, (int)(hi - lo), (int)lo, (int)plane),
                        tensor_ptr_at(p, input, (lo - first) * plane), base);
            else if (!in_place && lo < hi)
                fprintf(run, "%smemcpy(%s, %s, sizeof(float) * %lld);\n", indent,
                        tensor_ptr_at(p, s->node, lo * plane),
                        tensor_ptr_at(p, input, (lo - first) * plane),
                        (long long)((hi - lo) * plane));
            first += channels;
        }
        break;
    }
    default:
        NASC_UNREACHABLE();
    }
}

/*
 * Returns whether a slice of `count` units of step s keeps the kernel of
 * the whole step. A slice of output rows keeps every group. A slice of a
 * dense conv's output channels must keep its block of packed weights (see
 * conv_wide_fits). A slice of output channels of a grouped conv with one
 * group left is a dense conv, for which the kernel generator may pick
 * other code with other rounding (it did when grouped convs ran direct
 * loops).
 */
static bool slice_keeps_kernel(const kernel_set *k, const cg_program *p, const cg_step *s,
                               int64_t count)
{
    const ir_node *n = &p->graph->nodes[s->layer];
    if (s->op != IR_CONV || splits_rows(k, p, s))
        return true;
    if (n->attr.conv.groups == 1) {
        /* the packed weights have the blocks of the whole conv's kernel */
        ir_shape in = p->graph->nodes[n->inputs[0]].shape, part = n->shape;
        part.c = (int)count;
        bool shuffled = s->shuffle_groups > 0;
        return conv_wide_fits(in, &n->attr.conv.win, part, shuffled) ==
               conv_wide_fits(in, &n->attr.conv.win, n->shape, shuffled);
    }
    return count / (n->shape.c / n->attr.conv.groups) > 1;
}

/* Emits the case of thread t's part of a step, with the units [a, b) it computes. */
static void emit_case_label(FILE *run, int t, const char *unit, int64_t a, int64_t b)
{
    if (b - a == 1)
        fprintf(run, "        case %d: /* %s %lld */\n", t, unit, (long long)a);
    else
        fprintf(run, "        case %d: /* %ss %lld to %lld */\n", t, unit, (long long)a,
                (long long)b - 1);
}

/* Emits step s of the threaded run function; returns whether it runs on thread 0 alone. */
static bool emit_threaded_step(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                               int threads, int64_t min_work, bool barrier)
{
    int64_t block, work;
    int64_t units = split_units(k, p, s, &block, &work);
    int64_t chunk = (units + threads - 1) / threads;
    chunk = (chunk + block - 1) / block * block;
    bool alone = units == 0 || work < min_work || chunk >= units;
    for (int64_t a = 0; !alone && a < units; a += chunk)
        alone = !slice_keeps_kernel(k, p, s, (a + chunk < units ? a + chunk : units) - a);

    if (barrier || !alone)
        fprintf(run, "    barrier_wait(&sense, threads);\n");
    fprintf(run, "    /* %s */\n", s->label);
    if (alone) {
        fprintf(run, "    if (thread == 0) {\n");
        emit_slice_call(run, k, p, s, 0, units, "        ");
        fprintf(run, "    }\n");
    } else {
        fprintf(run, "    for (int part = thread; part < THREADS; part += threads) {\n"
                     "        switch (part) {\n");
        for (int t = 0; t < threads && t * chunk < units; t++) {
            int64_t a = t * chunk;
            int64_t b = a + chunk < units ? a + chunk : units;
            emit_case_label(run, t,
                            s->op == IR_LINEAR ? "feature" : splits_rows(k, p, s) ? "row" : "channel",
                            a, b);
            emit_slice_call(run, k, p, s, a, b, "            ");
            fprintf(run, "            break;\n");
        }
        fprintf(run, "        }\n    }\n");
    }

    /* Under NASC_PROBE, thread 0 calls the hook once every thread has finished the step. */
    text_buffer probe;
    tb_open(&probe);
    emit_probe(probe.f, p, s, tensor_ptr_at(p, s->node, output_shift(p, s)), (int)(s - p->steps));
    char *text = tb_close(&probe);
    const char *open = "#ifdef NASC_PROBE\n", *close = "#endif\n";
    NASC_ASSERT(strncmp(text, open, strlen(open)) == 0);
    text[strlen(text) - strlen(close)] = '\0';
    fprintf(run, "#ifdef NASC_PROBE\n    barrier_wait(&sense, threads);\n    if (thread == 0) {\n");
    for (char *line = strtok(text + strlen(open), "\n"); line; line = strtok(NULL, "\n"))
        fprintf(run, "    %s\n", line);
    fprintf(run, "    }\n#endif\n");
    return alone;
}

/*
 * Emits an expansion s and its depthwise conv d run in blocks (see
 * emit_expand_blocks) in the threaded run function. Each thread takes an
 * equal run of channels, a multiple of 8. Its blocks go to the planes of
 * its first channel, so the threads write apart. Returns whether thread 0
 * runs them alone.
 */
static bool emit_threaded_blocks(FILE *run, kernel_set *k, const cg_program *p, const cg_step *s,
                                 const cg_step *d, int threads, int64_t min_work, bool barrier)
{
    const ir_node *n = &p->graph->nodes[s->layer];
    int channels = n->shape.c, block = s->channel_block;
    /* equal parts in whole register tiles of 8 channels */
    int per_part = (channels + threads - 1) / threads;
    per_part = (per_part + 7) / 8 * 8;
    int64_t work = ir_shape_elements(n->shape) * p->graph->nodes[n->inputs[0]].shape.c;
    bool alone = work < min_work || per_part >= channels;
    if (barrier || !alone)
        fprintf(run, "    barrier_wait(&sense, threads);\n");
    fprintf(run, "    /* expansion and depthwise conv in blocks of %d of their %d channels */\n"
                 "    /* %s */\n", block, channels, s->label);
    if (alone) {
        fprintf(run, "    if (thread == 0) {\n");
        emit_expand_blocks(run, k, p, s, d, NULL, 0, channels, false, "        ");
        fprintf(run, "    }\n");
    } else {
        fprintf(run, "    for (int part = thread; part < THREADS; part += threads) {\n"
                     "        switch (part) {\n");
        for (int t = 0; t < threads && t * per_part < channels; t++) {
            int a = t * per_part;
            int b = a + per_part < channels ? a + per_part : channels;
            emit_case_label(run, t, "channel", a, b);
            emit_expand_blocks(run, k, p, s, d, NULL, a, b, false, "            ");
            fprintf(run, "            break;\n");
        }
        fprintf(run, "        }\n    }\n");
    }
    fprintf(run, "#ifdef NASC_PROBE\n    barrier_wait(&sense, threads);\n    if (thread == 0) {\n");
    for (int i = 0; i < 2; i++) {
        const cg_step *step = i ? d : s;
        text_buffer probe;
        tb_open(&probe);
        fprintf(probe.f, "    /* %s */\n", step->label);
        emit_probe(probe.f, p, step, tensor_ptr(p, step->node), (int)(step - p->steps));
        /* the lines between #ifdef and #endif, inside the #ifdef written above */
        char *text = tb_close(&probe);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
            if (strncmp(line, "#ifdef", 6) != 0 && strncmp(line, "#endif", 6) != 0)
                fprintf(run, "    %s\n", line);
    }
    fprintf(run, "    }\n#endif\n");
    return alone;
}

/*
 * The pool of the generated code. One pool per process and network: the
 * workers, the barrier and the job are static, so NET_run calls from
 * several threads take turns through run_lock. The barrier spins on GCC
 * atomics: about 1 us on a 2-core AMD EPYC, against 5 us for
 * pthread_barrier_t (gcc -O2, two threads, 200000 rounds). After
 * BARRIER_SPINS rounds a waiter sleeps on a condition variable. While
 * other processes held the second core, a barrier that called sched_yield
 * there made the 2-thread ResNet-18 1.3 to 2 times slower than 1 thread
 * (nasc bench medians). With sleeping, it was 1.16 times slower. On a
 * 2-core Intel Xeon VM a sleep and wake-up took about 60 us, more than
 * most steps of the mobile networks. With 4096 rounds before sleeping,
 * the 2-thread ShuffleNetV2 took 8.1 ms against 2.9 ms on 1 thread; with
 * 32768 rounds it took 3.7 ms, and with 65536 3.2 ms. While a busy loop held a
 * core, 65536 rounds made it slower instead, 9.9 against 6.1 ms: on a
 * busy machine 1 thread is the better choice anyway. Between runs a
 * worker spins WAKE_SPINS rounds for the next job, then sleeps on a
 * condition variable.
 */
static const char *pool_text(const char *net, const char *NET)
{
    return arena_printf(
        "/*\n"
        " * The thread pool: THREADS - 1 workers and the thread that calls %s_run,\n"
        " * one pool per process. run_lock makes %s_run calls take turns and\n"
        " * guards `started`. pool_lock guards the job and `stopping`; `generation`\n"
        " * counts the jobs handed out and is read without the lock while a worker\n"
        " * spins. Between dependent steps the threads meet at a sense-reversing\n"
        " * barrier that spins on atomics, then sleeps after BARRIER_SPINS rounds.\n"
        " */\n"
        "enum { THREADS = %s_THREADS, BARRIER_SPINS = 1 << 16, WAKE_SPINS = 1 << 17 };\n\n"
        "static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;\n"
        "static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;\n"
        "static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;\n"
        "static pthread_t workers[THREADS - 1];\n"
        "static int worker_index[THREADS - 1];\n"
        "static int started;\n"
        "static int stopping;\n"
        "static unsigned long generation;\n"
        "static unsigned long start_generation;\n"
        "static const float *job_input;\n"
        "static float *job_output;\n"
        "static void *job_workspace;\n"
        "static unsigned barrier_count;\n"
        "static unsigned barrier_sense;\n"
        "static unsigned barrier_sleepers;\n"
        "static pthread_mutex_t barrier_lock = PTHREAD_MUTEX_INITIALIZER;\n"
        "static pthread_cond_t barrier_wake = PTHREAD_COND_INITIALIZER;\n\n"
        "/*\n"
        " * Returns once `threads` threads have called it; `sense` is the caller's own.\n"
        " * A waiter spins BARRIER_SPINS rounds, then sleeps on barrier_wake, so\n"
        " * that on a busy machine it leaves the core to the threads it waits for.\n"
        " * The sequentially consistent `barrier_sleepers` and `barrier_sense` make\n"
        " * sure that the last thread sees a sleeper or the sleeper sees the flip.\n"
        " */\n"
        "static void barrier_wait(unsigned *sense, int threads)\n{\n"
        "    if (threads == 1)\n        return;\n"
        "    *sense ^= 1u;\n"
        "    if (__atomic_add_fetch(&barrier_count, 1u, __ATOMIC_ACQ_REL) == (unsigned)threads) {\n"
        "        __atomic_store_n(&barrier_count, 0u, __ATOMIC_RELAXED);\n"
        "        __atomic_store_n(&barrier_sense, *sense, __ATOMIC_SEQ_CST);\n"
        "        if (__atomic_load_n(&barrier_sleepers, __ATOMIC_SEQ_CST) > 0) {\n"
        "            pthread_mutex_lock(&barrier_lock);\n"
        "            pthread_cond_broadcast(&barrier_wake);\n"
        "            pthread_mutex_unlock(&barrier_lock);\n"
        "        }\n"
        "        return;\n    }\n"
        "    for (int spins = 0; spins < BARRIER_SPINS; spins++)\n"
        "        if (__atomic_load_n(&barrier_sense, __ATOMIC_ACQUIRE) == *sense)\n"
        "            return;\n"
        "    pthread_mutex_lock(&barrier_lock);\n"
        "    __atomic_add_fetch(&barrier_sleepers, 1u, __ATOMIC_SEQ_CST);\n"
        "    while (__atomic_load_n(&barrier_sense, __ATOMIC_SEQ_CST) != *sense)\n"
        "        pthread_cond_wait(&barrier_wake, &barrier_lock);\n"
        "    __atomic_sub_fetch(&barrier_sleepers, 1u, __ATOMIC_SEQ_CST);\n"
        "    pthread_mutex_unlock(&barrier_lock);\n}\n\n",
        net, net, NET);
}

/* The pool's functions after run_steps: the workers, start, stop and NET_run. */
static const char *pool_functions_text(const char *net)
{
    return arena_printf(
        "static void *worker_main(void *arg)\n{\n"
        "    const int thread = *(const int *)arg;\n"
        "    unsigned long seen = start_generation;\n\n"
        "    for (;;) {\n"
        "        for (int spins = 0; spins < WAKE_SPINS; spins++)\n"
        "            if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) != seen)\n"
        "                break;\n"
        "        pthread_mutex_lock(&pool_lock);\n"
        "        while (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) == seen && !stopping)\n"
        "            pthread_cond_wait(&pool_wake, &pool_lock);\n"
        "        const int stop = stopping;\n"
        "        const float *input = job_input;\n"
        "        float *output = job_output;\n"
        "        void *workspace = job_workspace;\n"
        "        seen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);\n"
        "        pthread_mutex_unlock(&pool_lock);\n"
        "        if (stop)\n            return NULL;\n"
        "        run_steps(input, output, workspace, thread, THREADS);\n"
        "    }\n}\n\n"
        "/* Ends and joins the first `count` workers; the caller holds run_lock. */\n"
        "static void stop_workers(int count)\n{\n"
        "    pthread_mutex_lock(&pool_lock);\n"
        "    stopping = 1;\n"
        "    pthread_cond_broadcast(&pool_wake);\n"
        "    pthread_mutex_unlock(&pool_lock);\n"
        "    for (int i = 0; i < count; i++)\n"
        "        pthread_join(workers[i], NULL);\n"
        "    pthread_mutex_lock(&pool_lock);\n"
        "    stopping = 0;\n"
        "    pthread_mutex_unlock(&pool_lock);\n}\n\n"
        "/* Starts the workers unless they run; the caller holds run_lock. */\n"
        "static int start_workers(void)\n{\n"
        "    if (started)\n        return 0;\n"
        "    start_generation = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);\n"
        "    for (int i = 0; i < THREADS - 1; i++) {\n"
        "        worker_index[i] = i + 1;\n"
        "        int status = pthread_create(&workers[i], NULL, worker_main, &worker_index[i]);\n"
        "        if (status != 0) {\n"
        "            stop_workers(i);\n"
        "            return status;\n"
        "        }\n    }\n"
        "    started = 1;\n    return 0;\n}\n\n"
        "int %s_threads_start(void)\n{\n"
        "    pthread_mutex_lock(&run_lock);\n"
        "    int status = start_workers();\n"
        "    pthread_mutex_unlock(&run_lock);\n"
        "    return status;\n}\n\n"
        "void %s_threads_stop(void)\n{\n"
        "    pthread_mutex_lock(&run_lock);\n"
        "    if (started)\n        stop_workers(THREADS - 1);\n"
        "    started = 0;\n"
        "    pthread_mutex_unlock(&run_lock);\n}\n\n"
        "void %s_run(const float *input, float *output, void *workspace)\n{\n"
        "    pthread_mutex_lock(&run_lock);\n"
        "    /* Without workers, when they cannot start, the calling thread runs every part. */\n"
        "    const int threads = start_workers() == 0 ? THREADS : 1;\n"
        "    if (threads > 1) {\n"
        "        pthread_mutex_lock(&pool_lock);\n"
        "        job_input = input;\n"
        "        job_output = output;\n"
        "        job_workspace = workspace;\n"
        "        __atomic_store_n(&generation, generation + 1, __ATOMIC_RELEASE);\n"
        "        pthread_cond_broadcast(&pool_wake);\n"
        "        pthread_mutex_unlock(&pool_lock);\n"
        "    }\n"
        "    run_steps(input, output, workspace, 0, threads);\n"
        "    pthread_mutex_unlock(&run_lock);\n}\n\n",
        net, net, net);
}

/* Writes the pool, run_steps (the steps, split over the threads) and NET_run. */
static void emit_threaded_run(FILE *run, kernel_set *k, const cg_program *p, int threads,
                              int64_t min_work)
{
    const ir_graph *g = p->graph;
    const char *net = g->name;
    fputs(pool_text(net, cg_macro_prefix(net)), run);
    fprintf(run, "/*\n * Runs thread `thread`'s parts of every step, or with `threads` = 1 every\n"
                 " * part on the calling thread.\n */\n"
                 "static void run_steps(const float *input, float *output, void *workspace, int thread,\n"
                 "                      int threads)\n{\n"
                 "%s"
                 "    /* Stable here: the last barrier flipped it before every thread left the last run. */\n"
                 "    unsigned sense = __atomic_load_n(&barrier_sense, __ATOMIC_ACQUIRE);\n\n",
            workspace_declaration(p));
    bool previous_alone = true;
    for (int t = 0; t < p->nsteps; t++) {
        if (p->steps[t].deleted)
            continue;
        if (p->steps[t].channel_block > 0) {
            int u = next_live_step(p, t);
            previous_alone = emit_threaded_blocks(run, k, p, &p->steps[t], &p->steps[u], threads,
                                                  min_work, !previous_alone);
            t = u;
            continue;
        }
        bool alone = emit_threaded_step(run, k, p, &p->steps[t], threads, min_work,
                                        !previous_alone);
        previous_alone = alone;
    }
    fprintf(run, "    barrier_wait(&sense, threads);\n    if (thread != 0)\n        return;\n");
    int64_t offset = 0;
    fprintf(run, "\n    /* outputs */\n");
    for (int i = 0; i < g->noutputs; i++) {
        int node = g->outputs[i];
        int64_t count = ir_shape_elements(g->nodes[node].shape);
        fprintf(run, "    memcpy(output + %lld, %s, sizeof(float) * %lld);\n", (long long)offset,
                tensor_ptr(p, node), (long long)count);
        offset += count;
    }
    fprintf(run, "%s    (void)input;\n    (void)weights;\n}\n\n", workspace_unused(p));
    fputs(pool_functions_text(net), run);
}

/* ---- files ---- */

static const char *banner(const cg_program *p, const cg_options *o)
{
    const ir_graph *g = p->graph;
    cg_target t = cg_target_resolve(o->target);
    const char *flags = cg_target_cflags(t);
    return arena_printf("/*\n * %s: generated by nasc %s with\n *   %s\n"
                        " * Input %s, NCHW float32, batch 1. Kernels for the %s target%s%s%s.\n"
                        " * Regenerate rather than edit.\n */\n",
                        g->name, NASC_VERSION, o->command_line, ir_shape_str(g->nodes[0].shape),
                        cg_target_name(t), *flags ? " (compile with " : "", flags,
                        *flags ? ")" : "");
}

static int64_t output_elements(const ir_graph *g)
{
    int64_t total = 0;
    for (int k = 0; k < g->noutputs; k++)
        total += ir_shape_elements(g->nodes[g->outputs[k]].shape);
    return total;
}

/* The hook interface that emit_probe calls, declared in NET.h. */
static const char *probe_declarations(void)
{
    return "#ifdef NASC_PROBE\n"
           "/*\n"
           " * Compiled with -DNASC_PROBE=HOOK, the run function calls HOOK after\n"
           " * every step with the step's index, its kind, and its output: c\n"
           " * channels of h x w floats. Channel k is at data + k * h * w, or at\n"
           " * data + channels[k] * h * w when channels is not NULL (a conv that\n"
           " * writes into a channel-shuffled tensor). The output is final: an\n"
           " * activation fused into the step has been applied.\n"
           " */\n"
           "#define NASC_PROBE_RELU 1  /* the output went through relu or relu6 */\n"
           "#define NASC_PROBE_LAYER 2 /* the step computes a conv or a linear layer */\n"
           "void NASC_PROBE(int step, int kind, const float *data, const int *channels, int c,\n"
           "                int h, int w);\n"
           "#endif\n"
           "#ifdef NASC_PROBE_BLOCK\n"
           "/*\n"
           " * Compiled with -DNASC_PROBE_BLOCK=HOOK, the single-threaded run function\n"
           " * calls HOOK(step) after each block of a step that runs in blocks of\n"
           " * channels together with others (an expansion, its depthwise conv and\n"
           " * maybe its projection), so that a timer can charge each block to its\n"
           " * step. NASC_PROBE, if defined, is called for each of these steps after\n"
           " * their last block.\n"
           " */\n"
           "void NASC_PROBE_BLOCK(int step);\n"
           "#endif\n\n";
}

static char *header_text(const cg_program *p, const cg_options *o)
{
    const ir_graph *g = p->graph;
    const char *net = g->name;
    const char *NET = cg_macro_prefix(net);
    text_buffer tb;
    tb_open(&tb);
    FILE *f = tb.f;
    fprintf(f, "%s", banner(p, o));
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n", NET, NET);
    fprintf(f, "/* Floats in the input and in the output (the outputs, concatenated). */\n");
    fprintf(f, "#define %s_INPUT_SIZE %lld\n", NET, (long long)ir_shape_elements(g->nodes[0].shape));
    fprintf(f, "#define %s_OUTPUT_SIZE %lld\n", NET, (long long)output_elements(g));
    fprintf(f, "/* Bytes of the workspace that %s_run needs; any alignment of float works. */\n", net);
    fprintf(f, "#define %s_WORKSPACE_BYTES %lld\n", NET, (long long)p->workspace_bytes);
    fprintf(f, "#define %s_WEIGHT_COUNT %lld\n\n", NET, (long long)p->weight_count);
    fprintf(f, "enum {\n    %s_OK = 0,\n    %s_ERROR_OPEN = -1,     /* the weights file cannot be opened */\n"
               "    %s_ERROR_READ = -2,     /* reading it failed or it is too short */\n"
               "    %s_ERROR_FORMAT = -3,   /* not a nasc weights file */\n"
               "    %s_ERROR_NETWORK = -4,  /* weights of another network or layout */\n"
               "    %s_ERROR_SIZE = -5      /* the file is longer than the weights */\n};\n\n",
            NET, NET, NET, NET, NET, NET);
    if (o->embed_weights)
        fprintf(f, "/* The weights are embedded in this build: this returns %s_OK. */\n", NET);
    else
        fprintf(f, "/*\n * Loads the weights written by `nasc build` (%s.weights). Returns %s_OK or\n"
                   " * a negative %s_ERROR_* status, which %s_strerror describes. The weights\n"
                   " * are read in place: after a failed load they are undefined until a load\n"
                   " * succeeds.\n */\n",
                net, NET, NET, net);
    fprintf(f, "int %s_load_weights(const char *path);\nconst char *%s_strerror(int status);\n\n",
            net, net);
    if (o->threads > 1) {
        fprintf(f, "/*\n * The run function splits its work over %s_THREADS threads: the calling\n"
                   " * thread and a pool of %s_THREADS - 1 workers, one pool per process.\n"
                   " * %s_threads_start starts the workers, or the first %s_run does. It\n"
                   " * returns 0, or the error number of pthread_create, in which case %s_run\n"
                   " * runs on the calling thread alone. %s_threads_stop ends and joins the\n"
                   " * workers; a later %s_run or %s_threads_start starts them again.\n */\n",
                NET, NET, net, net, net, net, net, net);
        fprintf(f, "#define %s_THREADS %d\nint %s_threads_start(void);\nvoid %s_threads_stop(void);\n\n",
                NET, o->threads, net, net);
        fprintf(f, "/*\n * Runs the network on `input` (%s_INPUT_SIZE floats) into `output`\n"
                   " * (%s_OUTPUT_SIZE floats). `workspace` is caller memory of\n"
                   " * %s_WORKSPACE_BYTES bytes. Calls from several threads take turns,\n"
                   " * because they share the pool. Allocates nothing but the pool.\n */\n",
                NET, NET, NET);
    } else {
        fprintf(f, "/*\n * Runs the network on `input` (%s_INPUT_SIZE floats) into `output`\n"
                   " * (%s_OUTPUT_SIZE floats). `workspace` is caller memory of\n"
                   " * %s_WORKSPACE_BYTES bytes; calls with distinct workspaces may run\n"
                   " * concurrently. Allocates nothing.\n */\n",
                NET, NET, NET);
    }
    fprintf(f, "void %s_run(const float *input, float *output, void *workspace);\n\n", net);
    fprintf(f, "%s#endif\n", probe_declarations());
    return tb_close(&tb);
}

/* Emits the activation helpers that the kernel text calls, and only those (clang warns otherwise). */
static void emit_activations(FILE *f, const char *kernels)
{
    bool hardswish = strstr(kernels, "act_hardswish(") != NULL;
    bool hardsigmoid = strstr(kernels, "act_hardsigmoid(") != NULL;
    if (strstr(kernels, "act_relu("))
        fprintf(f, "/* NaN stays NaN, as in PyTorch */\n"
                   "static inline float act_relu(float x)\n{\n    return x < 0.0f ? 0.0f : x;\n}\n\n");
    if (strstr(kernels, "act_relu6(") || hardswish || hardsigmoid)
        fprintf(f, "static inline float act_relu6(float x)\n{\n"
                   "    return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;\n}\n\n");
    if (hardswish)
        fprintf(f, "/* x * relu6(x + 3) / 6, as PyTorch's Hardswish */\n"
                   "static inline float act_hardswish(float x)\n{\n"
                   "    return x * act_relu6(x + 3.0f) / 6.0f;\n}\n\n");
    if (hardsigmoid)
        fprintf(f, "/* relu6(x + 3) / 6, as PyTorch's Hardsigmoid */\n"
                   "static inline float act_hardsigmoid(float x)\n{\n"
                   "    return act_relu6(x + 3.0f) / 6.0f;\n}\n\n");
    if (strstr(kernels, "act_sigmoid("))
        fprintf(f, "static inline float act_sigmoid(float x)\n{\n"
                   "    return 1.0f / (1.0f + expf(-x));\n}\n\n");
}

static void emit_weights_array(FILE *f, const cg_program *p, const float *weights, bool embed)
{
    const char *NET = cg_macro_prefix(p->graph->name);
    /* C has no empty arrays: a network without weights gets one unused float. */
    if (!embed) {
        fprintf(f, "static float weights[%s_WEIGHT_COUNT > 0 ? %s_WEIGHT_COUNT : 1]\n"
                   "    __attribute__((aligned(64)));\n\n", NET, NET);
        return;
    }
    fprintf(f, "static const float weights[%s_WEIGHT_COUNT > 0 ? %s_WEIGHT_COUNT : 1]\n"
               "    __attribute__((aligned(64))) = {", NET, NET);
    if (p->weight_count == 0)
        fprintf(f, "0");
    /* Six hexadecimal floats a line: exact, and C99. */
    for (int64_t i = 0; i < p->weight_count; i++) {
        const char *separator = ", ";
        if (i == 0)
            separator = "\n    ";
        else if (i % 6 == 0)
            separator = ",\n    ";
        fprintf(f, "%s%a", separator, (double)weights[i]);
    }
    fprintf(f, "\n};\n\n");
}

static void emit_loader(FILE *f, const cg_program *p, bool embed)
{
    const char *net = p->graph->name;
    const char *NET = cg_macro_prefix(net);
    fprintf(f, "const char *%s_strerror(int status)\n{\n    switch (status) {\n"
               "    case %s_OK: return \"success\";\n"
               "    case %s_ERROR_OPEN: return \"cannot open the weights file\";\n"
               "    case %s_ERROR_READ: return \"cannot read the weights file, or it is truncated\";\n"
               "    case %s_ERROR_FORMAT: return \"not a nasc weights file\";\n"
               "    case %s_ERROR_NETWORK: return \"weights of another network or layout\";\n"
               "    case %s_ERROR_SIZE: return \"the weights file has extra bytes\";\n"
               "    default: return \"unknown status\";\n    }\n}\n\n",
            net, NET, NET, NET, NET, NET, NET);
    if (embed) {
        fprintf(f, "int %s_load_weights(const char *path)\n{\n    (void)path;\n    return %s_OK;\n}\n",
                net, NET);
        return;
    }
    fprintf(f, "static unsigned long long read_u64(const unsigned char *b)\n{\n"
               "    unsigned long long v = 0;\n    for (int i = 7; i >= 0; i--)\n"
               "        v = v << 8 | b[i];\n    return v;\n}\n\n");
    fprintf(f, "int %s_load_weights(const char *path)\n{\n"
               "    unsigned char header[24];\n"
               "    FILE *f = fopen(path, \"rb\");\n"
               "    if (!f)\n        return %s_ERROR_OPEN;\n"
               "    int status = %s_OK;\n"
               "    if (fread(header, 1, sizeof header, f) != sizeof header)\n"
               "        status = %s_ERROR_READ;\n"
               "    else if (memcmp(header, \"NASCWGT1\", 8) != 0)\n"
               "        status = %s_ERROR_FORMAT;\n"
               "    else if (read_u64(header + 8) != %s_WEIGHT_COUNT ||\n"
               "             read_u64(header + 16) != %lluULL)\n"
               "        status = %s_ERROR_NETWORK;\n"
               "    else if (fread(weights, sizeof(float), %s_WEIGHT_COUNT, f) != %s_WEIGHT_COUNT)\n"
               "        status = %s_ERROR_READ;\n"
               "    else if (fgetc(f) != EOF)\n"
               "        status = %s_ERROR_SIZE;\n"
               "    fclose(f);\n    return status;\n}\n",
            net, NET, NET, NET, NET, NET, (unsigned long long)cg_layout_hash(p), NET, NET, NET, NET,
            NET);
}

/* The declaration of a kernel, from its text: "void NAME(...)" without "static" and body. */
static const char *kernel_prototype(const char *text, const char *name)
{
    const char *start = strstr(text, arena_printf("static void %s(", name));
    NASC_ASSERT(start);
    start += strlen("static ");
    const char *end = strstr(start, ")\n{");
    NASC_ASSERT(end);
    return arena_strndup(start, (size_t)(end + 1 - start));
}

/*
 * Splits the kernel text into one translation unit per kernel, with
 * external linkage. A unit contains nothing of the network (no banner, no
 * command line), so the same kernel has the same text in every network,
 * and a compiled object can be shared through a cache keyed by that text.
 */
static void split_kernels(cg_files *files, const kernel_set *k, const char *kernel_text)
{
    int n = k->names.len;
    size_t total = strlen(kernel_text);
    files->nkernels = n;
    files->kernel_names = arena_alloc(sizeof(char *) * (size_t)(n > 0 ? n : 1));
    files->kernel_sources = arena_alloc(sizeof(char *) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        const char *name = k->names.items[i];
        size_t start = (size_t)*(const long *)k->starts.items[i];
        size_t end = i + 1 < n ? (size_t)*(const long *)k->starts.items[i + 1] : total;
        const char *text = arena_strndup(kernel_text + start, end - start);
        const char *prototype = kernel_prototype(text, name);
        const char *definition = strstr(text, arena_printf("static void %s(", name));
        NASC_ASSERT(definition);

        text_buffer tb;
        tb_open(&tb);
        fprintf(tb.f, "/* Kernel %s, generated by nasc %s. Regenerate rather than edit. */\n"
                      "#include <math.h>\n#include <stddef.h>\n#include <string.h>\n\n%s;\n\n",
                name, NASC_VERSION, prototype);
        emit_activations(tb.f, text);
        fwrite(text, 1, (size_t)(definition - text), tb.f);
        fputs(definition + strlen("static "), tb.f);
        files->kernel_names[i] = name;
        files->kernel_sources[i] = tb_close(&tb);
    }
}

static char *source_text(const cg_program *p, const float *weights, const cg_options *o,
                         cg_files *files)
{
    const ir_graph *g = p->graph;
    const char *net = g->name;
    const char *NET = cg_macro_prefix(net);

    /* The run function first, so that the kernels it uses are known. */
    text_buffer kernels, run;
    tb_open(&kernels);
    tb_open(&run);
    kernel_set k = {{0}, kernels.f, {0}, cg_target_resolve(o->target)};
    if (o->threads > 1) {
        emit_threaded_run(run.f, &k, p, o->threads,
                          o->split_min_work > 0 ? o->split_min_work : SPLIT_MIN_WORK);
    } else {
        fprintf(run.f, "void %s_run(const float *input, float *output, void *workspace)\n{\n"
                       "%s%s", net, workspace_declaration(p), p->nbuffers > 0 ? "\n" : "");
        for (int t = 0; t < p->nsteps; t++) {
            const cg_step *s = &p->steps[t];
            if (s->channel_block == 0 || s->deleted) {
                emit_step(run.f, &k, p, s);
                continue;
            }
            const cg_step *d = &p->steps[next_live_step(p, t)];
            const cg_step *e =
                s->block_projection ? &p->steps[next_live_step(p, (int)(d - p->steps))] : NULL;
            int channels = p->graph->nodes[s->layer].shape.c;
            fprintf(run.f, "    /* %s in blocks of %d of their %d channels */\n"
                           "    /* %s */\n",
                    e ? "expansion, depthwise conv and projection" : "expansion and depthwise conv",
                    s->channel_block, channels, s->label);
            emit_expand_blocks(run.f, &k, p, s, d, e, 0, channels, true, "    ");
            emit_labelled_probe(run.f, p, s);
            emit_labelled_probe(run.f, p, d);
            if (e)
                emit_labelled_probe(run.f, p, e);
            t = (int)((e ? e : d) - p->steps);
        }
    }
    int64_t offset = 0;
    if (o->threads <= 1) {
        fprintf(run.f, "\n    /* outputs */\n");
        for (int i = 0; i < g->noutputs; i++) {
            int node = g->outputs[i];
            int64_t count = ir_shape_elements(g->nodes[node].shape);
            fprintf(run.f, "    memcpy(output + %lld, %s, sizeof(float) * %lld);\n",
                    (long long)offset, tensor_ptr(p, node), (long long)count);
            offset += count;
        }
        fprintf(run.f, "%s    (void)input;\n    (void)weights;\n}\n\n", workspace_unused(p));
    }
    char *kernel_text = tb_close(&kernels);
    char *run_text = tb_close(&run);

    text_buffer tb;
    tb_open(&tb);
    FILE *f = tb.f;
    if (o->threads > 1)
        fprintf(f, "%s\n/* For pthreads under -std=c99. */\n"
                   "#define _POSIX_C_SOURCE 200809L\n\n#include \"%s.h\"\n\n#include <math.h>\n"
                   "#include <pthread.h>\n#include <stddef.h>\n"
                   "#include <stdio.h>\n#include <string.h>\n\n",
                banner(p, o), net);
    else
        fprintf(f, "%s\n#include \"%s.h\"\n\n#include <math.h>\n#include <stddef.h>\n"
                   "#include <stdio.h>\n#include <string.h>\n\n",
                banner(p, o), net);
    fprintf(f, "/*\n * %d step%s, %d distinct kernel%s. Workspace: %lld bytes for %lld bytes of\n"
               " * intermediate tensors, by liveness.\n */\n\n",
            p->nsteps, p->nsteps == 1 ? "" : "s", (int)k.names.len, k.names.len == 1 ? "" : "s",
            (long long)p->workspace_bytes, (long long)p->total_tensor_bytes);
    emit_weights_array(f, p, weights, o->embed_weights);
    if (o->split_kernels) {
        split_kernels(files, &k, kernel_text);
        fprintf(f, "/* The kernels, each compiled from a file of its own in kernels/. */\n");
        for (int i = 0; i < files->nkernels; i++)
            fprintf(f, "%s;\n", kernel_prototype(kernel_text, files->kernel_names[i]));
        fprintf(f, "\n");
    } else {
        emit_activations(f, kernel_text);
        fputs(kernel_text, f);
    }
    fputs(run_text, f);
    emit_loader(f, p, o->embed_weights);
    (void)NET;
    return tb_close(&tb);
}

static char *main_text(const cg_program *p, const cg_options *o)
{
    const char *net = p->graph->name;
    const char *NET = cg_macro_prefix(net);
    text_buffer tb;
    tb_open(&tb);
    FILE *f = tb.f;
    fprintf(f, "/*\n * Example program for %s: reads a raw float32 input file (NCHW, batch 1),\n"
               " * runs the network and writes the raw float32 output.\n *\n"
               " *   ./%s%s INPUT OUTPUT\n */\n",
            net, net, o->embed_weights ? "" : " WEIGHTS");
    fprintf(f, "#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
               "#include \"%s.h\"\n\n", net);
    fprintf(f, "static int fail(const char *what, const char *path)\n{\n"
               "    fprintf(stderr, \"%s: '%%s': %%s\\n\", path, what);\n    return 1;\n}\n\n", net);
    fprintf(f, "/* Reads the input, runs the network and writes the output; returns the exit status. */\n"
               "static int run(const char *input_path, const char *output_path, float *input,\n"
               "               float *output, void *workspace)\n{\n");
    fprintf(f, "    FILE *in = fopen(input_path, \"rb\");\n"
               "    if (!in)\n        return fail(strerror(errno), input_path);\n"
               "    size_t got = fread(input, sizeof(float), %s_INPUT_SIZE, in);\n"
               "    size_t extra = 0;\n"
               "    while (fgetc(in) != EOF)\n        extra++;\n"
               "    fclose(in);\n"
               "    if (got != %s_INPUT_SIZE || extra != 0) {\n"
               "        fprintf(stderr, \"%s: the input must hold exactly %%d float32 values (%%d bytes); \"\n"
               "                        \"'%%s' has %%zu bytes\\n\", %s_INPUT_SIZE, 4 * %s_INPUT_SIZE, input_path,\n"
               "                got * sizeof(float) + extra);\n"
               "        return 1;\n    }\n\n",
            NET, NET, net, NET, NET);
    fprintf(f, "    %s_run(input, output, workspace);\n\n", net);
    fprintf(f, "    FILE *out = fopen(output_path, \"wb\");\n"
               "    if (!out)\n        return fail(strerror(errno), output_path);\n"
               "    size_t put = fwrite(output, sizeof(float), %s_OUTPUT_SIZE, out);\n"
               "    if (fclose(out) != 0 || put != %s_OUTPUT_SIZE)\n"
               "        return fail(\"writing failed\", output_path);\n"
               "    return 0;\n}\n\n",
            NET, NET);
    fprintf(f, "int main(int argc, char **argv)\n{\n");
    int base = o->embed_weights ? 1 : 2;
    fprintf(f, "    if (argc != %d) {\n"
               "        fprintf(stderr, \"usage: %%s %sINPUT OUTPUT\\n\", argv[0]);\n"
               "        return 2;\n    }\n",
            base + 2, o->embed_weights ? "" : "WEIGHTS ");
    if (!o->embed_weights)
        fprintf(f, "    int status = %s_load_weights(argv[1]);\n"
                   "    if (status != %s_OK) {\n"
                   "        fprintf(stderr, \"%s: %%s: %%s\\n\", argv[1], %s_strerror(status));\n"
                   "        return 1;\n    }\n",
                net, NET, net, net);
    fprintf(f, "    float *input = malloc(sizeof(float) * %s_INPUT_SIZE);\n"
               "    float *output = malloc(sizeof(float) * %s_OUTPUT_SIZE);\n"
               "    void *workspace = malloc(%s_WORKSPACE_BYTES > 0 ? %s_WORKSPACE_BYTES : 1);\n",
            NET, NET, NET, NET);
    if (o->embed_weights)
        fprintf(f, "    int status;\n");
    fprintf(f, "    if (input && output && workspace) {\n"
               "        status = run(argv[%d], argv[%d], input, output, workspace);\n"
               "    } else {\n"
               "        fprintf(stderr, \"%s: out of memory\\n\");\n"
               "        status = 1;\n"
               "    }\n"
               "    free(input);\n    free(output);\n    free(workspace);\n    return status;\n}\n",
            base, base + 1, net);
    return tb_close(&tb);
}

/* The CFLAGS line of the generated Makefiles, with the flags of the target. */
static const char *makefile_cflags(const cg_files *files)
{
    const char *target = cg_target_cflags(files->target);
    if (!*target)
        return arena_printf("CFLAGS ?= -O2 -std=c99 -Wall -Wextra -pedantic\n"
                            "# The kernels are written for the %s target, plain C for any CPU.\n"
                            "TARGET_FLAGS =\n",
                            cg_target_name(files->target));
    return arena_printf("CFLAGS ?= -O2 -std=c99 -Wall -Wextra -pedantic\n"
                        "# The kernels are written for the %s target: without its flags they\n"
                        "# still compile, but run much slower.\n"
                        "TARGET_FLAGS = %s\n",
                        cg_target_name(files->target), target);
}

/* The libraries of the generated Makefiles: the pool of threaded code needs pthreads. */
static const char *makefile_libraries(const cg_files *files)
{
    return files->threads > 1 ? "-lm -pthread" : "-lm";
}

static char *makefile_text(const cg_program *p, const cg_files *files)
{
    const char *net = p->graph->name;
    return arena_printf("# Builds the example program %s from %s.c and main.c.\n"
                        "CC ?= cc\n"
                        "%s\n"
                        "%s: main.c %s.c %s.h\n"
                        "\t$(CC) $(CFLAGS) $(TARGET_FLAGS) -o $@ main.c %s.c %s\n\n"
                        "clean:\n\trm -f %s\n\n.PHONY: clean\n",
                        net, net, makefile_cflags(files), net, net, net, net,
                        makefile_libraries(files), net);
}

/* The Makefile of split kernels: NET.c, main.c and every file in kernels/. */
static char *split_makefile_text(const cg_program *p, const cg_files *files)
{
    const char *net = p->graph->name;
    const char *list = "";
    for (int i = 0; i < files->nkernels; i++)
        list = arena_printf("%s \\\n    kernels/%s.c", list, files->kernel_names[i]);
    return arena_printf("# Builds the example program %s from %s.c, main.c and the kernels.\n"
                        "CC ?= cc\n"
                        "%s"
                        "KERNELS =%s\n\n"
                        "%s: main.c %s.c %s.h $(KERNELS)\n"
                        "\t$(CC) $(CFLAGS) $(TARGET_FLAGS) -o $@ main.c %s.c $(KERNELS) %s\n\n"
                        "clean:\n\trm -f %s\n\n.PHONY: clean\n",
                        net, net, makefile_cflags(files), list, net, net, net, net,
                        makefile_libraries(files), net);
}

/* Writes `size` bytes to dir/name through a temporary file, so no half-written file remains. */
static bool write_file(const char *dir, const char *name, const void *data, size_t size)
{
    const char *path = arena_printf("%s/%s", dir, name);
    const char *tmp = arena_printf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        diag_error(SRC_NONE, "cannot create '%s': %s", tmp, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, size, f) == size;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        diag_error(SRC_NONE, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
        return false;
    }
    return true;
}

static bool make_dirs(const char *dir)
{
    char *path = arena_strdup(dir);
    for (char *c = path + 1; *c; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            diag_error(SRC_NONE, "cannot create the folder '%s': %s", path, strerror(errno));
            return false;
        }
        *c = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        diag_error(SRC_NONE, "cannot create the folder '%s': %s", path, strerror(errno));
        return false;
    }
    return true;
}

/* The bytes of NET.weights: magic, count, layout hash, little-endian floats. */
static unsigned char *weights_file(const cg_program *p, const float *weights, size_t *size)
{
    *size = 24 + sizeof(float) * (size_t)p->weight_count;
    unsigned char *bytes = arena_alloc(*size);
    memcpy(bytes, "NASCWGT1", 8);
    uint64_t fields[2] = {(uint64_t)p->weight_count, cg_layout_hash(p)};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 8; i++)
            bytes[8 + 8 * k + i] = (unsigned char)(fields[k] >> (8 * i));
    for (int64_t i = 0; i < p->weight_count; i++) {
        uint32_t u;
        memcpy(&u, &weights[i], sizeof u);
        for (int b = 0; b < 4; b++)
            bytes[24 + 4 * i + b] = (unsigned char)(u >> (8 * b));
    }
    return bytes;
}

cg_files cg_render(const cg_program *p, const float *weights, const cg_options *o)
{
    cg_files files = {0};
    files.target = cg_target_resolve(o->target);
    files.threads = o->threads > 1 ? o->threads : 1;
    files.header = header_text(p, o);
    files.source = source_text(p, weights, o, &files);
    files.program = main_text(p, o);
    files.makefile = o->split_kernels ? split_makefile_text(p, &files) : makefile_text(p, &files);
    if (!o->embed_weights)
        files.weights = weights_file(p, weights, &files.weights_size);
    return files;
}

bool cg_write(const cg_program *p, const cg_files *files, const char *out_dir)
{
    const char *net = p->graph->name;
    if (!make_dirs(out_dir))
        return false;
    bool ok = write_file(out_dir, arena_printf("%s.h", net), files->header, strlen(files->header)) &&
              write_file(out_dir, arena_printf("%s.c", net), files->source, strlen(files->source)) &&
              write_file(out_dir, "main.c", files->program, strlen(files->program)) &&
              write_file(out_dir, "Makefile", files->makefile, strlen(files->makefile));
    if (ok && files->weights)
        ok = write_file(out_dir, arena_printf("%s.weights", net), files->weights,
                        files->weights_size);
    const char *kernel_dir = arena_printf("%s/kernels", out_dir);
    if (ok && files->nkernels > 0)
        ok = make_dirs(kernel_dir);
    for (int i = 0; ok && i < files->nkernels; i++)
        ok = write_file(kernel_dir, arena_printf("%s.c", files->kernel_names[i]),
                        files->kernel_sources[i], strlen(files->kernel_sources[i]));
    return ok;
}

bool cg_make_dirs(const char *dir)
{
    return make_dirs(dir);
}

bool cg_emit(const cg_program *p, const float *weights, const cg_options *o)
{
    cg_files files = cg_render(p, weights, o);
    return cg_write(p, &files, o->out_dir);
}
