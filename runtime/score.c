/*
 * The score harness: compiled together with a network's generated C, with
 * -DNASC_PROBE=score_probe, into a program of its own, like runtime/bench.c.
 * It computes two training-free scores of the network with the network's
 * own code. The run function calls score_probe after every step (see
 * NASC_PROBE in the generated header), and the probe reads the step's
 * output.
 *
 * The network's names come in as macros (NASC_NET_RUN, NASC_NET_LOAD_WEIGHTS,
 * NASC_NET_STRERROR, NASC_NET_INPUT_SIZE, NASC_NET_OUTPUT_SIZE,
 * NASC_NET_WORKSPACE_BYTES) and its header through -include. Protocol:
 *
 *   score WEIGHTS BATCH SEED [INPUTS]
 *
 * draws BATCH inputs from a standard normal distribution seeded with SEED
 * (splitmix64 and the Box-Muller transform), or reads them from INPUTS, a
 * file of BATCH * NASC_NET_INPUT_SIZE raw float32 values. It prints one JSON
 * object:
 *
 *   {"naswot": X, "meco": Y, "relu_units": N, "meco_layers": L, "batch": B}
 *
 * NASWOT (Mellor, Turner, Storkey, Crowley, "Neural Architecture Search
 * without Training", ICML 2021) is log|det K_H| over the batch. K_H[i][j]
 * is N_A minus the Hamming distance between the binary codes of inputs i
 * and j, where a code holds one bit (x > 0) per ReLU unit: every value
 * output by a step whose output went through relu or relu6. Hardswish,
 * hardsigmoid and sigmoid outputs are not ReLU units, as in the authors'
 * code, which hooks only modules whose type name contains "ReLU".
 * log|det K_H| comes from an LU factorization with partial pivoting in
 * double, summing log|pivot|, as numpy.linalg.slogdet does. When K_H is
 * singular (no ReLU units, or two inputs with equal codes) the score is
 * minus infinity. JSON has no infinities, so "naswot" is null then.
 *
 * MeCo (Jiang, Wang, Bie, "MeCo: Zero-Shot NAS with One Data and Single
 * Forward Pass via Minimum Eigenvalue of Correlation", NeurIPS 2023) uses
 * the first input alone. It sums, over the conv and linear steps, the
 * smallest eigenvalue of the Pearson correlation matrix of the step's
 * output channels, each channel being a vector of h * w values. A step's
 * output includes its fused batch norm, residual add and activation. The
 * authors' code replaces the NaN entries of a constant channel by 0, so
 * such a channel gives an eigenvalue of 0, and so does a layer with more
 * channels than h * w - 1, whose matrix has rank at most h * w - 1.
 */
#define _POSIX_C_SOURCE 199309L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NASC_PROBE
#error "compile the score harness with -DNASC_PROBE=score_probe"
#endif

/* The largest batch: K_H has BATCH^2 doubles, and the codes BATCH * N_A bits. */
#define MAX_BATCH 4096

/* What the probe does with a step's output during the current run. */
typedef enum {
    PROBE_COUNT_AND_MECO, /* count ReLU units, add up MeCo */
    PROBE_CODES,          /* record the code of one input */
} probe_mode;

static struct {
    probe_mode mode;
    int64_t relu_units;   /* N_A, counted during the first run */
    double meco;
    int meco_layers;
    uint64_t *code;       /* the current input's code, relu_units bits */
    int64_t bit;          /* the next bit to write */
    int failed;           /* an allocation failed in the probe */
} probe;

/* ---- random inputs ---- */

static uint64_t rng_state;

/* splitmix64 (Steele, Lea, Flood 2014): a uniform double in (0, 1). */
static double uniform_open(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal value by the Box-Muller transform. */
static double standard_normal(void)
{
    double u = uniform_open(), v = uniform_open();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- linear algebra, in double ---- */

/*
 * log|det a| of the n x n matrix a (overwritten) by LU with partial
 * pivoting. Returns -INFINITY when a pivot is at most n * 1e-13 times the
 * largest entry: a singular matrix up to rounding. K_H has integer entries,
 * so an exactly singular K_H ends there.
 */
static double log_abs_det(double *a, int n)
{
    double largest = 0;
    for (long i = 0; i < (long)n * n; i++)
        largest = fmax(largest, fabs(a[i]));
    double tolerance = n * 1e-13 * largest;
    double sum = 0;
    for (int k = 0; k < n; k++) {
        int pivot = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(a[(long)i * n + k]) > fabs(a[(long)pivot * n + k]))
                pivot = i;
        if (!(fabs(a[(long)pivot * n + k]) > tolerance))
            return -INFINITY;
        if (pivot != k)
            for (int j = 0; j < n; j++) {
                double t = a[(long)k * n + j];
                a[(long)k * n + j] = a[(long)pivot * n + j];
                a[(long)pivot * n + j] = t;
            }
        double d = a[(long)k * n + k];
        sum += log(fabs(d));
        for (int i = k + 1; i < n; i++) {
            double f = a[(long)i * n + k] / d;
            if (f == 0)
                continue;
            for (int j = k + 1; j < n; j++)
                a[(long)i * n + j] -= f * a[(long)k * n + j];
        }
    }
    return sum;
}

/*
 * Reduces the symmetric n x n matrix a (overwritten) to a tridiagonal
 * matrix with the same eigenvalues by Householder reflections: diagonal d
 * (n values) and subdiagonal e (n - 1 values). Each step k maps column k
 * below the diagonal to a multiple of the first unit vector with
 * H = I - 2 v v^T, and updates the trailing block as H A H =
 * A - 2 (v w^T + w v^T), where p = A v and w = p - (v^T p) v.
 */
static void tridiagonalize(double *a, int n, double *d, double *e, double *v, double *w)
{
    for (int k = 0; k + 2 < n; k++) {
        int m = n - k - 1; /* the trailing block's size */
        const double *column = a + (long)(k + 1) * n + k;
        double norm = 0;
        for (int i = 0; i < m; i++)
            norm += column[(long)i * n] * column[(long)i * n];
        norm = sqrt(norm);
        double alpha = column[0] > 0 ? -norm : norm;
        d[k] = a[(long)k * n + k];
        e[k] = alpha;
        for (int i = 0; i < m; i++)
            v[i] = column[(long)i * n];
        v[0] -= alpha;
        double vnorm = 0;
        for (int i = 0; i < m; i++)
            vnorm += v[i] * v[i];
        if (vnorm == 0) {
            e[k] = column[0]; /* already zero below the subdiagonal */
            continue;
        }
        vnorm = sqrt(vnorm);
        for (int i = 0; i < m; i++)
            v[i] /= vnorm;

        double *block = a + (long)(k + 1) * n + (k + 1);
        double vp = 0;
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < m; j++)
                s += block[(long)i * n + j] * v[j];
            w[i] = s;
            vp += v[i] * s;
        }
        for (int i = 0; i < m; i++)
            w[i] -= vp * v[i];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                block[(long)i * n + j] -= 2 * (v[i] * w[j] + w[i] * v[j]);
    }
    if (n >= 2) {
        d[n - 2] = a[(long)(n - 2) * n + (n - 2)];
        e[n - 2] = a[(long)(n - 1) * n + (n - 2)];
    }
    d[n - 1] = a[(long)(n - 1) * n + (n - 1)];
}

/* The number of eigenvalues below x of the tridiagonal (d, e), by Sturm sequence. */
static int eigenvalues_below(const double *d, const double *e, int n, double x)
{
    int count = 0;
    double q = d[0] - x;
    for (int i = 0;;) {
        if (q < 0)
            count++;
        if (++i == n)
            return count;
        if (q == 0)
            q = 1e-300;
        q = d[i] - x - e[i - 1] * e[i - 1] / q;
    }
}

/* The smallest eigenvalue of the tridiagonal (d, e), by bisection in Gershgorin's interval. */
static double smallest_eigenvalue(const double *d, const double *e, int n)
{
    double low = INFINITY, high = -INFINITY;
    for (int i = 0; i < n; i++) {
        double radius = (i > 0 ? fabs(e[i - 1]) : 0) + (i + 1 < n ? fabs(e[i]) : 0);
        low = fmin(low, d[i] - radius);
        high = fmax(high, d[i] + radius);
    }
    double scale = fmax(fabs(low), fabs(high));
    while (high - low > 1e-15 * scale + 1e-300) {
        double middle = 0.5 * (low + high);
        if (middle <= low || middle >= high)
            break;
        if (eigenvalues_below(d, e, n, middle) >= 1)
            high = middle;
        else
            low = middle;
    }
    return 0.5 * (low + high);
}

/* ---- MeCo ---- */

static const float *channel_data(const float *data, const int *channels, int k, long plane)
{
    return data + (channels ? channels[k] : k) * plane;
}

/*
 * The smallest eigenvalue of the Pearson correlation matrix of the c
 * channels of a step's output, or 0 when a channel is constant or
 * c > h * w - 1 (see the file comment). Returns NAN when memory runs out.
 */
static double min_correlation_eigenvalue(const float *data, const int *channels, int c, long plane)
{
    if (c < 1)
        return 0;
    if ((long)c > plane - 1)
        return 0;
    double *z = malloc(sizeof(double) * (size_t)c * (size_t)plane);
    double *a = malloc(sizeof(double) * (size_t)c * (size_t)c);
    double *work = malloc(sizeof(double) * 4 * (size_t)c);
    double result = NAN;
    if (!z || !a || !work)
        goto done;

    /* Each channel centred and scaled to unit norm: a[i][j] = z_i . z_j. */
    result = 0;
    for (int k = 0; k < c; k++) {
        const float *x = channel_data(data, channels, k, plane);
        double *zk = z + (long)k * plane;
        double mean = 0;
        for (long i = 0; i < plane; i++)
            mean += x[i];
        mean /= (double)plane;
        double norm = 0;
        for (long i = 0; i < plane; i++) {
            zk[i] = x[i] - mean;
            norm += zk[i] * zk[i];
        }
        if (norm == 0)
            goto done;
        norm = sqrt(norm);
        for (long i = 0; i < plane; i++)
            zk[i] /= norm;
    }
    for (int i = 0; i < c; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0;
            const double *zi = z + (long)i * plane, *zj = z + (long)j * plane;
            for (long t = 0; t < plane; t++)
                s += zi[t] * zj[t];
            a[(long)i * c + j] = a[(long)j * c + i] = i == j ? 1.0 : s;
        }
    tridiagonalize(a, c, work, work + c, work + 2 * c, work + 3 * c);
    result = smallest_eigenvalue(work, work + c, c);
done:
    free(z);
    free(a);
    free(work);
    return result;
}

/* ---- the probe ---- */

void NASC_PROBE(int step, int kind, const float *data, const int *channels, int c, int h, int w)
{
    (void)step;
    long plane = (long)h * w;
    if (probe.mode == PROBE_COUNT_AND_MECO) {
        if (kind & NASC_PROBE_RELU)
            probe.relu_units += (int64_t)c * plane;
        if (kind & NASC_PROBE_LAYER) {
            double lambda = min_correlation_eigenvalue(data, channels, c, plane);
            if (isnan(lambda))
                probe.failed = 1;
            else
                probe.meco += lambda;
            probe.meco_layers++;
        }
        return;
    }
    if (!(kind & NASC_PROBE_RELU))
        return;
    for (int k = 0; k < c; k++) {
        const float *x = channel_data(data, channels, k, plane);
        for (long i = 0; i < plane; i++, probe.bit++)
            if (x[i] > 0)
                probe.code[probe.bit >> 6] |= (uint64_t)1 << (probe.bit & 63);
    }
}

/* ---- NASWOT ---- */

static int popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (int)((x * 0x0101010101010101ull) >> 56);
}

/* log|det K_H| from the codes of `batch` inputs, `words` 64-bit words each. */
static double naswot_score(const uint64_t *codes, int batch, long words, int64_t units)
{
    double *k = malloc(sizeof(double) * (size_t)batch * (size_t)batch);
    if (!k)
        return NAN;
    for (int i = 0; i < batch; i++)
        for (int j = 0; j <= i; j++) {
            int64_t hamming = 0;
            for (long t = 0; t < words; t++)
                hamming += popcount64(codes[i * words + t] ^ codes[j * words + t]);
            k[(long)i * batch + j] = k[(long)j * batch + i] = (double)(units - hamming);
        }
    double score = log_abs_det(k, batch);
    free(k);
    return score;
}

/* ---- main ---- */

static int fail(const char *message, const char *what)
{
    fprintf(stderr, "score: %s%s%s\n", message, what ? ": " : "", what ? what : "");
    return 1;
}

/* Reads exactly `count` floats from `path`. */
static int read_inputs(const char *path, float *inputs, long count)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail("cannot open the inputs file", path);
    size_t got = fread(inputs, sizeof(float), (size_t)count, f);
    int extra = fgetc(f);
    fclose(f);
    if (got != (size_t)count || extra != EOF) {
        fprintf(stderr, "score: %s: expected exactly %ld float32 values (BATCH inputs of %ld)\n",
                path, count, (long)NASC_NET_INPUT_SIZE);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s WEIGHTS BATCH SEED [INPUTS]\n", argv[0]);
        return 2;
    }
    int status = NASC_NET_LOAD_WEIGHTS(argv[1]);
    if (status != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], NASC_NET_STRERROR(status));
        return 1;
    }
    char *end;
    long batch = strtol(argv[2], &end, 10);
    if (*end != '\0' || batch < 1 || batch > MAX_BATCH) {
        fprintf(stderr, "score: invalid BATCH '%s': expected an integer from 1 to %d\n", argv[2],
                MAX_BATCH);
        return 2;
    }
    rng_state = strtoull(argv[3], &end, 10);
    if (*end != '\0' || argv[3][0] == '\0') {
        fprintf(stderr, "score: invalid SEED '%s': expected an unsigned integer\n", argv[3]);
        return 2;
    }

    long input_size = NASC_NET_INPUT_SIZE;
    float *inputs = malloc(sizeof(float) * (size_t)batch * (size_t)input_size);
    float *output = malloc(sizeof(float) * NASC_NET_OUTPUT_SIZE);
    void *workspace = malloc(NASC_NET_WORKSPACE_BYTES > 0 ? NASC_NET_WORKSPACE_BYTES : 1);
    if (!inputs || !output || !workspace)
        return fail("out of memory", "inputs and workspace");
    if (argc == 5) {
        if (read_inputs(argv[4], inputs, batch * input_size) != 0)
            return 1;
    } else {
        for (long i = 0; i < batch * input_size; i++)
            inputs[i] = (float)standard_normal();
    }

    /* The first run counts the ReLU units and computes MeCo on the first input. */
    probe.mode = PROBE_COUNT_AND_MECO;
    NASC_NET_RUN(inputs, output, workspace);
    if (probe.failed)
        return fail("out of memory", "a MeCo correlation matrix");

    /* Then one run per input records its code. */
    long words = (long)((probe.relu_units + 63) / 64);
    uint64_t *codes = calloc((size_t)batch * (size_t)(words > 0 ? words : 1), sizeof(uint64_t));
    if (!codes)
        return fail("out of memory", "the binary codes");
    probe.mode = PROBE_CODES;
    for (long i = 0; i < batch && words > 0; i++) {
        probe.code = codes + i * words;
        probe.bit = 0;
        NASC_NET_RUN(inputs + i * input_size, output, workspace);
    }
    double naswot = naswot_score(codes, (int)batch, words, probe.relu_units);
    if (isnan(naswot))
        return fail("out of memory", "the NASWOT kernel");

    if (isinf(naswot))
        printf("{\"naswot\": null, ");
    else
        printf("{\"naswot\": %.17g, ", naswot);
    printf("\"meco\": %.17g, \"relu_units\": %lld, \"meco_layers\": %d, \"batch\": %ld}\n",
           probe.meco, (long long)probe.relu_units, probe.meco_layers, batch);

    free(inputs);
    free(output);
    free(workspace);
    free(codes);
    return 0;
}
