package ovia_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ovia-hq/ovia"
	"github.com/ovia-hq/ovia/identity"
)

// Open a laptop database, import two accounts from an HR export and list
// them: matching has not run yet, so both are unresolved.
func Example() {
	dir, _ := os.MkdirTemp("", "ovia-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	client, err := ovia.Open(ctx, "sqlite:"+filepath.Join(dir, "ovia.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	rows, err := identity.ParseCSV(strings.NewReader(
		"source,external_id,username,email,display_name\n" +
			"gitlab,17,asmirnov,a.smirnov@corp.example,Alexey Smirnov\n" +
			"jira,5b10ac8d82e05b22cc7d4ef5,,,Алексей Смирнов\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := client.Identity().Import(ctx, identity.DefaultOrg, rows); err != nil {
		fmt.Println(err)
		return
	}
	page, err := client.Identity().List(ctx, identity.MappingFilter{Unlinked: true, Sort: identity.SortDisplayName})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range page.Items {
		fmt.Println(m.Identity.Source, m.Identity.DisplayName)
	}
	// Output:
	// gitlab Alexey Smirnov
	// jira Алексей Смирнов
}

// Invalid input comes back as a typed error that errors.Is recognises.
func Example_errors() {
	_, err := ovia.Open(context.Background(), "mysql://root@localhost/ovia")
	fmt.Println(err)
	var ve *ovia.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Fields["db"] != "")
	// Output:
	// invalid input: db: unsupported scheme "mysql"; want sqlite:PATH, a file path, or a postgres:// URL
	// true true
}
