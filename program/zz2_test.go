package program

import (
	"fmt"
	"strings"
	"testing"
	"gopkg.in/yaml.v3"
)

func liteProgram(n int) string {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("config:\n  env: {type: string, default: dev}\n")
	b.WriteString("variables:\n  prefix: ${plinth.stack}-${env}\n")
	b.WriteString("resources:\n")
	for i := range n {
		fmt.Fprintf(&b, "  data-%d:\n    type: core:Data\n    properties:\n      input: ${prefix}-%d\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "      triggersReplace: ${data-%d.id}\n", i-1)
		}
	}
	return b.String()
}

func BenchmarkLiteLoad(b *testing.B) {
	src := liteProgram(10000)
	dir := mustWriteFiles(b, map[string]string{ProjectFile: src})
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Load(dir, testSchemas()); err != nil {
			b.Fatal(err)
		}
	}
}
func BenchmarkLiteYAML(b *testing.B) {
	src := []byte(liteProgram(10000))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
	}
}
