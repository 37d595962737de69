// Package engine turns a program and a stack's state into an explicit plan
// of steps, and executes exactly that plan.
//
// NewPlan walks the program's resources in dependency order, evaluates each
// one's inputs (with unknowns standing for values that only exist after an
// earlier step runs), asks the provider for a diff against the recorded
// inputs, and chooses a step: same, create, update, replace, import. Resources
// that left the program get delete steps. Each step lists the steps it waits
// for. Preview is NewPlan and nothing more; up is NewPlan then Apply.
//
// Apply runs the steps of that plan, up to Parallel at once, each as soon as
// the steps it waits for are done. It never re-plans: inputs are evaluated
// again only to replace unknowns with the values earlier steps produced. A
// step planned as an update that turns out to change nothing is skipped; one
// that would now need a replacement fails with a request to preview again.
//
// Around every provider call Apply writes a begin entry to the Journal and,
// when the call returns, a success or failure entry; the call's result is
// reported only after its entry is durable. Replacements create the new
// resource first and delete the old one after every other step, unless
// deleteBeforeReplace asks otherwise; deletes run in reverse dependency order.
// On a failure no new step starts (unless ContinueOnError, which only holds
// back the failed step's dependents), steps in flight finish, and all of it
// is journaled.
package engine
