package workspace

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/secrets"
)

// Golden files: testdata/NAME.yaml is read, edited by the case's function,
// written, and compared with testdata/NAME.EDIT.golden. Regenerate with
// PLINTH_UPDATE_GOLDEN=1 go test ./workspace, then read the diff.
func TestGolden(t *testing.T) {
	const recipientC = "age1ydw3lgkaxph8pxw2mjqkhkz4sq5g2vk8xw8j5ee8h9ryx7zjx3tsxm0ezn"
	tests := []struct {
		input, edit string
		apply       func(t *testing.T, f *StackFile)
	}{
		{"full", "roundtrip", func(t *testing.T, f *StackFile) {}},
		{"full", "edited", func(t *testing.T, f *StackFile) {
			f.Set("webapp:port", int64(8080))                        // keeps "# not 80" and the head comment
			f.Set("webapp:name", "api")                              // keeps the double quotes
			f.Set("webapp:tags", map[string]any{"team": "platform"}) // keeps "# who to call", drops cost-center
			mustSetPath(t, f, "webapp:tags", []string{"owner"}, "alice")
			mustSetPath(t, f, "webapp:zones", []string{"2"}, "eu-west-1c") // flow list, appended
			mustSetPath(t, f, "webapp:servers", []string{"1", "size"}, "xl")
			mustSetPath(t, f, "webapp:empty", []string{"a", "b"}, 1.0) // null becomes a map
			mustSetPath(t, f, "webapp:new", []string{"x"}, Secure{Ciphertext: "v1:BBBB"})
			f.Set("webapp:quoted", "true") // a string that looks like a bool
			if !f.Remove("postgresql:host") {
				t.Error("Remove(postgresql:host) = false")
			}
			w := f.Wrapped()
			w.Recipients = append(w.Recipients, recipientC) // grant: Alice and Bob keep their comments
			f.SetWrapped(w)
		}},
		{"full", "to-passphrase", func(t *testing.T, f *StackFile) {
			f.SetWrapped(secrets.Wrapped{Provider: "passphrase", EncryptedKey: "v1:CCCC", Salt: "v1:argon2id:t=3,m=65536,p=4:AAECAwQFBgcICQoLDA0ODw=="})
		}},
		{"passphrase", "to-age", func(t *testing.T, f *StackFile) {
			f.SetWrapped(secrets.Wrapped{Provider: "age", EncryptedKey: "YWdlMg==", Recipients: []string{recipientC}})
		}},
		{"flow", "edited", func(t *testing.T, f *StackFile) {
			f.Set("webapp:port", int64(81))
			mustSetPath(t, f, "webapp:tags", []string{"owner"}, "bob")
			mustSetPath(t, f, "webapp:list", []string{"0"}, "z")
			w := f.Wrapped()
			w.Recipients = append(w.Recipients, recipientC)
			f.SetWrapped(w)
		}},
		{"", "new", func(t *testing.T, f *StackFile) {
			f.SetWrapped(secrets.Wrapped{Provider: "age", EncryptedKey: "YWdl", Recipients: []string{recipientC}})
			f.Set("webapp:port", int64(9090))
			f.Set("webapp:dbPassword", Secure{Ciphertext: "v1:DDDD"})
			f.Set("webapp:ratio", 1.0)
			f.Set("webapp:motd", "line one\nline two\n")
			f.Set("webapp:tags", map[string]any{"b": []any{int64(1), "2", false, nil}, "a": map[string]any{}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.input+"."+tt.edit, func(t *testing.T) {
			f := NewStackFile()
			if tt.input != "" {
				f = mustParseFile(t, filepath.Join("testdata", tt.input+".yaml"))
			}
			tt.apply(t, f)
			got, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.input+"."+tt.edit+".golden")
			if tt.input == "" {
				golden = filepath.Join("testdata", tt.edit+".golden")
			}
			assertGolden(t, golden, got)

			// Rewriting the result changes nothing: the format is stable.
			again, err := ParseStackFile(golden, got)
			if err != nil {
				t.Fatalf("golden output does not parse: %v", err)
			}
			out, err := again.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(got), string(out)); diff != "" {
				t.Errorf("second rewrite differs (-first +second):\n%s", diff)
			}
		})
	}
}

// TestSetSameValueIsNoOp: writing back what was read changes no byte.
func TestSetSameValueIsNoOp(t *testing.T) {
	f := mustParseFile(t, "testdata/full.yaml")
	before, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range f.Keys() {
		v, _ := f.Get(k)
		f.Set(k, v)
	}
	f.SetWrapped(f.Wrapped())
	after, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("Set(k, Get(k)) changed the file (-before +after):\n%s", diff)
	}
}

func mustParseFile(t *testing.T, path string) *StackFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseStackFile(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustSetPath(t *testing.T, f *StackFile, key string, path []string, v any) {
	t.Helper()
	if err := f.SetPath(key, path, v); err != nil {
		t.Fatal(err)
	}
}

func assertGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if os.Getenv("PLINTH_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with PLINTH_UPDATE_GOLDEN=1)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}
