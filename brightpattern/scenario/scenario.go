package scenario

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/deskbridge/deskbridge/zendesk"
)

// Variables Bright Pattern sets that the steps read.
const (
	// VarDNIS is the number dialled.
	VarDNIS = "item.DNIS"
	// VarAgentLoginID is the login id of the agent the interaction is
	// delivered to.
	VarAgentLoginID = "user.loginId"
	// VarInteractionID is the interaction's global id.
	VarInteractionID = "item.globalInteractionId"
)

// VarANI is the caller's number, "item.ANI" (its name is a guess: see
// unconfirmed.go).
var VarANI = aniVariable()

// MaxSteps bounds how many steps one run executes, so that a loop of
// exits (Get Next Record back to a Search…) ends.
const MaxSteps = 200

// Scenario is a list of steps run in order, each step's exits wired as
// its [Exits] say, with $(var) substituted in their settings from the
// interaction's variables and those earlier steps set, as in Bright
// Pattern's Scenario Builder
// (https://help.brightpattern.com/5.19:Scenario-builder-reference-guide/ScenarioBlocks/ZendeskSearch,
// …/ZendeskScreenPop, …/ZendeskAPIRequest and the other Zendesk blocks).
type Scenario struct {
	Steps []Step
}

// problems returns what is wrong with the scenario, one line each.
func (s Scenario) problems() []string {
	if len(s.Steps) == 0 {
		return []string{"has no step"}
	}
	var p []string
	labels := map[string]bool{}
	for i, st := range s.Steps {
		if st == nil {
			p = append(p, fmt.Sprintf("step %d is nil", i+1))
			continue
		}
		if l := st.exits().Label; l != "" {
			if labels[l] {
				p = append(p, fmt.Sprintf("step %d: label %q is used twice", i+1, l))
			}
			labels[l] = true
		}
	}
	for i, st := range s.Steps {
		if st == nil {
			continue
		}
		for _, c := range st.check() {
			p = append(p, fmt.Sprintf("step %d (%s): %s", i+1, st.block(), c))
		}
		x := st.exits()
		for _, to := range []struct{ exit, label string }{{"Next", x.Next}, {"Failed", x.Failed}, {"No Data", x.NoData}} {
			if to.label != "" && !labels[to.label] {
				p = append(p, fmt.Sprintf("step %d (%s): its %s exit goes to %q, which no step is labelled", i+1, st.block(), to.exit, to.label))
			}
		}
	}
	return p
}

// Fields returns the titles of the ticket fields the scenario's
// [AttachData] steps write, each once, in order.
func (s Scenario) Fields() []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range s.Steps {
		a, ok := st.(*AttachData)
		if !ok {
			continue
		}
		for _, f := range a.Fields {
			k := strings.ToLower(strings.TrimSpace(f.Title))
			if !seen[k] {
				seen[k] = true
				out = append(out, strings.TrimSpace(f.Title))
			}
		}
	}
	return out
}

// env is one run's state.
type env struct {
	f          *Flow
	vars       map[string]string // every variable
	out        map[string]string // the variables the steps set: the answer
	account    string            // "" is the Default
	recordsets map[string]*recordset
	step       int            // the index of the step running
	stepLabel  string         // its label
	walks      [][]string     // by step index: the recordsets whose walk the step is in
	rounds     map[string]int // the once-guarded rounds each step did, by key without round (see once.go)
}

// client returns the selected account's client.
func (e *env) client() (*zendesk.Client, error) {
	zc, err := e.f.accounts.Select(e.account)
	if err != nil {
		return nil, asBadInput(err)
	}
	return zc, nil
}

// run runs the scenario from its first step and returns the last exit.
func (s Scenario) run(ctx context.Context, e *env, res *Result) Exit {
	index := make(map[string]int, len(s.Steps))
	for i, st := range s.Steps {
		if l := st.exits().Label; l != "" {
			index[l] = i
		}
	}
	e.walks = s.walks(index)
	i := 0
	for n := 0; i < len(s.Steps); n++ {
		if n == MaxSteps {
			res.Err = badInput("the scenario ran %d steps without ending: check its exits for a loop", MaxSteps)
			return ExitFailed
		}
		if err := ctx.Err(); err != nil {
			res.Err = err
			return ExitFailed
		}
		st := s.Steps[i]
		account := e.account
		e.step, e.stepLabel = i, st.exits().Label
		exit, detail, err := st.run(ctx, e)
		if err != nil {
			exit = ExitFailed
			err = fmt.Errorf("%s: %w", st.block(), err)
		}
		sr := StepResult{Label: st.exits().Label, Block: st.block(), Exit: exit, Detail: detail, Err: err}
		if _, sel := st.(*SelectAccount); sel {
			account = e.account
		}
		sr.Account = cmp.Or(strings.TrimSpace(account), e.f.accounts.DefaultName())
		res.Steps = append(res.Steps, sr)
		x := st.exits()
		var to string
		switch exit {
		case ExitNext:
			to = x.Next
		case ExitFailed:
			to = x.Failed
		case ExitNoData:
			to = x.NoData
		}
		switch {
		case to != "":
			i = index[to]
		case exit == ExitNext:
			i++
		default:
			res.Err = err
			return exit
		}
	}
	return ExitNext
}

// walks returns, by step index, the names of the recordsets whose walk
// the step is in: it lies on a loop through a [NextRecord] of the
// recordset (the Get Next Record's Next exit leads to the step, and the
// step leads back to it). index maps labels to step indexes.
func (s Scenario) walks(index map[string]int) [][]string {
	if !slices.ContainsFunc(s.Steps, func(st Step) bool { _, ok := st.(*NextRecord); return ok }) {
		return nil
	}
	n := len(s.Steps)
	next := func(i int) []int { // the steps each exit of step i leads to
		x := s.Steps[i].exits()
		var to []int
		if x.Next != "" {
			to = append(to, index[x.Next])
		} else if i+1 < n {
			to = append(to, i+1)
		}
		for _, l := range []string{x.Failed, x.NoData} {
			if l != "" {
				to = append(to, index[l])
			}
		}
		return to
	}
	reached := make([][]bool, n)
	reach := func(from int) []bool { // the steps reachable from step from, itself included
		if reached[from] != nil {
			return reached[from]
		}
		seen := make([]bool, n)
		todo := []int{from}
		seen[from] = true
		for len(todo) > 0 {
			i := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			for _, j := range next(i) {
				if !seen[j] {
					seen[j] = true
					todo = append(todo, j)
				}
			}
		}
		reached[from] = seen
		return seen
	}
	out := make([][]string, n)
	for j, st := range s.Steps {
		nr, ok := st.(*NextRecord)
		if !ok {
			continue
		}
		first := j + 1
		if l := nr.exits().Next; l != "" {
			first = index[l]
		}
		if first >= n {
			continue
		}
		for i, in := range reach(first) {
			if in && i != j && reach(i)[j] && !slices.Contains(out[i], nr.Recordset) {
				out[i] = append(out[i], nr.Recordset)
			}
		}
	}
	return out
}

// isBadInput reports whether err comes from the scenario's input or
// settings rather than from Zendesk.
func isBadInput(err error) bool { return errors.Is(err, errBadInput) }
