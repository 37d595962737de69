package state

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/plinth-iac/plinth/resource"
)

type prefixCrypter struct{}

func (prefixCrypter) Encrypt(p []byte) (string, error) { return "t:" + string(p), nil }
func (prefixCrypter) Decrypt(c string) ([]byte, error) {
	return []byte(strings.TrimPrefix(c, "t:")), nil
}

func urn(n string) resource.URN { return resource.NewURN("dev", "p", "core:Data", n) }

func TestSnapshotRoundTrip(t *testing.T) {
	now := time.UnixMilli(1700000000000).UTC()
	s := &Snapshot{Lineage: "l1", Serial: 3, Project: "p", Stack: "dev", Version: 2,
		Resources: []*Resource{{URN: urn("a"), Type: "core:Data", ID: "1",
			Inputs:  resource.PropertyMap{"input": resource.Secret{Value: "pw"}},
			Outputs: resource.PropertyMap{"output": int64(1)}, Created: now, Modified: now,
			Dependencies: []resource.URN{urn("b")}, Protect: true}},
		Outputs: resource.PropertyMap{"x": "y"},
		Pending: []*Pending{{Op: OpCreate, URN: urn("c"), Type: "core:Data", Started: now}},
	}
	data, err := Encode(s, prefixCrypter{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"pw"`) && !strings.Contains(string(data), "t:") {
		t.Fatalf("secret in plain text: %s", data)
	}
	got, err := Decode(data, prefixCrypter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeRefusesBadInput(t *testing.T) {
	tests := map[string]string{
		`{"version":99,"lineage":"x"}`: "state format version 99 is not supported",
		`{"lineage":"x"}`:              "no version field",
		`{"version":1}`:                "no lineage",
		`{"version":1,`:                "state is damaged",
		`{"version":1,"lineage":"x","resources":[{"urn":"nope"}]}`: "is not a URN",
	}
	for in, want := range tests {
		if _, err := Decode([]byte(in), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s) = %v, want error containing %q", in, err, want)
		}
	}
}

func mustEntries(t *testing.T, es ...*Entry) [][]byte {
	t.Helper()
	var raw [][]byte
	for _, e := range es {
		b, err := EncodeEntry(e, prefixCrypter{})
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
	}
	return raw
}

func TestReplay(t *testing.T) {
	base := &Snapshot{Lineage: "l", Resources: []*Resource{
		{URN: urn("old"), Type: "core:Data", ID: "o"},
		{URN: urn("r"), Type: "core:Data", ID: "r1", Inputs: resource.PropertyMap{"input": "v1"}},
	}}
	raw := mustEntries(t,
		&Entry{Seq: 1, Kind: Begin, Op: OpCreate, URN: urn("a"), Type: "core:Data", Inputs: resource.PropertyMap{"input": "x"}},
		&Entry{Seq: 2, Kind: Begin, Op: OpCreate, URN: urn("b"), Type: "core:Data"},
		&Entry{Seq: 3, Kind: Success, Op: OpCreate, Begin: 1, ID: "ida", Outputs: resource.PropertyMap{"output": "x"}},
		&Entry{Seq: 4, Kind: Begin, Op: OpDelete, URN: urn("old"), ID: "o"},
		&Entry{Seq: 5, Kind: Success, Op: OpDelete, Begin: 4},
		&Entry{Seq: 6, Kind: Begin, Op: OpCreate, Replace: true, URN: urn("r"), Type: "core:Data", Inputs: resource.PropertyMap{"input": "v2"}},
		&Entry{Seq: 7, Kind: Success, Op: OpCreate, Begin: 6, ID: "r2"},
	)
	raw = append(raw, []byte(`{"v":1,"seq":8,"kind":"beg`)) // torn by a crash
	entries, torn, err := DecodeJournal(raw, prefixCrypter{})
	if err != nil || !torn {
		t.Fatalf("DecodeJournal = torn %v, %v", torn, err)
	}
	s, err := Replay(base, entries)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.Resources {
		got = append(got, r.URN.Name()+"/"+r.ID+map[bool]string{true: "(delete)"}[r.Delete])
	}
	if diff := cmp.Diff([]string{"r/r1(delete)", "a/ida", "r/r2"}, got); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if len(s.Pending) != 1 || s.Pending[0].URN != urn("b") {
		t.Errorf("pending = %+v, want b", s.Pending)
	}
	if len(base.Resources) != 2 || base.Resources[1].Delete {
		t.Error("Replay changed its base")
	}
	// Damage before the end is an error, not silently dropped.
	raw[2] = []byte("garbage")
	if _, _, err := DecodeJournal(raw, prefixCrypter{}); err == nil || !strings.Contains(err.Error(), "journal entry 3 of 8 is damaged") {
		t.Errorf("DecodeJournal with damage in the middle = %v", err)
	}
}

func TestUpdateRoundTrip(t *testing.T) {
	ok := true
	u := &Update{Version: 3, Kind: "update", Result: "succeeded", Changes: map[string]int{"create": 2}, Verified: &ok}
	data, err := EncodeUpdate(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeUpdate(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Fatal(diff)
	}
	if _, err := DecodeUpdate([]byte(`{"format":2}`)); err == nil {
		t.Error("future format accepted")
	}
}

type refusingCrypter struct{ prefixCrypter }

func (refusingCrypter) Decrypt(string) ([]byte, error) { return nil, errRefused }

var errRefused = errors.New("secret value failed authentication")

// TestDecodeNamesTheFailingSecret: a secret in state that does not decrypt
// is named by resource and property (or stack output), and the cause stays
// in the chain for the exit code.
func TestDecodeNamesTheFailingSecret(t *testing.T) {
	secret := resource.PropertyMap{"tags": map[string]any{"team": resource.Secret{Value: "pw"}}}
	tests := []struct {
		name string
		snap *Snapshot
		want string
	}{
		{"input", &Snapshot{Lineage: "l", Resources: []*Resource{{URN: urn("a"), Type: "core:Data", Inputs: secret}}},
			string(urn("a")) + ": inputs.tags.team: secret value failed authentication"},
		{"output", &Snapshot{Lineage: "l", Resources: []*Resource{{URN: urn("a"), Type: "core:Data", Outputs: secret}}},
			string(urn("a")) + ": outputs.tags.team: secret value failed authentication"},
		{"stack output", &Snapshot{Lineage: "l", Outputs: secret},
			"stack outputs: tags.team: secret value failed authentication"},
		{"pending", &Snapshot{Lineage: "l", Pending: []*Pending{{Op: OpCreate, URN: urn("c"), Type: "core:Data", Inputs: secret}}},
			string(urn("c")) + " (pending): inputs.tags.team: secret value failed authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Encode(tt.snap, prefixCrypter{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(data, refusingCrypter{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Decode error = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, errRefused) {
				t.Errorf("Decode error %v does not wrap the Decrypter's error", err)
			}
		})
	}
}
