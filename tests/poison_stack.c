/*
 * Linked into every program that check_codegen builds from generated C.
 * Before main runs, it fills 1 MiB of the main thread's stack below the
 * caller's frame with 0xff bytes, which read as NaN floats. The kernels'
 * stack arrays (the im2col panel, padded input rows, partial sums) then
 * start out as NaN rather than as the zeros of fresh pages. A kernel that
 * reads a value it never wrote, such as a zero of the padding it forgot,
 * thus turns its output into NaN and fails the comparison.
 */
enum { POISON_BYTES = 1 << 20 };

__attribute__((constructor)) static void poison_stack(void)
{
    unsigned char stack[POISON_BYTES];
    volatile unsigned char *bytes = stack; /* volatile, so the compiler keeps the stores */
    for (int i = 0; i < POISON_BYTES; i++)
        bytes[i] = 0xff;
}
