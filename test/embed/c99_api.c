/* njc.h compiled as strict C99 (-pedantic -Werror) and used as a C program would: compile, introspect,
 * run with state carried, save and restore, clone, and the error object of a bad model. Exits 1 on the
 * first check that fails, naming it. Usage: njc_embed_c99 MODEL.json */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "njc/njc.h"

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                   \
    }                                                            \
  } while (0)

static void step(njc_instance* inst, int seed, float* out, size_t out_size) {
  float* in;
  const float* result;
  size_t n, i;
  CHECK(njc_instance_input(inst, 0, &in, &n) == NJC_OK);
  for (i = 0; i < n; ++i) in[i] = (float)sin(0.37 * (double)(i + 1) * (double)(seed + 1));
  CHECK(njc_instance_run(inst) == NJC_OK);
  CHECK(njc_instance_output(inst, 0, &result, &n) == NJC_OK && n == out_size);
  memcpy(out, result, n * sizeof(float));
}

int main(int argc, char** argv) {
  njc_options options;
  njc_model *model = NULL, *broken = NULL;
  njc_error* error = NULL;
  njc_instance *npc = NULL, *twin = NULL;
  njc_tensor_info info;
  size_t inputs, outputs, states, state_size, out_size;
  float *saved, *a, *b, *unused = NULL;
  int call;
  const char bad[] = "{\"format\": \"njc-model\", \"version\": 1, \"inputs\": 5}";

  CHECK(argc == 2);
  njc_options_init(&options);
  options.opt_level = 2;
  if (njc_model_compile_file(argv[1], &options, &model, &error) != NJC_OK) {
    fprintf(stderr, "%s", njc_error_message(error));
    return 1;
  }
  CHECK(njc_model_tensor_count(model, NJC_INPUT, &inputs) == NJC_OK && inputs == 1);
  CHECK(njc_model_tensor_count(model, NJC_OUTPUT, &outputs) == NJC_OK && outputs >= 1);
  CHECK(njc_model_tensor_count(model, NJC_STATE, &states) == NJC_OK && states >= 1);
  CHECK(njc_model_tensor_info(model, NJC_OUTPUT, 0, &info) == NJC_OK && info.name[0] != '\0');
  out_size = info.elements;
  CHECK(njc_instance_create(model, &npc) == NJC_OK);
  CHECK(njc_instance_state_size(npc, &state_size) == NJC_OK && state_size > 0);
  saved = malloc(state_size * sizeof(float));
  a = malloc(out_size * sizeof(float));
  b = malloc(out_size * sizeof(float));
  CHECK(saved && a && b);
  for (call = 0; call < 4; ++call) step(npc, call, a, out_size);
  CHECK(njc_instance_save_state(npc, saved, state_size) == NJC_OK);
  CHECK(njc_instance_clone(npc, &twin) == NJC_OK);
  step(npc, 50, a, out_size);
  step(twin, 50, b, out_size);
  CHECK(memcmp(a, b, out_size * sizeof(float)) == 0);
  step(npc, 51, a, out_size);
  CHECK(njc_instance_restore_state(npc, saved, state_size) == NJC_OK);
  step(npc, 50, a, out_size);
  CHECK(memcmp(a, b, out_size * sizeof(float)) == 0);
  CHECK(njc_instance_input(npc, inputs, &unused, NULL) == NJC_ERROR_INVALID_ARGUMENT);

  CHECK(njc_model_compile_memory(bad, sizeof bad - 1, "bad.json", NULL, NULL, &broken, &error) == NJC_ERROR_MODEL);
  CHECK(broken == NULL);
  CHECK(strncmp(njc_error_message(error), "bad.json:1:", 11) == 0);
  njc_error_destroy(error);

  njc_instance_destroy(twin);
  njc_instance_destroy(npc);
  njc_model_destroy(model);
  free(saved);
  free(a);
  free(b);
  printf("njc %s: C99 API checks passed\n", njc_version_string());
  return 0;
}
