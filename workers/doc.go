// Package workers defines Backend, the boundary between the engine's
// scheduler and whatever executes runs, and holds its implementations:
// workers/inproc (a pool of goroutines in this process) and workers/plugin
// (a pool of model-plugin worker processes over go-plugin gRPC).
//
// A Backend is a queue: the engine submits tasks, never more than Capacity
// in flight, and reads one Outcome per task from Outcomes. Outcomes may come
// in any order; the engine files them by Task.Index. A backend that loses a
// worker (a crashed or killed process) reports the worker's tasks with
// Lost set, so the engine can retry them; it never drops a task silently.
package workers
