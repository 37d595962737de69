package provider

import (
	"fmt"
	"sort"
	"strings"
)

// NoConfig is Configure for a provider that takes no config: any key is
// an error naming every key given.
func NoConfig(pkg string, req ConfigureRequest) (ConfigureResponse, error) {
	if len(req.Config) == 0 {
		return ConfigureResponse{}, nil
	}
	keys := make([]string, 0, len(req.Config))
	for k := range req.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return ConfigureResponse{}, fmt.Errorf("the %s provider takes no config (got %s:%s)", pkg, pkg, strings.Join(keys, ", "+pkg+":"))
}

// Int reads an integer input: int64, int, or a float64 with no fraction
// (YAML and JSON disagree about which one 8 is).
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}
