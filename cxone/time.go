package cxone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Time is a CXone timestamp. It reads ISO 8601 with or without a zone (a
// time without one is UTC, as CXone's are) and null or "" as the zero
// time, and writes RFC 3339 in UTC, or null for the zero time.
type Time struct{ time.Time }

// timeLayouts are the forms Time reads.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// UnmarshalJSON reads a timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("cxone: a timestamp is not a JSON string: %.40s", b)
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// parseTime reads a CXone timestamp; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("cxone: %q is not an ISO 8601 timestamp", clip(s))
}

// MarshalJSON writes the time in RFC 3339, UTC; null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(strconv.Quote(t.UTC().Format(time.RFC3339Nano))), nil
}

// formatQueryTime is how a time goes into a query (updatedSince,
// startDate): UTC, to the millisecond, as CXone writes its own.
func formatQueryTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Bool is a boolean that CXone may send as true/false or as the strings
// "True"/"False" (the agent event stream does); it writes true or false.
type Bool bool

// UnmarshalJSON reads true, false, "true", "false" in any case, 1, 0,
// "1", "0", "" and null (false).
func (b *Bool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		*b = true
	case "false", "0", "", "null":
		*b = false
	default:
		return fmt.Errorf("cxone: %.40q is not a boolean", s)
	}
	return nil
}
