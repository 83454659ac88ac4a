package escalation

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/deskbridge/deskbridge/store"
)

// A chat's variables are capped in number and size: a message that would
// go over is refused 422 naming the limit, and the chat keeps what it had.
func TestVariablesCapped(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	chat := NewChatID()
	vars := func(n int, prefix string, size int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("%s%02d", prefix, i)] = strings.Repeat("v", size)
		}
		return m
	}
	code, body := e.say(chat, "m1", "Bonjour", vars(MaxVariables+1, "a", 1))
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body["error"]), "escalation.MaxVariables") {
		t.Fatalf("%d variables in one message: %d %v", MaxVariables+1, code, body)
	}
	if code, body := e.say(chat, "m2", "Bonjour", vars(30, "a", 1)); code != 200 {
		t.Fatalf("30 variables: %d %v", code, body)
	}
	code, body = e.say(chat, "m3", "Bonjour", vars(30, "b", 1)) // 60 in all
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body["error"]), "60 variables") {
		t.Fatalf("60 variables over two messages: %d %v", code, body)
	}
	code, body = e.say(chat, "m4", "Bonjour", map[string]string{"big": strings.Repeat("x", MaxVariablesSize)})
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body["error"]), "escalation.MaxVariablesSize") {
		t.Fatalf("a variable of 8 KB: %d %v", code, body)
	}
	st, _ := e.flows[0].loadChat(t.Context(), chat)
	if len(st.Vars) != 30 {
		t.Fatalf("the chat holds %d variables, want the 30 taken", len(st.Vars))
	}
}

// readFlag is a body that records whether it was read.
type readFlag struct {
	read atomic.Bool
	r    io.Reader
}

func (b *readFlag) Read(p []byte) (int, error) { b.read.Store(true); return b.r.Read(p) }

// A file is checked before a byte of it is read: a bad id, name or type,
// or a chat the bot has, is refused with its body untouched.
func TestFileCheckedBeforeRead(t *testing.T) {
	e := newEnv(t, 1, store.NewMemory())
	live := NewChatID()
	e.escalate(live)
	botChat := NewChatID()
	if code, body := e.say(botChat, "m1", "Quels sont vos horaires ?", nil); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	for name, c := range map[string]struct{ chat, query, ct string }{
		"no id":        {live, "name=a.png", "image/png"},
		"no name":      {live, "id=f1", "image/png"},
		"refused type": {live, "id=f1&name=a.exe", "application/x-msdownload"},
		"bot has it":   {botChat, "id=f1&name=a.png", "image/png"},
		"bad chat":     {"short", "id=f1&name=a.png", "image/png"},
	} {
		body := &readFlag{r: strings.NewReader(strings.Repeat("x", 1<<20))}
		req := httptest.NewRequest("POST", "/chats/"+c.chat+"/files?"+c.query, body)
		req.Header.Set("Content-Type", c.ct)
		rec := httptest.NewRecorder()
		e.flows[0].Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnprocessableEntity || body.read.Load() {
			t.Errorf("%s: %d, body read %v: %s", name, rec.Code, body.read.Load(), rec.Body)
		}
	}
}

// Files received at once are bounded: one past Config.MaxConcurrentUploads
// is answered 503 with Retry-After, and goes through once a slot is free.
func TestConcurrentUploadsBounded(t *testing.T) {
	e := newEnv(t, 0, store.NewMemory())
	f := e.addFlow(func(c *Config) { c.MaxConcurrentUploads = 1 })
	chat := NewChatID()
	e.escalate(chat)
	upload := func(id string, body io.Reader) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/chats/"+chat+"/files?id="+id+"&name=a.png", body)
		req.Header.Set("Content-Type", "image/png")
		rec := httptest.NewRecorder()
		f.Handler().ServeHTTP(rec, req)
		return rec
	}
	pr, pw := io.Pipe()
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() { first <- upload("f1", pr) }()
	if _, err := pw.Write([]byte("\x89PNG")); err != nil { // the first upload holds its slot
		t.Fatal(err)
	}
	rec := upload("f2", strings.NewReader("\x89PNG two"))
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(fmt.Sprint(out["error"]), "too many files") {
		t.Fatalf("a second upload at once: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	pw.Close()
	if r := <-first; r.Code != 200 {
		t.Fatalf("the first upload: %d %s", r.Code, r.Body)
	}
	if rec := upload("f2", strings.NewReader("\x89PNG two")); rec.Code != 200 {
		t.Fatalf("the second upload retried: %d %s", rec.Code, rec.Body)
	}
}
