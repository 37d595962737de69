package open

import (
	"net/url"
	"strings"
)

// redacted replaces what Redact removes.
const redacted = "REDACTED"

// Redact returns url fit to print: the password in its userinfo and the
// values of parameters whose names look secret (password, secret, token,
// key, sig, signature, credential, auth, X-Amz-*, X-Goog-*) are replaced
// with REDACTED. A string that is not a URL (a file path) is returned as
// it is.
//
// It does not trust url to be well formed, since a password or a token may
// hold any character, so it reads url two ways and hides what either
// reading calls secret. As userinfo, everything up to the last '@' is
// hidden but a plain user name; an '@' later in the URL (in a query value,
// say) costs the host and path being hidden too, never a secret being
// shown. As parameters, every name=value after '?', '&', ';' or '#' is
// one, and a secret value runs to the next '&' or ';' that starts another
// name=value.
func Redact(url string) string {
	var prefix, rest string
	if i := strings.Index(url, "://"); i >= 0 {
		if validScheme(url[:i]) {
			prefix, rest = url[:i+3], url[i+3:]
		} else {
			rest = url
		}
	} else if s, r, ok := strings.Cut(url, ":"); ok && validScheme(s) && strings.ContainsAny(r, "@?&;#") {
		// An opaque "scheme:user:password@host" with the slashes left out.
		prefix, rest = s+":", r
	} else {
		return url
	}

	hide := secretValues(rest)
	var b strings.Builder
	b.WriteString(prefix)
	from := 0
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		b.WriteString(redactUserinfo(rest[:at]))
		from = at
	}
	hidden := strings.HasSuffix(b.String(), redacted)
	for i := from; i < len(rest); i++ {
		if hide[i] {
			if !hidden {
				b.WriteString(redacted)
				hidden = true
			}
			continue
		}
		b.WriteByte(rest[i])
		hidden = false
	}
	return b.String()
}

// redactUserinfo keeps a plain user name and drops the password; anything
// else it replaces whole.
func redactUserinfo(userinfo string) string {
	user, _, hasPassword := strings.Cut(userinfo, ":")
	if strings.ContainsAny(user, "/?#&;=@[]") {
		return redacted
	}
	if hasPassword {
		return user + ":" + redacted
	}
	return user
}

// valueEnd returns where the parameter value starting at s[from] ends: at
// the next '&' or ';' that starts another name=value pair, or the end. A
// secret holding an unescaped '&' (password=a&b) is thus hidden whole;
// only one holding "&name=" is cut short.
func valueEnd(s string, from int) int {
	for {
		k := strings.IndexAny(s[from:], "&;")
		if k < 0 {
			return len(s)
		}
		if startsPair(s[from+k+1:]) {
			return from + k
		}
		from += k + 1
	}
}

// startsPair reports whether s begins with a parameter name and '='.
func startsPair(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.', c == '%', c == '+':
		case c == '=':
			return i > 0
		default:
			return false
		}
	}
	return false
}

// secretValues marks the bytes of s that are values of secret-looking
// name=value pairs following '?', '&', ';' or '#'.
func secretValues(s string) []bool {
	hide := make([]bool, len(s))
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("?&;#", rune(s[i])) {
			continue
		}
		name := s[i+1:]
		eq := strings.IndexAny(name, "=?&;#")
		if eq < 0 || name[eq] != '=' || !secretName(name[:eq]) {
			continue
		}
		value := i + 1 + eq + 1
		end := valueEnd(s, value)
		for j := value; j < end; j++ {
			hide[j] = true
		}
		// Separators inside the value may start pairs of their own; the
		// loop goes on through it.
	}
	return hide
}

// secretName reports whether a parameter's value is secret, by what its
// name contains, case and punctuation aside. "key" and "sig" catch more
// than they need to (sslkey is a path, "design" is not a signature);
// printing less is the safe mistake.
func secretName(name string) bool {
	// Undo percent-encoding, however deep, so pass%77ord is password.
	for range 4 {
		u, err := url.QueryUnescape(name)
		if err != nil || u == name {
			break
		}
		name = u
	}
	lower := strings.ToLower(strings.TrimSpace(name))
	if strings.HasPrefix(lower, "x-amz-") || strings.HasPrefix(lower, "x-goog-") {
		return true
	}
	var letters strings.Builder
	for _, c := range []byte(lower) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			letters.WriteByte(c)
		}
	}
	for _, w := range [...]string{"pass", "pwd", "secret", "token", "key", "sig", "credential", "auth", "private"} {
		if strings.Contains(letters.String(), w) {
			return true
		}
	}
	return false
}
