package deskbridge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/babelforce"
	"github.com/deskbridge/deskbridge/zendesk"
)

// Every vendor error unwraps to one deskbridge kind, so code that talks to
// several vendors branches once; errors.As still reaches the vendor detail.
func Example_errorKinds() {
	// Two tiny stand-ins: Zendesk answers 404, babelforce 401.
	zd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"RecordNotFound","description":"Not found"}`)
	}))
	defer zd.Close()
	bf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"success":false,"message":"invalid token"}`)
	}))
	defer bf.Close()

	ctx := context.Background()
	zc, err := zendesk.NewClient(zendesk.WithBaseURL(zd.URL), zendesk.WithOAuthToken("zendesk-token"))
	if err != nil {
		panic(err)
	}
	bc, err := babelforce.NewClient(babelforce.WithBaseURL(bf.URL), babelforce.WithAccessToken("babelforce-token"))
	if err != nil {
		panic(err)
	}

	_, err = zc.Tickets.Get(ctx, 42)
	fmt.Println("zendesk not found:", errors.Is(err, deskbridge.ErrNotFound))
	var zerr *zendesk.Error
	if errors.As(err, &zerr) {
		fmt.Println("zendesk code:", zerr.Code)
	}

	_, err = bc.Agents.Get(ctx, "0fe3d4a8335b4c3ea63dc38d153020e2")
	fmt.Println("babelforce unauthorized:", errors.Is(err, deskbridge.ErrUnauthorized))

	// What every vendor's error shares is one errors.As away.
	var apiErr *deskbridge.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Vendor, apiErr.StatusCode, apiErr.Message)
	}
	// Output:
	// zendesk not found: true
	// zendesk code: RecordNotFound
	// babelforce unauthorized: true
	// babelforce 401 invalid token
}
