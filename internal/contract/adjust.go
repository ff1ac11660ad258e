package contract

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// adjust changes the converted swagger where the real API is known to differ
// from it, and nowhere else. Each change says why.
//
// Admin.password stays as published (a required string): real portals send
// it masked ("********") on every user (API notes: a client tested on real
// portals documents it "asterisked out").
//
// Relaxed, because the API contradicts the swagger:
//   - PATCH /setting/admins/{id} is a partial update (API notes, "Users"):
//     its body needs none of Admin's required properties, and it names roles
//     by id as [{"id": N}] (LM docs), so there a role needs neither name nor
//     privileges and its id is not read-only.
//   - ErrorResponse.errorDetail and the lists' searchId are null in real
//     responses; the swagger types them object and string without nullable.
//   - The lists take sort=[+|-]field (API notes, "Paging, fields, filter,
//     sort"; the client asks sort=+id so that a list that shifts while it is
//     read can be placed by id), but the swagger declares sort on neither
//     getAdminList nor getRoleList. It is declared here, for the three lists,
//     so that its form is checked; this is the only place sort is allowed.
//
// Tightened, because the swagger requires nothing where the API notes state
// what is always there (without this, any JSON object, the v1 envelope
// included, would pass as a list or an error):
//   - lists (*PaginationResponse) always carry total and items;
//   - ErrorResponse always carries errorMessage and errorCode;
//   - a list page holds at most 1000 items, so size is at most 1000 (the
//     swagger gives no maximum; the portal refuses more).
func adjust(doc *openapi3.T) error {
	get := func(name string) (*openapi3.Schema, error) {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("swagger has no definition %s", name)
		}
		return ref.Value, nil
	}
	admin, err := get("Admin")
	if err != nil {
		return err
	}
	role, err := get("Role")
	if err != nil {
		return err
	}
	errResp, err := get("ErrorResponse")
	if err != nil {
		return err
	}

	if admin.Properties["password"] == nil {
		return fmt.Errorf("swagger Admin has no password")
	}

	patch := doc.Paths.Value("/setting/admins/{id}")
	if patch == nil || patch.Patch == nil || patch.Patch.RequestBody == nil {
		return fmt.Errorf("swagger has no PATCH /setting/admins/{id} body")
	}
	media := patch.Patch.RequestBody.Value.Content.Get("application/json")
	if media == nil {
		return fmt.Errorf("PATCH /setting/admins/{id} takes no application/json body")
	}
	media.Schema = &openapi3.SchemaRef{Value: partialAdmin(admin, role)}

	if err := nullable(errResp, "errorDetail"); err != nil {
		return err
	}
	errResp.Required = []string{"errorMessage", "errorCode"}
	for _, name := range []string{"AdminPaginationResponse", "RolePaginationResponse", "AdminGroupPaginationResponse"} {
		list, err := get(name)
		if err != nil {
			return err
		}
		if err := nullable(list, "searchId"); err != nil {
			return err
		}
		list.Required = []string{"total", "items"}
	}
	for _, path := range []string{"/setting/admins", "/setting/roles", "/setting/admin/groups"} {
		item := doc.Paths.Value(path)
		if item == nil || item.Get == nil {
			return fmt.Errorf("swagger has no GET %s", path)
		}
		if item.Get.Parameters.GetByInAndName(openapi3.ParameterInQuery, "sort") == nil {
			sort := openapi3.NewQueryParameter("sort").WithSchema(openapi3.NewStringSchema().WithPattern(`^[+-]?[A-Za-z]+$`))
			item.Get.Parameters = append(item.Get.Parameters, &openapi3.ParameterRef{Value: sort})
		}
	}
	for _, path := range []string{"/setting/admins", "/setting/roles"} {
		item := doc.Paths.Value(path)
		if item == nil || item.Get == nil {
			return fmt.Errorf("swagger has no GET %s", path)
		}
		size := item.Get.Parameters.GetByInAndName(openapi3.ParameterInQuery, "size")
		if size == nil || size.Schema == nil || size.Schema.Value == nil {
			return fmt.Errorf("swagger GET %s has no size parameter", path)
		}
		size.Schema.Value.Min, size.Schema.Value.Max = openapi3.Ptr(0.0), openapi3.Ptr(float64(maxPageSize))
	}
	return nil
}

// maxPageSize is the largest page the API serves (API notes, "Users").
const maxPageSize = 1000

func nullable(s *openapi3.Schema, property string) error {
	p := s.Properties[property]
	if p == nil || p.Value == nil {
		return fmt.Errorf("swagger schema has no property %s", property)
	}
	p.Value.Nullable = true
	return nil
}

// partialAdmin is Admin for a PATCH body: a copy without required
// properties, whose roles are references by id. The shared Admin and Role
// stay as published for every other use.
func partialAdmin(admin, role *openapi3.Schema) *openapi3.Schema {
	roleRef := *role
	roleRef.Required = nil
	roleRef.Properties = maps.Clone(role.Properties)
	id := *role.Properties["id"].Value
	id.ReadOnly = false
	roleRef.Properties["id"] = &openapi3.SchemaRef{Value: &id}

	roles := *admin.Properties["roles"].Value
	roles.Items = &openapi3.SchemaRef{Value: &roleRef}

	partial := *admin
	partial.Required = nil
	partial.Properties = maps.Clone(admin.Properties)
	partial.Properties["roles"] = &openapi3.SchemaRef{Value: &roles}
	return &partial
}

// projectRoute is route with its success responses reduced to the fields a
// request asked for: with `fields` the API returns only those properties,
// so only those can be required. Error responses are unchanged.
func projectRoute(route *routers.Route, fields []string) *routers.Route {
	keep := map[string]bool{}
	for _, f := range fields {
		keep[strings.TrimSpace(f)] = true
	}
	op := *route.Operation
	op.Responses = openapi3.NewResponses()
	for code, ref := range route.Operation.Responses.Map() {
		resp := *ref.Value
		if code == "200" {
			resp.Content = openapi3.Content{}
			for mediaType, media := range ref.Value.Content {
				m := *media
				m.Schema = projectSchema(media.Schema, keep)
				resp.Content[mediaType] = &m
			}
		}
		op.Responses.Set(code, &openapi3.ResponseRef{Value: &resp})
	}
	projected := *route
	projected.Operation = &op
	return &projected
}

// projectSchema drops required properties not in keep. A list (an object
// whose items property is an array) is projected in its items instead, as
// fields applies to the listed objects.
func projectSchema(ref *openapi3.SchemaRef, keep map[string]bool) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil {
		return ref
	}
	s := *ref.Value
	if items := s.Properties["items"]; items != nil && items.Value != nil && items.Value.Type.Is(openapi3.TypeArray) {
		array := *items.Value
		array.Items = projectSchema(array.Items, keep)
		s.Properties = maps.Clone(s.Properties)
		s.Properties["items"] = &openapi3.SchemaRef{Value: &array}
		return &openapi3.SchemaRef{Value: &s}
	}
	s.Required = slices.DeleteFunc(slices.Clone(s.Required), func(name string) bool { return !keep[name] })
	return &openapi3.SchemaRef{Value: &s}
}
