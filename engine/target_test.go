package engine

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/plinth-iac/plinth/resource"
)

// A --target written as a URN names one resource of one stack: a URN of
// another stack, project or type must not select the resource that merely
// shares its name (destroy --target with a prod URN used to delete dev's).
func TestTargetSetMatchesWholeURN(t *testing.T) {
	p := &Plan{Project: "web", Stack: "dev"}
	deps := map[string][]string{"db": nil, "app": {"db"}, "other": nil}
	types := map[string]string{"db": "core:Data", "app": "file:File", "other": "core:Data"}
	const hint = " (did you mean urn:plinth:dev::web::core:Data::db?)"
	tests := []struct {
		target  string
		want    []string
		wantErr string
	}{
		{target: "db", want: []string{"app", "db"}},
		{target: "urn:plinth:dev::web::core:Data::db", want: []string{"app", "db"}},
		{target: "urn:plinth:dev::web::file:File::app", want: []string{"app"}},
		{target: "urn:plinth:prod::web::core:Data::db", wantErr: "--target urn:plinth:prod::web::core:Data::db: no such resource in this stack" + hint},
		{target: "urn:plinth:dev::api::core:Data::db", wantErr: "--target urn:plinth:dev::api::core:Data::db: no such resource in this stack" + hint},
		{target: "urn:plinth:dev::web::random:String::db", wantErr: "--target urn:plinth:dev::web::random:String::db: no such resource in this stack" + hint},
		{target: "urn:plinth:dev::web::core:Data::nope", wantErr: "--target urn:plinth:dev::web::core:Data::nope: no such resource in this stack"},
		{target: "nope", wantErr: "--target nope: no such resource in this stack"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			set, err := p.targetSet([]resource.URN{resource.URN(tt.target)}, deps, types)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				if _, ok := err.(*PlanError); !ok {
					t.Errorf("error is %T, want *PlanError (exit 2)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for n := range set {
				got = append(got, n)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
}
