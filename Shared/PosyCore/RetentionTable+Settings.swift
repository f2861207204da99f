import PosySchema
import PosySettings

extension RetentionTable {
    /// The table with the days the deployment's settings give (each service reads the same variables).
    public static func rules(_ settings: Settings) throws -> [RetentionRule] {
        try rules(
            positionsDays: settings.value(LocationSettings().retentionDays),
            contactDays: settings.value(OrdersSettings().contactRetentionDays),
            chatDays: settings.value(MessagingSettings().chatRetentionDays),
            mediaDays: settings.value(ReceiptsSettings().mediaRetentionDays),
            notificationsDays: settings.value(NotifySettings().retentionDays),
            outboxHours: settings.value(ServiceSettings().outboxRetentionHours))
    }
}
