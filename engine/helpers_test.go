package engine

import (
	"errors"
	"time"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func now() time.Time { return time.Unix(1700000000, 0).UTC() }
