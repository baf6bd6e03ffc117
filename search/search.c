/*
 * `nasc search`: the command line, the setup of a search folder, and the
 * results written at the end.
 *
 * Everything the user gives is checked before anything is written: the
 * options, the space, the constraints and objectives (from the file's
 * directives, replaced on the command line), and, with --resume, that the
 * settings equal those in DIR/search.json. Then the strategy runs
 * (strategies.c) and, whatever ended it (budget, time, the space, SIGINT
 * or SIGTERM), DIR/pareto.json, DIR/best.nas and DIR/best/ are written and
 * the Pareto front is printed.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../codegen/codegen.h"
#include "../codegen/compile.h"
#include "search.h"

enum { EXIT_INPUT_ERROR = 1, EXIT_USAGE = 2 };

/* Defaults, each a compromise between the search's speed and its precision. */
#define DEFAULT_BUDGET 100
#define DEFAULT_POPULATION 20
#define DEFAULT_SAMPLE 5
#define DEFAULT_BATCH 16
#define DEFAULT_TIMEOUT_S 60.0
#define DEFAULT_MIN_TIME_S 0.2
#define DEFAULT_WARMUP 2
#define DEFAULT_OBJECTIVE "maximize naswot"

const char search_help_details[] =
    "Searches the space of FILE's network (its choice points) and writes into DIR:\n"
    "log.jsonl, one JSON line per candidate; search.json, the settings;\n"
    "pareto.json, the Pareto front over the objectives and latency; best.nas, the\n"
    "best feasible candidate by the first objective as a concrete network; and\n"
    "best/, its standalone C (as 'nasc build'). SIGINT or SIGTERM ends the search\n"
    "after the current candidate and still writes the results.\n"
    "\n"
    "  --out DIR          the search folder, created if missing (required)\n"
    "  --strategy NAME    random (default), evolution (regularized evolution),\n"
    "                     local (local search) or exhaustive\n"
    "  --budget N         candidates to evaluate, isomorphic duplicates not\n"
    "                     counted (default 100; 0: no limit)\n"
    "  --time-budget T    stop after T of this run: seconds, or with s, m or h\n"
    "  --seed N           random seed of the strategy, the weights and the scores\n"
    "                     (default 0)\n"
    "  --resume           continue the search in DIR, replaying its log; the\n"
    "                     settings must be the same (the budgets may change)\n"
    "  --constraint TEXT  e.g. \"params <= 2M\", \"latency < 5 ms\",\n"
    "                     \"peak_memory <= 512 KiB\"; replaces the file's constraint\n"
    "                     on the same metric; may be repeated\n"
    "  --objective TEXT   e.g. \"maximize naswot\", \"minimize latency\"; the\n"
    "                     first ranks candidates; given ones replace the file's\n"
    "                     (default: " DEFAULT_OBJECTIVE ")\n"
    "  --score-cmd CMD    run CMD DIR/work/ID for each candidate; the number it\n"
    "                     prints is the score 'external'\n"
    "  --timeout S        limit of each child process in seconds (default 60)\n"
    "  --min-time S       time each candidate for at least S seconds (default 0.2)\n"
    "  --target T         instruction set of the generated code: host (default),\n"
    "                     avx512, avx2 or scalar; see 'nasc help build'\n"
    "  --threads N        time candidates with N threads of the generated code\n"
    "                     (default 1); see 'nasc help build'\n"
    "  --warmup N         untimed runs before timing (default 2)\n"
    "  --batch N          mini-batch of NASWOT and MeCo (default 16)\n"
    "  --population P     evolution: population size (default 20)\n"
    "  --sample S         evolution: sample size (default 5)\n"
    "  --no-latency       do not time candidates\n"
    "  --keep             keep each candidate's folder DIR/work/ID\n"
    "  --network NAME     the network to search, when FILE declares several\n"
    "  --set NAME=VALUE   replace the default of a network parameter\n";

typedef struct {
    search_settings s;
    const char *out;
    bool resume;
    bool keep_work;
    double timeout_s, min_time_s;
    int warmup;
    ptr_vec cli_constraints; /* of const char * */
    ptr_vec cli_objectives;  /* of const char * */
    ptr_vec overrides;       /* of fe_override */
} search_options;

static int usage(const char *message)
{
    fprintf(stderr, "nasc: %s\nRun 'nasc help search' for its options.\n", message);
    return EXIT_USAGE;
}

/* Parses a non-negative number; whole numbers only when `whole`. */
static bool parse_number(const char *text, bool whole, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || v < 0 || v > max || (whole && v != floor(v)))
        return false;
    *out = v;
    return true;
}

/* Seconds, optionally with a unit: "90", "90s", "10m", "2h". */
static bool parse_duration(const char *text, double *out)
{
    size_t n = strlen(text);
    double factor = 1;
    char *copy = arena_strdup(text);
    if (n > 1 && strchr("smh", text[n - 1])) {
        if (text[n - 1] == 'h')
            factor = 3600;
        else if (text[n - 1] == 'm')
            factor = 60;
        copy[n - 1] = '\0';
    }
    if (!parse_number(copy, false, 1e9, out))
        return false;
    *out *= factor;
    return true;
}

static bool is_strategy(const char *name)
{
    return strcmp(name, "random") == 0 || strcmp(name, "evolution") == 0 ||
           strcmp(name, "local") == 0 || strcmp(name, "exhaustive") == 0;
}

/* The option at argv[i] that takes a value; returns the exit status, 0 when valid. */
static int parse_valued(search_options *o, const char *a, const char *v)
{
    double n;
    if (strcmp(a, "--out") == 0) {
        o->out = v;
    } else if (strcmp(a, "--strategy") == 0) {
        if (!is_strategy(v))
            return usage(arena_printf("invalid --strategy '%s'; use random, evolution, local "
                                      "or exhaustive", v));
        o->s.strategy = v;
    } else if (strcmp(a, "--budget") == 0) {
        if (!parse_number(v, true, 1e9, &n))
            return usage(arena_printf("invalid --budget '%s'; it takes a non-negative integer", v));
        o->s.budget = (long)n;
    } else if (strcmp(a, "--time-budget") == 0) {
        if (!parse_duration(v, &o->s.time_budget_s))
            return usage(arena_printf("invalid --time-budget '%s'; write seconds, e.g. 600, "
                                      "or 10m, 2h", v));
    } else if (strcmp(a, "--seed") == 0) {
        char *end;
        errno = 0;
        unsigned long long seed = strtoull(v, &end, 10);
        if (errno || *end || !*v || v[0] == '-')
            return usage(arena_printf("invalid --seed '%s'; it takes a non-negative integer", v));
        o->s.seed = seed;
    } else if (strcmp(a, "--constraint") == 0) {
        vec_push(&o->cli_constraints, (void *)v);
    } else if (strcmp(a, "--objective") == 0) {
        vec_push(&o->cli_objectives, (void *)v);
    } else if (strcmp(a, "--score-cmd") == 0) {
        o->s.score_cmd = v;
    } else if (strcmp(a, "--target") == 0) {
        cg_target target;
        if (!cg_target_parse(v, &target))
            return usage(arena_printf("invalid --target '%s'; it takes host, avx512, avx2 or "
                                      "scalar", v));
        o->s.target = cg_target_name(target);
    } else if (strcmp(a, "--threads") == 0) {
        if (!parse_number(v, true, CG_MAX_THREADS, &n) || n < 1)
            return usage(arena_printf("invalid --threads '%s'; it takes a whole number from 1 "
                                      "to %d", v, CG_MAX_THREADS));
        o->s.threads = (int)n;
    } else if (strcmp(a, "--network") == 0) {
        o->s.network = v;
    } else if (strcmp(a, "--set") == 0) {
        fe_override *over = fe_parse_override(v);
        if (!over)
            return EXIT_INPUT_ERROR;
        vec_push(&o->overrides, over);
        vec_push(&o->s.sets, (void *)v);
    } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--min-time") == 0) {
        bool is_timeout = strcmp(a, "--timeout") == 0;
        if (!parse_number(v, false, 1e6, &n) || (is_timeout && n <= 0))
            return usage(arena_printf("invalid %s '%s'; it takes %sseconds", a, v,
                                      is_timeout ? "a positive number of " : ""));
        *(strcmp(a, "--timeout") == 0 ? &o->timeout_s : &o->min_time_s) = n;
    } else {
        bool positive = strcmp(a, "--warmup") != 0;
        if (!parse_number(v, true, 1e6, &n) || (positive && n < 1))
            return usage(arena_printf("invalid %s '%s'; it takes a %s integer", a, v,
                                      positive ? "positive" : "non-negative"));
        if (strcmp(a, "--warmup") == 0)
            o->warmup = (int)n;
        else if (strcmp(a, "--batch") == 0)
            o->s.batch = (int)n;
        else if (strcmp(a, "--population") == 0)
            o->s.population = (int)n;
        else
            o->s.sample = (int)n;
    }
    return 0;
}

static const char *const valued_options[] = {
    "--out", "--strategy", "--budget", "--time-budget", "--seed", "--constraint",
    "--objective", "--score-cmd", "--network", "--set", "--timeout", "--min-time",
    "--warmup", "--batch", "--population", "--sample", "--target", "--threads", NULL,
};

static int parse_options(int argc, char **argv, search_options *o)
{
    memset(o, 0, sizeof *o);
    o->s.strategy = "random";
    o->s.target = cg_target_name(CG_TARGET_HOST);
    o->s.threads = 1;
    o->s.budget = DEFAULT_BUDGET;
    o->s.population = DEFAULT_POPULATION;
    o->s.sample = DEFAULT_SAMPLE;
    o->s.batch = DEFAULT_BATCH;
    o->s.latency = true;
    o->timeout_s = DEFAULT_TIMEOUT_S;
    o->min_time_s = DEFAULT_MIN_TIME_S;
    o->warmup = DEFAULT_WARMUP;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool valued = false;
        for (int k = 0; valued_options[k]; k++)
            valued |= strcmp(a, valued_options[k]) == 0;
        if (valued) {
            if (i + 1 >= argc)
                return usage(arena_printf("option '%s' needs a value", a));
            int status = parse_valued(o, a, argv[++i]);
            if (status)
                return status;
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = true;
        } else if (strcmp(a, "--keep") == 0) {
            o->keep_work = true;
        } else if (strcmp(a, "--no-latency") == 0) {
            o->s.latency = false;
        } else if (a[0] == '-' && a[1]) {
            return usage(arena_printf("unknown option '%s' for 'search'", a));
        } else if (o->s.file) {
            return usage(arena_printf("more than one input file given ('%s')", a));
        } else {
            o->s.file = a;
        }
    }
    if (!o->s.file)
        return usage("'search' needs an input file: " SEARCH_USAGE);
    if (!o->out)
        return usage("'search' needs --out DIR, the folder of the search's results");
    if (strcmp(o->s.strategy, "evolution") == 0 && o->s.sample > o->s.population)
        return usage(arena_printf("--sample %d exceeds --population %d", o->s.sample,
                                  o->s.population));
    return 0;
}

/* ---- constraints and objectives ---- */

/*
 * The location of byte `offset` of a directive's text: the word there,
 * inside the string literal when its source text is the text itself (no
 * escapes), else the whole literal.
 */
static src_loc directive_loc(const sp_directive *d, int offset)
{
    const src_file *f = d->loc.file >= 0 ? src_get(d->loc.file) : NULL;
    size_t n = strlen(d->text);
    if (!f || d->loc.end - d->loc.start != n + 2 ||
        memcmp(f->text + d->loc.start + 1, d->text, n) != 0)
        return d->loc;
    size_t end = (size_t)offset;
    while (end < n && d->text[end] != ' ')
        end++;
    if (end == (size_t)offset)
        end = (size_t)offset + 1; /* underline the closing quote at the end of the text */
    uint32_t start = d->loc.start + 1;
    return (src_loc){d->loc.file, start + (uint32_t)offset, start + (uint32_t)end};
}

/* Parses the file's constraints, then lets the command line's replace them. */
static bool collect_constraints(const sp_space *space, search_options *o)
{
    ptr_vec *out = &o->s.constraints;
    for (int i = 0; i < space->constraints.len; i++) {
        const sp_directive *d = space->constraints.items[i];
        search_constraint *c = arena_alloc(sizeof *c);
        const char *error;
        int offset;
        if (!search_parse_constraint(d->text, c, &error, &offset)) {
            diag_error(directive_loc(d, offset), "invalid constraint: %s", error);
            return false;
        }
        for (int k = 0; k < out->len; k++)
            if (((search_constraint *)out->items[k])->metric == c->metric) {
                diag_error(d->loc, "a second constraint on %s; merge them into one",
                           search_metric_name(c->metric));
                return false;
            }
        vec_push(out, c);
    }

    int from_file = out->len;
    for (int i = 0; i < o->cli_constraints.len; i++) {
        const char *text = o->cli_constraints.items[i];
        search_constraint *c = arena_alloc(sizeof *c);
        const char *error;
        int offset;
        if (!search_parse_constraint(text, c, &error, &offset)) {
            fprintf(stderr, "nasc: invalid --constraint '%s': %s\n", text, error);
            return false;
        }
        bool replaced = false;
        for (int k = 0; k < out->len; k++) {
            search_constraint *old = out->items[k];
            if (old->metric != c->metric)
                continue;
            if (k >= from_file) {
                fprintf(stderr, "nasc: two --constraint options on %s ('%s' and '%s'); "
                                "give one\n", search_metric_name(c->metric), old->text, text);
                return false;
            }
            out->items[k] = c;
            replaced = true;
        }
        if (!replaced)
            vec_push(out, c);
    }
    return true;
}

/* The command line's objectives, else the file's, else the default. */
static bool collect_objectives(const sp_space *space, search_options *o)
{
    ptr_vec *out = &o->s.objectives;
    bool from_cli = o->cli_objectives.len > 0;
    int n = from_cli ? o->cli_objectives.len : space->objectives.len;
    for (int i = 0; i < n; i++) {
        const sp_directive *d = from_cli ? NULL : space->objectives.items[i];
        const char *text = from_cli ? o->cli_objectives.items[i] : d->text;
        search_objective *obj = arena_alloc(sizeof *obj);
        const char *error;
        int offset;
        if (!search_parse_objective(text, obj, &error, &offset)) {
            if (d)
                diag_error(directive_loc(d, offset), "invalid objective: %s", error);
            else
                fprintf(stderr, "nasc: invalid --objective '%s': %s\n", text, error);
            return false;
        }
        for (int k = 0; k < out->len; k++)
            if (((search_objective *)out->items[k])->metric == obj->metric) {
                const char *message = arena_printf("a second objective on %s",
                                                   search_metric_name(obj->metric));
                if (d)
                    diag_error(d->loc, "%s", message);
                else
                    fprintf(stderr, "nasc: %s ('%s')\n", message, text);
                return false;
            }
        vec_push(out, obj);
    }
    if (out->len == 0) {
        search_objective *obj = arena_alloc(sizeof *obj);
        const char *error;
        int offset;
        NASC_ASSERT(search_parse_objective(DEFAULT_OBJECTIVE, obj, &error, &offset));
        vec_push(out, obj);
    }
    return true;
}

/*
 * Checks that the score command's program exists, so that a typo fails at
 * once rather than as a score_error for every candidate. Only a plain first
 * word is checked; a command that starts with quotes or a variable is run
 * as given.
 */
static bool check_score_command(const char *command)
{
    const char *start = command + strspn(command, " \t");
    size_t n = strcspn(start, " \t");
    if (n == 0 || strcspn(start, "'\"$`\\") < n)
        return true;
    char *word = arena_strndup(start, n);
    char *argv[] = {"/bin/sh", "-c", "command -v \"$1\" >/dev/null 2>&1", "nasc", word, NULL};
    cg_spawn_options options = {0};
    options.timeout_s = 10;
    cg_spawn_result r = cg_spawn(argv, &options);
    if (r.outcome == CG_EXITED && r.code != 0) {
        fprintf(stderr, "nasc: the score command '%s' cannot run: '%s' is not found (give a "
                        "path, or a program on PATH)\n", command, word);
        return false;
    }
    return true;
}

/* Checks that every metric the goals use will be measured. */
static bool check_goals_measurable(const search_options *o)
{
    if (o->s.score_cmd && !check_score_command(o->s.score_cmd))
        return false;
    for (int i = 0; i < o->s.objectives.len; i++) {
        const search_objective *obj = o->s.objectives.items[i];
        if (obj->metric == METRIC_EXTERNAL && !o->s.score_cmd) {
            fprintf(stderr, "nasc: the objective '%s' needs --score-cmd CMD\n", obj->text);
            return false;
        }
        if (obj->metric == METRIC_LATENCY && !o->s.latency) {
            fprintf(stderr, "nasc: the objective '%s' needs latency, which --no-latency "
                            "turns off\n", obj->text);
            return false;
        }
    }
    for (int i = 0; i < o->s.constraints.len; i++) {
        const search_constraint *c = o->s.constraints.items[i];
        if (c->metric == METRIC_LATENCY && !o->s.latency) {
            fprintf(stderr, "nasc: the constraint '%s' needs latency, which --no-latency "
                            "turns off\n", c->text);
            return false;
        }
    }
    return true;
}

/* ---- the search folder ---- */

static uint64_t hash_file(const char *path)
{
    uint64_t h = 1469598103934665603u;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int c;
    while ((c = getc(f)) != EOF)
        h = (h ^ (unsigned char)c) * 1099511628211u;
    fclose(f);
    return h;
}

static const char *goal_texts(const ptr_vec *goals, bool constraints)
{
    const char *text = "";
    for (int i = 0; i < goals->len; i++) {
        const char *t = constraints ? ((search_constraint *)goals->items[i])->text
                                    : ((search_objective *)goals->items[i])->text;
        text = arena_printf("%s%s\"%s\"", text, i ? ", " : "", t);
    }
    return *text ? text : "none";
}

static const char *string_list(const ptr_vec *v)
{
    const char *text = "";
    for (int i = 0; i < v->len; i++)
        text = arena_printf("%s%s%s", text, i ? " " : "", (const char *)v->items[i]);
    return *text ? text : "none";
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The target of the generated code: --target, resolved to this machine's by default. */
static cg_target settings_target(const search_settings *s)
{
    cg_target t = CG_TARGET_HOST;
    if (s->target)
        cg_target_parse(s->target, &t);
    return cg_target_resolve(t);
}

/* Compares the settings that decide the candidates; prints the first difference. */
static bool same_settings(const search_settings *saved, const search_settings *now,
                          const char *dir)
{
    const char *field = NULL, *there = NULL, *here = NULL;
#define DIFFER(name, a, b) \
    do { if (!field) { field = name; there = a; here = b; } } while (0)
    if (!same_text(saved->file, now->file))
        DIFFER("input file", saved->file, now->file);
    if (saved->source_hash != now->source_hash && !field) {
        fprintf(stderr, "nasc: cannot resume the search in '%s': '%s' was edited since the "
                        "search started; restore it, or choose another --out folder\n",
                dir, now->file);
        return false;
    }
    if (!same_text(saved->network, now->network))
        DIFFER("network", saved->network ? saved->network : "the only one",
               now->network ? now->network : "the only one");
    if (strcmp(string_list(&saved->sets), string_list(&now->sets)) != 0)
        DIFFER("--set values", string_list(&saved->sets), string_list(&now->sets));
    if (strcmp(saved->strategy, now->strategy) != 0)
        DIFFER("strategy", saved->strategy, now->strategy);
    if (saved->seed != now->seed)
        DIFFER("seed", arena_printf("%llu", (unsigned long long)saved->seed),
               arena_printf("%llu", (unsigned long long)now->seed));
    if (strcmp(saved->strategy, "evolution") == 0 &&
        (saved->population != now->population || saved->sample != now->sample))
        DIFFER("population and sample", arena_printf("%d, %d", saved->population, saved->sample),
               arena_printf("%d, %d", now->population, now->sample));
    if (saved->batch != now->batch)
        DIFFER("batch", arena_printf("%d", saved->batch), arena_printf("%d", now->batch));
    if (saved->latency != now->latency)
        DIFFER("latency setting", saved->latency ? "measured" : "--no-latency",
               now->latency ? "measured" : "--no-latency");
    if (saved->latency && saved->target && !same_text(saved->target, now->target))
        DIFFER("target", saved->target, now->target);
    if (saved->latency && saved->threads != now->threads)
        DIFFER("threads", arena_printf("%d", saved->threads), arena_printf("%d", now->threads));
    if (!same_text(saved->score_cmd, now->score_cmd))
        DIFFER("score command", saved->score_cmd ? saved->score_cmd : "none",
               now->score_cmd ? now->score_cmd : "none");
    if (strcmp(goal_texts(&saved->objectives, false), goal_texts(&now->objectives, false)) != 0)
        DIFFER("objectives", goal_texts(&saved->objectives, false),
               goal_texts(&now->objectives, false));
    if (strcmp(goal_texts(&saved->constraints, true), goal_texts(&now->constraints, true)) != 0)
        DIFFER("constraints", goal_texts(&saved->constraints, true),
               goal_texts(&now->constraints, true));
#undef DIFFER
    if (!field)
        return true;
    fprintf(stderr, "nasc: cannot resume the search in '%s': it was started with %s %s, "
                    "and this command gives %s; give the same settings, or choose another "
                    "--out folder\n",
            dir, field, there, here);
    return false;
}

/* Creates dir and its missing parents. */
static bool make_dirs(const char *dir)
{
    char *path = arena_strdup(dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(path, 0777);
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "nasc: cannot create the folder '%s': %s\n", dir, strerror(errno));
        return false;
    }
    return true;
}

/*
 * Checks DIR against --resume and loads the log's records; cuts off a
 * last line that a kill left incomplete. Writes nothing else.
 */
static bool prepare_folder(const search_options *o, ptr_vec *logged, long *valid_bytes)
{
    const char *log_path = arena_printf("%s/log.jsonl", o->out);
    const char *settings_path = arena_printf("%s/search.json", o->out);
    struct stat st;
    memset(logged, 0, sizeof *logged);
    *valid_bytes = 0;
    if (!o->resume) {
        if (stat(log_path, &st) == 0 && st.st_size > 0) {
            fprintf(stderr, "nasc: '%s' already contains a search; add --resume to continue it, "
                            "or choose another --out folder\n", o->out);
            return false;
        }
        return true;
    }
    if (stat(settings_path, &st) != 0) {
        fprintf(stderr, "nasc: cannot resume: '%s' contains no search (search.json is missing)\n", o->out);
        return false;
    }
    search_settings saved;
    if (!search_read_settings(settings_path, &saved) || !same_settings(&saved, &o->s, o->out))
        return false;
    return search_read_log(log_path, logged, valid_bytes);
}

/* Opens the log for appending, after cutting it to its complete lines. */
static int open_log(const search_options *o, long valid_bytes)
{
    const char *path = arena_printf("%s/log.jsonl", o->out);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, valid_bytes) != 0) {
        fprintf(stderr, "nasc: cannot open '%s': %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* ---- results ---- */

static bool write_pareto(const search_options *o, const ptr_vec *front)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *objectives = cJSON_AddArrayToObject(root, "objectives");
    for (int i = 0; i < o->s.objectives.len; i++)
        cJSON_AddItemToArray(objectives, cJSON_CreateString(
                                             ((search_objective *)o->s.objectives.items[i])->text));
    cJSON_AddBoolToObject(root, "latency", o->s.latency);
    cJSON *candidates = cJSON_AddArrayToObject(root, "front");
    for (int i = 0; i < front->len; i++) {
        char *line = search_record_json(front->items[i]);
        cJSON_AddItemToArray(candidates, cJSON_Parse(line));
        free(line);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    const char *path = arena_printf("%s/pareto.json", o->out);
    FILE *f = fopen(path, "w");
    bool ok = f && fprintf(f, "%s\n", text) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    cJSON_free(text);
    if (!ok)
        fprintf(stderr, "nasc: cannot write '%s': %s\n", path, strerror(errno));
    return ok;
}

/* Writes best.nas and best/ for the record r. */
static bool write_best(search_state *st, const search_options *o, const search_record *r,
                       const char *command_line)
{
    const char *error;
    sp_genotype *g = sp_parse(st->space, r->genotype, &error);
    if (!g) {
        fprintf(stderr, "nasc: the best genotype '%s' does not parse: %s\n", r->genotype, error);
        return false;
    }
    sp_candidate c;
    bool valid = sp_build(st->space, g, NULL, &c);
    sp_genotype_free(g);
    sp_genotype_free(c.genotype);
    if (!valid) {
        fprintf(stderr, "nasc: the best candidate #%d no longer builds: %s\n", r->id, c.error);
        return false;
    }

    const char *path = arena_printf("%s/best.nas", o->out);
    FILE *f = fopen(path, "w");
    const char *comment = arena_printf(
        "The best candidate (#%d) of: %s\ngenotype: %s\n%s: %g", r->id, command_line,
        r->genotype, search_metric_name(st->first->metric),
        search_record_metric(r, st->first->metric));
    error = f ? ir_write_nas(f, c.graph, comment) : strerror(errno);
    if (f && fclose(f) != 0 && !error)
        error = strerror(errno);
    if (error) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", path, error);
        return false;
    }

    cg_program *p = cg_lower(c.graph);
    cg_plan(p);
    float *weights = cg_weights(p, NULL, o->s.seed);
    if (!weights)
        return false;
    cg_options co = {.out_dir = arena_printf("%s/best", o->out), .command_line = command_line,
                     .target = settings_target(&o->s), .threads = o->s.threads};
    return cg_emit(p, weights, &co);
}

static int write_results(search_state *st, const search_options *o, const char *command_line)
{
    ptr_vec front = search_pareto(&st->records, &o->s);
    bool ok = write_pareto(o, &front);

    /*
     * The best by the first objective is the head of the Pareto front, which
     * is sorted by that objective, so a tie goes to the candidate the other
     * axes favour. Without a rankable candidate, the whole log decides.
     */
    const search_record *best = NULL;
    for (int i = 0; i < st->records.len; i++) {
        const search_record *r = st->records.items[i];
        if (search_record_feasible(r) &&
            (!best || search_fitness(r, st->first) > search_fitness(best, st->first)))
            best = r;
    }
    if (front.len > 0)
        best = front.items[0];
    printf("search ended: %s; %ld candidates, %ld measured in this run\n", st->stop_reason,
           st->reached, st->measured);
    if (best) {
        ok = write_best(st, o, best, command_line) && ok;
        printf("best by %s: #%d %s\n", st->first->text, best->id, best->genotype);
        printf("wrote %s/pareto.json, %s/best.nas and %s/best/\n", o->out, o->out, o->out);
    } else {
        printf("no feasible candidate: nothing satisfied the constraints, or every "
               "measurement failed (see 'nasc report %s')\n", o->out);
    }
    printf("\nPareto front (%d candidate%s):\n", front.len, front.len == 1 ? "" : "s");
    search_print_table(stdout, &front, &o->s);
    return ok ? 0 : EXIT_INPUT_ERROR;
}

/* ---- the command ---- */

/* Opens the space and settles the goals; NULL after reported errors. */
static sp_space *open_space(search_options *o)
{
    fe_program *program = fe_load(o->s.file);
    if (!program)
        return NULL;
    const ast_decl *network = fe_find_network(program, o->s.network);
    if (!network)
        return NULL;
    sp_space *space = sp_open(program, network, &o->overrides);
    if (!space)
        return NULL;
    if (!collect_constraints(space, o) || !collect_objectives(space, o) ||
        !check_goals_measurable(o)) {
        sp_close(space);
        return NULL;
    }
    return space;
}

bool search_check_directives(const sp_space *space)
{
    search_options o;
    memset(&o, 0, sizeof o);
    return collect_constraints(space, &o) && collect_objectives(space, &o);
}

static void init_state(search_state *st, sp_space *space, const search_options *o)
{
    memset(st, 0, sizeof *st);
    st->space = space;
    st->settings = &o->s;
    st->first = o->s.objectives.items[0];
    st->out_dir = o->out;
    st->keep_work = o->keep_work;
    st->rng = o->s.seed;
    st->next_id = 1;
    st->progress_tty = isatty(STDERR_FILENO);
    double log10_size = sp_size_log10(space);
    st->space_size = log10_size < 15 ? strtod(sp_size_text(space), NULL) : -1;

    ev_config *ev = &st->ev;
    ev->timeout_s = o->timeout_s;
    ev->min_time_s = o->min_time_s;
    ev->warmup = o->warmup;
    ev->latency = o->s.latency;
    ev->batch = o->s.batch;
    ev->seed = o->s.seed;
    ev->score_cmd = o->s.score_cmd;
    ev->target = settings_target(&o->s);
    ev->threads = o->s.threads;
    for (int i = 0; i < o->s.objectives.len; i++) {
        search_metric m = ((search_objective *)o->s.objectives.items[i])->metric;
        ev->naswot |= m == METRIC_NASWOT;
        ev->meco |= m == METRIC_MECO;
    }
}

static int search_in_space(sp_space *space, search_options *o, const char *command_line);

int search_main(int argc, char **argv, const char *command_line)
{
    search_options o;
    int status = parse_options(argc, argv, &o);
    if (status)
        return status;
    sp_space *space = open_space(&o);
    if (!space)
        return EXIT_INPUT_ERROR;
    status = search_in_space(space, &o, command_line);
    sp_close(space);
    return status;
}

static int search_in_space(sp_space *space, search_options *op, const char *command_line)
{
    search_options o = *op;
    int status;
    o.s.source_hash = hash_file(o.s.file);

    ptr_vec logged;
    long valid_bytes;
    if (!prepare_folder(&o, &logged, &valid_bytes))
        return EXIT_INPUT_ERROR;
    if (!make_dirs(o.out) ||
        !search_write_settings(arena_printf("%s/search.json", o.out), &o.s))
        return EXIT_INPUT_ERROR;
    search_state st;
    init_state(&st, space, &o);
    st.log_fd = open_log(&o, valid_bytes);
    if (st.log_fd < 0)
        return EXIT_INPUT_ERROR;
    for (int i = 0; i < logged.len; i++) {
        search_record *r = logged.items[i];
        search_add_record(&st, r);
        if (r->id >= st.next_id)
            st.next_id = r->id + 1;
    }
    st.nlogged = logged.len;
    fprintf(stderr, "searching %s candidates with %s (seed %llu)%s\n", sp_size_text(space),
            o.s.strategy, (unsigned long long)o.s.seed,
            logged.len ? arena_printf("; %d logged candidates to replay", logged.len) : "");

    struct sigaction action, old_int, old_term;
    memset(&action, 0, sizeof action);
    action.sa_handler = search_request_stop;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    search_run(&st);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    close(st.log_fd);
    if (!o.keep_work)
        rmdir(arena_printf("%s/work", o.out)); /* fails, as it should, when not empty */

    status = write_results(&st, &o, command_line);
    search_free_state(&st);
    return status;
}
