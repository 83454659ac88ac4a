package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The Sunshine Conversations webhook triggers, the Type of a
// [SunshineEvent], as its API specification lists them (the "Webhook
// Event" schemas of openapi.yaml,
// https://github.com/zendesk/sunshine-conversations-api-spec). The comment
// of each names the accessor that decodes its payload.
const (
	// SunshineTypeConversationMessage: a message was posted in a
	// conversation ([SunshineEvent.ConversationMessage]).
	SunshineTypeConversationMessage = "conversation:message"
	// SunshineTypeConversationCreate: a conversation was created
	// ([SunshineEvent.ConversationCreate]).
	SunshineTypeConversationCreate = "conversation:create"
	// SunshineTypeConversationJoin, SunshineTypeConversationLeave and
	// SunshineTypeConversationRemove: a participant joined or left a
	// conversation, or the conversation was removed
	// ([SunshineEvent.ParticipantEvent]).
	SunshineTypeConversationJoin   = "conversation:join"
	SunshineTypeConversationLeave  = "conversation:leave"
	SunshineTypeConversationRemove = "conversation:remove"
	// SunshineTypeConversationTyping: typing started or stopped
	// ([SunshineEvent.ConversationActivity]).
	SunshineTypeConversationTyping = "conversation:typing"
	// SunshineTypeConversationRead: the conversation was read
	// ([SunshineEvent.ConversationActivity]).
	SunshineTypeConversationRead = "conversation:read"
	// SunshineTypeMessageDeliveryChannel, SunshineTypeMessageDeliveryUser
	// and SunshineTypeMessageDeliveryFailure: a message reached the
	// channel, reached the user, or could not be delivered
	// ([SunshineEvent.MessageDelivery]).
	SunshineTypeMessageDeliveryChannel = "conversation:message:delivery:channel"
	SunshineTypeMessageDeliveryUser    = "conversation:message:delivery:user"
	SunshineTypeMessageDeliveryFailure = "conversation:message:delivery:failure"
	// SunshineTypeConversationPostback: the user tapped a postback button
	// ([SunshineEvent.Postback]).
	SunshineTypeConversationPostback = "conversation:postback"
	// SunshineTypeConversationReferral: the user came through a referral,
	// an ad or a code ([SunshineEvent.ReferralEvent]).
	SunshineTypeConversationReferral = "conversation:referral"
	// The switchboard events ([SunshineEvent.SwitchboardEvent]): control of
	// a conversation was passed, offered, accepted or released, or one of
	// the first three failed.
	SunshineTypeSwitchboardPassControl          = "switchboard:passControl"
	SunshineTypeSwitchboardPassControlFailure   = "switchboard:passControl:failure"
	SunshineTypeSwitchboardOfferControl         = "switchboard:offerControl"
	SunshineTypeSwitchboardOfferControlFailure  = "switchboard:offerControl:failure"
	SunshineTypeSwitchboardAcceptControl        = "switchboard:acceptControl"
	SunshineTypeSwitchboardAcceptControlFailure = "switchboard:acceptControl:failure"
	SunshineTypeSwitchboardReleaseControl       = "switchboard:releaseControl"
	// SunshineTypeUserMerge: two users were merged
	// ([SunshineEvent.UserMerge]).
	SunshineTypeUserMerge = "user:merge"
	// SunshineTypeUserUpdate and SunshineTypeUserRemove: a user was updated
	// or removed ([SunshineEvent.UserEvent]).
	SunshineTypeUserUpdate = "user:update"
	SunshineTypeUserRemove = "user:remove"
	// SunshineTypeClientAdd, SunshineTypeClientUpdate and
	// SunshineTypeClientRemove: a channel client of a user was added,
	// updated or removed ([SunshineEvent.ClientEvent]).
	SunshineTypeClientAdd    = "client:add"
	SunshineTypeClientUpdate = "client:update"
	SunshineTypeClientRemove = "client:remove"
)

// The reasons a switchboard:passControl or switchboard:releaseControl event
// gives in [SunshineSwitchboardEvent].Reason when Zendesk's agent workspace
// hands a conversation back (added in 2025, the Python client's CHANGELOG
// 16.0.0, https://github.com/zendesk/sunshine-conversations-python).
const (
	SunshineReasonTicketClosed    = "ticketClosed"
	SunshineReasonTransferToEmail = "transferToEmail"
)

// sunshinePayloads maps each known event type to a new value of its
// payload type.
var sunshinePayloads = map[string]func() any{
	SunshineTypeConversationMessage:             func() any { return new(SunshineConversationMessage) },
	SunshineTypeConversationCreate:              func() any { return new(SunshineConversationCreate) },
	SunshineTypeConversationTyping:              func() any { return new(SunshineConversationActivity) },
	SunshineTypeConversationRead:                func() any { return new(SunshineConversationActivity) },
	SunshineTypeMessageDeliveryChannel:          func() any { return new(SunshineMessageDelivery) },
	SunshineTypeMessageDeliveryUser:             func() any { return new(SunshineMessageDelivery) },
	SunshineTypeMessageDeliveryFailure:          func() any { return new(SunshineMessageDelivery) },
	SunshineTypeConversationPostback:            func() any { return new(SunshinePostback) },
	SunshineTypeSwitchboardPassControl:          func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardPassControlFailure:   func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardOfferControl:         func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardOfferControlFailure:  func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardAcceptControl:        func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardAcceptControlFailure: func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeSwitchboardReleaseControl:       func() any { return new(SunshineSwitchboardEvent) },
	SunshineTypeUserMerge:                       func() any { return new(SunshineUserMerge) },
}

// sunshinePayload returns a new value of the payload type of typ, or nil
// when the type is not known.
func sunshinePayload(typ string) any {
	if mk, ok := sunshinePayloads[typ]; ok {
		return mk()
	}
	if mk := sunshineGuessedPayload(typ); mk != nil {
		return mk()
	}
	return nil
}

// IsTypedSunshineEvent reports whether events of type typ decode into a
// typed payload ([SunshineEvent.TypedPayload] returns a non-nil value).
func IsTypedSunshineEvent(typ string) bool {
	return sunshinePayloads[typ] != nil || sunshineGuessedPayload(typ) != nil
}

// TypedPayload decodes the event's payload according to its Type and
// returns a pointer to the typed payload: *[SunshineConversationMessage],
// *[SunshineConversationCreate], *[SunshineParticipantEvent],
// *[SunshineConversationActivity], *[SunshineMessageDelivery],
// *[SunshinePostback], *[SunshineReferralEvent],
// *[SunshineSwitchboardEvent], *[SunshineUserMerge], *[SunshineUserEvent]
// or *[SunshineClientEvent]. An event of a type this package does not
// know decodes to nil without error; its payload stays in Payload. A
// payload that does not decode gives an error wrapping [ErrMalformed].
// Members the type does not name are ignored, so that Sunshine
// Conversations can add some without breaking the decoding.
func (e *SunshineEvent) TypedPayload() (any, error) {
	p := sunshinePayload(e.Type)
	if p == nil {
		return nil, nil
	}
	if err := decodeSunshinePayload(e, p); err != nil {
		return nil, err
	}
	return p, nil
}

// decodeSunshinePayload decodes e's payload into p; an absent or null
// payload is an error, as every known type has one.
func decodeSunshinePayload(e *SunshineEvent, p any) error {
	if len(e.Payload) == 0 {
		return fmt.Errorf("%w: sunshine %s event %s has no payload", ErrMalformed, e.Type, e.ID)
	}
	if err := json.Unmarshal(e.Payload, p); err != nil {
		return malformed("sunshine "+e.Type+" payload", err)
	}
	return nil
}

// sunshineAs decodes e's payload as a T when e has one of types.
func sunshineAs[T any](e *SunshineEvent, types ...string) (*T, error) {
	if !slices.Contains(types, e.Type) {
		return nil, fmt.Errorf("%w: sunshine event %s is a %q, not %s", ErrMalformed, e.ID, e.Type, quoteTypes(types))
	}
	p := new(T)
	if err := decodeSunshinePayload(e, p); err != nil {
		return nil, err
	}
	return p, nil
}

func quoteTypes(types []string) string {
	s := fmt.Sprintf("%q", types[0])
	for i, t := range types[1:] {
		if i == len(types)-2 {
			s += " or "
		} else {
			s += ", "
		}
		s += fmt.Sprintf("%q", t)
	}
	return "a " + s
}

// ConversationMessage decodes the payload of a "conversation:message" event.
// It returns an error wrapping [ErrMalformed] when the event has another type
// or the payload does not decode.
func (e *SunshineEvent) ConversationMessage() (*SunshineConversationMessage, error) {
	return sunshineAs[SunshineConversationMessage](e, SunshineTypeConversationMessage)
}

// ConversationCreate decodes the payload of a "conversation:create" event,
// or returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) ConversationCreate() (*SunshineConversationCreate, error) {
	return sunshineAs[SunshineConversationCreate](e, SunshineTypeConversationCreate)
}

// ParticipantEvent decodes the payload of a "conversation:join",
// "conversation:leave" or "conversation:remove" event, or returns an error
// wrapping [ErrMalformed].
func (e *SunshineEvent) ParticipantEvent() (*SunshineParticipantEvent, error) {
	return sunshineAs[SunshineParticipantEvent](e, SunshineTypeConversationJoin, SunshineTypeConversationLeave, SunshineTypeConversationRemove)
}

// ConversationActivity decodes the payload of a "conversation:typing" or
// "conversation:read" event, or returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) ConversationActivity() (*SunshineConversationActivity, error) {
	return sunshineAs[SunshineConversationActivity](e, SunshineTypeConversationTyping, SunshineTypeConversationRead)
}

// MessageDelivery decodes the payload of a
// "conversation:message:delivery:channel", ":user" or ":failure" event, or
// returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) MessageDelivery() (*SunshineMessageDelivery, error) {
	return sunshineAs[SunshineMessageDelivery](e, SunshineTypeMessageDeliveryChannel, SunshineTypeMessageDeliveryUser, SunshineTypeMessageDeliveryFailure)
}

// Postback decodes the payload of a "conversation:postback" event, or
// returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) Postback() (*SunshinePostback, error) {
	return sunshineAs[SunshinePostback](e, SunshineTypeConversationPostback)
}

// ReferralEvent decodes the payload of a "conversation:referral" event, or
// returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) ReferralEvent() (*SunshineReferralEvent, error) {
	return sunshineAs[SunshineReferralEvent](e, SunshineTypeConversationReferral)
}

// SwitchboardEvent decodes the payload of any "switchboard:" event
// (passControl, offerControl, acceptControl, releaseControl and the
// failures of the first three), or returns an error wrapping
// [ErrMalformed].
func (e *SunshineEvent) SwitchboardEvent() (*SunshineSwitchboardEvent, error) {
	return sunshineAs[SunshineSwitchboardEvent](e,
		SunshineTypeSwitchboardPassControl, SunshineTypeSwitchboardPassControlFailure,
		SunshineTypeSwitchboardOfferControl, SunshineTypeSwitchboardOfferControlFailure,
		SunshineTypeSwitchboardAcceptControl, SunshineTypeSwitchboardAcceptControlFailure,
		SunshineTypeSwitchboardReleaseControl)
}

// UserMerge decodes the payload of a "user:merge" event, or returns an
// error wrapping [ErrMalformed].
func (e *SunshineEvent) UserMerge() (*SunshineUserMerge, error) {
	return sunshineAs[SunshineUserMerge](e, SunshineTypeUserMerge)
}

// UserEvent decodes the payload of a "user:update" or "user:remove" event,
// or returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) UserEvent() (*SunshineUserEvent, error) {
	return sunshineAs[SunshineUserEvent](e, SunshineTypeUserUpdate, SunshineTypeUserRemove)
}

// ClientEvent decodes the payload of a "client:add", "client:update" or
// "client:remove" event, or returns an error wrapping [ErrMalformed].
func (e *SunshineEvent) ClientEvent() (*SunshineClientEvent, error) {
	return sunshineAs[SunshineClientEvent](e, SunshineTypeClientAdd, SunshineTypeClientUpdate, SunshineTypeClientRemove)
}

// SunshineConversationMessage is the payload of a "conversation:message"
// event ([SunshineTypeConversationMessage]).
type SunshineConversationMessage struct {
	Conversation SunshineConversation `json:"conversation"`
	Message      SunshineMessage      `json:"message"`
	// RecentNotifications are the messages sent with the Notification API
	// since the user's last message.
	RecentNotifications []SunshineMessage `json:"recentNotifications,omitempty"`
}

// SunshineConversationCreate is the payload of a "conversation:create"
// event.
type SunshineConversationCreate struct {
	Conversation SunshineConversation `json:"conversation"`
	// CreationReason is "linkRequest", "message", "none", "notification",
	// "prechatCapture", "startConversation" or "proactiveMessaging".
	CreationReason string          `json:"creationReason,omitempty"`
	Source         *SunshineSource `json:"source,omitempty"`
	// User is the conversation's user; only for personal conversations.
	User     *SunshineUser     `json:"user,omitempty"`
	Referral *SunshineReferral `json:"referral,omitempty"`
}

// SunshineParticipantEvent is the payload of a "conversation:join",
// "conversation:leave" or "conversation:remove" event. Its members are a
// guess (see unconfirmed.go): the specification read does not show these
// payloads.
type SunshineParticipantEvent struct {
	Conversation SunshineConversation `json:"conversation"`
	User         *SunshineUser        `json:"user,omitempty"`
	Source       *SunshineSource      `json:"source,omitempty"`
}

// SunshineConversationActivity is the payload of a "conversation:typing" or
// "conversation:read" event.
type SunshineConversationActivity struct {
	Conversation SunshineConversation `json:"conversation"`
	Activity     SunshineActivity     `json:"activity"`
}

// SunshineActivity is what a user or the business did in a conversation.
type SunshineActivity struct {
	// Type is "typing:start", "typing:stop" or "conversation:read".
	Type   string          `json:"type"`
	Author SunshineAuthor  `json:"author"`
	Source *SunshineSource `json:"source,omitempty"`
}

// SunshineMessageDelivery is the payload of the
// "conversation:message:delivery:*" events.
type SunshineMessageDelivery struct {
	User         *SunshineUser        `json:"user,omitempty"`
	Conversation SunshineConversation `json:"conversation"`
	// Message names the message delivered (only its ID is sent).
	Message     SunshineMessageRef  `json:"message"`
	Destination SunshineDestination `json:"destination"`
	// ExternalMessages are the channel's ids of the message, when the
	// channel gives them.
	ExternalMessages []SunshineMessageRef `json:"externalMessages,omitempty"`
	// IsFinalEvent is true on the last event for this message and
	// destination type.
	IsFinalEvent bool `json:"isFinalEvent,omitempty"`
	// Error says what went wrong; only in delivery:failure events.
	Error *SunshineEventError `json:"error,omitempty"`
}

// SunshineMessageRef names a message by its id.
type SunshineMessageRef struct {
	ID string `json:"id"`
}

// SunshineDestination is the channel a message was delivered to.
type SunshineDestination struct {
	// Type is the channel: "web", "ios", "messenger", "whatsapp", …
	Type          string `json:"type,omitempty"`
	IntegrationID string `json:"integrationId,omitempty"`
}

// SunshineEventError is the error of a failure event, e.g. {"code":
// "switchboard_invalid_target", "message": "Switchboard invalid target"} or
// {"code": "uncategorized_error", "message": "Unsupported message type
// `form`"}.
type SunshineEventError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// SunshinePostback is the payload of a "conversation:postback" event.
type SunshinePostback struct {
	Conversation SunshineConversation `json:"conversation"`
	Postback     struct {
		// Payload is the payload of the postback action tapped.
		Payload  string         `json:"payload"`
		Metadata map[string]any `json:"metadata,omitempty"`
	} `json:"postback"`
	User   *SunshineUser   `json:"user,omitempty"`
	Source *SunshineSource `json:"source,omitempty"`
}

// SunshineReferralEvent is the payload of a "conversation:referral" event.
// Its members are a guess (see unconfirmed.go), made from the referral of
// conversation:create.
type SunshineReferralEvent struct {
	Conversation SunshineConversation `json:"conversation"`
	User         *SunshineUser        `json:"user,omitempty"`
	Source       *SunshineSource      `json:"source,omitempty"`
	Referral     *SunshineReferral    `json:"referral,omitempty"`
}

// SunshineReferral says how a user came to the conversation.
type SunshineReferral struct {
	// Code identifies the referral.
	Code    string `json:"code,omitempty"`
	Details *struct {
		Source string `json:"source,omitempty"` // "MESSENGER_CODE", "ADS", …
		Type   string `json:"type,omitempty"`   // typically "OPEN-THREAD"
		AdID   string `json:"adId,omitempty"`
	} `json:"details,omitempty"`
}

// SunshineSwitchboardEvent is the payload of the switchboard events.
type SunshineSwitchboardEvent struct {
	// Conversation is the conversation whose control changed; after a
	// passControl or acceptControl its ActiveSwitchboardIntegration is the
	// integration now in control, after an offerControl its
	// PendingSwitchboardIntegration the one offered control, and after a
	// releaseControl it has neither.
	Conversation SunshineConversation `json:"conversation"`
	// Metadata is the metadata given to the switchboard action.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Reason says why control was passed or released when Zendesk's agent
	// workspace hands the conversation back: [SunshineReasonTicketClosed]
	// or [SunshineReasonTransferToEmail]; empty otherwise.
	Reason string `json:"reason,omitempty"`
	// Error says what went wrong; only in the ":failure" events.
	Error *SunshineEventError `json:"error,omitempty"`
}

// SunshineUserMerge is the payload of a "user:merge" event.
type SunshineUserMerge struct {
	MergedUsers struct {
		Surviving SunshineUser `json:"surviving"`
		Discarded SunshineUser `json:"discarded"`
	} `json:"mergedUsers"`
	// MergedConversations is set when conversations were merged too.
	MergedConversations *struct {
		Surviving SunshineConversation `json:"surviving"`
		Discarded SunshineConversation `json:"discarded"`
	} `json:"mergedConversations,omitempty"`
	// DiscardedMetadata holds the metadata dropped because the merged
	// metadata would pass 4 KB.
	DiscardedMetadata map[string]any `json:"discardedMetadata,omitempty"`
	Reason            string         `json:"reason,omitempty"`
}

// SunshineUserEvent is the payload of a "user:update" or "user:remove"
// event. Its members are a guess (see unconfirmed.go).
type SunshineUserEvent struct {
	User SunshineUser `json:"user"`
}

// SunshineClientEvent is the payload of a "client:add", "client:update" or
// "client:remove" event. Its members are a guess (see unconfirmed.go).
type SunshineClientEvent struct {
	User   SunshineUser    `json:"user"`
	Client *SunshineClient `json:"client,omitempty"`
	Reason string          `json:"reason,omitempty"`
}

// SunshineConversation is the conversation of an event, as the
// specification's conversationTruncated gives it.
type SunshineConversation struct {
	ID string `json:"id"`
	// Type is "personal" or "sdkGroup".
	Type     string         `json:"type"`
	Metadata map[string]any `json:"metadata,omitempty"`
	// ActiveSwitchboardIntegration is the integration in control of the
	// conversation (a bot, or Zendesk's agent workspace), when there is one.
	ActiveSwitchboardIntegration *SunshineSwitchboardIntegration `json:"activeSwitchboardIntegration,omitempty"`
	// PendingSwitchboardIntegration is the integration offered control,
	// when there is one.
	PendingSwitchboardIntegration *SunshineSwitchboardIntegration `json:"pendingSwitchboardIntegration,omitempty"`
}

// SunshineSwitchboardIntegration is a switchboard integration; Zendesk's
// agent workspace appears as name "zd-agentWorkspace", integration type
// "zd:agentWorkspace".
type SunshineSwitchboardIntegration struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	IntegrationID   string `json:"integrationId,omitempty"`
	IntegrationType string `json:"integrationType,omitempty"`
}

// SunshineMessage is a message of a conversation.
type SunshineMessage struct {
	ID       string          `json:"id"`
	Received time.Time       `json:"received"`
	Author   SunshineAuthor  `json:"author"`
	Content  SunshineContent `json:"content"`
	Source   SunshineSource  `json:"source"`
	// Metadata is the message's flat metadata. Zendesk's agent workspace
	// is reported to put the agent's id under "__zendesk_msg.agent.id".
	Metadata map[string]any `json:"metadata,omitempty"`
	// QuotedMessage is the message this one replies to, as sent (its shape
	// varies).
	QuotedMessage json.RawMessage `json:"quotedMessage,omitempty"`
	// Deleted is true for a message that was deleted.
	Deleted bool `json:"deleted,omitempty"`
	// Activity is set on the informational messages the system writes,
	// such as when the user's ticket is closed.
	Activity *SunshineMessageActivity `json:"activity,omitempty"`
}

// SunshineMessageActivity marks a system message: Type is
// "ticket:closed", "ticket:transfer:email" or "conversation:endedByUser".
type SunshineMessageActivity struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// SunshineAuthor is who wrote a message or did an activity.
type SunshineAuthor struct {
	// Type is "user" (the end user) or "business".
	Type string `json:"type"`
	// Subtypes is ["AI"], ["activity"], ["agent"] or ["bot"] when given.
	Subtypes    []string `json:"subtypes,omitempty"`
	UserID      string   `json:"userId,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	AvatarURL   string   `json:"avatarUrl,omitempty"`
	// User is the author's user record: {id, externalId, authenticated},
	// or the whole user (profile, metadata, identities…) when the webhook
	// has "include full user" (includeFullUser).
	User *SunshineUser `json:"user,omitempty"`
}

// SunshineUser is a Sunshine Conversations user. Webhooks send ID,
// ExternalID and Authenticated, and the other members only with "include
// full user" (includeFullUser).
type SunshineUser struct {
	ID            string `json:"id"`
	ExternalID    string `json:"externalId,omitempty"`
	Authenticated bool   `json:"authenticated,omitempty"`
	// ZendeskID is the id of the linked Zendesk Support user, as a string.
	ZendeskID    string               `json:"zendeskId,omitempty"`
	SignedUpAt   *time.Time           `json:"signedUpAt,omitempty"`
	ToBeRetained bool                 `json:"toBeRetained,omitempty"`
	Profile      *SunshineUserProfile `json:"profile,omitempty"`
	Metadata     map[string]any       `json:"metadata,omitempty"`
	Identities   []SunshineIdentity   `json:"identities,omitempty"`
}

// SunshineUserProfile is a user's profile.
type SunshineUserProfile struct {
	GivenName string `json:"givenName,omitempty"`
	Surname   string `json:"surname,omitempty"`
	Email     string `json:"email,omitempty"`
	AvatarURL string `json:"avatarUrl,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

// SunshineIdentity is an identity of a user, such as an email address.
type SunshineIdentity struct {
	Type         string `json:"type"`
	Value        string `json:"value"`
	Verification string `json:"verification,omitempty"`
}

// SunshineContent is a message's content. The members of the text, image
// and file types are typed; those of the others (carousel items, form
// fields, actions, locations…) are kept raw.
type SunshineContent struct {
	// Type is "text", "image", "file", "carousel", "form", "formResponse",
	// "list", "location" or "template".
	Type         string `json:"type"`
	Text         string `json:"text,omitempty"`
	HTMLText     string `json:"htmlText,omitempty"`
	MarkdownText string `json:"markdownText,omitempty"`
	// Payload is the payload of the reply button the user tapped.
	Payload      string `json:"payload,omitempty"`
	MediaURL     string `json:"mediaUrl,omitempty"`
	MediaType    string `json:"mediaType,omitempty"`
	MediaSize    int64  `json:"mediaSize,omitempty"`
	AltText      string `json:"altText,omitempty"`
	AttachmentID string `json:"attachmentId,omitempty"`
	// Actions, Items, Fields, Coordinates and Location are the members of
	// the other content types, as sent.
	Actions     json.RawMessage `json:"actions,omitempty"`
	Items       json.RawMessage `json:"items,omitempty"`
	Fields      json.RawMessage `json:"fields,omitempty"`
	Coordinates json.RawMessage `json:"coordinates,omitempty"`
	Location    json.RawMessage `json:"location,omitempty"`
}

// SunshineSource is the channel a message or activity came through.
type SunshineSource struct {
	// Type is the channel, e.g. "web", "telegram", "whatsapp",
	// "api:conversations".
	Type              string `json:"type"`
	IntegrationID     string `json:"integrationId,omitempty"`
	OriginalMessageID string `json:"originalMessageId,omitempty"`
	// OriginalMessageTimestamp is when the channel received the message.
	OriginalMessageTimestamp *time.Time `json:"originalMessageTimestamp,omitempty"`
	// Client and Device are sent only when the webhook has "include full
	// source" (includeFullSource).
	Client *SunshineClient `json:"client,omitempty"`
	Device *SunshineDevice `json:"device,omitempty"`
}

// SunshineClient is a user's presence on a channel.
type SunshineClient struct {
	ID string `json:"id"`
	// Type is the channel: "sdk", "messenger", "whatsapp", …
	Type string `json:"type,omitempty"`
	// Status is "active", "blocked", "inactive" or "pending".
	Status        string `json:"status,omitempty"`
	IntegrationID string `json:"integrationId,omitempty"`
	// ExternalID is the user's id on the channel, such as a phone number.
	ExternalID  string          `json:"externalId,omitempty"`
	LastSeen    *time.Time      `json:"lastSeen,omitempty"`
	LinkedAt    *time.Time      `json:"linkedAt,omitempty"`
	DisplayName string          `json:"displayName,omitempty"`
	AvatarURL   string          `json:"avatarUrl,omitempty"`
	Info        json.RawMessage `json:"info,omitempty"`
	Raw         json.RawMessage `json:"raw,omitempty"`
}

// SunshineDevice is a device of an SDK client.
type SunshineDevice struct {
	ID string `json:"id"`
	// Type is "android", "ios" or "web".
	Type                  string          `json:"type,omitempty"`
	GUID                  string          `json:"guid,omitempty"`
	ClientID              string          `json:"clientId,omitempty"`
	Status                string          `json:"status,omitempty"`
	IntegrationID         string          `json:"integrationId,omitempty"`
	LastSeen              *time.Time      `json:"lastSeen,omitempty"`
	PushNotificationToken string          `json:"pushNotificationToken,omitempty"`
	Info                  json.RawMessage `json:"info,omitempty"`
	AppVersion            string          `json:"appVersion,omitempty"`
}
