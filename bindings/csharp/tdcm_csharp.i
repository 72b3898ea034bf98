/* tdcm_csharp.i: the P/Invoke layer of the C# binding (namespace Tdcm).
 *
 * Generates TdcmNative (internal static methods, one per C function), its
 * P/Invoke class, and the public Status enum; Tdcm.Model and friends wrap
 * them. Conventions of the generated layer:
 *  - a failing status throws Tdcm.TdcmException, with tdcm_last_error() read
 *    by the next P/Invoke call on the same thread;
 *  - the model handle is a SafeHandle (ModelHandle): the runtime keeps it
 *    alive and un-released for the length of every call, so Dispose() racing
 *    a call on another thread cannot free the model under it;
 *  - arrays are blittable (float[], int[], long[], and ClusterReport[], laid
 *    out as tdcm_cluster_report) and passed as [In] or [Out] arrays, which
 *    the P/Invoke marshaller pins and passes by address: never copied;
 *  - scalar and string outputs are out parameters. */
%module TdcmNative

%pragma(csharp) moduleclassmodifiers="internal class"
%pragma(csharp) imclassclassmodifiers="internal class"

/* Status codes: a C# enum with .NET names. */
%rename(Status) tdcm_status;
%rename(Ok) TDCM_OK;
%rename(NullArgument) TDCM_ERR_NULL_ARGUMENT;
%rename(InvalidArgument) TDCM_ERR_INVALID_ARGUMENT;
%rename(UnknownParameter) TDCM_ERR_UNKNOWN_PARAMETER;
%rename(BadParameter) TDCM_ERR_BAD_PARAMETER;
%rename(NonFinite) TDCM_ERR_NON_FINITE;
%rename(Shape) TDCM_ERR_SHAPE;
%rename(NotFitted) TDCM_ERR_NOT_FITTED;
%rename(NotAdapted) TDCM_ERR_NOT_ADAPTED;
%rename(IO) TDCM_ERR_IO;
%rename(BadFile) TDCM_ERR_BAD_FILE;
%rename(UnsupportedVersion) TDCM_ERR_UNSUPPORTED_VERSION;
%rename(Device) TDCM_ERR_DEVICE;
%rename(Busy) TDCM_ERR_BUSY;
%rename(OutOfMemory) TDCM_ERR_OUT_OF_MEMORY;
%rename(Cancelled) TDCM_ERR_CANCELLED;
%rename(Internal) TDCM_ERR_INTERNAL;
%rename(Diverged) TDCM_ERR_DIVERGED;
%rename(Distributed) TDCM_ERR_DISTRIBUTED;
%rename(Timeout) TDCM_ERR_TIMEOUT;
%typemap(csimports) enum tdcm_status "\n// Status codes of the C API (tdcm_status); see include/tdcm/tdcm.h.\n#pragma warning disable 1591\n"

/* Which centroids Model.GetCentroids returns: Centroids.Source, Centroids.Adapted. */
%rename(Centroids) tdcm_centroids;
%rename(Source) TDCM_CENTROIDS_SOURCE;
%rename(Adapted) TDCM_CENTROIDS_ADAPTED;
%typemap(csimports) enum tdcm_centroids "\n// Which centroids Model.GetCentroids returns (tdcm_centroids); see include/tdcm/tdcm.h.\n#pragma warning disable 1591\n"

/* The flag bits of ClusterReport: constants of the internal TdcmNative class. */
%csconst(1) TDCM_CLUSTER_UNMATCHED;
%csconst(1) TDCM_CLUSTER_MOVED_FAR;
%csconst(1) TDCM_CLUSTER_SHRANK;

%{
#include <string.h>

#include "tdcm/tdcm.h"

/* The metrics struct crosses as three doubles. */
typedef char tdcm_csharp_metrics_layout[sizeof(tdcm_metrics_result) == 3 * sizeof(double) ? 1 : -1];
/* The report crosses as an array of Tdcm.ClusterReport: three ints, two
   doubles and two longs, in this order and at these offsets (C#'s sequential
   layout aligns each field to its size, as C does here). */
/* Progress crosses as Tdcm.Progress: two ints and five doubles. */
typedef char tdcm_csharp_progress_layout[
    sizeof(tdcm_progress) == 48 && offsetof(tdcm_progress, loss) == 8 &&
    offsetof(tdcm_progress, elapsed_s) == 40 ? 1 : -1];
typedef char tdcm_csharp_report_layout[
    sizeof(tdcm_cluster_report) == 48 && offsetof(tdcm_cluster_report, flags) == 8 &&
    offsetof(tdcm_cluster_report, confidence) == 16 &&
    offsetof(tdcm_cluster_report, source_size) == 32 ? 1 : -1];
%}

/* ---- Status: thrown on failure, void in C# --------------------------------- */
%typemap(ctype) tdcm_status "int"
%typemap(imtype) tdcm_status "int"
%typemap(cstype) tdcm_status "void"
%typemap(out) tdcm_status %{ $result = (int)$1; %}
%typemap(csout, excode=SWIGEXCODE) tdcm_status {
    int status = $imcall;$excode
    if (status != 0) throw TdcmException.FromLastError(status);
  }

/* size_t as 64 bits on both sides (SWIG's default is a 32-bit uint). */
%apply unsigned long long { size_t };

/* ---- Handles: a SafeHandle in, a SafeHandle out ---------------------------- */
%typemap(ctype) tdcm_model *TDCM_HANDLE "void *"
%typemap(imtype) tdcm_model *TDCM_HANDLE "ModelHandle"
%typemap(cstype) tdcm_model *TDCM_HANDLE "ModelHandle"
%typemap(csin) tdcm_model *TDCM_HANDLE "$csinput"
%typemap(in) tdcm_model *TDCM_HANDLE %{ $1 = (tdcm_model *)$input; %}

%typemap(ctype) tdcm_model **TDCM_HANDLE_OUT "void **"
%typemap(imtype) tdcm_model **TDCM_HANDLE_OUT "out ModelHandle"
%typemap(cstype) tdcm_model **TDCM_HANDLE_OUT "out ModelHandle"
%typemap(csin) tdcm_model **TDCM_HANDLE_OUT "out $csinput"
%typemap(in) tdcm_model **TDCM_HANDLE_OUT %{ $1 = (tdcm_model **)$input; %}

/* The SafeHandle's release function takes the raw pointer. */
%ignore tdcm_destroy;
%apply void *VOID_INT_PTR { void *handle };
%inline %{
static void tdcm_swig_destroy(void *handle) { tdcm_destroy((tdcm_model *)handle); }
static void tdcm_swig_free(void *handle) { free(handle); }
%}

/* ---- Arrays: blittable, pinned by the marshaller --------------------------- */
%define TDCMCS_ARRAY(CTYPE, NAME, CSTYPE, DIRECTION)
%typemap(ctype) CTYPE *NAME "CTYPE *"
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.DIRECTION]") CTYPE *NAME "CSTYPE[]"
%typemap(cstype) CTYPE *NAME "CSTYPE[]"
%typemap(csin) CTYPE *NAME "$csinput"
%typemap(in) CTYPE *NAME %{ $1 = ($1_ltype)$input; %}
%enddef
TDCMCS_ARRAY(float, TDCM_FLOATS_IN, float, In)
TDCMCS_ARRAY(int32_t, TDCM_INT32S_IN, int, In)
TDCMCS_ARRAY(int64_t, TDCM_INT64S_IN, long, In)
TDCMCS_ARRAY(float, TDCM_FLOATS_OUT, float, Out)
TDCMCS_ARRAY(int32_t, TDCM_INT32S_OUT, int, Out)
TDCMCS_ARRAY(tdcm_cluster_report, TDCM_REPORT_OUT, ClusterReport, Out)

/* Model bytes: byte[] in (tdcm_load_buffer), and the byte[] tdcm_save_buffer
   fills, whose status comes back as a number: its size query fails by design,
   and Model.Save() decides what a failure is. */
TDCMCS_ARRAY(void, TDCM_BYTES_OUT, byte, Out)
%typemap(ctype) const void *TDCM_BYTES_IN "const void *"
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.In]") const void *TDCM_BYTES_IN "byte[]"
%typemap(cstype) const void *TDCM_BYTES_IN "byte[]"
%typemap(csin) const void *TDCM_BYTES_IN "$csinput"
%typemap(in) const void *TDCM_BYTES_IN %{ $1 = ($1_ltype)$input; %}
%typemap(cstype) tdcm_status tdcm_save_buffer "int"
%typemap(csout, excode=SWIGEXCODE) tdcm_status tdcm_save_buffer {
    int status = $imcall;$excode
    return status;
  }

/* The progress callback of one Fit: a delegate the marshaller turns into a C
   function pointer for the length of the call (Model.Fit keeps it alive). */
%typemap(ctype) tdcm_progress_fn "tdcm_progress_fn"
%typemap(imtype) tdcm_progress_fn "ProgressNative"
%typemap(cstype) tdcm_progress_fn "ProgressNative"
%typemap(csin) tdcm_progress_fn "$csinput"
%typemap(in) tdcm_progress_fn %{ $1 = $input; %}
%apply void *VOID_INT_PTR { void *user_data };

/* ---- Scalar outputs: out parameters --------------------------------------- */
%define TDCMCS_SCALAR_OUT(CTYPE, NAME, CSTYPE)
%typemap(ctype) CTYPE *NAME "CTYPE *"
%typemap(imtype) CTYPE *NAME "out CSTYPE"
%typemap(cstype) CTYPE *NAME "out CSTYPE"
%typemap(csin) CTYPE *NAME "out $csinput"
%typemap(in) CTYPE *NAME %{ $1 = ($1_ltype)$input; %}
%enddef
TDCMCS_SCALAR_OUT(int64_t, TDCM_INT64_OUT, long)
TDCMCS_SCALAR_OUT(size_t, TDCM_SIZE_OUT, ulong)
TDCMCS_SCALAR_OUT(int, TDCM_INT_OUT, int)
TDCMCS_SCALAR_OUT(double, TDCM_DOUBLE_OUT, double)

/* NMI, ARI, ACC into a double[3]. */
%typemap(ctype) tdcm_metrics_result *TDCM_METRICS_OUT "double *"
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.Out]") tdcm_metrics_result *TDCM_METRICS_OUT "double[]"
%typemap(cstype) tdcm_metrics_result *TDCM_METRICS_OUT "double[]"
%typemap(csin) tdcm_metrics_result *TDCM_METRICS_OUT "$csinput"
%typemap(in) tdcm_metrics_result *TDCM_METRICS_OUT %{ $1 = (tdcm_metrics_result *)$input; %}

/* ---- Strings: UTF-8 both ways ---------------------------------------------- */
%typemap(ctype) const char *TDCM_STRING_IN "const char *"
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.In]") const char *TDCM_STRING_IN "byte[]"
%typemap(cstype) const char *TDCM_STRING_IN "string"
%typemap(csin) const char *TDCM_STRING_IN "Utf8.Encode($csinput)"
%typemap(in) const char *TDCM_STRING_IN %{ $1 = ($1_ltype)$input; %}

/* Library-owned: decoded once the call returned. */
%typemap(ctype) const char **TDCM_STRING_OUT "const char **"
%typemap(imtype) const char **TDCM_STRING_OUT "out global::System.IntPtr"
%typemap(cstype) const char **TDCM_STRING_OUT "out string"
%typemap(csin, pre="    global::System.IntPtr native_$csinput = global::System.IntPtr.Zero;",
         post="      $csinput = Utf8.Decode(native_$csinput);") const char **TDCM_STRING_OUT
  "out native_$csinput"
%typemap(in) const char **TDCM_STRING_OUT %{ $1 = ($1_ltype)$input; *$1 = NULL; %}

/* malloc'ed by the helper: decoded, then freed. */
%typemap(ctype) char **TDCM_OWNED_STRING_OUT "char **"
%typemap(imtype) char **TDCM_OWNED_STRING_OUT "out global::System.IntPtr"
%typemap(cstype) char **TDCM_OWNED_STRING_OUT "out string"
%typemap(csin, pre="    global::System.IntPtr native_$csinput = global::System.IntPtr.Zero;",
         post="      $csinput = Utf8.Decode(native_$csinput);\n      TdcmNative.tdcm_swig_free(native_$csinput);") char **TDCM_OWNED_STRING_OUT
  "out native_$csinput"
%typemap(in) char **TDCM_OWNED_STRING_OUT %{ $1 = ($1_ltype)$input; *$1 = NULL; %}

/* Strings the library returns (version, last error). */
%typemap(ctype) const char *tdcm_version, const char *tdcm_last_error "const char *"
%typemap(imtype) const char *tdcm_version, const char *tdcm_last_error "global::System.IntPtr"
%typemap(cstype) const char *tdcm_version, const char *tdcm_last_error "string"
%typemap(out) const char *tdcm_version, const char *tdcm_last_error %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) const char *tdcm_version, const char *tdcm_last_error {
    return Utf8.Decode($imcall);
  }

%apply void *TDCM_BYTES_OUT { void *buf };
%include "../swig/tdcm_core.i"
