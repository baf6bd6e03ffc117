/*
 * The memory plan: one workspace for every intermediate buffer.
 *
 * A buffer is live from the step that first writes it to the last step
 * that reads it. An expansion run in blocks (cg_step.channel_block)
 * runs with its depthwise conv, and with the projection after that when
 * block_projection is set. Every buffer that one of these steps reads or
 * writes is live from the first of them to the last.
 * The network's outputs stay live to the end, where they are copied out.
 * Buffers are placed largest first at the lowest offset
 * that no buffer with an overlapping live range occupies (the greedy-by-size
 * heuristic), each aligned to 64 bytes so kernels start on a cache line.
 */
#include "codegen.h"

#include <stdlib.h>

#define ALIGN_BYTES 64

static const cg_program *sorting;

static int larger_first(const void *a, const void *b)
{
    int64_t x = sorting->buffers[*(const int *)a].elements;
    int64_t y = sorting->buffers[*(const int *)b].elements;
    if (x != y)
        return x < y ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

static void touch(cg_program *p, int node, int step, bool writes)
{
    int b = p->places[node].buffer;
    if (b < 0)
        return;
    cg_buffer *buf = &p->buffers[b];
    if (writes && (buf->first_step < 0 || step < buf->first_step))
        buf->first_step = step;
    if (step > buf->last_step)
        buf->last_step = step;
}

/* Touches the output of step s at `step` (as a write when writes) and its inputs. */
static void touch_step(cg_program *p, const cg_step *s, int step, bool writes)
{
    touch(p, s->node, step, writes);
    for (int k = 0; k < s->ninputs; k++)
        touch(p, s->inputs[k], step, false);
    for (int k = 0; k < s->nextra; k++)
        touch(p, s->extra_inputs[k], step, false);
}

static void live_ranges(cg_program *p)
{
    for (int b = 0; b < p->nbuffers; b++) {
        p->buffers[b].first_step = -1;
        p->buffers[b].last_step = -1;
    }
    for (int t = 0; t < p->nsteps; t++) {
        if (p->steps[t].deleted)
            continue;
        /* the steps that run together: [t, last] */
        int together = 0;
        if (p->steps[t].channel_block > 0)
            together = p->steps[t].block_projection ? 2 : 1;
        int last = t;
        for (int i = 0; i < together; i++) {
            last++;
            while (p->steps[last].deleted)
                last++;
        }
        for (int u = t; u <= last; u++) {
            const cg_step *s = &p->steps[u];
            if (s->deleted)
                continue;
            touch_step(p, s, t, true);
            touch_step(p, s, last, false);
        }
        t = last;
    }
    for (int k = 0; k < p->graph->noutputs; k++) {
        int b = p->places[p->graph->outputs[k]].buffer;
        if (b >= 0)
            p->buffers[b].last_step = p->nsteps;
    }
}

void cg_plan(cg_program *p)
{
    live_ranges(p);
    int *order = malloc(sizeof(int) * (size_t)(p->nbuffers ? p->nbuffers : 1));
    NASC_ASSERT(order);
    int count = 0;
    for (int b = 0; b < p->nbuffers; b++)
        if (p->buffers[b].elements > 0 && p->buffers[b].first_step >= 0)
            order[count++] = b;
    sorting = p;
    qsort(order, (size_t)count, sizeof(int), larger_first);

    int64_t workspace = 0;
    for (int i = 0; i < count; i++) {
        cg_buffer *buf = &p->buffers[order[i]];
        int64_t bytes = buf->elements * (int64_t)sizeof(float);
        int64_t offset = 0;
        /* Move past every placed buffer that overlaps in time and space, until none does. */
        bool moved = true;
        while (moved) {
            moved = false;
            for (int j = 0; j < i; j++) {
                const cg_buffer *other = &p->buffers[order[j]];
                bool same_time = other->first_step <= buf->last_step &&
                                 buf->first_step <= other->last_step;
                int64_t other_end = other->offset + other->elements * (int64_t)sizeof(float);
                bool same_space = other->offset < offset + bytes && offset < other_end;
                if (same_time && same_space) {
                    offset = (other_end + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
                    moved = true;
                }
            }
        }
        buf->offset = offset;
        if (offset + bytes > workspace)
            workspace = offset + bytes;
    }
    free(order);
    p->workspace_bytes = (workspace + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
}
