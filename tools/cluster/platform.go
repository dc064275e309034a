package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// platformOptions are the flags of `pave-cluster platform`.
type platformOptions struct {
	home, k8sBin, fluxBin, pave, podRunner, crds, examples string
	node                                                   string // the pod runner's Node
	fluxInterval                                           string // how often Flux polls the store
	ignoreStdin                                            bool
}

// localPlatform is everything `pave-cluster platform` runs, in start order.
type localPlatform struct {
	o          platformOptions
	start      time.Time
	components []*component
	mu         sync.Mutex
	kubeconfig map[string]string // cluster name -> admin kubeconfig
	gitURL     string
	stop       <-chan struct{}
}

var destinations = []struct{ name, environment, region string }{
	{"worker-1", "dev", "eu"},
	{"worker-2", "prod", "us"},
}

// runPlatform starts Pave's local platform on loopback and keeps it running until SIGTERM or SIGINT:
//
//	pave-cluster platform --home DIR --k8s-bin DIR --flux-bin DIR --pave FILE --pod-runner FILE --crds DIR --examples DIR
//
// A platform cluster with Pave's CRDs, a pod runner (Node platform-node) and `pave controller`; two
// destination clusters, worker-1 (environment=dev) and worker-2 (environment=prod), each with Flux
// bootstrapped by `pave destination bootstrap`; a Git server holding the state store. It installs the
// example Promise and request, waits until the request's objects are on their destination cluster, prints
// what went where (also kept in DIR/report.txt) and a last line "READY". Everything is kept in DIR, so a
// second start reuses the clusters' data and is ready in seconds. Every process it starts stops with it,
// and the pod runner's containers are removed.
func runPlatform(args []string) int {
	var o platformOptions
	fs := flag.NewFlagSet("platform", flag.ExitOnError)
	fs.StringVar(&o.home, "home", "", "state directory")
	fs.StringVar(&o.k8sBin, "k8s-bin", "", "directory holding the control plane's binaries and kubectl")
	fs.StringVar(&o.fluxBin, "flux-bin", "", "directory holding Flux's controllers and CRDs")
	fs.StringVar(&o.pave, "pave", "", "the pave binary")
	fs.StringVar(&o.podRunner, "pod-runner", "", "the pave-pod-runner binary")
	fs.StringVar(&o.crds, "crds", "", "Pave's CRDs (deploy/crds)")
	fs.StringVar(&o.examples, "examples", "", "the example Promise and request (examples/app)")
	fs.StringVar(&o.node, "node", "platform-node", "the pod runner's Node (its containers are labelled with it)")
	fs.StringVar(&o.fluxInterval, "flux-interval", "5s", "how often Flux on the workers polls the state store")
	fs.BoolVar(&o.ignoreStdin, "ignore-stdin", true, "keep running when standard input closes")
	_ = fs.Parse(args)
	for _, v := range []string{o.home, o.k8sBin, o.fluxBin, o.pave, o.podRunner, o.crds, o.examples} {
		if v == "" {
			fmt.Fprintln(os.Stderr, "pave-cluster platform: --home, --k8s-bin, --flux-bin, --pave, --pod-runner, --crds and --examples are required")
			return 2
		}
	}
	p := &localPlatform{o: o, start: time.Now(), kubeconfig: map[string]string{}, stop: stopSignal(o.ignoreStdin)}
	if err := os.MkdirAll(p.logs(), 0o755); err != nil {
		return fail(err)
	}
	pidFile := filepath.Join(o.home, "platform.pid")
	if pid := runningPlatform(pidFile); pid != 0 {
		fmt.Fprintf(os.Stderr, "pave-cluster platform: already running in %s (pid %d)\n", o.home, pid)
		return 1
	}
	_ = os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	_ = os.Remove(filepath.Join(o.home, "report.txt"))
	defer os.Remove(pidFile)
	defer p.shutdown()
	p.removeContainers() // a platform killed outright leaves its pods' containers behind
	go p.killOnSecondSignal()

	if err := p.up(); err != nil {
		if err == errStopped {
			return 0
		}
		fmt.Fprintf(os.Stderr, "pave-cluster platform: %v\n", err)
		return 1
	}
	report, err := p.report()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pave-cluster platform: %v\n", err)
		return 1
	}
	_ = os.WriteFile(filepath.Join(o.home, "report.txt"), []byte(report), 0o644)
	fmt.Print(report)
	fmt.Println("READY")
	return p.wait()
}

func (p *localPlatform) logs() string { return filepath.Join(p.o.home, "logs") }

// progress prints one step with the time since start.
func (p *localPlatform) progress(format string, args ...any) {
	fmt.Printf("[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}

func (p *localPlatform) up() error {
	steps := []struct {
		what string
		run  func() error
	}{
		{"starting the platform cluster, destination clusters worker-1 and worker-2, and the Git server", p.startBase},
		{"starting Flux on worker-1 and worker-2", func() error {
			return p.parallel(func(i int) error { return p.startFlux(destinations[i].name) }, len(destinations))
		}},
		{"starting the pod runner (Node " + p.o.node + ") and pave controller on the platform cluster", p.startPave},
		{"registering Destinations worker-1 (environment=dev) and worker-2 (environment=prod); bootstrapping Flux", p.registerDestinations},
		{"installing the example Promise (examples/app) and the request default/shop", p.installExample},
	}
	for _, s := range steps {
		select {
		case <-p.stop:
			return errStopped
		default:
		}
		p.progress("%s", s.what)
		if err := s.run(); err != nil {
			return err
		}
	}
	return nil
}

// startBase starts the three clusters and the Git server at once.
func (p *localPlatform) startBase() error {
	fs := []func() error{p.startGit}
	for _, name := range []string{"platform", "worker-1", "worker-2"} {
		fs = append(fs, func() error { return p.startCluster(name) })
	}
	return p.parallel(func(i int) error { return fs[i]() }, len(fs))
}

// parallel runs f(0..n-1) at once and returns the first error.
func (p *localPlatform) parallel(f func(int) error, n int) error {
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) { errs <- f(i) }(i)
	}
	var first error
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// launch starts a child that prints a READY line, returning that line. Its output goes to logs/NAME.log.
func (p *localPlatform) launch(name string, argv []string, timeout time.Duration) (string, error) {
	c, stdout, err := startPiped(name, argv, p.logs())
	if err != nil {
		return "", err
	}
	lines := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if line := scanner.Text(); strings.HasPrefix(line, "READY") {
				lines <- line
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	// Only a component that came up is kept: one that failed is stopped here, so it neither counts as a
	// death once the platform runs nor outlives a retry.
	var failure error
	select {
	case line := <-lines:
		p.mu.Lock()
		p.components = append(p.components, c)
		p.mu.Unlock()
		return line, nil
	case <-c.done:
		failure = fmt.Errorf("%s exited: %v\n%s", name, c.err, c.logTail(20))
	case <-p.stop:
		failure = errStopped
	case <-time.After(timeout):
		failure = fmt.Errorf("%s not ready after %s\n%s", name, timeout, c.logTail(20))
	}
	c.stop(30 * time.Second)
	return "", failure
}

func (p *localPlatform) startCluster(name string) error {
	self, _ := os.Executable()
	line, err := p.launch("cluster-"+name, []string{self, "up", "--dir", filepath.Join(p.o.home, name), "--bin", p.o.k8sBin,
		"--name", name}, 3*time.Minute)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.kubeconfig[name] = wordValue(line, "kubeconfig")
	p.mu.Unlock()
	return nil
}

func (p *localPlatform) startFlux(name string) error {
	self, _ := os.Executable()
	_, err := p.launch("flux-"+name, []string{self, "flux", "--kubeconfig", p.kubeconfig[name], "--flux-bin", p.o.fluxBin,
		"--kubectl", filepath.Join(p.o.k8sBin, "kubectl"), "--dir", filepath.Join(p.o.home, "flux-"+name)}, 3*time.Minute)
	return err
}

// startGit serves the state store on the port it had before, so the URL the platform cluster keeps in its
// GitStateStore and the destinations in their GitRepositories stays right (a new one if it is taken).
func (p *localPlatform) startGit() error {
	dir := filepath.Join(p.o.home, "git")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	passwordFile := filepath.Join(dir, "password")
	if _, err := keptSecret(passwordFile); err != nil {
		return err
	}
	self, _ := os.Executable()
	portFile := filepath.Join(dir, "port")
	argv := []string{self, "git", "--dir", dir, "--user", "pave", "--password-file", passwordFile, "--repo", "state"}
	port, _ := os.ReadFile(portFile)
	var line string
	var err error
	if kept := strings.TrimSpace(string(port)); kept != "" {
		line, err = p.launch("git", append(argv, "--port", kept), 30*time.Second)
	}
	if line == "" {
		line, err = p.launch("git", argv, 30*time.Second)
	}
	if err != nil {
		return err
	}
	p.gitURL = wordValue(line, "url")
	if i := strings.LastIndex(p.gitURL, ":"); i > 0 {
		chosen := strings.SplitN(p.gitURL[i+1:], "/", 2)[0]
		_ = os.WriteFile(portFile, []byte(chosen+"\n"), 0o644)
	}
	return nil
}

func (p *localPlatform) startPave() error {
	k := p.kubeconfig["platform"]
	if out, err := p.kubectl(k, "", "apply", "--server-side", "--force-conflicts", "-f", p.o.crds); err != nil {
		return fmt.Errorf("applying Pave's CRDs: %v\n%s", err, out)
	}
	_, _ = p.kubectl(k, "apiVersion: v1\nkind: Namespace\nmetadata: {name: kratix-platform-system}\n", "apply", "-f", "-")
	if _, err := p.launch("pod-runner", []string{p.o.podRunner, "run", "--kubeconfig", k, "--node", p.o.node,
		"--state-dir", filepath.Join(p.o.home, "pod-runner")}, time.Minute); err != nil {
		return err
	}
	ports, err := freePortList(2)
	if err != nil {
		return err
	}
	c, err := startComponent("pave", p.o.pave, []string{"controller", "--kubeconfig", k, "--cache-dir",
		filepath.Join(p.o.home, "pave-cache"), "--health-port", strconv.Itoa(ports[0]), "--webhook-port", strconv.Itoa(ports[1]),
		"--webhook-address", "127.0.0.1"}, p.logs())
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.components = append(p.components, c)
	p.mu.Unlock()
	client := &http.Client{Timeout: 2 * time.Second}
	return waitForComponent(c, p.stop, time.Now().Add(time.Minute), "pave controller /readyz", func() bool {
		return get(client, fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[0])) == http.StatusOK
	})
}

func (p *localPlatform) registerDestinations() error {
	k := p.kubeconfig["platform"]
	password, err := keptSecret(filepath.Join(p.o.home, "git", "password"))
	if err != nil {
		return err
	}
	objects := fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata: {name: local-git, namespace: kratix-platform-system}
stringData: {username: pave, password: %q}
---
apiVersion: platform.kratix.io/v1alpha1
kind: GitStateStore
metadata: {name: local-git}
spec: {url: %q, branch: main, secretRef: {name: local-git, namespace: kratix-platform-system}}
`, password, p.gitURL)
	for _, d := range destinations {
		objects += fmt.Sprintf(`---
apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: {name: %s, labels: {environment: %s, region: %s}}
spec: {path: %s, stateStoreRef: {kind: GitStateStore, name: local-git}}
`, d.name, d.environment, d.region, d.name)
	}
	if out, err := p.kubectl(k, objects, "apply", "-f", "-"); err != nil {
		return fmt.Errorf("registering the Destinations: %v\n%s", err, out)
	}
	for _, d := range destinations {
		if err := p.waitKubectl(k, time.Minute, "Destination "+d.name+" Ready", "True", "get", "destination", d.name,
			"-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`); err != nil {
			return err
		}
	}
	return p.parallel(func(i int) error {
		name := destinations[i].name
		out, err := exec.Command(p.o.pave, "destination", "bootstrap", name, "--platform-kubeconfig", k,
			"--kubeconfig", p.kubeconfig[name], "--interval", p.o.fluxInterval).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pave destination bootstrap %s: %v\n%s", name, err, out)
		}
		return nil
	}, len(destinations))
}

func (p *localPlatform) installExample() error {
	k := p.kubeconfig["platform"]
	if out, err := p.kubectl(k, "", "apply", "-f", filepath.Join(p.o.examples, "promise.yaml")); err != nil {
		return fmt.Errorf("applying the example Promise: %v\n%s", err, out)
	}
	if err := p.waitKubectl(k, 2*time.Minute, "Promise app Available", "Available", "get", "promise", "app",
		"-o", "jsonpath={.status.status}"); err != nil {
		return err
	}
	if out, err := p.kubectl(k, "", "apply", "-f", filepath.Join(p.o.examples, "request.yaml")); err != nil {
		return fmt.Errorf("applying the example request: %v\n%s", err, out)
	}
	p.progress("waiting for the request's pipeline, its Work and Flux on worker-1")
	if err := p.waitKubectl(p.kubeconfig["worker-1"], 3*time.Minute, "ConfigMap app-shop/app on worker-1", "payments",
		"get", "configmap", "app", "-n", "app-shop", "-o", "jsonpath={.data.team}"); err != nil {
		return err
	}
	return p.waitFluxInStep()
}

// waitFluxInStep waits until every Kustomization on both workers has applied the store's newest commit, so
// the report shows each cluster as the store has it (not a cluster that has yet to catch up).
func (p *localPlatform) waitFluxInStep() error {
	repo := filepath.Join(p.o.home, "git", "repos", "state.git")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		head, _ := exec.Command("git", "-C", repo, "rev-parse", "main").Output()
		want := "main@sha1:" + strings.TrimSpace(string(head))
		behind := ""
		for _, d := range destinations {
			for _, which := range []string{"dependencies", "resources"} {
				got, _ := p.kubectl(p.kubeconfig[d.name], "", "get", "kustomization", "kratix-"+d.name+"-"+which, "-n",
					"flux-system", "-o", "jsonpath={.status.lastAppliedRevision}")
				if got != want {
					behind = fmt.Sprintf("%s's %s Kustomization at %q, the store at %q", d.name, which, got, want)
				}
			}
		}
		if behind == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for Flux: %s; logs are in %s", behind, p.logs())
		}
		select {
		case <-p.stop:
			return errStopped
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// wait keeps the platform up until asked to stop or until a component exits.
func (p *localPlatform) wait() int {
	died := make(chan *component, len(p.components))
	for _, c := range p.components {
		go func(c *component) { <-c.done; died <- c }(c)
	}
	select {
	case <-p.stop:
		return 0
	case c := <-died:
		fmt.Fprintf(os.Stderr, "pave-cluster platform: %s exited: %v\n%s\n", c.name, c.err, c.logTail(20))
		return 1
	}
}

// shutdown stops every component, those that use others first: Pave and the pod runner, then Flux, then
// the clusters and the Git server, each group at once. Then it removes the pod runner's containers.
func (p *localPlatform) shutdown() {
	p.mu.Lock()
	cs := p.components
	p.mu.Unlock()
	if len(cs) > 0 {
		fmt.Println("stopping the local platform")
	}
	for _, group := range []func(string) bool{
		func(n string) bool { return n == "pave" || n == "pod-runner" },
		func(n string) bool { return strings.HasPrefix(n, "flux-") },
		func(string) bool { return true },
	} {
		var wg sync.WaitGroup
		for _, c := range cs {
			if !c.exited() && group(c.name) {
				wg.Add(1)
				go func(c *component) { defer wg.Done(); c.stop(30 * time.Second) }(c)
			}
		}
		wg.Wait()
	}
	p.removeContainers()
}

// removeContainers removes every container of the pod runner's Node.
func (p *localPlatform) removeContainers() {
	ids, err := exec.Command("podman", "ps", "-a", "-q", "--filter", "label=io.pave.node="+p.o.node).Output()
	if err == nil && len(strings.TrimSpace(string(ids))) > 0 {
		_ = exec.Command("podman", append([]string{"rm", "-f", "-t", "0"}, strings.Fields(string(ids))...)...).Run()
	}
}

// killOnSecondSignal: a second Ctrl-C (or SIGTERM) during a slow stop kills every component outright
// (their own children die with them) and exits.
func (p *localPlatform) killOnSecondSignal() {
	<-p.stop
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	p.mu.Lock()
	for _, c := range p.components {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	}
	p.mu.Unlock()
	fmt.Fprintln(os.Stderr, "pave-cluster platform: killed")
	os.Exit(130)
}
