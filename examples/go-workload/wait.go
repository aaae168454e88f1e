package main

import (
	"sync"
	"time"
)

func waitChan(c chan int)       { <-c }
func waitMutex(mu *sync.Mutex)  { mu.Lock(); mu.Unlock() }
func waitSleep(d time.Duration) { time.Sleep(d) }
func waitSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}
func waitGroup(wg *sync.WaitGroup) { wg.Wait() }

// startBlockedGoroutines parks goroutines in distinct functions; they stay
// parked until the process exits.
func startBlockedGoroutines() {
	c := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	var wg sync.WaitGroup
	wg.Add(1)
	for i := 0; i < 3; i++ {
		go waitChan(c)
	}
	for i := 0; i < 2; i++ {
		go waitMutex(&mu)
	}
	go waitSleep(time.Hour)
	for i := 0; i < 4; i++ {
		go waitSelect(c, make(chan int))
	}
	go waitGroup(&wg)
	time.Sleep(100 * time.Millisecond) // let them all park
}

func holdLock(mu *sync.Mutex, d time.Duration) {
	mu.Lock()
	time.Sleep(d)
	mu.Unlock()
}

func recvLater(c chan int) { <-c }

// contend produces block and mutex profile events.
func contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); holdLock(&mu, 2*time.Millisecond) }()
	}
	c := make(chan int)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); recvLater(c) }()
	}
	time.Sleep(5 * time.Millisecond)
	for i := 0; i < 4; i++ {
		c <- i
	}
	wg.Wait()
}
