package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxWord is the longest run of non-blank text an error line shows whole.
// Longer runs are names, values or paths someone made enormous (a
// 100,000-character stack or resource name); the line keeps their start,
// their end and their length, so it stays one readable line.
const maxWord = 200

// elideLongWords shortens every run of non-blank text in s longer than
// maxWord runes to its first and last runes and its length.
func elideLongWords(s string) string {
	if len(s) <= maxWord {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		w := s[start:end]
		n := utf8.RuneCountInString(w)
		if n <= maxWord {
			b.WriteString(w)
			return
		}
		r := []rune(w)
		fmt.Fprintf(&b, "%s…(%d characters)…%s", string(r[:60]), n, string(r[n-20:]))
	}
	for i, c := range s {
		blank := c == ' ' || c == '\n' || c == '\t'
		switch {
		case blank && start >= 0:
			flush(i)
			start = -1
			b.WriteRune(c)
		case blank:
			b.WriteRune(c)
		case start < 0:
			start = i
		}
	}
	if start >= 0 {
		flush(len(s))
	}
	return b.String()
}

// flatError keeps an error's chain but shows its text on one line: for
// errors from libraries that format one line per attempt (a database
// driver's connection errors).
type flatError struct{ err error }

func (e *flatError) Error() string { return strings.Join(strings.Fields(e.err.Error()), " ") }
func (e *flatError) Unwrap() error { return e.err }

func flatten(err error) error {
	if err == nil || !strings.ContainsAny(err.Error(), "\r\n") {
		return err
	}
	return &flatError{err: err}
}
