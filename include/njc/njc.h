/* njc.h: the C API of njc, a neural-network compiler for real-time programs (C99; usable from C++).
 *
 * Compile a model once, then create an instance per user (an NPC, a voice); each instance owns its inputs,
 * outputs and recurrent state. A frame loop writes inputs in place, runs, and reads outputs in place: no
 * allocation, no lock, no system call.
 *
 *   njc_model* model; njc_error* error;
 *   if (njc_model_compile_file("npc_brain.json", NULL, &model, &error) != NJC_OK) {
 *     fprintf(stderr, "%s", njc_error_message(error));          // file:line:col: error: ...
 *     njc_error_destroy(error);
 *     return 1;
 *   }
 *   njc_instance* npc; njc_instance_create(model, &npc);
 *   float* obs; size_t n; njc_instance_input(npc, 0, &obs, &n);  // fill obs[0..n)
 *   njc_instance_run(npc);
 *   const float* probs; njc_instance_output(npc, 0, &probs, &n);
 *   njc_instance_destroy(npc); njc_model_destroy(model);
 *
 * Errors. Every function that can fail returns an njc_status and validates its arguments first: a null
 * pointer, an index out of range or a wrong size is NJC_ERROR_INVALID_ARGUMENT, nothing is touched, and
 * out-parameters are left as they were. The compile functions also return an njc_error object (when
 * `error` is not NULL) whose message is the text the njc command line prints for the same problem.
 *
 * Lifetimes. A model is destroyed by njc_model_destroy, but its code lives on until its last instance is
 * destroyed too. Strings and shape arrays returned by introspection live as long as the model object
 * they were read from. Input, output and state pointers live as long as their instance.
 *
 * Threads. A model may be used from any number of threads at once (it is immutable once compiled); an
 * instance by one thread at a time; different instances of one model may run on different threads at
 * once. With the tiered JIT a background thread recompiles hot kernels; it is joined by the destruction
 * of the model's last object.
 *
 * Floating point. njc_instance_run computes with flush-to-zero and denormals-are-zero (unless the options
 * said otherwise) and restores the caller's MXCSR control bits afterwards.
 */
#ifndef NJC_NJC_H
#define NJC_NJC_H

#include <stddef.h>
#include <stdint.h>

#include "njc/version.h"

#if defined(__GNUC__)
#define NJC_API __attribute__((visibility("default")))
#else
#define NJC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum njc_status {
  NJC_OK = 0,
  NJC_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, an index out of range, a wrong size, a bad option */
  NJC_ERROR_MODEL = 2,            /* the model cannot be read or compiled (the njc_error says why) */
  NJC_ERROR_UNSUPPORTED = 3,      /* the CPU cannot run the requested target */
  NJC_ERROR_OUT_OF_MEMORY = 4,
  NJC_ERROR_INTERNAL = 5 /* a bug in njc: please report the message */
} njc_status;

/* A constant name for a status ("NJC_OK", ...); "unknown status" for any other value. */
NJC_API const char* njc_status_name(njc_status status);

/* The library's version, which may differ from the headers' (NJC_VERSION_*) when a newer libnjc is
 * installed under the same SONAME. */
NJC_API const char* njc_version_string(void);
NJC_API void njc_version(int* major, int* minor, int* patch);

typedef enum njc_target {
  NJC_TARGET_HOST = 0, /* the best instruction set this CPU runs */
  NJC_TARGET_SSE4 = 1,
  NJC_TARGET_AVX2 = 2, /* AVX2 + FMA */
  NJC_TARGET_AVX512 = 3
} njc_target;

/* The target NJC_TARGET_HOST stands for on this CPU. */
NJC_API njc_target njc_host_target(void);

typedef struct njc_options {
  size_t struct_size;            /* sizeof(njc_options), set by njc_options_init */
  njc_target target;             /* default NJC_TARGET_HOST */
  int opt_level;                 /* 0..3, default 3; without the tiered JIT every kernel is compiled at it */
  int tiered;                    /* nonzero: the tiered JIT; kernels start cheap and hot ones are
                                    recompiled at higher levels on a background thread (default 0) */
  const char* tuning_cache_path; /* tiered JIT only: a JSON file of autotuned schedules, read when the
                                    model is compiled and written when it is destroyed; NULL: none */
  int flush_denormals;           /* nonzero (default): run with FTZ+DAZ, subnormals never slow a call */
  int weights_anywhere;          /* nonzero: weight files may lie outside the model's directory (default 0) */
  int64_t max_memory_mib;        /* refuse models whose tensors need more (default 4096) */
  const char* code_cache_dir;    /* without the tiered JIT: a directory (yours, writable by no one else;
                                    made mode 0700 if missing) where compiled kernels are stored and mapped
                                    from by the next compile of the same model; NULL: none (since 0.2.1) */
} njc_options;

/* Fills *options with the defaults. Always call it first, then change what you need. */
NJC_API void njc_options_init(njc_options* options);

/* --- errors ------------------------------------------------------------------------------------------ */

typedef struct njc_error njc_error;

/* The message: "file:line:col: error: ..." for a model error, with a line of context where there is one.
 * "" for a NULL error. */
NJC_API const char* njc_error_message(const njc_error* error);
NJC_API njc_status njc_error_status(const njc_error* error); /* NJC_OK for NULL */
NJC_API void njc_error_destroy(njc_error* error);            /* NULL is a no-op */

/* --- models ------------------------------------------------------------------------------------------ */

typedef struct njc_model njc_model;

/* Reads and compiles a model file: njc JSON, an RTNeural model or graph IR text. options may be NULL (the
 * defaults). On success *model is set; on failure *error is set when error is not NULL. */
NJC_API njc_status njc_model_compile_file(const char* path, const njc_options* options, njc_model** model,
                                          njc_error** error);

/* Same for model text in memory (size bytes, no terminator needed). name names it in error messages;
 * relative weight-file paths resolve against base_dir (NULL: the current directory). */
NJC_API njc_status njc_model_compile_memory(const char* text, size_t size, const char* name,
                                            const char* base_dir, const njc_options* options,
                                            njc_model** model, njc_error** error);

NJC_API void njc_model_destroy(njc_model* model); /* NULL is a no-op */

typedef enum njc_tensor_kind { NJC_INPUT = 0, NJC_OUTPUT = 1, NJC_STATE = 2 } njc_tensor_kind;

typedef struct njc_tensor_info {
  const char* name;
  size_t rank;
  const int64_t* dims; /* rank dimensions of one batch instance */
  size_t elements;     /* batch × product of dims: the floats an instance holds for it */
} njc_tensor_info;

/* The batch size compiled into the model (each input, output and state holds batch rows). */
NJC_API njc_status njc_model_batch(const njc_model* model, int64_t* batch);
NJC_API njc_status njc_model_tensor_count(const njc_model* model, njc_tensor_kind kind, size_t* count);
NJC_API njc_status njc_model_tensor_info(const njc_model* model, njc_tensor_kind kind, size_t index,
                                         njc_tensor_info* info);
/* The index of the input, output or state named name; NJC_ERROR_INVALID_ARGUMENT if there is none. */
NJC_API njc_status njc_model_find_tensor(const njc_model* model, njc_tensor_kind kind, const char* name,
                                         size_t* index);

/* --- instances --------------------------------------------------------------------------------------- */

typedef struct njc_instance njc_instance;

/* A new instance: inputs, outputs and state zero. */
NJC_API njc_status njc_instance_create(const njc_model* model, njc_instance** instance);
/* A new instance with the same inputs and state as source (a snapshot: they share nothing after). */
NJC_API njc_status njc_instance_clone(const njc_instance* source, njc_instance** instance);
NJC_API void njc_instance_destroy(njc_instance* instance); /* NULL is a no-op */

/* Where an input's (output's) floats live in the instance, and how many there are (row-major, batch rows).
 * Writing the input pointer between runs is how inputs are given; it stays valid for the instance's life. */
NJC_API njc_status njc_instance_input(njc_instance* instance, size_t index, float** data, size_t* elements);
NJC_API njc_status njc_instance_output(const njc_instance* instance, size_t index, const float** data,
                                       size_t* elements);
/* Copying forms: count must equal the tensor's elements. */
NJC_API njc_status njc_instance_set_input(njc_instance* instance, size_t index, const float* data,
                                          size_t count);
NJC_API njc_status njc_instance_get_output(const njc_instance* instance, size_t index, float* data,
                                           size_t count);

/* One call of the model: reads the inputs, updates the state, writes the outputs. */
NJC_API njc_status njc_instance_run(njc_instance* instance);
/* Puts every state back at its initial value (zeros unless the model declares one) and zeroes the inputs
 * and outputs, as at creation. */
NJC_API njc_status njc_instance_reset(njc_instance* instance);

/* The recurrent state as one array: every state's elements in the model's order (njc_model_tensor_info
 * with NJC_STATE). Save it to rewind or checkpoint an NPC; restore it into any instance of the same model. */
NJC_API njc_status njc_instance_state_size(const njc_instance* instance, size_t* count);
/* Where one state's floats live in the instance (written by run, readable and writable between runs). */
NJC_API njc_status njc_instance_state(njc_instance* instance, size_t index, float** data, size_t* elements);
NJC_API njc_status njc_instance_save_state(const njc_instance* instance, float* data, size_t count);
NJC_API njc_status njc_instance_restore_state(njc_instance* instance, const float* data, size_t count);

/* --- swarms: many NPCs of one model per call ------------------------------------------------------- */
/* The model is compiled again at a batch of `chunk` NPCs. Each NPC owns a state slot (zero at creation);
 * a call names the slots that act and where each input and output row of NPC k is: rows[i] + k * strides[i]
 * floats, so the rows may live inside a game's own structs. An NPC's results do not depend on the other
 * NPCs of the call, its position, the chunking or the threads (bit for bit). A swarm is used by one
 * thread at a time, apart from njc_swarm_run_chunk. */

typedef struct njc_swarm njc_swarm;

typedef struct njc_swarm_options {
  size_t struct_size; /* sizeof(njc_swarm_options), set by njc_swarm_options_init */
  size_t capacity;    /* state slots: the most NPCs that exist at once (required, 1 to 2^31) */
  size_t chunk;       /* NPCs per batched kernel call (default 48) */
  size_t threads;     /* the built-in pool's threads, the caller's included; 0: one per CPU (default 1) */
} njc_swarm_options;

NJC_API void njc_swarm_options_init(njc_swarm_options* options);
/* Needs a model of batch 1; compiled with the model's target, level and float mode. */
NJC_API njc_status njc_swarm_create(const njc_model* model, const njc_swarm_options* options,
                                    njc_swarm** swarm, njc_error** error);
NJC_API void njc_swarm_destroy(njc_swarm* swarm); /* NULL is a no-op */

/* Checks and keeps a call: count distinct slots below the capacity; one row pointer and stride (in floats,
 * at least the tensor's elements) per model input and output. *chunks (may be NULL) receives the number of
 * chunks for njc_swarm_run_chunk. The slot list and the row pointers are copied; the rows themselves are
 * read and written each time the call runs, so a game prepares once per layout and runs every frame. */
NJC_API njc_status njc_swarm_prepare(njc_swarm* swarm, const uint32_t* slots, size_t count,
                                     const float* const* inputs, const size_t* input_strides,
                                     float* const* outputs, const size_t* output_strides, size_t* chunks);
/* Runs the prepared call on the built-in pool. */
NJC_API njc_status njc_swarm_run(njc_swarm* swarm);
/* Runs one chunk of the prepared call, for a game's job system: every chunk < *chunks once, on any
 * threads, each worker index (< threads) used by one thread at a time. */
NJC_API njc_status njc_swarm_run_chunk(njc_swarm* swarm, size_t chunk, size_t worker);

/* A slot's state (njc_instance_save_state's layout), readable and writable between calls. */
NJC_API njc_status njc_swarm_slot_state(njc_swarm* swarm, size_t slot, float** data, size_t* count);
NJC_API njc_status njc_swarm_reset_slot(njc_swarm* swarm, size_t slot);

#ifdef __cplusplus
}
#endif

#endif /* NJC_NJC_H */
