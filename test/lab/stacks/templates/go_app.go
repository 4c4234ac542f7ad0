// Go net/http + rs/cors, the lab's Go app (GOPATH build against Debian's /usr/share/gocode). The named
// slots are filled per scenario by test/lab/stacks/stack.ts; until then this file is not valid Go.
package main

import (
	"net/http"
	"os"

	"github.com/rs/cors"
)

// The import stays used when a scenario sets no CORS at all.
var _ = cors.New

func items(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok":true,"method":"` + r.Method + `"}`))
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/items", items)
	mux.HandleFunc("/", items)
	var handler http.Handler = mux
	// --- the app's CORS setup: wraps the mux, so it sees every request first ---
	{{app_cors}}
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), handler)
}
