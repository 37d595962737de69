package workspace

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "tags", want: []string{"tags"}},
		{in: "tags.team", want: []string{"tags", "team"}},
		{in: "a.b[0].c", want: []string{"a", "b", "0", "c"}},
		{in: "items[12]", want: []string{"items", "12"}},
		{in: "m[0][1]", want: []string{"m", "0", "1"}},
		{in: `a["x.y"]`, want: []string{"a", "x.y"}},
		{in: `a["x.y"].z`, want: []string{"a", "x.y", "z"}},
		{in: `["dotted.key"]`, want: []string{"dotted.key"}},
		{in: `a["say \"hi\" \\ bye"]`, want: []string{"a", `say "hi" \ bye`}},
		{in: `a["[0]"]`, want: []string{"a", "[0]"}},
		{in: "a.0", want: []string{"a", "0"}},
		{in: "kebab-case.snake_case", want: []string{"kebab-case", "snake_case"}},

		{in: "", wantErr: "invalid path: it is empty"},
		{in: "a..b", wantErr: `invalid path "a..b": empty segment at column 3`},
		{in: ".a", wantErr: `invalid path ".a": empty segment at column 1`},
		{in: "a.", wantErr: `invalid path "a.": empty segment at column 3`},
		{in: "a.[0]", wantErr: `invalid path "a.[0]": empty segment at column 3`},
		{in: "a[0", wantErr: `invalid path "a[0": unclosed [ at column 2`},
		{in: "a[x]", wantErr: `invalid path "a[x]": "x" is not an index`},
		{in: "a[-1]", wantErr: `"-1" is not an index`},
		{in: "a[01]", wantErr: `"01" is not an index`},
		{in: "a[]", wantErr: `"" is not an index`},
		{in: `a["x"`, wantErr: "missing ]"},
		{in: `a["x]`, wantErr: "unclosed quote"},
		{in: `a["\n"]`, wantErr: "unknown escape"},
		{in: `a[""]`, wantErr: "empty key"},
		{in: "a[0]b", wantErr: `unexpected b (want . or [ after ]) at column 5`},
		{in: "a]b", wantErr: "unexpected ] at column 2"},
		{in: `a"b`, wantErr: `unexpected " at column 2`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParsePath = %q, want error %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePath (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetPath(t *testing.T) {
	const src = `config:
  web:tags:
    team: infra # who
  web:items: [a, b]
  web:servers:
    - name: a
  web:port: 80
  web:pw:
    secure: v1:AAAA
  web:empty:
`
	tests := []struct {
		name    string
		key     string
		path    string
		v       any
		want    any // Get(key) afterwards
		wantErr string
	}{
		{name: "new key in map", key: "web:tags", path: "owner", v: "alice",
			want: map[string]any{"team": "infra", "owner": "alice"}},
		{name: "replace in map", key: "web:tags", path: "team", v: "platform",
			want: map[string]any{"team": "platform"}},
		{name: "create nested maps", key: "web:tags", path: "a.b.c", v: int64(1),
			want: map[string]any{"team": "infra", "a": map[string]any{"b": map[string]any{"c": int64(1)}}}},
		{name: "new config key", key: "web:fresh", path: "x.y", v: true,
			want: map[string]any{"x": map[string]any{"y": true}}},
		{name: "null becomes a map", key: "web:empty", path: "x", v: "y",
			want: map[string]any{"x": "y"}},
		{name: "replace list item", key: "web:items", path: "[1]", v: "B",
			want: []any{"a", "B"}},
		{name: "append to list", key: "web:items", path: "[2]", v: "c",
			want: []any{"a", "b", "c"}},
		{name: "into list item map", key: "web:servers", path: "[0].size", v: "xl",
			want: []any{map[string]any{"name": "a", "size": "xl"}}},
		{name: "append map to list", key: "web:servers", path: "[1].name", v: "b",
			want: []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}},
		{name: "secret inside a map", key: "web:tags", path: "token", v: Secure{Ciphertext: "v1:BBBB"},
			want: map[string]any{"team": "infra", "token": Secure{Ciphertext: "v1:BBBB"}}},
		{name: "quoted key", key: "web:tags", path: `["a.b"]`, v: "x",
			want: map[string]any{"team": "infra", "a.b": "x"}},

		{name: "index past the end", key: "web:items", path: "[3]", v: "x",
			wantErr: "Plinth.dev.yaml:4:14: config web:items has 2 items; index 3 is out of range (2 appends)"},
		{name: "key into a list", key: "web:items", path: "name", v: "x",
			wantErr: `Plinth.dev.yaml:4:14: config web:items is a list; "name" is not an index`},
		{name: "into a scalar", key: "web:port", path: "x", v: "y",
			wantErr: "Plinth.dev.yaml:7:13: config web:port is an integer, not a map or list"},
		{name: "deep into a scalar", key: "web:tags", path: "team.x", v: "y",
			wantErr: "Plinth.dev.yaml:3:11: config web:tags.team is a string, not a map or list"},
		{name: "into a secret", key: "web:pw", path: "x", v: "y",
			wantErr: "Plinth.dev.yaml:9:5: config web:pw is a secret; set it as a whole"},
		{name: "invalid key", key: "port", path: "x", v: "y",
			wantErr: `config key "port" must be of the form namespace:key`},
		{name: "invalid value", key: "web:tags", path: "x", v: struct{}{},
			wantErr: "config web:tags: unsupported config value type struct {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, src)
			before, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			path, err := ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			err = f.SetPath(tt.key, path, tt.v)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error:\n got %v\nwant %s", err, tt.wantErr)
				}
				after, err := f.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(before), string(after)); diff != "" {
					t.Errorf("a failed SetPath changed the file (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := mustParse(t, string(data)).Get(tt.key)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Get(%q) after SetPath and a rewrite (-want +got):\n%s", tt.key, diff)
			}
			if !strings.Contains(string(data), "# who") {
				t.Errorf("a comment was lost:\n%s", data)
			}
		})
	}
}
