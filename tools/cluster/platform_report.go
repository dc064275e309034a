package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// report says where the example request went: the pipeline's pod and Node, the Destination, the files in
// the state store, the objects Flux applied on each destination cluster, and the commands to look.
func (p *localPlatform) report() (string, error) {
	k := p.kubeconfig["platform"]
	var b strings.Builder
	fmt.Fprintf(&b, "\nPave's local platform is up (%.0f s). The example request default/shop (App, examples/app):\n\n",
		time.Since(p.start).Seconds())

	jobs, _ := p.kubectl(k, "", "get", "jobs", "-n", "default", "-l", "kratix.io/promise-name=app,kratix.io/resource-name=shop",
		"-o", `jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.kratix\.io/pipeline-name} {.status.startTime} {.status.completionTime}{"\n"}{end}`)
	pods, _ := p.kubectl(k, "", "get", "pods", "-n", "default", "-l", "kratix.io/promise-name=app,kratix.io/resource-name=shop",
		"-o", `jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase}{"\n"}{end}`)
	fmt.Fprintln(&b, "  pipeline   (Jobs in namespace default, run by the pod runner)")
	for _, line := range lines(jobs) {
		f := strings.Fields(line)
		took := ""
		if len(f) == 4 {
			if start, err := time.Parse(time.RFC3339, f[2]); err == nil {
				if end, err := time.Parse(time.RFC3339, f[3]); err == nil {
					took = fmt.Sprintf(", %s", end.Sub(start))
				}
			}
		}
		fmt.Fprintf(&b, "             Job %s (pipeline %s%s)\n", f[0], at(f, 1), took)
	}
	for _, line := range lines(pods) {
		f := strings.Fields(line)
		fmt.Fprintf(&b, "             Pod %s on Node %s: %s\n", f[0], at(f, 1), at(f, 2))
	}

	status, _ := p.kubectl(k, "", "get", "app", "shop", "-n", "default", "-o",
		`jsonpath={.status.message} (Reconciled={.status.conditions[?(@.type=="Reconciled")].status}, promise version {.status.promiseVersion})`)
	fmt.Fprintf(&b, "  status     %s\n", status)
	placements, _ := p.kubectl(k, "", "get", "workplacements", "-n", "default", "-o",
		`jsonpath={range .items[?(@.spec.resourceName=="shop")]}{.metadata.name} {.spec.targetDestinationName} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	fmt.Fprintln(&b, "  placed on  (WorkPlacements: the Promise asks for any Destination, the pipeline for environment=dev)")
	for _, line := range lines(placements) {
		f := strings.Fields(line)
		fmt.Fprintf(&b, "             Destination %s (WorkPlacement %s, Ready=%s)\n", at(f, 1), f[0], at(f, 2))
	}

	repo := filepath.Join(p.o.home, "git", "repos", "state.git")
	commit, _ := exec.Command("git", "-C", repo, "log", "-1", "--format=%h %s", "main").Output()
	files, _ := exec.Command("git", "-C", repo, "ls-tree", "-r", "--name-only", "main").Output()
	fmt.Fprintf(&b, "  state store  %s, branch main, commit %s\n", p.gitURL, strings.TrimSpace(string(commit)))
	for _, f := range lines(string(files)) {
		fmt.Fprintf(&b, "             %s\n", f)
	}

	for _, d := range destinations {
		fmt.Fprintf(&b, "  on %s (environment=%s), applied by Flux:\n", d.name, d.environment)
		for _, which := range []string{"dependencies", "resources"} {
			inventory, _ := p.kubectl(p.kubeconfig[d.name], "", "get", "kustomization", "kratix-"+d.name+"-"+which, "-n",
				"flux-system", "-o", `jsonpath={range .status.inventory.entries[*]}{.id}{"\n"}{end}`)
			objects := inventoryObjects(inventory)
			if len(objects) == 0 {
				objects = []string{"(nothing)"}
			}
			fmt.Fprintf(&b, "             %-13s %s\n", which+":", strings.Join(objects, ", "))
		}
	}

	kubectl := filepath.Join(p.o.k8sBin, "kubectl")
	fmt.Fprintf(&b, `
Look for yourself:
  export PATH=%s:$PATH KUBECONFIG=%s
  kubectl get promises,apps,jobs,works,workplacements -A
  kubectl get destinations,gitstatestores
  kubectl --kubeconfig %s get namespaces,configmaps -n app-shop
  kubectl --kubeconfig %s get kustomizations,gitrepositories -n flux-system
  git clone %s   (user pave, password in %s)
Logs are in %s. Stop with Ctrl-C, or scripts/local-platform.sh stop.
`, filepath.Dir(kubectl), k, p.kubeconfig["worker-1"], p.kubeconfig["worker-1"], p.gitURL,
		filepath.Join(p.o.home, "git", "password"), p.logs())
	return b.String(), nil
}

// inventoryObjects turns Flux inventory ids (namespace_name_group_kind) into "Kind/name" or
// "Kind/namespace/name", sorted.
func inventoryObjects(inventory string) []string {
	var out []string
	for _, id := range lines(inventory) {
		f := strings.Split(id, "_")
		if len(f) != 4 {
			continue
		}
		name := f[3] + "/" + f[1]
		if f[0] != "" {
			name = f[3] + "/" + f[0] + "/" + f[1]
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

func at(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return "?"
}
