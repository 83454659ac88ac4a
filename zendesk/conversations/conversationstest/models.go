package conversationstest

import (
	"encoding/json"
	"maps"
	"slices"
)

// The records below are the fake's state and also its wire format: their
// JSON tags are the API's property names
// (https://developer.zendesk.com/api-reference/conversations/), and a
// property without a value is left out, as the API leaves it out.
// Accessors such as [Server.User] return copies.

// User is an end user of the app.
type User struct {
	ID            string         `json:"id"`
	ExternalID    string         `json:"externalId,omitempty"`
	ZendeskID     string         `json:"zendeskId,omitempty"`
	SignedUpAt    string         `json:"signedUpAt,omitempty"`
	ToBeRetained  bool           `json:"toBeRetained"`
	Profile       Profile        `json:"profile"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	Identities    []Identity     `json:"identities,omitempty"`
	Authenticated bool           `json:"authenticated"`
}

// Profile is a user's profile.
type Profile struct {
	GivenName string `json:"givenName,omitempty"`
	Surname   string `json:"surname,omitempty"`
	Email     string `json:"email,omitempty"`
	AvatarURL string `json:"avatarUrl,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

// Identity is one of a user's identities (an email address…).
type Identity struct {
	Type         string `json:"type"`
	Value        string `json:"value"`
	Verification string `json:"verification,omitempty"`
}

func (u User) clone() User {
	u.Metadata = maps.Clone(u.Metadata)
	u.Identities = slices.Clone(u.Identities)
	return u
}

// name is what the user is called: given name and surname, else the
// external id, else the id.
func (u *User) name() string {
	switch n := joinNonEmpty(u.Profile.GivenName, u.Profile.Surname); {
	case n != "":
		return n
	case u.ExternalID != "":
		return u.ExternalID
	}
	return u.ID
}

// SwitchboardRef is how a conversation names its active or pending
// switchboard integration.
type SwitchboardRef struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId,omitempty"`
	IntegrationType string `json:"integrationType"`
}

// Conversation is a conversation of the app.
type Conversation struct {
	ID                            string          `json:"id"`
	Type                          string          `json:"type"`
	Metadata                      map[string]any  `json:"metadata,omitempty"`
	ActiveSwitchboardIntegration  *SwitchboardRef `json:"activeSwitchboardIntegration,omitempty"`
	PendingSwitchboardIntegration *SwitchboardRef `json:"pendingSwitchboardIntegration,omitempty"`
	IsDefault                     bool            `json:"isDefault"`
	DisplayName                   string          `json:"displayName,omitempty"`
	Description                   string          `json:"description,omitempty"`
	IconURL                       string          `json:"iconUrl,omitempty"`
	BusinessLastRead              string          `json:"businessLastRead,omitempty"`
	LastUpdatedAt                 string          `json:"lastUpdatedAt,omitempty"`
	CreatedAt                     string          `json:"createdAt,omitempty"`
}

func (c Conversation) clone() Conversation {
	c.Metadata = maps.Clone(c.Metadata)
	if c.ActiveSwitchboardIntegration != nil {
		r := *c.ActiveSwitchboardIntegration
		c.ActiveSwitchboardIntegration = &r
	}
	if c.PendingSwitchboardIntegration != nil {
		r := *c.PendingSwitchboardIntegration
		c.PendingSwitchboardIntegration = &r
	}
	return c
}

// truncated is the conversation as webhook payloads carry it.
func (c *Conversation) truncated() map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type}
	if len(c.Metadata) > 0 {
		m["metadata"] = maps.Clone(c.Metadata)
	}
	if c.ActiveSwitchboardIntegration != nil {
		m["activeSwitchboardIntegration"] = *c.ActiveSwitchboardIntegration
	}
	if c.PendingSwitchboardIntegration != nil {
		m["pendingSwitchboardIntegration"] = *c.PendingSwitchboardIntegration
	}
	return m
}

// Participant is a user's membership of a conversation.
type Participant struct {
	ID             string `json:"id"`
	UserID         string `json:"userId"`
	UnreadCount    int    `json:"unreadCount"`
	UserExternalID string `json:"userExternalId,omitempty"`
	LastRead       string `json:"lastRead,omitempty"`
}

// Author is who wrote a message.
type Author struct {
	// Type is "user" (the end user) or "business" (an agent, a bot).
	Type        string   `json:"type"`
	Subtypes    []string `json:"subtypes,omitempty"`
	UserID      string   `json:"userId,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	AvatarURL   string   `json:"avatarUrl,omitempty"`
}

// Content is a message's content. Type is its discriminator; the keys
// the fake reads are fields, and every other key the message was posted
// with (actions, htmlText, items…) is kept in Extra and written back as
// it came.
type Content struct {
	Type      string `json:"type"`
	Text      string `json:"text,omitempty"`
	MediaURL  string `json:"mediaUrl,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	MediaSize int64  `json:"mediaSize,omitempty"`
	AltText   string `json:"altText,omitempty"`
	// Extra holds the other keys, as posted.
	Extra map[string]json.RawMessage `json:"-"`
}

// MarshalJSON writes the known fields and Extra in one object.
func (c Content) MarshalJSON() ([]byte, error) {
	type plain Content
	b, err := json.Marshal(plain(c))
	if err != nil || len(c.Extra) == 0 {
		return b, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range c.Extra {
		if _, known := m[k]; !known {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// Source is where a message came from.
type Source struct {
	// Type is "api:conversations" for a message posted through the API,
	// a channel's type ("web", "whatsapp"…) for an end user's, and
	// AgentWorkspaceSourceType for an agent's (see unconfirmed.go).
	Type                     string `json:"type"`
	IntegrationID            string `json:"integrationId,omitempty"`
	OriginalMessageID        string `json:"originalMessageId,omitempty"`
	OriginalMessageTimestamp string `json:"originalMessageTimestamp,omitempty"`
}

// Activity marks a system message (a closed ticket…).
type Activity struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data,omitempty"`
}

// Message is a message of a conversation.
type Message struct {
	ID       string         `json:"id"`
	Received string         `json:"received"`
	Author   Author         `json:"author"`
	Content  Content        `json:"content"`
	Source   Source         `json:"source"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Activity *Activity      `json:"activity,omitempty"`

	ch *channel // the channel an end user wrote from, for includeFullSource
}

func (m Message) clone() Message {
	m.Author.Subtypes = slices.Clone(m.Author.Subtypes)
	m.Content.Extra = maps.Clone(m.Content.Extra)
	m.Metadata = maps.Clone(m.Metadata)
	if m.Activity != nil {
		a := *m.Activity
		a.Data = maps.Clone(a.Data)
		m.Activity = &a
	}
	return m
}

// Integration is an integration of the app. The fake creates only custom
// integrations through the API.
type Integration struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Status      string    `json:"status"`
	DisplayName string    `json:"displayName,omitempty"`
	Webhooks    []Webhook `json:"webhooks,omitempty"`
}

// Webhook is one webhook of an integration: where and what Sunshine
// Conversations delivers, with the secret it sends as X-API-Key.
type Webhook struct {
	ID                string   `json:"id"`
	Version           string   `json:"version"`
	Target            string   `json:"target"`
	Triggers          []string `json:"triggers"`
	Secret            string   `json:"secret"`
	IncludeFullUser   bool     `json:"includeFullUser"`
	IncludeFullSource bool     `json:"includeFullSource"`
}

// Key is an API key: an app key ("app_…") or a custom integration's key
// ("int_…").
type Key struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName,omitempty"`
	Secret      string `json:"secret,omitempty"`
}

// Switchboard is the app's switchboard.
type Switchboard struct {
	ID                              string `json:"id"`
	Enabled                         bool   `json:"enabled"`
	DefaultSwitchboardIntegrationID string `json:"defaultSwitchboardIntegrationId,omitempty"`
}

// SwitchboardIntegration is an integration linked to the switchboard.
type SwitchboardIntegration struct {
	ID                           string `json:"id"`
	Name                         string `json:"name"`
	IntegrationID                string `json:"integrationId,omitempty"`
	IntegrationType              string `json:"integrationType"`
	DeliverStandbyEvents         bool   `json:"deliverStandbyEvents"`
	NextSwitchboardIntegrationID string `json:"nextSwitchboardIntegrationId,omitempty"`
	MessageHistoryCount          int    `json:"messageHistoryCount,omitempty"`
}

func (si *SwitchboardIntegration) ref() *SwitchboardRef {
	return &SwitchboardRef{ID: si.ID, Name: si.Name, IntegrationID: si.IntegrationID, IntegrationType: si.IntegrationType}
}

// Attachment is an uploaded file, served back from MediaURL.
type Attachment struct {
	MediaURL       string
	MediaType      string
	Size           int64
	Filename       string
	ConversationID string
	Data           []byte
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
	}
	return out
}
