package main

import (
	"context"
	"crypto/sha256"
	"runtime/pprof"
	"sort"
	"strconv"
)

var sink uint64

// mix is small enough to be inlined into its callers, so its samples
// appear as "(inline)" rows in pprof's top output.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 29
	return x
}

// fib is deliberately recursive.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func hashLoop(rounds int) {
	var buf [64]byte
	for i := 0; i < rounds; i++ {
		for j := range buf {
			buf[j] = byte(mix(uint64(i*64 + j)))
		}
		sum := sha256.Sum256(buf[:])
		sink += uint64(sum[0])
	}
}

func mixLoop(n int) {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = mix(x + uint64(i))
	}
	sink += x
}

// mixFn calls mix through a function value, so here it is not inlined: mix
// then has inlined and non-inlined callers ("(partial-inline)" in top).
var mixFn = mix

func mixIndirect(n int) {
	x := uint64(3)
	for i := 0; i < n; i++ {
		x = mixFn(x ^ uint64(i))
	}
	sink += x
}

func sortInts(n, rounds int) {
	xs := make([]int, n)
	for r := 0; r < rounds; r++ {
		for i := range xs {
			xs[i] = int(mix(uint64(r*n+i)) % 1000003)
		}
		sort.Ints(xs)
		sink += uint64(xs[n/2])
	}
}

func formatParse(n int) {
	for i := 0; i < n; i++ {
		s := strconv.Itoa(int(mix(uint64(i)) % 100000000))
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			panic(err)
		}
		sink += uint64(v)
	}
}

func cpuWork(scale int) {
	for s := 0; s < scale; s++ {
		sink += uint64(fib(38))
		mixLoop(200_000_000)
		mixIndirect(60_000_000)
		pprof.Do(context.Background(), pprof.Labels("worker", "a"), func(ctx context.Context) {
			hashLoop(4_500_000)
			pprof.Do(ctx, pprof.Labels("op", "fib"), func(context.Context) {
				sink += uint64(fib(36))
			})
		})
		pprof.Do(context.Background(), pprof.Labels("worker", "b", "shard", "7"), func(context.Context) {
			sortInts(50_000, 150)
			formatParse(15_000_000)
		})
	}
}
