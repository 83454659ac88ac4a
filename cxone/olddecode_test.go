package cxone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/internal/rest"
)

// This file freezes the decoding path as it was before the single-pass
// contact decoding (commit 6db8f44): the reference that
// FuzzDecodeContactAgrees and FuzzDecodePageAgrees compare the client
// with. Do not change it to follow the client.

// oldContact is Contact with the UnmarshalJSON it had.
type oldContact Contact

func (c *oldContact) UnmarshalJSON(b []byte) error {
	type plain Contact
	var v struct {
		plain
		FromAddr     string          `json:"fromAddr"`
		ToAddr       string          `json:"toAddr"`
		ContactStart Time            `json:"contactStart"`
		MediaType    json.RawMessage `json:"mediaType"`
		ConfSeconds  float64         `json:"confSeconds"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*c = oldContact(v.plain)
	if c.FromAddress == "" {
		c.FromAddress = v.FromAddr
	}
	if c.ToAddress == "" {
		c.ToAddress = v.ToAddr
	}
	if c.ContactStartDate.IsZero() {
		c.ContactStartDate = v.ContactStart
	}
	if c.MediaTypeID == 0 {
		c.MediaTypeID, _ = strconv.Atoi(rest.JSONText(v.MediaType))
	}
	if c.ConferenceSeconds == 0 {
		c.ConferenceSeconds = v.ConfSeconds
	}
	return nil
}

// oldDecodeContact is decodeContact as it was (decodeOne is unchanged).
func oldDecodeContact(body []byte) (*Contact, error) {
	var c oldContact
	var raw json.RawMessage
	if found, err := rest.DecodeMember(body, "contactId", &raw); err == nil && found && len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
	} else if err := decodeOne(body, &c, "contacts", "completedContacts"); err != nil {
		return nil, err
	}
	if c.ContactID == 0 {
		return nil, errEmptyAnswer{}
	}
	cc := Contact(c)
	return &cc, nil
}

// oldReader is reader as it was.
func oldReader[T any](l *list, meta *listMeta) rest.PageReader[T] {
	return func(cursor string, body []byte) (*deskbridge.Page[T], error) {
		if len(bytes.TrimSpace(body)) == 0 {
			return &deskbridge.Page[T]{}, nil // 204: an empty list
		}
		var m listMeta
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
		if meta != nil {
			*meta = m
		}
		items, err := oldDecodeItems[T](body, l.keys, m.TotalRecords)
		if err != nil {
			return nil, err
		}
		return &deskbridge.Page[T]{Items: items, Next: l.next(cursor, m, len(items)), Total: m.TotalRecords}, nil
	}
}

// oldDecodeItems is decodeItems as it was.
func oldDecodeItems[T any](body []byte, keys []string, total int) ([]T, error) {
	for _, k := range keys {
		var items []T
		found, err := rest.DecodeMember(body, k, &items)
		if err != nil {
			return nil, fmt.Errorf("decoding %q: %w", k, err)
		}
		if found {
			return items, nil
		}
	}
	if total == 0 {
		return nil, nil
	}
	return nil, fmt.Errorf("the answer has none of %q", keys)
}

// oldContactPage reads a contact page the old way, as Contacts.
func oldContactPage(l *list, meta *listMeta, cursor string, body []byte) (*deskbridge.Page[Contact], error) {
	p, err := oldReader[oldContact](l, meta)(cursor, body)
	if err != nil {
		return nil, err
	}
	out := &deskbridge.Page[Contact]{Next: p.Next, Total: p.Total}
	if p.Items != nil {
		out.Items = make([]Contact, len(p.Items))
		for i, c := range p.Items {
			out.Items[i] = Contact(c)
		}
	}
	return out, nil
}
