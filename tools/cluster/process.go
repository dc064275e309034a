package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// component is one control-plane child process with its log file.
type component struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done
	// replaced: stopped on purpose to be started again (restartAPIServer), so its exit is no death.
	replaced atomic.Bool
}

// startComponent runs binary with args, its output going to logDir/name.log. The child gets its own
// process group and SIGKILL when the launcher dies, so no component outlives the launcher.
func startComponent(name, binary string, args []string, logDir string) (*component, error) {
	return startComponentEnv(name, binary, args, nil, logDir)
}

// startComponentEnv is startComponent with the child's environment (nil: the launcher's).
func startComponentEnv(name, binary string, args, env []string, logDir string) (*component, error) {
	logFile := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "---- %s start: %s %s\n", time.Now().Format(time.RFC3339), binary, strings.Join(args, " "))
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *component) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the component's process group and SIGKILL after grace.
func (c *component) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.done
	}
}

// logTail returns the last lines of the component's log, for error messages.
func (c *component) logTail(lines int) string {
	data, err := os.ReadFile(c.log)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// stopAll stops components in reverse start order, each given grace to exit cleanly.
func stopAll(cs []*component, grace time.Duration) {
	var wg sync.WaitGroup
	// Clients first (scheduler, controller-manager), then the API server, then etcd.
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].name == "etcd" || cs[i].name == "kube-apiserver" {
			continue
		}
		wg.Add(1)
		go func(c *component) { defer wg.Done(); c.stop(grace) }(cs[i])
	}
	wg.Wait()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].stop(grace)
	}
}

// startPiped is startComponent with standard output on a pipe, and standard input on a pipe that closes
// when this process dies, so children that watch their input (pave-cluster) stop with it.
func startPiped(name string, argv []string, logDir string) (*component, io.Reader, error) {
	logFile := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(f, "---- %s start: %s\n", time.Now().Format(time.RFC3339), strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = f
	// A pipe of our own: cmd.StdoutPipe's would be closed by Wait while the reader may still be reading.
	stdout, w, err := os.Pipe()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	cmd.Stdout = w
	if _, err := cmd.StdinPipe(); err != nil {
		f.Close()
		return nil, nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	err = cmd.Start()
	w.Close()
	if err != nil {
		f.Close()
		stdout.Close()
		return nil, nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, stdout, nil
}

// keptSecret returns the random secret stored in file, making it on first use.
func keptSecret(file string) (string, error) {
	if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := hex.EncodeToString(b)
	return s, os.WriteFile(file, []byte(s+"\n"), 0o600)
}

// wordValue returns the value of key=value in a READY line.
func wordValue(line, key string) string {
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, key+"=") {
			return w[len(key)+1:]
		}
	}
	return ""
}

// runningPlatform returns the pid in pidFile if that process is a live `pave-cluster platform`, else 0.
func runningPlatform(pidFile string) int {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid == os.Getpid() {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "platform\x00") {
		return 0
	}
	return pid
}

func (p *localPlatform) kubectl(kubeconfig, input string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(p.o.k8sBin, "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	if input != "" {
		cmd.Stdin = strings.NewReader(input)
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitKubectl runs kubectl every half second until it prints want.
func (p *localPlatform) waitKubectl(kubeconfig string, timeout time.Duration, what, want string, args ...string) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		out, _ := p.kubectl(kubeconfig, "", args...)
		if out == want {
			return nil
		}
		last = out
		select {
		case <-p.stop:
			return errStopped
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s (last: %q); logs are in %s", timeout, what, last, p.logs())
		}
	}
}
