package journal

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bwstate/bwstate/engine/digest"
)

// VerifyError says which line of the journal breaks the chain and how.
type VerifyError struct {
	Path string
	// Line is 1-based.
	Line    int
	Problem string
	// Torn is true when the only problem is an incomplete last line, left
	// by a run killed while writing it. Readers ignore such a line and the
	// next apply moves it to journal.torn; it is not evidence of tampering.
	Torn bool
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("journal %s line %d: %s", e.Path, e.Line, e.Problem)
}

// Verify recomputes the hash chain and returns the number of valid records.
// A modified record, a deleted, inserted or reordered one, or a line that is
// not a record is a *VerifyError naming the first bad line; so is a torn last
// line, with Torn set.
func (j *Journal) Verify() (int, error) {
	return j.verify(nil)
}

// Intact verifies the chain and tolerates only a torn last line, which is
// what a killed run leaves: readers skip it and the next append moves it
// aside. Anything else (a changed, deleted, inserted or reordered record)
// means the journal was edited, and the error wraps the *VerifyError.
func (j *Journal) Intact() error {
	_, err := j.Verify()
	var ve *VerifyError
	if errors.As(err, &ve) && ve.Torn {
		return nil
	}
	if err != nil {
		return fmt.Errorf("the journal fails verification: %w", err)
	}
	return nil
}

// verify is Verify calling fn, when not nil, with every valid record.
func (j *Journal) verify(fn func(*Record)) (int, error) {
	records := 0
	prevHash := ""
	err := j.scan(func(line int, raw []byte, last bool) error {
		fail := func(format string, args ...any) error {
			return &VerifyError{Path: j.Path(), Line: line, Problem: fmt.Sprintf(format, args...)}
		}
		if len(raw) == 0 {
			return fail("empty line (a record was deleted or the file was edited)")
		}
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			if last {
				return &VerifyError{Path: j.Path(), Line: line, Torn: true,
					Problem: "torn record: the last line is incomplete (a run was killed while writing it); readers ignore it"}
			}
			return fail("not a valid record (the file was edited or damaged): %v", err)
		}
		if r.Hash == "" {
			return fail("the record has no hash (it was edited or inserted)")
		}
		want, err := digest.Canonical(r.Prev, raw, "hash")
		if err != nil {
			return fail("cannot hash the record: %v", err)
		}
		if want != r.Hash {
			return fail("hash mismatch: the record (seq %d, %s) was modified after it was written", r.Seq, r.Kind)
		}
		if r.Seq != int64(line) {
			return fail("seq is %d, want %d: a record before it was deleted or inserted, or records were reordered", r.Seq, line)
		}
		if r.Prev != prevHash {
			return fail("prev does not match the hash of line %d: a record was deleted, inserted or reordered", line-1)
		}
		prevHash = r.Hash
		records++
		if fn != nil {
			fn(&r)
		}
		return nil
	})
	return records, err
}
