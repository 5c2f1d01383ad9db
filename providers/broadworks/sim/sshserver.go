package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// The lab's login: the public key in Fleet.ClientKeyPath, or this password
// (also answered at a keyboard-interactive `Password:` challenge).
const (
	labUser     = "bwadmin"
	labPassword = "bwadmin"
)

// handshakeTimeout bounds how long a client may take to authenticate, so a
// stuck client cannot hold a connection forever.
const handshakeTimeout = 30 * time.Second

var errAuth = errors.New("permission denied")

// serve accepts connections until the listener is closed.
func (h *Host) serve() {
	f := h.fleet
	defer f.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			if f.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or similar: back off briefly instead of
			// spinning, but stop at once when the fleet closes.
			t := time.NewTimer(20 * time.Millisecond)
			select {
			case <-f.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		if h.Faults().Refuse {
			_ = c.Close()
			continue
		}
		f.wg.Add(1)
		go h.handleConn(c)
	}
}

// track registers a live connection so Close can end it; it reports false
// when the fleet is already closing.
func (h *Host) track(c net.Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	if h.conns == nil {
		h.conns = map[net.Conn]struct{}{}
	}
	h.conns[c] = struct{}{}
	return true
}

func (h *Host) untrack(c net.Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
}

// DropConnections closes every connection the host has open now, as a
// server that restarted or a network that failed would, and returns how
// many; new connections are still accepted.
func (h *Host) DropConnections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns {
		_ = c.Close()
	}
	return len(h.conns)
}

func (h *Host) closeConns() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.conns {
		_ = c.Close()
	}
}

// serverConfig returns the SSH server configuration, built on first use;
// the wrong-host-key fault selects a second configuration whose key is made
// once per host.
// acceptsAuth reports whether the host accepts an authentication method.
func (h *Host) acceptsAuth(method string) bool {
	return h.cfg.AuthMethods == nil || slices.Contains(h.cfg.AuthMethods, method)
}

func (h *Host) serverConfig() (*ssh.ServerConfig, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wrong := h.faults.WrongHostKey
	if wrong && h.wrongCfg != nil {
		return h.wrongCfg, nil
	}
	if !wrong && h.srvCfg != nil {
		return h.srvCfg, nil
	}
	cfg := &ssh.ServerConfig{
		// BroadWorks hosts run the distribution's OpenSSH (8.x on RHEL 8):
		// offer what it offers, not x/crypto's newer post-quantum default,
		// so handshakes cost what they cost against real servers.
		Config: ssh.Config{KeyExchanges: []string{
			"curve25519-sha256", "curve25519-sha256@libssh.org",
			"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
			"diffie-hellman-group14-sha256",
		}},
		ServerVersion: "SSH-2.0-OpenSSH_8.0 bwstate-sim",
		PublicKeyCallback: func(conn ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if !h.acceptsAuth("publickey") || h.Faults().RejectAuth || conn.User() != labUser || !bytes.Equal(key.Marshal(), h.fleet.clientPK.Marshal()) {
				return nil, errAuth
			}
			return nil, nil
		},
		PasswordCallback: func(conn ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			if !h.acceptsAuth("password") || h.Faults().RejectAuth || conn.User() != labUser || string(password) != labPassword {
				return nil, errAuth
			}
			return nil, nil
		},
		KeyboardInteractiveCallback: func(conn ssh.ConnMetadata, client ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			if !h.acceptsAuth("keyboard-interactive") {
				return nil, errAuth
			}
			answers, err := client("", "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			if h.Faults().RejectAuth || conn.User() != labUser || len(answers) != 1 || answers[0] != labPassword {
				return nil, errAuth
			}
			return nil, nil
		},
	}
	if wrong {
		s, err := newEphemeralSigner()
		if err != nil {
			return nil, err
		}
		cfg.AddHostKey(s)
		h.wrongCfg = cfg
	} else {
		cfg.AddHostKey(h.signer)
		h.srvCfg = cfg
	}
	return cfg, nil
}

// connState is shared by the sessions of one SSH connection.
type connState struct {
	host     *Host
	ctx      context.Context
	clientIP string
	drop     func()

	mu       sync.Mutex
	commands int
}

func (h *Host) handleConn(c net.Conn) {
	f := h.fleet
	defer f.wg.Done()
	if !h.track(c) {
		_ = c.Close()
		return
	}
	defer h.untrack(c)
	defer c.Close()
	cfg, err := h.serverConfig()
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	ip, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	cs := &connState{host: h, ctx: ctx, clientIP: ip, drop: func() { _ = sconn.Close() }}
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				cs.handleSession(ch, creqs)
			}()
		case "direct-tcpip":
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				cs.handleDirectTCPIP(nc)
			}()
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "unsupported channel type")
		}
	}
}

// handleSession serves the requests of one session channel: pty-req and
// env are accepted, window-change resizes the line editor, and the first
// shell or exec starts the login shell.
func (cs *connState) handleSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	f := cs.host.fleet
	var pty, started bool
	var cols, rows uint32
	var t *terminal
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			var p struct {
				Term               string
				Cols, Rows, Wx, Wy uint32
				Modes              string
			}
			if err := ssh.Unmarshal(req.Payload, &p); err == nil {
				cols, rows = p.Cols, p.Rows
			}
			pty = true
			_ = req.Reply(true, nil)
		case "env":
			_ = req.Reply(true, nil)
		case "window-change":
			var p struct{ Cols, Rows, Wx, Wy uint32 }
			if err := ssh.Unmarshal(req.Payload, &p); err == nil {
				cols, rows = p.Cols, p.Rows
				if t != nil {
					t.resize(int(cols), int(rows))
				}
			}
			if req.WantReply {
				_ = req.Reply(true, nil)
			}
		case "shell", "exec":
			if started {
				_ = req.Reply(false, nil)
				continue
			}
			var cmd string
			if req.Type == "exec" {
				var p struct{ Command string }
				if err := ssh.Unmarshal(req.Payload, &p); err != nil {
					_ = req.Reply(false, nil)
					continue
				}
				cmd = p.Command
			}
			started = true
			_ = req.Reply(true, nil)
			exec := req.Type == "exec"
			t = newTerminal(ch, ch, ch.Stderr(), pty)
			t.resize(int(cols), int(rows))
			f.wg.Add(1)
			go func(t *terminal) {
				defer f.wg.Done()
				s := newSession(cs, t)
				status := s.run(exec, cmd)
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
				_ = ch.CloseWrite()
				_ = ch.Close()
			}(t)
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
	if !started {
		_ = ch.Close()
	}
}

// handleDirectTCPIP forwards a client's direct-tcpip channel (ssh -J) to a
// loopback address, so a simulated host can act as a jump host in tests
// without ever reaching beyond the machine.
func (cs *connState) handleDirectTCPIP(nc ssh.NewChannel) {
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "malformed direct-tcpip request")
		return
	}
	if !isLoopback(p.Host) {
		_ = nc.Reject(ssh.Prohibited, "the simulator forwards to loopback addresses only")
		return
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	target, err := d.DialContext(cs.ctx, "tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
	if err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, fmt.Sprintf("connect to %s:%d: %v", p.Host, p.Port, err))
		return
	}
	defer target.Close()
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	f := cs.host.fleet
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	done := make(chan struct{}, 2)
	f.wg.Add(2)
	go func() {
		defer f.wg.Done()
		_, _ = io.Copy(target, ch)
		done <- struct{}{}
	}()
	go func() {
		defer f.wg.Done()
		_, _ = io.Copy(ch, target)
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-cs.ctx.Done():
	}
	// Closing both ends unblocks the other copy.
	_ = target.Close()
	_ = ch.Close()
	<-done
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
