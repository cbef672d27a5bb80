package app

import "syscall"

// lowerThreadPriority makes the calling OS thread (locked by the caller)
// yield the CPU to the server's other threads and to other processes: on
// Linux each thread has its own nice value. A failure (a sandbox that
// forbids it) only loses the preference.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), hashNice)
}
