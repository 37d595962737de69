package crashtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stateHash hashes the stored state of the project in dir: the file
// backend's snapshot, journal, checkpoints and history (not its lock
// files, which every locking command touches).
func stateHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	root := filepath.Join(dir, ".state", "stacks")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "lock.") || strings.HasSuffix(d.Name(), ".guard") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		h.Write([]byte(rel + "\x00" + strconv.Itoa(len(data)) + "\x00"))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// flip changes the base64 character at data[i] to another one.
func flip(data []byte, i int) {
	if data[i] == 'A' {
		data[i] = 'B'
	} else {
		data[i] = 'A'
	}
}

// TestTamperedCheckpoint changes one character of a secret in the current
// checkpoint file: every command that decrypts state exits 3 with one line
// naming the resource and the property, and writes nothing.
func TestTamperedCheckpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(rotationProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	me := newAgeIdentity(t, dir, "me.key")
	run(t, dir, me.env(), 0, "stack", "init", "dev")
	run(t, dir, me.env(), 0, "config", "set", "--secret", "dbPassword", "hunter2")
	run(t, dir, me.env(), 0, "up", "--yes")

	stackDir := filepath.Join(dir, ".state", "stacks", "rot", "dev")
	var pointer struct{ Checkpoint int }
	data, err := os.ReadFile(filepath.Join(stackDir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pointer); err != nil || pointer.Checkpoint == 0 {
		t.Fatalf("snapshot.json is not a pointer to a checkpoint: %s (%v)", data, err)
	}
	current := filepath.Join(stackDir, "checkpoints", strconv.Itoa(pointer.Checkpoint)+".json")
	data, err = os.ReadFile(current)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = `"plinth:secret":"v1:`
	i := strings.Index(string(data), prefix)
	if i < 0 {
		t.Fatalf("no secret in %s", current)
	}
	flip(data, i+len(prefix)+10)
	if err := os.WriteFile(current, data, 0o600); err != nil {
		t.Fatal(err)
	}

	before, stackFile := stateHash(t, dir), readStackFile(t, dir)
	for _, args := range [][]string{
		{"up", "--yes"}, {"preview"}, {"refresh", "--yes"}, {"destroy", "--yes"},
		{"stack", "output", "--show-secrets"}, {"stack", "change-secrets-provider", "age"},
	} {
		out := run(t, dir, me.env(), 3, args...)
		want := "urn:plinth:dev::rot::core:Data::d: inputs.input: secret value failed authentication: it was modified, or encrypted under another key"
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, want) {
			t.Errorf("plinth %s said %q, want one line naming %q", strings.Join(args, " "), out, want)
		}
		if strings.Contains(out, "hunter2") {
			t.Errorf("plinth %s showed the secret: %q", strings.Join(args, " "), out)
		}
	}
	if stateHash(t, dir) != before {
		t.Errorf("commands that found tampered state changed the state")
	}
	if string(readStackFile(t, dir)) != string(stackFile) {
		t.Errorf("commands that found tampered state changed the stack file")
	}
}

// TestTamperedOldVersionStopsRotation: a rotation that finds a version it
// cannot decrypt stops before it writes anything, naming the version, the
// resource and the property; the stack stays wholly under the old key.
func TestTamperedOldVersionStopsRotation(t *testing.T) {
	t.Parallel()
	dir, first, second, _ := rotationProject(t)
	v1 := filepath.Join(dir, ".state", "stacks", "rot", "dev", "checkpoints", "1.json")
	data, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = `"pw":{"plinth:secret":"v1:`
	i := strings.Index(string(data), prefix)
	if i < 0 {
		t.Fatalf("no secret output pw in %s: %s", v1, data)
	}
	flip(data, i+len(prefix)+5)
	if err := os.WriteFile(v1, data, 0o600); err != nil {
		t.Fatal(err)
	}
	before, stackFile := stateHash(t, dir), readStackFile(t, dir)
	out := run(t, dir, second.env(), 3, "stack", "access", "revoke", first.recipient)
	want := "stack dev version 1: stack outputs: pw: secret value failed authentication"
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, want) {
		t.Errorf("revoke said %q, want one line naming %q", out, want)
	}
	if stateHash(t, dir) != before {
		t.Errorf("the refused rotation changed the state")
	}
	if string(readStackFile(t, dir)) != string(stackFile) {
		t.Errorf("the refused rotation changed the stack file")
	}
	// The current state is intact: both identities still work.
	run(t, dir, first.env(), 0, "up", "--yes")
	run(t, dir, second.env(), 0, "stack", "output", "--show-secrets")
}
