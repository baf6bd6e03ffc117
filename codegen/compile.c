/*
 * Compiling generated C and running children (see compile.h for the
 * cache layout).
 *
 * Children are started with posix_spawnp. Those with a time limit, and
 * the parallel kernel compiles, are waited for by polling
 * waitpid(pid, WNOHANG), never waitpid(-1), so that nasc reaps only the
 * processes it started here. Polling starts at 1 ms and backs off to
 * 10 ms, which bounds the delay a finished child adds.
 */
#include "compile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
extern const char runtime_bench_source[];

const char *cg_cache_dir(void)
{
    const char *explicit_dir = getenv("NASC_CACHE");
    if (explicit_dir && *explicit_dir)
        return explicit_dir;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        return arena_printf("%s/nasc", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return arena_printf("%s/.cache/nasc", home);
    return "/tmp/nasc-cache";
}

uint64_t cg_hash_text(uint64_t h, const char *text)
{
    for (const char *c = text; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    return h;
}

double cg_seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- child processes ---- */

/* Starts argv as described by o; returns 0 or the errno of the failure. */
/* ---- targets ---- */

static const struct {
    const char *name;
    const char *cflags;
} targets[] = {
    [CG_TARGET_HOST] = {"host", ""},
    [CG_TARGET_SCALAR] = {"scalar", ""},
    [CG_TARGET_AVX2] = {"avx2", "-mavx2 -mfma -ffp-contract=fast"},
    [CG_TARGET_AVX512] = {"avx512", "-mavx512f -mavx2 -mfma -ffp-contract=fast"},
};

bool cg_target_parse(const char *name, cg_target *out)
{
    for (int t = 0; t < (int)(sizeof targets / sizeof targets[0]); t++) {
        if (strcmp(name, targets[t].name) == 0) {
            *out = (cg_target)t;
            return true;
        }
    }
    return false;
}

cg_target cg_target_resolve(cg_target t)
{
    if (t != CG_TARGET_HOST)
        return t;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return CG_TARGET_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return CG_TARGET_AVX2;
#endif
    return CG_TARGET_SCALAR;
}

bool cg_target_runs_here(cg_target t)
{
    t = cg_target_resolve(t);
    cg_target host = cg_target_resolve(CG_TARGET_HOST);
    return t == CG_TARGET_SCALAR || t == host || (t == CG_TARGET_AVX2 && host == CG_TARGET_AVX512);
}

const char *cg_target_name(cg_target t)
{
    return targets[cg_target_resolve(t)].name;
}

const char *cg_target_cflags(cg_target t)
{
    return targets[cg_target_resolve(t)].cflags;
}

void cg_push_compiler(ptr_vec *args, cg_target t)
{
    static const char *const fixed[] = {CG_COMPILER, CG_CFLAGS};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        vec_push(args, (void *)fixed[i]);
    const char *flags = cg_target_cflags(t);
    while (*flags) {
        const char *end = strchr(flags, ' ');
        size_t len = end ? (size_t)(end - flags) : strlen(flags);
        vec_push(args, arena_strndup(flags, len));
        flags += len;
        while (*flags == ' ')
            flags++;
    }
}

const char *cg_compiler_text(cg_target t)
{
    return arena_printf("%s %s %s", CG_COMPILER, CG_CFLAGS_TEXT, cg_target_cflags(t));
}

static int start_child(char *const argv[], const cg_spawn_options *o, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    if (o->stdout_path)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, o->stdout_path,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o->stderr_path)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, o->stderr_path,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o->new_group) {
        posix_spawnattr_setpgroup(&attributes, 0);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    }
    int err = posix_spawnp(pid, argv[0], &actions, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return err;
}

/* Kills a child (with its process group when it has one) and reaps it. */
static void kill_child(pid_t pid, bool group)
{
    int status;
    kill(group ? -pid : pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
}

static cg_spawn_result result_of(int status)
{
    if (WIFSIGNALED(status))
        return (cg_spawn_result){CG_SIGNALED, WTERMSIG(status)};
    return (cg_spawn_result){CG_EXITED, WEXITSTATUS(status)};
}

/* Sleeps *pause_ns, then doubles it up to 10 ms. */
static void back_off(long *pause_ns)
{
    struct timespec pause = {0, *pause_ns};
    nanosleep(&pause, NULL);
    *pause_ns = *pause_ns * 2 < 10000000 ? *pause_ns * 2 : 10000000;
}

cg_spawn_result cg_spawn(char *const argv[], const cg_spawn_options *o)
{
    pid_t pid;
    int err = start_child(argv, o, &pid);
    if (err != 0)
        return (cg_spawn_result){CG_START_FAILED, err};

    bool limited = o->timeout_s > 0;
    double deadline = cg_seconds_now() + o->timeout_s;
    long pause_ns = 1000000;
    int status;
    for (;;) {
        pid_t done = waitpid(pid, &status, limited ? WNOHANG : 0);
        if (done == pid)
            return result_of(status);
        if (done < 0 && errno != EINTR)
            return (cg_spawn_result){CG_WAIT_FAILED, errno};
        if (limited && cg_seconds_now() > deadline) {
            kill_child(pid, o->new_group);
            return (cg_spawn_result){CG_TIMED_OUT, 0};
        }
        if (limited)
            back_off(&pause_ns);
    }
}

int cg_spawn_reporting(char *const argv[], const char *what, const char *stdout_path,
                       double timeout_s)
{
    cg_spawn_options o = {stdout_path, NULL, timeout_s, false};
    cg_spawn_result r = cg_spawn(argv, &o);
    switch (r.outcome) {
    case CG_EXITED:
        return r.code;
    case CG_START_FAILED:
        fprintf(stderr, "nasc: cannot start %s (%s): %s\n", what, argv[0], strerror(r.code));
        return -1;
    case CG_WAIT_FAILED:
        return -1;
    case CG_TIMED_OUT:
        fprintf(stderr, "nasc: %s timed out after %g s and was stopped\n", what, timeout_s);
        return -2;
    case CG_SIGNALED:
        fprintf(stderr, "nasc: %s was killed by signal %d (%s)\n", what, r.code,
                strsignal(r.code));
        return -1;
    }
    NASC_UNREACHABLE();
}

/* ---- whole programs: nasc run and nasc bench ---- */

const char *cg_compile_program(const cg_program *p, const cg_files *files, bool bench,
                               const char **dir_out, double *compile_s)
{
    const char *net = p->graph->name;
    uint64_t key = cg_hash_text(CG_HASH_BASIS, files->header);
    key = cg_hash_text(key, files->source);
    key = cg_hash_text(key, bench ? runtime_bench_source : files->program);
    key = cg_hash_text(key, cg_compiler_text(files->target));
    const char *dir = arena_printf("%s/%016llx", cg_cache_dir(), (unsigned long long)key);
    const char *binary = arena_printf("%s/%s%s", dir, net, bench ? "-bench" : "");
    *dir_out = dir;
    *compile_s = 0;

    struct stat st;
    if (stat(binary, &st) == 0)
        return binary;
    cg_files sources = *files;
    sources.weights = NULL;
    if (bench)
        sources.program = runtime_bench_source;
    if (!cg_write(p, &sources, dir))
        return NULL;

    const char *NET = cg_macro_prefix(net);
    const char *tmp = arena_printf("%s.tmp.%ld", binary, (long)getpid());
    const char *source = arena_printf("%s/%s.c", dir, net);
    const char *main_c = arena_printf("%s/main.c", dir);
    ptr_vec args = {0};
    cg_push_compiler(&args, files->target);
    vec_push(&args, "-o");
    vec_push(&args, (void *)tmp);
    if (bench) {
        vec_push(&args, arena_printf("-DNASC_NET_RUN=%s_run", net));
        vec_push(&args, arena_printf("-DNASC_NET_LOAD_WEIGHTS=%s_load_weights", net));
        vec_push(&args, arena_printf("-DNASC_NET_STRERROR=%s_strerror", net));
        vec_push(&args, arena_printf("-DNASC_NET_INPUT_SIZE=%s_INPUT_SIZE", NET));
        vec_push(&args, arena_printf("-DNASC_NET_OUTPUT_SIZE=%s_OUTPUT_SIZE", NET));
        vec_push(&args, arena_printf("-DNASC_NET_WORKSPACE_BYTES=%s_WORKSPACE_BYTES", NET));
        vec_push(&args, "-include");
        vec_push(&args, arena_printf("%s/%s.h", dir, net));
    }
    vec_push(&args, (void *)main_c);
    vec_push(&args, (void *)source);
    vec_push(&args, "-lm");
    if (files->threads > 1)
        vec_push(&args, "-pthread");
    vec_push(&args, NULL);
    double start = cg_seconds_now();
    int status = cg_spawn_reporting((char **)args.items, "the C compiler", NULL, 0);
    *compile_s = cg_seconds_now() - start;
    if (status != 0 || rename(tmp, binary) != 0) {
        remove(tmp);
        fprintf(stderr, "nasc: compiling the generated code in '%s' failed\n", dir);
        return NULL;
    }
    return binary;
}

/* ---- split kernels ---- */

void cg_first_error_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool found = false;
    while (!found && (len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        found = strstr(line, "error:") != NULL;
        if (found || (buf[0] == '\0' && len > 0))
            snprintf(buf, size, "%s", line);
    }
    free(line);
    fclose(f);
}

/* A clang process compiling one kernel. */
typedef struct {
    pid_t pid;
    int kernel;
    double start;
    const char *tmp;
    const char *err_path;
} kernel_job;

/* Ends a finished job: on success renames its object into place. Returns false on failure. */
static bool finish_kernel_job(const kernel_job *job, const cg_files *files, cg_spawn_result r,
                              cg_kernel_objects *out)
{
    const char *name = files->kernel_names[job->kernel];
    if (r.outcome == CG_EXITED && r.code == 0) {
        if (rename(job->tmp, out->objects[job->kernel]) == 0) {
            remove(job->err_path);
            out->compiled++;
            return true;
        }
        snprintf(out->error, sizeof out->error, "cannot store the object of kernel %s in '%s': %s",
                 name, out->objects[job->kernel], strerror(errno));
    } else if (r.outcome == CG_TIMED_OUT) {
        snprintf(out->error, sizeof out->error, "clang timed out on kernel %s", name);
    } else {
        char line[400];
        cg_first_error_line(job->err_path, line, sizeof line);
        if (line[0])
            snprintf(out->error, sizeof out->error, "%s", line);
        else if (r.outcome == CG_SIGNALED)
            snprintf(out->error, sizeof out->error, "clang was killed by signal %d (%s) on kernel %s",
                     r.code, strsignal(r.code), name);
        else
            snprintf(out->error, sizeof out->error, "clang failed on kernel %s (exit status %d)",
                     name, r.code);
    }
    remove(job->tmp);
    return false;
}

/* Starts clang on kernel k; false, with out->error set, when it cannot start. */
static bool start_kernel_job(kernel_job *job, int k, const cg_files *files,
                             const char *source_dir, cg_kernel_objects *out)
{
    const char *name = files->kernel_names[k];
    const char *source = arena_printf("%s/kernels/%s.c", source_dir, name);
    job->kernel = k;
    job->tmp = arena_printf("%s.tmp.%ld", out->objects[k], (long)getpid());
    job->err_path = arena_printf("%s/kernels/%s.err", source_dir, name);
    job->start = cg_seconds_now();
    ptr_vec args = {0};
    cg_push_compiler(&args, files->target);
    const char *rest[] = {"-c", "-o", job->tmp, source, NULL};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        vec_push(&args, (void *)rest[i]);
    cg_spawn_options o = {NULL, job->err_path, 0, false};
    int err = start_child((char **)args.items, &o, &job->pid);
    if (err != 0)
        snprintf(out->error, sizeof out->error, "cannot start %s: %s", CG_COMPILER, strerror(err));
    return err == 0;
}

bool cg_compile_kernels(const cg_files *files, const char *source_dir, const char *cache_dir,
                        int jobs, double timeout_s, cg_kernel_objects *out)
{
    memset(out, 0, sizeof *out);
    int n = files->nkernels;
    out->objects = arena_alloc(sizeof(char *) * (size_t)(n > 0 ? n : 1));
    const char *kernel_cache = arena_printf("%s/kernels", cache_dir);
    if (!cg_make_dirs(kernel_cache)) {
        snprintf(out->error, sizeof out->error, "cannot create the cache folder '%s'",
                 kernel_cache);
        return false;
    }

    /* The key covers the text and the flags: the kernel's name is part of its text. */
    int *pending = arena_alloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    int npending = 0;
    for (int k = 0; k < n; k++) {
        uint64_t key = cg_hash_text(CG_HASH_BASIS, cg_compiler_text(files->target));
        key = cg_hash_text(key, " -c\n");
        key = cg_hash_text(key, files->kernel_sources[k]);
        out->objects[k] = arena_printf("%s/%016llx.o", kernel_cache, (unsigned long long)key);
        struct stat st;
        if (stat(out->objects[k], &st) == 0)
            out->cached++;
        else
            pending[npending++] = k;
    }
    if (npending == 0)
        return true;

    if (jobs < 1)
        jobs = 1;
    kernel_job *running = arena_alloc(sizeof(kernel_job) * (size_t)jobs);
    int nrunning = 0, next = 0;
    bool ok = true;
    double start = cg_seconds_now();
    long pause_ns = 1000000;
    /* After a failure no new job starts, and the running ones finish into the cache. */
    while (nrunning > 0 || (ok && next < npending)) {
        while (ok && nrunning < jobs && next < npending) {
            if (!start_kernel_job(&running[nrunning], pending[next++], files, source_dir, out))
                ok = false;
            else
                nrunning++;
        }
        bool progress = false;
        for (int j = 0; j < nrunning; j++) {
            kernel_job *job = &running[j];
            int status;
            pid_t done = waitpid(job->pid, &status, WNOHANG);
            cg_spawn_result r;
            if (done == job->pid) {
                r = result_of(status);
            } else if (done < 0 && errno != EINTR) {
                r = (cg_spawn_result){CG_WAIT_FAILED, errno};
            } else if (timeout_s > 0 && cg_seconds_now() - job->start > timeout_s) {
                kill_child(job->pid, false);
                r = (cg_spawn_result){CG_TIMED_OUT, 0};
            } else {
                continue;
            }
            char first_error[sizeof out->error];
            memcpy(first_error, out->error, sizeof first_error);
            bool job_ok = finish_kernel_job(job, files, r, out);
            if (!ok) /* keep the first failure's message */
                memcpy(out->error, first_error, sizeof first_error);
            ok = ok && job_ok;
            running[j--] = running[--nrunning];
            progress = true;
        }
        if (progress)
            pause_ns = 1000000;
        else
            back_off(&pause_ns);
    }
    out->compile_s = cg_seconds_now() - start;
    return ok;
}
