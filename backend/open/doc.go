// Package open turns a backend URL (--backend, PLINTH_BACKEND_URL,
// backend.url in Plinth.yaml, plinth login) into a backend.Backend, and
// redacts such URLs for printing.
//
// Schemes:
//
//	file://PATH, or a bare PATH      a folder (package filebackend); ~ is the home directory
//	s3://, gs://, azblob://          object storage (package blobbackend)
//	postgres://, postgresql://       PostgreSQL (package pgbackend)
//	http://, https://                a plinth server (not in this build)
//
// After file:// everything is the path, taken literally: file:///srv/state
// is /srv/state, file://~/.plinth is ~/.plinth, file://state is the
// relative folder state.
//
// Redact never fails and errs on the side of removing too much: a URL is
// only ever printed through it.
package open
