/* tdcm_java.i: the JNI layer of the Java binding (package org.tdcm).
 *
 * Generates TdcmNative (static methods, one per C function) and Status (the
 * status codes) as package-private classes; org.tdcm.Model and friends wrap
 * them. Conventions of the generated layer:
 *  - a failing status throws org.tdcm.TdcmException from inside the native
 *    method, with tdcm_last_error() read on the same thread right after the
 *    failing call;
 *  - the model handle is a long;
 *  - assign, predict and assignReport (tdcm_label_pinned) use their float[]
 *    rows and their int[] / float[] outputs in place, inside a JNI critical section (see
 *    "Java arrays used in place" below): no copy at all;
 *  - every other float[] / int[] / long[] input is read with
 *    Get<Type>ArrayElements (released with JNI_ABORT: never copied back),
 *    which HotSpot copies: fit and adapt may run for long, and a critical
 *    section would hold the garbage collector off for all of it; direct
 *    buffers (the *_direct functions) are used in place, without any copy;
 *  - other array outputs are written with Set<Type>ArrayRegion after the call;
 *  - scalar and string outputs come back in arrays of length 1, per-cluster
 *    reports in a ClusterReport[];
 *  - strings go in as NUL-terminated UTF-8 byte arrays (real UTF-8, not the
 *    JNI's modified UTF-8). */
%module(jniclassname="TdcmNativeJNI") TdcmNative

%pragma(java) moduleclassmodifiers="final class"
%pragma(java) jniclassclassmodifiers="final class"
%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load();
  }
%}

/* Status codes: a Java enum (Status.OK, Status.NOT_FITTED, ...). */
%include "enums.swg"
%javaconst(1);
%rename(Status) tdcm_status;
%rename("%(regex:/^TDCM_(ERR_)?(.*)$/\\2/)s", %$isenumitem) "";
%typemap(javaclassmodifiers) enum tdcm_status "public enum"
%typemap(javacode) enum tdcm_status %{
  /** The numeric code, as the C API returns it. */
  public int code() {
    return swigValue;
  }

  /** The status of a numeric code, or null for a code this binding does not know. */
  public static Status fromCode(int code) {
    for (Status s : values()) {
      if (s.swigValue == code) return s;
    }
    return null;
  }
%}

%{
#include <string.h>

#include "tdcm/tdcm.h"

/* Throws org.tdcm.TdcmException(status, message) in the calling thread. The
   message is tdcm_last_error() of this thread, read before anything else can
   run on it, and handed over as UTF-8 bytes. */
static void tdcmjni_throw(JNIEnv *jenv, tdcm_status status) {
  const char *message = tdcm_last_error();
  jsize length = (jsize)strlen(message);
  jclass cls;
  jmethodID ctor;
  jbyteArray bytes;
  jobject exception;
  if ((*jenv)->ExceptionCheck(jenv)) return;
  cls = (*jenv)->FindClass(jenv, "org/tdcm/TdcmException");
  if (cls == NULL) return;
  ctor = (*jenv)->GetMethodID(jenv, cls, "<init>", "(I[B)V");
  if (ctor == NULL) return;
  bytes = (*jenv)->NewByteArray(jenv, length);
  if (bytes == NULL) return;
  (*jenv)->SetByteArrayRegion(jenv, bytes, 0, length, (const jbyte *)message);
  exception = (*jenv)->NewObject(jenv, cls, ctor, (jint)status, bytes);
  if (exception != NULL) (*jenv)->Throw(jenv, (jthrowable)exception);
  (*jenv)->DeleteLocalRef(jenv, bytes);
  (*jenv)->DeleteLocalRef(jenv, cls);
}

static int tdcmjni_require(JNIEnv *jenv, const void *array, const char *what) {
  if (array != NULL) return 1;
  SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, what);
  return 0;
}
%}

/* ---- Status: thrown on failure, void in Java ----------------------------- */
%typemap(jni) tdcm_status "jint"
%typemap(jtype) tdcm_status "int"
%typemap(jstype) tdcm_status "void"
%typemap(javaout) tdcm_status {
    $jnicall;
  }
%typemap(out) tdcm_status %{
  $result = (jint)$1;
  if ($1 != TDCM_OK) tdcmjni_throw(jenv, $1);
%}

/* ---- Handles ------------------------------------------------------------ */
%typemap(jni) tdcm_model *TDCM_HANDLE "jlong"
%typemap(jtype) tdcm_model *TDCM_HANDLE "long"
%typemap(jstype) tdcm_model *TDCM_HANDLE "long"
%typemap(javain) tdcm_model *TDCM_HANDLE "$javainput"
%typemap(in) tdcm_model *TDCM_HANDLE %{ $1 = (tdcm_model *)(intptr_t)$input; %}

%typemap(jni) tdcm_model **TDCM_HANDLE_OUT "jlongArray"
%typemap(jtype) tdcm_model **TDCM_HANDLE_OUT "long[]"
%typemap(jstype) tdcm_model **TDCM_HANDLE_OUT "long[]"
%typemap(javain) tdcm_model **TDCM_HANDLE_OUT "$javainput"
%typemap(in) tdcm_model **TDCM_HANDLE_OUT (tdcm_model *handle = NULL) %{
  if (!tdcmjni_require(jenv, $input, "handle array")) return $null;
  $1 = &handle;
%}
%typemap(argout) tdcm_model **TDCM_HANDLE_OUT %{
  if (result == TDCM_OK) {
    jlong value = (jlong)(intptr_t)handle$argnum;
    (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &value);
    if ((*jenv)->ExceptionCheck(jenv)) tdcm_destroy(handle$argnum);
  }
%}

/* ---- Input arrays (Java arrays, and direct buffers in the *_direct calls) - */
%define TDCMJNI_ARRAY_IN(CTYPE, NAME, JTYPE, JARRAY, JELEM, JFUNC)
%typemap(jni) CTYPE *NAME "JARRAY"
%typemap(jtype) CTYPE *NAME "JTYPE[]"
%typemap(jstype) CTYPE *NAME "JTYPE[]"
%typemap(javain) CTYPE *NAME "$javainput"
%typemap(in) CTYPE *NAME %{
  $1 = NULL;
  if ($input != NULL) {
    $1 = (CTYPE *)(*jenv)->Get##JFUNC##ArrayElements(jenv, $input, NULL);
    if ($1 == NULL) return $null;
  }
%}
%typemap(freearg) CTYPE *NAME %{
  if ($1 != NULL) (*jenv)->Release##JFUNC##ArrayElements(jenv, $input, (JELEM *)$1, JNI_ABORT);
%}
/* Nothing comes back: without this, a const input named like an output (const
   int32_t *labels) would get the output's argout, SWIG matching it with the
   const stripped. */
%typemap(argout) CTYPE *NAME ""
%enddef
TDCMJNI_ARRAY_IN(float, TDCM_FLOATS_IN, float, jfloatArray, jfloat, Float)
TDCMJNI_ARRAY_IN(int32_t, TDCM_INT32S_IN, int, jintArray, jint, Int)
TDCMJNI_ARRAY_IN(int64_t, TDCM_INT64S_IN, long, jlongArray, jlong, Long)

%define TDCMJNI_DIRECT(CTYPE, NAME, BUFFER)
%typemap(jni) CTYPE *NAME "jobject"
%typemap(jtype) CTYPE *NAME "java.nio.BUFFER"
%typemap(jstype) CTYPE *NAME "java.nio.BUFFER"
%typemap(javain) CTYPE *NAME "$javainput"
%typemap(in) CTYPE *NAME %{
  $1 = NULL;
  if ($input != NULL) {
    $1 = (CTYPE *)(*jenv)->GetDirectBufferAddress(jenv, $input);
    if ($1 == NULL) {
      SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, "not a direct buffer");
      return $null;
    }
  }
%}
%enddef
TDCMJNI_DIRECT(float, TDCM_FLOATS_DIRECT, FloatBuffer)
TDCMJNI_DIRECT(int32_t, TDCM_INT32S_DIRECT, IntBuffer)
TDCMJNI_DIRECT(int64_t, TDCM_INT64S_DIRECT, LongBuffer)

/* ---- Output arrays: filled natively, copied into the Java array once ---- */
%define TDCMJNI_ARRAY_OUT(CTYPE, NAME, JTYPE, JARRAY, JELEM, JFUNC)
%typemap(jni) CTYPE *NAME "JARRAY"
%typemap(jtype) CTYPE *NAME "JTYPE[]"
%typemap(jstype) CTYPE *NAME "JTYPE[]"
%typemap(javain) CTYPE *NAME "$javainput"
%typemap(in) CTYPE *NAME (jsize length = 0) %{
  $1 = NULL;
  if ($input != NULL) {
    length = (*jenv)->GetArrayLength(jenv, $input);
    $1 = (CTYPE *)malloc((size_t)length * sizeof(CTYPE) + 1);
    if ($1 == NULL) {
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "output buffer");
      return $null;
    }
  }
%}
%typemap(argout) CTYPE *NAME %{
  if ($1 != NULL && result == TDCM_OK) {
    (*jenv)->Set##JFUNC##ArrayRegion(jenv, $input, 0, length$argnum, (const JELEM *)$1);
  }
%}
%typemap(freearg) CTYPE *NAME %{ free($1); %}
%enddef
TDCMJNI_ARRAY_OUT(float, TDCM_FLOATS_OUT, float, jfloatArray, jfloat, Float)
TDCMJNI_ARRAY_OUT(int32_t, TDCM_INT32S_OUT, int, jintArray, jint, Int)

/* ---- Scalar outputs in arrays of length 1 -------------------------------- */
%define TDCMJNI_SCALAR_OUT(CTYPE, NAME, JTYPE, JARRAY, JELEM, JFUNC)
%typemap(jni) CTYPE *NAME "JARRAY"
%typemap(jtype) CTYPE *NAME "JTYPE[]"
%typemap(jstype) CTYPE *NAME "JTYPE[]"
%typemap(javain) CTYPE *NAME "$javainput"
%typemap(in) CTYPE *NAME (CTYPE value = 0) %{
  if (!tdcmjni_require(jenv, $input, "output array")) return $null;
  $1 = &value;
%}
%typemap(argout) CTYPE *NAME %{
  if (result == TDCM_OK) {
    JELEM element = (JELEM)value$argnum;
    (*jenv)->Set##JFUNC##ArrayRegion(jenv, $input, 0, 1, &element);
  }
%}
%enddef
TDCMJNI_SCALAR_OUT(int64_t, TDCM_INT64_OUT, long, jlongArray, jlong, Long)
TDCMJNI_SCALAR_OUT(size_t, TDCM_SIZE_OUT, long, jlongArray, jlong, Long)
TDCMJNI_SCALAR_OUT(int, TDCM_INT_OUT, int, jintArray, jint, Int)
TDCMJNI_SCALAR_OUT(double, TDCM_DOUBLE_OUT, double, jdoubleArray, jdouble, Double)

/* NMI, ARI, ACC into a double[3]. */
%typemap(jni) tdcm_metrics_result *TDCM_METRICS_OUT "jdoubleArray"
%typemap(jtype) tdcm_metrics_result *TDCM_METRICS_OUT "double[]"
%typemap(jstype) tdcm_metrics_result *TDCM_METRICS_OUT "double[]"
%typemap(javain) tdcm_metrics_result *TDCM_METRICS_OUT "$javainput"
%typemap(in) tdcm_metrics_result *TDCM_METRICS_OUT (tdcm_metrics_result value) %{
  if (!tdcmjni_require(jenv, $input, "output array")) return $null;
  memset(&value, 0, sizeof value);
  $1 = &value;
%}
%typemap(argout) tdcm_metrics_result *TDCM_METRICS_OUT %{
  if (result == TDCM_OK) {
    jdouble scores[3];
    scores[0] = value$argnum.nmi;
    scores[1] = value$argnum.ari;
    scores[2] = value$argnum.acc;
    (*jenv)->SetDoubleArrayRegion(jenv, $input, 0, 3, scores);
  }
%}

/* k per-cluster reports into a ClusterReport[] of k entries (the Java layer
   sizes it from tdcm_get_k: the library writes k). The C structs are filled
   natively, then turned into ClusterReport objects after the call, so no JNI
   function runs inside tdcm_label_pinned's critical section. The flag bits
   become booleans here, where the TDCM_CLUSTER_* macros are known: SWIG would
   put the macros in a public constants interface. */
%typemap(jni) tdcm_cluster_report *TDCM_REPORT_OUT "jobjectArray"
%typemap(jtype) tdcm_cluster_report *TDCM_REPORT_OUT "ClusterReport[]"
%typemap(jstype) tdcm_cluster_report *TDCM_REPORT_OUT "ClusterReport[]"
%typemap(javain) tdcm_cluster_report *TDCM_REPORT_OUT "$javainput"
%typemap(in) tdcm_cluster_report *TDCM_REPORT_OUT (jsize length = 0) %{
  $1 = NULL;
  if ($input != NULL) {
    length = (*jenv)->GetArrayLength(jenv, $input);
    $1 = (tdcm_cluster_report *)calloc((size_t)length + 1, sizeof(tdcm_cluster_report));
    if ($1 == NULL) {
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "report buffer");
      return $null;
    }
  }
%}
%typemap(argout) tdcm_cluster_report *TDCM_REPORT_OUT %{
  if ($1 != NULL && result == TDCM_OK) tdcmjni_reports(jenv, $input, $1, length$argnum);
%}
%typemap(freearg) tdcm_cluster_report *TDCM_REPORT_OUT %{ free($1); %}

%{
/* Fills `out` with one org.tdcm.ClusterReport per C struct; on a failure a
   Java exception is pending. */
static void tdcmjni_reports(JNIEnv *jenv, jobjectArray out, const tdcm_cluster_report *reports,
                            jsize count) {
  jsize i;
  jclass cls = (*jenv)->FindClass(jenv, "org/tdcm/ClusterReport");
  jmethodID ctor;
  if (cls == NULL) return;
  ctor = (*jenv)->GetMethodID(jenv, cls, "<init>", "(IIIZZZDDJJ)V");
  for (i = 0; ctor != NULL && i < count; ++i) {
    const tdcm_cluster_report *r = &reports[i];
    jobject report = (*jenv)->NewObject(
        jenv, cls, ctor, (jint)r->cluster, (jint)r->source_cluster, (jint)r->flags,
        (jboolean)((r->flags & TDCM_CLUSTER_UNMATCHED) != 0),
        (jboolean)((r->flags & TDCM_CLUSTER_MOVED_FAR) != 0),
        (jboolean)((r->flags & TDCM_CLUSTER_SHRANK) != 0), (jdouble)r->confidence,
        (jdouble)r->shift, (jlong)r->source_size, (jlong)r->target_size);
    if (report == NULL) break;
    (*jenv)->SetObjectArrayElement(jenv, out, i, report);
    (*jenv)->DeleteLocalRef(jenv, report);
    if ((*jenv)->ExceptionCheck(jenv)) break;
  }
  (*jenv)->DeleteLocalRef(jenv, cls);
}
%}

/* ---- Model bytes in: a byte[], read through Get/ReleaseByteArrayElements -- */
%typemap(jni) const void *TDCM_BYTES_IN "jbyteArray"
%typemap(jtype) const void *TDCM_BYTES_IN "byte[]"
%typemap(jstype) const void *TDCM_BYTES_IN "byte[]"
%typemap(javain) const void *TDCM_BYTES_IN "$javainput"
%typemap(in) const void *TDCM_BYTES_IN %{
  $1 = NULL;
  if ($input != NULL) {
    $1 = (void *)(*jenv)->GetByteArrayElements(jenv, $input, NULL);
    if ($1 == NULL) return $null;
  }
%}
%typemap(freearg) const void *TDCM_BYTES_IN %{
  if ($1 != NULL) (*jenv)->ReleaseByteArrayElements(jenv, $input, (jbyte *)$1, JNI_ABORT);
%}

/* ---- Strings ------------------------------------------------------------ */
%typemap(jni) const char *TDCM_STRING_IN "jbyteArray"
%typemap(jtype) const char *TDCM_STRING_IN "byte[]"
%typemap(jstype) const char *TDCM_STRING_IN "String"
%typemap(javain) const char *TDCM_STRING_IN "Utf8.encode($javainput)"
%typemap(in) const char *TDCM_STRING_IN %{
  $1 = NULL;
  if ($input != NULL) {
    $1 = ($1_ltype)(*jenv)->GetByteArrayElements(jenv, $input, NULL);
    if ($1 == NULL) return $null;
  }
%}
%typemap(freearg) const char *TDCM_STRING_IN %{
  if ($1 != NULL) (*jenv)->ReleaseByteArrayElements(jenv, $input, (jbyte *)$1, JNI_ABORT);
%}

%typemap(jni) const char **TDCM_STRING_OUT "jobjectArray"
%typemap(jtype) const char **TDCM_STRING_OUT "String[]"
%typemap(jstype) const char **TDCM_STRING_OUT "String[]"
%typemap(javain) const char **TDCM_STRING_OUT "$javainput"
%typemap(in) const char **TDCM_STRING_OUT (const char *value = NULL) %{
  if (!tdcmjni_require(jenv, $input, "output array")) return $null;
  $1 = ($1_ltype)&value;
%}
%typemap(argout) const char **TDCM_STRING_OUT %{
  if (result == TDCM_OK) {
    jstring text = (*jenv)->NewStringUTF(jenv, value$argnum != NULL ? value$argnum : "");
    if (text != NULL) (*jenv)->SetObjectArrayElement(jenv, $input, 0, text);
  }
%}

%typemap(jni) char **TDCM_OWNED_STRING_OUT "jobjectArray"
%typemap(jtype) char **TDCM_OWNED_STRING_OUT "String[]"
%typemap(jstype) char **TDCM_OWNED_STRING_OUT "String[]"
%typemap(javain) char **TDCM_OWNED_STRING_OUT "$javainput"
%typemap(in) char **TDCM_OWNED_STRING_OUT (char *value = NULL) %{
  if (!tdcmjni_require(jenv, $input, "output array")) return $null;
  $1 = &value;
%}
%typemap(argout) char **TDCM_OWNED_STRING_OUT %{
  if (result == TDCM_OK) {
    jstring text = (*jenv)->NewStringUTF(jenv, value$argnum != NULL ? value$argnum : "");
    if (text != NULL) (*jenv)->SetObjectArrayElement(jenv, $input, 0, text);
  }
%}
%typemap(freearg) char **TDCM_OWNED_STRING_OUT %{ free(value$argnum); %}


/* The seed is a 64-bit unsigned value: a Java long with the same bits. */
%apply long long { uint64_t seed };

/* Bound below instead: tdcm_jni_save_bytes returns a byte[]; tdcm_jni_fit,
   tdcm_jni_fit_labelled and their _direct variants call a ProgressListener
   through a trampoline. */
%ignore tdcm_save_buffer;
%ignore tdcm_fit_progress;
%ignore tdcm_fit_labelled;
%ignore tdcm_fit_labelled_progress;
/* Bound below instead: tdcm_label_pinned uses the arrays in place. */
%ignore tdcm_assign;
%ignore tdcm_predict;
%ignore tdcm_assign_report;
/* Read as the booleans of ClusterReport (see TDCM_REPORT_OUT). */
%ignore TDCM_CLUSTER_UNMATCHED;
%ignore TDCM_CLUSTER_MOVED_FAR;
%ignore TDCM_CLUSTER_SHRANK;

/* Which centroids Model.getCentroids returns: a Java enum, Centroids.SOURCE
   and Centroids.ADAPTED. */
%rename(Centroids) tdcm_centroids;
%rename(SOURCE) TDCM_CENTROIDS_SOURCE;
%rename(ADAPTED) TDCM_CENTROIDS_ADAPTED;
%typemap(javaclassmodifiers) enum tdcm_centroids
  "/** Which centroids {@link Model#getCentroids(Centroids)} returns. */\npublic enum"

%include "../swig/tdcm_core.i"

/* ---- Direct-buffer variants (no copy at all) ------------------------------ */
%apply float *TDCM_FLOATS_DIRECT { const float *x_direct, float *probs_direct };
%apply int32_t *TDCM_INT32S_DIRECT { int32_t *labels_direct, const int32_t *labels_direct };
%apply int64_t *TDCM_INT64S_DIRECT { const int64_t *set_ids_direct };
%inline %{
static tdcm_status tdcm_adapt_direct(tdcm_model *model, const float *x_direct, int64_t n,
                                     int64_t d) {
  return tdcm_adapt(model, x_direct, n, d);
}
/* tdcm_assign (predict == 0) or tdcm_predict (predict != 0) on direct buffers;
   with a report, tdcm_assign_report. */
static tdcm_status tdcm_label_direct(tdcm_model *model, int predict, const float *x_direct,
                                     int64_t n, int64_t d, int32_t *labels_direct,
                                     float *probs_direct, tdcm_cluster_report *report) {
  if (report != NULL) {
    return tdcm_assign_report(model, x_direct, n, d, labels_direct, probs_direct, report);
  }
  return predict ? tdcm_predict(model, x_direct, n, d, labels_direct, probs_direct)
                 : tdcm_assign(model, x_direct, n, d, labels_direct, probs_direct);
}
%}

/* ---- Java arrays used in place (JNI critical sections) --------------------- */
/* tdcm_label_pinned hands the library the Java arrays themselves, between
 * GetPrimitiveArrayCritical and ReleasePrimitiveArrayCritical: HotSpot pins
 * them, so rows x d floats go in and n labels (and n x k probabilities) come
 * out with no copy at all. The price: while the call runs, the garbage
 * collector may not move these arrays, and on most collectors (G1 before JDK
 * 22, Parallel, Serial) a collection that another thread needs waits until
 * the call returns. assign and predict are one bounded inference pass, so
 * that is acceptable there; fit and adapt keep the copy (see the top).
 * Inside a critical section no other JNI function may run, hence: every
 * length is checked before the first pin, the library call is the only thing
 * between pin and release, and a failing status becomes an exception only
 * after the last release (the status typemap runs after this function
 * returns). Inputs are released with JNI_ABORT, outputs with 0 (on a VM that
 * did copy, that writes them back). */
%typemap(in, numinputs=0) JNIEnv *jenv %{ $1 = jenv; %}

%{
enum { TDCMJNI_MAX_PINS = 3 };

/* Java arrays held for one library call; NULL arrays are skipped. */
typedef struct {
  jarray array[TDCMJNI_MAX_PINS];
  jint mode[TDCMJNI_MAX_PINS];
  void *data[TDCMJNI_MAX_PINS];
} tdcmjni_pins;

static void tdcmjni_unpin(JNIEnv *jenv, tdcmjni_pins *pins) {
  int i;
  for (i = TDCMJNI_MAX_PINS - 1; i >= 0; --i) {
    if (pins->data[i] != NULL) {
      (*jenv)->ReleasePrimitiveArrayCritical(jenv, pins->array[i], pins->data[i], pins->mode[i]);
      pins->data[i] = NULL;
    }
  }
}

/* Enters the critical section: 1, or 0 with nothing held and an exception pending. */
static int tdcmjni_pin(JNIEnv *jenv, tdcmjni_pins *pins) {
  int i;
  for (i = 0; i < TDCMJNI_MAX_PINS; ++i) {
    if (pins->array[i] == NULL) continue;
    pins->data[i] = (*jenv)->GetPrimitiveArrayCritical(jenv, pins->array[i], NULL);
    if (pins->data[i] == NULL) {
      tdcmjni_unpin(jenv, pins);
      if (!(*jenv)->ExceptionCheck(jenv)) {
        SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "pinning a Java array");
      }
      return 0;
    }
  }
  return 1;
}

/* Whether `array` (NULL: nothing to check) holds at least rows x width elements;
   throws IllegalArgumentException otherwise. Negative sizes are left to the
   library, which refuses them before reading anything. */
static int tdcmjni_holds(JNIEnv *jenv, jarray array, int64_t rows, int64_t width,
                         const char *what) {
  jsize length;
  if (array == NULL || rows < 0 || width <= 0) return 1;
  length = (*jenv)->GetArrayLength(jenv, array);
  if (rows <= (int64_t)length / width) return 1;
  SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, what);
  return 0;
}
%}

%inline %{
/* tdcm_assign (predict == 0) or tdcm_predict (predict != 0) of rows given as
   a float[] (x_array, used in place) or else a direct buffer (x_direct), into
   an int[] of labels and an optional float[] of probabilities, both written
   in place; with a report (k native entries, see TDCM_REPORT_OUT),
   tdcm_assign_report. */
static tdcm_status tdcm_label_pinned(JNIEnv *jenv, tdcm_model *model, int predict,
                                     jfloatArray x_array, const float *x_direct, int64_t n,
                                     int64_t d, jintArray labels_array, jfloatArray probs_array,
                                     tdcm_cluster_report *report) {
  tdcmjni_pins pins;
  int64_t k = 0;
  tdcm_status status;
  if (probs_array != NULL) {
    status = tdcm_get_k(model, &k);
    if (status != TDCM_OK) return status;
  }
  if (!tdcmjni_holds(jenv, x_array, n, d, "x is shorter than n x d") ||
      !tdcmjni_holds(jenv, labels_array, n, 1, "labels is shorter than n") ||
      !tdcmjni_holds(jenv, probs_array, n, k, "probabilities is shorter than n x k")) {
    return TDCM_ERR_INVALID_ARGUMENT; /* the pending exception is the one thrown */
  }
  memset(&pins, 0, sizeof pins);
  pins.array[0] = x_array;
  pins.mode[0] = JNI_ABORT;
  pins.array[1] = labels_array;
  pins.array[2] = probs_array;
  if (!tdcmjni_pin(jenv, &pins)) return TDCM_ERR_OUT_OF_MEMORY;
  if (x_array != NULL) x_direct = (const float *)pins.data[0];
  /* The critical section: nothing but the library call. */
  if (report != NULL) {
    status = tdcm_assign_report(model, x_direct, n, d, (int32_t *)pins.data[1],
                                (float *)pins.data[2], report);
  } else if (predict) {
    status = tdcm_predict(model, x_direct, n, d, (int32_t *)pins.data[1], (float *)pins.data[2]);
  } else {
    status = tdcm_assign(model, x_direct, n, d, (int32_t *)pins.data[1], (float *)pins.data[2]);
  }
  tdcmjni_unpin(jenv, &pins);
  return status;
}
%}

/* ---- Model bytes out: a new byte[] ----------------------------------------- */
%inline %{
/* tdcm_save_buffer into a new byte[]: the size query, the copy into native
   memory, then one copy into the Java array. A fit on another thread between
   query and copy may change the size: the query is repeated, a few times at
   most. On failure NULL, with the exception pending. */
static jbyteArray tdcm_jni_save_bytes(JNIEnv *jenv, tdcm_model *model) {
  size_t needed = 0, capacity = 0;
  void *buf = NULL;
  jbyteArray out = NULL;
  int tries;
  tdcm_status status = tdcm_save_buffer(model, NULL, 0, &needed);
  for (tries = 0; status == TDCM_ERR_INVALID_ARGUMENT && needed > capacity && tries < 8; ++tries) {
    free(buf);
    capacity = needed;
    buf = malloc(capacity);
    if (buf == NULL) {
      SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "model bytes");
      return NULL;
    }
    status = tdcm_save_buffer(model, buf, capacity, &needed);
  }
  if (status != TDCM_OK) {
    free(buf);
    tdcmjni_throw(jenv, status);
    return NULL;
  }
  if (needed > 0x7fffffff - 8) {
    free(buf);
    SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "the model exceeds a Java array");
    return NULL;
  }
  out = (*jenv)->NewByteArray(jenv, (jsize)needed);
  if (out != NULL) (*jenv)->SetByteArrayRegion(jenv, out, 0, (jsize)needed, (const jbyte *)buf);
  free(buf);
  return out;
}
%}

/* ---- Fit with a ProgressListener -------------------------------------------- */
/* The trampoline builds an org.tdcm.Progress and calls the listener's
 * onProgress on the fitting thread: that is the thread inside this JNI call,
 * so its JNIEnv is the one in the context. fit reads float[] rows through a
 * copy (no critical section), so calling Java from inside the library is
 * allowed. An exception thrown by the listener is cleared, kept, and cancels
 * the fit; it is thrown again once the library returned, in place of the
 * CANCELLED status. Each call's local references are deleted as it returns. */
%typemap(jni) jobject listener "jobject"
%typemap(jtype) jobject listener "ProgressListener"
%typemap(jstype) jobject listener "ProgressListener"
%typemap(javain) jobject listener "$javainput"
%typemap(in) jobject listener %{ $1 = $input; %}

%{
typedef struct {
  JNIEnv *jenv;
  jobject listener;
  jmethodID on_progress;
  jclass progress_class;
  jmethodID progress_ctor;
  jthrowable thrown;
} tdcmjni_progress;

static int tdcmjni_on_progress(const tdcm_progress *p, void *user) {
  tdcmjni_progress *ctx = (tdcmjni_progress *)user;
  JNIEnv *jenv = ctx->jenv;
  jboolean go_on = JNI_FALSE;
  jobject progress;
  if (ctx->thrown != NULL) return 1;
  progress = (*jenv)->NewObject(jenv, ctx->progress_class, ctx->progress_ctor, (jint)p->epoch,
                                (jint)p->epochs, (jdouble)p->loss, (jdouble)p->loss_clu,
                                (jdouble)p->loss_bal, (jdouble)p->loss_orth,
                                (jdouble)p->elapsed_s);
  if (progress != NULL) {
    go_on = (*jenv)->CallBooleanMethod(jenv, ctx->listener, ctx->on_progress, progress);
  }
  if ((*jenv)->ExceptionCheck(jenv)) {
    ctx->thrown = (*jenv)->ExceptionOccurred(jenv);
    (*jenv)->ExceptionClear(jenv);
  }
  if (progress != NULL) (*jenv)->DeleteLocalRef(jenv, progress);
  return ctx->thrown != NULL || !go_on ? 1 : 0;
}

/* tdcm_fit (labelled: tdcm_fit_labelled with `labels`), through
   tdcm_fit_progress (tdcm_fit_labelled_progress) when a listener is given. */
static tdcm_status tdcmjni_fit(JNIEnv *jenv, tdcm_model *model, const float *x, int64_t n,
                               int64_t d, const int64_t *set_ids, int labelled,
                               const int32_t *labels, jobject listener) {
  tdcmjni_progress ctx;
  tdcm_status status;
  jclass listener_class;
  if (listener == NULL) {
    return labelled ? tdcm_fit_labelled(model, x, n, d, set_ids, labels)
                    : tdcm_fit(model, x, n, d, set_ids);
  }
  memset(&ctx, 0, sizeof ctx);
  ctx.jenv = jenv;
  ctx.listener = listener;
  listener_class = (*jenv)->FindClass(jenv, "org/tdcm/ProgressListener");
  if (listener_class == NULL) return TDCM_ERR_INTERNAL; /* the error is pending */
  ctx.on_progress =
      (*jenv)->GetMethodID(jenv, listener_class, "onProgress", "(Lorg/tdcm/Progress;)Z");
  (*jenv)->DeleteLocalRef(jenv, listener_class);
  if (ctx.on_progress == NULL) return TDCM_ERR_INTERNAL;
  ctx.progress_class = (*jenv)->FindClass(jenv, "org/tdcm/Progress");
  if (ctx.progress_class == NULL) return TDCM_ERR_INTERNAL;
  ctx.progress_ctor = (*jenv)->GetMethodID(jenv, ctx.progress_class, "<init>", "(IIDDDDD)V");
  if (ctx.progress_ctor == NULL) {
    status = TDCM_ERR_INTERNAL;
  } else if (labelled) {
    status = tdcm_fit_labelled_progress(model, x, n, d, set_ids, labels, tdcmjni_on_progress,
                                        &ctx);
  } else {
    status = tdcm_fit_progress(model, x, n, d, set_ids, tdcmjni_on_progress, &ctx);
  }
  (*jenv)->DeleteLocalRef(jenv, ctx.progress_class);
  if (ctx.thrown != NULL) {
    (*jenv)->Throw(jenv, ctx.thrown); /* the status typemap keeps a pending exception */
    (*jenv)->DeleteLocalRef(jenv, ctx.thrown);
  }
  return status;
}
%}

%inline %{
static tdcm_status tdcm_jni_fit(JNIEnv *jenv, tdcm_model *model, const float *x, int64_t n,
                                int64_t d, const int64_t *set_ids, jobject listener) {
  return tdcmjni_fit(jenv, model, x, n, d, set_ids, 0, NULL, listener);
}
static tdcm_status tdcm_jni_fit_direct(JNIEnv *jenv, tdcm_model *model, const float *x_direct,
                                       int64_t n, int64_t d, const int64_t *set_ids_direct,
                                       jobject listener) {
  return tdcmjni_fit(jenv, model, x_direct, n, d, set_ids_direct, 0, NULL, listener);
}
static tdcm_status tdcm_jni_fit_labelled(JNIEnv *jenv, tdcm_model *model, const float *x,
                                         int64_t n, int64_t d, const int64_t *set_ids,
                                         const int32_t *labels, jobject listener) {
  return tdcmjni_fit(jenv, model, x, n, d, set_ids, 1, labels, listener);
}
static tdcm_status tdcm_jni_fit_labelled_direct(JNIEnv *jenv, tdcm_model *model,
                                                const float *x_direct, int64_t n, int64_t d,
                                                const int64_t *set_ids_direct,
                                                const int32_t *labels_direct, jobject listener) {
  return tdcmjni_fit(jenv, model, x_direct, n, d, set_ids_direct, 1, labels_direct, listener);
}
%}
