/* Embedding njc in a C program (C99): compile a model, make one instance per NPC, and run a few frames.
 * Build against an installed njc with pkg-config (see README.md beside this file):
 *   cc -std=c99 -Wall -Wextra -pedantic main.c $(pkg-config --cflags --libs njc) -o npc_demo
 * Usage: npc_demo MODEL.json */
#include <stdio.h>

#include <njc/njc.h>

#define NPCS 4

int main(int argc, char** argv) {
  njc_model* model = NULL;
  njc_error* error = NULL;
  njc_instance* npcs[NPCS] = {NULL};
  njc_tensor_info in_info, out_info;
  int frame, i;
  size_t e;

  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.json\n", argv[0]);
    return 2;
  }
  if (njc_model_compile_file(argv[1], NULL, &model, &error) != NJC_OK) {
    fputs(njc_error_message(error), stderr); /* file:line:col: error: ... */
    njc_error_destroy(error);
    return 1;
  }
  njc_model_tensor_info(model, NJC_INPUT, 0, &in_info);
  njc_model_tensor_info(model, NJC_OUTPUT, 0, &out_info);
  printf("njc %s: %s (%lu floats) -> %s (%lu floats)\n", njc_version_string(), in_info.name,
         (unsigned long)in_info.elements, out_info.name, (unsigned long)out_info.elements);
  for (i = 0; i < NPCS; ++i)
    if (njc_instance_create(model, &npcs[i]) != NJC_OK) return 1;

  for (frame = 0; frame < 3; ++frame) {
    for (i = 0; i < NPCS; ++i) {
      float* obs;
      const float* act;
      size_t n;
      njc_instance_input(npcs[i], 0, &obs, &n);
      for (e = 0; e < n; ++e) obs[e] = (float)((int)(e + (size_t)i + (size_t)frame) % 7) / 7.0f - 0.5f;
      if (njc_instance_run(npcs[i]) != NJC_OK) return 1;
      njc_instance_output(npcs[i], 0, &act, &n);
      printf("frame %d npc %d: %s[0] = %.6f\n", frame, i, out_info.name, act[0]);
    }
  }
  for (i = 0; i < NPCS; ++i) njc_instance_destroy(npcs[i]);
  njc_model_destroy(model);
  return 0;
}
