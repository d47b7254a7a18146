package main

// Profiling on demand: with VCONSOLE_VCSIM_PPROF=127.0.0.1:PORT in its environment the lab
// vCenter serves Go's profiler on that loopback address (bench/bench_mtu_relay.py --pprof reads
// where its CPU goes during a matrix). Unset, nothing listens. The simulator serves its own mux,
// so the profiler never appears on the SDK port.

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strings"
)

func init() {
	addr := os.Getenv("VCONSOLE_VCSIM_PPROF")
	if addr == "" {
		return
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		log.Printf("VCONSOLE_VCSIM_PPROF must be 127.0.0.1:PORT, not %q; profiler off", addr)
		return
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
