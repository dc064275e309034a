#!/usr/bin/env sh
# The pipeline reads what it runs for from /kratix/input/object.yaml (the request, or the Promise in a
# promise workflow) and writes the documents to schedule to /kratix/output; /kratix/metadata takes
# status.yaml and destination-selectors.yaml.

set -xe

name="$(yq eval '.metadata.name' /kratix/input/object.yaml)"
namespace=$(yq '.metadata.namespace' /kratix/input/object.yaml)

echo "Hello from ${name} ${namespace}"
