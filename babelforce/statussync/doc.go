// Package statussync keeps an agent's status in step between Zendesk and
// babelforce: an agent changes status once, in either tool, and the other
// follows. It is the flow of babelforce's help center article "Synching
// the agent status from Zendesk omnichannel to babelforce"
// (https://help.babelforce.com/hc/en-us/articles/17020396359954-Synching-the-agent-status-from-Zendesk-omnichannel-to-babelforce;
// "the status-sync article" in this package's documentation), in both
// directions.
//
// # Pieces
//
//   - [Mapping]: the table between Zendesk states and babelforce presences,
//     pure and overridable. By default online → available (babelforce's only
//     green presence), every other Zendesk state or unified status → the red
//     presence of the same name ([NormalizeName]: "In a meeting" →
//     "in_a_meeting"); back, available → online and a red presence → the
//     Zendesk status of its name, else [Mapping].Fallback (away).
//   - [New] checks the configuration without network; [Flow.Check] reads both
//     accounts and reports every problem with what to fix (credentials
//     refused, no webhook sending agent events, a signing secret missing
//     from Config.ZendeskSecrets, a Zendesk status with no presence, an
//     unknown target, a red state made green).
//   - [Flow.ZendeskHandler] serves the Zendesk webhook subscribed to
//     agent.state_changed (the driving channel, [Mapping].Channel, "support"
//     by default) and agent.unified_state_changed: it finds the babelforce
//     agent whose sourceId is the Zendesk agent id (cached; looked up again
//     when unknown or gone) and sets its presence.
//   - babelforce → Zendesk, two ways, because babelforce does not document
//     the payload of its "Presence changed" automation event:
//     [Flow.AutomationHandler] serves a small JSON body that an automation's
//     HTTP action sends with a shared secret ([AutomationBody]), and
//     [Flow.RunPoller] polls the agents API.
//   - [Provision] sets up the Zendesk webhook, the Zendesk credential in
//     babelforce's vault and the red presences, idempotently, and reports
//     what it did.
//   - [Flow.Compare] reads both sides and says which agents disagree;
//     [Flow.Reconcile] ([Flow.RunReconciler]) repairs what Zendesk's
//     webhook retries gave up on.
//
// # The babelforce automation
//
// In babelforce, create an automation on the "Presence changed" event with
// an HTTP action: POST to the public URL of [Flow.AutomationHandler], header
// "Authorization: Bearer <secret>" (the secret of [Config].AutomationAuth),
// header "Content-Type: application/json", and this body:
//
//	{
//	  "event_id": "{{{event.id}}}",
//	  "agent_id": "{{{agent.id}}}",
//	  "source_id": "{{{agent.sourceId}}}",
//	  "presence": "{{{agent.presence.name}}}",
//	  "changed_at": "{{{event.dateCreated}}}"
//	}
//
// The field names on the left are fixed; the placeholder names are
// UNCONFIRMED (see [AutomationBody]) and must be checked in babelforce's
// automation editor. presence and one of agent_id and source_id are
// required; changed_at (RFC 3339 or Unix seconds or milliseconds) orders
// the changes and, with the agent's record, de-duplicates them; event_id
// de-duplicates calls without it. Without an automation, run
// the poller.
//
// # Correctness
//
//   - Duplicates are applied once: an event of the time and state last
//     applied for the agent on its side (a retry, or a replay of a captured
//     signed delivery) is a duplicate by the agent's record alone; while
//     the change it caused is being sent it is answered 503 (busy), and
//     after a failed send it is sent again. Automation calls without a
//     changed_at are de-duplicated by event id (package webhook).
//   - Order: an observation older than the last one applied for the agent
//     on its side is dropped: Zendesk events by their updated_at, babelforce
//     changes by changed_at, or the poll's time. A change the flow makes
//     counts as the latest state of the side it changed.
//   - Unified status and channel events: one change of unified status sends
//     a unified status event and an event for each channel it changes, and
//     Zendesk documents neither their order nor that they share a time. A
//     channel event whose state is the one the agent's last unified status
//     puts the driving channel in is that status's channel part: it keeps
//     the status's presence ("In a meeting" stays in_a_meeting when
//     support's "away" follows a millisecond later), and does not make the
//     unified status that it follows stale. A channel state that disagrees
//     with the unified status is news, and applies when it is newer; at the
//     same time the unified status wins. What a custom status puts the
//     channel in is read from Zendesk's statuses (once, and again when a
//     status is missing); while it is unknown the times alone decide. An
//     account that sends channel events only is ordered by their times.
//   - Echoes: a change the flow made on one side comes back from that side
//     (Zendesk sends events for a status set through the API; babelforce's
//     automation fires for a presence set through the API). The flow
//     remembers the last change it made to each value, per agent, for
//     [Config].EchoWindow, and drops the observation that matches it, once,
//     whatever its time says (babelforce reports milliseconds). A genuine
//     change on that side forgets the remembered ones. What is remembered
//     stays small when the echoes never come (no automation, or the Zendesk
//     webhook pointed at babelforce): the flow's memory grows with the
//     number of agents, not with the number of changes. The poller needs
//     none of this: a change the flow makes updates what the poller last
//     saw, so the poller never reports it, however long after it the poll
//     comes; [Config].EchoWindow need not exceed [Config].PollInterval.
//   - Failures: when a side fails, the handler answers 503 with
//     Retry-After ([Config].RetryAfter) and leaves the event unmarked, so the
//     sender's retry is processed; the poller sees the change again at its
//     next pass. Nothing acknowledged was not applied. Changes that cannot
//     succeed (an unknown presence) answer 422 with the fix in the log.
//   - Idempotence: a change to what the agent is known to have (for less
//     than [Config].StateTTL) is skipped.
//   - Concurrency: observations about one agent may arrive at once, on one
//     replica or several: one at a time decides, holding a lease on the
//     agent's record, and the others wait for it (see "Running several
//     replicas").
//
// Ordering across the two sides compares times from different clocks
// (Zendesk's updated_at, babelforce's changed_at, this process's clock for
// the changes it makes); skew between them narrows or widens the windows
// accordingly.
//
// # Running several replicas
//
// A service that runs the flow as several replicas behind a load balancer
// gives every replica the same [Config].Store, a
// [github.com/deskbridge/deskbridge/store/redisstore.Store] say. What the
// replicas share through it:
//
//   - each agent's record: the last state and time applied on each side (so
//     a retry that reaches another replica is still ordered), the changes
//     the flow made and expects back as echoes (so the echo of a change one
//     replica made is dropped by whichever replica it reaches), the poller's
//     last sight, and the change last sent to each side and whether its
//     send failed in a way that may not have reached the vendor;
//   - the lease on each agent's record ([store.Store.Lease]): one
//     observation at a time decides about an agent, across replicas;
//   - the de-duplication that the record itself gives: a retry of an event
//     already applied is a duplicate (200), one whose send failed is sent
//     again; automation calls without a changed_at take a
//     [webhook.StoreDeduper] claim;
//   - the claims of [Flow.RunPoller] and [Flow.RunReconciler]: one pass per
//     interval runs, on whichever replica claims it.
//
// An observation reads the agent's record and takes its lease in one
// round trip, decides, sends the change it decided on (if any) while it
// holds the lease, and writes the record back as it ends the lease in one
// more round trip ([store.Store.Release]; [store.Store.EndLease] when the
// record is unchanged). So every event takes two round trips (a Zendesk
// event, or an automation call with a changed_at, as the template above
// sends): a change sent to either side, an echo, an unchanged state, a
// stale event, a duplicate. The echo of a change, wherever it arrives,
// waits for the lease ([Config].LeaseWait, 2 s) and finds itself in the
// record written as the lease ended; so does a retry of the event that
// caused the change, which is then a duplicate. Waiting costs a round trip
// per try: the pause between tries starts at a millisecond and doubles up
// to 100 ms. On loopback Redis with the fakes, a change and the echo that
// the automation posts at once took 4 or 5 round trips together; an event
// that waits 20 ms takes about five more, 500 ms about eleven more, and
// the whole LeaseWait about twenty-five more. A delivery still waiting
// after LeaseWait is answered 503 busy, with a Retry-After of what is left
// of the other's lease plus a second (at most 59 s), so that the sender's
// next retry comes once a replica that died holding the lease has let it
// go. The poller and the reconciler do not wait: they leave an agent
// whose lease is held to their next pass.
//
// A decision must end within its lease: it runs under a deadline 45 s
// after the lease was taken, and the lease is ended even when the
// delivery's sender gave up waiting. A lease ends by itself a minute after
// it was taken when its replica died, or lost the store, before writing
// what it did. The next lease taken on the record is told that the lease
// was abandoned, and the record keeps that mark until an observation reads
// the other side (a poll or a reconciler pass may be the first to take
// the lease; a delivery that fails first leaves the mark): the change that
// replica may have sent is in neither the record nor its echoes. An
// observation of the marked agent reads the other side (the babelforce
// agent's presence, or the Zendesk agent's status, trusted over any
// change the record holds as pending), and when the two sides already
// agree under the [Mapping] (one maps to the other, in either direction)
// it changes nothing ([DetailInStep]); when the side read changed since
// the record last knew it, it expects that change's echo, so that neither
// the echo of the lost change nor the retry of the event that caused it
// overwrites the agent's own state. A lease kept on a Redis that fails
// over may be lost with the write that took it (replication is
// asynchronous): two replicas may then decide about one agent at once, as
// two could claim one event.
//
// A poll or a reconciler pass reads each agent's record without the lease
// first (one round trip), and takes the lease only for an agent that
// needs a decision: most need none.
//
// An automation call without a changed_at takes two more: its
// [webhook.StoreDeduper] claim before (one round trip) and its mark as
// handled after (one), so four; its replay is answered by the claim alone,
// in two (the claim, and the read that finds it handled). The claim and
// the mark are not sent in one batch with the record's lease and write: a
// batch is not a transaction, so a mark sent beside the record's write
// would land even when that write failed, and the sender's retry of a
// change never applied would be taken for a duplicate. Send changed_at. A
// call without a source_id reads the agent's Zendesk id first (from the
// store once cached): one more round trip.
//
// When the store fails, the handler answers 503 with Retry-After and the
// event is not marked as handled: the sender retries, and the retry is
// handled once the store is back; nothing is lost. A store that comes back
// empty (Redis restarted without persistence) loses the records: the flow
// then reads an agent's Zendesk status, and its updated_at, before
// setting it from a babelforce change, so an older babelforce change
// (a late echo) never overwrites the agent's own change in Zendesk.
// Deliveries that a sender gave up on are repaired by [Flow.Reconcile];
// an agent whose record was lost is a baseline for it, not a repair, so
// that it never overwrites the agent's own change in babelforce.
//
// Every key the flow writes starts with "statussync:", so that flows may
// share one store, and one redisstore prefix (one per tenant, say), with
// smsbridge (whose keys start with "smsbridge:") or any other flow. Two
// statussync flows for two tenants need two prefixes, or two stores.
//
// Without a Store the flow keeps its records in a [store.Memory] of its
// process, and New logs that it is then single-replica. Each replica also
// caches Zendesk's unified statuses and the names babelforce gave presences
// created with a label: configuration, the same for every replica, re-read
// when missing, and bounded.
//
// # Unconfirmed
//
// What the vendors do not document and the flow relies on is a guess, each
// kept in one place, unconfirmed.go, with a test that names the doubt: the
// babelforce automation's placeholders ([AutomationBody]), the name
// babelforce gives a presence created with a label ([NormalizeName];
// [Flow.Check] and [Provision] fall back to the label), the query
// parameter of the Zendesk domain in babelforce's endpoint URL
// ([ZendeskDomainParam]), and the longest Retry-After that Zendesk still
// retries ([Config].RetryAfter stays under 60 s). The body of Zendesk's
// unified status event is package [webhook]'s guess.
package statussync
