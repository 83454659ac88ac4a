package deskbridge

import "time"

// Page is one page of a list, from any vendor: what every client's
// ListPage-style method returns. The iterator form of the same list
// (List, Search…, an [iter.Seq2]) fetches the pages for you; a Page is for
// a caller that stops and resumes later, perhaps in another process.
type Page[T any] struct {
	// Items are the page's items, in the vendor's order.
	Items []T
	// Next resumes the list after this page; it is "" after the last page.
	// Give it back in the list's options to fetch the next page: the field
	// each ListPage method names (zendesk.CursorOptions.After for a cursor
	// list; for a list paged by number it is that number, in decimal).
	Next string
	// Total is the number of items in the whole list, for the vendors and
	// lists that report it; zero otherwise.
	Total int
}

// RateLimit is a vendor's rate-limit budget as the last response reported
// it. Zero fields were not reported.
type RateLimit struct {
	// Limit is the number of requests allowed per window.
	Limit int
	// Remaining is what is left of it.
	Remaining int
	// Reset is when the budget is renewed.
	Reset time.Time
	// Observed is when the response that reported it arrived.
	Observed time.Time
}
