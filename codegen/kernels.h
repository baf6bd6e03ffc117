/*
 * The kernel generators, shared by emit.c (which writes the run function
 * and the files) and the files that write kernels: conv.c (convolutions
 * other than depthwise, and linear layers), depthwise.c, kernels.c (every
 * other layer). A generator writes one specialized C
 * function per distinct name into a kernel_set and returns the name; the
 * name spells the specialization, so equal names mean equal code.
 *
 * The target picks the vector width of the generated code: vfloat is a
 * GCC/clang vector of VL floats (8 for AVX2, 16 for AVX-512), or plain
 * float on the scalar target, where the same kernel text runs with VL = 1.
 */
#ifndef NASC_KERNELS_H
#define NASC_KERNELS_H

#include "codegen.h"

#include <stdio.h>

typedef struct {
    ptr_vec names;  /* kernels already emitted */
    FILE *f;
    ptr_vec starts; /* per kernel, a long *: where its text starts in f */
    cg_target target;
} kernel_set;

/* Records a new kernel, whose text the caller writes to k->f next; true if it exists already. */
bool already_emitted(kernel_set *k, const char *name);

/* "_relu" and the like, "" for none: the suffix of kernel and helper names. */
const char *act_suffix(cg_act act);

/* The C expression applying act to expr. */
const char *act_call(cg_act act, const char *expr);

/* Whether emit_vector_act applies act to vectors: every activation but sigmoid. */
bool act_on_vectors(cg_act act);

/* Declares the types and constants that emit_vector_act needs for act, inside a block. */
void emit_vector_act_types(FILE *f, const char *indent, cg_act act);

/* Emits the statements that apply act to the vfloat variable v in place. */
void emit_vector_act(FILE *f, const char *indent, cg_act act, const char *v);

/* Declares, inside a kernel, the type vfloat and the enum constant VL of the target. */
void emit_vector_type(FILE *f, cg_target target);

/* What a fast conv kernel writes after its sums: bias, residual, activation and shuffle. */
typedef struct {
    bool bias;
    bool residual;
    bool shuffled;
    cg_act act;
} conv_epilogue;

/* The output channel that local channel `oc` (a C expression) is written to. */
const char *conv_output_channel(const conv_epilogue *e, const char *oc);

/*
 * Writes the body of a depthwise conv kernel (groups == C, OC a multiple of
 * C) after the size enums that emit_conv_kernel declares; see depthwise.c.
 */
void emit_depthwise_body(FILE *f, cg_target target, const ir_window *w, ir_shape in,
                         ir_shape out, const conv_epilogue *e);

const char *emit_conv_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                             const ir_node *n);
/*
 * The multiple of output channels (conv) or output features (linear) at
 * which the layer of step s may be split across threads: the kernel
 * specialized for output channels [a, b), with a a multiple of this block,
 * computes each output element with the same code as the whole kernel, and
 * its weights are the contiguous slice from a * (C / groups) * KH * KW (for
 * linear, a * IN). The caller keeps whole groups of a grouped conv.
 */
int conv_channel_block(const ir_graph *g, const cg_step *s, const ir_node *n);
/*
 * Returns whether the conv of step s splits across threads by output rows
 * rather than channels. Its kernel gathers an im2col panel per block of
 * rows, so a split by channels would gather the whole panel on every
 * thread. The
 * kernel for s with row_end > 0 computes rows [row_begin, row_end) of
 * every output channel, each output with the same code as the whole
 * kernel, from the pointers of the whole step.
 */
bool conv_splits_rows(cg_target target, const ir_graph *g, const cg_step *s,
                      const ir_node *n);
/*
 * Whether a dense conv from `in` to `out` runs the wide-block kernel of
 * conv.c. It needs a map of at most CG_CONV_WIDE_MAX_PLANE positions and
 * at least 16 output channels. With a partial block of 16 or a fused
 * shuffle, its partial sums must also fit the buffer on the kernel's stack.
 * A slice of the output channels may fit when the whole conv does not,
 * or the other way round; see slice_keeps_kernel in emit.c.
 */
bool conv_wide_fits(ir_shape in, const ir_window *win, ir_shape out, bool shuffled);
const char *emit_linear_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                               const ir_node *n);
const char *emit_bn_kernel(kernel_set *k, const cg_step *s, const ir_node *n);
const char *emit_activation_kernel(kernel_set *k, const ir_node *n);
const char *emit_pool_kernel(kernel_set *k, const ir_graph *g, const ir_node *n);
/* Global average pooling, add, mul and shuffle. */
const char *emit_simple_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                               const ir_node *n);
/* Copies a concat input into its channels of a shuffled concat: see cg_step. */
const char *emit_shuffled_copy_kernel(kernel_set *k, const cg_step *s, int channels, int base,
                                      int plane);

#endif
