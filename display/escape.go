package display

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean escapes everything in s that a terminal could act on, so that text
// from a program, a provider or state can never move the cursor, clear the
// screen, start a new line or reorder what is shown.
func clean(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return cleanFrom(s, i)
		}
	}
	return s
}

func cleanFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeHex(&b, 'x', uint32(c), 2)
		case unsafeRune(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal as is: control
// characters (C0, DEL, C1), the invisible characters that reorder text
// (bidi overrides and isolates, "trojan source"), and the Unicode line and
// paragraph separators some terminals treat as newlines.
func unsafeRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069,
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func writeEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x80 {
			writeHex(b, 'x', uint32(r), 2)
		} else {
			writeHex(b, 'u', uint32(r), 4)
		}
	}
}

func writeHex(b *strings.Builder, kind byte, v uint32, digits int) {
	const hex = "0123456789abcdef"
	b.WriteByte('\\')
	b.WriteByte(kind)
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hex[(v>>uint(shift))&0xf])
	}
}

// messageLines splits a message into cleaned lines: a multi-line error reads
// better as lines than as one line full of \n.
func messageLines(msg string) []string {
	msg = strings.TrimRight(msg, "\r\n")
	if !strings.ContainsAny(msg, "\r\n") {
		return []string{clean(msg)}
	}
	parts := strings.Split(msg, "\n")
	for i, p := range parts {
		parts[i] = clean(strings.TrimSuffix(p, "\r"))
	}
	return parts
}

// truncate shortens s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	count := 0
	for i := range s {
		if count == n-1 {
			if utf8.RuneCountInString(s[i:]) <= 1 {
				return s
			}
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// runeWidth is the number of runes in s, which is what the live table takes
// as its width (wide East Asian characters are counted as one).
func runeWidth(s string) int { return utf8.RuneCountInString(s) }
