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

// A vendor package declares how its API differs, and every call is then a
// line or two.
func ExampleGet() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/tickets/42" {
			io.WriteString(w, `{"ticket":{"id":42,"subject":"Printer on fire"}}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"RecordNotFound","description":"Not found"}`)
	}))
	defer srv.Close()

	vendor := &rest.Vendor{Name: "zendesk", Credentials: "WithOAuthToken"}
	var settings rest.Settings
	if err := settings.SetBaseURL(srv.URL); err != nil {
		panic(err)
	}
	settings.SetCredential("WithOAuthToken", rest.Bearer("token"))
	c, err := rest.NewClient(vendor, &settings)
	if err != nil {
		panic(err)
	}
	type ticket struct {
		ID      int64  `json:"id"`
		Subject string `json:"subject"`
	}
	t, err := rest.Get[ticket](context.Background(), c, rest.Pathf("/api/v2/tickets/%d", 42), nil, "ticket")
	fmt.Println(t.Subject, err)

	_, err = rest.Get[ticket](context.Background(), c, rest.Pathf("/api/v2/tickets/%d", 7), nil, "ticket")
	fmt.Println(errors.Is(err, deskbridge.ErrNotFound))
	// Output:
	// Printer on fire <nil>
	// true
}

// Iterate turns a page-fetching function into a lazy iterator.
func ExampleIterate() {
	fetch := func(_ context.Context, cursor string) (*deskbridge.Page[string], error) {
		page, _ := strconv.Atoi(cursor)
		if page >= 2 {
			return &deskbridge.Page[string]{Items: []string{"e"}}, nil
		}
		return &deskbridge.Page[string]{
			Items: []string{string(rune('a' + 2*page)), string(rune('b' + 2*page))},
			Next:  strconv.Itoa(page + 1),
		}, nil
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
