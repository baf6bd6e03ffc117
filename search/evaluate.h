/*
 * Measuring one candidate. Its generated C is compiled with clang, the
 * kernels through the shared object cache. Its latency is timed in a child
 * process with a time limit, and its training-free scores are computed by
 * its own generated code in another child. An optional external score
 * command runs last.
 *
 * A candidate whose code fails to compile, crashes or exceeds the time
 * limit yields a status and a one-line error, never a failure of nasc.
 */
#ifndef NASC_EVALUATE_H
#define NASC_EVALUATE_H

#include "../codegen/codegen.h"
#include "../ir/ir.h"

typedef struct {
    const char *cache_dir;   /* compiled kernels, shared across runs; NULL: cg_cache_dir() */
    double timeout_s;        /* limit of each child (timing, scores, score command) */
    double min_time_s;       /* timing: run until this much time has passed ... */
    int warmup;              /* ... after this many untimed runs */
    bool latency;            /* time the candidate */
    bool naswot;             /* compute NASWOT (Mellor et al. 2021) */
    bool meco;               /* compute MeCo (Jiang et al. 2023) */
    int batch;               /* NASWOT mini-batch size */
    uint64_t seed;           /* the random weights, and the inputs of the scores */
    /*
     * Run as /bin/sh -c 'CMD "$1"' with the candidate's folder as $1, or
     * NULL. The last line of its stdout is the score "external".
     */
    const char *score_cmd;
    int compile_jobs;        /* clang processes at once; 0: one per online CPU */
    double compile_timeout_s; /* limit of each clang process; 0: none */
    cg_target target;        /* the instruction set of the generated code */
    int threads;             /* of the generated code; 0 or 1 for one */
    /*
     * Test hooks: the timing program calls abort() or loops forever in place
     * of the network's run function. They act only when latency is set.
     */
    bool inject_crash;
    bool inject_hang;
} ev_config;

typedef enum {
    EV_OK,
    EV_COMPILE_ERROR,  /* clang failed on the generated code, or it could not be written */
    EV_CRASH,          /* a child died of a signal or exited non-zero */
    EV_TIMEOUT,        /* a child exceeded timeout_s */
    EV_SCORE_ERROR,    /* the score program or command failed or printed no number */
} ev_status;

/* The log's name of a status: "ok", "compile_error", "crash", "timeout", "score_error". */
const char *ev_status_name(ev_status s);

#define EV_MAX_SCORES 4

typedef struct {
    ev_status status;
    char error[512];          /* one line; empty when status is EV_OK */
    /*
     * Wall time spent compiling: the kernels missing from the cache, then
     * NET.c with each harness and the link. Above 0 whenever a program is
     * built, because only kernels are cached.
     */
    double compile_s;
    int kernels_compiled;     /* kernel objects compiled for this candidate ... */
    int kernels_cached;       /* ... and found in the cache */
    double latency_ms;        /* median; NaN when not measured */
    double latency_iqr_ms;
    double latency_min_ms;
    int nscores;
    /* "naswot" (minus infinity when its kernel matrix is singular), "meco", "external" */
    const char *score_names[EV_MAX_SCORES];
    double scores[EV_MAX_SCORES];
} ev_result;

/*
 * Evaluates the candidate g in folder dir, which the caller created and
 * may have given the candidate's .nas and genotype for the score command.
 * Writes its generated C there, compiles, times and scores it, in that
 * order, stopping at the first failure. The programs and the
 * outputs of failed children stay in dir. Returns true when status is
 * EV_OK. Failing to write dir or the cache is also reported through
 * diag_error.
 */
bool ev_evaluate(const ev_config *c, const ir_graph *g, const char *dir, ev_result *out);

#endif
