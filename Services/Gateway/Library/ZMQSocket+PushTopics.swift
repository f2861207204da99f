import PosyZMQ

/// The hub's bus socket is where its push topics are subscribed.
extension ZMQSocket: PushTopics.Target {}
