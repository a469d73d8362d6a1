// Package connectors defines the normalized records every source produces
// (issues, transitions, sprints, projects, merge requests, pipelines,
// deployments, and identity.Identity for users), the contracts a source
// implements, and the sync engine that moves pages of records into storage
// under a per-stream watermark lease (SPEC §5).
package connectors
