package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// slowProxy forwards loopback connections to target, holding every chunk (up to 16 KiB, either way) for
// the number of milliseconds in latencyFile (absent or 0: none), which it reads again every 250 ms. Put
// between kube-apiserver and etcd (pave-cluster up --etcd-proxy), it is a slow etcd that a test can turn
// on and off while the cluster runs.
type slowProxy struct {
	ln      net.Listener
	target  string
	latency atomic.Int64 // milliseconds
}

func startSlowProxy(target, latencyFile string) (*slowProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &slowProxy{ln: ln, target: target}
	go p.watch(latencyFile)
	go p.accept()
	return p, nil
}

func (p *slowProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *slowProxy) watch(file string) {
	for {
		ms := int64(0)
		if b, err := os.ReadFile(file); err == nil {
			ms, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		}
		p.latency.Store(ms)
		time.Sleep(250 * time.Millisecond)
	}
}

func (p *slowProxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		upstream, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		go p.pipe(upstream, client)
		go p.pipe(client, upstream)
	}
}

func (p *slowProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if ms := p.latency.Load(); ms > 0 {
				time.Sleep(time.Duration(ms) * time.Millisecond)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
