/*
 * The kernels of every layer but the conv: linear, batch norm,
 * activations, pooling, element-wise add and mul, channel shuffle and the
 * shuffled concat copy, each as direct loops over compile-time sizes. The
 * helpers of kernels.h shared by every generator live here too.
 */
#include "kernels.h"

#include <string.h>

bool already_emitted(kernel_set *k, const char *name)
{
    for (int i = 0; i < k->names.len; i++)
        if (strcmp(k->names.items[i], name) == 0)
            return true;
    vec_push(&k->names, (void *)name);
    long *start = arena_alloc(sizeof *start);
    *start = ftell(k->f);
    vec_push(&k->starts, start);
    return false;
}

void emit_vector_type(FILE *f, cg_target target)
{
    switch (target) {
    case CG_TARGET_AVX512:
        fprintf(f, "    typedef float vfloat __attribute__((vector_size(64)));\n");
        break;
    case CG_TARGET_AVX2:
        fprintf(f, "    typedef float vfloat __attribute__((vector_size(32)));\n");
        break;
    default:
        fprintf(f, "    typedef float vfloat; /* the scalar target: vectors of one float */\n");
        break;
    }
    fprintf(f, "    enum { VL = sizeof(vfloat) / sizeof(float) }; /* floats in a vector */\n");
}

const char *act_suffix(cg_act act)
{
    switch (act) {
    case CG_ACT_NONE: return "";
    case CG_ACT_RELU: return "_relu";
    case CG_ACT_RELU6: return "_relu6";
    case CG_ACT_HARDSWISH: return "_hardswish";
    case CG_ACT_HARDSIGMOID: return "_hardsigmoid";
    case CG_ACT_SIGMOID: return "_sigmoid";
    }
    NASC_UNREACHABLE();
}

const char *act_call(cg_act act, const char *expr)
{
    if (act == CG_ACT_NONE)
        return expr;
    return arena_printf("act%s(%s)", act_suffix(act), expr);
}

bool act_on_vectors(cg_act act)
{
    return act != CG_ACT_SIGMOID;
}

void emit_vector_act_types(FILE *f, const char *indent, cg_act act)
{
    static const char *const comment[] = {
        [CG_ACT_RELU] = "relu as a mask, which keeps",
        [CG_ACT_RELU6] = "relu6 as two masks, which keep",
        [CG_ACT_HARDSWISH] = "hardswish with relu6 as two masks, which keep",
        [CG_ACT_HARDSIGMOID] = "hardsigmoid with relu6 as two masks, which keep",
    };
    if (act == CG_ACT_NONE || act == CG_ACT_SIGMOID)
        return;
    fprintf(f, "%s/* %s NaN as PyTorch does */\n"
               "%stypedef int vint __attribute__((vector_size(sizeof(vfloat))));\n",
            indent, comment[act], indent);
    if (act != CG_ACT_RELU)
        fprintf(f, "%sconst vfloat six = (vfloat){0} + 6.0f;\n", indent);
}

/* Emits `v = relu6(v)` for the vfloat variable v (see emit_vector_act). */
static void emit_vector_relu6(FILE *f, const char *indent, const char *v)
{
    fprintf(f, "%s%s = (vfloat)((vint)%s & ~(%s < 0));\n", indent, v, v, v);
    fprintf(f, "%s%s = (vfloat)(((vint)%s & ~(%s > six)) | ((vint)six & (%s > six)));\n", indent,
            v, v, v, v);
}

/*
 * relu clears the lanes below zero with a mask, and relu6 then puts 6 in
 * the lanes above 6 with another. A comparison with NaN is false, so NaN
 * and -0.0 come out as act_relu and act_relu6 give them. hardswish and
 * hardsigmoid run the operations of act_hardswish and act_hardsigmoid in
 * the same order, so each lane is bit for bit what the helper returns for
 * that lane's input.
 */
void emit_vector_act(FILE *f, const char *indent, cg_act act, const char *v)
{
    switch (act) {
    case CG_ACT_NONE:
    case CG_ACT_SIGMOID:
        return;
    case CG_ACT_RELU:
        fprintf(f, "%s%s = (vfloat)((vint)%s & ~(%s < 0));\n", indent, v, v, v);
        return;
    case CG_ACT_RELU6:
        emit_vector_relu6(f, indent, v);
        return;
    case CG_ACT_HARDSWISH:
    case CG_ACT_HARDSIGMOID:
        fprintf(f, "%s{\n%s    vfloat h = %s + 3.0f;\n", indent, indent, v);
        emit_vector_relu6(f, arena_printf("%s    ", indent), "h");
        fprintf(f, "%s    %s = %s / 6.0f;\n%s}\n", indent, v,
                act == CG_ACT_HARDSWISH ? arena_printf("%s * h", v) : "h", indent);
        return;
    }
    NASC_UNREACHABLE();
}

const char *emit_bn_kernel(kernel_set *k, const cg_step *s, const ir_node *n)
{
    const char *name = arena_printf("batchnorm_c%d_n%d%s", n->shape.c, n->shape.h * n->shape.w,
                                    act_suffix(s->act));
    if (already_emitted(k, name))
        return name;
    fprintf(k->f, "/* batch norm as a per-channel scale and shift: %s. */\n",
            ir_shape_str(n->shape));
    fprintf(k->f, "static void %s(const float *restrict x, float *restrict y,\n"
                  "    const float *restrict scale, const float *restrict shift)\n{\n"
                  "    enum { C = %d, N = %d };\n\n"
                  "    for (int c = 0; c < C; c++)\n"
                  "        for (int i = 0; i < N; i++)\n"
                  "            y[(long)c * N + i] = %s;\n}\n\n",
            name, n->shape.c, n->shape.h * n->shape.w,
            act_call(s->act, "x[(long)c * N + i] * scale[c] + shift[c]"));
    return name;
}

const char *emit_activation_kernel(kernel_set *k, const ir_node *n)
{
    static const char *const names[] = {
        [IR_RELU] = "relu", [IR_RELU6] = "relu6", [IR_HARDSWISH] = "hardswish",
        [IR_HARDSIGMOID] = "hardsigmoid", [IR_SIGMOID] = "sigmoid",
    };
    const char *act = names[n->op];
    int64_t count = ir_shape_elements(n->shape);
    const char *name = arena_printf("%s_n%lld", act, (long long)count);
    if (already_emitted(k, name))
        return name;
    fprintf(k->f, "/* %s of %s values. */\n", act, ir_shape_str(n->shape));
    fprintf(k->f, "static void %s(const float *restrict x, float *restrict y)\n{\n"
                  "    enum { N = %lld };\n\n"
                  "    for (long i = 0; i < N; i++)\n"
                  "        y[i] = act_%s(x[i]);\n}\n\n",
            name, (long long)count, act);
    return name;
}

/*
 * Max pooling in two passes per output row. The first takes the maximum
 * over the window's input rows along the whole row, a loop the compiler
 * vectorizes, into a row buffer whose borders hold -INFINITY for the
 * padding. The second gives each output the maximum of KW values of that
 * buffer, with no bounds checks. Window rows outside the input are skipped.
 * A NaN in the window makes the output NaN, as in PyTorch.
 */
static void emit_maxpool_body(FILE *f)
{
    fprintf(f, "    /* the row buffer: PW cells of padding, the input row, then padding to the last window */\n"
               "    enum { RIGHT = (OW - 1) * SW + (KW - 1) * DW + 1, BW = RIGHT > PW + W ? RIGHT : PW + W };\n"
               "    float row[BW];\n"
               "    for (int i = 0; i < BW; i++)\n"
               "        row[i] = -INFINITY;\n"
               "    for (int c = 0; c < C; c++) {\n"
               "        const float *xc = x + (long)c * H * W;\n"
               "        for (int oh = 0; oh < OH; oh++) {\n"
               "            float *r = row + PW;\n"
               "            for (int iw = 0; iw < W; iw++)\n"
               "                r[iw] = -INFINITY;\n"
               "            for (int kh = 0; kh < KH; kh++) {\n"
               "                const int ih = oh * SH - PH + kh * DH;\n"
               "                if (ih < 0 || ih >= H)\n"
               "                    continue;\n"
               "                const float *xr = xc + (long)ih * W;\n"
               "                for (int iw = 0; iw < W; iw++)\n"
               "                    r[iw] = xr[iw] > r[iw] || isnan(xr[iw]) ? xr[iw] : r[iw];\n"
               "            }\n"
               "            float *yr = y + ((long)c * OH + oh) * OW;\n"
               "            for (int ow = 0; ow < OW; ow++) {\n"
               "                const float *window = row + ow * SW;\n"
               "                float best = window[0];\n"
               "                for (int kw = 1; kw < KW; kw++) {\n"
               "                    const float v = window[kw * DW];\n"
               "                    best = v > best || isnan(v) ? v : best;\n"
               "                }\n"
               "                yr[ow] = best;\n"
               "            }\n"
               "        }\n"
               "    }\n}\n\n");
}

const char *emit_pool_kernel(kernel_set *k, const ir_graph *g, const ir_node *n)
{
    ir_shape in = g->nodes[n->inputs[0]].shape;
    const ir_window *w = &n->attr.pool.win;
    bool is_max = n->op == IR_MAXPOOL;
    bool include_pad = n->attr.pool.count_include_pad;
    const char *name = arena_printf("%s_k%dx%d_s%dx%d_p%dx%d_d%dx%d_c%d_h%dx%d_o%dx%d%s",
                                    is_max ? "maxpool" : "avgpool", w->kh, w->kw, w->sh, w->sw,
                                    w->ph, w->pw, w->dh, w->dw, in.c, in.h, in.w, n->shape.h,
                                    n->shape.w, !is_max && !include_pad ? "_exclude_pad" : "");
    if (already_emitted(k, name))
        return name;

    FILE *f = k->f;
    fprintf(f, "/*\n * %s: kernel %dx%d, stride %dx%d, padding %dx%d, dilation %dx%d%s;\n"
               " * %s -> %s. Windows are clipped to the input%s.\n */\n",
            is_max ? "max pooling" : "average pooling", w->kh, w->kw, w->sh, w->sw, w->ph, w->pw,
            w->dh, w->dw, n->attr.pool.ceil_mode ? ", ceil_mode" : "", ir_shape_str(in),
            ir_shape_str(n->shape),
            is_max ? "" : include_pad ? "; the divisor counts padding inside the padded input"
                                      : "; the divisor counts input cells only");
    fprintf(f, "static void %s(const float *restrict x, float *restrict y)\n{\n", name);
    fprintf(f, "    enum { C = %d, H = %d, W = %d, OH = %d, OW = %d };\n", in.c, in.h, in.w,
            n->shape.h, n->shape.w);
    if (is_max)
        fprintf(f, "    enum { KH = %d, KW = %d, SH = %d, SW = %d, PH = %d, PW = %d, DH = %d, DW = %d };\n\n",
                w->kh, w->kw, w->sh, w->sw, w->ph, w->pw, w->dh, w->dw);
    else
        fprintf(f, "    enum { KH = %d, KW = %d, SH = %d, SW = %d, PH = %d, PW = %d };\n\n", w->kh,
                w->kw, w->sh, w->sw, w->ph, w->pw);
    if (is_max) {
        emit_maxpool_body(f);
        return name;
    }
    fprintf(f, "    for (int c = 0; c < C; c++) {\n"
               "        const float *xc = x + (long)c * H * W;\n"
               "        for (int oh = 0; oh < OH; oh++) {\n"
               "            for (int ow = 0; ow < OW; ow++) {\n"
               "                int h0 = oh * SH - PH, w0 = ow * SW - PW;\n"
               "                int h1 = h0 + KH < H + PH ? h0 + KH : H + PH;\n"
               "                int w1 = w0 + KW < W + PW ? w0 + KW : W + PW;\n"
               "%s"
               "                h0 = h0 > 0 ? h0 : 0;\n"
               "                w0 = w0 > 0 ? w0 : 0;\n"
               "                h1 = h1 < H ? h1 : H;\n"
               "                w1 = w1 < W ? w1 : W;\n"
               "                float sum = 0.0f;\n"
               "                for (int ih = h0; ih < h1; ih++)\n"
               "                    for (int iw = w0; iw < w1; iw++)\n"
               "                        sum += xc[ih * W + iw];\n"
               "                y[((long)c * OH + oh) * OW + ow] = sum / (float)%s;\n",
            include_pad ? "                const int padded = (h1 - h0) * (w1 - w0);\n" : "",
            include_pad ? "padded" : "((h1 - h0) * (w1 - w0))");
    fprintf(f, "            }\n        }\n    }\n}\n\n");
    return name;
}

const char *emit_simple_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                                 const ir_node *n)
{
    FILE *f = k->f;
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    int64_t count = ir_shape_elements(n->shape);
    const char *name;
    switch (n->op) {
    case IR_GLOBAL_AVGPOOL:
        name = arena_printf("global_avgpool_c%d_n%d", in.c, in.h * in.w);
        if (already_emitted(k, name))
            return name;
        fprintf(f, "/* global average pooling: %s -> %dx1x1. */\n"
                   "static void %s(const float *restrict x, float *restrict y)\n{\n"
                   "    enum { C = %d, N = %d };\n\n"
                   "    for (int c = 0; c < C; c++) {\n"
                   "        const float *xc = x + (long)c * N;\n"
                   "        float sum = 0.0f;\n",
                ir_shape_str(in), in.c, name, in.c, in.h * in.w);
        /*
         * One running sum waits for each add to finish. Eight partial sums
         * in a fixed order, which the compiler keeps in a vector, took
         * ShuffleNetV2's pooling of 1024 channels of 49 values from 14 to
         * 8 microseconds, and the result is the same for every target.
         */
        if (in.h * in.w >= 16)
            fprintf(f, "        float part[8] = {0};\n"
                       "        int i = 0;\n"
                       "        for (; i + 8 <= N; i += 8)\n"
                       "            for (int j = 0; j < 8; j++)\n"
                       "                part[j] += xc[i + j];\n"
                       "        for (; i < N; i++)\n"
                       "            sum += xc[i];\n"
                       "        for (int j = 0; j < 8; j++)\n"
                       "            sum += part[j];\n");
        else
            fprintf(f, "        for (int i = 0; i < N; i++)\n"
                       "            sum += xc[i];\n");
        fprintf(f, "        y[c] = sum / (float)N;\n"
                   "    }\n}\n\n");
        return name;
    case IR_ADD:
        name = arena_printf("add_n%lld%s", (long long)count, act_suffix(s->act));
        if (!already_emitted(k, name))
            fprintf(f, "/* element-wise sum of two %s tensors%s. */\n"
                       "static void %s(const float *restrict a, const float *restrict b, "
                       "float *restrict y)\n{\n"
                       "    enum { N = %lld };\n\n"
                       "    for (long i = 0; i < N; i++)\n"
                       "        y[i] = %s;\n}\n\n",
                    ir_shape_str(n->shape),
                    s->act ? arena_printf(", %s fused", act_suffix(s->act) + 1) : "", name,
                    (long long)count, act_call(s->act, "a[i] + b[i]"));
        return name;
    case IR_MUL: {
        ir_shape bs = g->nodes[n->inputs[1]].shape;
        bool per_channel = bs.h * bs.w == 1 && n->shape.h * n->shape.w != 1;
        name = arena_printf("mul_c%d_n%d%s", n->shape.c, n->shape.h * n->shape.w,
                            per_channel ? "_per_channel" : "");
        if (!already_emitted(k, name))
            fprintf(f, "/* element-wise product, %s. */\n"
                       "static void %s(const float *restrict a, const float *restrict b, "
                       "float *restrict y)\n{\n"
                       "    enum { C = %d, N = %d };\n\n"
                       "    for (int c = 0; c < C; c++)\n"
                       "        for (int i = 0; i < N; i++)\n"
                       "            y[(long)c * N + i] = a[(long)c * N + i] * b[%s];\n}\n\n",
                    per_channel ? "the second operand scaling each channel" : "equal shapes",
                    name, n->shape.c, n->shape.h * n->shape.w,
                    per_channel ? "c" : "(long)c * N + i");
        return name;
    }
    case IR_SHUFFLE: {
        int groups = n->attr.shuffle.groups;
        name = arena_printf("shuffle_g%d_c%d_n%d", groups, n->shape.c, n->shape.h * n->shape.w);
        if (!already_emitted(k, name))
            fprintf(f, "/*\n * channel shuffle with %d groups of %s, in PyTorch's order: output\n"
                       " * channel j * G + i is input channel i * (C / G) + j.\n */\n"
                       "static void %s(const float *restrict x, float *restrict y)\n{\n"
                       "    enum { G = %d, C = %d, N = %d, PER_GROUP = C / G };\n\n"
                       "    for (int i = 0; i < G; i++)\n"
                       "        for (int j = 0; j < PER_GROUP; j++)\n"
                       "            memcpy(y + (long)(j * G + i) * N, x + (long)(i * PER_GROUP + j) * N,\n"
                       "                   sizeof(float) * N);\n}\n\n",
                    groups, ir_shape_str(n->shape), name, groups, n->shape.c,
                    n->shape.h * n->shape.w);
        return name;
    }
    default:
        NASC_UNREACHABLE();
    }
}

/* ---- the run function ---- */

const char *emit_shuffled_copy_kernel(kernel_set *k, const cg_step *s, int channels, int base,
                                        int plane)
{
    const char *name = arena_printf("copy_shuffled_g%d_c%d_t%d_b%d_n%d", s->shuffle_groups,
                                    channels, s->shuffle_channels, base, plane);
    if (already_emitted(k, name))
        return name;
    fprintf(k->f, "/*\n * Copies %d channels of %d values into channels perm(%d + c) of a\n"
                  " * %d-channel tensor: a concat input with the shuffle after the concat fused.\n */\n"
                  "static void %s(const float *restrict x, float *restrict y)\n{\n"
                  "    enum { C = %d, N = %d, SHUFFLE_GROUPS = %d, PER_GROUP = %d, BASE = %d };\n\n"
                  "    for (int c = 0; c < C; c++) {\n"
                  "        const int out = ((BASE + c) %% PER_GROUP) * SHUFFLE_GROUPS + (BASE + c) / PER_GROUP;\n"
                  "        memcpy(y + (long)out * N, x + (long)c * N, sizeof(float) * N);\n"
                  "    }\n}\n\n",
            channels, plane, base, s->shuffle_channels, name, channels, plane,
            s->shuffle_groups, s->shuffle_channels / s->shuffle_groups, base);
    return name;
}

/*
 * Emits the call of the NASC_PROBE hook after step `index`, compiled only
 * with -DNASC_PROBE=HOOK (see the header). `y` is where the step writes. A
 * conv with a channel shuffle fused in writes its channels to permuted
 * places of the shuffled tensor at `y`, so the hook gets their indices.
 */
