package zendesktest

// routes registers every endpoint. Paths are matched after an optional
// ".json" suffix is cut, so "/api/v2/tickets/1" and "/api/v2/tickets/1.json"
// are the same endpoint.
func (s *Server) routes() {
	s.mux.HandleFunc("POST /oauth/tokens", s.oauthTokens)

	r := s.route
	// Tickets and jobs.
	r("GET /api/v2/tickets", s.ticketsList)
	r("POST /api/v2/tickets", s.ticketsCreate)
	r("GET /api/v2/tickets/show_many", s.ticketsShowMany)
	r("GET /api/v2/tickets/count", s.ticketsCount)
	r("POST /api/v2/tickets/create_many", s.ticketsCreateMany)
	r("PUT /api/v2/tickets/update_many", s.ticketsUpdateMany)
	r("DELETE /api/v2/tickets/destroy_many", s.ticketsDestroyMany)
	r("GET /api/v2/tickets/{id}", s.ticketGet)
	r("PUT /api/v2/tickets/{id}", s.ticketUpdate)
	r("DELETE /api/v2/tickets/{id}", s.ticketDelete)
	r("GET /api/v2/tickets/{id}/comments", s.ticketComments)
	r("PUT /api/v2/tickets/{id}/comments/{comment_id}/make_private", s.commentMakePrivate)
	r("GET /api/v2/job_statuses", s.jobStatusesList)
	r("GET /api/v2/job_statuses/show_many", s.jobStatusesShowMany)
	r("GET /api/v2/job_statuses/{id}", s.jobStatusGet)

	// Users, user fields, groups.
	r("GET /api/v2/users", s.usersList)
	r("POST /api/v2/users", s.usersCreate)
	r("GET /api/v2/users/me", s.userMe)
	r("GET /api/v2/users/search", s.usersSearch)
	r("GET /api/v2/users/show_many", s.usersShowMany)
	r("POST /api/v2/users/create_or_update", s.usersCreateOrUpdate)
	r("GET /api/v2/users/{id}", s.userGet)
	r("PUT /api/v2/users/{id}", s.userUpdate)
	r("DELETE /api/v2/users/{id}", s.userDelete)
	r("GET /api/v2/user_fields", s.userFieldsList)
	r("POST /api/v2/user_fields", s.userFieldsCreate)
	r("GET /api/v2/user_fields/{id}", s.userFieldGet)
	r("PUT /api/v2/user_fields/{id}", s.userFieldUpdate)
	r("DELETE /api/v2/user_fields/{id}", s.userFieldDelete)
	r("GET /api/v2/groups", s.groupsList)
	r("POST /api/v2/groups", s.groupsCreate)
	r("GET /api/v2/groups/{id}", s.groupGet)
	r("PUT /api/v2/groups/{id}", s.groupUpdate)
	r("DELETE /api/v2/groups/{id}", s.groupDelete)

	// Ticket fields.
	r("GET /api/v2/ticket_fields", s.ticketFieldsList)
	r("POST /api/v2/ticket_fields", s.ticketFieldsCreate)
	r("GET /api/v2/ticket_fields/{id}", s.ticketFieldGet)
	r("PUT /api/v2/ticket_fields/{id}", s.ticketFieldUpdate)
	r("DELETE /api/v2/ticket_fields/{id}", s.ticketFieldDelete)

	// Search.
	r("GET /api/v2/search", s.searchGet)
	r("GET /api/v2/search/count", s.searchCount)
	r("GET /api/v2/search/export", s.searchExport)

	// Triggers and categories.
	r("GET /api/v2/triggers", s.triggersList)
	r("POST /api/v2/triggers", s.triggersCreate)
	r("GET /api/v2/triggers/active", s.triggersActive)
	r("GET /api/v2/triggers/{id}", s.triggerGet)
	r("PUT /api/v2/triggers/{id}", s.triggerUpdate)
	r("DELETE /api/v2/triggers/{id}", s.triggerDelete)
	r("GET /api/v2/trigger_categories", s.categoriesList)
	r("POST /api/v2/trigger_categories", s.categoriesCreate)
	r("GET /api/v2/trigger_categories/{id}", s.categoryGet)
	r("PATCH /api/v2/trigger_categories/{id}", s.categoryUpdate)
	r("PUT /api/v2/trigger_categories/{id}", s.categoryUpdate)
	r("DELETE /api/v2/trigger_categories/{id}", s.categoryDelete)

	// Webhooks.
	s.webhookRoutes(r)
	r("POST /api/v2/webhooks", s.webhooksCreate)
	r("POST /api/v2/webhooks/test", s.webhooksTest)
	r("GET /api/v2/webhooks/{id}", s.webhookGet)
	r("PUT /api/v2/webhooks/{id}", s.webhookUpdate)
	r("DELETE /api/v2/webhooks/{id}", s.webhookDelete)
	r("GET /api/v2/webhooks/{id}/signing_secret", s.webhookSecretGet)

	// Agent availability and unified statuses.
	r("GET /api/v2/agent_availabilities", s.availabilitiesList)
	r("GET /api/v2/agent_availabilities/agent_statuses", s.agentStatusesList)
	r("PUT /api/v2/agent_availabilities/agent_statuses/agents/{agent_id}", s.agentStatusUpdate)
	r("GET /api/v2/agent_availabilities/{agent_id}", s.availabilityGet)

	// Talk and Talk Partner Edition.
	r("GET /api/v2/channels/voice/availabilities/{agent_id}", s.talkAvailabilityGet)
	r("PUT /api/v2/channels/voice/availabilities/{agent_id}", s.talkAvailabilityUpdate)
	r("POST /api/v2/channels/voice/agents/{agent_id}/tickets/{ticket_id}/display", s.displayTicket)
	r("POST /api/v2/channels/voice/agents/{agent_id}/users/{user_id}/display", s.displayUser)
	r("POST /api/v2/channels/voice/tickets", s.voiceTicketsCreate)
}
