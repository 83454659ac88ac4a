package fakeserver

import (
	"encoding/json"
	"testing"
)

type strictTicket struct {
	Subject string            `json:"subject"`
	Tags    []string          `json:"tags"`
	Fields  []strictField     `json:"custom_fields"`
	Extra   map[string]string `json:"extra"`
	Raw     json.RawMessage   `json:"raw"`
	strictEmbedded
}

type strictEmbedded struct {
	Priority string `json:"priority"`
}

type strictField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

func TestDecodeJSONMatchesKeysExactly(t *testing.T) {
	var in struct {
		Ticket *strictTicket `json:"ticket"`
	}
	// encoding/json alone would fill Ticket from "TICKET".
	if err := json.Unmarshal([]byte(`{"TICKET":{"subject":"x"}}`), &in); err != nil || in.Ticket == nil {
		t.Fatalf("the premise changed: encoding/json gave %+v, %v", in.Ticket, err)
	}
	in.Ticket = nil
	if err := DecodeJSON([]byte(`{"TICKET":{"subject":"x"}}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.Ticket != nil {
		t.Fatalf(`"TICKET" filled "ticket": %+v`, in.Ticket)
	}

	body := `{"ticket":{"Subject":"wrong","subject":"right","PRIORITY":"high","priority":"low",
		"custom_fields":[{"ID":7,"id":8,"value":{"Keep":"as is"}}],
		"extra":{"Any":"key"},"raw":{"Any":1},"unknown":1}}`
	in.Ticket = nil
	if err := DecodeJSON([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	tk := in.Ticket
	if tk.Subject != "right" || tk.Priority != "low" || len(tk.Fields) != 1 || tk.Fields[0].ID != 8 {
		t.Fatalf("got %+v", tk)
	}
	if tk.Extra["Any"] != "key" || string(tk.Raw) != `{"Any":1}` {
		t.Fatalf("map keys and raw values must pass as they are: %+v %s", tk.Extra, tk.Raw)
	}
	if v, _ := tk.Fields[0].Value.(map[string]any); v["Keep"] != "as is" {
		t.Fatalf("an any value must pass as it is: %#v", tk.Fields[0].Value)
	}

	in.Ticket = nil
	if err := DecodeJSON([]byte(`{"ticket":{"Subject":"only the wrong case"}}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.Ticket == nil || in.Ticket.Subject != "" {
		t.Fatalf(`"Subject" filled "subject": %+v`, in.Ticket)
	}
}

func TestDecodeJSONKeepsNumbersAndRefusesJunk(t *testing.T) {
	var v struct {
		ID   int64 `json:"id"`
		Name string
	}
	if err := DecodeJSON([]byte(`{"id":9007199254740993,"NAME":"x","name":"y"}`), &v); err != nil {
		t.Fatal(err)
	}
	// A field without a tag is named by its Go name, exactly.
	if v.ID != 9007199254740993 || v.Name != "" {
		t.Fatalf("got %+v", v)
	}
	for _, body := range []string{``, `{`, `{"id":1} {"id":2}`, `{"id":"x"}`} {
		if err := DecodeJSON([]byte(body), &v); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
}
