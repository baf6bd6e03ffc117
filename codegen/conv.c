/*
 * Conv kernels. The layer's shape picks the kernel at generation time:
 * register-blocked tiles for a conv with one group and dilation 1 (see
 * CONV_ROWS), direct loops for every other conv.
 */
#include "kernels.h"

/*
 * Register-blocked conv kernels. A dense conv is an outer product summed
 * over (c, kh, kw): a tile of ROWS output channels by a few vectors of
 * output positions is accumulated in registers, each step broadcasting one
 * weight per output channel and loading one vector of x per column vector.
 * The generator unrolls the tile into named variables, so that both gcc
 * and clang keep them in registers. A tile of 4 x 3 vectors needs 12
 * accumulators, 3 loads and a broadcast, which fit the 16 vector registers
 * of SSE2 and AVX2. The vectors are those of the target (see kernels.h).
 */
enum { CONV_ROWS = 4, CONV_VECTORS = 3 };

/* What a fast conv kernel writes after its sums: bias, residual, activation and shuffle. */
typedef struct {
    bool bias;
    bool residual;
    bool shuffled;
    cg_act act;
} conv_epilogue;

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

const char *emit_conv_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
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
        emit_vector_type(f, k->target);
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
