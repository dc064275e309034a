package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
