package cxone

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// MediaPlaybackService reads a contact's media: the Media Playback API's
// GET /media-playback/v1/contacts
// (https://developer.niceincontact.com/API/MediaPlaybackAPI), on the API
// endpoint's host.
type MediaPlaybackService service

// Media types of [MediaPlaybackOptions].MediaType.
const (
	MediaVoiceOnly      = "voice-only"
	MediaVoiceAndScreen = "voice-and-screen"
	MediaChat           = "chat"
	MediaEmail          = "email"
	MediaAll            = "all"
)

// MediaPlaybackOptions select what GET /media-playback/v1/contacts returns.
type MediaPlaybackOptions struct {
	// MediaType is one of MediaVoiceOnly, MediaVoiceAndScreen, MediaChat,
	// MediaEmail, MediaAll; empty lets CXone choose.
	MediaType string
	// Waveforms asks for the waveforms, which are left out by default
	// (exclude-waveforms=true).
	Waveforms bool
}

// MediaPlayback is a contact's media.
type MediaPlayback struct {
	ContactID    json.Number        `json:"contactId,omitempty"`
	ACDContactID json.Number        `json:"acdcontactId,omitempty"`
	Interactions []MediaInteraction `json:"interactions,omitempty"`
}

// MediaInteraction is one segment of a contact's media: a call, a chat, an
// e-mail ("@type").
type MediaInteraction struct {
	MediaType   string    `json:"mediaType,omitempty"`
	ChannelType string    `json:"channelType,omitempty"`
	StartTime   Time      `json:"startTime,omitzero"`
	EndTime     Time      `json:"endTime,omitzero"`
	Type        string    `json:"@type,omitempty"`
	Data        MediaData `json:"data"`
}

// MediaData is a segment's content: a recording to play, chat messages.
type MediaData struct {
	FileToPlayURL string         `json:"fileToPlayUrl,omitempty"`
	Messages      []MediaMessage `json:"messages,omitempty"`
}

// MediaMessage is one message of a chat segment; ParticipantType is AGENT
// or CUSTOMER.
type MediaMessage struct {
	ParticipantType string `json:"participantType,omitempty"`
	ParticipantName string `json:"participantName,omitempty"`
	Text            string `json:"text,omitempty"`
	TimeStamp       Time   `json:"timeStamp,omitzero"`
}

// RecordingURL is the first segment's fileToPlayUrl: the contact's
// recording, "" when it has none.
func (m *MediaPlayback) RecordingURL() string {
	for _, in := range m.Interactions {
		if in.Data.FileToPlayURL != "" {
			return in.Data.FileToPlayURL
		}
	}
	return ""
}

// Transcript is the chat messages of every segment, one per line:
// "CUSTOMER Ann: Hello". "" when there are none.
func (m *MediaPlayback) Transcript() string {
	var b strings.Builder
	for _, in := range m.Interactions {
		for _, msg := range in.Data.Messages {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			who := strings.TrimSpace(msg.ParticipantType + " " + msg.ParticipantName)
			b.WriteString(who + ": " + msg.Text)
		}
	}
	return b.String()
}

// Get fetches GET /media-playback/v1/contacts?acd-call-id={contactId}.
func (s *MediaPlaybackService) Get(ctx context.Context, contactID int64, opts *MediaPlaybackOptions) (*MediaPlayback, error) {
	if err := checkID("contact", contactID); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &MediaPlaybackOptions{}
	}
	q := url.Values{"acd-call-id": {strconv.FormatInt(contactID, 10)}}
	switch opts.MediaType {
	case "":
	case MediaVoiceOnly, MediaVoiceAndScreen, MediaChat, MediaEmail, MediaAll:
		q.Set("media-type", opts.MediaType)
	default:
		return nil, invalidf("media type %q is not one of voice-only, voice-and-screen, chat, email, all", opts.MediaType)
	}
	if !opts.Waveforms {
		q.Set("exclude-waveforms", "true")
	}
	rc, err := s.client.api(ctx)
	if err != nil {
		return nil, err
	}
	var out MediaPlayback
	if _, err := rc.Do(ctx, mediaPlaybackRequest(q), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RecordingURL returns the URL of a voice contact's recording, or "" when
// CXone's answer holds no segment to play. CXone's 404 (a wrong id, or a
// contact without media) is returned as an error matching
// [github.com/deskbridge/deskbridge.ErrNotFound], not as "": an empty
// answer would hide a wrong id.
func (s *MediaPlaybackService) RecordingURL(ctx context.Context, contactID int64) (string, error) {
	m, err := s.Get(ctx, contactID, &MediaPlaybackOptions{MediaType: MediaVoiceOnly})
	if err != nil {
		return "", err
	}
	return m.RecordingURL(), nil
}
