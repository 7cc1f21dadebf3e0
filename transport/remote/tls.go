package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
)

// TLSFiles names the PEM files of a node's TLS: its certificate and key
// (used both to serve and, for mutual TLS, to connect) and the CA that
// signs its peers' certificates.
type TLSFiles struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
	CA   string `json:"ca"`
	// RequireClientCert makes the node refuse peers without a certificate
	// the CA signed (mutual TLS).
	RequireClientCert bool `json:"require_client_cert,omitempty"`
}

// LoadTLS reads the files and returns a node's server and client TLS
// configurations (Config.ServerTLS, Config.ClientTLS). A peer's certificate
// must name the address it is reached by (an IP or DNS SAN), as for any TLS
// server.
func LoadTLS(f TLSFiles) (server, client *tls.Config, err error) {
	if f.Cert == "" || f.Key == "" || f.CA == "" {
		return nil, nil, errors.New("remote: TLS needs a certificate, its key and a CA")
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("remote: TLS certificate: %w", err)
	}
	pem, err := os.ReadFile(f.CA)
	if err != nil {
		return nil, nil, fmt.Errorf("remote: TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("remote: TLS CA %s: no PEM certificate in it", f.CA)
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, MinVersion: tls.VersionTLS13}
	if f.RequireClientCert {
		server.ClientAuth = tls.RequireAndVerifyClientCert
	}
	client = &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}
	return server, client, nil
}

// unnamedHost says why peers that reach a node listening on host will
// refuse its certificate, or "" when the certificate names host (or host
// is every interface's, 0.0.0.0 or ::, where peers reach it by names the
// node cannot know). A certificate made for a name alone, with no address
// (--tls-make certs:robot), fails every peer's check.
func unnamedHost(host string, server *tls.Config) string {
	if server == nil || len(server.Certificates) == 0 || len(server.Certificates[0].Certificate) == 0 {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return ""
	}
	leaf, err := x509.ParseCertificate(server.Certificates[0].Certificate[0])
	if err != nil || leaf.VerifyHostname(host) == nil {
		return ""
	}
	names := append(slices.Clone(leaf.DNSNames), ipStrings(leaf.IPAddresses)...)
	return fmt.Sprintf("the node's certificate names %s, not %s, which it listens on: peers that reach it there refuse it (with --tls-make, give %s=%s)",
		strings.Join(names, ", "), host, leaf.Subject.CommonName, host)
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
