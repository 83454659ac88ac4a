package conversationstest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/deskbridge/deskbridge/zendesk/conversations/conversationstest"
)

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON: %q", b)
	}
}

// ListMessages pages backwards, 100 at a time: the most recent page first,
// then page[before]=beforeCursor (links.prev) until hasMore is false;
// page[after] goes forward again.
func TestMessagePaging(t *testing.T) {
	_, a := newAPI(t)
	rec := newReceiver(t)
	userID, convID, _ := setup(t, a, rec, "user:remove")
	var ids []string
	for i := range 250 {
		m := a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
			"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "text", "text": fmt.Sprint(i)}})
		ids = append(ids, str(m["messages"].([]any)[0].(map[string]any), "id"))
	}
	page := a.must(200, "GET", "/conversations/"+convID+"/messages?page[size]=5", nil)
	list := page["messages"].([]any)
	meta, links := obj(page, "meta"), obj(page, "links")
	if len(list) != 100 || str(list[0].(map[string]any), "id") != ids[150] || str(list[99].(map[string]any), "id") != ids[249] {
		t.Fatalf("first page: %d messages from %v", len(list), list[0])
	}
	if meta["hasMore"] != true || str(meta, "beforeCursor") != ids[150] || meta["afterCursor"] != nil {
		t.Errorf("first page meta %v", meta)
	}
	if links["next"] != nil || !strings.Contains(str(links, "prev"), "page%5Bbefore%5D="+ids[150]) || !strings.HasPrefix(str(links, "prev"), a.s.URL+"/v2/apps/") {
		t.Errorf("first page links %v", links)
	}
	// Follow links.prev as a client would.
	u, _ := url.Parse(str(links, "prev"))
	status, body, _ := a.raw("GET", u.String(), nil, "")
	if status != 200 || !strings.Contains(string(body), ids[50]) || strings.Contains(string(body), `"`+ids[150]+`"`+`,"received"`) {
		t.Errorf("prev page: %d", status)
	}
	page = a.must(200, "GET", "/conversations/"+convID+"/messages?page[before]="+ids[50], nil)
	list, meta = page["messages"].([]any), obj(page, "meta")
	if len(list) != 50 || meta["hasMore"] != false || meta["beforeCursor"] != nil || str(meta, "afterCursor") != ids[49] {
		t.Errorf("oldest page: %d messages, meta %v", len(list), meta)
	}
	page = a.must(200, "GET", "/conversations/"+convID+"/messages?page[after]="+ids[100], nil)
	list, meta = page["messages"].([]any), obj(page, "meta")
	if len(list) != 100 || str(list[0].(map[string]any), "id") != ids[101] || meta["hasMore"] != true || str(meta, "afterCursor") != ids[200] {
		t.Errorf("forward page: %d, meta %v", len(list), meta)
	}
	for _, q := range []string{"page[after]=" + ids[1] + "&page[before]=" + ids[2], "page[after]=short", "page[before]=000000000000000000000000"} {
		status, e := a.do("GET", "/conversations/"+convID+"/messages?"+q, nil)
		if code, _ := errCode(t, e); status != 400 || code != "bad_request" {
			t.Errorf("%s: %d %s", q, status, code)
		}
	}
}

// ListConversations pages forwards, page[size] 1–100, default 25.
func TestConversationPaging(t *testing.T) {
	_, a := newAPI(t)
	u := obj(a.must(201, "POST", "/users", map[string]any{"externalId": "grp"}), "user")
	var ids []string
	for range 30 {
		c := a.must(201, "POST", "/conversations", map[string]any{"type": "sdkGroup", "participants": []any{map[string]any{"userId": str(u, "id")}}})
		ids = append(ids, str(obj(c, "conversation"), "id"))
	}
	page := a.must(200, "GET", "/conversations?filter[userExternalId]=grp", nil)
	if n := len(page["conversations"].([]any)); n != 25 || obj(page, "meta")["hasMore"] != true || str(obj(page, "meta"), "afterCursor") != ids[24] {
		t.Errorf("default page: %d, meta %v", n, page["meta"])
	}
	page = a.must(200, "GET", "/conversations?filter[userId]="+str(u, "id")+"&page[size]=10&page[after]="+ids[24], nil)
	if n := len(page["conversations"].([]any)); n != 5 || obj(page, "meta")["hasMore"] != false || obj(page, "links")["next"] != nil {
		t.Errorf("last page: %d, meta %v links %v", n, page["meta"], page["links"])
	}
	for _, size := range []string{"0", "101", "x"} {
		if status, _ := a.do("GET", "/conversations?filter[userId]="+str(u, "id")+"&page[size]="+size, nil); status != 400 {
			t.Errorf("page[size]=%s: %d", size, status)
		}
	}
	parts := a.must(200, "GET", "/conversations/"+ids[0]+"/participants", nil)
	if p := parts["participants"].([]any); len(p) != 1 || keys(p[0].(map[string]any)) != "id,unreadCount,userExternalId,userId" {
		t.Errorf("participants %v", p)
	}
}

// multipartBody makes an UploadAttachment body with a "source" part.
func multipartBody(t *testing.T, field, name, contentType string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name)}
	if contentType != "" {
		h["Content-Type"] = []string{contentType}
	}
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestAttachments(t *testing.T) {
	s, a := newAPI(t, conversationstest.WithAttachmentLimit(1000))
	rec := newReceiver(t)
	userID, convID, _ := setup(t, a, rec)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
	body, ct := multipartBody(t, "source", "photo.png", "image/png", png)
	status, out, _ := a.raw("POST", a.app("/attachments?access=public&for=message&conversationId="+convID), body, ct)
	if status != 201 {
		t.Fatalf("upload: %d %s", status, out)
	}
	var got struct {
		Attachment map[string]string `json:"attachment"`
	}
	mustJSON(t, out, &got)
	if got.Attachment["mediaType"] != "image/png" || !strings.HasPrefix(got.Attachment["mediaUrl"], s.URL+"/attachments/v2/") || !strings.HasSuffix(got.Attachment["mediaUrl"], "/photo.png") {
		t.Errorf("attachment %v", got.Attachment)
	}
	// Served back without credentials.
	anon := *a
	anon.id = ""
	status, data, h := anon.raw("GET", got.Attachment["mediaUrl"], nil, "")
	if status != 200 || !bytes.Equal(data, png) || h.Get("Content-Type") != "image/png" {
		t.Errorf("media URL: %d %d bytes %q", status, len(data), h.Get("Content-Type"))
	}
	m := a.must(201, "POST", "/conversations/"+convID+"/messages", map[string]any{
		"author": map[string]any{"type": "user", "userId": userID}, "content": map[string]any{"type": "image", "mediaUrl": got.Attachment["mediaUrl"]}})
	content := obj(m["messages"].([]any)[0].(map[string]any), "content")
	if content["mediaType"] != "image/png" || content["mediaSize"] != float64(len(png)) {
		t.Errorf("image content %v", content)
	}
	for _, c := range []struct {
		query, field string
		status       int
	}{{"", "source", 400}, {"?access=public", "file", 400}, {"?access=public&conversationId=000000000000000000000000", "source", 404}} {
		body, ct := multipartBody(t, c.field, "a.txt", "text/plain", []byte("hi"))
		if status, out, _ := a.raw("POST", a.app("/attachments"+c.query), body, ct); status != c.status {
			t.Errorf("upload %s %s: %d %s", c.query, c.field, status, out)
		}
	}
	a.must(200, "POST", "/attachments/remove", map[string]any{"mediaUrl": got.Attachment["mediaUrl"]})
	if status, _, _ := anon.raw("GET", got.Attachment["mediaUrl"], nil, ""); status != 404 {
		t.Errorf("removed media: %d", status)
	}
	big, ct := multipartBody(t, "source", "big.bin", "application/pdf", make([]byte, 1001))
	status, out, _ = a.raw("POST", a.app("/attachments?access=public"), big, ct)
	if status != 413 || !strings.Contains(string(out), "1000 bytes") {
		t.Errorf("file over the limit: %d %s", status, out)
	}
}
