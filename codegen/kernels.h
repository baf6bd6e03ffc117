/*
 * The kernel generators, shared by emit.c (which writes the run function
 * and the files) and the files that write kernels: conv.c (convolutions),
 * kernels.c (every other layer). A generator writes one specialized C
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

/* Declares, inside a kernel, the type vfloat and the enum constant VL of the target. */
void emit_vector_type(FILE *f, cg_target target);

const char *emit_conv_kernel(kernel_set *k, const ir_graph *g, const cg_step *s,
                             const ir_node *n);
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
