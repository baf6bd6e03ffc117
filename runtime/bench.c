/*
 * The benchmark harness, compiled together with a network's generated C
 * by `nasc bench` into a program of its own, so that a crash or a hang of
 * the network cannot take nasc down.
 *
 * The network's names come in as macros (NASC_NET_RUN, NASC_NET_LOAD_WEIGHTS,
 * NASC_NET_STRERROR, NASC_NET_INPUT_SIZE, NASC_NET_OUTPUT_SIZE,
 * NASC_NET_WORKSPACE_BYTES; prefixed so that a network named "net" cannot
 * collide with them) and its header through -include. Protocol:
 *
 *   bench WEIGHTS MIN_SECONDS WARMUP_RUNS
 *
 * runs the network WARMUP_RUNS times untimed, because first calls pay page
 * faults for fresh buffers. It then times single runs with CLOCK_MONOTONIC
 * until at least MIN_SECONDS have passed and MIN_RUNS runs were made. It
 * prints one JSON object: runs, median_ms, min_ms, q1_ms, q3_ms, iqr_ms.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Enough runs for quartiles to mean something, even for slow networks. */
#define MIN_RUNS 10
/* A bound on the samples kept; runs stop when it is reached. */
#define MAX_RUNS 100000

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted samples, interpolating linearly between ranks. */
static double quantile(const double *sorted, int n, double q)
{
    double rank = q * (n - 1);
    int low = (int)rank;
    int high = low + 1 < n ? low + 1 : low;
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s WEIGHTS MIN_SECONDS WARMUP_RUNS\n", argv[0]);
        return 2;
    }
    int status = NASC_NET_LOAD_WEIGHTS(argv[1]);
    if (status != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], NASC_NET_STRERROR(status));
        return 1;
    }
    double min_seconds = atof(argv[2]);
    int warmup = atoi(argv[3]);

    float *input = malloc(sizeof(float) * NASC_NET_INPUT_SIZE);
    float *output = malloc(sizeof(float) * NASC_NET_OUTPUT_SIZE);
    void *workspace = malloc(NASC_NET_WORKSPACE_BYTES > 0 ? NASC_NET_WORKSPACE_BYTES : 1);
    double *samples = malloc(sizeof(double) * MAX_RUNS);
    if (!input || !output || !workspace || !samples) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    /* A fixed, non-trivial input: timing must not depend on denormals or zeros. */
    for (long i = 0; i < NASC_NET_INPUT_SIZE; i++)
        input[i] = (float)((i * 7919 % 2001) - 1000) / 1000.0f;

    for (int i = 0; i < warmup; i++)
        NASC_NET_RUN(input, output, workspace);

    int runs = 0;
    double start = now_seconds();
    while (runs < MAX_RUNS && (runs < MIN_RUNS || now_seconds() - start < min_seconds)) {
        double t0 = now_seconds();
        NASC_NET_RUN(input, output, workspace);
        samples[runs++] = (now_seconds() - t0) * 1e3;
    }
    qsort(samples, (size_t)runs, sizeof(double), compare_doubles);
    double q1 = quantile(samples, runs, 0.25), q3 = quantile(samples, runs, 0.75);
    printf("{\"runs\": %d, \"median_ms\": %.6f, \"min_ms\": %.6f, \"q1_ms\": %.6f, "
           "\"q3_ms\": %.6f, \"iqr_ms\": %.6f}\n",
           runs, quantile(samples, runs, 0.5), samples[0], q1, q3, q3 - q1);

    /* Keep the output alive so the compiler cannot drop the work. */
    volatile float sink = output[0];
    (void)sink;
    free(input);
    free(output);
    free(workspace);
    free(samples);
    return 0;
}
