"""Core models: tenants, users and memberships, the audit log, notifications, outbox and job schedule, working groups, webhooks."""
from core.models.audit import AuditChainHead, AuditEvent
from core.models.notification import EmailMode, JobRun, Notification, NotificationPreference, OutboxMail
from core.models.sharing import GroupFeedEntry, SharedRecord, WorkingGroup, WorkingGroupMember
from core.models.tenant import Tenant, TenantPlugin
from core.models.user import ApiToken, Membership, RecoveryCode, Role, User
from core.models.webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = ["ApiToken", "AuditChainHead", "AuditEvent", "EmailMode", "JobRun", "Membership", "Notification",
           "NotificationPreference", "OutboxMail", "RecoveryCode", "Role", "Tenant", "TenantPlugin", "User", "GroupFeedEntry", "SharedRecord",
           "WorkingGroup", "WorkingGroupMember", "DeliveryStatus", "WebhookDelivery", "WebhookEndpoint"]
