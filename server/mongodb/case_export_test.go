package mongodb

import "go.mongodb.org/mongo-driver/mongo"

// Internals the external tests reach for.
var (
	KeysOf           = keysOf
	EmptyCounts      = emptyCounts
	StaleReservation = staleReservation
)

// KeyDoc is keyDoc for the external tests.
type KeyDoc = keyDoc

// Collections returns the store's three collections.
func (s *Cases) Collections() (cases, keys, counts *mongo.Collection) {
	return s.cases, s.keys, s.counts
}

// ArchiveCollections returns the 档案编号 reservations and counters.
func (s *Cases) ArchiveCollections() (numbers, counters *mongo.Collection) {
	return s.numbers, s.counters
}
