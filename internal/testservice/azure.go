package testservice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// Azurite's well-known development account. The key is public (it is in
// Azure's documentation) and works only against the emulator.
const (
	AzureAccount = "devstoreaccount1"
	AzureKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Azure returns the gocloud.dev URL of a fresh, empty container on an
// Azure Blob Storage emulator (Azurite) running on a loopback port, like
//
//	azblob://plinth-0123456789ab?localemu=true&domain=127.0.0.1:PORT&protocol=http
//
// and sets AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY with t.Setenv (so t
// must not be parallel). See the package doc for when the server is
// shared.
//
// It skips t when azurite-blob is not on PATH (`npm install -g azurite`),
// or fails it when PLINTH_REQUIRE_SERVICES=1.
func Azure(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("azurite-blob")
	if err != nil {
		unavailable(t, "Azurite is not installed (npm install -g azurite): %v", err)
	}
	srv := serverFor(t, "azurite", func() (*azureServer, error) { return startAzurite(bin) })

	container := randomName("plinth-")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := srv.client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateContainer(ctx, container, nil); err != nil {
		t.Fatalf("creating container: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteContainer(ctx, container, nil); err != nil {
			t.Errorf("deleting container %s: %v", container, err)
		}
	})
	t.Setenv("AZURE_STORAGE_ACCOUNT", AzureAccount)
	t.Setenv("AZURE_STORAGE_KEY", AzureKey)
	return fmt.Sprintf("azblob://%s?localemu=true&domain=127.0.0.1:%d&protocol=http", container, srv.port)
}

// azureServer is a running azurite-blob.
type azureServer struct {
	dir  string
	port int
	proc *process
}

// startAzurite starts azurite-blob on a free loopback port, keeping its
// data in a new temporary directory.
func startAzurite(bin string) (*azureServer, error) {
	dir, err := os.MkdirTemp("", "plinth-azurite-")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		// No --loose: it ignores headers Azurite does not know, and a
		// precondition silently ignored would hide exactly the bugs the
		// tests look for. Telemetry off: tests talk to loopback only.
		cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
			"--location", dir, "--silent", "--disableTelemetry", "--skipApiVersionCheck")
		cmd.Dir = dir
		proc, err := startProcess(cmd, nil, syscall.SIGKILL, filepath.Join(dir, "azurite.log"))
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		srv := &azureServer{dir: dir, port: port, proc: proc}
		lastErr = waitReady(proc, 60*time.Second, srv.ping)
		if lastErr == nil {
			return srv, nil
		}
		proc.stop(syscall.SIGTERM)
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func (s *azureServer) serviceURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/%s", s.port, AzureAccount)
}

// ping succeeds once the server answers HTTP at all.
func (s *azureServer) ping() error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(s.serviceURL() + "?comp=list")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (s *azureServer) client() (*azblob.Client, error) {
	cred, err := azblob.NewSharedKeyCredential(AzureAccount, AzureKey)
	if err != nil {
		return nil, errors.New("azurite's well-known key was refused: " + err.Error())
	}
	return azblob.NewClientWithSharedKeyCredential(s.serviceURL(), cred, nil)
}

func (s *azureServer) stop() error {
	s.proc.stop(syscall.SIGTERM)
	return os.RemoveAll(s.dir)
}
