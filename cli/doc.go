// Package cli is the plinth command line: one cobra command per file group,
// each parsing flags into an options struct and calling one run function
// that talks to the stack, engine and backends through their packages.
//
// Exit codes are the spec's (section 2); every error is mapped to one by
// exitCode. Output goes through the injected IO streams, so tests (and the
// testscript scripts in testdata/script) run the CLI in-process.
package cli
