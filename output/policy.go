package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"lm-user-hygiene/hygiene"
)

// policyProperties flattens the policy's wire form (hygiene.Policy's
// MarshalJSON) into properties, in its order: policy.<setting> and
// policy.<step>.<setting>. A list joins its names with commas, a map (the
// role groups) gives role=Group pairs by role separated by ';' as
// --role-groups reads them. The command follows apply; the time budget is
// left out: it decides nothing about a user, and a ConfigSource diff is an
// audit of what changed for users.
func policyProperties(p hygiene.Policy, prop func(k, v string)) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the policy's '{'
		return err
	}
	var object func(prefix string, depth int) error
	object = func(prefix string, depth int) error {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key := prefix + tok.(string)
			if key == "policy.time_budget" {
				if _, err := dec.Token(); err != nil {
					return err
				}
				continue
			}
			v, err := propertyValue(dec, depth)
			if err != nil {
				return err
			}
			if v.nested {
				if err := object(key+".", depth+1); err != nil {
					return err
				}
				if _, err := dec.Token(); err != nil { // '}'
					return err
				}
				continue
			}
			prop(key, v.text)
			if key == "policy.apply" {
				prop("policy.command", string(p.Command))
			}
		}
		return nil
	}
	return object("policy.", 0)
}

// flatValue is one value of the wire form as a property: its text, or
// nested when it is a step's options, whose settings follow.
type flatValue struct {
	text   string
	nested bool
}

// propertyValue reads the next value of the wire form. depth is 0 for the
// policy's own settings, 1 inside a step's options, where an object is a
// map.
func propertyValue(dec *json.Decoder, depth int) (flatValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return flatValue{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' && depth == 0 {
			return flatValue{nested: true}, nil
		}
		var parts []string
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return flatValue{}, err
				}
				v, err := dec.Token()
				if err != nil {
					return flatValue{}, err
				}
				parts = append(parts, fmt.Sprint(k)+"="+fmt.Sprint(v))
				continue
			}
			v, err := dec.Token()
			if err != nil {
				return flatValue{}, err
			}
			parts = append(parts, fmt.Sprint(v))
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return flatValue{}, err
		}
		if t == '{' {
			return flatValue{text: strings.Join(parts, ";")}, nil
		}
		return flatValue{text: joinNames(parts)}, nil
	case json.Number:
		return flatValue{text: numberText(t)}, nil
	case bool:
		return flatValue{text: strconv.FormatBool(t)}, nil
	case string:
		return flatValue{text: t}, nil
	}
	return flatValue{}, fmt.Errorf("policy: unexpected %v in its wire form", tok)
}

// numberText writes a number as the configsource always has: a fraction in
// Go's shortest form ('g'), a whole number as it is.
func numberText(n json.Number) string {
	if !strings.ContainsAny(string(n), ".eE") {
		return string(n)
	}
	f, err := n.Float64()
	if err != nil {
		return string(n)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
