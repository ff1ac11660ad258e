package contract

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi2"
)

// groupsSwagger describes the user-group endpoints, which no official
// swagger has, in the swagger's own dialect so that they are converted and
// checked like the rest. Sources (see lm-api/README.md, "User groups"): the
// PowerShell module's Get-LMUserGroup and the C# client's integration tests.
//   - GET  /setting/admin/groups        size, offset, fields, filter -> list
//   - POST /setting/admin/groups        {"name", "description"}      -> group
//   - GET  /setting/admin/groups/{id}   fields                       -> group
//
// Errors use the swagger's ErrorResponse. A group has id, name, description,
// parentId, createdOn, updatedOn; id and name are always there, the rest is
// optional, and the server-set fields are read-only.
const groupsSwagger = `{
  "definitions": {
    "AdminGroup": {
      "type": "object",
      "required": ["id", "name"],
      "properties": {
        "id":          {"type": "integer", "format": "int32", "readOnly": true},
        "name":        {"type": "string"},
        "description": {"type": "string"},
        "parentId":    {"type": "integer", "format": "int32"},
        "createdOn":   {"type": "integer", "format": "int64", "readOnly": true},
        "updatedOn":   {"type": "integer", "format": "int64", "readOnly": true}
      }
    },
    "NewAdminGroup": {
      "type": "object",
      "required": ["name"],
      "properties": {
        "name":        {"type": "string", "minLength": 1},
        "description": {"type": "string"}
      }
    },
    "AdminGroupPaginationResponse": {
      "type": "object",
      "properties": {
        "total":    {"type": "integer", "format": "int32", "readOnly": true},
        "searchId": {"type": "string", "readOnly": true},
        "items":    {"type": "array", "items": {"$ref": "#/definitions/AdminGroup"}}
      }
    }
  },
  "paths": {
    "/setting/admin/groups": {
      "get": {
        "operationId": "getAdminGroupList",
        "security": [{"LMv1": []}],
        "produces": ["application/json"],
        "parameters": [
          {"in": "query", "name": "fields", "type": "string", "required": false},
          {"in": "query", "name": "size", "type": "integer", "format": "int32", "minimum": 0, "maximum": 1000, "required": false},
          {"in": "query", "name": "offset", "type": "integer", "format": "int32", "minimum": 0, "required": false},
          {"in": "query", "name": "filter", "type": "string", "required": false}
        ],
        "responses": {
          "200": {"description": "successful operation", "schema": {"$ref": "#/definitions/AdminGroupPaginationResponse"}},
          "default": {"description": "Error", "schema": {"$ref": "#/definitions/ErrorResponse"}}
        }
      },
      "post": {
        "operationId": "addAdminGroup",
        "security": [{"LMv1": []}],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "parameters": [
          {"in": "body", "name": "body", "required": true, "schema": {"$ref": "#/definitions/NewAdminGroup"}}
        ],
        "responses": {
          "200": {"description": "successful operation", "schema": {"$ref": "#/definitions/AdminGroup"}},
          "default": {"description": "Error", "schema": {"$ref": "#/definitions/ErrorResponse"}}
        }
      }
    },
    "/setting/admin/groups/{id}": {
      "get": {
        "operationId": "getAdminGroupById",
        "security": [{"LMv1": []}],
        "produces": ["application/json"],
        "parameters": [
          {"in": "path", "name": "id", "type": "integer", "format": "int32", "pattern": "\\d+", "required": true},
          {"in": "query", "name": "fields", "type": "string", "required": false}
        ],
        "responses": {
          "200": {"description": "successful operation", "schema": {"$ref": "#/definitions/AdminGroup"}},
          "default": {"description": "Error", "schema": {"$ref": "#/definitions/ErrorResponse"}}
        }
      }
    }
  }
}`

// addGroups merges groupsSwagger into the swagger; it refuses to shadow
// anything the swagger already defines.
func addGroups(doc *openapi2.T) error {
	var local openapi2.T
	if err := json.Unmarshal([]byte(groupsSwagger), &local); err != nil {
		return fmt.Errorf("parse local groups description: %w", err)
	}
	for name, def := range local.Definitions {
		if _, taken := doc.Definitions[name]; taken {
			return fmt.Errorf("local groups description: definition %s already in the swagger", name)
		}
		doc.Definitions[name] = def
	}
	for path, item := range local.Paths {
		if _, taken := doc.Paths[path]; taken {
			return fmt.Errorf("local groups description: path %s already in the swagger", path)
		}
		doc.Paths[path] = item
	}
	return nil
}
