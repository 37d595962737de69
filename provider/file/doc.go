// Package file is the "file" provider: file:File and file:Directory, files
// and directories on the machine that runs Plinth.
//
// Paths are resolved against the base directory given to New (the project
// directory) unless they are absolute. A resource's ID is its path as the
// program gave it, cleaned (filepath.Clean), so a relative path stays
// relative and state moves with the project.
//
// Writes are atomic: a file is written to a temporary file named
// ".plinth-tmp-*" in the same directory, synced, renamed over the target and
// the directory synced, so after a crash the target holds either the old
// content or the new, never a mix. A crash can leave a temporary file behind;
// Delete removes such leftovers from the directory it deletes from (skipping
// the ones this provider is writing at that moment), and file:Directory
// ignores them when deciding whether a directory is empty. Another process
// writing into the same directory with the same prefix is not protected:
// Plinth's stack lock keeps one operation per stack.
//
// Read reports what is really on disk: a missing file is Gone, and the
// content and mode found are returned as inputs, so refresh records drift
// and the next update puts the file back. A file made from source keeps
// source as its input; drift shows in its sha256, and Diff compares the
// source's current hash with the recorded one, so editing the source file
// updates the copy.
//
// Modes are octal strings ("0644", "1777"); Check normalises them to four
// digits so "644" and "0644" do not diff. Paths and sources may not contain
// NUL bytes.
package file
