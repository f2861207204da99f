/// The rules and templates Posy ships with, as the JSON an operator's `--rules` file uses
/// (`posy-notify --print-rules` prints it to start from).
enum NotifyDefaults {
    static let json = #"""
        {
          "rules": [
            {"event": "order.confirmed", "audience": ["customer"], "template": "order.confirmed", "channels": ["inApp", "email"], "priority": "normal"},
            {"event": "order.assigned", "audience": ["courier"], "template": "order.assigned", "channels": ["inApp", "webPush"], "priority": "high"},
            {"event": "order.assigned", "audience": ["courier"], "template": "order.assigned", "channels": ["sms"], "priority": "high", "condition": "unanswered"},
            {"event": "order.assignment.unacknowledged", "audience": ["staff"], "template": "assignment.unacknowledged", "channels": ["inApp", "webPush"], "priority": "high"},
            {"event": "order.outForDelivery", "audience": ["customer"], "template": "order.outForDelivery", "channels": ["inApp", "webPush", "sms"], "priority": "normal"},
            {"event": "order.outForDelivery", "audience": ["recipient"], "template": "recipient.onTheWay", "channels": ["sms"], "priority": "normal"},
            {"event": "order.arriving", "audience": ["customer"], "template": "order.arriving", "channels": ["inApp", "webPush"], "priority": "normal"},
            {"event": "order.arriving", "audience": ["customer"], "template": "order.arriving", "channels": ["sms"], "priority": "normal", "condition": "withoutPush"},
            {"event": "order.arriving", "audience": ["recipient"], "template": "recipient.arriving", "channels": ["sms"], "priority": "high"},
            {"event": "proof.accepted", "audience": ["customer", "staff"], "template": "delivered", "channels": ["inApp", "webPush", "email"], "priority": "normal"},
            {"event": "proof.accepted", "audience": ["customer"], "template": "delivered", "channels": ["sms"], "priority": "normal", "condition": "withoutPush"},
            {"event": "exception.opened", "audience": ["staff"], "template": "exception.opened", "channels": ["inApp", "webPush"], "priority": "high"},
            {"event": "exception.acknowledged", "audience": ["courier"], "template": "exception.acknowledged.courier", "channels": ["webPush"], "priority": "normal"},
            {"event": "exception.resolved", "audience": ["courier"], "template": "exception.resolved.courier", "channels": ["webPush"], "priority": "normal"},
            {"event": "exception.escalated", "audience": ["manager"], "template": "exception.escalated", "channels": ["inApp", "sms"], "priority": "high"},
            {"event": "delivery.delayRisk", "audience": ["staff"], "template": "delayRisk.staff", "channels": ["inApp"], "priority": "high"},
            {"event": "delivery.delayRisk", "audience": ["customer"], "template": "delayRisk.customer", "channels": ["inApp", "webPush", "sms"], "priority": "high", "coalesce": true},
            {"event": "delivery.signalLost", "audience": ["staff"], "template": "signalLost", "channels": ["inApp"], "priority": "normal"},
            {"event": "delivery.stuck", "audience": ["staff"], "template": "stuck", "channels": ["inApp"], "priority": "normal"},
            {"event": "order.change.requested", "audience": ["staff"], "template": "change.requested", "channels": ["inApp"], "priority": "normal"},
            {"event": "order.change.applied", "audience": ["courier"], "template": "change.applied", "channels": ["inApp", "webPush"], "priority": "high"},
            {"event": "chat.unheard", "audience": ["customer"], "template": "chat.unheard.customer", "channels": ["webPush"], "priority": "normal"},
            {"event": "chat.unheard", "audience": ["courier"], "template": "chat.unheard.courier", "channels": ["webPush"], "priority": "normal"},
            {"event": "delivery.disputed", "audience": ["staff"], "template": "dispute", "channels": ["inApp", "webPush"], "priority": "high"}
          ],
          "templates": {
            "order.confirmed": {
              "en": {"title": "Order confirmed", "body": "{shop} confirmed your order {order}; delivery between {window}."},
              "zh-CN": {"title": "订单已确认", "body": "{shop} 已确认您的订单 {order}，配送时间 {window}。"}
            },
            "order.assigned": {
              "en": {"title": "New delivery", "body": "Order {order} is yours: deliver between {window}. Please accept it."},
              "zh-CN": {"title": "新配送任务", "body": "订单 {order} 已派给您，请在 {window} 送达，请确认接单。"}
            },
            "assignment.unacknowledged": {
              "en": {"title": "Assignment not accepted", "body": "Courier {courier} has not accepted order {order}."},
              "zh-CN": {"title": "派单未确认", "body": "骑手 {courier} 尚未接受订单 {order}。"}
            },
            "order.outForDelivery": {
              "en": {"title": "On the way", "body": "Your flowers are on the way with {courier}. Follow them live: {trackingLink}"},
              "zh-CN": {"title": "配送中", "body": "您的花已由 {courier} 送出，实时查看：{trackingLink}"}
            },
            "recipient.onTheWay": {
              "en": {"title": "Flowers for you", "body": "Flowers from {sender} are on their way to you today between {window}."},
              "zh-CN": {"title": "您有一束花", "body": "{sender} 送您的花正在路上，将于 {window} 送达。"}
            },
            "order.arriving": {
              "en": {"title": "Arriving", "body": "Your courier is about {distance} away and will be there in a few minutes."},
              "zh-CN": {"title": "即将送达", "body": "骑手距离约 {distance}，几分钟后送达。"}
            },
            "recipient.arriving": {
              "en": {"title": "Flowers at your door soon", "body": "Flowers from {sender} arrive in a few minutes. Please be ready to receive them."},
              "zh-CN": {"title": "花即将送到", "body": "{sender} 送您的花几分钟后送到，请准备签收。"}
            },
            "delivered": {
              "en": {"title": "Delivered", "body": "Order {order} was delivered. Photo: {photoLink}"},
              "zh-CN": {"title": "已送达", "body": "订单 {order} 已送达。照片：{photoLink}"}
            },
            "exception.opened": {
              "en": {"title": "Problem: {kind}", "body": "Order {order}: the courier reports {kind}. {note}"},
              "zh-CN": {"title": "异常：{kind}", "body": "订单 {order}：骑手报告{kind}。{note}"}
            },
            "exception.acknowledged.courier": {
              "en": {"title": "The shop is on it", "body": "Order {order}: the shop saw the {kind} report."},
              "zh-CN": {"title": "花店正在处理", "body": "订单 {order}：花店已收到{kind}报告。"}
            },
            "exception.resolved.courier": {
              "en": {"title": "Problem resolved", "body": "Order {order}: the shop resolved the {kind} report."},
              "zh-CN": {"title": "异常已解决", "body": "订单 {order}：花店已解决{kind}报告。"}
            },
            "chat.unheard.customer": {
              "en": {"title": "New message", "body": "You have a new message about your order. Open the page to read it."},
              "zh-CN": {"title": "新消息", "body": "您的订单有新消息，打开页面查看。"}
            },
            "chat.unheard.courier": {
              "en": {"title": "New message", "body": "A new message about order {order}. Open the app to read it."},
              "zh-CN": {"title": "新消息", "body": "订单 {order} 有新消息，打开应用查看。"}
            },
            "exception.escalated": {
              "en": {"title": "Unanswered problem: {kind}", "body": "Nobody at {shop} has acknowledged the {kind} on order {order}."},
              "zh-CN": {"title": "异常无人处理：{kind}", "body": "{shop} 尚无人确认订单 {order} 的{kind}。"}
            },
            "delayRisk.staff": {
              "en": {"title": "Delay risk", "body": "Order {order} may be {lateMinutes} min late (now expected {eta}, window ends {windowEnd})."},
              "zh-CN": {"title": "可能延误", "body": "订单 {order} 可能晚到 {lateMinutes} 分钟（预计 {eta}，截止 {windowEnd}）。"}
            },
            "delayRisk.customer": {
              "en": {"title": "Running late", "body": "We are sorry: your flowers may arrive about {lateMinutes} min late, now expected at {eta}."},
              "zh-CN": {"title": "抱歉，可能晚到", "body": "非常抱歉：您的花可能晚到约 {lateMinutes} 分钟，预计 {eta} 送达。"}
            },
            "signalLost": {
              "en": {"title": "Courier signal lost", "body": "No position from {courier} on order {order} since {lastSeen}."},
              "zh-CN": {"title": "骑手信号中断", "body": "订单 {order} 的骑手 {courier} 自 {lastSeen} 起没有位置更新。"}
            },
            "stuck": {
              "en": {"title": "Courier may be stuck", "body": "{courier} has been near the door of order {order} for a while without delivering."},
              "zh-CN": {"title": "骑手可能受阻", "body": "{courier} 已在订单 {order} 的收件地址附近停留较久，尚未送达。"}
            },
            "change.requested": {
              "en": {"title": "Change requested", "body": "Order {order}: a change was requested and needs a decision."},
              "zh-CN": {"title": "修改申请", "body": "订单 {order} 有修改申请，需要处理。"}
            },
            "change.applied": {
              "en": {"title": "Order changed", "body": "Order {order} changed: check the address, time and drop-off before you go."},
              "zh-CN": {"title": "订单已修改", "body": "订单 {order} 已修改，出发前请核对地址、时间和放置方式。"}
            },
            "dispute": {
              "en": {"title": "Dispute", "body": "The customer disputes order {order}: {reason}"},
              "zh-CN": {"title": "客户投诉", "body": "客户对订单 {order} 提出异议：{reason}"}
            }
          }
        }
        """#
}
