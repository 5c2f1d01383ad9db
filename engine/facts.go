package engine

import "context"

// FactsRequest says which facts a read needs. The CLI root and the server
// type always come: they are what starting the CLI prints, and every
// context read needs the CLI anyway.
type FactsRequest struct {
	// Release asks for the release and the active patches (bwshowver).
	Release bool
	// Alarms asks for the names of the raised alarms, which cost a read of
	// the alarms table; Facts.Alarms is nil when not asked for.
	Alarms bool
}

// AllFacts asks for every fact.
var AllFacts = FactsRequest{Release: true, Alarms: true}

// FactsReader is an optional extension of Session, found by type assertion
// so that a plain Session stays as it is: it reads only the facts asked
// for. Facts the request leaves out are zero (Alarms nil), and the
// configuration sees them as unknown, so an expression that uses a fact
// nobody read fails instead of seeing an empty value.
type FactsReader interface {
	ReadFacts(ctx context.Context, req FactsRequest) (*Facts, error)
}

// ReadFacts reads the facts req asks for through s: with s's ReadFacts when
// it implements FactsReader, else with Facts, which reads them all.
func ReadFacts(ctx context.Context, s Session, req FactsRequest) (*Facts, error) {
	if fr, ok := s.(FactsReader); ok {
		return fr.ReadFacts(ctx, req)
	}
	return s.Facts(ctx)
}

// IdleSession is an optional extension of Session for sessions kept open
// between a plan and the apply that follows it (engine/sessions): Idle
// reports, without sending anything, whether the session can still be
// used as its last command left it. A session that is not idle must not
// send anything more, not even at Close. Sessions without it are never
// kept.
type IdleSession interface {
	Idle() error
}
