package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/plinth-iac/plinth/provider"
	"github.com/plinth-iac/plinth/resource"
)

// Type tokens.
const (
	FileType      = "file:File"
	DirectoryType = "file:Directory"
)

// Provider serves the file package.
type Provider struct {
	baseDir string
	schema  provider.PackageSchema

	mu      sync.Mutex
	writing map[string]struct{} // temporary files being written, by absolute path
}

var _ provider.Provider = (*Provider)(nil)

// New returns the file provider for a project in baseDir: relative paths
// resolve against it. A relative baseDir is made absolute now, against the
// current directory.
func New(baseDir string) *Provider {
	if abs, err := filepath.Abs(baseDir); err == nil {
		baseDir = abs
	}
	path := provider.Property{
		Type:            provider.TypeString,
		Required:        true,
		ReplaceOnChange: true,
	}
	filePath, dirPath := path, path
	filePath.Description = "Where the file goes; a relative path is relative to the project directory. Missing parent directories are created."
	dirPath.Description = "Where the directory goes; a relative path is relative to the project directory. Missing parents are created."
	return &Provider{
		baseDir: baseDir,
		writing: map[string]struct{}{},
		schema: provider.PackageSchema{
			Name:        "file",
			Description: "Files and directories on the machine that runs Plinth.",
			Resources: map[string]provider.ResourceSchema{
				FileType: {
					Token:       FileType,
					Description: "A file, written atomically (a crash leaves the old content or the new, never a mix). Its ID is its path as given, cleaned. Refresh records changes made behind Plinth's back.",
					Inputs: map[string]provider.Property{
						"path":    filePath,
						"content": {Type: provider.TypeString, Description: "The file's content. Give content or source, not both."},
						"source":  {Type: provider.TypeString, Description: "A file to copy; a relative path is relative to the project directory. When the source's content changes, the copy is updated. Give content or source, not both."},
						"mode":    {Type: provider.TypeString, Default: "0644", Description: `Permissions as an octal string, e.g. "0600".`},
					},
					Outputs: map[string]provider.Property{
						"path":   {Type: provider.TypeString, FromInput: "path", DerivedFrom: []string{"path"}, Description: "The path, as given."},
						"sha256": {Type: provider.TypeString, DerivedFrom: []string{"content", "source"}, Description: "The SHA-256 of the file's content, in hex."},
						"size":   {Type: provider.TypeInteger, DerivedFrom: []string{"content", "source"}, Description: "The file's size in bytes."},
					},
				},
				DirectoryType: {
					Token:       DirectoryType,
					Description: "A directory. Delete removes it only when it is empty (leftovers of interrupted writes aside), and fails naming what is still in it.",
					Inputs: map[string]provider.Property{
						"path": dirPath,
						"mode": {Type: provider.TypeString, Default: "0755", Description: `Permissions as an octal string, e.g. "0700".`},
					},
					Outputs: map[string]provider.Property{
						"path": {Type: provider.TypeString, FromInput: "path", DerivedFrom: []string{"path"}, Description: "The path, as given."},
					},
				},
			},
		},
	}
}

// Schema describes file:File and file:Directory.
func (p *Provider) Schema() provider.PackageSchema { return p.schema }

// Configure accepts no config.
func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest) (provider.ConfigureResponse, error) {
	return provider.NoConfig("file", req)
}

func (p *Provider) resourceSchema(typ string) (provider.ResourceSchema, error) {
	rs, ok := p.schema.Resources[typ]
	if !ok {
		return rs, fmt.Errorf("the file provider has no resource type %q (it has %s and %s)", typ, FileType, DirectoryType)
	}
	return rs, nil
}

// resolve makes a path absolute against the base directory.
func (p *Provider) resolve(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(p.baseDir, path)
}

// checkPath says what is wrong with a path, or "".
func checkPath(what, path string) string {
	switch {
	case strings.ContainsRune(path, 0):
		return what + " must not contain NUL bytes"
	case path == "":
		return what + " must not be empty"
	}
	if c := filepath.Clean(path); c == "." || c == string(filepath.Separator) {
		return fmt.Sprintf("%s %q names the project directory or the root, not a path of its own", what, path)
	}
	return ""
}

// Check validates paths and modes, requires exactly one of content and
// source, and normalises modes to four digits.
func (p *Provider) Check(ctx context.Context, req provider.CheckRequest) (provider.CheckResponse, error) {
	rs, err := p.resourceSchema(req.Type)
	if err != nil {
		return provider.CheckResponse{}, err
	}
	inputs, fails := provider.CheckInputs(rs, req.Inputs)
	fail := func(prop, reason string) {
		fails = append(fails, provider.CheckFailure{Property: prop, Reason: reason})
	}
	if s, ok := inputs["path"].(string); ok {
		if reason := checkPath("path", s); reason != "" {
			fail("path", reason)
		}
	}
	if s, ok := inputs["mode"].(string); ok {
		if m, err := parseMode(s); err != nil {
			fail("mode", err.Error())
		} else {
			inputs["mode"] = formatMode(m)
		}
	}
	if req.Type == FileType {
		// Judge presence on what was given: a content of the wrong type
		// already has its failure.
		hasContent, hasSource := req.Inputs["content"] != nil, req.Inputs["source"] != nil
		switch {
		case hasContent && hasSource:
			fail("source", "give content or source, not both")
		case !hasContent && !hasSource:
			fail("content", "one of content or source is required")
		}
		if s, ok := inputs["source"].(string); ok {
			if reason := checkPath("source", s); reason != "" {
				fail("source", reason)
			}
		}
	}
	return provider.CheckResponse{Inputs: inputs, Failures: fails}, nil
}

// Diff compares inputs, and for a file made from source also the source's
// current content with what was recorded, so an edited source updates the
// copy.
func (p *Provider) Diff(ctx context.Context, req provider.DiffRequest) (provider.DiffResponse, error) {
	rs, err := p.resourceSchema(req.Type)
	if err != nil {
		return provider.DiffResponse{}, err
	}
	d := provider.DiffInputs(rs, req.OldInputs, req.NewInputs)
	src, ok := req.NewInputs["source"].(string)
	if req.Type != FileType || !ok || slices.Contains(d.Changed, "source") {
		return d, nil
	}
	if recorded, ok := req.OldOutputs["sha256"].(string); ok {
		// An unreadable source diffs as changed: the update will say why.
		if now, err := hashFile(ctx, p.resolve(src)); err != nil || now.sha256 != recorded {
			d.Changed = append(d.Changed, "source")
			sort.Strings(d.Changed)
		}
	}
	return d, nil
}

// Create writes the file or makes the directory.
func (p *Provider) Create(ctx context.Context, req provider.CreateRequest) (provider.CreateResponse, error) {
	path, err := p.start(ctx, req.Type, req.Inputs["path"])
	if err != nil {
		return provider.CreateResponse{}, err
	}
	var outputs resource.PropertyMap
	if req.Type == FileType {
		outputs, err = p.writeFile(ctx, path, req.Inputs)
	} else {
		outputs, err = p.makeDirectory(path, req.Inputs)
	}
	if err != nil {
		return provider.CreateResponse{}, err
	}
	return provider.CreateResponse{ID: filepath.Clean(path), Outputs: outputs}, nil
}

// Update rewrites the file, or sets the directory's mode.
func (p *Provider) Update(ctx context.Context, req provider.UpdateRequest) (provider.UpdateResponse, error) {
	path, err := p.start(ctx, req.Type, req.NewInputs["path"])
	if err != nil {
		return provider.UpdateResponse{}, err
	}
	var outputs resource.PropertyMap
	if req.Type == FileType {
		outputs, err = p.writeFile(ctx, path, req.NewInputs)
	} else {
		outputs, err = p.makeDirectory(path, req.NewInputs)
	}
	if err != nil {
		return provider.UpdateResponse{}, err
	}
	return provider.UpdateResponse{Outputs: outputs}, nil
}

// start checks what every operation needs: a known type, a live context and
// a usable path.
func (p *Provider) start(ctx context.Context, typ string, path any) (string, error) {
	if _, err := p.resourceSchema(typ); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s, ok := path.(string)
	if !ok {
		return "", fmt.Errorf("%s needs a string path", typ)
	}
	if reason := checkPath("path", s); reason != "" {
		return "", fmt.Errorf("%s: %s", typ, reason)
	}
	return s, nil
}

func inputMode(inputs resource.PropertyMap, def string) (fs.FileMode, error) {
	s, ok := inputs["mode"].(string)
	if !ok {
		s = def
	}
	return parseMode(s)
}

func (p *Provider) writeFile(ctx context.Context, path string, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	m, err := inputMode(inputs, "0644")
	if err != nil {
		return nil, err
	}
	var r io.Reader
	if src, ok := inputs["source"].(string); ok {
		if reason := checkPath("source", src); reason != "" {
			return nil, fmt.Errorf("%s: %s", FileType, reason)
		}
		f, err := os.Open(p.resolve(src))
		if err != nil {
			return nil, fmt.Errorf("reading source: %w", err)
		}
		defer f.Close()
		r = f
	} else if content, ok := inputs["content"].(string); ok {
		r = strings.NewReader(content)
	} else {
		return nil, fmt.Errorf("%s %s needs content or source", FileType, path)
	}
	w, err := p.writeAtomic(ctx, p.resolve(path), r, m)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return fileOutputs(path, w), nil
}

func fileOutputs(path string, w written) resource.PropertyMap {
	return resource.PropertyMap{"path": path, "sha256": w.sha256, "size": w.size}
}

// makeDirectory creates the directory if it is missing (an existing one is
// adopted) and sets its mode.
func (p *Provider) makeDirectory(path string, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	m, err := inputMode(inputs, "0755")
	if err != nil {
		return nil, err
	}
	abs := p.resolve(path)
	parent := filepath.Dir(abs)
	if err := mkdirAll(parent); err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("creating %s: it exists and is not a directory", path)
	}
	// Chmod rather than Mkdir's mode, which the umask would cut.
	if err := os.Chmod(abs, m); err != nil {
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	if err := syncDir(parent); err != nil {
		return nil, err
	}
	return resource.PropertyMap{"path": path}, nil
}

// Read reports the file or directory as it is on disk.
func (p *Provider) Read(ctx context.Context, req provider.ReadRequest) (provider.ReadResponse, error) {
	if _, err := p.start(ctx, req.Type, req.ID); err != nil {
		return provider.ReadResponse{}, err
	}
	abs := p.resolve(req.ID)
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return provider.ReadResponse{Gone: true}, nil
	}
	if err != nil {
		return provider.ReadResponse{}, err
	}
	inputs := readInputs(req)
	inputs["mode"] = formatMode(modeBits(fi.Mode()))
	if req.Type == DirectoryType {
		if !fi.IsDir() {
			return provider.ReadResponse{}, fmt.Errorf("%s %s: it is no longer a directory", DirectoryType, req.ID)
		}
		return provider.ReadResponse{Inputs: inputs, Outputs: resource.PropertyMap{"path": inputs["path"]}}, nil
	}
	if fi.IsDir() {
		return provider.ReadResponse{}, fmt.Errorf("%s %s: it is now a directory", FileType, req.ID)
	}
	var w written
	if _, fromSource := inputs["source"].(string); fromSource {
		// The content is the source's: what changed shows in the hash.
		w, err = hashFile(ctx, abs)
	} else {
		var data []byte
		data, err = os.ReadFile(abs)
		inputs["content"] = string(data)
		w = hashBytes(data)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return provider.ReadResponse{Gone: true}, nil
	}
	if err != nil {
		return provider.ReadResponse{}, fmt.Errorf("reading %s: %w", req.ID, err)
	}
	return provider.ReadResponse{Inputs: inputs, Outputs: fileOutputs(inputs["path"].(string), w)}, nil
}

// readInputs starts Read's inputs from the recorded ones, keeping the path
// as the program wrote it, or from the ID alone on import.
func readInputs(req provider.ReadRequest) resource.PropertyMap {
	inputs := make(resource.PropertyMap, len(req.Inputs)+2)
	for k, v := range req.Inputs {
		inputs[k] = v
	}
	if s, ok := inputs["path"].(string); !ok || filepath.Clean(s) != req.ID {
		inputs["path"] = req.ID
	}
	return inputs
}

// Delete removes the file (a missing one is fine) and leftovers of
// interrupted writes beside it, or the directory if it is empty.
func (p *Provider) Delete(ctx context.Context, req provider.DeleteRequest) (provider.DeleteResponse, error) {
	if _, err := p.start(ctx, req.Type, req.ID); err != nil {
		return provider.DeleteResponse{}, err
	}
	abs := p.resolve(req.ID)
	var err error
	if req.Type == FileType {
		err = p.deleteFile(abs)
	} else {
		err = p.deleteDirectory(abs)
	}
	if err != nil {
		return provider.DeleteResponse{}, fmt.Errorf("deleting %s: %w", req.ID, err)
	}
	return provider.DeleteResponse{}, nil
}

func (p *Provider) deleteFile(abs string) error {
	dir := filepath.Dir(abs)
	fi, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("it is a directory now; file:File will not delete it")
	default:
		if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return p.cleanTemps(dir)
}

// maxListed is how many entries a "not empty" error names.
const maxListed = 5

func (p *Provider) deleteDirectory(abs string) error {
	entries, err := os.ReadDir(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var others []string
	for _, e := range entries {
		if !p.isLeftover(abs, e) {
			others = append(others, e.Name())
		}
	}
	if len(others) > 0 {
		list := strings.Join(others[:min(len(others), maxListed)], ", ")
		if len(others) > maxListed {
			list += fmt.Sprintf(" and %d more", len(others)-maxListed)
		}
		return fmt.Errorf("the directory is not empty: it holds %s", list)
	}
	if err := p.cleanTemps(abs); err != nil {
		return err
	}
	if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(abs))
}
