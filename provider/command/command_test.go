package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/providertest"
	"github.com/plinth-iac/plinth/resource"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, New(t.TempDir()), []providertest.Case{
		{
			Name:    "create and update",
			Type:    CommandType,
			Inputs:  resource.PropertyMap{"create": "echo created; echo note >&2", "delete": "true"},
			Update:  resource.PropertyMap{"create": "echo created; echo note >&2", "update": "echo updated", "delete": "true"},
			Replace: resource.PropertyMap{"create": "echo other", "delete": "true"},
		},
		{
			Name: "everything",
			Type: CommandType,
			Inputs: resource.PropertyMap{
				"create": `cat; printf '%s\n' "$NAME"`, "stdin": "from stdin\n", "dir": ".",
				"environment": map[string]any{"NAME": "x"}, "triggers": []any{int64(1)},
			},
			Update: resource.PropertyMap{
				"create": `cat; printf '%s\n' "$NAME"`, "stdin": "from stdin\n", "dir": ".", "update": `printf '%s\n' "$NAME"`,
				"environment": map[string]any{"NAME": "y"}, "triggers": []any{int64(1)},
			},
			Replace: resource.PropertyMap{
				"create": `cat; printf '%s\n' "$NAME"`, "stdin": "from stdin\n", "dir": ".", "update": `printf '%s\n' "$NAME"`,
				"environment": map[string]any{"NAME": "y"}, "triggers": []any{int64(2)},
			},
		},
	})
}

func create(t *testing.T, p *Provider, inputs resource.PropertyMap) (provider.CreateResponse, error) {
	t.Helper()
	c, err := p.Check(t.Context(), provider.CheckRequest{Type: CommandType, Inputs: inputs})
	if err != nil || len(c.Failures) > 0 {
		t.Fatalf("Check(%s) = %+v, %v", resource.Format(inputs, true), c.Failures, err)
	}
	return p.Create(t.Context(), provider.CreateRequest{Type: CommandType, Inputs: c.Inputs})
}

func TestRun(t *testing.T) {
	base := t.TempDir()
	if err := os.Mkdir(filepath.Join(base, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := New(base, WithEnviron([]string{"PATH=" + os.Getenv("PATH"), "INHERITED=from plinth", "OVERRIDDEN=old"}))
	tests := []struct {
		name           string
		inputs         resource.PropertyMap
		stdout, stderr string
	}{
		{"stdout and stderr", resource.PropertyMap{"create": "echo out; echo err >&2"}, "out\n", "err\n"},
		{"stdin", resource.PropertyMap{"create": "tr a-z A-Z", "stdin": "shout\n"}, "SHOUT\n", ""},
		{"no stdin reads empty", resource.PropertyMap{"create": "cat; echo done"}, "done\n", ""},
		{"environment", resource.PropertyMap{"create": `echo "$INHERITED/$OVERRIDDEN/$NEW"`, "environment": map[string]any{"OVERRIDDEN": "new", "NEW": "x y"}}, "from plinth/new/x y\n", ""},
		{"default dir is the project", resource.PropertyMap{"create": "pwd"}, base + "\n", ""},
		{"relative dir", resource.PropertyMap{"create": "pwd", "dir": "sub"}, filepath.Join(base, "sub") + "\n", ""},
		{"absolute dir", resource.PropertyMap{"create": "pwd", "dir": "/"}, "/\n", ""},
		{"invalid UTF-8 is recorded as valid", resource.PropertyMap{"create": `printf 'a\377b'`}, "a\uFFFDb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := create(t, p, tt.inputs)
			if err != nil {
				t.Fatal(err)
			}
			want := resource.PropertyMap{"stdout": tt.stdout, "stderr": tt.stderr}
			if diff := cmp.Diff(want, resp.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBackgroundChild runs a command that leaves a child holding its
// stdout: Create waits for the output only briefly, and the child lives on.
func TestBackgroundChild(t *testing.T) {
	p := New(t.TempDir())
	start := time.Now()
	resp, err := create(t, p, resource.PropertyMap{"create": "sleep 60 & echo $!"})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	pid, err := strconv.Atoi(strings.TrimSpace(resp.Outputs["stdout"].(string)))
	if err != nil {
		t.Fatalf("stdout = %q, want the child's pid", resp.Outputs["stdout"])
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if took > waitDelay+5*time.Second {
		t.Errorf("Create took %v, want about %v", took, waitDelay)
	}
	if !alive(pid) {
		t.Error("the background child was killed; it is the user's to keep")
	}
}

func TestFailures(t *testing.T) {
	p := New(t.TempDir())
	tests := []struct {
		name   string
		inputs resource.PropertyMap
		want   string
	}{
		{"status and last line", resource.PropertyMap{"create": "echo first >&2; echo 'it broke  ' >&2; echo >&2; exit 3"}, "command exited with status 3: it broke"},
		{"no stderr", resource.PropertyMap{"create": "echo out; exit 1"}, "command exited with status 1"},
		{"environment values are redacted",
			resource.PropertyMap{"create": `echo "login failed for $USER with $TOKEN" >&2; exit 2`, "environment": map[string]any{"TOKEN": "hunter2-secret", "USER": "bob"}},
			"command exited with status 2: login failed for bob with [redacted]"},
		{"multi-line secrets are redacted line by line",
			resource.PropertyMap{"create": `printf '%s\n' "$KEY" >&2; exit 2`, "environment": map[string]any{"KEY": "-----BEGIN-----\nAAAABBBBCCCC\n-----END-----"}},
			"command exited with status 2: [redacted]"},
		{"a long last line is cut", resource.PropertyMap{"create": `printf 'x%.0s' $(seq 600) >&2; exit 4`}, "command exited with status 4: " + strings.Repeat("x", maxErrorLine) + "…"},
		{"a line longer than the tail is not shown", resource.PropertyMap{"create": `head -c 10000 /dev/zero | tr '\0' s >&2; exit 5`}, "command exited with status 5: (the last line is too long to show)"},
		{"killed by a signal", resource.PropertyMap{"create": "kill -9 $$"}, "command was killed (signal: killed)"},
		{"missing dir", resource.PropertyMap{"create": "true", "dir": "no/such/dir"}, "cannot run in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := create(t, p, tt.inputs)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Create = %v, want an error starting %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "AAAABBBB") {
				t.Errorf("error %q shows an environment value", err)
			}
		})
	}
}

func TestOversizedOutput(t *testing.T) {
	p := New(t.TempDir())
	resp, err := create(t, p, resource.PropertyMap{"create": `head -c 3145728 /dev/zero | tr '\0' o; head -c 1048577 /dev/zero | tr '\0' e >&2`})
	if err != nil {
		t.Fatal(err)
	}
	for name, dropped := range map[string]int{"stdout": 2 << 20, "stderr": 1} {
		out := resp.Outputs[name].(string)
		note := fmt.Sprintf("\n[plinth: output truncated at 1048576 bytes; %d more bytes not recorded]\n", dropped)
		if !strings.HasSuffix(out, note) || len(out) != MaxOutput+len(note) {
			t.Errorf("%s: %d bytes ending %q, want %d bytes and the note %q", name, len(out), out[max(0, len(out)-100):], MaxOutput, note)
		}
	}
}

func TestCapture(t *testing.T) {
	var c capture
	for range 3000 {
		_, _ = c.Write([]byte("line of output\n"))
	}
	_, _ = c.Write([]byte("the end\n"))
	if got := c.lastLine(nil); got != "the end" {
		t.Errorf("lastLine = %q", got)
	}
	if len(c.tail) > 2*tailSize {
		t.Errorf("tail grew to %d bytes", len(c.tail))
	}
}

func TestCancelKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	p := New(dir)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := p.Create(ctx, provider.CreateRequest{Type: CommandType, Inputs: resource.PropertyMap{
			"create": "sleep 300 & echo $! > child.pid; trap '' TERM; wait",
		}})
		done <- err
	}()
	pidFile := filepath.Join(dir, "child.pid")
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the command did not start its child")
		}
		data, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "command cancelled") {
			t.Errorf("Create = %v, want command cancelled: context canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Create did not return after cancellation")
	}
	for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d survived the cancellation", pid)
		}
	}
}

// alive reports whether pid is running (a zombie waiting to be reaped by
// whoever inherited it does not count).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func TestDeleteSeesStdout(t *testing.T) {
	dir := t.TempDir()
	p := New(dir)
	inputs := resource.PropertyMap{"create": "echo resource-42", "delete": `printf '%s' "$PLINTH_STDOUT" > deleted.txt`, "stdin": "not for delete"}
	resp, err := create(t, p, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: CommandType, ID: resp.ID, Inputs: inputs, Outputs: resp.Outputs}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "deleted.txt")); string(data) != "resource-42\n" {
		t.Errorf("delete saw PLINTH_STDOUT = %q, want %q", data, "resource-42\n")
	}
	// A failing delete is an error; no delete command is a no-op.
	inputs["delete"] = "echo cannot >&2; exit 7"
	if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: CommandType, ID: resp.ID, Inputs: inputs, Outputs: resp.Outputs}); err == nil || err.Error() != "command exited with status 7: cannot" {
		t.Errorf("failing delete = %v", err)
	}
	if _, err := p.Delete(t.Context(), provider.DeleteRequest{Type: CommandType, ID: resp.ID}); err != nil {
		t.Errorf("Delete without recorded inputs = %v", err)
	}
}

func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	p := New(dir)
	olds := resource.PropertyMap{"create": "echo v1", "update": `echo "was $PLINTH_STDOUT"; cat`, "delete": "true"}
	created, err := create(t, p, olds)
	if err != nil {
		t.Fatal(err)
	}
	update := func(news resource.PropertyMap) resource.PropertyMap {
		t.Helper()
		resp, err := p.Update(t.Context(), provider.UpdateRequest{Type: CommandType, ID: created.ID, OldInputs: olds, OldOutputs: created.Outputs, NewInputs: news})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Outputs
	}
	news := resource.Copy(olds).(map[string]any)
	news["create"], news["stdin"] = "echo v2", "input\n"
	if got, want := update(news), (resource.PropertyMap{"stdout": "was v1\n\ninput\n", "stderr": ""}); !cmp.Equal(got, want) {
		t.Errorf("Update outputs = %v, want %v", got, want)
	}
	// Only delete changed: nothing runs, the outputs stay.
	news = resource.Copy(olds).(map[string]any)
	news["delete"], news["update"] = "echo bye", olds["update"]
	if got := update(news); !cmp.Equal(got, created.Outputs) {
		t.Errorf("Update of delete alone = %v, want the recorded %v", got, created.Outputs)
	}
}

func TestDiff(t *testing.T) {
	base := resource.PropertyMap{"create": "a", "delete": "d"}
	with := func(m resource.PropertyMap, kv ...any) resource.PropertyMap {
		out := resource.Copy(m).(map[string]any)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
			} else {
				out[kv[i].(string)] = kv[i+1]
			}
		}
		return out
	}
	withUpdate := with(base, "update", "u")
	tests := []struct {
		name       string
		olds, news resource.PropertyMap
		want       provider.DiffResponse
	}{
		{"same", base, with(base), provider.DiffResponse{}},
		{"create without update replaces", base, with(base, "create", "b"), provider.DiffResponse{Changed: []string{"create"}, Replace: []string{"create"}}},
		{"environment without update replaces", base, with(base, "environment", map[string]any{"A": "1"}), provider.DiffResponse{Changed: []string{"environment"}, Replace: []string{"environment"}}},
		{"delete alone updates", base, with(base, "delete", "e"), provider.DiffResponse{Changed: []string{"delete"}}},
		{"create with update updates", withUpdate, with(withUpdate, "create", "b", "stdin", "s"), provider.DiffResponse{Changed: []string{"create", "stdin"}}},
		{"adding update updates", base, with(base, "create", "b", "update", "u"), provider.DiffResponse{Changed: []string{"create", "update"}}},
		{"removing update replaces", withUpdate, with(withUpdate, "update", nil), provider.DiffResponse{Changed: []string{"update"}, Replace: []string{"update"}}},
		{"triggers replace", withUpdate, with(withUpdate, "triggers", int64(2)), provider.DiffResponse{Changed: []string{"triggers"}, Replace: []string{"triggers"}}},
		{"unknown update updates", base, with(base, "create", "b", "update", resource.Unknown{}), provider.DiffResponse{Changed: []string{"create", "update"}}},
	}
	p := New(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Diff(t.Context(), provider.DiffRequest{Type: CommandType, OldInputs: tt.olds, NewInputs: tt.news})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		inputs resource.PropertyMap
		want   []string // property: reason
	}{
		{"ok", resource.PropertyMap{"create": "true", "environment": map[string]any{"A_B": "x"}}, nil},
		{"missing create", resource.PropertyMap{"delete": "true"}, []string{`create: missing required property "create"`}},
		{"blank create", resource.PropertyMap{"create": "  \n"}, []string{"create: create must not be empty"}},
		{"blank update", resource.PropertyMap{"create": "true", "update": ""}, []string{"update: update must not be empty: leave it out to replace the resource on change instead"}},
		{"create not a string", resource.PropertyMap{"create": []any{"echo", "hi"}}, []string{`create: property "create": expected string, got list`}},
		{"NUL in delete", resource.PropertyMap{"create": "true", "delete": "rm \x00"}, []string{"delete: delete must not contain NUL bytes"}},
		{"NUL in dir", resource.PropertyMap{"create": "true", "dir": "a\x00"}, []string{"dir: dir must not contain NUL bytes"}},
		{"environment value not a string", resource.PropertyMap{"create": "true", "environment": map[string]any{"N": int64(1)}}, []string{`environment: property "environment": .N: expected string, got integer`}},
		{"environment name with =", resource.PropertyMap{"create": "true", "environment": map[string]any{"A=B": "x"}}, []string{`environment: environment variable name "A=B" must be non-empty, without = or NUL`}},
		{"environment value with NUL", resource.PropertyMap{"create": "true", "environment": map[string]any{"A": "x\x00"}}, []string{"environment: environment variable A must not contain NUL bytes"}},
		{"typo", resource.PropertyMap{"create": "true", "destroy": "true"}, []string{`destroy: command:Command has no property "destroy"`}},
	}
	p := New(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Check(t.Context(), provider.CheckRequest{Type: CommandType, Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range resp.Failures {
				got = append(got, f.Property+": "+f.Reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotImportable(t *testing.T) {
	p := New(t.TempDir())
	if _, err := p.Read(t.Context(), provider.ReadRequest{Type: CommandType, ID: "x"}); err == nil || !strings.Contains(err.Error(), "cannot be imported") {
		t.Errorf("Read(import) = %v", err)
	}
}
