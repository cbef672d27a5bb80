package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/writeconcern"
)

// Connect opens a client to uri and checks the server answers. It sets no
// client-wide operation timeout: FerretDB refuses maxTimeMS on distinct, so
// callers bound each operation with their context instead.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(10 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetWriteConcern(writeconcern.Majority()).
		SetAppName("anju")
	c, err := mongo.Connect(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := c.Ping(pctx, nil); err != nil {
		_ = c.Disconnect(context.Background())
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return c, nil
}

// isNotFound reports whether err says that no document matched.
func isNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }
