package scenario

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/deskbridge/deskbridge/flow"
)

// The attacks of the review (issue 14): a caller's value must not change
// a search query's terms or a request URL's path and query.
const (
	searchAttack = `x" OR type:user role:admin "`
	urlAttack    = `destroy_many.json?ids=1,2,3&x=`
)

// searchQueries returns the query parameter of every search the fake
// received.
func (w *world) searchQueries() []string {
	var qs []string
	for _, r := range w.zd.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/v2/search") {
			v, _ := url.ParseQuery(r.RawQuery)
			qs = append(qs, v.Get("query"))
		}
	}
	return qs
}

func TestSearchQueryInjectionIsStripped(t *testing.T) {
	w := newWorld(t)
	w.zd.ResetRequests()
	res := w.run(call(searchAttack, mainDNIS), &Search{Query: `type:user phone:"$(item.ANI)"`, Recordset: "rs"})
	if res.Exit != ExitNoData {
		t.Fatalf("%v", res)
	}
	qs := w.searchQueries()
	want := `type:user phone:"x OR type:user role:admin "`
	if len(qs) != 1 || qs[0] != want {
		t.Fatalf("queries sent %q; want [%q]", qs, want)
	}

	// Outside quotes, a value that is not one plain word is one phrase.
	w.zd.ResetRequests()
	w.run(call(searchAttack, mainDNIS), &Search{Query: `type:user phone:$(item.ANI)`, Recordset: "rs"})
	if qs := w.searchQueries(); len(qs) != 1 || qs[0] != `type:user phone:"x OR type:user role:admin "` {
		t.Fatalf("queries sent %q", qs)
	}

	// RawValues puts the value in as it is, for an admin who means it.
	w.zd.ResetRequests()
	w.run(map[string]string{"extra": "role:admin"}, &Search{Query: `type:user $(extra)`, Recordset: "rs", RawValues: true})
	if qs := w.searchQueries(); len(qs) != 1 || qs[0] != `type:user role:admin` {
		t.Fatalf("queries sent %q", qs)
	}
}

func TestAPIRequestURLInjectionIsEscaped(t *testing.T) {
	w := newWorld(t)
	before := w.zd.Tickets()
	vars := call(knownANI, mainDNIS)
	vars["ticket_id"] = urlAttack
	w.zd.ResetRequests()
	res := w.run(vars, &APIRequest{Method: "DELETE", URL: "tickets/$(ticket_id).json"})
	if res.Exit != ExitFailed || res.Outcome != flow.Failed {
		t.Fatalf("%v", res)
	}
	if got := w.zd.Tickets(); len(got) != len(before) {
		t.Fatalf("%d tickets left of %d: the value reached the query", len(got), len(before))
	}
	reqs := w.zd.Requests()
	if len(reqs) != 1 || reqs[0].RawQuery != "" || reqs[0].Path != "/api/v2/tickets/"+urlAttack+".json" {
		t.Fatalf("requests %+v", reqs)
	}

	// In the query, a value stays one parameter's value.
	vars["q"] = "x&role=admin"
	w.zd.ResetRequests()
	w.run(vars, &APIRequest{URL: "users/search.json?query=$(q)"})
	reqs = w.zd.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests %+v", reqs)
	}
	if q, _ := url.ParseQuery(reqs[0].RawQuery); len(q) != 1 || q.Get("query") != "x&role=admin" {
		t.Fatalf("query %q", reqs[0].RawQuery)
	}

	// RawValues: the admin's own value is a path and a query.
	vars["rel"] = "users/search.json?query=nobody"
	w.zd.ResetRequests()
	res = w.run(vars, &APIRequest{URL: "$(rel)", RawValues: true})
	reqs = w.zd.Requests()
	if res.Exit != ExitNext || len(reqs) != 1 || reqs[0].Path != "/api/v2/users/search.json" || reqs[0].RawQuery != "query=nobody" {
		t.Fatalf("%v %+v", res, reqs)
	}
}

// A value cannot walk up the path: the escaped slash is refused before
// sending, as bad input.
func TestAPIRequestURLDotDot(t *testing.T) {
	w := newWorld(t)
	vars := call(knownANI, mainDNIS)
	vars["id"] = "../users/me"
	w.zd.ResetRequests()
	res := w.run(vars, &APIRequest{URL: "tickets/$(id)"})
	if res.Exit != ExitFailed || len(w.zd.Requests()) != 0 {
		t.Fatalf("%v %+v", res, w.zd.Requests())
	}
}

func TestSubstituteSearch(t *testing.T) {
	vars := map[string]string{"ani": searchAttack, "phone": "+14155550100", "name": "Ann Lee", "bs": `a\"b`, "dash": "-x",
		"email": "ann@example.com", "empty": "", "nl": "a\nb"}
	for _, c := range []struct{ in, want string }{
		{`type:user phone:"$(ani)"`, `type:user phone:"x OR type:user role:admin "`},
		{`type:user phone:$(ani)`, `type:user phone:"x OR type:user role:admin "`},
		{`phone:$(phone)`, `phone:+14155550100`},
		{`phone:"$(phone)"`, `phone:"+14155550100"`},
		{`name:$(name)`, `name:"Ann Lee"`},
		{`name:"$(bs)"`, `name:"ab"`},
		{`$(dash)`, `"-x"`},
		{`email:$(email)`, `email:ann@example.com`},
		{`x:$(empty) y`, `x: y`},
		{`"$(nl)"`, `"a b"`},
		{`"a" $(name) "$(phone)"`, `"a" "Ann Lee" "+14155550100"`},
	} {
		got, err := SubstituteSearch(c.in, vars)
		if err != nil || got != c.want {
			t.Errorf("SubstituteSearch(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := SubstituteSearch("$(nope)", vars); !errors.Is(err, ErrUnknownVariable) {
		t.Errorf("err = %v", err)
	}
}

func TestSubstituteURL(t *testing.T) {
	vars := map[string]string{"id": urlAttack, "q": "a b&c=d#e", "slash": "a/b", "n": "12"}
	for _, c := range []struct{ in, want string }{
		{"tickets/$(id).json", "tickets/destroy_many.json%3Fids=1%2C2%2C3&x=.json"},
		{"tickets/$(n).json", "tickets/12.json"},
		{"users/search.json?query=$(q)", "users/search.json?query=a+b%26c%3Dd%23e"},
		{"x/$(slash)?a=$(slash)", "x/a%2Fb?a=a%2Fb"},
	} {
		got, err := SubstituteURL(c.in, vars)
		if err != nil || got != c.want {
			t.Errorf("SubstituteURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// searchTerms splits a query into its terms as Zendesk's search syntax
// does: by spaces outside double quotes.
func searchTerms(q string) []string {
	var terms []string
	var cur strings.Builder
	in := false
	for _, r := range q {
		switch {
		case r == '"':
			in = !in
			cur.WriteRune(r)
		case unicode.IsSpace(r) && !in:
			if cur.Len() > 0 {
				terms = append(terms, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		terms = append(terms, cur.String())
	}
	return terms
}

// Whatever the values, a search query has the terms its template has with
// each value taken as one word, no value brings a quote or a backslash of
// its own, and no value leaves its term.
func FuzzSubstituteSearch(f *testing.F) {
	f.Add(`type:user phone:"$(a)" name:$(b)`, searchAttack, "Ann Lee")
	f.Add(`$(a)$(b)`, `\`, `"`)
	f.Add(`"$(a) $(b)"`, "-x", "a\tb")
	f.Add(`x:$(a) "$(b)`, "\u00a0", `""`)
	f.Fuzz(func(t *testing.T, tmpl, a, b string) {
		if strings.ContainsAny(tmpl, `\`) {
			return
		}
		got, err := SubstituteSearch(tmpl, map[string]string{"a": a, "b": b})
		if err != nil {
			if !errors.Is(err, ErrUnknownVariable) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		shape, _ := Substitute(tmpl, map[string]string{"a": "w", "b": "w"})
		// A value adds no quote but the two around it.
		if added := strings.Count(got, `"`) - strings.Count(shape, `"`); added < 0 || added%2 != 0 || strings.Contains(got, `\`) {
			t.Fatalf("%q with %q, %q gave %q", tmpl, a, b, got)
		}
		if len(searchTerms(got)) > len(searchTerms(shape)) {
			t.Fatalf("%q with %q, %q gave %d terms %q; the template has %d", tmpl, a, b, len(searchTerms(got)), searchTerms(got), len(searchTerms(shape)))
		}
	})
}

// Whatever the values, a URL has its template's path segments and query
// parameters, and each value comes back whole.
func FuzzSubstituteURL(f *testing.F) {
	f.Add("tickets/$(a).json?x=$(b)", urlAttack, "1&y=2")
	f.Add("$(a)/$(b)", "../..", "%2F")
	f.Add("a?$(a)=$(b)#", "#", "?")
	f.Fuzz(func(t *testing.T, tmpl, a, b string) {
		if strings.ContainsAny(tmpl, "%#") || strings.Count(tmpl, "?") > 1 {
			return
		}
		vars := map[string]string{"a": a, "b": b}
		got, err := SubstituteURL(tmpl, vars)
		if err != nil {
			if !errors.Is(err, ErrUnknownVariable) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		shape, _ := Substitute(tmpl, map[string]string{"a": "w", "b": "w"})
		gp, gq, _ := strings.Cut(got, "?")
		sp, sq, _ := strings.Cut(shape, "?")
		if strings.Count(gp, "/") != strings.Count(sp, "/") || strings.Count(gq, "&") != strings.Count(sq, "&") ||
			strings.Count(gq, "=") != strings.Count(sq, "=") || strings.Contains(got, "#") != strings.Contains(shape, "#") {
			t.Fatalf("%q with %q, %q gave %q (shape %q)", tmpl, a, b, got, shape)
		}
		if tmpl == "$(a)" {
			if back, err := url.PathUnescape(got); err != nil || back != a {
				t.Fatalf("%q came back as %q, %v", a, back, err)
			}
		}
	})
}
