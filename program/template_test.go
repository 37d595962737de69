package program

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// describeTemplate renders parts for comparison: literals quoted,
// references as ${elems} with quoted keys marked.
func describeTemplate(t template) []string {
	var out []string
	for _, p := range t {
		if p.ref == nil {
			out = append(out, "lit:"+p.lit)
			continue
		}
		var elems []string
		for _, e := range p.ref.elems {
			switch {
			case e.isIndex:
				elems = append(elems, "["+strconv.Itoa(e.index)+"]")
			case e.bare:
				elems = append(elems, e.key)
			default:
				elems = append(elems, `"`+e.key+`"`)
			}
		}
		out = append(out, "ref:"+strings.Join(elems, " "))
	}
	return out
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"lit:"}},
		{"plain", []string{"lit:plain"}},
		{"$5 and $x and $", []string{"lit:$5 and $x and $"}},
		{"${a}", []string{"ref:a"}},
		{"x${a}y", []string{"lit:x", "ref:a", "lit:y"}},
		{"${a}${b}", []string{"ref:a", "ref:b"}},
		{"${a.b.c}", []string{"ref:a b c"}},
		{"${a.b[0]}", []string{"ref:a b [0]"}},
		{`${a["key with.dots"]}`, []string{`ref:a "key with.dots"`}},
		{`${a['single']}`, []string{`ref:a "single"`}},
		{`${a["q\"uote"]}`, []string{`ref:a "q"uote"`}},
		{`${a["}"]}`, []string{`ref:a "}"`}},
		{"${my-res_1.out}", []string{"ref:my-res_1 out"}},
		{"$${a}", []string{"lit:${a}"}},
		{"$$${a}", []string{"lit:$${a}"}},
		{"a$${b}c${d}", []string{"lit:a${b}c", "ref:d"}},
		{"${plinth.stack}", []string{"ref:plinth stack"}},
	}
	for _, tt := range tests {
		got, err := parseTemplate(tt.in)
		if err != nil {
			t.Errorf("parseTemplate(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, describeTemplate(got)); diff != "" {
			t.Errorf("parseTemplate(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		in   string
		off  int
		want string
	}{
		{"${", 0, "unterminated ${: missing }"},
		{"ab ${x", 3, "unterminated ${: missing }"},
		{"${}", 0, "empty ${}: write a name, like ${name}"},
		{"${ a}", 2, `unexpected ' ' in ${…}, want a name (no spaces inside ${…})`},
		{"${a b}", 3, `unexpected ' ' in ${…}, want '.', '[' or '}' (no spaces inside ${…})`},
		{"${a.}", 4, `unexpected '}' in ${…}, want a name after '.'`},
		{"${a..b}", 4, `unexpected '.' in ${…}, want a name after '.'`},
		{"${a[x]}", 4, `unexpected 'x' in ${…}, want an index or a quoted key after '['`},
		{"${a[1}", 5, `unexpected '}' in ${…}, want ']'`},
		{`${a["x}`, 4, "unterminated quoted key"},
		{`${a["\n"]}`, 5, `unknown escape \n in quoted key (only \\, \" and \' are allowed)`},
		{"${a[99999999999]}", 4, "index 99999999999 is too large"},
		{"${a:b}", 3, `unexpected ':' in ${…}, want '.', '[' or '}' (quote keys with other characters: ["a:b"])`},
		{"${é}", 2, `unexpected 'é' (U+00E9) in ${…}, want a name`},
	}
	for _, tt := range tests {
		_, err := parseTemplate(tt.in)
		te, ok := err.(*templateError)
		if !ok {
			t.Errorf("parseTemplate(%q) = %v, want a templateError", tt.in, err)
			continue
		}
		if te.off != tt.off || te.msg != tt.want {
			t.Errorf("parseTemplate(%q) = %d: %s\nwant %d: %s", tt.in, te.off, te.msg, tt.off, tt.want)
		}
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	for _, s := range []string{"x${a.b[0]}y", `${a["k.e\"y"]}`, "$${x} ${y}", "$$$x", "${a}${b}"} {
		t1, err := parseTemplate(s)
		if err != nil {
			t.Fatal(err)
		}
		t2, err := parseTemplate(t1.String())
		if err != nil {
			t.Fatalf("reparse %q: %v", t1.String(), err)
		}
		if diff := cmp.Diff(describeTemplate(t1), describeTemplate(t2)); diff != "" {
			t.Errorf("round trip of %q via %q (-first +second):\n%s", s, t1.String(), diff)
		}
	}
}

func TestParsePropertyPath(t *testing.T) {
	for _, ok := range []string{"content", "tags.team", "items[0]", `tags["a.b"]`} {
		if _, err := parsePropertyPath(ok); err != nil {
			t.Errorf("parsePropertyPath(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "tags[", "a}b", ".a"} {
		if _, err := parsePropertyPath(bad); err == nil {
			t.Errorf("parsePropertyPath(%q) succeeded", bad)
		}
	}
}
