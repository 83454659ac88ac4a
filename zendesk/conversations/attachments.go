package conversations

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/deskbridge/deskbridge/internal/rest"
)

// AttachmentsService uploads files to send in image and file messages, and
// removes them
// (https://developer.zendesk.com/api-reference/conversations/#tag/Attachments).
type AttachmentsService service

// Attachment is an uploaded file: post an image or file message with its
// MediaURL.
type Attachment struct {
	MediaURL  string `json:"mediaUrl"`
	MediaType string `json:"mediaType,omitempty"`
}

// UploadOptions describe an upload.
type UploadOptions struct {
	// ContentType is the file's MIME type; "" means
	// application/octet-stream.
	ContentType string
	// ConversationID ties the file to a conversation: the API deletes it
	// with the conversation, its message or its user (for=message). Empty
	// uploads a file that stays until [AttachmentsService.Remove].
	ConversationID string
}

// Upload uploads a file of at most 50 MB ([MaxAttachmentBytes]): POST
// /v2/apps/{appId}/attachments?access=public[&for=message&conversationId=…]
// with a multipart/form-data body whose part "source" holds the file,
// named name. The file is read whole before anything is sent, so that a
// file over the limit is refused ([ErrOverLimit]) without a request.
func (s *AttachmentsService) Upload(ctx context.Context, name string, r io.Reader, o *UploadOptions) (*Attachment, error) {
	const op = "Attachments.Upload"
	if err := need(op, "name", name); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, invalid(op, "file", "is nil")
	}
	var opts UploadOptions
	if o != nil {
		opts = *o
	}
	data, err := io.ReadAll(io.LimitReader(r, maxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("conversations: %s: reading the file: %w", op, err)
	}
	if len(data) > maxUploadBytes {
		return nil, &ValidationError{Op: op, Field: "file", Limit: maxUploadBytes,
			Reason: fmt.Sprintf("is over the 50 MB upload limit (%d bytes at most)", maxUploadBytes)}
	}
	body, contentType, err := multipartBody("source", name, cmp.Or(opts.ContentType, "application/octet-stream"), data)
	if err != nil {
		return nil, invalid(op, "file", "%v", err)
	}
	q := url.Values{"access": {"public"}}
	if opts.ConversationID != "" {
		q.Set("for", "message")
		q.Set("conversationId", opts.ConversationID)
	}
	req := &rest.Request{
		Method: http.MethodPost, Path: s.client.appPath("/attachments"), Query: q,
		Body: rest.RawBody{ContentType: contentType, Data: body},
	}
	a, err := rest.Send[Attachment](ctx, s.client.rest, req, "attachment")
	return a, s.client.decorate(err)
}

// multipartBody is a multipart/form-data body with one file part.
func multipartBody(field, filename, contentType string, data []byte) ([]byte, string, error) {
	if strings.ContainsAny(filename, "\r\n") || strings.ContainsAny(contentType, "\r\n") {
		return nil, "", fmt.Errorf("the name or content type has a line break")
	}
	var buf bytes.Buffer
	buf.Grow(len(data) + 512)
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, escapeQuotes(filename)))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// Remove deletes an uploaded file: POST
// /v2/apps/{appId}/attachments/remove with {"mediaUrl": mediaURL}.
func (s *AttachmentsService) Remove(ctx context.Context, mediaURL string) error {
	const op = "Attachments.Remove"
	if err := need(op, "mediaURL", mediaURL); err != nil {
		return err
	}
	body := struct {
		MediaURL string `json:"mediaUrl"`
	}{mediaURL}
	return s.client.do(ctx, &call{op: op, method: http.MethodPost, path: s.client.appPath("/attachments/remove"), body: body})
}
