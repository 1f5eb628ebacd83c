// The Go SDK's BATON_HTTP_CACHE_BACKEND=db cache as a file: where uhttp puts it, its tables, and
// the row one GET leaves, copied to $BATON_INTEROP_DIR/go-lcache.db. scripts/interop.sh then runs
// tests/http/test_http_dbcache with BATON_INTEROP_GO_LCACHE naming that copy, which compares it
// with the file libbaton writes for the same request (same place, same tables, same key).
package interop

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-sdk/pkg/uhttp"
	_ "modernc.org/sqlite"
)

func TestHTTPDBCacheFile(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"n":1}`))
	}))
	defer srv.Close()

	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("BATON_HTTP_CACHE_BACKEND", "db")
	t.Setenv("BATON_HTTP_CACHE_TTL", "")
	t.Setenv("BATON_HTTP_CACHE_MAX_SIZE", "")
	t.Setenv("BATON_DISABLE_HTTP_CACHE", "")

	// never cancelled: Go removes the file when its context ends
	ctx := context.Background()
	cli, err := uhttp.NewBaseHttpClientWithContext(ctx, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL + "/users?b=2&a=1")
	for i := 0; i < 2; i++ {
		req, err := cli.NewRequest(ctx, http.MethodGet, u)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := cli.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if requests != 1 {
		t.Errorf("the second GET reached the server (%d requests): no db cache hit", requests)
	}

	file := filepath.Join(home, "lcache.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var key, value, urlText string
	if err := db.QueryRow("SELECT key, CAST(value AS TEXT), url FROM http_cache").Scan(&key, &value, &urlText); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	// libbaton's key of GET /users?a=1&b=2 without headers (tests/http/test_http_dbcache.c)
	if len(key) != 64 || !strings.HasPrefix(value, "HTTP/1.1 200 OK\r\n") || !strings.Contains(urlText, "/users?") {
		t.Errorf("unexpected row: key %q value %q url %q", key, value, urlText)
	}

	dir := os.Getenv("BATON_INTEROP_DIR")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go-lcache.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
