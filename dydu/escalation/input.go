package escalation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge/flow"
	"github.com/deskbridge/deskbridge/zendesk/conversations"
)

// UserFile is a file the user's channel sends to the agent.
type UserFile struct {
	// Chat and ID as in [UserMessage]. Required.
	Chat, ID string
	// Name is the file's name; MediaType its type ("image/png"). Required.
	Name, MediaType string
	// Data is the file: at most 50 MB (conversations.MaxAttachmentBytes).
	Data []byte
	// Text is shown beside it; optional.
	Text string
}

// HandleUserFile sends a file from the user to the agent who has the
// chat: uploaded to Sunshine Conversations, then posted as an image or
// file message. Only an agent takes files: while the bot has the chat it
// is refused. A file over 50 MB or of a type Zendesk refuses
// ([ErrOverLimit]) is refused whole. Safe to call again after an error.
func (f *Flow) HandleUserFile(ctx context.Context, u *UserFile) (Result, error) {
	res := Result{Source: SourceUser, Kind: "file", Key: u.ID, Chat: u.Chat}
	if err := checkFile(u); err != nil {
		return f.fail(ctx, res, err)
	}
	switch {
	case len(u.Data) == 0:
		return f.fail(ctx, res, fmt.Errorf("%w: the file is empty", ErrBadInput))
	case int64(len(u.Data)) > conversations.MaxAttachmentBytes:
		return f.fail(ctx, res, fmt.Errorf("%w: the file has %d bytes; Sunshine Conversations takes at most 50 MB (%d bytes)",
			ErrOverLimit, len(u.Data), conversations.MaxAttachmentBytes))
	}
	return f.withChat(ctx, res, func(st *chatState, res *Result) error {
		if st.Mode == modeEscalating {
			if err := f.escalate(ctx, u.Chat, st); err != nil {
				return err
			}
		}
		if st.Mode != modeLive {
			return errNotLiveFile
		}
		res.ConversationID, res.Detail = st.Conv, DetailToAgent
		key := "f." + u.ID
		att, err := f.cfg.Conversations.Attachments.Upload(ctx, u.Name, bytes.NewReader(u.Data),
			&conversations.UploadOptions{ContentType: u.MediaType, ConversationID: st.Conv})
		if err != nil {
			return fmt.Errorf("escalation: uploading the file: %w", err)
		}
		content := conversations.File(att.MediaURL)
		kind := KindFile
		if strings.HasPrefix(u.MediaType, "image/") {
			content, kind = conversations.Image(att.MediaURL), KindImage
		}
		content.Text, content.AltText = u.Text, altText(u.Name)
		if err := f.channel.Deliver(ctx, u.Chat, Message{ID: u.ID, Time: f.cfg.Now(), From: FromUser, Kind: kind, Text: u.Text,
			MediaURL: att.MediaURL, MediaType: u.MediaType, Where: "zendesk"}); err != nil {
			return err
		}
		_, err = f.postOnce(ctx, u.Chat, st, key, &conversations.MessagePost{Author: conversations.UserAuthor(st.User), Content: content})
		return err
	})
}

// checkFile refuses a file whose chat, id, name or type is wrong, before
// its data is looked at.
func checkFile(u *UserFile) error {
	switch {
	case !validChat(u.Chat):
		return errBadChat
	case !validID(u.ID):
		return fmt.Errorf("%w: a message id is 1 to 128 printable ASCII characters without ':'", ErrBadInput)
	case u.Name == "" || len(u.Name) > 255:
		return fmt.Errorf("%w: a file needs a name of 1 to 255 bytes", ErrBadInput)
	case !allowedFileType(u.MediaType):
		return fmt.Errorf("%w: files of type %q are not sent to Zendesk (see escalation's unconfirmed.go for the types taken)",
			ErrOverLimit, u.MediaType)
	}
	return nil
}

// errNotLiveFile refuses a file while the bot has the chat.
var errNotLiveFile = fmt.Errorf("%w: only an agent takes files, and the bot has the chat", ErrBadInput)

// altText is a file's name cut to the 128 characters altText takes (a
// label, not the user's words).
func altText(name string) string {
	r := []rune(name)
	if len(r) > conversations.MaxAltTextLength {
		r = r[:conversations.MaxAltTextLength]
	}
	return string(r)
}

// HandleTyping sends the user's typing indicator to the agent who has the
// chat (typing:start, or typing:stop when typing is false). While the bot
// has the chat it is ignored.
func (f *Flow) HandleTyping(ctx context.Context, chat string, typing bool) (Result, error) {
	res := Result{Source: SourceUser, Kind: "typing", Chat: chat}
	if !validChat(chat) {
		return f.fail(ctx, res, errBadChat)
	}
	st, err := f.loadChat(ctx, chat)
	if err != nil {
		return f.fail(ctx, res, err)
	}
	res.ConversationID = st.Conv
	if st.Mode != modeLive {
		res.Outcome, res.Detail = flow.Ignored, DetailNotLive
		return f.report(res), nil
	}
	act := f.cfg.Conversations.Activities.TypingStop
	if typing {
		act = f.cfg.Conversations.Activities.TypingStart
	}
	if err := act(ctx, st.Conv, conversations.UserAuthor(st.User)); err != nil {
		return f.fail(ctx, res, err)
	}
	res.Outcome, res.Detail = flow.Applied, DetailTyping
	return f.report(res), nil
}

// maxMessageBody bounds a user message's JSON body.
const maxMessageBody = 64 << 10

// serveMessage is POST /chats/{chat}/messages: {"id", "text",
// "variables"}; the id may come as the Idempotency-Key header instead.
func (f *Flow) serveMessage(w http.ResponseWriter, r *http.Request, identity map[string]string) {
	var in struct {
		ID        string            `json:"id"`
		Text      string            `json:"text"`
		Variables map[string]string `json:"variables"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMessageBody))
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: the body is over %d bytes", ErrOverLimit, maxMessageBody))
		return
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSONError(w, http.StatusBadRequest, fmt.Errorf("%w: the body is not {\"id\", \"text\", \"variables\"}: %v", ErrBadInput, err))
		return
	}
	if in.ID == "" {
		in.ID = r.Header.Get("Idempotency-Key")
	}
	res, err := f.HandleUserMessage(r.Context(), &UserMessage{Chat: r.PathValue("chat"), ID: in.ID, Text: in.Text, Variables: in.Variables, Identity: identity})
	f.answer(w, res, err)
}

// serveTyping is POST /chats/{chat}/typing: {"typing": true|false}.
func (f *Flow) serveTyping(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	var in struct {
		Typing bool `json:"typing"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, fmt.Errorf("%w: the body is not {\"typing\": true|false}", ErrBadInput))
		return
	}
	res, err := f.HandleTyping(r.Context(), r.PathValue("chat"), in.Typing)
	f.answer(w, res, err)
}

// serveFile is POST /chats/{chat}/files?id=…&name=…[&text=…]: the body is
// the file, its Content-Type the file's type.
//
// Everything that can be checked without the file is checked before a
// byte of it is read: the chat, the id, the name, the type, that an
// agent has the chat, a Content-Length over 50 MB. Then the body is read
// (up to the limit only, when sent without a length) under the bound of
// Config.MaxConcurrentUploads: past it the upload is answered 503 with
// Retry-After.
func (f *Flow) serveFile(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	q := r.URL.Query()
	u := &UserFile{Chat: r.PathValue("chat"), ID: cmp.Or(q.Get("id"), r.Header.Get("Idempotency-Key")), Name: q.Get("name"), Text: q.Get("text")}
	u.MediaType, _, _ = mime.ParseMediaType(r.Header.Get("Content-Type"))
	res := Result{Source: SourceUser, Kind: "file", Key: u.ID, Chat: u.Chat}
	refuse := func(status int, err error) {
		res, err := f.fail(r.Context(), res, err)
		if status == 0 {
			f.answer(w, res, err)
			return
		}
		writeJSONError(w, status, err)
	}
	if err := checkFile(u); err != nil {
		refuse(0, err)
		return
	}
	tooLarge := fmt.Errorf("%w: the file is over 50 MB (%d bytes), the most Sunshine Conversations takes", ErrOverLimit, conversations.MaxAttachmentBytes)
	if r.ContentLength > conversations.MaxAttachmentBytes {
		refuse(http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	if st, err := f.loadChat(r.Context(), u.Chat); err != nil {
		refuse(0, err)
		return
	} else if st.Mode == modeBot {
		refuse(0, errNotLiveFile)
		return
	}
	select {
	case f.uploads <- struct{}{}:
		defer func() { <-f.uploads }()
	default:
		refuse(0, errUploadsBusy)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, conversations.MaxAttachmentBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			refuse(http.StatusRequestEntityTooLarge, tooLarge)
			return
		}
		refuse(http.StatusBadRequest, fmt.Errorf("%w: reading the file: %v", ErrBadInput, err))
		return
	}
	u.Data = data
	res, err = f.HandleUserFile(r.Context(), u)
	f.answer(w, res, err)
}

// errUploadsBusy: Config.MaxConcurrentUploads files are being received.
var errUploadsBusy = errors.New("escalation: too many files are being received at once; retry shortly")

// authorized checks a request of the user's channel: a chat id that
// holds 128 bits, then Config.Authorize, whose identity it passes on.
func (f *Flow) authorized(h func(http.ResponseWriter, *http.Request, map[string]string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chat := r.PathValue("chat")
		if !validChat(chat) {
			h(w, r, nil) // refused there, as any event with a bad chat id
			return
		}
		var identity map[string]string
		if f.cfg.Authorize != nil {
			var err error
			if identity, err = f.cfg.Authorize(r, chat); err != nil {
				f.log.WarnContext(r.Context(), "escalation: a request of the user's channel was refused by Config.Authorize",
					slog.String("chat", chat), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
				writeJSONError(w, http.StatusForbidden, errForbidden)
				return
			}
		}
		h(w, r, identity)
	})
}

var errForbidden = errors.New("escalation: not allowed in this chat: the request does not carry the chat's credentials")

// answer writes a user event's result: 200 handled or duplicate, 422
// refused (with what is wrong), 503 with Retry-After (retry).
func (f *Flow) answer(w http.ResponseWriter, res Result, err error) {
	if res.Outcome == flow.Failed {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.cfg.RetryAfter+999_999_999)/1_000_000_000)))
	}
	body := map[string]any{"outcome": res.Outcome, "detail": res.Detail}
	if err != nil {
		body["error"] = err.Error()
	}
	writeJSON(w, res.Outcome.HTTPStatus(), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]any{"error": err.Error()})
}

// writeRetry answers 503 for a store that failed.
func writeRetry(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", "2")
	writeJSONError(w, http.StatusServiceUnavailable, err)
}
