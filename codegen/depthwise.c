/*
 * Depthwise conv kernels: groups equal to the input channels C, with
 * M = OC / C output channels per input channel (the channel multiplier),
 * any kernel size, stride, padding and dilation, in NCHW.
 *
 * Each output channel is a 2-D correlation of one input plane with a
 * KH x KW filter. The kernel first copies the input plane into a
 * zero-padded buffer, split by column into SW phases: column j of phase p
 * is padded column j * SW + p. Kernel column kw of output column ow then
 * reads phase kw * DW % SW at column ow + kw * DW / SW. Every stride thus
 * reads consecutive floats, and the zeros of the padding take the place of
 * bounds checks. The buffer is zeroed once per call, because every plane
 * overwrites the same interior positions.
 *
 * The filter's weights are broadcast into vectors once per channel. The
 * output is computed in tiles of up to DEPTHWISE_VECTORS vectors of VL
 * columns by as many rows as keep DEPTHWISE_ACCUMULATORS accumulators.
 * The KH * KW fused multiply-adds of one vector form a dependent chain, so
 * a tile runs several chains at once. The buffer has room for whole
 * vectors past the last output column, so the row tail is a tile too,
 * which stores only its columns.
 *
 * The first version of this kernel read the input in place, with
 * bounds-checked border tiles around unchecked interior tiles. It took
 * 1.95 ms for MobileNetV2's depthwise layers, against 1.25 ms for this
 * one (bench/profile.c, AVX2, one core of an AMD EPYC). On 14x14 and 7x7
 * maps most columns fell into its border tiles, and at stride 2 it
 * gathered the inputs of a vector lane by lane.
 *
 * NOTE: the buffer is a local array of SW * HP * WP floats, 52 KB for
 * MobileNetV2's 112x112 stride-1 layer, plus one plane when narrow strided
 * rows are split. A thread that runs the kernel needs that much stack.
 */
#include "kernels.h"

enum { DEPTHWISE_VECTORS = 4, DEPTHWISE_ACCUMULATORS = 8, UNROLL_TAPS = 25 };

/*
 * Rows of fewer groups of SW columns than this are split as one plane.
 * Clang 14 -O2 left the split of a 28-column row at stride 2 (13 groups)
 * as scalar moves. Timed on its own on one AVX2 core, MobileNetV2's
 * 28x28 -> 14x14 layer took 0.061 ms with a split per row and 0.031 ms
 * with a split per plane. Its 56- and 112-column layers were faster per
 * row: 0.090 against 0.111 ms, and 0.267 against 0.312 ms.
 */
enum { SPLIT_GROUPS = 16 };

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* The floats in a vector of the target, VL in the generated code. */
static int vector_length(cg_target target)
{
    switch (target) {
    case CG_TARGET_AVX512: return 16;
    case CG_TARGET_AVX2: return 8;
    default: return 1;
    }
}

/*
 * Writes accumulator a<i>_<j> to row oh + i, columns ow + j * VL onwards,
 * `count` of them (at most VL), adding the residual and applying the
 * activation. When the activation runs on vectors, the vector is stored
 * as one, or its first `count` floats by one memcpy of constant size,
 * and emit_tile declares the types that needs. Sigmoid goes through an
 * array, a value at a time. On 14x14 maps every row is a partial vector
 * of 14 columns with AVX-512. Stored a value at a time, gcc ran
 * MobileNetV2's 3x3 depthwise convs there at 18.6 GFLOP/s, and at 25.3
 * as a partial vector (bench/profile.c, alternating builds). Clang's 51
 * to 53 did not change.
 */
static void emit_store(FILE *f, const char *indent, int i, int j, int count, int vl,
                       const conv_epilogue *e)
{
    if (vl > 1 && act_on_vectors(e->act)) {
        const char *first = arena_printf("(oh + %d) * OW + ow + %d * VL", i, j);
        const char *v = arena_printf("a%d_%d", i, j);
        const char *size = count == vl ? arena_printf("sizeof %s", v)
                                       : arena_printf("sizeof(float) * %d", count);
        fprintf(f, "%s{\n", indent);
        if (e->residual)
            fprintf(f, "%s    vfloat rv = zero;\n%s    memcpy(&rv, rc + %s, %s);\n%s    %s += rv;\n",
                    indent, indent, first, size, indent, v);
        emit_vector_act(f, arena_printf("%s    ", indent), e->act, v);
        fprintf(f, "%s    memcpy(yc + %s, &%s, %s);\n%s}\n", indent, first, v, size, indent);
        return;
    }
    const char *at = arena_printf("(oh + %d) * OW + ow + %d * VL + l", i, j);
    const char *value = e->residual ? arena_printf("t[l] + rc[%s]", at) : "t[l]";
    fprintf(f, "%s{\n%s    float t[VL];\n%s    memcpy(t, &a%d_%d, sizeof t);\n", indent, indent,
            indent, i, j);
    fprintf(f, "%s    for (int l = 0; l < %s; l++)\n%s        yc[%s] = %s;\n%s}\n", indent,
            count == vl ? "VL" : arena_printf("%d", count), indent, at, act_call(e->act, value),
            indent);
}

/* Writes the loads and multiply-adds of one tap for every vector of a tile, from xk. */
static void emit_tap(FILE *f, const char *indent, int rows, int vectors)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < vectors; j++) {
            const char *x = arena_printf("x%d_%d", i, j);
            fprintf(f, "%svfloat %s;\n%smemcpy(&%s, xk + %d * SH * WP + %d * VL, sizeof %s);\n"
                       "%sa%d_%d += wv * %s;\n",
                    indent, x, indent, x, i, j, x, indent, i, j, x);
        }
}

/*
 * Writes a tile of `rows` output rows from oh by `vectors` vectors of
 * output columns from ow. The last vector stores `last_count` columns, the
 * others VL. A kernel of at most UNROLL_TAPS taps has each tap written
 * out, with its weight vector and offsets constant. In loops over kh and
 * kw, gcc kept the vectors loaded for one kh in registers for the next
 * and spilled them. Clang ran 3x3 convs on 14x14 at 53.5 GFLOP/s in loops
 * and 73.3 written out, 5x5 ones at 76.5 and 109 (bench/profile.c,
 * alternating builds, AVX-512). Stride-2 convs measured the same either
 * way.
 */
static void emit_tile(FILE *f, const char *indent, const ir_window *w, int rows, int vectors,
                      int last_count, int vl, const conv_epilogue *e)
{
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%svfloat", indent);
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s a%d_%d = %s", j ? "," : "", i, j, e->bias ? "zero + bias" : "zero");
        fprintf(f, ";\n");
    }
    const char *in = arena_printf("%s    ", indent);
    if (w->kh * w->kw <= UNROLL_TAPS) {
        for (int kh = 0; kh < w->kh; kh++)
            for (int kw = 0; kw < w->kw; kw++) {
                int phase = kw * w->dw % w->sw, row = kh * w->dh, column = kw * w->dw / w->sw;
                fprintf(f, "%s{ /* kh = %d, kw = %d */\n%sconst vfloat wv = wk[%d];\n", indent, kh,
                        kw, in, kh * w->kw + kw);
                fprintf(f, "%sconst float *xk = pad + %s(long)(oh * SH + %d) * WP + ow%s;\n", in,
                        phase ? arena_printf("%d * HP * WP + ", phase) : "", row,
                        column ? arena_printf(" + %d", column) : "");
                emit_tap(f, in, rows, vectors);
                fprintf(f, "%s}\n", indent);
            }
    } else {
        fprintf(f, "%sfor (int kh = 0; kh < KH; kh++) {\n", indent);
        fprintf(f, "%s    for (int kw = 0; kw < KW; kw++) {\n", indent);
        fprintf(f, "%s        const vfloat wv = wk[kh * KW + kw];\n", indent);
        fprintf(f, "%s        const float *xk = pad + kw * DW %% SW * HP * WP +\n"
                   "%s                          (long)(oh * SH + kh * DH) * WP + ow + kw * DW / SW;\n",
                indent, indent);
        emit_tap(f, arena_printf("%s        ", indent), rows, vectors);
        fprintf(f, "%s    }\n%s}\n", indent, indent);
    }
    if (vl > 1)
        emit_vector_act_types(f, indent, e->act);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < vectors; j++)
            emit_store(f, indent, i, j, j == vectors - 1 ? last_count : vl, vl, e);
}

/*
 * Writes the loop over the columns of `rows` output rows from oh: tiles of
 * `vectors` vectors, then one tile for the remaining columns.
 */
static void emit_columns(FILE *f, const char *indent, const ir_window *w, int rows, int vectors,
                         int out_w, int vl, const conv_epilogue *e)
{
    const char *in = arena_printf("%s    ", indent);
    int step = vectors * vl;
    if (out_w >= step) {
        fprintf(f, "%sfor (int ow = 0; ow + %d * VL <= OW; ow += %d * VL) {\n", indent, vectors,
                vectors);
        emit_tile(f, in, w, rows, vectors, vl, vl, e);
        fprintf(f, "%s}\n", indent);
    }
    int rest = out_w % step;
    if (rest > 0) {
        fprintf(f, "%s{\n%s    const int ow = OW - %d; /* the last %s */\n", indent, indent, rest,
                rest == 1 ? "column" : arena_printf("%d columns", rest));
        emit_tile(f, in, w, rows, (rest + vl - 1) / vl, rest % vl ? rest % vl : vl, vl, e);
        fprintf(f, "%s}\n", indent);
    }
}

/* True if the input plane is split into phase planes before the copy: see SPLIT_GROUPS. */
static bool split_plane(const ir_window *w, ir_shape in)
{
    return w->sw > 1 && in.w % w->sw == 0 && in.w / w->sw < SPLIT_GROUPS;
}

/*
 * Writes the copy of input plane oc / M into the padded phases. With
 * stride 1, a row is one memcpy. With a larger stride each row is split on
 * its own. The groups of SW padded columns that lie whole inside the
 * input, from GROUP_BEGIN to GROUP_END, run without checks. The input
 * columns before COPY_BEGIN and after COPY_END go one at a time. Rows of
 * fewer than SPLIT_GROUPS groups, with W a multiple of SW, are instead
 * split as a whole plane, in one long loop, and then copied row by row.
 * With stride 2 and gcc, whole vectors of groups are split by shuffles,
 * because gcc leaves the loop over groups scalar. A stride-2 depthwise
 * conv of 96 channels of 112x112 (MobileNetV2's shape) then ran at 15.6
 * GFLOP/s instead of 9.4 (bench/profile.c, AVX-512, alternating builds).
 * gcc builds of MobileNetV2 took 5.89 ms instead of 6.16, MnasNet 5.12
 * instead of 5.71. Clang vectorizes the loop itself and measured no
 * faster with the shuffles.
 */
static void emit_plane_copy(FILE *f, const ir_window *w, ir_shape in, int vl)
{
    fprintf(f, "            const float *xc = x + (long)(oc / M) * H * W;\n");
    if (split_plane(w, in)) {
        fprintf(f, "            for (int i = 0; i < H * W / SW; i++)\n"
                   "                for (int p = 0; p < SW; p++)\n"
                   "                    split[p][i] = xc[(long)i * SW + p];\n"
                   "            /* Input column ih * W + i * SW + p is padded column i * SW + p + PW. */\n"
                   "            for (int p = 0; p < SW; p++)\n"
                   "                for (int ih = 0; ih < H; ih++)\n"
                   "                    memcpy(pad + ((long)(p + PW) %% SW * HP + ih + PH) * WP + (p + PW) / SW,\n"
                   "                           split[p] + ih * (W / SW), sizeof(float) * (W / SW));\n");
        return;
    }
    fprintf(f, "            for (int ih = 0; ih < H; ih++) {\n"
               "                const float *xr = xc + (long)ih * W;\n"
               "                float *pr = pad + (long)(ih + PH) * WP;\n");
    if (w->sw == 1) {
        fprintf(f, "                memcpy(pr + PW, xr, sizeof(float) * W);\n            }\n");
        return;
    }
    int group_begin = (w->pw + w->sw - 1) / w->sw;
    int group_end = max_int(group_begin, (in.w + w->pw) / w->sw);
    int copy_begin = min_int(in.w, group_begin * w->sw - w->pw);
    int copy_end = max_int(copy_begin, min_int(in.w, group_end * w->sw - w->pw));
    fprintf(f, "                enum { GROUP_BEGIN = %d, GROUP_END = %d };\n", group_begin, group_end);
    fprintf(f, "                enum { COPY_BEGIN = %d, COPY_END = %d };\n", copy_begin, copy_end);
    fprintf(f, "                for (int iw = 0; iw < COPY_BEGIN; iw++)\n"
               "                    pr[(iw + PW) %% SW * HP * WP + (iw + PW) / SW] = xr[iw];\n");
    const char *first_group = "GROUP_BEGIN";
    int vector_groups = w->sw == 2 && vl > 1 ? (group_end - group_begin) / vl * vl : 0;
    if (vector_groups > 0) {
        /* the even and odd lanes of two vectors: phases 0 and 1 of VL groups */
        const char *even = "", *odd = "";
        for (int l = 0; l < vl; l++) {
            even = arena_printf("%s, %d", even, 2 * l);
            odd = arena_printf("%s, %d", odd, 2 * l + 1);
        }
        fprintf(f, "#if !defined(__clang__) && __GNUC__ >= 12 /* see emit_plane_copy */\n"
                   "                for (int j = GROUP_BEGIN; j < GROUP_BEGIN + %d; j += VL) {\n"
                   "                    vfloat v0, v1;\n"
                   "                    memcpy(&v0, xr + j * 2 - PW, sizeof v0);\n"
                   "                    memcpy(&v1, xr + j * 2 - PW + VL, sizeof v1);\n"
                   "                    vfloat even = __builtin_shufflevector(v0, v1%s);\n"
                   "                    vfloat odd = __builtin_shufflevector(v0, v1%s);\n"
                   "                    memcpy(pr + j, &even, sizeof even);\n"
                   "                    memcpy(pr + HP * WP + j, &odd, sizeof odd);\n"
                   "                }\n"
                   "                const int rest = GROUP_BEGIN + %d; /* the groups after the vectors */\n"
                   "#else\n"
                   "                const int rest = GROUP_BEGIN;\n"
                   "#endif\n",
                vector_groups, even, odd, vector_groups);
        first_group = "rest";
    }
    fprintf(f, "                for (int j = %s; j < GROUP_END; j++)\n"
               "                    for (int p = 0; p < SW; p++)\n"
               "                        pr[p * HP * WP + j] = xr[j * SW + p - PW];\n",
            first_group);
    fprintf(f,
               "                for (int iw = COPY_END; iw < W; iw++)\n"
               "                    pr[(iw + PW) %% SW * HP * WP + (iw + PW) / SW] = xr[iw];\n"
               "            }\n");
}

void emit_depthwise_body(FILE *f, cg_target target, const ir_window *w, ir_shape in,
                         ir_shape out, const conv_epilogue *e)
{
    /* The padded buffer covers every row and column that the tiles read or the copy writes. */
    int vl = vector_length(target);
    int rows = max_int((out.h - 1) * w->sh + (w->kh - 1) * w->dh + 1, in.h + w->ph);
    int read_columns = (out.w + vl - 1) / vl * vl + (w->kw - 1) * w->dw / w->sw;
    int columns = max_int(read_columns, (in.w - 1 + w->pw) / w->sw + 1);

    fprintf(f, "    enum { M = OC / C }; /* output channels per input channel */\n");
    emit_vector_type(f, target);
    fprintf(f, "    /* The zero-padded input plane, split into SW phases of HP x WP floats. */\n");
    fprintf(f, "    enum { HP = %d, WP = %d };\n", rows, columns);
    fprintf(f, "    float pad[SW * HP * WP] __attribute__((aligned(64)));\n");
    if (split_plane(w, in))
        fprintf(f, "    /* the input plane's columns by phase */\n"
                   "    float split[SW][H * W / SW] __attribute__((aligned(64)));\n");
    fprintf(f, "    const vfloat zero = {0};\n\n");
    fprintf(f, "    memset(pad, 0, sizeof pad);\n");

    fprintf(f, "    for (int oc = 0; oc < OC; oc++) {\n");
    fprintf(f, "        float *yc = y + (long)%s * OH * OW;\n", conv_output_channel(e, "oc"));
    if (e->residual)
        fprintf(f, "        const float *rc = r + (long)oc * OH * OW;\n");
    if (e->bias)
        fprintf(f, "        const float bias = b[oc];\n");
    fprintf(f, "        vfloat wk[KH * KW]; /* the channel's weights, broadcast */\n"
               "        for (int i = 0; i < KH * KW; i++)\n"
               "            wk[i] = zero + w[(long)oc * KH * KW + i];\n");
    fprintf(f, "        if (oc %% M == 0) {\n");
    emit_plane_copy(f, w, in, vl);
    fprintf(f, "        }\n");

    /*
     * A tile spans up to DEPTHWISE_VECTORS vectors of a row and as many
     * rows as keep DEPTHWISE_ACCUMULATORS accumulators in flight.
     */
    int vectors = min_int(DEPTHWISE_VECTORS, (out.w + vl - 1) / vl);
    int rows_per_tile = min_int(out.h, max_int(1, DEPTHWISE_ACCUMULATORS / vectors));
    int full_rows = out.h / rows_per_tile * rows_per_tile;
    if (full_rows > 0) {
        fprintf(f, "        for (int oh = 0; oh + %d <= OH; oh += %d) {\n", rows_per_tile,
                rows_per_tile);
        emit_columns(f, "            ", w, rows_per_tile, vectors, out.w, vl, e);
        fprintf(f, "        }\n");
    }
    if (out.h > full_rows) {
        int rest_rows = out.h - full_rows;
        fprintf(f, "        {\n            const int oh = OH - %d; /* the last %s */\n", rest_rows,
                rest_rows == 1 ? "row" : arena_printf("%d rows", rest_rows));
        emit_columns(f, "            ", w, out.h - full_rows, vectors, out.w, vl, e);
        fprintf(f, "        }\n");
    }
    fprintf(f, "    }\n");
}
