package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/plinth-iac/plinth/resource"
)

// JournalVersion is the journal entry format this build writes.
const JournalVersion = 1

// Op is a provider operation recorded in the journal.
type Op string

// Operations.
const (
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpDelete  Op = "delete"
	OpRead    Op = "read"    // refresh: record what the provider read back
	OpImport  Op = "import"  // adopt an existing resource
	OpDiscard Op = "discard" // forget a resource without touching it (state delete)
	OpSet     Op = "set"     // record a resource or outputs as given, no provider call (protect flags, outputs)
)

// Kind says where in an operation an entry was written.
type Kind string

// Entry kinds.
const (
	Begin   Kind = "begin"
	Success Kind = "success"
	Failure Kind = "failure"
)

// Entry is one journal record. A begin entry carries everything about the
// resource known before the provider call; its success entry carries only
// what the call produced (ID, outputs) and the seq of its begin, so a
// resource is written once per operation, not twice.
type Entry struct {
	Seq  int64
	Kind Kind
	Op   Op
	// Begin is the seq of the begin entry a success or failure ends.
	Begin int64

	URN            resource.URN
	Type           string
	ID             string
	Inputs         resource.PropertyMap
	Outputs        resource.PropertyMap
	Dependencies   []resource.URN
	Protect        bool
	RetainOnDelete bool
	// Replace marks the create of a create-before-delete replacement: on
	// success the resource it replaces is marked for deletion.
	Replace bool
	// StackOutputs, on an OpSet entry, replaces the stack's outputs.
	StackOutputs resource.PropertyMap
	SetOutputs   bool
	Error        string
	Time         time.Time
}

type entryJSON struct {
	Version        int            `json:"v"`
	Seq            int64          `json:"seq"`
	Kind           Kind           `json:"kind"`
	Op             Op             `json:"op"`
	Begin          int64          `json:"begin,omitempty"`
	URN            resource.URN   `json:"urn,omitempty"`
	Type           string         `json:"type,omitempty"`
	ID             string         `json:"id,omitempty"`
	Inputs         map[string]any `json:"inputs,omitempty"`
	Outputs        map[string]any `json:"outputs,omitempty"`
	Dependencies   []resource.URN `json:"deps,omitempty"`
	Protect        bool           `json:"protect,omitempty"`
	RetainOnDelete bool           `json:"retain,omitempty"`
	Replace        bool           `json:"replace,omitempty"`
	StackOutputs   map[string]any `json:"stackOutputs,omitempty"`
	SetOutputs     bool           `json:"setOutputs,omitempty"`
	Error          string         `json:"error,omitempty"`
	Time           int64          `json:"t,omitempty"`
}

// EncodeEntry writes e as one line of JSON (no trailing newline).
func EncodeEntry(e *Entry, enc resource.Encrypter) ([]byte, error) {
	j := entryJSON{
		Version: JournalVersion, Seq: e.Seq, Kind: e.Kind, Op: e.Op, Begin: e.Begin,
		URN: e.URN, Type: e.Type, ID: e.ID, Dependencies: e.Dependencies,
		Protect: e.Protect, RetainOnDelete: e.RetainOnDelete, Replace: e.Replace,
		SetOutputs: e.SetOutputs, Error: e.Error, Time: millis(e.Time),
	}
	var err error
	if j.Inputs, err = resource.MapToJSON(e.Inputs, enc); err != nil {
		return nil, fmt.Errorf("%s inputs: %w", e.URN, err)
	}
	if j.Outputs, err = resource.MapToJSON(e.Outputs, enc); err != nil {
		return nil, fmt.Errorf("%s outputs: %w", e.URN, err)
	}
	if j.StackOutputs, err = resource.MapToJSON(e.StackOutputs, enc); err != nil {
		return nil, fmt.Errorf("stack outputs: %w", err)
	}
	var b bytes.Buffer
	en := json.NewEncoder(&b)
	en.SetEscapeHTML(false)
	if err := en.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// DecodeEntry reads one journal entry.
func DecodeEntry(data []byte, dec resource.Decrypter) (*Entry, error) {
	var j entryJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&j); err != nil {
		return nil, err
	}
	if j.Version != JournalVersion {
		return nil, fmt.Errorf("journal entry version %d is not supported by this plinth (it reads %d)", j.Version, JournalVersion)
	}
	switch j.Kind {
	case Begin, Success, Failure:
	default:
		return nil, fmt.Errorf("unknown entry kind %q", j.Kind)
	}
	switch j.Op {
	case OpCreate, OpUpdate, OpDelete, OpRead, OpImport, OpDiscard, OpSet:
	default:
		return nil, fmt.Errorf("unknown operation %q", j.Op)
	}
	e := &Entry{
		Seq: j.Seq, Kind: j.Kind, Op: j.Op, Begin: j.Begin, URN: j.URN, Type: j.Type, ID: j.ID,
		Dependencies: j.Dependencies, Protect: j.Protect, RetainOnDelete: j.RetainOnDelete,
		Replace: j.Replace, SetOutputs: j.SetOutputs, Error: j.Error, Time: fromMillis(j.Time),
	}
	var err error
	if e.Inputs, err = resource.MapFromJSON(j.Inputs, dec); err != nil {
		return nil, fmt.Errorf("%s: %w", j.URN, resource.ErrorAt("inputs", err))
	}
	if e.Outputs, err = resource.MapFromJSON(j.Outputs, dec); err != nil {
		return nil, fmt.Errorf("%s: %w", j.URN, resource.ErrorAt("outputs", err))
	}
	if e.StackOutputs, err = resource.MapFromJSON(j.StackOutputs, dec); err != nil {
		return nil, fmt.Errorf("stack outputs: %w", err)
	}
	return e, nil
}

// DecodeJournal reads a journal's entries in order. A damaged last entry is
// a write torn by a crash: it was never acknowledged, so it is dropped and
// reported in torn. A damaged entry before the last is an error.
func DecodeJournal(raw [][]byte, dec resource.Decrypter) (entries []*Entry, torn bool, err error) {
	for i, r := range raw {
		e, err := DecodeEntry(r, dec)
		if err != nil {
			if i == len(raw)-1 && !json.Valid(r) {
				return entries, true, nil
			}
			return nil, false, fmt.Errorf("journal entry %d of %d is damaged: %v", i+1, len(raw), err)
		}
		entries = append(entries, e)
	}
	return entries, false, nil
}

// Replay applies journal entries to a copy of base and returns it. Begin
// entries without an end become Pending. base is not modified. It runs in
// time linear in the number of resources and entries.
func Replay(base *Snapshot, entries []*Entry) (*Snapshot, error) {
	r := newReplayer(base.clone())
	begins := map[int64]*Entry{}
	open := map[int64]*Entry{}
	var order []int64
	for _, e := range entries {
		switch e.Kind {
		case Begin:
			begins[e.Seq] = e
			open[e.Seq] = e
			order = append(order, e.Seq)
		case Success, Failure:
			b, ok := begins[e.Begin]
			if !ok {
				return nil, fmt.Errorf("journal entry %d ends operation %d, which never began", e.Seq, e.Begin)
			}
			delete(open, e.Begin)
			if e.Kind == Success {
				r.apply(b, e)
			}
		}
	}
	s := r.done()
	for _, seq := range order {
		b, ok := open[seq]
		if !ok {
			continue
		}
		s.Pending = append(s.Pending, &Pending{Op: b.Op, URN: b.URN, Type: b.Type, ID: b.ID, Inputs: b.Inputs, Started: b.Time})
	}
	return s, nil
}

// replayer applies operations to a snapshot, finding resources through
// an index instead of scanning; deleted slots are nil until done.
type replayer struct {
	s    *Snapshot
	live map[resource.URN]int   // live (not Delete-marked) resource by URN
	old  map[resource.URN][]int // Delete-marked resources by URN
}

func newReplayer(s *Snapshot) *replayer {
	r := &replayer{s: s, live: make(map[resource.URN]int, len(s.Resources)), old: map[resource.URN][]int{}}
	for i, res := range s.Resources {
		if res.Delete {
			r.old[res.URN] = append(r.old[res.URN], i)
		} else if _, dup := r.live[res.URN]; !dup {
			r.live[res.URN] = i
		}
	}
	return r
}

func (r *replayer) add(res *Resource) {
	r.s.Resources = append(r.s.Resources, res)
	r.live[res.URN] = len(r.s.Resources) - 1
}

func (r *replayer) done() *Snapshot {
	out := r.s.Resources[:0]
	for _, res := range r.s.Resources {
		if res != nil {
			out = append(out, res)
		}
	}
	r.s.Resources = out
	return r.s
}

// apply records a successful operation.
func (r *replayer) apply(b, e *Entry) {
	s := r.s
	switch b.Op {
	case OpCreate, OpImport:
		res := b.resource()
		res.ID = e.ID
		res.Outputs = e.Outputs
		if e.Inputs != nil {
			res.Inputs = e.Inputs
		}
		res.Created, res.Modified = e.Time, e.Time
		i, ok := r.live[b.URN]
		switch {
		case ok && b.Replace:
			s.Resources[i].Delete = true
			r.old[b.URN] = append(r.old[b.URN], i)
			r.add(res)
		case ok:
			s.Resources[i] = res
		default:
			r.add(res)
		}
	case OpUpdate, OpRead, OpSet:
		if b.SetOutputs {
			s.Outputs = b.StackOutputs
			return
		}
		i, ok := r.live[b.URN]
		if !ok {
			if b.Op == OpSet {
				r.add(b.resource())
			}
			return
		}
		old := s.Resources[i]
		res := b.resource()
		res.ID = old.ID
		if e.ID != "" {
			res.ID = e.ID
		}
		if b.Op == OpRead {
			res.Dependencies, res.Protect, res.RetainOnDelete = old.Dependencies, old.Protect, old.RetainOnDelete
		}
		res.Outputs = e.Outputs
		if e.Inputs != nil {
			res.Inputs = e.Inputs
		}
		if b.Op == OpSet {
			res.Outputs = b.Outputs
		}
		res.Created, res.Modified = old.Created, e.Time
		s.Resources[i] = res
	case OpDelete, OpDiscard:
		// The Delete-marked copy first (deleting a replaced resource),
		// then the live one.
		for k, i := range r.old[b.URN] {
			if res := s.Resources[i]; res != nil && (b.ID == "" || res.ID == b.ID) {
				s.Resources[i] = nil
				r.old[b.URN] = append(r.old[b.URN][:k], r.old[b.URN][k+1:]...)
				return
			}
		}
		if i, ok := r.live[b.URN]; ok && (b.ID == "" || s.Resources[i].ID == b.ID) {
			s.Resources[i] = nil
			delete(r.live, b.URN)
		}
	}
}

func (b *Entry) resource() *Resource {
	return &Resource{
		URN: b.URN, Type: b.Type, ID: b.ID, Inputs: b.Inputs, Outputs: b.Outputs,
		Dependencies: b.Dependencies, Protect: b.Protect, RetainOnDelete: b.RetainOnDelete,
	}
}

// clone copies the snapshot's structure; values are shared (they are never
// mutated in place).
func (s *Snapshot) clone() *Snapshot {
	c := *s
	c.Resources = make([]*Resource, len(s.Resources))
	for i, r := range s.Resources {
		rc := *r
		c.Resources[i] = &rc
	}
	c.Pending = slices.Clone(s.Pending)
	return &c
}

// Clone returns a copy of s that can be changed without touching s.
func (s *Snapshot) Clone() *Snapshot { return s.clone() }
