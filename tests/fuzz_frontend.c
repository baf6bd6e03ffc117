/*
 * libFuzzer entry point for the frontend: parses and builds every network
 * of an arbitrary input, with diagnostics discarded. `make fuzz` runs it
 * from the examples and golden inputs as a seed corpus. Any crash, hang,
 * sanitizer report or stack overflow is a bug, whatever the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../frontend/frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) {
        /* Diagnostics of every input would drown the fuzzer's own output. */
        sink = fopen("/dev/null", "w");
        if (!sink)
            abort();
        diag_set_output(sink);
    }

    diag_reset();
    fe_program *p = fe_load_text("fuzz.nas", (const char *)data, size);
    if (p) {
        ptr_vec networks = fe_networks(p);
        for (int i = 0; i < networks.len; i++) {
            ir_graph *g = fe_build(p, networks.items[i]);
            if (g) {
                ir_cost cost = ir_graph_cost(g);
                (void)cost;
                /*
                 * The JSON of a graph near the 1,000,000-op limit is hundreds
                 * of megabytes: linear work, but beyond the fuzzer's timeout.
                 */
                if (g->nnodes <= 10000)
                    free(ir_info_json(g));
            }
        }
    }
    arena_reset();
    return 0;
}
