/*
 * Loading a program: the main file, then every file it imports, breadth
 * first, each once (files are identified by their resolved path, so import
 * cycles are harmless). Before parsing, each file is checked for NUL bytes
 * and invalid UTF-8, reported once per file.
 *
 * An import path is searched next to the importing file, then in each
 * folder of NASC_PATH, then in the standard library.
 */
#include "frontend.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NASC_STDLIB_DIR
#define NASC_STDLIB_DIR "/usr/local/share/nasc/stdlib"
#endif

static const char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(path, (size_t)(slash - path));
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *fe_stdlib_dir(void)
{
    /* Kept outside the arena, which arena_reset frees between compilations. */
    static char found[PATH_MAX];
    if (found[0])
        return found;
    const char *dir = NULL;

    /*
     * Beside the executable first, so that a build in the source tree uses its
     * own stdlib/, then PREFIX/share/nasc/stdlib relative to PREFIX/bin/nasc,
     * so that an installed tree still works after being moved.
     */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        const char *exe_dir = dir_of(exe);
        const char *candidates[] = {
            arena_printf("%s/stdlib", exe_dir),
            arena_printf("%s/../share/nasc/stdlib", exe_dir),
        };
        for (int i = 0; i < 2; i++) {
            struct stat st;
            if (!dir && stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
                dir = candidates[i];
        }
    }
    if (!dir)
        dir = NASC_STDLIB_DIR;
    snprintf(found, sizeof found, "%s", dir);
    return found;
}

/* Reads a whole file into the arena; reports and returns NULL on failure. */
static char *read_file(const char *path, src_loc from, size_t *len)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        diag_error(from, "cannot read '%s': it is a directory, not a .nas file", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(from, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096;
    size_t used = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (used == cap) {
            /* One byte more than the limit is enough to tell that a file exceeds it. */
            if (cap > FE_MAX_FILE_BYTES) {
                diag_error(from, "'%s' is larger than %u MiB", path, FE_MAX_FILE_BYTES >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap * 2 > FE_MAX_FILE_BYTES ? FE_MAX_FILE_BYTES + 1 : cap * 2;
            buf = realloc(buf, cap);
            if (!buf) {
                fprintf(stderr, "nasc: out of memory\n");
                exit(1);
            }
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        diag_error(from, "cannot read '%s'", path);
        free(buf);
        return NULL;
    }
    char *text = arena_strndup(buf, used);
    free(buf);
    *len = used;
    return text;
}

/* Reports the first NUL byte and the first invalid UTF-8 sequence of a file. */
static void check_encoding(int file)
{
    const src_file *f = src_get(file);
    const unsigned char *t = (const unsigned char *)f->text;
    bool nul_seen = false;
    bool invalid_seen = false;
    for (size_t i = 0; i < f->len;) {
        if (t[i] == 0 && !nul_seen) {
            diag_error((src_loc){file, (uint32_t)i, (uint32_t)i + 1},
                       "NUL byte in source (a .nas file is UTF-8 text)");
            nul_seen = true;
        }
        int n = diag_utf8_length(t + i, f->len - i);
        if (n == 0) {
            if (!invalid_seen)
                diag_error((src_loc){file, (uint32_t)i, (uint32_t)i + 1},
                           "invalid UTF-8 byte 0x%02x (a .nas file is UTF-8 text)", t[i]);
            invalid_seen = true;
            n = 1;
        }
        i += (size_t)n;
    }
}

static int add_source(const char *path, src_loc from)
{
    size_t len = 0;
    char *text = read_file(path, from, &len);
    if (!text)
        return -1;
    if (len > FE_MAX_FILE_BYTES) {
        diag_error(from, "'%s' is larger than %u MiB", path, FE_MAX_FILE_BYTES >> 20);
        return -1;
    }
    int file = src_add(path, text, len);
    check_encoding(file);
    return file;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/*
 * Finds an import; returns the path to open, or NULL. A file never imports
 * itself, so examples/resnet.nas importing "resnet.nas" gets the library's.
 */
static const char *resolve_import(const char *name, const char *importer)
{
    if (name[0] == '/')
        return is_regular_file(name) ? name : NULL;

    const char *candidate = arena_printf("%s/%s", dir_of(importer), name);
    if (is_regular_file(candidate) && !same_file(candidate, importer))
        return candidate;

    const char *env = getenv("NASC_PATH");
    if (env) {
        const char *p = env;
        while (*p) {
            const char *end = strchr(p, ':');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len > 0) {
                candidate = arena_printf("%.*s/%s", (int)len, p, name);
                if (is_regular_file(candidate))
                    return candidate;
            }
            p += len + (end ? 1 : 0);
        }
    }

    candidate = arena_printf("%s/%s", fe_stdlib_dir(), name);
    if (is_regular_file(candidate))
        return candidate;
    return NULL;
}

static bool already_loaded(ptr_vec *seen, const char *path)
{
    char resolved[PATH_MAX];
    const char *key = realpath(path, resolved) ? resolved : path;
    for (int i = 0; i < seen->len; i++)
        if (strcmp(seen->items[i], key) == 0)
            return true;
    vec_push(seen, arena_strdup(key));
    return false;
}

static const char *const reserved_names[] = {
    "conv", "linear", "bn", "relu", "relu6", "hardswish", "hardsigmoid", "sigmoid", "dropout",
    "maxpool", "avgpool", "global_avgpool", "add", "mul", "concat", "split", "shuffle",
    "flatten", "identity", "zero", "min", "max", "int", "float", "round", "len", "range", "str",
};

static const char *decl_kind_name(ast_decl_kind kind)
{
    switch (kind) {
    case DECL_BLOCK: return "block";
    case DECL_FN: return "function";
    case DECL_NETWORK: return "network";
    case DECL_IMPORT: return "import";
    }
    NASC_UNREACHABLE();
}

/* Warns about statements after a `return` in the same body; they never run. */
static void warn_unreachable(const ast_stmt *s)
{
    for (; s; s = s->next) {
        if (s->kind == ST_RETURN && s->next) {
            diag_warning(s->next->loc, "this statement follows 'return' and never runs");
            return;
        }
        if (s->kind == ST_IF) {
            warn_unreachable(s->body);
            warn_unreachable(s->else_body);
        } else if (s->kind == ST_REPEAT) {
            warn_unreachable(s->body);
        }
    }
}

static void add_global(fe_program *p, ast_decl *d)
{
    warn_unreachable(d->body);
    for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++) {
        if (strcmp(d->name, reserved_names[i]) == 0) {
            diag_error(d->loc, "%s '%s' has the name of a built-in op or function",
                       decl_kind_name(d->kind), d->name);
            return;
        }
    }
    for (int i = 0; i < p->decls.len; i++) {
        ast_decl *other = p->decls.items[i];
        if (strcmp(other->name, d->name) != 0)
            continue;
        if (other->loc.file == d->loc.file) {
            diag_error(d->loc, "'%s' is already defined", d->name);
            diag_note(other->loc, "the earlier definition of '%s' is here", d->name);
        } else {
            /* Files load importer first: report at the importer, which the user edits. */
            diag_error(other->loc, "'%s' is also defined in the imported file '%s'", d->name,
                       src_get(d->loc.file)->path);
            diag_note(d->loc, "the imported definition of '%s' is here", d->name);
        }
        return;
    }
    vec_push(&p->decls, d);
}

/* Parses the registered main file, then its imports breadth first. */
static fe_program *load_program(int main_file, const char *path)
{
    int errors_before = diag_error_count();
    fe_program *p = arena_alloc(sizeof *p);
    ptr_vec seen = {0};
    already_loaded(&seen, path);
    p->main = ast_parse(main_file);
    vec_push(&p->files, p->main);

    /* p->files grows while it is walked: each file's imports join the end. */
    for (int f = 0; f < p->files.len; f++) {
        ast_file *file = p->files.items[f];
        const char *importer = src_get(file->file)->path;
        for (int i = 0; i < file->decls.len; i++) {
            ast_decl *d = file->decls.items[i];
            if (d->kind != DECL_IMPORT) {
                add_global(p, d);
                continue;
            }
            const char *found = resolve_import(d->name, importer);
            const char *with_suffix = arena_printf("%s.nas", d->name);
            if (!found && resolve_import(with_suffix, importer)) {
                diag_error(d->loc, "cannot find '%s' to import; did you mean \"%s\"?", d->name,
                           with_suffix);
                continue;
            }
            if (!found) {
                diag_error(d->loc, "cannot find '%s' to import (searched next to '%s', in "
                                   "NASC_PATH and in the standard library '%s')",
                           d->name, importer, fe_stdlib_dir());
                continue;
            }
            if (already_loaded(&seen, found))
                continue;
            int id = add_source(found, d->loc);
            if (id >= 0)
                vec_push(&p->files, ast_parse(id));
        }
    }
    return diag_error_count() > errors_before ? NULL : p;
}

fe_program *fe_load(const char *path)
{
    int errors_before = diag_error_count();
    int file = add_source(path, SRC_NONE);
    if (file < 0)
        return NULL;
    fe_program *p = load_program(file, path);
    return diag_error_count() > errors_before ? NULL : p;
}

fe_program *fe_load_text(const char *path, const char *text, size_t len)
{
    int errors_before = diag_error_count();
    int file = src_add(path, arena_strndup(text, len), len);
    check_encoding(file);
    fe_program *p = load_program(file, path);
    return diag_error_count() > errors_before ? NULL : p;
}

ptr_vec fe_networks(const fe_program *p)
{
    ptr_vec out = {0};
    for (int i = 0; i < p->main->decls.len; i++) {
        ast_decl *d = p->main->decls.items[i];
        if (d->kind == DECL_NETWORK)
            vec_push(&out, d);
    }
    return out;
}

const ast_decl *fe_find_network(const fe_program *p, const char *name)
{
    ptr_vec nets = fe_networks(p);
    const char *path = src_get(p->main->file)->path;
    const char *list = "";
    for (int i = 0; i < nets.len; i++)
        list = arena_printf("%s%s%s", list, i ? ", " : "", ((ast_decl *)nets.items[i])->name);
    if (name) {
        for (int i = 0; i < nets.len; i++)
            if (strcmp(((ast_decl *)nets.items[i])->name, name) == 0)
                return nets.items[i];
        if (nets.len == 0)
            diag_error(SRC_NONE, "'%s' defines no network named '%s' (it defines none)", path,
                       name);
        else
            diag_error(SRC_NONE, "'%s' defines no network named '%s' (it defines %s)", path,
                       name, list);
        return NULL;
    }
    if (nets.len == 1)
        return nets.items[0];
    if (nets.len == 0) {
        diag_error(SRC_NONE, "'%s' defines no network", path);
        return NULL;
    }
    diag_error(SRC_NONE, "'%s' defines several networks (%s); choose one with --network NAME",
               path, list);
    return NULL;
}

static bool is_identifier(const char *s, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    return true;
}

fe_override *fe_parse_override(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || !is_identifier(arg, (size_t)(eq - arg))) {
        diag_error(SRC_NONE, "invalid --set '%s'; write --set NAME=VALUE, e.g. --set width=0.75",
                   arg);
        return NULL;
    }
    const char *name = arena_strndup(arg, (size_t)(eq - arg));
    const char *text = eq + 1;

    /* The option is its own source, so an error points into the option's text. */
    int errors_before = diag_error_count();
    int file = src_add("--set", arena_strdup(arg), strlen(arg));
    check_encoding(file);
    ast_file *parsed = ast_parse_value(file, (uint32_t)(text - arg));
    if (diag_error_count() > errors_before)
        return NULL;
    if (!parsed->value) {
        diag_error(SRC_NONE, "--set %s has no value; write --set %s=VALUE", name, name);
        return NULL;
    }
    fe_override *o = arena_alloc(sizeof *o);
    o->name = name;
    o->name_loc = (src_loc){file, 0, (uint32_t)(eq - arg)};
    o->value = parsed->value;
    return o;
}

/* True when `text` declares `block NAME(` or `fn NAME(` at the start of a line. */
static bool declares(const char *text, const char *name)
{
    const char *kinds[] = {"block ", "fn "};
    for (int k = 0; k < 2; k++) {
        const char *pattern = arena_printf("%s%s(", kinds[k], name);
        for (const char *p = strstr(text, pattern); p; p = strstr(p + 1, pattern))
            if (p == text || p[-1] == '\n')
                return true;
    }
    return false;
}

const char *fe_stdlib_file_defining(const char *name)
{
    DIR *dir = opendir(fe_stdlib_dir());
    if (!dir)
        return NULL;
    const char *found = NULL;
    struct dirent *entry;
    while (!found && (entry = readdir(dir)) != NULL) {
        size_t len = strlen(entry->d_name);
        if (len < 5 || strcmp(entry->d_name + len - 4, ".nas") != 0)
            continue;
        const char *path = arena_printf("%s/%s", fe_stdlib_dir(), entry->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FE_MAX_FILE_BYTES)
            continue;
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *text = arena_alloc((size_t)st.st_size + 1);
        size_t got = fread(text, 1, (size_t)st.st_size, f);
        text[got] = '\0';
        fclose(f);
        if (declares(text, name))
            found = arena_strdup(entry->d_name);
    }
    closedir(dir);
    return found;
}
