// Package program loads Plinth projects and YAML programs and evaluates
// their expressions for the engine.
//
// # Loading
//
// LoadProject reads only the project part of Plinth.yaml (name, runtime,
// backend, config declarations, the raw deploy block), for commands that do
// not run the program. Load reads the whole program: Plinth.yaml, or the
// file its main key names, with variables, resources and outputs.
//
// Load checks everything that can be checked without running anything, so
// a broken program fails before any resource changes:
//
//   - the files: at most 8 MiB, UTF-8 without NUL or control characters,
//     one YAML document, nesting at most 256 deep, aliases expanding to at
//     most 250,000 nodes, no duplicate keys;
//   - names: [A-Za-z0-9_.-]+, at most 255 characters, one namespace shared
//     by config keys, variables and resources;
//   - resources: a type the Schemas know, known properties, required ones
//     present, and literal values (and typed config references) of the
//     right type; options spelt right and of the right shape;
//   - expressions: every ${…} parses and names something that exists,
//     paths into literals and into resources' schemas exist, function
//     arguments have the right shape, and pure functions of literals
//     (fn::fromJSON "…", fn::select [5, [a]]) are evaluated;
//   - the dependency graph has no cycle ("cycle: a -> b -> a").
//
// Errors are *Error values, "file:line:col: message", sorted by position,
// at most 20 of them joined with errors.Join.
//
// # Expressions
//
// Every string scalar is parsed once, at load, into an expression tree: a
// literal, a reference ${name.path[0]["key"]}, or an interpolation of
// literals and references; one-key maps fn::name: argument are function
// calls. Evaluation walks the tree and never parses text again, so
// evaluating ten thousand resources costs what the values cost.
//
// # Evaluation
//
// An Evaluator holds one run's state: the config, the values of resources
// the engine has given it with SetResource, and variables, which are
// evaluated lazily and remembered. Inputs evaluates one resource's
// properties, Outputs the outputs. Both are safe to call concurrently for
// different resources as soon as their Deps are set.
//
// Two markers travel through evaluation. resource.Unknown (a value that
// exists only after up) makes anything computed from it unknown: a path
// into it, a string interpolating it, a function of it. resource.Secret
// makes anything computed from it secret; fn::secret wraps a value, and
// errors never show a secret value.
package program
