//go:build tools

// Package tools pins modules the project uses before their first import lands.
package tools

import (
	_ "github.com/FerretDB/FerretDB/ferretdb"
	_ "github.com/chromedp/chromedp"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/labstack/echo/v4"
	_ "github.com/minio/minio-go/v7"
	_ "go.mongodb.org/mongo-driver/mongo"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/image/webp"
	_ "gopkg.in/yaml.v3"
)
