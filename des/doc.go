// Package des is the discrete-event kernel of mdtwin: an event calendar
// with deterministic tie-breaking, a simulation clock, and random-number
// streams per entity and event kind for common random numbers.
//
// # Calendar and clock
//
// A Calendar is a binary min-heap of events keyed by (time, insertion
// sequence): the earliest event leaves first and events at the same time
// leave in the order they were scheduled, so a run never depends on heap
// layout or map order (simgo breaks ties the same way; Ciw breaks them at
// random, simmer by explicit priorities). Schedule, Pop and Cancel cost
// O(log n). Cancel removes the event from the heap at once (every slot
// knows its heap position), so cancelled events never fire and never
// linger.
//
// A Simulator adds the clock. There is no goroutine per entity, unlike the
// process-oriented Go libraries (godes, simgo) that hand a goroutine off at
// every event: an Event is a small value (Kind, Entity, Arg) that the
// model's Handler dispatches on, so scheduling and firing allocate nothing
// once the calendar has reached its working size. A model may also drive
// the loop itself with Next, which returns the next event instead of
// calling a Handler:
//
//	var sim des.Simulator
//	sim.Schedule(deathAge, des.Event{Kind: death, Entity: id})
//	h := sim.After(rng.ExpFloat64()/relapseRate, des.Event{Kind: relapse, Entity: id})
//	for {
//		e, ok := sim.Next(horizon)
//		if !ok {
//			break
//		}
//		switch e.Kind { … }      // may Schedule, After and Cancel(h)
//	}
//	sim.Reset()                   // next patient
//
// The time unit is the model's (years in the MS cohort model).
//
// # Common random numbers
//
// Comparing strategies by simulation, the difference between two strategies
// should come from the strategies, not from the random numbers: each
// simulated patient should meet the same random numbers in every strategy
// (common random numbers; Karnon et al. 2012, ISPOR-SMDM Task Force
// report 4, Value Health 15:821). Stream(seed, entity, kind) gives each
// entity and each kind of event its own generator, so the draws of one
// patient's relapse stream do not depend on how many numbers other patients,
// or the patient's other event kinds, have consumed — one stream per event
// type, as that report recommends, and as WARDEN clones seeds per patient
// across arms. A strategy that changes how relapses unfold desynchronises
// only the relapse stream. Use the run's seed (scenarios.RunSeed) for every
// strategy of the run. Streams reseeds one generator per kind in place for
// each patient, without allocating.
//
// The generator is PCG-DXSM (math/rand/v2; O'Neill 2014) with the 128-bit
// seed (s1, s2) from SplitMix64's finaliser mix (Steele, Lea & Flood 2014,
// OOPSLA; as in Vigna's splitmix64.c), all sums mod 2⁶⁴ and
// γ = 0x9e3779b97f4a7c15:
//
//	e  = mix(seed + (entity+1)·γ)
//	s1 = mix(e + (kind+1)·γ)
//	s2 = mix(s1 ^ 0xd1b54a32d192ed03)
//	mix(z): z = (z ^ z>>30)·0xbf58476d1ce4e5b9; z = (z ^ z>>27)·0x94d049bb133111eb; z ^ z>>31
//
// mix is a bijection, so for one seed two streams that share the entity or
// the kind always start from different states; any other two coincide with
// probability 2⁻⁶⁴.
//
// # Verification and speed
//
// The tests check the kernel on an M/M/1 queue (arrival rate λ, service
// rate μ) against the mean wait in queue and the utilisation
//
//	Wq = λ/(μ(μ−λ)),   ρ = λ/μ
//
// (Kleinrock 1975, Queueing Systems vol. 1, ch. 3), with a tolerance from
// the batch-means standard error. BenchmarkEvents measures events per
// second in the hold model (pop one event, schedule one) with 1,000 events
// pending.
package des
