package rest

import (
	"context"
	"fmt"
	"iter"
)

// PageFunc fetches the page at cursor ("" for the first) and returns its
// items and the cursor of the next page, "" after the last.
type PageFunc[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Iterate walks pages lazily from cursor start: the next page is fetched
// only when the caller has ranged over the previous one, and nothing more
// once the caller breaks. An error is yielded once, with the zero T, and
// ends the walk. A page whose next cursor repeats the one it was fetched
// with ends the walk with an error rather than looping forever.
func Iterate[T any](ctx context.Context, start string, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		cursor := start
		for page := 1; ; page++ {
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == cursor {
				var zero T
				yield(zero, fmt.Errorf("pagination did not advance after page %d (cursor %q repeated)", page, next))
				return
			}
			cursor = next
		}
	}
}
