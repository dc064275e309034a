package main

import (
	"crypto/subtle"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// runGit serves bare repositories over Git's smart HTTP protocol with Debian's git-http-backend, behind
// HTTP basic authentication, for the local platform's state store:
//
//	pave-cluster git --dir DIR --user USER --password-file FILE [--repo NAME] [--port N] [--ignore-stdin]
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
	passwordFile := fs.String("password-file", "", "file holding the password clients authenticate with (kept out of argv)")
	repo := fs.String("repo", "state", "a repository to create (NAME.git) if missing")
	port := fs.Int("port", 0, "loopback port (0: a free one)")
	backend := fs.String("backend", "/usr/lib/git-core/git-http-backend", "git-http-backend")
	ignoreStdin := fs.Bool("ignore-stdin", false, "keep running when standard input closes")
	_ = fs.Parse(args)
	if *dir == "" || *user == "" || *passwordFile == "" {
		fmt.Fprintln(os.Stderr, "pave-cluster git: --dir, --user and --password-file are required")
		return 2
	}
	data, err := os.ReadFile(*passwordFile)
	if err != nil {
		return fail(err)
	}
	password := strings.TrimSpace(string(data))
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
	server := &http.Server{Handler: basicAuth(*user, password, unchunked(filepath.Join(*dir, "tmp"), handler))}
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
		// The CGI host would hand the credentials to git-http-backend's environment (HTTP_AUTHORIZATION).
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

// unchunked gives next every request body with a length: Go's CGI host refuses chunked bodies (400), and
// libgit2 sends pushes chunked. The body is spooled to a file under dir first.
func unchunked(dir string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength >= 0 {
			next.ServeHTTP(w, r)
			return
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		f, err := os.CreateTemp(dir, "body-")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer os.Remove(f.Name())
		defer f.Close()
		n, err := io.Copy(f, r.Body)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body, r.ContentLength, r.TransferEncoding = f, n, nil
		next.ServeHTTP(w, r)
	})
}
