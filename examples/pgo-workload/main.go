// Command pgo-workload runs a small CPU workload shaped for profile-guided
// optimization (an interface call with several concrete types, calls through
// function values, a medium-sized hot callee, recursion, assembly and
// standard-library callees) and writes its CPU profile. pprofx's `pgo` tests
// read the profiles it wrote (see README.md).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

func main() {
	out := flag.String("o", "cpu.pb.gz", "where to write the CPU profile")
	seconds := flag.Float64("seconds", 3, "how long to run")
	mix := flag.String("mix", "a", "workload mix: a or b")
	flag.Parse()

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	var sink float64
	for rounds := 0; time.Now().Before(deadline); rounds++ {
		sink += round(*mix, rounds)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("sink %.0f\n", sink)
}

// round does one slice of every kind of work; mix shifts the weights.
func round(mix string, n int) float64 {
	shapes := shapesA
	fn := square
	if mix == "b" {
		shapes = shapesB
		fn = cube
	}
	total := sumAreas(shapes)
	total += float64(applyAll(fn, ints))
	total += float64(applyAll(func(x int) int { return x ^ n }, ints[:64]))
	total += float64(processRecords(records))
	total += float64(fib(18))
	total += float64(twoOnOneLine(ints))
	if mix == "b" {
		total += float64(processRecords(records))
	} else {
		total += float64(hashAll(records[:8]))
		total += float64(sortAndFormat(ints[:256]))
	}
	return total
}
