module lm-user-hygiene

go 1.26.8

require (
	github.com/getkin/kin-openapi v0.153.0
	github.com/sethvargo/go-envconfig v1.4.3
	github.com/sirupsen/logrus v1.10.2
	github.com/tidwall/gjson v1.20.2
	go.etcd.io/bbolt v1.5.0
)

require (
	github.com/go-openapi/jsonpointer v0.22.5 // indirect
	github.com/go-openapi/swag/jsonname v0.25.5 // indirect
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)
