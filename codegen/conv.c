/*
 * Conv kernels. A dense conv on a map of at most CG_CONV_WIDE_MAX_PLANE
 * positions with at least 16 output channels runs the wide-block kernel,
 * a direct conv with output channels in the vector lanes (see
 * emit_wide_body and conv_wide_fits). Every other conv but a depthwise one (see
 * depthwise.c) runs as a matrix product per group, Y[oc][q] = sum over k
 * of W[oc][k] * P[k][q], with k = (c, kh, kw) and q the output positions.
 * The kernel gathers the input values of a block of output rows into an
 * im2col panel P on the stack, zero in the padding, so the stride,
 * padding and dilation cost nothing in the inner loop. With stride 1
 * along H, the rows of P for kh and kh + 1 are the same input values one
 * output row apart, so the panel keeps one row per (c, kw) and reads it
 * kh output rows further on (see emit_shared_gather). Register tiles
 * then multiply the weights by P, 4 output channels (8 with AVX-512) by 3
 * vectors of positions. Output rows too wide for the panel go through a
 * direct loop instead. The linear layer, a matrix-vector product, is at
 * the end of the file.
 *
 * Packed weights: weights.c stores the weights of these convs per group in
 * blocks of B output channels, [block][c][kh][kw][row], B = CONV_ROWS or
 * CG_CONV_WIDE_BLOCK (see cg_conv_block), where the group's last block
 * has the OCPG % B remaining rows. A tile thus reads its block's weights
 * in memory order. Output channels [a, b), with a a multiple of B in its
 * group, are the contiguous slice from float a * CPG * KH * KW. A kernel
 * split across threads by channels thus gets its weights by a pointer
 * offset. A panel kernel split by output rows computes rows [ROW_BEGIN,
 * ROW_END) from the whole step's pointers.
 */
#include "kernels.h"


/*
 * Register tiles. A tile of ROWS output channels by VECTORS vectors of
 * positions is accumulated in registers, each step of k broadcasting one
 * weight per output channel and loading one vector of the panel per
 * column vector. The generator unrolls the tile into named variables, so
 * that both gcc and clang keep them in registers. A tile of 4 x 3 vectors
 * needs 12 accumulators, 3 loads and a broadcast, which fit the 16 vector
 * registers of AVX2. AVX-512 has 32 registers, and its tiles take two
 * blocks of 4 channels, 8 x 3 vectors, which halves the loads of the
 * panel per FMA. The vectors are those of the target (see kernels.h).
 */
enum { CONV_ROWS = CG_CONV_BLOCK, CONV_VECTORS = 3 };

const char *conv_output_channel(const conv_epilogue *e, const char *oc)
{
    if (!e->shuffled)
        return oc;
    return arena_printf("((BASE + %s) %% PER_GROUP * SHUFFLE_GROUPS + (BASE + %s) / PER_GROUP)",
                        oc, oc);
}

/*
 * Stores the accumulators of a whole tile to the output plane as vectors,
 * adding the residual and applying the activation on the vectors (see
 * emit_vector_act). The caller checks vector_epilogue.
 */
static void emit_tile_store_vectors(FILE *f, const char *indent, int rows, int vectors,
                                    const char *position, const conv_epilogue *e)
{
    for (int i = 0; i < rows; i++) {
        const char *channel = conv_output_channel(e, arena_printf("(oc0 + %d)", i));
        fprintf(f, "%s{\n%s    float *yo = y + (long)%s * PLANE + %s;\n", indent, indent, channel,
                position);
        if (e->residual)
            fprintf(f, "%s    const float *ro = r + (long)(oc0 + %d) * PLANE + %s;\n", indent, i,
                    position);
        emit_vector_act_types(f, arena_printf("%s    ", indent), e->act);
        for (int j = 0; j < vectors; j++) {
            const char *v = arena_printf("a%d_%d", i, j);
            if (e->residual)
                fprintf(f, "%s    {\n%s        vfloat t;\n"
                           "%s        memcpy(&t, ro + %d * VL, sizeof t);\n"
                           "%s        %s += t;\n%s    }\n",
                        indent, indent, indent, j, indent, v, indent);
            emit_vector_act(f, arena_printf("%s    ", indent), e->act, v);
            fprintf(f, "%s    memcpy(yo + %d * VL, &%s, sizeof %s);\n", indent, j, v, v);
        }
        fprintf(f, "%s}\n", indent);
    }
}

/* Whether a whole tile's epilogue can run on vectors (see emit_tile_store_vectors). */
static bool vector_epilogue(const conv_epilogue *e, int lanes)
{
    return lanes > 1 && act_on_vectors(e->act);
}

/*
 * Stores the accumulators a<row>_<vector> of a tile to `count` positions
 * (a C expression, at most vectors * VL) from `position` of the output
 * plane, adding the residual and applying the activation.
 */
static void emit_tile_store(FILE *f, const char *indent, int rows, int vectors, const char *position,
                            const char *count, const conv_epilogue *e)
{
    const char *channel = conv_output_channel(e, "(oc0 + i)");
    fprintf(f, "%s{\n%s    float t[%d][%d * VL];\n", indent, indent, rows, vectors);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s    memcpy(t[%d] + %d * VL, &a%d_%d, sizeof a%d_%d);\n", indent, i, j, i,
                    j, i, j);
    fprintf(f, "%s    for (int i = 0; i < %d; i++) {\n", indent, rows);
    fprintf(f, "%s        float *yo = y + (long)%s * PLANE + %s;\n", indent, channel, position);
    if (e->residual)
        fprintf(f, "%s        const float *ro = r + (long)(oc0 + i) * PLANE + %s;\n", indent,
                position);
    fprintf(f, "%s        for (int l = 0; l < %s; l++)\n%s            yo[l] = %s;\n", indent,
            count, indent, act_call(e->act, e->residual ? "t[i][l] + ro[l]" : "t[i][l]"));
    fprintf(f, "%s    }\n%s}\n", indent, indent);
}

/*
 * The sums of one tile step, inside the reduction loops the caller opens:
 * xs points at the tile's first input value and ws at the ROWS packed
 * weights of this (c, kh, kw), so a<row>_<vector> += ws[row] * xs[vector].
 */
static void emit_tile_products(FILE *f, const char *indent, int rows, int vectors, const char *wk)
{
    for (int j = 0; j < vectors; j++)
        fprintf(f, "%svfloat x%d;\n%smemcpy(&x%d, xs + %d * VL, sizeof x%d);\n", indent, j, indent,
                j, j, j);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < vectors; j++) {
            if (i < CONV_ROWS)
                fprintf(f, "%sa%d_%d += ws[%d] * x%d;\n", indent, i, j, i, j);
            else
                fprintf(f, "%sa%d_%d += ws[%d * %s * %d + %d] * x%d;\n", indent, i, j,
                        i / CONV_ROWS, wk, CONV_ROWS, i % CONV_ROWS, j);
        }
}

/*
 * Opens a part of group g of a conv body and returns its rows, or 0 when
 * the part is empty and nothing was written. Part 0 loops over tiles of
 * blocks_per_tile blocks of CONV_ROWS output channels. Part 1 is the
 * group's last whole block when the tiles leave one, and part 2 the
 * remaining channels. The tile's packed weights start at wb, a later
 * block of the tile K * CONV_ROWS floats further, or WK * CONV_ROWS when
 * sliced (a kernel of a slice of the input channels).
 */
static int open_channel_block(FILE *f, const char *indent, int part, int group_channels,
                              int blocks_per_tile, bool sliced)
{
    int tile_rows = CONV_ROWS * blocks_per_tile;
    int rows = part == 0 ? tile_rows
             : part == 1 ? (group_channels % tile_rows >= CONV_ROWS ? CONV_ROWS : 0)
                         : group_channels % CONV_ROWS;
    if (rows == 0 || (part == 0 && group_channels < rows))
        return 0;
    if (part == 0)
        fprintf(f, "%sfor (int oc0 = g * OCPG; oc0 + %d <= (g + 1) * OCPG; oc0 += %d) {\n", indent,
                rows, rows);
    else if (part == 1)
        fprintf(f, "%s{\n%s    const int oc0 = g * OCPG + %d; /* the group's last whole block */\n",
                indent, indent, group_channels / tile_rows * tile_rows);
    else
        fprintf(f, "%s{\n%s    const int oc0 = (g + 1) * OCPG - %d; /* the group's last %d channels */\n",
                indent, indent, rows, rows);
    fprintf(f, "%s    const float *wb = w + (long)oc0 * %s;\n", indent,
            sliced ? "WK" : "CPG * KH * KW");
    return rows;
}

/*
 * Limits of the im2col panel of emit_panel_body. PANEL_ROW_MAX_BYTES is the
 * widest row of positions before a conv falls back to emit_direct_body.
 * PANEL_FLOATS is the panel's largest size (128 KiB, an eighth of the 1 MiB
 * L2 cache of the AMD benchmark machine). STRIP_BYTES bounds a tile's strip
 * of it, half of a 32 KiB L1 data cache. It also bounds the wide-block
 * kernel's chunk of weights and padded input. On the AMD machine 16 KiB
 * measured fastest of 8, 16 and 32 KiB for the panel version of that
 * kernel. On the Intel one (48 KiB L1), 8 to 32 KiB gave the direct
 * version the same speed within the noise.
 * NOTE: the panel is a local array, so every thread that runs a conv
 * kernel needs up to 128 KiB of stack for it, and the wide-block kernel
 * up to 32 KiB for fin and about 16 KiB for its padded input.
 */
enum { PANEL_ROW_MAX_BYTES = 64 * 1024, PANEL_FLOATS = 32 * 1024, STRIP_BYTES = 16 * 1024 };

/*
 * The widest kernel whose steps over kw a tile writes out, one block per
 * value of kw, instead of a loop (see emit_panel_tile and emit_wide_tile).
 */
enum { UNROLL_KW = 4 };

/*
 * The tiles that cover nq positions of a panel: tiles of CONV_VECTORS
 * vectors, the last of which may have fewer vectors and be partial.
 * NOTE: two tiles of 2 vectors instead of 3 + 1 (ResNet's 7x7 maps have
 * 7 vectors of 8 positions) measured slower: 8 sums barely cover the
 * FMA latency.
 */
typedef struct {
    int full3;     /* whole tiles of 3 vectors */
    int last;      /* vectors of the last tile, 1 to 3, which may be partial */
    bool whole;    /* whether the last tile's vectors are all whole */
} tile_plan;

static tile_plan plan_tiles(int nq, int lanes)
{
    tile_plan t = {0, 0, nq % lanes == 0};
    int vectors = (nq + lanes - 1) / lanes;
    while (vectors > CONV_VECTORS) {
        t.full3++;
        vectors -= CONV_VECTORS;
    }
    t.last = vectors;
    return t;
}

/*
 * The cost of a panel of nq positions in vector FMA steps per value of k:
 * a tile of one vector counts as two, since its four sums wait on each
 * other's latency rather than filling both FMA pipes.
 */
static int tiles_cost(int nq, int lanes)
{
    tile_plan t = plan_tiles(nq, lanes);
    return 3 * t.full3 + (t.last == 1 ? 2 : t.last);
}

/*
 * Output rows per panel, at most 24 vectors of positions so that the panel
 * has room for a useful chunk of k. The count minimizes an estimated cost:
 * the tiles of every panel over the plane, plus the rereads of the weights,
 * one per panel, at 3/8 of a vector step.
 */
static int panel_rows(int out_height, int out_width, int lanes)
{
    int best = 1;
    double best_cost = 0;
    for (int rows = 1; rows <= out_height; rows++) {
        if (rows > 1 && rows * out_width > 8 * CONV_VECTORS * lanes)
            break;
        int blocks = (out_height + rows - 1) / rows, last = out_height - (blocks - 1) * rows;
        double cost = (blocks - 1) * tiles_cost(rows * out_width, lanes) +
                      tiles_cost(last * out_width, lanes) + blocks * 3 / 8.0;
        if (rows == 1 || cost < best_cost) {
            best = rows;
            best_cost = cost;
        }
    }
    return best;
}

/* Returns the positions of a panel row rounded up to whole vectors, so that a tile never reads past it. */
static int panel_width(int out_height, int out_width, int lanes)
{
    int positions = panel_rows(out_height, out_width, lanes) * out_width;
    return (positions + lanes - 1) / lanes * lanes;
}

/*
 * Returns the values of k per chunk of the panel. A tile's strip, its
 * vectors of positions times the chunk, must stay in the L1 cache while
 * every block of output channels reads it, and the panel must fit its
 * size. The chunks of K are made equal rather than leaving a short one.
 * They hold whole input channels (taps values of k each) when one fits,
 * which lets emit_channel_gather copy each input row once per kw. That
 * may take one more chunk: a 3x3 conv of 64 channels takes 8 chunks of
 * 72 values of k rather than 7 of 83, and the per-row gather still made
 * it 8% faster.
 */
static int panel_chunk(int reduction, int taps, int width, int lanes)
{
    int max_chunk = STRIP_BYTES / (CONV_VECTORS * lanes * (int)sizeof(float));
    if (max_chunk > PANEL_FLOATS / width)
        max_chunk = PANEL_FLOATS / width;
    if (taps <= max_chunk) {
        int channels = reduction / taps, per_chunk = max_chunk / taps;
        int chunks = (channels + per_chunk - 1) / per_chunk;
        return (channels + chunks - 1) / chunks * taps;
    }
    int chunks = (reduction + max_chunk - 1) / max_chunk;
    return (reduction + chunks - 1) / chunks;
}

/* Whether a conv with this output plane fits emit_panel_body. */
static bool panel_fits(int out_height, int out_width, int lanes)
{
    return (long)panel_width(out_height, out_width, lanes) * 4 <= PANEL_ROW_MAX_BYTES;
}

/*
 * Emits the loads of a whole tile's partial sums from y into its
 * accumulators, or the stores back, one vector per memcpy.
 */
static void emit_partial_sums(FILE *f, const char *indent, int rows, int vectors,
                              const conv_epilogue *e, bool store)
{
    for (int i = 0; i < rows; i++) {
        const char *at = arena_printf("y + (long)%s * PLANE + oh0 * OW + q",
                                      conv_output_channel(e, arena_printf("(oc0 + %d)", i)));
        for (int j = 0; j < vectors; j++)
            if (store)
                fprintf(f, "%smemcpy(%s + %d * VL, &a%d_%d, sizeof a%d_%d);\n", indent, at, j, i,
                        j, i, j);
            else
                fprintf(f, "%smemcpy(&a%d_%d, %s + %d * VL, sizeof a%d_%d);\n", indent, i, j, at,
                        j, i, j);
    }
}

/*
 * The layout of a panel, as its tiles read it. chunked: K takes several
 * chunks, whose partial sums go through y. shared_rows: the panel contains
 * one row of positions per input channel and kw, which spans the KH
 * kernel rows of the panel's output rows (see emit_shared_gather), and
 * k = (c, kh, kw) reads it kh * DH output rows further on.
 */
typedef struct {
    bool chunked;
    bool shared_rows;
    int kw;       /* KW (see emit_panel_tile) */
    bool direct;  /* no panel: the tiles read the input planes (see panel_reads_input) */
    /*
     * The kernel adds the products of input channels [c0, c0 + C) of a
     * conv of SLICE_OF input channels (see emit_conv_kernel). The sums
     * start from the bias only in the first slice and take the epilogue
     * only in the last, and the weights of k are those of c0 + k.
     */
    bool sliced;
} panel_pass;

/*
 * Emits a panel tile: `rows` output channels from oc0 by `vectors` vectors
 * of positions from q of the panel (all of them when full, else nq - q),
 * summed over its kc rows. The first chunk
 * of k starts from the bias and a later one from the partial sums in y.
 * The last chunk applies the epilogue, and an earlier one stores the sums.
 */
static void emit_panel_tile(FILE *f, const char *indent, int rows, int vectors, int lanes,
                            bool full, const panel_pass *pass, const conv_epilogue *e)
{
    bool by_vector = full && vector_epilogue(e, lanes);
    const char *in = arena_printf("%s    ", indent);
    const char *count = full ? arena_printf("%d * VL", vectors) : "nq - q";
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%svfloat", indent);
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%s a%d_%d = {0}", j ? "," : "", i, j);
        fprintf(f, ";\n");
    }
    bool chunked = pass->chunked;
    const char *bias_indent = chunked ? in : indent;
    if (chunked)
        fprintf(f, "%sif (k0 == 0%s) {\n", indent, pass->sliced ? " && c0 == 0" : "");
    for (int i = 0; i < rows && e->bias; i++)
        for (int j = 0; j < vectors; j++)
            fprintf(f, "%sa%d_%d += b[oc0 + %d];\n", bias_indent, i, j, i);
    if (chunked && full) {
        /* a whole tile of partial sums moves between y and the registers as vectors */
        fprintf(f, "%s} else {\n", indent);
        emit_partial_sums(f, in, rows, vectors, e, false);
        fprintf(f, "%s}\n", indent);
    } else if (chunked) {
        fprintf(f, "%s} else {\n", indent);
        fprintf(f, "%s{\n%s    float t[%d][%d * VL] = {{0}};\n", in, in, rows, vectors);
        fprintf(f, "%s    for (int i = 0; i < %d; i++) {\n", in, rows);
        fprintf(f, "%s        const float *yo = y + (long)%s * PLANE + oh0 * OW + q;\n", in,
                conv_output_channel(e, "(oc0 + i)"));
        fprintf(f, "%s        for (int l = 0; l < %s; l++)\n%s            t[i][l] = yo[l];\n",
                in, count, in);
        fprintf(f, "%s    }\n", in);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < vectors; j++)
                fprintf(f, "%s    memcpy(&a%d_%d, t[%d] + %d * VL, sizeof a%d_%d);\n", in, i, j, i,
                        j, i, j);
        fprintf(f, "%s}\n%s}\n", in, indent);
    }
    /*
     * With shared rows, the steps over kw of a kernel up to UNROLL_KW
     * columns wide are written out, each a block with its own constant
     * kw. Left as a loop, the 3x3 convs of ResNet-50 on 28x28 ran 3%
     * slower under clang with -ffp-contract=fast than with on.
     */
    const char *step = indent;
    int copies = 1;
    if (pass->shared_rows) {
        /* k = (c, kh, kw) reads kw's row of channel c, kh input rows down */
        fprintf(f, "%sfor (int cc = 0; cc < kc / (KH * KW); cc++)\n", indent);
        if (pass->kw > 1 && pass->kw <= UNROLL_KW) {
            copies = pass->kw;
            step = arena_printf("%s    ", indent);
            fprintf(f, "%s    for (int kh = 0; kh < KH; kh++) {\n", indent);
        } else {
            step = arena_printf("%s        ", indent);
            fprintf(f, "%s    for (int kh = 0; kh < KH; kh++)\n", indent);
            fprintf(f, "%s        for (int kw = 0; kw < KW; kw++) {\n", indent);
        }
    } else {
        fprintf(f, "%sfor (int k = 0; k < kc; k++) {\n", indent);
    }
    for (int copy = 0; copy < copies; copy++) {
        const char *at = step;
        if (copies > 1) {
            at = arena_printf("%s    ", step);
            fprintf(f, "%s    {\n%s    const int kw = %d;\n", step, at, copy);
        }
        if (pass->shared_rows) {
            fprintf(f, "%s    const int k = (cc * KH + kh) * KW + kw;\n", at);
            fprintf(f, "%s    const float *xs = panel[cc * KW + kw] + kh * DH * OW + q;\n", at);
        } else if (pass->direct) {
            fprintf(f, "%s    const float *xs = x + (long)(g * CPG + k) * PLANE + oh0 * OW + q;\n", at);
        } else {
            fprintf(f, "%s    const float *xs = panel[k] + q;\n", at);
        }
        const char *wk = pass->sliced ? "WK" : "K";
        fprintf(f, "%s    const float *ws = wb + (long)(%sk0 + k) * %d;\n", at,
                pass->sliced ? "c0 + " : "", rows < CONV_ROWS ? rows : CONV_ROWS);
        if (rows >= CONV_ROWS)
            for (int b = 0; b < rows / CONV_ROWS; b++)
                fprintf(f, "%s    __builtin_prefetch(ws + (long)%s * %d);\n", at, wk,
                        rows + b * CONV_ROWS);
        emit_tile_products(f, arena_printf("%s    ", at), rows, vectors, wk);
        if (copies > 1)
            fprintf(f, "%s}\n", at);
    }
    fprintf(f, "%s}\n", step);
    if (!chunked) {
        if (by_vector)
            emit_tile_store_vectors(f, indent, rows, vectors, "oh0 * OW + q", e);
        else
            emit_tile_store(f, indent, rows, vectors, "oh0 * OW + q", count, e);
        return;
    }
    fprintf(f, "%sif (k0 + kc == K%s) {\n", indent, pass->sliced ? " && c0 + C == SLICE_OF" : "");
    if (by_vector)
        emit_tile_store_vectors(f, in, rows, vectors, "oh0 * OW + q", e);
    else
        emit_tile_store(f, in, rows, vectors, "oh0 * OW + q", count, e);
    fprintf(f, "%s} else {\n", indent);
    conv_epilogue partial = {false, false, e->shuffled, CG_ACT_NONE};
    if (full)
        emit_partial_sums(f, in, rows, vectors, e, true);
    else
        emit_tile_store(f, in, rows, vectors, "oh0 * OW + q", count, &partial);
    fprintf(f, "%s}\n", indent);
}

/*
 * Emits one tile of `vectors` vectors of positions from q for every block of
 * output channels of group g, the full blocks and then the remaining rows.
 * The tile's strip of the panel stays in the L1 cache across the blocks.
 */
static void emit_block_tiles(FILE *f, const char *indent, int group_channels, int vectors, int lanes,
                             bool full, const panel_pass *pass, const conv_epilogue *e)
{
    const char *in = arena_printf("%s    ", indent);
    int blocks_per_tile = lanes >= 16 ? 2 : 1;
    for (int part = 0; part < 3; part++) {
        int rows = open_channel_block(f, indent, part, group_channels, blocks_per_tile,
                                      pass->sliced);
        if (rows == 0)
            continue;
        emit_panel_tile(f, in, rows, vectors, lanes, full, pass, e);
        fprintf(f, "%s}\n", indent);
    }
}

/*
 * Emits the tiles over a panel's nq positions from q = 0, as plan_tiles lays
 * them out: each tile for the block of `rows` output channels at oc0, or
 * for every block of group g when rows is 0. Only the branches that the
 * panels of this conv reach (last[vectors]) are written, which keeps the
 * generated code short. A last tile whose vectors are all whole
 * (whole[vectors]) stores them as vectors.
 */
static void emit_position_tiles(FILE *f, const char *indent, int rows, int group_channels,
                                int lanes, bool full3, const bool *last, const bool *whole,
                                const panel_pass *pass, const conv_epilogue *e)
{
    const char *in = arena_printf("%s    ", indent);
    fprintf(f, "%sint q = 0;\n", indent);
    for (int v = full3 ? 0 : 1; v <= CONV_VECTORS; v++) {
        int vectors = v ? CONV_VECTORS + 1 - v : CONV_VECTORS; /* the loop, then 3, 2, 1 */
        if (v && !last[vectors])
            continue;
        if (v == 0)
            fprintf(f, "%sfor (; nq - q > 3 * VL; q += 3 * VL) {\n", indent);
        else /* after the loop 0 < nq - q <= 3 * VL */
            fprintf(f, "%sif (%s) { /* the last %s */\n", indent,
                    vectors == 3 ? "nq - q > 2 * VL"
                    : vectors == 2 ? "nq - q > VL && nq - q <= 2 * VL" : "nq - q <= VL",
                    vectors > 1 ? arena_printf("%d vectors", vectors) : "vector");
        bool full = v == 0 || whole[vectors];
        if (rows)
            emit_panel_tile(f, in, rows, vectors, lanes, full, pass, e);
        else
            emit_block_tiles(f, in, group_channels, vectors, lanes, full, pass, e);
        fprintf(f, "%s}\n", indent);
    }
}

/*
 * Emits the tiles over a panel. Usually each tile runs for every block of
 * output channels while its strip of the panel stays in the L1 cache. A
 * conv with a single chunk of k and at least 128 output channels per group
 * runs each block over all tiles of the panel instead. Its stores then go
 * to the block's few output planes in long runs, rather than to every
 * plane of the conv in runs of 3 vectors, which the hardware prefetchers
 * do not follow. The strip then comes from the L2 cache for each block.
 * In alternating builds of ResNet-50's layer1 this made its 1x1 convs to
 * 256 channels on 56x56 5-8% faster, and it measured no faster on 28x28
 * maps or with several chunks, whose partial sums go through y anyway.
 */
static void emit_panel_tiles(FILE *f, int group_channels, int lanes, const tile_plan *plans, int nplans,
                             const panel_pass *pass, const conv_epilogue *e)
{
    const char *indent = "                ";
    bool full3 = false, last[CONV_VECTORS + 1] = {false};
    bool whole[CONV_VECTORS + 1] = {true, true, true, true};
    for (int i = 0; i < nplans; i++) {
        full3 |= plans[i].full3 > 0;
        last[plans[i].last] = true;
        whole[plans[i].last] &= plans[i].whole;
    }
    if (pass->chunked || group_channels < 128) {
        emit_position_tiles(f, indent, 0, group_channels, lanes, full3, last, whole, pass, e);
        return;
    }
    int blocks_per_tile = lanes >= 16 ? 2 : 1;
    for (int part = 0; part < 3; part++) {
        int rows = open_channel_block(f, indent, part, group_channels, blocks_per_tile,
                                      pass->sliced);
        if (rows == 0)
            continue;
        emit_position_tiles(f, arena_printf("%s    ", indent), rows, group_channels, lanes, full3,
                            last, whole, pass, e);
        fprintf(f, "%s}\n", indent);
    }
}

/*
 * The code that gathers the im2col panel for rows [k0, k0 + kc) of k = (c, kh,
 * kw) and output rows [oh0, oh0 + nrows) of group g: panel[k - k0][q] = x
 * at (g * CPG + c, oh * SH - PH + kh * DH, ow * SW - PW + kw * DW) for
 * position q = (oh - oh0) * OW + ow, zero in the padding and from nq to QP.
 */
static const char *const panel_gather[] = {
    "for (int k = 0; k < kc; k++) {",
    "    const int c = g * CPG + (k0 + k) / (KH * KW);",
    "    const int kh = (k0 + k) / KW % KH, kw = (k0 + k) % KW;",
    "    /* the columns ow in [lo, hi) read inside the input */",
    "    int lo = kw * DW < PW ? (PW - kw * DW + SW - 1) / SW : 0;",
    "    int hi = (W + PW - kw * DW + SW - 1) / SW;",
    "    hi = hi > 0 ? hi : 0; /* a tap past the right edge reads no column */",
    "    hi = hi < OW ? hi : OW;",
    "    lo = lo < hi ? lo : hi;",
    "    for (int r = 0; r < nrows; r++) {",
    "        float *row = panel[k] + r * OW;",
    "        const int ih = (oh0 + r) * SH - PH + kh * DH;",
    "        if (ih < 0 || ih >= H) {",
    "            memset(row, 0, sizeof(float) * OW);",
    "            continue;",
    "        }",
    "        const float *xr = x + ((long)c * H + ih) * W;",
    "        for (int ow = 0; ow < lo; ow++)",
    "            row[ow] = 0.0f;",
    "        for (int ow = lo; ow < hi; ow++)",
    "            row[ow] = xr[ow * SW - PW + kw * DW];",
    "        for (int ow = hi; ow < OW; ow++)",
    "            row[ow] = 0.0f;",
    "    }",
    "    for (int q = 0; q < QP - nq; q++)",
    "        panel[k][nq + q] = 0.0f;",
    "}",
};

static void emit_panel_gather(FILE *f, const char *indent)
{
    for (size_t i = 0; i < sizeof panel_gather / sizeof *panel_gather; i++)
        fprintf(f, "%s%s\n", indent, panel_gather[i]);
}

/*
 * Returns the offset from `row` of column col of kw's row, such as
 * "2 * KW_STRIDE + 55". The rows of successive kw are KW_STRIDE floats
 * apart: QP, or ROW_FLOATS in a panel of shared rows.
 */
static const char *row_offset(int kw, int col)
{
    if (kw == 0)
        return arena_printf("%d", col);
    const char *plane = kw == 1 ? "KW_STRIDE" : arena_printf("%d * KW_STRIDE", kw);
    return col ? arena_printf("%s + %d", plane, col) : plane;
}

/* Returns the address of column col of kw's row, such as "row" or "row + KW_STRIDE + 1". */
static const char *row_address(int kw, int col)
{
    return kw || col ? arena_printf("row + %s", row_offset(kw, col)) : "row";
}

/* Returns the address of input column col of the row xr. */
static const char *input_address(int col)
{
    return col ? arena_printf("xr + %d", col) : "xr";
}

/* Sets n floats of kw's row from column col to zero: one store each when they are few. */
static void emit_zero_run(FILE *f, const char *indent, int kw, int col, int n)
{
    if (n > 4) {
        fprintf(f, "%smemset(%s, 0, sizeof(float) * %d);\n", indent, row_address(kw, col), n);
        return;
    }
    for (int i = 0; i < n; i++)
        fprintf(f, "%srow[%s] = 0.0f;\n", indent, row_offset(kw, col + i));
}

/*
 * Copies n input floats from column from of xr to kw's row from column
 * col, in vectors. The last vector ends at the run's last float, so it may
 * write some floats twice. (The compilers call the C library for a memcpy
 * of a few hundred bytes.)
 */
static void emit_copy_run(FILE *f, const char *indent, int kw, int col, int from, int n,
                          int lanes)
{
    if (lanes == 1 || n < lanes) {
        fprintf(f, "%sfor (int i = 0; i < %d; i++)\n%s    row[%s + i] = xr[%s];\n", indent, n,
                indent, row_offset(kw, col), from ? arena_printf("%d + i", from) : "i");
        return;
    }
    fprintf(f, "%sfor (int i = 0; i < %d; i += VL) {\n", indent, n - lanes);
    fprintf(f, "%s    vfloat v;\n%s    memcpy(&v, %s + i, sizeof v);\n"
               "%s    memcpy(%s + i, &v, sizeof v);\n%s}\n",
            indent, indent, input_address(from), indent, row_address(kw, col), indent);
    fprintf(f, "%s{ /* the last vector, which ends at the run's last float */\n"
               "%s    vfloat v;\n%s    memcpy(&v, %s, sizeof v);\n"
               "%s    memcpy(%s, &v, sizeof v);\n%s}\n",
            indent, indent, indent, input_address(from + n - lanes), indent,
            row_address(kw, col + n - lanes), indent);
}

/* Returns " + n", " - n" or nothing, to follow an expression. */
static const char *signed_term(int n)
{
    return n > 0 ? arena_printf(" + %d", n) : n < 0 ? arena_printf(" - %d", -n) : "";
}

/*
 * Emits the copy of xr[ow * SW + shift] to column ow of kw's row for ow in
 * [lo, hi), a value at a time.
 */
static void emit_strided_run(FILE *f, const char *indent, int kw, int lo, int hi, int shift)
{
    fprintf(f, "%sfor (int ow = %d; ow < %d; ow++)\n%s    row[%s] = xr[ow * SW%s];\n", indent, lo,
            hi, indent, kw ? arena_printf("%s + ow", row_offset(kw, 0)) : "ow", signed_term(shift));
}

/*
 * Emits the copy of emit_strided_run for stride 2 in vectors: two loads
 * of consecutive input floats and a shuffle of their even lanes per
 * vector of columns.
 * Clang compiled the loop of emit_strided_run with AVX-512 gathers, and
 * gcc left it scalar. A vector ends at column `end`, the last whose loads
 * stay in the input row, and the columns after it go a value at a time.
 * Compilers without __builtin_shufflevector (gcc before 12) get the loop.
 */
static void emit_stride2_run(FILE *f, const char *indent, int kw, int lo, int hi, int shift,
                             int in_width, int lanes)
{
    /* The vector of columns [end - VL, end) loads input columns up to 2 * end + shift - 1. */
    int end = (in_width - shift) / 2;
    end = end < hi ? end : hi;
    if (end - lo < lanes) {
        emit_strided_run(f, indent, kw, lo, hi, shift);
        return;
    }
    const char *even = "";
    for (int l = 0; l < lanes; l++)
        even = arena_printf("%s, %d", even, 2 * l);
    const char *at = signed_term(shift);
    fprintf(f, "#if defined(__clang__) || __GNUC__ >= 12\n");
    fprintf(f, "%sfor (int ow = %d; ow < %d; ow += VL) {\n", indent, lo, end);
    fprintf(f, "%s    const int o = ow < %d ? ow : %d; /* the last vector ends at column %d */\n",
            indent, end - lanes, end - lanes, end);
    fprintf(f, "%s    vfloat v0, v1;\n"
               "%s    memcpy(&v0, xr + o * 2%s, sizeof v0);\n"
               "%s    memcpy(&v1, xr + o * 2%s + VL, sizeof v1);\n"
               "%s    vfloat v = __builtin_shufflevector(v0, v1%s);\n"
               "%s    memcpy(%s + o, &v, sizeof v);\n%s}\n",
            indent, indent, at, indent, at, indent, even, indent, row_address(kw, 0), indent);
    if (end < hi)
        emit_strided_run(f, indent, kw, end, hi, shift);
    fprintf(f, "#else\n");
    emit_strided_run(f, indent, kw, lo, hi, shift);
    fprintf(f, "#endif\n");
}

/*
 * Emits the copies of the input row xr, one per kw, to the panel rows from
 * `row`, KW_STRIDE floats apart, with the zeros of the padding.
 */
static void emit_kw_rows(FILE *f, const char *indent, const ir_window *win, ir_shape in,
                         int out_width, int lanes)
{
    for (int kw = 0; kw < win->kw; kw++) {
        int lo = kw * win->dw < win->pw ? (win->pw - kw * win->dw + win->sw - 1) / win->sw : 0;
        int hi = (in.w + win->pw - kw * win->dw + win->sw - 1) / win->sw;
        hi = hi > 0 ? hi : 0; /* a tap past the right edge reads no column */
        hi = hi < out_width ? hi : out_width;
        lo = lo < hi ? lo : hi;
        int from = lo * win->sw - win->pw + kw * win->dw; /* the input column of ow = lo */
        fprintf(f, "%s/* kw = %d: ow in [%d, %d) reads the input */\n", indent, kw, lo, hi);
        if (lo > 0)
            emit_zero_run(f, indent, kw, 0, lo);
        if (hi > lo && win->sw == 1)
            emit_copy_run(f, indent, kw, lo, from, hi - lo, lanes);
        else if (hi > lo && win->sw == 2 && lanes > 1)
            emit_stride2_run(f, indent, kw, lo, hi, from - lo * 2, in.w, lanes);
        else if (hi > lo)
            emit_strided_run(f, indent, kw, lo, hi, from - lo * win->sw);
        if (hi < out_width)
            emit_zero_run(f, indent, kw, hi, out_width - hi);
    }
}

/*
 * Emits the body of a gather's loop over the panel rows r from `rows`:
 * input row ih of channel c, copied to the row of each kw, or zeros when
 * ih is in the padding.
 */
static void emit_input_row(FILE *f, const char *indent, const char *ih, const ir_window *win,
                           ir_shape in, int out_width, int lanes)
{
    fprintf(f, "%sfloat *row = rows + r * OW;\n", indent);
    fprintf(f, "%sconst int ih = %s;\n", indent, ih);
    fprintf(f, "%sif (ih < 0 || ih >= H) {\n", indent);
    fprintf(f, "%s    for (int kw = 0; kw < KW; kw++)\n", indent);
    fprintf(f, "%s        memset(row + kw * KW_STRIDE, 0, sizeof(float) * OW);\n", indent);
    fprintf(f, "%s    continue;\n%s}\n", indent, indent);
    fprintf(f, "%sconst float *xr = x + ((long)c * H + ih) * W;\n", indent);
    emit_kw_rows(f, indent, win, in, out_width, lanes);
}

/* Returns whether a 1x1 conv's panel rows of a channel are whole input rows, copied as one run. */
static bool copies_whole_rows(const ir_window *win, ir_shape in, int out_width)
{
    return win->kh == 1 && win->kw == 1 && win->sh == 1 && win->sw == 1 && win->ph == 0 &&
           win->pw == 0 && in.w == out_width;
}

/*
 * Whether the tiles of a 1x1 conv read its input planes in place, with no
 * panel: stride 1, no padding, one chunk of k of at most
 * DIRECT_MAX_REDUCTION input channels, and panels of whole vectors, so
 * that no tile reads past the plane. The copy into the panel costs about
 * as much as a few values of k, which weighs on a short reduction. The
 * expansions of MobileNetV2 have 16 to 32 input channels, and run in
 * blocks of channels that would copy the same input for every block (see
 * block_expand_pairs in lower.c). With the copy, MobileNetV2's first
 * expansion and depthwise conv in blocks of 8 channels took 0.67 ms, and
 * 0.58 ms without (bench/profile.c, AVX-512).
 */
enum { DIRECT_MAX_REDUCTION = 32 };

static bool panel_reads_input(const ir_window *win, ir_shape in, int out_width, int reduction,
                              int chunk, const tile_plan *plans, int nplans)
{
    bool whole = true;
    for (int i = 0; i < nplans; i++)
        whole &= plans[i].whole;
    return whole && reduction <= DIRECT_MAX_REDUCTION && chunk >= reduction &&
           copies_whole_rows(win, in, out_width);
}

/*
 * Emits the gather of emit_panel_gather for chunks of whole input
 * channels, with the bounds of each kw worked out here. It reads an input row once per
 * (kh, kw) and copies it in vectors when the stride along W is 1. The
 * zeros of the padding are runs of constant length. A 1x1 conv
 * with stride 1, no padding and OW == W copies its nrows rows of a
 * channel as one run. In a 3x3 conv of 64 channels on 56x56 the generic
 * gather, which works out c, kh, kw and the bounds per value of k, took
 * about a fifth of the kernel's time.
 */
static void emit_channel_gather(FILE *f, const char *indent, const ir_window *win, ir_shape in,
                                int out_width, int lanes)
{
    fprintf(f, "%sfor (int cc = 0; cc < kc / (KH * KW); cc++) {\n", indent);
    fprintf(f, "%s    const int c = g * CPG + k0 / (KH * KW) + cc;\n", indent);
    if (copies_whole_rows(win, in, out_width)) {
        fprintf(f, "%s    memcpy(panel[cc], x + ((long)c * H + oh0) * W, sizeof(float) * nq);\n",
                indent);
        fprintf(f, "%s    for (int q = 0; q < QP - nq; q++) /* past the last, read by the last tile */\n"
                   "%s        panel[cc][nq + q] = 0.0f;\n%s}\n",
                indent, indent, indent);
        return;
    }
    fprintf(f, "%s    for (int kh = 0; kh < KH; kh++) {\n", indent);
    fprintf(f, "%s        float *rows = panel[cc * KH * KW + kh * KW]; /* then one per kw */\n",
            indent);
    fprintf(f, "%s        for (int r = 0; r < nrows; r++) {\n", indent);
    emit_input_row(f, arena_printf("%s            ", indent), "(oh0 + r) * SH - PH + kh * DH", win,
                   in, out_width, lanes);
    fprintf(f, "%s        }\n%s    }\n", indent, indent);
    fprintf(f, "%s    for (int k = cc * KH * KW; k < (cc + 1) * KH * KW; k++)\n", indent);
    fprintf(f, "%s        for (int q = 0; q < QP - nq; q++)\n", indent);
    fprintf(f, "%s            panel[k][nq + q] = 0.0f;\n%s}\n", indent, indent);
}

/*
 * Emits the gather of a panel of shared rows, for a conv of stride 1
 * along H and chunks of whole input channels. Output row oh0 + r
 * reads input row oh0 + r - PH + kh * DH, so the KH rows of k = (c, kh,
 * kw) are one row of positions read from kh * DH output rows further on.
 * So panel[cc * KW + kw] contains the input rows oh0 - PH to oh0 - PH + nrows +
 * (KH - 1) * DH - 1 of channel c, shifted for kw. A 3x3 conv thus copies
 * each input row 3 times per panel rather than 9, and its panel is a
 * third as large.
 */
static void emit_shared_gather(FILE *f, const char *indent, const ir_window *win, ir_shape in,
                               int out_width, int lanes)
{
    fprintf(f, "%sfor (int cc = 0; cc < kc / (KH * KW); cc++) {\n", indent);
    fprintf(f, "%s    const int c = g * CPG + k0 / (KH * KW) + cc;\n", indent);
    fprintf(f, "%s    float *rows = panel[cc * KW]; /* then one per kw, ROW_FLOATS apart */\n",
            indent);
    fprintf(f, "%s    const int spanned = nrows + (KH - 1) * DH; /* input rows */\n", indent);
    fprintf(f, "%s    for (int r = 0; r < spanned; r++) {\n", indent);
    emit_input_row(f, arena_printf("%s        ", indent), "oh0 - PH + r", win, in, out_width,
                   lanes);
    fprintf(f, "%s    }\n", indent);
    fprintf(f, "%s    for (int kw = 0; kw < KW && nq < QP; kw++) /* ROW_FLOATS - spanned * OW = QP - nq */\n", indent);
    fprintf(f, "%s        memset(rows + kw * KW_STRIDE + spanned * OW, 0,\n"
               "%s               sizeof(float) * (ROW_FLOATS - spanned * OW));\n%s}\n",
            indent, indent, indent);
}

/*
 * The body of a conv other than depthwise as a matrix product per group:
 * per block of ROWS_PER_PANEL output rows, group g and chunk of KC values
 * of k = (c, kh, kw), the input values are gathered into an im2col panel,
 * panel[k - k0][q] = x at (g * CPG + c, oh * SH - PH + kh * DH, ow * SW -
 * PW + kw * DW) for position q = (oh - oh0) * OW + ow, zero in the padding
 * and past the last position. Register tiles then multiply the packed
 * weights by the panel with unit-stride loads, whatever the stride,
 * padding and dilation.
 */
static void emit_panel_body(FILE *f, const ir_window *win, ir_shape in, int group_channels,
                            int reduction, int row_begin, int out_height, int out_width,
                            int lanes, bool sliced, const conv_epilogue *e)
{
    int taps = win->kh * win->kw;
    int width = panel_width(out_height, out_width, lanes);
    int rows_per_panel = panel_rows(out_height, out_width, lanes);
    int blocks = (out_height + rows_per_panel - 1) / rows_per_panel;
    tile_plan plans[2];
    int nplans = 0;
    if (blocks > 1)
        plans[nplans++] = plan_tiles(rows_per_panel * out_width, lanes);
    plans[nplans++] = plan_tiles((out_height - (blocks - 1) * rows_per_panel) * out_width, lanes);
    int chunk = panel_chunk(reduction, taps, width, lanes);
    bool whole_channels = chunk % taps == 0;
    panel_pass pass = {reduction > chunk || sliced, whole_channels && win->sh == 1 && win->kh > 1,
                       win->kw, panel_reads_input(win, in, out_width, reduction, chunk, plans, nplans),
                       sliced};
    fprintf(f, "    /* positions: ROWS_PER_PANEL output rows, QP of them rounded up to whole vectors */\n"
               "    enum { K = CPG * KH * KW, ROWS_PER_PANEL = %d, QP = %d, KC = %d };\n",
            rows_per_panel, width, chunk);
    if (pass.shared_rows) {
        fprintf(f, "    /* a row per (c, kw): the positions of KH - 1 more output rows, then QP */\n"
                   "    enum { ROW_FLOATS = (KH - 1) * DH * OW + QP, KW_STRIDE = ROW_FLOATS };\n");
        fprintf(f, "    float panel[(KC < K ? KC : K) / KH][ROW_FLOATS] __attribute__((aligned(64)));\n");
    } else if (pass.direct) {
        fprintf(f, "    /* no panel: the tiles read the input planes */\n");
    } else {
        if (whole_channels && !copies_whole_rows(win, in, out_width))
            fprintf(f, "    enum { KW_STRIDE = QP }; /* from the row of (c, kh, kw) to that of kw + 1 */\n");
        fprintf(f, "    float panel[KC < K ? KC : K][QP] __attribute__((aligned(64)));\n");
    }
    fprintf(f, "    enum { ROW_BEGIN = %d, ROW_END = %d }; /* the output rows computed */\n",
            row_begin, row_begin + out_height);
    fprintf(f, "    for (int oh0 = ROW_BEGIN; oh0 < ROW_END; oh0 += ROWS_PER_PANEL) {\n"
               "        const int nrows = ROW_END - oh0 < ROWS_PER_PANEL ? ROW_END - oh0 : ROWS_PER_PANEL;\n"
               "        const int nq = nrows * OW;\n"
               "        for (int g = 0; g < GROUPS; g++) {\n"
               "            for (int k0 = 0; k0 < K; k0 += KC) {\n"
               "                const int kc = K - k0 < KC ? K - k0 : KC;\n");
    if (pass.shared_rows)
        emit_shared_gather(f, "                ", win, in, out_width, lanes);
    else if (pass.direct)
        ; /* nothing to gather */
    else if (whole_channels)
        emit_channel_gather(f, "                ", win, in, out_width, lanes);
    else
        emit_panel_gather(f, "                ");
    emit_panel_tiles(f, group_channels, lanes, plans, nplans, &pass, e);
    fprintf(f, "            }\n        }\n    }\n");
}

/*
 * The body of a conv whose output rows are too wide for the panel: one
 * output value at a time, reading the packed weights of its block, where
 * consecutive values of k are `rows` floats apart.
 */
static void emit_direct_body(FILE *f, bool bias, bool residual, bool shuffled, cg_act act)
{
    fprintf(f, "\n    for (int oc = 0; oc < OC; oc++) {\n"
               "        /* the packed weights: block of %d channels from the group's start */\n"
               "        const int block = oc %% OCPG / %d * %d;\n"
               "        const int rows = OCPG - block < %d ? OCPG - block : %d;\n"
               "        const float *wo = w + (long)(oc - oc %% OCPG + block) * CPG * KH * KW +\n"
               "                          (oc %% OCPG - block);\n"
               "        const float *xg = x + (long)(oc / OCPG) * CPG * H * W;\n%s",
            CONV_ROWS, CONV_ROWS, CONV_ROWS, CONV_ROWS, CONV_ROWS,
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
               "                                       wo[(long)((ic * KH + kh) * KW + kw) * rows];\n"
               "                        }\n"
               "                    }\n"
               "                }\n"
               "                y[((long)out * OH + oh) * OW + ow] = %s;\n"
               "            }\n"
               "        }\n"
               "    }\n}\n\n",
            bias ? "b[oc]" : "0.0f",
            act_call(act, residual ? "acc + r[((long)oc * OH + oh) * OW + ow]" : "acc"));
}

/*
 * The wide-block kernel, for a dense conv on a map of at most
 * CG_CONV_WIDE_MAX_PLANE positions (ResNet's 14x14 and 7x7 stages,
 * ShuffleNetV2's stages 3 and 4).
 * Tiles of vectors of positions waste lanes on such maps (196 positions
 * fill 12.25 vectors of 16). This kernel puts OT output channels in the
 * vector lanes instead and a few positions in the tile's other dimension.
 * It is a direct conv, with no im2col panel: each step of k = (c, kh, kw)
 * loads the weights of the OT channels, packed [block][k][row] in blocks
 * of CG_CONV_WIDE_BLOCK, as vectors and broadcasts one input value per
 * position, read at an offset from the tap's first value that the
 * generator computes. A conv with padding reads a copy of its input with
 * the padding in zeros, xp; one without reads its input in place.
 *
 * On maps of at most CG_CONV_WIDE_CROSS_PLANE positions the tiles of a
 * vector target run across rows (49 positions with AVX-512: tiles of 12
 * and one of 1), unrolled, each position at its own offset. For 1x1 convs
 * of 160 to 960 channels on 7x7, these 24 sums ran 1.7 times as fast as
 * row tiles of 7 positions (14 sums), at the cost of longer code and
 * compiles. On larger maps, and on every map
 * for the scalar target, a loop of tiles covers each output row, so the
 * offsets are multiples of the stride from a pointer, or the whole plane
 * for a 1x1 conv of stride 1 (see wide_flat).
 *
 * The input channels go in chunks whose weights for a tile row and
 * padded input stay in the L1 cache. The sums of a chunk go to y in the
 * order [block][position][row] until the last chunk, which gathers the
 * tile row's results in fin and writes them to y in NCHW order with the
 * epilogue. A fused channel shuffle puts other steps' channels between
 * the conv's own in y. Such a conv, and one with a partial last block,
 * keeps those sums in a buffer on the stack instead (see conv_wide_fits).
 *
 * The tiles prefetch the weights of the next tile row (of the next chunk
 * after the last row): a 3x3 conv of 512 channels reads 9.4 MB of
 * weights, which come from the L3 cache or memory. Each of a tile
 * row's TILES tiles prefetches its own TILES-th of them, spread over its
 * steps of k. When the first tile prefetched them all, its burst of
 * misses filled the core's few line fill buffers, and memory sat idle
 * while the other tiles ran. In a whole ResNet-50, whose 100 MB of
 * weights do not stay in the cache, the 1x1 and 3x3 convs on 7x7 ran at
 * 131 to 143 GFLOP/s, and at 161 to 177 with the prefetches spread.
 */

/*
 * The sums a wide-block tile keeps in registers: 12 of the 16 vector
 * registers of AVX2, 24 of the 32 of AVX-512.
 */
static int wide_sums(int lanes)
{
    return lanes == 16 ? 24 : 12;
}

/*
 * The output channels OT of a wide-block tile: two vectors, so 16 with
 * AVX2 and 32 (two packed blocks) with AVX-512 when the conv has at least
 * 32 channels, else one block. With one block of 16, AVX-512 would
 * load 12 broadcasts and one vector of weights per 12 FMAs, more loads
 * than the two load ports issue in the FMAs' 6 cycles.
 */
static int wide_tile_channels(int channels, int lanes)
{
    int pair = 2 * CG_CONV_WIDE_BLOCK;
    return lanes * 2 > CG_CONV_WIDE_BLOCK && channels >= pair ? pair : CG_CONV_WIDE_BLOCK;
}

/*
 * One kind of tile row of the wide-block kernel: all but the last row of
 * a conv hold OT output channels, the last one the OC % OT others when OT
 * does not divide OC. A block of the last row can hold fewer than 16
 * channels (116 = 3 x 32 + 16 + 4), packed [k][row] with its own count of
 * rows; a vector over its channels loads only them and keeps zeros in the
 * other lanes.
 */
typedef struct {
    int channels;  /* output channels of the row */
    int nv;        /* vectors across them */
    int positions; /* per tile */
    int prefetch_blocks; /* blocks of the next row that the tiles prefetch: OT / 16 */
    bool scratch;  /* the partial sums go to sums rather than y */
    bool partial;  /* the conv has a partial block: rows per step of k vary */
    bool clamp;    /* the last chunk is shorter: prefetch at most its next_steps steps of k */
} wide_row;

/* Output channels in block b of a row of `channels`, or 0 past its last block. */
static int wide_block_rows(int channels, int b)
{
    int rows = channels - b * CG_CONV_WIDE_BLOCK;
    if (rows < 0)
        return 0;
    return rows < CG_CONV_WIDE_BLOCK ? rows : CG_CONV_WIDE_BLOCK;
}

/* Valid lanes of vector j of a row of `channels`. */
static int wide_vector_lanes(int channels, int j, int lanes)
{
    int rest = channels - j * lanes;
    return rest < lanes ? rest : lanes;
}

/*
 * Emits a memcpy per accumulator a<i>_<j> of a wide-block tile, to or from
 * vector j of position q + i in fin (when in_fin) or in part: a store
 * into the array when store, else a load from it.
 */
static void emit_wide_copies(FILE *f, const char *indent, int positions, int nv, int lanes,
                             bool in_fin, bool store)
{
    for (int i = 0; i < positions; i++)
        for (int j = 0; j < nv; j++) {
            int block = j * lanes / CG_CONV_WIDE_BLOCK, row = j * lanes % CG_CONV_WIDE_BLOCK;
            const char *at;
            if (in_fin)
                at = arena_printf("fin[%s]%s", i ? arena_printf("q + %d", i) : "q",
                                  j ? arena_printf(" + %d * VL", j) : "");
            else
                at = arena_printf("part + %s%s * OB%s",
                                  block ? arena_printf("%d * OB * PLANE + ", block) : "",
                                  i ? arena_printf("(q + %d)", i) : "q",
                                  row ? arena_printf(" + %d", row) : "");
            const char *acc = arena_printf("a%d_%d", i, j);
            if (store)
                fprintf(f, "%smemcpy(%s, &%s, sizeof %s);\n", indent, at, acc, acc);
            else
                fprintf(f, "%smemcpy(&%s, %s, sizeof %s);\n", indent, acc, at, acc);
        }
}

/*
 * The geometry of a wide-block kernel's input: the tiles read the input,
 * or its zero-padded copy xp when the conv pads, as rows of `width` floats
 * and channels of `channel` floats.
 */
typedef struct {
    bool padded;     /* reads xp, a copy with the padding in zeros */
    int height, width, channel;
    int sh, sw, out_width;
    int taps;        /* KH * KW */
    int kw;          /* KW */
    bool across;     /* the tiles run across rows, unrolled (see emit_wide_row) */
} wide_input;

/*
 * Emits a wide-block tile over `positions` positions from `first` and the
 * row's output channels from oc0. For every value of k it multiplies the
 * weights of the channels, as vectors, by each position's input value,
 * read at offsets[i] from the tap's first value. The first chunk of
 * channels starts from the bias and a later one from the partial sums in
 * part. The last chunk writes the sums to fin, an earlier one to part.
 * `tile` numbers the tile in its row, for the prefetches.
 */
static void emit_wide_tile(FILE *f, const char *indent, const char *first, const int *offsets,
                           int positions, const wide_row *row, int lanes,
                           const wide_input *in_geom, bool chunked, bool bias, const char *tile)
{
    int nv = row->nv;
    const char *in = arena_printf("%s    ", indent);
    fprintf(f, "%s{ /* %d positions */\n", indent, positions);
    fprintf(f, "%s    const int q = %s;\n", indent, first);
    for (int i = 0; i < positions; i++) {
        fprintf(f, "%s    vfloat", indent);
        for (int j = 0; j < nv; j++)
            fprintf(f, "%s a%d_%d", j ? "," : "", i, j);
        fprintf(f, ";\n");
    }
    const char *start = chunked ? arena_printf("%s    ", in) : in;
    if (chunked)
        fprintf(f, "%sif (c0 == 0) {\n", in);
    for (int j = 0; j < nv; j++) {
        fprintf(f, "%svfloat b%d = {0};\n", start, j);
        int valid = wide_vector_lanes(row->channels, j, lanes);
        if (bias)
            fprintf(f, "%smemcpy(&b%d, b + oc0 + %d * VL, %s);\n", start, j, j,
                    valid == lanes ? arena_printf("sizeof b%d", j)
                                   : arena_printf("%d * sizeof(float)", valid));
        for (int i = 0; i < positions; i++)
            fprintf(f, "%sa%d_%d = b%d;\n", start, i, j, j);
    }
    if (chunked) {
        fprintf(f, "%s} else {\n", in);
        emit_wide_copies(f, start, positions, nv, lanes, false, false);
        fprintf(f, "%s}\n", in);
    }
    /*
     * The prefetches (see above): step kk of tile `tile` is step
     * tile * cc * KH * KW + kk of its tile row, and every TILES-th step of
     * the row prefetches the next step `ahead` of the next row. A kxk conv
     * counts down to those steps with `due`. A 1x1 conv, whose loop over k
     * is a loop over c alone, works `ahead` out at every step and
     * prefetches it each time. Counting made its tiles on 7x7 maps 18%
     * slower, while it made 3x3 convs on 7x7 and 14x14 4 to 10% faster.
     */
    bool counted = in_geom->taps > 1;
    if (counted) {
        fprintf(f, "%sint due = (TILES - %s * cc * KH * KW %% TILES) %% TILES; /* the next kk that prefetches */\n",
                in, tile);
        fprintf(f, "%sint ahead = (%s * cc * KH * KW + due) / TILES; /* the step of the next row it prefetches */\n",
                in, tile);
    }
    fprintf(f, "%sfor (int c = 0; c < cc; c++) {\n", in);
    fprintf(f, "%s    for (int kh = 0; kh < KH; kh++) {\n", in);
    /*
     * The steps over kw of a kxk conv of up to UNROLL_KW columns are
     * written out, each a block with its own constant kw. Left as a loop,
     * 3x3 convs on 14x14 ran 10% slower under clang with -ffp-contract=fast
     * than with on, and 16% slower under gcc. Tiles across rows keep the
     * loop because, written out, clang kept their sums on the stack and a
     * 3x3 conv of stride 2 on 7x7 ran a third slower.
     */
    int copies = counted && !in_geom->across && in_geom->kw <= UNROLL_KW ? in_geom->kw : 1;
    if (copies == 1)
        fprintf(f, "%s        for (int kw = 0; kw < KW; kw++) {\n", in);
    for (int copy = 0; copy < copies; copy++) {
        if (copies > 1)
            fprintf(f, "%s        {\n%s            const int kw = %d;\n", in, in, copy);
        const char *body = arena_printf("%s            ", in);
        fprintf(f, "%sconst float *xs = xt + (long)c * %s + kh * DH * %s + kw * DW;\n", body,
                in_geom->padded ? "HP * WP" : "H * W", in_geom->padded ? "WP" : "W");
        fprintf(f, "%sconst int kk = (c * KH + kh) * KW + kw;\n", body);
        const char *stride[2];
        for (int blk = 0; blk < row->prefetch_blocks; blk++)
            stride[blk] = row->partial ? arena_printf("next_rows%d", blk) : "OB";
        if (counted) {
            fprintf(f, "%sif (kk == due%s) {\n", body, row->clamp ? " && ahead < next_steps" : "");
            for (int blk = 0; blk < row->prefetch_blocks; blk++)
                fprintf(f, "%s    __builtin_prefetch(next_w%d + (long)ahead * %s);\n", body, blk,
                        stride[blk]);
            fprintf(f, "%s    ahead++;\n%s    due += TILES;\n%s}\n", body, body, body);
        } else {
            fprintf(f, "%s%sint ahead = (%s * cc * KH * KW + kk) / TILES; /* a step of the next row */\n",
                    body, row->clamp ? "" : "const ", tile);
            if (row->clamp)
                fprintf(f, "%sahead = ahead < next_steps ? ahead : next_steps - 1;\n", body);
            for (int blk = 0; blk < row->prefetch_blocks; blk++)
                fprintf(f, "%s__builtin_prefetch(next_w%d + (long)ahead * %s);\n", body, blk,
                        stride[blk]);
        }
        for (int j = 0; j < nv; j++) {
            int block = j * lanes / CG_CONV_WIDE_BLOCK, lane = j * lanes % CG_CONV_WIDE_BLOCK;
            int rows = wide_block_rows(row->channels, block);
            int valid = wide_vector_lanes(row->channels, j, lanes);
            const char *from = arena_printf(
                "wb%d + (long)kk * %s%s", block,
                rows == CG_CONV_WIDE_BLOCK ? "OB" : arena_printf("%d", rows),
                lane ? arena_printf(" + %d", lane) : "");
            if (valid == lanes)
                fprintf(f, "%svfloat w%d;\n%smemcpy(&w%d, %s, sizeof w%d);\n", body, j, body, j,
                        from, j);
            else
                fprintf(f, "%svfloat w%d = {0};\n%smemcpy(&w%d, %s, %d * sizeof(float));\n", body, j,
                        body, j, from, valid);
        }
        for (int i = 0; i < positions; i++)
            for (int j = 0; j < nv; j++)
                fprintf(f, "%sa%d_%d += xs[%d] * w%d;\n", body, i, j, offsets[i], j);
        fprintf(f, "%s        }\n", in);
    }
    fprintf(f, "%s    }\n%s}\n", in, in);
    if (chunked)
        fprintf(f, "%sif (c0 + cc == CPG) {\n", in);
    emit_wide_copies(f, start, positions, nv, lanes, true, true);
    if (chunked) {
        fprintf(f, "%s} else {\n", in);
        emit_wide_copies(f, start, positions, nv, lanes, false, true);
        fprintf(f, "%s}\n", in);
    }
    fprintf(f, "%s}\n", indent);
}
/*
 * Returns the positions per tile of the wide-block kernel across rows:
 * wide_sums / nv, or one fewer when that makes the tiles over the map cheaper. A tile
 * costs its FMAs per step of k, but at least 8: with the FMA latency of 4
 * cycles, fewer sums leave the two FMA pipes idle. On 7x7 maps with AVX2,
 * 9 tiles of 5 positions and one of 4 cost 98 against 104 for 8 tiles of
 * 6 and one of 1; four 512-channel 3x3 convs on 7x7 took 2 to 4% less time.
 */
static int wide_tile_positions(int plane, int nv, int sums)
{
    int widest = sums / nv > 0 ? sums / nv : 1;
    int best = widest, best_cost = 0;
    for (int p = widest; p >= widest - 1 && p >= 1; p--) {
        int tail = plane % p;
        int cost = plane / p * (p * nv > 8 ? p * nv : 8);
        if (tail > 0)
            cost += tail * nv > 8 ? tail * nv : 8;
        if (p == widest || cost < best_cost) {
            best = p;
            best_cost = cost;
        }
    }
    return best;
}

/*
 * Positions per tile along an output row of the wide-block kernel: the
 * row split into equal tiles of at most the sums' worth of positions.
 */
static int wide_row_tile(int out_width, int nv, int sums)
{
    int widest = sums / nv > 0 ? sums / nv : 1;
    int tiles = (out_width + widest - 1) / widest;
    return (out_width + tiles - 1) / tiles;
}

/*
 * Emits the store of a tile row's results from fin, [position][channel],
 * to y in NCHW order, VL positions at a time: VL vectors of fin, each the
 * VL channels of a vector j at one position, are transposed in registers
 * into the VL positions of each channel, the classic butterfly of log2(VL)
 * stages of two-vector shuffles, which swap blocks of d lanes for d = VL/2
 * to 1. Then the residual and relu apply on vectors (see vector_epilogue).
 * The store of a position at a time costs about a cycle per value, 10 to
 * 25% of a 1x1 conv with 64 to 256 input channels on 7x7 or 14x14; the
 * shuffles cost a quarter of that. __builtin_shufflevector needs clang or
 * gcc 12, so the caller keeps the plain loop for other compilers. It
 * stores the first `vectors` vectors of channels, whose lanes all hold
 * channels of the row.
 */
static void emit_wide_transposed_store(FILE *f, const char *indent, int lanes, int vectors,
                                       const conv_epilogue *e)
{
    const char *in = arena_printf("%s        ", indent);
    fprintf(f, "%sfor (int p0 = 0; p0 + VL <= PLANE; p0 += VL) {\n", indent);
    if (vectors > 1)
        fprintf(f, "%s    for (int j = 0; j < %d; j++) {\n", indent, vectors);
    else
        fprintf(f, "%s    { /* one vector of channels */\n%s        const int j = 0;\n", indent,
                indent);
    for (int r = 0; r < lanes; r++)
        fprintf(f, "%svfloat t%d;\n%smemcpy(&t%d, fin[p0 + %d] + j * VL, sizeof t%d);\n", in, r, in,
                r, r, r);
    for (int d = lanes / 2; d >= 1; d /= 2)
        for (int r = 0; r < lanes; r++) {
            if (r & d)
                continue;
            fprintf(f, "%s{\n%s    vfloat lo = __builtin_shufflevector(t%d, t%d", in, in, r, r + d);
            for (int lane = 0; lane < lanes; lane++)
                fprintf(f, ", %d", lane & d ? lanes + lane - d : lane);
            fprintf(f, ");\n%s    vfloat hi = __builtin_shufflevector(t%d, t%d", in, r, r + d);
            for (int lane = 0; lane < lanes; lane++)
                fprintf(f, ", %d", lane & d ? lanes + lane : lane + d);
            fprintf(f, ");\n%s    t%d = lo;\n%s    t%d = hi;\n%s}\n", in, r, in, r + d, in);
        }
    emit_vector_act_types(f, in, e->act);
    for (int c = 0; c < lanes; c++) {
        const char *oc = arena_printf("(oc0 + j * VL + %d)", c);
        fprintf(f, "%s{\n%s    float *yo = y + (long)%s * PLANE + p0;\n", in, in,
                conv_output_channel(e, oc));
        if (e->residual)
            fprintf(f, "%s    vfloat rv;\n"
                       "%s    memcpy(&rv, r + (long)%s * PLANE + p0, sizeof rv);\n"
                       "%s    t%d += rv;\n",
                    in, in, oc, in, c);
        emit_vector_act(f, arena_printf("%s    ", in), e->act, arena_printf("t%d", c));
        fprintf(f, "%s    memcpy(yo, &t%d, sizeof t%d);\n%s}\n", in, c, c, in);
    }
    fprintf(f, "%s    }\n%s}\n", indent, indent);
}

/*
 * Emits the store of channels [from, to) of a tile row at positions
 * [first, PLANE) from fin to y, one value at a time, with the epilogue.
 */
static void emit_wide_plain_store(FILE *f, const char *indent, const char *first, int from, int to,
                                  const conv_epilogue *e)
{
    if (from >= to)
        return;
    fprintf(f, "%sfor (int o = %d; o < %d; o++) {\n", indent, from, to);
    fprintf(f, "%s    float *yo = y + (long)%s * PLANE;\n", indent,
            conv_output_channel(e, "(oc0 + o)"));
    if (e->residual)
        fprintf(f, "%s    const float *ro = r + (long)(oc0 + o) * PLANE;\n", indent);
    fprintf(f, "%s    for (int p = %s; p < PLANE; p++)\n%s        yo[p] = %s;\n%s}\n", indent, first,
            indent, act_call(e->act, e->residual ? "fin[p][o] + ro[p]" : "fin[p][o]"), indent);
}

/*
 * Emits the store of a tile row's results from fin to y (see
 * emit_wide_transposed_store): whole vectors of channels transposed, the
 * rest a value at a time.
 */
static void emit_wide_store(FILE *f, const char *indent, int lanes, int plane, int channels,
                            const conv_epilogue *e)
{
    int vectors = channels / lanes;
    if (vector_epilogue(e, lanes) && vectors > 0 && plane >= lanes) {
        fprintf(f, "#if defined(__clang__) || __GNUC__ >= 12\n");
        emit_wide_transposed_store(f, indent, lanes, vectors, e);
        emit_wide_plain_store(f, indent, "PLANE / VL * VL", 0, vectors * lanes, e);
        emit_wide_plain_store(f, indent, "0", vectors * lanes, channels, e);
        fprintf(f, "#else\n");
        emit_wide_plain_store(f, indent, "0", 0, channels, e);
        fprintf(f, "#endif\n");
    } else {
        emit_wide_plain_store(f, indent, "0", 0, channels, e);
    }
}

/* The input geometry of a wide-block kernel (see wide_input). */
static wide_input wide_geometry(const ir_window *win, ir_shape in, ir_shape out)
{
    wide_input geom = {win->ph > 0 || win->pw > 0, in.h, in.w, in.h * in.w, win->sh, win->sw, out.w,
                       win->kh * win->kw, win->kw, false};
    if (geom.padded) {
        geom.height = (out.h - 1) * win->sh + (win->kh - 1) * win->dh + 1;
        geom.width = (out.w - 1) * win->sw + (win->kw - 1) * win->dw + 1;
        geom.channel = geom.height * geom.width;
    }
    return geom;
}

/*
 * Returns the input channels per chunk of a wide-block kernel with tiles
 * of `tile_channels`, and stores the count of chunks in *chunks. A
 * chunk's weights for a tile row and its padded input stay in the L1
 * cache while the row's tiles read them. The chunks are made equal.
 */
static int wide_chunk(int channels, const ir_window *win, const wide_input *geom,
                      int tile_channels, int *chunks)
{
    int per_channel = (tile_channels * win->kh * win->kw + (geom->padded ? geom->channel : 0)) *
                      (int)sizeof(float);
    int max_chunk = STRIP_BYTES / per_channel > 0 ? STRIP_BYTES / per_channel : 1;
    *chunks = (channels + max_chunk - 1) / max_chunk;
    return (channels + *chunks - 1) / *chunks;
}

/*
 * The partial sums of a chunked wide-block kernel go to y, unless a
 * channel shuffle interleaves y with other channels or a block is partial,
 * when they go to a buffer on the stack of at most this size.
 */
enum { WIDE_SCRATCH_BYTES = 64 * 1024 };

static int round_to_block(int channels)
{
    return (channels + CG_CONV_WIDE_BLOCK - 1) / CG_CONV_WIDE_BLOCK * CG_CONV_WIDE_BLOCK;
}

/* Whether a wide-block kernel keeps its partial sums in a buffer on the stack (see above). */
static bool wide_uses_scratch(const ir_window *win, ir_shape in, ir_shape out, int lanes,
                              bool shuffled)
{
    wide_input geom = wide_geometry(win, in, out);
    int chunks;
    wide_chunk(in.c, win, &geom, wide_tile_channels(out.c, lanes), &chunks);
    return chunks > 1 && (shuffled || out.c % CG_CONV_WIDE_BLOCK != 0);
}

bool conv_wide_fits(ir_shape in, const ir_window *win, ir_shape out, bool shuffled)
{
    int plane = out.h * out.w;
    if (plane > CG_CONV_WIDE_MAX_PLANE)
        return false;
    if (out.c % CG_CONV_WIDE_BLOCK == 0 && !shuffled)
        return true;
    if (out.c < CG_CONV_WIDE_BLOCK)
        return false;
    wide_input geom = wide_geometry(win, in, out);
    int chunks;
    wide_chunk(in.c, win, &geom, 2 * CG_CONV_WIDE_BLOCK, &chunks);
    return chunks == 1 || (long)round_to_block(out.c) * plane * (long)sizeof(float) <=
                              WIDE_SCRATCH_BYTES;
}

/*
 * Whether the tiles of a wide-block kernel run over the plane in a loop,
 * as if it were one row: a 1x1 conv of stride 1 without padding reads
 * output position q from input position q. Along rows, 14 positions
 * take two tiles of 7 (14 sums with AVX-512). In a loop over the plane of
 * 196, tiles of 12 (24 sums) made the 1x1 convs of ResNet-50's 14x14
 * stage 4 to 6% faster, and tiles of 14 gained more (see wide_tile_sums).
 * Maps of at most CG_CONV_WIDE_CROSS_PLANE positions keep the unrolled
 * tiles across rows.
 */
static bool wide_flat(const ir_window *win, const wide_input *geom, ir_shape out, int lanes)
{
    return lanes > 1 && out.h * out.w > CG_CONV_WIDE_CROSS_PLANE && win->kh == 1 &&
           win->kw == 1 && win->sh == 1 && win->sw == 1 && !geom->padded &&
           geom->width == out.w;
}

/*
 * The sums of a tile of a 1x1 conv whose tiles run in a loop, over the
 * plane or along rows: 28 with AVX-512, which leaves two registers for
 * the weights' vectors and one for a broadcast. Tiles of 14 positions
 * took up to 4% less time than 12 on 1x1 convs on 14x14, and rows of 14
 * positions of a 1x1 conv of stride 2 take one tile instead of two of 7.
 */
static int wide_tile_sums(const ir_window *win, ir_shape out, int lanes)
{
    bool pointwise = win->kh == 1 && win->kw == 1;
    return lanes == 16 && pointwise && out.h * out.w > CG_CONV_WIDE_CROSS_PLANE ? 28
                                                                              : wide_sums(lanes);
}

/*
 * Emits a tile row of the wide-block kernel for output channels [oc0, oc0
 * + row->channels) and the chunk of input channels from c0: the pointers
 * to the weights of its blocks, those of the next row that its tiles
 * prefetch, the tiles, and after the last chunk the store.
 */
static void emit_wide_row(FILE *f, const char *indent, const wide_row *row, const wide_input *geom,
                          const ir_window *win, ir_shape out, int lanes, bool chunked,
                          const conv_epilogue *e)
{
    int plane = out.h * out.w, positions = row->positions;
    fprintf(f, "%s/* the weights of the row's blocks for this chunk, [k][row] */\n", indent);
    for (int b = 0; b * CG_CONV_WIDE_BLOCK < row->channels; b++)
        fprintf(f, "%sconst float *wb%d = w + (long)%s * K + (long)c0 * KH * KW * %s;\n", indent,
                b, b == 0 ? "oc0" : arena_printf("(oc0 + %d * OB)", b),
                wide_block_rows(row->channels, b) == CG_CONV_WIDE_BLOCK
                    ? "OB"
                    : arena_printf("%d", wide_block_rows(row->channels, b)));
    /*
     * The prefetches stay inside the weights: past the last row of the
     * last chunk they read from w, and a block the next row lacks reads
     * the next row's first one.
     */
    fprintf(f, "%s/*\n"
               "%s * the weights the tiles prefetch: those of the next tile row, from output\n"
               "%s * channel next_oc and input channel next_c, or the next chunk's first row\n"
               "%s */\n"
               "%sconst int next_oc = oc0 + OT < OC ? oc0 + OT : 0;\n"
               "%sconst int next_c = oc0 + OT < OC ? c0 : c0 + CC;\n",
            indent, indent, indent, indent, indent, indent);
    if (row->clamp)
        fprintf(f, "%sconst int next_steps = next_c < CPG ? (CPG - next_c < CC ? CPG - next_c : CC) * KH * KW : 1;\n",
                indent);
    for (int b = 0; b < row->prefetch_blocks; b++) {
        const char *rows = "OB";
        if (row->partial) {
            /* rows per step of k of the next row's block b, 0 if it has none */
            const char *left = b == 0 ? "OC - next_oc" : arena_printf("OC - next_oc - %d * OB", b);
            fprintf(f, "%sconst int next_rows%d = next_c >= CPG || %s <= 0 ? 0 : %s < OB ? %s : OB;\n",
                    indent, b, left, left, left);
            rows = arena_printf("next_rows%d", b);
        }
        const char *has = row->partial ? arena_printf("next_rows%d > 0", b)
                          : b == 0     ? "next_c < CPG"
                                       : arena_printf("next_c < CPG && OC - next_oc > %d * OB", b);
        const char *first = b == 0 ? "next_oc" : arena_printf("(next_oc + %d * OB)", b);
        fprintf(f, "%sconst float *next_w%d = %s\n"
                   "%s    ? w + (long)%s * K + (long)next_c * KH * KW * %s\n"
                   "%s    : %s;\n",
                indent, b, has, indent, first, rows, indent, b == 0 ? "w" : "next_w0");
    }
    if (chunked)
        fprintf(f, "%s/* partial sums, per block of OB channels [position][row] */\n"
                   "%sfloat *part = %s + (long)oc0 * PLANE;\n",
                indent, indent, row->scratch ? "sums" : "y");
    int *offsets = arena_alloc(sizeof(int) * (size_t)positions);
    if (geom->across) {
        /* tiles across rows, unrolled, each position at its own offset */
        fprintf(f, "%sconst float *xt = xc;\n"
                   "%senum { TILES = %d }; /* tiles over the map, per OT output channels */\n",
                indent, indent, (plane + positions - 1) / positions);
        for (int q = 0; q < plane; q += positions) {
            int count = plane - q < positions ? plane - q : positions;
            for (int i = 0; i < count; i++)
                offsets[i] = (q + i) / out.w * win->sh * geom->width + (q + i) % out.w * win->sw;
            emit_wide_tile(f, indent, arena_printf("%d", q), offsets, count, row, lanes, geom,
                           chunked, e->bias, arena_printf("%d", q / positions));
        }
    } else if (wide_flat(win, geom, out, lanes)) {
        /* a loop of tiles over the plane, whose positions are the input's */
        int tiles = (plane + positions - 1) / positions;
        for (int i = 0; i < positions; i++)
            offsets[i] = i;
        fprintf(f, "%senum { TILES = %d }; /* tiles over the map, per OT output channels */\n"
                   "%sint q0 = 0;\n"
                   "%sfor (; q0 + %d <= PLANE; q0 += %d) {\n"
                   "%s    const float *xt = xc + q0;\n"
                   "%s    const int tile = q0 / %d;\n",
                indent, tiles, indent, indent, positions, positions, indent, indent, positions);
        emit_wide_tile(f, arena_printf("%s    ", indent), "q0", offsets, positions, row, lanes,
                       geom, chunked, e->bias, "tile");
        fprintf(f, "%s}\n", indent);
        if (plane % positions) {
            fprintf(f, "%s{ /* the last %d positions */\n"
                       "%s    const float *xt = xc + q0;\n",
                    indent, plane % positions, indent);
            emit_wide_tile(f, arena_printf("%s    ", indent), "q0", offsets, plane % positions,
                           row, lanes, geom, chunked, e->bias, "(TILES - 1)");
            fprintf(f, "%s}\n", indent);
        }
    } else {
        /* tiles along each output row: a loop of whole tiles, then the row's rest */
        int per_row = wide_row_tile(out.w, row->nv, wide_tile_sums(win, out, lanes));
        for (int i = 0; i < per_row; i++)
            offsets[i] = i * win->sw;
        int row_tiles = (out.w + per_row - 1) / per_row;
        const char *in = arena_printf("%s        ", indent);
        fprintf(f, "%senum { TILES = %d }; /* tiles over the map, per OT output channels */\n", indent, out.h * row_tiles);
        fprintf(f, "%sfor (int oh = 0; oh < OH; oh++) {\n"
                   "%s    int ow0 = 0;\n",
                indent, indent);
        const char *tile_xt = arena_printf("%sconst float *xt = xc + (long)oh * SH * %s + ow0 * SW;\n"
                                           "%sconst int tile = oh * %d + ow0 / %d;\n",
                                           in, geom->padded ? "WP" : "W", in, row_tiles, per_row);
        if (out.w >= per_row) {
            fprintf(f, "%s    for (; ow0 + %d <= OW; ow0 += %d) {\n%s", indent, per_row, per_row,
                    tile_xt);
            emit_wide_tile(f, in, "oh * OW + ow0", offsets, per_row, row, lanes, geom, chunked,
                           e->bias, "tile");
            fprintf(f, "%s    }\n", indent);
        }
        if (out.w % per_row) {
            fprintf(f, "%s    { /* the row's last %d positions */\n%s", indent, out.w % per_row,
                    tile_xt);
            emit_wide_tile(f, in, "oh * OW + ow0", offsets, out.w % per_row, row, lanes, geom,
                           chunked, e->bias, "tile");
            fprintf(f, "%s    }\n", indent);
        }
        fprintf(f, "%s}\n", indent);
    }
    if (chunked) {
        fprintf(f, "%sif (c0 + cc == CPG) {\n", indent);
        emit_wide_store(f, arena_printf("%s    ", indent), lanes, plane, row->channels, e);
        fprintf(f, "%s}\n", indent);
    } else {
        emit_wide_store(f, indent, lanes, plane, row->channels, e);
    }
}

static void emit_wide_body(FILE *f, const ir_window *win, ir_shape in, ir_shape out, int lanes,
                           const conv_epilogue *e)
{
    int plane = out.h * out.w;
    int tile_channels = wide_tile_channels(out.c, lanes);
    wide_input geom = wide_geometry(win, in, out);
    geom.across = plane <= CG_CONV_WIDE_CROSS_PLANE && lanes > 1;
    int chunks;
    int chunk = wide_chunk(in.c, win, &geom, tile_channels, &chunks);
    bool chunked = chunks > 1;
    bool scratch = wide_uses_scratch(win, in, out, lanes, e->shuffled);
    int full = out.c / tile_channels * tile_channels;
    int blocks = tile_channels / CG_CONV_WIDE_BLOCK;
    bool partial = out.c % CG_CONV_WIDE_BLOCK != 0, clamp = in.c % chunk != 0;
    wide_row rows[2] = {
        {tile_channels, tile_channels / lanes, 0, blocks, scratch, partial, clamp},
        {out.c - full, (out.c - full + lanes - 1) / lanes, 0, blocks, scratch, partial, clamp},
    };
    for (int i = 0; i < 2; i++)
        if (rows[i].nv > 0)
            rows[i].positions = wide_tile_positions(plane, rows[i].nv,
                                                    wide_tile_sums(win, out, lanes));
    fprintf(f, "    /*\n"
               "     * OT output channels in the lanes of the tiles, from blocks of OB packed\n"
               "     * channels; the input channels in chunks of CC\n"
               "     */\n"
               "    enum { K = CPG * KH * KW, OB = %d, OT = %d, CC = %d };\n",
            CG_CONV_WIDE_BLOCK, tile_channels, chunk);
    if (geom.padded)
        fprintf(f, "    /* a chunk of input channels with the padding in zeros */\n"
                   "    enum { HP = %d, WP = %d };\n"
                   "    float xp[CC][HP][WP] __attribute__((aligned(64)));\n",
                geom.height, geom.width);
    if (scratch)
        fprintf(f, "    /* the partial sums of every tile row, in whole blocks */\n"
                   "    float sums[%d * PLANE] __attribute__((aligned(64)));\n",
                round_to_block(out.c));
    fprintf(f, "    /* a tile row's results, before the epilogue */\n"
               "    float fin[PLANE][OT] __attribute__((aligned(64)));\n"
               "    for (int c0 = 0; c0 < CPG; c0 += CC) {\n"
               "        const int cc = CPG - c0 < CC ? CPG - c0 : CC;\n");
    if (geom.padded) {
        fprintf(f, "        for (int c = 0; c < cc; c++) {\n"
                   "            for (int i = 0; i < HP; i++) {\n"
                   "                const int ih = i - PH;\n"
                   "                for (int j = 0; j < WP; j++) {\n"
                   "                    const int iw = j - PW;\n"
                   "                    xp[c][i][j] = ih >= 0 && ih < H && iw >= 0 && iw < W\n"
                   "                                      ? x[((long)(c0 + c) * H + ih) * W + iw] : 0.0f;\n"
                   "                }\n"
                   "            }\n"
                   "        }\n"
                   "        const float *xc = &xp[0][0][0];\n");
    } else {
        fprintf(f, "        const float *xc = x + (long)c0 * H * W;\n");
    }
    if (full > 0) {
        fprintf(f, "        for (int oc0 = 0; oc0 < %s; oc0 += OT) {\n",
                full == out.c ? "OC" : arena_printf("%d", full));
        emit_wide_row(f, "            ", &rows[0], &geom, win, out, lanes, chunked, e);
        fprintf(f, "        }\n");
    }
    if (full < out.c) {
        fprintf(f, "        { /* the last %d output channels */\n"
                   "            const int oc0 = %d;\n",
                out.c - full, full);
        emit_wide_row(f, "            ", &rows[1], &geom, win, out, lanes, chunked, e);
        fprintf(f, "        }\n");
    }
    fprintf(f, "    }\n");
}

/* Floats in a vector of the target: the VL of the generated code. */
static int target_lanes(cg_target target)
{
    switch (target) {
    case CG_TARGET_AVX512: return 16;
    case CG_TARGET_AVX2: return 8;
    default: return 1;
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
    const char *rows = s->row_end > 0 ? arena_printf("_rows%d_%d", s->row_begin, s->row_end) : "";
    bool sliced = s->slice_channels > 0;
    const char *slice = sliced ? arena_printf("_slice_of%d", s->slice_channels) : "";
    const char *name = arena_printf(
        "conv_k%dx%d_s%dx%d_p%dx%d_d%dx%d_g%d_c%d_o%d_h%dx%d%s%s%s%s%s%s", w->kh, w->kw, w->sh,
        w->sw, w->ph, w->pw, w->dh, w->dw, n->attr.conv.groups, in.c, n->shape.c, in.h, in.w,
        bias ? "_bias" : "", residual ? "_residual" : "", act_suffix(s->act), shuffle, rows,
        slice);
    if (already_emitted(k, name))
        return name;

    FILE *f = k->f;
    int block = cg_conv_block(g, s, n);
    int lanes = target_lanes(k->target);
    /*
     * gcc 12 warns that the stack buffer of partial sums may be read
     * uninitialized: it cannot see that the first chunk of input channels
     * writes every sum that a later chunk reads.
     */
    bool quiet_gcc = block == CG_CONV_WIDE_BLOCK &&
                     wide_uses_scratch(w, in, n->shape, lanes, shuffled);
    if (quiet_gcc)
        fprintf(f, "#if defined(__GNUC__) && !defined(__clang__)\n"
                   "#pragma GCC diagnostic push /* the partial sums in sums[] are written before read */\n"
                   "#pragma GCC diagnostic ignored \"-Wmaybe-uninitialized\"\n"
                   "#endif\n");
    fprintf(f, "/*\n * conv: kernel %dx%d, stride %dx%d, padding %dx%d, dilation %dx%d, groups %d;\n"
               " * %s -> %s%s%s.\n */\n",
            w->kh, w->kw, w->sh, w->sw, w->ph, w->pw, w->dh, w->dw, n->attr.conv.groups,
            ir_shape_str(in), ir_shape_str(n->shape),
            arena_printf("%s%s", s->folded_bn ? "; batch norm folded" : "",
                         residual ? "; residual add fused" : ""),
            s->act ? arena_printf("; %s fused", act_suffix(s->act) + 1) : "");
    if (shuffled)
        fprintf(f, "/*\n * Output channel oc is written to channel perm(BASE + oc) of a %d-channel\n"
                   " * tensor, BASE = %d, the channel shuffle with %d groups fused into this\n"
                   " * kernel: perm(c) = c %% PER_GROUP * SHUFFLE_GROUPS + c / PER_GROUP.\n */\n",
                s->shuffle_channels, s->shuffle_base, s->shuffle_groups);
    if (sliced)
        fprintf(f, "/*\n * Adds the products of input channels [c0, c0 + C) of a conv of %d input\n"
                   " * channels to y: the first slice starts from the bias, a later one from\n"
                   " * the sums in y, and the last applies the epilogue. x points at channel\n"
                   " * c0, w at the packed weights of the whole conv.\n */\n",
                s->slice_channels);
    fprintf(f, "static void %s(const float *restrict x, float *restrict y,\n"
               "    const float *restrict w, const float *restrict b%s%s)\n{\n", name,
            residual ? ", const float *restrict r" : "", sliced ? ", int c0" : "");
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
    if (sliced) {
        /* the panel kernel of a dense conv, the only one that takes slices */
        NASC_ASSERT(block == CG_CONV_BLOCK && n->attr.conv.groups == 1 &&
                    panel_fits(n->shape.h, n->shape.w, lanes));
        fprintf(f, "    enum { SLICE_OF = %d, WK = SLICE_OF * KH * KW }; /* WK: k of the whole conv */\n",
                s->slice_channels);
    }

    /* Depthwise convs have kernels of their own; every other conv reads packed weights. */
    conv_epilogue e = {bias, residual, shuffled, s->act};
    if (block == 0) {
        emit_depthwise_body(f, k->target, w, in, n->shape, &e);
        fprintf(f, "}\n\n");
        return name;
    }
    if (block == CG_CONV_WIDE_BLOCK) {
        fprintf(f, "    enum { PLANE = OH * OW };\n");
        emit_vector_type(f, k->target);
        fprintf(f, "\n");
        emit_wide_body(f, w, in, n->shape, lanes, &e);
        fprintf(f, "}\n");
        if (quiet_gcc)
            fprintf(f, "#if defined(__GNUC__) && !defined(__clang__)\n"
                       "#pragma GCC diagnostic pop\n"
                       "#endif\n");
        fprintf(f, "\n");
        return name;
    }
    if (panel_fits(n->shape.h, n->shape.w, lanes)) {
        fprintf(f, "    enum { PLANE = OH * OW };\n");
        emit_vector_type(f, k->target);
        fprintf(f, "\n");
        int groups = n->attr.conv.groups;
        int rows = s->row_end > 0 ? s->row_end - s->row_begin : n->shape.h;
        emit_panel_body(f, w, in, n->shape.c / groups, in.c / groups * w->kh * w->kw,
                        s->row_end > 0 ? s->row_begin : 0, rows, n->shape.w, lanes,
                        s->slice_channels > 0, &e);
        fprintf(f, "}\n\n");
        return name;
    }
    emit_direct_body(f, bias, residual, shuffled, s->act);
    return name;
}

bool conv_splits_rows(cg_target target, const ir_graph *g, const cg_step *s, const ir_node *n)
{
    return cg_conv_block(g, s, n) == CG_CONV_BLOCK &&
           panel_fits(n->shape.h, n->shape.w, target_lanes(target));
}

int conv_channel_block(const ir_graph *g, const cg_step *s, const ir_node *n)
{
    if (n->op != IR_CONV)
        return 1;
    return n->attr.conv.groups == 1 ? cg_conv_block(g, s, n) : 1;
}

/*
 * Emits one output tile of a linear kernel: `rows` outputs from o, each
 * summed in two vector accumulators over its row of w, then across their
 * lanes. Every output is summed in the same order whatever the tile.
 */
static void emit_linear_tile(FILE *f, const char *indent, int rows, bool bias, cg_act act)
{
    for (int r = 0; r < rows; r++)
        fprintf(f, "%svfloat s%d_0 = {0}, s%d_1 = {0};\n", indent, r, r);
    fprintf(f, "%sint i = 0;\n", indent);
    fprintf(f, "%sfor (; i + 2 * VL <= IN; i += 2 * VL) {\n", indent);
    fprintf(f, "%s    vfloat x0, x1;\n"
               "%s    memcpy(&x0, x + i, sizeof x0);\n"
               "%s    memcpy(&x1, x + i + VL, sizeof x1);\n", indent, indent, indent);
    for (int r = 0; r < rows; r++) {
        fprintf(f, "%s    {\n", indent);
        fprintf(f, "%s        const float *wr = w + (long)(o + %d) * IN + i;\n", indent, r);
        fprintf(f, "%s        vfloat w0, w1;\n"
                   "%s        memcpy(&w0, wr, sizeof w0);\n"
                   "%s        memcpy(&w1, wr + VL, sizeof w1);\n", indent, indent, indent);
        fprintf(f, "%s        s%d_0 += w0 * x0;\n%s        s%d_1 += w1 * x1;\n", indent, r, indent,
                r);
        fprintf(f, "%s    }\n", indent);
    }
    fprintf(f, "%s}\n", indent);
    for (int r = 0; r < rows; r++) {
        fprintf(f, "%s{\n", indent);
        fprintf(f, "%s    float t[VL], acc = %s;\n", indent, bias ? arena_printf("b[o + %d]", r) : "0.0f");
        fprintf(f, "%s    s%d_0 += s%d_1;\n%s    memcpy(t, &s%d_0, sizeof t);\n", indent, r, r,
                indent, r);
        fprintf(f, "%s    for (int l = 0; l < VL; l++)\n%s        acc += t[l];\n", indent, indent);
        fprintf(f, "%s    for (int j = i; j < IN; j++)\n"
                   "%s        acc += w[(long)(o + %d) * IN + j] * x[j];\n", indent, indent, r);
        fprintf(f, "%s    y[o + %d] = %s;\n%s}\n", indent, r, act_call(act, "acc"), indent);
    }
}

/*
 * A linear layer, y = W x + b with W in PyTorch's [out][in] order: a
 * matrix-vector product bound by reading W, so the kernel streams rows of
 * W in vectors, four outputs at a time for independent accumulators.
 */
const char *emit_linear_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                               const ir_node *n)
{
    int in = g->nodes[n->inputs[0]].shape.c;
    bool bias = s->bias_offset >= 0;
    const char *name = arena_printf("linear_i%d_o%d%s%s", in, n->attr.linear.out,
                                    bias ? "_bias" : "", act_suffix(s->act));
    if (already_emitted(k, name))
        return name;
    FILE *f = k->f;
    fprintf(f, "/* linear: %d -> %d features%s. */\n", in, n->attr.linear.out,
            s->act ? arena_printf(", %s fused", act_suffix(s->act) + 1) : "");
    fprintf(f, "static void %s(const float *restrict x, float *restrict y,\n"
               "    const float *restrict w, const float *restrict b)\n{\n"
               "    enum { IN = %d, OUT = %d };\n%s",
            name, in, n->attr.linear.out, bias ? "" : "    (void)b; /* this layer has no bias */\n");
    emit_vector_type(f, k->target);
    fprintf(f, "\n    int o = 0;\n    for (; o + 4 <= OUT; o += 4) {\n");
    emit_linear_tile(f, "        ", 4, bias, s->act);
    fprintf(f, "    }\n    for (; o < OUT; o++) {\n");
    emit_linear_tile(f, "        ", 1, bias, s->act);
    fprintf(f, "    }\n}\n\n");
    return name;
}
