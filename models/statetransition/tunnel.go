package statetransition

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Tunnel states: a state whose rows and values depend on how long the
// cohort has been in it, written once.
//
//	tunnels = { sick = 3 }
//
// makes the state sick into sick_1, sick_2, sick_3: a person entering sick
// enters sick_1, each cycle in sick_τ that would stay in sick moves to
// sick_(τ+1), and sick_3 keeps those in it three cycles or more. In the
// rows of sick, and in its per-cycle costs and utilities, the variable
// tunnel is τ, the cycle of the stay (1 = the first); matrices and values
// are written over the states as listed, and the definition is expanded
// before it is compiled, so traces, outputs and messages name sick_1,
// sick_2, sick_3. on_entry and at_start of sick count in sick_1. Tunnel
// rows are supported in matrices given as probs or counts; a rates matrix
// (whose complement sits on the diagonal) or a derived one (whose factor
// would also scale the moves between positions) over a tunnel state is an
// error.

// tunnelName is the variable that holds the position in a tunnel.
const tunnelName = "tunnel"

// maxTunnel bounds the length of one tunnel.
const maxTunnel = 1000

var tunnelRE = regexp.MustCompile(`(^|[^A-Za-z0-9_.])tunnel($|[^A-Za-z0-9_])`)

// withTunnel substitutes position tau for the variable tunnel in an
// expression string (numbers are left as they are).
func withTunnel(v any, tau int) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	pos := strconv.Itoa(tau)
	for tunnelRE.MatchString(s) { // overlapping matches: repeat
		s = tunnelRE.ReplaceAllString(s, "${1}"+pos+"${2}")
	}
	return s
}

// expandTunnels rewrites the [inputs] table m with each tunnel state
// expanded into its positions. It returns nil when m has no tunnels.
func expandTunnels(m map[string]any) error {
	raw, ok := m["tunnels"]
	if !ok {
		return nil
	}
	delete(m, "tunnels")
	const where = "inputs.tunnels"
	tun, ok := raw.(map[string]any)
	if !ok {
		return errorf(where, "must be a table { state = number of cycles }, got %s", describe(raw))
	}
	st := table{where: "inputs", m: m}
	states, err := st.names("states", true)
	if err != nil {
		return err
	}
	length := make([]int, len(states))
	for i := range length {
		length[i] = 1
	}
	for _, name := range sortedKeys(tun) {
		i := slices.Index(states, name)
		if i < 0 {
			return errorf(where, "unknown state %q, expected one of: %s", name, strings.Join(states, ", "))
		}
		f, ok := tun[name].(float64)
		if !ok || f != math.Trunc(f) || f < 2 || f > maxTunnel {
			return errorf(where, "%s: %s, expected a whole number of cycles from 2 to %d", name, describe(tun[name]), maxTunnel)
		}
		length[i] = int(f)
	}
	// Expanded states: (user state i, position tau) in order.
	type xs struct{ i, tau int }
	var xstates []xs
	var names []any
	first := make([]int, len(states)) // index of (i, 1)
	for i, s := range states {
		first[i] = len(xstates)
		for tau := 1; tau <= length[i]; tau++ {
			xstates = append(xstates, xs{i, tau})
			if length[i] == 1 {
				names = append(names, s)
			} else {
				n := fmt.Sprintf("%s_%d", s, tau)
				if slices.Contains(states, n) {
					return errorf(where, "%s: the expanded state %q is already a state", s, n)
				}
				names = append(names, n)
			}
		}
	}
	m["states"] = names
	// dead: every position of a dead state.
	if dl, ok := m["dead"].([]any); ok {
		var out []any
		for _, d := range dl {
			s, _ := d.(string)
			i := slices.Index(states, s)
			if i < 0 {
				out = append(out, d) // reported by readStates
				continue
			}
			for tau := 1; tau <= length[i]; tau++ {
				out = append(out, names[first[i]+tau-1])
			}
		}
		m["dead"] = out
	}
	// initial: into position 1.
	switch x := m["initial"].(type) {
	case string:
		if i := slices.Index(states, x); i >= 0 {
			m["initial"] = names[first[i]]
		}
	case []any:
		if len(x) == len(states) {
			out := make([]any, len(xstates))
			for k, s := range xstates {
				out[k] = 0.0
				if s.tau == 1 {
					out[k] = x[s.i]
				}
			}
			m["initial"] = out
		}
	}
	// Matrices.
	if mats, ok := m["matrices"].(map[string]any); ok {
		for _, name := range sortedKeys(mats) {
			mt, ok := mats[name].(map[string]any)
			if !ok {
				continue // reported by readMatrices
			}
			mw := "inputs.matrices." + name
			if _, ok := mt["rates"]; ok {
				return errorf(mw, "a rates matrix cannot have tunnel states (its complement is on the diagonal); write it as probs")
			}
			if _, ok := mt["base"]; ok {
				return errorf(mw, "a derived matrix cannot have tunnel states (its factor would scale the moves between positions); write it as probs with the factor in its cells")
			}
			for _, kind := range []string{kindProbs, kindCounts} {
				rows, ok := mt[kind].([]any)
				if !ok || len(rows) != len(states) {
					continue // reported by readCells
				}
				out := make([]any, len(xstates))
				for k, s := range xstates {
					row, ok := rows[s.i].([]any)
					if !ok || len(row) != len(states) {
						return errorf(mw, "row %q must be an array of %d cells, got %s", states[s.i], len(states), describe(rows[s.i]))
					}
					xrow := make([]any, len(xstates))
					for c := range xrow {
						xrow[c] = 0.0
					}
					for j, v := range row {
						to := first[j] // entering j: its first position
						if j == s.i {
							to = first[j] + min(s.tau, length[j]-1) // staying: the next position
						}
						xrow[to] = withTunnel(v, s.tau)
					}
					out[k] = xrow
				}
				mt[kind] = out
			}
		}
	}
	// Costs and utilities: per-cycle values in every position (tunnel = τ),
	// on_entry and at_start in the first.
	for _, key := range []string{"costs", "utilities"} {
		items, ok := m[key].([]any)
		if !ok {
			continue
		}
		for _, it := range items {
			item, ok := it.(map[string]any)
			if !ok {
				continue
			}
			for _, part := range []string{"per_cycle", "weights", "on_entry", "at_start"} {
				vals, ok := item[part].(map[string]any)
				if !ok {
					continue
				}
				out := map[string]any{}
				for s, v := range vals {
					i := slices.Index(states, s)
					if i < 0 || length[i] == 1 {
						out[s] = v // unknown states are reported later
						continue
					}
					if part == "on_entry" || part == "at_start" {
						out[names[first[i]].(string)] = v
						continue
					}
					for tau := 1; tau <= length[i]; tau++ {
						out[names[first[i]+tau-1].(string)] = withTunnel(v, tau)
					}
				}
				item[part] = out
			}
		}
	}
	return nil
}
