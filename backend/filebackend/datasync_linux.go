package filebackend

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync makes f's data durable without forcing metadata that a reader
// does not need (fdatasync still flushes the size an append changes).
func datasync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}
