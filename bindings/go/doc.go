// Package tdcm is the Go binding of libtdcm, transferable deep clustering
// behind a C API: a Model learns how to cluster on source data (Fit), then
// clusters a new target data set in one pass (Assign), or adapts once and
// labels rows as they come (Adapt + Predict). AssignReport and Report say,
// per cluster, which source cluster it continues and what changed;
// Centroids and SetCentroids take centroids out and in.
//
// SaveBytes and LoadBytes carry a model as bytes (the model file's, e.g. to
// workers that each load it); SetProgress installs a func that Fit calls
// after each epoch and that can cancel the fit.
//
// Data are row-major float32 matrices of d columns in a []float32 of
// rows*d values; labels are []int32. Slices are passed to the library by
// pointer for the length of a call, never copied.
//
// Every failure of the library comes back as an *Error carrying the status
// and the library's message; errors.Is(err, tdcm.Busy) tests the status.
// Nothing in the package panics on a library error. Reading calls (Assign,
// Predict, Save, the getters) may run from many goroutines at once on one
// Model; a modifying call (Fit, Adapt) while another runs fails with Busy.
// Close waits for calls in progress, may be called any number of times, and
// a call after it returns ErrClosed. A Model that becomes unreachable
// without Close is freed by a finalizer.
//
// The package is cgo over the installed C header and library, found with
// pkg-config (package "tdcm"): set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig
// for a prefix pkg-config does not search, and LD_LIBRARY_PATH to
// <prefix>/lib at run time when the dynamic linker does not search it.
//
// The module path is libtdcm/tdcm. It names this source wherever it is
// vendored, and it is never fetched: the go command downloads no module whose
// path has no dot in its first element, so no proxy or look-alike repository
// can stand in for it. A build finds the source where a replace directive or
// a go.work file says; after `cmake --install` into <prefix>:
//
//	go mod edit -require=libtdcm/tdcm@v0.1.0 -replace=libtdcm/tdcm=<prefix>/share/tdcm/go
//
// or, from the source tree, -replace=libtdcm/tdcm=<source>/bindings/go.
package tdcm
