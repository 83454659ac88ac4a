package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/flow"
)

// runners builds every flow's runner.
func (e *env) runners() ([]flowRunner, error) {
	var out []flowRunner
	var errs []string
	for _, f := range e.cfg.flows {
		base := ""
		if e.cfg.PublicURL != "" {
			base = e.cfg.PublicURL + f.Path
		}
		r, err := f.spec.runner(e, f.Name, base)
		if err != nil {
			errs = append(errs, err.Error())
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// provisionAll runs every flow's Provision (a dry run for plan) and
// prints each report. plan returns exitChanges when any flow has
// changes pending.
func provisionAll(ctx context.Context, e *env, io stdio, dryRun, force bool) int {
	runners, err := e.runners()
	if err != nil {
		fmt.Fprintln(io.err, "deskbridge:", err)
		return exitError
	}
	var all flow.Report
	all.DryRun = dryRun
	failed := false
	for i, r := range runners {
		f := e.cfg.flows[i]
		step := "apply"
		if dryRun {
			step = "plan"
		}
		stop := e.progress(fmt.Sprintf("[%d/%d] %s", i+1, len(runners), f.Name), "flow", f.Name, "step", step)
		start := time.Now()
		before := e.metrics.attempts.Load()
		rep, err := r.provision(ctx, dryRun, force)
		stop()
		e.log.Info("provisioned", "flow", f.Name, "dry_run", dryRun, "items", len(rep.Changes),
			"created", rep.Count(flow.ActionCreated), "updated", rep.Count(flow.ActionUpdated),
			"requests", e.metrics.attempts.Load()-before, "elapsed", time.Since(start).Round(time.Millisecond).String())
		fmt.Fprintf(io.out, "== %s (%s, %s)\n", f.Name, f.Type, f.Path)
		if len(rep.Changes) > 0 || err == nil {
			fmt.Fprint(io.out, rep.String())
		}
		if err != nil {
			fmt.Fprintf(io.out, "Error: %s\n", e.cfg.explain(f.Name, err))
			failed = true
		} else if n := r.notes(); n != "" {
			// apply always says what is left to do by hand; plan says it
			// while the flow has changes pending (before its first apply).
			switch {
			case !dryRun:
				fmt.Fprintf(io.out, "\nTo do by hand:\n%s", n)
			case rep.Changed():
				fmt.Fprintf(io.out, "\nTo do by hand, after apply:\n%s", n)
			}
		}
		fmt.Fprintln(io.out)
		all.Merge(rep)
	}
	fmt.Fprintln(io.out, "All flows: "+all.Summary())
	switch {
	case failed:
		return exitError
	case dryRun && all.Changed():
		return exitChanges
	}
	return exitOK
}

// checkAll builds every flow and runs its Check.
func checkAll(ctx context.Context, e *env, io stdio) int {
	runners, err := e.runners()
	if err != nil {
		fmt.Fprintln(io.err, "deskbridge:", err)
		return exitError
	}
	st, err := openStore(ctx, e)
	if err != nil {
		fmt.Fprintln(io.err, "deskbridge:", err)
		return exitError
	}
	defer st.close()
	code := exitOK
	for i, r := range runners {
		f := e.cfg.flows[i]
		stop := e.progress(fmt.Sprintf("[%d/%d] check %s", i+1, len(runners), f.Name), "flow", f.Name, "step", "check")
		start := time.Now()
		before := e.metrics.attempts.Load()
		run, err := r.start(ctx, st.forFlow(f.Name), func(flow.Outcome) {})
		if err == nil {
			err = run.check(ctx)
		}
		stop()
		e.log.Info("checked", "flow", f.Name, "ok", err == nil,
			"requests", e.metrics.attempts.Load()-before, "elapsed", time.Since(start).Round(time.Millisecond).String())
		fmt.Fprintf(io.out, "== %s (%s)\n", f.Name, f.Type)
		if err != nil {
			code = exitError
			fmt.Fprintf(io.out, "  ✗ %s\n", strings.ReplaceAll(e.cfg.explain(f.Name, err), "\n", "\n  "))
			continue
		}
		for _, c := range run.checked {
			fmt.Fprintf(io.out, "  ✓ %s\n", c)
		}
	}
	return code
}
