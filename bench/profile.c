/*
 * Per-step timer of a network's generated C: compiled together with the
 * NET.c that `nasc build` writes, with -DNASC_PROBE=profile_probe, into a
 * program of its own. The run function calls profile_probe after every step
 * that runs code (see NASC_PROBE in the generated header), and the probe
 * takes a timestamp. A step's time is the gap since the previous probe, or
 * since the start of the run for the first one. The probe itself only
 * reads the clock. A step without code (in shufflenet_v2_x1_0, a channel
 * shuffle or split that the convs around it carry out) has no probe, and
 * the list of probed steps skips it.
 *
 * The network's names come in as macros, as for runtime/score.c
 * (NASC_NET_RUN, NASC_NET_LOAD_WEIGHTS, NASC_NET_STRERROR,
 * NASC_NET_INPUT_SIZE, NASC_NET_OUTPUT_SIZE, NASC_NET_WORKSPACE_BYTES), and
 * its header through -include. bench/compare.py builds it. Protocol:
 *
 *   profile WEIGHTS [MIN_SECONDS [MIN_RUNS]]
 *
 * runs 3 warm-up inferences on a fixed pseudo-random input, then timed ones
 * until at least MIN_SECONDS (default 1) and MIN_RUNS (default 10) runs have
 * passed, at most MAX_RUNS, and
 * prints one JSON object: {"runs": N, "total_ms": T, "steps": [...],
 * "step_ms": [...]}, where steps lists the probed step indices in the order
 * of the calls, each step_ms entry is the median over the runs of that
 * step's time, and total_ms is the median of whole runs.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NASC_PROBE
#error "compile the profile harness with -DNASC_PROBE=profile_probe"
#endif

#define WARMUP_RUNS 3
/* Runs at most: the timing stops there even before MIN_SECONDS. */
#define MAX_RUNS 1000
/* Probes kept at most per run; the generated code of the examples has fewer than 300. */
#define MAX_PROBES 4096

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The current run: its start, then the step index and timestamp of each probe call. */
static double run_start;
static int probe_steps[MAX_PROBES];
static double stamps[MAX_PROBES];
static int probe_count;
static int too_many_probes;

void NASC_PROBE(int step, int kind, const float *data, const int *channels, int c, int h, int w)
{
    (void)kind;
    (void)data;
    (void)channels;
    (void)c;
    (void)h;
    (void)w;
    if (probe_count == MAX_PROBES) {
        too_many_probes = 1;
        return;
    }
    probe_steps[probe_count] = step;
    stamps[probe_count++] = now_seconds();
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts values in place and returns their median. */
static double median(double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s WEIGHTS [MIN_SECONDS [MIN_RUNS]]\n", argv[0]);
        return 2;
    }
    double min_seconds = argc >= 3 ? atof(argv[2]) : 1.0;
    int min_runs = argc >= 4 ? atoi(argv[3]) : 10;
    if (min_runs < 1)
        min_runs = 1;
    int status = NASC_NET_LOAD_WEIGHTS(argv[1]);
    if (status != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], NASC_NET_STRERROR(status));
        return 1;
    }

    float *input = malloc(sizeof(float) * NASC_NET_INPUT_SIZE);
    float *output = malloc(sizeof(float) * NASC_NET_OUTPUT_SIZE);
    void *workspace = malloc(NASC_NET_WORKSPACE_BYTES > 0 ? NASC_NET_WORKSPACE_BYTES : 1);
    double *totals = malloc(sizeof(double) * MAX_RUNS);
    if (!input || !output || !workspace || !totals) {
        fprintf(stderr, "profile: out of memory\n");
        return 1;
    }
    /* A fixed input in [-1, 1): the timing of the kernels does not depend on the values. */
    unsigned state = 12345;
    for (long i = 0; i < NASC_NET_INPUT_SIZE; i++) {
        state = state * 1103515245u + 12345u;
        input[i] = (float)((state >> 8) & 0xffff) / 32768.0f - 1.0f;
    }

    for (int r = 0; r < WARMUP_RUNS; r++) {
        probe_count = 0;
        NASC_NET_RUN(input, output, workspace);
    }
    if (too_many_probes || probe_count == 0) {
        fprintf(stderr, "profile: the run function made %s probe calls; the harness handles 1 to %d\n",
                too_many_probes ? "too many" : "no", MAX_PROBES);
        return 1;
    }
    int step_count = probe_count;

    /* Step s of run r is at step_times[s * MAX_RUNS + r]. */
    double *step_times = malloc(sizeof(double) * MAX_RUNS * (size_t)step_count);
    if (!step_times) {
        fprintf(stderr, "profile: out of memory\n");
        return 1;
    }
    int runs = 0;
    double start = now_seconds();
    while (runs < MAX_RUNS && (runs < min_runs || now_seconds() - start < min_seconds)) {
        probe_count = 0;
        run_start = now_seconds();
        NASC_NET_RUN(input, output, workspace);
        if (probe_count != step_count) {
            fprintf(stderr, "profile: run %d made %d probe calls, the first made %d\n", runs, probe_count,
                    step_count);
            return 1;
        }
        totals[runs] = (stamps[step_count - 1] - run_start) * 1e3;
        for (int s = 0; s < step_count; s++) {
            double previous = s == 0 ? run_start : stamps[s - 1];
            step_times[(size_t)s * MAX_RUNS + runs] = (stamps[s] - previous) * 1e3;
        }
        runs++;
    }

    printf("{\"runs\": %d, \"total_ms\": %.6f, \"steps\": [", runs, median(totals, runs));
    for (int s = 0; s < step_count; s++)
        printf("%s%d", s ? ", " : "", probe_steps[s]);
    printf("], \"step_ms\": [");
    for (int s = 0; s < step_count; s++)
        printf("%s%.6f", s ? ", " : "", median(step_times + (size_t)s * MAX_RUNS, runs));
    printf("]}\n");
    free(input);
    free(output);
    free(workspace);
    free(totals);
    free(step_times);
    return 0;
}
