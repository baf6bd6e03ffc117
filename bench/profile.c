/*
 * Per-step timer of a network's generated C: compiled together with the
 * NET.c that `nasc build` writes, with -DNASC_PROBE=profile_probe, into a
 * program of its own. The run function calls profile_probe after every step
 * that runs code (see NASC_PROBE in the generated header), and the probe
 * takes a timestamp. A step's time is the gap since the previous probe, or
 * since the start of the run for the first one. The probe itself only
 * reads the clock. An expansion that runs in blocks with its depthwise conv,
 * and maybe its projection, calls profile_probe_block (NASC_PROBE_BLOCK)
 * after each block of each of these steps. Each gap goes to the step that
 * the block belongs to, so their probes after the last block add next to
 * nothing. A step without code (in shufflenet_v2_x1_0, a channel
 * shuffle or split that the convs around it carry out) has no probe, and
 * the list of probed steps skips it.
 *
 * The network's names come in as macros, as for runtime/score.c
 * (NASC_NET_RUN, NASC_NET_LOAD_WEIGHTS, NASC_NET_STRERROR,
 * NASC_NET_INPUT_SIZE, NASC_NET_OUTPUT_SIZE, NASC_NET_WORKSPACE_BYTES), and
 * its header through -include. bench/compare.py builds it. Protocol:
 *
 *   profile WEIGHTS [MIN_SECONDS [MIN_RUNS [PEAK]]]
 *
 * runs 3 warm-up inferences on a fixed pseudo-random input, then timed ones
 * until at least MIN_SECONDS (default 1) and MIN_RUNS (default 10) runs have
 * passed, at most MAX_RUNS, and
 * prints one JSON object: {"runs": N, "total_ms": T, "steps": [...],
 * "step_ms": [...]}, where steps lists the probed step indices in the order
 * of their NASC_PROBE calls, each step_ms entry is the median over the runs
 * of that step's time (its blocks' included), and total_ms is the median
 * of whole runs.
 *
 * Quiet runs. On a shared host the core's other hardware thread may run
 * another tenant's code for seconds at a time. In our runs that took up to
 * 40% of the FMA throughput of this program's core: bench/fma_peak.c
 * measured 108 instead of 176 GFLOP/s. At other times it took half of the
 * core's loads while the FMAs ran at full speed. The convs then ran up to
 * 1.7 times slower.
 * So speed_probe, a loop of FMAs that load from the L1 cache as the conv
 * kernels do, runs for about 0.5 ms before and after every timed run. A
 * run is quiet when both of its probes reach QUIET_SHARE of the fastest
 * probe, or of PEAK GFLOP/s when that is higher: bench/compare.py
 * passes the fastest probe of the networks it profiled before. The step
 * times are medians over the quiet runs, or over all runs when fewer than
 * a fifth are quiet. The JSON object also holds "quiet_runs" (the quiet
 * runs, which may be fewer than a fifth) and "probe_gflops" (the fastest
 * probe, PEAK included).
 */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if !defined(NASC_PROBE) || !defined(NASC_PROBE_BLOCK)
#error "compile the profile harness with -DNASC_PROBE=profile_probe -DNASC_PROBE_BLOCK=profile_probe_block"
#endif
#if !defined(NASC_NET_RUN) || !defined(NASC_NET_LOAD_WEIGHTS) || !defined(NASC_NET_STRERROR) || \
    !defined(NASC_NET_INPUT_SIZE) || !defined(NASC_NET_OUTPUT_SIZE) ||                          \
    !defined(NASC_NET_WORKSPACE_BYTES)
#error "define the NASC_NET_* macros of the network (see profile_network in bench/compare.py)"
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

/*
 * The current run: its start, then the step index and timestamp of each
 * probe call, and whether it was a call after a block.
 */
static double run_start;
static int probe_steps[MAX_PROBES];
static double stamps[MAX_PROBES];
static int block_calls[MAX_PROBES];
static int probe_count;
static int too_many_probes;

static void record(int step, int block)
{
    if (probe_count == MAX_PROBES) {
        too_many_probes = 1;
        return;
    }
    probe_steps[probe_count] = step;
    block_calls[probe_count] = block;
    stamps[probe_count++] = now_seconds();
}

void NASC_PROBE_BLOCK(int step)
{
    record(step, 1);
}

void NASC_PROBE(int step, int kind, const float *data, const int *channels, int c, int h, int w)
{
    (void)kind;
    (void)data;
    (void)channels;
    (void)c;
    (void)h;
    (void)w;
    record(step, 0);
}

/* A run counts when both of its probes reach this share of the fastest probe. */
#define QUIET_SHARE 0.9
#define PROBE_ROUNDS 200000

/* The widest vectors of the target's flags. */
#if defined(__AVX512F__)
#define PROBE_LANES 16
#elif defined(__AVX__)
#define PROBE_LANES 8
#else
#define PROBE_LANES 4
#endif
typedef float probe_vector __attribute__((vector_size(PROBE_LANES * 4)));
volatile float probe_sink;

/*
 * Returns the GFLOP/s of a fixed loop of FMAs, each of which loads a vector
 * from a 12 KiB table in the L1 cache. It runs 12 independent chains of
 * the target's vectors, as many as the FMA latency needs (see
 * bench/fma_peak.c). Like the conv kernels, it slows down when another
 * thread takes the core's FMA units or loads.
 */
static double speed_probe(void)
{
    static probe_vector table[64][12];
    probe_vector acc[12], a;
    for (int l = 0; l < PROBE_LANES; l++)
        a[l] = 0.999999f;
    for (int i = 0; i < 12; i++)
        for (int l = 0; l < PROBE_LANES; l++)
            acc[i][l] = (float)i * 1e-3f;
    for (int r = 0; r < 64; r++)
        for (int i = 0; i < 12; i++)
            for (int l = 0; l < PROBE_LANES; l++)
                table[r][i][l] = 1e-7f * (float)(r + i);
    double start = now_seconds();
    for (int n = 0; n < PROBE_ROUNDS; n++) {
        const probe_vector *row = table[n % 64];
        for (int i = 0; i < 12; i++)
            acc[i] = acc[i] * a + row[i];
    }
    double elapsed = now_seconds() - start;
    float total = 0.0f;
    for (int i = 0; i < 12; i++)
        total += acc[i][0];
    probe_sink = total;
    return PROBE_ROUNDS * 12.0 * PROBE_LANES * 2 / elapsed * 1e-9;
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
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: %s WEIGHTS [MIN_SECONDS [MIN_RUNS [PEAK]]]\n", argv[0]);
        return 2;
    }
    double min_seconds = argc >= 3 ? atof(argv[2]) : 1.0;
    int min_runs = argc >= 4 ? atoi(argv[3]) : 10;
    double peak = argc >= 5 ? atof(argv[4]) : 0.0;
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
    /*
     * The steps, in the order of their NASC_PROBE calls, and the step that
     * each call's gap goes to: a block's gap to the probe of its step.
     */
    int call_count = probe_count, step_count = 0;
    int *calls = malloc(sizeof(int) * (size_t)call_count);
    int *slot_of_call = malloc(sizeof(int) * (size_t)call_count);
    int *steps = malloc(sizeof(int) * (size_t)call_count);
    if (!calls || !slot_of_call || !steps) {
        fprintf(stderr, "profile: out of memory\n");
        return 1;
    }
    for (int i = 0; i < call_count; i++) {
        calls[i] = probe_steps[i] * 2 + block_calls[i];
        if (!block_calls[i])
            steps[step_count++] = probe_steps[i];
    }
    for (int i = 0; i < call_count; i++) {
        int slot = -1;
        for (int j = 0, seen = 0; j < call_count && slot < 0; j++) {
            if (block_calls[j])
                continue;
            if (j >= i && probe_steps[j] == probe_steps[i])
                slot = seen;
            seen++;
        }
        if (slot < 0) {
            fprintf(stderr,
                    "profile: step %d called NASC_PROBE_BLOCK after its NASC_PROBE; "
                    "regenerate NET.c with nasc build\n",
                    probe_steps[i]);
            return 1;
        }
        slot_of_call[i] = slot;
    }

    /* Step s of run r is at step_times[s * MAX_RUNS + r]. */
    double *step_times = malloc(sizeof(double) * MAX_RUNS * (size_t)step_count);
    if (!step_times) {
        fprintf(stderr, "profile: out of memory\n");
        return 1;
    }
    /* The slower of the two probes around each run. */
    double *speeds = malloc(sizeof(double) * MAX_RUNS);
    if (!speeds) {
        fprintf(stderr, "profile: out of memory\n");
        return 1;
    }
    int runs = 0;
    double start = now_seconds(), fastest = peak, before = speed_probe();
    while (runs < MAX_RUNS && (runs < min_runs || now_seconds() - start < min_seconds)) {
        probe_count = 0;
        run_start = now_seconds();
        NASC_NET_RUN(input, output, workspace);
        int same = probe_count == call_count;
        for (int i = 0; same && i < call_count; i++)
            same = calls[i] == probe_steps[i] * 2 + block_calls[i];
        if (!same) {
            fprintf(stderr, "profile: the probe calls of run %d differ from those of the first run\n",
                    runs);
            return 1;
        }
        totals[runs] = (stamps[call_count - 1] - run_start) * 1e3;
        for (int s = 0; s < step_count; s++)
            step_times[(size_t)s * MAX_RUNS + runs] = 0.0;
        for (int i = 0; i < call_count; i++) {
            double previous = i == 0 ? run_start : stamps[i - 1];
            step_times[(size_t)slot_of_call[i] * MAX_RUNS + runs] += (stamps[i] - previous) * 1e3;
        }
        double after = speed_probe();
        speeds[runs] = before < after ? before : after;
        fastest = after > fastest ? after : fastest;
        fastest = before > fastest ? before : fastest;
        before = after;
        runs++;
    }

    /* Move the quiet runs to the front of totals and step_times. */
    int quiet = 0;
    for (int r = 0; r < runs; r++)
        quiet += speeds[r] >= QUIET_SHARE * fastest;
    if (quiet * 5 >= runs) {
        int kept = 0;
        for (int r = 0; r < runs; r++) {
            if (speeds[r] < QUIET_SHARE * fastest)
                continue;
            totals[kept] = totals[r];
            for (int s = 0; s < step_count; s++)
                step_times[(size_t)s * MAX_RUNS + kept] = step_times[(size_t)s * MAX_RUNS + r];
            kept++;
        }
    }
    int counted = quiet * 5 >= runs ? quiet : runs;

    printf("{\"runs\": %d, \"quiet_runs\": %d, \"probe_gflops\": %.1f, \"total_ms\": %.6f, "
           "\"steps\": [", runs, quiet, fastest, median(totals, counted));
    for (int s = 0; s < step_count; s++)
        printf("%s%d", s ? ", " : "", steps[s]);
    printf("], \"step_ms\": [");
    for (int s = 0; s < step_count; s++)
        printf("%s%.6f", s ? ", " : "", median(step_times + (size_t)s * MAX_RUNS, counted));
    printf("]}\n");
    free(input);
    free(output);
    free(workspace);
    free(totals);
    free(speeds);
    free(step_times);
    free(calls);
    free(slot_of_call);
    free(steps);
    return 0;
}
