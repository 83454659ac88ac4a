package conversations

import (
	"encoding/json"
)

// Content types ("content.type"), the discriminator of a message's
// content (https://developer.zendesk.com/api-reference/conversations/#tag/Messages).
const (
	ContentText         = "text"
	ContentImage        = "image"
	ContentFile         = "file"
	ContentCarousel     = "carousel"
	ContentList         = "list"
	ContentLocation     = "location"
	ContentForm         = "form"
	ContentFormResponse = "formResponse"
	ContentTemplate     = "template"
)

// Content is a message's content. Type says which fields apply; build one
// with [Text], [Image], [File], [Carousel], [List], [Location], [Form] or
// [Template] and set the optional fields on what they return. A content of
// a type this package does not know decodes without error: its Type is
// set and Raw holds it whole.
type Content struct {
	Type string `json:"type"`

	// Text is a text message's text (at most 4,096 characters, see
	// [MaxTextLength]), or the caption of an image or file, or the
	// fallback text of a carousel, list or location.
	Text string `json:"text,omitempty"`
	// HTMLText and MarkdownText are rich alternatives of a text message's
	// text, for the channels that render them; give at most one.
	HTMLText     string `json:"htmlText,omitempty"`
	MarkdownText string `json:"markdownText,omitempty"`
	// Actions are buttons (a text, image, or carousel or list item's).
	Actions []Action `json:"actions,omitempty"`
	// Payload is the payload of the reply button a text message answers.
	Payload string `json:"payload,omitempty"`
	// BlockChatInput blocks the Web Messenger's input while the message is
	// the last one (text, image, form).
	BlockChatInput *bool `json:"blockChatInput,omitempty"`

	// MediaURL is an image or file message's URL (required for them): an
	// uploaded attachment's ([AttachmentsService.Upload]) or any public URL.
	MediaURL string `json:"mediaUrl,omitempty"`
	// MediaType and MediaSize are set by the API on received media.
	MediaType string  `json:"mediaType,omitempty"`
	MediaSize float64 `json:"mediaSize,omitempty"`
	// AltText describes an image or file, at most 128 characters.
	AltText string `json:"altText,omitempty"`
	// AttachmentID names an uploaded attachment.
	AttachmentID string `json:"attachmentId,omitempty"`

	// Items are a carousel's or list's items, 1 to 10.
	Items []Item `json:"items,omitempty"`
	// DisplaySettings adjust a carousel's layout.
	DisplaySettings *DisplaySettings `json:"displaySettings,omitempty"`

	// Coordinates and Location are a location message's.
	Coordinates *Coordinates `json:"coordinates,omitempty"`
	Location    *Place       `json:"location,omitempty"`

	// Fields are a form's (1 to 20) or a form response's fields.
	Fields []Field `json:"fields,omitempty"`

	// Template is a template message's template (WhatsApp), as the
	// channel defines it.
	Template json.RawMessage `json:"template,omitempty"`

	// Raw is the content as received, for a type or field this package
	// does not know; nil on content built here. It is not sent.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a content of any type, keeping it whole in Raw.
func (c *Content) UnmarshalJSON(data []byte) error {
	type plain Content
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*c = Content(p)
	c.Raw = append(json.RawMessage(nil), data...)
	return nil
}

// Text returns a text message's content.
func Text(text string) Content { return Content{Type: ContentText, Text: text} }

// Image returns an image message's content: mediaURL is the image's URL
// (an attachment's mediaUrl, or any public URL); set Text for a caption,
// AltText for a description.
func Image(mediaURL string) Content { return Content{Type: ContentImage, MediaURL: mediaURL} }

// File returns a file message's content: mediaURL is the file's URL; set
// Text for a caption, AltText for its description (often its name).
func File(mediaURL string) Content { return Content{Type: ContentFile, MediaURL: mediaURL} }

// Carousel returns a carousel's content: 1 to 10 items, each with a title
// and 1 to 3 actions.
func Carousel(items ...Item) Content { return Content{Type: ContentCarousel, Items: items} }

// List returns a list message's content: 1 to 10 items.
func List(items ...Item) Content { return Content{Type: ContentList, Items: items} }

// Location returns a location message's content; set Location for the
// place's name and address.
func Location(lat, long float64) Content {
	return Content{Type: ContentLocation, Coordinates: &Coordinates{Lat: lat, Long: long}}
}

// Form returns a form message's content: 1 to 20 fields.
func Form(fields ...Field) Content { return Content{Type: ContentForm, Fields: fields} }

// Template returns a template message's content: template is the template
// object as the channel defines it (a WhatsApp message template).
func Template(template json.RawMessage) Content {
	return Content{Type: ContentTemplate, Template: template}
}

// Action is a button of a message or an item. Type is one of the Action*
// constants.
type Action struct {
	Type     string   `json:"type"`
	Text     string   `json:"text,omitempty"`
	URI      string   `json:"uri,omitempty"`
	Payload  string   `json:"payload,omitempty"`
	Metadata Metadata `json:"metadata,omitempty"`
	Default  bool     `json:"default,omitempty"`
	IconURL  string   `json:"iconUrl,omitempty"`
	// Size and FallbackURL are a webview action's.
	Size        string `json:"size,omitempty"`
	FallbackURL string `json:"fallback,omitempty"`
	// Amount (in cents) and Currency are a buy action's.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// Action types.
const (
	ActionReply           = "reply"
	ActionPostback        = "postback"
	ActionLink            = "link"
	ActionWebview         = "webview"
	ActionLocationRequest = "locationRequest"
	ActionBuy             = "buy"
)

// ReplyAction returns a quick-reply button: the user's answer is a text
// message with text and payload.
func ReplyAction(text, payload string) Action {
	return Action{Type: ActionReply, Text: text, Payload: payload}
}

// PostbackAction returns a button that sends payload to the business
// (a conversation:postback webhook) without a message.
func PostbackAction(text, payload string) Action {
	return Action{Type: ActionPostback, Text: text, Payload: payload}
}

// LinkAction returns a button that opens uri.
func LinkAction(text, uri string) Action { return Action{Type: ActionLink, Text: text, URI: uri} }

// Item is one item of a carousel or list.
type Item struct {
	// Title is required, 1 to 128 characters.
	Title string `json:"title"`
	// Description is at most 128 characters.
	Description string   `json:"description,omitempty"`
	MediaURL    string   `json:"mediaUrl,omitempty"`
	MediaType   string   `json:"mediaType,omitempty"`
	Size        string   `json:"size,omitempty"`
	Actions     []Action `json:"actions"`
	Metadata    Metadata `json:"metadata,omitempty"`
}

// DisplaySettings adjust a carousel's layout.
type DisplaySettings struct {
	// ImageAspectRatio is "horizontal" (the default) or "square".
	ImageAspectRatio string `json:"imageAspectRatio,omitempty"`
}

// Coordinates are a location's latitude and longitude; zero is a valid
// value of both, and sent.
type Coordinates struct {
	Lat  float64 `json:"lat"`
	Long float64 `json:"long"`
}

// Place names a location.
type Place struct {
	Address string `json:"address,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Field is a field of a form or a form response.
type Field struct {
	// Type is "email", "select" or "text".
	Type string `json:"type"`
	// Name is unique in its form, 1 to 128 characters.
	Name string `json:"name"`
	// Label is what the Web Messenger shows, 1 to 128 characters.
	Label       string `json:"label"`
	Placeholder string `json:"placeholder,omitempty"`
	MinSize     int    `json:"minSize,omitempty"`
	MaxSize     int    `json:"maxSize,omitempty"`
	// Text, Email and Select are a form response's answers.
	Text    string            `json:"text,omitempty"`
	Email   string            `json:"email,omitempty"`
	Select  []json.RawMessage `json:"select,omitempty"`
	Options []FieldOption     `json:"options,omitempty"`
}

// FieldOption is an option of a select field.
type FieldOption struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}
