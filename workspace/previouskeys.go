package workspace

import (
	"gopkg.in/yaml.v3"

	"github.com/plinth-iac/plinth/secrets"
)

// keyPreviousKeys holds, while a key rotation is unfinished, the data keys
// it replaces, each wrapped to the new recipients or provider only: state
// not yet re-encrypted stays readable by whoever has access now, and by
// nobody whose access was revoked. The rotation removes it when every
// version is under the new key (see "Rotation" in docs/secrets.md).
const keyPreviousKeys = "previouskeys"

func (f *StackFile) checkPreviousKeys(v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		return f.errorAt(v, "previouskeys must be a list")
	}
	for _, e := range v.Content {
		if e.Kind != yaml.MappingNode {
			return f.errorAt(e, "each of previouskeys is a mapping with secretsprovider and encryptedkey")
		}
		if err := f.checkMapKeys(e); err != nil {
			return err
		}
		for i := 0; i < len(e.Content); i += 2 {
			k, x := e.Content[i], e.Content[i+1]
			switch k.Value {
			case keySecretsProvider, keyEncryptedKey, keyEncryptionSalt:
				if !isString(x) {
					return f.errorAt(x, "%s must be a string", k.Value)
				}
			case keyRecipients:
				if x.Kind != yaml.SequenceNode {
					return f.errorAt(x, "recipients must be a list")
				}
			default:
				return f.errorAt(k, "unknown key %q in previouskeys", k.Value)
			}
		}
	}
	return nil
}

// PreviousKeys returns the data keys an unfinished rotation replaces,
// newest first; none when no rotation is unfinished.
func (f *StackFile) PreviousKeys() []secrets.Wrapped {
	n := f.top(keyPreviousKeys)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []secrets.Wrapped
	for _, e := range n.Content {
		var w secrets.Wrapped
		for i := 0; i+1 < len(e.Content); i += 2 {
			k, x := e.Content[i].Value, e.Content[i+1]
			switch k {
			case keySecretsProvider:
				w.Provider = x.Value
			case keyEncryptedKey:
				w.EncryptedKey = x.Value
			case keyEncryptionSalt:
				w.Salt = x.Value
			case keyRecipients:
				for _, r := range x.Content {
					w.Recipients = append(w.Recipients, r.Value)
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// SetPreviousKeys replaces the list of earlier data keys.
func (f *StackFile) SetPreviousKeys(ws []secrets.Wrapped) {
	if len(ws) == 0 {
		f.removeTop(keyPreviousKeys)
		return
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, w := range ws {
		m := newMap()
		m.Content = append(m.Content, newStr(keySecretsProvider), newStr(w.Provider), newStr(keyEncryptedKey), newStr(w.EncryptedKey))
		if w.Salt != "" {
			m.Content = append(m.Content, newStr(keyEncryptionSalt), newStr(w.Salt))
		}
		if len(w.Recipients) > 0 {
			r := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, x := range w.Recipients {
				r.Content = append(r.Content, newStr(x))
			}
			m.Content = append(m.Content, newStr(keyRecipients), r)
		}
		seq.Content = append(seq.Content, m)
	}
	f.setTop(keyPreviousKeys, seq)
}
