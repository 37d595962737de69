package resource

import (
	"fmt"
	"strings"
)

// URN is a resource's identity within a stack:
// urn:plinth:<stack>::<project>::<type>::<name>.
type URN string

// NewURN builds the URN of resource name of type typ.
func NewURN(stack, project, typ, name string) URN {
	return URN("urn:plinth:" + stack + "::" + project + "::" + typ + "::" + name)
}

// Parts splits a URN into stack, project, type and name.
func (u URN) Parts() (stack, project, typ, name string, err error) {
	s, ok := strings.CutPrefix(string(u), "urn:plinth:")
	if !ok {
		return "", "", "", "", fmt.Errorf("%q is not a URN: it must start with urn:plinth:", string(u))
	}
	p := strings.SplitN(s, "::", 4)
	if len(p) != 4 || p[0] == "" || p[1] == "" || p[2] == "" || p[3] == "" {
		return "", "", "", "", fmt.Errorf("%q is not a URN: want urn:plinth:<stack>::<project>::<type>::<name>", string(u))
	}
	return p[0], p[1], p[2], p[3], nil
}

// Name is the resource's name, or the whole URN when it does not parse.
func (u URN) Name() string {
	if _, _, _, n, err := u.Parts(); err == nil {
		return n
	}
	return string(u)
}

// Type is the resource's type token, or "" when the URN does not parse.
func (u URN) Type() string {
	_, _, t, _, _ := u.Parts()
	return t
}
