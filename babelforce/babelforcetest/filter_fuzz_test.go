package babelforcetest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzTaskFilter: the filter is outside input. Whatever it holds, the
// parser returns, without panicking, either a *filterError (a 400 with a
// detail) or a filter; and a filter it accepts means the same grouped in
// parentheses, and joined with itself by ";" or ",".
func FuzzTaskFilter(f *testing.F) {
	for _, s := range []string{
		"state==active",
		"(state=in=('Scheduled','Assigned'))",
		"type==babelforce.call.inbound",
		"created_at=gt=1610115403866",
		"state==Scheduled and customer_id==6c2a2f9e6dbd4fc1b9d3cde3c7a6e80d or state==Completed",
		"((state!=Scheduled;state!=Assigned);(created_at=lt=1610115406366,type==custom))",
		`type=="a\"b";has_error==true`, "scheduled_at=ge=0", "state=out=(Failed)", "id=in=(a,'b',\"c\")",
		"type=like=x*", "a<1", "(", ")", "((((", "state=='", `state=="\`, "and", " or ", ";", ",", "",
	} {
		f.Add(s)
	}
	base := time.UnixMilli(1610115403866)
	tasks := []*task{
		{ID: strings.Repeat("a", 32), State: "Scheduled", Type: "babelforce.call.inbound", CreatedAt: base},
		{ID: strings.Repeat("b", 32), State: "Completed", Type: "custom", AgentID: strings.Repeat("c", 32), CreatedAt: base.Add(time.Second), HasError: true},
		{ID: strings.Repeat("d", 32), State: "Failed", Type: "a\"b", CreatedAt: base.Add(-time.Second), ScheduledAt: base.Add(time.Hour)},
	}
	parse := func(t *testing.T, s string) taskFilter {
		t.Helper()
		flt, err := parseTaskFilter(s)
		if err != nil {
			var fe *filterError
			if !errors.As(err, &fe) || fe.msg == "" {
				t.Fatalf("%q: error %v is not a filter error with a detail", s, err)
			}
			if fe.limit != (len(s) > maxFilterLen || strings.Contains(fe.msg, "nested groups")) {
				t.Fatalf("%q: limit %v for %q", s, fe.limit, fe.msg)
			}
			return nil
		}
		if flt == nil {
			t.Fatalf("%q: no filter and no error", s)
		}
		return flt
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt := parse(t, s)
		if flt == nil || strings.TrimSpace(s) == "" {
			return
		}
		for _, variant := range []string{"(" + s + ")", s + ";" + s, s + "," + s, "(" + s + ") and (" + s + ")"} {
			other, err := parseTaskFilter(variant)
			if err != nil {
				var fe *filterError
				if errors.As(err, &fe) && fe.limit {
					continue // the variant is longer or deeper than the fake takes
				}
				t.Fatalf("%q parses but %q does not: %v", s, variant, err)
			}
			for i, tk := range tasks {
				if flt.match(tk) != other.match(tk) {
					t.Fatalf("task %d: %q matches %v, %q matches %v", i, s, flt.match(tk), variant, other.match(tk))
				}
			}
		}
	})
}
