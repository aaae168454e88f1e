package main

import (
	"crypto/sha256"
	"sort"
	"strconv"
)

func square(x int) int { return x * x }

func cube(x int) int { return x * x * x }

// applyAll calls f through a function value: another devirtualization site.
func applyAll(f func(int) int, xs []int) int {
	s := 0
	for _, x := range xs {
		s += f(x)
	}
	return s
}

// scramble is too big for the default inlining budget (80) and small
// enough for the hot budget (2000): PGO inlines it into processRecords.
func scramble(b []byte) uint32 {
	h := uint32(2166136261)
	for i, c := range b {
		switch {
		case c < 32:
			h ^= uint32(c) << (i % 24)
		case c < 64:
			h = h*16777619 ^ uint32(c)
		case c < 128:
			h = (h << 5) | (h >> 27)
			h += uint32(c)
		default:
			h ^= h >> 13
			h *= 0x5bd1e995
		}
		if h&1 == 0 {
			h += uint32(i)
		}
		if h&6 == 2 {
			h ^= uint32(i) * 2654435761
		} else if h&6 == 4 {
			h = h>>3 | h<<29
		}
	}
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	return h
}

func processRecords(recs [][]byte) uint32 {
	var h uint32
	for _, r := range recs {
		h ^= scramble(r)
	}
	return h
}

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x % 7
	}
	return s
}

//go:noinline
func clampInt(x int) int {
	for i := 0; i < 200; i++ {
		if x > 1000 {
			x -= 3
		}
	}
	return x
}

// twoOnOneLine makes two direct calls on one line: a call site with two
// callees that is not an indirect call.
func twoOnOneLine(xs []int) int {
	return clampInt(sumInts(xs))
}

func hashAll(recs [][]byte) int {
	n := 0
	for _, r := range recs {
		s := sha256.Sum256(r)
		n += int(s[0])
	}
	return n
}

func sortAndFormat(xs []int) int {
	c := append([]int(nil), xs...)
	sort.Slice(c, func(i, j int) bool { return c[i]%97 < c[j]%97 })
	n := 0
	for _, x := range c {
		n += len(strconv.Itoa(x))
	}
	return n
}

var (
	ints    = makeInts(4096)
	records = makeRecords(16, 256)
)

func makeInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i * 7919) % 10007
	}
	return out
}

func makeRecords(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte((i*31 + j*17) % 251)
		}
		out[i] = b
	}
	return out
}
