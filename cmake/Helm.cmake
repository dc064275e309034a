# Helm, kubeconform and openapi2jsonschema (tools/helm): the chart's lint, render, schema check and the
# helm install e2e test.
#
# PAVE_HELM_BIN names a directory holding them. When it is not given, tools/helm/build.sh builds them
# (cold: about 3 minutes; afterwards served from a cache outside the clone, keyed on tools/helm/go.sum).
include(${CMAKE_CURRENT_LIST_DIR}/GoTools.cmake)
pave_go_tool_dir(PAVE_HELM_BIN tools/helm/build.sh "helm and kubeconform")
