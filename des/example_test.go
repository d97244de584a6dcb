package des_test

import (
	"fmt"
	"math"

	"github.com/mdtwin/mdtwin/des"
)

// Event kinds of a toy patient model.
const (
	relapse = iota
	therapySwitch
	death
)

func ExampleSimulator_Next() {
	// One patient, driven by Next (reverse communication): relapses every
	// 1.5 years, a therapy switch planned at 5 years, death at 4.2 years,
	// which cancels the switch and ends the patient's history.
	var sim des.Simulator
	sim.Schedule(1.5, des.Event{Kind: relapse})
	sw := sim.Schedule(5, des.Event{Kind: therapySwitch})
	sim.Schedule(4.2, des.Event{Kind: death})
	for {
		e, ok := sim.Next(math.Inf(1))
		if !ok {
			break
		}
		switch e.Kind {
		case relapse:
			fmt.Printf("%.1f relapse\n", sim.Now())
			sim.After(1.5, des.Event{Kind: relapse})
		case therapySwitch:
			fmt.Printf("%.1f switch\n", sim.Now())
		case death:
			fmt.Printf("%.1f death; switch cancelled: %v\n", sim.Now(), sim.Cancel(sw))
			sim.Reset() // ready for the next patient
		}
	}
	// Output:
	// 1.5 relapse
	// 3.0 relapse
	// 4.2 death; switch cancelled: true
}

func ExampleSimulator_Run() {
	// Events at the same time fire in the order they were scheduled.
	sim := des.Simulator{Handler: des.HandlerFunc(func(sim *des.Simulator, e des.Event) {
		fmt.Println(sim.Now(), e.Entity)
	})}
	for _, id := range []int{3, 1, 2} {
		sim.Schedule(1, des.Event{Entity: id})
	}
	sim.Schedule(0.5, des.Event{Entity: 9})
	fmt.Println(sim.Run(10), "events; clock at", sim.Now())
	// Output:
	// 0.5 9
	// 1 3
	// 1 1
	// 1 2
	// 4 events; clock at 10
}

func ExampleStreams() {
	// Common random numbers: patient 7's relapse stream gives the same
	// draws in both strategies, however much the other kinds draw.
	const seed, kinds = 2024, 3
	st := des.NewStreams(seed, kinds)

	st.Reset(7)
	a := st.Rand(relapse).Float64()

	st.Reset(7)
	for range 5 {
		st.Rand(death).Float64() // another strategy draws more for death
	}
	b := st.Rand(relapse).Float64()

	fmt.Println(a == b, a == des.Stream(seed, 7, relapse).Float64())
	// Output:
	// true true
}
