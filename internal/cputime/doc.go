// Package cputime reads the CPU time (user + system) the process has used.
// Benchmarks report it per operation beside the wall time, which a machine
// shared with other jobs inflates.
package cputime
