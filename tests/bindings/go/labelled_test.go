// FitLabelled: a collection of six P1 source sets (seeds 1000..1005, k = 3)
// with each row's cluster, fitted as a family; an unseen P1 target set to assign.
package tests

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"libtdcm/tdcm"
)

const (
	family        = "k=3 collection=family threads=1"
	trainedFamily = family + " encoder=linear embed_dim=3 epochs=2 seed=0"
)

type collection struct {
	x      []float32
	setIDs []int64
	labels []int32
	d      int
}

var labelled = func() collection {
	var c collection
	for s := 0; s < 6; s++ {
		p, err := tdcm.SynthDrift(3, 2, 200, uint64(1000+s), 4.0, 0.5)
		if err != nil {
			panic(err)
		}
		c.d = p.D
		c.x = append(c.x, p.SourceX...)
		c.labels = append(c.labels, p.SourceY...)
		for range p.SourceY {
			c.setIDs = append(c.setIDs, int64(1000+s))
		}
	}
	return c
}()

// unseen is p3: its target set was never fitted on.
var unseen = p3

func newModel(t *testing.T, params string) *tdcm.Model {
	t.Helper()
	m, err := tdcm.New(params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func labelledFitBytes(t *testing.T, params string, labels []int32) []byte {
	t.Helper()
	m := newModel(t, params)
	if err := m.FitLabelled(labelled.x, labelled.d, labelled.setIDs, labels); err != nil {
		t.Fatal(err)
	}
	b, err := m.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestALabelledFamilyFitLearnsAMetricAndAssignsAnUnseenSet(t *testing.T) {
	c := labelled
	m := newModel(t, family)
	if err := m.FitLabelled(c.x, c.d, c.setIDs, c.labels); err != nil {
		t.Fatal(err)
	}
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !info.Fitted || info.InputDim != c.d || info.EmbedDim < 1 || info.EmbedDim > c.d {
		t.Fatalf("%+v", info)
	}
	assigned, err := m.Assign(unseen.TargetX, unseen.D)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != len(unseen.TargetY) {
		t.Fatalf("%d labels for %d rows", len(assigned), len(unseen.TargetY))
	}
	for _, l := range assigned {
		if l < 0 || l >= 3 {
			t.Fatalf("label %d", l)
		}
	}
	// Measured NMI 1.0 on this set.
	if s, err := tdcm.ComputeMetrics(unseen.TargetY, assigned); err != nil || s.NMI <= 0.9 {
		t.Fatalf("%v %v", s, err)
	}
}

func TestTheLabelsReachTheLibrary(t *testing.T) {
	c := labelled
	want := labelledFitBytes(t, family, c.labels)
	if !bytes.Equal(labelledFitBytes(t, family, c.labels), want) {
		t.Fatal("the same labelled fit gave another model")
	}
	// Cluster ids need not agree across sets: renaming them in one set changes nothing.
	renamed := append([]int32(nil), c.labels...)
	for i := range renamed {
		if c.setIDs[i] == 1002 {
			renamed[i] = (renamed[i] + 1) % 3
		}
	}
	if !bytes.Equal(labelledFitBytes(t, family, renamed), want) {
		t.Fatal("renaming one set's clusters changed the model")
	}
	// One cluster per set is another family metric, another model.
	if bytes.Equal(labelledFitBytes(t, family, make([]int32, len(c.labels))), want) {
		t.Fatal("one cluster per set gave the same model")
	}
}

func TestFitLabelledChecksItsArguments(t *testing.T) {
	c := labelled
	n := len(c.labels)
	m := newModel(t, family)
	wantStatus(t, m.FitLabelled(c.x, c.d, c.setIDs[:n-1], c.labels), tdcm.InvalidArgument)
	wantStatus(t, m.FitLabelled(c.x, c.d, c.setIDs, append(c.labels[:n:n], 0)), tdcm.InvalidArgument)
	wantStatus(t, m.FitLabelled(c.x, c.d, nil, c.labels), tdcm.NullArgument)
	wantStatus(t, m.FitLabelled(c.x, c.d, c.setIDs, nil), tdcm.NullArgument)
	// The library's own checks: a single set, a negative label.
	oneSet := make([]int64, n)
	for i := range oneSet {
		oneSet[i] = 7
	}
	e := wantStatus(t, m.FitLabelled(c.x, c.d, oneSet, c.labels), tdcm.InvalidArgument)
	if !strings.Contains(e.Message, "at least two data sets") {
		t.Fatal(e.Message)
	}
	negative := append([]int32(nil), c.labels...)
	negative[5] = -1
	wantStatus(t, m.FitLabelled(c.x, c.d, c.setIDs, negative), tdcm.InvalidArgument)
	if fitted, err := m.Fitted(); err != nil || fitted {
		t.Fatalf("fitted %v, %v", fitted, err)
	}
	kmeans := newModel(t, "k=3 algo=kmeans")
	wantStatus(t, kmeans.FitLabelled(c.x, c.d, c.setIDs, c.labels), tdcm.InvalidArgument)
	m.Close()
	if err := m.FitLabelled(c.x, c.d, c.setIDs, c.labels); !errors.Is(err, tdcm.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestFitLabelledCallsTheProgressFuncOncePerEpochAndCanCancel(t *testing.T) {
	c := labelled
	m := newModel(t, trainedFamily)
	var seen []tdcm.Progress
	m.SetProgress(func(p tdcm.Progress) bool {
		seen = append(seen, p)
		return true
	})
	if err := m.FitLabelled(c.x, c.d, c.setIDs, c.labels); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("%d calls, want 2: %+v", len(seen), seen)
	}
	for i, p := range seen {
		if p.Epoch != i+1 || p.Epochs != 2 || p.Elapsed < 0 {
			t.Fatalf("call %d is %+v", i, p)
		}
	}
	before, err := m.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	m.SetProgress(func(tdcm.Progress) bool {
		calls++
		return false
	})
	if err := m.FitLabelled(c.x, c.d, c.setIDs, c.labels); !errors.Is(err, tdcm.Cancelled) || calls != 1 {
		t.Fatalf("%v after %d calls, want Cancelled after 1", err, calls)
	}
	if after, _ := m.SaveBytes(); !bytes.Equal(after, before) {
		t.Fatal("a cancelled fit changed the model")
	}
	// A panic cancels too, and comes back out of FitLabelled.
	m.SetProgress(func(tdcm.Progress) bool { panic("from the callback") })
	func() {
		defer func() {
			if r := recover(); r != "from the callback" {
				t.Fatalf("recovered %v", r)
			}
		}()
		m.FitLabelled(c.x, c.d, c.setIDs, c.labels)
		t.Fatal("FitLabelled returned")
	}()
	m.SetProgress(nil)
	if err := m.FitLabelled(c.x, c.d, c.setIDs, c.labels); err != nil {
		t.Fatal(err)
	}
}
