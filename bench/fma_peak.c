/*
 * Single-core peak of float32 fused multiply-add, the ceiling against which
 * bench/compare.py reports the GFLOP/s of nasc's kernels.
 *
 * Each measurement runs ACCUMULATORS independent FMA chains on vector
 * registers: acc[i] = acc[i] * a + b. One chain can issue an FMA only once
 * per FMA latency, so the core needs latency x (FMAs per cycle) chains in
 * flight. On the 2-core AMD EPYC of docs/benchmarks.md, 2, 4, 6 and 8
 * chains gave 26, 51, 75 and 102 GFLOP/s, and 10 and 12 no more, which
 * fits a latency of 4 cycles and 2 FMAs per cycle. 12 leaves headroom for
 * cores with a longer latency; 16 spill, because the chains, a and b must
 * fit in the 16 AVX2 registers. An FMA counts as 2 FLOPs per lane. The
 * timer is the thread's CPU time, and the best of REPEATS timings is
 * reported, because anything else running on the core only slows a run.
 *
 * Build and run (make bench does this):
 *
 *   clang -O2 -march=native -o build/fma_peak bench/fma_peak.c && build/fma_peak
 *
 * It prints one line per instruction set, e.g. "avx2 102.6 GFLOP/s", then a
 * JSON object {"avx2": X, "avx512": Y} on the last line, with null for an
 * instruction set that the CPU or the compiler flags lack.
 */
#define _POSIX_C_SOURCE 199309L

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

/* Independent FMA chains; -DACCUMULATORS=N overrides it to test how many the core needs. */
#ifndef ACCUMULATORS
#define ACCUMULATORS 12
#endif
#define ITERATIONS 20000000L
#define REPEATS 25

/* CPU time of this thread, so that time slices that the scheduler gives to
 * other processes on a shared core do not count against the peak. */
static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A volatile store of the chains' sum keeps the compiler from deleting them. */
volatile float sink;

#ifdef __AVX2__
/* Returns GFLOP/s of ITERATIONS rounds of ACCUMULATORS 8-lane FMAs. */
static double measure_avx2(void)
{
    __m256 acc[ACCUMULATORS];
    for (int i = 0; i < ACCUMULATORS; i++)
        acc[i] = _mm256_set1_ps((float)i * 1e-3f);
    /* a < 1 and a small b keep every value finite and normal. */
    const __m256 a = _mm256_set1_ps(0.999999f);
    const __m256 b = _mm256_set1_ps(1e-7f);

    double start = now_seconds();
    for (long n = 0; n < ITERATIONS; n++) {
        for (int i = 0; i < ACCUMULATORS; i++)
            acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    double seconds = now_seconds() - start;

    __m256 total = acc[0];
    for (int i = 1; i < ACCUMULATORS; i++)
        total = _mm256_add_ps(total, acc[i]);
    sink = _mm256_cvtss_f32(total);
    return (double)ITERATIONS * ACCUMULATORS * 8 * 2 / seconds * 1e-9;
}
#endif

#ifdef __AVX512F__
/* Returns GFLOP/s of ITERATIONS rounds of ACCUMULATORS 16-lane FMAs. */
static double measure_avx512(void)
{
    __m512 acc[ACCUMULATORS];
    for (int i = 0; i < ACCUMULATORS; i++)
        acc[i] = _mm512_set1_ps((float)i * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999999f);
    const __m512 b = _mm512_set1_ps(1e-7f);

    double start = now_seconds();
    for (long n = 0; n < ITERATIONS; n++) {
        for (int i = 0; i < ACCUMULATORS; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    double seconds = now_seconds() - start;

    __m512 total = acc[0];
    for (int i = 1; i < ACCUMULATORS; i++)
        total = _mm512_add_ps(total, acc[i]);
    sink = _mm512_reduce_add_ps(total);
    return (double)ITERATIONS * ACCUMULATORS * 16 * 2 / seconds * 1e-9;
}
#endif

/* Returns the best of REPEATS calls of measure. */
static double best_of(double (*measure)(void))
{
    double best = 0;
    for (int r = 0; r < REPEATS; r++) {
        double gflops = measure();
        if (gflops > best)
            best = gflops;
    }
    return best;
}

int main(void)
{
    char avx2[32] = "null";
    char avx512[32] = "null";
#ifdef __AVX2__
    double avx2_gflops = best_of(measure_avx2);
    printf("avx2 %.1f GFLOP/s\n", avx2_gflops);
    snprintf(avx2, sizeof avx2, "%.1f", avx2_gflops);
#else
    printf("avx2: not measured, compile with -march=native on a CPU with AVX2 and FMA\n");
#endif
#ifdef __AVX512F__
    double avx512_gflops = best_of(measure_avx512);
    printf("avx512 %.1f GFLOP/s\n", avx512_gflops);
    snprintf(avx512, sizeof avx512, "%.1f", avx512_gflops);
#else
    printf("avx512: not measured, the CPU or the compiler flags lack AVX-512F\n");
#endif
    printf("{\"avx2\": %s, \"avx512\": %s}\n", avx2, avx512);
    return 0;
}
