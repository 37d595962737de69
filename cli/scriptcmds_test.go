package cli

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdHTTPServe is the script command
//
//	httpserve VAR STATUS BODY [FAILFIRST]
//
// It starts a real HTTP server on a loopback port for the rest of the
// script and sets $VAR to its host:port. GET /healthz answers STATUS with
// BODY, except that the first FAILFIRST requests get 503 (a service still
// starting, which verification must wait for); every other path is 404.
func cmdHTTPServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! httpserve")
	}
	if len(args) != 3 && len(args) != 4 {
		ts.Fatalf("usage: httpserve VAR STATUS BODY [FAILFIRST]")
	}
	status, err := strconv.Atoi(args[1])
	ts.Check(err)
	failFirst := 0
	if len(args) == 4 {
		failFirst, err = strconv.Atoi(args[3])
		ts.Check(err)
	}
	body := args[2]
	var served atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			if served.Add(1) <= int64(failFirst) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "starting")
				return
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
		}),
	}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}

// cmdEnvFile is the script command
//
//	envfile VAR FILE
//
// It sets $VAR to FILE's content without surrounding space; FILE may be
// stdout or stderr of the last command (exec git rev-parse HEAD, then
// envfile SHA stdout).
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}
