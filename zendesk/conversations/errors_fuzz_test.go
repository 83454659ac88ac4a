package conversations

import (
	"encoding/json"
	"testing"

	"github.com/deskbridge/deskbridge/internal/fuzzcheck"
)

// FuzzDecodeError: whatever body, status and content type an error
// response carries, the client returns an error that is one bounded line
// and matches the deskbridge kind of its status.
func FuzzDecodeError(f *testing.F) {
	f.Add(423, "application/json", []byte(`{"errors":[{"code":"locked","title":"Message limit of 30000 per conversation reached."}]}`))
	f.Add(400, "application/json", []byte(`{"errors":[{"code":"bad_request","title":"a"},{"code":"bad_request","title":"b"}]}`))
	f.Add(403, "application/json", []byte(`{"errors":[{"code":7,"title":null}]}`))
	fuzzcheck.DecodeError(f, "conversations", decodeError)
}

// FuzzPageReader: whatever a list answers, reading it never panics; a
// page that reads has a next cursor only when it says hasMore.
func FuzzPageReader(f *testing.F) {
	for _, s := range []string{
		`{"messages":[],"meta":{"hasMore":false}}`,
		`{"conversations":[{"id":"a"}],"meta":{"hasMore":true,"afterCursor":"a"}}`,
		`{"messages":[{"id":"m","received":"2025-02-03T16:18:00.100Z","content":{"type":"text","text":"x"}}],"meta":{"hasMore":true},"links":{"prev":"https://x/y?page%5Bbefore%5D=m"}}`,
		`{"meta":{"hasMore":true},"links":{"next":"::"}}`,
		`{"messages":{}}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, backward bool) {
		p, err := cursorPages[Message]("messages", backward)("", body)
		if p == nil {
			if err == nil {
				t.Fatal("no page and no error")
			}
			return
		}
		var m pageMeta
		if p.Next != "" && (json.Unmarshal(body, &m) != nil || !m.Meta.HasMore) {
			t.Fatalf("Next %q from a page without hasMore", p.Next)
		}
		newestFirst(p.Items)
		for i := 1; i < len(p.Items); i++ {
			if p.Items[i].Received.After(p.Items[i-1].Received) {
				t.Fatal("not newest first")
			}
		}
	})
}

// FuzzContent: any content decodes without panicking, keeps its raw form,
// and encodes again.
func FuzzContent(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","text":"hi","actions":[{"type":"reply","text":"a","payload":"b"}]}`,
		`{"type":"carousel","items":[{"title":"t","actions":[{"type":"postback","text":"b","payload":"p"}]}]}`,
		`{"type":"location","coordinates":{"lat":1.5,"long":-2}}`,
		`{"type":"formResponse","fields":[{"type":"select","name":"n","label":"l","select":[{"name":"a"}]}]}`,
		`{"type":"somethingNew","whatever":[1,2,3]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Content
		if json.Unmarshal(data, &c) != nil {
			return
		}
		if !json.Valid(c.Raw) {
			t.Fatalf("Raw %q is not JSON", c.Raw)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	})
}
