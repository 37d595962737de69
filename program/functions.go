package program

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/plinth-iac/plinth/resource"
)

// Function names.
const (
	fnSecret      = "fn::secret"
	fnJoin        = "fn::join"
	fnSplit       = "fn::split"
	fnSelect      = "fn::select"
	fnToJSON      = "fn::toJSON"
	fnFromJSON    = "fn::fromJSON"
	fnToBase64    = "fn::toBase64"
	fnFromBase64  = "fn::fromBase64"
	fnReadFile    = "fn::readFile"
	fnSHA256      = "fn::sha256"
	fnStackOutput = "fn::stackOutput"
)

// maxReadFile is the largest file fn::readFile reads: its content becomes
// a resource input, stored in state on every update.
const maxReadFile = 16 << 20

// A function is a built-in fn:: function.
type function struct {
	name string
	// pure functions depend only on their argument: with a literal
	// argument they are evaluated at load time, so bad input fails early.
	pure bool
	// result is the type of the result, "" when it depends on the input.
	result string
	// check validates the argument's shape and types. At load time the
	// argument may hold resource.Unknown and typed values, which pass.
	check func(arg any) error
	// apply computes the result from a known argument with secrets
	// revealed; secret says whether there were any (errors must then not
	// show the value). e is nil when a pure function runs at load time.
	apply func(e *Evaluator, arg any, secret bool) (any, error)
}

// functionNames lists the built-in functions, for "did you mean" hints.
func functionNames() []string {
	return []string{fnSecret, fnJoin, fnSplit, fnSelect, fnToJSON, fnFromJSON, fnToBase64, fnFromBase64, fnReadFile, fnSHA256, fnStackOutput}
}

// lookupFunction returns the built-in function called name.
func lookupFunction(name string) (*function, bool) {
	f := &function{name: name, pure: true}
	switch name {
	case fnSecret:
		f.check = func(any) error { return nil }
	case fnJoin:
		f.result = "string"
		f.check = checkJoin
		f.apply = applyJoin
	case fnSplit:
		f.result = "list"
		f.check = func(arg any) error {
			l, err := listArg(arg, "[separator, string]")
			if l == nil {
				return err
			}
			return errors.Join(wantKind(l[0], "string", "the separator"), wantKind(l[1], "string", "the second argument"))
		}
		f.apply = func(_ *Evaluator, arg any, _ bool) (any, error) {
			l := arg.([]any)
			parts := strings.Split(l[1].(string), l[0].(string))
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		}
	case fnSelect:
		f.check = checkSelect
		f.apply = func(_ *Evaluator, arg any, secret bool) (any, error) {
			l := arg.([]any)
			i, list := toInt(l[0]), l[1].([]any)
			if i >= int64(len(list)) {
				if secret {
					return nil, fmt.Errorf("index out of range: the list has %d elements (details hidden: the argument is secret)", len(list))
				}
				return nil, fmt.Errorf("index %d out of range: the list has %d elements", i, len(list))
			}
			return list[i], nil
		}
	case fnToJSON:
		f.result = "string"
		f.check = func(any) error { return nil }
		f.apply = func(_ *Evaluator, arg any, _ bool) (any, error) { return toJSON(arg) }
	case fnFromJSON:
		f.check = stringArg
		f.apply = func(_ *Evaluator, arg any, secret bool) (any, error) {
			v, err := fromJSON(arg.(string))
			if err != nil && secret {
				return nil, errors.New("the value is not valid JSON (details hidden: it is secret)")
			}
			return v, err
		}
	case fnToBase64:
		f.result = "string"
		f.check = stringArg
		f.apply = func(_ *Evaluator, arg any, _ bool) (any, error) {
			return base64.StdEncoding.EncodeToString([]byte(arg.(string))), nil
		}
	case fnFromBase64:
		f.result = "string"
		f.check = stringArg
		f.apply = func(_ *Evaluator, arg any, _ bool) (any, error) {
			b, err := base64.StdEncoding.DecodeString(arg.(string))
			if err != nil {
				return nil, errors.New("the value is not valid base64")
			}
			if !utf8.Valid(b) {
				return nil, errors.New("the decoded value is not UTF-8 text")
			}
			return string(b), nil
		}
	case fnReadFile:
		f.pure = false
		f.result = "string"
		f.check = stringArg
		f.apply = applyReadFile
	case fnSHA256:
		f.result = "string"
		f.check = stringArg
		f.apply = func(_ *Evaluator, arg any, _ bool) (any, error) {
			sum := sha256.Sum256([]byte(arg.(string)))
			return hex.EncodeToString(sum[:]), nil
		}
	case fnStackOutput:
		f.pure = false
		f.check = checkStackOutput
		f.apply = func(e *Evaluator, arg any, _ bool) (any, error) {
			m := arg.(map[string]any)
			if e.env.StackOutput == nil {
				return nil, errors.New("reading other stacks' outputs is not available here")
			}
			v, err := e.env.StackOutput(m["stack"].(string), m["output"].(string))
			if err != nil {
				return nil, err
			}
			return v, nil
		}
	default:
		return nil, false
	}
	return f, true
}

// kindOf names v's type, or "" when it is not known at load time.
func kindOf(v any) string {
	switch t := v.(type) {
	case resource.Unknown:
		return ""
	case typed:
		return t.typ
	case resource.Secret:
		return kindOf(t.Value)
	}
	return resource.TypeName(v)
}

func unsecret(v any) any {
	if s, ok := v.(resource.Secret); ok {
		return unsecret(s.Value)
	}
	return v
}

// wantKind checks that v is of type want (or not known yet).
func wantKind(v any, want, what string) error {
	k := kindOf(v)
	switch {
	case k == "" || k == want:
		return nil
	case want == "integer" && k == "number":
		if f, ok := unsecret(v).(float64); ok && f == math.Trunc(f) {
			return nil
		}
	}
	return fmt.Errorf("%s must be %s, got %s", what, article(want), article(k))
}

func stringArg(arg any) error {
	return wantKind(arg, "string", "the argument")
}

// listArg returns the two elements of a [a, b] argument, nil when its
// shape is not known yet.
func listArg(arg any, usage string) ([]any, error) {
	switch t := unsecret(arg).(type) {
	case []any:
		if len(t) != 2 {
			return nil, fmt.Errorf("takes %s, got a list of %d", usage, len(t))
		}
		return t, nil
	}
	if k := kindOf(arg); k != "" && k != "list" {
		return nil, fmt.Errorf("takes %s, got %s", usage, article(k))
	}
	return nil, nil
}

func checkJoin(arg any) error {
	l, err := listArg(arg, "[separator, list]")
	if l == nil {
		return err
	}
	if err := errors.Join(wantKind(l[0], "string", "the separator"), wantKind(l[1], "list", "the second argument")); err != nil {
		return err
	}
	list, _ := unsecret(l[1]).([]any)
	for i, e := range list {
		switch kindOf(e) {
		case "", "string", "integer", "number", "boolean":
		default:
			return fmt.Errorf("element %d of the list must be a string, number or boolean, got %s", i, article(kindOf(e)))
		}
	}
	return nil
}

func applyJoin(_ *Evaluator, arg any, _ bool) (any, error) {
	l := arg.([]any)
	sep, list := l[0].(string), l[1].([]any)
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			b.WriteString(sep)
		}
		if err := writeText(&b, e); err != nil {
			return nil, err
		}
	}
	return b.String(), nil
}

func checkSelect(arg any) error {
	l, err := listArg(arg, "[index, list]")
	if l == nil {
		return err
	}
	if err := errors.Join(wantKind(l[0], "integer", "the index"), wantKind(l[1], "list", "the second argument")); err != nil {
		return err
	}
	if i, ok := unsecret(l[0]).(int64); ok && i < 0 {
		return errors.New("the index must not be negative")
	}
	if f, ok := unsecret(l[0]).(float64); ok && f < 0 {
		return errors.New("the index must not be negative")
	}
	return nil
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		if n > math.MaxInt32 {
			return math.MaxInt32
		}
		return int64(n)
	}
	return 0
}

func checkStackOutput(arg any) error {
	const usage = "{stack: STACK, output: NAME}"
	m, ok := unsecret(arg).(map[string]any)
	if !ok {
		if k := kindOf(arg); k != "" && k != "map" {
			return fmt.Errorf("takes %s, got %s", usage, article(k))
		}
		return nil
	}
	for _, k := range sortedKeys(m) {
		if k != "stack" && k != "output" {
			return fmt.Errorf("unknown key %q: it takes %s", k, usage)
		}
	}
	for _, k := range []string{"stack", "output"} {
		v, ok := m[k]
		if !ok {
			return fmt.Errorf("missing %s: it takes %s", k, usage)
		}
		if err := wantKind(v, "string", k); err != nil {
			return err
		}
	}
	return nil
}

// applyReadFile reads a file relative to the project directory.
func applyReadFile(e *Evaluator, arg any, secret bool) (any, error) {
	name := arg.(string)
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.p.Project.Dir, path)
	}
	read := e.env.ReadFile
	if read == nil {
		read = readFileLimited
	}
	data, err := read(path)
	if err != nil {
		if secret {
			return nil, errors.New("cannot read the file (details hidden: its name is secret)")
		}
		return nil, err
	}
	if len(data) > maxReadFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxReadFile>>20)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s is not UTF-8 text", name)
	}
	return string(data), nil
}

// readFileLimited reads at most maxReadFile+1 bytes, so a huge file is
// refused without being read whole.
func readFileLimited(path string) ([]byte, error) {
	if err := regularFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxReadFile+1))
}

// fromJSON decodes exactly one JSON value.
func fromJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("the value is not valid JSON: %v", err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the value is not valid JSON: unexpected data after the first value")
	}
	return fromJSONValue(v)
}

func fromJSONValue(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		return resource.ParseNumber(string(t))
	case []any:
		for i, e := range t {
			c, err := fromJSONValue(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
	case map[string]any:
		for k, e := range t {
			c, err := fromJSONValue(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
	}
	return v, nil
}

// regularFile refuses anything but a regular file before it is opened: a
// FIFO or a device (/dev/stdin, /dev/zero) would block or never end.
// A path that cannot be stat'ed is left to os.Open to report.
func regularFile(path string) error {
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}
