package ovia

import (
	"context"
	"log/slog"
	"time"

	"github.com/ovia-hq/ovia/identity"
	"github.com/ovia-hq/ovia/internal/oviaerr"
	"github.com/ovia-hq/ovia/kpi"
	"github.com/ovia-hq/ovia/matching"
	"github.com/ovia-hq/ovia/storage"
)

// Sentinel errors shared by every Ovia package: errors.Is(err,
// ovia.ErrNotFound) holds whichever package returned err.
var (
	ErrNotFound = oviaerr.ErrNotFound
	ErrConflict = oviaerr.ErrConflict
	ErrInvalid  = oviaerr.ErrInvalid
)

// ValidationError carries field-level details of an ErrInvalid.
type ValidationError = oviaerr.ValidationError

// Version is the SDK and daemon version (set at build time with
// -ldflags "-X github.com/ovia-hq/ovia.Version=…").
var Version = "0.1.0-dev"

// Config is the plain configuration of a Client.
type Config struct {
	// Logger receives structured logs (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests inject a fixed one.
	Now func() time.Time
	// SkipMigrate opens without applying migrations.
	SkipMigrate bool
	// Matching configures the matching engine (default matching.DefaultConfig()).
	Matching matching.Config
	// KPI options (classifier, stale-MR age…) for every snapshot.
	KPI []kpi.Option
}

// Option changes a Config.
type Option func(*Config)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Config) { c.Logger = l } }

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// WithMatching sets the matching engine's configuration (thresholds,
// domain aliases, service-account patterns).
func WithMatching(m matching.Config) Option { return func(c *Config) { c.Matching = m } }

// WithKPIOptions sets options for every KPI computation (classifier,
// stale-MR threshold, …).
func WithKPIOptions(opts ...kpi.Option) Option {
	return func(c *Config) { c.KPI = append(c.KPI, opts...) }
}

// WithoutMigrations opens without applying migrations (see Client.Migrate).
func WithoutMigrations() Option { return func(c *Config) { c.SkipMigrate = true } }

// Client is an open Ovia installation.
type Client struct {
	cfg      Config
	db       *storage.DB
	identity *identity.Service
}

// Open opens the database dsn names: "sqlite:PATH", a bare file path, or a
// postgres:// URL. Migrations are applied unless WithoutMigrations is given.
func Open(ctx context.Context, dsn string, opts ...Option) (*Client, error) {
	cfg := Config{Now: time.Now, Logger: slog.New(slog.DiscardHandler), Matching: matching.DefaultConfig()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Matching.Validate(); err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, dsn, storage.Options{Now: cfg.Now, Logger: cfg.Logger, SkipMigrate: cfg.SkipMigrate})
	if err != nil {
		return nil, err
	}
	return &Client{
		cfg:      cfg,
		db:       db,
		identity: identity.NewService(db.Identity(), identity.WithClock(cfg.Now), identity.WithLogger(cfg.Logger)),
	}, nil
}

// Close releases the database.
func (c *Client) Close() error { return c.db.Close() }

// Identity is the identity service (list, confirm, remap, split, reject…).
func (c *Client) Identity() *identity.Service { return c.identity }

// DB is the underlying database, for storage-level operations.
func (c *Client) DB() *storage.DB { return c.db }

// Migrate applies pending migrations and returns their names.
func (c *Client) Migrate(ctx context.Context) ([]string, error) { return c.db.Migrate(ctx) }

// Now is the client's clock.
func (c *Client) Now() time.Time { return c.cfg.Now() }

// Ping checks the database answers.
func (c *Client) Ping(ctx context.Context) error { return c.db.Ping(ctx) }
