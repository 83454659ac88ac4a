package rest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// A vendor client sends every call through one Do.
func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/tickets/42" {
			io.WriteString(w, `{"ticket":{"id":42,"subject":"Printer on fire"}}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"RecordNotFound","description":"Not found"}`)
	}))
	defer srv.Close()

	c, err := rest.New(rest.Config{Vendor: "zendesk", BaseURL: srv.URL, Auth: rest.BearerToken("token")})
	if err != nil {
		panic(err)
	}
	var out struct {
		Ticket struct {
			ID      int64  `json:"id"`
			Subject string `json:"subject"`
		} `json:"ticket"`
	}
	_, err = c.Do(context.Background(), &rest.Request{Path: rest.Pathf("/api/v2/tickets/%d", 42)}, &out)
	fmt.Println(out.Ticket.Subject, err)

	_, err = c.Do(context.Background(), &rest.Request{Path: rest.Pathf("/api/v2/tickets/%d", 7)}, nil)
	fmt.Println(errors.Is(err, deskbridge.ErrNotFound))
	// Output:
	// Printer on fire <nil>
	// true
}

// Iterate turns a page-fetching function into a lazy iterator.
func ExampleIterate() {
	fetch := func(_ context.Context, cursor string) ([]string, string, error) {
		page, _ := strconv.Atoi(cursor)
		if page >= 2 {
			return []string{"e"}, "", nil
		}
		return []string{string(rune('a' + 2*page)), string(rune('b' + 2*page))}, strconv.Itoa(page + 1), nil
	}
	for item, err := range rest.Iterate(context.Background(), "", fetch) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Print(item, " ")
	}
	fmt.Println()
	// Output: a b c d e
}
