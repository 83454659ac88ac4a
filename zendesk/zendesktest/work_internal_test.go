package zendesktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"testing"
)

// These tests count the records a request touches: every lookup must be
// O(1) or O(log n), so a request for one record (or one page) must not
// walk the whole account.

// logWork bounds the work of k operations of O(log n) each.
func logWork(k, n int) int { return 4 * k * bits.Len(uint(n)) }

func doJSON(t *testing.T, s *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", basicAuth(s.Email+"/token", s.APIToken))
	req.Header.Set("Content-Type", "application/json")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// work returns the table slots walked and the records matched so far.
func work(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	return st.tickets.visited + st.users.visited + st.userFields.visited + st.groups.visited + st.examined + st.userIx.probes
}

func TestTableDeleteIsLogarithmic(t *testing.T) {
	t.Parallel()
	const n = 20000
	tb := newTable[int64, int]()
	for i := range int64(n) {
		tb.put(i, int(i))
	}
	for i := int64(0); i < n; i += 2 {
		if !tb.del(i) {
			t.Fatalf("del(%d) = false", i)
		}
	}
	if tb.del(0) {
		t.Fatal("deleted twice")
	}
	if limit := logWork(n/2, n); tb.visited > limit {
		t.Errorf("%d deletes walked %d slots, want O(log n) each (at most %d in all)", n/2, tb.visited, limit)
	}
	tb.put(0, -1) // back, now the newest
	vals := tb.values()
	if len(vals) != n/2+1 || tb.len() != n/2+1 || vals[0] != 1 || vals[1] != 3 || vals[len(vals)-1] != -1 {
		t.Fatalf("values after deletes: len %d, first %v, last %v", len(vals), vals[:2], vals[len(vals)-1])
	}
	for i, v := range vals[:len(vals)-1] {
		if v != 2*i+1 {
			t.Fatalf("values[%d] = %d, want %d", i, v, 2*i+1)
		}
	}
}

// addTickets creates n tickets directly in the state.
func addTickets(t testing.TB, s *Server, n int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.stamp()
	for i := range n {
		body := fmt.Sprintf("ticket %d", i)
		if _, err := s.st.createTicket(&ticketInput{Comment: &commentInput{Body: &body}}, s.AdminID, ViaWebService, now); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListPageDoesNotWalkEveryRecord(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	const n = 5000
	addTickets(t, s, n)

	// Walk to the middle by cursor, then count the work of one page.
	_, m := doJSON(t, s, "GET", "/api/v2/tickets?page[size]=100", nil)
	for range n/100/2 - 1 {
		next, _ := m["links"].(map[string]any)["next"].(string)
		_, m = doJSON(t, s, "GET", next[len(s.URL):], nil)
	}
	next, _ := m["links"].(map[string]any)["next"].(string)
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("page[size]", "10")
	before := work(s)
	_, m = doJSON(t, s, "GET", u.Path+"?"+q.Encode(), nil)
	if w := work(s) - before; w > logWork(12, n) {
		t.Errorf("one cursor page of 10 tickets walked %d records of %d", w, n)
	}
	page, _ := m["tickets"].([]any)
	if len(page) != 10 || page[0].(map[string]any)["id"] != float64(n/2+1) || m["meta"].(map[string]any)["has_more"] != true {
		t.Fatalf("page after the middle: %d tickets, first %v, meta %v", len(page), page[0].(map[string]any)["id"], m["meta"])
	}

	// Deleted tickets leave the listing, and deleting costs O(1).
	before = work(s)
	for id := 1; id <= 100; id++ {
		if st, _ := doJSON(t, s, "DELETE", fmt.Sprintf("/api/v2/tickets/%d", id), nil); st != 204 {
			t.Fatalf("delete %d: %d", id, st)
		}
	}
	if w := work(s) - before; w > logWork(100, n) {
		t.Errorf("100 deletes walked %d records of %d", w, n)
	}
	_, m = doJSON(t, s, "GET", "/api/v2/tickets?page[size]=5", nil)
	if page, _ := m["tickets"].([]any); len(page) != 5 || page[0].(map[string]any)["id"] != float64(101) {
		t.Fatalf("first page after deletes: %v", m["tickets"])
	}
	before = work(s)
	_, m = doJSON(t, s, "GET", "/api/v2/tickets?page=2&per_page=10", nil)
	if w := work(s) - before; w > logWork(10, n) {
		t.Errorf("offset page 2 walked %d records of %d", w, n)
	}
	if page, _ := m["tickets"].([]any); len(page) != 10 || page[0].(map[string]any)["id"] != float64(111) || m["count"] != float64(n-100) {
		t.Fatalf("offset page 2: %v, count %v", m["tickets"], m["count"])
	}
}

// TestTableMatchesASlice checks the table against a plain slice through
// random puts, updates and deletes (enough to compact several times).
func TestTableMatchesASlice(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	tb := newTable[int64, int64]()
	var ref []int64 // live keys in insertion order; the value of key k is -k
	next := int64(1)
	for op := range 20000 {
		switch r := rng.IntN(10); {
		case r < 5 || len(ref) == 0:
			tb.put(next, -next)
			ref = append(ref, next)
			next += int64(1 + rng.IntN(3))
		case r < 6:
			k := ref[rng.IntN(len(ref))]
			tb.put(k, -k) // an update keeps the key's place
		default:
			i := rng.IntN(len(ref))
			if !tb.del(ref[i]) {
				t.Fatalf("op %d: del(%d) = false", op, ref[i])
			}
			ref = slices.Delete(ref, i, i+1)
		}
		if op%997 != 0 {
			continue
		}
		if tb.len() != len(ref) {
			t.Fatalf("op %d: len %d, want %d", op, tb.len(), len(ref))
		}
		want := make([]int64, len(ref))
		for i, k := range ref {
			want[i] = -k
		}
		if got := tb.values(); !slices.Equal(got, want) {
			t.Fatalf("op %d: values differ", op)
		}
		for range 20 {
			from, n := 1+rng.IntN(len(ref)+2), rng.IntN(12)
			keys, vals := tb.ranked(from, n)
			lo, hi := min(from-1, len(ref)), min(from-1+n, len(ref))
			if !slices.Equal(keys, ref[lo:hi]) || !slices.Equal(vals, want[lo:hi]) {
				t.Fatalf("op %d: ranked(%d, %d) = %v, want %v", op, from, n, keys, ref[lo:hi])
			}
			cut := rng.Int64N(next + 1)
			i := sort.Search(len(ref), func(i int) bool { return ref[i] > cut })
			keys, _, more, ok := tb.pageAfter(cut, false, n)
			if !ok || !slices.Equal(keys, ref[i:min(len(ref), i+n)]) || more != (i+n < len(ref)) {
				t.Fatalf("op %d: pageAfter(%d, %d) = %v %v, want %v", op, cut, n, keys, more, ref[i:min(len(ref), i+n)])
			}
			j := sort.Search(len(ref), func(i int) bool { return ref[i] >= cut })
			keys, _, more, ok = tb.pageBefore(cut, n)
			if !ok || !slices.Equal(keys, ref[max(0, j-n):j]) || more != (j-n > 0) {
				t.Fatalf("op %d: pageBefore(%d, %d) = %v %v, want %v", op, cut, n, keys, more, ref[max(0, j-n):j])
			}
		}
	}
	// A key put again after its delete comes last: the keys are no longer
	// ascending, and the key-order pages say so.
	if len(ref) > 0 {
		k := ref[0]
		tb.del(k)
		tb.put(k, -k)
		if _, _, _, ok := tb.pageAfter(0, true, 1); ok {
			t.Fatal("pageAfter on keys put out of order")
		}
		if vals := tb.values(); vals[len(vals)-1] != -k {
			t.Fatalf("re-put key not last: %v", vals[len(vals)-1])
		}
	}
}
