package crashtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/workspace"
)

// ageIdentity is an age key file written for a test and its recipient.
type ageIdentity struct {
	file, recipient string
}

func newAgeIdentity(t *testing.T, dir, name string) ageIdentity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return ageIdentity{file: file, recipient: id.Recipient().String()}
}

// env is the environment that makes plinth use this identity.
func (id ageIdentity) env() []string { return []string{"PLINTH_AGE_KEY_FILE=" + id.file} }

// secretsEnv is the same for package secrets.
func (id ageIdentity) secretsEnv() secrets.Env {
	return secrets.Env{Lookup: func(k string) (string, bool) {
		if k == "PLINTH_AGE_KEY_FILE" {
			return id.file, true
		}
		return "", false
	}}
}

const rotationProgram = `name: rot
runtime: yaml
config:
  dbPassword: {type: string, secret: true}
resources:
  d:
    type: core:Data
    properties: {input: "${dbPassword}"}
outputs:
  pw: ${d.output}
`

// rotationProject makes a stack with three versions, each holding secrets
// (an input, an output, a stack output), whose key is wrapped to two age
// identities. It returns the project folder, the identities, and the stack
// file as it was then: what the first identity keeps when it is revoked.
func rotationProject(t *testing.T) (dir string, first, second ageIdentity, kept []byte) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Plinth.yaml"), []byte(rotationProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	first, second = newAgeIdentity(t, dir, "first.key"), newAgeIdentity(t, dir, "second.key")
	run(t, dir, first.env(), 0, "stack", "init", "dev")
	for i := 1; i <= 3; i++ {
		run(t, dir, first.env(), 0, "config", "set", "--secret", "dbPassword", fmt.Sprintf("secret-%d", i))
		run(t, dir, first.env(), 0, "up", "--yes")
	}
	run(t, dir, first.env(), 0, "stack", "access", "grant", second.recipient)
	kept = readStackFile(t, dir)
	// Sanity: with what it keeps, the first identity reads everything now,
	// so that "reads nothing" later means something.
	if n, total := countDecryptable(t, dir, openKeys(t, kept, first)); n != total || total == 0 {
		t.Fatalf("before the revocation the first identity decrypts %d of %d values, want all", n, total)
	}
	return dir, first, second, kept
}

func readStackFile(t *testing.T, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "Plinth.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// openKeys opens every key of a stack file (its key and previouskeys)
// that id can; it fails the test if id can open none.
func openKeys(t *testing.T, stackFile []byte, id ageIdentity) []*secrets.Key {
	t.Helper()
	keys := tryKeys(t, stackFile, id)
	if len(keys) == 0 {
		t.Fatalf("%s opens no key of the stack file", filepath.Base(id.file))
	}
	return keys
}

// tryKeys opens the keys of a stack file that id can, failing the test on
// any error but "no access".
func tryKeys(t *testing.T, stackFile []byte, id ageIdentity) []*secrets.Key {
	t.Helper()
	f, err := workspace.ParseStackFile("Plinth.dev.yaml", stackFile)
	if err != nil {
		t.Fatal(err)
	}
	var keys []*secrets.Key
	for _, w := range append([]secrets.Wrapped{f.Wrapped()}, f.PreviousKeys()...) {
		k, err := secrets.Open(context.Background(), w, id.secretsEnv())
		if errors.Is(err, secrets.ErrAccess) {
			continue
		}
		if err != nil {
			t.Fatalf("opening a key of the stack file with %s: %v", filepath.Base(id.file), err)
		}
		keys = append(keys, k)
	}
	return keys
}

var ciphertextRE = regexp.MustCompile(`(?:secure:\s*|"plinth:secret":\s*")(v1:[A-Za-z0-9+/]+=*)`)

// countDecryptable tries keys on every encrypted value Plinth stored for
// the project in dir: the secure: values of its stack file and the
// plinth:secret values of every file in the file backend's folder
// (checkpoints, the current snapshot, the journal, and any file a crash
// left behind). It returns how many decrypt, of how many.
func countDecryptable(t *testing.T, dir string, keys []*secrets.Key) (n, total int) {
	t.Helper()
	try := func(text []byte) {
		for _, m := range ciphertextRE.FindAllSubmatch(text, -1) {
			total++
			for _, k := range keys {
				if _, err := k.Decrypt(string(m[1])); err == nil {
					n++
					break
				}
			}
		}
	}
	try(readStackFile(t, dir))
	err := filepath.WalkDir(filepath.Join(dir, ".state"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		try(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, total
}

// checkNewRecipientsOnly: the stack file names only the remaining
// identity, and the revoked one opens none of its keys.
func checkNewRecipientsOnly(t *testing.T, dir string, revoked, remaining ageIdentity) {
	t.Helper()
	f, err := workspace.ParseStackFile("Plinth.dev.yaml", readStackFile(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Wrapped().Recipients; len(got) != 1 || got[0] != remaining.recipient {
		t.Errorf("recipients = %v, want only %s", got, remaining.recipient)
	}
	if keys := tryKeys(t, readStackFile(t, dir), revoked); len(keys) > 0 {
		t.Errorf("the revoked identity opens %d key(s) of the stack file", len(keys))
	}
}

// checkRemainingReadsEverything: the remaining identity reads config,
// outputs, every version, and every encrypted value stored anywhere.
func checkRemainingReadsEverything(t *testing.T, dir string, remaining ageIdentity, want string) {
	t.Helper()
	if out := run(t, dir, remaining.env(), 0, "config", "get", "dbPassword"); !strings.Contains(out, want) {
		t.Errorf("config get dbPassword = %q, want %q", out, want)
	}
	if out := run(t, dir, remaining.env(), 0, "stack", "output", "--show-secrets"); !strings.Contains(out, `pw: "`+want+`"`) {
		t.Errorf("stack output --show-secrets = %q, want pw %q", out, want)
	}
	versions, err := filepath.Glob(filepath.Join(dir, ".state", "stacks", "rot", "dev", "checkpoints", "*.json"))
	if err != nil || len(versions) < 3 {
		t.Fatalf("checkpoints: %v, %v", versions, err)
	}
	for _, v := range versions {
		run(t, dir, remaining.env(), 0, "stack", "export", "--version", strings.TrimSuffix(filepath.Base(v), ".json"))
	}
	keys := openKeys(t, readStackFile(t, dir), remaining)
	if n, total := countDecryptable(t, dir, keys); n != total || total == 0 {
		t.Errorf("the remaining identity decrypts %d of %d stored values, want all", n, total)
	}
}

// checkRevokedReadsNothing: with every key it could ever open (the stack
// file it kept), the revoked identity decrypts no value stored anywhere,
// and the CLI refuses it with exit 3 and one line, changing nothing.
func checkRevokedReadsNothing(t *testing.T, dir string, revoked ageIdentity, kept []byte) {
	t.Helper()
	if n, total := countDecryptable(t, dir, openKeys(t, kept, revoked)); n > 0 || total == 0 {
		t.Errorf("the revoked identity decrypts %d of %d stored values, want none", n, total)
	}
	before := readStackFile(t, dir)
	for _, args := range [][]string{{"config", "get", "dbPassword"}, {"stack", "output", "--show-secrets"}, {"up", "--yes"}} {
		out := run(t, dir, revoked.env(), 3, args...)
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, "is not a recipient of this stack") {
			t.Errorf("plinth %s as the revoked identity said %q, want one line saying it is not a recipient", strings.Join(args, " "), out)
		}
	}
	if !bytes.Equal(before, readStackFile(t, dir)) {
		t.Errorf("commands refused to the revoked identity changed the stack file")
	}
}

// TestRevoke is the uninterrupted revocation, checked the same way as the
// interrupted ones below.
func TestRevoke(t *testing.T) {
	t.Parallel()
	dir, first, second, kept := rotationProject(t)
	out := run(t, dir, second.env(), 0, "stack", "access", "revoke", first.recipient)
	if !strings.Contains(out, "config and 3 earlier version(s) of state re-encrypted") {
		t.Errorf("revoke said %q", out)
	}
	if bytes.Contains(readStackFile(t, dir), []byte("previouskeys")) {
		t.Errorf("previouskeys left in the stack file after a revocation that finished")
	}
	checkNewRecipientsOnly(t, dir, first, second)
	checkRemainingReadsEverything(t, dir, second, "secret-3")
	checkRevokedReadsNothing(t, dir, first, kept)
	run(t, dir, second.env(), 0, "config", "set", "--secret", "dbPassword", "secret-4")
	run(t, dir, second.env(), 0, "up", "--yes")
	checkRemainingReadsEverything(t, dir, second, "secret-4")
	checkRevokedReadsNothing(t, dir, first, kept)
}

// TestKillDuringRotation kills (or fails) a revocation at each step of the
// rotation. Afterwards the stack is wholly old or wholly new: the stack
// file is either untouched or names only the remaining identity, who reads
// everything. The next access command finishes the rotation, and from then
// on the revoked identity decrypts nothing, anywhere.
func TestKillDuringRotation(t *testing.T) {
	for _, c := range []struct {
		fp string
		// finish is the command that finishes the rotation.
		finish []string
		// upBetween runs an update while the rotation is unfinished.
		upBetween bool
	}{
		{fp: "rotation.file=kill", finish: []string{"stack", "access", "ls"}},
		{fp: "rotation.checkpoint=kill@1", finish: []string{"stack", "access", "revoke", "FIRST"}, upBetween: true},
		{fp: "rotation.checkpoint=kill@2", finish: []string{"stack", "access", "ls"}},
		{fp: "rotation.done=kill", finish: []string{"stack", "access", "revoke", "FIRST"}},
		{fp: "rotation.checkpoint=error@2", finish: []string{"stack", "access", "ls"}},
		{fp: "checkpoint.write=kill", finish: []string{"stack", "access", "revoke", "FIRST"}},
	} {
		t.Run(c.fp, func(t *testing.T) {
			t.Parallel()
			dir, first, second, kept := rotationProject(t)
			want := -2 // killed
			if strings.Contains(c.fp, "=error") {
				want = 1
			}
			run(t, dir, append(second.env(), "PLINTH_FAILPOINTS="+c.fp), want, "stack", "access", "revoke", first.recipient)

			// Wholly old or wholly new.
			if now := readStackFile(t, dir); !bytes.Equal(now, kept) {
				checkNewRecipientsOnly(t, dir, first, second)
			}
			checkRemainingReadsEverything(t, dir, second, "secret-3")
			value := "secret-3"
			if c.upBetween {
				out := run(t, dir, second.env(), 0, "config", "set", "--secret", "dbPassword", "secret-4")
				out += run(t, dir, second.env(), 0, "up", "--yes")
				if !strings.Contains(out, "rotation of stack dev's data key was interrupted") {
					t.Errorf("up during an unfinished rotation did not say so:\n%s", out)
				}
				value = "secret-4"
				checkRemainingReadsEverything(t, dir, second, value)
			}

			args := c.finish
			if args[len(args)-1] == "FIRST" {
				args = append(args[:len(args)-1:len(args)-1], first.recipient)
			}
			out := run(t, dir, second.env(), 0, args...)
			if !strings.Contains(out, "Finished the interrupted rotation of stack dev's data key") {
				t.Errorf("plinth %s did not finish the rotation:\n%s", strings.Join(args, " "), out)
			}
			if bytes.Contains(readStackFile(t, dir), []byte("previouskeys")) {
				t.Errorf("previouskeys left in the stack file after plinth %s", strings.Join(args, " "))
			}
			checkNewRecipientsOnly(t, dir, first, second)
			checkRemainingReadsEverything(t, dir, second, value)
			checkRevokedReadsNothing(t, dir, first, kept)
			run(t, dir, second.env(), 0, "up", "--yes")
			out = run(t, dir, second.env(), 0, "stack", "access", "ls")
			if strings.Contains(out, "Finished") || strings.Contains(out, "warning") {
				t.Errorf("stack access ls after the rotation finished said:\n%s", out)
			}
		})
	}
}
