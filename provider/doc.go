// Package provider defines how the engine talks to the things it manages.
//
// A Provider serves one package of resource types ("file" serves file:File
// and file:Directory). Every method takes a context and one request struct
// and returns one response struct, so fields can be added without breaking
// implementations. The engine reveals secrets before calling a provider and
// re-marks outputs afterwards (see Property.Secret and Property.DerivedFrom),
// so providers work with plain values and never see the Secret wrapper.
//
// Every provider passes the conformance suite in provider/providertest.
package provider
