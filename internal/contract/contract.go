// Package contract checks HTTP requests and responses against LogicMonitor's
// REST API v3 swagger (testdata/logicmonitor-rest-api-v3-swagger.json),
// converted to OpenAPI 3 and validated with kin-openapi. Only tests import it:
// they use it to hold the client and the simulated portal to the published
// contract.
//
// The swagger is used as published except for the few places listed in
// adjust.go, where the real API is known to differ, plus a local description
// of /setting/admin/groups, which no official swagger has (groups.go).
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// basePath is where every portal serves the API (the swagger's basePath).
const basePath = "/santaba/rest"

// spec is the loaded contract.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	loadOnce   sync.Once
	loadedSpec *spec
	loadErr    error
)

// loadSpec reads and converts the swagger once (it takes a few hundred
// milliseconds); later calls share the result.
func loadSpec() (*spec, error) {
	loadOnce.Do(func() { loadedSpec, loadErr = load(swaggerPath()) })
	return loadedSpec, loadErr
}

// swaggerPath is the swagger's location, found from this file's own path so
// that tests in any package can load it.
func swaggerPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "logicmonitor-rest-api-v3-swagger.json")
}

// docValidation: the swagger writes integer defaults and some examples as
// strings ("50", "[1,2,3]"); those are documentation slips that do not
// change any shape, so the document check skips them.
var docValidation = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.DisableSchemaDefaultsValidation(),
}

func load(path string) (*spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read swagger: %w", err)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, fmt.Errorf("parse swagger: %w", err)
	}
	if err := addGroups(&doc2); err != nil {
		return nil, err
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert swagger to OpenAPI 3: %w", err)
	}
	// Routes are matched on the resource path; ValidateRequest checks and
	// strips the base path itself.
	doc.Servers = nil
	if err := adjust(doc); err != nil {
		return nil, err
	}
	dropInvalidPaths(doc)
	router, err := legacy.NewRouter(doc, docValidation...)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &spec{doc: doc, router: router}, nil
}

// dropInvalidPaths removes the operations the swagger itself gets wrong
// (e.g. /device/devices/{id}/topTalkersGraph declares the query parameter
// "start" twice), which would otherwise stop the router from being built.
// None of them is a path this project uses; requests to them are then
// reported as unknown.
func dropInvalidPaths(doc *openapi3.T) {
	ctx := openapi3.WithValidationOptions(context.Background(), docValidation...)
	for path, item := range doc.Paths.Map() {
		if item.Validate(ctx) != nil {
			doc.Paths.Delete(path)
		}
	}
}

// ValidateRequest checks a request as it goes to the portal: its path is
// under /santaba/rest and names an operation of the contract with that
// method, it asks for API version 3, its parameters, Authorization header
// form and body match the operation. body is the exact body sent (nil for
// none); r.Body is not read.
func ValidateRequest(r *http.Request, body []byte) error {
	spec, err := loadSpec()
	if err != nil {
		return err
	}
	resource, ok := strings.CutPrefix(r.URL.Path, basePath)
	if !ok || !strings.HasPrefix(resource, "/") {
		return fmt.Errorf("%s %s: path is not under %s", r.Method, r.URL.Path, basePath)
	}
	// Without a version the portal answers in the v1 envelope, a different
	// contract (API notes, "Base URL and version").
	if r.Header.Get("X-Version") != "3" && r.URL.Query().Get("v") != "3" {
		return fmt.Errorf("%s %s: neither header X-Version: 3 nor query v=3", r.Method, resource)
	}
	req := r.Clone(r.Context())
	u := *r.URL
	u.Path, u.RawPath = resource, ""
	req.URL = &u
	setBody(req, body)
	route, params, err := spec.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, resource, err)
	}
	err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                checkAuthorization,
			SkipSettingDefaults:               true,
			RejectWhenRequestBodyNotSpecified: true,
		},
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, resource, err)
	}
	return nil
}

func setBody(req *http.Request, body []byte) {
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.Body, _ = req.GetBody()
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}
}

// authorizationForm is the shape of the two schemes the API accepts:
// "LMv1 accessId:base64signature:epochMillis" and "Bearer token".
var authorizationForm = regexp.MustCompile(`^(LMv1 [^\s:]+:[A-Za-z0-9+/]+={0,2}:[0-9]+|Bearer \S+)$`)

// checkAuthorization checks the form of the Authorization header (the
// swagger's LMv1 apiKey scheme). The value never appears in the error.
func checkAuthorization(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if h == "" {
		return in.NewError(errors.New("no Authorization header"))
	}
	if !authorizationForm.MatchString(h) {
		return in.NewError(errors.New("the Authorization header is neither LMv1 id:signature:epoch nor Bearer token"))
	}
	return nil
}

// ValidateResponse checks a response against the operation that answers
// method on resourcePath (the path after /santaba/rest, e.g.
// /setting/admins/42): the schema for status (or the default ErrorResponse),
// the content type and the body. resourcePath may carry the request's query
// string: with a fields parameter only the named properties can be required,
// because the API then returns just those.
func ValidateResponse(method, resourcePath string, status int, header http.Header, body []byte) error {
	spec, err := loadSpec()
	if err != nil {
		return err
	}
	u, err := url.Parse(resourcePath)
	if err != nil {
		return fmt.Errorf("resource path %q: %w", resourcePath, err)
	}
	u.Path = strings.TrimPrefix(u.Path, basePath)
	req, err := http.NewRequest(method, "http://portal.invalid"+u.Path, nil)
	if err != nil {
		return err
	}
	route, params, err := spec.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	if fields := u.Query().Get("fields"); fields != "" {
		route = projectRoute(route, strings.Split(fields, ","))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s -> %d: %w", method, u.Path, status, err)
	}
	return nil
}
