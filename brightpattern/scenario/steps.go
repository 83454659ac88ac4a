package scenario

import (
	"context"
	"fmt"
	"strings"
)

// Exit is the exit a step took, named as in the Scenario Builder.
type Exit string

// The exits of a step.
const (
	// ExitNext is a step's ordinary exit, to the next step.
	ExitNext Exit = "Next"
	// ExitFailed: the step could not do its work (Zendesk failed or
	// refused, a variable is unknown, a value is not what the step needs).
	ExitFailed Exit = "Failed"
	// ExitNoData: the step found nothing (a search without a result, a
	// recordset at its end, an empty answer).
	ExitNoData Exit = "No Data"
)

// Exits wires a step into a [Scenario], as the Scenario Builder's arrows
// do. The zero value runs the following step on Next and ends the
// scenario on Failed and No Data, with that exit.
type Exits struct {
	// Label names the step, so that other steps' exits can go to it.
	Label string
	// Next, when set, is the label of the step that runs after Next
	// (instead of the following one).
	Next string
	// Failed and NoData, when set, are the labels of the steps that run
	// after those exits; empty ends the scenario with the exit.
	Failed, NoData string
}

// exits returns the step's wiring.
func (e *Exits) exits() *Exits { return e }

// Step is one block of a [Scenario]: [SelectAccount], [Search],
// [NextRecord], [ScreenPop], [AttachData], [APIRequest], [CreateObject] or
// [UpdateObject].
type Step interface {
	exits() *Exits
	// block names the block, as the Scenario Builder does.
	block() string
	// check returns what is wrong with the step's settings, if anything.
	check() []string
	// run does the step's work on e; a nil error with ExitNext or
	// ExitNoData, or an error (ExitFailed).
	run(ctx context.Context, e *env) (Exit, string, error)
}

// StepResult is what one step did.
type StepResult struct {
	// Label and Block name the step.
	Label, Block string
	// Account is the integration account the step used ("" when it used
	// none).
	Account string
	// Exit is the exit it took.
	Exit Exit
	// Detail says what it did, in a few words ("ticket 12 popped to agent
	// 7", "2 records").
	Detail string
	// Err is why it took ExitFailed.
	Err error
}

// String formats the result on one line.
func (r StepResult) String() string {
	s := r.Block
	if r.Label != "" {
		s += " [" + r.Label + "]"
	}
	s += ": " + string(r.Exit)
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// sub substitutes e's variables into a setting, naming the setting in
// the error.
func (e *env) sub(setting, template string) (string, error) {
	return e.subWith(setting, template, Substitute)
}

// subWith is sub with the substitution given (SubstituteSearch,
// SubstituteURL).
func (e *env) subWith(setting, template string, substitute func(string, map[string]string) (string, error)) (string, error) {
	v, err := substitute(template, e.vars)
	if err != nil {
		return "", asBadInput(fmt.Errorf("setting %s: %w", setting, err))
	}
	return strings.TrimSpace(v), nil
}

// set sets a variable the scenario answers with.
func (e *env) set(name, value string) {
	e.vars[name] = value
	e.out[name] = value
}
