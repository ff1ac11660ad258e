package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"lm-user-hygiene/suspend"
)

// Record is what the tool remembers of one user: the suspend planner's
// memory (first seen, first warned, first seen reactivated), the same type,
// so that a run reads, plans and writes one map of 50,000 users rather than
// a copy of it at each step. A zero time is "not recorded". Times are kept
// to the second, in UTC.
type Record = suspend.Memory

// A user is 8 bytes of id and 24 of record, fixed width: a 50,000-user file
// stays a few megabytes and loads without parsing.
const (
	userKeyLen    = 8
	userRecordLen = 24
)

func userKey(id int) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, userKeyLen), uint64(id))
}

func appendRecord(b []byte, r Record) []byte {
	for _, t := range [...]time.Time{r.FirstSeen, r.FirstWarned, r.Reactivated} {
		var sec int64
		if !t.IsZero() {
			sec = t.Unix()
		}
		b = binary.BigEndian.AppendUint64(b, uint64(sec))
	}
	return b
}

func decodeRecord(v []byte) (Record, error) {
	// A longer value is a later layout's record with more fields.
	if len(v) < userRecordLen {
		return Record{}, fmt.Errorf("user record of %d bytes, want %d", len(v), userRecordLen)
	}
	var t [3]time.Time
	for i := range t {
		if sec := int64(binary.BigEndian.Uint64(v[i*8:])); sec != 0 {
			t[i] = time.Unix(sec, 0).UTC()
		}
	}
	return Record{FirstSeen: t[0], FirstWarned: t[1], Reactivated: t[2]}, nil
}

// errNothingChanged rolls back a transaction that would write nothing.
var errNothingChanged = errors.New("nothing changed")

// Users loads every user's record, by user id, in one read. A missing file
// is created (and locked) now; when it cannot be, Users returns an empty
// memory with the error saying why (ErrLocked when another run holds it).
func (s *Store) Users() (users map[int]Record, err error) {
	if err := s.materialize(); err != nil {
		return map[int]Record{}, err
	}
	if s != nil && s.snapshot != nil {
		return s.snapshot, nil
	}
	if s == nil || s.db == nil {
		return map[int]Record{}, nil
	}
	defer guard(s.path, &err)()
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b == nil {
			users = map[int]Record{}
			return nil
		}
		users = make(map[int]Record, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v)
			if err != nil || len(k) != userKeyLen {
				return fmt.Errorf("state file %s: user %x: %v; move the file aside", s.path, k, err)
			}
			users[int(binary.BigEndian.Uint64(k))] = r
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// SaveUsers makes the stored users exactly users, in one transaction: it
// writes only the records that changed and removes the users not in users
// (gone from the portal), so the file does not grow forever. A record with
// no time recorded is removed too. Read-only, it does nothing.
func (s *Store) SaveUsers(users map[int]Record) (err error) {
	if err := s.materialize(); err != nil {
		return err
	}
	if s == nil || s.db == nil || s.readOnly {
		return nil
	}
	ids := make([]int, 0, len(users))
	for id, r := range users {
		if id < 0 {
			return fmt.Errorf("state: user id %d is negative; only portal ids can be saved", id)
		}
		if r != (Record{}) {
			ids = append(ids, id)
		}
	}
	// In key order bbolt appends instead of splitting pages.
	slices.Sort(ids)
	defer guard(s.path, &err)()
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		// Ids only grow: new users land at the end, so full pages are best.
		b.FillPercent = 0.9
		// Compare first, then write: a cursor is not to be trusted across
		// a Put.
		var (
			gone    [][]byte
			changed []int
		)
		c := b.Cursor()
		k, v := c.First()
		val := make([]byte, 0, userRecordLen)
		for _, id := range ids {
			key := userKey(id)
			for k != nil && bytes.Compare(k, key) < 0 {
				gone = append(gone, bytes.Clone(k))
				k, v = c.Next()
			}
			if k != nil && bytes.Equal(k, key) {
				same := bytes.Equal(v, appendRecord(val[:0], users[id]))
				k, v = c.Next()
				if same {
					continue
				}
			}
			changed = append(changed, id)
		}
		for ; k != nil; k, _ = c.Next() {
			gone = append(gone, bytes.Clone(k))
		}
		if len(changed) == 0 && len(gone) == 0 {
			return errNothingChanged // no commit, no sync
		}
		// bbolt keeps the slices until the commit: one buffer for all.
		buf := make([]byte, 0, len(changed)*(userKeyLen+userRecordLen))
		for _, id := range changed {
			buf = binary.BigEndian.AppendUint64(buf, uint64(id))
			buf = appendRecord(buf, users[id])
			kv := buf[len(buf)-userKeyLen-userRecordLen:]
			if err := b.Put(kv[:userKeyLen], kv[userKeyLen:]); err != nil {
				return err
			}
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && err != errNothingChanged {
		return fmt.Errorf("state: save users to %s: %v", s.path, err)
	}
	return nil
}

func verifyUsers(tx *bolt.Tx) error {
	b := tx.Bucket(bucketUsers)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != userKeyLen {
			return fmt.Errorf("user key %x is not an id", k)
		}
		if _, err := decodeRecord(v); err != nil {
			return fmt.Errorf("user %d: %v", binary.BigEndian.Uint64(k), err)
		}
		return nil
	})
}
