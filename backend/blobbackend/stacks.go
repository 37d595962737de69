package blobbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"golang.org/x/sync/errgroup"

	"github.com/plinth-iac/plinth/backend"
)

// stackFile is stack.json, whose existence is the stack's.
type stackFile struct {
	Version int    `json:"version"`
	Project string `json:"project"`
	Stack   string `json:"stack"`
}

// parallelism bounds the requests one call makes at once.
const parallelism = 16

// ListStacks lists a project's stacks in byte order of their names.
func (b *Backend) ListStacks(ctx context.Context, req backend.ListStacksRequest) (backend.ListStacksResponse, error) {
	pdir, err := b.projectDir(req.Project)
	if err != nil {
		return backend.ListStacksResponse{}, err
	}
	var names []string
	it := b.bucket.List(&blob.ListOptions{Prefix: pdir, Delimiter: "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return backend.ListStacksResponse{}, b.fail("listing stacks of "+req.Project, err)
		}
		if name := strings.TrimSuffix(strings.TrimPrefix(obj.Key, pdir), "/"); obj.IsDir && validName(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)

	sums := make([]*backend.StackSummary, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for i, name := range names {
		g.Go(func() error {
			ref := backend.Ref{Project: req.Project, Stack: name}
			sum, err := b.summary(gctx, ref, pdir+name+"/")
			sums[i] = sum
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return backend.ListStacksResponse{}, b.fail("listing stacks of "+req.Project, err)
	}
	var out []backend.StackSummary
	for _, s := range sums {
		if s != nil {
			out = append(out, *s)
		}
	}
	return backend.ListStacksResponse{Stacks: out}, nil
}

// summary describes the stack in dir, nil if it has no stack.json (a
// removal in progress). The last update is when the store received the
// newest checkpoint.
func (b *Backend) summary(ctx context.Context, ref backend.Ref, dir string) (*backend.StackSummary, error) {
	ok, err := b.bucket.Exists(ctx, dir+"stack.json")
	if err != nil || !ok {
		return nil, err
	}
	objs, err := b.keys(ctx, dir+"checkpoints/")
	if err != nil {
		return nil, err
	}
	sum := &backend.StackSummary{Ref: ref}
	for _, obj := range objs {
		if v, ok := versionOf(obj.Key, dir+"checkpoints/"); ok && v > sum.LastVersion {
			sum.LastVersion, sum.LastUpdate = v, obj.ModTime
		}
	}
	return sum, nil
}

// CreateStack creates stack.json with If-None-Match, so of two creators
// one gets ErrStackExists.
func (b *Backend) CreateStack(ctx context.Context, req backend.CreateStackRequest) (backend.CreateStackResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.CreateStackResponse{}, err
	}
	data, err := json.Marshal(stackFile{Version: 1, Project: req.Ref.Project, Stack: req.Ref.Stack})
	if err != nil {
		return backend.CreateStackResponse{}, err
	}
	err = b.create(ctx, dir+"stack.json", data)
	if errors.Is(err, errConflict) {
		return backend.CreateStackResponse{}, fmt.Errorf("stack %s: %w", req.Ref, backend.ErrStackExists)
	}
	if err != nil {
		return backend.CreateStackResponse{}, b.fail("creating stack "+req.Ref.String(), err)
	}
	return backend.CreateStackResponse{}, nil
}

// RemoveStack deletes the stack's objects, stack.json last.
func (b *Backend) RemoveStack(ctx context.Context, req backend.RemoveStackRequest) (backend.RemoveStackResponse, error) {
	dir, err := b.stackDir(req.Ref)
	if err != nil {
		return backend.RemoveStackResponse{}, err
	}
	if err := b.requireStack(ctx, req.Ref, dir); err != nil {
		return backend.RemoveStackResponse{}, err
	}
	objs, err := b.keys(ctx, dir)
	if err != nil {
		return backend.RemoveStackResponse{}, b.fail("removing stack "+req.Ref.String(), err)
	}
	var keys []string
	for _, obj := range objs {
		if obj.Key != dir+"stack.json" {
			keys = append(keys, obj.Key)
		}
	}
	if err := b.deleteAll(ctx, keys); err != nil {
		return backend.RemoveStackResponse{}, b.fail("removing stack "+req.Ref.String(), err)
	}
	if err := b.bucket.Delete(ctx, dir+"stack.json"); err != nil {
		return backend.RemoveStackResponse{}, b.fail("removing stack "+req.Ref.String(), err)
	}
	b.forgetSeq(dir)
	return backend.RemoveStackResponse{}, nil
}

// deleteAll deletes keys, some at once; one already gone is no error.
func (b *Backend) deleteAll(ctx context.Context, keys []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelism)
	for _, key := range keys {
		g.Go(func() error {
			if err := b.bucket.Delete(gctx, key); err != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
	}
	return g.Wait()
}
