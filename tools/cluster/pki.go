package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the file names of one cluster's certificates and keys, all under dir.
// A cluster keeps its PKI across restarts, so tokens and kubeconfigs issued earlier stay valid.
type pki struct {
	dir string
}

func (p pki) path(name string) string { return filepath.Join(p.dir, name) }

func (p pki) caCert() string             { return p.path("ca.crt") }
func (p pki) caKey() string              { return p.path("ca.key") }
func (p pki) servingCert() string        { return p.path("apiserver.crt") }
func (p pki) servingKey() string         { return p.path("apiserver.key") }
func (p pki) saKey() string              { return p.path("sa.key") }
func (p pki) saPub() string              { return p.path("sa.pub") }
func (p pki) clientCert(u string) string { return p.path(u + ".crt") }
func (p pki) clientKey(u string) string  { return p.path(u + ".key") }

// clientIdentity is a user the launcher issues a client certificate for.
type clientIdentity struct {
	file   string // base name of the .crt/.key pair
	user   string // certificate CN, the Kubernetes user name
	groups []string
}

var clientIdentities = []clientIdentity{
	{file: "admin", user: "pave-admin", groups: []string{"system:masters"}},
	{file: "scheduler", user: "system:kube-scheduler"},
}

// ensure creates every missing certificate and key. Existing files are kept.
func (p pki) ensure() error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return err
	}
	if fileExists(p.path(".complete")) {
		return nil
	}
	caKey, err := newKey()
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "pave-cluster-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writeCert(p.caCert(), caDER); err != nil {
		return err
	}
	if err := writeKey(p.caKey(), caKey); err != nil {
		return err
	}

	serving := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if err := p.issue(ca, caKey, serving, p.servingCert(), p.servingKey()); err != nil {
		return err
	}
	for _, id := range clientIdentities {
		tmpl := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: id.user, Organization: id.groups},
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := p.issue(ca, caKey, tmpl, p.clientCert(id.file), p.clientKey(id.file)); err != nil {
			return err
		}
	}

	saKey, err := newKey()
	if err != nil {
		return err
	}
	if err := writeKey(p.saKey(), saKey); err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := writePEM(p.saPub(), "PUBLIC KEY", pubDER, 0o644); err != nil {
		return err
	}
	return os.WriteFile(p.path(".complete"), nil, 0o600)
}

// issue signs tmpl with the CA and writes the certificate and a fresh key.
func (p pki) issue(ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate, certFile, keyFile string) error {
	key, err := newKey()
	if err != nil {
		return err
	}
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().AddDate(1, 0, 0)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("sign %s: %w", certFile, err)
	}
	if err := writeCert(certFile, der); err != nil {
		return err
	}
	return writeKey(keyFile, key)
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func writeCert(file string, der []byte) error { return writePEM(file, "CERTIFICATE", der, 0o644) }

func writeKey(file string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(file, "EC PRIVATE KEY", der, 0o600)
}

func writePEM(file, kind string, der []byte, mode os.FileMode) error {
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}

func fileExists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}
