// Package redistest runs a throwaway Redis for tests and demos: [Start]
// starts redis-server from PATH on a free loopback port, with nothing
// saved to disk, and [Server] stops, restarts and removes it. [Client]
// gives a test a client of REDIS_URL or of a started server, and [Prefix]
// a key prefix of its own. [StartCluster] and [StartSentinel] start a
// one-node Redis Cluster and a Sentinel in front of a server.
//
// Without a Redis, a test is skipped with the install hint, or fails when
// DESKBRIDGE_REQUIRE_REDIS=1 (CI sets it, so that Redis tests cannot pass
// by never running): [Require] is that policy, and [Client] applies it. A
// test that calls Start or [StartCluster] itself calls Require first.
//
// Start needs no [testing.T], so example programs use it in their -demo
// mode too.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// InstallHint says how to install redis-server.
const InstallHint = "install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`"

// ErrNoRedisServer is matched (with [errors.Is]) by the error of [Start]
// when redis-server is not on PATH.
var ErrNoRedisServer = errors.New("redis-server not found on PATH; " + InstallHint)

// startTimeout bounds how long Start waits for a server to answer PING
// when the context has no earlier deadline.
const startTimeout = 10 * time.Second

// pollInterval is how often Start tries PING while the server starts.
const pollInterval = 5 * time.Millisecond

// Server is a redis-server process on a loopback port, saving nothing to
// disk. Safe for concurrent use.
type Server struct {
	bin      string
	dir      string
	port     int
	cluster  bool
	sentinel *Server // the master this sentinel monitors, or nil

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
	out  *tailBuffer
	hold net.Listener // holds the port while stopped
}

// Start starts redis-server from PATH on a free port of 127.0.0.1 and
// returns once it answers PING, or fails when ctx ends first (or after
// 10 s). Stop the server with [Server.Close].
func Start(ctx context.Context) (*Server, error) {
	return start(ctx, false)
}

// StartCluster is [Start] for a Redis Cluster of one node that serves
// every hash slot, for a [redis.ClusterClient] (Addrs: []string{Addr()}).
// A cluster refuses a command or script whose keys span slots (CROSSSLOT),
// as a cluster of many nodes would.
func StartCluster(ctx context.Context) (*Server, error) {
	return start(ctx, true)
}

// SentinelMaster is the name under which a sentinel started by
// [StartSentinel] monitors its master: the MasterName of
// [redis.FailoverOptions].
const SentinelMaster = "deskbridge"

// StartSentinel starts a Redis Sentinel (redis-server --sentinel, from
// PATH) on a free port of 127.0.0.1 that monitors master, a server from
// [Start], as [SentinelMaster] with a quorum of one, and returns once the
// sentinel names master's address. A [redis.NewFailoverClient] with
// SentinelAddrs: []string{Addr()} then reaches master through it, as a
// service behind Sentinel does. Stop it with [Server.Close] before master.
func StartSentinel(ctx context.Context, master *Server) (*Server, error) {
	if master == nil || master.cluster || master.sentinel != nil {
		return nil, errors.New("redistest: StartSentinel needs a server from Start to monitor")
	}
	return startMode(ctx, false, master)
}

func start(ctx context.Context, cluster bool) (*Server, error) {
	return startMode(ctx, cluster, nil)
}

func startMode(ctx context.Context, cluster bool, sentinelOf *Server) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	s := &Server{bin: bin, dir: dir, cluster: cluster, sentinel: sentinelOf}
	// A free port can be taken between the probe and the server's bind:
	// try another.
	for attempt := 0; ; attempt++ {
		s.port, err = freePort()
		if err == nil {
			err = s.start(ctx)
		}
		if err == nil {
			return s, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
}

// Addr returns the server's address, "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns the server's URL, "redis://127.0.0.1:port", for
// redis.ParseURL or a REDIS_URL variable.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Stop stops the server process; what it held is gone. Until
// [Server.Restart], the port stays taken by a listener that closes every
// connection at once, so clients get errors, as from a Redis that went
// away, and no other process (another test's server) takes the port.
// Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stop()
}

// Restart starts the server again on the same port (stopping it first if
// it runs), so that clients reconnect, and returns once it answers PING.
// It starts empty.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	if err := s.stop(); err != nil {
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	return s.start(ctx)
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	s.mu.Lock()
	s.release()
	s.mu.Unlock()
	if rerr := os.RemoveAll(s.dir); err == nil && rerr != nil {
		err = fmt.Errorf("redistest: %w", rerr)
	}
	return err
}

// start starts the process on s.port and waits for PING.
func (s *Server) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	out := &tailBuffer{max: 4 << 10}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	if s.sentinel != nil {
		// A sentinel reads its master from a file it may rewrite, and
		// takes no persistence options.
		conf := filepath.Join(s.dir, "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\n", SentinelMaster, s.sentinel.port)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return fmt.Errorf("redistest: %w", err)
		}
		args = []string{conf, "--sentinel", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
			"--dir", s.dir, "--daemonize", "no", "--logfile", ""}
	}
	cmd := exec.Command(s.bin, args...)
	s.mu.Lock()
	s.release()
	s.mu.Unlock()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	s.mu.Lock()
	s.cmd, s.exit, s.out = cmd, exit, out
	s.mu.Unlock()

	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if ping(ctx, s.Addr()) == nil {
			var ready func(context.Context) error
			switch {
			case s.cluster:
				ready = s.clusterReady
			case s.sentinel != nil:
				ready = s.sentinelReady
			default:
				return nil
			}
			if err := ready(ctx); err != nil {
				s.abort()
				return err
			}
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("redistest: redis-server on port %d exited at start: %s", s.port, out.String())
		case <-ctx.Done():
			s.abort()
			return fmt.Errorf("redistest: redis-server on port %d did not answer PING: %w", s.port, ctx.Err())
		case <-tick.C:
		}
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 5 s) and holds its
// port. s.mu is held.
func (s *Server) stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd, exit := s.cmd, s.exit
	s.cmd = nil
	select {
	case <-exit:
	default:
		if cmd.Process.Signal(syscall.SIGTERM) != nil { // Windows: no SIGTERM
			_ = cmd.Process.Kill()
		}
		select {
		case <-exit:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exit
		}
	}
	if l, err := net.Listen("tcp", s.Addr()); err == nil {
		s.hold = l
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
	}
	return nil
}

// abort ends a process that failed to start, without holding its port.
func (s *Server) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.stop()
	s.release()
}

// release frees the port held while stopped. s.mu is held.
func (s *Server) release() {
	if s.hold != nil {
		_ = s.hold.Close()
		s.hold = nil
	}
}

// ping sends PING to addr and wants +PONG.
func ping(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written, for an error message.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.TrimSpace(b.buf.Bytes()))
}

// clusterReady gives the one node every slot (unless its nodes.conf,
// kept across a restart, already does) and waits for cluster_state:ok.
func (s *Server) clusterReady(ctx context.Context) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("redistest: CLUSTER INFO: %w", err)
	}
	if strings.Contains(info, "cluster_slots_assigned:0\r") {
		if err := c.ClusterAddSlotsRange(ctx, 0, 16383).Err(); err != nil {
			return fmt.Errorf("redistest: CLUSTER ADDSLOTSRANGE: %w", err)
		}
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: the one-node cluster on port %d is not ready: %w", s.port, ctx.Err())
		case <-tick.C:
		}
	}
}

// sentinelReady waits until the sentinel names its master's address.
func (s *Server) sentinelReady(ctx context.Context) error {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		addr, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
		if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(s.sentinel.port) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: the sentinel on port %d does not name its master: %w", s.port, ctx.Err())
		case <-tick.C:
		}
	}
}
