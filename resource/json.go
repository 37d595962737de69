package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SecretKey is the key of the one-key JSON object that stands for an
// encrypted secret in persisted values: {"plinth:secret": "v1:…"}.
const SecretKey = "plinth:secret"

// Encrypter turns a secret's JSON encoding into ciphertext.
type Encrypter interface {
	Encrypt(plaintext []byte) (string, error)
}

// Decrypter reverses Encrypter.
type Decrypter interface {
	Decrypt(ciphertext string) ([]byte, error)
}

// ToJSON converts a value into a tree encoding/json can write, encrypting
// every secret with enc. A secret with no Encrypter is an error, so a secret
// can never be persisted in plain text by mistake. Unknowns are an error:
// they never reach state.
func ToJSON(v any, enc Encrypter) (any, error) {
	switch t := v.(type) {
	case nil, bool, string, int64:
		return t, nil
	case int:
		return int64(t), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("cannot store %v: not a finite number", t)
		}
		return t, nil
	case Secret:
		if ct, ok := t.Value.(Encrypted); ok {
			return map[string]any{SecretKey: string(ct)}, nil
		}
		if enc == nil {
			return nil, fmt.Errorf("cannot store a secret: this stack has no encryption key")
		}
		plain, err := json.Marshal(mustPlain(t.Value))
		if err != nil {
			return nil, fmt.Errorf("encoding a secret: %w", err)
		}
		ct, err := enc.Encrypt(plain)
		if err != nil {
			return nil, fmt.Errorf("encrypting a secret: %w", err)
		}
		return map[string]any{SecretKey: ct}, nil
	case Unknown:
		return nil, fmt.Errorf("cannot store a value that is not known yet")
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			j, err := ToJSON(e, enc)
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			j, err := ToJSON(e, enc)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot store a value of type %T", v)
}

// mustPlain strips nested secret wrappers inside a secret (the outer one
// already protects them).
func mustPlain(v any) any {
	r, _ := Reveal(v)
	return r
}

// FromJSON converts a decoded JSON tree (decoded with UseNumber, or with
// float64 numbers) back into a value, decrypting secrets with dec. With a nil
// Decrypter secrets stay encrypted: they become Secret{Value: Encrypted(…)},
// which still prints as [secret] and can be written back unchanged.
func FromJSON(v any, dec Decrypter) (any, error) {
	switch t := v.(type) {
	case nil, bool, string, int64:
		return t, nil
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), nil
		}
		return t, nil
	case json.Number:
		return ParseNumber(string(t))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := FromJSON(e, dec)
			if err != nil {
				return nil, ErrorAt("["+strconv.Itoa(i)+"]", err)
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if ct, ok := t[SecretKey]; ok && len(t) == 1 {
			s, ok := ct.(string)
			if !ok {
				return nil, fmt.Errorf("malformed secret: %s must be a string", SecretKey)
			}
			if dec == nil {
				return Secret{Value: Encrypted(s)}, nil
			}
			plain, err := dec.Decrypt(s)
			if err != nil {
				return nil, err
			}
			d := json.NewDecoder(bytes.NewReader(plain))
			d.UseNumber()
			var inner any
			if err := d.Decode(&inner); err != nil {
				return nil, fmt.Errorf("malformed secret: %v", err)
			}
			iv, err := FromJSON(inner, nil)
			if err != nil {
				return nil, err
			}
			return Secret{Value: iv}, nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			r, err := FromJSON(e, dec)
			if err != nil {
				return nil, ErrorAt(k, err)
			}
			out[k] = r
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected %T in stored value", v)
}

// PathError is an error at a place inside a value: FromJSON reports which
// property holds a secret that failed to decrypt, so that a message names
// it. Path is like "password", "tags.team" or "hosts[0]". Unwrap gives the
// cause (errors.Is finds secrets.ErrTampered through it).
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *PathError) Unwrap() error { return e.Err }

// ErrorAt places err at seg, a map key or a list index ("[2]"), in front
// of whatever path err already has.
func ErrorAt(seg string, err error) error {
	pe, ok := err.(*PathError)
	if !ok {
		return &PathError{Path: seg, Err: err}
	}
	if strings.HasPrefix(pe.Path, "[") {
		return &PathError{Path: seg + pe.Path, Err: pe.Err}
	}
	return &PathError{Path: seg + "." + pe.Path, Err: pe.Err}
}

// Encrypted is a secret's ciphertext, kept as is when state is read without
// the stack's key (export, history). It is written back unchanged.
type Encrypted string

// ParseNumber reads a JSON or YAML number: int64 when it is integral and fits,
// float64 otherwise.
func ParseNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("malformed number %q", s)
	}
	return f, nil
}

// MapToJSON converts a property map with ToJSON.
func MapToJSON(m PropertyMap, enc Encrypter) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	j, err := ToJSON(map[string]any(m), enc)
	if err != nil {
		return nil, err
	}
	return j.(map[string]any), nil
}

// MapFromJSON converts a decoded JSON object with FromJSON.
func MapFromJSON(m map[string]any, dec Decrypter) (PropertyMap, error) {
	if m == nil {
		return nil, nil
	}
	v, err := FromJSON(m, dec)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}
