package main

import "strings"

var (
	keepSmall [][]byte
	keepLarge [][]byte
	keepIndex map[string][]int
	keepList  *node
	garbage   []byte
)

func allocSmall(n int) {
	for i := 0; i < n; i++ {
		keepSmall = append(keepSmall, make([]byte, 96))
	}
}

func allocLarge(n int) {
	for i := 0; i < n; i++ {
		keepLarge = append(keepLarge, make([]byte, 256<<10))
	}
}

func buildIndex(n int) {
	keepIndex = make(map[string][]int)
	for i := 0; i < n; i++ {
		k := strings.Repeat("k", 1+i%7) + string(rune('a'+i%26))
		keepIndex[k] = append(keepIndex[k], make([]int, 16)...)
	}
}

type node struct {
	next *node
	id   int
	pad  [6]int64
}

func buildList(n int) {
	for i := 0; i < n; i++ {
		keepList = &node{next: keepList, id: i}
	}
}

// churn allocates memory that is dropped right away (alloc_* only).
func churn(n int) {
	for i := 0; i < n; i++ {
		garbage = make([]byte, 2048+i%4096)
	}
	garbage = nil
}

func buildHeap() {
	allocSmall(20_000)
	allocLarge(12)
	buildIndex(5_000)
	buildList(30_000)
	churn(10_000)
}
