// Secrets interop: the armored age files baton-demo printed for --secret-recipient (left in
// BATON_INTEROP_DIR by tests/provision/test_provision_e2e), opened with filippo.io/age and the Go
// SDK's own jwk provider.
//
//   - secrets-rotate-x25519.age, encrypted to the X25519 identity in secrets-x25519-identity.txt,
//     decrypts with age.Decrypt to the password our decryptor found (secrets-rotate-x25519.txt);
//   - secrets-rotate-jwk.age, encrypted to the Ed25519 JWK secrets-ed25519-jwk.json (private seed
//     in secrets-ed25519-seed.hex), decrypts with the SDK's JWKEncryptionProvider.Decrypt (the
//     baton/jwk/v1 provider: age to the ssh-ed25519 recipient of the key) to a 20-character
//     password, and the key id we logged (secrets-ed25519-kid.txt) is the SDK's Thumbprint.
//
// Skips when the directory or the files are absent (the C test has not run).
package interop

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/go-jose/go-jose/v4"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/crypto/providers/jwk"
)

func secretsFile(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv("BATON_INTEROP_DIR")
	if dir == "" {
		t.Skip("BATON_INTEROP_DIR is not set: run scripts/interop.sh")
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		t.Skipf("%s is missing: run tests/provision/test_provision_e2e first", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dearmor reads an armored age file whole, as `age -d` would.
func dearmor(t *testing.T, armored []byte) []byte {
	t.Helper()
	bin, err := io.ReadAll(armor.NewReader(bytes.NewReader(armored)))
	if err != nil {
		t.Fatalf("armor: %v", err)
	}
	return bin
}

func TestSecretsX25519(t *testing.T) {
	idText := secretsFile(t, "secrets-x25519-identity.txt")
	armored := secretsFile(t, "secrets-rotate-x25519.age")
	want := secretsFile(t, "secrets-rotate-x25519.txt")

	id, err := age.ParseX25519Identity(strings.TrimSpace(string(idText)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(dearmor(t, armored)), id)
	if err != nil {
		t.Fatalf("age.Decrypt: %v", err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("decrypted %q, our decryptor found %q", got, want)
	}
	if len(got) != 20 {
		t.Fatalf("password of %d characters, want 20", len(got))
	}
}

func TestSecretsJWKEd25519(t *testing.T) {
	seedHex := secretsFile(t, "secrets-ed25519-seed.hex")
	pubJWK := secretsFile(t, "secrets-ed25519-jwk.json")
	kid := secretsFile(t, "secrets-ed25519-kid.txt")
	armored := secretsFile(t, "secrets-rotate-jwk.age")

	seed, err := hex.DecodeString(strings.TrimSpace(string(seedHex)))
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("bad seed: %v", err)
	}
	priv := ed25519.NewKeyFromSeed(seed)

	var pub jose.JSONWebKey
	if err := pub.UnmarshalJSON(pubJWK); err != nil {
		t.Fatalf("our JWK does not parse with go-jose: %v", err)
	}
	if !bytes.Equal(pub.Key.(ed25519.PublicKey), priv.Public().(ed25519.PublicKey)) {
		t.Fatal("the JWK is not the seed's public key")
	}
	tp, err := jwk.Thumbprint(&pub)
	if err != nil {
		t.Fatal(err)
	}
	if tp != strings.TrimSpace(string(kid)) {
		t.Fatalf("we logged key id %s, the SDK's thumbprint is %s", kid, tp)
	}

	// The SDK's provider takes the age file as standard base64 text in encrypted_bytes.
	bin := dearmor(t, armored)
	ed := v2.EncryptedData_builder{
		Provider:       jwk.EncryptionProviderJwk,
		Name:           "password",
		EncryptedBytes: []byte(base64.StdEncoding.EncodeToString(bin)),
		KeyIds:         []string{tp},
	}.Build()
	p := &jwk.JWKEncryptionProvider{}
	pt, err := p.Decrypt(context.Background(), ed, &jose.JSONWebKey{Key: priv})
	if err != nil {
		t.Fatalf("the SDK's jwk provider cannot decrypt our file: %v", err)
	}
	if n := len(pt.GetBytes()); n != 20 {
		t.Fatalf("password of %d characters, want 20", n)
	}
}
