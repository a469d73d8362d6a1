// Package confluence is the Confluence Cloud connector (SPEC §5): it reads
// the members of configured groups from
// /wiki/rest/api/group/{groupId}/membersByGroupId and maps them to
// identity.Identity records (accountType app → service account; display
// name falling back to publicName).
//
// Paging uses start/limit (limit at most 200) and _links.next, and also
// stops on a short or empty page, since next has been seen missing. An
// unknown group id answers an empty page rather than 404; that is reported
// in Page.Notes. Credentials are shared with Jira (JIRA_EMAIL,
// JIRA_API_TOKEN) unless CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN are set.
package confluence
