package command

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tailSize is how much of the end of an output is kept for error messages,
// even when the output is cut.
const tailSize = 4096

// maxErrorLine bounds the stderr line quoted in an error.
const maxErrorLine = 512

// minRedacted is the shortest environment value redacted from errors:
// shorter ones ("1", "on") cannot hide much, and redacting them would
// garble every message.
const minRedacted = 4

// capture keeps the first MaxOutput bytes of an output and its last
// tailSize bytes.
type capture struct {
	head    []byte
	dropped int64
	tail    []byte
}

func (c *capture) Write(b []byte) (int, error) {
	take := min(len(b), MaxOutput-len(c.head))
	c.head = append(c.head, b[:take]...)
	c.dropped += int64(len(b) - take)
	if len(b) >= tailSize {
		c.tail = append(c.tail[:0], b[len(b)-tailSize:]...)
	} else {
		c.tail = append(c.tail, b...)
		if len(c.tail) > 2*tailSize {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-tailSize:]...)
		}
	}
	return len(b), nil
}

// String is the recorded output: valid UTF-8, with a note when it was cut.
func (c *capture) String() string {
	s := strings.ToValidUTF8(string(c.head), "\uFFFD")
	if c.dropped > 0 {
		s += fmt.Sprintf("\n[plinth: output truncated at %d bytes; %d more bytes not recorded]\n", MaxOutput, c.dropped)
	}
	return s
}

// lastLine is the last non-blank line of the output, shortened, with every
// secret (and every line of a multi-line one) replaced by [redacted].
func (c *capture) lastLine(secrets []string) string {
	s := string(c.tail)
	for _, v := range secrets {
		for _, part := range strings.Split(v, "\n") {
			if len(part) >= minRedacted {
				s = strings.ReplaceAll(s, part, "[redacted]")
			}
		}
	}
	s = strings.TrimRight(s, " \t\r\n")
	i := strings.LastIndexByte(s, '\n')
	if i < 0 && int64(len(c.head))+c.dropped > int64(len(c.tail)) {
		// The line started before the tail: showing its end could show
		// part of a secret that the redaction above did not see whole.
		return "(the last line is too long to show)"
	}
	s = s[i+1:]
	if len(s) > maxErrorLine {
		cut := maxErrorLine
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
}
