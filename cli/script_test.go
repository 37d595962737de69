package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/plinth-iac/plinth/internal/testservice"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(withServices{m}, map[string]func(){
		"plinth": func() { os.Exit(Main()) },
	})
}

// withServices runs the tests under testservice.Main, so the scripts run
// against PostgreSQL and S3 (backends_test.go) share one server of each.
type withServices struct{ m *testing.M }

func (w withServices) Run() int { return testservice.Main(w.m) }

// TestScripts runs the end-to-end CLI scripts in testdata/script: each is a
// real project in a temporary folder, run through the real binary entry
// point, with state in a file backend under $WORK.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t))
}

// scriptParams are the testscript parameters every run of the scripts
// shares, whatever the backend: the scripts folder, the environment and
// the custom commands.
func scriptParams(t *testing.T) testscript.Params {
	t.Helper()
	return testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("PLINTH_HOME", home)
			env.Setenv("PLINTH_CI", "false")
			env.Setenv("CI", "")
			env.Setenv("NO_COLOR", "1")
			return os.MkdirAll(home, 0o700)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// agekeygen, tamper and decrypts: see secrets_script_test.go.
			"agekeygen": scriptAgeKeygen,
			"tamper":    scriptTamper,
			"decrypts":  scriptDecrypts,
			"httpserve": cmdHTTPServe,
			"envfile":   cmdEnvFile,
			// exitcode N CMD ARGS… runs CMD and fails unless it exits N.
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: exitcode N command args...")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exitcode: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exitcode: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	}
}
