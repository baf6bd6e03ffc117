/*
 * Check suite of common/: the arena (alignment, zeroing, large requests,
 * arena_grow and vec_push) and diagnostics (position, source line and
 * underline as printed to stderr, the error count and its cap).
 */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Every test starts from an empty arena, so no chunk is left from another test. */
static void reset_all(void)
{
    diag_reset();
    arena_reset();
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static bool is_aligned(const void *p)
{
    return (uintptr_t)p % _Alignof(max_align_t) == 0;
}

/* ---- arena ---- */

START_TEST(arena_alignment)
{
    reset_all();
    for (size_t size = 0; size <= 100; size++) {
        void *p = arena_alloc(size);
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(is_aligned(p), "arena_alloc(%zu) returned %p, not aligned to %zu", size, p,
                      _Alignof(max_align_t));
    }
}
END_TEST

START_TEST(arena_zero_size_distinct)
{
    reset_all();
    char *a = arena_alloc(0);
    char *b = arena_alloc(0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);
}
END_TEST

START_TEST(arena_zeroed)
{
    reset_all();
    for (size_t size = 1; size <= 4096; size *= 2) {
        unsigned char *p = arena_alloc(size);
        ck_assert_msg(all_zero(p, size), "arena_alloc(%zu) is not zeroed", size);
        memset(p, 0xAB, size);
    }
}
END_TEST

START_TEST(arena_zeroed_after_reset)
{
    reset_all();
    unsigned char *p = arena_alloc(4000);
    memset(p, 0xAB, 4000);
    arena_reset();
    unsigned char *q = arena_alloc(4000);
    ck_assert(all_zero(q, 4000));
}
END_TEST

START_TEST(arena_large_request)
{
    reset_all();
    size_t size = 5u << 20; /* above the 1 MiB chunk size */
    unsigned char *p = arena_alloc(size);
    ck_assert(is_aligned(p));
    ck_assert(all_zero(p, size));
    p[0] = 1;
    p[size - 1] = 1;
    ck_assert_int_eq(p[size - 1], 1);
}
END_TEST

START_TEST(arena_large_first_request)
{
    /* A large request into an empty arena, followed by small ones. */
    reset_all();
    unsigned char *big = arena_alloc(2u << 20);
    unsigned char *small = arena_alloc(32);
    ck_assert(all_zero(small, 32));
    ck_assert(is_aligned(small));
    ck_assert(small + 32 <= big || small >= big + (2u << 20));
}
END_TEST

START_TEST(arena_large_keeps_chunk)
{
    /* A request above a quarter chunk gets a chunk of its own, so the current chunk keeps serving. */
    reset_all();
    char *first = arena_alloc(16);
    char *big = arena_alloc(512u << 10);
    char *second = arena_alloc(16);
    ck_assert_ptr_nonnull(big);
    ck_assert_ptr_eq(second, first + 16);
}
END_TEST

START_TEST(arena_many_chunks)
{
    /* 3000 requests of 1000 bytes fill several 1 MiB chunks, and no two blocks may overlap. */
    reset_all();
    enum { COUNT = 3000, SIZE = 1000 };
    unsigned char **blocks = malloc(sizeof(unsigned char *) * COUNT);
    for (int i = 0; i < COUNT; i++) {
        blocks[i] = arena_alloc(SIZE);
        memset(blocks[i], i & 0xFF, SIZE);
    }
    for (int i = 0; i < COUNT; i++) {
        ck_assert_int_eq(blocks[i][0], i & 0xFF);
        ck_assert_int_eq(blocks[i][SIZE - 1], i & 0xFF);
    }
    free(blocks);
}
END_TEST

START_TEST(arena_grow_copies)
{
    reset_all();
    char *old = arena_alloc(8);
    memcpy(old, "abcdefg", 8);
    unsigned char *p = arena_grow(old, 8, 64);
    ck_assert_str_eq((char *)p, "abcdefg");
    ck_assert(all_zero(p + 8, 56));
}
END_TEST

START_TEST(arena_grow_shrinks)
{
    reset_all();
    char *old = arena_alloc(8);
    memcpy(old, "abcdefg", 8);
    char *p = arena_grow(old, 8, 4);
    ck_assert_mem_eq(p, "abcd", 4);
}
END_TEST

START_TEST(arena_grow_from_null)
{
    reset_all();
    unsigned char *p = arena_grow(NULL, 0, 24);
    ck_assert_ptr_nonnull(p);
    ck_assert(all_zero(p, 24));
}
END_TEST

START_TEST(arena_strings)
{
    reset_all();
    ck_assert_str_eq(arena_strdup("conv"), "conv");
    ck_assert_str_eq(arena_strndup("layer1.0", 6), "layer1");
    ck_assert_str_eq(arena_printf("%s.%d", "features", 12), "features.12");
    ck_assert_str_eq(arena_printf("%s", ""), "");
}
END_TEST

START_TEST(vec_push_growth)
{
    reset_all();
    ptr_vec v = {0};
    static int items[1000];
    for (int i = 0; i < 1000; i++)
        vec_push(&v, &items[i]);
    ck_assert_int_eq(v.len, 1000);
    ck_assert_int_ge(v.cap, 1000);
    for (int i = 0; i < 1000; i++)
        ck_assert_ptr_eq(v.items[i], &items[i]);
}
END_TEST

START_TEST(vec_push_doubles)
{
    reset_all();
    ptr_vec v = {0};
    int item = 0;
    vec_push(&v, &item);
    while (v.len < v.cap)
        vec_push(&v, &item);
    int full = v.cap;
    vec_push(&v, &item);
    ck_assert_int_eq(v.cap, 2 * full);
    ck_assert_int_eq(v.len, full + 1);
}
END_TEST

/* ---- diagnostics ---- */

/* Registers `text` as "test.nas" and reports an error on [start, end), returning stderr. */
static const char *error_at(const char *text, uint32_t start, uint32_t end, const char *msg)
{
    int file = src_add("test.nas", text, strlen(text));
    tu_capture_start();
    diag_error((src_loc){file, start, end}, "%s", msg);
    return tu_capture_stop();
}

/* Reports an error on the first occurrence of `word` in `text`. */
static const char *error_on(const char *text, const char *word, const char *msg)
{
    const char *at = strstr(text, word);
    ck_assert_ptr_nonnull(at);
    uint32_t start = (uint32_t)(at - text);
    return error_at(text, start, start + (uint32_t)strlen(word), msg);
}

START_TEST(diag_middle_of_file)
{
    reset_all();
    const char *text = "network n(input = [3, 8, 8]) {\n"
                       "    y = cnov(in, 64)\n"
                       "    return y\n"
                       "}\n";
    const char *out = error_on(text, "cnov", "unknown op 'cnov'");
    ck_assert_str_eq(out, "test.nas:2:9: error: unknown op 'cnov'\n"
                          "    2 |     y = cnov(in, 64)\n"
                          "      |         ^~~~\n");
}
END_TEST

START_TEST(diag_two_digit_line)
{
    reset_all();
    const char *text = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\nx = bad\n12\n";
    const char *out = error_on(text, "bad", "unknown name 'bad'");
    ck_assert_str_eq(out, "test.nas:11:5: error: unknown name 'bad'\n"
                          "   11 | x = bad\n"
                          "      |     ^~~\n");
}
END_TEST

START_TEST(diag_utf8_column)
{
    /* 20 characters (22 bytes) come before "bad": the column is 21. */
    reset_all();
    const char *text = "x = \"h\xC3\xA9llo w\xC3\xB6rld\" + bad\n";
    const char *out = error_on(text, "bad", "unknown name 'bad'");
    ck_assert_str_eq(out, "test.nas:1:21: error: unknown name 'bad'\n"
                          "    1 | x = \"h\xC3\xA9llo w\xC3\xB6rld\" + bad\n"
                          "      |                     ^~~\n");
}
END_TEST

START_TEST(diag_utf8_column_four_bytes)
{
    /* U+1F600 is one character of four bytes. */
    reset_all();
    const char *text = "# \xF0\x9F\x98\x80\xF0\x9F\x98\x80\ny = \"\xF0\x9F\x98\x80\" bad\n";
    const char *out = error_on(text, "bad", "unexpected identifier");
    ck_assert_str_eq(out, "test.nas:2:9: error: unexpected identifier\n"
                          "    2 | y = \"\xF0\x9F\x98\x80\" bad\n"
                          "      |         ^~~\n");
}
END_TEST

START_TEST(diag_tab_in_prefix)
{
    reset_all();
    const char *text = "a = 1\n\tb = bad\n";
    const char *out = error_on(text, "bad", "unknown name 'bad'");
    ck_assert_str_eq(out, "test.nas:2:6: error: unknown name 'bad'\n"
                          "    2 | \tb = bad\n"
                          "      | \t    ^~~\n");
}
END_TEST

START_TEST(diag_underline_exact_range)
{
    /* "héllo" is five characters in six bytes: one '^' and four '~', nothing after. */
    reset_all();
    const char *text = "s = \"h\xC3\xA9llo\" + 1\n";
    const char *out = error_on(text, "h\xC3\xA9llo", "a string");
    ck_assert_str_eq(out, "test.nas:1:6: error: a string\n"
                          "    1 | s = \"h\xC3\xA9llo\" + 1\n"
                          "      |      ^~~~~\n");
}
END_TEST

START_TEST(diag_underline_one_char)
{
    reset_all();
    const char *text = "x = a % b\n";
    const char *out = error_on(text, "%", "bad operator");
    ck_assert_str_eq(out, "test.nas:1:7: error: bad operator\n"
                          "    1 | x = a % b\n"
                          "      |       ^\n");
}
END_TEST

START_TEST(diag_underline_empty_range)
{
    reset_all();
    const char *text = "x = (1 + 2\n";
    const char *out = error_at(text, 10, 10, "expected ')'");
    ck_assert_str_eq(out, "test.nas:1:11: error: expected ')'\n"
                          "    1 | x = (1 + 2\n"
                          "      |           ^\n");
}
END_TEST

START_TEST(diag_range_spans_lines)
{
    /* From "def" on line 1 into line 2: underlined to the end of line 1. */
    reset_all();
    const char *text = "abc def\nghi jkl\n";
    const char *out = error_at(text, 4, 11, "spans two lines");
    ck_assert_str_eq(out, "test.nas:1:5: error: spans two lines\n"
                          "    1 | abc def\n"
                          "      |     ^~~\n");
}
END_TEST

START_TEST(diag_end_of_file)
{
    reset_all();
    const char *text = "x = 1\ny = (";
    uint32_t len = (uint32_t)strlen(text);
    const char *out = error_at(text, len, len, "unexpected end of file");
    ck_assert_str_eq(out, "test.nas:2:6: error: unexpected end of file\n"
                          "    2 | y = (\n"
                          "      |      ^\n");
}
END_TEST

START_TEST(diag_end_of_file_newline)
{
    /* After a final newline the end of the file is column 1 of an empty line. */
    reset_all();
    const char *text = "x = 1\n";
    const char *out = error_at(text, 6, 6, "unexpected end of file");
    ck_assert_str_eq(out, "test.nas:2:1: error: unexpected end of file\n"
                          "    2 | \n"
                          "      | ^\n");
}
END_TEST

START_TEST(diag_long_line_window)
{
    /*
     * A line of 100 'a', "bad" and 200 'b': the source line shows 60
     * characters before the range and 100 from its start, with "..." at
     * each cut, and the underline moves with it.
     */
    reset_all();
    char *text = arena_alloc(100 + 3 + 200 + 2);
    memset(text, 'a', 100);
    memcpy(text + 100, "bad", 3);
    memset(text + 103, 'b', 200);
    text[303] = '\n';
    const char *out = error_on(text, "bad", "unknown name 'bad'");

    char *window = arena_alloc(60 + 3 + 97 + 1);
    memset(window, 'a', 60);
    memcpy(window + 60, "bad", 3);
    memset(window + 63, 'b', 97);
    char *spaces = arena_alloc(61);
    memset(spaces, ' ', 60);
    ck_assert_str_eq(out, arena_printf("test.nas:1:101: error: unknown name 'bad'\n"
                                       "    1 | ...%s...\n"
                                       "      |    %s^~~\n",
                                       window, spaces));
}
END_TEST

START_TEST(diag_control_chars)
{
    /* A control byte and an invalid UTF-8 byte each print as '?' and count one column. */
    reset_all();
    const char *text = "a\x01\xFF = bad\n";
    const char *out = error_on(text, "bad", "unknown name 'bad'");
    ck_assert_str_eq(out, "test.nas:1:7: error: unknown name 'bad'\n"
                          "    1 | a?? = bad\n"
                          "      |       ^~~\n");
}
END_TEST

START_TEST(diag_no_location)
{
    reset_all();
    tu_capture_start();
    diag_error(SRC_NONE, "cannot open '%s'", "net.nas");
    const char *out = tu_capture_stop();
    ck_assert_str_eq(out, "nasc: error: cannot open 'net.nas'\n");
}
END_TEST

START_TEST(diag_note_format)
{
    reset_all();
    const char *text = "fn f() { return 1 }\n";
    int file = src_add("lib.nas", text, strlen(text));
    tu_capture_start();
    diag_note((src_loc){file, 3, 4}, "'%s' is defined here", "f");
    const char *out = tu_capture_stop();
    ck_assert_str_eq(out, "lib.nas:1:4: note: 'f' is defined here\n"
                          "    1 | fn f() { return 1 }\n"
                          "      |    ^\n");
    ck_assert_int_eq(diag_error_count(), 0);
}
END_TEST

START_TEST(diag_second_file)
{
    /* A location names its own file, not the first one registered. */
    reset_all();
    src_add("main.nas", "import \"lib.nas\"\n", 17);
    const char *out = error_on("x = 1\ny = oops\n", "oops", "unknown name 'oops'");
    ck_assert(tu_contains(out, "test.nas:2:5: error: unknown name 'oops'\n"));
    ck_assert(!tu_contains(out, "main.nas"));
}
END_TEST

START_TEST(diag_error_count_counts)
{
    reset_all();
    ck_assert_int_eq(diag_error_count(), 0);
    tu_capture_start();
    diag_error(SRC_NONE, "first");
    diag_note(SRC_NONE, "a note is not an error");
    diag_error(SRC_NONE, "second");
    tu_capture_stop();
    ck_assert_int_eq(diag_error_count(), 2);
    diag_reset();
    ck_assert_int_eq(diag_error_count(), 0);
}
END_TEST

START_TEST(diag_warning_not_counted)
{
    reset_all();
    const char *text = "x = 1\n";
    int file = src_add("w.nas", text, strlen(text));
    tu_capture_start();
    diag_warning((src_loc){file, 0, 1}, "'%s' is never used", "x");
    const char *out = tu_capture_stop();
    ck_assert_str_eq(out, "w.nas:1:1: warning: 'x' is never used\n"
                          "    1 | x = 1\n"
                          "      | ^\n");
    ck_assert_int_eq(diag_error_count(), 0);
}
END_TEST

START_TEST(diag_error_cap)
{
    reset_all();
    tu_capture_start();
    for (int i = 1; i <= DIAG_MAX_ERRORS + 5; i++)
        diag_error(SRC_NONE, "error number %d.", i);
    diag_note(SRC_NONE, "a note after the cap");
    const char *out = tu_capture_stop();

    ck_assert_int_eq(diag_error_count(), DIAG_MAX_ERRORS + 5);
    ck_assert_int_eq(tu_count(out, "nasc: error: "), DIAG_MAX_ERRORS);
    ck_assert(tu_contains(out, arena_printf("error number %d.\n", DIAG_MAX_ERRORS)));
    ck_assert(!tu_contains(out, arena_printf("error number %d.\n", DIAG_MAX_ERRORS + 1)));
    ck_assert_int_eq(tu_count(out, "nasc: too many errors, stopping here\n"), 1);
    ck_assert(!tu_contains(out, "a note after the cap"));
}
END_TEST

START_TEST(diag_utf8_lengths)
{
    reset_all();
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"a", 1), 1);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xC3\xA9", 2), 2);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xE2\x86\x92", 3), 3);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xF0\x9F\x98\x80", 4), 4);
    /* Truncated, overlong, a surrogate, above U+10FFFF, a lone continuation byte. */
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xE2\x86", 2), 0);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xC0\x80", 2), 0);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xED\xA0\x80", 3), 0);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\xF4\x90\x80\x80", 4), 0);
    ck_assert_int_eq(diag_utf8_length((const unsigned char *)"\x80", 1), 0);
}
END_TEST

START_TEST(diag_loc_span)
{
    reset_all();
    src_loc a = {0, 4, 8};
    src_loc b = {0, 10, 14};
    src_loc joined = loc_span(a, b);
    ck_assert_int_eq(joined.file, 0);
    ck_assert_uint_eq(joined.start, 4);
    ck_assert_uint_eq(joined.end, 14);

    src_loc other = {1, 10, 14};
    src_loc first_only = loc_span(a, other);
    ck_assert_int_eq(first_only.file, 0);
    ck_assert_uint_eq(first_only.start, 4);
    ck_assert_uint_eq(first_only.end, 8);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");

    TCase *arena = tcase_create("arena");
    tcase_add_test(arena, arena_alignment);
    tcase_add_test(arena, arena_zero_size_distinct);
    tcase_add_test(arena, arena_zeroed);
    tcase_add_test(arena, arena_zeroed_after_reset);
    tcase_add_test(arena, arena_large_request);
    tcase_add_test(arena, arena_large_first_request);
    tcase_add_test(arena, arena_large_keeps_chunk);
    tcase_add_test(arena, arena_many_chunks);
    tcase_add_test(arena, arena_grow_copies);
    tcase_add_test(arena, arena_grow_shrinks);
    tcase_add_test(arena, arena_grow_from_null);
    tcase_add_test(arena, arena_strings);
    suite_add_tcase(s, arena);

    TCase *vec = tcase_create("vec");
    tcase_add_test(vec, vec_push_growth);
    tcase_add_test(vec, vec_push_doubles);
    suite_add_tcase(s, vec);

    TCase *diag = tcase_create("diag");
    tcase_add_test(diag, diag_middle_of_file);
    tcase_add_test(diag, diag_warning_not_counted);
    tcase_add_test(diag, diag_two_digit_line);
    tcase_add_test(diag, diag_utf8_column);
    tcase_add_test(diag, diag_utf8_column_four_bytes);
    tcase_add_test(diag, diag_tab_in_prefix);
    tcase_add_test(diag, diag_underline_exact_range);
    tcase_add_test(diag, diag_underline_one_char);
    tcase_add_test(diag, diag_underline_empty_range);
    tcase_add_test(diag, diag_range_spans_lines);
    tcase_add_test(diag, diag_end_of_file);
    tcase_add_test(diag, diag_end_of_file_newline);
    tcase_add_test(diag, diag_long_line_window);
    tcase_add_test(diag, diag_control_chars);
    tcase_add_test(diag, diag_no_location);
    tcase_add_test(diag, diag_note_format);
    tcase_add_test(diag, diag_second_file);
    tcase_add_test(diag, diag_error_count_counts);
    tcase_add_test(diag, diag_error_cap);
    tcase_add_test(diag, diag_utf8_lengths);
    tcase_add_test(diag, diag_loc_span);
    suite_add_tcase(s, diag);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(common_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
