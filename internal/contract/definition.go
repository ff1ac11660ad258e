package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// definitionOptions read a definition as a body sent to the API: read-only
// properties (ids, checksums) are set by the portal, so a document must not
// carry them and need not carry them when required.
var definitionOptions = []openapi3.SchemaValidationOption{openapi3.VisitAsRequest(), openapi3.MultiErrors()}

// ValidateDefinition checks doc, a JSON document, against the swagger
// definition called name (e.g. "DataSource"), as a body sent to the API.
//
// Two checks go beyond what kin-openapi does with the definition alone:
//   - Polymorphism. The swagger is Swagger 2: a definition with a
//     discriminator (CollectorAttribute's "name") has subtypes that extend it
//     with allOf and name their discriminator value in x-discriminator-value
//     (or by their own name). An object is checked against the subtype its
//     value names too, and a value that names no subtype is an error; the
//     base definition alone would accept any fields.
//   - Unknown properties. No definition forbids extra properties, so a
//     misspelt field would pass and be dropped by the portal; here a property
//     that the definition (or its subtype) does not name is an error. Objects
//     the swagger leaves free-form (no properties, e.g. JSONObject) are not
//     checked.
func ValidateDefinition(name string, doc []byte) error {
	spec, err := loadSpec()
	if err != nil {
		return err
	}
	ref := spec.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("swagger has no definition %s", name)
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := ref.Value.VisitJSON(v, definitionOptions...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := spec.checkDefinition(ref.Value, v, nil, ""); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// checkDefinition walks v along s for the two checks VisitJSON does not do.
// dispatched is the base whose subtype is being walked for this same value,
// so that the subtype's allOf, which names that base again, does not
// dispatch again. at is the JSON pointer of v, for messages.
func (sp *spec) checkDefinition(s *openapi3.Schema, v any, dispatched *openapi3.Schema, at string) error {
	switch v := v.(type) {
	case map[string]any:
		if s.Discriminator != nil && s != dispatched {
			sub, err := sp.subtype(s, v)
			if err != nil {
				return fmt.Errorf("%s: %w", pointer(at), err)
			}
			if err := sub.VisitJSON(v, definitionOptions...); err != nil {
				return fmt.Errorf("%s: %w", pointer(at), err)
			}
			return sp.checkDefinition(sub, v, s, at)
		}
		known := map[string]*openapi3.Schema{}
		collectProperties(s, known)
		if len(known) == 0 {
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := known[k]
			if !ok {
				return fmt.Errorf("%s: property %q is not in the definition", pointer(at), k)
			}
			if err := sp.checkDefinition(p, v[k], nil, at+"/"+k); err != nil {
				return err
			}
		}
		// A base named in allOf is walked for its discriminator, if any.
		for _, item := range s.AllOf {
			if b := item.Value; b != nil && b.Discriminator != nil && b != dispatched {
				if err := sp.checkDefinition(b, v, dispatched, at); err != nil {
					return err
				}
			}
		}
	case []any:
		if s.Items == nil || s.Items.Value == nil {
			return nil
		}
		for i, item := range v {
			if err := sp.checkDefinition(s.Items.Value, item, nil, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectProperties gathers the properties s names itself and through allOf.
func collectProperties(s *openapi3.Schema, into map[string]*openapi3.Schema) {
	for name, p := range s.Properties {
		if p != nil && p.Value != nil {
			into[name] = p.Value
		}
	}
	for _, item := range s.AllOf {
		if item.Value != nil {
			collectProperties(item.Value, into)
		}
	}
}

// subtype finds the definition that extends base through allOf and whose
// discriminator value is the one obj carries.
func (sp *spec) subtype(base *openapi3.Schema, obj map[string]any) (*openapi3.Schema, error) {
	prop := base.Discriminator.PropertyName
	value, ok := obj[prop].(string)
	if !ok {
		return nil, fmt.Errorf("discriminator %q is missing or not a string", prop)
	}
	var names []string
	for name, ref := range sp.doc.Components.Schemas {
		s := ref.Value
		if s == nil || !slices.ContainsFunc(s.AllOf, func(r *openapi3.SchemaRef) bool { return r.Value == base }) {
			continue
		}
		dv, ok := s.Extensions["x-discriminator-value"].(string)
		if !ok {
			dv = name
		}
		if dv == value {
			names = append(names, name)
		}
	}
	switch len(names) {
	case 0:
		return nil, fmt.Errorf("%s %q names no subtype", prop, value)
	case 1:
		return sp.doc.Components.Schemas[names[0]].Value, nil
	}
	sort.Strings(names)
	return nil, fmt.Errorf("%s %q names several subtypes: %v", prop, value, names)
}

func pointer(at string) string {
	if at == "" {
		return "/"
	}
	return at
}
