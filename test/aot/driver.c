/* Test driver for ahead-of-time objects (test/unit/aot/aot_link_test.cpp): runs a model built by
 * `njc --emit-obj` on inputs read from a file and writes its outputs, through nothing but the generated
 * header. Compiled once per model with -include MODEL.h -DNJC_PREFIX=name -DNJC_UPPER=NAME.
 *
 *   driver CALLS IN.bin OUT.bin
 *   IN.bin:  per call, per input i, NAME_INPUT_<i>_SIZE floats (native fp32)
 *   OUT.bin: per call, per output o, NAME_OUTPUT_<o>_SIZE floats
 * A second instance runs the same calls with its own state; the program fails (exit 3) if its outputs
 * differ from the first's (instances must not share state).
 *
 * The dispatcher: with NJC_TARGET_CAP=avx512|avx2|sse4 set, the program first chooses again with
 * NAME_select_target(cap). It prints "target <id>" on stderr. When the CPU (so capped) runs none of the
 * object's variants, NAME_run must return -1: the program checks that and exits 4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(suffix) CAT(NJC_PREFIX, suffix)
#define MACRO(suffix) CAT(NJC_UPPER, suffix)

static const long kInputSizes[] = MACRO(_INPUT_SIZES);
static const long kOutputSizes[] = MACRO(_OUTPUT_SIZES);
enum { kInputs = MACRO(_NUM_INPUTS), kOutputs = MACRO(_NUM_OUTPUTS) };

static void* new_state(void) {
  void* s = aligned_alloc(64, (MACRO(_STATE_BYTES) + 63) / 64 * 64);
  if (s == NULL) exit(2);
  memset(s, 0xA5, MACRO(_STATE_BYTES)); /* garbage: init_state must clear it */
  FN(_init_state)(s);
  return s;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: driver CALLS IN.bin OUT.bin\n");
    return 2;
  }
  long calls = atol(argv[1]);
  FILE* in = fopen(argv[2], "rb");
  FILE* out = fopen(argv[3], "wb");
  if (in == NULL || out == NULL) return 2;
  float* inputs[kInputs > 0 ? kInputs : 1];
  float* outputs[kOutputs > 0 ? kOutputs : 1];
  float* outputs2[kOutputs > 0 ? kOutputs : 1];
  for (int i = 0; i < kInputs; ++i) inputs[i] = malloc(sizeof(float) * (size_t)kInputSizes[i]);
  for (int o = 0; o < kOutputs; ++o) {
    outputs[o] = malloc(sizeof(float) * (size_t)kOutputSizes[o]);
    outputs2[o] = malloc(sizeof(float) * (size_t)kOutputSizes[o]);
  }
  const char* cap = getenv("NJC_TARGET_CAP");
  int chosen = FN(_target)();
  if (cap != NULL)
    chosen = FN(_select_target)(strcmp(cap, "avx512") == 0 ? 2 : strcmp(cap, "avx2") == 0 ? 1 : 0);
  fprintf(stderr, "target %d\n", chosen);
  if (chosen != FN(_target)() || (chosen >= 0) != FN(_supported)()) return 5;
  void* a = new_state();
  if (chosen < 0) return FN(_run)((const float* const*)inputs, outputs, a) == -1 ? 4 : 6;
  void* b = new_state();
  for (long c = 0; c < calls; ++c) {
    for (int i = 0; i < kInputs; ++i)
      if (fread(inputs[i], sizeof(float), (size_t)kInputSizes[i], in) != (size_t)kInputSizes[i]) return 2;
    if (FN(_run)((const float* const*)inputs, outputs, a) != 0) return 6;
    if (FN(_run)((const float* const*)inputs, outputs2, b) != 0) return 6;
    for (int o = 0; o < kOutputs; ++o) {
      if (memcmp(outputs[o], outputs2[o], sizeof(float) * (size_t)kOutputSizes[o]) != 0) return 3;
      fwrite(outputs[o], sizeof(float), (size_t)kOutputSizes[o], out);
    }
  }
  return fclose(out) == 0 ? 0 : 2;
}
