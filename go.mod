module lm-user-hygiene

go 1.26.8

require (
	github.com/getkin/kin-openapi v0.153.0 // indirect
	github.com/sethvargo/go-envconfig v1.4.3 // indirect
	github.com/sirupsen/logrus v1.10.2 // indirect
	github.com/tidwall/gjson v1.20.2 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/sys v0.13.0 // indirect
)
