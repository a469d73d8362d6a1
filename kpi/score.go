package kpi

import (
	"math"
	"time"
)

// DORA 2024 thresholds. The report's change-failure cluster values (elite
// 5%, high 20%, medium 10%, low 40%) are not monotone, so Ovia sorts them
// (elite ≤ 5%, high ≤ 10%, medium ≤ 20%); its medium recovery band ("less
// than one day", like high) is widened to one week so each band differs.
const (
	day  = 24 * time.Hour
	week = 7 * day
)

// DeployFrequencyBand bands deploys per day: elite ≥ 1 (on demand, daily or
// more), high ≥ 1/7 (at least weekly), medium ≥ 1/30 (at least monthly),
// else low.
func DeployFrequencyBand(perDay Value) Band {
	switch {
	case !perDay.Valid:
		return ""
	case perDay.V >= 1:
		return BandElite
	case perDay.V >= 1.0/7:
		return BandHigh
	case perDay.V >= 1.0/30:
		return BandMedium
	}
	return BandLow
}

// LeadTimeBand bands the median lead time in hours: elite < 1 day, high < 1
// week, medium < 30 days, else low.
func LeadTimeBand(hours Value) Band {
	return durationBand(hours, 24, 24*7, 24*30)
}

// TimeToRestoreBand bands the median restore time in hours: elite < 1 hour,
// high < 1 day, medium < 1 week, else low.
func TimeToRestoreBand(hours Value) Band {
	return durationBand(hours, 1, 24, 24*7)
}

func durationBand(v Value, elite, high, medium float64) Band {
	switch {
	case !v.Valid:
		return ""
	case v.V < elite:
		return BandElite
	case v.V < high:
		return BandHigh
	case v.V < medium:
		return BandMedium
	}
	return BandLow
}

// ChangeFailureBand bands the change failure rate (0–1): elite ≤ 0.05,
// high ≤ 0.10, medium ≤ 0.20, else low.
func ChangeFailureBand(rate Value) Band {
	switch {
	case !rate.Valid:
		return ""
	case rate.V <= 0.05:
		return BandElite
	case rate.V <= 0.10:
		return BandHigh
	case rate.V <= 0.20:
		return BandMedium
	}
	return BandLow
}

// Score maps a band to [0,1]: elite 1, high 2/3, medium 1/3, low 0.
func (b Band) Score() Value {
	switch b {
	case BandElite:
		return Some(1)
	case BandHigh:
		return Some(2.0 / 3)
	case BandMedium:
		return Some(1.0 / 3)
	case BandLow:
		return Some(0)
	}
	return Null
}

// Health component names.
const (
	HealthReviewLatency   = "review_latency_p50_hours"
	HealthIssueCycleP90   = "issue_cycle_time_p90_hours"
	HealthFailedPipelines = "default_branch_failure_rate"
	HealthStaleMRs        = "stale_mr_percent"
	HealthBlockers        = "open_blockers"
	HealthSpillover       = "spillover_rate"
	HealthDORA            = "dora_bands"
)

// HealthInputs are the raw figures delivery health reads; a null input is a
// missing component.
type HealthInputs struct {
	ReviewLatencyP50Hours  Value
	IssueCycleTimeP90Hours Value
	FailureRate            Value // default-branch pipeline failure rate, 0–1
	StaleMRPercent         Value // 0–100
	OpenBlockers           Value // count
	SpilloverRate          Value // 0–1
	// DORA is the mean Band.Score of the keys that have a band (0–1).
	DORA Value
}

// HealthComponent is one term of the health score. Normalized is 1 at or
// below Good and 0 at or above Bad, linear between (for DORA, the band
// score itself). Weight is the nominal weight; EffectiveWeight re-weights
// over the present components (Weight ÷ sum of present weights);
// Contribution is 100 × EffectiveWeight × Normalized.
type HealthComponent struct {
	Name            string  `json:"name"`
	Input           Value   `json:"input"`
	Good            float64 `json:"good"`
	Bad             float64 `json:"bad"`
	Normalized      Value   `json:"normalized"`
	Weight          float64 `json:"weight"`
	EffectiveWeight float64 `json:"effective_weight"`
	Contribution    Value   `json:"contribution"`
	Missing         bool    `json:"missing"`
}

// Health is the delivery-health score, 0–100 (higher is better); null when
// every component is missing.
type Health struct {
	Definition string            `json:"definition"`
	Score      Value             `json:"score"`
	Components []HealthComponent `json:"components"`
	// Missing names the components without data; their weight went to the
	// others.
	Missing []string `json:"missing"`
}

type healthSpec struct {
	name      string
	good, bad float64
	weight    float64
	input     func(HealthInputs) Value
}

var healthSpecs = []healthSpec{
	{HealthReviewLatency, 4, 72, 0.15, func(h HealthInputs) Value { return h.ReviewLatencyP50Hours }},
	{HealthIssueCycleP90, 72, 720, 0.15, func(h HealthInputs) Value { return h.IssueCycleTimeP90Hours }},
	{HealthFailedPipelines, 0.05, 0.5, 0.15, func(h HealthInputs) Value { return h.FailureRate }},
	{HealthStaleMRs, 5, 50, 0.10, func(h HealthInputs) Value { return h.StaleMRPercent }},
	{HealthBlockers, 0, 10, 0.15, func(h HealthInputs) Value { return h.OpenBlockers }},
	{HealthSpillover, 0.10, 0.50, 0.10, func(h HealthInputs) Value { return h.SpilloverRate }},
	{HealthDORA, 1, 0, 0.20, func(h HealthInputs) Value { return h.DORA }},
}

// HealthDefinition describes the health formula.
const HealthDefinition = "100 × Σ(weight × normalized) ÷ Σ(weight) over present components; " +
	"normalized = clamp((bad − input) ÷ (bad − good), 0, 1); missing components are re-weighted away"

// ScoreHealth computes delivery health from its inputs. It is monotone:
// worsening any one input never raises the score.
func ScoreHealth(in HealthInputs) Health {
	h := Health{Definition: HealthDefinition, Components: make([]HealthComponent, 0, len(healthSpecs)), Missing: []string{}}
	present := 0.0
	for _, s := range healthSpecs {
		if s.input(in).Valid {
			present += s.weight
		}
	}
	var sum float64
	for _, s := range healthSpecs {
		v := s.input(in)
		c := HealthComponent{Name: s.name, Input: v, Good: s.good, Bad: s.bad, Weight: s.weight}
		if !v.Valid || math.IsNaN(v.V) {
			c.Missing = true
			h.Missing = append(h.Missing, s.name)
			h.Components = append(h.Components, c)
			continue
		}
		n := clamp01((s.bad - v.V) / (s.bad - s.good))
		c.Normalized = Some(n)
		c.EffectiveWeight = s.weight / present
		c.Contribution = Some(100 * c.EffectiveWeight * n)
		sum += c.Contribution.V
		h.Components = append(h.Components, c)
	}
	if present > 0 {
		h.Score = Some(clamp(sum, 0, 100))
	}
	return h
}

func clamp01(x float64) float64 { return clamp(x, 0, 1) }

func clamp(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Risk component names.
const (
	RiskBlockerCount     = "open_blockers"
	RiskBlockerAge       = "oldest_blocker_days"
	RiskFailingBranches  = "failing_default_branches"
	RiskStaleMRPercent   = "stale_mr_percent"
	RiskSpilloverRate    = "spillover_rate"
	RiskCycleOutlierRate = "cycle_time_outliers"
)

// RiskInputs are the raw figures release risk reads; a null input adds no
// risk.
type RiskInputs struct {
	OpenBlockers           Value // count
	OldestBlockerDays      Value
	FailingDefaultBranches Value // projects whose latest default-branch pipeline failed
	StaleMRPercent         Value // 0–100
	SpilloverRate          Value // 0–1
	CycleTimeOutliers      Value // count
}

// RiskComponent is one term of the risk score: Points = Weight ×
// clamp(Input ÷ Saturation, 0, 1).
type RiskComponent struct {
	Name       string  `json:"name"`
	Input      Value   `json:"input"`
	Saturation float64 `json:"saturation"`
	Weight     float64 `json:"weight"`
	Points     float64 `json:"points"`
}

// Risk labels.
const (
	RiskLow      = "low"
	RiskMedium   = "medium"
	RiskHigh     = "high"
	RiskCritical = "critical"
)

// Risk is the release-risk score, 0–100 (higher is riskier), and its label:
// low < 25 ≤ medium < 50 ≤ high < 75 ≤ critical.
type Risk struct {
	Definition string          `json:"definition"`
	Score      Value           `json:"score"`
	Label      string          `json:"label"`
	Components []RiskComponent `json:"components"`
}

type riskSpec struct {
	name       string
	saturation float64
	weight     float64
	input      func(RiskInputs) Value
}

var riskSpecs = []riskSpec{
	{RiskBlockerCount, 5, 25, func(r RiskInputs) Value { return r.OpenBlockers }},
	{RiskBlockerAge, 30, 10, func(r RiskInputs) Value { return r.OldestBlockerDays }},
	{RiskFailingBranches, 3, 25, func(r RiskInputs) Value { return r.FailingDefaultBranches }},
	{RiskStaleMRPercent, 50, 15, func(r RiskInputs) Value { return r.StaleMRPercent }},
	{RiskSpilloverRate, 0.5, 15, func(r RiskInputs) Value { return r.SpilloverRate }},
	{RiskCycleOutlierRate, 5, 10, func(r RiskInputs) Value { return r.CycleTimeOutliers }},
}

// RiskDefinition describes the risk formula.
const RiskDefinition = "Σ weight × clamp(input ÷ saturation, 0, 1) over components (weights sum to 100); " +
	"label low < 25 ≤ medium < 50 ≤ high < 75 ≤ critical"

// ScoreRisk computes release risk from its inputs. It is monotone:
// worsening any one input never lowers the score.
func ScoreRisk(in RiskInputs) Risk {
	r := Risk{Definition: RiskDefinition, Components: make([]RiskComponent, 0, len(riskSpecs))}
	var sum float64
	for _, s := range riskSpecs {
		v := s.input(in)
		c := RiskComponent{Name: s.name, Input: v, Saturation: s.saturation, Weight: s.weight}
		if v.Valid && !math.IsNaN(v.V) {
			c.Points = s.weight * clamp01(v.V/s.saturation)
		}
		sum += c.Points
		r.Components = append(r.Components, c)
	}
	r.Score = Some(clamp(sum, 0, 100))
	r.Label = RiskLabel(r.Score.V)
	return r
}

// RiskLabel labels a risk score.
func RiskLabel(score float64) string {
	switch {
	case score >= 75:
		return RiskCritical
	case score >= 50:
		return RiskHigh
	case score >= 25:
		return RiskMedium
	}
	return RiskLow
}
