/*
 * Compiling generated C with clang and running the result in child
 * processes, for `nasc run`, `nasc bench` and the searcher's evaluator.
 *
 * Compiled files live in a cache folder (NASC_CACHE, else
 * $XDG_CACHE_HOME/nasc, else ~/.cache/nasc) under a 64-bit FNV-1a hash of
 * their sources and compiler flags. Every file enters the cache through a
 * temporary name and a rename, so concurrent nasc processes, and a nasc
 * killed mid-compile, never leave a half-written file under a final name.
 *
 *   CACHE/HASH/NET, CACHE/HASH/NET-bench   whole programs (run, bench)
 *   CACHE/kernels/HASH.o                   one kernel each (split kernels)
 */
#ifndef NASC_COMPILE_H
#define NASC_COMPILE_H

#include "codegen.h"

/* The compiler and the flags of every generated file; the target adds its own. */
#define CG_COMPILER "clang"
#define CG_CFLAGS "-O2", "-std=c99", "-Wall", "-Wextra", "-pedantic"
#define CG_CFLAGS_TEXT "-O2 -std=c99 -Wall -Wextra -pedantic"

/* Pushes the compiler, CG_CFLAGS and the flags of target t onto args. */
void cg_push_compiler(ptr_vec *args, cg_target t);

/* The same command line prefix as text, for cache keys and messages. */
const char *cg_compiler_text(cg_target t);

/* The cache folder: NASC_CACHE, $XDG_CACHE_HOME/nasc, ~/.cache/nasc or /tmp/nasc-cache. */
const char *cg_cache_dir(void);

/* The start value of cg_hash_text. */
#define CG_HASH_BASIS 1469598103934665603u

/* Extends a 64-bit FNV-1a hash h with the bytes of text. */
uint64_t cg_hash_text(uint64_t h, const char *text);

/* CLOCK_MONOTONIC, in seconds. */
double cg_seconds_now(void);

typedef struct {
    const char *stdout_path; /* the child's stdout, truncated; NULL: inherited */
    const char *stderr_path; /* the child's stderr, truncated; NULL: inherited */
    double timeout_s;        /* killed (SIGKILL) after this long; 0: no limit */
    /*
     * Start the child in a process group of its own, so that a timeout kills
     * the processes it started too. Such a child does not get the terminal's
     * Ctrl-C.
     */
    bool new_group;
} cg_spawn_options;

typedef enum {
    CG_EXITED,        /* code: the exit status */
    CG_SIGNALED,      /* code: the signal number */
    CG_TIMED_OUT,     /* killed after timeout_s */
    CG_START_FAILED,  /* code: the errno of posix_spawnp */
    CG_WAIT_FAILED,   /* code: the errno of waitpid */
} cg_spawn_outcome;

typedef struct {
    cg_spawn_outcome outcome;
    int code;
} cg_spawn_result;

/* Runs argv (found through PATH) as a child process and waits for it; prints nothing. */
cg_spawn_result cg_spawn(char *const argv[], const cg_spawn_options *o);

/*
 * Runs argv like cg_spawn with stdout sent to stdout_path unless NULL,
 * and prints to stderr why the child `what` failed to start, was killed
 * or timed out. Returns its exit status, -1 when it did not exit normally,
 * or -2 when it timed out.
 */
int cg_spawn_reporting(char *const argv[], const char *what, const char *stdout_path,
                       double timeout_s);

/*
 * Compiles the generated program into the cache, unless the cache has it:
 * the example main.c for `run`, or runtime/bench.c around the network for
 * `bench`. Returns the binary's path, or NULL after printing why; *dir_out
 * is its cache folder, and *compile_s is 0 on a hit.
 */
const char *cg_compile_program(const cg_program *p, const cg_files *files, bool bench,
                               const char **dir_out, double *compile_s);

/* The objects of a network's split kernels, from the cache or compiled into it. */
typedef struct {
    const char **objects;  /* per kernel of cg_files, the object's path in the cache */
    int compiled;          /* kernels compiled by this call ... */
    int cached;            /* ... and found in the cache */
    double compile_s;      /* wall time of the compiles; 0 when all were cached */
    char error[512];       /* on failure: clang's first error line, or what else failed */
} cg_kernel_objects;

/*
 * Finds or compiles the object of every kernel of files (rendered with
 * split_kernels) in cache_dir/kernels, running up to `jobs` clang processes
 * at once, each with a time limit of timeout_s (0: none). The kernel sources
 * are read from source_dir/kernels, where cg_write put them, and clang's
 * messages go to source_dir/kernels/NAME.err. Returns false, with out->error
 * set, when a kernel fails to compile; prints nothing.
 */
bool cg_compile_kernels(const cg_files *files, const char *source_dir, const char *cache_dir,
                        int jobs, double timeout_s, cg_kernel_objects *out);

/*
 * Copies into buf the first line of the file at path that contains
 * "error:", else its first non-empty line; "" when the file is empty or
 * missing. A trailing newline is dropped.
 */
void cg_first_error_line(const char *path, char *buf, size_t size);

#endif
