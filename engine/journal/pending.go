package journal

import (
	"crypto/hmac"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
)

// UnknownAppMessage explains a pending restart whose application nobody
// knows: the server warned that a restart is needed after a change the
// catalogue has no restart application for.
const UnknownAppMessage = "the server asked for a restart, but which application needs it is unknown; " +
	"bwstate never restarts a whole server on its own: restart the right application by hand, then clear this pending restart"

// pendingKey identifies one pending restart. Unknown-application entries
// (App "") of one host share a key: one acknowledgement clears them all.
type pendingKey struct{ host, app string }

// Pending replays the journal and returns, per host, the restarts recorded
// pending and not cleared since: PendingSince is the earliest run that
// recorded it, Reasons every reason given (with the server's text and a
// message for App ""). A restart performed whose application was not
// healthy in time stays pending with Unhealthy and RestartedIn set, until a
// later restart starts or a later change records it pending again. Release
// is the host's release recorded with the last pending record.
// Restarts are in the order they were first recorded.
func (j *Journal) Pending() (map[string][]*engine.Restart, error) {
	recs, err := j.Records()
	if err != nil {
		return nil, err
	}
	return pendingFrom(recs), nil
}

func pendingFrom(recs []*Record) map[string][]*engine.Restart {
	open := map[pendingKey]*engine.Restart{}
	var order []pendingKey
	for _, r := range recs {
		switch r.Kind {
		case KindPending:
			k := pendingKey{r.Host, strings.ToLower(r.App)}
			p := open[k]
			if p == nil {
				p = &engine.Restart{App: r.App, Pending: true, PendingSince: r.Run}
				open[k] = p
				order = append(order, k)
			}
			add := func(s string) {
				if s == "" {
					return
				}
				for _, have := range p.Reasons {
					if have == s {
						return
					}
				}
				p.Reasons = append(p.Reasons, s)
			}
			if r.App != "" {
				// engine/apply records one pending record per restart with
				// its reasons joined by "; " (values and paths cannot
				// contain ";"): split them so a later record or plan that
				// gives one of them again does not repeat it.
				for _, why := range strings.Split(r.Reason, "; ") {
					add(why)
				}
			} else {
				add(r.Reason)
			}
			if r.App == "" {
				if r.Text != "" {
					add("server said: " + r.Text)
				}
				add(r.Message)
			}
			// A change recorded since needs a restart whatever the health,
			// and the release it was recorded on is the one that counts.
			p.Unhealthy, p.RestartedIn = "", ""
			p.Release = r.Release
		case KindRestart:
			p := open[pendingKey{r.Host, strings.ToLower(r.App)}]
			if p == nil {
				continue
			}
			switch r.Outcome {
			case RestartStarted:
				p.Unhealthy, p.RestartedIn = "", ""
			case RestartUnhealthy, RestartTimeout:
				p.Unhealthy, p.RestartedIn = r.Detail, r.Run
				if p.Unhealthy == "" {
					p.Unhealthy = "not healthy within the health timeout"
				}
			}
		case KindPendingCleared:
			delete(open, pendingKey{r.Host, strings.ToLower(r.App)})
		}
	}
	out := map[string][]*engine.Restart{}
	for _, k := range order {
		if p, ok := open[k]; ok {
			out[k.host] = append(out[k.host], p)
			delete(open, k)
		}
	}
	return out
}

// ClearPending records that an operator acknowledged a pending restart of
// app on host (app "" clears the unknown-application entries) without bwstate
// performing it, for instance after restarting the application by hand. It
// is an error when nothing of that kind is pending.
func (j *Journal) ClearPending(host, app, reason string) error {
	pending, err := j.Pending()
	if err != nil {
		return err
	}
	for _, p := range pending[host] {
		if strings.EqualFold(p.App, app) {
			return j.Append(&Record{
				Kind: KindPendingCleared, Host: host, App: p.App, Since: p.PendingSince,
				Reason: reason, Operator: j.operator,
			})
		}
	}
	what := "restart of " + app
	if app == "" {
		what = "restart of an unknown application"
	}
	return fmt.Errorf("clear pending restart: no %s is pending on %s", what, host)
}

// SecretMatches reports whether the last value recorded for a sensitive
// attribute of host (path and attr matched case-insensitively) is value: a
// later plan uses it to tell whether a write-only secret changed. It is
// false when nothing was recorded, the journal cannot be read, or the
// record cannot be compared (made with another key, or an earlier
// bwstate's salted hash without .bwstate/salt): the secret is then shown
// as a change and set once more. It never creates the key.
func (j *Journal) SecretMatches(host, path, attr, value string) bool {
	recs, err := j.Records()
	if err != nil {
		return false
	}
	last := ""
	for _, r := range recs {
		if r.Kind == KindChange && r.ValueHash != "" && r.Host == host &&
			strings.EqualFold(strings.Trim(r.Path, "/"), strings.Trim(path, "/")) && strings.EqualFold(r.Attr, attr) {
			last = r.ValueHash
		}
	}
	if last == "" {
		return false
	}
	if !digest.IsKeyed(last) {
		b, err := os.ReadFile(filepath.Join(j.dir, SaltFile))
		salt := strings.TrimSpace(string(b))
		return err == nil && salt != "" && hmac.Equal([]byte(last), []byte(digest.Legacy(salt, value)))
	}
	j.keyMu.Lock()
	k := j.key
	j.keyMu.Unlock()
	if k == nil {
		if k, err = digest.LoadKey(j.dir); err != nil {
			return false
		}
	}
	ok, err := k.Match(last, "", value)
	return err == nil && ok
}
