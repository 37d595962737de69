// Package providertest is the conformance suite every resource provider
// passes: a provider is done when Run succeeds for a case of each of its
// resource types, alongside its own tests against the real thing it manages.
//
// Run checks the schema (descriptions everywhere, valid types, tokens that
// match their keys and package), then takes each Case through a whole life:
//
//   - Check fills in defaults, is idempotent, does not modify its input, and
//     reports bad inputs (an unknown property, a wrong type, a missing
//     required property) as Failures naming the property, never as an error.
//     Unknown values, as preview sends them, are accepted.
//   - Create returns an ID and outputs that fit the output schema, with every
//     declared output present and plain (no Secret or Unknown wrappers:
//     providers work with plain values; the engine re-marks secrets).
//   - Read returns the same outputs, and inputs that diff as unchanged.
//   - Diff of the same inputs has no changes; Case.Update diffs as an
//     in-place change and Update is then read back; Case.Replace diffs as a
//     replacement.
//   - Case.Drift changes the real thing behind the provider's back, and Read
//     must notice (Gone, other outputs, or inputs that diff as changed).
//   - Delete succeeds twice, and afterwards the real thing is gone.
//   - Create with a cancelled context returns promptly.
//
// A Case with an Exists function manages something in the real world that
// Read can inspect; the suite then also checks import (Read with no
// recorded state) and that Read reports Gone after Delete. A Case without
// one (core:Data, random:*, tls:*, and command:Command, whose effects cannot
// be read back) lives in state only, and those checks are skipped.
//
// Run does not call Configure on providers that declare config: pass a
// configured provider. Providers without config are checked to accept an
// empty config and reject an unknown key.
package providertest
