package engine

import (
	"sync"

	"github.com/plinth-iac/plinth/state"
)

// Journal makes entries durable. Append assigns e.Seq and returns once the
// entry is durable. It is called from many goroutines.
type Journal interface {
	Append(e *state.Entry) error
}

// JournalWriter is a Journal that group-commits: entries appended while a
// write is in progress are written together by the next one, so N parallel
// steps cost a handful of fsyncs, not N. One goroutine owns the sink.
type JournalWriter struct {
	sink   func([]*state.Entry) error
	reqs   chan journalReq
	done   chan struct{}
	mu     sync.Mutex // guards closed
	closed bool
}

type journalReq struct {
	e   *state.Entry
	err chan error
}

// NewJournalWriter starts a writer that hands batches to sink, in order.
// next is the first sequence number to assign.
func NewJournalWriter(next int64, sink func([]*state.Entry) error) *JournalWriter {
	w := &JournalWriter{sink: sink, reqs: make(chan journalReq, 256), done: make(chan struct{})}
	go w.run(next)
	return w
}

func (w *JournalWriter) run(seq int64) {
	defer close(w.done)
	var failed error
	for r := range w.reqs {
		batch := []journalReq{r}
	drain:
		for len(batch) < 4096 {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		entries := make([]*state.Entry, len(batch))
		for i, b := range batch {
			b.e.Seq = seq
			seq++
			entries[i] = b.e
		}
		err := failed
		if err == nil {
			err = w.sink(entries)
			// After a failed write nothing more may be written: a later
			// success entry must never follow a lost begin.
			failed = err
		}
		for _, b := range batch {
			b.err <- err
		}
	}
}

// Append implements Journal.
func (w *JournalWriter) Append(e *state.Entry) error {
	c := make(chan error, 1)
	w.reqs <- journalReq{e: e, err: c}
	return <-c
}

// Close stops the writer after the entries already appended.
func (w *JournalWriter) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	<-w.done
}
