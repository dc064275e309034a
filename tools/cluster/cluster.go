package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

var errStopped = errors.New("stopped before the cluster was ready")

// cluster is a running control plane.
type cluster struct {
	components []*component
	kubeconfig string
	server     string
	etcd       string          // etcd's client URL, for tests that compact or inspect storage
	died       chan *component // receives the first component that exits on its own
	// restartAPIServer stops kube-apiserver and starts it again with the same flags on the same port, as an
	// upgrade or a crash would, and waits for its /readyz (SIGUSR1 to pave-cluster up).
	restartAPIServer func() error
}

func (c *cluster) stop() { stopAll(c.components, 10*time.Second) }

type ports struct{ etcdClient, etcdPeer, apiserver, kcm, scheduler int }

// controllers run by kube-controller-manager: all but those that need a cloud, volumes or pod CIDRs.
const controllers = "*,-nodeipam,-persistentvolume-binder,-attachdetach,-persistentvolume-expander," +
	"-cloud-node-lifecycle,-ttl,-service-lb-controller,-route"

func startCluster(o options, stop <-chan struct{}) (*cluster, error) {
	p := pki{dir: filepath.Join(o.dir, "pki")}
	if err := p.ensure(); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	logs := filepath.Join(o.dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	pt, err := freePorts()
	if err != nil {
		return nil, err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", pt.apiserver)
	kubeconfig := filepath.Join(o.dir, "admin.kubeconfig")
	schedConfig := filepath.Join(o.dir, "scheduler.kubeconfig")
	if err := writeKubeconfig(kubeconfig, o.name, server, p, "admin"); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(schedConfig, o.name, server, p, "scheduler"); err != nil {
		return nil, err
	}

	cl := &cluster{kubeconfig: kubeconfig, server: server, died: make(chan *component, 8),
		etcd: fmt.Sprintf("http://127.0.0.1:%d", pt.etcdClient)}
	start := func(name string, args []string) error {
		c, err := startComponent(name, filepath.Join(o.bin, name), args, logs)
		if err != nil {
			return err
		}
		cl.components = append(cl.components, c)
		go func() {
			<-c.done
			if !c.replaced.Load() {
				cl.died <- c
			}
		}()
		return nil
	}
	ok := false
	defer func() {
		if !ok {
			cl.stop()
		}
	}()

	if err := start("etcd", etcdArgs(o.dir, pt)); err != nil {
		return nil, err
	}
	etcdServers := cl.etcd
	if o.etcdProxy {
		proxy, err := startSlowProxy(fmt.Sprintf("127.0.0.1:%d", pt.etcdClient), filepath.Join(o.dir, "etcd-latency-ms"))
		if err != nil {
			return nil, err
		}
		etcdServers = proxy.url()
	}
	client, err := adminClient(p)
	if err != nil {
		return nil, err
	}
	// Starts kube-apiserver and waits for its /readyz: at first, and again for each restart.
	startAPIServer := func(deadline time.Time) error {
		if err := start("kube-apiserver", append(apiserverArgs(p, pt, etcdServers), o.apiserverArgs...)); err != nil {
			return err
		}
		return waitFor(cl, stop, deadline, "kube-apiserver /readyz", func() bool {
			return get(client, server+"/readyz") == http.StatusOK
		})
	}
	cl.restartAPIServer = func() error {
		for i, c := range cl.components {
			if c.name != "kube-apiserver" {
				continue
			}
			c.replaced.Store(true)
			c.stop(10 * time.Second)
			cl.components = append(cl.components[:i], cl.components[i+1:]...)
			break
		}
		return startAPIServer(time.Now().Add(o.timeout))
	}
	deadline := time.Now().Add(o.timeout)
	if err := startAPIServer(deadline); err != nil {
		return nil, err
	}
	if err := start("kube-controller-manager", kcmArgs(p, pt, kubeconfig)); err != nil {
		return nil, err
	}
	if err := start("kube-scheduler", schedulerArgs(pt, schedConfig)); err != nil {
		return nil, err
	}
	// The default ServiceAccount appears once the controller-manager's informers and controllers run.
	if err := waitFor(cl, stop, deadline, "ServiceAccount default/default", func() bool {
		return get(client, server+"/api/v1/namespaces/default/serviceaccounts/default") == http.StatusOK
	}); err != nil {
		return nil, err
	}
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the scheduler's self-signed health port
	if err := waitFor(cl, stop, deadline, "kube-scheduler /healthz", func() bool {
		return get(insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", pt.scheduler)) == http.StatusOK
	}); err != nil {
		return nil, err
	}
	env := fmt.Sprintf("KUBECONFIG=%s\nPAVE_CLUSTER_SERVER=%s\nPAVE_CLUSTER_ETCD=%s\n", kubeconfig, server, cl.etcd)
	if err := os.WriteFile(filepath.Join(o.dir, "cluster.env"), []byte(env), 0o644); err != nil {
		return nil, err
	}
	ok = true
	return cl, nil
}

// waitFor polls cond every 100 ms until it holds, a component dies, stop closes, or the deadline passes.
func waitFor(cl *cluster, stop <-chan struct{}, deadline time.Time, what string, cond func() bool) error {
	for {
		if cond() {
			return nil
		}
		select {
		case c := <-cl.died:
			return fmt.Errorf("%s exited while waiting for %s: %v\n%s", c.name, what, c.err, c.logTail(15))
		case <-stop:
			return errStopped
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
	}
}

func etcdArgs(dir string, pt ports) []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", pt.etcdClient)
	peer := fmt.Sprintf("http://127.0.0.1:%d", pt.etcdPeer)
	return []string{
		"--name=default", "--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=default=" + peer,
		"--unsafe-no-fsync=true", "--watch-progress-notify-interval=5s",
		"--quota-backend-bytes=4294967296", "--log-level=warn",
	}
}

func apiserverArgs(p pki, pt ports, etcdServers string) []string {
	return []string{
		"--etcd-servers=" + etcdServers,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(pt.apiserver),
		"--tls-cert-file=" + p.servingCert(), "--tls-private-key-file=" + p.servingKey(),
		"--client-ca-file=" + p.caCert(),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub(),
		"--service-account-signing-key-file=" + p.saKey(),
		// API Priority and Fairness stays on, as on every real cluster: Pave's default client-side rate
		// limit depends on it (none when the server protects itself).
		"--profiling=false",
	}
}

func kcmArgs(p pki, pt ports, kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(pt.kcm),
		"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
		"--root-ca-file=" + p.caCert(),
		"--service-account-private-key-file=" + p.saKey(),
		"--cluster-signing-cert-file=" + p.caCert(), "--cluster-signing-key-file=" + p.caKey(),
		"--controllers=" + controllers,
		"--profiling=false",
	}
}

func schedulerArgs(pt ports, kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig, "--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(pt.scheduler),
		"--profiling=false",
	}
}

// freePorts asks the kernel for five distinct unused loopback ports. A clash with another process
// afterwards makes a component exit, and run() retries.
func freePorts() (ports, error) {
	n, err := freePortList(5)
	if err != nil {
		return ports{}, err
	}
	return ports{etcdClient: n[0], etcdPeer: n[1], apiserver: n[2], kcm: n[3], scheduler: n[4]}, nil
}

func adminClient(p pki) (*http.Client, error) {
	caPEM, err := os.ReadFile(p.caCert())
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(p.clientCert("admin"), p.clientKey("admin"))
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}, nil
}

func get(c *http.Client, url string) int {
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	return resp.StatusCode
}
