package conversationstest

import (
	"encoding/json"
	"maps"
	"slices"
)

// Webhook events, as Sunshine Conversations delivers them: one POST per
// event to each webhook whose triggers name the event's type and whose
// integration sees the conversation (see receives in unconfirmed.go), with
// the envelope {app:{id}, webhook:{id, version}, events:[{id, createdAt,
// type, payload}]} and the header X-API-Key set to the webhook's secret.
// The payload is shaped per webhook: includeFullUser puts the whole user
// in message.author.user (else {id, externalId, authenticated}),
// includeFullSource adds message.source.client and .device.

// event is one event to deliver; payload builds its payload for one
// webhook.
type event struct {
	id      string
	typ     string
	created string
	conv    *convRec // nil for events about users
	// involved names the switchboard integrations a switchboard event is
	// about (the one that gave control and the one that got it), which
	// receive it even on standby.
	involved []string
	payload  func(w *Webhook) map[string]any
}

// emit queues ev to every webhook that receives it; s.flush hands the
// queue to the deliveries once the state lock is released. Callers hold
// s.mu.
func (st *state) emit(ev *event) {
	ev.id = st.newID()
	ev.created = stamp(st.s.now())
	for _, iid := range st.integrations.ids {
		ir := st.ints[iid]
		for _, wid := range ir.webhooks.ids {
			wr := st.webhooks[wid]
			if !slices.Contains(wr.w.Triggers, ev.typ) || !st.receives(ir, ev) {
				continue
			}
			env := map[string]any{
				"app":     map[string]any{"id": st.s.AppID},
				"webhook": map[string]any{"id": wr.w.ID, "version": wr.w.Version},
				"events": []map[string]any{{
					"id": ev.id, "createdAt": ev.created, "type": ev.typ, "payload": ev.payload(&wr.w),
				}},
			}
			body, err := json.Marshal(env)
			if err != nil {
				continue
			}
			st.outbox = append(st.outbox, outbound{
				webhookID: wr.w.ID, integrationID: iid, target: wr.w.Target, secret: wr.w.Secret,
				eventID: ev.id, eventType: ev.typ, body: body,
			})
		}
	}
}

// flush hands the events emitted so far to the deliveries.
func (s *Server) flush() {
	s.mu.Lock()
	out := s.st.outbox
	s.st.outbox = nil
	s.mu.Unlock()
	s.dl.enqueue(out...)
}

// userTruncated is a user as a payload carries it by default.
func userTruncated(u *User) map[string]any {
	m := map[string]any{"id": u.ID, "authenticated": u.Authenticated}
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	return m
}

// userFor is the user a payload carries for webhook w.
func userFor(u *User, w *Webhook) any {
	if w.IncludeFullUser {
		return u.clone()
	}
	return userTruncated(u)
}

// toMap turns a record into its JSON object, for payloads that add keys.
func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

// emitMessage emits conversation:message for msg. Callers hold s.mu.
func (st *state) emitMessage(cr *convRec, msg *Message) {
	conv := cr.c.clone()
	m := msg.clone()
	var author *User
	if m.Author.Type == "user" {
		if u, ok := st.users[m.Author.UserID]; ok {
			c := u.clone()
			author = &c
		}
	}
	ch := msg.ch
	st.emit(&event{typ: "conversation:message", conv: cr, payload: func(w *Webhook) map[string]any {
		mm := toMap(m)
		if author != nil {
			mm["author"].(map[string]any)["user"] = userFor(author, w)
		}
		if w.IncludeFullSource && ch != nil {
			src := mm["source"].(map[string]any)
			src["client"] = maps.Clone(ch.client)
			src["device"] = maps.Clone(ch.device)
		}
		return map[string]any{"conversation": conv.truncated(), "message": mm}
	}})
}

// emitConversation emits a conversation event (conversation:create,
// :join, :leave, :remove) with the user it is about, if any, and extra
// payload keys. Callers hold s.mu.
func (st *state) emitConversation(typ string, cr *convRec, u *User, extra map[string]any) {
	conv := cr.c.clone()
	var user *User
	if u != nil {
		c := u.clone()
		user = &c
	}
	st.emit(&event{typ: typ, conv: cr, payload: func(w *Webhook) map[string]any {
		p := map[string]any{"conversation": conv.truncated()}
		if user != nil {
			p["user"] = userFor(user, w)
		}
		maps.Copy(p, extra)
		return p
	}})
}

// emitActivity emits conversation:typing or conversation:read. Callers
// hold s.mu.
func (st *state) emitActivity(typ string, cr *convRec, activity map[string]any) {
	conv := cr.c.clone()
	st.emit(&event{typ: typ, conv: cr, payload: func(*Webhook) map[string]any {
		return map[string]any{"conversation": conv.truncated(), "activity": activity}
	}})
}

// emitSwitchboard emits a switchboard event; reason is "" or
// "ticketClosed"/"transferToEmail". Callers hold s.mu.
func (st *state) emitSwitchboard(typ string, cr *convRec, metadata map[string]any, reason string, involved ...string) {
	conv := cr.c.clone()
	md := maps.Clone(metadata)
	st.emit(&event{typ: typ, conv: cr, involved: involved, payload: func(*Webhook) map[string]any {
		p := map[string]any{"conversation": conv.truncated()}
		if md != nil {
			p["metadata"] = md
		}
		if reason != "" {
			p["reason"] = reason
		}
		return p
	}})
}

// emitUserEvent emits user:update or user:remove. Callers hold s.mu.
func (st *state) emitUserEvent(typ string, u *User) {
	user := u.clone()
	st.emit(&event{typ: typ, payload: func(w *Webhook) map[string]any {
		return map[string]any{"user": userFor(&user, w)}
	}})
}
