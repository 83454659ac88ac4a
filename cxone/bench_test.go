package cxone

import (
	"encoding/json"
	"testing"
)

// BenchmarkDecodeCompletedPage reads a page of 100 completed contacts the
// way the client does (meta, items under completedContacts, v23 aliases),
// beside the floor: encoding/json decoding the same body into the same
// fields under their v33 names only.
func BenchmarkDecodeCompletedPage(b *testing.B) {
	body := completedBody(b, 100)
	l := &list{path: "/p", keys: contactListKeys("completed")}
	read := reader[Contact](l, nil)
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			p, err := read("", body)
			if err != nil || len(p.Items) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib-floor", func(b *testing.B) {
		// The same fields, without the v23 aliases (Contact's own
		// UnmarshalJSON) and without the page's meta and key lookup.
		type plainContact Contact
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var env struct {
				TotalRecords      int            `json:"totalRecords"`
				LastPollTime      string         `json:"lastPollTime"`
				CompletedContacts []plainContact `json:"completedContacts"`
			}
			if err := json.Unmarshal(body, &env); err != nil || len(env.CompletedContacts) != 100 {
				b.Fatal(err)
			}
		}
	})
}

// completedBody is a completed-contacts page of n copies of the fixture's
// first contact.
func completedBody(b *testing.B, n int) []byte {
	var page struct {
		CompletedContacts []json.RawMessage `json:"completedContacts"`
	}
	if err := json.Unmarshal([]byte(fixture(b, "completed_contacts_v33.json")), &page); err != nil {
		b.Fatal(err)
	}
	items := make([]json.RawMessage, n)
	for i := range items {
		items[i] = page.CompletedContacts[0]
	}
	out, _ := json.Marshal(map[string]any{"totalRecords": n, "lastPollTime": "2026-11-21T10:05:00.123Z", "completedContacts": items})
	return out
}
