package dydu

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Each test here names one guess of unconfirmed.go: what Dydu does not
// document publicly, so that a change of the guess is a change of a test.

// TestUnconfirmedDefaultSpace names the doubt: the chatbox's constant
// says "Defaut", its welcomeCall falls back to "default".
func TestUnconfirmedDefaultSpace(t *testing.T) {
	t.Parallel()
	if defaultSpace() != "Defaut" {
		t.Fatal(defaultSpace())
	}
}

// TestUnconfirmedRequestIDHeaders names the doubt: Dydu documents no
// request id header; X-Request-Id is read.
func TestUnconfirmedRequestIDHeaders(t *testing.T) {
	t.Parallel()
	if h := requestIDHeaders(); len(h) != 1 || h[0] != "X-Request-Id" {
		t.Fatal(h)
	}
}

// TestUnconfirmedUndecodableString names the doubt: whether a server ever
// sends a string of values that is not base64 (the chatbox's own fixture
// does); such a string is kept.
func TestUnconfirmedUndecodableString(t *testing.T) {
	t.Parallel()
	if undecodableString("Bonjour !") != "Bonjour !" || decodeString("Bonjour !") != "Bonjour !" {
		t.Fatal("a plain string is not kept")
	}
}

// TestUnconfirmedErrorFields names the doubt: Dydu documents no error
// body; the envelope and plain {"message"}/{"error"} shapes are read.
func TestUnconfirmedErrorFields(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]errorText{
		`{"type":"error","values":{"code":"` + b64("E1") + `","text":"` + b64("é") + `"}}`: {typ: "error", code: "E1", message: "é"},
		`{"message":"m","code":"c"}`:   {code: "c", message: "m"},
		`{"error":"e","status":"400"}`: {code: "400", message: "e"},
		`{"description":"d"}`:          {message: "d"},
		`not json`:                     {},
		`{"values":[1]}`:               {},
	} {
		if got := errorFields([]byte(body)); got != want {
			t.Errorf("%s: %+v, want %+v", body, got, want)
		}
	}
}

// TestUnconfirmedInputLength names the doubt: what "600 characters" counts;
// UTF-16 code units (Java's) are counted, so an emoji outside the BMP
// counts two and an accented letter one.
func TestUnconfirmedInputLength(t *testing.T) {
	t.Parallel()
	if inputLength("é") != 1 || inputLength("🐈") != 2 || inputLength(strings.Repeat("a", 600)) != 600 {
		t.Fatal(inputLength("é"), inputLength("🐈"))
	}
}

// TestUnconfirmedReadingMode names the doubt: the "mode" value of a
// reading receipt is not documented; "Synchron" is sent, base64.
func TestUnconfirmedReadingMode(t *testing.T) {
	t.Parallel()
	if readingMode() != "Synchron" {
		t.Fatal(readingMode())
	}
}

// TestUnconfirmedWaitingDurationUnit names the doubt: the chatbox's
// websocket shows estimatedWaitingDuration as seconds; the HTTP API does
// not say.
func TestUnconfirmedWaitingDurationUnit(t *testing.T) {
	t.Parallel()
	if waitingDurationUnit() != time.Second {
		t.Fatal(waitingDurationUnit())
	}
}

// TestUnconfirmedOperatorOf names the doubt: fromDetail's shape is
// unknown (kept as text, or as JSON when an object); the operator* keys
// are the transcript's.
func TestUnconfirmedOperatorOf(t *testing.T) {
	t.Parallel()
	op := operatorOf(Values{"fromDetail": "Camille", "operatorName": "Camille", "operatorExternalId": "9"})
	if op.Detail != "Camille" || op.Name != "Camille" || op.ExternalID != "9" {
		t.Fatalf("%+v", op)
	}
	if op := operatorOf(Values{"fromDetail": map[string]any{"name": "C"}}); op.Detail != `{"name":"C"}` {
		t.Fatalf("%+v", op)
	}
}

// TestUnconfirmedWhoamiHost names the doubt: the answer of whoami/ is read
// as the chatbox reads it, the first "host" of "headers".
func TestUnconfirmedWhoamiHost(t *testing.T) {
	t.Parallel()
	if h, err := whoamiHost([]byte(`{"headers":[{"host":"app2"}]}`)); err != nil || h != "app2" {
		t.Fatal(h, err)
	}
	for _, body := range []string{`{}`, `[]`, `{"headers":[{"host":1}]}`} {
		if _, err := whoamiHost([]byte(body)); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

// TestUnconfirmedCompetencies names the doubt: the admin path
// (GET competencies/{botUUID}) and its answer's shape are guesses: a
// JSON array of {id, name}, or the envelope's "competencies".
func TestUnconfirmedCompetencies(t *testing.T) {
	t.Parallel()
	if p := competenciesPath(testBot); p != "/competencies/"+testBot {
		t.Fatal(p)
	}
	got, err := decodeCompetencies([]byte(`[{"id":7,"name":"Animal"},{"id":"8","name":"Vétérinaire"},{"id":9},"x"]`))
	if err != nil || len(got) != 2 || got[0] != (Competency{ID: "7", Name: "Animal"}) || got[1].Name != "Vétérinaire" {
		t.Fatalf("%+v %v", got, err)
	}
	got, err = decodeCompetencies([]byte(`{"type":"competencies","values":{"competencies":[{"id":1,"name":"` + b64("Animal") + `"}]}}`))
	if err != nil || len(got) != 1 || got[0].Name != "Animal" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := decodeCompetencies([]byte(`{"values":{}}`)); !errors.Is(err, errNoCompetencies) {
		t.Fatal(err)
	}
	if _, err := decodeCompetencies([]byte(`[`)); err == nil {
		t.Fatal("no error")
	}
}
