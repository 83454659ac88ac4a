package conversations

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

// TestMessagesListNewestFirst: the iterator starts at the most recent page
// and goes back with page[before], yielding the newest message first.
func TestMessagesListNewestFirst(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{200, testdata(t, "messages_newest_page.json")}, reply{200, testdata(t, "messages_older_page.json")})
	var ids []string
	for m, err := range c.Messages.List(context.Background(), "c1", nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID[len(m.ID)-3:])
	}
	if got := strings.Join(ids, ","); got != "db7,db6,db5,db4,db3" {
		t.Fatalf("order = %s", got)
	}
	reqs := rec.all()
	if len(reqs) != 2 || reqs[0].RawQuery != "" {
		t.Fatalf("requests = %+v", reqs)
	}
	if q, _ := url.ParseQuery(reqs[1].RawQuery); q.Encode() != "page%5Bbefore%5D=67a0ed10f0305f4a391e9db5" {
		t.Fatalf("second query = %s", reqs[1].RawQuery)
	}
}

// TestMessagesListStopsEarly: breaking after the first message fetches one
// page.
func TestMessagesListStopsEarly(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock, reply{200, testdata(t, "messages_newest_page.json")})
	for m, err := range c.Messages.List(context.Background(), "c1", nil) {
		if err != nil || m.Content.Text != "Ticket closed" {
			t.Fatalf("m = %+v, err = %v", m, err)
		}
		break
	}
	if len(rec.all()) != 1 {
		t.Fatal("more than one page fetched")
	}
}

func TestMessagesListRefusesAfter(t *testing.T) {
	t.Parallel()
	c, _ := newMocked(t)
	for _, err := range c.Messages.List(context.Background(), "c1", &MessageListOptions{After: "x"}) {
		if err == nil || !strings.Contains(err.Error(), "use ListPage") {
			t.Fatalf("err = %v", err)
		}
	}
}

// TestConversationsList follows page[after] with the filter kept, and
// takes the cursor from links when meta has none.
func TestConversationsList(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock,
		reply{200, `{"conversations":[{"id":"a","type":"personal"}],"meta":{"hasMore":true,"afterCursor":"a"}}`},
		reply{200, `{"conversations":[{"id":"b","type":"personal"}],"meta":{"hasMore":true},"links":{"next":"https://acme.zendesk.com/sc/v2/apps/x/conversations?page%5Bafter%5D=b"}}`},
		reply{200, `{"conversations":[{"id":"c","type":"personal"}],"meta":{"hasMore":false}}`})
	var ids []string
	for cv, err := range c.Conversations.List(context.Background(), &ConversationListOptions{UserExternalID: "x1"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cv.ID)
	}
	if strings.Join(ids, "") != "abc" {
		t.Fatalf("ids = %v", ids)
	}
	want := []string{
		"filter%5BuserExternalId%5D=x1&page%5Bsize%5D=100",
		"filter%5BuserExternalId%5D=x1&page%5Bafter%5D=a&page%5Bsize%5D=100",
		"filter%5BuserExternalId%5D=x1&page%5Bafter%5D=b&page%5Bsize%5D=100",
	}
	for i, r := range rec.all() {
		if q, _ := url.ParseQuery(r.RawQuery); q.Encode() != want[i] {
			t.Errorf("request %d query = %s, want %s", i, q.Encode(), want[i])
		}
	}
}

// TestListNoCursor: a page that says it has more but names no cursor
// yields its items, then an error, rather than ending silently.
func TestListNoCursor(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	answerAll(mock, reply{200, `{"participants":[{"id":"p1","userId":"u1"}],"meta":{"hasMore":true}}`})
	var got []string
	var last error
	for p, err := range c.Conversations.ListParticipants(context.Background(), "c1", nil) {
		if err != nil {
			last = err
			break
		}
		got = append(got, p.ID)
	}
	if len(got) != 1 || last == nil || !errors.Is(last, errNoCursor) {
		t.Fatalf("got %v, err %v", got, last)
	}
}

// TestListBackward: Before walks a forward list backwards, page[before]
// carrying each page's beforeCursor.
func TestListBackward(t *testing.T) {
	t.Parallel()
	c, mock := newMocked(t)
	rec := answerAll(mock,
		reply{200, `{"integrations":[{"id":"b","type":"custom"}],"meta":{"hasMore":true,"beforeCursor":"b"}}`},
		reply{200, `{"integrations":[{"id":"a","type":"web"}],"meta":{"hasMore":false}}`})
	n := 0
	for _, err := range c.Integrations.List(context.Background(), &IntegrationListOptions{PageOptions: PageOptions{Before: "c", Size: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	reqs := rec.all()
	if n != 2 || len(reqs) != 2 || !strings.Contains(reqs[0].RawQuery, "page%5Bbefore%5D=c") || !strings.Contains(reqs[1].RawQuery, "page%5Bbefore%5D=b") {
		t.Fatalf("n = %d, requests = %+v", n, reqs)
	}
}

// TestListErrorDecorated: an iterator's 403 carries the key-kind hint.
func TestListErrorDecorated(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	c, err := NewClient(WithSubdomain("acme"), WithAppID(testApp), WithKey("int_67a1110ef0305f4a391e9f01", testSecret), withMock(mock))
	if err != nil {
		t.Fatal(err)
	}
	answerAll(mock, reply{403, `{"errors":[{"code":"forbidden","title":"Forbidden"}]}`})
	for _, err := range c.Integrations.List(context.Background(), nil) {
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Hint, "integration key") {
			t.Fatalf("err = %v", err)
		}
	}
}
