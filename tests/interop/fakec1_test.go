// fakec1's own checks, driven directly (no connector): the token endpoint refuses assertions
// that are signed by another key, meant for another audience, sent for another client or
// expired; gRPC calls without a valid, unexpired bearer token are UNAUTHENTICATED; an upload
// whose sha256 does not match is refused (DATA_LOSS) and not recorded, a matching one is.
package interop

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	v1 "github.com/conductorone/baton-sdk/pb/c1/connectorapi/baton/v1"
	"github.com/conductorone/baton-sdk/pkg/crypto"
)

func TestFakeC1Auth(t *testing.T) {
	fakeBin, _ := serviceTools(t)
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "script.json")
	if err := os.WriteFile(scriptPath, []byte(`{"token_ttl_seconds": 2, "tasks": [{"name": "hello", "task": {"hello": {}}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rec")
	f := startFake(t, fakeBin, scriptPath, out, "--timeout", "60s")

	// The secret fakec1 printed is one the Go SDK accepts.
	key, err := crypto.ParseClientSecret([]byte(f.ready.ClientSecret), false)
	if err != nil {
		t.Fatalf("the Go SDK does not accept fakec1's client secret: %v", err)
	}
	pem, err := os.ReadFile(f.ready.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem holds no certificate")
	}
	tlsConf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: 10 * time.Second}

	assertion := func(k any, aud string, exp time.Duration) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: k}, nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		s, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: f.ready.ClientID, Subject: f.ready.ClientID,
			Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(now.Add(exp)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-2 * time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	token := func(clientID, a string) (int, string) {
		form := url.Values{"client_id": {clientID}, "grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
		resp, err := hc.PostForm("https://"+f.ready.Host+"/auth/v1/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode == 200 && (body.TokenType != "Bearer" || body.ExpiresIn != 2) {
			t.Errorf("token answer: type %q, expires_in %d", body.TokenType, body.ExpiresIn)
		}
		return resp.StatusCode, body.AccessToken
	}

	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	aud := "tenant.fakec1.invalid"
	for _, c := range []struct {
		what, clientID, assertion string
	}{
		{"signed by another key", f.ready.ClientID, assertion(otherKey, aud, time.Minute)},
		{"for another audience", f.ready.ClientID, assertion(key, "127.0.0.1", time.Minute)},
		{"for another client", "someone@tenant.fakec1.invalid/pcc", assertion(key, aud, time.Minute)},
		{"expired", f.ready.ClientID, assertion(key, aud, -time.Minute)},
		{"not a JWS", f.ready.ClientID, "garbage"},
	} {
		if code, _ := token(c.clientID, c.assertion); code != http.StatusUnauthorized {
			t.Errorf("an assertion %s: HTTP %d, want 401", c.what, code)
		}
	}
	code, access := token(f.ready.ClientID, assertion(key, aud, time.Minute))
	if code != 200 || access == "" {
		t.Fatalf("a good assertion: HTTP %d, token %q", code, access)
	}

	conn, err := grpc.NewClient(f.ready.Host, grpc.WithTransportCredentials(credentials.NewTLS(tlsConf)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	api := v1.NewBatonServiceClient(conn)
	ctx := context.Background()
	with := func(tok string) context.Context {
		if tok == "" {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
	for _, tok := range []string{"", "not-a-token"} {
		if _, err := api.GetTask(with(tok), &v1.BatonServiceGetTaskRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("GetTask with token %q: %v, want UNAUTHENTICATED", tok, err)
		}
	}
	resp, err := api.GetTask(with(access), &v1.BatonServiceGetTaskRequest{})
	if err != nil || resp.GetTask().GetId() != "hello" || resp.GetTask().GetHello() == nil {
		t.Fatalf("GetTask with a good token: %v, %v", resp, err)
	}

	upload := func(data, sum []byte) error {
		st, err := api.UploadAsset(with(access))
		if err != nil {
			return err
		}
		msgs := []*v1.BatonServiceUploadAssetRequest{
			v1.BatonServiceUploadAssetRequest_builder{Metadata: v1.BatonServiceUploadAssetRequest_UploadMetadata_builder{TaskId: "hello"}.Build()}.Build(),
			v1.BatonServiceUploadAssetRequest_builder{Data: v1.BatonServiceUploadAssetRequest_UploadData_builder{Data: data}.Build()}.Build(),
			v1.BatonServiceUploadAssetRequest_builder{Eof: v1.BatonServiceUploadAssetRequest_UploadEOF_builder{Sha256Checksum: sum}.Build()}.Build(),
		}
		for _, m := range msgs {
			if err := st.Send(m); err != nil {
				break // the server's answer comes with CloseAndRecv
			}
		}
		_, err = st.CloseAndRecv()
		return err
	}
	data := []byte("an asset")
	good := sha256.Sum256(data)
	if err := upload(data, good[:5]); status.Code(err) != codes.DataLoss {
		t.Errorf("upload with a wrong sha256: %v, want DATA_LOSS", err)
	}
	if err := upload(data, good[:]); err != nil {
		t.Errorf("upload with the right sha256: %v", err)
	}

	// The token lives 2 s: afterwards it is refused.
	time.Sleep(2500 * time.Millisecond)
	if _, err := api.Heartbeat(with(access), v1.BatonServiceHeartbeatRequest_builder{TaskId: "hello"}.Build()); status.Code(err) != codes.Unauthenticated ||
		!strings.Contains(err.Error(), "expired") {
		t.Errorf("Heartbeat with an expired token: %v, want UNAUTHENTICATED (expired)", err)
	}
	_, fresh := token(f.ready.ClientID, assertion(key, aud, time.Minute))
	if _, err := api.Hello(with(fresh), v1.BatonServiceHelloRequest_builder{TaskId: "hello"}.Build()); err != nil {
		t.Fatalf("Hello finishing the task: %v", err)
	}
	if err := f.wait(t, 20*time.Second); err != nil {
		t.Fatalf("fakec1 did not end when its only task was done: %v\n%s", err, f.log.String())
	}
	rec := loadRecording(t, out)
	s := rec.Summary
	if !s.OK || s.TokenFailures != 5 || s.TokensIssued != 2 || s.Unauthenticated != 3 {
		t.Errorf("summary: ok %v, %d token failures (want 5), %d issued (want 2), %d unauthenticated calls (want 3)",
			s.OK, s.TokenFailures, s.TokensIssued, s.Unauthenticated)
	}
	if up := rec.tasks["hello"].Uploads; len(up) != 1 {
		t.Errorf("uploads recorded: %v, want only the good one", up)
	} else if b, err := os.ReadFile(filepath.Join(out, up[0])); err != nil || string(b) != string(data) {
		t.Errorf("the recorded upload: %q, %v", b, err)
	}
	if rec.helloReply(t, "hello") == nil || !rec.tasks["hello"].Done {
		t.Errorf("the Hello naming the hello task did not finish it")
	}
}
