package zendesktest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Benchmarks of the fake's hot paths, each beside a floor: the same
// request answered by a handler that does no work. ns/op should stay flat
// as the account grows.

func benchGet(b *testing.B, client *http.Client, auth, url string) {
	b.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	for b.Loop() {
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

// benchAPI benchmarks GET url on s as its admin and returns the body of
// one answer, for the floor to send.
func benchAPI(b *testing.B, s *Server, url string) []byte {
	b.Helper()
	auth := basicAuth(s.Email+"/token", s.APIToken)
	var body []byte
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", auth)
	if res, err := s.Client().Do(req); err == nil {
		body, _ = io.ReadAll(res.Body)
		res.Body.Close()
	}
	benchGet(b, s.Client(), auth, url)
	return body
}

// benchFloor answers every request with body.
func benchFloor(b *testing.B, body []byte) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, 200, body)
	}))
	defer srv.Close()
	benchGet(b, srv.Client(), "", srv.URL+"/api/v2/tickets")
}

func BenchmarkTicketsCursorPage(b *testing.B) {
	var body []byte
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			s := NewServer()
			defer s.Close()
			addTickets(b, s, n)
			url := fmt.Sprintf("%s/api/v2/tickets?page[size]=100&page[after]=%s", s.URL, encodeCursor(seqKey(int64(n/2))))
			body = benchAPI(b, s, url)
		})
	}
	b.Run("floor", func(b *testing.B) { benchFloor(b, body) })
}

func BenchmarkUserSearchByField(b *testing.B) {
	var body []byte
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			s := NewServer()
			defer s.Close()
			if _, err := s.AddUserField(UserField{Key: "crm_id", Title: "CRM id"}); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				s.AddUser(User{Name: fmt.Sprintf("User %d", i), UserFields: map[string]any{"crm_id": fmt.Sprintf("C%d", i)}})
			}
			url := fmt.Sprintf("%s/api/v2/users/search?query=crm_id:C%d", s.URL, n/2)
			body = benchAPI(b, s, url)
		})
	}
	b.Run("floor", func(b *testing.B) { benchFloor(b, body) })
}

func BenchmarkTableDeleteAndPut(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			tb := newTable[int64, int]()
			for i := range int64(n) {
				tb.put(i, 0)
			}
			oldest, next := int64(0), int64(n)
			for b.Loop() {
				tb.del(oldest)
				tb.put(next, 0)
				oldest, next = oldest+1, next+1
			}
		})
		b.Run(fmt.Sprintf("floor/records=%d", n), func(b *testing.B) {
			m := map[int64]int{}
			for i := range int64(n) {
				m[i] = 0
			}
			oldest, next := int64(0), int64(n)
			for b.Loop() {
				delete(m, oldest)
				m[next] = 0
				oldest, next = oldest+1, next+1
			}
		})
	}
}
