package program

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxErrors is how many load errors Load reports at most: enough to fix a
// file in one pass, few enough to read.
const maxErrors = 20

// Error is a problem in a program file, at a position. Its text is one
// line, "file:line:col: message", the form editors and CI logs link to.
// Load and LoadProject return errors.Join of *Error; Evaluator methods
// return a single *Error pointing at the expression that failed.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// position is where an expression or key was written.
type position struct {
	file      string
	line, col int
}

func (p position) errorf(format string, args ...any) *Error {
	return &Error{File: p.file, Line: p.line, Col: p.col, Msg: oneLine(fmt.Sprintf(format, args...))}
}

func (p position) less(q position) bool {
	return comparePos(p, q) < 0
}

func comparePos(p, q position) int {
	if c := cmp.Compare(p.file, q.file); c != 0 {
		return c
	}
	if c := cmp.Compare(p.line, q.line); c != 0 {
		return c
	}
	return cmp.Compare(p.col, q.col)
}

// oneLine keeps an error on one line whatever text went into it.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// errorList collects load errors.
type errorList struct {
	errs []*Error
}

func (l *errorList) add(p position, format string, args ...any) {
	l.errs = append(l.errs, p.errorf(format, args...))
}

// err returns the collected errors, sorted by position, deduplicated and
// capped at maxErrors, joined; nil when there are none.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := slices.Clone(l.errs)
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if c := comparePos(position{a.File, a.Line, a.Col}, position{b.File, b.Line, b.Col}); c != 0 {
			return c
		}
		return cmp.Compare(a.Msg, b.Msg)
	})
	errs = slices.CompactFunc(errs, func(a, b *Error) bool { return *a == *b })
	if len(errs) > maxErrors {
		errs = errs[:maxErrors]
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name,
// or "" when none is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", len(name)/2+1
	if bestD > 3 {
		bestD = 3
	}
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := distance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
