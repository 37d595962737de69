package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/plinth-iac/plinth/failpoint"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// IOStreams are the command's standard streams.
type IOStreams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Terminal says whether Out is a terminal (live view, prompts).
	Terminal bool
	// InTerminal says whether In is a terminal (prompts allowed).
	InTerminal bool
}

// Env is the process environment as the CLI sees it.
type Env struct {
	Lookup  func(string) (string, bool)
	HomeDir string
	Cwd     string
	Now     func() time.Time
}

func (e Env) get(k string) string {
	v, _ := e.Lookup(k)
	return v
}

// Main runs the CLI with the process's streams and environment and
// returns the exit code.
func Main() int {
	home, _ := os.UserHomeDir()
	if h, ok := os.LookupEnv("PLINTH_HOME"); ok && h != "" {
		home = h
	}
	cwd, _ := os.Getwd()
	io := IOStreams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		Terminal:   term.IsTerminal(int(os.Stdout.Fd())),
		InTerminal: term.IsTerminal(int(os.Stdin.Fd())),
	}
	now, err := clock(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], io, Env{Lookup: os.LookupEnv, HomeDir: home, Cwd: cwd, Now: now})
}

// clock is the CLI's clock: time.Now, unless the test hook is on
// (PLINTH_TEST_CLOCK=1 and PLINTH_NOW set), which starts the clock at
// PLINTH_NOW so end-to-end tests can age review stacks past their ttl. It
// is read here only, never by Run, so embedding the CLI cannot turn it on.
func clock(lookup func(string) (string, bool)) (func() time.Time, error) {
	on, _ := lookup("PLINTH_TEST_CLOCK")
	at, _ := lookup("PLINTH_NOW")
	if on != "1" || at == "" {
		return time.Now, nil
	}
	base, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return nil, fmt.Errorf("PLINTH_NOW=%q is not an RFC 3339 time like 2030-01-02T15:04:05Z", at)
	}
	start := time.Now()
	return func() time.Time { return base.Add(time.Since(start)) }, nil
}

// Run runs the CLI with the given arguments, streams and environment.
func Run(ctx context.Context, args []string, streams IOStreams, env Env) int {
	a := &app{io: streams, env: env}
	fp, err := failpoint.Parse(env.get("PLINTH_FAILPOINTS"), func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) })
	if err != nil {
		fmt.Fprintf(streams.Err, "error: %v\n", err)
		return ExitUsage
	}
	a.fp = fp
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	err = root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if err == errSilent {
		return a.silentCode
	}
	code := exitCode(err)
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
		strings.HasPrefix(err.Error(), "unknown shorthand flag") || strings.Contains(err.Error(), "accepts ") ||
		strings.HasPrefix(err.Error(), "invalid argument") || strings.HasPrefix(err.Error(), "flag needs an argument") ||
		strings.HasPrefix(err.Error(), "required flag") {
		code = ExitUsage
	}
	fmt.Fprintf(streams.Err, "error: %s\n", oneLine(elideLongWords(err.Error())))
	return code
}

// errSilent ends a command with app.silentCode after it printed its own
// report.
var errSilent = fmt.Errorf("silent")

// oneLine keeps multi-line errors readable: the first line stays first,
// the rest are indented.
func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// globalFlags are the flags every command has.
type globalFlags struct {
	stack          string
	cwd            string
	lockWait       time.Duration
	nonInteractive bool
	color          string
	backend        string
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "plinth",
		Short:         "Infrastructure as code with continuous deployment built in",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			switch a.flags.color {
			case "always", "never", "auto":
			default:
				return usageErr("--color must be always, never or auto, not %q", a.flags.color)
			}
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.flags.stack, "stack", "s", "", "the stack to work on")
	f.StringVarP(&a.flags.cwd, "cwd", "C", "", "run as if started in `DIR`")
	f.Var((*waitDuration)(&a.flags.lockWait), "lock-wait", "wait this long for a held lock instead of failing")
	f.BoolVar(&a.flags.nonInteractive, "non-interactive", false, "never prompt")
	f.StringVar(&a.flags.color, "color", "auto", "colour output: always, never or auto")
	f.StringVar(&a.flags.backend, "backend", "", "state backend `URL`")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr("%v", err) })
	root.AddCommand(
		newVersionCmd(a), newNewCmd(a), newLoginCmd(a), newLogoutCmd(a), newWhoamiCmd(a),
		newStackCmd(a), newConfigCmd(a), newPreviewCmd(a), newUpCmd(a), newRefreshCmd(a),
		newDestroyCmd(a), newImportCmd(a), newStateCmd(a), newCancelCmd(a), newRollbackCmd(a), newCICmd(a), newDeployCmd(a),
		newReviewCmd(a),
	)
	return root
}
