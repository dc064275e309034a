// openapi2jsonschema turns a cluster's OpenAPI v2 document (GET /openapi/v2) into one standalone JSON
// Schema per kind, named as kubeconform looks them up ({{ .ResourceKind }}{{ .KindSuffix }}.json, e.g.
// deployment-apps-v1.json), so rendered manifests are checked against the schemas of the very API server
// they are meant for, offline.
//
//	openapi2jsonschema -in openapi.json -out DIR [-strict]
//
// Each file holds its kind's definition and, under "definitions", every definition it refers to. With
// -strict an object that lists its properties accepts no others, so a misspelt field is an error.
// Kubernetes' two "string or number" types (IntOrString, Quantity) accept both.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type schema = map[string]any

func main() {
	in := flag.String("in", "", "the OpenAPI v2 document (JSON)")
	out := flag.String("out", "", "directory for the schemas")
	strict := flag.Bool("strict", false, "refuse properties a schema does not list")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: openapi2jsonschema -in openapi.json -out DIR [-strict]")
		os.Exit(2)
	}
	if err := run(*in, *out, *strict); err != nil {
		fmt.Fprintln(os.Stderr, "openapi2jsonschema:", err)
		os.Exit(1)
	}
}

func run(in, out string, strict bool) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc struct {
		Definitions map[string]schema `json:"definitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(doc.Definitions) == 0 {
		return fmt.Errorf("%s has no definitions", in)
	}
	for name, def := range doc.Definitions {
		doc.Definitions[name] = normalise(name, def, strict).(schema)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	written := 0
	for name, def := range doc.Definitions {
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			gvk, _ := g.(map[string]any)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			if kind == "" || version == "" {
				continue
			}
			standalone := schema{"$schema": "http://json-schema.org/draft-04/schema#", "definitions": closure(name, doc.Definitions)}
			for k, v := range def {
				standalone[k] = v
			}
			file := filepath.Join(out, fileName(group, version, kind))
			body, err := json.Marshal(standalone)
			if err != nil {
				return err
			}
			if err := os.WriteFile(file, body, 0o644); err != nil {
				return err
			}
			written++
		}
	}
	fmt.Printf("openapi2jsonschema: %d schemas in %s\n", written, out)
	return nil
}

// kubeconform's name for a kind's schema: kind, then the group's first label, then the version.
func fileName(group, version, kind string) string {
	name := strings.ToLower(kind)
	if group != "" {
		name += "-" + strings.ToLower(strings.Split(group, ".")[0])
	}
	return name + "-" + strings.ToLower(version) + ".json"
}

// Every definition reachable from root through $ref, root included.
func closure(root string, all map[string]schema) schema {
	out := schema{}
	var visit func(string)
	visit = func(name string) {
		if _, seen := out[name]; seen {
			return
		}
		def, ok := all[name]
		if !ok {
			return
		}
		out[name] = def
		for _, ref := range refs(def, nil) {
			visit(ref)
		}
	}
	visit(root)
	return out
}

func refs(v any, acc []string) []string {
	switch t := v.(type) {
	case map[string]any:
		if r, ok := t["$ref"].(string); ok {
			acc = append(acc, strings.TrimPrefix(r, "#/definitions/"))
		}
		for _, child := range t {
			acc = refs(child, acc)
		}
	case []any:
		for _, child := range t {
			acc = refs(child, acc)
		}
	}
	return acc
}

// normalise makes OpenAPI v2 valid JSON Schema for what manifests hold.
func normalise(name string, v any, strict bool) any {
	switch t := v.(type) {
	case map[string]any:
		if format, _ := t["format"].(string); format == "int-or-string" {
			delete(t, "type")
			delete(t, "format")
			t["anyOf"] = []any{schema{"type": "string"}, schema{"type": "integer"}}
		} else if name == "io.k8s.apimachinery.pkg.api.resource.Quantity" {
			delete(t, "type")
			delete(t, "format")
			t["anyOf"] = []any{schema{"type": "string"}, schema{"type": "number"}}
		}
		for k, child := range t {
			if k == "properties" || k == "definitions" {
				if props, ok := child.(map[string]any); ok {
					for pk, pv := range props {
						props[pk] = normalise("", pv, strict)
					}
				}
				continue
			}
			t[k] = normalise("", child, strict)
		}
		if _, has := t["properties"]; has && strict {
			if _, set := t["additionalProperties"]; !set {
				t["additionalProperties"] = false
			}
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = normalise("", child, strict)
		}
		return t
	}
	return v
}
