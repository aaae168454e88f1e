module example.com/pprofx-workload

go 1.21
