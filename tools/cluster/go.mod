// pave-cluster: starts one real Kubernetes control plane on loopback for Pave's tests and local platform.
// Standard library only, so it builds in seconds and does not depend on the control-plane module.
module pave.invalid/tools/cluster

go 1.26.0
