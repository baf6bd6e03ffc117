/*
 * Reference kernels: one plain function per op of the IR, with PyTorch 1.13
 * semantics, used as the oracle that generated code is tested against.
 *
 * Tensors are float32 in CHW order with batch 1. Every shape and attribute
 * is passed at run time, and the caller allocates each output. The
 * rt_*_output functions return the sizes that an output needs.
 */
#ifndef NASC_RUNTIME_H
#define NASC_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int c, h, w;
} rt_shape;

/* A sliding window: kernel, stride, padding and dilation per axis. */
typedef struct {
    int kh, kw;
    int sh, sw;
    int ph, pw;
    int dh, dw;
} rt_window;

/*
 * Output size along one axis: floor((in + 2p - d(k - 1) - 1) / s) + 1,
 * rounded up instead with ceil_mode, and then without a last window that
 * would start in the right padding. This is PyTorch's rule for conv and
 * pooling, and the formula of ir/graph.c.
 */
int rt_window_output(int in, int k, int s, int p, int d, bool ceil_mode);

rt_shape rt_conv2d_output(rt_shape in, int out_channels, rt_window win);
rt_shape rt_pool_output(rt_shape in, rt_window win, bool ceil_mode);

/*
 * nn.Conv2d: weight is [out_channels, in.c / groups, kh, kw], and bias has
 * out_channels values or is NULL.
 */
void rt_conv2d(const float *x, rt_shape in, const float *weight, const float *bias,
               int out_channels, rt_window win, int groups, float *y);

/* nn.Linear on a flat input of `in` values: weight [out, in], bias [out] or NULL. */
void rt_linear(const float *x, int in, const float *weight, const float *bias, int out,
               float *y);

/*
 * nn.BatchNorm2d in eval mode:
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, per channel.
 */
void rt_batch_norm(const float *x, rt_shape in, const float *gamma, const float *beta,
                   const float *mean, const float *var, double eps, float *y);

/* Element-wise activations on n values. The output y may be the input x. */
void rt_relu(const float *x, int64_t n, float *y);
void rt_relu6(const float *x, int64_t n, float *y);
void rt_hardswish(const float *x, int64_t n, float *y);
void rt_hardsigmoid(const float *x, int64_t n, float *y);
void rt_sigmoid(const float *x, int64_t n, float *y);

/* nn.MaxPool2d: cells outside the input never win. */
void rt_max_pool(const float *x, rt_shape in, rt_window win, bool ceil_mode, float *y);

/* nn.AvgPool2d. AvgPool2d has no dilation, so win.dh and win.dw are ignored. */
void rt_avg_pool(const float *x, rt_shape in, rt_window win, bool ceil_mode,
                 bool count_include_pad, float *y);

/* nn.AdaptiveAvgPool2d(1): the mean of each channel, C values. */
void rt_global_avg_pool(const float *x, rt_shape in, float *y);

void rt_add(const float *a, const float *b, int64_t n, float *y);

/*
 * a * b on a tensor of shape `in`. With b_per_channel, b has one value per
 * channel (a Cx1x1 tensor broadcast over H and W).
 */
void rt_mul(const float *a, const float *b, rt_shape in, bool b_per_channel, float *y);

/* torch.cat along channels of `count` tensors of size channels[i] x h x w. */
void rt_concat(const float *const *inputs, const int *channels, int count, int h, int w,
               float *y);

/* Channels [start, start + channels) of x, as x.split or x.chunk along dim 1. */
void rt_split(const float *x, rt_shape in, int start, int channels, float *y);

/*
 * PyTorch's channel_shuffle: view the channels as [groups, C / groups],
 * transpose and flatten, so output channel j * groups + g is input channel
 * g * (C / groups) + j.
 */
void rt_channel_shuffle(const float *x, rt_shape in, int groups, float *y);

/* torch.flatten(x, 1): CHW order is already the flat order, so this copies. */
void rt_flatten(const float *x, rt_shape in, float *y);

/* Zeros of ceil(h / stride) x ceil(w / stride) per channel. */
void rt_zero(rt_shape in, int stride, float *y);

#endif
