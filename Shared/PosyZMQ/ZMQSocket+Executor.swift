/// A socket is also a task executor: a task started with it as its preference runs between the
/// loop's polls, on the thread that owns the socket (docs/architecture.md, "Threads"). A request
/// handled that way needs no other thread to start it, resume it after its store or send its reply.
/// Only for short work that awaits everything slow: while a job runs the socket neither sends nor receives.
extension ZMQSocket: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if !enqueue(.run(job)) { Self.runElsewhere(job) }
    }

    /// A job that came after the socket closed still runs, on the global executor: a task must never
    /// be left waiting on a thread that is gone.
    static func runElsewhere(_ job: UnownedJob) {
        globalConcurrentExecutor.enqueue(ExecutorJob(job))
    }
}
