package engine

import (
	"strings"

	"github.com/plinth-iac/plinth/resource"
)

// maskedError is a provider error whose text had secret values replaced
// by [secret]; errors.Is and errors.As still see the original.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// minSecretLen is the shortest secret string that is masked: shorter ones
// would mask ordinary words and numbers in the message.
const minSecretLen = 3

// maskSecrets replaces every secret string found in ms (inside Secret
// wrappers, at any depth) in err's text.
func maskSecrets(err error, ms ...resource.PropertyMap) error {
	var secrets []string
	for _, m := range ms {
		for _, v := range m {
			collectSecrets(v, false, &secrets)
		}
	}
	if len(secrets) == 0 {
		return err
	}
	msg := err.Error()
	masked := msg
	for _, s := range secrets {
		masked = strings.ReplaceAll(masked, s, "[secret]")
	}
	if masked == msg {
		return err
	}
	return &maskedError{msg: masked, err: err}
}

func collectSecrets(v any, inSecret bool, out *[]string) {
	switch t := v.(type) {
	case resource.Secret:
		collectSecrets(t.Value, true, out)
	case string:
		if inSecret && len(t) >= minSecretLen {
			*out = append(*out, t)
			// multi-line secrets (keys) are also masked line by line
			for _, line := range strings.Split(t, "\n") {
				if line = strings.TrimSpace(line); len(line) >= 8 && line != t {
					*out = append(*out, line)
				}
			}
		}
	case []any:
		for _, e := range t {
			collectSecrets(e, inSecret, out)
		}
	case map[string]any:
		for _, e := range t {
			collectSecrets(e, inSecret, out)
		}
	}
}
