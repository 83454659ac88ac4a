package conversationstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

type authorInput struct {
	Type           *string  `json:"type"`
	Subtypes       []string `json:"subtypes"`
	UserID         *string  `json:"userId"`
	UserExternalID *string  `json:"userExternalId"`
	BrandID        *string  `json:"brandId"`
	DisplayName    *string  `json:"displayName"`
	AvatarURL      *string  `json:"avatarUrl"`
}

type messageInput struct {
	Author      *authorInput    `json:"author"`
	Content     json.RawMessage `json:"content"`
	Destination json.RawMessage `json:"destination"`
	Metadata    map[string]any  `json:"metadata"`
	Override    json.RawMessage `json:"override"`
	Schema      *string         `json:"schema"`
}

// contentTypes are the values of content.type the API takes.
var contentTypes = map[string]bool{
	"text": true, "image": true, "file": true, "carousel": true, "form": true,
	"formResponse": true, "list": true, "location": true, "template": true,
}

// parseContent reads a message's content as the API checks it: a known
// type; text at most 4,096 characters and required unless actions,
// htmlText or markdownText is given (not both of those two); mediaUrl
// required for image and file, altText at most 128 characters; mediaType
// and mediaSize read-only.
func parseContent(raw json.RawMessage) (Content, error) {
	var c Content
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return c, badRequest("should have required property 'content'")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return c, badRequest("content must be an object")
	}
	str := func(key string) (string, bool, error) {
		v, ok := m[key]
		if !ok {
			return "", false, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", true, badRequest("content.%s must be a string", key)
		}
		return s, true, nil
	}
	typ, ok, err := str("type")
	if err != nil {
		return c, err
	}
	if !ok {
		return c, badRequest("should have required property 'content.type'")
	}
	if !contentTypes[typ] {
		return c, badRequest("content.type %q is not one of text, image, file, carousel, form, formResponse, list, location, template", typ)
	}
	c.Type = typ
	for key, dst := range map[string]*string{"text": &c.Text, "mediaUrl": &c.MediaURL, "altText": &c.AltText} {
		v, _, err := str(key)
		if err != nil {
			return c, err
		}
		*dst = v
	}
	if n := utf8.RuneCountInString(c.Text); n > MaxTextLength {
		return c, badRequest("content.text is %d characters; the limit is %d", n, MaxTextLength)
	}
	if n := utf8.RuneCountInString(c.AltText); n > MaxAltTextLength {
		return c, badRequest("content.altText is %d characters; the limit is %d", n, MaxAltTextLength)
	}
	_, hasActions := m["actions"]
	_, hasHTML := m["htmlText"]
	_, hasMarkdown := m["markdownText"]
	switch typ {
	case "text":
		if hasHTML && hasMarkdown {
			return c, badRequest("content can have htmlText or markdownText, not both")
		}
		if c.Text == "" && !hasActions && !hasHTML && !hasMarkdown {
			return c, badRequest("should have required property 'content.text'")
		}
	case "image", "file":
		if c.MediaURL == "" {
			return c, badRequest("should have required property 'content.mediaUrl'")
		}
	}
	for k, v := range m {
		switch k {
		case "type", "text", "mediaUrl", "altText", "mediaType", "mediaSize":
		default:
			if c.Extra == nil {
				c.Extra = map[string]json.RawMessage{}
			}
			c.Extra[k] = v
		}
	}
	return c, nil
}

// subtypes are the author subtypes the API takes (one at most).
var subtypes = map[string]bool{"AI": true, "activity": true, "agent": true, "bot": true}

// author checks a message or activity author and returns it with the
// user it names (nil for a business author). Callers hold s.mu.
func (st *state) author(in *authorInput) (Author, *User, error) {
	if in == nil || in.Type == nil {
		return Author{}, nil, badRequest("should have required property 'author.type'")
	}
	a := Author{Type: *in.Type}
	if len(in.Subtypes) > 1 {
		return a, nil, badRequest("author.subtypes takes one value at most")
	}
	for _, t := range in.Subtypes {
		if !subtypes[t] {
			return a, nil, badRequest("author.subtypes value %q is not one of AI, activity, agent, bot", t)
		}
	}
	a.Subtypes = in.Subtypes
	if in.DisplayName != nil {
		a.DisplayName = *in.DisplayName
	}
	if in.AvatarURL != nil {
		a.AvatarURL = *in.AvatarURL
	}
	switch a.Type {
	case "business":
		if in.UserID != nil || in.UserExternalID != nil {
			return a, nil, badRequest("a business author has no userId or userExternalId")
		}
		return a, nil, nil
	case "user":
		u, err := st.participantUser(&participantInput{UserID: in.UserID, UserExternalID: in.UserExternalID}, "author")
		if err != nil {
			return a, nil, err
		}
		a.UserID = u.ID
		if a.DisplayName == "" {
			a.DisplayName = joinNonEmpty(u.Profile.GivenName, u.Profile.Surname)
		}
		if a.AvatarURL == "" {
			a.AvatarURL = u.Profile.AvatarURL
		}
		return a, u, nil
	}
	return a, nil, badRequest("author.type must be user or business")
}

func (s *Server) postMessage(c *call, in *messageInput) error {
	if in.Author == nil {
		return badRequest("should have required property 'author'")
	}
	content, err := parseContent(in.Content)
	if err != nil {
		return err
	}
	if in.Metadata != nil {
		if err := checkMetadata("metadata", in.Metadata); err != nil {
			return err
		}
	}
	if in.Schema != nil && *in.Schema != "whatsapp" {
		return badRequest("schema must be whatsapp")
	}
	s.mu.Lock()
	cr, err := s.convOr404(c)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	author, _, err := s.st.author(in.Author)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	src := Source{Type: "api:conversations", IntegrationID: c.who.integrationID}
	msg, err := s.st.addMessage(cr, Message{Author: author, Content: content, Source: src, Metadata: in.Metadata})
	if err != nil {
		s.mu.Unlock()
		return err
	}
	out := msg.clone()
	s.mu.Unlock()
	s.flush()
	s.afterMessage(cr.c.ID, out)
	return c.json(http.StatusCreated, map[string]any{"messages": []Message{out}})
}

// addMessage stores a message, fills its id, time and the media details
// of an uploaded file, and emits conversation:message. A conversation at
// its message limit refuses it with 423. Callers hold s.mu.
func (st *state) addMessage(cr *convRec, m Message) (*Message, error) {
	if limit := st.s.cfg.maxMessages; cr.msgs.len() >= limit {
		return nil, &apiError{http.StatusLocked, "locked", fmt.Sprintf("Message limit of %d per conversation reached.", limit)}
	}
	m.ID = st.newID()
	m.Received = stamp(st.s.now())
	if a, ok := st.attachments[mediaPath(m.Content.MediaURL)]; ok && m.Content.MediaURL != "" {
		m.Content.MediaType, m.Content.MediaSize = a.MediaType, a.Size
	}
	rec := m.clone()
	cr.msg[rec.ID] = &rec
	cr.msgs.add(rec.ID)
	cr.c.LastUpdatedAt = rec.Received
	if rec.Author.Type == "user" {
		if p, ok := cr.parts[cr.byUser[rec.Author.UserID]]; ok {
			p.UnreadCount = 0
			p.LastRead = rec.Received
		}
	} else {
		for _, p := range cr.parts {
			p.UnreadCount++
		}
	}
	st.emitMessage(cr, &rec)
	return &rec, nil
}

func (s *Server) listMessages(c *call) error {
	p, err := parsePage(c.r.URL.Query(), messagesPageSize)
	if err != nil {
		return err
	}
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		return listed(c, "messages", cr.msgs, p, true, func(id string) Message { return cr.msg[id].clone() })
	})
}

func (s *Server) deleteAllMessages(c *call) error {
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		cr.msgs = newOrdered()
		cr.msg = map[string]*Message{}
		return c.json(http.StatusOK, map[string]any{})
	})
}

func (s *Server) deleteMessage(c *call) error {
	return locked(s, c, s.convOr404, func(cr *convRec) error {
		id := c.r.PathValue("messageId")
		if !cr.msgs.remove(id) {
			return notFound("not_found", "Message not found")
		}
		delete(cr.msg, id)
		return c.json(http.StatusOK, map[string]any{})
	})
}

type activityInput struct {
	Author *authorInput `json:"author"`
	Type   *string      `json:"type"`
}

func (s *Server) postActivity(c *call, in *activityInput) error {
	if in.Type == nil {
		return badRequest("should have required property 'type'")
	}
	event := map[string]string{"typing:start": "conversation:typing", "typing:stop": "conversation:typing", "conversation:read": "conversation:read"}[*in.Type]
	if event == "" {
		return badRequest("type must be typing:start, typing:stop or conversation:read")
	}
	return lockedFlush(s, c, s.convOr404, func(cr *convRec) error {
		author, _, err := s.st.author(in.Author)
		if err != nil {
			return err
		}
		if *in.Type == "conversation:read" {
			if author.Type == "business" {
				cr.c.BusinessLastRead = stamp(s.now())
			} else if p, ok := cr.parts[cr.byUser[author.UserID]]; ok {
				p.UnreadCount, p.LastRead = 0, stamp(s.now())
			}
		}
		s.st.emitActivity(event, cr, map[string]any{
			"type": *in.Type, "author": toMap(author), "source": map[string]any{"type": "api:conversations"},
		})
		return c.json(http.StatusOK, map[string]any{})
	})
}

// Messages returns copies of a conversation's messages, oldest first.
func (s *Server) Messages(conversationID string) []Message {
	return ofConv(s, conversationID, func(cr *convRec) []Message {
		return entries(cr.msgs.ids, func(id string) Message { return cr.msg[id].clone() })
	})
}
