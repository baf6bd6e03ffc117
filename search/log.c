/*
 * The files of a search folder: log.jsonl and search.json.
 *
 * log.jsonl holds one JSON object per candidate, in the order the search
 * met them. Numbers that are unknown (latency of a pruned candidate, a
 * score that was not computed) are written as null and read back as NaN.
 * The writer (search.c) sends each line whole with one write() on an
 * O_APPEND descriptor, so a kill can only cut the last line short, and
 * the reader ignores such a line.
 *
 * search.json holds the settings that decide which candidates a search
 * proposes, so that `--resume` can refuse different ones and `nasc report`
 * knows the objectives.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

double search_record_metric(const search_record *r, search_metric m)
{
    switch (m) {
    case METRIC_LATENCY: return r->latency_ms;
    case METRIC_PARAMS: return r->params;
    case METRIC_MACS: return r->macs;
    case METRIC_PEAK_MEMORY: return r->peak_activation_bytes;
    case METRIC_NASWOT: return r->naswot;
    case METRIC_MECO: return r->meco;
    case METRIC_EXTERNAL: return r->external;
    case METRIC_COUNT: break;
    }
    NASC_UNREACHABLE();
}

bool search_record_feasible(const search_record *r)
{
    return strcmp(r->status, "ok") == 0 && !r->violates;
}

static void add_number(cJSON *o, const char *name, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

static void add_string(cJSON *o, const char *name, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, name, s);
}

char *search_record_json(const search_record *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "genotype", r->genotype);
    cJSON_AddStringToObject(o, "status", r->status);
    add_string(o, "error", r->error);
    add_string(o, "violates", r->violates);
    if (r->same_as)
        cJSON_AddNumberToObject(o, "same_as", r->same_as);
    if (r->graph_hash)
        cJSON_AddStringToObject(o, "graph_hash",
                                arena_printf("%016" PRIx64, r->graph_hash));
    add_number(o, "params", r->params);
    add_number(o, "macs", r->macs);
    add_number(o, "peak_activation_bytes", r->peak_activation_bytes);
    add_number(o, "latency_ms", r->latency_ms);
    add_number(o, "latency_iqr_ms", r->latency_iqr_ms);
    add_number(o, "latency_min_ms", r->latency_min_ms);
    cJSON *scores = cJSON_AddObjectToObject(o, "scores");
    if (!isnan(r->naswot))
        cJSON_AddNumberToObject(scores, "naswot", r->naswot);
    if (!isnan(r->meco))
        cJSON_AddNumberToObject(scores, "meco", r->meco);
    if (!isnan(r->external))
        cJSON_AddNumberToObject(scores, "external", r->external);
    cJSON_AddNumberToObject(o, "compile_s", r->compile_s);
    cJSON_AddNumberToObject(o, "eval_s", r->eval_s);
    cJSON_AddNumberToObject(o, "kernels_compiled", r->kernels_compiled);
    cJSON_AddNumberToObject(o, "kernels_cached", r->kernels_cached);
    add_string(o, "time", r->time);

    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    size_t n = strlen(text);
    char *line = malloc(n + 2);
    NASC_ASSERT(line);
    memcpy(line, text, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    cJSON_free(text);
    return line;
}

static double get_number(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *get_string(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? arena_strdup(v->valuestring) : NULL;
}

/* Fills r from one parsed line; false when a required field is missing. */
static bool record_from_json(const cJSON *o, search_record *r)
{
    memset(r, 0, sizeof *r);
    double id = get_number(o, "id");
    r->genotype = get_string(o, "genotype");
    r->status = get_string(o, "status");
    if (isnan(id) || !r->genotype || !r->status)
        return false;
    r->id = (int)id;
    r->error = get_string(o, "error");
    r->violates = get_string(o, "violates");
    double same_as = get_number(o, "same_as");
    r->same_as = isnan(same_as) ? 0 : (int)same_as;
    const char *hash = get_string(o, "graph_hash");
    r->graph_hash = hash ? strtoull(hash, NULL, 16) : 0;
    r->params = get_number(o, "params");
    r->macs = get_number(o, "macs");
    r->peak_activation_bytes = get_number(o, "peak_activation_bytes");
    r->latency_ms = get_number(o, "latency_ms");
    r->latency_iqr_ms = get_number(o, "latency_iqr_ms");
    r->latency_min_ms = get_number(o, "latency_min_ms");
    const cJSON *scores = cJSON_GetObjectItemCaseSensitive(o, "scores");
    r->naswot = get_number(scores, "naswot");
    r->meco = get_number(scores, "meco");
    r->external = get_number(scores, "external");
    r->compile_s = get_number(o, "compile_s");
    r->eval_s = get_number(o, "eval_s");
    double compiled = get_number(o, "kernels_compiled");
    double cached = get_number(o, "kernels_cached");
    r->kernels_compiled = isnan(compiled) ? 0 : (int)compiled;
    r->kernels_cached = isnan(cached) ? 0 : (int)cached;
    r->time = get_string(o, "time");
    return true;
}

/* The whole file as an arena string, or NULL with errno set. */
static char *read_file(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    NASC_ASSERT(text);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            text = realloc(text, cap);
            NASC_ASSERT(text);
        }
    }
    fclose(f);
    text[len] = '\0';
    char *copy = arena_strndup(text, len);
    free(text);
    *size = (long)len;
    return copy;
}

bool search_read_log(const char *path, ptr_vec *records, long *valid_bytes)
{
    memset(records, 0, sizeof *records);
    *valid_bytes = 0;
    long size;
    char *text = read_file(path, &size);
    if (!text) {
        if (errno == ENOENT)
            return true;
        fprintf(stderr, "nasc: cannot read '%s': %s\n", path, strerror(errno));
        return false;
    }

    int line_number = 0;
    for (char *line = text; line < text + size;) {
        char *newline = strchr(line, '\n');
        if (!newline)
            break; /* cut short by a kill: ignored */
        *newline = '\0';
        line_number++;
        cJSON *o = cJSON_Parse(line);
        search_record *r = arena_alloc(sizeof *r);
        bool valid = o && record_from_json(o, r);
        cJSON_Delete(o);
        if (!valid) {
            fprintf(stderr, "nasc: %s:%d: invalid log line (expected a JSON object with id, "
                            "genotype and status)\n", path, line_number);
            return false;
        }
        vec_push(records, r);
        line = newline + 1;
        *valid_bytes = (long)(line - text);
    }
    return true;
}

static cJSON *string_array(const ptr_vec *items, size_t text_offset)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < items->len; i++) {
        const char *s = text_offset == (size_t)-1
                            ? items->items[i]
                            : *(const char *const *)((const char *)items->items[i] + text_offset);
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
    }
    return a;
}

bool search_write_settings(const char *path, const search_settings *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nasc", NASC_VERSION);
    cJSON_AddStringToObject(o, "file", s->file);
    if (s->network)
        cJSON_AddStringToObject(o, "network", s->network);
    else
        cJSON_AddNullToObject(o, "network");
    cJSON_AddStringToObject(o, "source_hash", arena_printf("%016" PRIx64, s->source_hash));
    cJSON_AddItemToObject(o, "set", string_array(&s->sets, (size_t)-1));
    cJSON_AddStringToObject(o, "strategy", s->strategy);
    /* A string, because a JSON number loses 64-bit integers. */
    cJSON_AddStringToObject(o, "seed", arena_printf("%" PRIu64, s->seed));
    cJSON_AddNumberToObject(o, "budget", (double)s->budget);
    cJSON_AddNumberToObject(o, "time_budget_s", s->time_budget_s);
    cJSON_AddNumberToObject(o, "population", s->population);
    cJSON_AddNumberToObject(o, "sample", s->sample);
    cJSON_AddNumberToObject(o, "batch", s->batch);
    cJSON_AddBoolToObject(o, "latency", s->latency);
    if (s->target)
        cJSON_AddStringToObject(o, "target", s->target);
    if (s->threads > 1)
        cJSON_AddNumberToObject(o, "threads", s->threads);
    if (s->score_cmd)
        cJSON_AddStringToObject(o, "score_cmd", s->score_cmd);
    else
        cJSON_AddNullToObject(o, "score_cmd");
    cJSON_AddItemToObject(o, "objectives",
                          string_array(&s->objectives, offsetof(search_objective, text)));
    cJSON_AddItemToObject(o, "constraints",
                          string_array(&s->constraints, offsetof(search_constraint, text)));
    char *text = cJSON_Print(o);
    cJSON_Delete(o);

    const char *tmp = arena_printf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fprintf(f, "%s\n", text) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    cJSON_free(text);
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "nasc: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
        return false;
    }
    return true;
}

/* Parses each string of a JSON array with parse; false on an invalid item. */
static bool read_goals(const cJSON *array, ptr_vec *out, bool constraints, const char *path)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, array) {
        if (!cJSON_IsString(item))
            return false;
        const char *text = arena_strdup(item->valuestring);
        const char *error;
        int offset;
        void *goal = constraints ? arena_alloc(sizeof(search_constraint))
                                 : arena_alloc(sizeof(search_objective));
        bool ok = constraints ? search_parse_constraint(text, goal, &error, &offset)
                              : search_parse_objective(text, goal, &error, &offset);
        if (!ok) {
            fprintf(stderr, "nasc: %s: invalid %s '%s': %s\n", path,
                    constraints ? "constraint" : "objective", text, error);
            return false;
        }
        vec_push(out, goal);
    }
    return true;
}

bool search_read_settings(const char *path, search_settings *s)
{
    memset(s, 0, sizeof *s);
    long size;
    char *text = read_file(path, &size);
    if (!text) {
        fprintf(stderr, "nasc: cannot read '%s': %s\n", path, strerror(errno));
        return false;
    }
    cJSON *o = cJSON_Parse(text);
    s->file = get_string(o, "file");
    s->network = get_string(o, "network");
    s->strategy = get_string(o, "strategy");
    const char *seed = get_string(o, "seed");
    const char *hash = get_string(o, "source_hash");
    const cJSON *objectives = cJSON_GetObjectItemCaseSensitive(o, "objectives");
    const cJSON *constraints = cJSON_GetObjectItemCaseSensitive(o, "constraints");
    bool valid = o && s->file && s->strategy && seed && hash && cJSON_IsArray(objectives) &&
                 cJSON_IsArray(constraints);
    if (valid) {
        s->seed = strtoull(seed, NULL, 10);
        s->source_hash = strtoull(hash, NULL, 16);
        double budget = get_number(o, "budget");
        s->budget = isnan(budget) ? 0 : (long)budget;
        double time_budget = get_number(o, "time_budget_s");
        s->time_budget_s = isnan(time_budget) ? 0 : time_budget;
        double population = get_number(o, "population"), sample = get_number(o, "sample");
        s->population = isnan(population) ? 0 : (int)population;
        s->sample = isnan(sample) ? 0 : (int)sample;
        double batch = get_number(o, "batch");
        s->batch = isnan(batch) ? 0 : (int)batch;
        s->latency = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "latency"));
        s->score_cmd = get_string(o, "score_cmd");
        s->target = get_string(o, "target");
        double threads = get_number(o, "threads");
        s->threads = isnan(threads) ? 1 : (int)threads;
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(o, "set")) {
            if (cJSON_IsString(item))
                vec_push(&s->sets, arena_strdup(item->valuestring));
        }
        valid = read_goals(objectives, &s->objectives, false, path) &&
                read_goals(constraints, &s->constraints, true, path) &&
                s->objectives.len > 0;
    }
    cJSON_Delete(o);
    if (!valid)
        fprintf(stderr, "nasc: '%s' is not the settings file of a search (expected file, "
                        "strategy, seed, objectives and constraints)\n", path);
    return valid;
}
