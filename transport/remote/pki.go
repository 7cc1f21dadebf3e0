package remote

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultCertValidity is how long MakePKI's certificates are valid.
const DefaultCertValidity = 2 * 365 * 24 * time.Hour

// Identity is one node's certificate that MakePKI makes: its name (the
// certificate's common name and a DNS name, what --tls-allow lists) and
// the addresses it is reached by (IPs or DNS names), which every node
// needs since replies come back by connection.
type Identity struct {
	Name  string
	Hosts []string
}

// MakePKI makes a self-signed CA and a certificate signed by it for each
// identity (ECDSA P-256, for server and client authentication), writes
// them to dir as PEM files (ca.pem and ca.key; NAME.pem and NAME.key),
// keys readable by the owner only, and returns each identity's TLSFiles
// with mutual TLS required. It never overwrites a file: a second call on
// the same directory fails.
func MakePKI(dir string, ids []Identity, validFor time.Duration) ([]TLSFiles, error) {
	if len(ids) == 0 {
		return nil, errors.New("remote: PKI: no identity to make a certificate for")
	}
	for _, id := range ids {
		if id.Name == "" || id.Name == "ca" || strings.ContainsAny(id.Name, `/\ `) {
			return nil, fmt.Errorf("remote: PKI: bad name %q (a word, not \"ca\")", id.Name)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("remote: PKI: %w", err)
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "gopline CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(validFor), IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := signed(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := writePEM(dir, "ca", caDER, caKey); err != nil {
		return nil, err
	}
	out := make([]TLSFiles, 0, len(ids))
	for _, id := range ids {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: id.Name}, DNSNames: []string{id.Name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validFor), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
		for _, h := range id.Hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else if h != id.Name {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		der, err := signed(tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		if err := writePEM(dir, id.Name, der, key); err != nil {
			return nil, err
		}
		out = append(out, TLSFiles{Cert: filepath.Join(dir, id.Name+".pem"), Key: filepath.Join(dir, id.Name+".key"),
			CA: caFile, RequireClientCert: true})
	}
	return out, nil
}

// signed gives tmpl a random serial number and signs it.
func signed(tmpl, parent *x509.Certificate, pub any, signer *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("remote: PKI: %s: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

// writePEM writes name.pem (the certificate) and name.key (its key, mode
// 0600), refusing to overwrite either.
func writePEM(dir, name string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path  string
		block *pem.Block
		mode  os.FileMode
	}{
		{filepath.Join(dir, name+".pem"), &pem.Block{Type: "CERTIFICATE", Bytes: der}, 0o644},
		{filepath.Join(dir, name+".key"), &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}, 0o600},
	} {
		w, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.mode)
		if err != nil {
			return fmt.Errorf("remote: PKI: %w", err)
		}
		err = pem.Encode(w, f.block)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("remote: PKI: %s: %w", f.path, err)
		}
	}
	return nil
}

// ParseIdentities reads identities from text such as
// "robot=10.0.0.5+robot.local,viewer-1,viewer-2=10.0.0.9": comma-separated
// names, each with its hosts after '=', joined by '+'.
func ParseIdentities(text string) ([]Identity, error) {
	var ids []Identity
	for _, item := range strings.Split(text, ",") {
		name, hosts, _ := strings.Cut(strings.TrimSpace(item), "=")
		id := Identity{Name: name}
		if hosts != "" {
			id.Hosts = strings.Split(hosts, "+")
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if id.Name == "" {
			return nil, fmt.Errorf("remote: identities %q: an empty name", text)
		}
	}
	return ids, nil
}

// MakePKIFromSpec makes a PKI as the text of a command-line flag says,
// "DIR:NAME[=HOST+HOST],NAME...", such as
// "certs:robot=10.0.0.5,viewer-1,viewer-2" (see ParseIdentities), valid
// for DefaultCertValidity, and returns the files of the first identity:
// the node that makes it.
func MakePKIFromSpec(spec string) (TLSFiles, error) {
	dir, names, ok := strings.Cut(spec, ":")
	if !ok || dir == "" {
		return TLSFiles{}, fmt.Errorf("remote: PKI %q: want DIR:NAME[=HOST+HOST],NAME...", spec)
	}
	ids, err := ParseIdentities(names)
	if err != nil {
		return TLSFiles{}, err
	}
	files, err := MakePKI(dir, ids, DefaultCertValidity)
	if err != nil {
		return TLSFiles{}, err
	}
	return files[0], nil
}
