package main

import "lm-user-hygiene/hygiene"

// datasourceKeys are the datasource output's keys in their order.
var datasourceKeys = func() []string {
	keys := make([]string, len(hygiene.Datapoints))
	for i, d := range hygiene.Datapoints {
		keys[i] = d.Name
	}
	return keys
}()
