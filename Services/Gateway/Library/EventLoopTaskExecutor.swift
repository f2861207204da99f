import NIOCore

/// Runs a task's jobs on one NIO event loop. A stream's client frames are answered in a task that
/// prefers its connection's loop: the frame is read, its RPC sent, the reply resumed and written
/// on the thread that owns the socket, without waking the shared pool on the way
/// (docs/architecture.md, "Threads"). Only for work that awaits everything slow.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
