package cli

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	agelib "filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/plinth-iac/plinth/secrets"
	"github.com/plinth-iac/plinth/workspace"
)

// scriptAgeKeygen is the testscript command
//
//	agekeygen FILE [VAR]
//
// It writes a new age identity to FILE, as age-keygen does, prints its
// recipient (age1…) and, with VAR, sets that environment variable to it.
func scriptAgeKeygen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: agekeygen FILE [VAR]")
	}
	id, err := agelib.GenerateX25519Identity()
	ts.Check(err)
	r := id.Recipient().String()
	content := fmt.Sprintf("# public key: %s\n%s\n", r, id)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(content), 0o600))
	fmt.Fprintln(ts.Stdout(), r)
	if len(args) == 2 {
		ts.Setenv(args[1], r)
	}
}

// scriptTamper is the testscript command
//
//	tamper FILE PREFIX
//
// It changes the character right after the first PREFIX in FILE (to
// another base64 character), so that the ciphertext starting there fails
// authentication.
func scriptTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper FILE PREFIX")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	i := strings.Index(string(data), args[1])
	if i < 0 || i+len(args[1]) >= len(data) {
		ts.Fatalf("tamper: %q not found in %s", args[1], args[0])
	}
	at := i + len(args[1])
	if data[at] == 'A' {
		data[at] = 'B'
	} else {
		data[at] = 'A'
	}
	ts.Check(os.WriteFile(path, data, 0o644))
}

// ciphertextRE finds encrypted values: secure: values in stack files and
// {"plinth:secret": …} in state.
var ciphertextRE = regexp.MustCompile(`(?:secure:\s*|"plinth:secret":\s*")(v1:[A-Za-z0-9+/]+=*)`)

// scriptDecrypts is the testscript command
//
//	[!] decrypts KEYFILE STACKFILE FILE...
//
// It opens STACKFILE's data key, and any previous keys, with the age
// identity in KEYFILE, and tries them on every encrypted value in the
// FILEs (stack files, stack export output). decrypts passes if every value
// decrypts; ! decrypts passes if none does. Either way there must be some
// values, and the key must open: a revoked identity is shown to decrypt
// nothing by giving it a stack file it could open before.
func scriptDecrypts(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: decrypts KEYFILE STACKFILE FILE...")
	}
	keyFile := ts.MkAbs(args[0])
	env := secrets.Env{Lookup: func(k string) (string, bool) {
		if k == "PLINTH_AGE_KEY_FILE" {
			return keyFile, true
		}
		return "", false
	}}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	f, err := workspace.ParseStackFile(args[1], data)
	ts.Check(err)
	var keys []*secrets.Key
	for _, w := range append([]secrets.Wrapped{f.Wrapped()}, f.PreviousKeys()...) {
		k, err := secrets.Open(context.Background(), w, env)
		if err != nil {
			ts.Fatalf("decrypts: %s cannot open the key of %s: %v", args[0], args[1], err)
		}
		keys = append(keys, k)
	}
	total, opened := 0, 0
	for _, name := range args[2:] {
		text, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		for _, m := range ciphertextRE.FindAllStringSubmatch(string(text), -1) {
			total++
			for _, k := range keys {
				if _, err := k.Decrypt(m[1]); err == nil {
					opened++
					break
				}
			}
		}
	}
	ts.Logf("decrypts: %d of %d encrypted values decrypt", opened, total)
	switch {
	case total == 0:
		ts.Fatalf("decrypts: no encrypted values in %s", strings.Join(args[2:], ", "))
	case neg && opened > 0:
		ts.Fatalf("decrypts: %d of %d encrypted values decrypt with %s, want none", opened, total, args[0])
	case !neg && opened < total:
		ts.Fatalf("decrypts: only %d of %d encrypted values decrypt with %s, want all", opened, total, args[0])
	}
}
