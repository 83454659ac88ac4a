package conversationstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// parseUpload reads an UploadAttachment body: multipart/form-data with
// one file part named "source", at most limit bytes.
func parseUpload(contentType string, body []byte, limit int64) (filename, mediaType string, data []byte, err error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", "", nil, badRequest("the body must be multipart/form-data with a file part named 'source'")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", "", nil, badRequest("should have required property 'source' (a file part)")
		}
		if err != nil {
			return "", "", nil, badRequest("malformed multipart body")
		}
		if part.FormName() != "source" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return "", "", nil, badRequest("malformed multipart body")
		}
		if int64(len(data)) > limit {
			return "", "", nil, tooLarge(fmt.Sprintf("File exceeds the maximum size of %d bytes", limit))
		}
		filename = path.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
		if filename == "" || filename == "." || filename == "/" {
			filename = "file"
		}
		mediaType = part.Header.Get("Content-Type")
		if mediaType == "" || mediaType == "application/octet-stream" {
			mediaType = http.DetectContentType(data)
		}
		if mt, _, err := mime.ParseMediaType(mediaType); err == nil {
			mediaType = mt
		}
		return filename, mediaType, data, nil
	}
}

func (s *Server) uploadAttachment(c *call) error {
	q := c.r.URL.Query()
	if q.Get("access") != "public" {
		return badRequest("access is required and must be public")
	}
	if f := q.Get("for"); f != "" && f != "message" {
		return badRequest("for must be message")
	}
	name, mediaType, data, err := parseUpload(c.r.Header.Get("Content-Type"), c.body, s.cfg.maxAttachment)
	if err != nil {
		return err
	}
	a, err := s.addAttachment(q.Get("conversationId"), name, mediaType, data)
	if err != nil {
		return err
	}
	return c.json(http.StatusCreated, map[string]any{"attachment": map[string]any{"mediaUrl": a.MediaURL, "mediaType": a.MediaType}})
}

// addAttachment stores a file and makes its media URL on the fake.
func (s *Server) addAttachment(conversationID, name, mediaType string, data []byte) (Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conversationID != "" {
		if _, ok := s.st.convs[conversationID]; !ok {
			return Attachment{}, notFound("conversation_not_found", "Conversation not found")
		}
	}
	p := "/attachments/v2/" + strings.ToUpper(s.st.newID()) + "/" + url.PathEscape(name)
	a := &Attachment{
		MediaURL: s.URL + p, MediaType: mediaType, Size: int64(len(data)), Filename: name,
		ConversationID: conversationID, Data: bytes.Clone(data),
	}
	s.st.attachments[p] = a
	out := *a
	return out, nil
}

// mediaPath is the key of a media URL in the attachments ("" when it is
// not one of the fake's).
func mediaPath(mediaURL string) string {
	u, err := url.Parse(mediaURL)
	if err != nil {
		return ""
	}
	p := strings.TrimPrefix(u.EscapedPath(), "/sc")
	if !strings.HasPrefix(p, "/attachments/") {
		return ""
	}
	return p
}

type removeInput struct {
	MediaURL *string `json:"mediaUrl"`
}

func (s *Server) removeAttachment(c *call, in *removeInput) error {
	if in.MediaURL == nil {
		return badRequest("should have required property 'mediaUrl'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := mediaPath(*in.MediaURL)
	if _, ok := s.st.attachments[p]; !ok || p == "" {
		return notFound("not_found", "Attachment not found")
	}
	delete(s.st.attachments, p)
	return c.json(http.StatusOK, map[string]any{})
}

// Attachment returns a copy of the file at a media URL of the fake.
func (s *Server) Attachment(mediaURL string) (Attachment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.attachments[mediaPath(mediaURL)]
	if !ok {
		return Attachment{}, false
	}
	out := *a
	out.Data = bytes.Clone(a.Data)
	return out, true
}
