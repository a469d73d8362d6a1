// Package fake is an in-process fake of Jira Cloud, GitLab and Confluence
// Cloud for tests, benchmarks and `oviad demo` (SPEC §5, last paragraph).
//
// Generate builds a seeded, deterministic org: people with several
// accounts each (transliterated and Cyrillic names, nicknames, hidden
// Atlassian emails, personal GitLab accounts, namesakes, bots and apps),
// Jira issues with full changelogs (workflow transitions, reopenings,
// sprint carry-overs, flags, "is blocked by" links, story points sometimes
// as strings, incidents after production deploys), and GitLab projects,
// merge requests, pipelines and deployments. The Org exposes that ground
// truth in Go so a test can compare a sync's result with it, and Touch* /
// Mutate change it for incremental syncs.
//
// NewJiraServer, NewGitLabServer and NewConfluenceServer serve an Org with
// the real endpoints, paging rules, date formats and payload shapes
// (nextPageToken search with no total and 410 on the old search,
// X-Next-Page without X-Total past 10,000 rows, keyset Link headers,
// Confluence _links.next), and require the real authentication. Start runs
// them on loopback. Faults injects deterministic rate limits, 5xx bursts,
// truncated or invalid JSON, slow pages, items changing mid-sync and
// duplicates across pages; Stats and Log record what was asked and what
// was injected.
//
// Pages are assembled from JSON fragments encoded once per base URL
// (users, statuses, sprints…) plus per-issue values, so serving 100,000
// issues stays cheap without keeping encoded issues in memory.
package fake
