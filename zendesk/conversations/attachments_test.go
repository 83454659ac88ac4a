package conversations

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// TestUpload checks the multipart request: the query, one part named
// "source" with the file's name, type and bytes.
func TestUpload(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{201, testdata(t, "attachment_response.json")})
	file := []byte("\xff\xd8\xff\xe0 a jpeg")
	a, err := c.Attachments.Upload(context.Background(), `my "file".jpeg`, bytes.NewReader(file),
		&UploadOptions{ContentType: "image/jpeg", ConversationID: "67a0ecf8f0305f4a391e9db1"})
	if err != nil {
		t.Fatal(err)
	}
	if a.MediaType != "image/jpeg" || !strings.HasSuffix(a.MediaURL, "/my_file.jpeg") {
		t.Fatalf("attachment = %+v", a)
	}
	r := rec.all()[0]
	if r.Method != "POST" || r.Path != appPrefix+"/attachments" {
		t.Fatalf("%s %s", r.Method, r.Path)
	}
	if q, _ := url.ParseQuery(r.RawQuery); q.Encode() != "access=public&conversationId=67a0ecf8f0305f4a391e9db1&for=message" {
		t.Fatalf("query = %s", r.RawQuery)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(part)
	if part.FormName() != "source" || part.FileName() != `my "file".jpeg` || part.Header.Get("Content-Type") != "image/jpeg" || !bytes.Equal(body, file) {
		t.Fatalf("part %q %q %q %q", part.FormName(), part.FileName(), part.Header.Get("Content-Type"), body)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("a second part: %v", err)
	}
}

func TestUploadWithoutConversation(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{201, testdata(t, "attachment_response.json")})
	if _, err := c.Attachments.Upload(context.Background(), "f.bin", strings.NewReader("x"), nil); err != nil {
		t.Fatal(err)
	}
	r := rec.all()[0]
	if r.RawQuery != "access=public" || !strings.Contains(string(r.Body), "Content-Type: application/octet-stream") {
		t.Fatalf("query %q body %q", r.RawQuery, r.Body)
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestUploadOver50MB: a file over the limit is refused without a request.
func TestUploadOver50MB(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{201, `{}`})
	_, err := c.Attachments.Upload(context.Background(), "big.bin", io.LimitReader(zeros{}, MaxAttachmentBytes+1), nil)
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrOverLimit) || ve.Limit != MaxAttachmentBytes || !strings.Contains(err.Error(), "50 MB") {
		t.Fatalf("err = %v", err)
	}
	if len(rec.all()) != 0 {
		t.Fatal("a request was sent")
	}
	if _, err := c.Attachments.Upload(context.Background(), "a\nb", strings.NewReader("x"), nil); !errors.As(err, &ve) {
		t.Fatalf("a name with a line break: %v", err)
	}
}
