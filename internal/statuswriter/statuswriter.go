// Package statuswriter records the status an http.Handler answers, for
// the command's metrics and the fakes' request log.
package statuswriter

import "net/http"

// Writer is an http.ResponseWriter that records the status written
// through it: the first WriteHeader's code, or 200 once a body or a flush
// goes out first. http.ResponseController reaches the writer below it
// through Unwrap.
type Writer struct {
	http.ResponseWriter
	// Status is the status answered; 0 until one is.
	Status int
}

// WriteHeader records code if no status was answered yet, and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 if no status was answered yet, and passes b on.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush records 200 if no status was answered yet, and flushes the writer
// below when it can (an event stream asserts http.Flusher).
func (w *Writer) Flush() {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the writer below, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
