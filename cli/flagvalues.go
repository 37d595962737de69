package cli

import (
	"fmt"
	"strconv"
	"time"
)

// Flag values that refuse nonsense when they are parsed, so a bad value is
// a usage error (exit 2) before anything is opened, locked or changed.

// positiveInt is an int flag that must be at least 1 (--parallel: zero or
// a negative count of steps at once means nothing sensible).
type positiveInt int

func (p *positiveInt) String() string { return strconv.Itoa(int(*p)) }
func (p *positiveInt) Type() string   { return "int" }

func (p *positiveInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer")
	}
	if n < 1 {
		return fmt.Errorf("must be at least 1")
	}
	*p = positiveInt(n)
	return nil
}

// waitDuration is a duration flag that must not be negative (--lock-wait).
type waitDuration time.Duration

func (d *waitDuration) String() string { return time.Duration(*d).String() }
func (d *waitDuration) Type() string   { return "duration" }

func (d *waitDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration (write 30s, 2m or 1h)")
	}
	if v < 0 {
		return fmt.Errorf("must not be negative")
	}
	*d = waitDuration(v)
	return nil
}
