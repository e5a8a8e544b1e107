/*
 * Fuzzes sequences of API calls against the reference model of the
 * engine's tests (tests/model/): every choice of a sequence (which call,
 * whom, which slot or code, how far the clock moves) is read from the fuzz
 * input instead of a seed's random sequence, and each call's status and
 * answer is compared with the model's as it is made.  The first two bytes
 * pick the settings (stock, change limit, waiting list, family records) as
 * a seed of the model test would.  Every step is followed by sb_audit and
 * sb_stock_read, every 8th by a comparison of every slot, person, walk and
 * shelf; at the end, every code issued and the stats counters.
 *
 * A disagreement aborts with the model's message (MODEL_TRACE=1 in the
 * environment also prints the sequence's last calls).  One input runs the
 * same way every time: the model also makes the engine's own random draws
 * a function of the input's seed (model.c).
 */
#include "fuzz.h"

#include "model.h"

#define MAX_STEPS 4096 /* calls in one sequence, whatever the input's length */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = model_run_bytes(data, size, MAX_STEPS, NULL);
    FUZZ_CHECK(msg == NULL, "%s", msg);
    return 0;
}
