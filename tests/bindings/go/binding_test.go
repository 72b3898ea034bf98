// The Go binding against the installed library, on protocol P1 with k-means,
// and with the default model (k = 3) for the per-cluster report and the centroids.
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

	"libtdcm/tdcm"
)

const kmeans = "k=5 algo=kmeans seed=1"

var p1 = func() *tdcm.DriftPair {
	p, err := tdcm.SynthDrift(5, 2, 500, 0, 4.0, 0.5)
	if err != nil {
		panic(err)
	}
	return p
}()

var p3 = func() *tdcm.DriftPair {
	p, err := tdcm.SynthDrift(3, 2, 200, 0, 4.0, 0.5)
	if err != nil {
		panic(err)
	}
	return p
}()

// fittedDefault is the library's defaults at k = 3, fitted on p3's source.
func fittedDefault(t *testing.T) *tdcm.Model {
	t.Helper()
	return fittedOn(t, "k=3", p3)
}

func counts(labels []int32, k int) []int64 {
	c := make([]int64, k)
	for _, l := range labels {
		c[l]++
	}
	return c
}

func fitted(t *testing.T) *tdcm.Model {
	t.Helper()
	return fittedOn(t, kmeans, p1)
}

// fittedOn is a model of params fitted on p's source, closed after the test.
func fittedOn(t *testing.T, params string, p *tdcm.DriftPair) *tdcm.Model {
	t.Helper()
	m, err := tdcm.New(params)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Fit(p.SourceX, p.D); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func equal[T comparable](a, b []T) bool {
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
	if found["k"].Type != "int" || !strings.Contains(found["algo"].Range, "kmeans") ||
		!strings.Contains(found["algo"].Range, "gmm") {
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

func TestAssignReportDescribesEveryClusterOfTheTarget(t *testing.T) {
	m := fittedDefault(t)
	labels, probs, report, err := m.AssignReport(p3.TargetX, p3.D)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := m.Assign(p3.TargetX, p3.D); !equal(labels, plain) {
		t.Fatal("labels differ from Assign's")
	}
	if len(probs) != len(labels)*3 || len(report) != 3 {
		t.Fatalf("%d probabilities, %d report entries", len(probs), len(report))
	}
	targetCounts := counts(labels, 3)
	var sourceRows int64
	movedFar := false
	for j, r := range report {
		// The defaults keep the source's numbering: label j continues source cluster j.
		if r.Cluster != j || r.SourceCluster != j || r.TargetSize != targetCounts[j] {
			t.Fatalf("entry %d: %+v, %d target rows", j, r, targetCounts[j])
		}
		if r.Confidence < 0 || r.Confidence > 1 || r.Shift < 0 {
			t.Fatalf("entry %d: %+v", j, r)
		}
		// The flags say what the numbers say (tdcm.h), decoded from the C bits 1, 2, 4.
		if r.Unmatched() != (r.Confidence < 0.5) || r.MovedFar() != (r.Shift > 3) ||
			r.Shrank() != (2*r.TargetSize < r.SourceSize) {
			t.Fatalf("entry %d: flags disagree with the numbers: %+v", j, r)
		}
		bits := 0
		if r.Unmatched() {
			bits |= 1
		}
		if r.MovedFar() {
			bits |= 2
			movedFar = true
		}
		if r.Shrank() {
			bits |= 4
		}
		if bits != r.Flags || bits != r.Flags&(tdcm.FlagUnmatched|tdcm.FlagMovedFar|tdcm.FlagShrank) {
			t.Fatalf("entry %d: flags %d, bits %d", j, r.Flags, bits)
		}
		sourceRows += r.SourceSize
	}
	if sourceRows != int64(len(p3.SourceY)) {
		t.Fatalf("source sizes sum to %d, not %d", sourceRows, len(p3.SourceY))
	}
	if !movedFar {
		t.Fatalf("this drift moves a cluster far: %+v", report)
	}

	into := make([]int32, len(labels))
	got, err := m.AssignReportInto(p3.TargetX, p3.D, into, nil)
	if err != nil || !equal(got, report) || !equal(into, labels) {
		t.Fatalf("AssignReportInto: %+v, %v", got, err)
	}
	_, err = m.AssignReportInto(p3.TargetX, p3.D, into[:3], nil)
	wantStatus(t, err, tdcm.InvalidArgument)
}

func TestReportAfterAdaptIsTheReportOfThatSet(t *testing.T) {
	m := fittedDefault(t)
	_, err := m.Report()
	wantStatus(t, err, tdcm.NotAdapted)
	if err := m.Adapt(p3.TargetX, p3.D); err != nil {
		t.Fatal(err)
	}
	adapted, err := m.Report()
	if err != nil {
		t.Fatal(err)
	}
	_, _, assigned, _ := m.AssignReport(p3.TargetX, p3.D)
	if len(adapted) != 3 || !equal(adapted, assigned) {
		t.Fatalf("Report %+v, AssignReport %+v", adapted, assigned)
	}

	unfitted, err := tdcm.New("k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer unfitted.Close()
	_, err = unfitted.Report()
	wantStatus(t, err, tdcm.NotFitted)
	_, _, _, err = unfitted.AssignReport(p3.TargetX, p3.D)
	wantStatus(t, err, tdcm.NotFitted)
}

func TestAModelFittedOnACollectionHasNoSourceClustersToReportAgainst(t *testing.T) {
	m, err := tdcm.New("k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids := make([]int64, len(p3.SourceY))
	for i := range ids {
		ids[i] = int64(i % 2)
	}
	if err := m.FitSets(p3.SourceX, p3.D, ids); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = m.AssignReport(p3.TargetX, p3.D)
	wantStatus(t, err, tdcm.InvalidArgument)
	_, err = m.Centroids(tdcm.SourceCentroids)
	wantStatus(t, err, tdcm.InvalidArgument)
}

func TestSourceCentroidsAreTheClusterMeansInInputSpaceAndGoBackIn(t *testing.T) {
	m := fittedDefault(t)
	dim, inputSpace, err := m.CentroidDim()
	if err != nil || dim != 2 || !inputSpace {
		t.Fatalf("CentroidDim %d %v %v", dim, inputSpace, err)
	}
	source, err := m.Centroids(tdcm.SourceCentroids)
	if err != nil || len(source) != 3*2 {
		t.Fatalf("%d source centroid values, %v", len(source), err)
	}
	// Row j is (close to) the mean of the source rows labelled j.
	labels, _ := m.Assign(p3.SourceX, p3.D)
	n := counts(labels, 3)
	means := make([]float64, 6)
	for i, l := range labels {
		for c := 0; c < 2; c++ {
			means[int(l)*2+c] += float64(p3.SourceX[i*2+c])
		}
	}
	for v := range means {
		if math.Abs(means[v]/float64(n[v/2])-float64(source[v])) > 0.1 {
			t.Fatalf("centroid value %d: %v, the mean is %v", v, source[v], means[v]/float64(n[v/2]))
		}
	}

	_, err = m.Centroids(tdcm.AdaptedCentroids)
	wantStatus(t, err, tdcm.NotAdapted)
	if err := m.Adapt(p3.TargetX, p3.D); err != nil {
		t.Fatal(err)
	}
	adapted, err := m.Centroids(tdcm.AdaptedCentroids)
	if err != nil || len(adapted) != 6 || equal(adapted, source) {
		t.Fatalf("adapted %v (source %v), %v", adapted, source, err)
	}

	km, err := tdcm.New("algo=kmeans k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer km.Close()
	if err := km.SetCentroids(source, 2); err != nil {
		t.Fatal(err)
	}
	if got, err := km.Centroids(tdcm.SourceCentroids); err != nil || !equal(got, source) {
		t.Fatalf("k-means centroids %v, set %v, %v", got, source, err)
	}

	unfitted, err := tdcm.New("k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer unfitted.Close()
	_, _, err = unfitted.CentroidDim()
	wantStatus(t, err, tdcm.NotFitted)
	_, err = unfitted.Centroids(tdcm.SourceCentroids)
	wantStatus(t, err, tdcm.NotFitted)
}

func TestSetCentroidsStartsAKMeansModelThatLabelsEachRowByTheNearest(t *testing.T) {
	given := []float32{-6, 0, 0, 6, 6, -2}
	m, err := tdcm.New("algo=kmeans k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.SetCentroids(given, 2); err != nil {
		t.Fatal(err)
	}
	if info, _ := m.Info(); !info.Fitted || info.InputDim != 2 {
		t.Fatalf("after SetCentroids: %+v", info)
	}
	labels, err := m.Assign(p3.TargetX, p3.D)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range labels {
		nearest, best := 0, math.MaxFloat64
		for j := 0; j < 3; j++ {
			dx := float64(p3.TargetX[i*2] - given[j*2])
			dy := float64(p3.TargetX[i*2+1] - given[j*2+1])
			if dx*dx+dy*dy < best {
				nearest, best = j, dx*dx+dy*dy
			}
		}
		if int(l) != nearest {
			t.Fatalf("row %d: label %d, nearest centroid %d", i, l, nearest)
		}
	}

	// Not k rows: the library's Shape; not whole rows: refused by the binding.
	wantStatus(t, m.SetCentroids(make([]float32, 4), 2), tdcm.Shape)
	wantStatus(t, m.SetCentroids(make([]float32, 5), 2), tdcm.InvalidArgument)
	nan := append([]float32(nil), given...)
	nan[3] = float32(math.NaN())
	wantStatus(t, m.SetCentroids(nan, 2), tdcm.NonFinite)
	if got, _ := m.Centroids(tdcm.SourceCentroids); !equal(got, given) {
		t.Fatalf("failures changed the centroids: %v", got)
	}

	gmm, err := tdcm.New("algo=gmm k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer gmm.Close()
	wantStatus(t, gmm.SetCentroids(given, 2), tdcm.InvalidArgument)
}

func TestAGaussianMixtureReportsAndGivesItsMeans(t *testing.T) {
	gmm, err := tdcm.New("algo=gmm k=3")
	if err != nil {
		t.Fatal(err)
	}
	defer gmm.Close()
	if err := gmm.Fit(p3.SourceX, p3.D); err != nil {
		t.Fatal(err)
	}
	if a, _ := gmm.Algorithm(); a != "gmm" {
		t.Fatalf("algorithm %q", a)
	}
	if means, err := gmm.Centroids(tdcm.SourceCentroids); err != nil || len(means) != 6 {
		t.Fatalf("means %v, %v", means, err)
	}
	labels, _, report, err := gmm.AssignReport(p3.TargetX, p3.D)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tdcm.ComputeMetrics(p3.TargetY, labels); s.NMI <= 0.9 {
		t.Fatalf("target %v", s)
	}
	var rows int64
	for _, r := range report {
		rows += r.TargetSize
	}
	if rows != int64(len(labels)) {
		t.Fatalf("target sizes sum to %d, not %d", rows, len(labels))
	}
}

func TestCalibrationOfKnownProbabilities(t *testing.T) {
	// On the source, cluster 0 is label 1 and cluster 1 label 0: the map swaps them.
	sourceTruth, sourcePred := []int32{1, 0}, []int32{0, 1}
	targetTruth := []int32{1, 1, 0, 0}
	probs := []float32{0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.1, 0.9}
	c, err := tdcm.ComputeCalibration(sourceTruth, sourcePred, targetTruth, probs, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Every top probability is 0.9 (one bin) and 3 of the 4 are right; the
	// true label gets 0.9, 0.9, 0.1, 0.9.
	if math.Abs(c.ECE-0.15) > 1e-6 || math.Abs(c.LogLoss-(-3*math.Log(0.9)-math.Log(0.1))/4) > 1e-6 {
		t.Fatalf("calibration %v", c)
	}
	_, err = tdcm.ComputeCalibration(sourceTruth, sourcePred, targetTruth, probs[:7], 2)
	wantStatus(t, err, tdcm.InvalidArgument)
	_, err = tdcm.ComputeCalibration(sourceTruth, sourcePred, []int32{1, 1, 0, -1}, probs, 2)
	wantStatus(t, err, tdcm.InvalidArgument)
}

func TestCalibrationOfTheDefaultModelsProbabilities(t *testing.T) {
	m := fittedDefault(t)
	source, _ := m.Assign(p3.SourceX, p3.D)
	_, probs, _, err := m.AssignReport(p3.TargetX, p3.D)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tdcm.ComputeCalibration(p3.SourceY, source, p3.TargetY, probs, 3)
	if err != nil || c.ECE < 0 || c.ECE > 0.1 || c.LogLoss < 0 || c.LogLoss >= 1 {
		t.Fatalf("calibration %v, %v", c, err)
	}
}
