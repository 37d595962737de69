// Package testservice starts real services — PostgreSQL, an S3 server
// (versitygw) and an Azure Blob Storage emulator (Azurite) — for tests,
// from the test process, on loopback ports, in temporary directories, and
// cleans them up afterwards.
//
// Plinth tests real backends against real servers rather than mocks. The
// helpers look for the server binaries on the machine; when they are
// missing the test is skipped, unless PLINTH_REQUIRE_SERVICES=1 is set (as
// CI does), in which case it fails, so a machine that lost its PostgreSQL
// cannot turn the backend tests green by skipping them.
//
// # One server per test binary
//
// Starting PostgreSQL costs about a second (initdb), so a package whose
// tests call Postgres, S3 or Azure many times should run them through Main:
//
//	func TestMain(m *testing.M) { os.Exit(testservice.Main(m)) }
//
// Under Main each kind of server is started once, on first use, and
// stopped when the tests finish; every call still gets a fresh database
// (Postgres), bucket (S3) or container (Azure), dropped in the caller's
// t.Cleanup. Without Main every call starts its own server and stops it in
// t.Cleanup.
//
// # Parallel tests and subprocesses
//
// S3 and Azure set the credentials their URLs need in the process
// environment with t.Setenv, so their callers cannot be parallel. A
// parallel test, or one that passes its environment to other processes
// (testscript scripts, the plinth binary), calls S3URL instead and hands
// S3Env to those processes. Postgres needs no environment.
//
// # Outside tests
//
// StartPostgres and StartS3 start the same servers for a program that is
// not a test (the backend benchmark, bench/backends), which creates
// databases and buckets on them and stops them itself.
//
// Servers are started with a parent-death signal (Linux), so a test binary
// that crashes or is killed does not leave them running; only their
// temporary directories (plinth-pg-*, plinth-s3-*, plinth-azurite-* under
// os.TempDir) stay behind.
//
// # Running as root
//
// initdb and postgres refuse to run as root. When the tests run as root
// (CI does), PostgreSQL runs as the user "postgres", or "nobody" when there
// is no such user, and its directory is handed to that user. The switch of
// user is made by the kernel at exec (SysProcAttr.Credential), which does
// what runuser or setpriv would without a process in between, and keeps
// the parent-death signal. A server is stopped with SIGQUIT, PostgreSQL's
// immediate shutdown (what pg_ctl stop -m immediate sends), so only initdb
// and postgres are needed.
package testservice
