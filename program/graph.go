package program

import (
	"slices"
	"strings"
)

// The dependency graph has one node per variable (indices 0..V-1) and one
// per resource (V..V+R-1); config keys and built-ins have no dependencies.
type gnode struct {
	name  string
	pos   position
	edges []gedge
}

type gedge struct {
	to  int
	pos position // where the reference is written
}

// graph reports cycles and computes Resource.Deps and the variables each
// resource's value feeds.
func (l *loader) graph() {
	p := l.prog
	nv := len(p.vars)
	nodes := make([]gnode, nv+len(p.Resources))
	edges := func(refs []*refExpr) []gedge {
		var out []gedge
		for _, x := range refs {
			to := -1
			switch x.kind {
			case refVariable:
				to = x.v.index
			case refResource:
				to = nv + x.r.index
			}
			if to >= 0 && !slices.ContainsFunc(out, func(e gedge) bool { return e.to == to }) {
				out = append(out, gedge{to: to, pos: x.p})
			}
		}
		return out
	}
	for i, v := range p.vars {
		nodes[i] = gnode{name: v.name, pos: v.pos, edges: edges(v.refs)}
	}
	for j, r := range p.Resources {
		nodes[nv+j] = gnode{name: r.Name, pos: position{r.File, r.Line, r.Col}, edges: edges(r.refs)}
	}
	for _, scc := range stronglyConnected(nodes) {
		cycle, at := findCycle(nodes, scc)
		names := make([]string, len(cycle))
		for i, n := range cycle {
			names[i] = nodes[n].name
		}
		l.errs.add(at, "cycle: %s", strings.Join(names, " -> "))
	}

	// Resource dependencies, through variables.
	varDeps := make([][]string, nv)
	state := make([]uint8, nv)
	var resolve func(i int) []string
	resolve = func(i int) []string {
		if state[i] != 0 {
			return varDeps[i] // done, or a cycle already reported
		}
		state[i] = 1
		varDeps[i] = collectDeps(p.vars[i].refs, resolve)
		state[i] = 2
		return varDeps[i]
	}
	for i := range p.vars {
		for _, r := range resolve(i) {
			p.varsByResource[r] = append(p.varsByResource[r], i)
		}
	}
	for _, r := range p.Resources {
		r.Deps = collectDeps(r.refs, resolve)
	}
}

// collectDeps lists the resources that refs name, directly or through
// variables, sorted and without duplicates.
func collectDeps(refs []*refExpr, resolve func(int) []string) []string {
	var out []string
	for _, x := range refs {
		switch x.kind {
		case refResource:
			out = append(out, x.name)
		case refVariable:
			out = append(out, resolve(x.v.index)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// stronglyConnected returns the strongly connected components of the
// graph that are cycles (Tarjan's algorithm), each sorted by node index.
func stronglyConnected(nodes []gnode) [][]int {
	index := make([]int, len(nodes))
	low := make([]int, len(nodes))
	onStack := make([]bool, len(nodes))
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, e := range nodes[v].edges {
			switch {
			case index[e.to] < 0:
				visit(e.to)
				low[v] = min(low[v], low[e.to])
			case onStack[e.to]:
				low[v] = min(low[v], index[e.to])
			}
		}
		if low[v] == index[v] {
			top := len(stack) - 1
			for stack[top] != v {
				top--
			}
			scc := stack[top:]
			stack = stack[:top]
			for _, w := range scc {
				onStack[w] = false
			}
			// Single nodes without a self-reference, nearly all of
			// them, are not cycles: only the others are returned.
			if len(scc) > 1 || slices.ContainsFunc(nodes[v].edges, func(e gedge) bool { return e.to == v }) {
				scc = slices.Clone(scc)
				slices.Sort(scc)
				out = append(out, scc)
			}
		}
	}
	for v := range nodes {
		if index[v] < 0 {
			visit(v)
		}
	}
	return out
}

// findCycle returns a shortest cycle through the first-declared node of a
// strongly connected component, ending where it starts, and the position
// of its first reference.
func findCycle(nodes []gnode, scc []int) ([]int, position) {
	start := scc[0]
	for _, n := range scc {
		if nodes[n].pos.less(nodes[start].pos) {
			start = n
		}
	}
	in := make(map[int]bool, len(scc))
	for _, n := range scc {
		in[n] = true
	}
	// Breadth-first search from start back to start.
	prev := map[int]int{}
	queue := []int{start}
	seen := map[int]bool{}
	found := false
	for len(queue) > 0 && !found {
		v := queue[0]
		queue = queue[1:]
		for _, e := range nodes[v].edges {
			if !in[e.to] {
				continue
			}
			if e.to == start {
				prev[-1] = v
				found = true
				break
			}
			if !seen[e.to] {
				seen[e.to] = true
				prev[e.to] = v
				queue = append(queue, e.to)
			}
		}
	}
	// Walk back from start's predecessor.
	path := []int{start}
	for v := prev[-1]; v != start; v = prev[v] {
		path = append(path, v)
	}
	path = append(path, start)
	slices.Reverse(path)
	var at position
	for _, e := range nodes[start].edges {
		if e.to == path[1] {
			at = e.pos
			break
		}
	}
	return path, at
}
