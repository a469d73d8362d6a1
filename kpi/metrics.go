package kpi

import "time"

// Sample is the evidence behind a metric. N is the number of rows the metric
// was computed over (the denominator of a rate, the size of a distribution,
// the counted rows of a count). Refs lists the rows that make the figure
// (the numerator rows of a rate, worst first for a distribution, the
// counted rows of a count), cut at the MaxRefs option; RefsTruncated tells.
type Sample struct {
	N             int   `json:"n"`
	Refs          []Ref `json:"refs"`
	RefsTruncated bool  `json:"refs_truncated,omitempty"`
}

// Distribution is a nearest-rank percentile summary. P50, P90 and Max are
// null when N is 0; P50Ref and P90Ref name the rows at those ranks.
type Distribution struct {
	Definition string `json:"definition"`
	Unit       string `json:"unit"`
	P50        Value  `json:"p50"`
	P90        Value  `json:"p90"`
	Max        Value  `json:"max"`
	P50Ref     Ref    `json:"p50_ref,omitempty"`
	P90Ref     Ref    `json:"p90_ref,omitempty"`
	Sample
}

// ClassCounts counts rows per throughput class; N is the total.
type ClassCounts struct {
	Bug     int `json:"bug"`
	Feature int `json:"feature"`
	Chore   int `json:"chore"`
	Sample
}

// Throughput is the work finished in the period (SPEC §7).
type Throughput struct {
	Definition    string      `json:"definition"`
	Issues        ClassCounts `json:"issues"`
	MergeRequests ClassCounts `json:"merge_requests"`
	Combined      ClassCounts `json:"combined"`
}

// Review-latency methods.
const (
	ReviewFirstReview = "first_review" // every MR had first_review_at
	ReviewMerged      = "merged"       // no MR had it: merged_at was used
	ReviewMixed       = "mixed"        // per MR, first_review_at when known
)

// ReviewLatency is the time from MR creation to its first review (or merge).
type ReviewLatency struct {
	Distribution
	// Method is ReviewFirstReview, ReviewMerged or ReviewMixed (empty when N is 0).
	Method string `json:"method,omitempty"`
	// FirstReviewN counts MRs measured to first_review_at, MergedN those
	// measured to merged_at.
	FirstReviewN int `json:"first_review_n"`
	MergedN      int `json:"merged_n"`
}

// IssueCycleTime is the time from an issue's first move into an
// in-progress status to its resolution.
type IssueCycleTime struct {
	Distribution
	// NeverInProgress lists resolved issues excluded because they never
	// entered an in-progress status before resolution.
	NeverInProgress Sample `json:"never_in_progress"`
	// Reopened lists measured issues that went back from done before their
	// final resolution (their cycle time includes the rework).
	Reopened Sample `json:"reopened"`
	// Outliers lists measured issues whose cycle time exceeds
	// OutlierFactor × P50 (risk input).
	Outliers      Sample  `json:"outliers"`
	OutlierFactor float64 `json:"outlier_factor"`
}

// Blockers are the issues open at period end that block delivery.
type Blockers struct {
	Definition string `json:"definition"`
	// Count equals Sample.N; Refs are the blockers.
	Count int `json:"count"`
	// Age is in days at period end (P50 and Max are the headline figures).
	Age Distribution `json:"age"`
	// ByPriority, Flagged and BlockedByOpen count the reasons (an issue may
	// have several).
	ByPriority    int `json:"by_priority"`
	Flagged       int `json:"flagged"`
	BlockedByOpen int `json:"blocked_by_open"`
	Sample
}

// SprintSpillover is one sprint's share of Spillover.
type SprintSpillover struct {
	Ref        Ref       `json:"ref"`
	Name       string    `json:"name"`
	CompleteAt time.Time `json:"complete_at"`
	Committed  int       `json:"committed"`
	Spilled    int       `json:"spilled"`
	Rate       Value     `json:"rate"`
	// SpilledRefs are the issues in the sprint at completion and not done.
	SpilledRefs []Ref `json:"spilled_refs"`
}

// Spillover is the share of sprint scope not done at sprint completion.
type Spillover struct {
	Definition string `json:"definition"`
	// Rate is Spilled ÷ Committed over every sprint completed in the period;
	// null when no completed sprint had issues.
	Rate      Value             `json:"rate"`
	Spilled   int               `json:"spilled"`
	Committed int               `json:"committed"`
	Sprints   []SprintSpillover `json:"sprints"`
	// Sample: N = Committed, Refs = spilled issues.
	Sample
}

// StaleMRs are open merge requests nobody touched for a while.
type StaleMRs struct {
	Definition string  `json:"definition"`
	AfterDays  float64 `json:"after_days"`
	Count      int     `json:"count"`
	Open       int     `json:"open"`
	// Percent is 100 × Count ÷ Open, null when nothing is open.
	Percent Value `json:"percent"`
	// Sample: N = Open, Refs = stale MRs.
	Sample
}

// DefaultBranchPipelines is the pipeline outcome on default branches.
type DefaultBranchPipelines struct {
	Failed int `json:"failed"`
	// Total counts success + failed (canceled, skipped and manual runs are
	// not outcomes).
	Total int `json:"total"`
	// Rate is Failed ÷ Total, null when Total is 0.
	Rate Value `json:"rate"`
	// Failing lists projects whose latest default-branch pipeline in the
	// period failed (the pipeline refs).
	Failing []Ref `json:"failing"`
}

// FailedPipelines counts failed CI runs.
type FailedPipelines struct {
	Definition string `json:"definition"`
	// Count is failed runs after retry supersession; Finished is the runs
	// counted; Retried the runs superseded by a later run of the same
	// project, ref and SHA.
	Count         int                    `json:"count"`
	Finished      int                    `json:"finished"`
	Retried       int                    `json:"retried"`
	DefaultBranch DefaultBranchPipelines `json:"default_branch"`
	// Sample: N = Finished, Refs = failed pipelines.
	Sample
}

// Band is a DORA performance cluster (2024 report); empty when the metric is null.
type Band string

// DORA bands, best first.
const (
	BandElite  Band = "elite"
	BandHigh   Band = "high"
	BandMedium Band = "medium"
	BandLow    Band = "low"
)

// DeploymentFrequency counts successful production deployments.
type DeploymentFrequency struct {
	Definition string `json:"definition"`
	// PerDay is deploys ÷ period days; DaysPerWeek is distinct UTC days
	// with a deploy ÷ (period days ÷ 7). Null when the source had no
	// deployment of any tier in the period (deployments not tracked).
	PerDay         Value `json:"per_day"`
	DaysPerWeek    Value `json:"days_per_week"`
	Deploys        int   `json:"deploys"`
	DaysWithDeploy int   `json:"days_with_deploy"`
	Band           Band  `json:"band"`
	Sample
}

// Lead-time methods.
const (
	LeadTimeMergeRequestIDs = "deployment_merge_requests" // the deployment lists the MRs it shipped
	LeadTimeNextDeploy      = "next_production_deploy"    // first successful production deploy of the project after merge
	LeadTimeMixed           = "mixed"
)

// LeadTime is merge → first production deploy shipping the MR (P50 is the median).
type LeadTime struct {
	Distribution
	Method string `json:"method,omitempty"`
	// ViaMergeRequestIDs and ViaNextDeploy count MRs per method;
	// Undeployed lists MRs merged in the period not yet shipped by period end.
	ViaMergeRequestIDs int    `json:"via_merge_request_ids"`
	ViaNextDeploy      int    `json:"via_next_deploy"`
	Undeployed         Sample `json:"undeployed"`
	Band               Band   `json:"band"`
}

// ChangeFailureRate is the share of production deploys followed by an
// incident before the next deploy.
type ChangeFailureRate struct {
	Definition string `json:"definition"`
	Rate       Value  `json:"rate"`
	Failed     int    `json:"failed"`
	Deploys    int    `json:"deploys"`
	// Incidents lists the incidents attributed to a deploy.
	Incidents []Ref `json:"incidents"`
	Band      Band  `json:"band"`
	// Sample: N = Deploys, Refs = failed deploys.
	Sample
}

// TimeToRestore is incident created → resolved (P50 is the median).
type TimeToRestore struct {
	Distribution
	Band Band `json:"band"`
}

// DORA holds the four keys.
type DORA struct {
	DeploymentFrequency DeploymentFrequency `json:"deployment_frequency"`
	LeadTime            LeadTime            `json:"lead_time"`
	ChangeFailureRate   ChangeFailureRate   `json:"change_failure_rate"`
	TimeToRestore       TimeToRestore       `json:"time_to_restore"`
}

// Snapshot is every KPI of one org, scope and period (SPEC §7). It is
// JSON-serializable as is; storage keeps it keyed by (org, scope, period).
type Snapshot struct {
	OrgID      string    `json:"org_id"`
	Scope      Scope     `json:"scope"`
	Period     Period    `json:"period"`
	ComputedAt time.Time `json:"computed_at"`
	// Empty is true when the source returned no row of any kind for the
	// scope and period: every distribution and rate is null, counts are 0,
	// and Health and Risk scores are null.
	Empty bool `json:"empty"`
	// Classifier and StaleAfterDays are the configuration used.
	Classifier Classifier `json:"classifier"`

	Throughput      Throughput      `json:"throughput"`
	ReviewLatency   ReviewLatency   `json:"review_latency"`
	MRCycleTime     Distribution    `json:"mr_cycle_time"`
	IssueCycleTime  IssueCycleTime  `json:"issue_cycle_time"`
	Blockers        Blockers        `json:"blockers"`
	Spillover       Spillover       `json:"spillover"`
	StaleMRs        StaleMRs        `json:"stale_mrs"`
	FailedPipelines FailedPipelines `json:"failed_pipelines"`
	DORA            DORA            `json:"dora"`
	Health          Health          `json:"health"`
	Risk            Risk            `json:"risk"`
	// RiskItems are the rows behind Risk, most severe first, cut at the
	// MaxRiskItems option; RiskItemsTotal is the count before the cut.
	RiskItems      []RiskItem `json:"risk_items"`
	RiskItemsTotal int        `json:"risk_items_total"`
}

// RiskKind names what a risk item is about.
type RiskKind string

// Risk item kinds (SPEC §2).
const (
	RiskBlocker          RiskKind = "blocker"
	RiskStaleMR          RiskKind = "stale_mr"
	RiskFailedPipeline   RiskKind = "failed_pipeline"
	RiskSpillover        RiskKind = "spillover"
	RiskCycleTimeOutlier RiskKind = "cycle_time_outlier"
)

// Severity grades a risk item.
type Severity string

// Severities, worst first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Rank orders severities: critical 4 … low 1, unknown 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// RiskItem is one row behind the release-risk score, linking to its source.
type RiskItem struct {
	// ID is assigned by storage; Compute leaves it empty.
	ID       string   `json:"id,omitempty"`
	Kind     RiskKind `json:"kind"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	URL      string   `json:"url,omitempty"`
	// AgeDays is how long the problem has lasted at period end (blocker
	// age, days since a stale MR's last update, days since a failed
	// pipeline or a sprint completion, or an outlier's cycle time).
	AgeDays float64 `json:"age_days"`
	Ref     Ref     `json:"ref"`
	// Detail is a one-line explanation (e.g. "priority Blocker; blocked by ABC-1").
	Detail string `json:"detail,omitempty"`
}
