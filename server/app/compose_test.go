package app

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// There is no Docker engine where the tests run, so compose.yaml and the
// Dockerfile are checked by reading them.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     any               `yaml:"command"`
	Entrypoint  any               `yaml:"entrypoint"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test any `yaml:"test"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
	Ports   []string `yaml:"ports"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

func flat(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, flat(p))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// interpolate resolves ${X:-default} to its default and ${X:?msg} to a
// stand-in secret, as compose would with a complete .env file.
var interpRe = regexp.MustCompile(`\$\{([A-Z0-9_]+)(:-([^}]*)|:\?([^}]*))?\}`)

func interpolate(s string) string {
	return interpRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := interpRe.FindStringSubmatch(m)
		if strings.HasPrefix(sub[2], ":-") {
			return sub[3]
		}
		return "stand-in-secret-" + strings.ToLower(sub[1]) + "-0123456789abcdef"
	})
}

func TestComposeRunsTheWholeProduct(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"app", "mongo", "minio", "minio-init"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	// Pulled images are pinned to a release, never latest.
	pinned := map[string]*regexp.Regexp{
		"mongo":      regexp.MustCompile(`^mongo:7\.\d+\.\d+$`),
		"minio":      regexp.MustCompile(`^minio/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$`),
		"minio-init": regexp.MustCompile(`^minio/mc:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$`),
	}
	for name, s := range c.Services {
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %s has neither image nor build", name)
		}
		if s.Image != "" && (!strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest")) {
			t.Errorf("service %s image %q is not pinned", name, s.Image)
		}
		if re := pinned[name]; re != nil && !re.MatchString(s.Image) {
			t.Errorf("service %s image %q, want %s", name, s.Image, re)
		}
	}
	for _, name := range []string{"app", "mongo", "minio"} {
		if c.Services[name].Healthcheck == nil || flat(c.Services[name].Healthcheck.Test) == "" {
			t.Errorf("service %s has no healthcheck", name)
		}
	}

	mongo := c.Services["mongo"]
	if !strings.Contains(flat(mongo.Command), "--replSet rs0") {
		t.Errorf("mongo is not started as replica set rs0: %v", mongo.Command)
	}
	if hc := flat(mongo.Healthcheck.Test); !strings.Contains(hc, "rs.initiate") || !strings.Contains(hc, "isWritablePrimary") {
		t.Errorf("mongo healthcheck does not initiate the replica set and wait for a primary: %s", hc)
	}
	initCmd := flat(c.Services["minio-init"].Entrypoint)
	if !strings.Contains(initCmd, "mc mb --ignore-existing") {
		t.Errorf("minio-init does not create the bucket: %s", initCmd)
	}

	app := c.Services["app"]
	for _, name := range envNames() {
		if _, ok := app.Environment[name]; !ok {
			t.Errorf("app does not set %s", name)
		}
	}
	for dep, cond := range map[string]string{"mongo": "service_healthy", "minio": "service_healthy", "minio-init": "service_completed_successfully"} {
		if app.DependsOn[dep].Condition != cond {
			t.Errorf("app depends on %s with %q, want %q", dep, app.DependsOn[dep].Condition, cond)
		}
	}
	env := map[string]string{}
	for k, v := range app.Environment {
		env[k] = interpolate(v)
	}
	if !strings.Contains(env["ANJU_MONGO_URI"], "mongo:27017") || !strings.Contains(env["ANJU_MONGO_URI"], "replicaSet=rs0") {
		t.Errorf("ANJU_MONGO_URI %q does not reach the replica set", env["ANJU_MONGO_URI"])
	}
	if !strings.HasPrefix(env["ANJU_S3_ENDPOINT"], "minio:") {
		t.Errorf("ANJU_S3_ENDPOINT %q is not the minio service", env["ANJU_S3_ENDPOINT"])
	}
	if env["ANJU_S3_ACCESS_KEY"] != interpolate(c.Services["minio"].Environment["MINIO_ROOT_USER"]) {
		t.Error("app and minio disagree on the access key")
	}
	// The certificate files lie in a folder mounted into the app.
	for _, k := range []string{"ANJU_TLS_CERT", "ANJU_TLS_KEY"} {
		mounted := false
		for _, v := range app.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && strings.HasPrefix(env[k], strings.TrimSuffix(parts[1], "/")+"/") {
				mounted = true
			}
		}
		if !mounted {
			t.Errorf("%s=%s is not inside a mounted volume %v", k, env[k], app.Volumes)
		}
	}
	// With the files aside, the app's settings pass the server's own checks.
	env["ANJU_TLS_CERT"], env["ANJU_TLS_KEY"] = "", ""
	if _, err := LoadConfig(func(k string) string { return env[k] }); err != nil {
		t.Errorf("compose settings refused by the server: %v", err)
	}
	for _, v := range append(app.Volumes, mongo.Volumes...) {
		name := strings.Split(v, ":")[0]
		if !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "/") {
			if _, ok := c.Volumes[name]; !ok {
				t.Errorf("volume %s is not declared", name)
			}
		}
	}
}

func TestDockerfileBuildsAStaticBinaryInStages(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(s, -1)
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got %d FROM lines", len(froms))
	}
	for _, f := range froms {
		if !strings.Contains(f[1], ":") || strings.HasSuffix(f[1], ":latest") {
			t.Errorf("base image %s is not pinned", f[1])
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "./server", "USER nonroot", "HEALTHCHECK", `"/anju", "healthcheck"`} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
