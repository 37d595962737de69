//go:build !unix

package workspace

import (
	"context"
	"errors"
)

// LockFile is not implemented on this platform: Plinth's stack file lock
// uses flock(2).
func LockFile(ctx context.Context, lockPath string) (unlock func(), err error) {
	return nil, errors.ErrUnsupported
}
