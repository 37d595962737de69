package failpoint

import (
	"errors"
	"syscall"
	"testing"
)

func TestHit(t *testing.T) {
	killed := 0
	s, err := Parse("a=error@2, b=enospc", func() { killed++; panic("killed") })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Hit("a"); err != nil {
		t.Fatalf("first hit of a = %v, want nil", err)
	}
	if err := s.Hit("a"); err == nil {
		t.Fatal("second hit of a: want an error")
	}
	if err := s.Hit("a"); err != nil {
		t.Fatalf("third hit of a = %v, want nil", err)
	}
	if err := s.Hit("b"); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("b = %v, want ENOSPC", err)
	}
	if err := s.Hit("c"); err != nil {
		t.Fatal(err)
	}
	k, _ := Parse("x=kill", func() { killed++; panic("killed") })
	func() {
		defer func() { recover() }()
		k.Hit("x")
	}()
	if killed != 1 {
		t.Fatalf("kill ran %d times", killed)
	}
	var none *Set
	if err := none.Hit("a"); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"a", "=kill", "a=explode", "a=kill@0", "a=kill@x"} {
		if _, err := Parse(bad, nil); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}
