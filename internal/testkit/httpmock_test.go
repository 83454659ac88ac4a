package testkit

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestRecorder(t *testing.T) {
	mock := httpmock.NewMockTransport()
	rec := &Recorder{}
	var seen string
	mock.RegisterResponder("POST", "https://api.example.com/a%2Fb/c", rec.Wrap(func(req *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(req.Body)
		seen = string(b)
		return JSONResponse(201, `{"ok":true}`)(req)
	}))
	hc := &http.Client{Transport: mock}
	resp, err := hc.Post("https://api.example.com/a%2Fb/c?x=1&y=two", "application/x-www-form-urlencoded", strings.NewReader("k=v&k=w"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answer %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if seen != "k=v&k=w" {
		t.Errorf("the responder read %q after the recorder", seen)
	}
	r := rec.Last(t)
	if r.Method != "POST" || r.URL != "https://api.example.com/a%2Fb/c" || r.Host != "api.example.com" ||
		r.Path != "/a/b/c" || r.EscapedPath != "/a%2Fb/c" || r.RawQuery != "x=1&y=two" || r.Query.Get("y") != "two" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Body != "k=v&k=w" {
		t.Errorf("%+v", r)
	}
	if f := r.Form(); len(f["k"]) != 2 || f["k"][1] != "w" {
		t.Errorf("Form %v", f)
	}
	if f := (Request{Body: "%zz"}).Form(); f == nil || len(f) != 0 {
		t.Errorf("Form of a bad body %v", f)
	}
	if n := len(rec.To("https://api.example.com/a%2Fb/c")); n != 1 {
		t.Errorf("To: %d", n)
	}
	if n := len(rec.To("https://api.example.com/other")); n != 0 {
		t.Errorf("To other: %d", n)
	}
	if n := len(rec.All()); n != 1 {
		t.Errorf("All: %d", n)
	}
}

func TestSameJSONAndFixture(t *testing.T) {
	SameJSON(t, `{"a":1,"b":[1,2]}`, `{ "b": [1, 2], "a": 1 }`)
	ft := &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		SameJSON(ft, `{"a":1}`, `{"a":2}`)
	}()
	if !ft.failed {
		t.Error("SameJSON passed different documents")
	}
	ft = &fakeTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		Fixture(ft, "no-such-file.json")
	}()
	if !ft.failed {
		t.Error("Fixture of a missing file did not fail")
	}
}

// fakeTB records a failure instead of failing the test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(...any) {
	f.failed = true
	panic("fatal")
}
func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
