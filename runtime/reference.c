/*
 * Reference kernels (see runtime.h), written to be easy to compare with
 * PyTorch 1.13 rather than to be fast. Each op is one function of plain
 * loops that reads its shapes and attributes at run time, with no fusion
 * and no specialization. Sums are accumulated in double and rounded to
 * float once, so their rounding error stays far below the tolerance that
 * tests/check_codegen.c allows the generated code.
 */
#include "runtime.h"

#include <math.h>
#include <string.h>

int rt_window_output(int in, int k, int s, int p, int d, bool ceil_mode)
{
    int64_t numerator = (int64_t)in + 2 * p - (int64_t)d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t quotient = numerator / s;
    if (numerator % s != 0 && numerator < 0)
        quotient--; /* floor division of a negative numerator */
    int64_t out = quotient + 1;
    if (ceil_mode && (out - 1) * s >= (int64_t)in + p)
        out--;
    return (int)out;
}

rt_shape rt_conv2d_output(rt_shape in, int out_channels, rt_window win)
{
    rt_shape out = {out_channels, rt_window_output(in.h, win.kh, win.sh, win.ph, win.dh, false),
                    rt_window_output(in.w, win.kw, win.sw, win.pw, win.dw, false)};
    return out;
}

rt_shape rt_pool_output(rt_shape in, rt_window win, bool ceil_mode)
{
    rt_shape out = {in.c, rt_window_output(in.h, win.kh, win.sh, win.ph, win.dh, ceil_mode),
                    rt_window_output(in.w, win.kw, win.sw, win.pw, win.dw, ceil_mode)};
    return out;
}

/* ---- layers with weights ---- */

void rt_conv2d(const float *x, rt_shape in, const float *weight, const float *bias,
               int out_channels, rt_window win, int groups, float *y)
{
    rt_shape out = rt_conv2d_output(in, out_channels, win);
    int in_per_group = in.c / groups;
    int out_per_group = out_channels / groups;

    for (int oc = 0; oc < out_channels; oc++) {
        int group = oc / out_per_group;
        const float *w_oc = weight + (int64_t)oc * in_per_group * win.kh * win.kw;
        for (int oy = 0; oy < out.h; oy++) {
            for (int ox = 0; ox < out.w; ox++) {
                double sum = bias ? bias[oc] : 0.0;
                for (int i = 0; i < in_per_group; i++) {
                    int ic = group * in_per_group + i;
                    for (int ky = 0; ky < win.kh; ky++) {
                        int iy = oy * win.sh - win.ph + ky * win.dh;
                        if (iy < 0 || iy >= in.h)
                            continue; /* zero padding */
                        for (int kx = 0; kx < win.kw; kx++) {
                            int ix = ox * win.sw - win.pw + kx * win.dw;
                            if (ix < 0 || ix >= in.w)
                                continue;
                            double xv = x[((int64_t)ic * in.h + iy) * in.w + ix];
                            double wv = w_oc[((int64_t)i * win.kh + ky) * win.kw + kx];
                            sum += xv * wv;
                        }
                    }
                }
                y[((int64_t)oc * out.h + oy) * out.w + ox] = (float)sum;
            }
        }
    }
}

void rt_linear(const float *x, int in, const float *weight, const float *bias, int out,
               float *y)
{
    for (int o = 0; o < out; o++) {
        double sum = bias ? bias[o] : 0.0;
        for (int i = 0; i < in; i++)
            sum += (double)weight[(int64_t)o * in + i] * x[i];
        y[o] = (float)sum;
    }
}

void rt_batch_norm(const float *x, rt_shape in, const float *gamma, const float *beta,
                   const float *mean, const float *var, double eps, float *y)
{
    int64_t plane = (int64_t)in.h * in.w;
    for (int c = 0; c < in.c; c++) {
        double inv_std = 1.0 / sqrt((double)var[c] + eps);
        for (int64_t i = 0; i < plane; i++) {
            double v = x[c * plane + i];
            y[c * plane + i] = (float)((v - mean[c]) * inv_std * gamma[c] + beta[c]);
        }
    }
}

/* ---- activations ---- */

static double relu6_of(double v)
{
    if (v < 0)
        return 0;
    if (v > 6)
        return 6;
    return v; /* also NaN */
}

void rt_relu(const float *x, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0.0f : x[i]; /* NaN stays NaN, as in PyTorch */
}

void rt_relu6(const float *x, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)relu6_of(x[i]);
}

void rt_hardswish(const float *x, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(x[i] * relu6_of(x[i] + 3.0) / 6.0);
}

void rt_hardsigmoid(const float *x, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(relu6_of(x[i] + 3.0) / 6.0);
}

void rt_sigmoid(const float *x, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
}

/* ---- pooling ---- */

void rt_max_pool(const float *x, rt_shape in, rt_window win, bool ceil_mode, float *y)
{
    rt_shape out = rt_pool_output(in, win, ceil_mode);
    for (int c = 0; c < in.c; c++) {
        const float *plane = x + (int64_t)c * in.h * in.w;
        for (int oy = 0; oy < out.h; oy++) {
            for (int ox = 0; ox < out.w; ox++) {
                /* -inf when no cell of the window is inside the input, as PyTorch. */
                float best = -INFINITY;
                for (int ky = 0; ky < win.kh; ky++) {
                    int iy = oy * win.sh - win.ph + ky * win.dh;
                    if (iy < 0 || iy >= in.h)
                        continue;
                    for (int kx = 0; kx < win.kw; kx++) {
                        int ix = ox * win.sw - win.pw + kx * win.dw;
                        if (ix < 0 || ix >= in.w)
                            continue;
                        float v = plane[(int64_t)iy * in.w + ix];
                        if (v > best || isnan(v))
                            best = v; /* NaN propagates, as in PyTorch */
                    }
                }
                y[(((int64_t)c * out.h) + oy) * out.w + ox] = best;
            }
        }
    }
}

/*
 * The divisor follows PyTorch's avg_pool2d: with count_include_pad it is
 * the window clipped to the padded input (cells that ceil_mode adds beyond
 * the padding do not count), otherwise the window clipped to the input.
 */
void rt_avg_pool(const float *x, rt_shape in, rt_window win, bool ceil_mode,
                 bool count_include_pad, float *y)
{
    rt_window plain = win;
    plain.dh = plain.dw = 1;
    rt_shape out = rt_pool_output(in, plain, ceil_mode);
    for (int c = 0; c < in.c; c++) {
        const float *plane = x + (int64_t)c * in.h * in.w;
        for (int oy = 0; oy < out.h; oy++) {
            for (int ox = 0; ox < out.w; ox++) {
                int y0 = oy * win.sh - win.ph, x0 = ox * win.sw - win.pw;
                int y1 = y0 + win.kh, x1 = x0 + win.kw;
                if (y1 > in.h + win.ph)
                    y1 = in.h + win.ph;
                if (x1 > in.w + win.pw)
                    x1 = in.w + win.pw;
                int padded_cells = (y1 - y0) * (x1 - x0);

                if (y0 < 0)
                    y0 = 0;
                if (x0 < 0)
                    x0 = 0;
                if (y1 > in.h)
                    y1 = in.h;
                if (x1 > in.w)
                    x1 = in.w;
                int input_cells = (y1 - y0) * (x1 - x0);

                double sum = 0;
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++)
                        sum += plane[(int64_t)iy * in.w + ix];
                int divisor = count_include_pad ? padded_cells : input_cells;
                y[(((int64_t)c * out.h) + oy) * out.w + ox] = (float)(sum / divisor);
            }
        }
    }
}

void rt_global_avg_pool(const float *x, rt_shape in, float *y)
{
    int64_t plane = (int64_t)in.h * in.w;
    for (int c = 0; c < in.c; c++) {
        double sum = 0;
        for (int64_t i = 0; i < plane; i++)
            sum += x[c * plane + i];
        y[c] = (float)(sum / (double)plane);
    }
}

/* ---- element-wise and channel ops ---- */

void rt_add(const float *a, const float *b, int64_t n, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

void rt_mul(const float *a, const float *b, rt_shape in, bool b_per_channel, float *y)
{
    int64_t plane = (int64_t)in.h * in.w;
    for (int c = 0; c < in.c; c++)
        for (int64_t i = 0; i < plane; i++)
            y[c * plane + i] = a[c * plane + i] * (b_per_channel ? b[c] : b[c * plane + i]);
}

void rt_concat(const float *const *inputs, const int *channels, int count, int h, int w,
               float *y)
{
    int64_t plane = (int64_t)h * w;
    for (int k = 0; k < count; k++) {
        memcpy(y, inputs[k], sizeof(float) * (size_t)(channels[k] * plane));
        y += channels[k] * plane;
    }
}

void rt_split(const float *x, rt_shape in, int start, int channels, float *y)
{
    int64_t plane = (int64_t)in.h * in.w;
    memcpy(y, x + start * plane, sizeof(float) * (size_t)(channels * plane));
}

void rt_channel_shuffle(const float *x, rt_shape in, int groups, float *y)
{
    int64_t plane = (int64_t)in.h * in.w;
    int per_group = in.c / groups;
    for (int g = 0; g < groups; g++)
        for (int j = 0; j < per_group; j++)
            memcpy(y + (int64_t)(j * groups + g) * plane, x + (int64_t)(g * per_group + j) * plane,
                   sizeof(float) * (size_t)plane);
}

void rt_flatten(const float *x, rt_shape in, float *y)
{
    memcpy(y, x, sizeof(float) * (size_t)((int64_t)in.c * in.h * in.w));
}

void rt_zero(rt_shape in, int stride, float *y)
{
    int64_t h = (in.h + stride - 1) / stride, w = (in.w + stride - 1) / stride;
    memset(y, 0, sizeof(float) * (size_t)(in.c * h * w));
}
