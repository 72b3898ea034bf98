package tdcm

/*
#cgo pkg-config: tdcm
#include <stdlib.h>
#include <string.h>

#include <tdcm/tdcm.h>

// Every call goes through one of these: it runs the C function and, if that
// failed, copies tdcm_last_error() before returning to Go. The message is
// thread-local and a goroutine may run its next cgo call on another thread,
// so it must be read within the same call.
static char *tdcmgo_error(tdcm_status s) {
  return s == TDCM_OK ? NULL : strdup(tdcm_last_error());
}

static tdcm_status tdcmgo_create(tdcm_model **out, const char *params, char **err) {
  tdcm_status s = tdcm_create(out, params);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_load(tdcm_model **out, const char *path, const char *params,
                               char **err) {
  tdcm_status s = params ? tdcm_load_with(out, path, params) : tdcm_load(out, path);
  *err = tdcmgo_error(s);
  return s;
}

// With labels (non-NULL only from FitLabelled) the labelled fit.
static tdcm_status tdcmgo_fit(tdcm_model *m, const float *x, int64_t n, int64_t d,
                              const int64_t *set_ids, const int32_t *labels, char **err) {
  tdcm_status s = labels ? tdcm_fit_labelled(m, x, n, d, set_ids, labels)
                         : tdcm_fit(m, x, n, d, set_ids);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_assign(tdcm_model *m, const float *x, int64_t n, int64_t d,
                                 int32_t *labels, float *probs, char **err) {
  tdcm_status s = tdcm_assign(m, x, n, d, labels, probs);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_adapt(tdcm_model *m, const float *x, int64_t n, int64_t d,
                                char **err) {
  tdcm_status s = tdcm_adapt(m, x, n, d);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_predict(tdcm_model *m, const float *x, int64_t n, int64_t d,
                                  int32_t *labels, float *probs, char **err) {
  tdcm_status s = tdcm_predict(m, x, n, d, labels, probs);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_assign_report(tdcm_model *m, const float *x, int64_t n, int64_t d,
                                        int32_t *labels, float *probs,
                                        tdcm_cluster_report *report, char **err) {
  tdcm_status s = tdcm_assign_report(m, x, n, d, labels, probs, report);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_get_report(tdcm_model *m, tdcm_cluster_report *report, char **err) {
  tdcm_status s = tdcm_get_report(m, report);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_get_centroid_dim(tdcm_model *m, int64_t *dim, int32_t *space,
                                           char **err) {
  tdcm_status s = tdcm_get_centroid_dim(m, dim, space);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_get_centroids(tdcm_model *m, int32_t which, float *out, int64_t k,
                                        int64_t dim, char **err) {
  tdcm_status s = tdcm_get_centroids(m, which, out, k, dim);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_set_centroids(tdcm_model *m, const float *c, int64_t k, int64_t d,
                                        char **err) {
  tdcm_status s = tdcm_set_centroids(m, c, k, d);
  *err = tdcmgo_error(s);
  return s;
}

// A buffer too small is the size query's answer, not an error to report.
static tdcm_status tdcmgo_save_buffer(tdcm_model *m, void *buf, size_t capacity, size_t *needed,
                                      char **err) {
  tdcm_status s = tdcm_save_buffer(m, buf, capacity, needed);
  *err = s == TDCM_ERR_INVALID_ARGUMENT && *needed > capacity ? NULL : tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_load_buffer(tdcm_model **out, const void *data, size_t size,
                                      const char *params, char **err) {
  tdcm_status s = params ? tdcm_load_buffer_with(out, data, size, params)
                         : tdcm_load_buffer(out, data, size);
  *err = tdcmgo_error(s);
  return s;
}

// The Go side of the progress callback (progress.go); `handle` is a
// cgo.Handle of the fit's context, passed through user_data.
extern int tdcmgoProgress(tdcm_progress *p, uintptr_t handle);

static int tdcmgo_on_progress(const tdcm_progress *p, void *user) {
  return tdcmgoProgress((tdcm_progress *)p, (uintptr_t)user);
}

static tdcm_status tdcmgo_fit_progress(tdcm_model *m, const float *x, int64_t n, int64_t d,
                                       const int64_t *set_ids, const int32_t *labels,
                                       uintptr_t handle, char **err) {
  tdcm_status s = labels ? tdcm_fit_labelled_progress(m, x, n, d, set_ids, labels,
                                                      tdcmgo_on_progress, (void *)handle)
                         : tdcm_fit_progress(m, x, n, d, set_ids, tdcmgo_on_progress,
                                             (void *)handle);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_save(tdcm_model *m, const char *path, char **err) {
  tdcm_status s = tdcm_save(m, path);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_get_k(tdcm_model *m, int64_t *k, char **err) {
  tdcm_status s = tdcm_get_k(m, k);
  *err = tdcmgo_error(s);
  return s;
}

// All scalar properties in one call.
typedef struct tdcmgo_info {
  int64_t k, input_dim, embed_dim;
  int fitted, adapted;
  const char *algorithm, *device;
} tdcmgo_info;

static tdcm_status tdcmgo_get_info(tdcm_model *m, tdcmgo_info *info, char **err) {
  tdcm_status s = tdcm_get_k(m, &info->k);
  if (s == TDCM_OK) s = tdcm_get_input_dim(m, &info->input_dim);
  if (s == TDCM_OK) s = tdcm_get_embed_dim(m, &info->embed_dim);
  if (s == TDCM_OK) s = tdcm_is_fitted(m, &info->fitted);
  if (s == TDCM_OK) s = tdcm_is_adapted(m, &info->adapted);
  if (s == TDCM_OK) s = tdcm_get_algorithm(m, &info->algorithm);
  if (s == TDCM_OK) s = tdcm_get_device(m, &info->device);
  *err = tdcmgo_error(s);
  return s;
}

// The parameter string, malloc'ed.
static tdcm_status tdcmgo_get_params(tdcm_model *m, char **out, char **err) {
  char probe[1];
  size_t needed = 0;
  tdcm_status s = tdcm_get_params(m, probe, 0, &needed);
  *out = NULL;
  if (needed > 0) {
    *out = (char *)malloc(needed);
    s = *out ? tdcm_get_params(m, *out, needed, NULL) : TDCM_ERR_OUT_OF_MEMORY;
  }
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_metrics(const int32_t *truth, const int32_t *pred, int64_t n,
                                  tdcm_metrics_result *out, char **err) {
  tdcm_status s = tdcm_metrics(truth, pred, n, out);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_acc_kept(const int32_t *st, const int32_t *sp, int64_t ns,
                                   const int32_t *tt, const int32_t *tp, int64_t nt,
                                   double *acc_kept, char **err) {
  tdcm_status s = tdcm_metrics_acc_kept(st, sp, ns, tt, tp, nt, acc_kept);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_calibration(const int32_t *st, const int32_t *sp, int64_t ns,
                                      const int32_t *tt, const float *probs, int64_t nt,
                                      int64_t k, double *ece, double *log_loss, char **err) {
  tdcm_status s = tdcm_metrics_calibration(st, sp, ns, tt, probs, nt, k, ece, log_loss);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_synth_drift(int64_t k, int64_t d, int64_t n, uint64_t seed,
                                      double spread, double drift, float *sx, int32_t *sy,
                                      float *tx, int32_t *ty, char **err) {
  tdcm_status s = tdcm_synth_drift(k, d, n, seed, spread, drift, sx, sy, tx, ty);
  *err = tdcmgo_error(s);
  return s;
}

static tdcm_status tdcmgo_param_info(size_t index, tdcm_param_desc *desc, char **err) {
  tdcm_status s = tdcm_param_info(index, desc);
  *err = tdcmgo_error(s);
  return s;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Status is a status code of the C API. Every failing call returns an
// *Error with one; errors.Is(err, tdcm.NotFitted) tests for it.
type Status int

// The status codes of tdcm.h.
const (
	OK                 = Status(C.TDCM_OK)
	NullArgument       = Status(C.TDCM_ERR_NULL_ARGUMENT)
	InvalidArgument    = Status(C.TDCM_ERR_INVALID_ARGUMENT)
	UnknownParameter   = Status(C.TDCM_ERR_UNKNOWN_PARAMETER)
	BadParameter       = Status(C.TDCM_ERR_BAD_PARAMETER)
	NonFinite          = Status(C.TDCM_ERR_NON_FINITE)
	Shape              = Status(C.TDCM_ERR_SHAPE)
	NotFitted          = Status(C.TDCM_ERR_NOT_FITTED)
	NotAdapted         = Status(C.TDCM_ERR_NOT_ADAPTED)
	IO                 = Status(C.TDCM_ERR_IO)
	BadFile            = Status(C.TDCM_ERR_BAD_FILE)
	UnsupportedVersion = Status(C.TDCM_ERR_UNSUPPORTED_VERSION)
	Device             = Status(C.TDCM_ERR_DEVICE)
	Busy               = Status(C.TDCM_ERR_BUSY)
	OutOfMemory        = Status(C.TDCM_ERR_OUT_OF_MEMORY)
	Cancelled          = Status(C.TDCM_ERR_CANCELLED)
	Internal           = Status(C.TDCM_ERR_INTERNAL)
	Diverged           = Status(C.TDCM_ERR_DIVERGED)
	Distributed        = Status(C.TDCM_ERR_DISTRIBUTED)
	Timeout            = Status(C.TDCM_ERR_TIMEOUT)
)

// String is the C name of the code, e.g. "TDCM_ERR_SHAPE".
func (s Status) String() string {
	return C.GoString(C.tdcm_status_name(C.tdcm_status(s)))
}

// Error makes a Status usable as the target of errors.Is.
func (s Status) Error() string {
	return "tdcm: " + s.String()
}

// Error is a failed call: the status and the library's message.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string {
	return "tdcm: " + e.Status.String() + ": " + e.Message
}

// Is reports whether target is this error's Status, or an *Error with the
// same Status.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Status:
		return e.Status == t
	case *Error:
		return e.Status == t.Status
	}
	return false
}

// ErrClosed is returned by every method of a Model after Close.
var ErrClosed = errors.New("tdcm: the model is closed")

// check turns a status and the message copied by the C wrapper into an error.
func check(s C.tdcm_status, msg *C.char) error {
	if s == C.TDCM_OK {
		return nil
	}
	text := ""
	if msg != nil {
		text = C.GoString(msg)
		C.free(unsafe.Pointer(msg))
	}
	return &Error{Status: Status(s), Message: text}
}

func invalid(format string, args ...interface{}) error {
	return &Error{Status: InvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// cString is a NUL-terminated copy of s for C (freed by the caller).
func cString(s string) (*C.char, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return nil, invalid("string holds a NUL byte: %q", s)
		}
	}
	return C.CString(s), nil
}

// Model is a libtdcm model. Its methods are safe for concurrent use.
type Model struct {
	mu       sync.RWMutex
	h        *C.tdcm_model
	progress atomic.Value // a ProgressFunc, or a nil one
}

func newModel(h *C.tdcm_model) *Model {
	m := &Model{h: h}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// New creates an unfitted model from space-separated "key=value" pairs, e.g.
// "k=10 algo=kmeans" ("" for the defaults; see Parameters for the keys).
func New(params string) (*Model, error) {
	cp, err := cString(params)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cp))
	var h *C.tdcm_model
	var msg *C.char
	if err := check(C.tdcmgo_create(&h, cp, &msg), msg); err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// Load reads a model written by Save, onto the CPU.
func Load(path string) (*Model, error) {
	return load(path, nil)
}

// LoadWith reads a model written by Save and overrides its run-time
// parameters (only "device", "threads" and "chunk_rows").
func LoadWith(path, params string) (*Model, error) {
	return load(path, &params)
}

func load(path string, params *string) (*Model, error) {
	cpath, err := cString(path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var cparams *C.char
	if params != nil {
		if cparams, err = cString(*params); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cparams))
	}
	var h *C.tdcm_model
	var msg *C.char
	if err := check(C.tdcmgo_load(&h, cpath, cparams, &msg), msg); err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// Close frees the model. It waits for calls in progress on other goroutines;
// calling it again does nothing. It always returns nil.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.h != nil {
		C.tdcm_destroy(m.h)
		m.h = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// acquire read-locks the model for one call; the caller defers m.mu.RUnlock()
// only when err is nil.
func (m *Model) acquire() (*C.tdcm_model, error) {
	m.mu.RLock()
	if m.h == nil {
		m.mu.RUnlock()
		return nil, ErrClosed
	}
	return m.h, nil
}

// rows checks that x is a matrix of d columns and returns its row count.
func rows(x []float32, d int) (int, error) {
	if d < 1 {
		return 0, invalid("d must be at least 1, got %d", d)
	}
	if len(x) == 0 {
		return 0, invalid("x holds no rows")
	}
	if len(x)%d != 0 {
		return 0, invalid("x holds %d values, not a multiple of d = %d", len(x), d)
	}
	return len(x) / d, nil
}

func floats(x []float32) *C.float {
	if len(x) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&x[0]))
}

func int32s(x []int32) *C.int32_t {
	if len(x) == 0 {
		return nil
	}
	return (*C.int32_t)(unsafe.Pointer(&x[0]))
}

// Fit trains on one source data set of d columns. It replaces any earlier fit.
func (m *Model) Fit(x []float32, d int) error {
	return m.FitSets(x, d, nil)
}

// FitSets trains on a collection of source data sets: rows with equal
// setIDs form one data set (a mini-batch never mixes them). setIDs may be
// nil (one data set).
func (m *Model) FitSets(x []float32, d int, setIDs []int64) error {
	n, err := rows(x, d)
	if err != nil {
		return err
	}
	var ids *C.int64_t
	if setIDs != nil {
		if len(setIDs) != n {
			return invalid("setIDs has %d entries for %d rows", len(setIDs), n)
		}
		ids = (*C.int64_t)(unsafe.Pointer(&setIDs[0]))
	}
	return m.fit(x, n, d, ids, nil)
}

// FitLabelled trains on a collection of source data sets with a label per
// row: labels[i] is the cluster of row i within its set setIDs[i] (cluster
// ids need not agree across sets). The family metric (parameter collection)
// is then estimated from these labelled clusters rather than from the fit's
// own clustering of each set; later sets are still clustered without labels.
// The SetProgress func is called as for FitSets. NullArgument for nil setIDs
// or labels; InvalidArgument for slices that are not one entry per row, a
// negative label, a single set, or a model that is not algo=tdcm with
// metric=gaussian and collection auto or family.
func (m *Model) FitLabelled(x []float32, d int, setIDs []int64, labels []int32) error {
	n, err := rows(x, d)
	if err != nil {
		return err
	}
	if setIDs == nil {
		return &Error{Status: NullArgument, Message: "setIDs is nil"}
	}
	if labels == nil {
		return &Error{Status: NullArgument, Message: "labels is nil"}
	}
	if len(setIDs) != n {
		return invalid("setIDs has %d entries for %d rows", len(setIDs), n)
	}
	if len(labels) != n {
		return invalid("labels has %d entries for %d rows", len(labels), n)
	}
	return m.fit(x, n, d, (*C.int64_t)(unsafe.Pointer(&setIDs[0])), int32s(labels))
}

// fit is FitSets (labels nil) or FitLabelled on checked arguments.
func (m *Model) fit(x []float32, n, d int, ids *C.int64_t, labels *C.int32_t) error {
	h, err := m.acquire()
	if err != nil {
		return err
	}
	defer m.mu.RUnlock()
	var msg *C.char
	fn, _ := m.progress.Load().(ProgressFunc)
	if fn == nil {
		return check(C.tdcmgo_fit(h, floats(x), C.int64_t(n), C.int64_t(d), ids, labels, &msg), msg)
	}
	// The context lives for this call: the library keeps no pointer to it after.
	fit := &progressFit{fn: fn}
	handle := cgo.NewHandle(fit)
	defer handle.Delete()
	err = check(C.tdcmgo_fit_progress(h, floats(x), C.int64_t(n), C.int64_t(d), ids, labels,
		C.uintptr_t(handle), &msg), msg)
	if fit.panicked {
		panic(fit.panicValue) // the callback's own panic, now outside the library's frames
	}
	return err
}

// Assign clusters a target data set in one forward pass (the centroids adapt
// to all rows; the model is not changed) and returns one label per row.
func (m *Model) Assign(x []float32, d int) ([]int32, error) {
	n, err := rows(x, d)
	if err != nil {
		return nil, err
	}
	labels := make([]int32, n)
	if _, err := m.label(false, false, x, d, labels, nil); err != nil {
		return nil, err
	}
	return labels, nil
}

// AssignProbs is Assign that also returns the rows*k soft assignments
// (row-major, each row sums to 1).
func (m *Model) AssignProbs(x []float32, d int) ([]int32, []float32, error) {
	return m.labelProbs(false, x, d)
}

// AssignInto is Assign into caller-owned slices: labels of at least rows
// entries, probs nil or of at least rows*k.
func (m *Model) AssignInto(x []float32, d int, labels []int32, probs []float32) error {
	_, err := m.label(false, false, x, d, labels, probs)
	return err
}

// ClusterReport describes one cluster of a target set against the source.
type ClusterReport struct {
	Cluster       int     // its label on the target
	SourceCluster int     // the source cluster it continues (its label on the source)
	Flags         int     // FlagUnmatched | FlagMovedFar | FlagShrank bits
	Confidence    float64 // match confidence in [0, 1]: the posterior probability of the pairing
	Shift         float64 // how far its centre moved, in units of the source cluster's spread
	SourceSize    int64   // rows labelled with it on the source (0 if unknown)
	TargetSize    int64   // rows labelled with it on the target
}

// The bits of ClusterReport.Flags.
const (
	FlagUnmatched = int(C.TDCM_CLUSTER_UNMATCHED) // no source cluster matches it confidently (confidence < 0.5)
	FlagMovedFar  = int(C.TDCM_CLUSTER_MOVED_FAR) // its centre moved more than 3 of its own spreads
	FlagShrank    = int(C.TDCM_CLUSTER_SHRANK)    // its share of the rows fell below half its source share
)

// Unmatched reports whether no source cluster matches it confidently.
func (r ClusterReport) Unmatched() bool { return r.Flags&FlagUnmatched != 0 }

// MovedFar reports whether its centre moved more than 3 of its own spreads.
func (r ClusterReport) MovedFar() bool { return r.Flags&FlagMovedFar != 0 }

// Shrank reports whether its share of the rows fell below half its share on the source.
func (r ClusterReport) Shrank() bool { return r.Flags&FlagShrank != 0 }

func reports(c []C.tdcm_cluster_report) []ClusterReport {
	out := make([]ClusterReport, len(c))
	for i, r := range c {
		out[i] = ClusterReport{
			Cluster:       int(r.cluster),
			SourceCluster: int(r.source_cluster),
			Flags:         int(r.flags),
			Confidence:    float64(r.confidence),
			Shift:         float64(r.shift),
			SourceSize:    int64(r.source_size),
			TargetSize:    int64(r.target_size),
		}
	}
	return out
}

// AssignReport is AssignProbs that also returns the report of the target's
// clusters (k entries, entry j for label j): the source cluster each
// continues, how confident that match is, how far it moved and its sizes. It
// fails with InvalidArgument when the model has no source clusters (fitted on
// a collection of sets, or metric=shared).
func (m *Model) AssignReport(x []float32, d int) (labels []int32, probs []float32, report []ClusterReport, err error) {
	n, err := rows(x, d)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := m.K()
	if err != nil {
		return nil, nil, nil, err
	}
	labels = make([]int32, n)
	probs = make([]float32, n*k)
	if report, err = m.label(false, true, x, d, labels, probs); err != nil {
		return nil, nil, nil, err
	}
	return labels, probs, report, nil
}

// AssignReportInto is AssignReport into caller-owned slices: labels of at
// least rows entries, probs nil or of at least rows*k.
func (m *Model) AssignReportInto(x []float32, d int, labels []int32, probs []float32) ([]ClusterReport, error) {
	return m.label(false, true, x, d, labels, probs)
}

// Report is the report of the set the model was last adapted to (Adapt), as
// AssignReport gives it for that set; NotAdapted before Adapt.
func (m *Model) Report() ([]ClusterReport, error) {
	h, k, err := m.acquireK()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	report := make([]C.tdcm_cluster_report, k)
	var msg *C.char
	if err := check(C.tdcmgo_get_report(h, &report[0], &msg), msg); err != nil {
		return nil, err
	}
	return reports(report), nil
}

// Centroids names the centroids a model holds.
type Centroids int

const (
	// SourceCentroids are fitted on the source (or set by SetCentroids).
	SourceCentroids = Centroids(C.TDCM_CENTROIDS_SOURCE)
	// AdaptedCentroids are adapted by the last Adapt.
	AdaptedCentroids = Centroids(C.TDCM_CENTROIDS_ADAPTED)
)

// CentroidDim is the width of the centroids that Centroids returns, and
// whether they are in input coordinates (k-means, gmm, TDCM with
// encoder=identity) rather than in a learned encoder's embedding. NotFitted
// before fitting.
func (m *Model) CentroidDim() (dim int, inputSpace bool, err error) {
	h, err := m.acquire()
	if err != nil {
		return 0, false, err
	}
	defer m.mu.RUnlock()
	var cdim C.int64_t
	var space C.int32_t
	var msg *C.char
	if err := check(C.tdcmgo_get_centroid_dim(h, &cdim, &space, &msg), msg); err != nil {
		return 0, false, err
	}
	return int(cdim), space == C.TDCM_SPACE_INPUT, nil
}

// Centroids returns the source's or the adapted centroids: k rows of
// CentroidDim values, row-major. NotAdapted for AdaptedCentroids before Adapt.
func (m *Model) Centroids(which Centroids) ([]float32, error) {
	h, k, err := m.acquireK()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	var dim C.int64_t
	var msg *C.char
	if err := check(C.tdcmgo_get_centroid_dim(h, &dim, nil, &msg), msg); err != nil {
		return nil, err
	}
	out := make([]float32, int(k)*int(dim))
	if err := check(C.tdcmgo_get_centroids(h, C.int32_t(which), floats(out), k, dim, &msg), msg); err != nil {
		return nil, err
	}
	return out, nil
}

// SetCentroids starts the model from the caller's own centroids: k rows of d
// values, row-major, in the space Centroids uses. On an unfitted model of
// algo=kmeans (or TDCM with encoder=identity and metric=gaussian) they make
// it fitted, d being the input width; on a fitted model they replace the
// source centroids and drop any adaptation.
func (m *Model) SetCentroids(centroids []float32, d int) error {
	return m.rowsCall(centroids, d, func(h *C.tdcm_model, k C.int64_t, msg **C.char) C.tdcm_status {
		return C.tdcmgo_set_centroids(h, floats(centroids), k, C.int64_t(d), msg)
	})
}

// Adapt adapts the centroids to a target domain (all rows) and keeps them
// for Predict.
func (m *Model) Adapt(x []float32, d int) error {
	return m.rowsCall(x, d, func(h *C.tdcm_model, n C.int64_t, msg **C.char) C.tdcm_status {
		return C.tdcmgo_adapt(h, floats(x), n, C.int64_t(d), msg)
	})
}

// kOf is the model's k, for a caller that holds the handle.
func kOf(h *C.tdcm_model) (C.int64_t, error) {
	var k C.int64_t
	var msg *C.char
	err := check(C.tdcmgo_get_k(h, &k, &msg), msg)
	return k, err
}

// acquireK is acquire, and the model's k.
func (m *Model) acquireK() (*C.tdcm_model, C.int64_t, error) {
	h, err := m.acquire()
	if err != nil {
		return nil, 0, err
	}
	k, err := kOf(h)
	if err != nil {
		m.mu.RUnlock()
		return nil, 0, err
	}
	return h, k, nil
}

// rowsCall checks that x is a matrix of d columns, then runs call with the
// handle, the row count and where the C wrapper puts the error message.
func (m *Model) rowsCall(x []float32, d int, call func(*C.tdcm_model, C.int64_t, **C.char) C.tdcm_status) error {
	n, err := rows(x, d)
	if err != nil {
		return err
	}
	h, err := m.acquire()
	if err != nil {
		return err
	}
	defer m.mu.RUnlock()
	var msg *C.char
	return check(call(h, C.int64_t(n), &msg), msg)
}

// Predict labels rows against the adapted centroids (rows are independent,
// so one row is fine).
func (m *Model) Predict(x []float32, d int) ([]int32, error) {
	n, err := rows(x, d)
	if err != nil {
		return nil, err
	}
	labels := make([]int32, n)
	if _, err := m.label(true, false, x, d, labels, nil); err != nil {
		return nil, err
	}
	return labels, nil
}

// PredictProbs is Predict that also returns the rows*k soft assignments.
func (m *Model) PredictProbs(x []float32, d int) ([]int32, []float32, error) {
	return m.labelProbs(true, x, d)
}

// PredictInto is Predict into caller-owned slices.
func (m *Model) PredictInto(x []float32, d int, labels []int32, probs []float32) error {
	_, err := m.label(true, false, x, d, labels, probs)
	return err
}

func (m *Model) labelProbs(predict bool, x []float32, d int) ([]int32, []float32, error) {
	n, err := rows(x, d)
	if err != nil {
		return nil, nil, err
	}
	k, err := m.K()
	if err != nil {
		return nil, nil, err
	}
	labels := make([]int32, n)
	probs := make([]float32, n*k)
	if _, err := m.label(predict, false, x, d, labels, probs); err != nil {
		return nil, nil, err
	}
	return labels, probs, nil
}

// label is assign or predict, or with withReport assign_report, whose
// report it returns (nil otherwise).
func (m *Model) label(predict, withReport bool, x []float32, d int, labels []int32, probs []float32) ([]ClusterReport, error) {
	n, err := rows(x, d)
	if err != nil {
		return nil, err
	}
	if len(labels) < n {
		return nil, invalid("labels has room for %d of %d rows", len(labels), n)
	}
	h, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	var k C.int64_t
	if probs != nil || withReport {
		if k, err = kOf(h); err != nil {
			return nil, err
		}
	}
	var cprobs *C.float
	if probs != nil {
		if int64(len(probs)) < int64(n)*int64(k) {
			return nil, invalid("probs has room for %d of %d values", len(probs), int64(n)*int64(k))
		}
		cprobs = floats(probs)
	}
	cx, cn, cd, clabels := floats(x), C.int64_t(n), C.int64_t(d), int32s(labels)
	var msg *C.char
	switch {
	case withReport:
		report := make([]C.tdcm_cluster_report, k)
		if err := check(C.tdcmgo_assign_report(h, cx, cn, cd, clabels, cprobs, &report[0], &msg), msg); err != nil {
			return nil, err
		}
		return reports(report), nil
	case predict:
		return nil, check(C.tdcmgo_predict(h, cx, cn, cd, clabels, cprobs, &msg), msg)
	default:
		return nil, check(C.tdcmgo_assign(h, cx, cn, cd, clabels, cprobs, &msg), msg)
	}
}

// SaveBytes returns the model's bytes: exactly what Save writes to a file (the
// same format and checksum), for LoadBytes in this or another process.
// NotFitted before fitting.
func (m *Model) SaveBytes() ([]byte, error) {
	h, err := m.acquire()
	if err != nil {
		return nil, err
	}
	defer m.mu.RUnlock()
	var buf []byte
	var needed C.size_t
	// A size query, then the copy into a Go slice (the library keeps no
	// pointer to it). A fit between the two may change the size: query
	// again, a few times at most.
	for tries := 0; ; tries++ {
		var msg *C.char
		var p unsafe.Pointer
		if len(buf) > 0 {
			p = unsafe.Pointer(&buf[0])
		}
		s := C.tdcmgo_save_buffer(h, p, C.size_t(len(buf)), &needed, &msg)
		if s == C.TDCM_OK {
			return buf[:needed], nil
		}
		if msg != nil || tries == 8 {
			if msg == nil {
				return nil, &Error{Status: Status(s), Message: "the model's size kept changing"}
			}
			return nil, check(s, msg)
		}
		buf = make([]byte, int(needed))
	}
}

// LoadBytes reads a model from the bytes SaveBytes returned (or a model
// file's bytes), onto the CPU, with the same checks as Load. The bytes are
// copied; truncated, corrupt or foreign bytes fail with BadFile.
func LoadBytes(data []byte) (*Model, error) {
	return loadBytes(data, nil)
}

// LoadBytesWith is LoadBytes that overrides run-time parameters (only
// "device", "threads" and "chunk_rows").
func LoadBytesWith(data []byte, params string) (*Model, error) {
	return loadBytes(data, &params)
}

func loadBytes(data []byte, params *string) (*Model, error) {
	var cparams *C.char
	if params != nil {
		var err error
		if cparams, err = cString(*params); err != nil {
			return nil, err
		}
		defer C.free(unsafe.Pointer(cparams))
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	var h *C.tdcm_model
	var msg *C.char
	if err := check(C.tdcmgo_load_buffer(&h, p, C.size_t(len(data)), cparams, &msg), msg); err != nil {
		return nil, err
	}
	return newModel(h), nil
}

// Save writes the model to path (atomically: a temporary file, then a rename).
func (m *Model) Save(path string) error {
	cpath, err := cString(path)
	if err != nil {
		return err
	}
	defer C.free(unsafe.Pointer(cpath))
	h, err := m.acquire()
	if err != nil {
		return err
	}
	defer m.mu.RUnlock()
	var msg *C.char
	return check(C.tdcmgo_save(h, cpath, &msg), msg)
}

// Info is a snapshot of a model's properties.
type Info struct {
	K         int    // clusters
	InputDim  int    // input dimension; 0 before fitting
	EmbedDim  int    // width of the centroids' space: embed_dim (TDCM), input dim (k-means)
	Fitted    bool   // fitted, or loaded fitted
	Adapted   bool   // Adapt ran since the last fit
	Algorithm string // "tdcm", "kmeans" or "gmm"
	Device    string // "cpu", "cuda:0", ...
}

// Info returns the model's properties.
func (m *Model) Info() (Info, error) {
	h, err := m.acquire()
	if err != nil {
		return Info{}, err
	}
	defer m.mu.RUnlock()
	var ci C.tdcmgo_info
	var msg *C.char
	if err := check(C.tdcmgo_get_info(h, &ci, &msg), msg); err != nil {
		return Info{}, err
	}
	return Info{
		K:         int(ci.k),
		InputDim:  int(ci.input_dim),
		EmbedDim:  int(ci.embed_dim),
		Fitted:    ci.fitted != 0,
		Adapted:   ci.adapted != 0,
		Algorithm: C.GoString(ci.algorithm),
		Device:    C.GoString(ci.device),
	}, nil
}

// K is the number of clusters.
func (m *Model) K() (int, error) {
	info, err := m.Info()
	return info.K, err
}

// InputDim is the input dimension of the fitted model (0 before fitting).
func (m *Model) InputDim() (int, error) {
	info, err := m.Info()
	return info.InputDim, err
}

// Fitted reports whether the model has been fitted (or loaded fitted).
func (m *Model) Fitted() (bool, error) {
	info, err := m.Info()
	return info.Fitted, err
}

// Algorithm is "tdcm", "kmeans" or "gmm".
func (m *Model) Algorithm() (string, error) {
	info, err := m.Info()
	return info.Algorithm, err
}

// Params is the model's full parameter string, every key in canonical form.
func (m *Model) Params() (string, error) {
	h, err := m.acquire()
	if err != nil {
		return "", err
	}
	defer m.mu.RUnlock()
	var out, msg *C.char
	if err := check(C.tdcmgo_get_params(h, &out, &msg), msg); err != nil {
		return "", err
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}

// Version is the library's version, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.tdcm_version())
}

// Metrics is the clustering quality of a labelling against ground truth.
type Metrics struct {
	NMI float64 // normalized mutual information (arithmetic normalisation)
	ARI float64 // adjusted Rand index
	ACC float64 // accuracy under the best one-to-one cluster-to-label map
}

func (s Metrics) String() string {
	return fmt.Sprintf("NMI %.4f  ARI %.4f  ACC %.4f", s.NMI, s.ARI, s.ACC)
}

// ComputeMetrics scores pred against truth (equal lengths, non-negative labels).
func ComputeMetrics(truth, pred []int32) (Metrics, error) {
	if len(truth) != len(pred) {
		return Metrics{}, invalid("truth and pred differ in length: %d != %d", len(truth), len(pred))
	}
	var out C.tdcm_metrics_result
	var msg *C.char
	err := check(C.tdcmgo_metrics(int32s(truth), int32s(pred), C.int64_t(len(truth)), &out, &msg), msg)
	if err != nil {
		return Metrics{}, err
	}
	return Metrics{NMI: float64(out.nmi), ARI: float64(out.ari), ACC: float64(out.acc)}, nil
}

// AccKept is the accuracy of the target labelling under the cluster-to-label
// map found on the source labelling.
func AccKept(sourceTruth, sourcePred, targetTruth, targetPred []int32) (float64, error) {
	if len(sourceTruth) != len(sourcePred) || len(targetTruth) != len(targetPred) {
		return 0, invalid("truth and pred differ in length")
	}
	var acc C.double
	var msg *C.char
	err := check(C.tdcmgo_acc_kept(int32s(sourceTruth), int32s(sourcePred), C.int64_t(len(sourceTruth)),
		int32s(targetTruth), int32s(targetPred), C.int64_t(len(targetTruth)), &acc, &msg), msg)
	return float64(acc), err
}

// Calibration describes soft assignments against ground truth.
type Calibration struct {
	ECE     float64 // expected calibration error of each row's top probability (10 equal-width bins)
	LogLoss float64 // mean -log of the probability given to the true label (at least 1e-15)
}

func (c Calibration) String() string {
	return fmt.Sprintf("ECE %.4f  log-loss %.4f", c.ECE, c.LogLoss)
}

// ComputeCalibration scores a target's soft assignments (rows*k, row-major, as
// AssignProbs returns them) under the cluster-to-label map found on the
// source labelling, as AccKept does.
func ComputeCalibration(sourceTruth, sourcePred, targetTruth []int32, targetProbs []float32, k int) (Calibration, error) {
	if len(sourceTruth) != len(sourcePred) {
		return Calibration{}, invalid("truth and pred differ in length")
	}
	if k > 0 && len(targetProbs) != len(targetTruth)*k {
		return Calibration{}, invalid("targetProbs holds %d values, not %d rows x k = %d",
			len(targetProbs), len(targetTruth), k)
	}
	var ece, logLoss C.double
	var msg *C.char
	err := check(C.tdcmgo_calibration(int32s(sourceTruth), int32s(sourcePred), C.int64_t(len(sourceTruth)),
		int32s(targetTruth), floats(targetProbs), C.int64_t(len(targetTruth)), C.int64_t(k),
		&ece, &logLoss, &msg), msg)
	if err != nil {
		return Calibration{}, err
	}
	return Calibration{ECE: float64(ece), LogLoss: float64(logLoss)}, nil
}

// DriftPair is a source and a drifted target data set of protocol P1.
type DriftPair struct {
	D       int       // columns
	SourceX []float32 // rows*D, row-major
	SourceY []int32   // rows
	TargetX []float32
	TargetY []int32
}

// SynthDrift generates one data-set pair of protocol P1 ("synth-drift"): k
// Gaussian clusters of nPerCluster rows in d dimensions, and a target whose
// centers moved by drift times the spread. Deterministic for a seed.
func SynthDrift(k, d, nPerCluster int, seed uint64, spread, drift float64) (*DriftPair, error) {
	if k < 1 || d < 1 || nPerCluster < 1 {
		return nil, invalid("synth_drift needs k, d, n_per_cluster >= 1")
	}
	n := k * nPerCluster
	p := &DriftPair{
		D:       d,
		SourceX: make([]float32, n*d),
		SourceY: make([]int32, n),
		TargetX: make([]float32, n*d),
		TargetY: make([]int32, n),
	}
	var msg *C.char
	err := check(C.tdcmgo_synth_drift(C.int64_t(k), C.int64_t(d), C.int64_t(nPerCluster),
		C.uint64_t(seed), C.double(spread), C.double(drift), floats(p.SourceX), int32s(p.SourceY),
		floats(p.TargetX), int32s(p.TargetY), &msg), msg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parameter describes one key that New accepts.
type Parameter struct {
	Name, Type, Default, Range, Help string
}

// Parameters lists every key that New accepts.
func Parameters() ([]Parameter, error) {
	var count C.size_t
	if C.tdcm_param_count(&count) != C.TDCM_OK {
		return nil, &Error{Status: Internal, Message: "tdcm_param_count failed"}
	}
	list := make([]Parameter, 0, int(count))
	for i := C.size_t(0); i < count; i++ {
		var desc C.tdcm_param_desc
		var msg *C.char
		if err := check(C.tdcmgo_param_info(i, &desc, &msg), msg); err != nil {
			return nil, err
		}
		list = append(list, Parameter{
			Name:    C.GoString(desc.name),
			Type:    C.GoString(desc._type),
			Default: C.GoString(desc.default_value),
			Range:   C.GoString(desc._range),
			Help:    C.GoString(desc.help),
		})
	}
	return list, nil
}
