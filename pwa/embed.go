// Package pwa holds the field app's files (安居), served by the Go server
// from the binary: plain ES modules, no build step.
package pwa

import "embed"

// Files are the app's files as served: index.html at "/", the service
// worker at "/sw.js" (the server fills in its build version and shell
// list), and the modules, styles, manifest and icons beside them.
//
//go:embed index.html sw.js manifest.webmanifest css js icons
var Files embed.FS
