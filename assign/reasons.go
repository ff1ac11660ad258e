package assign

// reasons hands out one string per distinct reason text. Every decision
// keeps its reason until the run ends, and a portal of 50,000 users has only
// about 30 different ones: the plan holds one copy of each, and a text
// already seen is looked up without building a string.
type reasons struct {
	seen map[string]string
	buf  []byte
}

// join returns the concatenation of parts, as the same string for equal
// texts.
func (r *reasons) join(parts ...string) string {
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
