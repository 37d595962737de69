package workspace

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/secrets"
)

func mustParse(t *testing.T, src string) *StackFile {
	t.Helper()
	f, err := ParseStackFile("Plinth.dev.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the whole message
	}{
		{"malformed YAML", "config:\n  a:b: 1\n bad: 2\n",
			"Plinth.dev.yaml:3:2: invalid YAML: did not find expected key"},
		{"unclosed flow list", "secretsprovider: age\nrecipients: [age1x\n",
			"Plinth.dev.yaml:2:1: invalid YAML: did not find expected ',' or ']'"},
		{"mapping value in a scalar", "secretsprovider: age\nconfig:\n  web:a: b: c\n",
			"Plinth.dev.yaml:3:3: invalid YAML: mapping values are not allowed in this context"},
		{"unterminated quote", "config:\n  web:a: \"abc\n",
			"Plinth.dev.yaml:2:3: invalid YAML: found unexpected end of stream"},
		{"list item where a key belongs", "config:\n  web:a:\n    - b\n    c: d\n",
			"Plinth.dev.yaml:3:5: invalid YAML: did not find expected '-' indicator"},
		{"tab indentation", "\tconfig: {}\n",
			"Plinth.dev.yaml:1:2: invalid YAML: found character that cannot start any token"},
		{"unknown anchor", "config:\n  a:b: 1\n  a:c: *nope\n",
			`Plinth.dev.yaml:3:3: invalid YAML: unknown anchor "nope"`},
		{"several documents", "config: {}\n---\nconfig: {}\n",
			"Plinth.dev.yaml:2:1: a stack file holds one YAML document, not several"},
		{"not a mapping", "- a\n- b\n",
			"Plinth.dev.yaml:1:1: a stack file is a mapping with the keys secretsprovider, encryptedkey, recipients, encryptionsalt and config"},
		{"unknown top-level key", "secretsprovider: age\nbackend: s3://x\n",
			`Plinth.dev.yaml:2:1: unknown key "backend" (a stack file has secretsprovider, encryptedkey, recipients, encryptionsalt and config)`},
		{"top-level key in other case", "Config: {}\n",
			`Plinth.dev.yaml:1:1: unknown key "Config" (a stack file has secretsprovider, encryptedkey, recipients, encryptionsalt and config)`},
		{"recipients a number", "recipients: 5\n",
			"Plinth.dev.yaml:1:13: recipients must be a list of age public keys (age1…)"},
		{"recipients a string", "recipients: age1abc\n",
			"Plinth.dev.yaml:1:13: recipients must be a list of age public keys (age1…)"},
		{"recipient not a string", "recipients:\n  - age1abc\n  - [x]\n",
			"Plinth.dev.yaml:3:5: recipients[1] must be a string (an age public key, age1…)"},
		{"secretsprovider a list", "secretsprovider: [age]\n",
			"Plinth.dev.yaml:1:18: secretsprovider must be a string"},
		{"encryptedkey a number", "encryptedkey: 12345\n",
			"Plinth.dev.yaml:1:15: encryptedkey must be a string"},
		{"encryptionsalt a map", "encryptionsalt: {a: b}\n",
			"Plinth.dev.yaml:1:17: encryptionsalt must be a string"},
		{"config a list", "config: [a]\n",
			"Plinth.dev.yaml:1:9: config must be a mapping of ns:key to values"},
		{"duplicate top-level key", "secretsprovider: age\nconfig: {}\nsecretsprovider: passphrase\n",
			`Plinth.dev.yaml:3:1: duplicate key "secretsprovider" (first at line 1)`},
		{"duplicate config key", "config:\n  web:port: 1\n  web:name: x\n  web:port: 2\n",
			`Plinth.dev.yaml:4:3: duplicate key "web:port" (first at line 2)`},
		{"duplicate nested key", "config:\n  web:tags:\n    a: 1\n    a: 2\n",
			`Plinth.dev.yaml:4:5: duplicate key "a" (first at line 3)`},
		{"config key without namespace", "config:\n  port: 80\n",
			`Plinth.dev.yaml:2:3: config key "port" must be of the form namespace:key`},
		{"config key with empty namespace", "config:\n  :port: 80\n",
			`Plinth.dev.yaml:2:3: config key ":port" has an empty namespace (want namespace:key)`},
		{"config key with empty key", "config:\n  \"web:\": 80\n",
			`Plinth.dev.yaml:2:3: config key "web:" has an empty key (want namespace:key)`},
		{"config key with two colons", "config:\n  aws:config:region: x\n",
			`Plinth.dev.yaml:2:3: config key "aws:config:region" has more than one colon (want namespace:key)`},
		{"config key a number", "config:\n  80: x\n",
			`Plinth.dev.yaml:2:3: config key "80" must be a string of the form ns:key`},
		{"alias", "config:\n  web:a: &x 1\n  web:b: *x\n",
			"Plinth.dev.yaml:3:10: aliases are not supported in stack files"},
		{"merge key", "config:\n  web:a:\n    <<: {b: 1}\n",
			"Plinth.dev.yaml:3:5: merge keys (<<) are not supported in stack files"},
		{"secure not a string", "config:\n  web:pw:\n    secure: 5\n",
			"Plinth.dev.yaml:3:13: a secure value must be a string (secure: v1:…)"},
		{"secure a map", "config:\n  web:pw: {secure: {a: b}}\n",
			"Plinth.dev.yaml:2:20: a secure value must be a string (secure: v1:…)"},
		{"binary", "config:\n  web:blob: !!binary aGVsbG8=\n",
			`Plinth.dev.yaml:2:13: unsupported tag "!!binary" (config values are strings, numbers, booleans, lists and maps)`},
		{"custom tag", "config:\n  web:x: !vault secret/x\n",
			`Plinth.dev.yaml:2:10: unsupported tag "!vault" (config values are strings, numbers, booleans, lists and maps)`},
		{"integer overflow", "config:\n  web:n: !!int 99999999999999999999\n",
			`Plinth.dev.yaml:2:10: "99999999999999999999" is not a 64-bit integer`},
		{"complex key", "config:\n  web:m:\n    ? [a]\n    : 1\n",
			"Plinth.dev.yaml:3:7: keys must be strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseStackFile("Plinth.dev.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("parsed; want error %q", tt.want)
			}
			if f != nil {
				t.Error("ParseStackFile returned a file with its error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, want *ParseError", err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	src := "config:\n  web:big: " + strings.Repeat("x", MaxStackFileSize) + "\n"
	_, err := ParseStackFile("Plinth.dev.yaml", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "Plinth.dev.yaml: stack file too large") {
		t.Fatalf("error = %v, want Plinth.dev.yaml: stack file too large…", err)
	}
	// Just under the limit is fine.
	src = "config:\n  web:big: " + strings.Repeat("x", MaxStackFileSize-30) + "\n"
	if _, err := ParseStackFile("Plinth.dev.yaml", []byte(src)); err != nil {
		t.Fatalf("a file under the limit: %v", err)
	}
}

// An edit that would make the file too large to read back fails with
// *TooLargeError, so callers can say which value was too big.
func TestBytesTooLarge(t *testing.T) {
	f := mustParse(t, "config:\n  web:a: x\n")
	f.Set("web:big", strings.Repeat("x", MaxStackFileSize))
	_, err := f.Bytes()
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Bytes error = %v, want *TooLargeError", err)
	}
	if tl.Size <= MaxStackFileSize || tl.Path != "Plinth.dev.yaml" {
		t.Errorf("TooLargeError = %+v, want Plinth.dev.yaml over %d bytes", tl, MaxStackFileSize)
	}
	if _, err := ParseStackFile("Plinth.dev.yaml", make([]byte, MaxStackFileSize+1)); !errors.As(err, &tl) {
		t.Errorf("ParseStackFile error = %v, want *TooLargeError", err)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# just a comment\n", "~\n", "config:\n"} {
		f := mustParse(t, src)
		if keys := f.Keys(); len(keys) != 0 {
			t.Errorf("%q: Keys = %q, want none", src, keys)
		}
		if w := f.Wrapped(); w.Provider != "" || w.EncryptedKey != "" {
			t.Errorf("%q: Wrapped = %+v, want empty", src, w)
		}
		f.Set("web:port", int64(1))
		if _, err := f.Bytes(); err != nil {
			t.Errorf("%q: Bytes after Set: %v", src, err)
		}
	}
}

func TestGetValues(t *testing.T) {
	f := mustParse(t, `config:
  web:str: hello
  web:quotedNumber: "9090"
  web:int: 9090
  web:hex: 0x1F
  web:negative: -3
  web:float: 2.5
  web:exp: 1e3
  web:inf: .inf
  web:bool: true
  web:null: null
  web:empty:
  web:date: 2024-05-01
  web:multiline: |
    a
    b
  web:list: [1, two, false]
  web:map: {a: 1, b: [x]}
  web:secret:
    secure: v1:AAAA
  web:nested:
    password: {secure: v1:BBBB}
    secure: not-secret-when-not-alone
    other: x
  web:secureList: [{secure: v1:CCCC}]
`)
	want := map[string]any{
		"web:str":          "hello",
		"web:quotedNumber": "9090",
		"web:int":          int64(9090),
		"web:hex":          int64(31),
		"web:negative":     int64(-3),
		"web:float":        2.5,
		"web:exp":          1000.0,
		"web:inf":          math.Inf(1),
		"web:bool":         true,
		"web:null":         nil,
		"web:empty":        nil,
		"web:date":         "2024-05-01",
		"web:multiline":    "a\nb\n",
		"web:list":         []any{int64(1), "two", false},
		"web:map":          map[string]any{"a": int64(1), "b": []any{"x"}},
		"web:secret":       Secure{Ciphertext: "v1:AAAA"},
		"web:nested": map[string]any{
			"password": Secure{Ciphertext: "v1:BBBB"},
			"secure":   "not-secret-when-not-alone",
			"other":    "x",
		},
		"web:secureList": []any{Secure{Ciphertext: "v1:CCCC"}},
	}
	for k, w := range want {
		got, ok := f.Get(k)
		if !ok {
			t.Errorf("Get(%q): missing", k)
			continue
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("Get(%q) (-want +got):\n%s", k, diff)
		}
	}
	if _, ok := f.Get("web:missing"); ok {
		t.Error("Get(web:missing) = ok")
	}
	wantKeys := []string{"web:str", "web:quotedNumber", "web:int", "web:hex", "web:negative", "web:float", "web:exp", "web:inf", "web:bool", "web:null", "web:empty", "web:date", "web:multiline", "web:list", "web:map", "web:secret", "web:nested", "web:secureList"}
	if diff := cmp.Diff(wantKeys, f.Keys()); diff != "" {
		t.Errorf("Keys in file order (-want +got):\n%s", diff)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	values := []any{
		"", "true", "no", "null", "~", "9090", "0x1F", "1e3", "2024-05-01", ".inf",
		"  leading and trailing  ", "#not a comment", "a: b", "- item", "[x]", "{y}",
		"line one\nline two", "tab\there", "quote \" and ' both", "ünïcödé ✓", "\x01 control",
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, 1.0, -2.5, 1e21, 1e-7, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		true, false, nil,
		[]any{}, map[string]any{},
		[]any{int64(1), "1", 1.0, nil, []any{"nested"}},
		map[string]any{"true": "yes", "1": int64(1), "": "empty key", "a.b": map[string]any{"c": Secure{Ciphertext: "v1:X"}}},
		Secure{Ciphertext: "v1:AAAA"},
	}
	f := NewStackFile()
	for i, v := range values {
		f.Set(keyN(i), v)
	}
	data, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, string(data))
	for i, v := range values {
		got, ok := back.Get(keyN(i))
		if !ok || !valuesEqual(got, v) {
			t.Errorf("value %#v read back as %#v (ok=%v)\nfile:\n%s", v, got, ok, data)
		}
	}
}

func keyN(i int) string { return "test:k" + strings.Repeat("x", i) }

func TestSetConvertsGoTypes(t *testing.T) {
	f := NewStackFile()
	f.Set("t:int", 7)
	f.Set("t:uint8", uint8(7))
	f.Set("t:float32", float32(0.5))
	f.Set("t:strings", []string{"a", "b"})
	f.Set("t:stringMap", map[string]string{"k": "v"})
	want := map[string]any{
		"t:int":       int64(7),
		"t:uint8":     int64(7),
		"t:float32":   0.5,
		"t:strings":   []any{"a", "b"},
		"t:stringMap": map[string]any{"k": "v"},
	}
	for k, w := range want {
		got, _ := f.Get(k)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("Get(%q) (-want +got):\n%s", k, diff)
		}
	}
}

func TestCheckValue(t *testing.T) {
	bad := []any{
		struct{}{},
		uint64(math.MaxUint64),
		"\xff",
		[]any{"ok", "\xfe"},
		map[string]any{"\xff": 1},
		map[string]int{"a": 1},
	}
	for _, v := range bad {
		if err := CheckValue(v); err == nil {
			t.Errorf("CheckValue(%#v) = nil, want an error", v)
		}
	}
	if err := CheckValue(map[string]any{"a": []any{Secure{Ciphertext: "v1:x"}}}); err != nil {
		t.Errorf("CheckValue(valid) = %v", err)
	}
}

func TestSetPanicsOnInvalidInput(t *testing.T) {
	for _, tt := range []struct {
		key string
		v   any
	}{
		{"nocolon", "x"},
		{"web:ok", struct{}{}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Set(%q, %#v) did not panic", tt.key, tt.v)
				}
			}()
			NewStackFile().Set(tt.key, tt.v)
		}()
	}
}

func TestSetKeepsCommentsAndOrder(t *testing.T) {
	f := mustParse(t, `# head
config:
  # about a
  web:a: 1 # line a
  web:b: x
  web:c: [1, 2] # flow
`)
	f.Set("web:a", int64(2))
	f.Set("web:c", []any{int64(3)})
	f.Set("web:d", "new")
	got, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `# head
config:
  # about a
  web:a: 2 # line a
  web:b: x
  web:c: [3] # flow
  web:d: new
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Bytes (-want +got):\n%s", diff)
	}
}

func TestRemove(t *testing.T) {
	f := mustParse(t, "config:\n  web:a: 1\n  # about b\n  web:b: 2\n  web:c: 3\n")
	if !f.Remove("web:b") {
		t.Fatal("Remove(web:b) = false")
	}
	if f.Remove("web:b") {
		t.Error("second Remove(web:b) = true")
	}
	if f.Remove("web:zzz") {
		t.Error("Remove of a missing key = true")
	}
	if diff := cmp.Diff([]string{"web:a", "web:c"}, f.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	got, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := "config:\n  web:a: 1\n  web:c: 3\n"; string(got) != want {
		t.Errorf("Bytes = %q, want %q (the removed entry's comment goes with it)", got, want)
	}
	if NewStackFile().Remove("web:a") {
		t.Error("Remove on a file without config = true")
	}
}

func TestPosition(t *testing.T) {
	f := mustParse(t, "secretsprovider: age\nconfig:\n  web:a: 1\n  web:b:\n    c: d\n")
	for _, tt := range []struct {
		key       string
		line, col int
	}{
		{"web:a", 3, 3},
		{"web:b", 4, 3},
		{"web:missing", 0, 0},
	} {
		line, col := f.Position(tt.key)
		if line != tt.line || col != tt.col {
			t.Errorf("Position(%q) = %d:%d, want %d:%d", tt.key, line, col, tt.line, tt.col)
		}
	}
	f.Set("web:new", "x")
	if line, col := f.Position("web:new"); line != 0 || col != 0 {
		t.Errorf("Position of a key added since parsing = %d:%d, want 0:0", line, col)
	}
}

func TestWrapped(t *testing.T) {
	f := mustParse(t, "# comment\nsecretsprovider: age\nencryptedkey: abc\nrecipients: [age1a, age1b]\nconfig:\n  web:a: 1\n")
	want := secrets.Wrapped{Provider: "age", EncryptedKey: "abc", Recipients: []string{"age1a", "age1b"}}
	if diff := cmp.Diff(want, f.Wrapped()); diff != "" {
		t.Errorf("Wrapped (-want +got):\n%s", diff)
	}

	for _, w := range []secrets.Wrapped{
		{Provider: "passphrase", EncryptedKey: "v1:x", Salt: "v1:argon2id:t=3,m=65536,p=4:AAAA"},
		{Provider: "base64key://abc", EncryptedKey: "eHl6"},
		{Provider: "age", EncryptedKey: "YWdl", Recipients: []string{"age1c"}},
	} {
		f.SetWrapped(w)
		data, err := f.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back := mustParse(t, string(data))
		if diff := cmp.Diff(w, back.Wrapped()); diff != "" {
			t.Errorf("Wrapped after SetWrapped and a rewrite (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"web:a"}, back.Keys()); diff != "" {
			t.Errorf("config lost (-want +got):\n%s", diff)
		}
	}
}

func TestSetWrappedPutsKeyFirst(t *testing.T) {
	f := mustParse(t, "config:\n  web:a: 1\n")
	f.SetWrapped(secrets.Wrapped{Provider: "passphrase", EncryptedKey: "v1:x", Salt: "v1:s"})
	got, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := "secretsprovider: passphrase\nencryptedkey: v1:x\nencryptionsalt: v1:s\nconfig:\n  web:a: 1\n"
	if string(got) != want {
		t.Errorf("Bytes =\n%s\nwant\n%s", got, want)
	}
}
