"""The feedback service's components and how they are composed on a runtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from closeloop_feedback.adapters import notification_store, survey_store
from closeloop_feedback.adapters.callback_tasks import CallbackTaskProvider, CallbackTasks
from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.contacts import ContactOpener
from closeloop_feedback.adapters.event_outbox import EventRelay
from closeloop_feedback.adapters.notification_store import NotificationStore
from closeloop_feedback.adapters.providers import Provider
from closeloop_feedback.adapters.rendering import NoticeRenderer
from closeloop_feedback.adapters.sms_webhook import WebhookSmsProvider
from closeloop_feedback.adapters.smtp_provider import SmtpEmailProvider
from closeloop_feedback.adapters.staff_directory import StaffDirectory
from closeloop_feedback.adapters.staff_notification_store import StaffNotificationStore
from closeloop_feedback.adapters.survey_pages import SurveyPages
from closeloop_feedback.adapters.survey_store import SurveyStore
from closeloop_feedback.config import FeedbackSettings
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.ratelimit import RateLimiter
from closeloop_feedback.service_layer.delivery import Delivery
from closeloop_feedback.service_layer.lifecycle import EventHandlers
from closeloop_feedback.service_layer.notifier import Notifier
from closeloop_feedback.service_layer.staff_notifications import StaffNotifications
from closeloop_feedback.service_layer.surveys import SurveyService
from closeloop_shared.crypto import Sealer
from closeloop_shared.runtime import ServiceRuntime


@dataclass
class Feedback:
    """The service's components, shared by consumers, workers and HTTP routes."""

    settings: FeedbackSettings
    records: ComplaintRecords
    notifications: NotificationStore
    survey_store: SurveyStore
    callback_tasks: CallbackTasks
    contacts: ContactOpener
    sealer: Sealer
    surveys: SurveyService
    delivery: Delivery
    handlers: EventHandlers
    staff: StaffNotifications
    staff_store: StaffNotificationStore
    relay: EventRelay
    pages: SurveyPages
    token_limiter: RateLimiter


def smtp(settings: FeedbackSettings) -> SmtpEmailProvider:
    """The SMTP relay both customer and staff mail go through."""
    return SmtpEmailProvider(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        timeout_s=settings.smtp_timeout_s,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


def providers(settings: FeedbackSettings, tasks: CallbackTasks) -> dict[NotifyChannel, Provider]:
    """One provider per channel. Without a gateway no notification is given the SMS
    channel (see ``choose_channel``); SMS ones from before fall back to an agent's call."""
    callback = CallbackTaskProvider(tasks)
    sms: Provider = (
        WebhookSmsProvider(
            settings.sms_webhook_url,
            key=settings.sms_provider_key,
            timeout_s=settings.sms_webhook_timeout_s,
        )
        if settings.sms_webhook_url
        else callback
    )
    return {
        NotifyChannel.email: smtp(settings),
        NotifyChannel.sms: sms,
        NotifyChannel.phone_callback: callback,
    }


def build_feedback(settings: FeedbackSettings, runtime: ServiceRuntime) -> Feedback:
    """Compose the components on the runtime's database and producer."""
    db = runtime.db
    records, notifications = ComplaintRecords(db), NotificationStore(db)
    surveys_db, tasks = SurveyStore(db), CallbackTasks(db)
    sealer = Sealer(settings.pii_key)
    contacts = ContactOpener(sealer)
    notifier = Notifier(notifications, records, sms_gateway=bool(settings.sms_webhook_url))
    renderer = NoticeRenderer(
        public_url=settings.feedback_public_url,
        survey_secret=settings.survey_secret,
        tz=settings.tz,
    )
    surveys = SurveyService(
        store=surveys_db,
        records=records,
        notifier=notifier,
        policy=settings.survey_policy,
        sealer=sealer,
    )
    staff_store = StaffNotificationStore(db)
    staff = StaffNotifications(
        store=staff_store,
        directory=StaffDirectory(db),
        records=records,
        sealer=sealer,
        email=smtp(settings),
        webhooks=settings.staff_webhooks,
        default_hours=settings.staff_default_hours,
        retry=settings.retry_policy,
        lease=timedelta(seconds=settings.notify_lease_s),
        max_age=timedelta(seconds=settings.staff_notify_max_age_s),
    )
    return Feedback(
        settings=settings,
        staff=staff,
        staff_store=staff_store,
        records=records,
        notifications=notifications,
        survey_store=surveys_db,
        callback_tasks=tasks,
        contacts=contacts,
        sealer=sealer,
        surveys=surveys,
        delivery=Delivery(
            store=notifications,
            records=records,
            contacts=contacts,
            renderer=renderer,
            providers=providers(settings, tasks),
            retry=settings.retry_policy,
            lease=timedelta(seconds=settings.notify_lease_s),
        ),
        handlers=EventHandlers(
            records=records,
            notifier=notifier,
            surveys=surveys,
            survey_store=surveys_db,
            delay_notice_clocks=settings.delay_notice_clocks,
        ),
        relay=EventRelay(
            db, runtime.producer, [notification_store.COLLECTION, survey_store.COLLECTION]
        ),
        pages=SurveyPages(settings.tz),
        token_limiter=RateLimiter(settings.survey_rate_per_token, settings.survey_rate_per_minute),
    )
