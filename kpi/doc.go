// Package kpi defines Ovia's delivery metrics and computes them (SPEC §6, §7).
//
// The computations are pure: [Compute] streams the rows a snapshot needs from
// a [Source] (storage implements it; [MemSource] is the in-memory one for
// tests and library users), re-checks every predicate, and returns a
// JSON-serializable [Snapshot] holding throughput, review latency, MR and
// issue cycle time, blockers, spillover, stale merge requests, failed
// pipelines, the four DORA keys with their 2024 bands, a delivery-health
// score, a release-risk score and the risk items behind it. Every metric
// carries its sample size, the [Ref]s of the rows behind it and the
// definition actually used; percentiles are exact nearest-rank and an empty
// sample gives a null [Value], never 0. [Store] is what storage implements
// to keep snapshot history ([MemStore] is the in-memory reference).
// docs/metrics.md documents every formula.
package kpi
