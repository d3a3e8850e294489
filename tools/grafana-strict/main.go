// Command grafana-strict loads Grafana dashboard JSON files with grafana-foundation-sdk's
// strict decoder (Dashboard.UnmarshalJSONStrict, panel plugins registered), the loader the
// SDK's own tooling uses. It prints every problem and exits 1 when any file is rejected.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// failed tells whether the decoder found a problem: it returns its error list typed even when
// the list is empty, so a plain nil check would reject every dashboard.
func failed(err error) bool {
	var problems cog.BuildErrors
	if errors.As(err, &problems) {
		return len(problems) > 0
	}
	return err != nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grafana-strict DASHBOARD.json...")
		os.Exit(2)
	}
	plugins.RegisterDefaultPlugins()
	rejected := 0
	for _, path := range os.Args[1:] {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			rejected++
			continue
		}
		var board dashboard.Dashboard
		if err := board.UnmarshalJSONStrict(raw); failed(err) {
			fmt.Printf("%s: rejected:\n%v\n", path, err)
			rejected++
			continue
		}
		fmt.Printf("%s: ok (%d panels)\n", path, len(board.Panels))
	}
	if rejected > 0 {
		os.Exit(1)
	}
}
