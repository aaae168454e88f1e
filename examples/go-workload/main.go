// Command pprofx-workload writes small, deterministic-shaped Go profiles
// (cpu, heap, goroutine, block, mutex) used as pprofx test fixtures.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

func init() {
	// Must be set before the allocations we want to see.
	runtime.MemProfileRate = 4096
}

func main() {
	dir := flag.String("dir", ".", "output directory")
	scale := flag.Int("scale", 1, "multiplier for the CPU work")
	flag.Parse()

	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	must(writeCPU(filepath.Join(*dir, "cpu.pb.gz"), *scale))
	buildHeap()
	runtime.GC()
	must(writeProfile("heap", filepath.Join(*dir, "heap.pb.gz")))
	startBlockedGoroutines()
	must(writeProfile("goroutine", filepath.Join(*dir, "goroutine.pb.gz")))
	contend()
	must(writeProfile("block", filepath.Join(*dir, "block.pb.gz")))
	must(writeProfile("mutex", filepath.Join(*dir, "mutex.pb.gz")))
	fmt.Printf("retained %d+%d+%d slices, list head %d\n", len(keepSmall), len(keepLarge), len(keepIndex), keepList.id)
}

func writeCPU(path string, scale int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	cpuWork(scale)
	pprof.StopCPUProfile()
	return f.Close()
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		return err
	}
	return f.Close()
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
