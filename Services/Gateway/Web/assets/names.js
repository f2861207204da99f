// The names on the stream the faces use (docs/protocol.md, "The stream"): frames a client sends,
// pushes and events it receives. `StreamFrameType`, `PushType` and the event types in PosySchema are
// the truth; a unit test keeps these equal to them.

/** Frames a client sends (each answered with a `reply`), and the stream's own. */
export const Frame = Object.freeze({
  send: 'msg.send', read: 'msg.read', delivered: 'msg.delivered', recall: 'msg.recall', typing: 'typing',
  callSignal: 'call.signal', locations: 'loc.batch', ping: 'ping', reply: 'reply',
  open: 'stream.open', reset: 'stream.reset',
});

/** Pushes to people (ephemeral). */
export const Push = Object.freeze({
  messageNew: 'msg.new', messageRecalled: 'msg.recalled', messageReceipt: 'msg.receipt', messageUnread: 'msg.unread',
  typing: 'typing', callSignal: 'call.signal', conversationUpdated: 'conv.updated', orderPosition: 'order.position',
  courierPosition: 'courier.position', courierOffDuty: 'courier.offDuty', notification: 'notification',
});

/** Durable events, by type or by the prefix of a family. */
export const Event = Object.freeze({
  orderPrefix: 'order.', changePrefix: 'order.change.', exceptionPrefix: 'exception.', deliveryPrefix: 'delivery.',
  confirmed: 'order.confirmed', unacknowledged: 'order.assignment.unacknowledged',
  proofAccepted: 'proof.accepted', deliveryConfirmed: 'delivery.confirmed', deliveryDisputed: 'delivery.disputed',
  delayRisk: 'delivery.delayRisk', stuck: 'delivery.stuck', signalLost: 'delivery.signalLost',
});

/** Whether frame `f` is a chat message (new, or its recall). */
export const isMessage = (f) => f.type === Push.messageNew || f.type === Push.messageRecalled;

/** Whether frame `f` is for the chat: a message, a receipt, an unread count, a conversation that changed, typing. */
export const isChat = (f) => [Push.messageNew, Push.messageRecalled, Push.messageReceipt, Push.messageUnread,
  Push.conversationUpdated, Push.typing].includes(f.type);
