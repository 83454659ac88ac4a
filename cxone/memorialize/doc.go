// Package memorialize writes NICE CXone interaction data into Zendesk
// records when an interaction ends, and shows agents a few Zendesk fields
// of the caller's records: CXone's "data memorialization" and "dynamic
// data" for Zendesk, done from Go
// (https://help.nice-incontact.com/content/agent/agentapplicationadministration/cxoneagentintegrated/crmintegration/crmconfigurations/setupcrmconfigzen.htm).
//
// # The mapping
//
// [Config.Mapping] mirrors CXone's mapping screen: per Zendesk record type
// ([Ticket], [User]), pairs of a Zendesk field ([ZendeskField]: a standard
// text field, a custom ticket field by ID or Title, a custom user field by
// Key) and a CXone data field: a voice contact field ([VoiceFields]), a
// digital contact field ([DigitalFields]), named exactly as CXone names
// them, or a script variable in lower case ([ScriptVariable]). [New]
// checks it and reports every problem at once, each with its fix: an
// unknown field name (with the right spelling when only case or spaces
// differ), a field the record type lacks, a transcript mapped to a field
// too short for it (the limit named), more than [MaxDynamicFields] dynamic
// data fields for a type. [Mapping.Values] is the pure, table-tested
// mapper.
//
// Only text is written. A value longer than its Zendesk field takes is
// refused with the limit named, never cut; the other fields are written.
//
// # When
//
// As CXone does, a contact is written once the Reporting API lists it as
// completed and no longer active ([Flow.Poll]):
//
//   - voice: once the call has ended and the agent has finished after-call
//     work. A call in after-call work is not written, whether the
//     Reporting API lists it yet or not (listed with isActive true, it
//     holds the poll before it until a later poll finds it closed), so a
//     disposition and notes given during after-call work are written;
//   - digital: once the agent closed it, or passed it on. A transfer (to
//     another agent or skill) or an unassignment ends the agent's segment
//     of the interaction, which the flow writes then, with that agent's
//     data (agent, disposition, notes, transcript so far; "Final State"
//     false; [Result].HandedOff); the interaction goes on under a new
//     contact id with the same master contact id, and each later segment
//     is written in turn into the same records (the flow keeps the record
//     of each master contact id), the last one's data last. How CXone lists
//     a digital handoff is UNCONFIRMED (handedOff in unconfirmed.go):
//     were a handoff to keep the contact id, the contact would be written
//     once, at its end, with its last agent's data. CXone gives a contact
//     transferred 3 or more times a new master contact id (its Contact
//     History help); its later segments then find their record by the
//     workflows (the ticket variable, Search ANI), and Create Ticket could
//     open a second ticket.
//
// When the contact (the customer) ended the interaction first, statuses,
// dispositions, notes and tags are not written, every other mapped field
// is.
//
// # Which record
//
// The ticket (or user) the interaction carries in a script variable
// ([Workflows].TicketVariable, UserVariable), else Search ANI (the user
// whose phone is the ANI, and their most recent open ticket), else Create
// Ticket / Create User, as [Workflows] enables them.
//
// # Sources, and exactly once
//
// CXone publishes no push for "contact ended", so polling the Reporting
// API's completed contacts is the source of truth: [Flow.Poll] (and
// [Flow.Run], every Config.PollInterval) reads them since a cursor kept
// in [Config.Store], in lastUpdateTime order, and moves the cursor past a
// contact only once it is written, always Config.Settle behind the time
// of the poll so that a contact landing late is still listed. A restart
// neither loses nor repeats a contact; a failure a retry may fix (a 5xx, a
// 429, the store) holds the cursor before the contact, which is retried on
// the next poll, while a refusal no retry changes (a 403, a 422) rejects
// the contact, reported through Config.OnResult, and the cursor passes
// it. A ticket the interaction carries that Zendesk reports closed is
// replaced by the Search ANI or Create Ticket workflow's. A Studio script
// may also call [ContactEndedPath] ([StudioRequest], with a shared secret
// that [Config].StudioAuth checks) when a contact ends, which memorializes
// that contact at once when CXone lists it complete. In real use it does not yet (the agent's after-call work, then
// the warehousing lag, CXone's "15 minutes (or more)"), so the call
// schedules re-fetches of that contact with a bounded backoff
// ([Config.RefetchDelays], [DefaultRefetchDelays]), kept in the store:
// each [Flow.Poll], of any replica, first re-fetches the contacts due, and
// writes each as soon as CXone lists it complete, however far behind the
// poll's own cursor is held.
//
// Each contact is written once across replicas: a replica claims it in
// the store while writing, and records it as done; a later segment of an
// interaction also claims the interaction (its master contact id) while
// it finds or creates its records, so that two segments handled at once
// (a Studio call for one, the poll for another) do not each create a
// ticket (the one that finds the claim taken is retried); a ticket the Create
// Ticket workflow opens carries an Idempotency-Key made from the contact
// id, and the record found or created is kept, so a retry after a partial
// failure creates nothing twice (a user the Create User workflow creates
// goes through Zendesk's create_or_update with an external_id made from
// the number, so a retry finds it). One limit remains: a contact CXone
// publishes again later (a tag added after it closed) is not written
// again: each contact is written once, from its first complete version.
//
// Every key the flow keeps in [Config.Store] starts with "memorialize:",
// as statussync's and smsbridge's start with their names, so flows of
// different types may share one store and one key prefix. Two memorialize
// flows (two CXone tenants) each need a store of their own (a redisstore
// with a prefix of its own), or they would share one cursor.
//
// # Dynamic data, provisioning, checks
//
// [Flow.Lookup] and [Flow.DynamicDataHandler] return the configured
// fields of the records found for an ANI or a record id. [Provision]
// creates the custom fields the mappings name, when absent (with a dry
// run). [Flow.Check] says what is misconfigured, and warns when the
// Zendesk credential belongs to an agent rather than a dedicated system
// user: CXone deletes its configuration with the user who made it.
//
// # Unconfirmed facts
//
// Some behaviour rests on guesses, each kept in one place
// (unconfirmed.go) with a test naming its doubt: which contacts are
// digital, what end reason means the contact ended first, which Reporting
// fields are the ANI, DNIS, channel, status, interaction id and transcript
// URL of CXone's help article "Configure a CRM system for Zendesk" (linked
// above), when a completed contact is final, whether updatedSince
// includes its bound, how a digital transfer or unassignment is listed,
// Zendesk's field lengths, the Search ANI queries, and how Check tells an
// agent from a system user.
package memorialize
