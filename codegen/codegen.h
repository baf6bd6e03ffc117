/*
 * The code generator: from a verified IR graph to standalone C99.
 *
 *   lower.c   the steps to run: dead layers and zero edges dropped, batch
 *             norm folded into the conv before it, residual adds and
 *             activations fused into their producer's epilogue, channel
 *             shuffles into its output indexing, identity, dropout,
 *             flatten and split turned into views
 *   plan.c    the memory plan: every intermediate buffer gets an offset in
 *             one workspace, reusing memory once a buffer is dead
 *   weights.c the weight values: from a safetensors file by layer name, or
 *             pseudo-random from a seed; batch norm folded here
 *   emit.c    the C text: one specialized kernel per distinct shape and
 *             attribute set, the run function, header, Makefile and main.c
 *
 * Memory policy: everything lives in the compilation arena.
 */
#ifndef NASC_CODEGEN_H
#define NASC_CODEGEN_H

#include "../ir/ir.h"

/* Activations that a producer applies in its epilogue. */
typedef enum {
    CG_ACT_NONE,
    CG_ACT_RELU,
    CG_ACT_RELU6,
    CG_ACT_HARDSWISH,
    CG_ACT_HARDSIGMOID,
    CG_ACT_SIGMOID,
} cg_act;

/* Where a tensor lives: a buffer and an element offset into it. */
typedef struct {
    int buffer;     /* index into cg_program.buffers; -1 for the network input */
    int64_t offset; /* in elements */
} cg_place;

typedef struct {
    int64_t elements;
    int64_t offset;   /* in bytes, in the workspace; set by the planner */
    int first_step;   /* live range, in steps; set by the planner */
    int last_step;
} cg_buffer;

/* One kernel call. */
typedef struct {
    int node;         /* the IR node whose value the step produces */
    int layer;        /* the node the step was made for: its conv, pooling, ... */
    const char *label; /* the layers it computes, e.g. "conv3 + bn3 + add_0 + relu" */
    int residual;     /* a conv with a residual add fused in: the other operand, else -1 */
    ir_op op;         /* conv, linear, pooling, add, mul, concat copy, ... */
    cg_act act;       /* fused epilogue */
    int ninputs;
    int inputs[8];    /* IR nodes read; concat may have more, see extra_inputs */
    int *extra_inputs;
    int nextra;
    bool folded_bn;   /* conv or linear whose batch norm was folded in */
    int bn_node;      /* the folded batch norm, or -1 */
    int64_t weight_offset; /* in floats, into the weight array */
    int64_t bias_offset;   /* -1 when there is no bias */
    /*
     * A channel shuffle fused into this step's output indexing: when
     * shuffle_groups > 0, local output channel oc goes to channel perm(base
     * + oc) of a shuffled tensor of shuffle_channels channels, where
     * perm(c) = (c % (channels / groups)) * groups + c / (channels / groups).
     */
    int shuffle_groups;
    int shuffle_channels;
    int shuffle_base;
    /*
     * Output rows [row_begin, row_end) of a conv split across threads by
     * rows (see conv_splits_rows). A row_end of 0 means the whole map.
     */
    int row_begin;
    int row_end;
    /*
     * Channels per block of a dense 1x1 conv that runs with the depthwise
     * conv of the next step, its only reader, or 0. The depthwise conv
     * reads each block while it is still in cache (see block_expand_pairs
     * in lower.c).
     */
    int channel_block;
    /*
     * Whether the projection, the 1x1 conv after the depthwise conv of a
     * step with channel_block, runs in the same blocks. Each block then
     * adds the products of its input channels to the projection's sums.
     */
    bool block_projection;
    /*
     * The input channels of the whole conv, for a kernel that adds the
     * products of a slice of them to the output (a block of a projection),
     * else 0. Such a kernel's C is the slice's channels, and it takes the
     * slice's first channel as an argument (see emit_conv_kernel).
     */
    int slice_channels;
    bool deleted;          /* fused away; emits nothing */
} cg_step;

typedef struct {
    const ir_graph *graph;
    cg_step *steps;
    int nsteps;
    cg_place *places;     /* per IR node */
    int *value_node;      /* per IR node: the node whose step computes its value */
    cg_buffer *buffers;
    int nbuffers;
    int64_t workspace_bytes;
    int64_t total_tensor_bytes; /* every intermediate tensor, without reuse */
    int64_t weight_count;       /* floats in the weight array */
} cg_program;

/* ---- lower.c ---- */
cg_program *cg_lower(const ir_graph *g);

/* ---- plan.c ---- */
void cg_plan(cg_program *p);

/* ---- weights.c ---- */

/* Raw weights of the IR tensors, by node, before folding. */
typedef struct {
    float **data;   /* per tensor of ir_node_tensors order, per node; NULL if absent */
} cg_raw_weights;

/*
 * Fills the folded weight array of the program from a safetensors file, or
 * pseudo-random values from `seed` when path is NULL. Reports every missing,
 * unexpected and wrongly shaped tensor before failing; NULL on error.
 */
float *cg_weights(cg_program *p, const char *safetensors_path, uint64_t seed);

/*
 * The weights of a conv other than depthwise (groups == C > 1) are packed
 * for the register tiles of conv.c: per group, block-major in blocks of B
 * output channels, [block][c][kh][kw][row], the group's last block with
 * its OCPG % B remaining rows. B is CG_CONV_BLOCK, or CG_CONV_WIDE_BLOCK
 * for a dense conv on a small map whose kernel puts output channels in the
 * vector lanes (see conv_wide_fits in conv.c). Output channels [a, b), with a a multiple of
 * B within its group, are thus a contiguous slice from float
 * a * (C / groups) * KH * KW. Depthwise convs and linear layers keep
 * PyTorch's [oc][c][kh][kw] order. cg_conv_block returns B for the conv
 * of step s (node conv, or a copy narrowed to a slice of the output
 * channels at multiples of B), and 0 for weights in PyTorch's order.
 */
/*
 * CG_CONV_WIDE_MAX_PLANE: the largest output map, in positions, of a conv
 * with the wide-block kernel. CG_CONV_WIDE_CROSS_PLANE: the largest map
 * whose tiles run across output rows (see conv.c).
 */
enum { CG_CONV_BLOCK = 4, CG_CONV_WIDE_BLOCK = 16, CG_CONV_WIDE_MAX_PLANE = 256,
       CG_CONV_WIDE_CROSS_PLANE = 64 };
int cg_conv_block(const ir_graph *g, const cg_step *s, const ir_node *conv);

/* ---- targets (compile.c) ---- */

/*
 * The instruction set the generated code is written for. It fixes the
 * vector width of the kernels and the compiler flags in the Makefile and
 * the cache key. Code for AVX2 or AVX-512 still compiles without those
 * flags (the compiler splits the vectors), only slower.
 */
typedef enum {
    CG_TARGET_HOST,   /* --target host: the best the building machine runs */
    CG_TARGET_SCALAR, /* portable C, one float at a time */
    CG_TARGET_AVX2,   /* vectors of 8 floats, AVX2 and FMA */
    CG_TARGET_AVX512, /* vectors of 16 floats, AVX-512F */
} cg_target;

/* Parses "host", "scalar", "avx2" or "avx512"; false for anything else. */
bool cg_target_parse(const char *name, cg_target *out);

/* CG_TARGET_HOST resolved to the instruction set of this machine; other targets unchanged. */
cg_target cg_target_resolve(cg_target t);

/* Whether this machine runs code of target t. */
bool cg_target_runs_here(cg_target t);

/* "scalar", "avx2", "avx512". */
const char *cg_target_name(cg_target t);

/* The target's compiler flags, space-separated: "" for scalar, "-mavx2 -mfma" for AVX2. */
const char *cg_target_cflags(cg_target t);

/* ---- emit.c ---- */

/* The maximum thread count that --threads accepts. */
#define CG_MAX_THREADS 64

typedef struct {
    const char *out_dir;
    const char *command_line; /* for the banner */
    bool embed_weights;
    /*
     * Each kernel in a translation unit of its own (kernels/NAME.c, in
     * cg_files.kernel_sources), with external linkage and no text of the
     * network, so that its object can be cached and shared by candidates.
     */
    bool split_kernels;
    cg_target target; /* resolved by cg_render; CG_TARGET_HOST (0) is the default */
    /*
     * Threads of the generated run function: 0 or 1 for the plain
     * single-threaded code, N > 1 for a pthread pool of N - 1 workers and
     * the calling thread, each step split over them (see emit.c).
     */
    int threads;
    /*
     * Steps estimated at less work (multiply-adds or elements) run on one
     * thread; 0 for the default, SPLIT_MIN_WORK in emit.c. Tests set 1 to
     * split every step that can split.
     */
    int64_t split_min_work;
} cg_options;

/* The generated files, in memory. */
typedef struct {
    const char *header;   /* NET.h */
    const char *source;   /* NET.c */
    const char *program;  /* main.c */
    const char *makefile;
    const unsigned char *weights; /* NET.weights, NULL when embedded */
    size_t weights_size;
    int nkernels;                  /* split_kernels only: */
    const char **kernel_names;     /* the kernels' names, each a C identifier */
    const char **kernel_sources;   /* and their translation units */
    cg_target target;              /* never CG_TARGET_HOST */
    int threads;                   /* of the run function; link with -pthread when > 1 */
} cg_files;

cg_files cg_render(const cg_program *p, const float *weights, const cg_options *o);

/*
 * Writes the files into out_dir (the split kernels into out_dir/kernels),
 * each through a temporary file and a rename.
 */
bool cg_write(const cg_program *p, const cg_files *files, const char *out_dir);

/* Creates dir and its missing parents, like mkdir -p; reports a failure through diag_error. */
bool cg_make_dirs(const char *dir);

/* Renders and writes: NET.h, NET.c, NET.weights (unless embedded), Makefile and main.c. */
bool cg_emit(const cg_program *p, const float *weights, const cg_options *o);

/* The network's name in capitals, the prefix of the generated macros (RESNET18_...). */
const char *cg_macro_prefix(const char *network);

/* A 64-bit FNV-1a hash of the weight layout: names and shapes, in order. */
uint64_t cg_layout_hash(const cg_program *p);

#endif
