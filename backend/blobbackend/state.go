package blobbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gocloud.dev/gcerrors"
	"golang.org/x/sync/errgroup"

	"github.com/plinth-iac/plinth/backend"
)

// fileVersion is the version of the JSON files this package writes
// (stack.json, journal batches, tags.json, lock.json).
const fileVersion = 1

// journalBatch is one journal object: the entries of one AppendJournal.
type journalBatch struct {
	Version int      `json:"version"`
	Entries [][]byte `json:"entries"` // base64 in JSON: entries are any bytes
}

// tagsFile is tags.json.
type tagsFile struct {
	Version int               `json:"version"`
	Tags    map[string]string `json:"tags"`
}

// checkVersion refuses a file written by a newer Plinth.
func checkVersion(key string, v int) error {
	if v > fileVersion {
		return fmt.Errorf("%s is format version %d, newer than this Plinth knows (%d): upgrade Plinth", key, v, fileVersion)
	}
	return nil
}

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// ReadSnapshot returns the stack's snapshot, nil if none was written.
func (b *Backend) ReadSnapshot(ctx context.Context, req backend.ReadSnapshotRequest) (backend.ReadSnapshotResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReadSnapshotResponse{}, err
	}
	data, found, err := b.read(ctx, dir+"snapshot.json")
	if err != nil {
		return backend.ReadSnapshotResponse{}, b.fail("reading the snapshot of "+req.Ref.String(), err)
	}
	if !found {
		return backend.ReadSnapshotResponse{}, b.missing(ctx, req.Ref, dir, nil)
	}
	return backend.ReadSnapshotResponse{Data: data}, nil
}

// WriteSnapshot replaces snapshot.json; object stores replace an object
// atomically.
func (b *Backend) WriteSnapshot(ctx context.Context, req backend.WriteSnapshotRequest) (backend.WriteSnapshotResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.WriteSnapshotResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.WriteSnapshotResponse{}, err
	}
	if err := b.write(ctx, dir+"snapshot.json", req.Data); err != nil {
		return backend.WriteSnapshotResponse{}, b.fail("writing the snapshot of "+req.Ref.String(), err)
	}
	return backend.WriteSnapshotResponse{}, nil
}

// journalKey returns the key of journal object seq.
func journalKey(dir string, seq int64) string {
	return fmt.Sprintf("%sjournal/%020d.json", dir, seq)
}

// seqOf parses a journal object's key.
func seqOf(key, journalDir string) (int64, bool) {
	name, ok := strings.CutPrefix(key, journalDir)
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(name, ".json")
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseInt(digits, 10, 64)
	return seq, err == nil && seq > 0
}

// AppendJournal writes the batch as the next numbered journal object.
func (b *Backend) AppendJournal(ctx context.Context, req backend.AppendJournalRequest) (backend.AppendJournalResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.AppendJournalResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.AppendJournalResponse{}, err
	}
	if len(req.Entries) == 0 {
		return backend.AppendJournalResponse{}, nil
	}
	data, err := json.Marshal(journalBatch{Version: fileVersion, Entries: req.Entries})
	if err != nil {
		return backend.AppendJournalResponse{}, err
	}
	for attempt := 0; attempt < 10; attempt++ {
		seq, err := b.takeSeq(ctx, dir)
		if err != nil {
			return backend.AppendJournalResponse{}, b.fail("appending to the journal of "+req.Ref.String(), err)
		}
		err = b.create(ctx, journalKey(dir, seq), data)
		if errors.Is(err, errConflict) {
			// Another Backend appended since we last listed.
			b.forgetSeq(dir)
			continue
		}
		if err != nil {
			return backend.AppendJournalResponse{}, b.fail("appending to the journal of "+req.Ref.String(), err)
		}
		return backend.AppendJournalResponse{}, nil
	}
	return backend.AppendJournalResponse{}, fmt.Errorf("blobbackend: appending to the journal of %s: other writers kept taking the next number", req.Ref)
}

// takeSeq reserves the number of the next journal object in dir, listing
// the journal when there is no cached guess.
func (b *Backend) takeSeq(ctx context.Context, dir string) (int64, error) {
	b.seqMu.Lock()
	next, ok := b.nextSeq[dir]
	if ok {
		b.nextSeq[dir] = next + 1
	}
	b.seqMu.Unlock()
	if ok {
		return next, nil
	}
	seqs, err := b.journalSeqs(ctx, dir)
	if err != nil {
		return 0, err
	}
	b.noteSeqs(dir, seqs)
	return b.takeSeq(ctx, dir)
}

// noteSeqs records that the journal in dir holds seqs, so the next append
// need not list it again.
func (b *Backend) noteSeqs(dir string, seqs []int64) {
	next := int64(1)
	if len(seqs) > 0 {
		next = seqs[len(seqs)-1] + 1
	}
	b.seqMu.Lock()
	defer b.seqMu.Unlock()
	if cur, ok := b.nextSeq[dir]; !ok || cur < next {
		b.nextSeq[dir] = next
	}
}

// forgetSeq drops the cached guess for dir: someone else may have written
// its journal since.
func (b *Backend) forgetSeq(dir string) {
	b.seqMu.Lock()
	defer b.seqMu.Unlock()
	delete(b.nextSeq, dir)
}

// journalSeqs lists the numbers of the journal objects in dir, in order.
func (b *Backend) journalSeqs(ctx context.Context, dir string) ([]int64, error) {
	objs, err := b.keys(ctx, dir+"journal/")
	if err != nil {
		return nil, err
	}
	var seqs []int64
	for _, obj := range objs {
		if seq, ok := seqOf(obj.Key, dir+"journal/"); ok {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// ReadJournal reads the journal objects in order.
func (b *Backend) ReadJournal(ctx context.Context, req backend.ReadJournalRequest) (backend.ReadJournalResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReadJournalResponse{}, err
	}
	seqs, err := b.journalSeqs(ctx, dir)
	if err != nil {
		return backend.ReadJournalResponse{}, b.fail("reading the journal of "+req.Ref.String(), err)
	}
	if len(seqs) == 0 {
		return backend.ReadJournalResponse{}, b.missing(ctx, req.Ref, dir, nil)
	}
	b.noteSeqs(dir, seqs)
	keys := make([]string, len(seqs))
	for i, seq := range seqs {
		keys[i] = journalKey(dir, seq)
	}
	batches, err := b.readAll(ctx, keys)
	if err != nil {
		return backend.ReadJournalResponse{}, b.fail("reading the journal of "+req.Ref.String(), err)
	}
	var entries [][]byte
	for i, data := range batches {
		if data == nil {
			continue // deleted by a concurrent reset
		}
		var batch journalBatch
		if err := json.Unmarshal(data, &batch); err != nil {
			return backend.ReadJournalResponse{}, fmt.Errorf("blobbackend: %s: %w", keys[i], err)
		}
		if err := checkVersion(keys[i], batch.Version); err != nil {
			return backend.ReadJournalResponse{}, fmt.Errorf("blobbackend: %w", err)
		}
		entries = append(entries, batch.Entries...)
	}
	return backend.ReadJournalResponse{Entries: entries}, nil
}

// readAll reads keys, some at once, in order; a key that is gone reads as
// nil.
func (b *Backend) readAll(ctx context.Context, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for i, key := range keys {
		g.Go(func() error {
			data, _, err := b.read(gctx, key)
			out[i] = data
			return err
		})
	}
	return out, g.Wait()
}

// ResetJournal deletes the journal objects. The numbering goes on from
// where it was, so a reader never mistakes a new object for an old one.
func (b *Backend) ResetJournal(ctx context.Context, req backend.ResetJournalRequest) (backend.ResetJournalResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ResetJournalResponse{}, err
	}
	seqs, err := b.journalSeqs(ctx, dir)
	if err != nil {
		return backend.ResetJournalResponse{}, b.fail("resetting the journal of "+req.Ref.String(), err)
	}
	if len(seqs) == 0 {
		return backend.ResetJournalResponse{}, b.missing(ctx, req.Ref, dir, nil)
	}
	b.noteSeqs(dir, seqs)
	keys := make([]string, len(seqs))
	for i, seq := range seqs {
		keys[i] = journalKey(dir, seq)
	}
	if err := b.deleteAll(ctx, keys); err != nil {
		return backend.ResetJournalResponse{}, b.fail("resetting the journal of "+req.Ref.String(), err)
	}
	return backend.ResetJournalResponse{}, nil
}

func checkpointKey(dir string, version int) string {
	return dir + "checkpoints/" + strconv.Itoa(version) + ".json"
}

func historyKey(dir string, version int) string {
	return dir + "history/" + strconv.Itoa(version) + ".json"
}

// versionOf parses a checkpoint or history object's key.
func versionOf(key, subdir string) (int, bool) {
	name, ok := strings.CutPrefix(key, subdir)
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(digits)
	return v, err == nil && strconv.Itoa(v) == digits
}

// WriteCheckpoint creates the checkpoint (If-None-Match, so never twice),
// then writes its history record.
func (b *Backend) WriteCheckpoint(ctx context.Context, req backend.WriteCheckpointRequest) (backend.WriteCheckpointResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.WriteCheckpointResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.WriteCheckpointResponse{}, err
	}
	err = b.create(ctx, checkpointKey(dir, req.Version), req.Data)
	if errors.Is(err, errConflict) {
		return backend.WriteCheckpointResponse{}, fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrExists)
	}
	if err != nil {
		return backend.WriteCheckpointResponse{}, b.fail(fmt.Sprintf("writing version %d of %s", req.Version, req.Ref), err)
	}
	if err := b.write(ctx, historyKey(dir, req.Version), req.History); err != nil {
		return backend.WriteCheckpointResponse{}, b.fail(fmt.Sprintf("writing the history of version %d of %s", req.Version, req.Ref), err)
	}
	return backend.WriteCheckpointResponse{}, nil
}

// ReadCheckpoint returns version N's snapshot.
func (b *Backend) ReadCheckpoint(ctx context.Context, req backend.ReadCheckpointRequest) (backend.ReadCheckpointResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReadCheckpointResponse{}, err
	}
	data, found, err := b.read(ctx, checkpointKey(dir, req.Version))
	if err != nil {
		return backend.ReadCheckpointResponse{}, b.fail(fmt.Sprintf("reading version %d of %s", req.Version, req.Ref), err)
	}
	if !found {
		return backend.ReadCheckpointResponse{}, b.missing(ctx, req.Ref, dir,
			fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrNotFound))
	}
	return backend.ReadCheckpointResponse{Data: data}, nil
}

// ReplaceCheckpoint overwrites version N's checkpoint if it exists. The
// check and the write are two requests; that is safe because the caller
// holds the stack's lock (see backend.Backend), and an object store
// replaces an object atomically.
func (b *Backend) ReplaceCheckpoint(ctx context.Context, req backend.ReplaceCheckpointRequest) (backend.ReplaceCheckpointResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, err
	}
	key := checkpointKey(dir, req.Version)
	ok, err := b.bucket.Exists(ctx, key)
	if err != nil {
		return backend.ReplaceCheckpointResponse{}, b.fail(fmt.Sprintf("replacing version %d of %s", req.Version, req.Ref), err)
	}
	if !ok {
		return backend.ReplaceCheckpointResponse{}, b.missing(ctx, req.Ref, dir,
			fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrNotFound))
	}
	if err := b.write(ctx, key, req.Data); err != nil {
		return backend.ReplaceCheckpointResponse{}, b.fail(fmt.Sprintf("replacing version %d of %s", req.Version, req.Ref), err)
	}
	return backend.ReplaceCheckpointResponse{}, nil
}

// UpdateHistory replaces version N's history record.
func (b *Backend) UpdateHistory(ctx context.Context, req backend.UpdateHistoryRequest) (backend.UpdateHistoryResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.UpdateHistoryResponse{}, err
	}
	ok, err := b.bucket.Exists(ctx, checkpointKey(dir, req.Version))
	if err != nil {
		return backend.UpdateHistoryResponse{}, b.fail(fmt.Sprintf("updating the history of version %d of %s", req.Version, req.Ref), err)
	}
	if !ok {
		return backend.UpdateHistoryResponse{}, b.missing(ctx, req.Ref, dir,
			fmt.Errorf("stack %s: version %d: %w", req.Ref, req.Version, backend.ErrNotFound))
	}
	if err := b.write(ctx, historyKey(dir, req.Version), req.History); err != nil {
		return backend.UpdateHistoryResponse{}, b.fail(fmt.Sprintf("updating the history of version %d of %s", req.Version, req.Ref), err)
	}
	return backend.UpdateHistoryResponse{}, nil
}

// ListHistory returns the history records by version number.
func (b *Backend) ListHistory(ctx context.Context, req backend.ListHistoryRequest) (backend.ListHistoryResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ListHistoryResponse{}, err
	}
	objs, err := b.keys(ctx, dir+"history/")
	if err != nil {
		return backend.ListHistoryResponse{}, b.fail("listing the history of "+req.Ref.String(), err)
	}
	var versions []int
	for _, obj := range objs {
		if v, ok := versionOf(obj.Key, dir+"history/"); ok {
			versions = append(versions, v)
		}
	}
	if len(versions) == 0 {
		return backend.ListHistoryResponse{}, b.missing(ctx, req.Ref, dir, nil)
	}
	slices.Sort(versions)
	keys := make([]string, len(versions))
	for i, v := range versions {
		keys[i] = historyKey(dir, v)
	}
	records, err := b.readAll(ctx, keys)
	if err != nil {
		return backend.ListHistoryResponse{}, b.fail("listing the history of "+req.Ref.String(), err)
	}
	out := records[:0]
	for _, r := range records {
		if r != nil {
			out = append(out, r)
		}
	}
	return backend.ListHistoryResponse{Records: out}, nil
}

// ReadTags returns the stack's tags.
func (b *Backend) ReadTags(ctx context.Context, req backend.ReadTagsRequest) (backend.ReadTagsResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.ReadTagsResponse{}, err
	}
	data, found, err := b.read(ctx, dir+"tags.json")
	if err != nil {
		return backend.ReadTagsResponse{}, b.fail("reading the tags of "+req.Ref.String(), err)
	}
	if !found {
		if err := b.missing(ctx, req.Ref, dir, nil); err != nil {
			return backend.ReadTagsResponse{}, err
		}
		return backend.ReadTagsResponse{Tags: map[string]string{}}, nil
	}
	var f tagsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return backend.ReadTagsResponse{}, fmt.Errorf("blobbackend: %stags.json: %w", dir, err)
	}
	if err := checkVersion(dir+"tags.json", f.Version); err != nil {
		return backend.ReadTagsResponse{}, fmt.Errorf("blobbackend: %w", err)
	}
	if f.Tags == nil {
		f.Tags = map[string]string{}
	}
	return backend.ReadTagsResponse{Tags: f.Tags}, nil
}

// WriteTags replaces tags.json.
func (b *Backend) WriteTags(ctx context.Context, req backend.WriteTagsRequest) (backend.WriteTagsResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.WriteTagsResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.WriteTagsResponse{}, err
	}
	tags := req.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	data, err := json.Marshal(tagsFile{Version: fileVersion, Tags: tags})
	if err != nil {
		return backend.WriteTagsResponse{}, err
	}
	if err := b.write(ctx, dir+"tags.json", data); err != nil {
		return backend.WriteTagsResponse{}, b.fail("writing the tags of "+req.Ref.String(), err)
	}
	return backend.WriteTagsResponse{}, nil
}
