package cli

import (
	"testing"
	"time"
)

func TestReviewPatternMatchesEveryName(t *testing.T) {
	branches := []string{"feature/login", "Feature/New_Thing", "fix--it--", "x", "renovate/golang.org-x-net-0.x", ""}
	for _, pattern := range []string{"review-{branch}", "review-mr-{pr}", "pr{pr}-{branch}", "web.{branch}_preview"} {
		re := reviewPattern(pattern)
		for _, b := range branches {
			for _, pr := range []int{1, 42} {
				name := reviewStackName(pattern, b, pr)
				if !re.MatchString(name) {
					t.Errorf("reviewPattern(%q) does not match %q (branch %q, pr %d)", pattern, name, b, pr)
				}
			}
		}
	}
}

func TestReviewPatternRejectsOtherStacks(t *testing.T) {
	tests := []struct {
		pattern, name string
	}{
		{"review-{branch}", "production"},
		{"review-{branch}", "review-Feature"},
		{"review-{branch}", "review-a.b"},
		{"review-{branch}", "xreview-a"},
		{"review-mr-{pr}", "review-mr-"},
		{"review-mr-{pr}", "review-mr-12a"},
		{"web.{branch}", "webx-feature"},
	}
	for _, tt := range tests {
		if reviewPattern(tt.pattern).MatchString(tt.name) {
			t.Errorf("reviewPattern(%q) matches %q, want no match", tt.pattern, tt.name)
		}
	}
}

func TestReviewStackFor(t *testing.T) {
	cfg := &deployConfig{
		Branches: map[string]string{"main": "production", "staging": "staging"},
		Review:   &reviewConfig{Stack: "{branch}", From: "shared"},
	}
	tests := []struct {
		branch  string
		pr      int
		want    string
		wantErr bool
	}{
		{branch: "feature/login", want: "feature-login"},
		{branch: "production", wantErr: true}, // the stack of main
		{branch: "Staging", wantErr: true},    // sanitised to staging
		{branch: "shared", wantErr: true},     // deploy.review.from
		{branch: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := reviewStackFor(cfg, tt.branch, tt.pr)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("reviewStackFor(%q, %d) = %q, %v; want %q, error %v", tt.branch, tt.pr, got, err, tt.want, tt.wantErr)
		}
	}
	cfg.Review.Stack = "review-{pr}"
	if _, err := reviewStackFor(cfg, "feature/login", 0); err == nil {
		t.Errorf("reviewStackFor with {pr} and no pull request: no error")
	}
}

func TestClock(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	at := time.Date(2030, 1, 5, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		vars    map[string]string
		moved   bool
		wantErr bool
	}{
		{"off", map[string]string{}, false, false},
		{"PLINTH_NOW alone is ignored", map[string]string{"PLINTH_NOW": "2030-01-05T09:00:00Z"}, false, false},
		{"hook without a time", map[string]string{"PLINTH_TEST_CLOCK": "1"}, false, false},
		{"hook", map[string]string{"PLINTH_TEST_CLOCK": "1", "PLINTH_NOW": "2030-01-05T09:00:00Z"}, true, false},
		{"bad time", map[string]string{"PLINTH_TEST_CLOCK": "1", "PLINTH_NOW": "tomorrow"}, false, true},
	}
	for _, tt := range tests {
		now, err := clock(env(tt.vars))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: clock error %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := now()
		if moved := got.Sub(at).Abs() < time.Minute; moved != tt.moved {
			t.Errorf("%s: now() = %v, moved to %v: %v, want %v", tt.name, got, at, moved, tt.moved)
		}
	}
}
