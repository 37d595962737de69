package program

import (
	"testing"
	"gopkg.in/yaml.v3"
)

func BenchmarkYAMLOnly(b *testing.B) {
	src := []byte(bigProgram(10000))
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
	}
}
