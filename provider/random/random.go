package random

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// Type tokens.
const (
	StringType   = "random:String"
	PasswordType = "random:Password"
	IntegerType  = "random:Integer"
	UuidType     = "random:Uuid"
)

// MaxLength is the longest random:String or random:Password.
const MaxLength = 4096

// DefaultSpecial is the special character set unless overrideSpecial says
// otherwise.
const DefaultSpecial = "!@#$%&*()-_=+[]{}<>:?"

// Provider serves the random package.
type Provider struct {
	schema provider.PackageSchema
}

var _ provider.Provider = (*Provider)(nil)

// New returns the random provider.
func New() *Provider {
	keepers := provider.Property{
		Type:            provider.TypeMap,
		Description:     "Arbitrary values; when any of them changes, a new value is drawn (the resource is replaced).",
		ReplaceOnChange: true,
	}
	str := func(token, what string, secret bool) provider.ResourceSchema {
		in := map[string]provider.Property{
			"length":          {Type: provider.TypeInteger, Required: true, ReplaceOnChange: true, Description: fmt.Sprintf("Number of characters, 1 to %d.", MaxLength)},
			"overrideSpecial": {Type: provider.TypeString, ReplaceOnChange: true, Description: "The special characters to use instead of " + DefaultSpecial + " (when special is true)."},
			"keepers":         keepers,
		}
		for _, c := range classes() {
			in[c.flag] = provider.Property{Type: provider.TypeBoolean, Default: true, ReplaceOnChange: true, Description: "Whether to use " + c.what + "."}
			in[c.min] = provider.Property{Type: provider.TypeInteger, Default: int64(0), ReplaceOnChange: true, Description: "The least number of " + c.what + " in the result."}
		}
		return provider.ResourceSchema{
			Token:       token,
			Description: what,
			Inputs:      in,
			Outputs: map[string]provider.Property{
				"result": {Type: provider.TypeString, Secret: secret, Description: "The generated string."},
			},
		}
	}
	resources := map[string]provider.ResourceSchema{
		StringType:   str(StringType, "A random string, drawn once and kept in state until an input changes. It is not secret: use random:Password for credentials.", false),
		PasswordType: str(PasswordType, "A random password: like random:String, but the result is always secret.", true),
		IntegerType: {
			Token:       IntegerType,
			Description: "A random integer between min and max inclusive, drawn once and kept in state until an input changes.",
			Inputs: map[string]provider.Property{
				"min":     {Type: provider.TypeInteger, Required: true, ReplaceOnChange: true, Description: "The smallest possible result."},
				"max":     {Type: provider.TypeInteger, Required: true, ReplaceOnChange: true, Description: "The largest possible result; at least min."},
				"keepers": keepers,
			},
			Outputs: map[string]provider.Property{
				"result": {Type: provider.TypeInteger, Description: "The generated integer."},
			},
		},
		UuidType: {
			Token:       UuidType,
			Description: "A random (version 4) UUID, drawn once and kept in state until keepers change.",
			Inputs:      map[string]provider.Property{"keepers": keepers},
			Outputs: map[string]provider.Property{
				"result": {Type: provider.TypeString, Description: "The UUID in its canonical form, e.g. 0b6e8d0c-3f1a-4c1e-9a3e-2b1f5c7d9e11."},
			},
		},
	}
	return &Provider{schema: provider.PackageSchema{
		Name:        "random",
		Description: "Random values drawn from crypto/rand and kept in state.",
		Resources:   resources,
	}}
}

// class is one character class of random:String and random:Password.
type class struct {
	flag, min, what, chars string
}

// classes lists the character classes in the order they are drawn.
func classes() [4]class {
	return [4]class{
		{"upper", "minUpper", "upper-case letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{"lower", "minLower", "lower-case letters", "abcdefghijklmnopqrstuvwxyz"},
		{"numeric", "minNumeric", "digits", "0123456789"},
		{"special", "minSpecial", "special characters", DefaultSpecial},
	}
}

// Schema describes the random resource types.
func (p *Provider) Schema() provider.PackageSchema { return p.schema }

// Configure accepts no config.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest) (provider.ConfigureResponse, error) {
	return provider.NoConfig("random", req)
}

func (p *Provider) resourceSchema(typ string) (provider.ResourceSchema, error) {
	rs, ok := p.schema.Resources[typ]
	if !ok {
		return rs, fmt.Errorf("the random provider has no resource type %q", typ)
	}
	return rs, nil
}

// Check validates the inputs against the schema and against each other.
// Integers arrive as int64 or float64 (JSON and YAML disagree); Check makes
// them int64.
func (p *Provider) Check(ctx context.Context, req provider.CheckRequest) (provider.CheckResponse, error) {
	rs, err := p.resourceSchema(req.Type)
	if err != nil {
		return provider.CheckResponse{}, err
	}
	inputs, fails := provider.CheckInputs(rs, req.Inputs)
	for k, prop := range rs.Inputs {
		if f, ok := inputs[k].(float64); ok && prop.Type == provider.TypeInteger {
			inputs[k] = int64(f)
		}
	}
	switch req.Type {
	case StringType, PasswordType:
		fails = append(fails, checkString(inputs)...)
	case IntegerType:
		min, okMin := inputs["min"].(int64)
		max, okMax := inputs["max"].(int64)
		if okMin && okMax && min > max {
			fails = append(fails, provider.CheckFailure{Property: "max", Reason: fmt.Sprintf("max (%d) is less than min (%d)", max, min)})
		}
	}
	return provider.CheckResponse{Inputs: inputs, Failures: fails}, nil
}

// checkString finds settings no string can satisfy. Unknown values (during
// preview) are judged when they are known.
func checkString(in resource.PropertyMap) []provider.CheckFailure {
	var fails []provider.CheckFailure
	fail := func(prop, format string, args ...any) {
		fails = append(fails, provider.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	length, lengthKnown := in["length"].(int64)
	if lengthKnown && (length < 1 || length > MaxLength) {
		fail("length", "length must be between 1 and %d, not %d", MaxLength, length)
	}
	allKnown, anyOn := true, false
	var sum int64
	var names []string
	for _, c := range classes() {
		on, onKnown := in[c.flag].(bool)
		min, minKnown := in[c.min].(int64)
		allKnown = allKnown && onKnown && minKnown
		anyOn = anyOn || on || !onKnown
		names = append(names, c.min)
		switch {
		case minKnown && (min < 0 || min > MaxLength):
			fail(c.min, "%s must be between 0 and %d, not %d", c.min, MaxLength, min)
		case minKnown && onKnown && !on && min > 0:
			fail(c.min, "%s is %d but %s is false", c.min, min, c.flag)
		case minKnown:
			sum += min
		}
	}
	if !anyOn {
		fail("upper", "upper, lower, numeric and special are all false: there are no characters to choose from")
	}
	if allKnown && lengthKnown && length < sum {
		fail("length", "length (%d) is less than %s (%d)", length, strings.Join(names, " + "), sum)
	}
	if s, ok := in["overrideSpecial"].(string); ok {
		if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f || r == '\uFFFD' }) {
			fail("overrideSpecial", "overrideSpecial must be printable characters (no control characters or invalid UTF-8)")
		}
	}
	return fails
}

// Diff replaces on any change: a random value cannot be changed in place.
func (p *Provider) Diff(ctx context.Context, req provider.DiffRequest) (provider.DiffResponse, error) {
	rs, err := p.resourceSchema(req.Type)
	if err != nil {
		return provider.DiffResponse{}, err
	}
	return provider.DiffInputs(rs, req.OldInputs, req.NewInputs), nil
}

// Create draws the value.
func (p *Provider) Create(ctx context.Context, req provider.CreateRequest) (provider.CreateResponse, error) {
	if _, err := p.resourceSchema(req.Type); err != nil {
		return provider.CreateResponse{}, err
	}
	if err := ctx.Err(); err != nil {
		return provider.CreateResponse{}, err
	}
	src := newSource()
	var result any
	switch req.Type {
	case StringType, PasswordType:
		s, err := generateString(src, req.Inputs)
		if err != nil {
			return provider.CreateResponse{}, err
		}
		result = s
	case IntegerType:
		min, okMin := provider.Int(req.Inputs["min"])
		max, okMax := provider.Int(req.Inputs["max"])
		if !okMin || !okMax || min > max {
			return provider.CreateResponse{}, fmt.Errorf("%s needs integers min <= max", req.Type)
		}
		result = src.between(min, max)
	case UuidType:
		result = src.uuid()
	}
	return provider.CreateResponse{ID: src.hexID(), Outputs: resource.PropertyMap{"result": result}}, nil
}

// Read returns what state recorded: the value exists nowhere else.
func (p *Provider) Read(ctx context.Context, req provider.ReadRequest) (provider.ReadResponse, error) {
	if _, err := p.resourceSchema(req.Type); err != nil {
		return provider.ReadResponse{}, err
	}
	if req.Outputs == nil {
		return provider.ReadResponse{}, fmt.Errorf("%s %q cannot be imported: it exists only in state", req.Type, req.ID)
	}
	return provider.ReadResponse{Inputs: req.Inputs, Outputs: req.Outputs}, nil
}

// Update is never right: Diff replaces on every change.
func (p *Provider) Update(ctx context.Context, req provider.UpdateRequest) (provider.UpdateResponse, error) {
	if _, err := p.resourceSchema(req.Type); err != nil {
		return provider.UpdateResponse{}, err
	}
	return provider.UpdateResponse{}, fmt.Errorf("%s %q cannot be updated in place: a change of any input replaces it", req.Type, req.ID)
}

// Delete forgets nothing: the value lived only in state.
func (p *Provider) Delete(ctx context.Context, req provider.DeleteRequest) (provider.DeleteResponse, error) {
	_, err := p.resourceSchema(req.Type)
	return provider.DeleteResponse{}, err
}

// generateString draws a string that meets in's minimums, then shuffles it
// so the guaranteed characters are not at the front.
func generateString(src *source, in resource.PropertyMap) (string, error) {
	length, _ := provider.Int(in["length"])
	if length < 1 || length > MaxLength {
		return "", fmt.Errorf("length must be between 1 and %d, not %d", MaxLength, length)
	}
	special := DefaultSpecial
	if s, _ := in["overrideSpecial"].(string); s != "" {
		special = s
	}
	out := make([]rune, 0, length)
	var pool []rune
	for _, c := range classes() {
		if on, ok := in[c.flag].(bool); ok && !on {
			continue
		}
		chars := []rune(c.chars)
		if c.flag == "special" {
			chars = []rune(special)
		}
		pool = append(pool, chars...)
		min, _ := provider.Int(in[c.min])
		for range min {
			out = append(out, chars[src.intN(len(chars))])
		}
	}
	if len(pool) == 0 {
		return "", fmt.Errorf("no characters to choose from: upper, lower, numeric and special are all false")
	}
	if int64(len(out)) > length {
		return "", fmt.Errorf("length (%d) is less than the sum of the minimums (%d)", length, len(out))
	}
	for int64(len(out)) < length {
		out = append(out, pool[src.intN(len(pool))])
	}
	for i := len(out) - 1; i > 0; i-- {
		j := src.intN(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

// source draws uniform values from crypto/rand, buffered so a 4096
// character password does not cost thousands of system calls.
type source struct {
	r *bufio.Reader
}

func newSource() *source { return &source{r: bufio.NewReaderSize(rand.Reader, 256)} }

func (s *source) uint64() uint64 {
	var b [8]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return binary.LittleEndian.Uint64(b[:])
}

// uint64n returns a uniform integer in [0, n), n > 0, by rejecting the
// few draws that would bias the modulo.
func (s *source) uint64n(n uint64) uint64 {
	threshold := -n % n // 2^64 mod n
	for {
		if v := s.uint64(); v >= threshold {
			return v % n
		}
	}
}

func (s *source) intN(n int) int { return int(s.uint64n(uint64(n))) }

// between returns a uniform integer in [min, max].
func (s *source) between(min, max int64) int64 {
	span := uint64(max) - uint64(min) // max >= min, so this is the true distance
	if span == ^uint64(0) {
		return int64(s.uint64())
	}
	return int64(uint64(min) + s.uint64n(span+1))
}

// uuid returns a version 4 UUID (RFC 9562).
func (s *source) uuid() string {
	var b [16]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// hexID returns 16 random hex characters.
func (s *source) hexID() string {
	var b [8]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
