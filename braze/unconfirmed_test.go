package braze

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

// Each test here names one UNCONFIRMED guess of unconfirmed.go.

func TestUnconfirmedMinorErrorShape(t *testing.T) {
	t.Parallel()
	// Doubt: the item shape {type, input_array, index} is from third-party
	// clients only; strings and missing fields must still decode.
	for in, want := range map[string]MinorError{
		`{"type":"'alias_name' must be a String","input_array":"user_aliases","index":0}`: {"'alias_name' must be a String", "user_aliases", ptr(0)},
		`"Invalid external_id"`:                      {"Invalid external_id", "", nil},
		`{"message":"something"}`:                    {"something", "", nil},
		`{"type":{"code":7},"input_array":"events"}`: {`{"code":7}`, "events", nil},
	} {
		got, err := decodeMinorError([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s → %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{`"unterminated`, `[1]`} {
		if _, err := decodeMinorError([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
	var m MinorError
	if err := m.UnmarshalJSON([]byte(`5`)); err == nil {
		t.Fatal("a number decoded")
	}
}

func TestUnconfirmedMinorErrorIndexPerArray(t *testing.T) {
	t.Parallel()
	// Doubt: that a users/track minor error's index counts within the array
	// it names, in the request that returned it.
	chunk := trackChunk{a: [2]int{150, 225}, e: [2]int{0, 0}, p: [2]int{75, 100}}
	for _, tc := range []struct {
		in   MinorError
		want *int
	}{
		{MinorError{Type: "x", InputArray: "attributes", Index: ptr(2)}, ptr(152)},
		{MinorError{Type: "x", InputArray: "purchases", Index: ptr(0)}, ptr(75)},
		{MinorError{Type: "x", InputArray: "events", Index: ptr(4)}, ptr(4)},
		{MinorError{Type: "x", InputArray: "user_aliases", Index: ptr(2)}, ptr(2)}, // an unknown array: unchanged
		{MinorError{Type: "x", InputArray: "purchases"}, nil},                      // no index: unchanged
	} {
		if got := reindexMinorError(tc.in, chunk); !reflect.DeepEqual(got.Index, tc.want) || got.Type != "x" || got.InputArray != tc.in.InputArray {
			t.Errorf("%+v → %+v, want index %v", tc.in, got, tc.want)
		}
	}
}

func TestUnconfirmedQueued(t *testing.T) {
	t.Parallel()
	// Doubt: 202 {"message":"queued"} is only in an older errors page.
	if !queued(202, "") || !queued(200, "queued") || queued(200, "success") || queued(201, "success") {
		t.Fatal("queued")
	}
}

func TestUnconfirmedRequestIDHeader(t *testing.T) {
	t.Parallel()
	// Doubt: Braze documents no request-id header; a response that carries
	// one of the common names has it on its error.
	for _, h := range requestIDHeaders() {
		c, mock, _ := newMocked(t)
		answer(mock, "/users/identify", reply{status: 400, body: `{"message":"Bad Request"}`, header: http.Header{h: {" b-1 "}}})
		_, err := c.Users.Identify(t.Context(), &IdentifyRequest{AliasesToIdentify: []AliasToIdentify{{ExternalID: "e", UserAlias: UserAlias{AliasName: "n", AliasLabel: "l"}}}})
		var be *Error
		if !errors.As(err, &be) || be.RequestID != "b-1" {
			t.Errorf("%s: err = %v", h, err)
		}
	}
	if len(requestIDHeaders()) != 2 {
		t.Fatalf("headers = %v", requestIDHeaders())
	}
}
