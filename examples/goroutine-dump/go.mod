module example.com/goroutine-dump

go 1.27
