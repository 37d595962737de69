package tls

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	stdtls "crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/provider/providertest"
	"github.com/plinth-iac/plinth/resource"
)

func mustCreate(t *testing.T, p *Provider, typ string, inputs resource.PropertyMap) provider.CreateResponse {
	t.Helper()
	c, err := p.Check(t.Context(), provider.CheckRequest{Type: typ, Inputs: inputs})
	if err != nil || len(c.Failures) > 0 {
		t.Fatalf("Check = %+v, %v", c.Failures, err)
	}
	resp, err := p.Create(t.Context(), provider.CreateRequest{Type: typ, Inputs: c.Inputs})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return resp
}

func mustKey(t *testing.T, p *Provider, inputs resource.PropertyMap) string {
	t.Helper()
	return mustCreate(t, p, PrivateKeyType, inputs).Outputs["privateKeyPem"].(string)
}

func TestConformance(t *testing.T) {
	p := New()
	key := mustKey(t, p, resource.PropertyMap{"algorithm": "ED25519"})
	certInputs := resource.PropertyMap{
		"privateKeyPem": key,
		"subject":       map[string]any{"commonName": "example.test", "organization": "Plinth"},
		"dnsNames":      []any{"example.test"},
		"ipAddresses":   []any{"127.0.0.1", "::1"},
		"allowedUses":   []any{"digital_signature", "server_auth"},
	}
	replaced := resource.Copy(certInputs).(map[string]any)
	replaced["validityPeriodHours"] = int64(1)
	providertest.Run(t, p, []providertest.Case{
		{
			Name:    "ECDSA",
			Type:    PrivateKeyType,
			Inputs:  resource.PropertyMap{"algorithm": "ECDSA"},
			Replace: resource.PropertyMap{"algorithm": "ECDSA", "ecdsaCurve": "P384"},
		},
		{
			Name:    "ED25519",
			Type:    PrivateKeyType,
			Inputs:  resource.PropertyMap{"algorithm": "ED25519"},
			Replace: resource.PropertyMap{"algorithm": "ECDSA"},
		},
		{
			Name:    "RSA",
			Type:    PrivateKeyType,
			Inputs:  resource.PropertyMap{},
			Replace: resource.PropertyMap{"rsaBits": int64(3072)},
		},
		{
			Type:    SelfSignedCertType,
			Inputs:  certInputs,
			Replace: replaced,
		},
	})
}

func TestKeys(t *testing.T) {
	p := New()
	tests := []struct {
		inputs resource.PropertyMap
		check  func(any) bool
	}{
		{resource.PropertyMap{"algorithm": "ED25519"}, func(k any) bool { _, ok := k.(ed25519.PrivateKey); return ok }},
		{resource.PropertyMap{"algorithm": "ECDSA", "ecdsaCurve": "P224"}, func(k any) bool { e, ok := k.(*ecdsa.PrivateKey); return ok && e.Curve.Params().Name == "P-224" }},
		{resource.PropertyMap{"algorithm": "ECDSA"}, func(k any) bool { e, ok := k.(*ecdsa.PrivateKey); return ok && e.Curve.Params().Name == "P-256" }},
		{resource.PropertyMap{"algorithm": "ECDSA", "ecdsaCurve": "P521"}, func(k any) bool { e, ok := k.(*ecdsa.PrivateKey); return ok && e.Curve.Params().Name == "P-521" }},
		{resource.PropertyMap{"rsaBits": 2048.0}, func(k any) bool { r, ok := k.(*rsa.PrivateKey); return ok && r.N.BitLen() == 2048 }},
	}
	for _, tt := range tests {
		t.Run(resource.Format(tt.inputs, true), func(t *testing.T) {
			resp := mustCreate(t, p, PrivateKeyType, tt.inputs)
			block, _ := pem.Decode([]byte(resp.Outputs["privateKeyPem"].(string)))
			if block == nil || block.Type != "PRIVATE KEY" {
				t.Fatalf("privateKeyPem is not a PKCS#8 PEM block: %v", block)
			}
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil || !tt.check(key) {
				t.Fatalf("key %T, %v: wrong kind", key, err)
			}
			pubBlock, _ := pem.Decode([]byte(resp.Outputs["publicKeyPem"].(string)))
			if pubBlock == nil || pubBlock.Type != "PUBLIC KEY" {
				t.Fatal("publicKeyPem is not a PUBLIC KEY block")
			}
			pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.(crypto.Signer).Public()) {
				t.Error("publicKeyPem does not match the private key")
			}
			if resp.ID != resp.Outputs["publicKeyFingerprintSha256"] || len(resp.ID) != 64 {
				t.Errorf("ID %q, fingerprint %v: want the same 64 hex characters", resp.ID, resp.Outputs["publicKeyFingerprintSha256"])
			}
		})
	}
}

// TestCertificate checks a certificate the way its users will: parsed, its
// signature verified, and served in a real TLS handshake on loopback.
func TestCertificate(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	p := New(WithClock(func() time.Time { return now }))
	key := mustKey(t, p, resource.PropertyMap{"algorithm": "ECDSA"})
	resp := mustCreate(t, p, SelfSignedCertType, resource.PropertyMap{
		"privateKeyPem":       key,
		"subject":             map[string]any{"commonName": "localhost", "organization": "Plinth"},
		"dnsNames":            []any{"localhost"},
		"ipAddresses":         []any{"127.0.0.1"},
		"validityPeriodHours": int64(48),
		"isCaCertificate":     true,
		"allowedUses":         []any{"digital_signature", "key_encipherment", "server_auth", "client_auth", "cert_signing"},
	})
	if got, want := resp.Outputs["validityStartTime"], "2030-01-02T03:04:05Z"; got != want {
		t.Errorf("validityStartTime = %v, want %v", got, want)
	}
	if got, want := resp.Outputs["validityEndTime"], "2030-01-04T03:04:05Z"; got != want {
		t.Errorf("validityEndTime = %v, want %v", got, want)
	}
	certPem := resp.Outputs["certPem"].(string)
	block, _ := pem.Decode([]byte(certPem))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		t.Errorf("the certificate is not self-signed: %v", err)
	}
	if cert.SerialNumber.String() != resp.ID {
		t.Errorf("ID %q, serial %v", resp.ID, cert.SerialNumber)
	}
	got := []any{cert.Subject.CommonName, cert.Subject.Organization, cert.DNSNames, cert.IPAddresses[0].String(), cert.IsCA,
		cert.KeyUsage, cert.ExtKeyUsage}
	want := []any{"localhost", []string{"Plinth"}, []string{"localhost"}, "127.0.0.1", true,
		x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("certificate fields (-want +got):\n%s", diff)
	}

	// A handshake on loopback, trusting only this certificate, at a time it
	// is valid.
	pair, err := stdtls.X509KeyPair([]byte(certPem), []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := stdtls.Listen("tcp", "127.0.0.1:0", &stdtls.Config{Certificates: []stdtls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write([]byte("hello over tls"))
	}()
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	conn, err := stdtls.Dial("tcp", ln.Addr().String(), &stdtls.Config{
		RootCAs: roots, ServerName: "127.0.0.1", Time: func() time.Time { return now.Add(time.Hour) },
	})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer conn.Close()
	msg, _ := io.ReadAll(conn)
	if string(msg) != "hello over tls" {
		t.Errorf("read %q", msg)
	}
}

// TestOpenSSL checks the PEM and the fingerprint with openssl, where it is
// installed.
func TestOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	p := New()
	dir := t.TempDir()
	key := mustCreate(t, p, PrivateKeyType, resource.PropertyMap{"algorithm": "ECDSA", "ecdsaCurve": "P384"})
	cert := mustCreate(t, p, SelfSignedCertType, resource.PropertyMap{
		"privateKeyPem": key.Outputs["privateKeyPem"], "subject": map[string]any{"commonName": "openssl.test"},
	})
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	run := func(stdin []byte, args ...string) []byte {
		cmd := exec.Command(openssl, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	keyFile := write("key.pem", key.Outputs["privateKeyPem"].(string))
	der := run(nil, "pkey", "-in", keyFile, "-pubout", "-outform", "DER")
	digest := run(der, "dgst", "-sha256", "-r")
	if got := strings.Fields(string(digest))[0]; got != key.Outputs["publicKeyFingerprintSha256"] {
		t.Errorf("openssl's fingerprint %s, ours %s", got, key.Outputs["publicKeyFingerprintSha256"])
	}
	subject := run(nil, "x509", "-noout", "-subject", "-in", write("cert.pem", cert.Outputs["certPem"].(string)))
	if !strings.Contains(string(subject), "CN=openssl.test") && !strings.Contains(string(subject), "CN = openssl.test") {
		t.Errorf("openssl x509 -subject = %q", subject)
	}
}

func TestCheckFailures(t *testing.T) {
	p := New()
	key := mustKey(t, p, resource.PropertyMap{"algorithm": "ED25519"})
	ecKey := mustKey(t, p, resource.PropertyMap{"algorithm": "ECDSA"})
	block, _ := pem.Decode([]byte(ecKey))
	parsed, _ := x509.ParsePKCS8PrivateKey(block.Bytes)
	sec1, _ := x509.MarshalECPrivateKey(parsed.(*ecdsa.PrivateKey))
	sec1Pem := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))
	corrupt := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not DER")}))
	cert := func(kv ...any) resource.PropertyMap {
		m := resource.PropertyMap{"privateKeyPem": key}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		typ    string
		inputs resource.PropertyMap
		want   []string // property: reason
	}{
		{"algorithm", PrivateKeyType, resource.PropertyMap{"algorithm": "DSA"}, []string{`algorithm: algorithm must be one of RSA, ECDSA, ED25519, not "DSA"`}},
		{"lower-case algorithm", PrivateKeyType, resource.PropertyMap{"algorithm": "rsa"}, []string{`algorithm: algorithm must be one of RSA, ECDSA, ED25519, not "rsa"`}},
		{"weak RSA", PrivateKeyType, resource.PropertyMap{"rsaBits": int64(1024)}, []string{"rsaBits: rsaBits must be between 2048 and 8192, not 1024"}},
		{"curve", PrivateKeyType, resource.PropertyMap{"algorithm": "ECDSA", "ecdsaCurve": "secp256k1"}, []string{`ecdsaCurve: ecdsaCurve must be one of P224, P256, P384, P521, not "secp256k1"`}},
		{"rsaBits as a string", PrivateKeyType, resource.PropertyMap{"rsaBits": "4096"}, []string{`rsaBits: property "rsaBits": expected integer, got string`}},
		{"missing key", SelfSignedCertType, resource.PropertyMap{}, []string{`privateKeyPem: missing required property "privateKeyPem"`}},
		{"not PEM", SelfSignedCertType, cert("privateKeyPem", "hunter2"), []string{`privateKeyPem: privateKeyPem is not PEM: want a PKCS#8 "PRIVATE KEY" block`}},
		{"SEC 1 key", SelfSignedCertType, cert("privateKeyPem", sec1Pem), []string{`privateKeyPem: privateKeyPem holds a "EC PRIVATE KEY" block, want PKCS#8 "PRIVATE KEY" (convert with: openssl pkcs8 -topk8 -nocrypt)`}},
		{"corrupt key", SelfSignedCertType, cert("privateKeyPem", corrupt), []string{"privateKeyPem: privateKeyPem is not a valid PKCS#8 private key"}},
		{"subject field", SelfSignedCertType, cert("subject", map[string]any{"cn": "x"}), []string{`subject: subject has no field "cn" (it has commonName and organization)`}},
		{"subject value", SelfSignedCertType, cert("subject", map[string]any{"commonName": int64(1)}), []string{`subject: property "subject": .commonName: expected string, got integer`}},
		{"empty DNS name", SelfSignedCertType, cert("dnsNames", []any{"a.test", " "}), []string{"dnsNames: dnsNames[1] is empty"}},
		{"IP address", SelfSignedCertType, cert("ipAddresses", []any{"10.0.0.256"}), []string{`ipAddresses: ipAddresses[0] "10.0.0.256" is not an IP address`}},
		{"validity", SelfSignedCertType, cert("validityPeriodHours", int64(0)), []string{"validityPeriodHours: validityPeriodHours must be between 1 and 876000, not 0"}},
		{"use", SelfSignedCertType, cert("allowedUses", []any{"server_auth", "serverAuth"}), []string{`allowedUses: allowedUses[1] "serverAuth" is not one of cert_signing, client_auth, digital_signature, key_encipherment, server_auth`}},
		{"unknown key", SelfSignedCertType, cert("privateKeyPem", resource.Unknown{}, "ipAddresses", []any{resource.Unknown{}}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Check(t.Context(), provider.CheckRequest{Type: tt.typ, Inputs: tt.inputs})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range resp.Failures {
				got = append(got, f.Property+": "+f.Reason)
				if strings.Contains(f.Reason, "BEGIN") || strings.Contains(f.Reason, "hunter2") {
					t.Errorf("failure quotes the key: %s", f.Reason)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateCancelledRSA(t *testing.T) {
	p := New()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Create(ctx, provider.CreateRequest{Type: PrivateKeyType, Inputs: resource.PropertyMap{"algorithm": "RSA", "rsaBits": int64(4096)}})
	if err == nil {
		t.Skip("a 4096-bit key was generated within a millisecond")
	}
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Errorf("Create = %v after %v, want context.Canceled promptly", err, time.Since(start))
	}
}

func TestNotUpdatable(t *testing.T) {
	p := New()
	if _, err := p.Update(t.Context(), provider.UpdateRequest{Type: PrivateKeyType, ID: "x"}); err == nil {
		t.Error("Update succeeded")
	}
	if _, err := p.Read(t.Context(), provider.ReadRequest{Type: SelfSignedCertType, ID: "1"}); err == nil {
		t.Error("Read(import) succeeded")
	}
	if _, err := p.Create(t.Context(), provider.CreateRequest{Type: SelfSignedCertType, Inputs: resource.PropertyMap{"privateKeyPem": "x"}}); err == nil || strings.Contains(err.Error(), "x\"") {
		t.Errorf("Create with a bad key = %v", err)
	}
}
