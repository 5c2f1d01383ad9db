package sshconn

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// ErrKeepAliveTimeout is wrapped by Client.Err when the peer stopped
// answering keepalives and the connection was closed.
var ErrKeepAliveTimeout = errors.New("peer stopped answering keepalives")

// Client is an authenticated SSH connection. The embedded *ssh.Client opens
// sessions; Close also releases the jump host connection it rides on.
type Client struct {
	*ssh.Client

	name    string
	release func()
	onDone  func()
	forget  func(*Client)

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu  sync.Mutex
	err error
}

// newClient wraps sc and starts its keepalive. release runs once, on Close;
// onDone runs when the connection ends for any reason.
func (d *Dialer) newClient(sc *ssh.Client, name string, release, onDone func()) *Client {
	c := &Client{Client: sc, name: name, release: release, onDone: onDone, forget: d.forget, done: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_ = sc.Wait()
		close(c.done)
		if c.onDone != nil {
			c.onDone()
		}
	}()
	if d.opts.KeepAliveInterval > 0 {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.keepAlive(d, d.opts.KeepAliveInterval, d.opts.KeepAliveMax)
		}()
	}
	return c
}

// Done is closed when the connection has ended: closed by Close, by the
// peer, or after unanswered keepalives.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err says why the connection ended when it was not closed by Close; it
// wraps ErrKeepAliveTimeout when the peer stopped answering.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection, waits for its goroutines and releases the
// jump host connection. It is safe to call more than once.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		err = c.Client.Close()
		if errors.Is(err, net.ErrClosed) {
			err = nil // the peer or the keepalive closed it first
		}
		c.wg.Wait()
		if c.release != nil {
			c.release()
		}
		if c.forget != nil {
			c.forget(c)
		}
	})
	return err
}

// keepAlive sends keepalive@openssh.com every interval. At most one request
// is outstanding: each tick without its reply is a miss, and max misses in a
// row close the client so that reads blocked on it fail.
func (c *Client) keepAlive(d *Dialer, interval time.Duration, max int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var pending chan error
	misses := 0
	for {
		select {
		case <-c.done:
			return
		case err := <-pending:
			if err != nil {
				return // the connection is gone; Wait reports it
			}
			pending, misses = nil, 0
		case <-t.C:
			if pending == nil {
				pending = make(chan error, 1)
				c.wg.Add(1)
				go func(reply chan<- error) {
					defer c.wg.Done()
					// Any reply, even a refusal, proves the peer alive.
					_, _, err := c.Client.SendRequest("keepalive@openssh.com", true, nil)
					reply <- err
				}(pending)
				continue
			}
			misses++
			if misses < max {
				continue
			}
			err := fmt.Errorf("%s: %d keepalives in a row unanswered (interval %s): %w", c.name, misses, interval, ErrKeepAliveTimeout)
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			d.log.Warn("closing unresponsive ssh connection", "host", c.name, "err", err)
			c.Client.Close()
			return
		}
	}
}
