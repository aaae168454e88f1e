module example.com/pgo-workload

go 1.21
