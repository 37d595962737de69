package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/backend/open"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/program"
	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/stack"
)

// Exit codes (spec section 2).
const (
	ExitOK            = 0
	ExitError         = 1
	ExitUsage         = 2
	ExitSecrets       = 3
	ExitResource      = 4
	ExitPolicy        = 5
	ExitStackNotFound = 6
	ExitChanges       = 7
	ExitCancelled     = 8
	ExitTimeout       = 9
	ExitLocked        = 10
	ExitVerifyFailed  = 11
)

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the spec's exit codes.
func exitCode(err error) int {
	var ee *exitError
	var le *backend.LockedError
	var pe *program.Error
	var planErr *engine.PlanError
	var stepErr *engine.StepError
	var unres *stack.UnresolvedError
	var urlErr *open.URLError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, backend.ErrLockWaitTimeout):
		return ExitTimeout
	case errors.As(err, &le):
		return ExitLocked
	case errors.Is(err, secrets.ErrUnknownProvider):
		return ExitUsage
	case errors.Is(err, secrets.ErrAccess), errors.Is(err, secrets.ErrTampered), errors.Is(err, secrets.ErrNoIdentity):
		return ExitSecrets
	case errors.As(err, &pe), errors.As(err, &urlErr):
		return ExitUsage
	case errors.As(err, &planErr):
		if planErr.Protected {
			return ExitResource
		}
		return ExitUsage
	case errors.As(err, &stepErr), errors.As(err, &unres):
		return ExitResource
	case errors.Is(err, backend.ErrStackNotFound):
		return ExitStackNotFound
	case errors.Is(err, context.Canceled):
		return ExitCancelled
	case errors.Is(err, context.DeadlineExceeded):
		return ExitTimeout
	}
	return ExitError
}
