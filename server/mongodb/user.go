package mongodb

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/yongjing/anju/domain"
)

// Users keeps the people who sign in, in the "users" collection. Writes
// of one user are serialised in this process: the embedded FerretDB
// rewrites the whole document on every update, so a rename landing just
// after a password change could otherwise bring the old session
// generation back (see case_lock.go).
type Users struct {
	c     *mongo.Collection
	locks *stripes
}

// NewUsers returns the user store of db.
func NewUsers(db *mongo.Database) *Users {
	return &Users{c: db.Collection("users"), locks: new(stripes)}
}

type userDoc struct {
	ID           string          `bson:"_id"`
	Username     string          `bson:"username"`
	Name         string          `bson:"name"`
	Role         string          `bson:"role"`
	AreaCode     string          `bson:"area_code"`
	PasswordHash string          `bson:"password_hash"`
	Disabled     bool            `bson:"disabled"`
	MustChange   bool            `bson:"must_change_password"`
	SessionGen   int             `bson:"session_gen"`
	CreatedAt    time.Time       `bson:"created_at"`
	UpdatedAt    time.Time       `bson:"updated_at"`
	History      []userChangeDoc `bson:"history"`
}

type userChangeDoc struct {
	At      time.Time `bson:"at"`
	By      string    `bson:"by"`
	ByName  string    `bson:"by_name"`
	Changes []string  `bson:"changes"`
}

func historyDocs(h []domain.UserChange) []userChangeDoc {
	out := []userChangeDoc{}
	for _, c := range h {
		out = append(out, userChangeDoc{At: c.At.UTC(), By: c.By, ByName: c.ByName, Changes: c.Changes})
	}
	return out
}

func userToDoc(u domain.User) userDoc {
	return userDoc{ID: u.ID, Username: u.Username, Name: u.Name, Role: string(u.Role), AreaCode: u.AreaCode,
		PasswordHash: u.PasswordHash, Disabled: u.Disabled, MustChange: u.MustChangePassword, SessionGen: u.SessionGen,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), History: historyDocs(u.History)}
}

func (d userDoc) toDomain() domain.User {
	u := domain.User{ID: d.ID, Username: d.Username, Name: d.Name, Role: domain.Role(d.Role), AreaCode: d.AreaCode,
		PasswordHash: d.PasswordHash, Disabled: d.Disabled, MustChangePassword: d.MustChange, SessionGen: d.SessionGen,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for _, c := range d.History {
		u.History = append(u.History, domain.UserChange{At: c.At, By: c.By, ByName: c.ByName, Changes: c.Changes})
	}
	return u
}

func errUserNotFound() error {
	return &domain.Error{Kind: domain.KindNotFound, Code: "user_not_found", Message: "用户不存在"}
}

// EnsureIndexes makes usernames unique.
func (s *Users) EnsureIndexes(ctx context.Context) error {
	_, err := s.c.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "username", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("username_unique"),
	})
	if err != nil {
		return fmt.Errorf("create users index: %w", err)
	}
	return nil
}

// Create stores a new user; a taken username is a conflict.
func (s *Users) Create(ctx context.Context, u domain.User) error {
	if _, err := s.c.InsertOne(ctx, userToDoc(u)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return &domain.Error{Kind: domain.KindConflict, Code: "username_taken", Message: "用户名已被使用",
				Fields: map[string]string{"username": "用户名已被使用"}}
		}
		return fmt.Errorf("insert user %s: %w", u.Username, err)
	}
	return nil
}

// ByID returns the user with id, or a not_found error.
func (s *Users) ByID(ctx context.Context, id string) (domain.User, error) {
	return s.one(ctx, bson.M{"_id": id})
}

// ByUsername returns the user with the (normalized) username, or a not_found error.
func (s *Users) ByUsername(ctx context.Context, username string) (domain.User, error) {
	return s.one(ctx, bson.M{"username": username})
}

func (s *Users) one(ctx context.Context, filter bson.M) (domain.User, error) {
	var d userDoc
	if err := s.c.FindOne(ctx, filter).Decode(&d); err != nil {
		if isNotFound(err) {
			return domain.User{}, errUserNotFound()
		}
		return domain.User{}, fmt.Errorf("find user: %w", err)
	}
	return d.toDomain(), nil
}

// UserFilter narrows a user list; empty fields match everything.
type UserFilter struct {
	Role   domain.Role
	Area   string // users whose area lies within this area
	Query  string // part of the username or name
	Limit  int
	Offset int
}

// List returns users matching f, ordered by username.
func (s *Users) List(ctx context.Context, f UserFilter) ([]domain.User, error) {
	filter := bson.M{}
	if f.Role != "" {
		filter["role"] = string(f.Role)
	}
	if f.Area != "" {
		filter["area_code"] = bson.M{"$regex": "^" + regexp.QuoteMeta(f.Area)}
	}
	if f.Query != "" {
		q := regexp.QuoteMeta(f.Query)
		filter["$or"] = bson.A{bson.M{"username": bson.M{"$regex": q, "$options": "i"}}, bson.M{"name": bson.M{"$regex": q}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "username", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	if f.Offset > 0 {
		opts.SetSkip(int64(f.Offset))
	}
	cur, err := s.c.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	out := make([]domain.User, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.toDomain())
	}
	return out, nil
}

// Update replaces the editable fields of the stored user u.ID (name, role,
// area, password hash, disabled, must change password, updated time,
// the record of changes). The session generation is not one of them: only
// EndSessions moves it, and only forward.
func (s *Users) Update(ctx context.Context, u domain.User) error {
	unlock := s.locks.lock(u.ID)
	defer unlock()
	ctx, cancel := detach(ctx)
	defer cancel()
	res, err := s.c.UpdateOne(ctx, bson.M{"_id": u.ID}, bson.M{"$set": bson.M{
		"name": u.Name, "role": string(u.Role), "area_code": u.AreaCode, "password_hash": u.PasswordHash,
		"disabled": u.Disabled, "must_change_password": u.MustChangePassword, "updated_at": u.UpdatedAt.UTC(),
		"history": historyDocs(u.History),
	}})
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if res.MatchedCount == 0 {
		return errUserNotFound()
	}
	return nil
}

// EndSessions moves the user's session generation on and returns the new
// one: every token minted under an earlier one is refused from now on
// (password changed or reset, account disabled).
func (s *Users) EndSessions(ctx context.Context, id string) (int, error) {
	unlock := s.locks.lock(id)
	defer unlock()
	ctx, cancel := detach(ctx)
	defer cancel()
	var d userDoc
	err := s.c.FindOneAndUpdate(ctx, bson.M{"_id": id}, bson.M{"$inc": bson.M{"session_gen": 1}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if isNotFound(err) {
		return 0, errUserNotFound()
	}
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %s: %w", id, err)
	}
	return d.SessionGen, nil
}
