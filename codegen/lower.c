/*
 * Lowering: from IR nodes to the steps (kernel calls) of the generated code.
 *
 * Needs a verified graph; changes nothing in it. The passes, in order:
 *   1. find the tensors that are zero whatever the input: zero ops, and
 *      what computes 0 from them alone (a sum of zeros, a view, a ReLU or
 *      a pooling of a zero, a conv without bias of a zero). Then drop
 *      layers that feed no output. A zero tensor's inputs count as unread
 *      and an add of a zero is a view of its other operand, so a zero edge
 *      and what only feeds it vanish. A zero tensor that is still read is
 *      filled with zeros by a step of its own;
 *   2. resolve views: identity, dropout and flatten share their input's
 *      storage, and a split part is the input's channel slice (channels
 *      are contiguous in CHW, so no copy is needed);
 *   3. fuse: a batch norm folds into the conv before it when the conv has
 *      no other reader. A residual add joins the epilogue of the conv that
 *      computes one operand, under the same condition and when the other
 *      operand is computed before that conv. An activation joins the
 *      epilogue of its producer (conv, linear, batch norm, add);
 *   4. place: each step writes a buffer of its own, except that a producer
 *      read only by a concat writes straight into its slice of the concat;
 *   5. fuse channel shuffles into the indexing of their producer: a conv
 *      read only by the shuffle writes its channels in shuffled order, and
 *      so do the producers and copies of a concat read only by a shuffle;
 *   6. pair the expansion of an inverted residual with its depthwise conv:
 *      a dense 1x1 conv with a large output that only a depthwise conv
 *      reads runs with it in blocks of channels (see block_expand_pairs).
 */
#include "codegen.h"

#include <string.h>

static bool is_view(ir_op op)
{
    return op == IR_IDENTITY || op == IR_DROPOUT || op == IR_FLATTEN || op == IR_SPLIT;
}

/*
 * For an add with one zero operand, the other operand (x + 0 is x), which
 * the add then shares as a view; -1 otherwise. An add of two zeros is a
 * zero tensor itself.
 */
static int zero_free_operand(const ir_graph *g, const bool *zero, const ir_node *node)
{
    (void)g;
    if (node->op != IR_ADD || (zero[node->inputs[0]] && zero[node->inputs[1]]))
        return -1;
    if (zero[node->inputs[1]])
        return node->inputs[0];
    if (zero[node->inputs[0]])
        return node->inputs[1];
    return -1;
}

/* True when `node` computes 0 whenever the inputs marked in `zero` are 0. */
static bool keeps_zero(const ir_node *node, const bool *zero)
{
    int zeros = 0;
    for (int k = 0; k < node->ninputs; k++)
        zeros += zero[node->inputs[k]];
    if (node->op == IR_MUL)
        return zeros > 0;
    if (node->ninputs == 0 || zeros < node->ninputs)
        return false;
    switch (node->op) {
    case IR_ADD: case IR_CONCAT: case IR_RELU: case IR_RELU6: case IR_HARDSWISH:
    case IR_MAXPOOL: case IR_AVGPOOL: case IR_GLOBAL_AVGPOOL: case IR_SHUFFLE:
    case IR_IDENTITY: case IR_DROPOUT: case IR_FLATTEN: case IR_SPLIT:
        return true;
    case IR_CONV:
        return !node->attr.conv.bias;
    case IR_LINEAR:
        return !node->attr.linear.bias;
    default:
        return false;
    }
}

static cg_act activation_of(ir_op op)
{
    switch (op) {
    case IR_RELU: return CG_ACT_RELU;
    case IR_RELU6: return CG_ACT_RELU6;
    case IR_HARDSWISH: return CG_ACT_HARDSWISH;
    case IR_HARDSIGMOID: return CG_ACT_HARDSIGMOID;
    case IR_SIGMOID: return CG_ACT_SIGMOID;
    default: return CG_ACT_NONE;
    }
}

typedef struct {
    const ir_graph *g;
    bool *zero;        /* zero whatever the network's input */
    bool *live;
    int *readers;      /* live readers of each node, outputs counting as one */
    int *last_reader;  /* the one reader when readers == 1 */
    bool *is_output;
} graph_facts;

static graph_facts analyze(const ir_graph *g)
{
    size_t n = (size_t)g->nnodes;
    graph_facts f = {g, arena_alloc(n * sizeof(bool)), arena_alloc(n * sizeof(bool)),
                     arena_alloc(n * sizeof(int)), arena_alloc(n * sizeof(int)),
                     arena_alloc(n * sizeof(bool))};
    for (int i = 1; i < g->nnodes; i++)
        f.zero[i] = g->nodes[i].op == IR_ZERO || keeps_zero(&g->nodes[i], f.zero);
    for (int k = 0; k < g->noutputs; k++) {
        f.live[g->outputs[k]] = true;
        f.is_output[g->outputs[k]] = true;
        f.readers[g->outputs[k]]++;
    }
    for (int i = g->nnodes - 1; i > 0; i--) {
        if (!f.live[i])
            continue;
        const ir_node *node = &g->nodes[i];
        if (f.zero[i])
            continue; /* a zero tensor never reads its inputs' values */
        for (int k = 0; k < node->ninputs; k++) {
            int in = node->inputs[k];
            if (node->op == IR_ADD && f.zero[in])
                continue; /* x + 0 is x: see zero_free_operand */
            f.live[in] = true;
            f.readers[in]++;
            f.last_reader[in] = i;
        }
    }
    return f;
}

/* True when `node` is read only by `reader` and is not a network output. */
static bool only_read_by(const graph_facts *f, int node, int reader)
{
    return f->readers[node] == 1 && !f->is_output[node] && f->last_reader[node] == reader;
}

static int new_buffer(cg_program *p, int64_t elements, int *cap)
{
    if (p->nbuffers == *cap) {
        int grown = *cap ? *cap * 2 : 64;
        p->buffers = arena_grow(p->buffers, sizeof(cg_buffer) * (size_t)*cap,
                                sizeof(cg_buffer) * (size_t)grown);
        *cap = grown;
    }
    cg_buffer *b = &p->buffers[p->nbuffers];
    b->elements = elements;
    b->offset = -1;
    return p->nbuffers++;
}

/* The step after which `node`'s value exists, looking through views; -1 for the input. */
static int ready_step(const ir_graph *g, const bool *zero, const int *step_of, int node)
{
    while (step_of[node] < 0 && node > 0) {
        const ir_node *n = &g->nodes[node];
        int kept = zero_free_operand(g, zero, n);
        if (kept >= 0)
            node = kept;
        else if (is_view(n->op))
            node = n->inputs[0];
        else
            return 1 << 30; /* not computed yet: never ready */
    }
    return node > 0 ? step_of[node] : -1;
}

/* Makes `node` the value of step `s`, one more layer fused into it. */
static void absorb(cg_program *p, cg_step *s, int node)
{
    s->label = arena_printf("%s + %s", s->label, p->graph->nodes[node].name);
    s->node = node;
}

static cg_step *add_step(cg_program *p, int *cap, int node, ir_op op)
{
    if (p->nsteps == *cap) {
        int grown = *cap ? *cap * 2 : 64;
        p->steps = arena_grow(p->steps, sizeof(cg_step) * (size_t)*cap,
                              sizeof(cg_step) * (size_t)grown);
        *cap = grown;
    }
    cg_step *s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    s->node = node;
    s->layer = node;
    s->residual = -1;
    s->op = op;
    s->bn_node = -1;
    s->weight_offset = -1;
    s->bias_offset = -1;
    return s;
}

/* The step that a node's value comes from, following fusion and views. */
static int producer_node(const cg_program *p, int node)
{
    return p->value_node[node];
}

static void set_inputs(cg_step *s, const ir_node *node)
{
    if (node->ninputs <= 8) {
        s->ninputs = node->ninputs;
        memcpy(s->inputs, node->inputs, sizeof(int) * (size_t)node->ninputs);
        return;
    }
    s->ninputs = 8;
    memcpy(s->inputs, node->inputs, sizeof(int) * 8);
    s->nextra = node->ninputs - 8;
    s->extra_inputs = arena_alloc(sizeof(int) * (size_t)s->nextra);
    memcpy(s->extra_inputs, node->inputs + 8, sizeof(int) * (size_t)s->nextra);
}

static void set_shuffle(cg_step *s, int groups, int channels, int base)
{
    s->shuffle_groups = groups;
    s->shuffle_channels = channels;
    s->shuffle_base = base;
}

/* Fuses shuffle `node` into its producer when that is possible; see the file comment. */
static void fuse_shuffle(cg_program *p, const graph_facts *f, int *step_of, int node)
{
    const ir_graph *g = p->graph;
    const ir_node *shuffle = &g->nodes[node];
    int in = shuffle->inputs[0];
    int groups = shuffle->attr.shuffle.groups;
    int channels = shuffle->shape.c;
    int s = step_of[in];
    if (s < 0 || p->steps[s].node != in || !only_read_by(f, in, node) ||
        p->steps[s].shuffle_groups > 0)
        return;
    cg_step *producer = &p->steps[s];

    if (producer->op == IR_CONV && p->places[in].offset == 0) {
        set_shuffle(producer, groups, channels, 0);
    } else if (producer->op == IR_CONCAT) {
        /* Every input written in place must come from a conv; the rest are copied. */
        int64_t plane = (int64_t)shuffle->shape.h * shuffle->shape.w;
        const ir_node *concat = &g->nodes[in];
        for (int k = 0; k < concat->ninputs; k++) {
            int src = concat->inputs[k];
            bool in_place = p->places[src].buffer == p->places[in].buffer;
            if (in_place && p->steps[step_of[src]].op != IR_CONV)
                return;
        }
        for (int k = 0; k < concat->ninputs; k++) {
            int src = concat->inputs[k];
            if (p->places[src].buffer == p->places[in].buffer)
                set_shuffle(&p->steps[step_of[src]], groups, channels,
                            (int)((p->places[src].offset - p->places[in].offset) / plane));
        }
        set_shuffle(producer, groups, channels, 0);
    } else {
        return;
    }

    /* The shuffle's own step goes; it reads the producer's buffer as a view. */
    p->steps[step_of[node]].deleted = true;
    producer->node = node;
    step_of[node] = s;
    p->places[node] = p->places[in];
}

static void fuse_shuffles(cg_program *p, const graph_facts *f, int *step_of)
{
    for (int i = 1; i < p->graph->nnodes; i++)
        if (f->live[i] && p->graph->nodes[i].op == IR_SHUFFLE)
            fuse_shuffle(p, f, step_of, i);
}

/*
 * Places views again, in graph order, once in-place concats and fused
 * shuffles have moved the buffers they look into.
 */
static void resolve_views(cg_program *p, const graph_facts *f)
{
    const ir_graph *g = p->graph;
    for (int i = 1; i < g->nnodes; i++) {
        const ir_node *node = &g->nodes[i];
        if (!f->live[i])
            continue;
        int kept = zero_free_operand(g, f->zero, node);
        if (f->zero[i]) {
            continue; /* filled by a step of its own */
        } else if (kept >= 0) {
            p->places[i] = p->places[kept];
        } else if (is_view(node->op)) {
            p->places[i] = p->places[node->inputs[0]];
            if (node->op == IR_SPLIT)
                p->places[i].offset +=
                    (int64_t)node->attr.split.start * node->shape.h * node->shape.w;
        }
    }
}

/* Returns whether a live step other than `except` reads the buffer of node, or it is an output. */
static bool buffer_read_elsewhere(const cg_program *p, int node, int except)
{
    int b = p->places[node].buffer;
    for (int t = 0; t < p->nsteps; t++) {
        const cg_step *s = &p->steps[t];
        if (t == except || s->deleted)
            continue;
        for (int i = 0; i < s->ninputs; i++)
            if (p->places[s->inputs[i]].buffer == b)
                return true;
        for (int i = 0; i < s->nextra; i++)
            if (p->places[s->extra_inputs[i]].buffer == b)
                return true;
        if (s->residual >= 0 && p->places[s->residual].buffer == b)
            return true;
    }
    for (int i = 0; i < p->graph->noutputs; i++)
        if (p->places[p->graph->outputs[i]].buffer == b)
            return true;
    return false;
}

/*
 * Pass 6. The expansion of an inverted residual (MobileNetV2, MnasNet) is
 * a 1x1 conv to t times the channels, read only by a depthwise conv. Run
 * one after the other, the expanded tensor goes to memory and comes back:
 * 4.8 MB for MobileNetV2's first expansion on 112x112. Run in blocks of
 * channels, expansion then depthwise conv per block, each block of the
 * expanded tensor is read while it is in the L2 cache, and every block
 * writes the same EXPAND_BLOCK_BYTES or less (see emit_expand_blocks in
 * emit.c). The pair qualifies when the expanded tensor takes at least
 * EXPAND_MIN_BYTES and the map has more than CG_CONV_WIDE_MAX_PLANE
 * positions, so that a block of channels keeps the panel kernel and its
 * packed weights. Blocks hold a multiple of 8 channels, a whole register
 * tile of the panel kernel with AVX-512. The depthwise conv must have no
 * channel multiplier. With threads, each takes an equal run of channels.
 * In alternating builds of MobileNetV2 (bench/profile.c, AVX-512, 1
 * thread), its first expansion and depthwise conv took 0.79 ms one after
 * the other and 0.54 ms in blocks of 8 channels. A 3x3 stem conv in
 * blocks, which gathers its input panel again for every block, took 0.39
 * instead of 0.32 ms, hence 1x1 convs only.
 */
/*
 * NOTE: the sizes were chosen on one machine, with a 2 MiB L2 cache per
 * core. There, blocks of 200 and 800 KB and a threshold of 512 KiB timed
 * the same as these within the noise; a smaller L2 may want smaller blocks.
 */
enum { EXPAND_MIN_BYTES = 1 << 20, EXPAND_BLOCK_BYTES = 400 << 10, EXPAND_BLOCK_UNIT = 8 };

/*
 * Returns whether the step after depthwise conv d (step u) is a projection
 * that can run in the pair's blocks of `block` channels. It must be a
 * dense 1x1 conv of stride 1 on more than CG_CONV_WIDE_MAX_PLANE
 * positions (a panel kernel), and read d's output, which nothing else
 * reads. Each block then adds the products of its channels to the projection's sums
 * in y, so the depthwise output is read while it is in the L2 cache. The
 * sums of a block start from those of the block before, in the order of k
 * of the whole conv, so the output is the same bit for bit. The sums go
 * through y once per block, so the projection must be at most
 * EXPAND_BLOCK_BYTES, to stay in the L2 cache as well, and the blocks at
 * least PROJECT_MIN_BLOCK channels. In alternating builds (bench/profile.c,
 * AVX-512, 1 thread) MobileNetV2's projection of 144 channels on 56x56
 * with blocks of 32 went from 107 to 145 GFLOP/s, but the one of 96
 * channels with blocks of 8 from 107 to 99. MobileNetV1's pointwise convs
 * on 56x56 went from 124 to 48 (64 channels in blocks of 8) and from 127
 * to 122 (128 channels in blocks of 32, with 1.6 MB of sums).
 */
enum { PROJECT_MIN_BLOCK = 32 };

static bool projects_blocks(const cg_program *p, const cg_step *d, int u, int block)
{
    const ir_graph *g = p->graph;
    int v = u + 1;
    while (v < p->nsteps && p->steps[v].deleted)
        v++;
    if (v == p->nsteps || p->steps[v].op != IR_CONV)
        return false;
    const cg_step *e = &p->steps[v];
    const ir_node *en = &g->nodes[e->layer];
    const ir_window *w = &en->attr.conv.win;
    bool pointwise = en->attr.conv.groups == 1 && w->kh == 1 && w->kw == 1 && w->sh == 1 &&
                     w->sw == 1 && w->ph == 0 && w->pw == 0;
    return pointwise && en->inputs[0] == d->node && e->residual != d->node &&
           e->shuffle_groups == 0 && e->row_end == 0 &&
           (int64_t)en->shape.h * en->shape.w > CG_CONV_WIDE_MAX_PLANE &&
           block >= PROJECT_MIN_BLOCK &&
           ir_shape_elements(en->shape) * (int64_t)sizeof(float) <= EXPAND_BLOCK_BYTES &&
           p->places[d->node].buffer >= 0 && p->places[d->node].offset == 0 &&
           !buffer_read_elsewhere(p, d->node, v);
}

static void block_expand_pairs(cg_program *p)
{
    const ir_graph *g = p->graph;
    for (int t = 0; t < p->nsteps; t++) {
        cg_step *s = &p->steps[t];
        int u = t + 1;
        while (u < p->nsteps && p->steps[u].deleted)
            u++;
        if (s->deleted || u == p->nsteps || s->op != IR_CONV || p->steps[u].op != IR_CONV)
            continue;
        const cg_step *d = &p->steps[u];
        const ir_node *n = &g->nodes[s->layer], *dn = &g->nodes[d->layer];
        const ir_window *w = &n->attr.conv.win;
        int channels = n->shape.c;
        int64_t plane = (int64_t)n->shape.h * n->shape.w;
        bool expand = n->attr.conv.groups == 1 && w->kh == 1 && w->kw == 1 && s->residual < 0 &&
                      s->shuffle_groups == 0 && s->row_end == 0;
        bool depthwise = dn->attr.conv.groups == channels && dn->shape.c == channels &&
                         dn->inputs[0] == s->node && d->shuffle_groups == 0 && d->row_end == 0;
        if (!expand || !depthwise || plane <= CG_CONV_WIDE_MAX_PLANE ||
            ir_shape_elements(n->shape) * (int64_t)sizeof(float) < EXPAND_MIN_BYTES ||
            p->places[s->node].buffer < 0 || buffer_read_elsewhere(p, s->node, u))
            continue;
        int64_t block = EXPAND_BLOCK_BYTES / (plane * (int64_t)sizeof(float));
        block = block / EXPAND_BLOCK_UNIT * EXPAND_BLOCK_UNIT;
        if (block < EXPAND_BLOCK_UNIT)
            block = EXPAND_BLOCK_UNIT;
        if (block >= channels)
            continue;
        s->channel_block = (int)block;
        s->block_projection = projects_blocks(p, d, u, (int)block);
    }
}

cg_program *cg_lower(const ir_graph *g)
{
    cg_program *p = arena_alloc(sizeof *p);
    p->graph = g;
    size_t n = (size_t)g->nnodes;
    p->places = arena_alloc(n * sizeof(cg_place));
    p->value_node = arena_alloc(n * sizeof(int));
    graph_facts f = analyze(g);

    /* The step index that writes each node's value, or -1. */
    int *step_of = arena_alloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) {
        step_of[i] = -1;
        p->value_node[i] = (int)i;
    }
    int step_cap = 0;
    int buffer_cap = 0;
    p->places[0] = (cg_place){-1, 0};

    for (int i = 1; i < g->nnodes; i++) {
        if (!f.live[i])
            continue;
        const ir_node *node = &g->nodes[i];
        int in0 = node->ninputs > 0 ? node->inputs[0] : -1;

        /* A zero tensor that is read: a fill of its own, reading nothing. */
        if (f.zero[i]) {
            cg_step *s = add_step(p, &step_cap, i, IR_ZERO);
            s->label = node->name;
            step_of[i] = p->nsteps - 1;
            p->places[i] =
                (cg_place){new_buffer(p, ir_shape_elements(node->shape), &buffer_cap), 0};
            continue;
        }

        /* x + 0: a view of x. */
        int kept = zero_free_operand(g, f.zero, node);
        if (kept >= 0) {
            p->places[i] = p->places[kept];
            continue;
        }

        /* Views: no step, the storage of the input. */
        if (is_view(node->op)) {
            p->places[i] = p->places[in0];
            if (node->op == IR_SPLIT)
                p->places[i].offset +=
                    (int64_t)node->attr.split.start * node->shape.h * node->shape.w;
            p->value_node[i] = i;
            continue;
        }

        /* Batch norm folded into the conv that produces its input. */
        int src = in0 >= 0 ? producer_node(p, in0) : -1;
        bool src_is_step = src >= 0 && step_of[src] >= 0 && src == in0;
        if (node->op == IR_BN && src_is_step && p->steps[step_of[in0]].op == IR_CONV &&
            !p->steps[step_of[in0]].folded_bn && p->steps[step_of[in0]].act == CG_ACT_NONE &&
            only_read_by(&f, in0, i)) {
            cg_step *s = &p->steps[step_of[in0]];
            s->folded_bn = true;
            s->bn_node = i;
            absorb(p, s, i);
            step_of[i] = step_of[in0];
            p->places[i] = p->places[in0];
            continue;
        }

        /* An activation in the epilogue of its producer. */
        cg_act act = activation_of(node->op);
        if (act != CG_ACT_NONE && src_is_step && only_read_by(&f, in0, i)) {
            cg_step *s = &p->steps[step_of[in0]];
            bool fusable = s->op == IR_CONV || s->op == IR_LINEAR || s->op == IR_BN ||
                           s->op == IR_ADD;
            /* An activation between a conv and a residual add would break the order. */
            if (fusable && s->act == CG_ACT_NONE) {
                s->act = act;
                absorb(p, s, i);
                step_of[i] = step_of[in0];
                p->places[i] = p->places[in0];
                continue;
            }
        }

        /*
         * A residual add in the epilogue of the conv that computes one operand,
         * provided the other operand is ready before that conv runs.
         */
        if (node->op == IR_ADD) {
            int fused = -1;
            for (int k = 0; k < 2 && fused < 0; k++) {
                int operand = node->inputs[k];
                int other = node->inputs[1 - k];
                int t = step_of[operand];
                if (t >= 0 && p->steps[t].node == operand && p->steps[t].op == IR_CONV &&
                    p->steps[t].act == CG_ACT_NONE && p->steps[t].residual < 0 &&
                    only_read_by(&f, operand, i) && other != operand &&
                    ready_step(g, f.zero, step_of, other) < t)
                    fused = k;
            }
            if (fused >= 0) {
                cg_step *s = &p->steps[step_of[node->inputs[fused]]];
                s->residual = node->inputs[1 - fused];
                s->inputs[s->ninputs++] = s->residual;
                absorb(p, s, i);
                step_of[i] = step_of[node->inputs[fused]];
                p->places[i] = p->places[node->inputs[fused]];
                continue;
            }
        }

        /* A kernel of its own, writing a fresh buffer. */
        cg_step *s = add_step(p, &step_cap, i, node->op);
        s->label = node->name;
        set_inputs(s, node);
        step_of[i] = p->nsteps - 1;
        p->places[i] = (cg_place){new_buffer(p, ir_shape_elements(node->shape), &buffer_cap), 0};
    }

    /*
     * In-place concat: a producer step read only by one concat writes into
     * its slice. Steps are redirected after the fact because the concat
     * comes after its producers; their buffers then simply go unused.
     */
    for (int i = 1; i < g->nnodes; i++) {
        const ir_node *node = &g->nodes[i];
        if (!f.live[i] || node->op != IR_CONCAT)
            continue;
        int64_t offset = 0;
        for (int k = 0; k < node->ninputs; k++) {
            int in = node->inputs[k];
            const ir_node *src = &g->nodes[in];
            bool seen_before = false;
            for (int j = 0; j < k; j++)
                seen_before |= node->inputs[j] == in;
            int s = step_of[in];
            bool direct = s >= 0 && p->steps[s].node == in && !seen_before &&
                          p->steps[s].op != IR_CONCAT && only_read_by(&f, in, i) &&
                          p->places[in].offset == 0;
            if (direct) {
                p->buffers[p->places[in].buffer].elements = 0;
                p->places[in] = (cg_place){p->places[i].buffer, offset};
                /* Nodes fused into this step share its place. */
                for (int j = 1; j < g->nnodes; j++)
                    if (step_of[j] == s)
                        p->places[j] = p->places[in];
            }
            offset += ir_shape_elements(src->shape);
        }
    }
    fuse_shuffles(p, &f, step_of);
    resolve_views(p, &f);
    block_expand_pairs(p);
    for (int i = 0; i < g->nnodes; i++)
        p->value_node[i] = step_of[i] >= 0 ? p->steps[step_of[i]].node : i;

    int64_t total = 0;
    for (int b = 0; b < p->nbuffers; b++)
        total += p->buffers[b].elements * (int64_t)sizeof(float);
    p->total_tensor_bytes = total;
    return p;
}
