// libtdcm from Go: train on a P1 source set, cluster its drifted target set,
// print NMI / ARI / ACC.
//
// The binding is installed as module source in <prefix>/share/tdcm/go; point
// a workspace at it (no download involved):
//
//	go work init . /usr/share/tdcm/go
//	go run . ["k=5 algo=kmeans"]
//
// cgo finds the library with pkg-config (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig
// for a prefix pkg-config does not search).
package main

import (
	"fmt"
	"os"

	"libtdcm/tdcm"
)

func main() {
	params := "k=5 algo=kmeans"
	if len(os.Args) > 1 {
		params = os.Args[1]
	}
	if err := run(params); err != nil {
		fmt.Fprintln(os.Stderr, "failed:", err)
		os.Exit(1)
	}
}

func run(params string) error {
	fmt.Printf("libtdcm %s from Go, params %q\n", tdcm.Version(), params)
	// Protocol P1: 5 clusters in 2 dimensions, 500 rows each, spread 4, drift 0.5.
	p1, err := tdcm.SynthDrift(5, 2, 500, 0, 4.0, 0.5)
	if err != nil {
		return err
	}
	model, err := tdcm.New(params)
	if err != nil {
		return err
	}
	defer model.Close()
	if err := model.Fit(p1.SourceX, p1.D); err != nil {
		return err
	}
	for _, set := range []struct {
		name string
		x    []float32
		y    []int32
	}{{"source", p1.SourceX, p1.SourceY}, {"target", p1.TargetX, p1.TargetY}} {
		labels, err := model.Assign(set.x, p1.D)
		if err != nil {
			return err
		}
		scores, err := tdcm.ComputeMetrics(set.y, labels)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %v\n", set.name, scores)
	}
	return nil
}
