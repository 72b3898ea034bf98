/* tdcm_core.i: what every SWIG binding of libtdcm shares.
 *
 * A language's interface file defines the typemaps named TDCM_* below (the
 * shape of each parameter: handle, input array, output array, scalar out,
 * string out, ...), sets its module options, then %includes this file. The
 * file maps every parameter of the public header onto one of those shapes,
 * so a new function in tdcm.h with the usual parameter names is bound by
 * every language at once.
 *
 * The generated layer is deliberately low level (status codes become the
 * language's exception, everything else stays as in C); each language wraps
 * it in an idiomatic class (Model, Metrics, ...) that checks array lengths
 * and owns the handle. */

%{
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tdcm/tdcm.h"
%}

/* The fixed-width types keep their names in the generated C (so casts match
   the header's types exactly) and get the typemaps of the same-size types. */
%apply long long { int64_t };
%apply unsigned long long { uint64_t };
%apply int { int32_t };

/* SWIG's parser does not know GCC attributes, which TDCM_API expands to. */
#define __attribute__(x)

/* ---- Not bound ---------------------------------------------------------- */
/* Progress: each language passes its callback (a Java listener, a C# event, a
 * Go func) to tdcm_fit_progress (tdcm_fit_labelled_progress for a labelled
 * fit) through a trampoline of its own, with a context that lives for that
 * one call on that one thread. A callback installed on the model
 * (tdcm_set_progress_callback) would outlive the call and could run on
 * another thread's fit. The struct crosses as the language's own value type. */
%ignore tdcm_progress;
%ignore tdcm_progress_fn;
%ignore tdcm_set_progress_callback;
/* Scale-out: a distributed run is one process per rank, started from C or by
 * `tdcm launch`; a JVM or .NET host distributes by model bytes instead. */
%ignore tdcm_comm;
%ignore tdcm_comm_create;
%ignore tdcm_comm_destroy;
%ignore tdcm_comm_info;
%ignore tdcm_set_comm;
/* The status enum of each language names the codes. */
%ignore tdcm_status_name;
/* Structs with borrowed strings / raw buffers: replaced by the helpers below. */
%ignore tdcm_param_desc;
%ignore tdcm_param_info;
%ignore tdcm_get_params;
%ignore tdcm_metrics_result;
/* Crosses as each language's own value type (shape TDCM_REPORT_OUT below). */
%ignore tdcm_cluster_report;
/* A boolean "in input space" is all a caller needs: tdcm_swig_get_centroid_dim. */
%ignore tdcm_space;
%ignore tdcm_get_centroid_dim;
/* A benchmarks' measuring stick (scoring a refit in the source's numbering),
 * not something a pipeline calls. */
%ignore tdcm_metrics_match_clusters;
/* Protocol P3's generator feeds the benchmarks and `tdcm synth --protocol p3`;
 * pipelines bring their own data. */
%ignore tdcm_synth_structured;
/* Compile-time macros: tdcm_version() gives the run-time version. */
%ignore TDCM_VERSION_MAJOR;
%ignore TDCM_VERSION_MINOR;
%ignore TDCM_VERSION_PATCH;
%ignore TDCM_VERSION_STRING;
%ignore TDCM_API;

/* ---- Parameter shapes --------------------------------------------------- */
/* The model handle, and the handle a constructor writes. */
%apply tdcm_model *TDCM_HANDLE { tdcm_model *model };
%apply tdcm_model **TDCM_HANDLE_OUT { tdcm_model **out };
/* Row-major input matrices and vectors (read only, may be large). */
%apply float *TDCM_FLOATS_IN { const float *x, const float *centroids, const float *target_probs };
%apply int64_t *TDCM_INT64S_IN { const int64_t *set_ids };
%apply int32_t *TDCM_INT32S_IN {
  const int32_t *labels, const int32_t *truth, const int32_t *pred,
  const int32_t *source_truth, const int32_t *source_pred,
  const int32_t *target_truth, const int32_t *target_pred };
/* Caller-allocated outputs (may be large). */
%apply int32_t *TDCM_INT32S_OUT { int32_t *labels, int32_t *source_y, int32_t *target_y };
%apply float *TDCM_FLOATS_OUT { float *probs, float *source_x, float *target_x, float *out };
/* k per-cluster reports (small: the wrapper builds the language's value objects). */
%apply tdcm_cluster_report *TDCM_REPORT_OUT { tdcm_cluster_report *report };
/* Scalar outputs. */
%apply int64_t *TDCM_INT64_OUT { int64_t *k, int64_t *dim };
%apply int *TDCM_INT_OUT { int *fitted, int *adapted, int *input_space };
%apply double *TDCM_DOUBLE_OUT { double *acc_kept, double *ece, double *log_loss };
%apply size_t *TDCM_SIZE_OUT { size_t *count, size_t *needed };
/* Model bytes: tdcm_load_buffer's input (read only, may be large). The size
 * query and the copy of tdcm_save_buffer are each language's own (Java binds
 * a helper that returns a byte[]; C# applies TDCM_BYTES_OUT to `buf`). */
%apply const void *TDCM_BYTES_IN { const void *data };
%apply tdcm_metrics_result *TDCM_METRICS_OUT { tdcm_metrics_result *out };
/* Strings: inputs, library-owned outputs, and malloc'ed outputs the wrapper frees. */
%apply const char *TDCM_STRING_IN { const char *params, const char *path };
%apply const char **TDCM_STRING_OUT { const char **name, const char **value };
%apply char **TDCM_OWNED_STRING_OUT { char **owned };

/* ---- Helpers (C, on the public API only) -------------------------------- */
%inline %{
/* One field of parameter `index` (0 name, 1 type, 2 default, 3 range, 4 help). */
static tdcm_status tdcm_swig_param_field(size_t index, int field, const char **value) {
  tdcm_param_desc desc;
  tdcm_status status = tdcm_param_info(index, &desc);
  if (status != TDCM_OK) return status;
  switch (field) {
    case 0: *value = desc.name; break;
    case 1: *value = desc.type; break;
    case 2: *value = desc.default_value; break;
    case 3: *value = desc.range; break;
    default: *value = desc.help; break;
  }
  return TDCM_OK;
}

/* The model's parameter string, malloc'ed (the wrapper frees it): a size
   probe, then the copy. */
static tdcm_status tdcm_swig_get_params(tdcm_model *model, char **owned) {
  char probe[1];
  size_t needed = 0;
  tdcm_status status;
  *owned = NULL;
  status = tdcm_get_params(model, probe, 0, &needed);
  if (needed == 0) return status == TDCM_OK ? TDCM_ERR_INTERNAL : status;
  *owned = (char *)malloc(needed);
  if (*owned == NULL) return TDCM_ERR_OUT_OF_MEMORY;
  status = tdcm_get_params(model, *owned, needed, NULL);
  if (status != TDCM_OK) {
    free(*owned);
    *owned = NULL;
  }
  return status;
}

/* tdcm_get_centroid_dim with the space as a flag: 1 for input coordinates. */
static tdcm_status tdcm_swig_get_centroid_dim(tdcm_model *model, int64_t *dim, int *input_space) {
  int32_t space = TDCM_SPACE_EMBEDDING;
  tdcm_status status = tdcm_get_centroid_dim(model, dim, &space);
  *input_space = status == TDCM_OK && space == TDCM_SPACE_INPUT;
  return status;
}
%}

%include "tdcm/tdcm.h"
