package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fluxOptions are the flags of `pave-cluster flux`.
type fluxOptions struct {
	kubeconfig  string
	fluxBin     string
	kubectl     string
	dir         string
	ignoreStdin bool
	timeout     time.Duration
}

// runFlux runs Flux's source-controller and kustomize-controller for one cluster, as local processes
// against its kubeconfig, the way a destination cluster runs them in-cluster:
//
//	pave-cluster flux --kubeconfig FILE --flux-bin DIR --kubectl FILE --dir DIR [--ignore-stdin]
//
// It applies the CRDs in DIR/crds (tools/flux/build.sh puts them there) and the flux-system namespace,
// starts both controllers on free loopback ports (source-controller serves its artifacts on one), waits
// until both answer /readyz, and prints
//
//	READY flux storage=http://127.0.0.1:PORT
//
// It stops them on SIGTERM or SIGINT, or when standard input closes (unless --ignore-stdin).
func runFlux(args []string) int {
	var o fluxOptions
	fs := flag.NewFlagSet("flux", flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "the destination cluster's kubeconfig")
	fs.StringVar(&o.fluxBin, "flux-bin", "", "directory holding source-controller, kustomize-controller and crds/")
	fs.StringVar(&o.kubectl, "kubectl", "kubectl", "kubectl to apply the CRDs with")
	fs.StringVar(&o.dir, "dir", "", "state directory (artifacts and logs)")
	fs.BoolVar(&o.ignoreStdin, "ignore-stdin", false, "keep running when standard input closes")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "how long to wait for the controllers to become ready")
	_ = fs.Parse(args)
	if o.kubeconfig == "" || o.fluxBin == "" || o.dir == "" {
		fmt.Fprintln(os.Stderr, "pave-cluster flux: --kubeconfig, --flux-bin and --dir are required")
		return 2
	}
	stop := stopSignal(o.ignoreStdin)
	if err := installFluxCRDs(o); err != nil {
		return fail(err)
	}
	var components []*component
	var storage string
	for attempt := 1; ; attempt++ {
		var err error
		components, storage, err = startFlux(o, stop, attempt == 1)
		if err == nil {
			break
		}
		stopFlux(components)
		if err == errStopped || attempt == 3 {
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "pave-cluster flux: attempt %d failed, retrying with new ports: %v\n", attempt, err)
	}
	fmt.Printf("READY flux storage=%s\n", storage)
	_ = os.Stdout.Sync()
	died := make(chan *component, len(components))
	for _, c := range components {
		go func(c *component) { <-c.done; died <- c }(c)
	}
	select {
	case <-stop:
		stopFlux(components)
		return 0
	case c := <-died:
		fmt.Fprintf(os.Stderr, "pave-cluster flux: %s exited: %v\n%s\n", c.name, c.err, c.logTail(20))
		stopFlux(components)
		return 1
	}
}

// stopFlux stops kustomize-controller before source-controller: a reconcile in flight downloads its
// artifact from source-controller, and would hold kustomize-controller's shutdown until it times out.
func stopFlux(cs []*component) {
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].stop(10 * time.Second)
	}
}

// installFluxCRDs applies Flux's CRDs and namespace. Server-side apply: the CRDs are too large for the
// last-applied annotation of a client-side apply.
func installFluxCRDs(o fluxOptions) error {
	cmd := exec.Command(o.kubectl, "--kubeconfig", o.kubeconfig, "apply", "--server-side", "--force-conflicts",
		"-f", filepath.Join(o.fluxBin, "crds"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("applying Flux's CRDs: %v\n%s", err, out)
	}
	ns := exec.Command(o.kubectl, "--kubeconfig", o.kubeconfig, "apply", "-f", "-")
	ns.Stdin = strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: flux-system}\n")
	if out, err := ns.CombinedOutput(); err != nil {
		return fmt.Errorf("creating flux-system: %v\n%s", err, out)
	}
	return nil
}

// startFlux starts both controllers and waits until they are ready. With reuse, it listens on the ports of
// the last run in the same directory: source-controller's address is in every artifact URL the cluster's
// sources report, and kustomize-controller would fetch stale ones until source-controller has reconciled
// them all again.
func startFlux(o fluxOptions, stop <-chan struct{}, reuse bool) ([]*component, string, error) {
	logs := filepath.Join(o.dir, "logs")
	artifacts := filepath.Join(o.dir, "artifacts")
	// The controllers' scratch directories (kustomize-controller's kustomization-* builds) live here, not
	// in /tmp: one killed mid-build leaves its directory, which the next start clears.
	scratch := filepath.Join(o.dir, "tmp")
	_ = os.RemoveAll(scratch)
	for _, d := range []string{logs, artifacts, scratch} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, "", err
		}
	}
	portFile := filepath.Join(o.dir, "ports")
	p := keptPorts(portFile, 5)
	if !reuse || p == nil {
		var err error
		if p, err = freePortList(5); err != nil {
			return nil, "", err
		}
	}
	_ = os.WriteFile(portFile, []byte(strings.Trim(fmt.Sprint(p), "[]")+"\n"), 0o644)
	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	storage := "http://" + addr(p[0])
	env := append(os.Environ(), "KUBECONFIG="+o.kubeconfig, "RUNTIME_NAMESPACE=flux-system", "TMPDIR="+scratch)
	var cs []*component
	source, err := startComponentEnv("source-controller", filepath.Join(o.fluxBin, "source-controller"), []string{
		"--storage-path=" + artifacts, "--storage-addr=" + addr(p[0]),
		"--storage-adv-addr=" + addr(p[0]), "--metrics-addr=" + addr(p[1]), "--health-addr=" + addr(p[2]),
		"--events-addr=", "--log-level=info",
	}, env, logs)
	if err != nil {
		return cs, "", err
	}
	cs = append(cs, source)
	kustomize, err := startComponentEnv("kustomize-controller", filepath.Join(o.fluxBin, "kustomize-controller"), []string{
		"--metrics-addr=" + addr(p[3]), "--health-addr=" + addr(p[4]), "--events-addr=", "--log-level=info",
		// A Kustomization waiting on the one it dependsOn looks again after this long (Flux's default: 30s).
		// Kratix's layout makes every resources Kustomization depend on the dependencies one, and each new
		// revision of the store sets both off at once: the resources one often looks first and waits.
		"--requeue-dependency=1s",
	}, env, logs)
	if err != nil {
		return cs, "", err
	}
	cs = append(cs, kustomize)
	deadline := time.Now().Add(o.timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for _, c := range []struct {
		comp *component
		port int
	}{{source, p[2]}, {kustomize, p[4]}} {
		url := fmt.Sprintf("http://%s/readyz", addr(c.port))
		if err := waitForComponent(c.comp, stop, deadline, c.comp.name+" /readyz", func() bool {
			return get(client, url) == http.StatusOK
		}); err != nil {
			return cs, "", err
		}
	}
	return cs, storage, nil
}

// waitForComponent polls cond every 100 ms until it holds, the component exits, stop closes or the deadline
// passes.
func waitForComponent(c *component, stop <-chan struct{}, deadline time.Time, what string, cond func() bool) error {
	for !cond() {
		select {
		case <-c.done:
			return fmt.Errorf("%s exited while waiting for %s: %v\n%s", c.name, what, c.err, c.logTail(15))
		case <-stop:
			return errStopped
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s\n%s", what, c.logTail(15))
		}
	}
	return nil
}

// freePortList asks the kernel for n distinct unused loopback ports.
func freePortList(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// keptPorts reads n ports from file, written by an earlier run; nil when there are none.
func keptPorts(file string, n int) []int {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	if len(out) != n {
		return nil
	}
	return out
}
