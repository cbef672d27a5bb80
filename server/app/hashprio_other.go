//go:build !linux

package app

// lowerThreadPriority does nothing where threads have no nice value of
// their own; the hashing slots still bound the CPU a flood can take.
func lowerThreadPriority() {}
