// Package builtin assembles the providers that ship inside the plinth
// binary (core, command, file, random, tls) into one provider.Registry.
//
// Their reference, docs/providers.md, is generated from their schemas by
// this package's tests: `go test ./provider/builtin -run Docs -update`
// rewrites it, and the plain test fails when it is stale, so the docs say
// what the schemas say.
package builtin
