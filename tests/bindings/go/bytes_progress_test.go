// Model bytes (SaveBytes, LoadBytes) and the fit progress func (SetProgress).
package tests

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"libtdcm/tdcm"
)

func TestModelBytesAreTheFileBytesAndLoadToTheSameLabels(t *testing.T) {
	// On the CPU: a model loads there, so its parameters and bytes come back as they went.
	m := fittedOn(t, kmeans+" device=cpu", p1)
	expected, _ := m.Assign(p1.TargetX, p1.D)
	b, err := m.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.tdcm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b, file) {
		t.Fatalf("SaveBytes (%d bytes) differs from the file (%d bytes): %v", len(b), len(file), err)
	}
	// Goroutines loading the same bytes at once each get the same labels.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loaded, err := tdcm.LoadBytes(b)
			if err != nil {
				errs <- err
				return
			}
			defer loaded.Close()
			got, err := loaded.Assign(p1.TargetX, p1.D)
			if err == nil && !equal(got, expected) {
				err = errors.New("labels differ from the saved model's")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	loaded, err := tdcm.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	if again, _ := loaded.SaveBytes(); !bytes.Equal(again, b) {
		t.Fatal("a model loaded from bytes saves other bytes")
	}
	one, err := tdcm.LoadBytesWith(b, "threads=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	if p, _ := one.Params(); !strings.Contains(p, "threads=1") {
		t.Fatalf("params %q", p)
	}
}

func TestHostileModelBytesAreBadFile(t *testing.T) {
	m := fitted(t)
	b, err := m.SaveBytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, b[:len(b)/2], b[:len(b)-1], append(append([]byte{}, b...), 0)} {
		if _, err := tdcm.LoadBytes(bad); !errors.Is(err, tdcm.BadFile) {
			t.Fatalf("%d bytes: %v, want BadFile", len(bad), err)
		}
	}
	flipped := append([]byte{}, b...)
	flipped[len(b)/2] ^= 0x10
	if _, err := tdcm.LoadBytes(flipped); !errors.Is(err, tdcm.BadFile) {
		t.Fatalf("a flipped bit: %v, want BadFile", err)
	}
	unfitted, _ := tdcm.New("k=3")
	defer unfitted.Close()
	if _, err := unfitted.SaveBytes(); !errors.Is(err, tdcm.NotFitted) {
		t.Fatalf("SaveBytes before Fit: %v", err)
	}
}

func TestProgressIsCalledOncePerEpochAndCanCancel(t *testing.T) {
	// k-means reports each restart; TDCM each epoch (its autoencoder warm start included).
	for _, c := range []struct {
		params string
		epochs int
	}{{"k=5 algo=kmeans n_init=4 seed=1", 4}, {"k=5 encoder=mlp hidden=16 embed_dim=8 epochs=3 seed=1", 3}} {
		m, err := tdcm.New(c.params)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		var seen []tdcm.Progress
		m.SetProgress(func(p tdcm.Progress) bool {
			seen = append(seen, p)
			return true
		})
		if err := m.Fit(p1.SourceX, p1.D); err != nil {
			t.Fatal(err)
		}
		if len(seen) != c.epochs {
			t.Fatalf("%s: %d calls, want %d: %+v", c.params, len(seen), c.epochs, seen)
		}
		for i, p := range seen {
			if p.Epoch != i+1 || p.Epochs != len(seen) || p.Elapsed < 0 {
				t.Fatalf("%s: call %d is %+v", c.params, i, p)
			}
		}

		// Cancelled after the second: Cancelled, two calls, and the model as it was.
		calls := 0
		m.SetProgress(func(p tdcm.Progress) bool {
			calls++
			return p.Epoch < 2
		})
		before, _ := m.SaveBytes()
		if err := m.Fit(p3.SourceX, p3.D); !errors.Is(err, tdcm.Cancelled) || calls != 2 {
			t.Fatalf("%s: %v after %d calls, want Cancelled after 2", c.params, err, calls)
		}
		if after, _ := m.SaveBytes(); !bytes.Equal(after, before) {
			t.Fatalf("%s: a cancelled fit changed the model", c.params)
		}
		m.SetProgress(nil)
		if err := m.Fit(p1.SourceX, p1.D); err != nil || calls != 2 {
			t.Fatalf("%s: without the func: %v, %d calls", c.params, err, calls)
		}
	}
}

func TestAPanickingProgressFuncCancelsAndPanicsInFit(t *testing.T) {
	m, _ := tdcm.New("k=5 algo=kmeans n_init=4 seed=1")
	defer m.Close()
	calls := 0
	m.SetProgress(func(tdcm.Progress) bool {
		calls++
		panic("from the callback")
	})
	func() {
		defer func() {
			if r := recover(); r != "from the callback" || calls != 1 {
				t.Fatalf("recovered %v after %d calls", r, calls)
			}
		}()
		m.Fit(p1.SourceX, p1.D)
		t.Fatal("Fit returned")
	}()
	// The model is unlocked and works.
	if fitted, _ := m.Fitted(); fitted {
		t.Fatal("a cancelled fit left the model fitted")
	}
	m.SetProgress(nil)
	if err := m.Fit(p1.SourceX, p1.D); err != nil {
		t.Fatal(err)
	}
}
