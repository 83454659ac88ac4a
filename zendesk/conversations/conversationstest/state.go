package conversationstest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// state is everything the fake remembers; the Server's mu guards it. Every
// lookup is a map access; lists keep insertion order in a slice with a
// position index, so a cursor finds its page in O(1).
type state struct {
	s   *Server
	seq uint64

	keys    map[string]*keyRec // by key id
	appKeys *ordered           // ids of the app's keys

	users       map[string]*User // by id
	usersByExt  map[string]*User // by externalId
	usersByMail map[string][]string

	convs     map[string]*convRec
	userConvs map[string]*ordered // user id -> conversation ids

	integrations *ordered // ids of custom integrations
	ints         map[string]*integrationRec
	webhooks     map[string]*webhookRec

	switchboard *Switchboard
	sbis        *ordered // switchboard integration ids
	sbi         map[string]*SwitchboardIntegration

	attachments map[string]*Attachment // by media path

	// tickets maps an agent-workspace ticket to its conversation.
	tickets map[int64]string

	// channels are the end users' clients on a channel, by user id and
	// channel type.
	channels         map[string]*channel
	webIntegrationID string

	// agentIDs are the agents' ids by name; agentSeq makes ids without a
	// Zendesk fake.
	agentIDs map[string]int64
	agentSeq int64

	// outbox holds the deliveries of the events emitted under the lock,
	// until flush.
	outbox []outbound
}

// channel is an end user's client and device on a channel, as
// includeFullSource shows them.
type channel struct {
	client map[string]any
	device map[string]any
}

type keyRec struct {
	key           Key
	integrationID string // "" for an app or account key
	account       bool   // an account key (scope account)
	created       time.Time
}

type convRec struct {
	c            Conversation
	participants *ordered
	parts        map[string]*Participant // by participant id
	byUser       map[string]string       // user id -> participant id
	msgs         *ordered
	msg          map[string]*Message
	// agent workspace: the ticket opened for this conversation, the
	// number of its comments already mirrored, and who the agent is.
	ticketID     int64
	seenComments int
	handOff      *handOffRec
}

type integrationRec struct {
	in       Integration // Webhooks left empty; see webhooks
	webhooks *ordered
	keys     *ordered
}

type webhookRec struct {
	w             Webhook
	integrationID string
}

func newState(s *Server) *state {
	return &state{
		s:            s,
		keys:         map[string]*keyRec{},
		appKeys:      newOrdered(),
		users:        map[string]*User{},
		usersByExt:   map[string]*User{},
		usersByMail:  map[string][]string{},
		convs:        map[string]*convRec{},
		userConvs:    map[string]*ordered{},
		integrations: newOrdered(),
		ints:         map[string]*integrationRec{},
		webhooks:     map[string]*webhookRec{},
		sbis:         newOrdered(),
		sbi:          map[string]*SwitchboardIntegration{},
		attachments:  map[string]*Attachment{},
		tickets:      map[int64]string{},
		channels:     map[string]*channel{},
		agentIDs:     map[string]int64{},
	}
}

// newID returns a new record id in the API's form: 24 hex characters, a
// creation time in seconds then a counter, so that ids sort as they were
// made (as the API's object ids do).
func (st *state) newID() string {
	st.seq++
	return fmt.Sprintf("%08x%016x", uint32(st.s.now().Unix()), st.seq)
}

// addKey makes a key with the prefix ("app_", "int_" or "act_") and
// returns its id and secret.
func (st *state) addKey(prefix, name, integrationID string) (id, secret string) {
	id = prefix + st.newID()
	secret = randomSecret(24)
	st.keys[id] = &keyRec{key: Key{ID: id, DisplayName: name, Secret: secret}, integrationID: integrationID, created: st.s.now()}
	return id, secret
}

// secrets returns every key and webhook secret, for the log's redaction.
func (st *state) secrets() []string {
	out := make([]string, 0, len(st.keys)+len(st.webhooks))
	for _, k := range st.keys {
		out = append(out, k.key.Secret)
	}
	for _, w := range st.webhooks {
		out = append(out, w.w.Secret)
	}
	return out
}

// seedSwitchboard makes the switchboard a Zendesk account with messaging
// has: enabled, with the agent workspace as its default integration.
func (st *state) seedSwitchboard() {
	st.switchboard = &Switchboard{ID: st.newID(), Enabled: true}
	aw := &SwitchboardIntegration{ID: st.newID(), Name: AgentWorkspaceName, IntegrationType: AgentWorkspaceType, DeliverStandbyEvents: false}
	st.sbis.add(aw.ID)
	st.sbi[aw.ID] = aw
	st.switchboard.DefaultSwitchboardIntegrationID = aw.ID
}

// userByRef finds a user by id, else by externalId.
func (st *state) userByRef(ref string) *User {
	if u, ok := st.users[ref]; ok {
		return u
	}
	return st.usersByExt[ref]
}

// switchboardIntegrationFor returns the switchboard integration linked to
// a custom integration, or nil.
func (st *state) switchboardIntegrationFor(integrationID string) *SwitchboardIntegration {
	if integrationID == "" {
		return nil
	}
	for _, id := range st.sbis.ids {
		if si := st.sbi[id]; si.IntegrationID == integrationID {
			return si
		}
	}
	return nil
}

// agentWorkspace returns the agent workspace's switchboard integration, or
// nil when it was deleted.
func (st *state) agentWorkspace() *SwitchboardIntegration {
	for _, id := range st.sbis.ids {
		if si := st.sbi[id]; si.IntegrationType == AgentWorkspaceType {
			return si
		}
	}
	return nil
}

// integrationView is an integration as the API shows it, webhooks in.
func (st *state) integrationView(ir *integrationRec) Integration {
	in := ir.in
	in.Webhooks = nil
	for _, id := range ir.webhooks.ids {
		w := st.webhooks[id].w
		w.Triggers = slices.Clone(w.Triggers)
		in.Webhooks = append(in.Webhooks, w)
	}
	return in
}

// ordered is a list of ids in insertion order with each id's position.
type ordered struct {
	ids []string
	pos map[string]int
}

func newOrdered() *ordered { return &ordered{pos: map[string]int{}} }

func (o *ordered) add(id string) {
	o.pos[id] = len(o.ids)
	o.ids = append(o.ids, id)
}

func (o *ordered) remove(id string) bool {
	i, ok := o.pos[id]
	if !ok {
		return false
	}
	delete(o.pos, id)
	o.ids = slices.Delete(o.ids, i, i+1)
	for j := i; j < len(o.ids); j++ {
		o.pos[o.ids[j]] = j
	}
	return true
}

func (o *ordered) len() int { return len(o.ids) }

// isMediaPath reports whether path is an attachment's media URL.
func isMediaPath(path string) bool {
	return strings.HasPrefix(path, "/sc/attachments/") || strings.HasPrefix(path, "/attachments/")
}

// locked runs fn on what find finds for c, under s.mu; find's error (a
// 404, a 403) is the answer when it finds nothing.
func locked[T any](s *Server, c *call, find func(*call) (T, error), fn func(T) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := find(c)
	if err != nil {
		return err
	}
	return fn(v)
}

// lockedFlush is locked, then delivers the events fn queued (s.flush)
// once s.mu is released.
func lockedFlush[T any](s *Server, c *call, find func(*call) (T, error), fn func(T) error) error {
	defer s.flush()
	return locked(s, c, find, fn)
}
