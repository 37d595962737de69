// Package workspace reads and edits the files a project keeps beside its
// program: the Plinth.<stack>.yaml stack files.
//
// Stack files are committed and edited by people, and rewritten by Plinth
// (config set, stack access grant, change-secrets-provider). Edits therefore
// go through the YAML node tree (gopkg.in/yaml.v3) instead of a Go struct, so
// that a rewrite keeps the user's comments, key order and quoting. Two things
// yaml.v3 does not keep: blank lines between entries, and the column a
// trailing comment started in.
//
// # What a stack file may hold
//
// ParseStackFile accepts exactly the top-level keys secretsprovider,
// encryptedkey, recipients, encryptionsalt and config; anything else, a
// duplicate key, an alias, a config key not of the form ns:key, or a value of
// the wrong type is an error of the form "path:line:col: message" on one
// line (a *ParseError). Files over 1 MiB are refused before parsing.
//
// Config values are plain Go values: string, bool, int64, float64, nil,
// []any, map[string]any, and Secure for an encrypted value, written in the
// file as {secure: v1:…}. A secure value is exactly a mapping with the single
// key secure whose value is a string.
//
// # Writing
//
// Bytes re-parses what it produces and refuses to return output that would
// read back differently, so a bug in the encoder cannot corrupt a committed
// file. WriteFileAtomic replaces a file so that readers and crashes see the
// old or the new content, never a mix. LockFile serialises read-modify-write
// cycles among one user's processes.
package workspace
