package random

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/providertest"
	"github.com/plinth-iac/plinth/resource"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, New(), []providertest.Case{
		{
			Type:    StringType,
			Inputs:  resource.PropertyMap{"length": int64(12), "special": false},
			Replace: resource.PropertyMap{"length": int64(13), "special": false},
		},
		{
			Type:    PasswordType,
			Inputs:  resource.PropertyMap{"length": int64(24), "minSpecial": int64(2), "overrideSpecial": "!-_", "keepers": map[string]any{"rotated": "2024-01"}},
			Replace: resource.PropertyMap{"length": int64(24), "minSpecial": int64(2), "overrideSpecial": "!-_", "keepers": map[string]any{"rotated": "2024-02"}},
		},
		{
			Type:    IntegerType,
			Inputs:  resource.PropertyMap{"min": int64(1), "max": int64(6)},
			Replace: resource.PropertyMap{"min": int64(1), "max": int64(20)},
		},
		{
			Type:    UuidType,
			Inputs:  resource.PropertyMap{},
			Replace: resource.PropertyMap{"keepers": map[string]any{"v": int64(2)}},
		},
	})
}

func mustCreate(t *testing.T, p *Provider, typ string, inputs resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	c, err := p.Check(t.Context(), provider.CheckRequest{Type: typ, Inputs: inputs})
	if err != nil || len(c.Failures) > 0 {
		t.Fatalf("Check(%s) = %+v, %v", resource.Format(inputs, true), c.Failures, err)
	}
	resp, err := p.Create(t.Context(), provider.CreateRequest{Type: typ, Inputs: c.Inputs})
	if err != nil {
		t.Fatalf("Create(%s): %v", resource.Format(inputs, true), err)
	}
	return resp.Outputs
}

func TestStrings(t *testing.T) {
	count := func(s string, f func(rune) bool) int {
		n := 0
		for _, r := range s {
			if f(r) {
				n++
			}
		}
		return n
	}
	isSpecial := func(r rune) bool { return strings.ContainsRune(DefaultSpecial, r) }
	tests := []struct {
		name   string
		inputs resource.PropertyMap
		// allowed reports whether a rune may appear; need checks minimums.
		allowed func(rune) bool
		need    func(t *testing.T, s string)
	}{
		{"defaults", resource.PropertyMap{"length": int64(64)},
			func(r rune) bool {
				return r <= unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || isSpecial(r))
			}, nil},
		{"lower only", resource.PropertyMap{"length": int64(40), "upper": false, "numeric": false, "special": false},
			unicode.IsLower, nil},
		{"minimums fill the whole string", resource.PropertyMap{"length": int64(8), "minUpper": int64(2), "minLower": int64(2), "minNumeric": int64(2), "minSpecial": int64(2)},
			func(r rune) bool { return r <= unicode.MaxASCII },
			func(t *testing.T, s string) {
				for name, f := range map[string]func(rune) bool{"upper": unicode.IsUpper, "lower": unicode.IsLower, "digit": unicode.IsDigit, "special": isSpecial} {
					if n := count(s, f); n != 2 {
						t.Errorf("%q has %d %s characters, want 2", s, n, name)
					}
				}
			}},
		{"override special, multi-byte", resource.PropertyMap{"length": int64(30), "upper": false, "lower": false, "numeric": false, "overrideSpecial": "é€"},
			func(r rune) bool { return r == 'é' || r == '€' }, nil},
		{"float length from JSON", resource.PropertyMap{"length": 5.0, "minNumeric": 5.0},
			unicode.IsDigit, nil},
		{"longest", resource.PropertyMap{"length": int64(MaxLength)}, func(rune) bool { return true }, nil},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, typ := range []string{StringType, PasswordType} {
				for range 20 {
					got := mustCreate(t, p, typ, tt.inputs)["result"].(string)
					length, _ := provider.Int(tt.inputs["length"])
					if n := len([]rune(got)); int64(n) != length {
						t.Fatalf("result %q has %d characters, want %d", got, n, length)
					}
					if i := strings.IndexFunc(got, func(r rune) bool { return !tt.allowed(r) }); i >= 0 {
						t.Fatalf("result %q has a character that is not allowed at %d", got, i)
					}
					if tt.need != nil {
						tt.need(t, got)
					}
				}
			}
		})
	}
}

func TestStringsDiffer(t *testing.T) {
	p := New()
	seen := map[string]bool{}
	for range 200 {
		s := mustCreate(t, p, PasswordType, resource.PropertyMap{"length": int64(16)})["result"].(string)
		if seen[s] {
			t.Fatalf("the same password %q twice", s)
		}
		seen[s] = true
	}
}

func TestCheckFailures(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		inputs resource.PropertyMap
		want   []string // property: reason
	}{
		{"missing length", StringType, resource.PropertyMap{},
			[]string{`length: missing required property "length"`}},
		{"length as string", StringType, resource.PropertyMap{"length": "8"},
			[]string{`length: property "length": expected integer, got string`}},
		{"fractional length", StringType, resource.PropertyMap{"length": 8.5},
			[]string{`length: property "length": expected integer, got number`}},
		{"zero length", PasswordType, resource.PropertyMap{"length": int64(0)},
			[]string{"length: length must be between 1 and 4096, not 0"}},
		{"too long", PasswordType, resource.PropertyMap{"length": int64(4097)},
			[]string{"length: length must be between 1 and 4096, not 4097"}},
		{"all classes off", StringType, resource.PropertyMap{"length": int64(8), "upper": false, "lower": false, "numeric": false, "special": false},
			[]string{"upper: upper, lower, numeric and special are all false: there are no characters to choose from"}},
		{"minimum of a disabled class", StringType, resource.PropertyMap{"length": int64(8), "numeric": false, "minNumeric": int64(1)},
			[]string{"minNumeric: minNumeric is 1 but numeric is false"}},
		{"negative minimum", StringType, resource.PropertyMap{"length": int64(8), "minUpper": int64(-1)},
			[]string{"minUpper: minUpper must be between 0 and 4096, not -1"}},
		{"minimums exceed length", PasswordType, resource.PropertyMap{"length": int64(4), "minUpper": int64(3), "minSpecial": int64(2)},
			[]string{"length: length (4) is less than minUpper + minLower + minNumeric + minSpecial (5)"}},
		{"control character in overrideSpecial", PasswordType, resource.PropertyMap{"length": int64(4), "overrideSpecial": "!\n"},
			[]string{"overrideSpecial: overrideSpecial must be printable characters (no control characters or invalid UTF-8)"}},
		{"typo", StringType, resource.PropertyMap{"length": int64(4), "uper": true},
			[]string{`uper: random:String has no property "uper" (did you mean "upper"?)`}},
		{"min above max", IntegerType, resource.PropertyMap{"min": int64(5), "max": int64(3)},
			[]string{"max: max (3) is less than min (5)"}},
		{"integer without max", IntegerType, resource.PropertyMap{"min": int64(5)},
			[]string{`max: missing required property "max"`}},
		{"keepers not a map", UuidType, resource.PropertyMap{"keepers": "v1"},
			[]string{`keepers: property "keepers": expected map, got string`}},
		{"unknown length", StringType, resource.PropertyMap{"length": resource.Unknown{}, "minUpper": int64(9)}, nil},
		{"unknown class", StringType, resource.PropertyMap{"length": int64(8), "upper": false, "lower": false, "numeric": false, "special": resource.Unknown{}}, nil},
		{"unknown max", IntegerType, resource.PropertyMap{"min": int64(5), "max": resource.Unknown{}}, nil},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Check(t.Context(), provider.CheckRequest{Type: tt.typ, Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range resp.Failures {
				got = append(got, f.Property+": "+f.Reason)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIntegers(t *testing.T) {
	tests := []struct {
		min, max int64
	}{
		{0, 0}, {-5, -5}, {-3, 3}, {0, 3}, {math.MinInt64, math.MaxInt64}, {math.MaxInt64 - 2, math.MaxInt64}, {math.MinInt64, math.MinInt64 + 1},
	}
	p := New()
	for _, tt := range tests {
		seen := map[int64]bool{}
		for range 400 {
			got := mustCreate(t, p, IntegerType, resource.PropertyMap{"min": tt.min, "max": tt.max})["result"].(int64)
			if got < tt.min || got > tt.max {
				t.Fatalf("between %d and %d: got %d", tt.min, tt.max, got)
			}
			seen[got] = true
		}
		if span := uint64(tt.max) - uint64(tt.min); span < 8 && uint64(len(seen)) != span+1 {
			t.Errorf("between %d and %d: saw only %v in 400 draws", tt.min, tt.max, seen)
		}
	}
}

func TestUuid(t *testing.T) {
	p := New()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		u := mustCreate(t, p, UuidType, resource.PropertyMap{})["result"].(string)
		if !re.MatchString(u) || seen[u] {
			t.Fatalf("uuid %q: want a fresh version 4 UUID", u)
		}
		seen[u] = true
	}
}

func TestUniform(t *testing.T) {
	// A rough check that intN is not biased towards low values: with 6000
	// draws from 0..5, each value lands 1000 times give or take ~100.
	src := newSource()
	var counts [6]int
	for range 6000 {
		counts[src.intN(6)]++
	}
	for v, n := range counts {
		if n < 800 || n > 1200 {
			t.Errorf("value %d drawn %d times in 6000, want about 1000 (counts %v)", v, n, counts)
		}
	}
}

func TestNoUpdate(t *testing.T) {
	p := New()
	if _, err := p.Update(t.Context(), provider.UpdateRequest{Type: StringType, ID: "x"}); err == nil {
		t.Error("Update succeeded; every change should have been a replacement")
	}
	if _, err := p.Read(t.Context(), provider.ReadRequest{Type: PasswordType, ID: "x"}); err == nil || !strings.Contains(err.Error(), "cannot be imported") {
		t.Errorf("Read(import) = %v, want cannot be imported", err)
	}
	if _, err := p.Check(t.Context(), provider.CheckRequest{Type: "random:Pet"}); err == nil {
		t.Error("Check(random:Pet) succeeded")
	}
}

func TestPasswordIsSecretInSchema(t *testing.T) {
	s := New().Schema()
	if !s.Resources[PasswordType].Outputs["result"].Secret || s.Resources[StringType].Outputs["result"].Secret {
		t.Error("random:Password result must be secret and random:String result not")
	}
	for tok, rs := range s.Resources {
		for k, p := range rs.Inputs {
			if !p.ReplaceOnChange {
				t.Errorf("%s input %s does not replace on change", tok, k)
			}
		}
	}
}
