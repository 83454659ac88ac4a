package conversations

import (
	"encoding/json"
	"time"
)

// Metadata is a flat object of string, number and boolean values, at most
// 4 KB ([MaxMetadataBytes]): on users, conversations, messages and
// switchboard actions. The methods of [Metadata] set the keys that
// Zendesk's agent workspace reads on passControl.
type Metadata map[string]any

// Author types.
const (
	AuthorUser     = "user"
	AuthorBusiness = "business"
)

// Author subtypes: at most one per author.
const (
	SubtypeAI       = "AI"
	SubtypeActivity = "activity"
	SubtypeAgent    = "agent"
	SubtypeBot      = "bot"
)

// Author is who a message or an activity is from: an end user (Type
// "user", with UserID or UserExternalID) or the business (Type "business":
// an agent or a bot).
type Author struct {
	Type           string   `json:"type"`
	Subtypes       []string `json:"subtypes,omitempty"`
	UserID         string   `json:"userId,omitempty"`
	UserExternalID string   `json:"userExternalId,omitempty"`
	BrandID        string   `json:"brandId,omitempty"`
	DisplayName    string   `json:"displayName,omitempty"`
	AvatarURL      string   `json:"avatarUrl,omitempty"`
}

// UserAuthor returns the author of a message from the end user with this
// id.
func UserAuthor(userID string) Author { return Author{Type: AuthorUser, UserID: userID} }

// UserAuthorByExternalID returns the author of a message from the end user
// with this external id.
func UserAuthorByExternalID(externalID string) Author {
	return Author{Type: AuthorUser, UserExternalID: externalID}
}

// BusinessAuthor returns the business as the author, shown as
// displayName ("" for the app's name).
func BusinessAuthor(displayName string) Author {
	return Author{Type: AuthorBusiness, DisplayName: displayName}
}

// BotAuthor returns the business as the author, marked as a bot (subtype
// "bot") and shown as displayName.
func BotAuthor(displayName string) Author {
	return Author{Type: AuthorBusiness, Subtypes: []string{SubtypeBot}, DisplayName: displayName}
}

// Source is where a message came from: Type is the channel
// ("api:conversations" for a message posted through this API, "web",
// "whatsapp"…), IntegrationID the integration that received or sent it.
type Source struct {
	Type                     string          `json:"type,omitempty"`
	IntegrationID            string          `json:"integrationId,omitempty"`
	OriginalMessageID        string          `json:"originalMessageId,omitempty"`
	OriginalMessageTimestamp string          `json:"originalMessageTimestamp,omitempty"`
	Client                   json.RawMessage `json:"client,omitempty"`
	Device                   json.RawMessage `json:"device,omitempty"`
	Campaign                 json.RawMessage `json:"campaign,omitempty"`
}

// Destination sends a message to one channel of the user only:
// IntegrationID or IntegrationType.
type Destination struct {
	IntegrationID   string `json:"integrationId,omitempty"`
	IntegrationType string `json:"integrationType,omitempty"`
}

// Message is a message of a conversation.
type Message struct {
	ID       string    `json:"id"`
	Received time.Time `json:"received,omitzero"`
	Author   Author    `json:"author"`
	Content  Content   `json:"content"`
	Source   *Source   `json:"source,omitempty"`
	Metadata Metadata  `json:"metadata,omitempty"`
	Deleted  bool      `json:"deleted,omitempty"`
	// QuotedMessage is the message this one replies to, as the API gives it.
	QuotedMessage json.RawMessage `json:"quotedMessage,omitempty"`
	// Activity is set on the informational messages the system writes
	// (a ticket closed, a conversation ended by the user).
	Activity *MessageActivity `json:"activity,omitempty"`
}

// MessageActivity is the activity of a system message.
type MessageActivity struct {
	// Type is one of the MessageActivity* constants.
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Types of [MessageActivity].
const (
	MessageActivityTicketClosed    = "ticket:closed"
	MessageActivityTransferToEmail = "ticket:transfer:email"
	MessageActivityEndedByUser     = "conversation:endedByUser"
)

// MessagePost is a message to post. Author and Content are required.
type MessagePost struct {
	Author      Author       `json:"author"`
	Content     Content      `json:"content"`
	Destination *Destination `json:"destination,omitempty"`
	Metadata    Metadata     `json:"metadata,omitempty"`
	// Override holds channel-specific payloads, as the API defines them.
	Override json.RawMessage `json:"override,omitempty"`
	// Schema is "whatsapp" to give Content in WhatsApp's own format.
	Schema string `json:"schema,omitempty"`
}

// User is an end user of the app.
type User struct {
	ID            string     `json:"id"`
	ExternalID    string     `json:"externalId,omitempty"`
	ZendeskID     string     `json:"zendeskId,omitempty"`
	BrandID       string     `json:"brandId,omitempty"`
	Authenticated bool       `json:"authenticated,omitempty"`
	SignedUpAt    time.Time  `json:"signedUpAt,omitzero"`
	ToBeRetained  bool       `json:"toBeRetained,omitempty"`
	Profile       *Profile   `json:"profile,omitempty"`
	Metadata      Metadata   `json:"metadata,omitempty"`
	Identities    []Identity `json:"identities,omitempty"`
}

// Profile is a user's profile; each string at most 128 characters,
// AvatarURL at most 2,048.
type Profile struct {
	GivenName    string `json:"givenName,omitempty"`
	Surname      string `json:"surname,omitempty"`
	Email        string `json:"email,omitempty"`
	AvatarURL    string `json:"avatarUrl,omitempty"`
	Locale       string `json:"locale,omitempty"`
	LocaleOrigin string `json:"localeOrigin,omitempty"`
}

// Identity is a verified way of reaching a user (an email address).
type Identity struct {
	Type         string `json:"type"`
	Value        string `json:"value"`
	Verification string `json:"verification,omitempty"`
}

// UserInput creates or updates a user. On create, ExternalID (1 to 1,024
// characters, unique in the app) identifies the user from your side; on
// update, only the fields set are changed.
type UserInput struct {
	ExternalID   string    `json:"externalId,omitempty"`
	BrandID      string    `json:"brandId,omitempty"`
	SignedUpAt   time.Time `json:"signedUpAt,omitzero"`
	ToBeRetained *bool     `json:"toBeRetained,omitempty"`
	Profile      *Profile  `json:"profile,omitempty"`
	Metadata     Metadata  `json:"metadata,omitempty"`
}

// Conversation types.
const (
	ConversationPersonal = "personal"
	ConversationSDKGroup = "sdkGroup"
)

// Conversation is a conversation of the app.
type Conversation struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Metadata    Metadata `json:"metadata,omitempty"`
	IsDefault   bool     `json:"isDefault,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Description string   `json:"description,omitempty"`
	IconURL     string   `json:"iconUrl,omitempty"`
	// ActiveSwitchboardIntegration is the integration in control; nil when
	// none is.
	ActiveSwitchboardIntegration *SwitchboardIntegrationRef `json:"activeSwitchboardIntegration,omitempty"`
	// PendingSwitchboardIntegration is the integration offered control;
	// nil when none is.
	PendingSwitchboardIntegration *SwitchboardIntegrationRef `json:"pendingSwitchboardIntegration,omitempty"`
	BusinessLastRead              time.Time                  `json:"businessLastRead,omitzero"`
	LastUpdatedAt                 time.Time                  `json:"lastUpdatedAt,omitzero"`
	CreatedAt                     time.Time                  `json:"createdAt,omitzero"`
}

// SwitchboardIntegrationRef names a switchboard integration in a
// conversation.
type SwitchboardIntegrationRef struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId,omitempty"`
	IntegrationType string `json:"integrationType,omitempty"`
}

// ConversationCreate is a conversation to create. Type is required
// ([ConversationPersonal] or [ConversationSDKGroup]).
type ConversationCreate struct {
	Type         string             `json:"type"`
	Participants []ParticipantInput `json:"participants,omitempty"`
	DisplayName  string             `json:"displayName,omitempty"`
	Description  string             `json:"description,omitempty"`
	IconURL      string             `json:"iconUrl,omitempty"`
	Metadata     Metadata           `json:"metadata,omitempty"`
}

// ConversationUpdate changes the fields it sets.
type ConversationUpdate struct {
	DisplayName string   `json:"displayName,omitempty"`
	Description string   `json:"description,omitempty"`
	IconURL     string   `json:"iconUrl,omitempty"`
	Metadata    Metadata `json:"metadata,omitempty"`
}

// ParticipantInput names a user who takes part in a conversation: UserID
// or UserExternalID. SubscribeSDKClient subscribes the user's SDK client
// to it; leave it false for a conversation held for an outside front end
// (a chatbot's chat box).
type ParticipantInput struct {
	UserID             string `json:"userId,omitempty"`
	UserExternalID     string `json:"userExternalId,omitempty"`
	SubscribeSDKClient bool   `json:"subscribeSDKClient"`
}

// Participant is a user's part in a conversation.
type Participant struct {
	ID                 string          `json:"id"`
	UserID             string          `json:"userId"`
	UserExternalID     string          `json:"userExternalId,omitempty"`
	UnreadCount        int             `json:"unreadCount,omitempty"`
	LastRead           time.Time       `json:"lastRead,omitzero"`
	ClientAssociations json.RawMessage `json:"clientAssociations,omitempty"`
}

// Leave names who leaves a conversation: exactly one of its fields.
type Leave struct {
	UserID         string `json:"userId,omitempty"`
	UserExternalID string `json:"userExternalId,omitempty"`
	ParticipantID  string `json:"participantId,omitempty"`
}

// App is a Sunshine Conversations app.
type App struct {
	ID          string          `json:"id"`
	DisplayName string          `json:"displayName,omitempty"`
	Subdomain   string          `json:"subdomain,omitempty"`
	Settings    json.RawMessage `json:"settings,omitempty"`
	Metadata    Metadata        `json:"metadata,omitempty"`
}
