// Command server runs 安居 (Anju), the field app and API of Yongjing
// County's rural dangerous-house renovation and seismic retrofit program.
// With no configuration it keeps everything under ./data (embedded
// database, photos) and listens on :8080; see README.md and
// docs/architecture.md (the product's code is in server/app).
package main

import (
	"os"

	"github.com/yongjing/anju/server/app"
)

func main() { os.Exit(app.Main(os.Args[1:])) }
