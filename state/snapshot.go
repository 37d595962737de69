package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/plinth-iac/plinth/resource"
)

// SnapshotVersion is the snapshot format this build writes.
const SnapshotVersion = 1

// Snapshot is a stack's state at one point.
type Snapshot struct {
	Lineage string
	Serial  int64
	Project string
	Stack   string
	// Version is the history version this snapshot was recorded as (0 for a
	// stack that was never updated).
	Version   int
	Resources []*Resource
	Outputs   resource.PropertyMap
	Pending   []*Pending
}

// Resource is one resource as recorded.
type Resource struct {
	URN            resource.URN
	Type           string
	ID             string
	Inputs         resource.PropertyMap
	Outputs        resource.PropertyMap
	Dependencies   []resource.URN
	Protect        bool
	RetainOnDelete bool
	// Delete marks the old half of a create-before-delete replacement:
	// the replacement exists and this one is still to be deleted.
	Delete   bool
	Created  time.Time
	Modified time.Time
}

// Pending is an operation that began and whose end was never recorded.
type Pending struct {
	Op      Op
	URN     resource.URN
	Type    string
	ID      string // known for update, delete and read
	Inputs  resource.PropertyMap
	Started time.Time
}

// Find returns the live (not Delete-marked) resource with urn, or nil.
func (s *Snapshot) Find(urn resource.URN) *Resource {
	for _, r := range s.Resources {
		if r.URN == urn && !r.Delete {
			return r
		}
	}
	return nil
}

type snapshotJSON struct {
	Version   int            `json:"version"`
	Lineage   string         `json:"lineage"`
	Serial    int64          `json:"serial"`
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Recorded  int            `json:"recorded,omitempty"`
	Resources []resourceJSON `json:"resources"`
	Outputs   map[string]any `json:"outputs,omitempty"`
	Pending   []pendingJSON  `json:"pending,omitempty"`
}

type resourceJSON struct {
	URN            resource.URN   `json:"urn"`
	Type           string         `json:"type"`
	ID             string         `json:"id,omitempty"`
	Inputs         map[string]any `json:"inputs,omitempty"`
	Outputs        map[string]any `json:"outputs,omitempty"`
	Dependencies   []resource.URN `json:"dependencies,omitempty"`
	Protect        bool           `json:"protect,omitempty"`
	RetainOnDelete bool           `json:"retainOnDelete,omitempty"`
	Delete         bool           `json:"delete,omitempty"`
	Created        int64          `json:"created,omitempty"`
	Modified       int64          `json:"modified,omitempty"`
}

type pendingJSON struct {
	Op      Op             `json:"op"`
	URN     resource.URN   `json:"urn"`
	Type    string         `json:"type"`
	ID      string         `json:"id,omitempty"`
	Inputs  map[string]any `json:"inputs,omitempty"`
	Started int64          `json:"started,omitempty"`
}

// Encode writes s as JSON, encrypting secrets with enc.
func Encode(s *Snapshot, enc resource.Encrypter) ([]byte, error) {
	j := snapshotJSON{
		Version: SnapshotVersion, Lineage: s.Lineage, Serial: s.Serial,
		Project: s.Project, Stack: s.Stack, Recorded: s.Version,
		Resources: make([]resourceJSON, 0, len(s.Resources)),
	}
	var err error
	for _, r := range s.Resources {
		rj, err := encodeResource(r, enc)
		if err != nil {
			return nil, err
		}
		j.Resources = append(j.Resources, rj)
	}
	if j.Outputs, err = resource.MapToJSON(s.Outputs, enc); err != nil {
		return nil, fmt.Errorf("stack outputs: %w", err)
	}
	for _, p := range s.Pending {
		in, err := resource.MapToJSON(p.Inputs, enc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.URN, err)
		}
		j.Pending = append(j.Pending, pendingJSON{Op: p.Op, URN: p.URN, Type: p.Type, ID: p.ID, Inputs: in, Started: millis(p.Started)})
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(j); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encodeResource(r *Resource, enc resource.Encrypter) (resourceJSON, error) {
	in, err := resource.MapToJSON(r.Inputs, enc)
	if err != nil {
		return resourceJSON{}, fmt.Errorf("%s inputs: %w", r.URN, err)
	}
	out, err := resource.MapToJSON(r.Outputs, enc)
	if err != nil {
		return resourceJSON{}, fmt.Errorf("%s outputs: %w", r.URN, err)
	}
	rj := resourceJSON{
		URN: r.URN, Type: r.Type, ID: r.ID, Inputs: in, Outputs: out,
		Dependencies: r.Dependencies, Protect: r.Protect, RetainOnDelete: r.RetainOnDelete,
		Delete: r.Delete, Created: millis(r.Created), Modified: millis(r.Modified),
	}
	if rj.Modified == rj.Created {
		rj.Modified = 0
	}
	return rj, nil
}

func decodeResource(rj resourceJSON, dec resource.Decrypter) (*Resource, error) {
	if rj.URN == "" {
		return nil, fmt.Errorf("state is damaged: a resource has no urn")
	}
	if _, _, _, _, err := rj.URN.Parts(); err != nil {
		return nil, fmt.Errorf("state is damaged: %w", err)
	}
	in, err := resource.MapFromJSON(rj.Inputs, dec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rj.URN, resource.ErrorAt("inputs", err))
	}
	out, err := resource.MapFromJSON(rj.Outputs, dec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rj.URN, resource.ErrorAt("outputs", err))
	}
	r := &Resource{
		URN: rj.URN, Type: rj.Type, ID: rj.ID, Inputs: in, Outputs: out,
		Dependencies: rj.Dependencies, Protect: rj.Protect, RetainOnDelete: rj.RetainOnDelete,
		Delete: rj.Delete, Created: fromMillis(rj.Created), Modified: fromMillis(rj.Modified),
	}
	if rj.Modified == 0 {
		r.Modified = r.Created
	}
	return r, nil
}

// Decode reads a snapshot, decrypting secrets with dec. With a nil
// Decrypter secrets stay encrypted (resource.Encrypted) and are written back
// unchanged by Encode.
func Decode(data []byte, dec resource.Decrypter) (*Snapshot, error) {
	v, err := readVersion(data, "state")
	if err != nil {
		return nil, err
	}
	if v != SnapshotVersion {
		return nil, fmt.Errorf("state format version %d is not supported by this plinth (it reads version %d); upgrade plinth", v, SnapshotVersion)
	}
	var j snapshotJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&j); err != nil {
		return nil, fmt.Errorf("state is damaged: %v", err)
	}
	if j.Lineage == "" {
		return nil, fmt.Errorf("state is damaged: it has no lineage")
	}
	s := &Snapshot{Lineage: j.Lineage, Serial: j.Serial, Project: j.Project, Stack: j.Stack, Version: j.Recorded}
	for _, rj := range j.Resources {
		r, err := decodeResource(rj, dec)
		if err != nil {
			return nil, err
		}
		s.Resources = append(s.Resources, r)
	}
	if s.Outputs, err = resource.MapFromJSON(j.Outputs, dec); err != nil {
		return nil, fmt.Errorf("stack outputs: %w", err)
	}
	for _, pj := range j.Pending {
		in, err := resource.MapFromJSON(pj.Inputs, dec)
		if err != nil {
			return nil, fmt.Errorf("%s (pending): %w", pj.URN, resource.ErrorAt("inputs", err))
		}
		s.Pending = append(s.Pending, &Pending{Op: pj.Op, URN: pj.URN, Type: pj.Type, ID: pj.ID, Inputs: in, Started: fromMillis(pj.Started)})
	}
	return s, nil
}

// readVersion reads just the "version" field so a format is identified
// before anything else is trusted.
func readVersion(data []byte, what string) (int, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return 0, fmt.Errorf("%s is damaged: %v", what, err)
	}
	if head.Version == nil {
		return 0, fmt.Errorf("%s is damaged: it has no version field", what)
	}
	return *head.Version, nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
