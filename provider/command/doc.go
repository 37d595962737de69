// Package command is the "command" provider: command:Command runs shell
// commands to create, update and delete something Plinth has no provider
// for.
//
// Each command runs as /bin/sh -c in its own process group, in dir (relative
// to the project directory given to New, which is also the default), with
// Plinth's environment plus the environment input, and stdin fed from the
// stdin input (or /dev/null: a command never waits on the terminal).
// Cancelling the context kills the whole process group, so a cancelled
// update leaves no stray children behind. A command that exits leaving a
// background child holding its output is waited for only briefly (WaitDelay).
//
// stdout and stderr are recorded as outputs, each up to 1 MiB; beyond that
// the output is cut and a note says how much was dropped. Output is recorded
// as valid UTF-8, so it survives state's JSON unchanged.
//
// A non-zero exit is the error "command exited with status N: <last line of
// stderr>". Errors never include the values of the environment input (they
// often hold secrets): any that appear in that line are redacted. The command
// text itself is never quoted either.
//
// Lifecycle: triggers (any value) replaces on change. With an update
// command, a change of create, update, dir, environment or stdin runs update
// in place; without one, a change of create, dir, environment or stdin
// replaces the resource (create the new, then delete the old). A change of
// delete alone is recorded without running anything. update and delete see
// the recorded stdout in PLINTH_STDOUT, so delete can undo what create
// printed (an ID, a path).
//
// A command's effects cannot be read back: Read returns what was recorded
// and import is not supported.
package command
