package blobbackend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	azblobblob "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// errConflict means a conditional write found the object other than the
// caller expected: created by someone else, or changed since it was read.
var errConflict = errors.New("changed concurrently")

// errNoConditionalReplace means the bucket's driver offers no way to
// replace an object only if it is unchanged.
var errNoConditionalReplace = errors.New("this kind of bucket cannot replace an object conditionally (If-Match), " +
	"so it cannot hold a lock safely; use s3://, gs:// or azblob://")

// condKind says how a bucket replaces an object only if it is unchanged:
// gocloud.dev has no portable option for that, so each driver's own
// request type is reached through As.
type condKind int

const (
	condNone  condKind = iota
	condS3             // If-Match: <ETag>
	condGCS            // ifGenerationMatch: <generation>
	condAzure          // If-Match: <ETag>
)

// detectCond tells the bucket's driver from the client types it exposes.
func detectCond(b *blob.Bucket) condKind {
	var s3c *s3.Client
	if b.As(&s3c) {
		return condS3
	}
	var gcs *storage.Client
	if b.As(&gcs) {
		return condGCS
	}
	var az *container.Client
	if b.As(&az) {
		return condAzure
	}
	return condNone
}

// isConflict reports whether err is a failed write precondition.
func isConflict(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errConflict) || gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return true
	}
	// S3 answers 409 ConditionalRequestConflict to a conditional write that
	// races another in flight for the same key; the loser re-reads as for
	// a 412.
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ConditionalRequestConflict"
}

// readVersioned returns an object's bytes and a token naming exactly that
// version of it, taken from the same response, for writeIfMatch. found is
// false when there is no object.
func (b *Backend) readVersioned(ctx context.Context, key string) (data []byte, token string, found bool, err error) {
	if b.cond == condNone {
		return nil, "", false, errNoConditionalReplace
	}
	r, err := b.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	defer r.Close()
	data, err = io.ReadAll(r)
	if err != nil {
		return nil, "", false, err
	}
	switch b.cond {
	case condS3:
		var out s3.GetObjectOutput
		if r.As(&out) {
			token = aws.ToString(out.ETag)
		}
	case condGCS:
		var sr *storage.Reader
		if r.As(&sr) && sr.Attrs.Generation != 0 {
			token = strconv.FormatInt(sr.Attrs.Generation, 10)
		}
	case condAzure:
		var resp azblobblob.DownloadStreamResponse
		if r.As(&resp) && resp.ETag != nil {
			token = string(*resp.ETag)
		}
	}
	if token == "" {
		return nil, "", false, fmt.Errorf("%s: the store returned no ETag or generation, so it cannot be replaced conditionally", key)
	}
	return data, token, true, nil
}

// writeIfMatch replaces the object at key only if it is still the version
// token names; otherwise it fails with errConflict.
func (b *Backend) writeIfMatch(ctx context.Context, key string, data []byte, token string) error {
	opts := &blob.WriterOptions{
		ContentType: contentType,
		BeforeWrite: func(as func(any) bool) error {
			switch b.cond {
			case condS3:
				var in *transfermanager.UploadObjectInput
				if !as(&in) {
					return errNoConditionalReplace
				}
				in.IfMatch = aws.String(token)
			case condGCS:
				gen, err := strconv.ParseInt(token, 10, 64)
				if err != nil {
					return fmt.Errorf("bad generation %q: %w", token, err)
				}
				var obj **storage.ObjectHandle
				if !as(&obj) {
					return errNoConditionalReplace
				}
				*obj = (*obj).If(storage.Conditions{GenerationMatch: gen})
			case condAzure:
				var o *azblob.UploadStreamOptions
				if !as(&o) {
					return errNoConditionalReplace
				}
				etag := azcore.ETag(token)
				o.AccessConditions = &azblob.AccessConditions{
					ModifiedAccessConditions: &azblobblob.ModifiedAccessConditions{IfMatch: &etag},
				}
			default:
				return errNoConditionalReplace
			}
			return nil
		},
	}
	err := b.put(ctx, key, data, opts)
	if isConflict(err) {
		return fmt.Errorf("%s: %w", key, errConflict)
	}
	return err
}

// checkConditional makes sure, once per Backend, that the store honours
// If-None-Match and If-Match before a lock relies on them. Some
// S3-compatible servers accept the headers and ignore them; locking there
// would look safe and not be.
func (b *Backend) checkConditional(ctx context.Context) error {
	if b.cond == condNone {
		return errNoConditionalReplace
	}
	b.condMu.Lock()
	defer b.condMu.Unlock()
	if b.condOK {
		return nil
	}
	if err := b.probe(ctx); err != nil {
		return fmt.Errorf("the store does not support the conditional writes locking needs: %w", err)
	}
	b.condOK = true
	return nil
}

// probe exercises both conditions on a fresh object: each must let the
// first write through and stop the second.
func (b *Backend) probe(ctx context.Context) error {
	key := b.prefix + "probes/" + nonce() + ".json"
	defer b.bucket.Delete(context.WithoutCancel(ctx), key) //nolint:errcheck // best effort; the name is unique

	if err := b.create(ctx, key, []byte(`{"probe":1}`)); err != nil {
		return fmt.Errorf("a write with If-None-Match failed: %w", err)
	}
	switch err := b.create(ctx, key, []byte(`{"probe":2}`)); {
	case err == nil:
		return errors.New("a write with If-None-Match: * replaced an existing object")
	case !errors.Is(err, errConflict):
		return fmt.Errorf("a write with If-None-Match failed: %w", err)
	}
	_, token, found, err := b.readVersioned(ctx, key)
	if err != nil {
		return err
	}
	if !found {
		return errors.New("an object just written is not there")
	}
	if err := b.writeIfMatch(ctx, key, []byte(`{"probe":3}`), token); err != nil {
		return fmt.Errorf("a write with If-Match on the current ETag failed: %w", err)
	}
	switch err := b.writeIfMatch(ctx, key, []byte(`{"probe":4}`), token); {
	case err == nil:
		return errors.New("a write with If-Match on an outdated ETag replaced the object")
	case !errors.Is(err, errConflict):
		return fmt.Errorf("a write with If-Match failed: %w", err)
	}
	return nil
}
