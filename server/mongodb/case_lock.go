package mongodb

import (
	"hash/fnv"
	"sync"
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
