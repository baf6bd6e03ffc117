/*
 * The compilation arena: a list of large chunks carved front to back.
 * Requests bigger than a quarter of a chunk get a chunk of their own, so a
 * big request never wastes the rest of the current chunk. Nothing is freed
 * piece by piece: arena_reset returns every chunk to malloc, and
 * arena_release returns what was allocated after an arena_mark, which lets
 * the searcher build thousands of candidates in bounded memory.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (1u << 20)
#define ALIGNMENT 16

typedef struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    _Alignas(ALIGNMENT) unsigned char data[];
} chunk;

static chunk *chunks;

static chunk *new_chunk(size_t size)
{
    chunk *c = malloc(sizeof(chunk) + size);
    if (!c) {
        fprintf(stderr, "nasc: out of memory\n");
        exit(1);
    }
    c->size = size;
    c->used = 0;
    return c;
}

void *arena_alloc(size_t size)
{
    if (size > SIZE_MAX / 2) {
        fprintf(stderr, "nasc: out of memory (a request of %zu bytes)\n", size);
        exit(1);
    }
    size = (size + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
    if (size == 0)
        size = ALIGNMENT;

    if (size > CHUNK_SIZE / 4) {
        /* Link behind the current chunk so that it keeps serving. */
        chunk *c = new_chunk(size);
        c->used = size;
        if (chunks) {
            c->next = chunks->next;
            chunks->next = c;
        } else {
            c->next = NULL;
            chunks = c;
        }
        memset(c->data, 0, size);
        return c->data;
    }

    if (!chunks || chunks->size - chunks->used < size) {
        chunk *c = new_chunk(CHUNK_SIZE);
        c->next = chunks;
        chunks = c;
    }
    void *p = chunks->data + chunks->used;
    chunks->used += size;
    memset(p, 0, size);
    return p;
}

void *arena_grow(void *old, size_t old_size, size_t new_size)
{
    void *p = arena_alloc(new_size);
    if (old)
        memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

char *arena_strndup(const char *s, size_t n)
{
    char *p = arena_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(const char *s)
{
    return arena_strndup(s, strlen(s));
}

char *arena_vprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    NASC_ASSERT(n >= 0);
    char *p = arena_alloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(void)
{
    while (chunks) {
        chunk *next = chunks->next;
        free(chunks);
        chunks = next;
    }
}

arena_mark_t arena_mark(void)
{
    return (arena_mark_t){chunks, chunks ? chunks->used : 0, chunks ? chunks->next : NULL};
}

void arena_release(arena_mark_t m)
{
    /* Chunks allocated after the mark sit in front of its chunk ... */
    while (chunks && chunks != m.head) {
        chunk *next = chunks->next;
        free(chunks);
        chunks = next;
    }
    if (!chunks)
        return;
    /* ... and big requests sit right behind it, in front of its old next. */
    while (chunks->next && chunks->next != m.next) {
        chunk *big = chunks->next;
        chunks->next = big->next;
        free(big);
    }
    chunks->used = m.used;
}

void vec_push(ptr_vec *v, void *item)
{
    if (v->len == v->cap) {
        int cap = v->cap ? v->cap * 2 : 8;
        v->items = arena_grow(v->items, sizeof(void *) * (size_t)v->len,
                              sizeof(void *) * (size_t)cap);
        v->cap = cap;
    }
    v->items[v->len++] = item;
}
