package display_test

import (
	"os"
	"time"

	"github.com/plinth-iac/plinth/display"
	"github.com/plinth-iac/plinth/engine"
	"github.com/plinth-iac/plinth/resource"
)

func Example() {
	r := display.New(display.Options{Out: os.Stdout, Mode: display.ModePlain, Diff: true})
	defer r.Close()
	sink := engine.EventSink(r.Event)

	page := &engine.StepInfo{
		Op: engine.StepUpdate, URN: resource.NewURN("dev", "site", "file:File", "page"),
		Old:     resource.PropertyMap{"content": "hello", "token": resource.MakeSecret("s3cr3t")},
		New:     resource.PropertyMap{"content": "hello, world", "token": resource.MakeSecret("n3w")},
		Changed: []string{"content", "token"},
	}
	sink(engine.Event{Type: engine.EventPrelude, Operation: "update", Stack: "dev", Project: "site"})
	sink(engine.Event{Type: engine.EventResourcePre, Step: page})
	done := *page
	done.Duration = 12 * time.Millisecond
	sink(engine.Event{Type: engine.EventResourceOutputs, Step: &done})
	sink(engine.Event{Type: engine.EventSummary, Summary: &engine.Summary{
		Counts:   map[engine.StepKind]int{engine.StepUpdate: 1, engine.StepSame: 3},
		Duration: 1200 * time.Millisecond,
		Outputs:  resource.PropertyMap{"url": "https://example.com"},
	}})
	// Output:
	// Updating stack dev (project site)
	// ~ updating file:File page
	//     ~ content: "hello" => "hello, world"
	//     ~ token: [secret] => [secret]
	// ~ updated file:File page (12ms)
	// + 0 created  ~ 1 updated  +- 0 replaced  - 0 deleted  3 unchanged  (1.2s)
	// Outputs:
	//     url: "https://example.com"
}
