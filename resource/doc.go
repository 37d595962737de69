// Package resource holds the vocabulary every other Plinth package shares:
// property values, the secret and unknown markers that travel inside them,
// and URNs, the identity of a resource in a stack.
//
// A property value is a plain Go tree: nil, bool, int64, float64, string,
// []any and map[string]any. Two markers may appear anywhere in such a tree:
//
//   - Secret wraps a value that must never be shown or stored in plain text.
//     Anything computed from a secret is secret too; the engine keeps the
//     wrapper on derived values and state encrypts what it wraps.
//   - Unknown stands for a value that only exists after a resource is
//     created or updated. It appears only during preview.
//
// Values are compared with Equal, which treats int64 and float64 holding the
// same number as equal (YAML and JSON disagree about which one 8 is).
package resource
