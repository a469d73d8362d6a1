// Package jira is the Jira Cloud connector (SPEC §5): it reads users and
// issues over REST v3 with basic auth (email + API token) and maps them to
// Ovia's normalized records — identity.Identity for users, connectors.Issue,
// connectors.Transition (status and sprint changes from each issue's
// changelog) and connectors.Sprint.
//
// Issues are searched with /rest/api/3/search/jql (nextPageToken paging,
// looping on isLast) using a JQL query built by JQL, whose date literal is
// formatted in the API user's time zone (from /rest/api/3/myself) at minute
// precision; when the zone is unknown the window is widened by 24 hours.
// Custom field ids (story points, sprint, team, flagged) are discovered from
// /rest/api/3/field by name unless overridden in Config. Configuration comes
// from JIRA_* environment variables through ConfigFromEnv.
package jira
