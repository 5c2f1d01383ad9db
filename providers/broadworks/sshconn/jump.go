package sshconn

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/semaphore"
)

// jumpEntry is one shared connection to a jump host. Every target (or next
// hop) behind it holds a reference; the last release closes it. Fields other
// than ready and sem are guarded by Dialer.mu until ready is closed.
type jumpEntry struct {
	key  string
	name string
	// via is the previous hop, on which this entry holds one reference
	// while it lives.
	via *jumpEntry
	// sem caps concurrent dials through this connection.
	sem *semaphore.Weighted

	ready  chan struct{}
	done   bool
	client *Client
	err    error
	refs   int
}

// jumpKey identifies a connection that may be shared: the same hop, reached
// the same way, verified and authenticated with the same settings.
func jumpKey(hop endpoint, s *settings, via *jumpEntry) string {
	var ids []string
	for _, id := range s.identities {
		ids = append(ids, id.path)
	}
	viaKey := ""
	if via != nil {
		viaKey = via.key
	}
	return fmt.Sprintf("%s|kh=%s|new=%t|id=%s|pw=%s|via=(%s)",
		hop.user+"@"+hop.addr(), s.knownHosts, s.acceptNew, strings.Join(ids, ":"), s.passwordEnv, viaKey)
}

// acquireJump returns a referenced connection to hop, dialling it through
// via if no usable one exists. The caller's reference on via passes to this
// function: it is kept by a new entry or released.
func (d *Dialer) acquireJump(ctx context.Context, hop endpoint, s *settings, via *jumpEntry) (*jumpEntry, error) {
	key := jumpKey(hop, s, via)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		if via != nil {
			d.releaseJump(via)
		}
		return nil, ErrDialerClosed
	}
	e := d.jumps[key]
	if e != nil {
		e.refs++
		d.mu.Unlock()
		if via != nil {
			d.releaseJump(via) // e holds its own reference on via
		}
	} else {
		e = &jumpEntry{
			key:   key,
			name:  hop.String(),
			via:   via,
			sem:   semaphore.NewWeighted(int64(d.opts.MaxDialsPerJump)),
			ready: make(chan struct{}),
			refs:  1,
		}
		d.jumps[key] = e
		d.mu.Unlock()
		// The dial runs under the Dialer's context, not the caller's: other
		// targets wait on the same connection and must not fail because
		// the first caller gave up.
		go d.dialJump(e, hop, s)
	}

	select {
	case <-e.ready:
	case <-ctx.Done():
		d.releaseJump(e)
		return nil, ctx.Err()
	}
	if e.err != nil {
		d.releaseJump(e)
		return nil, e.err
	}
	return e, nil
}

func (d *Dialer) dialJump(e *jumpEntry, hop endpoint, s *settings) {
	sc, err := d.dialHop(d.base, hop, s, e.via)
	var c *Client
	if err == nil {
		c = d.newClient(sc, e.name, func() {
			if e.via != nil {
				d.releaseJump(e.via)
			}
		}, func() {
			// A dead connection must not be handed to later dials.
			d.mu.Lock()
			if d.jumps[e.key] == e {
				delete(d.jumps, e.key)
			}
			d.mu.Unlock()
		})
	}
	d.mu.Lock()
	e.client, e.err, e.done = c, err, true
	if err != nil && d.jumps[e.key] == e {
		delete(d.jumps, e.key)
	}
	closeNow := err == nil && e.refs == 0
	d.mu.Unlock()
	close(e.ready)
	if err != nil && e.via != nil {
		d.releaseJump(e.via)
	}
	if closeNow {
		c.Close()
	}
}

// releaseJump drops one reference; the last one closes the connection, or
// leaves that to dialJump when the dial has not finished.
func (d *Dialer) releaseJump(e *jumpEntry) {
	d.mu.Lock()
	e.refs--
	if e.refs > 0 {
		d.mu.Unlock()
		return
	}
	if d.jumps[e.key] == e {
		delete(d.jumps, e.key)
	}
	c := e.client
	done := e.done
	d.mu.Unlock()
	if done && c != nil {
		c.Close()
	}
}
