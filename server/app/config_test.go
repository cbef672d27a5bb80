package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := LoadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: ":8080", DataDir: "./data", MongoDB: "anju", S3Bucket: "anju-photos", PhotoMaxDistanceM: 300}
	if c != want {
		t.Errorf("defaults\n got %+v\nwant %+v", c, want)
	}
}

func TestConfigReadsEveryVariable(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, p := range []string{cert, key} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"ANJU_ADDR": "0.0.0.0:8443", "ANJU_DATA_DIR": "/var/lib/anju", "ANJU_MONGO_URI": "mongodb://mongo:27017/?replicaSet=rs0",
		"ANJU_MONGO_DB": "anju_prod", "ANJU_S3_ENDPOINT": "minio:9000", "ANJU_S3_ACCESS_KEY": "ak", "ANJU_S3_SECRET_KEY": "sk",
		"ANJU_S3_BUCKET": "photos", "ANJU_S3_USE_SSL": "true", "ANJU_JWT_SECRET": strings.Repeat("s", 40),
		"ANJU_ADMIN_PASSWORD": "first-password", "ANJU_TLS_CERT": cert, "ANJU_TLS_KEY": key, "ANJU_DEMO": "1",
		"ANJU_PHOTO_MAX_DISTANCE_M": "500", "ANJU_PUBLIC_URL": "https://anju.example.cn/",
		"ANJU_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16",
	}
	if len(env) != len(envNames()) {
		t.Fatalf("test sets %d variables, the server reads %d", len(env), len(envNames()))
	}
	c, err := LoadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "0.0.0.0:8443", DataDir: "/var/lib/anju", MongoURI: "mongodb://mongo:27017/?replicaSet=rs0",
		MongoDB: "anju_prod", S3Endpoint: "minio:9000", S3AccessKey: "ak", S3SecretKey: "sk", S3Bucket: "photos",
		S3UseSSL: true, JWTSecret: strings.Repeat("s", 40), AdminPassword: "first-password", TLSCert: cert, TLSKey: key, Demo: true,
		PhotoMaxDistanceM: 500, PublicURL: "https://anju.example.cn", TrustedProxies: "10.0.0.5, 10.1.0.0/16"}
	if c != want {
		t.Errorf("\n got %+v\nwant %+v", c, want)
	}
	if !c.TLS() {
		t.Error("TLS() false with a certificate")
	}
}

func TestConfigRefusesBadValuesNamingTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"ANJU_ADDR": "8080"}, "ANJU_ADDR"},
		{map[string]string{"ANJU_ADDR": ":99999"}, "ANJU_ADDR"},
		{map[string]string{"ANJU_MONGO_URI": "localhost:27017"}, "ANJU_MONGO_URI"},
		{map[string]string{"ANJU_MONGO_DB": "a b"}, "ANJU_MONGO_DB"},
		{map[string]string{"ANJU_S3_ENDPOINT": "http://minio:9000", "ANJU_S3_ACCESS_KEY": "a", "ANJU_S3_SECRET_KEY": "b"}, "ANJU_S3_ENDPOINT"},
		{map[string]string{"ANJU_S3_ENDPOINT": "minio:9000", "ANJU_S3_SECRET_KEY": "b"}, "ANJU_S3_ACCESS_KEY"},
		{map[string]string{"ANJU_S3_ENDPOINT": "minio:9000", "ANJU_S3_ACCESS_KEY": "a"}, "ANJU_S3_SECRET_KEY"},
		{map[string]string{"ANJU_S3_BUCKET": "Anju_Photos"}, "ANJU_S3_BUCKET"},
		{map[string]string{"ANJU_S3_USE_SSL": "yes please"}, "ANJU_S3_USE_SSL"},
		{map[string]string{"ANJU_JWT_SECRET": "short"}, "ANJU_JWT_SECRET"},
		{map[string]string{"ANJU_ADMIN_PASSWORD": "1234567"}, "ANJU_ADMIN_PASSWORD"},
		{map[string]string{"ANJU_TLS_CERT": "/nonexistent/cert.pem"}, "ANJU_TLS_KEY"},
		{map[string]string{"ANJU_TLS_CERT": "/nonexistent/cert.pem", "ANJU_TLS_KEY": "/nonexistent/key.pem"}, "ANJU_TLS_CERT"},
		{map[string]string{"ANJU_DEMO": "maybe"}, "ANJU_DEMO"},
		{map[string]string{"ANJU_PHOTO_MAX_DISTANCE_M": "-5"}, "ANJU_PHOTO_MAX_DISTANCE_M"},
		{map[string]string{"ANJU_PHOTO_MAX_DISTANCE_M": "300m"}, "ANJU_PHOTO_MAX_DISTANCE_M"},
		{map[string]string{"ANJU_PUBLIC_URL": "anju.example.cn"}, "ANJU_PUBLIC_URL"},
		{map[string]string{"ANJU_PUBLIC_URL": "ftp://anju.example.cn"}, "ANJU_PUBLIC_URL"},
		{map[string]string{"ANJU_TRUSTED_PROXIES": "10.0.0.5,proxy.lan"}, "ANJU_TRUSTED_PROXIES"},
		{map[string]string{"ANJU_TRUSTED_PROXIES": "10.0.0.0/33"}, "ANJU_TRUSTED_PROXIES"},
	} {
		_, err := LoadConfig(envOf(tc.env))
		if err == nil {
			t.Errorf("%v: accepted", tc.env)
			continue
		}
		if !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%v: error %q does not name %s", tc.env, err, tc.name)
		}
	}
	// Several problems are reported together.
	_, err := LoadConfig(envOf(map[string]string{"ANJU_ADDR": "x", "ANJU_DEMO": "x"}))
	if err == nil || !strings.Contains(err.Error(), "ANJU_ADDR") || !strings.Contains(err.Error(), "ANJU_DEMO") {
		t.Errorf("combined error: %v", err)
	}
}
