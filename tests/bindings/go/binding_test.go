// The Go binding against the installed library, on protocol P1 with k-means.
package tests

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"libtdcm.invalid/tdcm"
)

const kmeans = "k=5 algo=kmeans seed=1"

var p1 = func() *tdcm.DriftPair {
	p, err := tdcm.SynthDrift(5, 2, 500, 0, 4.0, 0.5)
	if err != nil {
		panic(err)
	}
	return p
}()

func fitted(t *testing.T) *tdcm.Model {
	t.Helper()
	m, err := tdcm.New(kmeans)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(p1.SourceX, p1.D); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func equal(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wantStatus checks that err is an *tdcm.Error of the status, with a message.
func wantStatus(t *testing.T, err error, status tdcm.Status) *tdcm.Error {
	t.Helper()
	var e *tdcm.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *tdcm.Error with %v, got %v", status, err)
	}
	if e.Status != status || !errors.Is(err, status) {
		t.Fatalf("want %v, got %v", status, err)
	}
	if e.Message == "" {
		t.Fatalf("%v without a message", status)
	}
	return e
}

func TestFitAndAssignOnP1MeetTheQualityFloor(t *testing.T) {
	m := fitted(t)
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !info.Fitted || info.K != 5 || info.InputDim != 2 || info.Algorithm != "kmeans" {
		t.Fatalf("unexpected info %+v", info)
	}
	labels, err := m.Assign(p1.TargetX, p1.D)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if l < 0 || l >= 5 {
			t.Fatalf("label %d out of [0, 5)", l)
		}
	}
	target, err := tdcm.ComputeMetrics(p1.TargetY, labels)
	if err != nil {
		t.Fatal(err)
	}
	if target.NMI <= 0.5 {
		t.Fatalf("target %v: NMI should exceed 0.5", target)
	}
	source, _ := m.Assign(p1.SourceX, p1.D)
	if s, _ := tdcm.ComputeMetrics(p1.SourceY, source); s.NMI <= 0.8 {
		t.Fatalf("source %v: NMI should exceed 0.8", s)
	}
	if kept, err := tdcm.AccKept(p1.SourceY, source, p1.TargetY, labels); err != nil || kept < 0 || kept > 1 {
		t.Fatalf("acc kept %v, %v", kept, err)
	}
	t.Logf("target %v", target)
}

func TestProbabilitiesAreRowsOfK(t *testing.T) {
	m := fitted(t)
	labels, probs, err := m.AssignProbs(p1.TargetX, p1.D)
	if err != nil {
		t.Fatal(err)
	}
	rows := len(p1.TargetY)
	if len(probs) != rows*5 {
		t.Fatalf("%d probabilities for %d rows", len(probs), rows)
	}
	for r := 0; r < rows; r++ {
		sum := 0.0
		for _, p := range probs[r*5 : r*5+5] {
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Fatalf("row %d sums to %v", r, sum)
		}
	}
	plain, _ := m.Assign(p1.TargetX, p1.D)
	if !equal(labels, plain) {
		t.Fatal("labels differ with and without probabilities")
	}
	into := make([]int32, rows)
	if err := m.AssignInto(p1.TargetX, p1.D, into, nil); err != nil || !equal(into, plain) {
		t.Fatalf("AssignInto: %v", err)
	}
	wantStatus(t, m.AssignInto(p1.TargetX, p1.D, into[:3], nil), tdcm.InvalidArgument)
	wantStatus(t, m.AssignInto(p1.TargetX, p1.D, into, make([]float32, rows)), tdcm.InvalidArgument)
}

func TestAdaptThenPredict(t *testing.T) {
	m := fitted(t)
	_, err := m.Predict(p1.TargetX, p1.D)
	wantStatus(t, err, tdcm.NotAdapted)
	if err := m.Adapt(p1.TargetX, p1.D); err != nil {
		t.Fatal(err)
	}
	if info, _ := m.Info(); !info.Adapted {
		t.Fatal("not adapted after Adapt")
	}
	labels, err := m.Predict(p1.TargetX, p1.D)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tdcm.ComputeMetrics(p1.TargetY, labels); s.NMI <= 0.5 {
		t.Fatalf("adapted target %v", s)
	}
	one, err := m.Predict(p1.TargetX[:2], 2)
	if err != nil || one[0] != labels[0] {
		t.Fatalf("one row: %v, %v", one, err)
	}
	if _, probs, err := m.PredictProbs(p1.TargetX, p1.D); err != nil || len(probs) != len(labels)*5 {
		t.Fatalf("PredictProbs: %v", err)
	}
}

func TestEveryLibraryErrorIsAnErrorWithTheMessage(t *testing.T) {
	_, err := tdcm.New("nope=1")
	e := wantStatus(t, err, tdcm.UnknownParameter)
	if !strings.Contains(e.Message, "nope") || !strings.Contains(err.Error(), "TDCM_ERR_UNKNOWN_PARAMETER") {
		t.Fatalf("message %q / %q", e.Message, err.Error())
	}
	_, err = tdcm.New("k=0")
	if e := wantStatus(t, err, tdcm.BadParameter); !strings.Contains(e.Message, "'k'") {
		t.Fatalf("message %q", e.Message)
	}

	m, err := tdcm.New(kmeans)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Assign(p1.TargetX, p1.D)
	wantStatus(t, err, tdcm.NotFitted)
	wantStatus(t, m.Save(filepath.Join(t.TempDir(), "unfitted.tdcm")), tdcm.NotFitted)
	if err := m.Fit(p1.SourceX, p1.D); err != nil {
		t.Fatal(err)
	}
	_, err = m.Assign([]float32{1, 2, 3}, 3)
	wantStatus(t, err, tdcm.Shape)
	nan := append([]float32(nil), p1.TargetX...)
	nan[7] = float32(math.NaN())
	_, err = m.Assign(nan, p1.D)
	if e := wantStatus(t, err, tdcm.NonFinite); !strings.Contains(e.Message, "row 3") {
		t.Fatalf("message %q", e.Message)
	}
	_, err = m.Assign([]float32{1, 2, 3}, 2)
	wantStatus(t, err, tdcm.InvalidArgument)
	_, err = m.Assign(p1.TargetX, 0)
	wantStatus(t, err, tdcm.InvalidArgument)
	_, err = m.Assign(nil, 2)
	wantStatus(t, err, tdcm.InvalidArgument)
	wantStatus(t, m.FitSets(p1.SourceX, p1.D, []int64{1}), tdcm.InvalidArgument)

	dir := t.TempDir()
	_, err = tdcm.Load(filepath.Join(dir, "missing.tdcm"))
	if e := wantStatus(t, err, tdcm.IO); !strings.Contains(e.Message, "missing.tdcm") {
		t.Fatalf("message %q", e.Message)
	}
	garbage := filepath.Join(dir, "garbage.tdcm")
	if err := os.WriteFile(garbage, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = tdcm.Load(garbage)
	wantStatus(t, err, tdcm.BadFile)
	_, err = tdcm.ComputeMetrics([]int32{0, 1}, []int32{0})
	wantStatus(t, err, tdcm.InvalidArgument)
	_, err = tdcm.New("k=5\x00algo=kmeans")
	wantStatus(t, err, tdcm.InvalidArgument)
}

func TestSaveAndLoadRoundTrip(t *testing.T) {
	m := fitted(t)
	expected, _ := m.Assign(p1.TargetX, p1.D)
	path := filepath.Join(t.TempDir(), "modèle-ü.tdcm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := tdcm.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	a, _ := m.Info()
	b, _ := loaded.Info()
	if a.K != b.K || a.InputDim != b.InputDim || a.Algorithm != b.Algorithm || !b.Fitted || b.Device != "cpu" {
		t.Fatalf("info %+v, loaded %+v", a, b)
	}
	if p, _ := loaded.Params(); !strings.HasPrefix(p, "algo=kmeans k=5 ") {
		t.Fatalf("loaded params %q", p)
	}
	got, err := loaded.Assign(p1.TargetX, p1.D)
	if err != nil || !equal(got, expected) {
		t.Fatalf("loaded model labels differ: %v", err)
	}
	one, err := tdcm.LoadWith(path, "threads=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	if p, _ := one.Params(); !strings.Contains(p, "threads=1") {
		t.Fatalf("params %q", p)
	}
}

func TestCloseTwiceIsSafeAndUseAfterCloseIsAnError(t *testing.T) {
	m := fitted(t)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Assign(p1.TargetX, p1.D); !errors.Is(err, tdcm.ErrClosed) {
		t.Fatalf("Assign after Close: %v", err)
	}
	if err := m.Fit(p1.SourceX, p1.D); !errors.Is(err, tdcm.ErrClosed) {
		t.Fatalf("Fit after Close: %v", err)
	}
	if _, err := m.Info(); !errors.Is(err, tdcm.ErrClosed) {
		t.Fatalf("Info after Close: %v", err)
	}
	if err := m.Save(filepath.Join(t.TempDir(), "closed.tdcm")); !errors.Is(err, tdcm.ErrClosed) {
		t.Fatalf("Save after Close: %v", err)
	}
}

func TestGoroutinesAssigningOnOneModelGetTheLabelsOfOne(t *testing.T) {
	m := fitted(t)
	expected, _ := m.Assign(p1.TargetX, p1.D)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				got, err := m.Assign(p1.TargetX, p1.D)
				if err != nil {
					errs <- err
					return
				}
				if !equal(got, expected) {
					errs <- errors.New("different labels")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestCloseWhileGoroutinesAssignIsSafe(t *testing.T) {
	m := fitted(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, err := m.Assign(p1.TargetX, p1.D); err != nil {
					if !errors.Is(err, tdcm.ErrClosed) {
						t.Errorf("unexpected %v", err)
					}
					return
				}
			}
		}()
	}
	m.Close()
	wg.Wait()
}

func TestErrorMessagesStayWithTheirGoroutine(t *testing.T) {
	// Goroutines move between threads; the message must still be their own.
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		params, status, needle := "bogus_key=1", tdcm.UnknownParameter, "bogus_key"
		if g%2 == 1 {
			params, status, needle = "k=-3", tdcm.BadParameter, "-3"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_, err := tdcm.New(params)
				var e *tdcm.Error
				if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Message, needle) {
					t.Errorf("%q: got %v", params, err)
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
}

func TestFinalizerFreesAnUnclosedModel(t *testing.T) {
	for i := 0; i < 50; i++ {
		if _, err := tdcm.New(kmeans); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.GC()
}

func TestLibraryFacts(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(tdcm.Version()) {
		t.Fatalf("version %q", tdcm.Version())
	}
	params, err := tdcm.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]tdcm.Parameter{}
	for _, p := range params {
		found[p.Name] = p
	}
	if found["k"].Type != "int" || !strings.Contains(found["algo"].Range, "kmeans") {
		t.Fatalf("parameters %+v", params)
	}
	m, err := tdcm.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	info, _ := m.Info()
	if info.Fitted || info.Algorithm != "tdcm" {
		t.Fatalf("default model %+v", info)
	}
	if tdcm.NotFitted.String() != "TDCM_ERR_NOT_FITTED" {
		t.Fatalf("status name %q", tdcm.NotFitted.String())
	}
}
