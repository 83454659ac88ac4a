// Package zendesk is a client for the Zendesk APIs a contact-center
// integration needs: tickets and comments, users and custom user fields,
// groups, search, triggers, webhooks, agent availability and unified agent
// status, and Talk (including Talk Partner Edition screen pops).
package zendesk
