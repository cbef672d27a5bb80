package mongodb

import (
	"context"
	"hash/fnv"
	"sync"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// stripes serialises, within this process, the writes that embedded
// FerretDB does not make atomic: it applies an update by reading and
// rewriting the document, so two concurrent updates filtered on the same
// version both succeed (seen: 2 of 30), and 50 concurrent $inc of one
// counter added 2 to 26. MongoDB makes each single-document update atomic
// on its own; the lock costs it nothing and keeps FerretDB correct, which
// runs inside this one process.
type stripes [64]sync.Mutex

// locks is shared by every store of the process, however many are made.
var locks stripes

// lock locks the stripe of key and returns its unlock.
func (s *stripes) lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &s[h.Sum32()%uint32(len(s))]
	m.Lock()
	return m.Unlock
}

var (
	ferretMu    sync.Mutex
	ferretKnown = map[*mongo.Client]bool{}
	// assumeMongo makes isFerret say false, so tests run the MongoDB code
	// paths (compare-and-swap filters, list and dashboard queries) on
	// FerretDB.
	assumeMongo bool
)

// isFerret reports whether db is served by FerretDB (its buildInfo says
// so), asking once per client.
func isFerret(ctx context.Context, db *mongo.Database) bool {
	ferretMu.Lock()
	defer ferretMu.Unlock()
	if assumeMongo {
		return false
	}
	if v, ok := ferretKnown[db.Client()]; ok {
		return v
	}
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false // not cached: asked again next time
	}
	_, v := info["ferretdbVersion"]
	ferretKnown[db.Client()] = v
	return v
}

// cas is the filter of a compare-and-swap write on the document with _id
// id whose fields must still hold expect. The caller holds the stripe lock
// of the document and has just read it and checked expect. On MongoDB the
// expected values are part of the filter, which the server applies
// atomically even across processes. On FerretDB the filter is _id alone:
// FerretDB serves only an _id-only filter without decoding every document
// (3,000 cases: 15 ms by _id, 360 ms by _id and version), and its updates
// are not atomic anyway, so the lock is what makes the swap safe there.
func cas(ctx context.Context, db *mongo.Database, id string, expect bson.M) bson.M {
	if isFerret(ctx, db) {
		return bson.M{"_id": id}
	}
	f := bson.M{"_id": id}
	for k, v := range expect {
		f[k] = v
	}
	return f
}
