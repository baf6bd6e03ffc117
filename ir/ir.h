/*
 * The graph IR: a dataflow graph of ops over tensors with static CxHxW
 * shapes (batch 1, float32).
 *
 * Each node is one op and produces exactly one tensor; a node is referred
 * to by its index in graph->nodes. Nodes are stored in a topological order
 * (every input index is smaller than the node's own), which is also the
 * execution order used by the liveness-based memory plan. Node 0 is the
 * network input.
 *
 * Shape rules live in one place, ir_infer_shape, used both when the
 * frontend adds a node (so errors point at the source) and by the verifier.
 *
 * Module map:
 *   graph.c   building graphs, op names and attributes, shape inference
 *   verify.c  the verifier run after construction and after every pass
 *   cost.c    params, MACs, activation memory and the liveness plan
 *   print.c   the textual dump (`nasc ir`) and the `nasc info` reports
 *   print_nas.c  the graph written back as a concrete .nas network
 */
#ifndef NASC_IR_H
#define NASC_IR_H

#include <stdio.h>

#include "../common/common.h"

/*
 * Every dimension and element count of a tensor must fit this bound, so that
 * generated kernels can index any tensor with a 32-bit int.
 */
#define IR_MAX_ELEMENTS 2147483647LL

/* Maximum number of ops in a graph besides its input node, far above any real network. */
#define IR_MAX_NODES 1000000

typedef enum {
    IR_INPUT,          /* the network input; no inputs */
    IR_CONV,           /* conv: 2-D convolution */
    IR_LINEAR,         /* linear: fully connected, input Nx1x1 */
    IR_BN,             /* bn: batch norm, inference form */
    IR_RELU,
    IR_RELU6,
    IR_HARDSWISH,
    IR_HARDSIGMOID,
    IR_SIGMOID,
    IR_DROPOUT,        /* dropout: the identity at inference */
    IR_MAXPOOL,        /* pool */
    IR_AVGPOOL,        /* pool */
    IR_GLOBAL_AVGPOOL,
    IR_ADD,            /* two inputs of equal shape */
    IR_MUL,            /* second input equal shape or Cx1x1 */
    IR_CONCAT,         /* any number of inputs, along channels */
    IR_SPLIT,          /* split: channels [start, start + channels) */
    IR_SHUFFLE,        /* shuffle: channel shuffle */
    IR_FLATTEN,
    IR_IDENTITY,
    IR_ZERO,           /* zero: zeros, input shape or strided */
    IR_OP_COUNT
} ir_op;

typedef struct {
    int c, h, w;
} ir_shape;

/* A sliding window: kernel, stride, padding and dilation per axis. */
typedef struct {
    int kh, kw;
    int sh, sw;
    int ph, pw;
    int dh, dw;
} ir_window;

typedef struct {
    ir_op op;
    const char *name;  /* full dotted layer name, e.g. "layer1.0.conv1" */
    src_loc loc;       /* the call that created the node */
    int *inputs;
    int ninputs;
    ir_shape shape;    /* the output tensor's shape, set by ir_infer_shape */

    /* Attributes: only the member for this op is meaningful. */
    union {
        struct { int out; ir_window win; int groups; bool bias; } conv;
        struct { int out; bool bias; } linear;
        struct { double eps; } bn;
        struct { ir_window win; bool ceil_mode; bool count_include_pad; } pool;
        struct { int start; int channels; } split;
        struct { int groups; } shuffle;
        struct { double p; } dropout;
        struct { int stride; } zero;
    } attr;
} ir_node;

typedef struct {
    const char *name;
    ir_node *nodes;
    int nnodes;
    int cap;
    int *outputs;
    int noutputs;
} ir_graph;

/* A named tensor of parameters or buffers, as in a PyTorch state_dict. */
typedef struct {
    const char *name;  /* "layer1.0.conv1.weight" */
    int node;
    int rank;          /* 0 for a scalar */
    int dims[4];
    bool is_buffer;    /* running statistics and counters, not parameters */
} ir_tensor;

/* ---- graph.c ---- */

ir_graph *ir_graph_new(const char *name, ir_shape input);
const char *ir_op_name(ir_op op);

/*
 * Appends a node built from `proto` (op, name, loc, inputs and attributes;
 * the shape is ignored) after inferring its shape. On a shape error it
 * returns -1 and sets *error to a message naming the op, the shapes and the
 * rule; nothing is added.
 */
int ir_add_node(ir_graph *g, const ir_node *proto, const char **error);

/* Computes proto's output shape from its inputs in g; NULL or an error. */
const char *ir_infer_shape(const ir_graph *g, const ir_node *node, ir_shape *out);

void ir_set_outputs(ir_graph *g, const int *outputs, int n);
int64_t ir_shape_elements(ir_shape s);
const char *ir_shape_str(ir_shape s);

/* ---- verify.c ---- */

/* Checks every structural invariant; returns NULL or the first violation. */
const char *ir_verify(const ir_graph *g);

/* ---- cost.c ---- */

typedef struct {
    int64_t params;
    int64_t macs;
    int64_t activation_bytes;
    int64_t peak_activation_bytes;
    bool saturated; /* a total exceeded INT64_MAX and was clamped to it */
} ir_cost;

int64_t ir_node_params(const ir_graph *g, const ir_node *n);
int64_t ir_node_macs(const ir_graph *g, const ir_node *n);
ir_cost ir_graph_cost(const ir_graph *g);
/*
 * Like ir_graph_cost, with params and MACs of only the layers whose values
 * reach an output (a zero op reads no values, and x + zero is x): what the
 * generated code computes. The activation figures stay those of the graph.
 */
ir_cost ir_live_cost(const ir_graph *g);

/* Lists the parameter and buffer tensors of node i, in state_dict order. */
int ir_node_tensors(const ir_graph *g, int i, ir_tensor *out, int max);

/* ---- print.c ---- */

void ir_print(FILE *f, const ir_graph *g);
void ir_print_info(FILE *f, const ir_graph *g);
/* Returns a malloc'ed JSON text for `nasc info --json`. */
char *ir_info_json(const ir_graph *g);

/* ---- print_nas.c ---- */

/*
 * Writes g as one .nas network of one line per node, which `nasc build`
 * turns back into the same graph, layer names included. `comment` (may be
 * NULL, may span lines) goes first as # comments. Returns NULL, or a
 * message when a node cannot be written (nothing is written then).
 */
const char *ir_write_nas(FILE *f, const ir_graph *g, const char *comment);

#endif
