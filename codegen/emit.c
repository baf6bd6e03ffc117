/*
 * C emission. The generated NET.c contains, in order: a banner, the weight
 * array, activation helpers, one kernel per distinct specialization, the
 * run function, and the weight loader. A kernel's name spells its op,
 * kernel, stride, padding and shapes, so equal names mean equal code and
 * each is emitted once. The run function calls the kernels on workspace
 * offsets fixed by the memory plan. Every size is a compile-time constant,
 * and the run function allocates nothing. A conv with one group and
 * dilation 1 gets a register-blocked kernel (see CONV_ROWS); every other
 * layer gets direct loops.
 *
 * Weight file format (NET.weights): the 8 bytes "NASCWGT1", the float count
 * and a hash of the weight layout as 64-bit little-endian integers, then
 * the floats, little-endian. The loader rejects any other count or layout,
 * so weights of another network or another nasc build cannot load.
 */
#include "codegen.h"

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

static const char *act_suffix(cg_act act)
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

static const char *act_call(cg_act act, const char *expr)
{
    if (act == CG_ACT_NONE)
        return expr;
    return arena_printf("act%s(%s)", act_suffix(act), expr);
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
    return h ^ (uint64_t)p->weight_count;
}

/* ---- kernels ---- */

typedef struct {
    ptr_vec names; /* kernels already emitted */
    FILE *f;
    ptr_vec starts; /* per kernel, a long *: where its text starts in f */
} kernel_set;

/* Records a new kernel, whose text the caller writes to k->f next. */
static bool already_emitted(kernel_set *k, const char *name)
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

/*
 * Register-blocked conv kernels. A dense conv is an outer product summed
 * over (c, kh, kw): a tile of ROWS output channels by a few vectors of
 * output positions is accumulated in registers, each step broadcasting one
 * weight per output channel and loading one vector of x per column vector.
 * The generator unrolls the tile into named variables, so that both gcc
 * and clang keep them in registers. A tile of 4 x 3 vectors needs 12
 * accumulators, 3 loads and a broadcast, which fit the 16 vector registers
 * of SSE2 and AVX.
 * The vectors are GCC/clang vector extensions of 8 floats when the
 * compiler targets AVX, else 4 (SSE2, NEON).
 */
enum { CONV_ROWS = 4, CONV_VECTORS = 3 };

/* What a fast conv kernel writes after its sums: bias, residual, activation and shuffle. */
typedef struct {
    bool bias;
    bool residual;
    bool shuffled;
    cg_act act;
} conv_epilogue;

static void emit_vector_type(FILE *f)
{
    fprintf(f, "#if defined(__AVX__)\n"
               "    typedef float vfloat __attribute__((vector_size(32)));\n"
               "#else\n"
               "    typedef float vfloat __attribute__((vector_size(16)));\n"
               "#endif\n"
               "    enum { VL = sizeof(vfloat) / sizeof(float) }; /* floats in a vector */\n");
}

/* The output channel that local channel `oc` (a C expression) is written to. */
static const char *conv_output_channel(const conv_epilogue *e, const char *oc)
{
    if (!e->shuffled)
        return oc;
    return arena_printf("((BASE + %s) %% PER_GROUP * SHUFFLE_GROUPS + (BASE + %s) / PER_GROUP)",
                        oc, oc);
}

/* Declares the accumulators a<row>_<vector> of a tile, set to the bias when there is one. */
static void emit_tile_accumulators(FILE *f, const char *indent, int rows, int vectors,
                                   const conv_epilogue *e)
{
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%svfloat", indent);
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s a%d_%d = {0}", j ? "," : "", i, j);
        fprintf(f, ";\n");
        for (int j = 0; e->bias && j < vectors; j++)
            fprintf(f, "%sa%d_%d += b[oc0 + %d];\n", indent, i, j, i);
    }
}

/*
 * Stores accumulator a<row>_<vector> to positions `position` + j * VL ... of
 * the output plane, `count` of them (a C expression, at most VL), adding
 * the residual and applying the activation.
 */
static void emit_tile_store(FILE *f, const char *indent, int rows, int vectors, const char *position,
                            const char *count, const conv_epilogue *e)
{
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < vectors; j++) {
            const char *at = j ? arena_printf("%s + %d * VL", position, j) : position;
            fprintf(f, "%s{\n%s    float t[VL];\n", indent, indent);
            fprintf(f, "%s    float *yo = y + (long)%s * PLANE + %s;\n", indent,
                    conv_output_channel(e, arena_printf("(oc0 + %d)", i)), at);
            if (e->residual)
                fprintf(f, "%s    const float *ro = r + (long)(oc0 + %d) * PLANE + %s;\n", indent, i,
                        at);
            fprintf(f, "%s    memcpy(t, &a%d_%d, sizeof t);\n", indent, i, j);
            fprintf(f, "%s    for (int l = 0; l < %s; l++)\n%s        yo[l] = %s;\n%s}\n", indent,
                    count, indent, act_call(e->act, e->residual ? "t[l] + ro[l]" : "t[l]"), indent);
        }
    }
}

/*
 * A pointwise tile: `rows` output channels from oc0 by `vectors` vectors of
 * positions from p, Y[oc][p] = sum over c of W[oc][c] * X[c][p].
 */
static void emit_pointwise_tile(FILE *f, const char *indent, int rows, int vectors,
                                const conv_epilogue *e)
{
    emit_tile_accumulators(f, indent, rows, vectors, e);
    fprintf(f, "%sfor (int c = 0; c < C; c++) {\n", indent);
    fprintf(f, "%s    const float *xc = x + (long)c * PLANE + p;\n", indent);
    fprintf(f, "%s    const float *wc = w + (long)oc0 * C + c;\n", indent);
    for (int j = 0; j < vectors; j++)
        fprintf(f, "%s    vfloat x%d;\n%s    memcpy(&x%d, xc + %d * VL, sizeof x%d);\n", indent, j, indent,
                j, j, j);
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%s    {\n%s        const float wi = wc[%d * C];\n", indent, indent, i);
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s        a%d_%d += wi * x%d;\n", indent, i, j, j);
        fprintf(f, "%s    }\n", indent);
    }
    fprintf(f, "%s}\n", indent);
    emit_tile_store(f, indent, rows, vectors, "p", "VL", e);
}

/* Positions p to PLANE - 1, fewer than VL, of `rows` output channels, one at a time. */
static void emit_pointwise_tail(FILE *f, const char *indent, int rows, const conv_epilogue *e)
{
    fprintf(f, "%sfor (; p < PLANE; p++) {\n", indent);
    fprintf(f, "%s    for (int i = 0; i < %d; i++) {\n", indent, rows);
    fprintf(f, "%s        const float *wo = w + (long)(oc0 + i) * C;\n", indent);
    fprintf(f, "%s        float acc = %s;\n", indent, e->bias ? "b[oc0 + i]" : "0.0f");
    fprintf(f, "%s        for (int c = 0; c < C; c++)\n"
               "%s            acc += wo[c] * x[(long)c * PLANE + p];\n", indent, indent);
    fprintf(f, "%s        y[(long)%s * PLANE + p] = %s;\n", indent,
            conv_output_channel(e, "(oc0 + i)"),
            act_call(e->act, e->residual ? "acc + r[(long)(oc0 + i) * PLANE + p]" : "acc"));
    fprintf(f, "%s    }\n%s}\n", indent, indent);
}

/*
 * Opens part 0 (full blocks of CONV_ROWS output channels) or part 1 (the
 * remaining channels) of a conv body and returns its rows; 0 when the part
 * is empty and nothing was written.
 */
static int open_channel_block(FILE *f, int part, int out_channels)
{
    int tail = out_channels % CONV_ROWS;
    int rows = part == 0 ? CONV_ROWS : tail;
    if (rows == 0 || (part == 0 && out_channels < CONV_ROWS))
        return 0;
    if (part == 0)
        fprintf(f, "    for (int oc0 = 0; oc0 + %d <= OC; oc0 += %d) {\n", rows, rows);
    else
        fprintf(f, "    {\n        const int oc0 = OC - %d; /* the last %d output channels */\n",
                rows, rows);
    return rows;
}

/* The body of a 1x1 conv with stride 1, no padding and one group: blocks of output channels. */
static void emit_pointwise_body(FILE *f, int out_channels, const conv_epilogue *e)
{
    for (int part = 0; part < 2; part++) {
        int rows = open_channel_block(f, part, out_channels);
        if (rows == 0)
            continue;
        fprintf(f, "        int p = 0;\n");
        fprintf(f, "        for (; p + %d * VL <= PLANE; p += %d * VL) {\n", CONV_VECTORS,
                CONV_VECTORS);
        emit_pointwise_tile(f, "            ", rows, CONV_VECTORS, e);
        fprintf(f, "        }\n        for (; p + VL <= PLANE; p += VL) {\n");
        emit_pointwise_tile(f, "            ", rows, 1, e);
        fprintf(f, "        }\n");
        emit_pointwise_tail(f, "        ", rows, e);
        fprintf(f, "    }\n");
    }
}

/*
 * A dense conv tile of `rows` output channels from oc0 by `vectors`
 * vectors of row oh from column ow, every input column inside the input:
 * ow >= PW and ow + vectors * VL <= INTERIOR_END.
 */
static void emit_dense_tile(FILE *f, const char *indent, int rows, int vectors,
                            const conv_epilogue *e)
{
    emit_tile_accumulators(f, indent, rows, vectors, e);
    fprintf(f, "%sfor (int c = 0; c < C; c++) {\n", indent);
    fprintf(f, "%s    for (int kh = kh0; kh < kh1; kh++) {\n", indent);
    fprintf(f, "%s        const float *xr = x + ((long)c * H + oh * SH - PH + kh) * W + ow - PW;\n",
            indent);
    fprintf(f, "%s        const float *wr = w + ((long)oc0 * C + c) * KH * KW + kh * KW;\n", indent);
    fprintf(f, "%s        for (int kw = 0; kw < KW; kw++) {\n", indent);
    for (int j = 0; j < vectors; j++)
        fprintf(f, "%s            vfloat x%d;\n%s            memcpy(&x%d, xr + kw + %d * VL, "
                   "sizeof x%d);\n", indent, j, indent, j, j, j);
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%s            {\n%s                const float wi = wr[%d * C * KH * KW + kw];\n",
                indent, indent, i);
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s                a%d_%d += wi * x%d;\n", indent, i, j, j);
        fprintf(f, "%s            }\n", indent);
    }
    fprintf(f, "%s        }\n%s    }\n%s}\n", indent, indent, indent);
    emit_tile_store(f, indent, rows, vectors, "oh * OW + ow", "VL", e);
}

/*
 * A dense conv tile of `rows` output channels by one vector from column ow,
 * of which `count` columns are stored. Each input value is loaded on its
 * own and zero outside the input: for the padded borders, the tail, and
 * every column of a strided conv.
 */
static void emit_dense_border_tile(FILE *f, const char *indent, int rows, const conv_epilogue *e)
{
    emit_tile_accumulators(f, indent, rows, 1, e);
    fprintf(f, "%sfor (int c = 0; c < C; c++) {\n", indent);
    fprintf(f, "%s    for (int kh = kh0; kh < kh1; kh++) {\n", indent);
    fprintf(f, "%s        const float *xr = x + ((long)c * H + oh * SH - PH + kh) * W;\n", indent);
    fprintf(f, "%s        const float *wr = w + ((long)oc0 * C + c) * KH * KW + kh * KW;\n", indent);
    fprintf(f, "%s        for (int kw = 0; kw < KW; kw++) {\n", indent);
    fprintf(f, "%s            float t[VL];\n"
               "%s            vfloat x0;\n"
               "%s            for (int l = 0; l < VL; l++) {\n"
               "%s                const int iw = (ow + l) * SW - PW + kw;\n"
               "%s                t[l] = l < count && iw >= 0 && iw < W ? xr[iw] : 0.0f;\n"
               "%s            }\n"
               "%s            memcpy(&x0, t, sizeof x0);\n",
            indent, indent, indent, indent, indent, indent, indent);
    for (int i = 0; i < rows; i++)
        fprintf(f, "%s            a%d_0 += wr[%d * C * KH * KW + kw] * x0;\n", indent, i, i);
    fprintf(f, "%s        }\n%s    }\n%s}\n", indent, indent, indent);
    emit_tile_store(f, indent, rows, 1, "oh * OW + ow", "count", e);
}

/*
 * The body of a conv with dilation 1 and one group, per block of output
 * channels and output row. With stride 1, the left padded columns and the
 * tail go through border tiles and the columns between through register
 * tiles. With a larger stride, every column goes through border tiles.
 */
static void emit_dense_body(FILE *f, int out_channels, int left, bool strided,
                            const conv_epilogue *e)
{
    for (int part = 0; part < 2; part++) {
        int rows = open_channel_block(f, part, out_channels);
        if (rows == 0)
            continue;
        fprintf(f, "        for (int oh = 0; oh < OH; oh++) {\n"
                   "            /* the kernel rows inside the input */\n"
                   "            const int kh0 = oh * SH < PH ? PH - oh * SH : 0;\n"
                   "            const int kh1 = oh * SH - PH + KH > H ? H + PH - oh * SH : KH;\n"
                   "            int ow = 0;\n");
        if (left > 0 && !strided) {
            fprintf(f, "            for (; ow < %d; ow += VL) {\n"
                       "                const int count = %d - ow < VL ? %d - ow : VL;\n",
                    left, left, left);
            emit_dense_border_tile(f, "                ", rows, e);
            fprintf(f, "            }\n            ow = %d;\n", left);
        }
        if (!strided) {
            fprintf(f, "            for (; ow + %d * VL <= INTERIOR_END; ow += %d * VL) {\n",
                    CONV_VECTORS, CONV_VECTORS);
            emit_dense_tile(f, "                ", rows, CONV_VECTORS, e);
            fprintf(f, "            }\n            for (; ow + VL <= INTERIOR_END; ow += VL) {\n");
            emit_dense_tile(f, "                ", rows, 1, e);
            fprintf(f, "            }\n");
        }
        fprintf(f, "            for (; ow < OW; ow += VL) {\n"
                   "                const int count = OW - ow < VL ? OW - ow : VL;\n");
        emit_dense_border_tile(f, "                ", rows, e);
        fprintf(f, "            }\n        }\n    }\n");
    }
}

static const char *conv_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                               const ir_node *n)
{
    ir_shape in = g->nodes[n->inputs[0]].shape;
    const ir_window *w = &n->attr.conv.win;
    bool bias = s->bias_offset >= 0;
    bool shuffled = s->shuffle_groups > 0;
    const char *shuffle = shuffled ? arena_printf("_shuffle_g%d_c%d_b%d", s->shuffle_groups,
                                                  s->shuffle_channels, s->shuffle_base)
                                   : "";
    bool residual = s->residual >= 0;
    const char *name = arena_printf(
        "conv_k%dx%d_s%dx%d_p%dx%d_d%dx%d_g%d_c%d_o%d_h%dx%d%s%s%s%s", w->kh, w->kw, w->sh, w->sw,
        w->ph, w->pw, w->dh, w->dw, n->attr.conv.groups, in.c, n->shape.c, in.h, in.w,
        bias ? "_bias" : "", residual ? "_residual" : "", act_suffix(s->act), shuffle);
    if (already_emitted(k, name))
        return name;

    FILE *f = k->f;
    fprintf(f, "/*\n * conv: kernel %dx%d, stride %dx%d, padding %dx%d, dilation %dx%d, groups %d;\n"
               " * %s -> %s%s%s.\n */\n",
            w->kh, w->kw, w->sh, w->sw, w->ph, w->pw, w->dh, w->dw, n->attr.conv.groups,
            ir_shape_str(in), ir_shape_str(n->shape),
            arena_printf("%s%s", s->folded_bn ? "; batch norm folded" : "",
                         residual ? "; residual add fused" : ""),
            s->act ? arena_printf("; %s fused", act_suffix(s->act) + 1) : "");
    if (shuffled)
        fprintf(f, "/*\n * Output channel oc is written to channel perm(%d + oc) of a %d-channel\n"
                   " * tensor, the channel shuffle with %d groups fused into this kernel.\n */\n",
                s->shuffle_base, s->shuffle_channels, s->shuffle_groups);
    fprintf(f, "static void %s(const float *restrict x, float *restrict y,\n"
               "    const float *restrict w, const float *restrict b%s)\n{\n", name,
            residual ? ", const float *restrict r" : "");
    fprintf(f, "    enum { C = %d, H = %d, W = %d, OC = %d, OH = %d, OW = %d };\n", in.c, in.h, in.w,
            n->shape.c, n->shape.h, n->shape.w);
    fprintf(f, "    enum { KH = %d, KW = %d, SH = %d, SW = %d, PH = %d, PW = %d, DH = %d, DW = %d };\n",
            w->kh, w->kw, w->sh, w->sw, w->ph, w->pw, w->dh, w->dw);
    fprintf(f, "    enum { GROUPS = %d, CPG = C / GROUPS, OCPG = OC / GROUPS };\n",
            n->attr.conv.groups);
    if (!bias)
        fprintf(f, "    (void)b; /* this conv has no bias */\n");
    if (shuffled)
        fprintf(f, "    enum { SHUFFLE_GROUPS = %d, PER_GROUP = %d, BASE = %d };\n",
                s->shuffle_groups, s->shuffle_channels / s->shuffle_groups, s->shuffle_base);

    /* The shape picks the kernel: register-blocked where one exists, else the direct loops. */
    conv_epilogue e = {bias, residual, shuffled, s->act};
    bool dense = n->attr.conv.groups == 1 && w->dh == 1 && w->dw == 1;
    bool strided = w->sh != 1 || w->sw != 1;
    bool pointwise = dense && !strided && w->kh == 1 && w->kw == 1 && w->ph == 0 && w->pw == 0;
    if (dense) {
        fprintf(f, "    enum { PLANE = OH * OW, INTERIOR_END = W - KW + PW + 1 };\n");
        emit_vector_type(f);
        fprintf(f, "\n");
        if (pointwise)
            emit_pointwise_body(f, n->shape.c, &e);
        else
            emit_dense_body(f, n->shape.c, w->pw < n->shape.w ? w->pw : n->shape.w, strided, &e);
        fprintf(f, "}\n\n");
        return name;
    }
    fprintf(f, "\n    for (int oc = 0; oc < OC; oc++) {\n"
               "        const float *wo = w + (long)oc * CPG * KH * KW;\n"
               "        const float *xg = x + (long)(oc / OCPG) * CPG * H * W;\n%s",
            shuffled ? "        const int out = ((BASE + oc) % PER_GROUP) * SHUFFLE_GROUPS +\n"
                       "                        (BASE + oc) / PER_GROUP;\n"
                     : "        const int out = oc;\n");
    fprintf(f, "        for (int oh = 0; oh < OH; oh++) {\n"
               "            for (int ow = 0; ow < OW; ow++) {\n"
               "                float acc = %s;\n"
               "                for (int ic = 0; ic < CPG; ic++) {\n"
               "                    for (int kh = 0; kh < KH; kh++) {\n"
               "                        const int ih = oh * SH - PH + kh * DH;\n"
               "                        if (ih < 0 || ih >= H)\n"
               "                            continue;\n"
               "                        for (int kw = 0; kw < KW; kw++) {\n"
               "                            const int iw = ow * SW - PW + kw * DW;\n"
               "                            if (iw >= 0 && iw < W)\n"
               "                                acc += xg[((long)ic * H + ih) * W + iw] *\n"
               "                                       wo[(ic * KH + kh) * KW + kw];\n"
               "                        }\n"
               "                    }\n"
               "                }\n"
               "                y[((long)out * OH + oh) * OW + ow] = %s;\n"
               "            }\n"
               "        }\n"
               "    }\n}\n\n",
            bias ? "b[oc]" : "0.0f",
            act_call(s->act, residual ? "acc + r[((long)oc * OH + oh) * OW + ow]" : "acc"));
    return name;
}

static const char *linear_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                                 const ir_node *n)
{
    int in = g->nodes[n->inputs[0]].shape.c;
    bool bias = s->bias_offset >= 0;
    const char *name = arena_printf("linear_i%d_o%d%s%s", in, n->attr.linear.out,
                                    bias ? "_bias" : "", act_suffix(s->act));
    if (already_emitted(k, name))
        return name;
    fprintf(k->f, "/* linear: %d -> %d features%s. */\n", in, n->attr.linear.out,
            s->act ? arena_printf(", %s fused", act_suffix(s->act) + 1) : "");
    fprintf(k->f, "static void %s(const float *restrict x, float *restrict y,\n"
                  "    const float *restrict w, const float *restrict b)\n{\n"
                  "    enum { IN = %d, OUT = %d };\n%s\n"
                  "    for (int o = 0; o < OUT; o++) {\n"
                  "        float acc = %s;\n"
                  "        for (int i = 0; i < IN; i++)\n"
                  "            acc += w[(long)o * IN + i] * x[i];\n"
                  "        y[o] = %s;\n"
                  "    }\n}\n\n",
            name, in, n->attr.linear.out, bias ? "" : "    (void)b; /* this layer has no bias */\n",
            bias ? "b[o]" : "0.0f", act_call(s->act, "acc"));
    return name;
}

static const char *bn_kernel(kernel_set *k, const cg_step *s, const ir_node *n)
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

static const char *activation_kernel(kernel_set *k, const ir_node *n)
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

static const char *pool_kernel(kernel_set *k, const ir_graph *g, const ir_node *n)
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
    fprintf(f, "    for (int c = 0; c < C; c++) {\n"
               "        const float *xc = x + (long)c * H * W;\n"
               "        for (int oh = 0; oh < OH; oh++) {\n"
               "            for (int ow = 0; ow < OW; ow++) {\n");
    if (is_max) {
        fprintf(f, "                float best = -INFINITY;\n"
                   "                for (int kh = 0; kh < KH; kh++) {\n"
                   "                    const int ih = oh * SH - PH + kh * DH;\n"
                   "                    if (ih < 0 || ih >= H)\n"
                   "                        continue;\n"
                   "                    for (int kw = 0; kw < KW; kw++) {\n"
                   "                        const int iw = ow * SW - PW + kw * DW;\n"
                   "                        if (iw >= 0 && iw < W && xc[ih * W + iw] > best)\n"
                   "                            best = xc[ih * W + iw];\n"
                   "                    }\n"
                   "                }\n"
                   "                y[((long)c * OH + oh) * OW + ow] = best;\n");
    } else {
        fprintf(f, "                int h0 = oh * SH - PH, w0 = ow * SW - PW;\n"
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
    }
    fprintf(f, "            }\n        }\n    }\n}\n\n");
    return name;
}

static const char *simple_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                                 const ir_node *n)
{
    FILE *f = k->f;
    ir_shape in = n->ninputs > 0 ? g->nodes[n->inputs[0]].shape : n->shape;
    int64_t count = ir_shape_elements(n->shape);
    const char *name;
    switch (n->op) {
    case IR_GLOBAL_AVGPOOL:
        name = arena_printf("global_avgpool_c%d_n%d", in.c, in.h * in.w);
        if (!already_emitted(k, name))
            fprintf(f, "/* global average pooling: %s -> %dx1x1. */\n"
                       "static void %s(const float *restrict x, float *restrict y)\n{\n"
                       "    enum { C = %d, N = %d };\n\n"
                       "    for (int c = 0; c < C; c++) {\n"
                       "        float sum = 0.0f;\n"
                       "        for (int i = 0; i < N; i++)\n"
                       "            sum += x[(long)c * N + i];\n"
                       "        y[c] = sum / (float)N;\n"
                       "    }\n}\n\n",
                    ir_shape_str(in), in.c, name, in.c, in.h * in.w);
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

static const char *tensor_ptr(const cg_program *p, int node)
{
    cg_place place = p->places[node];
    if (place.buffer < 0)
        return place.offset ? arena_printf("input + %lld", (long long)place.offset) : "input";
    int64_t at = p->buffers[place.buffer].offset / (int64_t)sizeof(float) + place.offset;
    return arena_printf("ws + %lld", (long long)at);
}

static const char *weight_ptr(int64_t offset)
{
    return arena_printf("weights + %lld", (long long)offset);
}

/* Copies a concat input into its channels of a shuffled concat: see cg_step. */
static const char *shuffled_copy_kernel(kernel_set *k, const cg_step *s, int channels, int base,
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
        name = conv_kernel(k, g, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s%s);\n", name, x, y, weight_ptr(s->weight_offset),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset) : "NULL",
                s->residual >= 0 ? arena_printf(", %s", tensor_ptr(p, s->residual)) : "");
        break;
    case IR_LINEAR:
        name = linear_kernel(k, g, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s);\n", name, x, y, weight_ptr(s->weight_offset),
                s->bias_offset >= 0 ? weight_ptr(s->bias_offset) : "NULL");
        break;
    case IR_BN:
        name = bn_kernel(k, s, n);
        fprintf(run, "    %s(%s, %s, %s, %s);\n", name, x, y, weight_ptr(s->weight_offset),
                weight_ptr(s->bias_offset));
        break;
    case IR_RELU:
    case IR_RELU6:
    case IR_HARDSWISH:
    case IR_HARDSIGMOID:
    case IR_SIGMOID:
        fprintf(run, "    %s(%s, %s);\n", activation_kernel(k, n), x, y);
        break;
    case IR_MAXPOOL:
    case IR_AVGPOOL:
        fprintf(run, "    %s(%s, %s);\n", pool_kernel(k, g, n), x, y);
        break;
    case IR_GLOBAL_AVGPOOL:
    case IR_SHUFFLE:
        fprintf(run, "    %s(%s, %s);\n", simple_kernel(k, g, s, n), x, y);
        break;
    case IR_ADD:
    case IR_MUL:
        fprintf(run, "    %s(%s, %s, %s);\n", simple_kernel(k, g, s, n), x,
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
                        shuffled_copy_kernel(k, s, g->nodes[in].shape.c, (int)(offset / plane), plane),
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

/* ---- files ---- */

static const char *banner(const cg_program *p, const cg_options *o)
{
    const ir_graph *g = p->graph;
    return arena_printf("/*\n * %s: generated by nasc %s with\n *   %s\n"
                        " * Input %s, NCHW float32, batch 1. Regenerate rather than edit.\n */\n",
                        g->name, NASC_VERSION, o->command_line, ir_shape_str(g->nodes[0].shape));
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
    fprintf(f, "/*\n * Runs the network on `input` (%s_INPUT_SIZE floats) into `output`\n"
               " * (%s_OUTPUT_SIZE floats). `workspace` is caller memory of\n"
               " * %s_WORKSPACE_BYTES bytes; calls with distinct workspaces may run\n"
               " * concurrently. Allocates nothing.\n */\n",
            NET, NET, NET);
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
        fprintf(f, "static inline float act_relu(float x)\n{\n    return x > 0.0f ? x : 0.0f;\n}\n\n");
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
        fprintf(f, "static float weights[%s_WEIGHT_COUNT > 0 ? %s_WEIGHT_COUNT : 1];\n\n", NET, NET);
        return;
    }
    fprintf(f, "static const float weights[%s_WEIGHT_COUNT > 0 ? %s_WEIGHT_COUNT : 1] = {", NET, NET);
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
    kernel_set k = {{0}, kernels.f, {0}};
    fprintf(run.f, "void %s_run(const float *input, float *output, void *workspace)\n{\n"
                   "    float *ws = workspace;\n\n", net);
    for (int t = 0; t < p->nsteps; t++)
        emit_step(run.f, &k, p, &p->steps[t]);
    int64_t offset = 0;
    fprintf(run.f, "\n    /* outputs */\n");
    for (int i = 0; i < g->noutputs; i++) {
        int node = g->outputs[i];
        int64_t count = ir_shape_elements(g->nodes[node].shape);
        fprintf(run.f, "    memcpy(output + %lld, %s, sizeof(float) * %lld);\n", (long long)offset,
                tensor_ptr(p, node), (long long)count);
        offset += count;
    }
    fprintf(run.f, "    (void)ws; /* unused when every tensor is a view of the input */\n"
                   "    (void)input;\n    (void)weights;\n}\n\n");
    char *kernel_text = tb_close(&kernels);
    char *run_text = tb_close(&run);

    text_buffer tb;
    tb_open(&tb);
    FILE *f = tb.f;
    fprintf(f, "%s\n#include \"%s.h\"\n\n#include <math.h>\n#include <stddef.h>\n"
               "#include <stdio.h>\n#include <string.h>\n\n",
            banner(p, o), net);
    fprintf(f, "/*\n * %d steps, %d distinct kernels. Workspace: %lld bytes for %lld bytes of\n"
               " * intermediate tensors, by liveness.\n */\n\n",
            p->nsteps, k.names.len, (long long)p->workspace_bytes,
            (long long)p->total_tensor_bytes);
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
               " *   %s%s INPUT OUTPUT\n */\n",
            net, o->embed_weights ? "./" : "./", o->embed_weights
                                                      ? arena_printf("%s", net)
                                                      : arena_printf("%s WEIGHTS", net));
    fprintf(f, "#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
               "#include \"%s.h\"\n\n", net);
    fprintf(f, "static int fail(const char *what, const char *path)\n{\n"
               "    fprintf(stderr, \"%s: '%%s': %%s\\n\", path, what);\n    return 1;\n}\n\n", net);
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
               "    void *workspace = malloc(%s_WORKSPACE_BYTES > 0 ? %s_WORKSPACE_BYTES : 1);\n"
               "    if (!input || !output || !workspace)\n"
               "        return fail(\"out of memory\", \"buffers\");\n\n",
            NET, NET, NET, NET);
    fprintf(f, "    FILE *in = fopen(argv[%d], \"rb\");\n"
               "    if (!in)\n        return fail(strerror(errno), argv[%d]);\n"
               "    size_t got = fread(input, sizeof(float), %s_INPUT_SIZE, in);\n"
               "    size_t extra = 0;\n"
               "    while (fgetc(in) != EOF)\n        extra++;\n"
               "    fclose(in);\n"
               "    if (got != %s_INPUT_SIZE || extra != 0) {\n"
               "        fprintf(stderr, \"%s: the input must hold exactly %%d float32 values (%%d bytes); \"\n"
               "                        \"'%%s' has %%zu bytes\\n\", %s_INPUT_SIZE, 4 * %s_INPUT_SIZE, argv[%d],\n"
               "                got * sizeof(float) + extra);\n"
               "        return 1;\n    }\n\n",
            base, base, NET, NET, net, NET, NET, base);
    fprintf(f, "    %s_run(input, output, workspace);\n\n", net);
    fprintf(f, "    FILE *out = fopen(argv[%d], \"wb\");\n"
               "    if (!out)\n        return fail(strerror(errno), argv[%d]);\n"
               "    size_t put = fwrite(output, sizeof(float), %s_OUTPUT_SIZE, out);\n"
               "    if (fclose(out) != 0 || put != %s_OUTPUT_SIZE)\n"
               "        return fail(\"writing failed\", argv[%d]);\n"
               "    free(input);\n    free(output);\n    free(workspace);\n    return 0;\n}\n",
            base + 1, base + 1, NET, NET, base + 1);
    return tb_close(&tb);
}

static char *makefile_text(const cg_program *p)
{
    const char *net = p->graph->name;
    return arena_printf("# Builds the example program %s from %s.c and main.c.\n"
                        "CC ?= cc\n"
                        "CFLAGS ?= -O2 -std=c99 -Wall -Wextra -pedantic\n\n"
                        "%s: main.c %s.c %s.h\n"
                        "\t$(CC) $(CFLAGS) -o $@ main.c %s.c -lm\n\n"
                        "clean:\n\trm -f %s\n\n.PHONY: clean\n",
                        net, net, net, net, net, net, net);
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
                        "CFLAGS ?= -O2 -std=c99 -Wall -Wextra -pedantic\n"
                        "KERNELS =%s\n\n"
                        "%s: main.c %s.c %s.h $(KERNELS)\n"
                        "\t$(CC) $(CFLAGS) -o $@ main.c %s.c $(KERNELS) -lm\n\n"
                        "clean:\n\trm -f %s\n\n.PHONY: clean\n",
                        net, net, list, net, net, net, net, net);
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
    files.header = header_text(p, o);
    files.source = source_text(p, weights, o, &files);
    files.program = main_text(p, o);
    files.makefile = o->split_kernels ? split_makefile_text(p, &files) : makefile_text(p);
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
