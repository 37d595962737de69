package state

import (
	"fmt"
	"testing"
	"time"

	"github.com/plinth-iac/plinth/resource"
)

func bigSnapshot(n int) *Snapshot {
	s := &Snapshot{Lineage: "l", Project: "p", Stack: "s"}
	t := time.UnixMilli(1700000000000)
	for i := range n {
		v := fmt.Sprintf("value-%d", i)
		s.Resources = append(s.Resources, &Resource{
			URN: resource.NewURN("s", "p", "core:Data", fmt.Sprintf("r%d", i)), Type: "core:Data", ID: fmt.Sprintf("%016x", i),
			Inputs: resource.PropertyMap{"input": v}, Outputs: resource.PropertyMap{"output": v}, Created: t, Modified: t,
		})
	}
	return s
}

func BenchmarkEncodeSnapshot10k(b *testing.B) {
	s := bigSnapshot(10000)
	for b.Loop() {
		data, err := Encode(s, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}

func BenchmarkDecodeSnapshot10k(b *testing.B) {
	data, err := Encode(bigSnapshot(10000), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEntry(b *testing.B) {
	e := &Entry{Seq: 7, Kind: Begin, Op: OpCreate, URN: resource.NewURN("s", "p", "core:Data", "r1"), Type: "core:Data", Inputs: resource.PropertyMap{"input": "v"}}
	for b.Loop() {
		if _, err := EncodeEntry(e, nil); err != nil {
			b.Fatal(err)
		}
	}
}
