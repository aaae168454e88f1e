// Command goroutine-dump parks goroutines in known states, with and without
// pprof labels, leaked and locked to their threads, then writes at one
// moment the goroutine profile (debug=0), the goroutine dump (debug=2) and
// the goroutine leak profile (debug=0) into -dir. pprofx's tests check that
// the dump's goroutines, per label, match the profile's.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// leakSend starts n goroutines that send on channels nobody else can
// reach: the leak detector marks them leaked.
func leakSend(n int) {
	for i := 0; i < n; i++ {
		go func() { make(chan int) <- i }()
	}
}

// lockTwice starts a goroutine blocked for good on its own mutex.
func lockTwice() {
	go func() {
		var mu sync.Mutex
		mu.Lock()
		mu.Lock()
	}()
}

// serve blocks on a channel that main keeps (not leaked).
func serve(requests chan int) {
	for range requests {
	}
}

// lockedWorker stays on its thread, waiting on a channel that main keeps.
func lockedWorker(quit chan struct{}) {
	runtime.LockOSThread()
	<-quit
}

func sleeper() {
	time.Sleep(time.Hour)
}

func main() {
	dir := flag.String("dir", ".", "where the profiles are written")
	flag.Parse()

	requests := make(chan int)
	quit := make(chan struct{})
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	wg.Add(1)

	ctx := context.Background()
	pprof.Do(ctx, pprof.Labels("handler", "/api/orders", "tenant", "t3"), func(context.Context) {
		for i := 0; i < 3; i++ {
			go serve(requests)
		}
		leakSend(2)
	})
	pprof.Do(ctx, pprof.Labels("handler", "/api/users", "tenant", "t 1"), func(context.Context) {
		go lockedWorker(quit)
		lockTwice()
		go func() { wg.Wait() }()
	})
	pprof.Do(ctx, pprof.Labels("region", "eu-west", "shard", "7"), func(context.Context) {
		go sleeper()
		go func() {
			mu.Lock()
			mu.Unlock()
		}()
	})
	// Keys and values that the dump must quote.
	pprof.Do(ctx, pprof.Labels("user id", "\u00e9lan \"x\"", "tenant", "t3"), func(context.Context) {
		go sleeper()
	})
	leakSend(1)
	go lockedWorker(quit)
	go sleeper()
	for i := 0; i < 2; i++ {
		go func() {
			select {
			case <-requests:
			case <-quit:
			}
		}()
	}
	// Let every goroutine park.
	time.Sleep(300 * time.Millisecond)

	write := func(name, profile string, debug int) {
		f, err := os.Create(filepath.Join(*dir, name))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	// The leak profile first: its GC marks the leaked goroutines, which the
	// dump then shows as "(leaked)".
	write("goroutineleak.pb.gz", "goroutineleak", 0)
	write("goroutine127.pb.gz", "goroutine", 0)
	write("goroutine127.debug2.txt", "goroutine", 2)
	runtime.KeepAlive(requests)
	runtime.KeepAlive(quit)
	runtime.KeepAlive(&mu)
	runtime.KeepAlive(&wg)
}
