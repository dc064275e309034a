package main

import (
	"fmt"

	kratix "github.com/syntasso/kratix-go"
)

// Reads what the pipeline runs for through Kratix's SDK and says hello; write the documents to schedule
// with sdk.WriteOutput.
func main() {
	sdk := kratix.New()
	if sdk.WorkflowType() == "promise" {
		fmt.Printf("Hello from %s", sdk.PromiseName())
		return
	}
	resource, err := sdk.ReadResourceInput()
	if err != nil {
		panic(err)
	}
	fmt.Printf("Hello from %s in %s", resource.GetName(), resource.GetNamespace())
}
