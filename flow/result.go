package flow

// FormatResult returns the end of a flow's Result.String, written the same
// way by every flow: subject (what the event was about, such as
// "zendesk reply ticket 12"), then ": " and outcome, " (detail)" when
// detail is not empty, and ": " and err's text when err is not nil:
//
//	zendesk reply ticket 12: rejected (no customer): smsbridge: …
//
// outcome is an [Outcome] or a flow's own string type (a scenario's exit).
func FormatResult[O ~string](subject string, outcome O, detail string, err error) string {
	s := subject + ": " + string(outcome)
	if detail != "" {
		s += " (" + detail + ")"
	}
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}
