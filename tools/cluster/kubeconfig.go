package main

import (
	"encoding/base64"
	"fmt"
	"os"
)

// writeKubeconfig writes a kubeconfig for server with the CA and the identity's client certificate
// embedded as data, so the file can be copied anywhere and still works.
func writeKubeconfig(file, clusterName, server string, p pki, identity string) error {
	read := func(f string) (string, error) {
		b, err := os.ReadFile(f)
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read(p.caCert())
	if err != nil {
		return err
	}
	crt, err := read(p.clientCert(identity))
	if err != nil {
		return err
	}
	key, err := read(p.clientKey(identity))
	if err != nil {
		return err
	}
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s-%[4]s
  user:
    client-certificate-data: %[5]s
    client-key-data: %[6]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s-%[4]s
    namespace: default
current-context: %[1]s
`, clusterName, server, ca, identity, crt, key)
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
