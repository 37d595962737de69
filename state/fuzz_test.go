package state

import (
	"bytes"
	"testing"
)

// FuzzDecodeSnapshot: any input either decodes or is refused with an
// error; what decodes re-encodes and decodes to the same thing.
func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte(`{"version":1,"lineage":"l","serial":1,"project":"p","stack":"s","resources":[{"urn":"urn:plinth:s::p::core:Data::a","type":"core:Data","id":"1","inputs":{"input":{"plinth:secret":"v1:AAAA"}}}],"pending":[{"op":"create","urn":"urn:plinth:s::p::core:Data::b"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"lineage":"x","resources":[{"urn":"urn:plinth:a::b::c::d","inputs":{"n":1e400}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data, nil)
		if err != nil {
			return
		}
		enc, err := Encode(s, nil)
		if err != nil {
			return // e.g. a non-finite number that JSON accepted as text
		}
		s2, err := Decode(enc, nil)
		if err != nil {
			t.Fatalf("re-decoding our own encoding: %v\n%s", err, enc)
		}
		enc2, err := Encode(s2, nil)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable: %v\n%s\n%s", err, enc, enc2)
		}
	})
}

// FuzzDecodeJournal: a journal of arbitrary lines decodes or is refused;
// replaying what decodes never panics.
func FuzzDecodeJournal(f *testing.F) {
	f.Add([]byte(`{"v":1,"seq":1,"kind":"begin","op":"create","urn":"urn:plinth:s::p::core:Data::a","type":"core:Data"}
{"v":1,"seq":2,"kind":"success","op":"create","begin":1,"id":"x"}`))
	f.Add([]byte(`{"v":1,"seq":1,"kind":"success","op":"delete","begin":7}`))
	f.Add([]byte(`{"v":1,"seq":1,"kind":"begin","op":"set","setOutputs":true}
{"v":1,"seq":2,"kind":"su`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _, err := DecodeJournal(bytes.Split(data, []byte("\n")), nil)
		if err != nil {
			return
		}
		_, _ = Replay(&Snapshot{Lineage: "l"}, entries)
	})
}
