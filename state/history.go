package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// UpdateVersion is the history record format this build writes.
const UpdateVersion = 1

// Update is one version in a stack's history.
type Update struct {
	Version int       `json:"version"`
	Kind    string    `json:"kind"`   // update, destroy, refresh, import, rollback, state-delete, state-unprotect, recover, import-state
	Result  string    `json:"result"` // succeeded, failed, cancelled
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Changes counts steps by kind: create, update, replace, delete, same, read.
	Changes map[string]int    `json:"changes,omitempty"`
	Message string            `json:"message,omitempty"`
	CI      map[string]any    `json:"ci,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	// Verified is set by deploy after verification: true passed, false failed.
	Verified *bool `json:"verified,omitempty"`
	// RollbackTo is the version a rollback returned to.
	RollbackTo int    `json:"rollbackTo,omitempty"`
	Error      string `json:"error,omitempty"`
}

type updateJSON struct {
	Format int `json:"format"`
	Update
}

// EncodeUpdate writes a history record.
func EncodeUpdate(u *Update) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(updateJSON{Format: UpdateVersion, Update: *u}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DecodeUpdate reads a history record.
func DecodeUpdate(data []byte) (*Update, error) {
	var head struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Format == nil {
		return nil, fmt.Errorf("history record is damaged")
	}
	if *head.Format != UpdateVersion {
		return nil, fmt.Errorf("history record format %d is not supported by this plinth (it reads %d)", *head.Format, UpdateVersion)
	}
	var j updateJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("history record is damaged: %v", err)
	}
	return &j.Update, nil
}
