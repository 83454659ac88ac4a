// Package httpserve runs the example programs' HTTP servers.
package httpserve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds the graceful shutdown: requests in flight get this
// long to finish once the context is done.
const ShutdownTimeout = 10 * time.Second

// Until serves srv on ln until ctx is done, then shuts it down gracefully.
// It returns nil after a clean shutdown, or the error that stopped serving.
func Until(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
