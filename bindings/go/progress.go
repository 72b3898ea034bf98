package tdcm

/*
#include <stdint.h>

#include <tdcm/tdcm.h>
*/
import "C"

import (
	"runtime/cgo"
	"time"
)

// This file holds the Go function the library calls back during a fit: a
// file that exports a function may only declare in its preamble, so the C
// trampoline that calls it lives in tdcm.go.

// Progress is the state of a fit after one epoch (for k-means, one restart).
type Progress struct {
	Epoch    int           // epochs (k-means: restarts) completed so far, from 1
	Epochs   int           // epochs of this fit in all (pretrain_epochs + epochs; k-means: n_init)
	Loss     float64       // mean total loss of the epoch (pretraining: the reconstruction error)
	LossClu  float64       // mean clustering term
	LossBal  float64       // mean balance term, before its weight beta
	LossOrth float64       // mean orthogonality term, before its weight gamma
	Elapsed  time.Duration // since the fit started
}

// ProgressFunc is told of a fit's progress, on the goroutine that called
// Fit. It returns false to cancel the fit, which then fails with Cancelled
// and leaves the model as it was. If it panics, the fit is cancelled and Fit
// panics with the same value once the library has returned. It must not call
// the model it listens to (the call fails with Busy; Close would wait for the
// fit for ever).
type ProgressFunc func(Progress) bool

// SetProgress sets (or with nil, removes) the function Fit, FitSets and
// FitLabelled call after each epoch (for k-means, after each restart). It is
// read when a fit starts.
func (m *Model) SetProgress(fn ProgressFunc) {
	m.progress.Store(fn)
}

// progressFit is the context of one fit with a ProgressFunc.
type progressFit struct {
	fn         ProgressFunc
	panicked   bool
	panicValue interface{}
}

//export tdcmgoProgress
func tdcmgoProgress(p *C.tdcm_progress, handle C.uintptr_t) (cancel C.int) {
	fit := cgo.Handle(handle).Value().(*progressFit)
	if fit.panicked {
		return 1
	}
	// A panic must not unwind through the library's C frames: keep it, cancel.
	defer func() {
		if r := recover(); r != nil {
			fit.panicked, fit.panicValue = true, r
			cancel = 1
		}
	}()
	goOn := fit.fn(Progress{
		Epoch:    int(p.epoch),
		Epochs:   int(p.epochs),
		Loss:     float64(p.loss),
		LossClu:  float64(p.loss_clu),
		LossBal:  float64(p.loss_bal),
		LossOrth: float64(p.loss_orth),
		Elapsed:  time.Duration(float64(p.elapsed_s) * float64(time.Second)),
	})
	if goOn {
		return 0
	}
	return 1
}
