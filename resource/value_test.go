package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type xorCrypter struct{}

func (xorCrypter) Encrypt(p []byte) (string, error) { return "x:" + string(p), nil }
func (xorCrypter) Decrypt(c string) ([]byte, error) {
	s, ok := strings.CutPrefix(c, "x:")
	if !ok {
		return nil, errors.New("tampered")
	}
	return []byte(s), nil
}

func TestJSONRoundTrip(t *testing.T) {
	v := map[string]any{
		"a": int64(3), "b": 2.5, "c": "s", "d": []any{true, nil},
		"e": Secret{Value: map[string]any{"k": int64(1)}},
	}
	j, err := ToJSON(v, xorCrypter{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(j)
	if strings.Contains(string(data), `"k":1}`) && !strings.Contains(string(data), "x:") {
		t.Fatalf("secret stored in plain text: %s", data)
	}
	var back any
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	if err := d.Decode(&back); err != nil {
		t.Fatal(err)
	}
	got, err := FromJSON(back, xorCrypter{})
	if err != nil {
		t.Fatal(err)
	}
	if !Equal(got, v) {
		t.Fatalf("round trip: got %v, want %v", Format(got, true), Format(v, true))
	}
	// Without a key the ciphertext survives unchanged.
	enc, err := FromJSON(back, nil)
	if err != nil {
		t.Fatal(err)
	}
	j2, err := ToJSON(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	data2, _ := json.Marshal(j2)
	if string(data2) != string(data) {
		t.Fatalf("re-encoding without key: got %s, want %s", data2, data)
	}
}

func TestSecretNeedsKey(t *testing.T) {
	if _, err := ToJSON(Secret{Value: "pw"}, nil); err == nil || strings.Contains(err.Error(), "pw") {
		t.Fatalf("ToJSON(secret, nil) = %v, want an error without the value", err)
	}
}

func TestFormatAndReveal(t *testing.T) {
	v := map[string]any{"p": Secret{Value: "hunter2"}, "u": Unknown{}, "n": 1.5}
	if got, want := Format(v, false), `{n: 1.5, p: [secret], u: (known after up)}`; got != want {
		t.Errorf("Format = %s, want %s", got, want)
	}
	r, s := Reveal(v)
	if !s || r.(map[string]any)["p"] != "hunter2" {
		t.Errorf("Reveal = %v, %v", r, s)
	}
	if v["p"].(Secret).Value != "hunter2" {
		t.Error("Reveal changed its input")
	}
	if !IsSecret(v) || !IsUnknown(v) || IsSecret(r) {
		t.Error("IsSecret/IsUnknown wrong")
	}
	if !Equal(int64(8), 8.0) || Equal("8", int64(8)) {
		t.Error("Equal on numbers wrong")
	}
}

func TestURN(t *testing.T) {
	u := NewURN("dev", "web", "file:File", "page")
	st, p, ty, n, err := u.Parts()
	if err != nil || st != "dev" || p != "web" || ty != "file:File" || n != "page" {
		t.Fatalf("Parts = %q %q %q %q %v", st, p, ty, n, err)
	}
	for _, bad := range []string{"", "urn:plinth:dev::web", "x:y", "urn:plinth:::::::"} {
		if _, _, _, _, err := URN(bad).Parts(); err == nil {
			t.Errorf("Parts(%q) succeeded", bad)
		}
	}
}

// TestFromJSONNamesTheFailingSecret: a secret that does not decrypt is
// reported with its path inside the value, and the cause stays in the
// chain.
func TestFromJSONNamesTheFailingSecret(t *testing.T) {
	bad := map[string]any{SecretKey: "not-ours"}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"top", map[string]any{"password": bad}, "password: tampered"},
		{"nested", map[string]any{"db": map[string]any{"users": []any{"a", bad}}}, "db.users[1]: tampered"},
		{"list of lists", []any{[]any{bad}}, "[0][0]: tampered"},
		{"malformed", map[string]any{"k": map[string]any{SecretKey: 3}}, "k: malformed secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromJSON(tt.v, xorCrypter{})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("FromJSON error = %v, want it to start %q", err, tt.want)
			}
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PathError", err)
			}
			if got := ErrorAt("inputs", err).Error(); !strings.HasPrefix(got, "inputs.") && !strings.HasPrefix(got, "inputs[") {
				t.Errorf("ErrorAt(inputs, err) = %q, want it to start with inputs", got)
			}
		})
	}
}
