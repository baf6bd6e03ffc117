/*
 * Weight values for the generated code.
 *
 * The raw tensors of each layer (PyTorch's state_dict names and shapes, as
 * ir_node_tensors lists them) come from a safetensors file or from a
 * seeded generator. They are then laid out in one float array in step
 * order, with batch norm folded into the conv before it:
 *
 *   s = gamma / sqrt(running_var + eps)
 *   w'[oc] = w[oc] * s[oc],   b'[oc] = (b[oc] - running_mean[oc]) * s[oc] + beta[oc]
 *
 * A batch norm that stays alone becomes y = x * s + (beta - mean * s).
 * The folded weights of every conv but a depthwise one are then packed
 * block-major for the conv kernels' register tiles: per group, blocks of
 * CG_CONV_BLOCK or CG_CONV_WIDE_BLOCK output channels,
 * [block][c][kh][kw][row] (see cg_conv_block). Every other weight keeps
 * PyTorch's order.
 *
 * safetensors: an 8-byte little-endian header length, a JSON header that
 * maps each name to its dtype, shape and [begin, end) byte range in the
 * data that follows. The header is parsed with cJSON; every size is
 * checked against the file before any byte is read from it.
 */
#include "kernels.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tensors of one node: raw values by the index in ir_node_tensors order. */
typedef struct {
    int count;
    ir_tensor tensors[8];
    float *values[8];
} node_tensors;

/* ---- pseudo-random weights ---- */

static uint64_t rng_state;

static double uniform(double low, double high)
{
    /* xorshift64*, a small generator with good statistics for this use. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t r = rng_state * 2685821657736338717ull;
    return low + (high - low) * (double)(r >> 11) / 9007199254740992.0;
}

static int64_t tensor_elements(const ir_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= t->dims[d];
    return n;
}

/*
 * Conv and linear weights and biases are uniform in +-1/sqrt(fan_in), as
 * PyTorch initializes them. Batch-norm statistics are far from the identity
 * so that folding them is exercised.
 */
static void random_tensor(const ir_graph *g, const ir_tensor *t, float *out)
{
    const ir_node *n = &g->nodes[t->node];
    int64_t count = tensor_elements(t);
    const char *suffix = strrchr(t->name, '.') + 1;
    double low = -1, high = 1;
    if (n->op == IR_CONV || n->op == IR_LINEAR) {
        double fan_in = n->op == IR_CONV
                            ? (double)g->nodes[n->inputs[0]].shape.c / n->attr.conv.groups *
                                  n->attr.conv.win.kh * n->attr.conv.win.kw
                            : (double)g->nodes[n->inputs[0]].shape.c;
        high = 1 / sqrt(fan_in);
        low = -high;
    } else if (strcmp(suffix, "weight") == 0) {
        low = 0.5, high = 1.5;
    } else if (strcmp(suffix, "bias") == 0) {
        low = -0.2, high = 0.2;
    } else if (strcmp(suffix, "running_mean") == 0) {
        low = -0.3, high = 0.3;
    } else if (strcmp(suffix, "running_var") == 0) {
        low = 0.5, high = 2.0;
    }
    for (int64_t i = 0; i < count; i++)
        out[i] = (float)uniform(low, high);
}

/* ---- safetensors ---- */

typedef struct {
    unsigned char *data; /* the bytes after the header */
    size_t data_size;
    cJSON *header;
    const char *path;
    bool truncation_reported; /* one truncation explains every later tensor */
} safetensors;

static bool read_whole_file(const char *path, unsigned char **bytes, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(SRC_NONE, "cannot open the weights '%s': %s", path, strerror(errno));
        return false;
    }
    if (fseek(f, 0, SEEK_END) != 0 || ftell(f) < 0) {
        diag_error(SRC_NONE, "cannot read the weights '%s'", path);
        fclose(f);
        return false;
    }
    long length = ftell(f);
    rewind(f);
    *bytes = malloc((size_t)length + 1);
    NASC_ASSERT(*bytes);
    *size = fread(*bytes, 1, (size_t)length, f);
    fclose(f);
    if (*size != (size_t)length) {
        diag_error(SRC_NONE, "cannot read the weights '%s'", path);
        free(*bytes);
        return false;
    }
    return true;
}

static bool open_safetensors(const char *path, safetensors *st, unsigned char **file)
{
    size_t size;
    if (!read_whole_file(path, file, &size))
        return false;
    if (size < 8) {
        diag_error(SRC_NONE, "weights '%s' are not safetensors: the file has %zu bytes, fewer "
                             "than the 8-byte header length", path, size);
        return false;
    }
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; i--)
        header_length = header_length << 8 | (*file)[i];
    if (header_length > size - 8) {
        diag_error(SRC_NONE, "weights '%s' are truncated or not safetensors: the header length "
                             "%llu exceeds the %zu bytes that follow it",
                   path, (unsigned long long)header_length, size - 8);
        return false;
    }
    st->header = cJSON_ParseWithLength((const char *)*file + 8, (size_t)header_length);
    if (!st->header || !cJSON_IsObject(st->header)) {
        diag_error(SRC_NONE, "weights '%s' are not safetensors: the header is not a JSON object",
                   path);
        return false;
    }
    st->data = *file + 8 + header_length;
    st->data_size = size - 8 - (size_t)header_length;
    st->path = path;
    st->truncation_reported = false;
    return true;
}

static const char *shape_text(const int *dims, int rank)
{
    const char *s = "[";
    for (int d = 0; d < rank; d++)
        s = arena_printf("%s%s%d", s, d ? ", " : "", dims[d]);
    return arena_printf("%s]", s);
}

/*
 * Checks one header entry against the tensor nasc expects; returns the
 * float data or NULL after reporting what is wrong.
 */
static const unsigned char *check_entry(safetensors *st, const cJSON *entry,
                                        const ir_tensor *t, bool *ok)
{
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offsets) ||
        cJSON_GetArraySize(offsets) != 2) {
        diag_error(SRC_NONE, "weights '%s': the header entry of '%s' lacks a dtype, shape or "
                             "data_offsets", st->path, t->name);
        *ok = false;
        return NULL;
    }

    int dims[8];
    int rank = cJSON_GetArraySize(shape);
    bool shape_ok = rank == t->rank && rank <= 8;
    for (int d = 0; d < rank && d < 8; d++) {
        const cJSON *dim = cJSON_GetArrayItem(shape, d);
        dims[d] = cJSON_IsNumber(dim) ? (int)dim->valuedouble : -1;
        shape_ok &= d < t->rank && dims[d] == t->dims[d];
    }
    if (!shape_ok) {
        diag_error(SRC_NONE, "weights '%s': '%s' has shape %s, the network expects %s", st->path,
                   t->name, shape_text(dims, rank < 8 ? rank : 8), shape_text(t->dims, t->rank));
        *ok = false;
        return NULL;
    }
    if (t->rank == 0)
        return NULL; /* num_batches_tracked: checked, never used */
    if (strcmp(dtype->valuestring, "F32") != 0) {
        diag_error(SRC_NONE, "weights '%s': '%s' is %s; nasc reads float32 (F32) tensors, so "
                             "export with model.float()", st->path, t->name, dtype->valuestring);
        *ok = false;
        return NULL;
    }

    double begin = cJSON_GetArrayItem(offsets, 0)->valuedouble;
    double end = cJSON_GetArrayItem(offsets, 1)->valuedouble;
    double bytes = (double)tensor_elements(t) * 4;
    if (!(begin >= 0 && end >= begin && end - begin == bytes)) {
        diag_error(SRC_NONE, "weights '%s': the data offsets of '%s' ([%.0f, %.0f)) do not span "
                             "the %.0f bytes of its shape; the header is corrupt", st->path,
                   t->name, begin, end, bytes);
        *ok = false;
        return NULL;
    }
    if (end > (double)st->data_size) {
        if (!st->truncation_reported)
            diag_error(SRC_NONE, "weights '%s' are truncated: the data of '%s' ends at byte %.0f, "
                                 "but the file has only %zu data bytes", st->path, t->name, end,
                       st->data_size);
        st->truncation_reported = true;
        *ok = false;
        return NULL;
    }
    return st->data + (size_t)begin;
}

static float *little_endian_floats(const unsigned char *bytes, int64_t count)
{
    float *out = arena_alloc(sizeof(float) * (size_t)count);
    for (int64_t i = 0; i < count; i++) {
        uint32_t u = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
                     (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
        memcpy(&out[i], &u, sizeof u);
    }
    return out;
}

/* Loads every expected tensor; reports all problems before returning false. */
static bool load_safetensors(const ir_graph *g, node_tensors *per_node, const char *path)
{
    safetensors st;
    unsigned char *file = NULL;
    if (!open_safetensors(path, &st, &file)) {
        free(file);
        return false;
    }

    bool ok = true;
    int errors_before = diag_error_count();

    /* A file of another network matches no name, so one line reports that. */
    int expected = 0, matched = 0;
    const char *first_expected = NULL;
    for (int i = 0; i < g->nnodes; i++) {
        for (int k = 0; k < per_node[i].count; k++) {
            if (per_node[i].tensors[k].rank == 0)
                continue;
            expected++;
            if (!first_expected)
                first_expected = per_node[i].tensors[k].name;
            matched += cJSON_GetObjectItemCaseSensitive(st.header, per_node[i].tensors[k].name) != NULL;
        }
    }
    if (expected > 0 && matched == 0) {
        const cJSON *first = st.header->child;
        while (first && strcmp(first->string, "__metadata__") == 0)
            first = first->next;
        diag_error(SRC_NONE, "weights '%s' do not belong to network '%s': none of its %d tensor "
                             "names is in the file (it expects '%s', the file has '%s', ...)",
                   path, g->name, expected, first_expected, first ? first->string : "nothing");
        cJSON_Delete(st.header);
        free(file);
        return false;
    }

    for (int i = 0; i < g->nnodes; i++) {
        for (int k = 0; k < per_node[i].count; k++) {
            const ir_tensor *t = &per_node[i].tensors[k];
            const cJSON *entry = cJSON_GetObjectItemCaseSensitive(st.header, t->name);
            if (!entry) {
                if (t->rank == 0)
                    continue; /* num_batches_tracked may be left out */
                diag_error(SRC_NONE, "weights '%s': missing '%s' of shape %s", path, t->name,
                           shape_text(t->dims, t->rank));
                ok = false;
                continue;
            }
            const unsigned char *bytes = check_entry(&st, entry, t, &ok);
            if (bytes)
                per_node[i].values[k] = little_endian_floats(bytes, tensor_elements(t));
        }
    }

    /* Names in the file that the network does not have. */
    for (const cJSON *entry = st.header->child; entry; entry = entry->next) {
        if (strcmp(entry->string, "__metadata__") == 0)
            continue;
        bool known = false;
        for (int i = 0; i < g->nnodes && !known; i++)
            for (int k = 0; k < per_node[i].count && !known; k++)
                known = strcmp(per_node[i].tensors[k].name, entry->string) == 0;
        if (!known) {
            diag_error(SRC_NONE, "weights '%s': unexpected tensor '%s', which network '%s' does "
                                 "not have (weights of another network?)", path, entry->string,
                       g->name);
            ok = false;
        }
    }
    cJSON_Delete(st.header);
    free(file);
    return ok && diag_error_count() == errors_before;
}

/* ---- layout and folding ---- */

/*
 * Reserves count floats of the weight array. Each tensor starts on a
 * multiple of WEIGHT_ALIGN floats, a 64-byte cache line of the array, so
 * the kernels' vector loads of packed weights do not straddle two lines.
 * The gaps hold zeros.
 */
enum { WEIGHT_ALIGN = 16 };

static int64_t reserve(cg_program *p, int64_t count)
{
    int64_t at = (p->weight_count + WEIGHT_ALIGN - 1) / WEIGHT_ALIGN * WEIGHT_ALIGN;
    p->weight_count = at;
    p->weight_count += count;
    return at;
}

/* The raw tensor of `node` whose name ends in `.suffix`. */
static const float *raw(const node_tensors *t, const char *suffix)
{
    for (int k = 0; k < t->count; k++) {
        const char *dot = strrchr(t->tensors[k].name, '.');
        if (dot && strcmp(dot + 1, suffix) == 0)
            return t->values[k];
    }
    return NULL;
}

static void fold_bn_into(const node_tensors *bn_raw, double eps, int channels, int64_t per_channel,
                         float *w, float *b, const float *conv_bias)
{
    const float *gamma = raw(bn_raw, "weight");
    const float *beta = raw(bn_raw, "bias");
    const float *mean = raw(bn_raw, "running_mean");
    const float *var = raw(bn_raw, "running_var");
    for (int c = 0; c < channels; c++) {
        double s = gamma[c] / sqrt((double)var[c] + eps);
        for (int64_t i = 0; i < per_channel; i++)
            w[c * per_channel + i] = (float)(w[c * per_channel + i] * s);
        double bias = conv_bias ? conv_bias[c] : 0.0;
        b[c] = (float)((bias - mean[c]) * s + beta[c]);
    }
}

/* The layer with parameters of a step: its conv, linear or batch norm, before fused ops. */
static const ir_node *step_layer(const cg_program *p, const cg_step *s, int *index)
{
    *index = s->layer;
    return &p->graph->nodes[s->layer];
}

/* Elements of the weight tensor of a conv or linear step. */
static int64_t weight_elements(const ir_graph *g, const cg_step *s, const ir_node *n)
{
    int channels = g->nodes[n->inputs[0]].shape.c;
    if (s->op == IR_LINEAR)
        return (int64_t)n->attr.linear.out * channels;
    return (int64_t)n->attr.conv.out * (channels / n->attr.conv.groups) * n->attr.conv.win.kh *
           n->attr.conv.win.kw;
}

/* First pass: the offsets of each step's weights and bias in the array. */
static void reserve_step(cg_program *p, cg_step *s)
{
    const ir_graph *g = p->graph;
    int layer;
    const ir_node *n = step_layer(p, s, &layer);
    if (s->op == IR_CONV || s->op == IR_LINEAR) {
        int out = s->op == IR_CONV ? n->attr.conv.out : n->attr.linear.out;
        bool has_bias = s->op == IR_CONV ? n->attr.conv.bias : n->attr.linear.bias;
        s->weight_offset = reserve(p, weight_elements(g, s, n));
        if (has_bias || s->folded_bn)
            s->bias_offset = reserve(p, out);
    } else if (s->op == IR_BN) {
        s->weight_offset = reserve(p, n->shape.c);
        s->bias_offset = reserve(p, n->shape.c);
    }
}

int cg_conv_block(const ir_graph *g, const cg_step *s, const ir_node *conv)
{
    if (conv->op != IR_CONV)
        return 0;
    int groups = conv->attr.conv.groups;
    if (groups > 1 && groups == g->nodes[conv->inputs[0]].shape.c)
        return 0;
    bool wide = groups == 1 && conv_wide_fits(g->nodes[conv->inputs[0]].shape, &conv->attr.conv.win,
                                              conv->shape, s->shuffle_groups > 0);
    return wide ? CG_CONV_WIDE_BLOCK : CG_CONV_BLOCK;
}

/*
 * Reorders the [oc][k] weights of a conv, k = (c, kh, kw), into the
 * block-major order of cg_conv_block: per group, [block][k][row].
 */
static void pack_conv_weights(float *w, int out, int groups, int64_t per_channel, int block_rows)
{
    int64_t count = out * per_channel;
    float *oihw = arena_alloc(sizeof(float) * (size_t)count);
    memcpy(oihw, w, sizeof(float) * (size_t)count);
    int group_channels = out / groups;
    for (int g = 0; g < groups; g++) {
        int start = g * group_channels;
        for (int oc0 = 0; oc0 < group_channels; oc0 += block_rows) {
            int rows = group_channels - oc0 < block_rows ? group_channels - oc0 : block_rows;
            float *block = w + (start + oc0) * per_channel;
            for (int64_t k = 0; k < per_channel; k++)
                for (int i = 0; i < rows; i++)
                    block[k * rows + i] = oihw[(start + oc0 + i) * per_channel + k];
        }
    }
}

/* Second pass: the values, with batch norm folded and conv weights packed. */
static void fill_step(const cg_program *p, const cg_step *s, const node_tensors *per_node,
                      float *array)
{
    const ir_graph *g = p->graph;
    int layer;
    const ir_node *n = step_layer(p, s, &layer);

    if (s->op == IR_CONV || s->op == IR_LINEAR) {
        int out = s->op == IR_CONV ? n->attr.conv.out : n->attr.linear.out;
        int64_t count = weight_elements(g, s, n);
        memcpy(array + s->weight_offset, raw(&per_node[layer], "weight"),
               sizeof(float) * (size_t)count);
        bool has_bias = s->op == IR_CONV ? n->attr.conv.bias : n->attr.linear.bias;
        const float *bias = has_bias ? raw(&per_node[layer], "bias") : NULL;
        if (s->folded_bn)
            fold_bn_into(&per_node[s->bn_node], g->nodes[s->bn_node].attr.bn.eps, out,
                         count / out, array + s->weight_offset, array + s->bias_offset, bias);
        else if (bias)
            memcpy(array + s->bias_offset, bias, sizeof(float) * (size_t)out);
        int block = cg_conv_block(g, s, n);
        if (block > 0)
            pack_conv_weights(array + s->weight_offset, out, n->attr.conv.groups, count / out,
                              block);
        return;
    }

    if (s->op == IR_BN) {
        const node_tensors *t = &per_node[layer];
        const float *gamma = raw(t, "weight"), *beta = raw(t, "bias");
        const float *mean = raw(t, "running_mean"), *var = raw(t, "running_var");
        for (int i = 0; i < n->shape.c; i++) {
            double scale = gamma[i] / sqrt((double)var[i] + n->attr.bn.eps);
            array[s->weight_offset + i] = (float)scale;
            array[s->bias_offset + i] = (float)(beta[i] - mean[i] * scale);
        }
    }
}

float *cg_weights(cg_program *p, const char *path, uint64_t seed)
{
    const ir_graph *g = p->graph;
    node_tensors *per_node = arena_alloc(sizeof(node_tensors) * (size_t)g->nnodes);
    for (int i = 0; i < g->nnodes; i++)
        per_node[i].count = ir_node_tensors(g, i, per_node[i].tensors, 8);

    if (path) {
        if (!load_safetensors(g, per_node, path))
            return NULL;
    } else {
        rng_state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
        for (int i = 0; i < g->nnodes; i++) {
            for (int k = 0; k < per_node[i].count; k++) {
                const ir_tensor *t = &per_node[i].tensors[k];
                if (t->rank == 0)
                    continue;
                per_node[i].values[k] = arena_alloc(sizeof(float) * (size_t)tensor_elements(t));
                random_tensor(g, t, per_node[i].values[k]);
            }
        }
    }

    p->weight_count = 0;
    for (int t = 0; t < p->nsteps; t++)
        reserve_step(p, &p->steps[t]);
    size_t bytes = sizeof(float) * (size_t)(p->weight_count ? p->weight_count : 1);
    float *array = arena_alloc(bytes);
    memset(array, 0, bytes); /* the gaps that reserve leaves */
    for (int t = 0; t < p->nsteps; t++)
        fill_step(p, &p->steps[t], per_node, array);
    return array;
}
