// Package random is the "random" provider: random:String, random:Password,
// random:Integer and random:Uuid, values drawn once from crypto/rand and
// then kept in state.
//
// A random value changes only when the resource is replaced, and every
// input forces a replacement: change length, a character class or keepers
// (a map of anything, there only to trigger a new value) and a new value is
// drawn. Nothing can be updated in place.
//
// Check rejects settings that cannot be satisfied (no character class, a
// minimum for a disabled class, minimums that add up to more than length,
// min above max) as Failures, so they surface at preview, not at create.
//
// Passwords are secret outputs. IDs are random hex, never the value, so a
// password never ends up in a resource ID. The values exist only in state,
// so Read returns what was recorded and import is not supported.
package random
