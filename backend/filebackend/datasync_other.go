//go:build !linux

package filebackend

import "os"

// datasync makes f's data durable; fdatasync is Linux-only, so elsewhere
// this is a full fsync.
func datasync(f *os.File) error { return f.Sync() }
