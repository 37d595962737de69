package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

// base64KeyURL returns a base64key:// provider with a fresh local key, and
// the key's text (which must never appear in errors).
func base64KeyURL(t *testing.T) (url, secret string) {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	secret = base64.URLEncoding.EncodeToString(b)
	return "base64key://" + secret, secret
}

func TestKMSRoundTrip(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	p, _ := base64KeyURL(t)
	w, k, err := NewKey(ctx, p, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if w.Provider != p || w.Salt != "" || len(w.Recipients) != 0 {
		t.Errorf("Wrapped = %+v, want only provider and encrypted key", w)
	}
	got, err := Open(ctx, w, env)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKey(t, k, got)
}

func TestKMSWrongKey(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	p1, s1 := base64KeyURL(t)
	p2, s2 := base64KeyURL(t)
	w, k, err := NewKey(ctx, p1, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	w.Provider = p2
	_, err = Open(ctx, w, env)
	assertErr(t, err, ErrAccess, append(keyForms(k), s1, s2)...)
	if !strings.Contains(err.Error(), `cannot decrypt the data key with "base64key://…"`) {
		t.Errorf("error %q does not name the provider (redacted)", err)
	}
}

func TestKMSBadURLs(t *testing.T) {
	ctx := t.Context()
	env := testEnv(t, nil)
	_, secret := base64KeyURL(t)
	tests := []struct {
		name     string
		provider string
		wantMsg  string
	}{
		{"base64key without key", "base64key://", "needs a key"},
		{"base64key not 32 bytes", "base64key://" + secret[:20], `open secrets provider "base64key://…"`},
		{"base64key with query", "base64key://" + secret + "?x=1", `open secrets provider "base64key://…"`},
		{"base64key unparseable", "base64key://" + secret + "%zz", `"base64key://…" is not a valid URL`},
		{"hashivault unparseable", "hashivault://" + secret + "%zz", `"hashivault://…" is not a valid URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewKey(ctx, tt.provider, nil, env)
			if err == nil {
				t.Fatal("NewKey succeeded")
			}
			assertCleanError(t, err, secret, secret[:20])
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

func TestRedactProvider(t *testing.T) {
	tests := []struct{ in, want string }{
		{"age", "age"},
		{"passphrase", "passphrase"},
		{"base64key://c2VjcmV0", `"base64key://…"`},
		{"awskms://alias/plinth?region=us-east-1", "awskms://alias/plinth"},
		{"hashivault://user:token@mykey", "hashivault://mykey"},
		{"agee", `"agee"`},
		{"AGE-SECRET-KEY-1XYZ", "(an age secret key)"},
	}
	for _, tt := range tests {
		if got := redactProvider(tt.in); got != tt.want {
			t.Errorf("redactProvider(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
