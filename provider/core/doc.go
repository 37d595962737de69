// Package core is the "core" provider: core:Data, a resource with no side
// effect that records a value in state and hands it back as its output.
//
// core:Data is how a program keeps a value stable across runs, and how
// Plinth's own benchmarks exercise the engine without touching the world
// (10,000 of them in one stack), so every method is cheap: no reflection, a
// handful of small allocations per call, and values are shared rather than
// copied (Plinth treats property values as immutable once built).
//
// Its ID is 16 random hex characters. Read returns what state recorded: the
// resource exists nowhere else, so it cannot be imported.
package core
