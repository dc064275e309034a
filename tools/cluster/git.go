package main

import (
	"crypto/subtle"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
)

// runGit serves bare repositories over Git's smart HTTP protocol with Debian's git-http-backend, behind
// HTTP basic authentication, for the local platform's state store:
//
//	pave-cluster git --dir DIR --user USER --password PASSWORD [--repo NAME] [--port N] [--ignore-stdin]
//
// Repositories live in DIR/repos; --repo creates NAME.git there (empty, pushes allowed) unless it exists.
// It prints
//
//	READY git url=http://127.0.0.1:PORT/NAME.git
//
// and stops on SIGTERM or SIGINT, or when standard input closes (unless --ignore-stdin).
func runGit(args []string) int {
	fs := flag.NewFlagSet("git", flag.ExitOnError)
	dir := fs.String("dir", "", "state directory; repositories live in DIR/repos")
	user := fs.String("user", "", "the user name clients authenticate with")
	password := fs.String("password", "", "the password clients authenticate with")
	repo := fs.String("repo", "state", "a repository to create (NAME.git) if missing")
	port := fs.Int("port", 0, "loopback port (0: a free one)")
	backend := fs.String("backend", "/usr/lib/git-core/git-http-backend", "git-http-backend")
	ignoreStdin := fs.Bool("ignore-stdin", false, "keep running when standard input closes")
	_ = fs.Parse(args)
	if *dir == "" || *user == "" || *password == "" {
		fmt.Fprintln(os.Stderr, "pave-cluster git: --dir, --user and --password are required")
		return 2
	}
	stop := stopSignal(*ignoreStdin)
	repos := filepath.Join(*dir, "repos")
	if err := ensureBareRepo(filepath.Join(repos, *repo+".git")); err != nil {
		return fail(err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return fail(err)
	}
	handler := &cgi.Handler{Path: *backend, Env: []string{"GIT_PROJECT_ROOT=" + repos, "GIT_HTTP_EXPORT_ALL=1"}}
	server := &http.Server{Handler: basicAuth(*user, *password, handler)}
	go func() { _ = server.Serve(l) }()
	fmt.Printf("READY git url=http://%s/%s.git\n", l.Addr(), *repo)
	_ = os.Stdout.Sync()
	<-stop
	_ = server.Close()
	return 0
}

// ensureBareRepo creates an empty bare repository that accepts pushes over HTTP, unless path exists.
func ensureBareRepo(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--bare", "--initial-branch=main", path},
		{"-C", path, "config", "http.receivepack", "true"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("git %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

// basicAuth lets through only requests with this user and password. git-http-backend sees REMOTE_USER,
// which it needs to accept pushes.
func basicAuth(user, password string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="pave"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
