package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plinth-iac/plinth/backend"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
	"github.com/plinth-iac/plinth/state"
)

// Kinds of history records.
const (
	KindUpdate      = "update"
	KindDestroy     = "destroy"
	KindRefresh     = "refresh"
	KindImport      = "import"
	KindRollback    = "rollback"
	KindRecover     = "recover"
	KindStateEdit   = "state-edit"
	KindImportState = "import-state"
)

// Session is a locked stack with its state brought up to date.
type Session struct {
	stack    *Stack
	held     *backend.Held
	Snapshot *state.Snapshot
	// Unresolved lists interrupted operations recovery could not settle.
	Unresolved []engine.Unresolved
	// Recovered is set when an interrupted operation was folded in.
	Recovered bool
}

// Open locks the stack for op and prepares its state: a journal left by an
// interrupted operation is folded in and recorded as a recover version, and
// the operations that were in flight are settled by reading the real
// resources back.
func (s *Stack) Open(ctx context.Context, op string) (*Session, error) {
	held, err := s.lock(ctx, op)
	if err != nil {
		return nil, err
	}
	sess := &Session{stack: s, held: held}
	if s.Rekey != nil {
		c, err := s.Rekey(ctx)
		if err != nil {
			held.Release(context.WithoutCancel(ctx))
			return nil, err
		}
		s.Crypter = c
	}
	if err := sess.prepare(ctx); err != nil {
		held.Release(context.WithoutCancel(ctx))
		return nil, err
	}
	return sess, nil
}

func (sess *Session) prepare(ctx context.Context) error {
	s := sess.stack
	snap, err := s.readSnapshot(ctx, s.Crypter)
	if err != nil {
		return err
	}
	entries, err := s.readJournal(ctx, s.Crypter)
	if err != nil {
		return err
	}
	start := s.now()
	if len(entries) > 0 {
		if snap, err = state.Replay(snap, entries); err != nil {
			return s.stateErr(err)
		}
		sess.Recovered = true
	}
	if len(snap.Pending) > 0 && s.Providers != nil {
		settled, unresolved, err := engine.Recover(ctx, snap, s.Providers, s.now)
		if err != nil {
			return err
		}
		if len(settled.Pending) != len(snap.Pending) {
			sess.Recovered = true
		}
		snap = settled
		sess.Unresolved = unresolved
	}
	if sess.Recovered {
		u := &state.Update{Kind: KindRecover, Result: "succeeded", Start: start, End: s.now(),
			Message: fmt.Sprintf("recorded %d journal entries of an interrupted operation", len(entries))}
		if err := s.record(ctx, snap, u); err != nil {
			return err
		}
	}
	sess.Snapshot = snap
	return nil
}

// Close releases the lock.
func (sess *Session) Close() error {
	return sess.held.Release(context.Background())
}

// Cancelled is closed when `plinth cancel` asks this operation to stop.
func (sess *Session) Cancelled() <-chan struct{} { return sess.held.Cancelled() }

// UnresolvedError reports interrupted operations that need a person.
type UnresolvedError struct{ Items []engine.Unresolved }

func (e *UnresolvedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d interrupted operation(s) could not be settled automatically:", len(e.Items))
	for _, u := range e.Items {
		fmt.Fprintf(&b, "\n  %s %s: %s", u.Pending.Op, u.Pending.URN, u.Advice)
	}
	return b.String()
}

// RunRequest describes an operation.
type RunRequest struct {
	Operation engine.Operation
	Source    engine.Source // update only
	Targets   []resource.URN
	Preview   bool
	// ExpectNoChanges fails (after planning, before applying) when the
	// plan has changes.
	Parallel        int
	ContinueOnError bool
	Events          engine.EventSink
	Message         string
	CI              map[string]any
	Kind            string // history kind; defaults from Operation
	// Confirm is called with the plan before applying; false stops.
	Confirm func(*engine.Plan) (bool, error)
	// RollbackTo is recorded in history for rollbacks.
	RollbackTo int
}

// RunResult is what an operation did.
type RunResult struct {
	Plan     *engine.Plan
	Result   *engine.Result
	Version  int // recorded version, 0 for a preview
	Declined bool
}

// ErrDeclined is returned when Confirm said no.
var ErrDeclined = errors.New("declined")

// Run plans and (unless previewing) applies an operation, recording the
// result as a new version.
func (sess *Session) Run(ctx context.Context, req RunRequest) (*RunResult, error) {
	s := sess.stack
	if len(sess.Unresolved) > 0 && !req.Preview {
		return nil, &UnresolvedError{Items: sess.Unresolved}
	}
	start := s.now()
	emit := func(e engine.Event) {
		if req.Events != nil {
			e.Time = s.now()
			req.Events(e)
		}
	}
	opName := string(req.Operation)
	if req.Preview {
		opName = "preview"
	}
	plan, err := engine.NewPlan(ctx, engine.PlanRequest{
		Operation: req.Operation, Project: s.Ref.Project, Stack: s.Ref.Stack,
		Source: req.Source, Snapshot: sess.Snapshot, Providers: s.Providers, Targets: req.Targets,
	})
	if err != nil {
		return nil, err
	}
	emit(engine.Event{Type: engine.EventPrelude, Operation: opName, Stack: s.Ref.Stack, Project: s.Ref.Project, Steps: plan.Work()})
	res := &RunResult{Plan: plan}
	if req.Preview {
		plan.EmitPreview(req.Events, s.now)
		emit(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{Counts: plan.Counts(), Duration: s.now().Sub(start), Outputs: plan.Outputs, Preview: true}})
		return res, nil
	}
	if req.Confirm != nil {
		ok, err := req.Confirm(plan)
		if err != nil {
			return nil, err
		}
		if !ok {
			res.Declined = true
			return res, ErrDeclined
		}
	}
	if !plan.HasChanges() && req.Operation != engine.OpRefresh && sess.Snapshot.Version > 0 {
		emit(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{Counts: plan.Counts(), Duration: s.now().Sub(start), Outputs: sess.Snapshot.Outputs}})
		res.Result = &engine.Result{Counts: plan.Counts(), Outputs: sess.Snapshot.Outputs}
		res.Version = sess.Snapshot.Version
		return res, nil
	}
	w, written := s.journal(ctx, 1)
	applyCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() {
		select {
		case <-sess.held.Lost():
			stop()
		case <-applyCtx.Done():
		}
	}()
	cancel := make(chan struct{})
	go func() {
		select {
		case <-sess.held.Cancelled():
		case <-ctx.Done():
		case <-applyCtx.Done():
			return
		}
		close(cancel)
	}()
	result := plan.Apply(applyCtx, engine.ApplyOptions{
		Parallel: req.Parallel, ContinueOnError: req.ContinueOnError,
		Journal: w, Events: req.Events, Now: s.now, Cancel: cancel, Hook: s.Hook,
	})
	w.Close()
	res.Result = result
	snap, err := state.Replay(sess.Snapshot, *written)
	if err != nil {
		return res, err
	}
	if !result.OutputsSet && req.Operation == engine.OpDestroy && len(snap.Resources) == 0 {
		snap.Outputs = nil
	}
	kind := req.Kind
	if kind == "" {
		kind = string(req.Operation)
	}
	u := &state.Update{Kind: kind, Result: "succeeded", Start: start, End: s.now(), Message: req.Message, CI: req.CI, RollbackTo: req.RollbackTo}
	u.Changes = map[string]int{}
	for k, n := range result.Counts {
		u.Changes[string(k)] = n
	}
	switch {
	case result.Cancelled:
		u.Result = "cancelled"
	case len(result.Failures) > 0:
		u.Result = "failed"
		u.Error = firstLine(result.Err().Error())
	}
	if err := s.record(ctx, snap, u); err != nil {
		return res, err
	}
	sess.Snapshot = snap
	res.Version = snap.Version
	emit(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
		Counts: result.Counts, Duration: s.now().Sub(start), Outputs: snap.Outputs,
		Failed: len(result.Failures), Cancelled: result.Cancelled,
	}})
	return res, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Edit records a change to state made without providers (state delete,
// state unprotect, import of state): fn changes a copy of the snapshot.
func (sess *Session) Edit(ctx context.Context, kind, message string, fn func(*state.Snapshot) error) (int, error) {
	s := sess.stack
	start := s.now()
	snap := sess.Snapshot.Clone()
	if err := fn(snap); err != nil {
		return 0, err
	}
	u := &state.Update{Kind: kind, Result: "succeeded", Start: start, End: s.now(), Message: message}
	if err := s.record(ctx, snap, u); err != nil {
		return 0, err
	}
	sess.Snapshot = snap
	return snap.Version, nil
}

// MarkVerified records the result of verification on version v.
func (s *Stack) MarkVerified(ctx context.Context, v int, ok bool) error {
	hist, err := s.History(ctx)
	if err != nil {
		return err
	}
	for _, h := range hist {
		if h.Version == v {
			h.Verified = &ok
			data, err := state.EncodeUpdate(h)
			if err != nil {
				return err
			}
			_, err = s.Backend.UpdateHistory(ctx, backend.UpdateHistoryRequest{Ref: s.Ref, Version: v, History: data})
			return err
		}
	}
	return fmt.Errorf("stack %s has no version %d", s.Ref.Stack, v)
}
