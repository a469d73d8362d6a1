// Package gitlab is the GitLab connector (SPEC §5): REST v4 with a
// PRIVATE-TOKEN header, reading users (the instance's users for an admin
// token, else group or project members), projects, merge requests,
// pipelines and deployments, and mapping them to Ovia's normalized records.
//
// Offset-paged lists follow X-Next-Page (or a Link rel="next") and never
// rely on X-Total / X-Total-Pages, which GitLab omits past 10,000 rows;
// users and projects use keyset pagination (pagination=keyset, Link
// rel="next"). Incremental streams filter on updated_after, ordered by
// updated_at ascending per project. Each merge request updated after it
// was opened gets its first review from its notes, oldest first, read
// until the first review: a comment (general, diff or reply) by someone
// other than the author and bots, or their "approved this merge request"
// / "requested changes" system note. The approvals endpoint is not used:
// its approved_by entries carry no time except on recent versions, while
// the approval's system note carries it on every version. Configuration comes from GITLAB_*
// environment variables through ConfigFromEnv.
package gitlab
