package pipeline_test

import (
	"fmt"
	"math"

	"github.com/gopline/gopline/pipeline"
)

// BlinkConfig is the Go config of an element, blink.
type BlinkConfig struct {
	Rate  float64
	Count int
}

var blinkSpec = pipeline.ElementSpec[BlinkConfig]{
	Name: "blink", Summary: "blinks",
	Fields: []pipeline.Field[BlinkConfig]{
		pipeline.FloatField("rate", 2, func(c *BlinkConfig) *float64 { return &c.Rate }).Range(0.1, 100).Doc("blinks per second"),
		pipeline.IntField("count", -1, func(c *BlinkConfig) *int { return &c.Count }).Range(-1, 1000).Doc("blinks, -1 for ever"),
	},
	New: func(BlinkConfig) (pipeline.Element, error) { return pipeline.Element{}, nil },
}

// An element's spec gives the defaults of its Go config, and checks a Go
// config by the rules of the one-line syntax.
func ExampleElementSpec() {
	fmt.Printf("%+v\n", blinkSpec.Defaults())
	// A zero that is not a value (a rate of 0) takes the default; a zero
	// that is one (no blinks) is kept.
	cfg, err := blinkSpec.Resolve(BlinkConfig{})
	fmt.Printf("%+v %v\n", cfg, err)
	_, err = blinkSpec.Resolve(BlinkConfig{Rate: math.NaN()})
	fmt.Println(err)

	r := pipeline.NewRegistry()
	if err := r.Register(blinkSpec.Spec()); err != nil {
		fmt.Println(err)
	}
	_, err = r.Make("blink", map[string]string{"rate": "+Inf"})
	fmt.Println(err)
	// Output:
	// {Rate:2 Count:-1}
	// {Rate:2 Count:0} <nil>
	// blink: property rate: NaN is not a finite number
	// blink: property rate: +Inf is not a finite number
}
