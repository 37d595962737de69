package secrets

import (
	"encoding/base64"
	"errors"
	"testing"
)

// providerCase is one secrets provider under the shared conformance suite:
// every provider must pass every check in TestProviderConformance.
type providerCase struct {
	name string
	// wrap wraps k the way NewKey would for this provider.
	wrap func(t *testing.T, k *Key) Wrapped
	// env can open what wrap produced.
	env Env
	// deny returns a Wrapped and Env that name the right stack but the
	// wrong identity, passphrase or key.
	deny func(w Wrapped) (Wrapped, Env)
	// secrets must not appear in any error.
	secrets []string
}

func providerCases(t *testing.T) []providerCase {
	alice, bob, mallory := mustIdentity(t), mustIdentity(t), mustIdentity(t)
	kms, kmsSecret := base64KeyURL(t)
	otherKMS, otherSecret := base64KeyURL(t)
	return []providerCase{
		{
			name: "age",
			wrap: func(t *testing.T, k *Key) Wrapped {
				w, err := k.Wrap(t.Context(), "age", []string{alice.Recipient().String(), bob.Recipient().String()}, Env{})
				if err != nil {
					t.Fatal(err)
				}
				return w
			},
			env:     ageEnv(t, bob),
			deny:    func(w Wrapped) (Wrapped, Env) { return w, ageEnv(t, mallory) },
			secrets: []string{alice.String(), bob.String(), mallory.String()},
		},
		{
			name:    "passphrase",
			wrap:    func(t *testing.T, k *Key) Wrapped { return wrapPassphraseCheap(t, k, "open sesame") },
			env:     testEnv(t, map[string]string{envPassphrase: "open sesame"}),
			deny:    func(w Wrapped) (Wrapped, Env) { return w, testEnv(t, map[string]string{envPassphrase: "open sesame!"}) },
			secrets: []string{"open sesame"},
		},
		{
			name: "base64key",
			wrap: func(t *testing.T, k *Key) Wrapped {
				w, err := k.Wrap(t.Context(), kms, nil, Env{})
				if err != nil {
					t.Fatal(err)
				}
				return w
			},
			env: testEnv(t, nil),
			deny: func(w Wrapped) (Wrapped, Env) {
				w.Provider = otherKMS
				return w, testEnv(t, nil)
			},
			secrets: []string{kmsSecret, otherSecret},
		},
	}
}

func TestProviderConformance(t *testing.T) {
	for _, pc := range providerCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			ctx := t.Context()
			k := mustKey(t)
			secrets := append(keyForms(k), pc.secrets...)

			t.Run("round trip", func(t *testing.T) {
				ct := mustEncrypt(t, k, "db password")
				got, err := Open(ctx, pc.wrap(t, k), pc.env)
				if err != nil {
					t.Fatal(err)
				}
				plain, err := got.Decrypt(ct)
				if err != nil || string(plain) != "db password" {
					t.Fatalf("Decrypt with the reopened key = %q, %v", plain, err)
				}
				assertSameKey(t, k, got)
			})

			t.Run("wrapping is randomised", func(t *testing.T) {
				if a, b := pc.wrap(t, k), pc.wrap(t, k); a.EncryptedKey == b.EncryptedKey {
					t.Error("two wraps of one key gave the same EncryptedKey")
				}
			})

			t.Run("wrong identity", func(t *testing.T) {
				w, env := pc.deny(pc.wrap(t, k))
				got, err := Open(ctx, w, env)
				if got != nil {
					t.Error("Open returned a key with an error")
				}
				assertErr(t, err, ErrAccess, secrets...)
			})

			t.Run("tampered encrypted key", func(t *testing.T) {
				// Flip the last byte: the age payload's tag, the
				// passphrase wrap's tag, the KMS ciphertext's tag.
				w := pc.wrap(t, k)
				w.EncryptedKey = flipLastByte(t, w.EncryptedKey)
				_, err := Open(ctx, w, pc.env)
				if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrAccess) {
					t.Fatalf("error = %v, want ErrTampered or ErrAccess", err)
				}
				assertCleanError(t, err, secrets...)
			})

			t.Run("malformed encrypted key", func(t *testing.T) {
				for _, ek := range []string{"not base64 !", "AAAA", ""} {
					w := pc.wrap(t, k)
					w.EncryptedKey = ek
					_, err := Open(ctx, w, pc.env)
					if err == nil {
						t.Fatalf("Open accepted EncryptedKey %q", ek)
					}
					if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAccess) {
						t.Errorf("EncryptedKey %q: error = %v, want ErrMalformed (or ErrAccess where the provider cannot tell)", ek, err)
					}
					assertCleanError(t, err, secrets...)
				}
			})

			t.Run("rewrap to every provider", func(t *testing.T) {
				w := pc.wrap(t, k)
				from, err := Open(ctx, w, pc.env)
				if err != nil {
					t.Fatal(err)
				}
				for _, to := range providerCases(t) {
					back, err := Open(ctx, to.wrap(t, from), to.env)
					if err != nil {
						t.Fatalf("after re-wrapping to %s: %v", to.name, err)
					}
					assertSameKey(t, k, back)
				}
			})
		})
	}
}

// flipLastByte changes the last byte of what a provider stored, keeping its
// text encoding valid.
func flipLastByte(t *testing.T, ek string) string {
	t.Helper()
	prefix := ""
	if len(ek) > 3 && ek[:3] == "v1:" {
		prefix, ek = "v1:", ek[3:]
	}
	raw, err := base64.StdEncoding.DecodeString(ek)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x80
	return prefix + base64.StdEncoding.EncodeToString(raw)
}

// TestRewrapPublic goes through the exported API only, with the production
// passphrase cost, the way `plinth stack change-secrets-provider` and
// `plinth stack access revoke` will.
func TestRewrapPublic(t *testing.T) {
	ctx := t.Context()
	alice, bob := mustIdentity(t), mustIdentity(t)
	aliceEnv, bobEnv := ageEnv(t, alice), ageEnv(t, bob)

	w, k, err := NewKey(ctx, "age", []string{alice.Recipient().String(), bob.Recipient().String()}, aliceEnv)
	if err != nil {
		t.Fatal(err)
	}
	ct := mustEncrypt(t, k, "config secret")

	// Revoke bob: re-wrap to alice alone.
	opened, err := Open(ctx, w, aliceEnv)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := opened.Wrap(ctx, "age", nil, aliceEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(w2.Recipients) != 1 || w2.Recipients[0] != alice.Recipient().String() {
		t.Errorf("Recipients = %q, want alice alone", w2.Recipients)
	}
	if _, err := Open(ctx, w2, bobEnv); !errors.Is(err, ErrAccess) {
		t.Errorf("bob after revoke: error = %v, want ErrAccess", err)
	}

	// Change provider to base64key and back to age.
	p, _ := base64KeyURL(t)
	w3, err := opened.Wrap(ctx, p, nil, Env{})
	if err != nil {
		t.Fatal(err)
	}
	viaKMS, err := Open(ctx, w3, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := viaKMS.Decrypt(ct); err != nil || string(plain) != "config secret" {
		t.Fatalf("old value after change of provider = %q, %v", plain, err)
	}

	if testing.Short() {
		return
	}
	passEnv := testEnv(t, map[string]string{envPassphrase: "pw"})
	w4, err := viaKMS.Wrap(ctx, "passphrase", nil, passEnv)
	if err != nil {
		t.Fatal(err)
	}
	viaPass, err := Open(ctx, w4, passEnv)
	if err != nil {
		t.Fatal(err)
	}
	assertSameKey(t, k, viaPass)
}
