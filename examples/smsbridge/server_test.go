package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testTimeouts are the server's limits in milliseconds, so that the slow
// clients below are cut off quickly.
var testTimeouts = serverTimeouts{
	readHeader: 50 * time.Millisecond,
	read:       100 * time.Millisecond,
	write:      200 * time.Millisecond,
	idle:       100 * time.Millisecond,
}

// slack is how long past its limit a slow client's connection may stay open
// before the test calls it held: time for the scheduler under -race and
// parallel tests, not part of the limit.
const slack = 500 * time.Millisecond

// slowClients are 20 connections per attack: the attack of issue "Core v2"
// §5 (100 connections sending a byte every 2 s) at small scale.
const slowClients = 20

// slowClient is one way of holding a connection without finishing a
// request.
type slowClient struct {
	name    string
	start   string // sent at once
	trickle string // then sent one byte per tick, over and over
	limit   func(serverTimeouts) time.Duration
}

// slowAttacks are the ways a client can hold a connection: headers or body
// one byte at a time, or nothing more after a response.
func slowAttacks(postPath, getPath string) []slowClient {
	return []slowClient{
		{"headers one byte at a time", "POST " + postPath + " HTTP/1.1\r\nHost: example\r\n", "X-Slow: 1\r\n",
			func(t serverTimeouts) time.Duration { return t.readHeader }},
		{"body one byte at a time", "POST " + postPath + " HTTP/1.1\r\nHost: example\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", " ",
			func(t serverTimeouts) time.Duration { return t.read }},
		{"idle after a request", "GET " + getPath + " HTTP/1.1\r\nHost: example\r\n\r\n", "",
			func(t serverTimeouts) time.Duration { return t.idle }},
	}
}

// attack serves srv on a loopback port, opens n connections that each play
// c, one byte every tick, and waits until the server has closed all of them
// or within has passed. It returns how many connections the clients still
// see open and how many the server still holds (each holds a goroutine).
func attack(t *testing.T, srv *http.Server, c slowClient, n int, tick, within time.Duration) (clientOpen, serverOpen int) {
	t.Helper()
	var held atomic.Int64
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			held.Add(1)
		case http.StateClosed, http.StateHijacked:
			held.Add(-1)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	deadline := time.Now().Add(within)
	var (
		closed atomic.Int64
		stop   = make(chan struct{})
		wg     sync.WaitGroup
		conns  []net.Conn
	)
	defer func() {
		close(stop)
		for _, conn := range conns {
			conn.Close()
		}
		wg.Wait()
	}()
	for range n {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		gone := make(chan struct{})
		wg.Add(2)
		go func() { // reads answers until the server closes the connection
			defer wg.Done()
			_, _ = io.Copy(io.Discard, conn)
			closed.Add(1)
			close(gone)
		}()
		go func() { // sends the request, then trickles
			defer wg.Done()
			if _, err := io.WriteString(conn, c.start); err != nil || c.trickle == "" {
				return
			}
			ticker := time.NewTicker(tick)
			defer ticker.Stop()
			for i := 0; ; i++ {
				select {
				case <-gone:
					return
				case <-stop:
					return
				case <-ticker.C:
				}
				if _, err := conn.Write([]byte{c.trickle[i%len(c.trickle)]}); err != nil {
					return
				}
			}
		}()
	}
	for time.Now().Before(deadline) && (closed.Load() < int64(n) || held.Load() > 0) {
		time.Sleep(5 * time.Millisecond)
	}
	return n - int(closed.Load()), int(held.Load())
}

// TestSlowClientsAreCutOff: the real mode's server closes connections that
// trickle their request or sit idle, within the limit that applies plus
// slack, and holds no connection (no goroutine) for them afterwards.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	h, postPath, getPath := slowClientTarget(t)
	for _, c := range slowAttacks(postPath, getPath) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			limit := c.limit(testTimeouts)
			clientOpen, serverOpen := attack(t, newHTTPServer(h, testTimeouts), c, slowClients, testTimeouts.readHeader/5, limit+slack)
			if clientOpen > 0 || serverOpen > 0 {
				t.Errorf("%d of %d connections still open for the clients, %d for the server, %v after they connected (limit %v)",
					clientOpen, slowClients, serverOpen, time.Since(start).Round(time.Millisecond), limit)
			}
		})
	}
}

// TestSlowClientsHoldAServerWithOnlyReadHeaderTimeout shows that the test
// above can fail: a server with ReadHeaderTimeout alone, as the examples
// had, cuts off slow headers but lets a trickled body or an idle connection
// hold on indefinitely.
func TestSlowClientsHoldAServerWithOnlyReadHeaderTimeout(t *testing.T) {
	t.Parallel()
	h, postPath, getPath := slowClientTarget(t)
	for _, c := range slowAttacks(postPath, getPath) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := &http.Server{Handler: h, ReadHeaderTimeout: testTimeouts.readHeader}
			clientOpen, serverOpen := attack(t, srv, c, slowClients, testTimeouts.readHeader/5, c.limit(testTimeouts)+slack)
			want := slowClients
			if strings.HasPrefix(c.name, "headers") {
				want = 0
			}
			if clientOpen != want || serverOpen != want {
				t.Errorf("%d connections open for the clients, %d for the server; want %d", clientOpen, serverOpen, want)
			}
		})
	}
}

func TestNewHTTPServerSetsEveryTimeout(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(http.NotFoundHandler(), defaultTimeouts)
	for name, got := range map[string][2]time.Duration{
		"ReadHeaderTimeout": {srv.ReadHeaderTimeout, readHeaderTimeout},
		"ReadTimeout":       {srv.ReadTimeout, readTimeout},
		"WriteTimeout":      {srv.WriteTimeout, writeTimeout},
		"IdleTimeout":       {srv.IdleTimeout, idleTimeout},
	} {
		if got[0] != got[1] || got[0] <= 0 {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
}

// A request in flight when the context ends is answered before
// serveUntilDone returns.
func TestServeUntilDoneFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	arrived, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(ctx, newHTTPServer(h, defaultTimeouts), ln) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-arrived
	cancel()
	select {
	case err := <-served:
		t.Fatalf("serveUntilDone returned %v with a request in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Errorf("answer %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serveUntilDone: %v", err)
	}
}

func TestServeUntilDoneReturnsServeError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve fails at once
	err = serveUntilDone(t.Context(), newHTTPServer(http.NotFoundHandler(), defaultTimeouts), ln)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serveUntilDone = %v, want the Serve error", err)
	}
}
