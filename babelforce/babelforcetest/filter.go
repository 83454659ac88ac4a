package babelforcetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The filter parameter of GET /api/v3/tasks.
//
// babelforce calls it "RSQL-like" and documents it by example only: the
// task-automation spec (static/openapi/task-automation.openapi.yaml in
// https://github.com/babelforce/manager-sdk, version 3.63.10) shows
// "(state=in=('Scheduled','Assigned'))", "type==babelforce.call.inbound"
// and "created_at=gt=1610115403866", and its guide
// (docs/guides/task-automations.md, same repository) "state==active". The
// fake parses RSQL as the grammar of rsql-parser
// (https://github.com/jirutka/rsql-parser) has it:
//
//	or         = and { ("," | " or ") and }
//	and        = constraint { (";" | " and ") constraint }
//	constraint = "(" or ")" | comparison
//	comparison = field operator argument
//	argument   = value | "(" value { "," value } ")"
//	value      = unquoted | "'" … "'" | `"` … `"`    (\ escapes in quotes)
//
// so ";" and "and" bind tighter than "," and "or", and parentheses group.
// The operators are ==, !=, =lt=, =le=, =gt=, =ge=, =in= and =out=. Any
// other operator ("=like=", "<", …), an unknown field, a wildcard, an
// unknown state, or a number comparison on a text field gets a 400 whose
// error_detail names what the fake does not support: babelforce may
// support more, but the fake never answers 200 with records babelforce
// would not return.
//
// What babelforce does not document is in unconfirmed.go: its answer to a
// state that is no task state, such as the guide's "state==active"
// (checkFilterState); whether the filter is case-sensitive (filterFold);
// how it compares a field a task does not have (absentFieldMatches); its
// length limit (maxFilterLen).

// maxFilterDepth is the deepest nesting of groups the fake parses; a
// deeper one gets a 400, so that a filter cannot exhaust the stack.
const maxFilterDepth = 32

// taskStates are the documented task states (task-automation spec
// TaskState).
var taskStates = []string{"Scheduled", "Rescheduled", "Selecting", "Accepted", "Rejected", "Assigned",
	"Processing", "Pending", "Completed", "Canceled", "Failed"}

// filterOperators are the operators the fake supports.
var filterOperators = []string{"==", "!=", "=lt=", "=le=", "=gt=", "=ge=", "=in=", "=out="}

// filterField reads one field of a task: text, or milliseconds.
type filterField struct {
	text  func(*task) string
	num   func(*task) int64 // set for the number fields
	check func(string) error
	// optional fields may have no value ("" from text).
	optional bool
}

var taskFilterFields = map[string]filterField{
	"id":          {text: func(t *task) string { return t.ID }},
	"state":       {text: func(t *task) string { return t.State }, check: checkFilterState},
	"type":        {text: func(t *task) string { return t.Type }},
	"agent_id":    {text: func(t *task) string { return t.AgentID }, optional: true},
	"queue_id":    {text: func(t *task) string { return t.QueueID }, optional: true},
	"session_id":  {text: func(t *task) string { return t.SessionID }},
	"customer_id": {text: func(t *task) string { return t.CustomerID }},
	"has_error":   {text: func(t *task) string { return strconv.FormatBool(t.HasError) }, check: checkBool},
	"created_at":  {num: func(t *task) int64 { return t.CreatedAt.UnixMilli() }},
	"scheduled_at": {num: func(t *task) int64 {
		return t.scheduledMillis()
	}},
}

func filterFieldNames() string {
	names := make([]string, 0, len(taskFilterFields))
	for n := range taskFilterFields {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func checkBool(v string) error {
	if v := filterFold(v); v != "true" && v != "false" {
		return fmt.Errorf("has_error is true or false, not %q", v)
	}
	return nil
}

// filterError is a filter the fake refuses; its text is the 400's
// error_detail.
type filterError struct {
	msg string
	// limit is set when the filter is refused for its size or depth only.
	limit bool
}

func (e *filterError) Error() string { return "filter: " + e.msg }

// taskFilter is a parsed filter.
type taskFilter interface{ match(*task) bool }

type matchAll struct{}

func (matchAll) match(*task) bool { return true }

type allOf []taskFilter

func (a allOf) match(t *task) bool {
	for _, f := range a {
		if !f.match(t) {
			return false
		}
	}
	return true
}

type anyOf []taskFilter

func (a anyOf) match(t *task) bool {
	for _, f := range a {
		if f.match(t) {
			return true
		}
	}
	return false
}

// comparison is field operator value(s).
type comparison struct {
	field filterField
	op    string
	texts []string
	nums  []int64
}

func (c *comparison) match(t *task) bool {
	if c.field.num != nil {
		v := c.field.num(t)
		switch c.op {
		case "==":
			return v == c.nums[0]
		case "!=":
			return v != c.nums[0]
		case "=lt=":
			return v < c.nums[0]
		case "=le=":
			return v <= c.nums[0]
		case "=gt=":
			return v > c.nums[0]
		case "=ge=":
			return v >= c.nums[0]
		case "=in=":
			return slices.Contains(c.nums, v)
		default: // =out=
			return !slices.Contains(c.nums, v)
		}
	}
	v := c.field.text(t)
	if v == "" && c.field.optional {
		return absentFieldMatches(c.op)
	}
	v = filterFold(v)
	switch c.op {
	case "==", "=in=":
		return slices.Contains(c.texts, v)
	default: // "!=", "=out="
		return !slices.Contains(c.texts, v)
	}
}

// parseTaskFilter parses a filter; an empty one matches every task. Its
// errors are *filterError.
func parseTaskFilter(s string) (taskFilter, error) {
	if len(s) > maxFilterLen {
		return nil, &filterError{msg: fmt.Sprintf("the filter is longer than the fake's %d bytes", maxFilterLen), limit: true}
	}
	p := &filterParser{s: s}
	p.skipSpace()
	if p.pos == len(s) {
		return matchAll{}, nil
	}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(s) {
		return nil, p.errorf("unexpected %s", p.found())
	}
	return f, nil
}

type filterParser struct {
	s     string
	pos   int
	depth int
}

func (p *filterParser) errorf(format string, args ...any) error {
	return &filterError{msg: fmt.Sprintf(format, args...)}
}

// found describes the input at the current position, for an error.
func (p *filterParser) found() string {
	if p.pos >= len(p.s) {
		return "end of the filter"
	}
	rest := p.s[p.pos:]
	if len(rest) > 20 {
		rest = rest[:20] + "…"
	}
	return fmt.Sprintf("%q at position %d", rest, p.pos+1)
}

func isFilterSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isReserved reports the bytes RSQL reserves; the others make up field
// names and unquoted values.
func isReserved(c byte) bool {
	return isFilterSpace(c) || strings.IndexByte(`"'();,=!~<>`, c) >= 0
}

func (p *filterParser) skipSpace() {
	for p.pos < len(p.s) && isFilterSpace(p.s[p.pos]) {
		p.pos++
	}
}

func (p *filterParser) unreserved() string {
	start := p.pos
	for p.pos < len(p.s) && !isReserved(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// logical looks past whitespace for a logical operator and returns ';'
// (";" or "and") or ',' ("," or "or"), or 0, with the position after it.
// It does not move. A keyword needs whitespace before it, and whitespace
// or "(" after it.
func (p *filterParser) logical() (byte, int) {
	i := p.pos
	for i < len(p.s) && isFilterSpace(p.s[i]) {
		i++
	}
	if i == len(p.s) {
		return 0, i
	}
	if c := p.s[i]; c == ';' || c == ',' {
		return c, i + 1
	}
	if i == p.pos {
		return 0, i
	}
	for _, kw := range [...]struct {
		word string
		op   byte
	}{{"and", ';'}, {"or", ','}} {
		j := i + len(kw.word)
		if j > len(p.s) || filterFold(p.s[i:j]) != kw.word {
			continue
		}
		if j == len(p.s) || isFilterSpace(p.s[j]) || p.s[j] == '(' {
			return kw.op, j
		}
	}
	return 0, i
}

func (p *filterParser) or() (taskFilter, error) {
	return p.list(',', p.and, func(fs []taskFilter) taskFilter { return anyOf(fs) })
}

func (p *filterParser) and() (taskFilter, error) {
	return p.list(';', p.constraint, func(fs []taskFilter) taskFilter { return allOf(fs) })
}

// list parses operands joined by the logical operator op.
func (p *filterParser) list(op byte, operand func() (taskFilter, error), join func([]taskFilter) taskFilter) (taskFilter, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	fs := []taskFilter{first}
	for {
		got, next := p.logical()
		if got != op {
			break
		}
		p.pos = next
		f, err := operand()
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	if len(fs) == 1 {
		return first, nil
	}
	return join(fs), nil
}

func (p *filterParser) constraint() (taskFilter, error) {
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return p.comparison()
	}
	open := p.pos + 1
	if p.depth++; p.depth > maxFilterDepth {
		return nil, &filterError{msg: fmt.Sprintf("more than %d nested groups", maxFilterDepth), limit: true}
	}
	p.pos++
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != ')' {
		return nil, p.errorf(`expected ")" to close the group opened at position %d, found %s`, open, p.found())
	}
	p.pos++
	p.depth--
	return f, nil
}

// operator reads a comparison operator: "==", "!=", "=word=", or a run of
// other operator characters ("<", ">=", "=~" …) to name in the error.
func (p *filterParser) operator() string {
	rest := p.s[p.pos:]
	switch {
	case strings.HasPrefix(rest, "=="), strings.HasPrefix(rest, "!="):
		p.pos += 2
		return rest[:2]
	case strings.HasPrefix(rest, "="):
		i := 1
		for i < len(rest) && (rest[i] >= 'a' && rest[i] <= 'z' || rest[i] >= 'A' && rest[i] <= 'Z') {
			i++
		}
		if i < len(rest) && rest[i] == '=' {
			p.pos += i + 1
			return rest[:i+1]
		}
	}
	i := 0
	for i < len(rest) && strings.IndexByte("=!~<>", rest[i]) >= 0 {
		i++
	}
	p.pos += i
	return rest[:i]
}

func (p *filterParser) comparison() (taskFilter, error) {
	name := p.unreserved()
	if name == "" {
		return nil, p.errorf("expected a field name, found %s", p.found())
	}
	p.skipSpace()
	op := filterFold(p.operator())
	if op == "" {
		return nil, p.errorf("expected an operator after %q, found %s", name, p.found())
	}
	if !slices.Contains(filterOperators, op) {
		return nil, p.errorf("unsupported operator %q (the fake supports %s)", op, strings.Join(filterOperators, " "))
	}
	field, ok := taskFilterFields[filterFold(name)]
	if !ok {
		return nil, p.errorf("field %q is not supported (the fake filters on %s)", name, filterFieldNames())
	}
	p.skipSpace()
	values, isList, err := p.argument()
	if err != nil {
		return nil, err
	}
	c := &comparison{field: field, op: op}
	if isList && op != "=in=" && op != "=out=" {
		return nil, p.errorf("operator %q takes one value, not a list", op)
	}
	if field.num == nil && op != "==" && op != "!=" && op != "=in=" && op != "=out=" {
		return nil, p.errorf("operator %q compares numbers, and %q is not a number field (created_at, scheduled_at are)", op, name)
	}
	for _, v := range values {
		if v == "" {
			return nil, p.errorf("an empty value for %q is not supported by the fake", name)
		}
		if field.num != nil {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, p.errorf("%q is not a number: %s is milliseconds since 1970 (UTC)", v, name)
			}
			c.nums = append(c.nums, n)
			continue
		}
		if strings.Contains(v, "*") {
			return nil, p.errorf(`the wildcard "*" in %q is not supported by the fake`, v)
		}
		if field.check != nil {
			if err := field.check(v); err != nil {
				return nil, p.errorf("%v", err)
			}
		}
		c.texts = append(c.texts, filterFold(v))
	}
	return c, nil
}

// argument reads one value or a parenthesised list of them.
func (p *filterParser) argument() (values []string, isList bool, err error) {
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		v, err := p.value()
		return []string{v}, false, err
	}
	p.pos++
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, true, err
		}
		values = append(values, v)
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == ')' {
			p.pos++
			return values, true, nil
		}
		return nil, true, p.errorf(`expected "," or ")" in the list of values, found %s`, p.found())
	}
}

// value reads an unquoted or a quoted value.
func (p *filterParser) value() (string, error) {
	if p.pos >= len(p.s) {
		return "", p.errorf("expected a value, found the end of the filter")
	}
	q := p.s[p.pos]
	if q != '\'' && q != '"' {
		v := p.unreserved()
		if v == "" {
			return "", p.errorf("expected a value, found %s", p.found())
		}
		return v, nil
	}
	start := p.pos + 1
	var b strings.Builder
	for p.pos++; p.pos < len(p.s); p.pos++ {
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			p.pos++
			b.WriteByte(p.s[p.pos])
		case c == q:
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("the quote opened at position %d is not closed", start)
}
