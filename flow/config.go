package flow

import (
	"errors"
	"fmt"
	"strings"
)

// ConfigError is one configuration problem, with what to change to fix it.
// A flow's validation returns every problem at once, joined with
// errors.Join (see [Collector]); [Problems] walks them back out.
//
// Value is printed as given: never put a secret in it (give its length, or
// leave it empty and say in Problem what is wrong with it).
type ConfigError struct {
	// Flow names the flow whose configuration is at fault, e.g.
	// "statussync"; it prefixes the message. Empty leaves the prefix out.
	Flow string
	// Field names the setting, e.g. `Config.RetryAfter` or
	// `Mapping.Presences["away"]`, or the account object at fault, e.g.
	// `Zendesk status "In a meeting"`.
	Field string
	// Value is the offending value, if any.
	Value string
	// Problem says what is wrong.
	Problem string
	// Fix says what to do about it.
	Fix string
}

// Error returns the problem on one line, as
// `Flow: Field = "Value": Problem; fix: Fix`, leaving out `Flow: ` when
// Flow is empty, ` = "Value"` when Value is, and `; fix: Fix` when Fix is.
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.Flow != "" {
		b.WriteString(e.Flow)
		b.WriteString(": ")
	}
	b.WriteString(e.Field)
	if e.Value != "" {
		fmt.Fprintf(&b, " = %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Problems returns the [*ConfigError] values in err, in order, walking
// errors joined with errors.Join and wrapped with fmt.Errorf("%w"). It
// returns nil when err holds none.
func Problems(err error) []*ConfigError {
	var out []*ConfigError
	walk(err, func(ce *ConfigError) { out = append(out, ce) })
	return out
}

// walk calls f with every *ConfigError in err's tree, depth first.
func walk(err error, f func(*ConfigError)) {
	if err == nil {
		return
	}
	if ce, ok := err.(*ConfigError); ok {
		f(ce)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, f)
		}
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), f)
	}
}

// Collector gathers the problems of a configuration so that its validation
// reports all of them at once. The zero value is ready to use:
//
//	c := flow.Collector{Flow: "statussync"}
//	if cfg.Zendesk == nil {
//		c.Add("Config.Zendesk", "", "is nil", "build a client with zendesk.NewClient")
//	}
//	c.Include(cfg.Mapping.Validate())
//	return c.Err()
type Collector struct {
	// Flow is set on every problem added, and on the problems of an
	// included error that have no Flow of their own.
	Flow string

	errs []error
}

// Add records one problem (see [ConfigError] for the fields).
func (c *Collector) Add(field, value, problem, fix string) {
	c.errs = append(c.errs, &ConfigError{Flow: c.Flow, Field: field, Value: value, Problem: problem, Fix: fix})
}

// Include records err, a nested validation's result, as it is; its
// [ConfigError] values without a Flow get the Collector's. A nil err is
// ignored.
func (c *Collector) Include(err error) {
	if err == nil {
		return
	}
	if c.Flow != "" {
		walk(err, func(ce *ConfigError) {
			if ce.Flow == "" {
				ce.Flow = c.Flow
			}
		})
	}
	c.errs = append(c.errs, err)
}

// Len returns how many problems (or included errors) were recorded.
func (c *Collector) Len() int { return len(c.errs) }

// Err returns nil when nothing was recorded, the one error when one was,
// and the errors joined with errors.Join otherwise.
func (c *Collector) Err() error {
	switch len(c.errs) {
	case 0:
		return nil
	case 1:
		return c.errs[0]
	}
	return errors.Join(c.errs...)
}
