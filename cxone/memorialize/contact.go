package memorialize

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/deskbridge/deskbridge"
	"github.com/deskbridge/deskbridge/cxone"
	"github.com/deskbridge/deskbridge/flow"
)

// Memorialize fetches one contact from CXone (GET /contacts/{contactId})
// and writes it as the mapping says, unless it was written before (by any
// replica sharing the store). It is what the Studio endpoint does.
//
// A contact the Reporting API does not list complete yet (in real use
// the common case: the script calls as the contact ends, before its
// after-call work and the warehousing lag) is scheduled for re-fetches in
// the store (Result.Refetch says when the first is due), after each of
// Config.RefetchDelays in turn: the next [Flow.Poll] of any replica
// sharing the store once one is due re-fetches it, and writes it as soon
// as CXone lists it complete. The poll finds the same contacts on its own
// in any case.
func (f *Flow) Memorialize(ctx context.Context, contactID int64) Result {
	return f.fetch(ctx, SourceStudio, contactID)
}

// notComplete reports a contact CXone does not list complete yet; a
// Studio call's is scheduled for re-fetches first (Result.Refetch), and
// fails (DetailStore) when the store cannot keep the schedule.
func (f *Flow) notComplete(ctx context.Context, res Result) Result {
	res.Outcome, res.Detail = flow.Ignored, DetailNotComplete
	if res.Source == SourceStudio {
		due, err := f.scheduleRefetch(ctx, res.ContactID)
		if err != nil {
			// The poll still writes it, but the script is told (503).
			res.Outcome, res.Detail, res.Err = flow.Failed, DetailStore, err
		}
		res.Refetch = due
	}
	return f.report(res)
}

// fetch reads contact contactID and handles it, for src.
func (f *Flow) fetch(ctx context.Context, src Source, contactID int64) Result {
	if contactID <= 0 {
		return f.report(Result{Source: src, ContactID: contactID, Outcome: flow.Rejected,
			Err: fmt.Errorf("memorialize: contact id %d is not a CXone contact id: %w", contactID, deskbridge.ErrInvalid)})
	}
	c, err := f.cfg.CXone.Contacts.Get(ctx, contactID)
	switch {
	case errors.Is(err, deskbridge.ErrNotFound):
		// Not in the Reporting API yet.
		return f.notComplete(ctx, Result{Source: src, ContactID: contactID})
	case err != nil:
		res := Result{Source: src, ContactID: contactID, Outcome: flow.Failed, Detail: DetailCXoneFailed,
			Err: fmt.Errorf("memorialize: reading contact %d from CXone: %w", contactID, err)}
		if permanent(err) {
			// Not claimed nor marked: the poll decides for itself.
			res.Outcome, res.Detail = flow.Rejected, DetailRefused
		}
		return f.report(res)
	}
	return f.handle(ctx, src, c)
}

// handle memorializes one completed contact, once across replicas.
func (f *Flow) handle(ctx context.Context, src Source, c *cxone.Contact) Result {
	res := Result{Source: src, ContactID: c.ContactID, Channel: Voice, EndedByContact: endedByContact(c), HandedOff: handedOff(c)}
	if isDigital(c) {
		res.Channel = Digital
	}
	if !settled(c) {
		return f.notComplete(ctx, res)
	}
	fail := func(detail string, err error) Result {
		return f.fail(ctx, res, detail, err)
	}
	if done, err := f.isDone(ctx, c.ContactID); err != nil {
		return fail(DetailStore, err)
	} else if done {
		res.Outcome, res.Detail = flow.Duplicate, DetailAlreadyDone
		return f.report(res)
	}
	contact, err := f.claim(ctx, c.ContactID)
	if errors.Is(err, errBusy) {
		res.Outcome, res.Detail = flow.Duplicate, DetailBusy
		return f.report(res)
	} else if err != nil {
		return fail(DetailStore, err)
	}
	held := claims{contact}
	defer func() { held.release(ctx) }()
	// Another replica may have finished it between the check and the claim.
	if done, err := f.isDone(ctx, c.ContactID); err != nil {
		return fail(DetailStore, err)
	} else if done {
		res.Outcome, res.Detail = flow.Duplicate, DetailAlreadyDone
		return f.report(res)
	}

	in, err := f.interaction(ctx, c)
	if err != nil {
		return fail(DetailCXoneFailed, err)
	}
	// A segment of a transferred interaction finds or creates its records
	// under its interaction's claim as well (busy: retried as the
	// contact's own claim is).
	master, err := f.claimMaster(ctx, c)
	if errors.Is(err, errBusy) {
		res.Outcome, res.Detail = flow.Duplicate, DetailBusy
		return f.report(res)
	} else if err != nil {
		return fail(DetailStore, err)
	}
	if master != nil {
		held = append(held, master)
	}
	in.claims = held
	values := f.cfg.Mapping.Values(in)
	// Users first: a ticket the flow creates takes the user as requester.
	var userID int64
	written, refused, unfound := 0, 0, 0
	for _, rt := range []RecordType{User, Ticket} {
		vals := values[rt]
		for _, v := range vals {
			if v.Skip != "" && v.Skip != SkipEmpty && v.Skip != SkipEndedByContact {
				refused++
			}
		}
		set := writable(vals)
		if len(set) == 0 {
			if len(vals) > 0 {
				res.Records = append(res.Records, Written{Type: rt, Values: vals})
			}
			continue
		}
		w, err := f.writeRecord(ctx, rt, in, vals, userID)
		if err != nil {
			return f.failWrite(ctx, res, err)
		}
		if w.ID == 0 {
			unfound++
			continue
		}
		if rt == User {
			userID = w.ID
		}
		res.Records = append(res.Records, w)
		written += len(set)
	}
	if err := f.markDone(ctx, c.ContactID); err != nil {
		return fail(DetailStore, err)
	}
	switch {
	case written > 0:
		res.Outcome, res.Detail = flow.Applied, DetailWritten
		if refused > 0 {
			res.Err = refusedError(res.Refused())
		}
	case refused > 0:
		res.Outcome, res.Detail, res.Err = flow.Rejected, DetailTooLong, refusedError(res.Refused())
	case unfound > 0:
		res.Outcome, res.Detail = flow.Ignored, DetailNoRecord
	default:
		res.Outcome, res.Detail = flow.Unchanged, DetailNothing
	}
	return f.report(res)
}

// failWrite reports a failed write: the store's or Zendesk's.
func (f *Flow) failWrite(ctx context.Context, res Result, err error) Result {
	if errors.Is(err, errLost) {
		res.Outcome, res.Detail, res.Err = flow.Duplicate, DetailBusy, err
		return f.report(res)
	}
	detail := DetailZendeskFailed
	var se *storeError
	if errors.As(err, &se) {
		detail = DetailStore
	}
	return f.fail(ctx, res, detail, err)
}

// fail reports a contact that could not be written. A refusal no retry
// changes ([permanent]) rejects it for good: it is marked done, so that
// the cursor passes it and no replica tries it again, and reported with
// the vendor's reason. Anything else fails it (detail): the poll holds
// before it and tries again.
//
// With Config.MaxAttempts, a contact failed that many times (a store
// failure aside) is rejected as well, detail [DetailGaveUp].
func (f *Flow) fail(ctx context.Context, res Result, detail string, err error) Result {
	res.Outcome, res.Detail, res.Err = flow.Failed, detail, err
	reject := ""
	switch {
	case permanent(err):
		reject = DetailRefused
	case detail != DetailStore && f.cfg.MaxAttempts > 0:
		n, serr := f.countAttempt(ctx, res.ContactID)
		if serr != nil {
			res.Detail, res.Err = DetailStore, errors.Join(err, serr)
			return f.report(res)
		}
		if n >= f.cfg.MaxAttempts {
			reject = DetailGaveUp
			res.Err = fmt.Errorf("memorialize: gave up on contact %d after %d failed attempts (Config.MaxAttempts): %w", res.ContactID, n, err)
		}
	}
	if reject != "" {
		if serr := f.markDone(ctx, res.ContactID); serr != nil {
			// Held: the next attempt decides again.
			res.Detail, res.Err = DetailStore, errors.Join(err, serr)
		} else {
			res.Outcome, res.Detail = flow.Rejected, reject
		}
	}
	return f.report(res)
}

// permanent reports whether err is CXone's or Zendesk's refusal of this
// contact that no retry changes: a 4xx other than 401 (a credential, wrong
// for every contact alike until it is fixed), 408 (a timeout), 409 (a
// conflict that settles) and 429 (the rate limit), and never a request the
// client held back or a store failure.
func permanent(err error) bool {
	var se *storeError
	if errors.As(err, &se) {
		return false
	}
	var ae *deskbridge.APIError
	if !errors.As(err, &ae) || ae.NotSent {
		return false
	}
	switch s := ae.StatusCode; {
	case s == http.StatusUnauthorized, s == http.StatusRequestTimeout, s == http.StatusConflict, s == http.StatusTooManyRequests:
		return false
	default:
		return s >= 400 && s < 500
	}
}

// refusedError names each value refused for its length.
func refusedError(vs []Value) error {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Data + ": " + v.Skip
	}
	return fmt.Errorf("memorialize: %s: %w", strings.Join(msgs, "; "), deskbridge.ErrInvalid)
}

// interaction reads what the mapping needs beside the completed contact.
func (f *Flow) interaction(ctx context.Context, c *cxone.Contact) (*Interaction, error) {
	in := &Interaction{Contact: *c, Digital: isDigital(c), EndedByContact: endedByContact(c), HandedOff: handedOff(c)}
	id := c.ContactID
	if f.needs&needCustomData != 0 {
		cd, err := f.cfg.CXone.Contacts.CustomData(ctx, id)
		if err != nil && !errors.Is(err, deskbridge.ErrNotFound) {
			return nil, fmt.Errorf("memorialize: reading the custom data of contact %d: %w", id, err)
		}
		in.Variables = make(map[string]string, len(cd))
		for _, d := range cd {
			in.Variables[strings.ToLower(d.Name)] = d.Value
		}
	}
	if f.needs&needAgent != 0 && c.AgentID > 0 {
		name, err := f.agentName(ctx, c.AgentID)
		if err != nil {
			return nil, err
		}
		in.AgentName = name
	}
	if f.needs&needDisposition != 0 && c.PrimaryDispositionID > 0 && !in.EndedByContact {
		name, err := f.dispositionName(ctx, c.PrimaryDispositionID)
		if err != nil {
			return nil, err
		}
		in.DispositionName = name
	}
	switch {
	case f.needs&needRecording != 0 && !in.Digital:
		u, err := f.cfg.CXone.MediaPlayback.RecordingURL(ctx, id)
		if err != nil && !errors.Is(err, deskbridge.ErrNotFound) {
			return nil, fmt.Errorf("memorialize: reading the recording of contact %d: %w", id, err)
		}
		in.RecordingURL = u
	case f.needs&needTranscript != 0 && in.Digital:
		m, err := f.cfg.CXone.MediaPlayback.Get(ctx, id, &cxone.MediaPlaybackOptions{MediaType: cxone.MediaChat})
		if err != nil && !errors.Is(err, deskbridge.ErrNotFound) {
			return nil, fmt.Errorf("memorialize: reading the transcript of contact %d: %w", id, err)
		}
		if m != nil {
			in.Transcript = m.Transcript()
		}
	}
	return in, nil
}

// agentName returns an agent's name, read once per process: names change
// rarely, and the flow would otherwise read the same agent per contact.
func (f *Flow) agentName(ctx context.Context, id int64) (string, error) {
	f.mu.Lock()
	name, ok := f.agentNames[id]
	f.mu.Unlock()
	if ok {
		return name, nil
	}
	a, err := f.cfg.CXone.Agents.Get(ctx, id)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("memorialize: reading agent %d: %w", id, err)
	}
	name = a.FullName()
	f.mu.Lock()
	if len(f.agentNames) > maxCached {
		clear(f.agentNames)
	}
	f.agentNames[id] = name
	f.mu.Unlock()
	return name, nil
}

// dispositionName returns a disposition's name, read once per process.
func (f *Flow) dispositionName(ctx context.Context, id int64) (string, error) {
	f.mu.Lock()
	name, ok := f.dispositions[id]
	f.mu.Unlock()
	if ok {
		return name, nil
	}
	d, err := f.cfg.CXone.Dispositions.Get(ctx, id)
	if errors.Is(err, deskbridge.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("memorialize: reading disposition %d: %w", id, err)
	}
	f.mu.Lock()
	if len(f.dispositions) > maxCached {
		clear(f.dispositions)
	}
	f.dispositions[id] = d.DispositionName
	f.mu.Unlock()
	return d.DispositionName, nil
}

// maxCached bounds each name cache.
const maxCached = 10000

// variableID reads a record id from the script variable name ("-": none).
func variableID(in *Interaction, name string) int64 {
	if name == "-" {
		return 0
	}
	id, err := strconv.ParseInt(strings.TrimSpace(in.Variables[name]), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
