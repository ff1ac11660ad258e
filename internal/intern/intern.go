// Package intern hands out one string per distinct text, for values that a
// run keeps for every user although few of them differ, such as the reasons
// of a plan.
package intern

// Strings interns joined texts. The zero value is ready to use; it is not
// safe for concurrent use.
type Strings struct {
	seen map[string]string
	buf  []byte
}

// Join returns the concatenation of parts, as the same string for equal
// texts. A text already seen is looked up without building a new string.
func (r *Strings) Join(parts ...string) string {
	r.buf = r.buf[:0]
	for _, s := range parts {
		r.buf = append(r.buf, s...)
	}
	if s, ok := r.seen[string(r.buf)]; ok {
		return s
	}
	if r.seen == nil {
		r.seen = map[string]string{}
	}
	s := string(r.buf)
	r.seen[s] = s
	return s
}
