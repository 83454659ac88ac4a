package conversationstest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// The fake's parsers of outside input: message content, multipart
// uploads, request bodies through the router, JWTs. None may panic; each
// answers an API error for what it refuses.

func FuzzParseContent(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","text":"Bonjour"}`,
		`{"type":"image","text":"Hello!","mediaUrl":"https://example.org/image.jpg","altText":"A wonderful image"}`,
		`{"type":"file","text":"Here's our FAQ!","mediaUrl":"https://example.org/FAQ.pdf","altText":"FAQ.pdf"}`,
		`{"type":"text","actions":[{"type":"reply","text":"Yes","payload":"yes"}]}`,
		`{"type":"text","htmlText":"<b>x</b>","markdownText":"**x**"}`,
		`{"type":7}`, `[]`, `null`, ``, `{"type":"carousel","items":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseContent(b)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("not an API error: %v", err)
			}
			return
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("accepted content does not encode: %v", err)
		}
	})
}

func FuzzParseUpload(f *testing.F) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	p, _ := w.CreateFormFile("source", "a.png")
	p.Write([]byte("\x89PNG\r\n\x1a\nxxxx"))
	w.Close()
	f.Add(w.FormDataContentType(), buf.Bytes())
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"source\"; filename=\"../../etc\"\r\n\r\nhi\r\n--x--\r\n"))
	f.Add("text/plain", []byte("hi"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		name, _, data, err := parseUpload(ct, body, 1<<10)
		if err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("not an API error: %v", err)
			}
			return
		}
		if len(data) > 1<<10 || name == "" || bytes.ContainsAny([]byte(name), "/\\") && name != "/" {
			t.Fatalf("name %q, %d bytes", name, len(data))
		}
	})
}

// FuzzRequests sends arbitrary bodies and queries through the whole
// handler: every answer is a JSON object, and nothing panics.
func FuzzRequests(f *testing.F) {
	s := NewServer()
	defer s.Close()
	s.mu.Lock()
	u := &User{ID: s.st.newID(), ExternalID: "u1"}
	s.st.users[u.ID], s.st.usersByExt["u1"] = u, u
	cr := s.st.addConversation(Conversation{ID: s.st.newID(), Type: "personal"}, []*User{u})
	s.mu.Unlock()
	paths := []string{"/users", "/conversations", "/conversations/" + cr.c.ID + "/messages", "/conversations/" + cr.c.ID + "/passControl",
		"/conversations/" + cr.c.ID + "/activity", "/integrations", "/conversations/" + cr.c.ID + "/leave", "/attachments/remove"}
	f.Add(uint8(0), "", []byte(`{"externalId":"x"}`))
	f.Add(uint8(2), "page[before]=000000000000000000000000", []byte(`{"author":{"type":"user","userExternalId":"u1"},"content":{"type":"text","text":"hi"},"metadata":{"a":1}}`))
	f.Add(uint8(3), "", []byte(`{"switchboardIntegration":"next","metadata":{"first_message_id":"x"}}`))
	f.Add(uint8(5), "filter[types]=custom", []byte(`{"type":"custom","webhooks":[{"target":"http://127.0.0.1:1/","triggers":["conversation:message"]}]}`))
	f.Fuzz(func(t *testing.T, which uint8, query string, body []byte) {
		path := s.URL + "/v2/apps/" + s.AppID + paths[int(which)%len(paths)]
		for _, method := range []string{"POST", "GET"} {
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			req.URL.RawQuery = query
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth(s.KeyID, s.Secret)
			w := httptest.NewRecorder()
			s.serve(w, req)
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s %s: %d, not a JSON object: %q", method, path, w.Code, w.Body)
			}
			if w.Code >= 500 {
				t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
			}
		}
	})
}

func FuzzJWT(f *testing.F) {
	s := NewServer()
	defer s.Close()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scope": "app"})
	tok.Header["kid"] = s.KeyID
	good, _ := tok.SignedString([]byte(s.Secret))
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImFwcCJ9.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := s.verifyJWT(token)
		if err == nil && (p.keyID != s.KeyID || token != good && !validHS256(token, s.Secret)) {
			t.Fatalf("accepted %q as %+v", token, p)
		}
		req := httptest.NewRequest(http.MethodGet, "/sc/v2/apps/"+s.AppID+"/switchboards", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s.serve(w, req)
		if err != nil && w.Code != 401 {
			t.Fatalf("refused token answered %d", w.Code)
		}
	})
}

// validHS256 reports whether token verifies with secret (a fuzzer may find
// another encoding of the same signed token).
func validHS256(token, secret string) bool {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return []byte(secret), nil }, jwt.WithValidMethods([]string{"HS256"}))
	return err == nil
}
