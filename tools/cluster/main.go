// Command pave-cluster starts one real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC on),
// kube-controller-manager and kube-scheduler, built from upstream modules by tools/k8s/build.sh.
//
//	pave-cluster up --dir DIR --bin BINDIR [--name NAME] [--ephemeral] [--ignore-stdin] [--etcd-proxy] [--apiserver-arg=FLAG ...]
//
// It generates the cluster's PKI under DIR (kept across restarts), picks free loopback ports, waits for the
// API server's /readyz and for the controller-manager to create the default ServiceAccount, writes
// DIR/admin.kubeconfig, and prints one line:
//
//	READY name=NAME kubeconfig=DIR/admin.kubeconfig server=https://127.0.0.1:PORT etcd=http://127.0.0.1:PORT
//
// It stops every component on SIGTERM or SIGINT, or when its standard input closes (unless --ignore-stdin),
// so a test harness only has to close a pipe. SIGUSR1 restarts kube-apiserver in place (same port, flags
// and data), for tests of what clients do when their API server goes away and comes back. Several clusters run side by side in distinct directories.
//
// Two more verbs start what a destination cluster and its state store need beside a control plane, with the
// same READY line and stop rules: `flux` (Flux's controllers for one cluster, flux.go) and `git` (a smart
// HTTP Git server, git.go); `platform` (platform.go) starts Pave's whole local platform from them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return fmt.Sprint(*r) }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

type options struct {
	apiserverArgs repeated
	etcdProxy     bool
	dir           string
	bin           string
	name          string
	ephemeral     bool
	ignoreStdin   bool
	timeout       time.Duration
}

const usage = `usage:
  pave-cluster up --dir DIR --bin BINDIR [--name NAME] [--ephemeral] [--ignore-stdin] [--etcd-proxy]
  pave-cluster flux --kubeconfig FILE --flux-bin DIR --kubectl FILE --dir DIR [--ignore-stdin]
  pave-cluster git --dir DIR --user USER --password-file FILE [--repo NAME] [--ignore-stdin]
  pave-cluster platform --home DIR --k8s-bin DIR --flux-bin DIR --pave FILE --pod-runner FILE --crds DIR --examples DIR`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "up":
	case "flux":
		os.Exit(runFlux(os.Args[2:]))
	case "git":
		os.Exit(runGit(os.Args[2:]))
	case "platform":
		os.Exit(runPlatform(os.Args[2:]))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var o options
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	fs.StringVar(&o.dir, "dir", "", "cluster state directory (PKI, etcd data, logs, kubeconfig)")
	fs.StringVar(&o.bin, "bin", os.Getenv("PAVE_K8S_BIN"), "directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler")
	fs.StringVar(&o.name, "name", "pave", "cluster name used in the kubeconfig")
	fs.BoolVar(&o.ephemeral, "ephemeral", false, "remove DIR when stopping")
	fs.BoolVar(&o.ignoreStdin, "ignore-stdin", false, "keep running when standard input closes")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "how long to wait for the cluster to become ready")
	fs.BoolVar(&o.etcdProxy, "etcd-proxy", false, "put a proxy between kube-apiserver and etcd that holds every chunk for the milliseconds in DIR/etcd-latency-ms (a slow etcd, switchable while it runs)")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "extra kube-apiserver flag, e.g. --apiserver-arg=--watch-cache=false (repeatable)")
	_ = fs.Parse(os.Args[2:])
	if o.dir == "" || o.bin == "" {
		fmt.Fprintln(os.Stderr, "pave-cluster: --dir and --bin (or PAVE_K8S_BIN) are required")
		os.Exit(2)
	}
	os.Exit(run(o))
}

func run(o options) int {
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return fail(err)
	}
	o.dir = dir
	stop := stopSignal(o.ignoreStdin)
	// Before READY: a SIGUSR1 sent as soon as the cluster is up must not be lost (Go drops it unasked).
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGUSR1)

	var cl *cluster
	for attempt := 1; ; attempt++ {
		cl, err = startCluster(o, stop)
		if err == nil {
			break
		}
		if err == errStopped || attempt == 3 {
			cleanup(o)
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "pave-cluster: attempt %d failed, retrying with new ports: %v\n", attempt, err)
	}
	fmt.Printf("READY name=%s kubeconfig=%s server=%s etcd=%s\n", o.name, cl.kubeconfig, cl.server, cl.etcd)
	_ = os.Stdout.Sync()

	for running := true; running; {
		select {
		case <-stop:
			running = false
		case <-restart:
			if err := cl.restartAPIServer(); err != nil {
				fmt.Fprintf(os.Stderr, "pave-cluster: restarting kube-apiserver: %v\n", err)
				cl.stop()
				cleanup(o)
				return 1
			}
			fmt.Fprintln(os.Stderr, "pave-cluster: kube-apiserver restarted")
		case c := <-cl.died:
			fmt.Fprintf(os.Stderr, "pave-cluster: %s exited: %v\n%s\n", c.name, c.err, c.logTail(20))
			cl.stop()
			cleanup(o)
			return 1
		}
	}
	cl.stop()
	cleanup(o)
	return 0
}

// stopSignal is closed on SIGTERM, SIGINT, or (unless ignoreStdin) end of standard input.
func stopSignal(ignoreStdin bool) <-chan struct{} {
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	stdinClosed := make(chan struct{})
	if !ignoreStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	}
	go func() {
		select {
		case <-sigs:
		case <-stdinClosed:
		}
		close(stop)
	}()
	return stop
}

func cleanup(o options) {
	if o.ephemeral {
		_ = os.RemoveAll(o.dir)
	}
}

func fail(err error) int {
	fmt.Fprintf(os.Stderr, "pave-cluster: %v\n", err)
	return 1
}
