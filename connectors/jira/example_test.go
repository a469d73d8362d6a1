package jira_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ovia-hq/ovia/connectors"
	"github.com/ovia-hq/ovia/connectors/jira"
	"github.com/ovia-hq/ovia/identity"
)

func ExampleJQL() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	since := time.Date(2024, 5, 22, 10, 7, 42, 0, time.UTC)
	fmt.Println(jira.JQL([]string{"ENG", "OPS"}, since, berlin))
	// Output: project in ("ENG", "OPS") AND updated >= "2024-05-22 12:07" ORDER BY updated ASC
}

func ExampleConfigFromEnv() {
	env := map[string]string{
		"JIRA_BASE_URL":         "https://acme.atlassian.net",
		"JIRA_EMAIL":            "sync@acme.example",
		"JIRA_API_TOKEN":        "…",
		"JIRA_PROJECT_KEYS":     "eng, ops",
		"JIRA_SYNC_WINDOW_DAYS": "fortnight",
	}
	_, configured, err := jira.ConfigFromEnv(func(k string) string { return env[k] })
	fmt.Println(configured, errors.Is(err, identity.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true true
	// jira: invalid input: JIRA_SYNC_WINDOW_DAYS: "fortnight" is not a whole number of days
}

func ExampleClient_Fetch() {
	cfg, ok, err := jira.ConfigFromEnv(func(string) string { return "" })
	if err != nil || !ok {
		fmt.Println("jira not configured")
		return
	}
	c, err := jira.New(cfg, jira.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for page, err := range c.Fetch(context.Background(), connectors.FetchRequest{Stream: connectors.StreamIssues}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(len(page.Issues), "issues up to", page.MaxUpdated)
	}
	// Output: jira not configured
}
