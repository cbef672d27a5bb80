package app

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Config is the server's configuration, read once from ANJU_* environment
// variables (see README.md for the table). Zero values mean "use the
// default": embedded database, photos on disk, a generated JWT secret.
type Config struct {
	Addr          string // ANJU_ADDR, listen address host:port
	DataDir       string // ANJU_DATA_DIR, embedded database, photos on disk, jwt-secret
	MongoURI      string // ANJU_MONGO_URI; empty: embedded FerretDB under DataDir/db
	MongoDB       string // ANJU_MONGO_DB, database name
	S3Endpoint    string // ANJU_S3_ENDPOINT host:port; empty: photos under DataDir/objects
	S3AccessKey   string // ANJU_S3_ACCESS_KEY
	S3SecretKey   string // ANJU_S3_SECRET_KEY
	S3Bucket      string // ANJU_S3_BUCKET
	S3UseSSL      bool   // ANJU_S3_USE_SSL
	JWTSecret     string // ANJU_JWT_SECRET; empty: generated once into DataDir/jwt-secret
	AdminPassword string // ANJU_ADMIN_PASSWORD, password of `admin` created on first start
	TLSCert       string // ANJU_TLS_CERT, PEM certificate file: serve HTTPS
	TLSKey        string // ANJU_TLS_KEY, PEM key file
	Demo          bool   // ANJU_DEMO, load sample villages and cases
	// PhotoMaxDistanceM is ANJU_PHOTO_MAX_DISTANCE_M: a photo of the house
	// taken farther than this from its recorded location is warned about.
	PhotoMaxDistanceM float64
	// PublicURL is ANJU_PUBLIC_URL, the address people reach the server
	// at (https://host[:port]); the QR codes on printed forms link there.
	// Empty: the address of the request that printed the form.
	PublicURL string
	// TrustedProxies is ANJU_TRUSTED_PROXIES: comma-separated addresses or
	// CIDR ranges of reverse proxies in front of the server, whose
	// X-Forwarded-For tells the client's address. Empty: X-Forwarded-For is
	// ignored and the connection's peer is the client.
	TrustedProxies string

	// BcryptCost is the password hashing cost; not configurable from the
	// environment (tests lower it to keep the race detector bearable).
	BcryptCost int
	// HashSlots is how many password hashes run at once (0: half the
	// CPUs, at least one); not configurable from the environment.
	HashSlots int
}

// Defaults of the configuration.
const (
	DefaultAddr     = ":8080"
	DefaultDataDir  = "./data"
	DefaultMongoDB  = "anju"
	DefaultS3Bucket = "anju-photos"
)

// envNames lists every variable LoadConfig reads (the compose test checks
// that compose.yaml sets each of them).
func envNames() []string {
	return []string{
		"ANJU_ADDR", "ANJU_DATA_DIR", "ANJU_MONGO_URI", "ANJU_MONGO_DB",
		"ANJU_S3_ENDPOINT", "ANJU_S3_ACCESS_KEY", "ANJU_S3_SECRET_KEY", "ANJU_S3_BUCKET", "ANJU_S3_USE_SSL",
		"ANJU_JWT_SECRET", "ANJU_ADMIN_PASSWORD", "ANJU_TLS_CERT", "ANJU_TLS_KEY", "ANJU_DEMO",
		"ANJU_PHOTO_MAX_DISTANCE_M", "ANJU_PUBLIC_URL", "ANJU_TRUSTED_PROXIES",
	}
}

// LoadConfig reads the configuration through getenv (os.Getenv in main)
// and validates it. Errors name the variable at fault.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:           get("ANJU_ADDR", DefaultAddr),
		DataDir:        get("ANJU_DATA_DIR", DefaultDataDir),
		MongoURI:       get("ANJU_MONGO_URI", ""),
		MongoDB:        get("ANJU_MONGO_DB", DefaultMongoDB),
		S3Endpoint:     get("ANJU_S3_ENDPOINT", ""),
		S3AccessKey:    get("ANJU_S3_ACCESS_KEY", ""),
		S3SecretKey:    getenv("ANJU_S3_SECRET_KEY"),
		S3Bucket:       get("ANJU_S3_BUCKET", DefaultS3Bucket),
		JWTSecret:      getenv("ANJU_JWT_SECRET"),
		AdminPassword:  getenv("ANJU_ADMIN_PASSWORD"),
		TLSCert:        get("ANJU_TLS_CERT", ""),
		TLSKey:         get("ANJU_TLS_KEY", ""),
		PublicURL:      strings.TrimRight(get("ANJU_PUBLIC_URL", ""), "/"),
		TrustedProxies: get("ANJU_TRUSTED_PROXIES", ""),
	}
	var errs []error
	var err error
	if c.S3UseSSL, err = parseBool("ANJU_S3_USE_SSL", getenv("ANJU_S3_USE_SSL")); err != nil {
		errs = append(errs, err)
	}
	if c.Demo, err = parseBool("ANJU_DEMO", getenv("ANJU_DEMO")); err != nil {
		errs = append(errs, err)
	}
	c.PhotoMaxDistanceM = DefaultMaxPhotoDistanceM
	if v := strings.TrimSpace(getenv("ANJU_PHOTO_MAX_DISTANCE_M")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			errs = append(errs, fmt.Errorf("ANJU_PHOTO_MAX_DISTANCE_M=%q: 应为正数（米） (must be a positive number of metres)", v))
		} else {
			c.PhotoMaxDistanceM = f
		}
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

func parseBool(name, v string) (bool, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: 应为 true 或 false (must be true or false)", name, v)
	}
	return b, nil
}

var (
	dbNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}$`)
	bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// Validate checks each value and the rules between them; every problem is
// reported, each naming its variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("ANJU_ADDR=%q: 应为 主机:端口，例如 :8080 (must be host:port)", c.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("ANJU_ADDR=%q: 端口无效 (invalid port)", c.Addr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("ANJU_DATA_DIR: 不能为空 (must not be empty)")
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		bad("ANJU_MONGO_URI: 应以 mongodb:// 或 mongodb+srv:// 开头 (must be a MongoDB connection string)")
	}
	if !dbNameRe.MatchString(c.MongoDB) {
		bad("ANJU_MONGO_DB=%q: 只能包含字母、数字、_ 和 - (invalid database name)", c.MongoDB)
	}
	if c.S3Endpoint != "" {
		if strings.Contains(c.S3Endpoint, "://") || strings.Contains(c.S3Endpoint, "/") {
			bad("ANJU_S3_ENDPOINT=%q: 应为 主机:端口，不含 http:// (host:port without scheme; use ANJU_S3_USE_SSL for https)", c.S3Endpoint)
		}
		if c.S3AccessKey == "" {
			bad("ANJU_S3_ACCESS_KEY: 设置了 ANJU_S3_ENDPOINT 时必须填写 (required with ANJU_S3_ENDPOINT)")
		}
		if c.S3SecretKey == "" {
			bad("ANJU_S3_SECRET_KEY: 设置了 ANJU_S3_ENDPOINT 时必须填写 (required with ANJU_S3_ENDPOINT)")
		}
	}
	if !bucketRe.MatchString(c.S3Bucket) || strings.Contains(c.S3Bucket, "..") {
		bad("ANJU_S3_BUCKET=%q: 存储桶名称无效，应为3到63位小写字母、数字、. 或 - (invalid bucket name)", c.S3Bucket)
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		bad("ANJU_JWT_SECRET: 至少32个字符 (must be at least 32 characters)")
	}
	if c.AdminPassword != "" && len([]rune(c.AdminPassword)) < 8 {
		bad("ANJU_ADMIN_PASSWORD: 至少8个字符 (must be at least 8 characters)")
	}
	if len(c.AdminPassword) > 72 {
		bad("ANJU_ADMIN_PASSWORD: 不能超过72个字节 (must be at most 72 bytes)")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("ANJU_PUBLIC_URL=%q: 应为 https://主机[:端口]，例如 https://anju.example.cn (must be an http(s) address)", c.PublicURL)
		}
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("ANJU_TLS_CERT 和 ANJU_TLS_KEY 须同时设置 (set both or neither)")
	}
	for _, f := range []struct{ name, path string }{{"ANJU_TLS_CERT", c.TLSCert}, {"ANJU_TLS_KEY", c.TLSKey}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil || st.IsDir() {
			bad("%s=%q: 文件不存在或不可读 (file not found)", f.name, f.path)
		}
	}
	return errors.Join(errs...)
}

// parseTrustedProxies reads ANJU_TRUSTED_PROXIES: addresses (a /32 or
// /128 each) and CIDR ranges, separated by commas.
func parseTrustedProxies(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("ANJU_TRUSTED_PROXIES: %q 不是IP地址或网段，例如 10.0.0.5 或 10.0.0.0/24 (not an address or CIDR range)", part)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("ANJU_TRUSTED_PROXIES: %q 不是IP地址或网段，例如 10.0.0.5 或 10.0.0.0/24 (not an address or CIDR range)", part)
		}
		out = append(out, n)
	}
	return out, nil
}

// TLS reports whether the server speaks HTTPS itself.
func (c Config) TLS() bool { return c.TLSCert != "" }
